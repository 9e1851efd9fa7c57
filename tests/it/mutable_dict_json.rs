//! `MutableDict` (HSTORE) and `MutableJson<T>` (JSONB) through the Session against the real
//! server: for every way of changing them, what the flush sent (a patch, the whole value, or
//! nothing) and what the row holds afterwards; batching of many patched rows; two real
//! concurrent sessions editing different keys of one row (both edits survive a patch, one is
//! lost to a whole-value write); rollback.

use std::collections::BTreeMap;
use std::ops::DerefMut;
use std::sync::Arc;
use std::time::Duration;

use mapped::orm_core::mutable::MAX_JSON_PATHS;
use mapped::prelude::*;
use serde_json::{Value, json};
use tracing::instrument::WithSubscriber;

use crate::sql_log::{SqlLog, Stmt, assignments, capture, of};
use crate::support::test_db;

type Map = BTreeMap<String, Option<String>>;

// ---------------------------------------------------------------------------------------
// Models and fixtures
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "md_dicts")]
struct MdDict {
    #[mapped(primary_key)]
    id: i64,
    attrs: MutableDict,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "md_docs")]
struct MdDoc {
    #[mapped(primary_key)]
    id: i64,
    doc: MutableJson<Value>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Address {
    city: String,
    zip: String,
    lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Profile {
    name: String,
    address: Address,
    tags: Vec<String>,
    nickname: Option<String>,
    score: i32,
    bio: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "md_profiles")]
struct MdProfile {
    #[mapped(primary_key)]
    id: i64,
    profile: MutableJson<Profile>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "md_opts")]
struct MdOpt {
    #[mapped(primary_key)]
    id: i64,
    attrs: Option<MutableDict>,
    doc: Option<MutableJson<Value>>,
}

/// Both containers in one row: batching, concurrency and rollback.
#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "md_shared")]
struct MdShared {
    #[mapped(primary_key)]
    id: i64,
    attrs: MutableDict,
    doc: MutableJson<Value>,
}

/// Ten keys `k0..k9` with values `v0..v9`: small enough changes patch.
fn attrs10() -> Map {
    (0..10)
        .map(|i| (format!("k{i}"), Some(format!("v{i}"))))
        .collect()
}

fn pad() -> Value {
    Value::Object((0..10).map(|i| (format!("p{i}"), json!(i))).collect())
}

/// A document of 29 nodes: small changes patch, big ones write it whole.
fn doc_base() -> Value {
    json!({
        "a": {"b": 1, "c": "keep"},
        "list": [1, 2, 3],
        "nested": {"arr": [10, 20], "deep": {"x": {"y": true}}},
        "k": "v",
        "num": 3.5,
        "nul": null,
        "pad": pad(),
    })
}

fn profile() -> Profile {
    Profile {
        name: "Ada".to_owned(),
        address: Address {
            city: "London".to_owned(),
            zip: "N1".to_owned(),
            lines: vec!["1 Road".to_owned(), "Flat 2".to_owned()],
        },
        tags: vec!["math".to_owned(), "code".to_owned(), "poetry".to_owned()],
        nickname: None,
        score: 10,
        bio: "Analyst".to_owned(),
    }
}

fn shared(id: i64) -> MdShared {
    MdShared {
        id,
        attrs: attrs10().into(),
        doc: MutableJson::new(doc_base()),
    }
}

// ---------------------------------------------------------------------------------------
// SQL expected and read back
// ---------------------------------------------------------------------------------------

const ATTRS_SET: &str = r#""attrs" = "__mapped_t"."attrs" || $1::HSTORE"#;
const ATTRS_REMOVE: &str = r#""attrs" = "__mapped_t"."attrs" - $1::TEXT::text[]"#;
const ATTRS_BOTH: &str = r#""attrs" = ("__mapped_t"."attrs" - $1::TEXT::text[]) || $2::HSTORE"#;
const ATTRS_WHOLE: &str = r#""attrs" = $1"#;
const DOC_SET: &str = r#""doc" = jsonb_set("__mapped_t"."doc", $1::TEXT::text[], $2::JSONB)"#;
const DOC_WHOLE: &str = r#""doc" = $1"#;
const DOC_APPEND: &str =
    r#""doc" = jsonb_insert("__mapped_t"."doc", $1::TEXT::text[], $2::JSONB, true)"#;

/// The assignment of `"doc"` (or `col`) for a single-row JSONB patch of `deletes` removed
/// paths and `sets` set paths, parameters from `$first`: what the flush must send.
fn jsonb_patch(col: &str, first: usize, deletes: usize, sets: usize) -> String {
    jsonb_patch_appending(col, first, deletes, sets, 0)
}

