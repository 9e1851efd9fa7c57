//! `INSERT .. ON CONFLICT` against the real server: every target and action, RETURNING with
//! the inserted flag, bulk upserts with repeated keys, and concurrent upserts. Each test
//! checks the table's contents afterwards.

use chrono::{DateTime, Duration, Utc};
use mapped::orm_runtime::DatabaseOptions;
use mapped::prelude::*;

use crate::support::{test_db, test_db_with};

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "up_users")]
#[mapped(index(
    name = "up_users_email_live",
    columns(expr("lower(email)")),
    unique,
    where = "deleted_at IS NULL"
))]
pub struct UpUser {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(unique)]
    pub handle: String,
    pub email: String,
    pub name: Option<String>,
    pub visits: i64,
    #[mapped(on_update = "now()")]
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

fn user(id: i64, name: &str, visits: i64) -> UpUser {
    UpUser {
        id,
        handle: format!("h{id}"),
        email: format!("u{id}@example.com"),
        name: Some(name.to_owned()),
        visits,
        updated_at: t0(),
        deleted_at: None,
    }
}

/// A fixed time well in the past, so `now()` from `on_update` is always later.
fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_600_000_000, 0).unwrap()
}

async fn setup(name: &str, rows: &[UpUser]) -> Database {
    let db = test_db(name).await;
    db.create_all(&[UpUser::TABLE], false).await.unwrap();
    if !rows.is_empty() {
        db.execute(&insert::<UpUser>().models(rows)).await.unwrap();
    }
    db
}

async fn contents(db: &Database) -> Vec<UpUser> {
    db.query(&UpUser::query().order_by(UpUser::ID))
        .await
        .unwrap()
}

fn names(rows: &[UpUser]) -> Vec<(i64, Option<&str>, i64)> {
    rows.iter()
        .map(|u| (u.id, u.name.as_deref(), u.visits))
        .collect()
}

#[tokio::test]
async fn do_nothing_with_and_without_target() {
    let db = setup("up_do_nothing", &[user(1, "ann", 1)]).await;
    // With a target, RETURNING gives only the inserted rows.
    let ids: Vec<i64> = db
        .query(
            &insert::<UpUser>()
                .models(&[user(1, "changed", 9), user(2, "bob", 2)])
                .on_conflict(UpUser::ID)
                .do_nothing()
                .returning(UpUser::ID),
        )
        .await
        .unwrap();
    assert_eq!(ids, [2]);
    // Without a target: any unique violation (here the handle) is skipped.
    let mut clash = user(3, "cyd", 3);
    clash.handle = "h1".into();
    let n = db
        .execute(&insert::<UpUser>().model(&clash).on_conflict_do_nothing())
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(
        names(&contents(&db).await),
        [(1, Some("ann"), 1), (2, Some("bob"), 2)]
    );
}

#[tokio::test]
async fn do_update_with_values_expressions_and_excluded() {
    let db = setup("up_do_update", &[user(1, "ann", 5), user(2, "bob", 1)]).await;
    let q = insert::<UpUser>()
        .models(&[user(1, "ann2", 3), user(3, "cyd", 7)])
        .on_conflict(UpUser::ID)
        .do_update()
        .set(UpUser::VISITS, UpUser::VISITS + excluded(UpUser::VISITS))
        .set(UpUser::NAME, UpUser::NAME.excluded())
        .set(UpUser::EMAIL, "fixed@example.com");
    assert_eq!(db.execute(&q).await.unwrap(), 2);
    let rows = contents(&db).await;
    assert_eq!(
        names(&rows),
        [
            (1, Some("ann2"), 8),
            (2, Some("bob"), 1),
            (3, Some("cyd"), 7)
        ]
    );
    // The SET value applies to updated rows only; the inserted row keeps its own.
    assert_eq!(rows[0].email, "fixed@example.com");
    assert_eq!(rows[2].email, "u3@example.com");

    // set_all_excluded: every written column but the key.
    let mut new = user(2, "bob2", 40);
    new.email = "b@example.com".into();
    db.execute(
        &insert::<UpUser>()
            .model(&new)
            .on_conflict(UpUser::PKEY)
            .do_update()
            .set_all_excluded(),
    )
    .await
    .unwrap();
    let rows = contents(&db).await;
    assert_eq!(names(&rows)[1], (2, Some("bob2"), 40));
    assert_eq!(rows[1].email, "b@example.com");
}

