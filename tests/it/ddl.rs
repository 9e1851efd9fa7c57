//! DDL from `#[derive(Model)]` metadata, run against the server and checked in `pg_catalog`.

use mapped::prelude::*;

use crate::support::test_db;

/// A parent table for the foreign keys and inheritance below.
#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_users", comment = "people")]
#[mapped(index(
    name = "ddl_users_email_lower",
    columns(expr("lower(email)", ops = "text_pattern_ops")),
    unique,
    where = "deleted_at IS NULL"
))]
#[mapped(index(
    columns(name(desc, nulls_last, collate = "C")),
    include(email),
    with(fillfactor = 70)
))]
#[mapped(index(name = "ddl_users_conc", columns(score), concurrently))]
#[mapped(check(expr = "score >= 0", name = "score_non_negative"))]
pub struct DdlUser {
    #[mapped(primary_key, identity(start = 42, increment = 2, cycle))]
    pub id: i64,
    #[mapped(unique, comment = "login")]
    pub email: String,
    #[mapped(rename = "display_name", sql_type = "VARCHAR(80)")]
    pub name: Option<String>,
    #[mapped(server_default = "0", check = "score < 1000000")]
    pub score: i32,
    #[mapped(sql_type = "NUMERIC(12,2)")]
    pub balance: rust_decimal::Decimal,
    #[mapped(sql_type = "TIMESTAMP(3)")]
    pub deleted_at: Option<chrono::NaiveDateTime>,
    #[mapped(generated = "score * 2")]
    pub double_score: i32,
    #[mapped(version)]
    pub version: i32,
    #[mapped(skip)]
    pub scratch: String,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_posts")]
#[mapped(unique(
    columns(user_id, slug),
    name = "ddl_posts_user_slug",
    deferrable,
    initially_deferred
))]
#[mapped(foreign_key(columns(editor_id), references(DdlUser::ID), on_delete = set_null, not_valid, name = "ddl_posts_editor_fkey"))]
pub struct DdlPost {
    #[mapped(
        primary_key,
        sequence(name = "ddl_post_ids", start = 1000, increment = 10)
    )]
    pub id: i64,
    #[mapped(references(DdlUser::ID, on_delete = cascade, on_update = restrict, deferrable))]
    pub user_id: i64,
    pub editor_id: Option<i64>,
    pub slug: String,
    #[mapped(index(using = "gin"))]
    pub tags: Vec<String>,
    pub body: serde_json::Value,
}

