//! The Session against the real server: unit of work, identity map, flush order and
//! batching, optimistic locking, savepoints, synchronisation of bulk statements.

use chrono::{DateTime, Utc};
use mapped::prelude::*;

use crate::support::test_db;

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "s_users")]
pub struct SUser {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(unique)]
    pub email: String,
    pub name: Option<String>,
    pub score: f64,
    pub tags: Vec<String>,
    #[mapped(server_default = "now()", omit_on_insert)]
    pub created_at: DateTime<Utc>,
    #[mapped(version)]
    pub version: i32,
}

fn user(n: i64) -> SUser {
    SUser {
        id: 0,
        email: format!("u{n}@example.com"),
        name: Some(format!("user {n}")),
        score: n as f64,
        tags: vec![format!("t{n}")],
        created_at: DateTime::default(),
        version: 0,
    }
}

async fn setup(name: &str) -> Database {
    let db = test_db(name).await;
    db.create_all(&[SUser::TABLE], false).await.unwrap();
    db
}

#[tokio::test]
async fn add_commit_get_edit_delete() {
    let db = setup("session_crud").await;
    let mut s = db.session();
    let u = s.add(user(1)).unwrap();
    assert_eq!(u.state(), ObjectState::Pending);
    s.commit().await.unwrap();
    assert_eq!(u.state(), ObjectState::Persistent);
    let id = u.read().id;
    assert!(id > 0);
    assert_eq!(u.read().version, 1);
    assert!(u.read().created_at > DateTime::<Utc>::default());

    // The identity map answers without a query: same object.
    let again = s.get::<SUser>(id).await.unwrap().unwrap();
    assert!(again.ptr_eq(&u));

    u.edit(|x| x.score = 42.5);
    assert!(u.is_modified());
    assert_eq!(u.changes().len(), 1);
    s.commit().await.unwrap();
    assert_eq!(u.read().version, 2);
    let rows: Vec<SUser> = db.query(&SUser::query()).await.unwrap();
    assert_eq!(rows[0].score, 42.5);
    assert_eq!(rows[0].version, 2);

    s.delete(&u).unwrap();
    s.commit().await.unwrap();
    assert_eq!(u.state(), ObjectState::Detached);
    let n: i64 = db
        .query_scalar(&raw_query::<Int8>("SELECT count(*) FROM s_users"))
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn batch_insert_matches_generated_values() {
    let db = setup("session_batch").await;
    let mut s = db.session();
    let objs = s.add_all((0..1000).map(user)).unwrap();
    s.commit().await.unwrap();
    let rows: Vec<SUser> = db.query(&SUser::query()).await.unwrap();
    assert_eq!(rows.len(), 1000);
    for o in &objs {
        let o = o.read();
        let row = rows.iter().find(|r| r.id == o.id).unwrap();
        assert_eq!(row.email, o.email);
        assert_eq!(row.created_at, o.created_at);
        assert_eq!(o.version, 1);
    }
    // Batch update of one column.
    for o in &objs {
        o.edit(|u| u.score += 1.0);
    }
    s.commit().await.unwrap();
    let rows: Vec<SUser> = db.query(&SUser::query()).await.unwrap();
    for r in rows {
        let n: f64 = r.email[1..r.email.find('@').unwrap()].parse().unwrap();
        assert_eq!(r.score, n + 1.0);
        assert_eq!(r.version, 2);
    }
}

#[tokio::test]
async fn stale_data_concurrent() {
    let db = setup("session_stale").await;
    let mut s = db.session();
    let u = s.add(user(1)).unwrap();
    s.commit().await.unwrap();
    let id = u.read().id;

    let mut a = db.session();
    let mut b = db.session();
    let ua = a.get::<SUser>(id).await.unwrap().unwrap();
    let ub = b.get::<SUser>(id).await.unwrap().unwrap();
    ua.edit(|x| x.name = Some("a".into()));
    ub.edit(|x| x.name = Some("b".into()));
    a.commit().await.unwrap();
    let err = b.commit().await.unwrap_err();
    assert!(err.is_stale_data(), "{err}");
    assert!(err.to_string().contains("changed by someone else"), "{err}");
    b.rollback().await.unwrap();
    let rows: Vec<SUser> = db.query(&SUser::query()).await.unwrap();
    assert_eq!(rows[0].name.as_deref(), Some("a"));
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "s_arrays")]
pub struct SArrays {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub n: i32,
    pub tags: Vec<String>,
    pub maybe: Option<Vec<Option<i32>>>,
}

fn arrays(n: i32) -> SArrays {
    SArrays {
        id: 0,
        n,
        tags: (0..n % 4).map(|k| format!("t{n}-{k}")).collect(),
        maybe: match n % 3 {
            0 => None,
            1 => Some(vec![]),
            _ => Some(vec![Some(n), None, Some(-n)]),
        },
    }
}

/// Array columns in a batch (typed `VALUES` rows) come back whole: empty arrays, NULL arrays
/// and NULL elements included, with PostgreSQL's default lower bound 1.
#[tokio::test]
async fn array_columns_in_batches_round_trip() {
    let db = test_db("session_arrays").await;
    db.create_all(&[SArrays::TABLE], false).await.unwrap();
    let mut s = db.session();
    let objs = s.add_all((0..3000).map(arrays)).unwrap();
    s.commit().await.unwrap();
    let rows: Vec<SArrays> = db
        .query(&SArrays::query().order_by(SArrays::N))
        .await
        .unwrap();
    assert_eq!(rows.len(), 3000);
    for (n, row) in rows.iter().enumerate() {
        let want = SArrays {
            id: row.id,
            ..arrays(i32::try_from(n).unwrap())
        };
        assert_eq!(row, &want);
    }
    let bad: i64 = db
        .query_scalar(&raw_query::<Int8>(
            "SELECT count(*) FROM s_arrays WHERE array_lower(tags, 1) <> 1 OR array_lower(maybe, 1) <> 1",
        ))
        .await
        .unwrap();
    assert_eq!(bad, 0);
    // A batched UPDATE of array columns goes the same way.
    for o in &objs {
        o.edit(|a| {
            a.tags.push("new".into());
            a.maybe = None;
        });
    }
    s.commit().await.unwrap();
    let rows: Vec<SArrays> = db
        .query(&SArrays::query().order_by(SArrays::N))
        .await
        .unwrap();
    for (n, row) in rows.iter().enumerate() {
        let mut want = arrays(i32::try_from(n).unwrap()).tags;
        want.push("new".into());
        assert_eq!(row.tags, want);
        assert_eq!(row.maybe, None);
    }
}
