//! The Session's flush against the real server: per-column dirty detection, foreign-key
//! order (parents first, trees, cycles), batching limits, optimistic locking under real
//! concurrency, failed flushes, savepoints and session upserts. Each test checks the
//! table's contents and, through a `tracing` capture of target `mapped::sql`, the number
//! and shape of the statements the flush sent.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mapped::orm_core::metadata::TableDef;
use mapped::orm_runtime::DatabaseOptions;
use mapped::prelude::*;

use crate::support::{test_db, test_db_with};

use crate::sql_log::{capture, of, set_columns, shape, shapes};

async fn setup(name: &str, tables: &[&'static TableDef]) -> Database {
    let db = test_db(name).await;
    db.create_all(tables, false).await.unwrap();
    db
}

async fn count(db: &Database, table: &'static str) -> i64 {
    db.query_scalar(&raw_query::<Int8>("SELECT count(*) FROM ").sql(table))
        .await
        .unwrap_or_else(|e| panic!("count {table}: {e}"))
}

fn is_session_error(e: &Error) -> bool {
    matches!(e, Error::Session(_))
}

/// A fixed time well in the past, so `now()` is always later.
fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_600_000_000, 0).unwrap()
}

// ---------------------------------------------------------------------------------------
// 1. Dirty detection per column
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_docs")]
pub struct SfDoc {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub title: String,
    pub body: String,
    pub views: i64,
    #[mapped(on_update = "now()")]
    pub updated_at: DateTime<Utc>,
}

fn doc(title: &str) -> SfDoc {
    SfDoc {
        id: 0,
        title: title.to_owned(),
        body: format!("body of {title}"),
        views: 0,
        updated_at: t0(),
    }
}

async fn docs(db: &Database) -> Vec<SfDoc> {
    db.query(&SfDoc::query().order_by(SfDoc::ID)).await.unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn update_writes_only_changed_columns_and_on_update() {
    let (log, _guard) = capture();
    let db = setup("sf_dirty", &[SfDoc::TABLE]).await;
    let mut s = db.session();
    let d = s.add(doc("a")).unwrap();
    let other = s.add(doc("b")).unwrap();
    s.commit().await.unwrap();
    log.take();

    // One column changed: SET that column and the on_update column, nothing else.
    d.edit(|x| x.title = "a2".into());
    assert!(d.is_modified());
    assert_eq!(
        d.changes().iter().map(|h| h.column).collect::<Vec<_>>(),
        ["title"]
    );
    s.commit().await.unwrap();
    let stmts = log.take();
    assert_eq!(shapes(&stmts), ["UPDATE sf_docs"], "{stmts:#?}");
    let update = &of(&stmts, "UPDATE sf_docs")[0].sql;
    assert_eq!(set_columns(update), ["title", "updated_at"], "{update}");
    assert!(update.contains(r#""updated_at" = (now())"#), "{update}");
    let rows = docs(&db).await;
    assert_eq!(rows[0].title, "a2");
    assert_eq!(rows[0].body, "body of a");
    assert!(rows[0].updated_at > t0(), "on_update fired: {rows:?}");
    // The server's value came back into the object.
    assert_eq!(d.read().updated_at, rows[0].updated_at);
    assert_eq!(rows[1], other.cloned(), "the other row was not touched");
    assert_eq!(rows[1].updated_at, t0());
    let first_update = rows[0].updated_at;

    // Two other columns: exactly those (in column order) plus updated_at, which moves on.
    d.edit(|x| {
        x.views = 7;
        x.body = "new body".into();
    });
    s.commit().await.unwrap();
    let stmts = log.take();
    assert_eq!(shapes(&stmts), ["UPDATE sf_docs"], "{stmts:#?}");
    assert_eq!(
        set_columns(&of(&stmts, "UPDATE sf_docs")[0].sql),
        ["body", "views", "updated_at"]
    );
    let rows = docs(&db).await;
    assert_eq!(
        (rows[0].title.as_str(), rows[0].body.as_str(), rows[0].views),
        ("a2", "new body", 7)
    );
    assert!(
        rows[0].updated_at > first_update,
        "set again on every UPDATE"
    );
    assert_eq!(d.read().updated_at, rows[0].updated_at);
    let second_update = rows[0].updated_at;

    // Borrowed for writing but unchanged (or changed and changed back): no UPDATE at all,
    // even with a transaction open for it to go to.
    let all = s.all(&SfDoc::query()).await.unwrap();
    assert_eq!(all.len(), 2);
    {
        let mut w = d.write();
        let same = w.title.clone();
        w.title = same;
    }
    drop(other.write());
    d.edit(|x| x.body = "temporary".into());
    d.edit(|x| x.body = "new body".into());
    assert!(!d.is_modified());
    assert!(d.changes().is_empty());
    log.take();
    s.commit().await.unwrap();
    let stmts = log.take();
    assert!(shapes(&stmts).is_empty(), "{stmts:#?}");
    let rows = docs(&db).await;
    assert_eq!(rows[0].updated_at, second_update, "no UPDATE, no on_update");
    assert_eq!(rows[1].updated_at, t0());
}

// ---------------------------------------------------------------------------------------
// 2. Flush order
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_parents")]
pub struct SfParent {
    #[mapped(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_children")]
pub struct SfChild {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(SfParent::ID))]
    pub parent_id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_grandchildren")]
pub struct SfGrandchild {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(SfChild::ID))]
    pub child_id: i64,
    pub name: String,
}

#[tokio::test(flavor = "current_thread")]
async fn tables_flush_parents_first_and_delete_children_first() {
    let (log, _guard) = capture();
    let db = setup(
        "sf_fk_order",
        &[SfParent::TABLE, SfChild::TABLE, SfGrandchild::TABLE],
    )
    .await;
    let mut s = db.session();
    // Added child-first: the grandchildren's unit is the session's first.
    let grandchildren = s
        .add_all((1..=4).map(|i| SfGrandchild {
            id: i,
            child_id: 1 + i % 2,
            name: format!("g{i}"),
        }))
        .unwrap();
    let children = s
        .add_all((1..=2).map(|i| SfChild {
            id: i,
            parent_id: 1,
            name: format!("c{i}"),
        }))
        .unwrap();
    let parent = s
        .add(SfParent {
            id: 1,
            name: "p".into(),
        })
        .unwrap();
    log.take();
    s.commit().await.unwrap();
    assert_eq!(
        shapes(&log.take()),
        [
            "INSERT sf_parents",
            "INSERT sf_children",
            "INSERT sf_grandchildren"
        ]
    );
    assert_eq!(count(&db, "sf_parents").await, 1);
    assert_eq!(count(&db, "sf_children").await, 2);
    let rows: Vec<SfGrandchild> = db
        .query(&SfGrandchild::query().order_by(SfGrandchild::ID))
        .await
        .unwrap();
    assert_eq!(
        rows,
        grandchildren.iter().map(Obj::cloned).collect::<Vec<_>>()
    );

    // Deleted parent-first: the flush deletes children first.
    s.delete(&parent).unwrap();
    for c in &children {
        s.delete(c).unwrap();
    }
    for g in &grandchildren {
        s.delete(g).unwrap();
    }
    s.commit().await.unwrap();
    assert_eq!(
        shapes(&log.take()),
        [
            "DELETE sf_grandchildren",
            "DELETE sf_children",
            "DELETE sf_parents"
        ]
    );
    for t in ["sf_parents", "sf_children", "sf_grandchildren"] {
        assert_eq!(count(&db, t).await, 0, "{t}");
    }
    assert_eq!(parent.state(), ObjectState::Detached);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_nodes")]
pub struct SfNode {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(Self::ID))]
    pub parent_id: Option<i64>,
    pub name: String,
}

