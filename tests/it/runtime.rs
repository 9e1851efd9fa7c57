//! orm-runtime against a real server: the local server, schema isolation, execution and
//! decoding, errors, transactions, create_all / drop_all.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use mapped::orm_core::metadata::{
    ColumnDef, ConstraintDef, DdlType, IdentityDef, IndexDef, IndexElement, PrimaryKeyDef,
    TableDef, TableOptions, UniqueDef,
};
use mapped::orm_core::query::{ReturnsRows, Statement};
use mapped::orm_core::row::DecodeErrorKind;
use mapped::orm_core::types::{Bool, Int4, Int8, Nullable, Text, TypeInfo};
use mapped::orm_core::value::Param;
use mapped::orm_core::writer::{CompiledSql, SqlWriter};
use mapped::orm_runtime::{
    DATABASE_URL, Database, DatabaseOptions, Error, Executor, LocalServer, SqlState,
};

use crate::support::{server_url, test_db, test_db_with};

/// A statement written by hand, selecting `S`: `?` in the text becomes the next parameter.
struct RawQuery<S>(CompiledSql, PhantomData<fn() -> S>);

impl<S> Statement for RawQuery<S> {
    fn compile(&self) -> Result<CompiledSql, mapped::orm_core::query::InvalidStatement> {
        Ok(self.0.clone())
    }
}

impl<S> ReturnsRows for RawQuery<S> {
    type Selection = S;
}

fn q<S>(sql: &str, params: &[Param]) -> RawQuery<S> {
    let mut w = SqlWriter::new();
    let mut params = params.iter();
    for (i, part) in sql.split('?').enumerate() {
        if i > 0 {
            w.push_param(params.next().expect("as many parameters as `?`"));
        }
        w.push(part);
    }
    RawQuery(w.finish(), PhantomData)
}

fn p<T: mapped::orm_core::value::BindValue>(value: T) -> Param {
    Arc::new(value)
}

#[tokio::test]
async fn local_server_starts_and_answers() {
    if std::env::var_os(DATABASE_URL).is_some_and(|v| !v.is_empty()) {
        // The suite runs against the given server; the local one is not needed.
        let db = Database::connect(&server_url().await).await.unwrap();
        let one: i32 = db.query_scalar(&q::<Int4>("SELECT 1", &[])).await.unwrap();
        assert_eq!(one, 1);
        return;
    }
    let server = tokio::task::spawn_blocking(LocalServer::shared)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        server.url(),
        format!("postgres://postgres@127.0.0.1:{}/postgres", server.port())
    );
    assert!(server.dir().join("data").join("PG_VERSION").exists());
    let db = Database::connect(&server.url()).await.unwrap();
    let version: String = db
        .query_scalar(&q::<Text>("SELECT current_setting('server_version')", &[]))
        .await
        .unwrap();
    assert!(!version.is_empty());
    let fsync: String = db
        .query_scalar(&q::<Text>("SELECT current_setting('fsync')", &[]))
        .await
        .unwrap();
    assert_eq!(fsync, "off");
    // Every caller gets the same server, Database::embedded() included.
    let again = LocalServer::shared().unwrap();
    assert_eq!(again.port(), server.port());
    let embedded = Database::embedded().await.unwrap();
    let port: i32 = embedded
        .query_scalar(&q::<Int4>("SELECT inet_server_port()", &[]))
        .await
        .unwrap();
    assert_eq!(port, i32::from(server.port()));
    // A key=value DSN works as well as a URL.
    let dsn = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        server.port()
    );
    let db = Database::connect(&dsn).await.unwrap();
    db.execute_sql("SELECT 1").await.unwrap();
}

#[tokio::test]
async fn a_second_local_server_is_removed_on_drop() {
    if std::env::var_os(DATABASE_URL).is_some_and(|v| !v.is_empty()) {
        return;
    }
    let server = tokio::task::spawn_blocking(LocalServer::start)
        .await
        .unwrap()
        .unwrap();
    let dir = server.dir().to_owned();
    {
        let db = Database::connect(&server.url()).await.unwrap();
        db.execute_sql("SELECT 1").await.unwrap();
        db.close();
    }
    tokio::task::spawn_blocking(move || drop(server))
        .await
        .unwrap();
    assert!(!dir.exists(), "{} still exists", dir.display());
}

