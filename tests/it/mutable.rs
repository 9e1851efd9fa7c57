//! Mutation-tracking containers through the Session: what a flush writes (a patch or the
//! whole value) and what the row holds afterwards.

use mapped::prelude::*;
use serde_json::{Value, json};

use crate::sql_log::{assignments, capture, of};
use crate::support::test_db;

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "mt_items")]
struct Item {
    #[mapped(primary_key)]
    id: i64,
    tags: MutableList<String>,
    codes: MutableSet<i32>,
    attrs: MutableDict,
    doc: MutableJson<Value>,
}

fn item(id: i64) -> Item {
    Item {
        id,
        tags: vec!["a".to_owned(), "b".to_owned()].into(),
        codes: [1, 2, 3].into_iter().collect(),
        attrs: [
            ("k1", Some("v1")),
            ("k2", Some("v2")),
            ("k3", None),
            ("k4", Some("4")),
        ]
        .into_iter()
        .collect(),
        doc: MutableJson::new(json!({"a": {"b": 1}, "c": [1, 2], "d": "x"})),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn smoke_every_wrapper_patches_and_the_row_matches() {
    let db = test_db("mt_smoke").await;
    db.create_all(&[Item::TABLE], false).await.unwrap();
    let mut s = db.session();
    s.add(item(1)).unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    let obj = s.get::<Item>(1).await.unwrap().unwrap();
    obj.edit(|i| {
        i.tags.push("c".to_owned());
        i.codes.insert(9);
        i.codes.remove(&1);
        i.attrs.set("k1", "new");
        i.attrs.remove("k2");
        i.doc["a"]["b"] = json!(2);
    });
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE mt_items");
    assert_eq!(updates.len(), 1, "{stmts:#?}");
    let set = assignments(&updates[0].sql);
    assert_eq!(
        set,
        [
            r#""tags" = array_append("__mapped_t"."tags", $1::TEXT)"#,
            r#""codes" = ARRAY(SELECT unnest(array_cat("__mapped_t"."codes", $2::INTEGER[])) EXCEPT SELECT unnest($3::INTEGER[]))"#,
            r#""attrs" = ("__mapped_t"."attrs" - $4::TEXT::text[]) || $5::HSTORE"#,
            r#""doc" = jsonb_set("__mapped_t"."doc", $6::TEXT::text[], $7::JSONB)"#,
        ],
        "{}",
        updates[0].sql
    );
    let mut fresh = db.session();
    let back = fresh.get::<Item>(1).await.unwrap().unwrap().cloned();
    assert_eq!(back, obj.cloned());
    assert_eq!(*back.tags, ["a", "b", "c"]);
    assert_eq!(back.codes.iter().copied().collect::<Vec<_>>(), [2, 3, 9]);
    assert_eq!(back.attrs.get("k1"), Some(&Some("new".to_owned())));
    assert!(!back.attrs.contains_key("k2"));
    assert_eq!(back.doc["a"]["b"], json!(2));
}