/// Composite primary key and two foreign keys to each other's tables (a cycle).
#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_a", primary_key(columns(x, y)))]
pub struct DdlA {
    pub x: i32,
    pub y: i32,
    #[mapped(references(DdlB::ID))]
    pub b_id: Option<i32>,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_b")]
#[mapped(foreign_key(columns(a_x, a_y), references(DdlA::X, DdlA::Y)))]
pub struct DdlB {
    #[mapped(primary_key)]
    pub id: i32,
    pub a_x: Option<i32>,
    pub a_y: Option<i32>,
}

/// Table options.
#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_measurements", partition_by = "RANGE (taken_on)")]
pub struct Measurement {
    pub taken_on: chrono::NaiveDate,
    pub value: f64,
}

#[derive(Model, Debug, Clone)]
#[mapped(
    table = "ddl_log",
    unlogged,
    with(fillfactor = 60, autovacuum_enabled = false),
    using = "heap"
)]
pub struct LogLine {
    pub line: String,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_special_users", inherits("ddl_users"))]
pub struct SpecialUser {
    pub id: i64,
    pub email: String,
    pub perks: Vec<String>,
}

/// EXCLUDE and an extension type.
#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_bookings", extension = "btree_gist")]
#[mapped(exclude(using = "gist", elements(room = "=", expr("int4range(starts, ends)") = "&&"), where = "NOT cancelled"))]
pub struct Booking {
    #[mapped(primary_key, identity(always))]
    pub id: i32,
    pub room: i32,
    pub starts: i32,
    pub ends: i32,
    pub cancelled: bool,
    pub attrs: std::collections::HashMap<String, Option<String>>,
    #[mapped(sql_type = "CITEXT")]
    pub code: String,
}

async fn strings(db: &Database, q: RawQuery<Text>) -> Vec<String> {
    db.query(&q).await.expect("catalog query")
}

#[tokio::test]
async fn create_all_matches_the_catalog() {
    let db = test_db("ddl_catalog").await;
    let tables = [
        DdlPost::TABLE,
        DdlUser::TABLE,
        DdlA::TABLE,
        DdlB::TABLE,
        Measurement::TABLE,
        LogLine::TABLE,
        SpecialUser::TABLE,
        Booking::TABLE,
    ];
    db.create_all(&tables, false).await.expect("create_all");
    // checkfirst: a second run changes nothing and does not fail.
    db.create_all(&tables, true)
        .await
        .expect("create_all checkfirst");

    let columns = strings(
        &db,
        raw_query(
            "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END \
             || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END \
             || CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || pg_get_expr(d.adbin, d.adrelid) \
                     WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END \
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attrelid = 'ddl_users'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        ),
    )
    .await;
    assert_eq!(
        columns,
        [
            "id bigint NOT NULL IDENTITY d",
            "email text NOT NULL",
            "display_name character varying(80)",
            "score integer NOT NULL DEFAULT 0",
            "balance numeric(12,2) NOT NULL",
            "deleted_at timestamp(3) without time zone",
            "double_score integer NOT NULL GENERATED (score * 2)",
            "version integer NOT NULL DEFAULT 1",
        ]
    );

    let seq: Vec<(i64, i64, bool)> = db
        .query(&raw_query::<(Int8, Int8, Bool)>(
            "SELECT start_value, increment_by, cycle FROM pg_sequences WHERE sequencename IN ('ddl_users_id_seq', 'ddl_post_ids') ORDER BY sequencename",
        ))
        .await
        .unwrap();
    assert_eq!(seq, [(1000, 10, false), (42, 2, true)]);

    let constraints = strings(
        &db,
        raw_query(
            "SELECT conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = current_schema()::regnamespace ORDER BY 1",
        ),
    )
    .await;
    let expected = [
        "ddl_a ddl_a_b_id_fkey: FOREIGN KEY (b_id) REFERENCES ddl_b(id)",
        "ddl_a ddl_a_pkey: PRIMARY KEY (x, y)",
        "ddl_b ddl_b_a_x_a_y_fkey: FOREIGN KEY (a_x, a_y) REFERENCES ddl_a(x, y)",
        "ddl_b ddl_b_pkey: PRIMARY KEY (id)",
        "ddl_bookings ddl_bookings_pkey: PRIMARY KEY (id)",
        "ddl_bookings ddl_bookings_room_expr_excl: EXCLUDE USING gist (room WITH =, int4range(starts, ends) WITH &&) WHERE ((NOT cancelled))",
        "ddl_posts ddl_posts_editor_fkey: FOREIGN KEY (editor_id) REFERENCES ddl_users(id) ON DELETE SET NULL NOT VALID",
        "ddl_posts ddl_posts_pkey: PRIMARY KEY (id)",
        "ddl_posts ddl_posts_user_id_fkey: FOREIGN KEY (user_id) REFERENCES ddl_users(id) ON UPDATE RESTRICT ON DELETE CASCADE DEFERRABLE",
        "ddl_posts ddl_posts_user_slug: UNIQUE (user_id, slug) DEFERRABLE INITIALLY DEFERRED",
        "ddl_special_users score_non_negative: CHECK ((score >= 0))",
        "ddl_special_users ddl_users_score_check: CHECK ((score < 1000000))",
        "ddl_users ddl_users_email_key: UNIQUE (email)",
        "ddl_users ddl_users_pkey: PRIMARY KEY (id)",
        "ddl_users ddl_users_score_check: CHECK ((score < 1000000))",
        "ddl_users score_non_negative: CHECK ((score >= 0))",
    ];
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(constraints, expected);

    let indexes = strings(
        &db,
        raw_query(
            "SELECT regexp_replace(indexdef, ' ON \\S+\\.', ' ON ') FROM pg_indexes WHERE schemaname = current_schema() \
             AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%_key' AND indexname NOT LIKE '%excl' AND indexname NOT LIKE '%slug' ORDER BY indexname",
        ),
    )
    .await;
    assert_eq!(
        indexes,
        [
            "CREATE INDEX ddl_posts_tags_idx ON ddl_posts USING gin (tags)",
            "CREATE INDEX ddl_users_conc ON ddl_users USING btree (score)",
            "CREATE INDEX ddl_users_display_name_idx ON ddl_users USING btree (display_name COLLATE \"C\" DESC NULLS LAST) INCLUDE (email) WITH (fillfactor='70')",
            "CREATE UNIQUE INDEX ddl_users_email_lower ON ddl_users USING btree (lower(email) text_pattern_ops) WHERE (deleted_at IS NULL)",
        ]
    );

    let options = strings(
        &db,
        raw_query(
            "SELECT c.relname || ' ' || c.relkind::text || c.relpersistence::text || ' ' || coalesce(array_to_string(c.reloptions, ','), '') \
             || ' ' || coalesce(am.amname, '') || ' ' || coalesce((SELECT string_agg(i.inhparent::regclass::text, ',') FROM pg_inherits i WHERE i.inhrelid = c.oid), '') \
             FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam \
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN ('ddl_measurements', 'ddl_log', 'ddl_special_users') ORDER BY 1",
        ),
    )
    .await;
    assert_eq!(
        options,
        [
            "ddl_log ru fillfactor=60,autovacuum_enabled=false heap ",
            "ddl_measurements pp   ",
            "ddl_special_users rp  heap ddl_users",
        ]
    );

    let comments = strings(
        &db,
        raw_query("SELECT obj_description('ddl_users'::regclass, 'pg_class') || '/' || col_description('ddl_users'::regclass, 2)"),
    )
    .await;
    assert_eq!(comments, ["people/login"]);

    let extensions = strings(
        &db,
        raw_query("SELECT extname::text FROM pg_extension WHERE extname IN ('btree_gist', 'hstore', 'citext') ORDER BY 1"),
    )
    .await;
    assert_eq!(extensions, ["btree_gist", "citext", "hstore"]);

    // The EXCLUDE constraint works: an overlapping booking of the same room is refused.
    db.execute(
        &insert::<Booking>()
            .columns((
                Booking::ROOM,
                Booking::STARTS,
                Booking::ENDS,
                Booking::CANCELLED,
                Booking::ATTRS,
                Booking::CODE,
            ))
            .values((1, 10, 20, false, std::collections::HashMap::new(), "A")),
    )
    .await
    .unwrap();
    let err = db
        .execute(
            &insert::<Booking>()
                .columns((
                    Booking::ROOM,
                    Booking::STARTS,
                    Booking::ENDS,
                    Booking::CANCELLED,
                    Booking::ATTRS,
                    Booking::CODE,
                ))
                .values((1, 15, 25, false, std::collections::HashMap::new(), "B")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("23P01"), "{err}");

    // The sequence-backed key and the cycle of foreign keys work.
    let user: DdlUser = db
        .query_one(
            &insert::<DdlUser>()
                .set(DdlUser::EMAIL, "a@b")
                .set(DdlUser::BALANCE, rust_decimal::Decimal::new(1234, 2))
                .returning_model(),
        )
        .await
        .unwrap();
    assert_eq!((user.id, user.version, user.double_score), (42, 1, 0));
    let post_id: i64 = db
        .query_one(
            &insert::<DdlPost>()
                .set(DdlPost::USER_ID, user.id)
                .set(DdlPost::SLUG, "s")
                .set(DdlPost::TAGS, vec!["t".to_owned()])
                .set(DdlPost::BODY, serde_json::json!({}))
                .returning(DdlPost::ID),
        )
        .await
        .unwrap();
    assert_eq!(post_id, 1000);

    db.drop_all(&tables, false).await.expect("drop_all");
    let left: i64 = db
        .query_one(&raw_query::<Int8>(
            "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace",
        ))
        .await
        .unwrap();
    assert_eq!(left, 0, "tables, indexes and sequences are gone");
    db.drop_all(&tables, true)
        .await
        .expect("drop_all checkfirst on nothing");
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_scratch", temporary, on_commit = "delete_rows")]
pub struct Scratch {
    pub v: i32,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_scratch_dropped", temporary, on_commit = "drop")]
pub struct ScratchDropped {
    pub v: i32,
}

#[tokio::test]
async fn temporary_tables_on_commit() {
    use mapped::orm_runtime::Executor;
    // One connection, so the temporary tables (per session) stay visible between transactions.
    let db = crate::support::test_db_with(
        "ddl_temp",
        mapped::orm_runtime::DatabaseOptions::default().max_size(1),
    )
    .await;
    let mut tx = db.transaction().await.unwrap();
    tx.create_all(&[Scratch::TABLE, ScratchDropped::TABLE], false)
        .await
        .unwrap();
    tx.execute(&insert::<Scratch>().set(Scratch::V, 1))
        .await
        .unwrap();
    tx.execute(&insert::<ScratchDropped>().set(ScratchDropped::V, 1))
        .await
        .unwrap();
    let n: i64 = tx.query_one(&Scratch::query().count()).await.unwrap();
    assert_eq!(n, 1);
    let persistence: String = tx
        .query_one(&raw_query::<Text>(
            "SELECT relpersistence::text FROM pg_class WHERE oid = 'ddl_scratch'::regclass",
        ))
        .await
        .unwrap();
    assert_eq!(persistence, "t");
    tx.commit().await.unwrap();

    // ON COMMIT DELETE ROWS: the table is still there, empty; ON COMMIT DROP: gone.
    let n: i64 = db.query_one(&Scratch::query().count()).await.unwrap();
    assert_eq!(n, 0);
    let gone: Option<String> = db
        .query_one(&raw_query::<Nullable<Text>>(
            "SELECT to_regclass('ddl_scratch_dropped')::text",
        ))
        .await
        .unwrap();
    assert_eq!(gone, None);
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "ddl_spaced", tablespace = "mapped_test_space")]
#[mapped(index(columns(v), tablespace = "mapped_test_space"))]
pub struct Spaced {
    pub v: i32,
}

/// TABLESPACE needs a directory the server can write, so this runs on the local server (the
/// default); against a `DATABASE_URL` server it checks only that the statement is refused
/// for the missing tablespace, by name.
#[tokio::test]
async fn tablespaces_for_tables_and_indexes() {
    use std::os::unix::fs::MetadataExt;
    let db = test_db("ddl_tablespace").await;
    let local = !matches!(std::env::var(mapped::orm_runtime::DATABASE_URL), Ok(u) if !u.is_empty());
    if local {
        let server = mapped::orm_runtime::LocalServer::shared().unwrap();
        let dir = server.dir().join("tablespace");
        std::fs::create_dir_all(&dir).unwrap();
        let owner = std::fs::metadata(server.dir()).unwrap();
        std::os::unix::fs::chown(&dir, Some(owner.uid()), Some(owner.gid())).unwrap();
        let sql = format!(
            "CREATE TABLESPACE mapped_test_space LOCATION '{}'",
            dir.display().to_string().replace('\'', "''")
        );
        db.execute_sql(&sql).await.unwrap();
        db.create_all(&[Spaced::TABLE], false).await.unwrap();
        let spaces: Vec<String> = db
            .query(&raw_query::<Text>(
                "SELECT c.relname || ':' || t.spcname FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace \
                 WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1",
            ))
            .await
            .unwrap();
        assert_eq!(
            spaces,
            [
                "ddl_spaced:mapped_test_space",
                "ddl_spaced_v_idx:mapped_test_space"
            ]
        );
        db.drop_all(&[Spaced::TABLE], false).await.unwrap();
        db.execute_sql("DROP TABLESPACE mapped_test_space")
            .await
            .unwrap();
    } else {
        let err = db.create_all(&[Spaced::TABLE], false).await.unwrap_err();
        assert!(err.to_string().contains("mapped_test_space"), "{err}");
    }
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "parents", schema = "ddl_app")]
pub struct SchemaParent {
    #[mapped(
        primary_key,
        sequence(name = "parent_ids", schema = "ddl_app", start = 7)
    )]
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "children", schema = "ddl_app", inherits("ddl_app.parents"))]
pub struct SchemaChild {
    pub id: i64,
    pub name: String,
    #[mapped(references(SchemaParent::ID))]
    pub parent_id: Option<i64>,
}

