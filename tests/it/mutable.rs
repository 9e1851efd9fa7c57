//! Mutation-tracking containers through the Session: what a flush writes (a patch or the
//! whole value) and what the row holds afterwards.

use mapped::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Counts how often the Session compares or copies a tracked document's content.
static EQ_CALLS: AtomicUsize = AtomicUsize::new(0);
static CLONES: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Counted {
    items: Vec<i32>,
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        EQ_CALLS.fetch_add(1, Ordering::SeqCst);
        self.items == other.items
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        CLONES.fetch_add(1, Ordering::SeqCst);
        Counted {
            items: self.items.clone(),
        }
    }
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "mt_counted")]
struct CountedRow {
    #[mapped(primary_key)]
    id: i64,
    n: i32,
    doc: MutableJson<Counted>,
}

#[tokio::test(flavor = "current_thread")]
async fn the_dirty_check_never_compares_or_copies_an_unchanged_container() {
    let db = test_db("mt_counted").await;
    db.create_all(&[CountedRow::TABLE], false).await.unwrap();
    let mut s = db.session();
    for id in 0..100 {
        s.add(CountedRow {
            id,
            n: 0,
            doc: MutableJson::new(Counted {
                items: (0..100).collect(),
            }),
        })
        .unwrap();
    }
    s.commit().await.unwrap();
    let mut s = db.session();
    let rows = s.all(&CountedRow::query()).await.unwrap();
    assert_eq!(rows.len(), 100);
    EQ_CALLS.store(0, Ordering::SeqCst);
    CLONES.store(0, Ordering::SeqCst);
    // Every object is borrowed for writing (the Session keeps a copy of each row) and
    // another column changes: the documents are neither copied nor compared.
    for r in &rows {
        r.edit(|r| r.n += 1);
    }
    assert!(rows.iter().all(|r| r.is_modified()));
    let (log, _guard) = capture();
    s.commit().await.unwrap();
    assert_eq!(EQ_CALLS.load(Ordering::SeqCst), 0);
    assert_eq!(CLONES.load(Ordering::SeqCst), 0);
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE mt_counted");
    assert_eq!(updates.len(), 1);
    assert_eq!(crate::sql_log::set_columns(&updates[0].sql), ["n"]);
    // Changing one document copies it once (copy-on-write) and writes one path.
    rows[7].edit(|r| r.doc.items[3] = -3);
    assert_eq!(CLONES.load(Ordering::SeqCst), 1);
    s.commit().await.unwrap();
    assert_eq!(EQ_CALLS.load(Ordering::SeqCst), 0);
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE mt_counted");
    assert_eq!(
        assignments(&updates[0].sql),
        [r#""doc" = jsonb_set("__mapped_t"."doc", $1::TEXT::text[], $2::JSONB)"#]
    );
    let mut fresh = db.session();
    let back = fresh.get::<CountedRow>(7).await.unwrap().unwrap();
    assert_eq!(back.read().doc.items[3], -3);
    assert_eq!(back.read().doc.items[4], 4);
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Settings {
    name: String,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "mt_settings")]
struct SettingsRow {
    #[mapped(primary_key)]
    id: i64,
    doc: MutableJson<Settings>,
}

#[tokio::test(flavor = "current_thread")]
async fn a_typed_document_is_patched_from_the_document_as_stored() {
    let db = test_db("mt_settings").await;
    db.create_all(&[SettingsRow::TABLE], false).await.unwrap();
    // Stored by someone else: no `theme`, no `tags` (serde defaults), an unknown key, and
    // enough other keys that a small change is a patch.
    let mut stored = json!({"name": "Ann", "extra": {"keep": true}});
    for i in 0..20 {
        stored[format!("k{i}")] = json!(i);
    }
    db.execute_sql(&format!(
        "INSERT INTO mt_settings (id, doc) VALUES (1, '{stored}'::jsonb)"
    ))
    .await
    .unwrap();
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<SettingsRow>(1).await.unwrap().unwrap();
    obj.edit(|r| r.doc.theme = Some("dark".into()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE mt_settings");
    assert_eq!(updates.len(), 1, "{stmts:#?}");
    // The diff starts from the stored document: the keys serde does not know go, the
    // defaults appear, and `theme` is set (a re-serialization as the base would have
    // sent `theme` into a document whose other keys it never saw).
    let doc: String = db
        .query_scalar(&raw_query::<Text>(
            "SELECT doc::text FROM mt_settings WHERE id = 1",
        ))
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc, json!({"name": "Ann", "theme": "dark", "tags": []}));
    let mut fresh = db.session();
    let back = fresh.get::<SettingsRow>(1).await.unwrap().unwrap();
    assert_eq!(*back.read().doc, *obj.read().doc);
}