#[tokio::test]
async fn test_schemas_are_isolated() {
    let a = test_db("isolated_a").await;
    let b = test_db("isolated_b").await;
    a.execute_sql("CREATE TABLE things (n BIGINT); INSERT INTO things VALUES (1), (2)")
        .await
        .unwrap();
    let missing: bool = b
        .query_scalar(&q::<Bool>("SELECT to_regclass('things') IS NULL", &[]))
        .await
        .unwrap();
    assert!(missing, "schema b sees schema a's table");
    b.execute_sql("CREATE TABLE things (n BIGINT); INSERT INTO things VALUES (10)")
        .await
        .unwrap();
    let count = |db: Database| async move {
        db.query_scalar::<i64, _>(&q::<Int8>("SELECT count(*) FROM things", &[]))
            .await
            .unwrap()
    };
    assert_eq!(count(a.clone()).await, 2);
    assert_eq!(count(b.clone()).await, 1);
    let schema: String = a
        .query_scalar(&q::<Text>("SELECT current_schema()", &[]))
        .await
        .unwrap();
    assert!(schema.starts_with("t_isolated_a_"), "{schema}");
}

async fn people(name: &str) -> Database {
    let db = test_db(name).await;
    db.execute_sql(
        "CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT, \
         CONSTRAINT people_name_key UNIQUE (name))",
    )
    .await
    .unwrap();
    db
}

