//! Every statement kind of the builders, run against the real server; each test checks the
//! rows that come back or the table's contents afterwards.

use mapped::prelude::*;

use crate::support::test_db;

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "owners")]
pub struct Owner {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "accounts")]
pub struct Account {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(references(Owner::ID, on_delete = set_null))]
    pub owner_id: Option<i64>,
    pub name: String,
    pub balance: i64,
    pub tags: Vec<String>,
}

async fn setup(name: &str) -> Database {
    let db = test_db(name).await;
    db.create_all(&[Owner::TABLE, Account::TABLE], false)
        .await
        .expect("create tables");
    let owners: Vec<Owner> = db
        .query(
            &insert::<Owner>()
                .columns((Owner::NAME,))
                .values(("ann",))
                .values(("bob",))
                .values(("cyd",))
                .returning_model(),
        )
        .await
        .expect("insert owners");
    assert_eq!(owners.len(), 3);
    let (ann, bob) = (owners[0].id, owners[1].id);
    let rows: [(Option<i64>, &str, i64, &[&str]); 5] = [
        (Some(ann), "a1", 100, &["x", "y"]),
        (Some(ann), "a2", 50, &["y"]),
        (Some(bob), "b1", 0, &[]),
        (None, "orphan", 7, &["x"]),
        (Some(bob), "b2", -5, &["z"]),
    ];
    let q = insert::<Account>()
        .columns((
            Account::OWNER_ID,
            Account::NAME,
            Account::BALANCE,
            Account::TAGS,
        ))
        .values_iter(rows.iter().map(|(o, n, b, t)| {
            (
                *o,
                *n,
                *b,
                t.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        }));
    assert_eq!(db.execute(&q).await.expect("insert accounts"), 5);
    db
}

#[tokio::test]
async fn select_models_columns_tuples_and_expressions() {
    let db = setup("select_shapes").await;
    let all: Vec<Account> = db
        .query(&Account::query().order_by(Account::ID))
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].name, "a1");
    assert_eq!(all[0].tags, vec!["x".to_owned(), "y".to_owned()]);
    assert_eq!(all[3].owner_id, None);

    let names: Vec<String> = db
        .query(
            &Account::query()
                .select(Account::NAME)
                .filter(Account::BALANCE.gt(10_i64))
                .order_by(Account::NAME.desc()),
        )
        .await
        .unwrap();
    assert_eq!(names, ["a2", "a1"]);

    let pairs: Vec<(String, i64)> = db
        .query(
            &Account::query()
                .select((upper(Account::NAME), Account::BALANCE * 2_i64))
                .filter(Account::NAME.like("b%"))
                .order_by(Account::BALANCE),
        )
        .await
        .unwrap();
    assert_eq!(pairs, [("B2".to_owned(), -10), ("B1".to_owned(), 0)]);

    let label: Vec<String> = db
        .query(
            &Account::query()
                .select(
                    case::<Text>()
                        .when(Account::BALANCE.lt(0_i64), "overdrawn")
                        .when(Account::BALANCE.eq(0_i64), "empty")
                        .otherwise("ok"),
                )
                .order_by(Account::ID),
        )
        .await
        .unwrap();
    assert_eq!(label, ["ok", "ok", "empty", "ok", "overdrawn"]);

    let now_is_set: bool = db.query_one(&select(now().is_not_null())).await.unwrap();
    assert!(now_is_set);

    let n: i64 = db.query_one(&Account::query().count()).await.unwrap();
    assert_eq!(n, 5);
}

