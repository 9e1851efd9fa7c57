//! Test support: a [`Database`] per test, isolated in its own schema.

#![allow(
    dead_code,
    reason = "each test module uses a different part of the support code"
)]

use std::sync::atomic::{AtomicU32, Ordering};

use mapped::orm_runtime::{DATABASE_URL, Database, DatabaseOptions, LocalServer, tokio_postgres};
use tokio::sync::Mutex;

/// Extensions created once per process in `public` (which every test schema's
/// `search_path` includes), so tests that need them do not race to create them in their
/// own schemas. Missing ones (no `postgresql-contrib`) are reported and skipped.
const EXTENSIONS: &[&str] = &["hstore", "citext", "btree_gist", "pg_trgm"];

/// The server's URL: `DATABASE_URL`, or the shared local server.
pub(crate) async fn server_url() -> String {
    if let Ok(url) = std::env::var(DATABASE_URL)
        && !url.is_empty()
    {
        return url;
    }
    let server = tokio::task::spawn_blocking(LocalServer::shared)
        .await
        .expect("the local server start-up task panicked");
    match server {
        Ok(server) => server.url(),
        Err(e) => panic!("cannot start the local PostgreSQL server: {e}"),
    }
}

/// A database whose connections work in a fresh schema `t_<name>_<pid>_<n>` (first in their
/// `search_path`, then `public`), so tests never see each other's tables. Pool of 4.
pub(crate) async fn test_db(name: &str) -> Database {
    test_db_with(name, DatabaseOptions::default().max_size(4)).await
}

/// [`test_db`] with the given pool options.
pub(crate) async fn test_db_with(name: &str, pool: DatabaseOptions) -> Database {
    let url = server_url().await;
    let schema = create_schema(&url, name).await;
    let mut config: tokio_postgres::Config = url.parse().expect("the server URL parses");
    let search_path = format!("-c search_path={schema},public");
    let options = match config.get_options() {
        Some(existing) if !existing.is_empty() => format!("{existing} {search_path}"),
        _ => search_path,
    };
    config.options(options);
    Database::from_config(config, pool)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to schema {schema}: {e}"))
}

/// Creates a fresh schema (and, once per process, the shared extensions); returns its name.
async fn create_schema(url: &str, name: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        sanitize(name),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let admin = Database::connect_with(url, DatabaseOptions::default().max_size(1))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"));
    setup_extensions(&admin).await;
    admin
        .execute_sql(&format!(r#"CREATE SCHEMA "{schema}""#))
        .await
        .unwrap_or_else(|e| panic!("cannot create schema {schema}: {e}"));
    admin.close();
    schema
}

async fn setup_extensions(admin: &Database) {
    // A tokio mutex: tests run on separate runtimes, and the guard is held across awaits.
    static DONE: Mutex<bool> = Mutex::const_new(false);
    let mut done = DONE.lock().await;
    if *done {
        return;
    }
    for ext in EXTENSIONS {
        let sql = format!("CREATE EXTENSION IF NOT EXISTS {ext} SCHEMA public");
        // Another test process may create it at the same moment: a unique violation then
        // means it exists.
        if let Err(e) = admin.execute_sql(&sql).await
            && !e.is_unique_violation()
        {
            eprintln!("note: extension {ext} is not available: {e}");
        }
    }
    *done = true;
}

/// Lower-case ASCII letters, digits and `_`, at most 30 characters: a schema name needs no
/// quoting and stays under PostgreSQL's 63-byte limit with the suffix.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect()
}
