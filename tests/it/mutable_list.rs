//! `MutableList<T>` and `MutableSet<T>` through the Session against the real server: for
//! every way of changing them, what the flush sent (an `array_append` / `array_cat` / set
//! patch, the whole value, or nothing) and what the row holds afterwards; batching of many
//! objects' patches, `Option` columns, rollbacks and savepoints, concurrent sessions (patches
//! merge, whole values overwrite), pending objects and `merge`.

use std::collections::BTreeSet;
use std::time::Duration;

use mapped::orm_core::metadata::TableDef;
use mapped::prelude::*;

use crate::sql_log::{Stmt, assignments, capture, of};
use crate::support::test_db;

// ---------------------------------------------------------------------------------------
// Models and helpers
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "ml_items")]
struct MlItem {
    #[mapped(primary_key)]
    id: i64,
    tags: MutableList<String>,
    nums: MutableList<i32>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "ml_typed")]
struct MlTyped {
    #[mapped(primary_key)]
    id: i64,
    opts: MutableList<Option<i64>>,
    grid: MutableList<Vec<i32>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "ml_maybe")]
struct MlMaybe {
    #[mapped(primary_key)]
    id: i64,
    maybe: Option<MutableList<String>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "ml_sets")]
struct MlSet {
    #[mapped(primary_key)]
    id: i64,
    codes: MutableSet<i32>,
    names: MutableSet<String>,
}

const APPEND_TAG: &str = r#""tags" = array_append("__mapped_t"."tags", $1::TEXT)"#;
const CAT_TAGS: &str = r#""tags" = array_cat("__mapped_t"."tags", $1::TEXT[])"#;
const WHOLE_TAGS: &str = r#""tags" = $1"#;
/// The batched forms (the patch's parameter comes from the `unnest` / `VALUES` source).
const APPEND_TAG_BATCH: &str =
    r#""tags" = array_append("__mapped_t"."tags", "__mapped_u"."__mapped_p1_0")"#;
const CAT_TAGS_BATCH: &str =
    r#""tags" = array_cat("__mapped_t"."tags", "__mapped_u"."__mapped_p1_0")"#;
const WHOLE_TAGS_BATCH: &str = r#""tags" = "__mapped_u"."tags""#;