#[tokio::test]
async fn operators_against_the_server() {
    let db = setup("operators").await;
    let db = &db;
    let ids = |q: Select<
        mapped::orm_core::scope::Cons<Account, mapped::orm_core::scope::Nil>,
        Text,
    >| async move {
        let v: Vec<String> = db.query(&q).await.unwrap();
        v
    };
    let base = || {
        Account::query()
            .select(Account::NAME)
            .order_by(Account::NAME)
    };
    assert_eq!(
        ids(base().filter(Account::OWNER_ID.is_null())).await,
        ["orphan"]
    );
    assert_eq!(
        ids(base().filter(Account::BALANCE.between(0_i64, 50_i64))).await,
        ["a2", "b1", "orphan"]
    );
    assert_eq!(
        ids(base().filter(Account::NAME.in_list(["a1", "b2", "nope"]))).await,
        ["a1", "b2"]
    );
    assert_eq!(
        ids(base().filter(Account::NAME.eq_any(vec!["a2".to_owned(), "orphan".to_owned()]))).await,
        ["a2", "orphan"]
    );
    assert_eq!(
        ids(base().filter(Account::NAME.ne_all(Vec::<String>::new())))
            .await
            .len(),
        5
    );
    assert_eq!(
        ids(base().filter(Account::NAME.in_list(Vec::<String>::new())))
            .await
            .len(),
        0
    );
    assert_eq!(
        ids(base().filter(Account::OWNER_ID.is_distinct_from(1_i64)))
            .await
            .len(),
        3,
        "NULL owner is distinct from 1, and so are bob's two accounts"
    );
    assert_eq!(
        ids(base().filter(
            Account::NAME
                .ilike("A%")
                .and(Account::BALANCE.ge(100_i64).not())
        ))
        .await,
        ["a2"]
    );
    assert_eq!(
        ids(base().filter(Account::NAME.concat("!").eq("b1!"))).await,
        ["b1"]
    );
    assert_eq!(
        ids(base().filter(Account::TAGS.op("@>", vec!["y".to_owned()]))).await,
        ["a1", "a2"]
    );
    assert_eq!(
        ids(base().filter(
            raw::<Bool>("cardinality(")
                .expr(Account::TAGS)
                .sql(") = ")
                .bind(0_i32)
        ))
        .await,
        ["b1"]
    );
    assert_eq!(
        ids(base().filter(Account::OWNER_ID.coalesce(0_i64).eq(0_i64))).await,
        ["orphan"]
    );
    assert_eq!(
        ids(base().filter(Account::BALANCE.cast::<Text>().eq("-5"))).await,
        ["b2"]
    );
}

#[tokio::test]
async fn joins_outer_joins_decode_options() {
    let db = setup("joins").await;
    let rows: Vec<(Account, Option<Owner>)> = db
        .query(
            &Account::query()
                .left_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
                .select((all_columns::<Account>(), all_columns::<Owner>()))
                .order_by(Account::ID),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].1.as_ref().map(|o| o.name.as_str()), Some("ann"));
    assert_eq!(rows[3].0.name, "orphan");
    assert!(rows[3].1.is_none());

    let inner: Vec<(String, String)> = db
        .query(
            &Account::query()
                .inner_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
                .select((Owner::NAME, Account::NAME))
                .order_by((Owner::NAME, Account::NAME)),
        )
        .await
        .unwrap();
    assert_eq!(inner.len(), 4);

    // cyd has no account: a RIGHT JOIN keeps her, with NULL account columns.
    let right: Vec<(String, String)> = db
        .query(
            &Account::query()
                .right_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
                .select((Account::NAME.coalesce("-"), Owner::NAME))
                .filter(Owner::NAME.eq("cyd")),
        )
        .await
        .unwrap();
    assert_eq!(right, [("-".to_owned(), "cyd".to_owned())]);

    let full: i64 = db
        .query_one(
            &Account::query()
                .full_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
                .select(count_star()),
        )
        .await
        .unwrap();
    assert_eq!(full, 6, "4 matched + the orphan account + cyd");

    let cross: i64 = db
        .query_one(&Account::query().cross_join::<Owner>().select(count_star()))
        .await
        .unwrap();
    assert_eq!(cross, 15);
}