/// [`jsonb_patch`] with `appends` array elements appended after the sets
/// (`jsonb_insert(.., '{path,-1}', v, true)`).
fn jsonb_patch_appending(
    col: &str,
    first: usize,
    deletes: usize,
    sets: usize,
    appends: usize,
) -> String {
    let mut s = format!(r#""{col}" = "#);
    s.push_str(&"jsonb_insert(".repeat(appends));
    s.push_str(&"jsonb_set(".repeat(sets));
    let mut n = first;
    if deletes > 0 {
        s.push('(');
    }
    s.push_str(&format!(r#""__mapped_t"."{col}""#));
    for _ in 0..deletes {
        s.push_str(&format!(" #- ${n}::TEXT::text[]"));
        n += 1;
    }
    if deletes > 0 {
        s.push(')');
    }
    for _ in 0..sets {
        s.push_str(&format!(", ${n}::TEXT::text[], ${}::JSONB)", n + 1));
        n += 2;
    }
    for _ in 0..appends {
        s.push_str(&format!(", ${n}::TEXT::text[], ${}::JSONB, true)", n + 1));
        n += 2;
    }
    s
}

/// The one UPDATE's one assignment.
fn only_assignment(updates: &[Stmt]) -> String {
    assert_eq!(updates.len(), 1, "one UPDATE: {updates:#?}");
    let set = assignments(&updates[0].sql);
    assert_eq!(set.len(), 1, "one column set: {}", updates[0].sql);
    set.into_iter().next().unwrap()
}

fn owned(stmts: &[Stmt], shape: &str) -> Vec<Stmt> {
    of(stmts, shape).into_iter().cloned().collect()
}

async fn text(db: &Database, query: RawQuery<Text>) -> String {
    db.query_scalar(&query)
        .await
        .unwrap_or_else(|e| panic!("{query:?}: {e}"))
}

async fn truth(db: &Database, query: RawQuery<Bool>) -> bool {
    db.query_scalar(&query)
        .await
        .unwrap_or_else(|e| panic!("{query:?}: {e}"))
}

async fn load_dict(db: &Database) -> Map {
    let mut s = db.session();
    let obj = s.get::<MdDict>(1).await.unwrap().unwrap();
    obj.cloned().attrs.into_inner()
}

async fn load_doc(db: &Database) -> Value {
    let mut s = db.session();
    let obj = s.get::<MdDoc>(1).await.unwrap().unwrap();
    obj.cloned().doc.into_inner()
}

async fn load_shared(db: &Database, id: i64) -> MdShared {
    let mut s = db.session();
    s.get::<MdShared>(id).await.unwrap().unwrap().cloned()
}

// ---------------------------------------------------------------------------------------
// 1. MutableDict: every way of changing it
// ---------------------------------------------------------------------------------------

/// Row 1 holds [`attrs10`]; a new session loads it, `edit`s its map and commits. Returns the
/// UPDATEs sent and the map a fresh session reads back (checked equal to the object's).
async fn dict_case(name: &str, edit: impl FnOnce(&mut MutableDict)) -> (Vec<Stmt>, Map) {
    let db = test_db(name).await;
    db.create_all(&[MdDict::TABLE], false).await.unwrap();
    let mut s = db.session();
    s.add(MdDict {
        id: 1,
        attrs: attrs10().into(),
    })
    .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<MdDict>(1).await.unwrap().unwrap();
    obj.edit(|d| edit(&mut d.attrs));
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_dicts");
    let row = load_dict(&db).await;
    assert_eq!(row, *obj.read().attrs, "the object and the row agree");
    (updates, row)
}

fn with(changes: &[(&str, Option<&str>)]) -> Map {
    let mut m = attrs10();
    for (k, v) in changes {
        m.insert((*k).to_owned(), v.map(str::to_owned));
    }
    m
}

fn without(keys: &[&str]) -> Map {
    let mut m = attrs10();
    for k in keys {
        m.remove(*k);
    }
    m
}

#[tokio::test(flavor = "current_thread")]
async fn dict_insert_new_key_is_a_set_patch() {
    let (updates, row) = dict_case("md_ins_new", |a| {
        assert_eq!(a.insert("new", Some("n".to_owned())), None);
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(updates[0].params, 2, "the set pairs and the key");
    assert_eq!(row, with(&[("new", Some("n"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_insert_existing_key_is_a_set_patch() {
    let (updates, row) = dict_case("md_ins_old", |a| {
        assert_eq!(
            a.insert("k3", Some("three".to_owned())),
            Some(Some("v3".to_owned()))
        );
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("k3", Some("three"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_insert_null_value_writes_sql_null() {
    let (updates, row) = dict_case("md_ins_null", |a| {
        a.insert("k4", None);
        a.insert("fresh", None);
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("k4", None), ("fresh", None)]));
    assert_eq!(
        row.get("k4"),
        Some(&None),
        "the key is there, its value NULL"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn dict_null_values_are_sql_null_in_the_row() {
    // The same change checked with raw SQL: `exist` and `->` see an SQL NULL value.
    let db = test_db("md_null_raw").await;
    db.create_all(&[MdDict::TABLE], false).await.unwrap();
    let mut s = db.session();
    s.add(MdDict {
        id: 1,
        attrs: attrs10().into(),
    })
    .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    let obj = s.get::<MdDict>(1).await.unwrap().unwrap();
    obj.edit(|d| {
        d.attrs.insert("k4", None);
    });
    s.commit().await.unwrap();
    assert_eq!(
        only_assignment(&owned(&log.take(), "UPDATE md_dicts")),
        ATTRS_SET
    );
    assert!(
        truth(
            &db,
            raw_query::<Bool>(
                "SELECT exist(attrs, 'k4') AND (attrs -> 'k4') IS NULL AND attrs -> 'k5' = 'v5' FROM md_dicts WHERE id = 1"
            )
        )
        .await
    );
}

#[tokio::test(flavor = "current_thread")]
async fn dict_set_is_a_set_patch() {
    let (updates, row) = dict_case("md_set", |a| {
        a.set("k1", "one");
        a.set("added", "yes");
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("k1", Some("one")), ("added", Some("yes"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_remove_existing_key_is_a_remove_patch() {
    let (updates, row) = dict_case("md_rm", |a| {
        assert_eq!(a.remove("k2"), Some(Some("v2".to_owned())));
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_REMOVE);
    assert_eq!(updates[0].params, 2, "the removed keys and the key");
    assert_eq!(row, without(&["k2"]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_remove_missing_key_sends_nothing() {
    let (updates, row) = dict_case("md_rm_missing", |a| {
        assert_eq!(a.remove("nope"), None);
    })
    .await;
    assert!(updates.is_empty(), "{updates:#?}");
    assert_eq!(row, attrs10());
}

#[tokio::test(flavor = "current_thread")]
async fn dict_set_and_remove_in_one_patch() {
    let (updates, row) = dict_case("md_set_rm", |a| {
        a.set("k1", "one");
        a.remove("k2");
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_BOTH);
    assert_eq!(updates[0].params, 3);
    let mut want = with(&[("k1", Some("one"))]);
    want.remove("k2");
    assert_eq!(row, want);
}

#[tokio::test(flavor = "current_thread")]
async fn dict_retain_is_a_remove_patch() {
    let (updates, row) = dict_case("md_retain", |a| {
        a.retain(|k, _| k != "k2" && k != "k7");
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_REMOVE);
    assert_eq!(row, without(&["k2", "k7"]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_entry_or_insert_on_a_new_key_is_a_set_patch() {
    let (updates, row) = dict_case("md_entry_new", |a| {
        a.entry("fresh").or_insert(Some("f".to_owned()));
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("fresh", Some("f"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_entry_and_modify_on_an_old_key_is_a_set_patch() {
    let (updates, row) = dict_case("md_entry_old", |a| {
        a.entry("k6")
            .and_modify(|v| *v = Some("six".to_owned()))
            .or_insert(None);
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("k6", Some("six"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_get_mut_is_a_set_patch() {
    let (updates, row) = dict_case("md_get_mut", |a| {
        assert!(a.get_mut("missing").is_none());
        *a.get_mut("k5").unwrap() = Some("five".to_owned());
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("k5", Some("five"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_extend_is_a_set_patch() {
    let (updates, row) = dict_case("md_extend", |a| {
        a.extend([("k1", Some("x".to_owned())), ("more", None)]);
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("k1", Some("x")), ("more", None)]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_append_is_a_set_patch() {
    let (updates, row) = dict_case("md_append", |a| {
        let mut more: Map = [
            ("k9".to_owned(), Some("nine".to_owned())),
            ("z".to_owned(), Some("zed".to_owned())),
        ]
        .into_iter()
        .collect();
        a.append(&mut more);
        assert!(more.is_empty());
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    assert_eq!(row, with(&[("k9", Some("nine")), ("z", Some("zed"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_pop_first_is_a_remove_patch() {
    let (updates, row) = dict_case("md_pop_first", |a| {
        assert_eq!(
            a.pop_first(),
            Some(("k0".to_owned(), Some("v0".to_owned())))
        );
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_REMOVE);
    assert_eq!(row, without(&["k0"]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_pop_last_is_a_remove_patch() {
    let (updates, row) = dict_case("md_pop_last", |a| {
        assert_eq!(a.pop_last(), Some(("k9".to_owned(), Some("v9".to_owned()))));
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_REMOVE);
    assert_eq!(row, without(&["k9"]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_clear_writes_the_whole_map() {
    let (updates, row) = dict_case("md_clear", MutableDict::clear).await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    assert!(row.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn dict_iter_mut_writes_the_whole_map() {
    let (updates, row) = dict_case("md_iter_mut", |a| {
        for (k, v) in a.iter_mut() {
            if k == "k1" {
                *v = Some("one".to_owned());
            }
        }
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    assert_eq!(row, with(&[("k1", Some("one"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_values_mut_writes_the_whole_map() {
    let (updates, row) = dict_case("md_values_mut", |a| {
        if let Some(v) = a.values_mut().next() {
            *v = None;
        }
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    assert_eq!(row, with(&[("k0", None)]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_deref_mut_writes_the_whole_map() {
    let (updates, row) = dict_case("md_deref_mut", |a| {
        let map: &mut Map = a.deref_mut();
        map.insert("k2".to_owned(), Some("two".to_owned()));
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    assert_eq!(row, with(&[("k2", Some("two"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_btreemap_method_through_deref_mut_writes_the_whole_map() {
    // `split_off` is not a MutableDict method: auto-deref takes `&mut BTreeMap`.
    let (updates, row) = dict_case("md_split_off", |a| {
        let tail = a.split_off("k5");
        assert_eq!(tail.len(), 5);
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    assert_eq!(row, without(&["k5", "k6", "k7", "k8", "k9"]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_replacing_the_value_writes_the_whole_map() {
    let (updates, row) = dict_case("md_replace", |a| {
        *a = MutableDict::from(with(&[("k1", Some("new"))]));
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    assert_eq!(row, with(&[("k1", Some("new"))]));
}

#[tokio::test(flavor = "current_thread")]
async fn dict_keys_set_back_to_their_old_values_send_no_update() {
    let (updates, row) = dict_case("md_set_back", |a| {
        a.set("k1", "v1");
        a.set("k2", "changed");
        a.set("k2", "v2");
        a.remove("k3");
        a.insert("k3", Some("v3".to_owned()));
        a.insert("tmp", None);
        a.remove("tmp");
        let _ = a.get_mut("k4");
        a.entry("k5").or_insert(None);
    })
    .await;
    assert!(updates.is_empty(), "no UPDATE at all: {updates:#?}");
    assert_eq!(row, attrs10());
}

#[tokio::test(flavor = "current_thread")]
async fn dict_most_keys_changed_writes_the_whole_map() {
    // Ten keys set in a map of ten: the patch would not be smaller.
    let (updates, row) = dict_case("md_most", |a| {
        for i in 0..10 {
            a.set(format!("k{i}"), format!("new{i}"));
        }
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    let want: Map = (0..10)
        .map(|i| (format!("k{i}"), Some(format!("new{i}"))))
        .collect();
    assert_eq!(row, want);
}

#[tokio::test(flavor = "current_thread")]
async fn dict_retain_keeping_one_key_writes_the_whole_map() {
    // Nine keys removed, one left: removed + set >= len.
    let (updates, row) = dict_case("md_retain_most", |a| a.retain(|k, _| k == "k4")).await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    let want: Map = [("k4".to_owned(), Some("v4".to_owned()))]
        .into_iter()
        .collect();
    assert_eq!(row, want);
}

#[tokio::test(flavor = "current_thread")]
async fn dict_nine_of_ten_keys_changed_still_patch() {
    let (updates, row) = dict_case("md_nine", |a| {
        for i in 0..9 {
            a.set(format!("k{i}"), "x");
        }
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_SET);
    let want: Map = (0..10)
        .map(|i| {
            let v = if i < 9 {
                "x".to_owned()
            } else {
                "v9".to_owned()
            };
            (format!("k{i}"), Some(v))
        })
        .collect();
    assert_eq!(row, want);
}

#[tokio::test(flavor = "current_thread")]
async fn dict_keys_with_special_characters_round_trip() {
    // Keys removed travel in a `text[]` literal, keys set in an HSTORE: quotes, commas,
    // braces, backslashes, `=>`, unicode and the empty key must all arrive intact.
    let odd = [
        "a,b",
        "q\"x",
        "{}",
        "back\\slash",
        "=>",
        "ключ",
        "",
        "NULL",
        "sp ace",
    ];
    let db = test_db("md_dict_odd").await;
    db.create_all(&[MdDict::TABLE], false).await.unwrap();
    let mut base = attrs10();
    for k in odd {
        base.insert(k.to_owned(), Some(format!("old {k}")));
    }
    let mut s = db.session();
    s.add(MdDict {
        id: 1,
        attrs: base.clone().into(),
    })
    .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    let obj = s.get::<MdDict>(1).await.unwrap().unwrap();
    obj.edit(|d| {
        d.attrs.remove("a,b");
        d.attrs.remove("q\"x");
        d.attrs.remove("back\\slash");
        d.attrs.remove("");
        d.attrs.set("{}", "new {}");
        d.attrs.set("ключ", "значение");
        d.attrs.set("=>", "\"quoted\" => \\");
        d.attrs.insert("NULL", None);
        d.attrs.set("new,\"{}\"\\", "");
    });
    s.commit().await.unwrap();
    assert_eq!(
        only_assignment(&owned(&log.take(), "UPDATE md_dicts")),
        ATTRS_BOTH
    );
    let mut want = base;
    for k in ["a,b", "q\"x", "back\\slash", ""] {
        want.remove(k);
    }
    want.insert("{}".to_owned(), Some("new {}".to_owned()));
    want.insert("ключ".to_owned(), Some("значение".to_owned()));
    want.insert("=>".to_owned(), Some("\"quoted\" => \\".to_owned()));
    want.insert("NULL".to_owned(), None);
    want.insert("new,\"{}\"\\".to_owned(), Some(String::new()));
    assert_eq!(load_dict(&db).await, want);
    assert!(
        truth(
            &db,
            raw_query::<Bool>(
                "SELECT NOT exist(attrs, '') AND NOT exist(attrs, 'q\"x') AND exist(attrs, 'sp ace') AND attrs -> 'ключ' = 'значение' FROM md_dicts WHERE id = 1"
            )
        )
        .await
    );
}

#[tokio::test(flavor = "current_thread")]
async fn dict_second_change_in_the_same_session_patches_again() {
    // After a commit the object is its own base again: a later change patches too.
    let db = test_db("md_again").await;
    db.create_all(&[MdDict::TABLE], false).await.unwrap();
    let mut s = db.session();
    let obj = s
        .add(MdDict {
            id: 1,
            attrs: attrs10().into(),
        })
        .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    obj.edit(|d| {
        d.attrs.set("k1", "first");
    });
    s.commit().await.unwrap();
    obj.edit(|d| {
        d.attrs.remove("k2");
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_dicts");
    assert_eq!(updates.len(), 2, "{updates:#?}");
    assert_eq!(only_assignment(&updates[..1]), ATTRS_SET);
    assert_eq!(only_assignment(&updates[1..]), ATTRS_REMOVE);
    let mut want = with(&[("k1", Some("first"))]);
    want.remove("k2");
    assert_eq!(load_dict(&db).await, want);
}

#[tokio::test(flavor = "current_thread")]
async fn dict_cloned_between_two_changes_is_still_written_right() {
    // A clone taken after the first change shares the content: the second change starts
    // a new record, which no longer reaches back to the row, so the whole map is written
    // (a patch of the second change alone would lose the first).
    let (updates, row) = dict_case("md_clone_mid", |a| {
        a.set("k1", "first");
        let keep = a.clone();
        a.set("k2", "second");
        assert_eq!(
            keep.get("k2"),
            Some(&Some("v2".to_owned())),
            "copy-on-write"
        );
    })
    .await;
    assert_eq!(only_assignment(&updates), ATTRS_WHOLE);
    assert_eq!(row, with(&[("k1", Some("first")), ("k2", Some("second"))]));
}

// ---------------------------------------------------------------------------------------
// 2. MutableJson<Value>
// ---------------------------------------------------------------------------------------

/// Row 1 holds `base`; a new session loads it, `edit`s its document and commits. Returns
/// the UPDATEs sent; asserts the row read back by a fresh session, and the object, equal
/// `want`.
async fn json_case(
    name: &str,
    base: Value,
    edit: impl FnOnce(&mut MutableJson<Value>),
    want: &Value,
) -> Vec<Stmt> {
    let db = test_db(name).await;
    db.create_all(&[MdDoc::TABLE], false).await.unwrap();
    let mut s = db.session();
    s.add(MdDoc {
        id: 1,
        doc: MutableJson::new(base),
    })
    .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<MdDoc>(1).await.unwrap().unwrap();
    obj.edit(|d| edit(&mut d.doc));
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_docs");
    assert_eq!(*obj.read().doc, *want, "the object");
    assert_eq!(load_doc(&db).await, *want, "the row");
    updates
}

/// [`json_case`] for an edit of the plain `Value`: the expected document is the edit
/// applied to a plain copy of `base`.
async fn json_edit(name: &str, base: Value, edit: impl Fn(&mut Value)) -> Vec<Stmt> {
    let mut want = base.clone();
    edit(&mut want);
    assert_ne!(want, base, "the edit changes the document");
    json_case(name, base, |d| edit(d), &want).await
}

#[tokio::test(flavor = "current_thread")]
async fn json_nested_edit_is_one_jsonb_set() {
    let updates = json_edit("md_j_nested", doc_base(), |d| d["a"]["b"] = json!(2)).await;
    assert_eq!(only_assignment(&updates), DOC_SET);
    assert_eq!(updates[0].params, 3, "path, value, key");
}

#[tokio::test(flavor = "current_thread")]
async fn json_adding_a_key_is_one_jsonb_set() {
    let updates = json_edit("md_j_add", doc_base(), |d| {
        d["a"]["new"] = json!({"x": [1, "two"]});
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_SET);
}

#[tokio::test(flavor = "current_thread")]
async fn json_removing_a_key_is_one_delete() {
    let updates = json_edit("md_j_remove", doc_base(), |d| {
        d.as_object_mut().unwrap().remove("k");
    })
    .await;
    assert_eq!(
        only_assignment(&updates),
        r#""doc" = ("__mapped_t"."doc" #- $1::TEXT::text[])"#
    );
    assert_eq!(updates[0].params, 2);
}

#[tokio::test(flavor = "current_thread")]
async fn json_removing_a_nested_key_is_one_delete() {
    let updates = json_edit("md_j_remove_nested", doc_base(), |d| {
        d["nested"]["deep"]["x"]
            .as_object_mut()
            .unwrap()
            .remove("y");
    })
    .await;
    assert_eq!(only_assignment(&updates), jsonb_patch("doc", 1, 1, 0));
}

#[tokio::test(flavor = "current_thread")]
async fn json_several_paths_nest_in_one_expression() {
    // Deletes innermost, then one jsonb_set per path in the order of the diff.
    let updates = json_edit("md_j_several", doc_base(), |d| {
        d["a"]["b"] = json!(2);
        d["k"] = json!("w");
        d.as_object_mut().unwrap().remove("num");
        d["zz"] = json!({"new": true});
    })
    .await;
    assert_eq!(
        only_assignment(&updates),
        r#""doc" = jsonb_set(jsonb_set(jsonb_set(("__mapped_t"."doc" #- $1::TEXT::text[]), $2::TEXT::text[], $3::JSONB), $4::TEXT::text[], $5::JSONB), $6::TEXT::text[], $7::JSONB)"#
    );
    assert_eq!(updates[0].params, 8);
}

#[tokio::test(flavor = "current_thread")]
async fn json_change_inside_an_array_element() {
    let base = {
        let mut b = doc_base();
        b["items"] = json!([{"n": 1, "tag": "a"}, {"n": 2, "tag": "b"}]);
        b
    };
    let updates = json_edit("md_j_elem", base, |d| {
        d["list"][1] = json!("two");
        d["items"][1]["n"] = json!(20);
    })
    .await;
    assert_eq!(only_assignment(&updates), jsonb_patch("doc", 1, 0, 2));
}

#[tokio::test(flavor = "current_thread")]
async fn json_appending_to_a_nested_array_inserts_after_the_last_in_order() {
    // Two appended elements: the first must be inserted before the second, or the order
    // flips.
    let updates = json_edit("md_j_append", doc_base(), |d| {
        let arr = d["nested"]["arr"].as_array_mut().unwrap();
        arr.push(json!(30));
        arr.push(json!({"forty": 40}));
    })
    .await;
    assert_eq!(
        only_assignment(&updates),
        jsonb_patch_appending("doc", 1, 0, 0, 2)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn json_appending_to_an_empty_array() {
    let base = {
        let mut b = doc_base();
        b["empty"] = json!([]);
        b
    };
    let updates = json_edit("md_j_append_empty", base, |d| {
        d["empty"].as_array_mut().unwrap().push(json!("first"));
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_APPEND);
}

#[tokio::test(flavor = "current_thread")]
async fn json_appending_to_a_root_array_patches() {
    let updates = json_edit("md_j_root_arr", json!([{"a": 1}, 2, "three"]), |d| {
        d.as_array_mut().unwrap().push(json!(4));
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_APPEND);
}

#[tokio::test(flavor = "current_thread")]
async fn json_shortening_an_array_replaces_it_at_its_path() {
    let updates = json_edit("md_j_pop", doc_base(), |d| {
        d["list"].as_array_mut().unwrap().pop();
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_SET);
}

#[tokio::test(flavor = "current_thread")]
async fn json_removing_the_first_array_element_replaces_the_array() {
    let updates = json_edit("md_j_remove0", doc_base(), |d| {
        d["list"].as_array_mut().unwrap().remove(0);
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_SET);
}

#[tokio::test(flavor = "current_thread")]
async fn json_pointer_mut_is_one_jsonb_set() {
    let updates = json_edit("md_j_pointer", doc_base(), |d| {
        *d.pointer_mut("/nested/deep/x/y").unwrap() = json!(false);
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_SET);
}

#[tokio::test(flavor = "current_thread")]
async fn json_entry_api_on_the_object() {
    let updates = json_edit("md_j_entry", doc_base(), |d| {
        let obj = d.as_object_mut().unwrap();
        obj.entry("e").or_insert(json!({"z": 1}));
        obj.entry("k")
            .and_modify(|v| *v = json!("modified"))
            .or_insert(Value::Null);
        // An entry on an existing key left alone changes nothing.
        obj.entry("num").or_insert(json!(0));
    })
    .await;
    assert_eq!(only_assignment(&updates), jsonb_patch("doc", 1, 0, 2));
}

#[tokio::test(flavor = "current_thread")]
async fn json_setting_a_json_null_keeps_the_document() {
    // A JSON null is a value, not SQL NULL (which would make `jsonb_set` return NULL).
    let updates = json_edit("md_j_null", doc_base(), |d| {
        d["a"]["b"] = Value::Null;
        d["added_null"] = Value::Null;
    })
    .await;
    assert_eq!(only_assignment(&updates), jsonb_patch("doc", 1, 0, 2));
}

#[tokio::test(flavor = "current_thread")]
async fn json_changing_the_root_type_writes_the_whole_value() {
    let updates = json_edit("md_j_root_type", doc_base(), |d| {
        *d = json!([1, 2, 3]);
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_WHOLE);
    assert_eq!(updates[0].params, 2);
}

#[tokio::test(flavor = "current_thread")]
async fn json_a_scalar_root_document_writes_the_whole_value() {
    let updates = json_edit("md_j_scalar", json!(5), |d| *d = json!(6)).await;
    assert_eq!(only_assignment(&updates), DOC_WHOLE);
    let updates = json_edit("md_j_scalar_str", json!("text"), |d| *d = json!("other")).await;
    assert_eq!(only_assignment(&updates), DOC_WHOLE);
}

#[tokio::test(flavor = "current_thread")]
async fn json_a_scalar_root_set_to_the_same_value_sends_nothing() {
    let updates = json_case("md_j_scalar_same", json!(5), |d| **d = json!(5), &json!(5)).await;
    assert!(updates.is_empty(), "{updates:#?}");
}

#[tokio::test(flavor = "current_thread")]
async fn json_an_empty_object_root_gets_a_key() {
    let updates = json_edit("md_j_empty_root", json!({}), |d| d["only"] = json!(1)).await;
    assert_eq!(only_assignment(&updates), DOC_SET);
}

fn hundred_keys() -> Value {
    Value::Object((0..100).map(|i| (format!("k{i:02}"), json!(i))).collect())
}

#[tokio::test(flavor = "current_thread")]
async fn json_more_than_32_changed_paths_write_the_whole_value() {
    assert_eq!(MAX_JSON_PATHS, 32);
    let updates = json_edit("md_j_33", hundred_keys(), |d| {
        for i in 0..33 {
            d[format!("k{i:02}")] = json!(-1);
        }
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_WHOLE);
}

#[tokio::test(flavor = "current_thread")]
async fn json_32_changed_paths_still_patch() {
    let updates = json_edit("md_j_32", hundred_keys(), |d| {
        for i in 0..32 {
            d[format!("k{i:02}")] = json!(-1);
        }
    })
    .await;
    assert_eq!(only_assignment(&updates), jsonb_patch("doc", 1, 0, 32));
    assert_eq!(updates[0].params, 65);
}

#[tokio::test(flavor = "current_thread")]
async fn json_replacing_most_of_the_document_writes_the_whole_value() {
    let updates = json_edit("md_j_most", doc_base(), |d| {
        d["a"] = Value::Array((0..40).map(|i| json!(i)).collect());
    })
    .await;
    assert_eq!(only_assignment(&updates), DOC_WHOLE);
}

#[tokio::test(flavor = "current_thread")]
async fn json_replacing_the_value_with_a_different_document_writes_it_whole() {
    let want = json!({"other": {"x": [1, 2, 3], "y": "z"}});
    let updates = json_case(
        "md_j_new",
        doc_base(),
        |d| *d = MutableJson::new(want.clone()),
        &want,
    )
    .await;
    assert_eq!(only_assignment(&updates), DOC_WHOLE);
}

#[tokio::test(flavor = "current_thread")]
async fn json_replacing_the_value_with_a_copy_plus_a_change_is_diffed() {
    // The new value is compared with the row as loaded, however it was made: a new
    // MutableJson equal to the old document but for one value is one jsonb_set.
    let mut want = doc_base();
    want["a"]["c"] = json!("changed");
    let updates = json_case(
        "md_j_new_copy",
        doc_base(),
        |d| *d = MutableJson::new(want.clone()),
        &want,
    )
    .await;
    assert_eq!(only_assignment(&updates), DOC_SET);
}

#[tokio::test(flavor = "current_thread")]
async fn json_replacing_the_value_with_a_tiny_document_writes_it_whole() {
    // Removed keys count toward the "more than half" rule: seven `#-` and a jsonb_set
    // for a two-node document is more than writing it.
    let want = json!({"only": 1});
    let updates = json_case(
        "md_j_tiny",
        doc_base(),
        |d| *d = MutableJson::new(want.clone()),
        &want,
    )
    .await;
    assert_eq!(only_assignment(&updates), DOC_WHOLE);
}

#[tokio::test(flavor = "current_thread")]
async fn json_a_mut_borrow_without_a_change_sends_no_update() {
    let updates = json_case(
        "md_j_untouched",
        doc_base(),
        |d| {
            let _ = d.as_object_mut();
            d["a"]["b"] = json!(1);
            let list = d["list"].as_array_mut().unwrap();
            list.push(json!(4));
            list.pop();
        },
        &doc_base(),
    )
    .await;
    assert!(updates.is_empty(), "no UPDATE at all: {updates:#?}");
}

#[tokio::test(flavor = "current_thread")]
async fn json_keys_with_special_characters_round_trip() {
    let base = json!({
        "a,b": {"x": 1},
        "q\"x": 1,
        "{}": [1, 2],
        "ключ": "значение",
        "": {"": 0},
        "back\\slash": 1,
        "NULL": "n",
        "pad": pad(),
    });
    let updates = json_edit("md_j_odd", base, |d| {
        d["a,b"]["x"] = json!(2);
        d["q\"x"] = json!(2);
        d["{}"][1] = json!(3);
        d["ключ"] = json!("новое");
        d[""][""] = json!(1);
        d.as_object_mut().unwrap().remove("back\\slash");
        d["NULL"] = Value::Null;
        d["new,\"{}\" \\key"] = json!(true);
    })
    .await;
    assert_eq!(only_assignment(&updates), jsonb_patch("doc", 1, 1, 7));
}

#[tokio::test(flavor = "current_thread")]
async fn json_special_keys_read_with_raw_sql() {
    // The same paths as PostgreSQL sees them.
    let db = test_db("md_j_odd_raw").await;
    db.create_all(&[MdDoc::TABLE], false).await.unwrap();
    let mut s = db.session();
    let base = json!({"a,b": {"}": 1}, "": {"q\"x": 1}, "pad": pad()});
    let obj = s
        .add(MdDoc {
            id: 1,
            doc: MutableJson::new(base),
        })
        .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    obj.edit(|d| {
        d.doc["a,b"]["}"] = json!("brace");
        d.doc[""]["q\"x"] = json!("quote");
    });
    s.commit().await.unwrap();
    assert_eq!(
        only_assignment(&owned(&log.take(), "UPDATE md_docs")),
        jsonb_patch("doc", 1, 0, 2)
    );
    let got = text(
        &db,
        raw_query::<Text>(
            r#"SELECT (doc -> 'a,b' ->> '}') || '|' || (doc -> '' ->> 'q"x') FROM md_docs WHERE id = 1"#,
        ),
    )
    .await;
    assert_eq!(got, "brace|quote");
}

// ---------------------------------------------------------------------------------------
// 3. MutableJson<Profile>: a serde struct
// ---------------------------------------------------------------------------------------

async fn profile_case(name: &str, edit: impl Fn(&mut Profile)) -> (Database, Vec<Stmt>) {
    let db = test_db(name).await;
    db.create_all(&[MdProfile::TABLE], false).await.unwrap();
    let mut s = db.session();
    s.add(MdProfile {
        id: 1,
        profile: MutableJson::new(profile()),
    })
    .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<MdProfile>(1).await.unwrap().unwrap();
    let mut want = profile();
    edit(&mut want);
    obj.edit(|p| edit(&mut p.profile));
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_profiles");
    assert_eq!(*obj.read().profile, want);
    let mut fresh = db.session();
    let back = fresh.get::<MdProfile>(1).await.unwrap().unwrap().cloned();
    assert_eq!(*back.profile, want, "the row");
    (db, updates)
}

#[tokio::test(flavor = "current_thread")]
async fn profile_one_nested_field_is_one_jsonb_set() {
    let (db, updates) = profile_case("md_p_city", |p| p.address.city = "Paris".to_owned()).await;
    assert_eq!(
        only_assignment(&updates),
        r#""profile" = jsonb_set("__mapped_t"."profile", $1::TEXT::text[], $2::JSONB)"#
    );
    let city = text(
        &db,
        raw_query::<Text>(
            "SELECT (profile #>> '{address,city}') || '/' || (profile #>> '{address,zip}') FROM md_profiles WHERE id = 1",
        ),
    )
    .await;
    assert_eq!(city, "Paris/N1");
}

#[tokio::test(flavor = "current_thread")]
async fn profile_top_level_scalar_field_is_one_jsonb_set() {
    let (_db, updates) = profile_case("md_p_score", |p| p.score += 1).await;
    assert_eq!(only_assignment(&updates), jsonb_patch("profile", 1, 0, 1));
}

#[tokio::test(flavor = "current_thread")]
async fn profile_vec_push_and_option_set_are_two_jsonb_sets() {
    let (db, updates) = profile_case("md_p_vec_opt", |p| {
        p.tags.push("chess".to_owned());
        p.nickname = Some("Countess".to_owned());
    })
    .await;
    assert_eq!(
        only_assignment(&updates),
        jsonb_patch_appending("profile", 1, 0, 1, 1)
    );
    let got = text(
        &db,
        raw_query::<Text>(
            "SELECT (profile ->> 'nickname') || ' ' || (profile -> 'tags' ->> 3) FROM md_profiles WHERE id = 1",
        ),
    )
    .await;
    assert_eq!(got, "Countess chess");
}

#[tokio::test(flavor = "current_thread")]
async fn profile_option_back_to_none_and_a_shorter_vec() {
    // Start from a profile with a nickname, then clear it: a JSON null at its path.
    let db = test_db("md_p_none").await;
    db.create_all(&[MdProfile::TABLE], false).await.unwrap();
    let mut s = db.session();
    let mut start = profile();
    start.nickname = Some("Countess".to_owned());
    let obj = s
        .add(MdProfile {
            id: 1,
            profile: MutableJson::new(start.clone()),
        })
        .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();
    obj.edit(|p| {
        p.profile.nickname = None;
        p.profile.address.lines.pop();
    });
    s.commit().await.unwrap();
    assert_eq!(
        only_assignment(&owned(&log.take(), "UPDATE md_profiles")),
        jsonb_patch("profile", 1, 0, 2)
    );
    let mut want = start;
    want.nickname = None;
    want.address.lines.pop();
    let mut fresh = db.session();
    let back = fresh.get::<MdProfile>(1).await.unwrap().unwrap().cloned();
    assert_eq!(*back.profile, want);
    let kind = text(
        &db,
        raw_query::<Text>(
            "SELECT jsonb_typeof(profile -> 'nickname') || ' ' || jsonb_array_length(profile #> '{address,lines}') FROM md_profiles WHERE id = 1",
        ),
    )
    .await;
    assert_eq!(kind, "null 1");
}

// ---------------------------------------------------------------------------------------
// 4. A JSON (not JSONB) column: always the whole value
// ---------------------------------------------------------------------------------------

// A `MutableJson` field mapped to a JSON column (`sql_type = "JSON"`): JSON has no
// `jsonb_set`, so every change writes the whole value.
mod json_column {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[mapped(table = "md_plain_json")]
    struct MdPlainJson {
        #[mapped(primary_key)]
        id: i64,
        #[mapped(sql_type = "JSON")]
        doc: MutableJson<Value>,
    }

    #[tokio::test(flavor = "current_thread")]
    async fn json_column_is_always_written_whole() {
        let db = test_db("md_plain_json").await;
        db.create_all(&[MdPlainJson::TABLE], false).await.unwrap();
        let mut s = db.session();
        let obj = s
            .add(MdPlainJson {
                id: 1,
                doc: MutableJson::new(doc_base()),
            })
            .unwrap();
        s.commit().await.unwrap();
        let (log, _guard) = capture();
        obj.edit(|d| d.doc["a"]["b"] = json!(2));
        s.commit().await.unwrap();
        assert_eq!(
            only_assignment(&owned(&log.take(), "UPDATE md_plain_json")),
            DOC_WHOLE
        );
        let mut want = doc_base();
        want["a"]["b"] = json!(2);
        let mut fresh = db.session();
        let back = fresh.get::<MdPlainJson>(1).await.unwrap().unwrap().cloned();
        assert_eq!(*back.doc, want);
        let ty = text(
            &db,
            raw_query::<Text>("SELECT pg_typeof(doc)::text FROM md_plain_json WHERE id = 1"),
        )
        .await;
        assert_eq!(ty, "json");
    }
}

// ---------------------------------------------------------------------------------------
// 5. Option<MutableDict>, Option<MutableJson<Value>>
// ---------------------------------------------------------------------------------------

async fn load_opt(db: &Database) -> MdOpt {
    let mut s = db.session();
    s.get::<MdOpt>(1).await.unwrap().unwrap().cloned()
}

#[tokio::test(flavor = "current_thread")]
async fn optional_containers_none_to_some_to_patch_to_none() {
    let db = test_db("md_opt").await;
    db.create_all(&[MdOpt::TABLE], false).await.unwrap();
    let mut s = db.session();
    s.add(MdOpt {
        id: 1,
        attrs: None,
        doc: None,
    })
    .unwrap();
    s.commit().await.unwrap();
    let (log, _guard) = capture();

    // None -> Some: the whole values.
    let mut s = db.session();
    let obj = s.get::<MdOpt>(1).await.unwrap().unwrap();
    obj.edit(|o| {
        o.attrs = Some(attrs10().into());
        o.doc = Some(MutableJson::new(doc_base()));
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_opts");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(
        assignments(&updates[0].sql),
        [r#""attrs" = $1"#, r#""doc" = $2"#]
    );
    let back = load_opt(&db).await;
    assert_eq!(back.attrs.as_deref(), Some(&attrs10()));
    assert_eq!(back.doc.as_deref(), Some(&doc_base()));

    // Some -> Some: patches.
    let mut s = db.session();
    let obj = s.get::<MdOpt>(1).await.unwrap().unwrap();
    obj.edit(|o| {
        o.attrs.as_mut().unwrap().set("k1", "one");
        o.doc.as_mut().unwrap()["a"]["b"] = json!(2);
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_opts");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(
        assignments(&updates[0].sql),
        [
            ATTRS_SET.to_owned(),
            r#""doc" = jsonb_set("__mapped_t"."doc", $2::TEXT::text[], $3::JSONB)"#.to_owned(),
        ]
    );
    let back = load_opt(&db).await;
    assert_eq!(back.attrs.as_deref(), Some(&with(&[("k1", Some("one"))])));
    let mut want = doc_base();
    want["a"]["b"] = json!(2);
    assert_eq!(back.doc.as_deref(), Some(&want));

    // Some -> None: SQL NULL, not a JSON null or an empty map.
    let mut s = db.session();
    let obj = s.get::<MdOpt>(1).await.unwrap().unwrap();
    obj.edit(|o| {
        o.attrs = None;
        o.doc = None;
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_opts");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(
        assignments(&updates[0].sql),
        [r#""attrs" = $1"#, r#""doc" = $2"#]
    );
    let back = load_opt(&db).await;
    assert_eq!(back.attrs, None);
    assert_eq!(back.doc, None);
    assert!(
        truth(
            &db,
            raw_query::<Bool>("SELECT attrs IS NULL AND doc IS NULL FROM md_opts WHERE id = 1")
        )
        .await
    );
}

// ---------------------------------------------------------------------------------------
// 6. Batching
// ---------------------------------------------------------------------------------------

async fn setup_shared(name: &str, rows: i64) -> Database {
    let db = test_db(name).await;
    db.create_all(&[MdShared::TABLE], false).await.unwrap();
    let mut s = db.session();
    for id in 1..=rows {
        s.add(shared(id)).unwrap();
    }
    s.commit().await.unwrap();
    db
}

async fn all_shared(db: &Database) -> Vec<MdShared> {
    let mut s = db.session();
    s.all(&MdShared::query().order_by(MdShared::ID))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.cloned())
        .collect()
}

/// Loads every row of md_shared in a new session, applies `edit` to each (with its id),
/// commits; returns the UPDATEs sent and checks every row against `want`.
async fn batch_case(
    db: &Database,
    edit: impl Fn(i64, &mut MdShared),
    want: impl Fn(i64) -> MdShared,
) -> Vec<Stmt> {
    let (log, _guard) = capture();
    let mut s = db.session();
    let objs = s
        .all(&MdShared::query().order_by(MdShared::ID))
        .await
        .unwrap();
    for o in &objs {
        o.edit(|v| {
            let id = v.id;
            edit(id, v);
        });
    }
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_shared");
    let rows = all_shared(db).await;
    assert_eq!(rows.len(), objs.len());
    for (row, obj) in rows.iter().zip(&objs) {
        assert_eq!(*row, want(row.id), "row {}", row.id);
        assert_eq!(*row, obj.cloned(), "object {}", row.id);
    }
    updates
}

#[tokio::test(flavor = "current_thread")]
async fn batch_300_jsonb_patches_are_one_unnest_update() {
    let db = setup_shared("md_b_json", 300).await;
    let change = |id: i64, doc: &mut Value| doc["pad"][format!("p{}", id % 10)] = json!(id * 1000);
    let updates = batch_case(
        &db,
        |id, v| change(id, &mut v.doc),
        |id| {
            let mut w = shared(id);
            change(id, &mut w.doc);
            w
        },
    )
    .await;
    assert_eq!(updates.len(), 1, "{updates:#?}");
    let sql = &updates[0].sql;
    assert!(sql.contains(" FROM unnest("), "{sql}");
    assert_eq!(
        assignments(sql),
        [
            r#""doc" = jsonb_set("__mapped_t"."doc", "__mapped_u"."__mapped_p2_0"::text[], "__mapped_u"."__mapped_p2_1")"#
        ]
    );
    assert_eq!(updates[0].params, 3, "one array per source column: {sql}");
}

#[tokio::test(flavor = "current_thread")]
async fn batch_jsonb_patch_shapes_are_one_statement_each() {
    let db = setup_shared("md_b_json_shapes", 90).await;
    let change = |id: i64, doc: &mut Value| match id % 3 {
        0 => doc["a"]["b"] = json!(id),
        1 => {
            doc.as_object_mut().unwrap().remove("k");
        }
        _ => {
            doc["k"] = json!(format!("k{id}"));
            doc["list"][0] = json!(id);
        }
    };
    let updates = batch_case(
        &db,
        |id, v| change(id, &mut v.doc),
        |id| {
            let mut w = shared(id);
            change(id, &mut w.doc);
            w
        },
    )
    .await;
    assert_eq!(updates.len(), 3, "{updates:#?}");
    let mut got: Vec<Vec<String>> = updates.iter().map(|u| assignments(&u.sql)).collect();
    got.sort();
    let mut want = vec![
        vec![r#""doc" = jsonb_set("__mapped_t"."doc", "__mapped_u"."__mapped_p2_0"::text[], "__mapped_u"."__mapped_p2_1")"#.to_owned()],
        vec![r#""doc" = ("__mapped_t"."doc" #- "__mapped_u"."__mapped_p2_0"::text[])"#.to_owned()],
        vec![r#""doc" = jsonb_set(jsonb_set("__mapped_t"."doc", "__mapped_u"."__mapped_p2_0"::text[], "__mapped_u"."__mapped_p2_1"), "__mapped_u"."__mapped_p2_2"::text[], "__mapped_u"."__mapped_p2_3")"#.to_owned()],
    ];
    want.sort();
    assert_eq!(got, want);
    for u in &updates {
        assert!(u.sql.contains(" FROM unnest("), "{}", u.sql);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn batch_300_hstore_patches_are_one_unnest_update() {
    let db = setup_shared("md_b_hstore", 300).await;
    let change = |id: i64, a: &mut MutableDict| {
        a.set(format!("k{}", id % 10), format!("c{id}"));
    };
    let updates = batch_case(
        &db,
        |id, v| change(id, &mut v.attrs),
        |id| {
            let mut w = shared(id);
            change(id, &mut w.attrs);
            w
        },
    )
    .await;
    assert_eq!(updates.len(), 1, "{updates:#?}");
    let sql = &updates[0].sql;
    assert!(sql.contains(" FROM unnest("), "{sql}");
    assert_eq!(
        assignments(sql),
        [r#""attrs" = "__mapped_t"."attrs" || "__mapped_u"."__mapped_p1_0""#]
    );
    assert_eq!(updates[0].params, 2, "{sql}");
}

#[tokio::test(flavor = "current_thread")]
async fn batch_hstore_patch_shapes_are_one_statement_each() {
    let db = setup_shared("md_b_hstore_shapes", 90).await;
    let change = |id: i64, a: &mut MutableDict| match id % 3 {
        0 => {
            a.set("k1", format!("c{id}"));
        }
        1 => {
            a.remove("k2");
        }
        _ => {
            a.remove("k3");
            a.insert(format!("n{id}"), None);
        }
    };
    let updates = batch_case(
        &db,
        |id, v| change(id, &mut v.attrs),
        |id| {
            let mut w = shared(id);
            change(id, &mut w.attrs);
            w
        },
    )
    .await;
    assert_eq!(updates.len(), 3, "{updates:#?}");
    let mut got: Vec<Vec<String>> = updates.iter().map(|u| assignments(&u.sql)).collect();
    got.sort();
    let mut want = vec![
        vec![r#""attrs" = "__mapped_t"."attrs" || "__mapped_u"."__mapped_p1_0""#.to_owned()],
        vec![r#""attrs" = "__mapped_t"."attrs" - "__mapped_u"."__mapped_p1_0"::text[]"#.to_owned()],
        vec![r#""attrs" = ("__mapped_t"."attrs" - "__mapped_u"."__mapped_p1_1"::text[]) || "__mapped_u"."__mapped_p1_0""#.to_owned()],
    ];
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "current_thread")]
async fn batch_mixed_columns_and_whole_values_group_by_shape() {
    // Rows patching both columns, rows writing attrs whole, rows untouched.
    let db = setup_shared("md_b_mixed", 60).await;
    let change = |id: i64, v: &mut MdShared| match id % 3 {
        0 => {
            v.attrs.set("k0", "x");
            v.doc["k"] = json!(id);
        }
        1 => v.attrs.clear(),
        _ => {}
    };
    let updates = batch_case(&db, change, |id| {
        let mut w = shared(id);
        change(id, &mut w);
        w
    })
    .await;
    assert_eq!(updates.len(), 2, "{updates:#?}");
    let mut got: Vec<Vec<String>> = updates.iter().map(|u| assignments(&u.sql)).collect();
    got.sort();
    let mut want = vec![
        vec![
            r#""attrs" = "__mapped_t"."attrs" || "__mapped_u"."__mapped_p1_0""#.to_owned(),
            r#""doc" = jsonb_set("__mapped_t"."doc", "__mapped_u"."__mapped_p2_0"::text[], "__mapped_u"."__mapped_p2_1")"#.to_owned(),
        ],
        vec![r#""attrs" = "__mapped_u"."attrs""#.to_owned()],
    ];
    want.sort();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------
// 7. Two real concurrent sessions on one row
// ---------------------------------------------------------------------------------------

/// When the second session writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Race {
    /// B commits after A has committed.
    AfterCommit,
    /// B's UPDATE is sent while A's UPDATE holds the row lock, uncommitted: B waits for
    /// the lock (checked with `pg_blocking_pids`), then A commits, then B's UPDATE runs
    /// on the row as A left it.
    WhileLocked,
}

type Edit = Box<dyn FnOnce(&mut MdShared) + Send>;

/// Sessions A and B, in two tokio tasks, both load row 1 of md_shared before either
/// writes; A makes `a` and commits, B makes `b` and commits (see [`Race`]). Both commits
/// must succeed. Returns the UPDATEs each session sent.
async fn race(db: &Database, mode: Race, a: Edit, b: Edit) -> (Vec<Stmt>, Vec<Stmt>) {
    // The shared anchor of the statement capture (see `sql_log::capture`).
    drop(capture());
    let loaded = Arc::new(tokio::sync::Barrier::new(2));
    let written = Arc::new(tokio::sync::Barrier::new(2));
    let (log_a, log_b) = (SqlLog::default(), SqlLog::default());
    let task_a = {
        let (db, loaded, written) = (db.clone(), loaded.clone(), written.clone());
        tokio::spawn(
            async move {
                let mut s = db.session();
                let obj = s.get::<MdShared>(1).await.unwrap().unwrap();
                loaded.wait().await;
                obj.edit(a);
                match mode {
                    Race::AfterCommit => {
                        s.commit().await.unwrap();
                        written.wait().await;
                    }
                    Race::WhileLocked => {
                        s.flush().await.unwrap();
                        let pid: i32 = s
                            .scalar(&raw_query::<Int4>("SELECT pg_backend_pid()"))
                            .await
                            .unwrap();
                        written.wait().await;
                        wait_until_blocking(&db, pid).await;
                        s.commit().await.unwrap();
                    }
                }
            }
            .with_subscriber(log_a.clone()),
        )
    };
    let task_b = {
        let db = db.clone();
        tokio::spawn(
            async move {
                let mut s = db.session();
                let obj = s.get::<MdShared>(1).await.unwrap().unwrap();
                loaded.wait().await;
                obj.edit(b);
                written.wait().await;
                s.commit().await.unwrap();
            }
            .with_subscriber(log_b.clone()),
        )
    };
    tokio::time::timeout(Duration::from_secs(60), async {
        task_a.await.unwrap();
        task_b.await.unwrap();
    })
    .await
    .expect("the two sessions finish");
    (
        owned(&log_a.take(), "UPDATE md_shared"),
        owned(&log_b.take(), "UPDATE md_shared"),
    )
}

/// Waits until some backend is blocked by backend `pid` (B's UPDATE on A's row lock).
async fn wait_until_blocking(db: &Database, pid: i32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let blocked: i64 = db
            .query_scalar(
                &raw_query::<Int8>("SELECT count(*) FROM pg_stat_activity WHERE ")
                    .bind(pid)
                    .sql(" = ANY(pg_blocking_pids(pid))"),
            )
            .await
            .unwrap();
        if blocked > 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "session B never waited for session A's row lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hstore_edits_of_different_keys_both_survive() {
    let db = setup_shared("md_c_hstore", 1).await;
    let (a, b) = race(
        &db,
        Race::AfterCommit,
        Box::new(|v| {
            v.attrs.set("k1", "from A");
        }),
        Box::new(|v| {
            v.attrs.set("k2", "from B");
        }),
    )
    .await;
    assert_eq!(only_assignment(&a), ATTRS_SET);
    assert_eq!(only_assignment(&b), ATTRS_SET);
    let row = load_shared(&db, 1).await;
    assert_eq!(
        *row.attrs,
        with(&[("k1", Some("from A")), ("k2", Some("from B"))])
    );
    assert_eq!(*row.doc, doc_base());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hstore_edits_merge_when_one_waits_for_the_row_lock() {
    let db = setup_shared("md_c_hstore_lock", 1).await;
    let (a, b) = race(
        &db,
        Race::WhileLocked,
        Box::new(|v| {
            v.attrs.set("k1", "from A");
            v.attrs.remove("k8");
        }),
        Box::new(|v| {
            v.attrs.set("k2", "from B");
            v.attrs.remove("k9");
        }),
    )
    .await;
    assert_eq!(only_assignment(&a), ATTRS_BOTH);
    assert_eq!(only_assignment(&b), ATTRS_BOTH);
    let row = load_shared(&db, 1).await;
    let mut want = with(&[("k1", Some("from A")), ("k2", Some("from B"))]);
    want.remove("k8");
    want.remove("k9");
    assert_eq!(*row.attrs, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_jsonb_edits_of_different_paths_both_survive() {
    let db = setup_shared("md_c_json", 1).await;
    let (a, b) = race(
        &db,
        Race::AfterCommit,
        Box::new(|v| v.doc["a"]["b"] = json!("from A")),
        Box::new(|v| v.doc["k"] = json!("from B")),
    )
    .await;
    assert_eq!(only_assignment(&a), DOC_SET);
    assert_eq!(only_assignment(&b), DOC_SET);
    let mut want = doc_base();
    want["a"]["b"] = json!("from A");
    want["k"] = json!("from B");
    let row = load_shared(&db, 1).await;
    assert_eq!(*row.doc, want);
    assert_eq!(*row.attrs, attrs10());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_jsonb_edits_merge_when_one_waits_for_the_row_lock() {
    let db = setup_shared("md_c_json_lock", 1).await;
    let (a, b) = race(
        &db,
        Race::WhileLocked,
        Box::new(|v| {
            v.doc["a"]["b"] = json!("from A");
            v.doc["nested"]["arr"]
                .as_array_mut()
                .unwrap()
                .push(json!("A"));
        }),
        Box::new(|v| {
            v.doc["k"] = json!("from B");
            v.doc.as_object_mut().unwrap().remove("num");
        }),
    )
    .await;
    assert_eq!(
        only_assignment(&a),
        jsonb_patch_appending("doc", 1, 0, 1, 1)
    );
    assert_eq!(only_assignment(&b), jsonb_patch("doc", 1, 1, 1));
    let mut want = doc_base();
    want["a"]["b"] = json!("from A");
    want["nested"]["arr"] = json!([10, 20, "A"]);
    want["k"] = json!("from B");
    want.as_object_mut().unwrap().remove("num");
    let row = load_shared(&db, 1).await;
    assert_eq!(*row.doc, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hstore_whole_value_write_loses_the_other_edit() {
    // B assigns a new map built from its loaded copy plus its change: a whole-value write
    // of the map as B loaded it, so A's committed k1 is overwritten.
    let db = setup_shared("md_c_hstore_lost", 1).await;
    let (a, b) = race(
        &db,
        Race::AfterCommit,
        Box::new(|v| {
            v.attrs.set("k1", "from A");
        }),
        Box::new(|v| {
            let mut copy: Map = (*v.attrs).clone();
            copy.insert("k2".to_owned(), Some("from B".to_owned()));
            v.attrs = MutableDict::from(copy);
        }),
    )
    .await;
    assert_eq!(only_assignment(&a), ATTRS_SET);
    assert_eq!(only_assignment(&b), ATTRS_WHOLE);
    let row = load_shared(&db, 1).await;
    assert_eq!(
        *row.attrs,
        with(&[("k2", Some("from B"))]),
        "A's k1 is lost"
    );
    assert_eq!(row.attrs.get("k1"), Some(&Some("v1".to_owned())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hstore_deref_mut_write_loses_the_other_edit() {
    let db = setup_shared("md_c_hstore_deref", 1).await;
    let (a, b) = race(
        &db,
        Race::WhileLocked,
        Box::new(|v| {
            v.attrs.set("k1", "from A");
        }),
        Box::new(|v| {
            v.attrs
                .deref_mut()
                .insert("k2".to_owned(), Some("from B".to_owned()));
        }),
    )
    .await;
    assert_eq!(only_assignment(&a), ATTRS_SET);
    assert_eq!(only_assignment(&b), ATTRS_WHOLE);
    let row = load_shared(&db, 1).await;
    assert_eq!(
        *row.attrs,
        with(&[("k2", Some("from B"))]),
        "A's k1 is lost"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_jsonb_whole_value_write_loses_the_other_edit() {
    // B's change is most of the document: it is written whole, from B's loaded copy.
    let db = setup_shared("md_c_json_lost", 1).await;
    let big = Value::Array((0..60).map(|i| json!(i)).collect());
    let b_big = big.clone();
    let (a, b) = race(
        &db,
        Race::AfterCommit,
        Box::new(|v| v.doc["a"]["b"] = json!("from A")),
        Box::new(move |v| v.doc["pad"] = b_big),
    )
    .await;
    assert_eq!(only_assignment(&a), DOC_SET);
    assert_eq!(only_assignment(&b), DOC_WHOLE);
    let mut want = doc_base();
    want["pad"] = big;
    let row = load_shared(&db, 1).await;
    assert_eq!(*row.doc, want, "A's a.b is lost");
    assert_eq!(row.doc["a"]["b"], json!(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_jsonb_new_value_from_the_loaded_copy_is_still_a_patch() {
    // Unlike the map, a new MutableJson is diffed with the row as loaded: B's assignment of
    // its loaded copy plus one change is one jsonb_set, and A's edit survives.
    let db = setup_shared("md_c_json_copy", 1).await;
    let (a, b) = race(
        &db,
        Race::AfterCommit,
        Box::new(|v| v.doc["a"]["b"] = json!("from A")),
        Box::new(|v| {
            let mut copy = (*v.doc).clone();
            copy["k"] = json!("from B");
            v.doc = MutableJson::new(copy);
        }),
    )
    .await;
    assert_eq!(only_assignment(&a), DOC_SET);
    assert_eq!(only_assignment(&b), DOC_SET);
    let mut want = doc_base();
    want["a"]["b"] = json!("from A");
    want["k"] = json!("from B");
    assert_eq!(*load_shared(&db, 1).await.doc, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hstore_edits_of_the_same_key_the_later_commit_wins() {
    let db = setup_shared("md_c_hstore_same", 1).await;
    let (a, b) = race(
        &db,
        Race::WhileLocked,
        Box::new(|v| {
            v.attrs.set("k1", "from A");
        }),
        Box::new(|v| {
            v.attrs.set("k1", "from B");
        }),
    )
    .await;
    assert_eq!(only_assignment(&a), ATTRS_SET);
    assert_eq!(only_assignment(&b), ATTRS_SET);
    assert_eq!(
        *load_shared(&db, 1).await.attrs,
        with(&[("k1", Some("from B"))])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_jsonb_edits_of_the_same_path_the_later_commit_wins() {
    let db = setup_shared("md_c_json_same", 1).await;
    let (a, b) = race(
        &db,
        Race::AfterCommit,
        Box::new(|v| v.doc["a"]["b"] = json!("from A")),
        Box::new(|v| v.doc["a"]["b"] = json!("from B")),
    )
    .await;
    assert_eq!(only_assignment(&a), DOC_SET);
    assert_eq!(only_assignment(&b), DOC_SET);
    let mut want = doc_base();
    want["a"]["b"] = json!("from B");
    assert_eq!(*load_shared(&db, 1).await.doc, want);
}

// Elements appended to a JSONB array are inserted after its last element
// (`jsonb_insert(col, '{..,-1}', v, true)`), not at an index taken from the array as
// loaded, so two sessions appending to the same array both keep their element.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_jsonb_appends_to_one_array_both_survive() {
    let db = setup_shared("md_c_json_append", 1).await;
    let (a, b) = race(
        &db,
        Race::AfterCommit,
        Box::new(|v| {
            v.doc["nested"]["arr"]
                .as_array_mut()
                .unwrap()
                .push(json!("A"))
        }),
        Box::new(|v| {
            v.doc["nested"]["arr"]
                .as_array_mut()
                .unwrap()
                .push(json!("B"))
        }),
    )
    .await;
    assert_eq!(only_assignment(&a), DOC_APPEND);
    assert_eq!(only_assignment(&b), DOC_APPEND);
    let row = load_shared(&db, 1).await;
    assert_eq!(row.doc["nested"]["arr"], json!([10, 20, "A", "B"]));
}

// ---------------------------------------------------------------------------------------
// 8. Rollback, savepoints, several flushes in one transaction
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn rollback_of_an_unflushed_change_restores_the_loaded_value() {
    let db = setup_shared("md_rb", 1).await;
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<MdShared>(1).await.unwrap().unwrap();
    obj.edit(|v| {
        v.attrs.set("k1", "lost");
        v.doc["a"]["b"] = json!("lost");
    });
    s.rollback().await.unwrap();
    assert!(of(&log.take(), "UPDATE md_shared").is_empty());
    assert_eq!(
        obj.cloned(),
        shared(1),
        "the object is back to the loaded row"
    );
    assert_eq!(load_shared(&db, 1).await, shared(1), "the row is unchanged");

    // A new change after the rollback patches from the row, without the rolled-back one.
    obj.edit(|v| {
        v.attrs.set("k2", "kept");
        v.doc["k"] = json!("kept");
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_shared");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(
        assignments(&updates[0].sql),
        [ATTRS_SET.to_owned(), jsonb_patch("doc", 2, 0, 1)]
    );
    let mut want = shared(1);
    want.attrs = with(&[("k2", Some("kept"))]).into();
    want.doc["k"] = json!("kept");
    assert_eq!(load_shared(&db, 1).await, want);
    assert_eq!(obj.cloned(), want);
}

#[tokio::test(flavor = "current_thread")]
async fn rollback_of_a_flushed_patch_restores_the_object_and_the_row() {
    let db = setup_shared("md_rb_flushed", 1).await;
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<MdShared>(1).await.unwrap().unwrap();
    obj.edit(|v| {
        v.attrs.remove("k1");
        v.doc["nested"]["arr"]
            .as_array_mut()
            .unwrap()
            .push(json!(30));
    });
    s.flush().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_shared");
    assert_eq!(
        assignments(&updates[0].sql),
        [
            ATTRS_REMOVE.to_owned(),
            jsonb_patch_appending("doc", 2, 0, 0, 1)
        ]
    );
    s.rollback().await.unwrap();
    assert_eq!(
        obj.cloned(),
        shared(1),
        "the object is back to the loaded row"
    );
    assert_eq!(load_shared(&db, 1).await, shared(1), "the row is unchanged");

    obj.edit(|v| {
        v.attrs.set("k3", "three");
        v.doc["nested"]["arr"]
            .as_array_mut()
            .unwrap()
            .push(json!(99));
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_shared");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(
        assignments(&updates[0].sql),
        [
            ATTRS_SET.to_owned(),
            jsonb_patch_appending("doc", 2, 0, 0, 1)
        ]
    );
    let mut want = shared(1);
    want.attrs = with(&[("k3", Some("three"))]).into();
    want.doc["nested"]["arr"] = json!([10, 20, 99]);
    assert_eq!(load_shared(&db, 1).await, want);
    assert_eq!(obj.cloned(), want);
}

#[tokio::test(flavor = "current_thread")]
async fn rollback_nested_restores_the_savepoint_value_and_a_new_change_patches() {
    let db = setup_shared("md_rb_nested", 1).await;
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<MdShared>(1).await.unwrap().unwrap();
    obj.edit(|v| {
        v.attrs.set("k0", "outer");
    });
    s.begin_nested().await.unwrap();
    obj.edit(|v| {
        v.attrs.set("k1", "inner");
        v.doc["a"]["b"] = json!("inner");
    });
    s.flush().await.unwrap();
    s.rollback_nested().await.unwrap();
    let mut outer = shared(1);
    outer.attrs.set("k0", "outer");
    assert_eq!(obj.cloned(), outer, "back to the savepoint's value");

    obj.edit(|v| {
        v.attrs.set("k2", "after");
        v.doc["k"] = json!("after");
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_shared");
    assert_eq!(updates.len(), 3, "outer, inner, after: {updates:#?}");
    assert_eq!(only_assignment(&updates[..1]), ATTRS_SET);
    assert_eq!(
        assignments(&updates[1].sql),
        [ATTRS_SET.to_owned(), jsonb_patch("doc", 2, 0, 1)]
    );
    assert_eq!(
        assignments(&updates[2].sql),
        [ATTRS_SET.to_owned(), jsonb_patch("doc", 2, 0, 1)]
    );
    let mut want = shared(1);
    want.attrs = with(&[("k0", Some("outer")), ("k2", Some("after"))]).into();
    want.doc["k"] = json!("after");
    assert_eq!(load_shared(&db, 1).await, want);
    assert_eq!(obj.cloned(), want);
}

#[tokio::test(flavor = "current_thread")]
async fn change_flush_change_commit_patches_each_step() {
    let db = setup_shared("md_flush_twice", 1).await;
    let (log, _guard) = capture();
    let mut s = db.session();
    let obj = s.get::<MdShared>(1).await.unwrap().unwrap();
    obj.edit(|v| {
        v.attrs.set("k1", "first");
        v.doc["a"]["b"] = json!("first");
    });
    s.flush().await.unwrap();
    obj.edit(|v| {
        v.attrs.remove("k2");
        v.doc["nested"]["arr"]
            .as_array_mut()
            .unwrap()
            .push(json!(30));
    });
    s.commit().await.unwrap();
    let updates = owned(&log.take(), "UPDATE md_shared");
    assert_eq!(updates.len(), 2, "{updates:#?}");
    assert_eq!(
        assignments(&updates[0].sql),
        [ATTRS_SET.to_owned(), jsonb_patch("doc", 2, 0, 1)]
    );
    assert_eq!(
        assignments(&updates[1].sql),
        [
            ATTRS_REMOVE.to_owned(),
            jsonb_patch_appending("doc", 2, 0, 0, 1)
        ]
    );
    let mut want = shared(1);
    want.attrs = {
        let mut m = with(&[("k1", Some("first"))]);
        m.remove("k2");
        m.into()
    };
    want.doc["a"]["b"] = json!("first");
    want.doc["nested"]["arr"] = json!([10, 20, 30]);
    assert_eq!(load_shared(&db, 1).await, want);
}