#[tokio::test]
async fn do_update_where_only_when_newer() {
    let mut old = user(1, "v1", 1);
    old.updated_at = t0() + Duration::hours(1);
    let db = setup("up_where", &[old]).await;
    let upsert = |name: &str, at: DateTime<Utc>| {
        let mut u = user(1, name, 1);
        u.updated_at = at;
        insert::<UpUser>()
            .model(&u)
            .on_conflict(UpUser::ID)
            .do_update()
            .set_excluded(UpUser::NAME)
            .set_excluded(UpUser::UPDATED_AT)
            .filter(excluded(UpUser::UPDATED_AT).gt(UpUser::UPDATED_AT))
            .returning(UpUser::NAME)
    };
    // Older than the stored row: nothing is updated or returned.
    let stale: Vec<Option<String>> = db.query(&upsert("stale", t0())).await.unwrap();
    assert!(stale.is_empty());
    assert_eq!(contents(&db).await[0].name.as_deref(), Some("v1"));
    let fresh: Vec<Option<String>> = db
        .query(&upsert("v2", t0() + Duration::hours(2)))
        .await
        .unwrap();
    assert_eq!(fresh, [Some("v2".to_owned())]);
    let rows = contents(&db).await;
    assert_eq!(rows[0].name.as_deref(), Some("v2"));
    assert_eq!(rows[0].updated_at, t0() + Duration::hours(2));
}