#[tokio::test]
async fn grouping_ordering_paging_distinct() {
    let db = setup("grouping").await;
    let per_owner: Vec<(
        Option<i64>,
        i64,
        Option<rust_decimal::Decimal>,
        Option<String>,
    )> = db
        .query(
            &Account::query()
                .select((
                    Account::OWNER_ID,
                    count_star(),
                    sum(Account::BALANCE),
                    string_agg(Account::NAME, ",").order_by(Account::NAME.desc()),
                ))
                .group_by(Account::OWNER_ID)
                .having(count_star().gt(1_i64))
                .order_by(Account::OWNER_ID.asc().nulls_first()),
        )
        .await
        .unwrap();
    assert_eq!(per_owner.len(), 2);
    assert_eq!(per_owner[0].1, 2);
    assert_eq!(per_owner[0].2, Some(rust_decimal::Decimal::from(150)));
    assert_eq!(per_owner[0].3.as_deref(), Some("a2,a1"));
    assert_eq!(per_owner[1].3.as_deref(), Some("b2,b1"));

    let filtered: (i64, i64) = db
        .query_one(&Account::query().select((
            count_star().filter(Account::BALANCE.gt(0_i64)),
            count(Account::OWNER_ID).distinct(),
        )))
        .await
        .unwrap();
    assert_eq!(filtered, (3, 2));

    let tags: Option<Vec<String>> = db
        .query_one(
            &Account::query().select(array_agg(Account::NAME).order_by(Account::BALANCE.desc())),
        )
        .await
        .unwrap();
    assert_eq!(
        tags.unwrap(),
        ["a1", "a2", "orphan", "b1", "b2"].map(String::from)
    );

    let nulls_last: Vec<Option<i64>> = db
        .query(
            &Account::query()
                .select(Account::OWNER_ID)
                .order_by(Account::OWNER_ID.desc().nulls_last())
                .limit(2)
                .offset(3),
        )
        .await
        .unwrap();
    assert_eq!(nulls_last.len(), 2);
    assert_eq!(nulls_last[1], None);

    let distinct: Vec<Option<i64>> = db
        .query(
            &Account::query()
                .select(Account::OWNER_ID)
                .distinct()
                .order_by(Account::OWNER_ID),
        )
        .await
        .unwrap();
    assert_eq!(distinct.len(), 3);

    // DISTINCT ON: the richest account per owner.
    let richest: Vec<String> = db
        .query(
            &Account::query()
                .select(Account::NAME)
                .distinct_on(Account::OWNER_ID)
                .filter(Account::OWNER_ID.is_not_null())
                .order_by((Account::OWNER_ID, Account::BALANCE.desc())),
        )
        .await
        .unwrap();
    assert_eq!(richest, ["a1", "b1"]);

    // Keyset pagination with a row-value comparison.
    let after: Vec<String> = db
        .query(
            &Account::query()
                .select(Account::NAME)
                .filter(row((Account::BALANCE, Account::ID)).gt((7_i64, 0_i64)))
                .order_by((Account::BALANCE, Account::ID)),
        )
        .await
        .unwrap();
    assert_eq!(after, ["orphan", "a2", "a1"]);
}

#[tokio::test]
async fn locking_clauses_run() {
    let db = setup("locking").await;
    for q in [
        Account::query().select(Account::ID).for_update(),
        Account::query()
            .select(Account::ID)
            .for_no_key_update()
            .nowait(),
        Account::query()
            .select(Account::ID)
            .for_share()
            .skip_locked(),
        Account::query()
            .select(Account::ID)
            .for_key_share()
            .of::<Account>(),
    ] {
        let ids: Vec<i64> = db.query(&q).await.unwrap();
        assert_eq!(ids.len(), 5, "{}", q.to_sql().sql());
    }
}