#[tokio::test]
async fn execute_and_fetch_decode_rows() {
    let db = people("fetch").await;
    let insert = |id: i64, name: Option<&str>| {
        q::<()>(
            "INSERT INTO people (id, name) VALUES (?, ?)",
            &[p(id), p(name.map(str::to_owned))],
        )
    };
    assert_eq!(db.execute(&insert(1, Some("ada"))).await.unwrap(), 1);
    assert_eq!(db.execute(&insert(2, None)).await.unwrap(), 1);
    assert_eq!(db.execute(&insert(3, Some("grace"))).await.unwrap(), 1);

    let all: Vec<(i64, Option<String>)> = db
        .query(&q::<(Int8, Nullable<Text>)>(
            "SELECT id, name FROM people ORDER BY id",
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(
        all,
        [
            (1, Some("ada".to_owned())),
            (2, None),
            (3, Some("grace".to_owned()))
        ]
    );

    let by_id =
        q::<(Int8, Nullable<Text>)>("SELECT id, name FROM people WHERE id = ?", &[p(3_i64)]);
    let one: (i64, Option<String>) = db.query_one(&by_id).await.unwrap();
    assert_eq!(one, (3, Some("grace".to_owned())));

    let none: Option<(i64, Option<String>)> = db
        .query_opt(&q::<(Int8, Nullable<Text>)>(
            "SELECT id, name FROM people WHERE id = ?",
            &[p(99_i64)],
        ))
        .await
        .unwrap();
    assert_eq!(none, None);

    let count: i64 = db
        .query_scalar(&q::<Int8>(
            "SELECT count(*) FROM people WHERE name IS NOT NULL",
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(count, 2);

    // UPDATE reports the rows it touched; the same statements run on a pooled connection.
    let mut conn = db.connection().await.unwrap();
    let updated = conn
        .execute(&q::<()>(
            "UPDATE people SET name = upper(name) WHERE id < ?",
            &[p(3_i64)],
        ))
        .await
        .unwrap();
    assert_eq!(updated, 2);
    let names: Vec<Option<String>> = conn
        .query(&q::<Nullable<Text>>(
            "SELECT name FROM people ORDER BY id",
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(names, [Some("ADA".into()), None, Some("grace".into())]);
}

#[tokio::test]
async fn decode_errors_name_the_column() {
    let db = test_db("decode").await;
    // A text column read as BIGINT.
    let err = db
        .query_one::<i64, _>(&q::<Int8>("SELECT 'x'::text AS label", &[]))
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(decode.column, "label");
    assert_eq!(decode.index, 0);
    assert!(matches!(decode.kind, DecodeErrorKind::WrongType { .. }));
    assert!(err.to_string().contains("`label`"), "{err}");

    // NULL into a non-Option.
    let err = db
        .query_one::<(i64, i64), _>(&q::<(Int8, Int8)>(
            "SELECT 1::int8 AS a, NULL::int8 AS maybe",
            &[],
        ))
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!((decode.column.as_str(), decode.index), ("maybe", 1));
    assert!(matches!(
        decode.kind,
        DecodeErrorKind::UnexpectedNull { .. }
    ));
    assert!(err.to_string().contains("Option<"), "{err}");

    // Fewer columns than the Rust type reads.
    let err = db
        .query_one::<(i64, i64), _>(&q::<(Int8, Int8)>("SELECT 1::int8 AS a", &[]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if matches!(d.kind, DecodeErrorKind::MissingColumn { len: 1 })),
        "{err:?}"
    );
}

#[tokio::test]
async fn unique_violation_reports_sqlstate_table_and_constraint() {
    let db = people("unique").await;
    let insert = q::<()>(
        "INSERT INTO people (id, name) VALUES (?, ?)",
        &[p(1_i64), p("ada")],
    );
    db.execute(&insert).await.unwrap();
    let err = db
        .execute(&q::<()>(
            "INSERT INTO people (id, name) VALUES (?, ?)",
            &[p(2_i64), p("ada")],
        ))
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    assert!(!err.is_foreign_key_violation());
    assert_eq!(err.code(), Some(&SqlState::UNIQUE_VIOLATION));
    assert_eq!(err.code().map(SqlState::code), Some("23505"));
    assert_eq!(err.constraint(), Some("people_name_key"));
    // The message a log shows names the table, the constraint and the statement too.
    let shown = err.to_string();
    assert!(shown.contains("SQLSTATE 23505"), "{shown}");
    assert!(
        shown.contains("people") && shown.contains("constraint people_name_key"),
        "{shown}"
    );
    assert!(shown.contains("\nSQL: "), "{shown}");
    let db_err = err.as_db_error().unwrap();
    assert_eq!(db_err.table(), Some("people"));
    assert!(db_err.schema().unwrap().starts_with("t_unique_"));
    assert_eq!(db_err.detail(), Some("Key (name)=(ada) already exists."));
    assert_eq!(
        db_err.sql(),
        Some("INSERT INTO people (id, name) VALUES ($1, $2)")
    );
    let text = err.to_string();
    assert!(
        text.contains("23505") && text.contains("people_name_key"),
        "{text}"
    );
    assert!(std::error::Error::source(&err).is_none());

    // The primary key too, and other classes of errors keep their code.
    let err = db.execute(&insert).await.unwrap_err();
    assert_eq!(err.constraint(), Some("people_pkey"));
    let err = db
        .execute_sql("SELECT * FROM no_such_table")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::UNDEFINED_TABLE));
    assert!(!err.is_unique_violation());
}

#[tokio::test]
async fn fetch_one_without_rows_is_row_not_found() {
    let db = people("not_found").await;
    let by_id = q::<Int8>("SELECT id FROM people WHERE id = ?", &[p(1_i64)]);
    let err = db.query_one::<i64, _>(&by_id).await.unwrap_err();
    assert!(matches!(err, Error::RowNotFound), "{err:?}");
    let err = db.query_scalar::<i64, _>(&by_id).await.unwrap_err();
    assert!(matches!(err, Error::RowNotFound), "{err:?}");
    assert_eq!(db.query_opt::<i64, _>(&by_id).await.unwrap(), None);
}

#[tokio::test]
async fn transactions_commit_roll_back_and_roll_back_on_drop() {
    // One connection: after a dropped transaction the pool must hand back a clean one.
    let db = test_db_with("tx", DatabaseOptions::default().max_size(1)).await;
    db.execute_sql("CREATE TABLE items (n BIGINT PRIMARY KEY)")
        .await
        .unwrap();
    let insert = |n: i64| q::<()>("INSERT INTO items VALUES (?)", &[p(n)]);
    let count = q::<Int8>("SELECT count(*) FROM items", &[]);

    let mut tx = db.transaction().await.unwrap();
    tx.execute(&insert(1)).await.unwrap();
    assert_eq!(tx.query_scalar::<i64, _>(&count).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert_eq!(db.query_scalar::<i64, _>(&count).await.unwrap(), 1);

    let mut tx = db.transaction().await.unwrap();
    tx.execute(&insert(2)).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(db.query_scalar::<i64, _>(&count).await.unwrap(), 1);

    {
        let mut tx = db.transaction().await.unwrap();
        tx.execute(&insert(3)).await.unwrap();
        // dropped here
    }
    assert_eq!(db.query_scalar::<i64, _>(&count).await.unwrap(), 1);
    // The connection came back outside any transaction: a new statement gets a new
    // transaction with no xid assigned yet.
    let in_tx: bool = db
        .query_scalar(&q::<Bool>(
            "SELECT pg_current_xact_id_if_assigned() IS NOT NULL",
            &[],
        ))
        .await
        .unwrap();
    assert!(!in_tx);

    // A failed statement aborts the transaction: commit says so and writes nothing.
    let mut tx = db.transaction().await.unwrap();
    tx.execute(&insert(4)).await.unwrap();
    let err = tx.execute(&insert(1)).await.unwrap_err();
    assert!(err.is_unique_violation());
    let err = tx.commit().await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted), "{err:?}");
    assert_eq!(db.query_scalar::<i64, _>(&count).await.unwrap(), 1);
}

#[tokio::test]
async fn generic_code_runs_on_connections_and_transactions() {
    async fn add(ex: &mut impl Executor, n: i64) -> Result<u64, Error> {
        ex.execute(&q::<()>("INSERT INTO items VALUES (?)", &[p(n)]))
            .await
    }
    let db = test_db("executor").await;
    db.execute_sql("CREATE TABLE items (n BIGINT)")
        .await
        .unwrap();
    let mut conn = db.connection().await.unwrap();
    add(&mut conn, 1).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    add(&mut tx, 2).await.unwrap();
    tx.commit().await.unwrap();
    // Futures are Send: the work can move to another task.
    let db2 = db.clone();
    tokio::spawn(async move {
        let mut tx = db2.transaction().await.unwrap();
        add(&mut tx, 3).await.unwrap();
        tx.commit().await.unwrap();
    })
    .await
    .unwrap();
    let sum: i64 = db
        .query_scalar(&q::<Int8>("SELECT sum(n)::int8 FROM items", &[]))
        .await
        .unwrap();
    assert_eq!(sum, 6);
}

#[tokio::test]
async fn stale_cached_statement_is_prepared_again() {
    let db = test_db("stale").await;
    db.execute_sql("CREATE TABLE s (a BIGINT); INSERT INTO s VALUES (1)")
        .await
        .unwrap();
    let mut conn = db.connection().await.unwrap();
    let one: Vec<i64> = conn
        .query(&q::<Int8>("SELECT * FROM s", &[]))
        .await
        .unwrap();
    assert_eq!(one, [1]);
    // The cached plan of `SELECT * FROM s` now returns a different row type.
    conn.execute_sql("ALTER TABLE s ADD COLUMN b TEXT DEFAULT 'x'")
        .await
        .unwrap();
    let two: Vec<(i64, String)> = conn
        .query(&q::<(Int8, Text)>("SELECT * FROM s", &[]))
        .await
        .unwrap();
    assert_eq!(two, [(1, "x".to_owned())]);
}

#[tokio::test]
async fn driver_and_pool_errors() {
    // A parameter of the wrong type never reaches the server.
    let db = test_db_with(
        "pool",
        DatabaseOptions::default()
            .max_size(1)
            .wait_timeout(Some(Duration::from_millis(200))),
    )
    .await;
    let err = db
        .query_one::<i64, _>(&q::<Int8>("SELECT ?::int8", &[p("not a number")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Encode(e) if e.param() == 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("$1"), "{err}");

    // The only connection is taken: the next caller times out.
    let held = db.connection().await.unwrap();
    let err = db.connection().await.unwrap_err();
    assert!(matches!(&err, Error::Pool(e) if e.is_timeout()), "{err:?}");
    drop(held);
    db.execute_sql("SELECT 1").await.unwrap();

    let err = Database::connect("postgres://app:s3cret@localhost:notaport/app")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("port"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    let err = Database::connect_with(&server_url().await, DatabaseOptions::default().max_size(0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

const fn col(name: &'static str, ty: &'static str, nullable: bool) -> ColumnDef {
    ColumnDef::new(name, DdlType::Mapped(TypeInfo::named(ty)), nullable)
}

const NO_OPTIONS: TableOptions = TableOptions::NONE;

const fn index(
    name: &'static str,
    elements: &'static [IndexElement],
    concurrently: bool,
) -> IndexDef {
    IndexDef {
        name,
        unique: false,
        concurrently,
        using: None,
        elements,
        include: &[],
        nulls_not_distinct: false,
        with: &[],
        tablespace: None,
        predicate: None,
    }
}

/// What `#[derive(Model)]` would emit for an `authors` table with an identity key, a unique
/// email, an index and an index built CONCURRENTLY.
static AUTHORS: TableDef = TableDef {
    name: "authors",
    schema: None,
    rust_name: "Author",
    comment: None,
    columns: &[
        ColumnDef {
            primary_key: true,
            identity: Some(IdentityDef {
                always: false,
                options: mapped::orm_core::metadata::SequenceOptions {
                    start: None,
                    increment: None,
                    min_value: None,
                    max_value: None,
                    cache: None,
                    cycle: false,
                },
            }),
            ..col("id", "BIGINT", false)
        },
        col("email", "TEXT", false),
        col("name", "TEXT", true),
    ],
    primary_key: Some(PrimaryKeyDef {
        name: "authors_pkey",
        columns: &["id"],
    }),
    constraints: &[ConstraintDef::Unique(UniqueDef {
        name: "authors_email_key",
        columns: &["email"],
        nulls_not_distinct: false,
        include: &[],
        deferrable: mapped::orm_core::metadata::Deferrable::Unspecified,
    })],
    indexes: &[
        index("authors_name_idx", &[IndexElement::column("name")], false),
        index(
            "authors_email_lower_idx",
            &[IndexElement::column("email")],
            true,
        ),
    ],
    sequences: &[],
    extensions: &[],
    options: NO_OPTIONS,
};

#[tokio::test]
async fn create_all_and_drop_all() {
    let db = test_db("ddl").await;
    db.create_all(&[&AUTHORS], false).await.unwrap();
    // checkfirst: a second run skips what exists.
    db.create_all(&[&AUTHORS], true).await.unwrap();
    // Without checkfirst it fails, and the failed transaction leaves things as they were.
    let err = db.create_all(&[&AUTHORS], false).await.unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::DUPLICATE_TABLE), "{err:?}");

    let columns: Vec<(String, String, bool)> = db
        .query(&q::<(Text, Text, Bool)>(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             WHERE c.relname = 'authors' AND c.relnamespace = current_schema()::regnamespace \
               AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(
        columns,
        [
            ("id".to_owned(), "bigint".to_owned(), true),
            ("email".to_owned(), "text".to_owned(), true),
            ("name".to_owned(), "text".to_owned(), false),
        ]
    );
    let identity: String = db
        .query_scalar(&q::<Text>(
            "SELECT attidentity::text FROM pg_attribute \
             WHERE attrelid = 'authors'::regclass AND attname = 'id'",
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(identity, "d");
    let constraints: Vec<(String, String)> = db
        .query(&q::<(Text, Text)>(
            "SELECT conname::text, contype::text FROM pg_constraint \
             WHERE conrelid = 'authors'::regclass ORDER BY conname",
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(
        constraints,
        [
            ("authors_email_key".to_owned(), "u".to_owned()),
            ("authors_pkey".to_owned(), "p".to_owned()),
        ]
    );
    let indexes: Vec<(String, bool)> = db
        .query(&q::<(Text, Bool)>(
            "SELECT c.relname::text, i.indisvalid FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE i.indrelid = 'authors'::regclass ORDER BY 1",
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(
        indexes,
        [
            ("authors_email_key".to_owned(), true),
            ("authors_email_lower_idx".to_owned(), true),
            ("authors_name_idx".to_owned(), true),
            ("authors_pkey".to_owned(), true),
        ]
    );

    // The table works: identity fills the key.
    let id: i64 = db
        .query_scalar(&q::<Int8>(
            "INSERT INTO authors (email) VALUES (?) RETURNING id",
            &[p("a@example.com")],
        ))
        .await
        .unwrap();
    assert_eq!(id, 1);

    db.drop_all(&[&AUTHORS], false).await.unwrap();
    let gone: bool = db
        .query_scalar(&q::<Bool>("SELECT to_regclass('authors') IS NULL", &[]))
        .await
        .unwrap();
    assert!(gone);
    db.drop_all(&[&AUTHORS], true).await.unwrap();
    let err = db.drop_all(&[&AUTHORS], false).await.unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::UNDEFINED_TABLE), "{err:?}");
}