#[tokio::test]
async fn named_constraints_and_key_handles() {
    let db = setup("up_constraints", &[user(1, "ann", 1)]).await;
    // The derive's handle of the `handle` UNIQUE constraint.
    let mut other = user(2, "bob", 2);
    other.handle = "h1".into();
    db.execute(
        &insert::<UpUser>()
            .model(&other)
            .on_conflict(UpUser::HANDLE_KEY)
            .do_update()
            .set_excluded(UpUser::NAME),
    )
    .await
    .unwrap();
    assert_eq!(names(&contents(&db).await), [(1, Some("bob"), 1)]);
    // The same constraint by name, and the primary key handle.
    db.execute(
        &insert::<UpUser>()
            .model(&other)
            .on_conflict(constraint("up_users_handle_key"))
            .do_update()
            .set(UpUser::VISITS, 10_i64),
    )
    .await
    .unwrap();
    db.execute(
        &insert::<UpUser>()
            .model(&user(1, "x", 0))
            .on_conflict(UpUser::PKEY)
            .do_update()
            .set(UpUser::VISITS, UpUser::VISITS * 2_i64),
    )
    .await
    .unwrap();
    assert_eq!(names(&contents(&db).await), [(1, Some("bob"), 20)]);
    // A constraint that does not exist is the server's error, with its message.
    let err = db
        .execute(
            &insert::<UpUser>()
                .model(&user(1, "x", 0))
                .on_conflict(constraint("no_such_key"))
                .do_nothing(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no_such_key"), "{err}");
}

#[tokio::test]
async fn expression_and_partial_index_targets() {
    let mut gone = user(1, "gone", 1);
    gone.email = "Ann@Example.com".into();
    gone.deleted_at = Some(t0());
    let mut live = user(2, "live", 1);
    live.email = "Ann@Example.com".into();
    let db = setup("up_partial", &[gone, live]).await;

    // The unique index handle renders `(lower(email)) WHERE deleted_at IS NULL`, so only
    // the live row conflicts.
    let mut again = user(3, "again", 5);
    again.email = "ANN@example.COM".into();
    let (id, fresh): (i64, bool) = db
        .query_one(
            &insert::<UpUser>()
                .model(&again)
                .on_conflict(UpUser::EMAIL_LIVE)
                .do_update()
                .set(UpUser::VISITS, UpUser::VISITS + excluded(UpUser::VISITS))
                .returning((UpUser::ID, inserted::<UpUser>())),
        )
        .await
        .unwrap();
    assert_eq!((id, fresh), (2, false));

    // The same target, typed: an expression and an index predicate.
    let mut third = user(4, "typed", 1);
    third.email = "ann@example.com".into();
    db.execute(
        &insert::<UpUser>()
            .model(&third)
            .on_conflict(lower(UpUser::EMAIL))
            .index_where(UpUser::DELETED_AT.is_null())
            .do_update()
            .set(UpUser::VISITS, UpUser::VISITS + 100_i64),
    )
    .await
    .unwrap();
    assert_eq!(
        names(&contents(&db).await),
        [(1, Some("gone"), 1), (2, Some("live"), 106)]
    );
}

#[tokio::test]
async fn on_update_columns_are_set_by_do_update_unless_told_otherwise() {
    let db = setup("up_on_update", &[user(1, "ann", 1), user(2, "bob", 1)]).await;
    let q = |id: i64| {
        insert::<UpUser>()
            .model(&user(id, "new", 1))
            .on_conflict(UpUser::ID)
            .do_update()
            .set_excluded(UpUser::NAME)
    };
    db.execute(&q(1)).await.unwrap();
    db.execute(&q(2).without_on_update()).await.unwrap();
    let rows = contents(&db).await;
    assert!(rows[0].updated_at > t0() + Duration::days(365));
    assert_eq!(rows[1].updated_at, t0());
    assert_eq!(names(&rows), [(1, Some("new"), 1), (2, Some("new"), 1)]);
}

#[tokio::test]
async fn returning_models_tuples_and_the_inserted_flag() {
    let db = setup("up_returning", &[user(1, "ann", 1)]).await;
    let mut rows: Vec<(UpUser, bool)> = db
        .query(
            &insert::<UpUser>()
                .models(&[user(1, "ann2", 1), user(2, "bob", 1)])
                .on_conflict(UpUser::ID)
                .do_update()
                .set_excluded(UpUser::NAME)
                .returning((all_columns::<UpUser>(), inserted::<UpUser>())),
        )
        .await
        .unwrap();
    rows.sort_by_key(|(u, _)| u.id);
    let got: Vec<(i64, Option<&str>, bool)> = rows
        .iter()
        .map(|(u, f)| (u.id, u.name.as_deref(), *f))
        .collect();
    assert_eq!(got, [(1, Some("ann2"), false), (2, Some("bob"), true)]);
    let models: Vec<UpUser> = db
        .query(
            &insert::<UpUser>()
                .model(&user(3, "cyd", 1))
                .on_conflict(UpUser::ID)
                .do_update()
                .set_excluded(UpUser::NAME)
                .returning_model(),
        )
        .await
        .unwrap();
    assert_eq!(models, [user(3, "cyd", 1)]);
    assert_eq!(contents(&db).await.len(), 3);
}

#[tokio::test]
async fn do_return_existing_returns_every_row_once() {
    let db = setup("up_existing", &[user(1, "ann", 1), user(3, "cyd", 3)]).await;
    let input = [
        user(1, "x", 0),
        user(2, "bob", 2),
        user(3, "y", 0),
        user(1, "z", 0),
    ];
    let rows: Vec<(i64, Option<String>, bool)> = db
        .query(
            &insert::<UpUser>()
                .models(&input)
                .on_conflict(UpUser::ID)
                .do_return_existing()
                .returning((UpUser::ID, UpUser::NAME, inserted::<UpUser>())),
        )
        .await
        .unwrap();
    // Key order; the repeated key 1 comes back once; existing rows are unchanged.
    assert_eq!(
        rows,
        [
            (1, Some("ann".to_owned()), false),
            (2, Some("bob".to_owned()), true),
            (3, Some("cyd".to_owned()), false)
        ]
    );
    let all = contents(&db).await;
    assert_eq!(
        names(&all),
        [
            (1, Some("ann"), 1),
            (2, Some("bob"), 2),
            (3, Some("cyd"), 3)
        ]
    );
    // Not an update: on_update columns stay.
    assert_eq!(all[0].updated_at, t0());
}

#[tokio::test]
async fn bulk_upsert_beyond_the_parameter_limit_merges_repeated_keys() {
    let db = setup("up_bulk", &[user(5, "old", 1)]).await;
    // 30,000 rows × 7 columns would be 210,000 parameters as VALUES; keys repeat (0..10,000,
    // three times each), and the last row of each key wins.
    let rows: Vec<UpUser> = (0..30_000_i64)
        .map(|i| user(i % 10_000, &format!("r{i}"), i))
        .collect();
    let q = insert::<UpUser>()
        .models(&rows)
        .on_conflict(UpUser::ID)
        .do_update()
        .set_all_excluded();
    assert_eq!(q.compile().unwrap().params().len(), 7);
    assert_eq!(db.execute(&q).await.unwrap(), 10_000);
    let all = contents(&db).await;
    assert_eq!(all.len(), 10_000);
    assert!(
        all.iter()
            .all(|u| u.visits == u.id + 20_000 && u.name == Some(format!("r{}", u.visits)))
    );
    // DO NOTHING keeps the first row of a key, as PostgreSQL would.
    let n = db
        .execute(
            &insert::<UpUser>()
                .models(&[user(20_000, "first", 1), user(20_000, "second", 2)])
                .on_conflict(UpUser::ID)
                .do_nothing(),
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    let first: Option<String> = db
        .query_one(
            &UpUser::query()
                .select(UpUser::NAME)
                .filter(UpUser::ID.eq(20_000_i64)),
        )
        .await
        .unwrap();
    assert_eq!(first.as_deref(), Some("first"));
}

#[tokio::test]
async fn repeated_keys_of_expression_targets_are_merged_on_the_server() {
    let db = setup("up_expr_merge", &[]).await;
    // `lower(email)` equal, ids different: the server's lower() decides, last wins.
    let mut a = user(1, "a", 1);
    a.email = "X@Example.com".into();
    let mut b = user(2, "b", 2);
    b.email = "x@example.COM".into();
    let mut c = user(3, "c", 3);
    c.email = "y@example.com".into();
    let n = db
        .execute(
            &insert::<UpUser>()
                .models(&[a, b, c])
                .on_conflict(UpUser::EMAIL_LIVE)
                .do_update()
                .set_excluded(UpUser::NAME),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        names(&contents(&db).await),
        [(2, Some("b"), 2), (3, Some("c"), 3)]
    );
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "up_tagged")]
pub struct Tagged {
    #[mapped(primary_key)]
    pub id: i64,
    pub tags: Vec<String>,
}

#[tokio::test]
async fn array_columns_and_expressions_go_through_merged_values() {
    let db = test_db("up_arrays").await;
    db.create_all(&[Tagged::TABLE], false).await.unwrap();
    let rows = [
        Tagged {
            id: 1,
            tags: vec!["a".into(), "b".into()],
        },
        Tagged {
            id: 1,
            tags: vec!["c".into()],
        },
        Tagged {
            id: 2,
            tags: vec![],
        },
    ];
    let q = insert::<Tagged>()
        .models(&rows)
        .on_conflict(Tagged::PKEY)
        .do_update()
        .set_excluded(Tagged::TAGS);
    assert!(q.compile().unwrap().sql().contains("FROM (VALUES"));
    assert_eq!(db.execute(&q).await.unwrap(), 2);
    let all: Vec<Tagged> = db
        .query(&Tagged::query().order_by(Tagged::ID))
        .await
        .unwrap();
    assert_eq!(all, [rows[1].clone(), rows[2].clone()]);
}

#[tokio::test]
async fn concurrent_upserts_of_overlapping_keys() {
    const TASKS: i64 = 8;
    const ROUNDS: i64 = 5;
    let db = test_db_with("up_concurrent", DatabaseOptions::default().max_size(8)).await;
    db.create_all(&[UpUser::TABLE], false).await.unwrap();
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for round in 0..ROUNDS {
                // Task t writes keys t*25 .. t*25+100 (each key is in up to 4 tasks), in an
                // order that differs per task and round.
                let mut keys: Vec<i64> = (t * 25..t * 25 + 100).collect();
                keys.rotate_left(usize::try_from((t * 37 + round * 11) % 100).unwrap());
                if (t + round) % 2 == 1 {
                    keys.reverse();
                }
                let rows: Vec<UpUser> = keys.iter().map(|&k| user(k, "c", 1)).collect();
                db.execute(
                    &insert::<UpUser>()
                        .models(&rows)
                        .on_conflict(UpUser::ID)
                        .do_update()
                        .set(UpUser::VISITS, UpUser::VISITS + excluded(UpUser::VISITS)),
                )
                .await?;
            }
            Ok::<_, mapped::Error>(())
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let all = contents(&db).await;
    assert_eq!(all.len(), usize::try_from((TASKS - 1) * 25 + 100).unwrap());
    for u in &all {
        let writers = (0..TASKS)
            .filter(|t| (t * 25..t * 25 + 100).contains(&u.id))
            .count();
        assert_eq!(
            u.visits,
            i64::try_from(writers).unwrap() * ROUNDS,
            "key {}",
            u.id
        );
    }
}