#[tokio::test]
async fn subqueries_ctes_and_set_operations() {
    let db = setup("subqueries").await;
    let richest: String = db
        .query_one(&Account::query().select(Account::NAME).filter(
            Account::BALANCE.eq(Account::query().select(max(Account::BALANCE)).as_scalar()),
        ))
        .await
        .unwrap();
    assert_eq!(richest, "a1");

    let owners_with_accounts: Vec<String> = db
        .query(
            &Owner::query()
                .select(Owner::NAME)
                .filter(exists(
                    Account::query()
                        .correlate::<Owner>()
                        .select(Account::ID)
                        .filter(Account::OWNER_ID.eq(Owner::ID)),
                ))
                .order_by(Owner::NAME),
        )
        .await
        .unwrap();
    assert_eq!(owners_with_accounts, ["ann", "bob"]);

    let in_sub: Vec<String> = db
        .query(
            &Owner::query().select(Owner::NAME).filter(
                Owner::ID.not_in_subquery(
                    Account::query()
                        .select(Account::OWNER_ID)
                        .filter(Account::OWNER_ID.is_not_null()),
                ),
            ),
        )
        .await
        .unwrap();
    assert_eq!(in_sub, ["cyd"]);

    let rich = cte(
        "rich",
        Account::query()
            .select(Account::NAME)
            .filter(Account::BALANCE.ge(50_i64)),
    );
    let names: Vec<String> = db
        .query(
            &select_from_name("rich")
                .with(rich)
                .select(alias_col::<Text>("rich", "name"))
                .order_by(alias_col::<Text>("rich", "name")),
        )
        .await
        .unwrap();
    assert_eq!(names, ["a1", "a2"]);

    let n = alias_col::<Int8>("t", "n");
    let body = select(typed_value::<Int8>(1_i64)).union_all(
        select_from_name("t")
            .select(n.clone() + 1_i64)
            .filter(n.lt(10_i64)),
    );
    let total: Option<rust_decimal::Decimal> = db
        .query_one(
            &select_from_name("t")
                .with_recursive(cte("t", body).columns(["n"]))
                .select(sum(alias_col::<Int8>("t", "n"))),
        )
        .await
        .unwrap();
    assert_eq!(total, Some(rust_decimal::Decimal::from(55)));

    let a = || {
        Account::query()
            .select(Account::NAME)
            .filter(Account::BALANCE.ge(0_i64))
    };
    let b = || Owner::query().select(Owner::NAME);
    let union: Vec<String> = db
        .query(&a().union(b()).order_by(Account::NAME).limit(3))
        .await
        .unwrap();
    assert_eq!(union, ["a1", "a2", "ann"]);
    let union_all: i64 = db.query_one(&a().union_all(b()).count()).await.unwrap();
    assert_eq!(union_all, 7);
    let except: i64 = db.query_one(&a().except(b()).count()).await.unwrap();
    assert_eq!(except, 4);
    let intersect: i64 = db
        .query_one(
            &a().intersect(Account::query().select(Account::NAME))
                .count(),
        )
        .await
        .unwrap();
    assert_eq!(intersect, 4);
    let except_all: i64 = db.query_one(&a().except_all(a()).count()).await.unwrap();
    assert_eq!(except_all, 0);
    let intersect_all: i64 = db.query_one(&a().intersect_all(a()).count()).await.unwrap();
    assert_eq!(intersect_all, 4);
}

#[tokio::test]
async fn table_valued_functions() {
    let db = setup("table_fns").await;
    let series = table_fn(
        "generate_series",
        (
            typed_value::<Int8>(10_i64),
            typed_value::<Int8>(30_i64),
            typed_value::<Int8>(10_i64),
        ),
    )
    .with_ordinality()
    .alias("s", ["value", "ordinality"]);
    let rows: Vec<(i64, i64)> = db
        .query(&select_from_fn(series.clone()).select((
            series.col::<Int8>("value"),
            series.col::<Int8>("ordinality"),
        )))
        .await
        .unwrap();
    assert_eq!(rows, [(10, 1), (20, 2), (30, 3)]);

    let tags = table_fn("unnest", (Account::TAGS,))
        .lateral()
        .alias("tag", ["value"]);
    let mut pairs: Vec<(String, String)> = db
        .query(
            &Account::query()
                .cross_join_fn(tags.clone())
                .select((Account::NAME, tags.col::<Text>("value")))
                .filter(Account::OWNER_ID.is_not_null()),
        )
        .await
        .unwrap();
    pairs.sort();
    assert_eq!(pairs.len(), 4);
    assert_eq!(pairs[0], ("a1".to_owned(), "x".to_owned()));

    let doc = serde_json::json!({"b": "two", "a": 1});
    let each = table_fn("jsonb_each", (value::<Jsonb>(doc),)).alias("kv", ["key", "value"]);
    let kv: Vec<(String, serde_json::Value)> = db
        .query(
            &select_from_fn(each.clone())
                .select((each.col::<Text>("key"), each.col::<Jsonb>("value")))
                .order_by(each.col::<Text>("key")),
        )
        .await
        .unwrap();
    assert_eq!(
        kv,
        [
            ("a".to_owned(), serde_json::json!(1)),
            ("b".to_owned(), serde_json::json!("two"))
        ]
    );

    let rec = table_fn(
        "jsonb_to_record",
        (value::<Jsonb>(serde_json::json!({"a": 5, "b": "x"})),),
    )
    .alias("r", [])
    .typed_column::<Int4>("a")
    .typed_column::<Text>("b");
    let r: (i32, String) = db
        .query_one(
            &select_from_fn(rec.clone()).select((rec.col::<Int4>("a"), rec.col::<Text>("b"))),
        )
        .await
        .unwrap();
    assert_eq!(r, (5, "x".to_owned()));
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "events")]
pub struct Event {
    #[mapped(primary_key, identity(always, start = 100))]
    pub id: i64,
    #[mapped(default = default_kind)]
    pub kind: String,
    #[mapped(server_default = "'new'")]
    pub state: String,
    #[mapped(on_update = "now()", server_default = "now()")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[mapped(generated = "upper(kind)")]
    pub kind_upper: String,
    pub note: Option<String>,
}