async fn setup(name: &str, tables: &[&'static TableDef]) -> Database {
    let db = test_db(name).await;
    db.create_all(tables, false).await.unwrap();
    db
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn item(id: i64, tags: &[&str]) -> MlItem {
    MlItem {
        id,
        tags: strs(tags).into(),
        nums: vec![3, 1, 2].into(),
    }
}

/// One raw SQL value as text.
async fn text(db: &Database, sql: &'static str) -> String {
    db.query_scalar(&raw_query::<Text>(sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The row of `ml_items` with this key, read by a fresh session.
async fn item_row(db: &Database, id: i64) -> MlItem {
    let mut fresh = db.session();
    fresh.get::<MlItem>(id).await.unwrap().unwrap().cloned()
}

/// Every row of `ml_items`, read by a fresh session, by key.
async fn item_rows(db: &Database) -> Vec<MlItem> {
    db.query(&MlItem::query().order_by(MlItem::ID))
        .await
        .unwrap()
}

/// The only UPDATE of `table` among `stmts` (asserting there is exactly one).
fn only_update<'a>(stmts: &'a [Stmt], table: &str) -> &'a Stmt {
    let updates = of(stmts, &format!("UPDATE {table}"));
    assert_eq!(updates.len(), 1, "one UPDATE {table} expected: {stmts:#?}");
    updates[0]
}

/// What a flush sent for `tags`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sent {
    /// No UPDATE at all.
    Nothing,
    /// `array_append(tags, $1::TEXT)`.
    AppendOne,
    /// `array_cat(tags, $1::TEXT[])`.
    Cat,
    /// `"tags" = $1`.
    Whole,
}

/// Loads row 1 (tags `["c", "a", "b"]`) in a fresh session, runs `edit` on its `tags`,
/// commits, and checks the statement sent (only `tags` set, the expected way, one value and
/// the key as parameters), the object and the row (`expected`).
async fn check_list(
    name: &str,
    edit: impl FnOnce(&mut MutableList<String>),
    sent: Sent,
    expected: &[&str],
) {
    let (log, _guard) = capture();
    let db = setup(name, &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    obj.edit(|i| edit(&mut i.tags));
    s.commit().await.unwrap();
    let stmts = log.take();

    let updates = of(&stmts, "UPDATE ml_items");
    let want = match sent {
        Sent::Nothing => None,
        Sent::AppendOne => Some(APPEND_TAG),
        Sent::Cat => Some(CAT_TAGS),
        Sent::Whole => Some(WHOLE_TAGS),
    };
    match want {
        None => assert!(updates.is_empty(), "no UPDATE expected: {stmts:#?}"),
        Some(want) => {
            assert_eq!(updates.len(), 1, "{stmts:#?}");
            assert_eq!(assignments(&updates[0].sql), [want], "{}", updates[0].sql);
            assert_eq!(updates[0].params, 2, "{}", updates[0].sql);
        }
    }
    assert_eq!(*obj.read().tags, expected, "the object");
    let row = item_row(&db, 1).await;
    assert_eq!(*row.tags, expected, "the row");
    assert_eq!(*row.nums, [3, 1, 2], "the other array column is untouched");
    assert_eq!(row, obj.cloned());
}

// ---------------------------------------------------------------------------------------
// 1. MutableList<String>: every way of changing it
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn list_push_is_array_append() {
    check_list(
        "ml_push",
        |t| t.push("x".to_owned()),
        Sent::AppendOne,
        &["c", "a", "b", "x"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_two_pushes_are_array_cat() {
    check_list(
        "ml_push2",
        |t| {
            t.push("x".to_owned());
            t.push("y".to_owned());
        },
        Sent::Cat,
        &["c", "a", "b", "x", "y"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_extend_is_array_cat_and_one_element_or_none_is_less() {
    check_list(
        "ml_extend",
        |t| t.extend(["x".to_owned(), "y".to_owned()]),
        Sent::Cat,
        &["c", "a", "b", "x", "y"],
    )
    .await;
    // One element extended is one element appended.
    check_list(
        "ml_extend1",
        |t| t.extend(["x".to_owned()]),
        Sent::AppendOne,
        &["c", "a", "b", "x"],
    )
    .await;
    // Nothing extended is no change at all.
    check_list(
        "ml_extend0",
        |t| t.extend(Vec::<String>::new()),
        Sent::Nothing,
        &["c", "a", "b"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_extend_from_slice_is_array_cat() {
    check_list(
        "ml_extslice",
        |t| t.extend_from_slice(&strs(&["x", "y", "z"])),
        Sent::Cat,
        &["c", "a", "b", "x", "y", "z"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_append_is_array_cat_and_empties_the_other_vec() {
    check_list(
        "ml_append",
        |t| {
            let mut more = strs(&["x", "y"]);
            t.append(&mut more);
            assert!(more.is_empty());
        },
        Sent::Cat,
        &["c", "a", "b", "x", "y"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_insert_at_the_end_appends_and_in_the_middle_writes_whole() {
    check_list(
        "ml_insert_end",
        |t| t.insert(3, "x".to_owned()),
        Sent::AppendOne,
        &["c", "a", "b", "x"],
    )
    .await;
    check_list(
        "ml_insert_mid",
        |t| t.insert(1, "x".to_owned()),
        Sent::Whole,
        &["c", "x", "a", "b"],
    )
    .await;
    // After an append, inserting at the (new) end is still an append.
    check_list(
        "ml_insert_end2",
        |t| {
            t.push("x".to_owned());
            t.insert(4, "y".to_owned());
        },
        Sent::Cat,
        &["c", "a", "b", "x", "y"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_pop_of_an_appended_element_is_still_an_append() {
    check_list(
        "ml_pop_app",
        |t| {
            t.push("x".to_owned());
            t.push("y".to_owned());
            assert_eq!(t.pop().as_deref(), Some("y"));
        },
        Sent::AppendOne,
        &["c", "a", "b", "x"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_pop_below_the_loaded_length_writes_whole() {
    check_list(
        "ml_pop_old",
        |t| assert_eq!(t.pop().as_deref(), Some("b")),
        Sent::Whole,
        &["c", "a"],
    )
    .await;
    // Popping past the appended elements into the loaded ones: whole.
    check_list(
        "ml_pop_old2",
        |t| {
            t.push("x".to_owned());
            t.pop();
            t.pop();
        },
        Sent::Whole,
        &["c", "a"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_truncate_of_appended_elements_appends_and_below_writes_whole() {
    check_list(
        "ml_trunc_app",
        |t| {
            t.extend_from_slice(&strs(&["x", "y", "z"]));
            t.truncate(4);
        },
        Sent::AppendOne,
        &["c", "a", "b", "x"],
    )
    .await;
    check_list("ml_trunc_old", |t| t.truncate(1), Sent::Whole, &["c"]).await;
    // Truncating to the length or more changes nothing.
    check_list(
        "ml_trunc_noop",
        |t| t.truncate(10),
        Sent::Nothing,
        &["c", "a", "b"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_remove_writes_whole() {
    check_list(
        "ml_remove",
        |t| assert_eq!(t.remove(1), "a"),
        Sent::Whole,
        &["c", "b"],
    )
    .await;
    // The removal of an element appended in the same round is not an append; the list
    // then holds what the row holds, which the flush finds by comparing: nothing is sent.
    check_list(
        "ml_remove_app",
        |t| {
            t.push("x".to_owned());
            assert_eq!(t.remove(3), "x");
        },
        Sent::Nothing,
        &["c", "a", "b"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_retain_writes_whole() {
    check_list(
        "ml_retain",
        |t| t.retain(|x| x != "a"),
        Sent::Whole,
        &["c", "b"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_sort_sort_by_and_sort_by_key_write_whole() {
    check_list("ml_sort", |t| t.sort(), Sent::Whole, &["a", "b", "c"]).await;
    check_list(
        "ml_sort_by",
        |t| t.sort_by(|a, b| b.cmp(a)),
        Sent::Whole,
        &["c", "b", "a"],
    )
    .await;
    check_list(
        "ml_sort_key",
        |t| {
            t.push("bb".to_owned());
            // Longest first, then by content: a push followed by a sort is no append.
            t.sort_by_key(|x| (std::cmp::Reverse(x.len()), x.clone()));
        },
        Sent::Whole,
        &["bb", "a", "b", "c"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_index_assignment_and_other_vec_methods_through_deref_mut_write_whole() {
    check_list(
        "ml_index",
        |t| t[0] = "z".to_owned(),
        Sent::Whole,
        &["z", "a", "b"],
    )
    .await;
    check_list(
        "ml_derefmut",
        |t| {
            t.swap(0, 2);
            t.iter_mut().for_each(|x| x.push('!'));
        },
        Sent::Whole,
        &["b!", "a!", "c!"],
    )
    .await;
    // An appended element assigned by index: still through DerefMut, so whole.
    check_list(
        "ml_index_app",
        |t| {
            t.push("x".to_owned());
            t[3] = "y".to_owned();
        },
        Sent::Whole,
        &["c", "a", "b", "y"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_get_mut_of_an_old_element_writes_whole_of_an_appended_one_appends() {
    check_list(
        "ml_getmut_old",
        |t| *t.get_mut(0).unwrap() = "z".to_owned(),
        Sent::Whole,
        &["z", "a", "b"],
    )
    .await;
    check_list(
        "ml_getmut_app",
        |t| {
            t.push("x".to_owned());
            t.get_mut(3).unwrap().push_str("yz");
        },
        Sent::AppendOne,
        &["c", "a", "b", "xyz"],
    )
    .await;
    // Out of range: `None`, and no change.
    check_list(
        "ml_getmut_none",
        |t| assert!(t.get_mut(3).is_none()),
        Sent::Nothing,
        &["c", "a", "b"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_clear_writes_whole_empty_array() {
    check_list("ml_clear", |t| t.clear(), Sent::Whole, &[]).await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_replacing_the_value_writes_whole_unless_the_content_is_equal() {
    check_list(
        "ml_replace",
        |t| *t = strs(&["p", "q"]).into(),
        Sent::Whole,
        &["p", "q"],
    )
    .await;
    // "Changed" is a pointer comparison; a changed container that records no patch is
    // compared with the row before it is written whole, so a new value equal to the row
    // sends nothing.
    check_list(
        "ml_replace_eq",
        |t| *t = strs(&["c", "a", "b"]).into(),
        Sent::Nothing,
        &["c", "a", "b"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn list_push_then_pop_back_sends_no_update_and_the_next_push_appends() {
    let (log, _guard) = capture();
    let db = setup("ml_pushpop", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    obj.edit(|i| {
        i.tags.push("x".to_owned());
        i.tags.pop();
    });
    s.commit().await.unwrap();
    let stmts = log.take();
    // The patch is `Unchanged`: `run_updates` skips the object, no UPDATE at all.
    assert!(of(&stmts, "UPDATE ml_items").is_empty(), "{stmts:#?}");
    assert_eq!(*item_row(&db, 1).await.tags, ["c", "a", "b"]);

    // The object's record of changes starts again from the row: a push is an append.
    obj.edit(|i| i.tags.push("y".to_owned()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [APPEND_TAG], "{}", update.sql);
    assert_eq!(*item_row(&db, 1).await.tags, ["c", "a", "b", "y"]);
    assert_eq!(item_row(&db, 1).await, obj.cloned());
}

#[tokio::test(flavor = "current_thread")]
async fn list_rounds_of_changes_in_one_session_each_patch_from_the_last_flush() {
    let (log, _guard) = capture();
    let db = setup("ml_rounds", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    // Round 1: a sort (whole). Round 2: a push (append onto the sorted row). Round 3: two
    // pushes (cat).
    obj.edit(|i| i.tags.sort());
    s.flush().await.unwrap();
    obj.edit(|i| i.tags.push("d".to_owned()));
    s.flush().await.unwrap();
    obj.edit(|i| i.tags.extend(["e".to_owned(), "f".to_owned()]));
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_items");
    let sets: Vec<Vec<String>> = updates.iter().map(|u| assignments(&u.sql)).collect();
    assert_eq!(sets, [[WHOLE_TAGS], [APPEND_TAG], [CAT_TAGS]], "{stmts:#?}");
    assert_eq!(*item_row(&db, 1).await.tags, ["a", "b", "c", "d", "e", "f"]);
    assert_eq!(item_row(&db, 1).await, obj.cloned());
}

// ---------------------------------------------------------------------------------------
// 2. Element types
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn list_of_i32_appends_with_an_integer_parameter() {
    let (log, _guard) = capture();
    let db = setup("ml_i32", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["a"])).unwrap();
    s.add(item(2, &["a"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let one = s.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    one.edit(|i| i.nums.push(7));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(
        assignments(&update.sql),
        [r#""nums" = array_append("__mapped_t"."nums", $1::INTEGER)"#],
        "{}",
        update.sql
    );

    let two = s.get::<MlItem>(2).await.unwrap().unwrap();
    log.take();
    two.edit(|i| i.nums.extend([8, 9]));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(
        assignments(&update.sql),
        [r#""nums" = array_cat("__mapped_t"."nums", $1::INTEGER[])"#],
        "{}",
        update.sql
    );

    assert_eq!(
        text(&db, "SELECT nums::text FROM ml_items WHERE id = 1").await,
        "{3,1,2,7}"
    );
    assert_eq!(
        text(&db, "SELECT nums::text FROM ml_items WHERE id = 2").await,
        "{3,1,2,8,9}"
    );
    assert_eq!(item_row(&db, 1).await, one.cloned());
    assert_eq!(item_row(&db, 2).await, two.cloned());
}

fn typed(id: i64) -> MlTyped {
    MlTyped {
        id,
        opts: vec![Some(1), None].into(),
        grid: vec![vec![1, 2], vec![3, 4]].into(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn list_of_options_appends_null_elements() {
    let (log, _guard) = capture();
    let db = setup("ml_opts", &[MlTyped::TABLE]).await;
    let mut s = db.session();
    s.add_all([typed(1), typed(2)]).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let one = s.get::<MlTyped>(1).await.unwrap().unwrap();
    log.take();
    one.edit(|t| t.opts.push(None));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_typed");
    assert_eq!(
        assignments(&update.sql),
        [r#""opts" = array_append("__mapped_t"."opts", $1::BIGINT)"#],
        "{}",
        update.sql
    );

    let two = s.get::<MlTyped>(2).await.unwrap().unwrap();
    log.take();
    two.edit(|t| t.opts.extend([None, Some(5), None]));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_typed");
    assert_eq!(
        assignments(&update.sql),
        [r#""opts" = array_cat("__mapped_t"."opts", $1::BIGINT[])"#],
        "{}",
        update.sql
    );

    assert_eq!(
        text(&db, "SELECT opts::text FROM ml_typed WHERE id = 1").await,
        "{1,NULL,NULL}"
    );
    assert_eq!(
        text(&db, "SELECT opts::text FROM ml_typed WHERE id = 2").await,
        "{1,NULL,NULL,5,NULL}"
    );
    let mut fresh = db.session();
    let back = fresh.get::<MlTyped>(2).await.unwrap().unwrap().cloned();
    assert_eq!(*back.opts, [Some(1), None, None, Some(5), None]);
    assert_eq!(back, two.cloned());
}

#[tokio::test(flavor = "current_thread")]
async fn list_of_rows_in_a_2d_array_appends_rows() {
    let (log, _guard) = capture();
    let db = setup("ml_grid", &[MlTyped::TABLE]).await;
    let mut s = db.session();
    s.add_all([typed(1), typed(2)]).unwrap();
    s.commit().await.unwrap();
    assert_eq!(
        text(
            &db,
            "SELECT array_ndims(grid)::text FROM ml_typed WHERE id = 1"
        )
        .await,
        "2"
    );

    let mut s = db.session();
    let one = s.get::<MlTyped>(1).await.unwrap().unwrap();
    log.take();
    // One row pushed: an array of rows is concatenated (a row is not a scalar element).
    one.edit(|t| t.grid.push(vec![5, 6]));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_typed");
    assert_eq!(
        assignments(&update.sql),
        [r#""grid" = array_cat("__mapped_t"."grid", $1::INTEGER[][])"#],
        "{}",
        update.sql
    );
    assert_eq!(
        text(&db, "SELECT grid::text FROM ml_typed WHERE id = 1").await,
        "{{1,2},{3,4},{5,6}}"
    );

    let two = s.get::<MlTyped>(2).await.unwrap().unwrap();
    log.take();
    two.edit(|t| t.grid.extend([vec![5, 6], vec![7, 8]]));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_typed");
    assert_eq!(
        assignments(&update.sql),
        [r#""grid" = array_cat("__mapped_t"."grid", $1::INTEGER[][])"#],
        "{}",
        update.sql
    );
    assert_eq!(
        text(&db, "SELECT grid::text FROM ml_typed WHERE id = 2").await,
        "{{1,2},{3,4},{5,6},{7,8}}"
    );
    let mut fresh = db.session();
    assert_eq!(
        fresh.get::<MlTyped>(1).await.unwrap().unwrap().cloned(),
        one.cloned()
    );
    assert_eq!(
        fresh.get::<MlTyped>(2).await.unwrap().unwrap().cloned(),
        two.cloned()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn list_of_rows_appended_by_many_objects_is_one_values_update() {
    let (log, _guard) = capture();
    let db = setup("ml_grid_batch", &[MlTyped::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=20).map(typed)).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let objs = s.all(&MlTyped::query()).await.unwrap();
    log.take();
    for o in &objs {
        o.edit(|t| {
            let n = i32::try_from(t.id).unwrap();
            t.grid.push(vec![n, -n]);
        });
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_typed");
    assert!(update.sql.contains(" FROM (VALUES "), "{}", update.sql);
    assert_eq!(
        assignments(&update.sql),
        [r#""grid" = array_cat("__mapped_t"."grid", "__mapped_u"."__mapped_p2_0")"#]
    );
    let rows: Vec<MlTyped> = db
        .query(&MlTyped::query().order_by(MlTyped::ID))
        .await
        .unwrap();
    assert_eq!(rows.len(), 20);
    for r in rows {
        let n = i32::try_from(r.id).unwrap();
        assert_eq!(
            *r.grid,
            [vec![1, 2], vec![3, 4], vec![n, -n]],
            "row {}",
            r.id
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. Batching
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn batch_500_single_pushes_are_one_unnest_update() {
    let (log, _guard) = capture();
    let db = setup("ml_batch500", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=500).map(|id| item(id, &["a"]))).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let objs = s.all(&MlItem::query()).await.unwrap();
    assert_eq!(objs.len(), 500);
    log.take();
    for o in &objs {
        o.edit(|i| {
            let tag = format!("n{}", i.id);
            i.tags.push(tag);
        });
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert!(update.sql.contains(" FROM unnest("), "{}", update.sql);
    assert_eq!(
        assignments(&update.sql),
        [APPEND_TAG_BATCH],
        "{}",
        update.sql
    );
    // One array of keys, one array of elements.
    assert_eq!(update.params, 2, "{}", update.sql);

    let rows = item_rows(&db).await;
    assert_eq!(rows.len(), 500);
    for r in &rows {
        assert_eq!(
            *r.tags,
            ["a".to_owned(), format!("n{}", r.id)],
            "row {}",
            r.id
        );
        assert_eq!(*r.nums, [3, 1, 2]);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn batch_ragged_extends_are_one_values_update() {
    let (log, _guard) = capture();
    let db = setup("ml_ragged", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=200).map(|id| item(id, &["a", "b"])))
        .unwrap();
    s.commit().await.unwrap();

    // 2 to 6 elements each (all `array_cat`: a single element would be `array_append`).
    let added = |id: i64| -> Vec<String> { (0..2 + id % 5).map(|k| format!("{id}.{k}")).collect() };
    let mut s = db.session();
    let objs = s.all(&MlItem::query()).await.unwrap();
    log.take();
    for o in &objs {
        o.edit(|i| {
            let more = added(i.id);
            i.tags.extend(more);
        });
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    // Arrays of different lengths cannot travel in one array parameter: a VALUES list.
    assert!(update.sql.contains(" FROM (VALUES "), "{}", update.sql);
    assert!(!update.sql.contains("unnest("), "{}", update.sql);
    assert_eq!(assignments(&update.sql), [CAT_TAGS_BATCH], "{}", update.sql);
    assert_eq!(update.params, 400, "a key and an array per row");

    let rows = item_rows(&db).await;
    assert_eq!(rows.len(), 200);
    for r in &rows {
        let mut want = strs(&["a", "b"]);
        want.extend(added(r.id));
        assert_eq!(*r.tags, want, "row {}", r.id);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn batch_mixed_appends_and_sorts_are_two_updates() {
    let (log, _guard) = capture();
    let db = setup("ml_mixed", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=10).map(|id| item(id, &["c", "a", "b"])))
        .unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let objs = s.all(&MlItem::query()).await.unwrap();
    log.take();
    for o in &objs {
        o.edit(|i| {
            if i.id % 2 == 0 {
                let tag = format!("n{}", i.id);
                i.tags.push(tag);
            } else {
                i.tags.sort();
            }
        });
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_items");
    assert_eq!(updates.len(), 2, "{stmts:#?}");
    let mut sets: Vec<Vec<String>> = updates.iter().map(|u| assignments(&u.sql)).collect();
    sets.sort();
    assert_eq!(sets, [[WHOLE_TAGS_BATCH], [APPEND_TAG_BATCH]], "{stmts:#?}");

    let rows = item_rows(&db).await;
    assert_eq!(rows.len(), 10);
    for r in &rows {
        if r.id % 2 == 0 {
            assert_eq!(
                *r.tags,
                [
                    "c".to_owned(),
                    "a".to_owned(),
                    "b".to_owned(),
                    format!("n{}", r.id)
                ]
            );
        } else {
            assert_eq!(*r.tags, ["a", "b", "c"], "row {}", r.id);
        }
    }
    for o in &objs {
        let id = o.read().id;
        assert_eq!(rows[usize::try_from(id - 1).unwrap()], o.cloned());
    }
}

// ---------------------------------------------------------------------------------------
// 4. Option<MutableList<String>>
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn optional_list_none_to_some_whole_push_patch_some_to_none_whole() {
    let (log, _guard) = capture();
    let db = setup("ml_option", &[MlMaybe::TABLE]).await;
    let mut s = db.session();
    s.add(MlMaybe { id: 1, maybe: None }).unwrap();
    s.commit().await.unwrap();
    let is_null = "SELECT (maybe IS NULL)::text FROM ml_maybe WHERE id = 1";
    assert_eq!(text(&db, is_null).await, "true");

    let mut s = db.session();
    let obj = s.get::<MlMaybe>(1).await.unwrap().unwrap();
    log.take();

    // None -> Some: the whole value.
    obj.edit(|m| m.maybe = Some(strs(&["a", "b"]).into()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_maybe");
    assert_eq!(
        assignments(&update.sql),
        [r#""maybe" = $1"#],
        "{}",
        update.sql
    );
    assert_eq!(
        text(&db, "SELECT maybe::text FROM ml_maybe WHERE id = 1").await,
        "{a,b}"
    );

    // Some -> Some with a push: a patch.
    obj.edit(|m| m.maybe.as_mut().unwrap().push("c".to_owned()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_maybe");
    assert_eq!(
        assignments(&update.sql),
        [r#""maybe" = array_append("__mapped_t"."maybe", $1::TEXT)"#],
        "{}",
        update.sql
    );
    assert_eq!(
        text(&db, "SELECT maybe::text FROM ml_maybe WHERE id = 1").await,
        "{a,b,c}"
    );
    let mut fresh = db.session();
    assert_eq!(
        fresh.get::<MlMaybe>(1).await.unwrap().unwrap().cloned(),
        obj.cloned()
    );

    // Some -> None: the whole value, NULL.
    obj.edit(|m| m.maybe = None);
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_maybe");
    assert_eq!(
        assignments(&update.sql),
        [r#""maybe" = $1"#],
        "{}",
        update.sql
    );
    assert_eq!(text(&db, is_null).await, "true");
    let mut fresh = db.session();
    assert_eq!(
        fresh
            .get::<MlMaybe>(1)
            .await
            .unwrap()
            .unwrap()
            .cloned()
            .maybe,
        None
    );
}

// ---------------------------------------------------------------------------------------
// 5. Rollback and savepoints
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn rollback_restores_the_list_and_the_row() {
    let (log, _guard) = capture();
    let db = setup("ml_rollback", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlItem>(1).await.unwrap().unwrap();
    // Unflushed push, then rollback.
    obj.edit(|i| i.tags.push("x".to_owned()));
    log.take();
    s.rollback().await.unwrap();
    assert!(of(&log.take(), "UPDATE ml_items").is_empty());
    assert_eq!(
        *obj.read().tags,
        ["c", "a", "b"],
        "the object is back to its loaded value"
    );
    assert_eq!(*item_row(&db, 1).await.tags, ["c", "a", "b"]);

    // Flushed push, then rollback.
    obj.edit(|i| i.tags.push("y".to_owned()));
    s.flush().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [APPEND_TAG], "{}", update.sql);
    s.rollback().await.unwrap();
    assert_eq!(*obj.read().tags, ["c", "a", "b"]);
    assert_eq!(*item_row(&db, 1).await.tags, ["c", "a", "b"]);

    // After the rollbacks a push is an append onto the real row.
    obj.edit(|i| i.tags.push("z".to_owned()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [APPEND_TAG], "{}", update.sql);
    assert_eq!(*item_row(&db, 1).await.tags, ["c", "a", "b", "z"]);
    assert_eq!(item_row(&db, 1).await, obj.cloned());
}

#[tokio::test(flavor = "current_thread")]
async fn rollback_nested_restores_the_list_and_a_later_push_appends_correctly() {
    let (log, _guard) = capture();
    let db = setup("ml_savepoint", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlItem>(1).await.unwrap().unwrap();
    // An append in the outer transaction, flushed.
    obj.edit(|i| i.tags.push("outer".to_owned()));
    s.flush().await.unwrap();

    s.begin_nested().await.unwrap();
    log.take();
    obj.edit(|i| i.tags.push("inner".to_owned()));
    s.flush().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [APPEND_TAG], "{}", update.sql);
    s.rollback_nested().await.unwrap();
    assert_eq!(
        *obj.read().tags,
        ["c", "a", "b", "outer"],
        "back to the savepoint"
    );

    // A later push appends onto the row as of the savepoint.
    obj.edit(|i| i.tags.push("later".to_owned()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [APPEND_TAG], "{}", update.sql);
    let row = item_row(&db, 1).await;
    assert_eq!(*row.tags, ["c", "a", "b", "outer", "later"]);
    assert_eq!(row, obj.cloned());
}

#[tokio::test(flavor = "current_thread")]
async fn rollback_nested_of_a_whole_write_then_append() {
    let (log, _guard) = capture();
    let db = setup("ml_savepoint2", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlItem>(1).await.unwrap().unwrap();
    s.begin_nested().await.unwrap();
    // Pushed (unflushed) and sorted inside the savepoint, then rolled back.
    obj.edit(|i| {
        i.tags.push("x".to_owned());
        i.tags.sort();
    });
    s.flush().await.unwrap();
    s.rollback_nested().await.unwrap();
    assert_eq!(*obj.read().tags, ["c", "a", "b"]);
    log.take();
    obj.edit(|i| i.tags.extend(["y".to_owned(), "z".to_owned()]));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [CAT_TAGS], "{}", update.sql);
    let row = item_row(&db, 1).await;
    assert_eq!(*row.tags, ["c", "a", "b", "y", "z"]);
    assert_eq!(row, obj.cloned());
}

// ---------------------------------------------------------------------------------------
// 6. Concurrent sessions
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn concurrent_pushes_from_two_sessions_both_land() {
    let (log, _guard) = capture();
    let db = setup("ml_conc_push", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["a"])).unwrap();
    s.commit().await.unwrap();

    let mut s1 = db.session();
    let mut s2 = db.session();
    let o1 = s1.get::<MlItem>(1).await.unwrap().unwrap();
    let o2 = s2.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    o1.edit(|i| i.tags.push("one".to_owned()));
    o2.edit(|i| i.tags.push("two".to_owned()));
    // s1 writes first and holds the row lock; s2's UPDATE waits for s1's commit, then
    // appends to the row as s1 left it.
    s1.flush().await.unwrap();
    let (r2, r1) = tokio::join!(s2.commit(), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        s1.commit().await
    });
    r1.unwrap();
    r2.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_items");
    assert_eq!(updates.len(), 2, "{stmts:#?}");
    for u in &updates {
        assert_eq!(assignments(&u.sql), [APPEND_TAG], "{}", u.sql);
    }
    assert_eq!(*item_row(&db, 1).await.tags, ["a", "one", "two"]);
    // Each object holds only its own append until reloaded (patches are not read back).
    assert_eq!(*o1.read().tags, ["a", "one"]);
    assert_eq!(*o2.read().tags, ["a", "two"]);
}

#[tokio::test(flavor = "current_thread")]
async fn concurrent_sort_and_push_the_last_whole_value_wins() {
    let (log, _guard) = capture();
    let db = setup("ml_conc_sort", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut sorter = db.session();
    let mut pusher = db.session();
    let sorted = sorter.get::<MlItem>(1).await.unwrap().unwrap();
    let pushed = pusher.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    pushed.edit(|i| i.tags.push("lost".to_owned()));
    pusher.commit().await.unwrap();
    assert_eq!(*item_row(&db, 1).await.tags, ["c", "a", "b", "lost"]);
    sorted.edit(|i| i.tags.sort());
    sorter.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_items");
    assert_eq!(updates.len(), 2, "{stmts:#?}");
    assert_eq!(assignments(&updates[0].sql), [APPEND_TAG]);
    assert_eq!(assignments(&updates[1].sql), [WHOLE_TAGS]);
    // The sort wrote the whole array as its session saw it: the other session's element
    // is gone (no version column, so nothing detects the lost update).
    let row = item_row(&db, 1).await;
    assert_eq!(*row.tags, ["a", "b", "c"]);
    assert!(
        !row.tags.contains(&"lost".to_owned()),
        "the pushed element is lost"
    );
}

// ---------------------------------------------------------------------------------------
// 7. MutableSet<i32> and MutableSet<String>
// ---------------------------------------------------------------------------------------

const SET_ADD: &str =
    r#""codes" = ARRAY(SELECT DISTINCT unnest(array_cat("__mapped_t"."codes", $1::INTEGER[])))"#;
const SET_REMOVE: &str =
    r#""codes" = ARRAY(SELECT unnest("__mapped_t"."codes") EXCEPT SELECT unnest($1::INTEGER[]))"#;
const SET_BOTH: &str = r#""codes" = ARRAY(SELECT unnest(array_cat("__mapped_t"."codes", $1::INTEGER[])) EXCEPT SELECT unnest($2::INTEGER[]))"#;
const SET_WHOLE: &str = r#""codes" = $1"#;

fn set_row(id: i64) -> MlSet {
    MlSet {
        id,
        codes: (1..=10).collect(),
        names: ["a", "b", "c", "d", "e", "f", "g", "h"]
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

/// The elements of a set column of row 1 as stored (duplicates would show), sorted, comma-separated.
async fn stored(db: &Database, column: &'static str) -> String {
    let q = raw_query::<Text>(
        "SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text COLLATE \"C\"), '') FROM ml_sets, unnest(",
    )
    .sql(column)
    .sql(") AS x WHERE id = 1");
    db.query_scalar(&q).await.unwrap()
}

fn joined<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let mut v: Vec<String> = items.into_iter().map(|x| x.to_string()).collect();
    v.sort();
    v.join(",")
}

/// Loads set row 1 (codes 1..=10, names a..h) in a fresh session, runs `edit`, commits,
/// and checks the SET list sent (`sent`, empty: no UPDATE) and the stored sets.
async fn check_set(
    name: &str,
    edit: impl FnOnce(&mut MlSet),
    sent: &[&str],
    codes: &[i32],
    names: &[&str],
) {
    let (log, _guard) = capture();
    let db = setup(name, &[MlSet::TABLE]).await;
    let mut s = db.session();
    s.add(set_row(1)).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlSet>(1).await.unwrap().unwrap();
    log.take();
    obj.edit(edit);
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_sets");
    if sent.is_empty() {
        assert!(updates.is_empty(), "no UPDATE expected: {stmts:#?}");
    } else {
        assert_eq!(updates.len(), 1, "{stmts:#?}");
        assert_eq!(assignments(&updates[0].sql), sent, "{}", updates[0].sql);
    }
    assert_eq!(
        obj.read().codes.iter().copied().collect::<Vec<_>>(),
        codes,
        "the object"
    );
    assert_eq!(stored(&db, "codes").await, joined(codes), "the row's codes");
    assert_eq!(stored(&db, "names").await, joined(names), "the row's names");
    let mut fresh = db.session();
    assert_eq!(
        fresh.get::<MlSet>(1).await.unwrap().unwrap().cloned(),
        obj.cloned()
    );
}

fn range_but(lo: i32, hi: i32, but: &[i32]) -> Vec<i32> {
    (lo..=hi).filter(|x| !but.contains(x)).collect()
}

const NAMES: &[&str] = &["a", "b", "c", "d", "e", "f", "g", "h"];

#[tokio::test(flavor = "current_thread")]
async fn set_insert_is_a_distinct_union() {
    check_set(
        "ml_set_insert",
        |m| assert!(m.codes.insert(11)),
        &[SET_ADD],
        &range_but(1, 11, &[]),
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_remove_and_take_are_an_except() {
    check_set(
        "ml_set_remove",
        |m| {
            assert!(m.codes.remove(&3));
            assert!(!m.codes.remove(&42));
        },
        &[SET_REMOVE],
        &range_but(1, 10, &[3]),
        NAMES,
    )
    .await;
    check_set(
        "ml_set_take",
        |m| {
            assert_eq!(m.codes.take(&4), Some(4));
            assert_eq!(m.codes.take(&42), None);
        },
        &[SET_REMOVE],
        &range_but(1, 10, &[4]),
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_insert_and_remove_together_are_one_patch() {
    check_set(
        "ml_set_both",
        |m| {
            m.codes.insert(11);
            m.codes.insert(12);
            m.codes.remove(&1);
        },
        &[SET_BOTH],
        &range_but(2, 12, &[]),
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_retain_patches_small_removals_and_writes_large_ones_whole() {
    check_set(
        "ml_set_retain",
        |m| m.codes.retain(|x| *x != 4 && *x != 7),
        &[SET_REMOVE],
        &range_but(1, 10, &[4, 7]),
        NAMES,
    )
    .await;
    // Half removed: the patch (5 elements) is not smaller than the value (5): whole.
    check_set(
        "ml_set_retain_half",
        |m| m.codes.retain(|x| x % 2 == 0),
        &[SET_WHOLE],
        &[2, 4, 6, 8, 10],
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_pop_first_and_pop_last_are_an_except() {
    check_set(
        "ml_set_pop",
        |m| {
            assert_eq!(m.codes.pop_first(), Some(1));
            assert_eq!(m.codes.pop_last(), Some(10));
        },
        &[SET_REMOVE],
        &range_but(2, 9, &[]),
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_extend_and_append_are_a_distinct_union() {
    check_set(
        "ml_set_extend",
        // 3 is there already: only 11 and 12 are added.
        |m| m.codes.extend([11, 3, 12]),
        &[SET_ADD],
        &range_but(1, 12, &[]),
        NAMES,
    )
    .await;
    check_set(
        "ml_set_append",
        |m| {
            let mut more: BTreeSet<i32> = [5, 13, 14].into_iter().collect();
            m.codes.append(&mut more);
            assert!(more.is_empty());
        },
        &[SET_ADD],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14],
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_clear_and_deref_mut_write_whole() {
    check_set(
        "ml_set_clear",
        |m| m.codes.clear(),
        &[SET_WHOLE],
        &[],
        NAMES,
    )
    .await;
    check_set(
        "ml_set_derefmut",
        |m| {
            let inner: &mut BTreeSet<i32> = &mut m.codes;
            inner.insert(42);
            inner.remove(&1);
        },
        &[SET_WHOLE],
        &[2, 3, 4, 5, 6, 7, 8, 9, 10, 42],
        NAMES,
    )
    .await;
    // A method the wrapper does not record (`split_off`) goes through DerefMut too.
    check_set(
        "ml_set_split",
        |m| {
            let high = m.codes.split_off(&9);
            assert_eq!(high.into_iter().collect::<Vec<_>>(), [9, 10]);
        },
        &[SET_WHOLE],
        &range_but(1, 8, &[]),
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_insert_of_an_existing_element_changes_nothing() {
    let (log, _guard) = capture();
    let db = setup("ml_set_exist", &[MlSet::TABLE]).await;
    let mut s = db.session();
    s.add(set_row(1)).unwrap();
    s.commit().await.unwrap();
    let mut s = db.session();
    let obj = s.get::<MlSet>(1).await.unwrap().unwrap();
    log.take();
    obj.edit(|m| {
        assert!(!m.codes.insert(5));
        assert!(!m.names.insert("a".to_owned()));
    });
    assert!(!obj.is_modified(), "the content was not even copied");
    s.commit().await.unwrap();
    let stmts = log.take();
    assert!(of(&stmts, "UPDATE ml_sets").is_empty(), "{stmts:#?}");
    assert_eq!(stored(&db, "codes").await, joined(1..=10));
}

#[tokio::test(flavor = "current_thread")]
async fn set_insert_then_remove_of_the_same_element_sends_no_update() {
    check_set(
        "ml_set_undo",
        |m| {
            assert!(m.codes.insert(11));
            assert!(m.codes.remove(&11));
            assert!(m.names.remove(&"a".to_owned()));
            assert!(m.names.insert("a".to_owned()));
        },
        &[],
        &range_but(1, 10, &[]),
        NAMES,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_of_strings_patches_like_a_set_of_integers() {
    check_set(
        "ml_set_str",
        |m| {
            assert!(m.names.insert("z".to_owned()));
            assert!(m.names.remove(&"b".to_owned()));
        },
        &[r#""names" = ARRAY(SELECT unnest(array_cat("__mapped_t"."names", $1::TEXT[])) EXCEPT SELECT unnest($2::TEXT[]))"#],
        &range_but(1, 10, &[]),
        &["a", "c", "d", "e", "f", "g", "h", "z"],
    )
    .await;
    check_set(
        "ml_set_str_ops",
        |m| {
            m.names.extend(["x".to_owned(), "a".to_owned()]);
            assert_eq!(m.names.pop_first().as_deref(), Some("a"));
            assert_eq!(m.names.take(&"c".to_owned()).as_deref(), Some("c"));
            m.names.retain(|n| n != "d");
        },
        &[r#""names" = ARRAY(SELECT unnest(array_cat("__mapped_t"."names", $1::TEXT[])) EXCEPT SELECT unnest($2::TEXT[]))"#],
        &range_but(1, 10, &[]),
        &["b", "e", "f", "g", "h", "x"],
    )
    .await;
    // More changes than elements left: the whole value.
    check_set(
        "ml_set_str_most",
        |m| m.names.retain(|n| n == "a"),
        &[r#""names" = $1"#],
        &range_but(1, 10, &[]),
        &["a"],
    )
    .await;
    check_set(
        "ml_set_str_clear",
        |m| m.names.clear(),
        &[r#""names" = $1"#],
        &range_but(1, 10, &[]),
        &[],
    )
    .await;
    // Both set columns in one flush: two patches in one statement.
    check_set(
        "ml_set_two_cols",
        |m| {
            m.codes.insert(11);
            m.names.remove(&"d".to_owned());
        },
        &[
            SET_ADD,
            r#""names" = ARRAY(SELECT unnest("__mapped_t"."names") EXCEPT SELECT unnest($2::TEXT[]))"#,
        ],
        &range_but(1, 11, &[]),
        &["a", "b", "c", "e", "f", "g", "h"],
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn set_changes_from_two_sessions_both_land() {
    let (log, _guard) = capture();
    let db = setup("ml_set_conc", &[MlSet::TABLE]).await;
    let mut s = db.session();
    s.add(set_row(1)).unwrap();
    s.commit().await.unwrap();

    let mut s1 = db.session();
    let mut s2 = db.session();
    let o1 = s1.get::<MlSet>(1).await.unwrap().unwrap();
    let o2 = s2.get::<MlSet>(1).await.unwrap().unwrap();
    log.take();
    o1.edit(|m| {
        m.codes.insert(11);
        m.names.insert("x".to_owned());
    });
    o2.edit(|m| {
        m.codes.insert(12);
        m.codes.remove(&1);
        m.names.insert("y".to_owned());
    });
    s1.flush().await.unwrap();
    let (r2, r1) = tokio::join!(s2.commit(), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        s1.commit().await
    });
    r1.unwrap();
    r2.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_sets");
    assert_eq!(updates.len(), 2, "{stmts:#?}");
    for u in &updates {
        assert!(
            assignments(&u.sql)
                .iter()
                .all(|a| a.contains("ARRAY(SELECT ")),
            "set patches only: {}",
            u.sql
        );
    }
    assert_eq!(stored(&db, "codes").await, joined(range_but(2, 12, &[])));
    assert_eq!(
        stored(&db, "names").await,
        joined(["a", "b", "c", "d", "e", "f", "g", "h", "x", "y"])
    );
}

// ---------------------------------------------------------------------------------------
// 8. Pending objects
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn pending_object_pushes_go_into_the_insert_then_later_pushes_append() {
    let (log, _guard) = capture();
    let db = setup("ml_pending", &[MlItem::TABLE]).await;
    let mut s = db.session();
    let obj = s.add(item(1, &["a"])).unwrap();
    obj.edit(|i| i.tags.push("b".to_owned()));
    log.take();
    s.commit().await.unwrap();
    let stmts = log.take();
    assert_eq!(of(&stmts, "INSERT ml_items").len(), 1, "{stmts:#?}");
    assert!(of(&stmts, "UPDATE ml_items").is_empty(), "{stmts:#?}");
    assert_eq!(*item_row(&db, 1).await.tags, ["a", "b"]);

    obj.edit(|i| i.tags.push("c".to_owned()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [APPEND_TAG], "{}", update.sql);
    assert_eq!(*item_row(&db, 1).await.tags, ["a", "b", "c"]);

    // Inserted and appended to in one transaction (flush, push, flush).
    let two = s.add(item(2, &["a"])).unwrap();
    s.flush().await.unwrap();
    two.edit(|i| i.tags.extend(["b".to_owned(), "c".to_owned()]));
    s.commit().await.unwrap();
    let stmts = log.take();
    assert_eq!(of(&stmts, "INSERT ml_items").len(), 1, "{stmts:#?}");
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [CAT_TAGS], "{}", update.sql);
    let row = item_row(&db, 2).await;
    assert_eq!(*row.tags, ["a", "b", "c"]);
    assert_eq!(row, two.cloned());
    assert_eq!(item_row(&db, 1).await, obj.cloned());
}

// ---------------------------------------------------------------------------------------
// 9. merge
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn merged_copy_with_a_push_writes_the_element() {
    let (log, _guard) = capture();
    let db = setup("ml_merge", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s1 = db.session();
    let obj = s1.get::<MlItem>(1).await.unwrap().unwrap();
    let mut copy = obj.cloned();
    copy.tags.push("m".to_owned());
    assert_eq!(*obj.read().tags, ["a", "b"], "the copy's change is its own");

    let mut s2 = db.session();
    log.take();
    let merged = s2.merge(copy).await.unwrap();
    s2.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    // The copy's record of changes starts from s1's row, not from the row s2 loaded:
    // it is not trusted, and the whole value is written.
    assert_eq!(assignments(&update.sql), [WHOLE_TAGS], "{}", update.sql);
    let row = item_row(&db, 1).await;
    assert_eq!(*row.tags, ["a", "b", "m"]);
    assert_eq!(row, merged.cloned());
    // s1's object is untouched (and writes nothing).
    s1.commit().await.unwrap();
    assert!(of(&log.take(), "UPDATE ml_items").is_empty());
    assert_eq!(*item_row(&db, 1).await.tags, ["a", "b", "m"]);
}

// ---------------------------------------------------------------------------------------
// 10. Edges
// ---------------------------------------------------------------------------------------

/// Elements that need quoting in an array literal travel as parameters, alone or batched.
#[tokio::test(flavor = "current_thread")]
async fn edge_elements_needing_quotes_append_intact_alone_and_batched() {
    let (log, _guard) = capture();
    let db = setup("ml_quotes", &[MlItem::TABLE]).await;
    let tricky = strs(&["NULL", "a,b", "{x}", "q\"uote", "back\\slash", "", " sp "]);
    let mut s = db.session();
    s.add_all((1..=3).map(|id| item(id, &["a"]))).unwrap();
    s.commit().await.unwrap();

    // One object, one element each round.
    let mut s = db.session();
    let one = s.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    for t in &tricky {
        one.edit(|i| i.tags.push(t.clone()));
        s.flush().await.unwrap();
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_items");
    assert_eq!(updates.len(), tricky.len());
    assert!(updates.iter().all(|u| assignments(&u.sql) == [APPEND_TAG]));

    // Two objects: all of them at once (array_cat, VALUES) and one each (unnest).
    let objs = s
        .all(&MlItem::query().filter(MlItem::ID.gt(1_i64)))
        .await
        .unwrap();
    log.take();
    for o in &objs {
        o.edit(|i| i.tags.extend(tricky.iter().cloned()));
    }
    s.flush().await.unwrap();
    for (o, t) in objs.iter().zip(["NULL", "{x}"]) {
        o.edit(|i| i.tags.push(t.to_owned()));
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_items");
    assert_eq!(updates.len(), 2, "{stmts:#?}");
    assert_eq!(assignments(&updates[0].sql), [CAT_TAGS_BATCH]);
    assert_eq!(assignments(&updates[1].sql), [APPEND_TAG_BATCH]);
    assert!(
        updates[1].sql.contains(" FROM unnest("),
        "{}",
        updates[1].sql
    );

    let rows = item_rows(&db).await;
    let mut want = strs(&["a"]);
    want.extend(tricky.iter().cloned());
    assert_eq!(*rows[0].tags, want);
    for (r, t) in rows[1..].iter().zip(["NULL", "{x}"]) {
        let mut want = want.clone();
        want.push(t.to_owned());
        assert_eq!(*r.tags, want, "row {}", r.id);
    }
    assert_eq!(
        text(
            &db,
            "SELECT (tags[2] IS NULL)::text FROM ml_items WHERE id = 1"
        )
        .await,
        "false",
        "the string \"NULL\" is not a NULL"
    );
}

/// NULL elements in the `unnest` source of a batch of single appends.
#[tokio::test(flavor = "current_thread")]
async fn edge_batched_appends_of_null_elements() {
    let (log, _guard) = capture();
    let db = setup("ml_null_batch", &[MlTyped::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=30).map(typed)).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let objs = s.all(&MlTyped::query()).await.unwrap();
    log.take();
    for o in &objs {
        o.edit(|t| {
            let v = (t.id % 3 != 0).then_some(t.id * 10);
            t.opts.push(v);
        });
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_typed");
    assert!(update.sql.contains(" FROM unnest("), "{}", update.sql);
    assert_eq!(
        assignments(&update.sql),
        [r#""opts" = array_append("__mapped_t"."opts", "__mapped_u"."__mapped_p1_0")"#]
    );
    let rows: Vec<MlTyped> = db
        .query(&MlTyped::query().order_by(MlTyped::ID))
        .await
        .unwrap();
    assert_eq!(rows.len(), 30);
    for r in &rows {
        let v = (r.id % 3 != 0).then_some(r.id * 10);
        assert_eq!(*r.opts, [Some(1), None, v], "row {}", r.id);
    }
}

/// A list changed and changed back (an `Unchanged` patch) next to a column written whole:
/// only the other column is written, and a later push still appends from the row.
#[tokio::test(flavor = "current_thread")]
async fn edge_unchanged_list_next_to_a_whole_column_then_a_push() {
    let (log, _guard) = capture();
    let db = setup("ml_unch_mix", &[MlItem::TABLE]).await;
    let mut s = db.session();
    s.add(item(1, &["c", "a", "b"])).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let obj = s.get::<MlItem>(1).await.unwrap().unwrap();
    log.take();
    obj.edit(|i| {
        i.tags.push("x".to_owned());
        i.tags.pop();
        i.nums.sort();
    });
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(
        assignments(&update.sql),
        [r#""nums" = $1"#],
        "{}",
        update.sql
    );
    assert_eq!(*item_row(&db, 1).await.nums, [1, 2, 3]);

    obj.edit(|i| i.tags.push("y".to_owned()));
    s.commit().await.unwrap();
    let stmts = log.take();
    let update = only_update(&stmts, "ml_items");
    assert_eq!(assignments(&update.sql), [APPEND_TAG], "{}", update.sql);
    let row = item_row(&db, 1).await;
    assert_eq!(*row.tags, ["c", "a", "b", "y"]);
    assert_eq!(row, obj.cloned());
}

/// Many objects' set patches: one statement per patch shape (a `VALUES` source, the
/// parameters are arrays of different lengths).
#[tokio::test(flavor = "current_thread")]
async fn edge_set_patches_of_many_objects_batch_by_shape() {
    let (log, _guard) = capture();
    let db = setup("ml_set_batch", &[MlSet::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=40).map(set_row)).unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let objs = s.all(&MlSet::query()).await.unwrap();
    log.take();
    let want = |id: i64| -> BTreeSet<i32> {
        let n = i32::try_from(id).unwrap();
        let mut set: BTreeSet<i32> = (1..=10).collect();
        // Adds only for even ids (1 to 3 of them), adds and a removal for odd ones.
        set.extend((0..=n % 3).map(|k| 100 * n + k));
        if n % 2 == 1 {
            set.remove(&(n % 10 + 1));
        }
        set
    };
    for o in &objs {
        o.edit(|m| {
            let target = want(m.id);
            let gone: Vec<i32> = m.codes.difference(&target).copied().collect();
            let new: Vec<i32> = target.difference(&m.codes).copied().collect();
            m.codes.extend(new);
            for g in gone {
                m.codes.remove(&g);
            }
        });
    }
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_sets");
    assert_eq!(updates.len(), 2, "{stmts:#?}");
    let mut sets: Vec<Vec<String>> = updates.iter().map(|u| assignments(&u.sql)).collect();
    sets.sort();
    assert_eq!(
        sets,
        [
            [
                r#""codes" = ARRAY(SELECT DISTINCT unnest(array_cat("__mapped_t"."codes", "__mapped_u"."__mapped_p1_0")))"#
            ],
            [
                r#""codes" = ARRAY(SELECT unnest(array_cat("__mapped_t"."codes", "__mapped_u"."__mapped_p1_0")) EXCEPT SELECT unnest("__mapped_u"."__mapped_p1_1"))"#
            ],
        ]
    );
    assert!(updates.iter().all(|u| u.sql.contains(" FROM (VALUES ")));
    let rows: Vec<MlSet> = db.query(&MlSet::query().order_by(MlSet::ID)).await.unwrap();
    assert_eq!(rows.len(), 40);
    for r in &rows {
        assert_eq!(*r.codes, want(r.id), "row {}", r.id);
    }
    let dups = text(
        &db,
        "SELECT count(*)::text FROM ml_sets WHERE cardinality(codes) <> (SELECT count(DISTINCT x) FROM unnest(codes) x)",
    )
    .await;
    assert_eq!(dups, "0", "no duplicate element stored");
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "ml_custom")]
struct MlCustom {
    #[mapped(primary_key)]
    id: i64,
    #[mapped(sql_type = "VARCHAR(8)[]")]
    labels: MutableList<String>,
}

/// A list column whose SQL type is written by hand: the element cast comes from it.
#[tokio::test(flavor = "current_thread")]
async fn edge_custom_array_type_appends_with_its_element_type() {
    let (log, _guard) = capture();
    let db = setup("ml_custom", &[MlCustom::TABLE]).await;
    let mut s = db.session();
    s.add_all((1..=2).map(|id| MlCustom {
        id,
        labels: strs(&["a"]).into(),
    }))
    .unwrap();
    s.commit().await.unwrap();

    let mut s = db.session();
    let one = s.get::<MlCustom>(1).await.unwrap().unwrap();
    let two = s.get::<MlCustom>(2).await.unwrap().unwrap();
    log.take();
    one.edit(|c| c.labels.push("bb".to_owned()));
    two.edit(|c| c.labels.extend(["cc".to_owned(), "dd".to_owned()]));
    s.commit().await.unwrap();
    let stmts = log.take();
    let updates = of(&stmts, "UPDATE ml_custom");
    assert_eq!(updates.len(), 2, "{stmts:#?}");
    let mut sets: Vec<Vec<String>> = updates.iter().map(|u| assignments(&u.sql)).collect();
    sets.sort();
    assert_eq!(
        sets,
        [
            [r#""labels" = array_append("__mapped_t"."labels", $1::VARCHAR(8))"#],
            [r#""labels" = array_cat("__mapped_t"."labels", $1::VARCHAR(8)[])"#],
        ]
    );
    assert_eq!(
        text(&db, "SELECT labels::text FROM ml_custom WHERE id = 1").await,
        "{a,bb}"
    );
    assert_eq!(
        text(&db, "SELECT labels::text FROM ml_custom WHERE id = 2").await,
        "{a,cc,dd}"
    );
}