/// Node `i` of a binary tree rooted at 1: its parent is `i / 2`; the root has none.
fn node(i: i64) -> SfNode {
    SfNode {
        id: i,
        parent_id: (i > 1).then_some(i / 2),
        name: format!("n{i}"),
    }
}

/// A tree whose root references itself, so `parent_id` can be NOT NULL.
#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_strict_nodes")]
pub struct SfStrictNode {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(Self::ID))]
    pub parent_id: i64,
    pub name: String,
}

fn strict_node(i: i64) -> SfStrictNode {
    SfStrictNode {
        id: i,
        parent_id: (i / 2).max(1),
        name: format!("n{i}"),
    }
}

/// The ids of `table` in the order their rows were inserted (a fresh heap table keeps
/// rows in insertion order).
async fn insertion_order(db: &Database, table: &'static str) -> Vec<i64> {
    db.query(
        &raw_query::<Int8>("SELECT id FROM ")
            .sql(table)
            .sql(" ORDER BY ctid"),
    )
    .await
    .unwrap()
}

/// Every row's parent (`id / 2`) was inserted before it.
fn assert_parents_first(order: &[i64]) {
    let pos: HashMap<i64, usize> = order.iter().enumerate().map(|(n, &id)| (id, n)).collect();
    for &id in order.iter().filter(|&&id| id > 1) {
        assert!(
            pos[&(id / 2)] < pos[&id],
            "node {id} was inserted before its parent {}: {:?}..",
            id / 2,
            &order[..order.len().min(20)]
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn self_referencing_rows_insert_parents_first() {
    let (log, _guard) = capture();
    let db = setup("sf_tree", &[SfStrictNode::TABLE]).await;
    let mut s = db.session();
    // Leaves first: every node is added before its parent.
    let objs = s.add_all((1..=63).rev().map(strict_node)).unwrap();
    log.take();
    s.commit().await.unwrap();
    assert_eq!(shapes(&log.take()), ["INSERT sf_strict_nodes"]);
    let order = insertion_order(&db, "sf_strict_nodes").await;
    assert_eq!(order.len(), 63);
    assert_parents_first(&order);
    let rows: Vec<SfStrictNode> = db
        .query(&SfStrictNode::query().order_by(SfStrictNode::ID))
        .await
        .unwrap();
    assert_eq!(rows, (1..=63).map(strict_node).collect::<Vec<_>>());
    assert!(objs.iter().all(|o| o.state() == ObjectState::Persistent));
}

/// The usual tree: a nullable `parent_id`.
#[tokio::test(flavor = "current_thread")]
async fn nullable_self_references_insert_parents_first() {
    let db = setup("sf_tree_nullable", &[SfNode::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=63).rev().map(node)).unwrap();
    s.commit().await.unwrap();
    let order = insertion_order(&db, "sf_nodes").await;
    assert_eq!(order.len(), 63);
    assert_parents_first(&order);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_tag_nodes")]
pub struct SfTagNode {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(Self::ID))]
    pub parent_id: Option<i64>,
    pub tags: Vec<String>,
}

/// With an array column the rows go in several VALUES statements, and the foreign key is
/// checked at the end of each: a child sent in an earlier statement than its parent fails.
#[tokio::test(flavor = "current_thread")]
async fn self_referencing_rows_in_several_statements_insert_parents_first() {
    let (log, _guard) = capture();
    let db = setup("sf_tree_chunks", &[SfTagNode::TABLE]).await;
    let mut s = db.session();
    let n: usize = 30_000;
    s.add_all((1..=i64::try_from(n).unwrap()).rev().map(|i| SfTagNode {
        id: i,
        parent_id: (i > 1).then_some(i / 2),
        tags: vec![format!("t{i}")],
    }))
    .unwrap();
    log.take();
    if let Err(e) = s.commit().await {
        panic!("{e}"); // Display: without the statement's 65,535 parameters
    }
    let stmts = log.take();
    assert_eq!(
        of(&stmts, "INSERT sf_tag_nodes").len(),
        n.div_ceil(65_535 / 3)
    );
    assert_parents_first(&insertion_order(&db, "sf_tag_nodes").await);
    let bad: i64 = db
        .query_scalar(&raw_query::<Int8>(
            "SELECT count(*) FROM sf_tag_nodes c LEFT JOIN sf_tag_nodes p ON p.id = c.parent_id \
             WHERE c.parent_id IS NOT NULL AND (p.id IS NULL OR p.id <> c.id / 2 OR c.tags <> ARRAY['t' || c.id])",
        ))
        .await
        .unwrap();
    assert_eq!(bad, 0);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_strict_tag_nodes")]
pub struct SfStrictTagNode {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(Self::ID))]
    pub parent_id: i64,
    pub tags: Vec<String>,
}

/// The same with a NOT NULL key (the root references itself).
#[tokio::test(flavor = "current_thread")]
async fn strict_self_references_in_several_statements_insert_parents_first() {
    let (log, _guard) = capture();
    let db = setup("sf_strict_chunks", &[SfStrictTagNode::TABLE]).await;
    let mut s = db.session();
    let n: usize = 30_000;
    s.add_all(
        (1..=i64::try_from(n).unwrap())
            .rev()
            .map(|i| SfStrictTagNode {
                id: i,
                parent_id: (i / 2).max(1),
                tags: vec![format!("t{i}")],
            }),
    )
    .unwrap();
    log.take();
    if let Err(e) = s.commit().await {
        panic!("{e}");
    }
    let stmts = log.take();
    assert_eq!(
        of(&stmts, "INSERT sf_strict_tag_nodes").len(),
        n.div_ceil(65_535 / 3)
    );
    assert_parents_first(&insertion_order(&db, "sf_strict_tag_nodes").await);
    let bad: i64 = db
        .query_scalar(&raw_query::<Int8>(
            "SELECT count(*) FROM sf_strict_tag_nodes c JOIN sf_strict_tag_nodes p ON p.id = c.parent_id \
             WHERE p.id <> greatest(c.id / 2, 1) OR c.tags <> ARRAY['t' || c.id]",
        ))
        .await
        .unwrap();
    assert_eq!(bad, 0);
    assert_eq!(
        count(&db, "sf_strict_tag_nodes").await,
        i64::try_from(n).unwrap()
    );
}

/// A chain (each row the parent of the next) as deep as a long comment thread, added
/// leaves-first. (When it fails, it aborts the whole test binary: run it alone.)
#[tokio::test(flavor = "current_thread")]
async fn a_deep_chain_of_self_references_inserts_in_order() {
    let db = setup("sf_chain", &[SfStrictNode::TABLE]).await;
    let mut s = db.session();
    let n: i64 = 50_000;
    s.add_all((1..=n).rev().map(|i| SfStrictNode {
        id: i,
        parent_id: (i - 1).max(1),
        name: format!("n{i}"),
    }))
    .unwrap();
    s.commit().await.unwrap();
    assert_eq!(
        insertion_order(&db, "sf_strict_nodes").await,
        (1..=n).collect::<Vec<_>>()
    );
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_eggs")]
pub struct SfEgg {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(SfHen::ID))]
    pub hen_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_hens")]
pub struct SfHen {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(SfEgg::ID))]
    pub egg_id: i64,
}