fn default_kind() -> String {
    "generic".to_owned()
}

#[tokio::test]
async fn insert_every_form_and_returning() {
    let db = test_db("inserts").await;
    db.create_all(&[Event::TABLE], false).await.unwrap();

    // A model INSERT leaves out identity and generated columns and gets them back through
    // RETURNING; a server_default column gets the object's value.
    let e: Event = db
        .query_one(
            &insert::<Event>()
                .model(&Event {
                    id: 0,
                    kind: "click".into(),
                    state: "open".into(),
                    updated_at: chrono::Utc::now(),
                    kind_upper: String::new(),
                    note: None,
                })
                .returning_model(),
        )
        .await
        .unwrap();
    assert_eq!(e.id, 100);
    assert_eq!(e.state, "open");
    assert_eq!(e.kind_upper, "CLICK");

    // Column-wise single row: the Rust-side default fills `kind`.
    let (id, kind): (i64, String) = db
        .query_one(
            &insert::<Event>()
                .set(Event::NOTE, Some("hi"))
                .returning((Event::ID, Event::KIND)),
        )
        .await
        .unwrap();
    assert_eq!((id, kind.as_str()), (101, "generic"));
    // ... and the server_default fills `state` when a column-wise INSERT leaves it out.
    let state: String = db
        .query_one(
            &Event::query()
                .select(Event::STATE)
                .filter(Event::ID.eq(101_i64)),
        )
        .await
        .unwrap();
    assert_eq!(state, "new");

    // Typed multi-row VALUES.
    let n = db
        .execute(
            &insert::<Event>()
                .columns((Event::KIND,))
                .values(("x",))
                .values(("y",)),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);

    // INSERT .. SELECT
    let copied = db
        .execute(
            &insert::<Event>()
                .columns((Event::KIND, Event::NOTE))
                .select(
                    Event::query()
                        .select((Event::KIND, Event::KIND_UPPER))
                        .filter(Event::ID.ge(102_i64)),
                ),
        )
        .await
        .unwrap();
    assert_eq!(copied, 2);

    // OVERRIDING SYSTEM VALUE writes an explicit id into a GENERATED ALWAYS identity.
    let id: i64 = db
        .query_one(
            &insert::<Event>()
                .set(Event::ID, 7_i64)
                .set(Event::KIND, "manual")
                .overriding_system_value()
                .returning(Event::ID),
        )
        .await
        .unwrap();
    assert_eq!(id, 7);
    // Without it the server refuses, and the error says which column.
    let err = db
        .execute(
            &insert::<Event>()
                .set(Event::ID, 8_i64)
                .set(Event::KIND, "x"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("428C9"), "{err}");

    let total: i64 = db.query_one(&Event::query().count()).await.unwrap();
    assert_eq!(total, 7);
}

#[tokio::test]
async fn update_sets_on_update_columns_and_returns() {
    let db = test_db("updates").await;
    db.create_all(&[Event::TABLE], false).await.unwrap();
    let before: Event = db
        .query_one(&insert::<Event>().set(Event::KIND, "a").returning_model())
        .await
        .unwrap();
    db.execute_sql("SELECT pg_sleep(0.01)").await.unwrap();
    let after: Event = db
        .query_one(
            &update::<Event>()
                .set(Event::STATE, "done")
                .set(Event::NOTE, Event::KIND.concat("!"))
                .filter(Event::ID.eq(before.id))
                .returning_model(),
        )
        .await
        .unwrap();
    assert_eq!(after.state, "done");
    assert_eq!(after.note.as_deref(), Some("a!"));
    assert!(
        after.updated_at > before.updated_at,
        "on_update = now() ran"
    );

    // UPDATE .. FROM
    let db2 = setup("update_from").await;
    let n = db2
        .execute(
            &update::<Account>()
                .from::<Owner>()
                .set(Account::NAME, Owner::NAME.concat(":").concat(Account::NAME))
                .filter(Owner::ID.eq(Account::OWNER_ID).and(Owner::NAME.eq("bob"))),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let names: Vec<String> = db2
        .query(
            &Account::query()
                .select(Account::NAME)
                .filter(Account::NAME.like("bob:%"))
                .order_by(Account::NAME),
        )
        .await
        .unwrap();
    assert_eq!(names, ["bob:b1", "bob:b2"]);

    // Model UPDATE by primary key.
    let mut a: Account = db2
        .query_one(&Account::query().filter(Account::NAME.eq("a1")))
        .await
        .unwrap();
    a.balance = 1;
    a.tags.push("new".into());
    assert_eq!(
        db2.execute(&update::<Account>().model(&a)).await.unwrap(),
        1
    );
    let again: Account = db2
        .query_one(&Account::query().filter(Account::ID.eq(a.id)))
        .await
        .unwrap();
    assert_eq!(again, a);
}

#[tokio::test]
async fn delete_using_and_returning() {
    let db = setup("deletes").await;
    let gone: Vec<(i64, String)> = db
        .query(
            &delete::<Account>()
                .using::<Owner>()
                .filter(Account::OWNER_ID.eq(Owner::ID).and(Owner::NAME.eq("ann")))
                .returning((Account::ID, Account::NAME)),
        )
        .await
        .unwrap();
    let mut names: Vec<_> = gone.into_iter().map(|(_, n)| n).collect();
    names.sort();
    assert_eq!(names, ["a1", "a2"]);
    let n = db
        .execute(&delete::<Account>().filter(Account::BALANCE.lt(0_i64)))
        .await
        .unwrap();
    assert_eq!(n, 1);
    let left: i64 = db.query_one(&Account::query().count()).await.unwrap();
    assert_eq!(left, 2);

    // Data-modifying CTE: move the remaining accounts' names into owners.
    let moved = cte("moved", delete::<Account>().returning(Account::NAME));
    let n = db
        .execute(
            &insert::<Owner>()
                .with(moved)
                .columns((Owner::NAME,))
                .select(select_from_name("moved").select(alias_col::<Text>("moved", "name"))),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let owners: i64 = db.query_one(&Owner::query().count()).await.unwrap();
    assert_eq!(owners, 5);
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "cities")]
pub struct City {
    #[mapped(primary_key)]
    pub name: String,
    pub population: i64,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "capitals", inherits("cities"))]
pub struct Capital {
    pub name: String,
    pub population: i64,
    pub country: String,
}

#[tokio::test]
async fn only_skips_inheriting_tables() {
    let db = test_db("only").await;
    db.create_all(&[City::TABLE, Capital::TABLE], false)
        .await
        .unwrap();
    db.execute(
        &insert::<City>()
            .set(City::NAME, "Lyon")
            .set(City::POPULATION, 500_000_i64),
    )
    .await
    .unwrap();
    db.execute(
        &insert::<Capital>()
            .set(Capital::NAME, "Paris")
            .set(Capital::POPULATION, 2_000_000_i64)
            .set(Capital::COUNTRY, "FR"),
    )
    .await
    .unwrap();
    let all: i64 = db.query_one(&City::query().count()).await.unwrap();
    let only: i64 = db
        .query_one(&City::query().only().select(count_star()))
        .await
        .unwrap();
    assert_eq!((all, only), (2, 1));
    let updated = db
        .execute(
            &update::<City>()
                .only()
                .set(City::POPULATION, City::POPULATION + 1_i64),
        )
        .await
        .unwrap();
    assert_eq!(updated, 1);
    let deleted = db.execute(&delete::<City>().only()).await.unwrap();
    assert_eq!(deleted, 1);
    let left: Vec<String> = db.query(&City::query().select(City::NAME)).await.unwrap();
    assert_eq!(left, ["Paris"]);
}

/// SQL shapes that once rendered wrong, run for real.
#[tokio::test]
async fn tricky_sql_shapes_run() {
    let db = setup("tricky").await;
    let ids: Vec<i64> = db
        .query(
            &Account::query()
                .select(Account::ID)
                .order_by(Account::ID)
                .limit(2),
        )
        .await
        .unwrap();
    let names: Vec<String> = db
        .query(
            &Account::query()
                .select(Account::NAME)
                .filter(Account::ID.eq_any(array::<Int8, _>(ids.clone())))
                .order_by(Account::NAME),
        )
        .await
        .unwrap();
    assert_eq!(names, ["a1", "a2"]);
    let v: i64 = db
        .query_one(&select(typed_value::<Int8>(5_i64).neg().neg()))
        .await
        .unwrap();
    assert_eq!(v, 5);
    let chained: bool = db
        .query_one(&select(typed_value::<Int8>(1_i64).gt(0_i64).eq(true)))
        .await
        .unwrap();
    assert!(chained);
    let grouped: i64 = db
        .query_one(
            &Account::query()
                .select(count_star())
                .filter(raw::<Bool>("true OR false").and(Account::BALANCE.lt(0_i64))),
        )
        .await
        .unwrap();
    assert_eq!(grouped, 1);
    let none: [&Account; 0] = [];
    let inserted: Vec<i64> = db
        .query(&insert::<Account>().models(none).returning(Account::ID))
        .await
        .unwrap();
    assert!(inserted.is_empty());
    let total: i64 = db.query_one(&Account::query().count()).await.unwrap();
    assert_eq!(total, 5);
}

/// The review's findings, run for real.
#[tokio::test]
async fn set_operations_keep_their_grouping() {
    let db = setup("set_grouping").await;
    let names = || Account::query().select(Account::NAME);
    let nothing = || {
        Owner::query()
            .select(Owner::NAME)
            .filter(Owner::NAME.eq("nobody"))
    };
    // ((a UNION b) INTERSECT nothing) is empty; a UNION (b INTERSECT nothing) would not be.
    let rows: Vec<String> = db
        .query(
            &names()
                .union(Owner::query().select(Owner::NAME))
                .intersect(nothing()),
        )
        .await
        .unwrap();
    assert!(rows.is_empty(), "{rows:?}");
    // The first operand keeps its own ORDER BY / LIMIT.
    let rows: Vec<String> = db
        .query(
            &names()
                .order_by(Account::NAME)
                .limit(1)
                .union_all(Owner::query().select(Owner::NAME))
                .order_by(Account::NAME),
        )
        .await
        .unwrap();
    assert_eq!(rows, ["a1", "ann", "bob", "cyd"]);
}

#[tokio::test]
async fn typed_parameters_where_the_server_cannot_infer() {
    let db = setup("typed_params").await;
    let v: i64 = db
        .query_one(&select(value::<Text>("5").cast::<Int8>()))
        .await
        .unwrap();
    assert_eq!(v, 5);
    let v: i64 = db
        .query_one(&select(
            case::<Int8>()
                .when(value::<Bool>(true), 1_i64)
                .otherwise(0_i64),
        ))
        .await
        .unwrap();
    assert_eq!(v, 1);
    let v: i64 = db
        .query_one(&select(coalesce::<Int8, _>([2_i64, 3])))
        .await
        .unwrap();
    assert_eq!(v, 2);
    let v: i64 = db.query_one(&select(value::<Int8>(5_i64))).await.unwrap();
    assert_eq!(v, 5);
    // COALESCE of two nullable columns may still be NULL, and decodes into an Option.
    let v: Vec<Option<i64>> = db
        .query(
            &Account::query()
                .select(Account::OWNER_ID.coalesce(Account::OWNER_ID))
                .filter(Account::NAME.eq("orphan")),
        )
        .await
        .unwrap();
    assert_eq!(v, [None]);
    // Slices and borrowed lists bind as one array.
    let ids: Vec<i64> = db
        .query(&Account::query().select(Account::ID))
        .await
        .unwrap();
    let n: i64 = db
        .query_one(
            &Account::query()
                .select(count_star())
                .filter(Account::ID.eq_any(&ids[..2])),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let n: i64 = db
        .query_one(
            &Account::query()
                .select(count_star())
                .filter(Account::NAME.eq_any(vec!["a1", "b1"])),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn outer_join_columns_decode_into_options() {
    let db = setup("outer_options").await;
    let rows: Vec<(String, Option<String>)> = db
        .query(
            &Account::query()
                .left_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
                .select((Account::NAME, Owner::NAME))
                .order_by(Account::NAME),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0], ("a1".to_owned(), Some("ann".to_owned())));
    assert_eq!(rows[4], ("orphan".to_owned(), None));
}

#[tokio::test]
async fn insert_and_update_edge_cases() {
    let db = test_db("dml_edges").await;
    db.create_all(&[Owner::TABLE, Event::TABLE], false)
        .await
        .unwrap();
    // `set` on a model INSERT gives that column for every row; no row is lost.
    let a = Owner {
        id: 0,
        name: "a".into(),
    };
    let b = Owner {
        id: 0,
        name: "b".into(),
    };
    let names: Vec<String> = db
        .query(
            &insert::<Owner>()
                .models([&a, &b])
                .set(Owner::NAME, "zed")
                .returning(Owner::NAME),
        )
        .await
        .unwrap();
    assert_eq!(names, ["zed", "zed"]);
    // A model UPDATE leaves `on_update` columns to their own value.
    let e: Event = db
        .query_one(&insert::<Event>().set(Event::KIND, "k").returning_model())
        .await
        .unwrap();
    db.execute_sql("SELECT pg_sleep(0.01)").await.unwrap();
    let mut changed = e.clone();
    changed.note = Some("n".into());
    let after: Event = db
        .query_one(&update::<Event>().model(&changed).returning_model())
        .await
        .unwrap();
    assert_eq!(after.note.as_deref(), Some("n"));
    assert!(after.updated_at > e.updated_at, "on_update = now() applied");
    // An UPDATE that sets nothing is refused before it reaches the server.
    let err = db
        .execute(&update::<Owner>().filter(Owner::ID.eq(1_i64)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sets no column"), "{err}");
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "all_generated")]
pub struct AllGenerated {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(version)]
    pub version: i32,
}

#[tokio::test]
async fn model_insert_of_only_generated_columns() {
    let db = test_db("all_generated").await;
    db.create_all(&[AllGenerated::TABLE], false).await.unwrap();
    let x = AllGenerated { id: 0, version: 0 };
    let rows: Vec<AllGenerated> = db
        .query(&insert::<AllGenerated>().models([&x, &x]).returning_model())
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| (r.id, r.version)).collect::<Vec<_>>(),
        [(1, 1), (2, 1)]
    );
}

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "categories")]
pub struct Category {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(references(Self::ID))]
    pub parent_id: Option<i64>,
    pub name: String,
}