#[tokio::test]
async fn schema_qualified_tables_sequences_and_inheritance_order() {
    let db = test_db("ddl_schema").await;
    db.execute_sql("CREATE SCHEMA IF NOT EXISTS ddl_app")
        .await
        .unwrap();
    // Child first: create_all still creates the INHERITS parent first.
    db.create_all(&[SchemaChild::TABLE, SchemaParent::TABLE], false)
        .await
        .unwrap();
    let p: SchemaParent = db
        .query_one(
            &insert::<SchemaParent>()
                .model(&SchemaParent {
                    id: 0,
                    name: "p".into(),
                })
                .returning_model(),
        )
        .await
        .unwrap();
    assert_eq!(p.id, 7);
    db.execute(
        &insert::<SchemaChild>()
            .set(SchemaChild::ID, 1_i64)
            .set(SchemaChild::NAME, "c")
            .set(SchemaChild::PARENT_ID, Some(p.id)),
    )
    .await
    .unwrap();
    let n: i64 = db.query_one(&SchemaParent::query().count()).await.unwrap();
    assert_eq!(n, 2, "the child row is seen through the parent");
    db.drop_all(&[SchemaChild::TABLE, SchemaParent::TABLE], false)
        .await
        .unwrap();
    let left: i64 = db
        .query_one(&raw_query::<Int8>(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'ddl_app'::regnamespace",
        ))
        .await
        .unwrap();
    assert_eq!(left, 0);
}