#[tokio::test(flavor = "current_thread")]
async fn a_not_null_cycle_between_tables_is_a_session_error() {
    let (log, _guard) = capture();
    let db = setup("sf_cycle_strict", &[SfEgg::TABLE, SfHen::TABLE]).await;
    let mut s = db.session();
    s.add(SfEgg { id: 1, hen_id: 1 }).unwrap();
    s.add(SfHen { id: 1, egg_id: 1 }).unwrap();
    log.take();
    let err = s.commit().await.unwrap_err();
    let Error::Session(msg) = &err else {
        panic!("expected Error::Session, got {err:?}");
    };
    assert!(
        msg.contains("sf_eggs") && msg.contains("sf_hens") && msg.contains("NOT NULL"),
        "{msg}"
    );
    assert!(
        shapes(&log.take()).is_empty(),
        "nothing is sent for a flush that cannot be ordered"
    );
    s.rollback().await.unwrap();
    assert_eq!(count(&db, "sf_eggs").await, 0);
    assert_eq!(count(&db, "sf_hens").await, 0);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_authors")]
pub struct SfAuthor {
    #[mapped(primary_key)]
    pub id: i64,
    pub name: String,
    #[mapped(references(SfBook::ID))]
    pub favorite_book_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_books")]
pub struct SfBook {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(references(SfAuthor::ID))]
    pub author_id: i64,
    pub title: String,
}

#[tokio::test(flavor = "current_thread")]
async fn a_nullable_cycle_inserts_null_then_updates() {
    let (log, _guard) = capture();
    let db = setup("sf_cycle_nullable", &[SfAuthor::TABLE, SfBook::TABLE]).await;
    let mut s = db.session();
    // Books (children of authors) first; authors 1..3 favor each other's books.
    let books = s
        .add_all((1..=3).map(|i| SfBook {
            id: 10 + i,
            author_id: i,
            title: format!("b{i}"),
        }))
        .unwrap();
    let authors = s
        .add_all((1..=4).map(|i| SfAuthor {
            id: i,
            name: format!("a{i}"),
            favorite_book_id: (i <= 3).then_some(10 + i % 3 + 1),
        }))
        .unwrap();
    log.take();
    s.commit().await.unwrap();
    let stmts = log.take();
    assert_eq!(
        shapes(&stmts),
        ["INSERT sf_authors", "INSERT sf_books", "UPDATE sf_authors"],
        "{stmts:#?}"
    );
    assert_eq!(
        set_columns(&of(&stmts, "UPDATE sf_authors")[0].sql),
        ["favorite_book_id"]
    );
    let rows: Vec<SfAuthor> = db
        .query(&SfAuthor::query().order_by(SfAuthor::ID))
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|a| a.favorite_book_id).collect::<Vec<_>>(),
        [Some(12), Some(13), Some(11), None]
    );
    assert_eq!(rows, authors.iter().map(Obj::cloned).collect::<Vec<_>>());
    let book_rows: Vec<SfBook> = db
        .query(&SfBook::query().order_by(SfBook::ID))
        .await
        .unwrap();
    assert_eq!(book_rows, books.iter().map(Obj::cloned).collect::<Vec<_>>());
    // The objects know the row as it is now: a later change writes only what changed.
    assert!(authors.iter().all(|a| !a.is_modified()));
    authors[0].edit(|a| a.name = "renamed".into());
    s.commit().await.unwrap();
    let stmts = log.take();
    assert_eq!(shapes(&stmts), ["UPDATE sf_authors"]);
    assert_eq!(
        set_columns(&of(&stmts, "UPDATE sf_authors")[0].sql),
        ["name"]
    );
}

/// An UPDATE of the nullable side of a cycle pointing at a row inserted in the same flush.
#[tokio::test(flavor = "current_thread")]
async fn a_nullable_cycle_update_to_a_new_row() {
    let db = setup("sf_cycle_update", &[SfAuthor::TABLE, SfBook::TABLE]).await;
    let mut s = db.session();
    let author = s
        .add(SfAuthor {
            id: 1,
            name: "a".into(),
            favorite_book_id: None,
        })
        .unwrap();
    s.commit().await.unwrap();
    // A new book by the author, and the author now favors it: one flush.
    s.add(SfBook {
        id: 20,
        author_id: 1,
        title: "new".into(),
    })
    .unwrap();
    author.edit(|a| a.favorite_book_id = Some(20));
    s.commit().await.unwrap();
    let rows: Vec<SfAuthor> = db.query(&SfAuthor::query()).await.unwrap();
    assert_eq!(rows[0].favorite_book_id, Some(20));
    assert_eq!(count(&db, "sf_books").await, 1);
}

// ---------------------------------------------------------------------------------------
// 3. Batching
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_items")]
pub struct SfItem {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(unique)]
    pub sku: String,
    pub qty: i64,
    pub price: f64,
    #[mapped(server_default = "now()", omit_on_insert)]
    pub created_at: DateTime<Utc>,
}