mapped::orm_core::alias!(pub ParentCat = Category as "parent");
mapped::orm_core::alias!(pub ChildCat = Category as "child");

#[tokio::test]
async fn self_joins_through_aliases() {
    let db = test_db("aliases").await;
    db.create_all(&[Category::TABLE], false).await.unwrap();
    let root: i64 = db
        .query_one(
            &insert::<Category>()
                .set(Category::NAME, "root")
                .returning(Category::ID),
        )
        .await
        .unwrap();
    for name in ["a", "b"] {
        db.execute(
            &insert::<Category>()
                .set(Category::NAME, name)
                .set(Category::PARENT_ID, Some(root)),
        )
        .await
        .unwrap();
    }
    // Each category with its parent (outer join: the root has none).
    let rows: Vec<(Category, Option<Category>)> = db
        .query(
            &Category::query()
                .left_join::<ParentCat, _>(ParentCat::col(Category::ID).eq(Category::PARENT_ID))
                .select((all_columns::<Category>(), all_columns::<ParentCat>()))
                .order_by(Category::ID),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].1.is_none());
    assert_eq!(rows[1].1.as_ref().map(|p| p.name.as_str()), Some("root"));

    // Categories that have children: a correlated subquery on the same table.
    let with_children: Vec<String> = db
        .query(
            &Category::query().select(Category::NAME).filter(exists(
                select_from::<ChildCat>()
                    .correlate::<Category>()
                    .select(ChildCat::col(Category::ID))
                    .filter(ChildCat::col(Category::PARENT_ID).eq(Category::ID)),
            )),
        )
        .await
        .unwrap();
    assert_eq!(with_children, ["root"]);

    // UPDATE .. FROM the same table under an alias.
    let n = db
        .execute(
            &update::<Category>()
                .from::<ParentCat>()
                .set(
                    Category::NAME,
                    ParentCat::col(Category::NAME)
                        .concat("/")
                        .concat(Category::NAME),
                )
                .filter(ParentCat::col(Category::ID).eq(Category::PARENT_ID)),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let names: Vec<String> = db
        .query(
            &Category::query()
                .select(Category::NAME)
                .order_by(Category::NAME),
        )
        .await
        .unwrap();
    assert_eq!(names, ["root", "root/a", "root/b"]);
}