#[tokio::test(flavor = "current_thread")]
async fn scalar_inserts_updates_and_deletes_are_one_statement_each() {
    let (log, _guard) = capture();
    let db = setup("sf_batch", &[SfItem::TABLE]).await;
    let mut s = db.session();
    let objs = s
        .add_all((0..10_000).map(|i| SfItem {
            id: 0,
            sku: format!("sku{i:05}"),
            qty: i,
            price: 1.5,
            created_at: DateTime::default(),
        }))
        .unwrap();
    log.take();
    s.commit().await.unwrap();
    let stmts = log.take();
    let inserts = of(&stmts, "INSERT sf_items");
    assert_eq!(inserts.len(), 1, "{:?}", shapes(&stmts));
    assert!(
        inserts[0].params <= 10,
        "one array per column: {}",
        inserts[0].params
    );
    let rows: Vec<SfItem> = db.query(&SfItem::query()).await.unwrap();
    assert_eq!(rows.len(), 10_000);
    let by_sku: HashMap<&str, &SfItem> = rows.iter().map(|r| (r.sku.as_str(), r)).collect();
    for o in &objs {
        let o = o.read();
        assert_eq!(
            by_sku[o.sku.as_str()],
            &*o,
            "the row's generated values came back"
        );
    }
    assert!(rows.iter().all(|r| r.created_at > t0()));

    // Three column sets: three statements, whatever the number of rows.
    for (i, o) in objs.iter().enumerate().take(2_500) {
        o.edit(|x| {
            if !(1_000..2_000).contains(&i) {
                x.qty += 1_000_000;
            }
            if i >= 1_000 {
                x.price = 9.0;
            }
        });
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE sf_items");
    assert_eq!(updates.len(), 3, "{:?}", shapes(&stmts));
    let mut sets: Vec<Vec<String>> = updates.iter().map(|u| set_columns(&u.sql)).collect();
    sets.sort();
    assert_eq!(sets, [vec!["price"], vec!["qty"], vec!["qty", "price"]]);
    let rows: Vec<SfItem> = db
        .query(&SfItem::query().order_by(SfItem::SKU))
        .await
        .unwrap();
    for (i, r) in (0_i64..).zip(&rows) {
        let qty = if i < 1_000 || (2_000..2_500).contains(&i) {
            i + 1_000_000
        } else {
            i
        };
        let price = if (1_000..2_500).contains(&i) {
            9.0
        } else {
            1.5
        };
        assert_eq!((r.qty, r.price), (qty, price), "{r:?}");
    }

    // 1,000 deletes: one `= ANY($1)` with one parameter.
    for o in &objs[5_000..6_000] {
        s.delete(o).unwrap();
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let deletes = of(&stmts, "DELETE sf_items");
    assert_eq!(deletes.len(), 1, "{:?}", shapes(&stmts));
    assert!(
        deletes[0].sql.contains(r#""id" = ANY($1"#),
        "{}",
        deletes[0].sql
    );
    assert_eq!(deletes[0].params, 1);
    let left: Vec<SfItem> = db.query(&SfItem::query()).await.unwrap();
    assert_eq!(left.len(), 9_000);
    let gone: HashSet<String> = (5_000..6_000).map(|i| format!("sku{i:05}")).collect();
    assert!(left.iter().all(|r| !gone.contains(&r.sku)));
    assert!(
        objs[5_000..6_000]
            .iter()
            .all(|o| o.state() == ObjectState::Detached)
    );
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_tagged")]
pub struct SfTagged {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(unique)]
    pub code: String,
    pub tags: Vec<String>,
    pub a: i64,
    pub b: i32,
    pub note: Option<String>,
    pub flag: bool,
    pub score: f64,
    #[mapped(server_default = "now()", omit_on_insert)]
    pub created_at: DateTime<Utc>,
    #[mapped(version)]
    pub version: i32,
}

#[tokio::test(flavor = "current_thread")]
async fn array_column_inserts_go_in_chunks_under_the_parameter_limit() {
    let (log, _guard) = capture();
    let db = setup("sf_chunks", &[SfTagged::TABLE]).await;
    let sent = SfTagged::TABLE
        .columns
        .iter()
        .filter(|c| !c.is_server_generated())
        .count();
    assert_eq!(sent, 7);
    let rows_n: usize = 20_000;
    let mut s = db.session();
    let objs = s
        .add_all((0..rows_n).map(|i| SfTagged {
            id: 0,
            code: format!("c{i:05}"),
            tags: vec![format!("x{i}"), "y".into()],
            a: i64::try_from(i).unwrap() * 3,
            b: i32::try_from(i % 1000).unwrap(),
            note: (i % 2 == 0).then(|| format!("note {i}")),
            flag: i % 3 == 0,
            score: 0.5,
            created_at: DateTime::default(),
            version: 0,
        }))
        .unwrap();
    log.take();
    s.commit().await.unwrap();
    let stmts = log.take();
    let inserts = of(&stmts, "INSERT sf_tagged");
    assert_eq!(inserts.len(), rows_n.div_ceil(65_535 / sent));
    assert!(
        inserts.iter().all(|i| i.params <= 65_535),
        "{:?}",
        inserts.iter().map(|i| i.params).collect::<Vec<_>>()
    );
    assert_eq!(
        inserts.iter().map(|i| i.params).sum::<usize>(),
        rows_n * sent
    );

    let rows: Vec<SfTagged> = db.query(&SfTagged::query()).await.unwrap();
    assert_eq!(rows.len(), rows_n);
    let by_code: HashMap<&str, &SfTagged> = rows.iter().map(|r| (r.code.as_str(), r)).collect();
    let mut ids = HashSet::new();
    for o in &objs {
        let o = o.read();
        assert_eq!(by_code[o.code.as_str()], &*o);
        assert_eq!(o.version, 1);
        assert!(o.created_at > t0());
        assert!(ids.insert(o.id));
    }
}

// ---------------------------------------------------------------------------------------
// 4. Optimistic locking
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_accounts")]
pub struct SfAccount {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(unique)]
    pub owner: String,
    pub balance: i64,
    #[mapped(version)]
    pub version: i32,
}

fn account(owner: &str, balance: i64) -> SfAccount {
    SfAccount {
        id: 0,
        owner: owner.to_owned(),
        balance,
        version: 0,
    }
}

async fn accounts(db: &Database) -> Vec<SfAccount> {
    db.query(&SfAccount::query().order_by(SfAccount::ID))
        .await
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn versions_are_checked_and_incremented_in_batches() {
    let (log, _guard) = capture();
    let db = setup("sf_versions", &[SfAccount::TABLE]).await;
    let mut s = db.session();
    let objs = s
        .add_all((0..6).map(|i| account(&format!("o{i}"), i)))
        .unwrap();
    s.commit().await.unwrap();
    assert!(objs.iter().all(|o| o.read().version == 1));
    log.take();

    for o in &objs {
        o.edit(|a| a.balance += 100);
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE sf_accounts");
    assert_eq!(updates.len(), 1, "{stmts:#?}");
    let sql = &updates[0].sql;
    assert_eq!(set_columns(sql), ["balance", "version"]);
    assert!(
        sql.contains(r#""version" = "__mapped_t"."version" + 1"#),
        "{sql}"
    );
    assert!(
        sql.contains(r#""__mapped_t"."version" = "__mapped_u"."__mapped_version""#),
        "{sql}"
    );
    assert!(objs.iter().all(|o| o.read().version == 2));
    let rows = accounts(&db).await;
    assert_eq!(rows, objs.iter().map(Obj::cloned).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r.version == 2));

    // Deletes: one statement, checked against the version.
    for o in &objs[..4] {
        s.delete(o).unwrap();
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let deletes = of(&stmts, "DELETE sf_accounts");
    assert_eq!(deletes.len(), 1, "{stmts:#?}");
    assert!(
        deletes[0].sql.contains("__mapped_version"),
        "{}",
        deletes[0].sql
    );
    assert_eq!(accounts(&db).await.len(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn stale_rows_name_every_key_and_roll_the_flush_back() {
    let db = setup("sf_stale", &[SfAccount::TABLE]).await;
    let mut s = db.session();
    let objs = s
        .add_all((0..5).map(|i| account(&format!("o{i}"), 10 * i)))
        .unwrap();
    s.commit().await.unwrap();
    let id = |n: usize| objs[n].read().id;
    let before = accounts(&db).await;

    // Someone else changes rows 1 and 3 and deletes row 2.
    for n in [1, 3] {
        db.execute(
            &update::<SfAccount>()
                .set(SfAccount::BALANCE, -1_i64)
                .set(SfAccount::VERSION, SfAccount::VERSION + 1_i32)
                .filter(SfAccount::ID.eq(id(n))),
        )
        .await
        .unwrap();
    }
    db.execute(&delete::<SfAccount>().filter(SfAccount::ID.eq(id(2))))
        .await
        .unwrap();
    let theirs = accounts(&db).await;

    // This session changes rows 0..4 and adds one: rows 1, 2, 3 are stale.
    for o in &objs[..4] {
        o.edit(|a| a.balance += 1);
    }
    let added = s.add(account("new", 0)).unwrap();
    let err = s.commit().await.unwrap_err();
    let Error::StaleData(stale) = &err else {
        panic!("expected StaleData, got {err:?}");
    };
    assert!(stale.table.contains("sf_accounts"), "{stale:?}");
    assert_eq!(stale.operation, "UPDATE");
    let mut changed = stale.changed.clone();
    changed.sort();
    let mut expected = vec![id(1).to_string(), id(3).to_string()];
    expected.sort();
    assert_eq!(changed, expected);
    assert_eq!(stale.deleted, [id(2).to_string()]);
    let text = err.to_string();
    assert!(
        text.contains("changed by someone else") && text.contains("deleted by someone else"),
        "{text}"
    );
    // Nothing of the flush stayed: row 0's update and the insert are gone.
    assert_eq!(accounts(&db).await, theirs);
    assert_eq!(theirs[0], before[0]);
    assert!(is_session_error(&s.flush().await.unwrap_err()));
    s.rollback().await.unwrap();
    assert_eq!(added.state(), ObjectState::Transient);

    // A DELETE of a row changed since it was loaded is stale too, and leaves it there.
    let row4 = s.get::<SfAccount>(id(4)).await.unwrap().unwrap();
    assert!(row4.ptr_eq(&objs[4]));
    db.execute(
        &update::<SfAccount>()
            .set(SfAccount::VERSION, SfAccount::VERSION + 1_i32)
            .filter(SfAccount::ID.eq(id(4))),
    )
    .await
    .unwrap();
    s.delete(&row4).unwrap();
    let err = s.commit().await.unwrap_err();
    let Error::StaleData(stale) = &err else {
        panic!("expected StaleData, got {err:?}");
    };
    assert_eq!(stale.operation, "DELETE");
    assert_eq!(stale.changed, [id(4).to_string()]);
    assert!(stale.deleted.is_empty());
    s.rollback().await.unwrap();
    assert_eq!(accounts(&db).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sessions_on_one_row_one_wins() {
    const TASKS: i64 = 8;
    let db = test_db_with("sf_race", DatabaseOptions::default().max_size(10)).await;
    db.create_all(&[SfAccount::TABLE], false).await.unwrap();
    let id = {
        let mut s = db.session();
        let a = s.add(account("race", 0)).unwrap();
        s.commit().await.unwrap();
        a.read().id
    };
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let db = db.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let mut s = db.session();
                let a = s.get::<SfAccount>(id).await.unwrap().unwrap();
                assert_eq!(a.read().version, 1);
                // Everyone has loaded version 1 before anyone writes.
                barrier.wait().await;
                a.edit(|x| x.balance = 100 + i);
                let result = s.commit().await;
                if result.is_err() {
                    s.rollback().await.unwrap();
                }
                (i, result, a.read().version)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        let (i, result, version) = t.await.unwrap();
        match result {
            Ok(()) => {
                assert_eq!(version, 2);
                winners.push(i);
            }
            Err(Error::StaleData(stale)) => {
                assert_eq!(stale.changed, [id.to_string()]);
                assert!(stale.deleted.is_empty());
            }
            Err(e) => panic!("task {i}: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let rows = accounts(&db).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].balance, 100 + winners[0]);
    assert_eq!(rows[0].version, 2);
}

// ---------------------------------------------------------------------------------------
// 5. A failed flush
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_teams")]
pub struct SfTeam {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(unique)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_members")]
pub struct SfMember {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(references(SfTeam::ID))]
    pub team_id: i64,
    #[mapped(unique)]
    pub email: String,
}

fn team(name: &str) -> SfTeam {
    SfTeam {
        id: 0,
        name: name.to_owned(),
    }
}

fn member(team_id: i64, email: &str) -> SfMember {
    SfMember {
        id: 0,
        team_id,
        email: email.to_owned(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_flush_rolls_back_and_blocks_until_rollback() {
    let (log, _guard) = capture();
    let db = setup("sf_failed", &[SfTeam::TABLE, SfMember::TABLE]).await;
    let mut s = db.session();
    let home = s.add(team("home")).unwrap();
    s.commit().await.unwrap();
    let home_id = home.read().id;
    s.add(member(home_id, "dup@example.com")).unwrap();
    s.commit().await.unwrap();

    // Teams go first (parents), then the members' INSERT hits the unique email.
    let new_teams = s.add_all([team("t1"), team("t2")]).unwrap();
    s.add_all([
        member(home_id, "fresh@example.com"),
        member(home_id, "dup@example.com"),
    ])
    .unwrap();
    log.take();
    let err = s.commit().await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert_eq!(
        shapes(&log.take()),
        ["INSERT sf_teams", "INSERT sf_members"]
    );
    assert_eq!(
        count(&db, "sf_teams").await,
        1,
        "the first table's rows are gone"
    );
    assert_eq!(count(&db, "sf_members").await, 1);

    // Until rollback(), the session refuses to work.
    assert!(is_session_error(&s.flush().await.unwrap_err()));
    assert!(is_session_error(&s.commit().await.unwrap_err()));
    assert!(is_session_error(
        &s.get::<SfTeam>(home_id).await.unwrap_err()
    ));
    assert!(is_session_error(
        &s.all(&SfTeam::query()).await.unwrap_err()
    ));
    assert!(is_session_error(&s.begin_nested().await.unwrap_err()));
    assert_eq!(count(&db, "sf_teams").await, 1);

    s.rollback().await.unwrap();
    // What the failed flush had written, or tried to, is out of the session.
    for t in &new_teams {
        assert_eq!(t.state(), ObjectState::Transient);
        assert!(!s.contains(t));
    }
    // Usable again.
    let t3 = s.add(team("t3")).unwrap();
    s.add(member(home_id, "later@example.com")).unwrap();
    s.commit().await.unwrap();
    assert_eq!(t3.state(), ObjectState::Persistent);
    let names: Vec<String> = db
        .query(&SfTeam::query().order_by(SfTeam::ID))
        .await
        .unwrap()
        .into_iter()
        .map(|t: SfTeam| t.name)
        .collect();
    assert_eq!(names, ["home", "t3"]);
    let emails: Vec<String> = db
        .query(&SfMember::query().order_by(SfMember::ID))
        .await
        .unwrap()
        .into_iter()
        .map(|m: SfMember| m.email)
        .collect();
    assert_eq!(emails, ["dup@example.com", "later@example.com"]);
}

/// A session with teams a, b, c and a member of a holding `taken@example.com`.
async fn failed_flush_setup(name: &str) -> (Database, Session, Vec<Obj<SfTeam>>) {
    let db = setup(name, &[SfTeam::TABLE, SfMember::TABLE]).await;
    let mut s = db.session();
    let teams = s.add_all([team("a"), team("b"), team("c")]).unwrap();
    s.commit().await.unwrap();
    let a_id = teams[0].read().id;
    s.add(member(a_id, "taken@example.com")).unwrap();
    s.commit().await.unwrap();
    (db, s, teams)
}

async fn team_names(db: &Database) -> Vec<String> {
    db.query(&SfTeam::query().order_by(SfTeam::ID))
        .await
        .unwrap()
        .into_iter()
        .map(|t: SfTeam| t.name)
        .collect()
}

/// An UPDATE flushed before the failing statement: after rollback() the object has its
/// database value back, and the next flush does not replay the change.
#[tokio::test(flavor = "current_thread")]
async fn a_failed_flush_undoes_updates_in_the_objects() {
    let (db, mut s, teams) = failed_flush_setup("sf_failed_update").await;
    let a_id = teams[0].read().id;
    teams[1].edit(|t| t.name = "b2".into());
    s.add(member(a_id, "taken@example.com")).unwrap();
    let err = s.commit().await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert_eq!(team_names(&db).await, ["a", "b", "c"]);
    s.rollback().await.unwrap();
    assert_eq!(teams[1].read().name, "b");
    assert!(!teams[1].is_modified());
    assert_eq!(teams[1].state(), ObjectState::Persistent);
    s.commit().await.unwrap();
    assert_eq!(team_names(&db).await, ["a", "b", "c"]);
    // And it is tracked as before.
    teams[1].edit(|t| t.name = "b3".into());
    s.commit().await.unwrap();
    assert_eq!(team_names(&db).await, ["a", "b3", "c"]);
}

/// A DELETE waiting in a flush that fails before it runs: after rollback() the object is
/// persistent again.
#[tokio::test(flavor = "current_thread")]
async fn a_failed_flush_undoes_deletes_in_the_objects() {
    let (db, mut s, teams) = failed_flush_setup("sf_failed_delete").await;
    let a_id = teams[0].read().id;
    let c_id = teams[2].read().id;
    s.delete(&teams[2]).unwrap();
    s.add(member(a_id, "taken@example.com")).unwrap();
    let err = s.commit().await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    s.rollback().await.unwrap();
    assert_eq!(
        teams[2].state(),
        ObjectState::Persistent,
        "the delete is undone"
    );
    let c = s.get::<SfTeam>(c_id).await.unwrap().unwrap();
    assert!(c.ptr_eq(&teams[2]));
    teams[2].edit(|t| t.name = "c2".into());
    s.commit().await.unwrap();
    assert_eq!(team_names(&db).await, ["a", "b", "c2"]);
}

/// Pending objects of the failed flush: after rollback() they are out of the session
/// (transient), so they can be fixed and added again.
#[tokio::test(flavor = "current_thread")]
async fn a_failed_flush_expunges_the_objects_it_was_inserting() {
    let (db, mut s, teams) = failed_flush_setup("sf_failed_insert").await;
    let a_id = teams[0].read().id;
    let fresh = s.add(member(a_id, "fresh@example.com")).unwrap();
    let dup = s.add(member(a_id, "taken@example.com")).unwrap();
    let err = s.commit().await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    s.rollback().await.unwrap();
    for m in [&fresh, &dup] {
        assert_eq!(m.state(), ObjectState::Transient, "{m:?}");
        assert!(!s.contains(m));
    }
    // Fixed and added again, they are written.
    dup.edit(|m| m.email = "other@example.com".into());
    s.add_obj(&fresh).unwrap();
    s.add_obj(&dup).unwrap();
    s.commit().await.unwrap();
    let emails: Vec<String> = db
        .query(&SfMember::query().order_by(SfMember::EMAIL))
        .await
        .unwrap()
        .into_iter()
        .map(|m: SfMember| m.email)
        .collect();
    assert_eq!(
        emails,
        [
            "fresh@example.com",
            "other@example.com",
            "taken@example.com"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// 6. Savepoints
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_notes")]
pub struct SfNote {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub title: String,
    pub n: i64,
}

fn note(title: &str, n: i64) -> SfNote {
    SfNote {
        id: 0,
        title: title.to_owned(),
        n,
    }
}

async fn notes(db: &Database) -> Vec<(String, i64)> {
    db.query(&SfNote::query().order_by(SfNote::ID))
        .await
        .unwrap()
        .into_iter()
        .map(|n: SfNote| (n.title, n.n))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn rollback_nested_restores_objects_and_rows() {
    let db = setup("sf_nested", &[SfNote::TABLE]).await;
    let mut s = db.session();
    let objs = s
        .add_all([note("a", 1), note("b", 2), note("c", 3)])
        .unwrap();
    s.commit().await.unwrap();
    let (a, b, c) = (&objs[0], &objs[1], &objs[2]);
    // Written in the outer transaction before the savepoint: that is what to go back to.
    a.edit(|x| x.n = 5);
    s.flush().await.unwrap();

    s.begin_nested().await.unwrap();
    let d = s.add(note("d", 4)).unwrap();
    s.flush().await.unwrap();
    assert_eq!(d.state(), ObjectState::Persistent);
    let d_id = d.read().id;
    d.edit(|x| x.n = 40);
    a.edit(|x| x.n = 10);
    c.edit(|x| x.title = "c inside".into());
    s.flush().await.unwrap();
    b.edit(|x| x.title = "unflushed".into());
    let inside: Vec<SfNote> = s.rows(&SfNote::query().order_by(SfNote::ID)).await.unwrap();
    assert_eq!(inside.len(), 4);
    s.rollback_nested().await.unwrap();

    // Objects added inside are out of the session; changes are undone in the objects.
    assert_eq!(d.state(), ObjectState::Transient);
    assert!(!s.contains(&d));
    assert!(s.get::<SfNote>(d_id).await.unwrap().is_none());
    assert_eq!(a.read().n, 5, "back to the value at begin_nested");
    assert_eq!(b.read().title, "b", "an unflushed change is undone");
    assert_eq!(c.read().title, "c");
    assert!(!a.is_modified() && !b.is_modified() && !c.is_modified());
    // ..and in the database.
    let rows: Vec<SfNote> = s.rows(&SfNote::query().order_by(SfNote::ID)).await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.title.as_str(), r.n))
            .collect::<Vec<_>>(),
        [("a", 5), ("b", 2), ("c", 3)]
    );
    s.commit().await.unwrap();
    assert_eq!(
        notes(&db).await,
        [("a".into(), 5), ("b".into(), 2), ("c".into(), 3)]
    );
    // The restored objects flush normally afterwards.
    c.edit(|x| x.n = 30);
    s.commit().await.unwrap();
    assert_eq!(notes(&db).await[2], ("c".into(), 30));
}

#[tokio::test(flavor = "current_thread")]
async fn rollback_nested_undoes_a_flushed_delete() {
    let db = setup("sf_nested_delete", &[SfNote::TABLE]).await;
    let mut s = db.session();
    let c = s.add(note("c", 3)).unwrap();
    s.commit().await.unwrap();
    let c_id = c.read().id;

    s.begin_nested().await.unwrap();
    s.delete(&c).unwrap();
    s.flush().await.unwrap();
    assert_eq!(c.state(), ObjectState::Deleted);
    assert!(s.get::<SfNote>(c_id).await.unwrap().is_none());
    s.rollback_nested().await.unwrap();

    assert_eq!(c.state(), ObjectState::Persistent);
    let got = s.get::<SfNote>(c_id).await.unwrap().unwrap();
    assert!(got.ptr_eq(&c));
    // It is an ordinary persistent object again: its changes are flushed.
    c.edit(|x| x.n = 30);
    s.commit().await.unwrap();
    assert_eq!(notes(&db).await, [("c".into(), 30)]);
}

#[tokio::test(flavor = "current_thread")]
async fn nested_savepoints_commit_and_roll_back_separately() {
    let db = setup("sf_nested2", &[SfNote::TABLE]).await;
    let mut s = db.session();
    let a = s.add(note("a", 1)).unwrap();
    s.commit().await.unwrap();

    s.begin_nested().await.unwrap(); // outer savepoint
    a.edit(|x| x.n = 10);
    let e = s.add(note("e", 5)).unwrap();
    s.begin_nested().await.unwrap(); // inner savepoint (flushes the outer work)
    a.edit(|x| x.n = 100);
    let f = s.add(note("f", 6)).unwrap();
    s.flush().await.unwrap();
    s.rollback_nested().await.unwrap(); // inner: back to a = 10, no f
    assert_eq!(a.read().n, 10);
    assert_eq!(f.state(), ObjectState::Transient);
    assert_eq!(e.state(), ObjectState::Persistent);
    s.commit_nested().await.unwrap(); // outer: kept
    s.commit().await.unwrap();
    assert_eq!(notes(&db).await, [("a".into(), 10), ("e".into(), 5)]);

    // commit_nested then rolling back the transaction undoes the savepoint's work too.
    s.begin_nested().await.unwrap();
    let g = s.add(note("g", 7)).unwrap();
    a.edit(|x| x.n = 11);
    s.commit_nested().await.unwrap();
    assert_eq!(g.state(), ObjectState::Persistent);
    s.rollback().await.unwrap();
    assert_eq!(g.state(), ObjectState::Transient);
    assert_eq!(a.read().n, 10);
    assert_eq!(notes(&db).await, [("a".into(), 10), ("e".into(), 5)]);
}

// ---------------------------------------------------------------------------------------
// 7. Session upserts
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_contacts")]
pub struct SfContact {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(unique)]
    pub email: String,
    pub name: String,
    pub visits: i64,
}

fn contact(email: &str, name: &str, visits: i64) -> SfContact {
    SfContact {
        id: 0,
        email: email.to_owned(),
        name: name.to_owned(),
        visits,
    }
}

async fn contacts(db: &Database) -> Vec<SfContact> {
    db.query(&SfContact::query().order_by(SfContact::EMAIL))
        .await
        .unwrap()
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "sf_settings")]
pub struct SfSetting {
    #[mapped(primary_key)]
    pub key: String,
    pub value: String,
    #[mapped(on_update = "now()")]
    pub updated_at: DateTime<Utc>,
}

#[tokio::test(flavor = "current_thread")]
async fn upsert_all_on_a_unique_key_fills_the_identity_map() {
    let (log, _guard) = capture();
    let db = setup("sf_upsert", &[SfContact::TABLE]).await;
    let mut s = db.session();
    let ann = s.add(contact("ann@x.org", "Ann", 1)).unwrap();
    s.commit().await.unwrap();
    let ann_id = ann.read().id;
    log.take();

    let out = s
        .upsert_all_on(
            vec![
                contact("cyd@x.org", "Cyd", 3),
                contact("ann@x.org", "Ann B.", 2),
                contact("bob@x.org", "Bob", 5),
            ],
            SfContact::EMAIL_KEY,
        )
        .await
        .unwrap();
    let stmts = log.take();
    let inserts = of(&stmts, "INSERT sf_contacts");
    assert_eq!(inserts.len(), 1, "{stmts:#?}");
    assert!(
        inserts[0]
            .sql
            .contains(r#"ON CONFLICT ON CONSTRAINT "sf_contacts_email_key" DO UPDATE"#),
        "{}",
        inserts[0].sql
    );
    // In conflict-key order; the loaded object is the same object, with the new values.
    assert_eq!(
        out.iter()
            .map(|o| o.read().email.clone())
            .collect::<Vec<_>>(),
        ["ann@x.org", "bob@x.org", "cyd@x.org"]
    );
    assert!(out[0].ptr_eq(&ann));
    assert_eq!(ann.read().name, "Ann B.");
    assert_eq!(ann.read().id, ann_id);
    assert!(!ann.is_modified());
    for o in &out {
        assert_eq!(o.state(), ObjectState::Persistent);
        assert!(o.read().id > 0);
        let id = o.read().id;
        let got = s.get::<SfContact>(id).await.unwrap().unwrap();
        assert!(got.ptr_eq(o));
    }
    s.commit().await.unwrap();
    let rows = contacts(&db).await;
    assert_eq!(rows, out.iter().map(Obj::cloned).collect::<Vec<_>>());
    // A later change of an upserted object is an ordinary one-column UPDATE.
    out[1].edit(|c| c.visits += 1);
    log.take();
    s.commit().await.unwrap();
    let stmts = log.take();
    assert_eq!(shapes(&stmts), ["UPDATE sf_contacts"]);
    assert_eq!(
        set_columns(&stmts.iter().find(|s| shape(&s.sql).is_some()).unwrap().sql),
        ["visits"]
    );
    assert_eq!(contacts(&db).await[1].visits, 6);
}

#[tokio::test(flavor = "current_thread")]
async fn upsert_on_the_primary_key() {
    let db = setup("sf_upsert_pk", &[SfSetting::TABLE]).await;
    let mut s = db.session();
    let theme = s
        .add(SfSetting {
            key: "theme".into(),
            value: "light".into(),
            updated_at: t0(),
        })
        .unwrap();
    s.commit().await.unwrap();

    let same = s
        .upsert(SfSetting {
            key: "theme".into(),
            value: "dark".into(),
            updated_at: t0(),
        })
        .await
        .unwrap();
    assert!(same.ptr_eq(&theme));
    assert_eq!(theme.read().value, "dark");
    let lang = s
        .upsert(SfSetting {
            key: "lang".into(),
            value: "en".into(),
            updated_at: t0(),
        })
        .await
        .unwrap();
    assert_eq!(lang.state(), ObjectState::Persistent);
    assert!(
        s.get::<SfSetting>("lang".to_owned())
            .await
            .unwrap()
            .unwrap()
            .ptr_eq(&lang)
    );
    s.commit().await.unwrap();
    let rows: Vec<SfSetting> = db
        .query(&SfSetting::query().order_by(SfSetting::KEY))
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.key.as_str(), r.value.as_str()))
            .collect::<Vec<_>>(),
        [("lang", "en"), ("theme", "dark")]
    );
    // The updated row got its on_update value, and the object shows it.
    assert!(rows[1].updated_at > t0());
    assert_eq!(theme.read().updated_at, rows[1].updated_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_session_upserts_of_overlapping_keys() {
    const TASKS: usize = 8;
    const KEYS: usize = 10;
    let db = test_db_with("sf_upsert_race", DatabaseOptions::default().max_size(10)).await;
    db.create_all(&[SfContact::TABLE], false).await.unwrap();
    let email = |k: usize| format!("k{k:02}@x.org");
    // Half the keys exist already.
    let existing: HashMap<String, i64> = {
        let mut s = db.session();
        let objs = s
            .add_all((0..KEYS / 2).map(|k| contact(&email(k), "seed", 0)))
            .unwrap();
        s.commit().await.unwrap();
        objs.iter()
            .map(|o| o.with(|c| (c.email.clone(), c.id)))
            .collect()
    };
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let db = db.clone();
            let barrier = barrier.clone();
            // Six overlapping keys each, given in a different order per task.
            let mut keys: Vec<usize> = (0..6).map(|j| (i + j) % KEYS).collect();
            if i % 2 == 1 {
                keys.reverse();
            }
            let values: Vec<SfContact> = keys
                .iter()
                .map(|&k| contact(&email(k), &format!("t{i}"), i64::try_from(i).unwrap()))
                .collect();
            tokio::spawn(async move {
                let mut s = db.session();
                barrier.wait().await;
                let out = s.upsert_all_on(values, SfContact::EMAIL_KEY).await?;
                s.commit().await?;
                let got: Vec<(String, i64)> = out
                    .iter()
                    .map(|o| o.with(|c| (c.email.clone(), c.id)))
                    .collect();
                Ok::<_, Error>((i, keys, got))
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap().unwrap());
    }
    let rows = contacts(&db).await;
    assert_eq!(rows.len(), KEYS);
    let by_email: HashMap<&str, &SfContact> = rows.iter().map(|r| (r.email.as_str(), r)).collect();
    for (email, id) in &existing {
        assert_eq!(
            by_email[email.as_str()].id,
            *id,
            "an existing row keeps its key"
        );
    }
    for (i, keys, got) in &results {
        let mut sorted: Vec<String> = keys.iter().map(|&k| email(k)).collect();
        sorted.sort();
        assert_eq!(
            got.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>(),
            sorted,
            "task {i}: one object per key, in key order"
        );
        for (e, id) in got {
            assert_eq!(by_email[e.as_str()].id, *id, "task {i}: {e}");
        }
    }
    // Every row holds the values of one of the tasks that wrote its key (the last to
    // commit), never a mix and never the seed.
    for r in &rows {
        let writer: usize = r.name[1..].parse().unwrap();
        assert_eq!(r.visits, i64::try_from(writer).unwrap(), "{r:?}");
        let k: usize = r.email[1..3].parse().unwrap();
        assert!(
            results
                .iter()
                .any(|(i, keys, _)| *i == writer && keys.contains(&k)),
            "{r:?}"
        );
    }
}
