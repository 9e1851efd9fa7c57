//! [`Database`]: the entry point, a pool of connections (deadpool-postgres) that runs
//! statements, hands out connections and transactions, and creates or drops schemas.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use orm_core::ddl::DdlStatement;
use orm_core::metadata::TableDef;
use orm_core::query::{ReturnsRows, Statement};
use orm_core::row::FromRow;
use orm_core::types::SqlType;
use tokio_postgres::NoTls;

use crate::connection::PooledConnection;
use crate::error::{Error, display_chain};
use crate::executor::sealed::{Sealed, Token};
use crate::executor::{self, Executor};
use crate::local::LocalServer;
use crate::transaction::Transaction;

/// The environment variable [`Database::embedded`] reads.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// Pool settings for [`Database::connect_with`].
///
/// ```
/// use std::time::Duration;
/// use orm_runtime::DatabaseOptions;
///
/// let options = DatabaseOptions::default()
///     .max_size(4)
///     .wait_timeout(Some(Duration::from_secs(5)));
/// assert_eq!(options.max_size, 4);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DatabaseOptions {
    /// Most connections open at once (default 16).
    pub max_size: usize,
    /// How long to wait for a free connection before [`Error::Pool`] (default 30 s; `None`
    /// waits forever).
    pub wait_timeout: Option<Duration>,
    /// How long opening a new connection may take (default 10 s; `None`: no limit).
    pub connect_timeout: Option<Duration>,
}

impl Default for DatabaseOptions {
    fn default() -> Self {
        DatabaseOptions {
            max_size: 16,
            wait_timeout: Some(Duration::from_secs(30)),
            connect_timeout: Some(Duration::from_secs(10)),
        }
    }
}

impl DatabaseOptions {
    /// Sets [`max_size`](DatabaseOptions::max_size).
    pub fn max_size(mut self, max_size: usize) -> Self {
        self.max_size = max_size;
        self
    }

    /// Sets [`wait_timeout`](DatabaseOptions::wait_timeout).
    pub fn wait_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.wait_timeout = timeout;
        self
    }

    /// Sets [`connect_timeout`](DatabaseOptions::connect_timeout).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// A pool of connections to one database. Cheap to clone: clones share the pool.
///
/// Run statements on it directly (each call takes a connection for its duration), or take
/// a [`PooledConnection`] or a [`Transaction`] to run several on one connection.
///
/// The pool's connections are driven by tasks on the tokio runtime that opened them: use a
/// `Database` within one runtime.
///
/// ```no_run
/// use orm_runtime::{Database, Error};
///
/// # async fn run() -> Result<(), Error> {
/// let db = Database::connect("postgres://app@localhost/app").await?;
/// db.execute_sql("CREATE TABLE IF NOT EXISTS notes (body TEXT)").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Database {
    pool: Pool,
}

impl Database {
    /// Connects with default [`DatabaseOptions`]. `url` is a URL
    /// (`postgres://user:password@host:port/dbname?options=..`) or a key=value DSN
    /// (`host=localhost user=app dbname=app`), as libpq accepts them. One connection is
    /// opened to check the settings; it stays in the pool.
    pub async fn connect(url: &str) -> Result<Database, Error> {
        Database::connect_with(url, DatabaseOptions::default()).await
    }

    /// Connects with the given pool options.
    pub async fn connect_with(url: &str, options: DatabaseOptions) -> Result<Database, Error> {
        // The message leaves the string out: it may hold a password.
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            Error::Config(format!(
                "cannot parse the connection string: {}",
                display_chain(&e)
            ))
        })?;
        Database::from_config(config, options).await
    }

    /// Connects with a tokio-postgres configuration built in code (for settings a URL
    /// cannot express, or to add `options` such as `-c search_path=..`).
    pub async fn from_config(
        config: tokio_postgres::Config,
        options: DatabaseOptions,
    ) -> Result<Database, Error> {
        if options.max_size == 0 {
            return Err(Error::Config(
                "DatabaseOptions::max_size must be at least 1".into(),
            ));
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_size)
            .wait_timeout(options.wait_timeout)
            .create_timeout(options.connect_timeout)
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        let db = Database { pool };
        drop(db.connection().await?);
        Ok(db)
    }

    /// Connects to `DATABASE_URL` when it is set, and otherwise to the process-wide
    /// [`LocalServer::shared`] throwaway server (started on first use; it needs a local
    /// PostgreSQL installation).
    pub async fn embedded() -> Result<Database, Error> {
        Database::embedded_with(DatabaseOptions::default()).await
    }

    /// [`embedded`](Database::embedded) with the given pool options.
    pub async fn embedded_with(options: DatabaseOptions) -> Result<Database, Error> {
        let url = embedded_url().await?;
        Database::connect_with(&url, options).await
    }

    /// Takes a connection from the pool (opening one if none is free and the pool is not
    /// full; waiting up to `wait_timeout` otherwise).
    pub async fn connection(&self) -> Result<PooledConnection, Error> {
        let object = self.pool.get().await.map_err(Error::from_pool)?;
        Ok(PooledConnection { object })
    }

    /// Takes a connection and starts a transaction on it.
    pub async fn transaction(&self) -> Result<Transaction, Error> {
        self.connection().await?.begin().await
    }

    /// Closes the pool: connections close as they come back, and taking one fails.
    pub fn close(&self) {
        self.pool.close();
    }

    /// See [`Executor::execute`].
    pub fn execute<S>(&self, statement: &S) -> impl Future<Output = Result<u64, Error>> + Send
    where
        S: Statement + ?Sized,
    {
        let sql = statement.compile();
        async move {
            let sql = sql?;
            let mut conn = self.connection().await?;
            executor::execute(conn.target(Token(())), &sql).await
        }
    }

    /// See [`Executor::fetch_all`].
    pub fn fetch_all<R, Q>(&self, query: &Q) -> impl Future<Output = Result<Vec<R>, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        async move {
            let sql = sql?;
            let mut conn = self.connection().await?;
            executor::fetch_all::<R, Q::Selection>(conn.target(Token(())), &sql).await
        }
    }

    /// See [`Executor::fetch_one`].
    pub fn fetch_one<R, Q>(&self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        async move {
            let sql = sql?;
            let mut conn = self.connection().await?;
            executor::fetch_one::<R, Q::Selection>(conn.target(Token(())), &sql).await
        }
    }

    /// See [`Executor::fetch_optional`].
    pub fn fetch_optional<R, Q>(
        &self,
        query: &Q,
    ) -> impl Future<Output = Result<Option<R>, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        async move {
            let sql = sql?;
            let mut conn = self.connection().await?;
            executor::fetch_optional::<R, Q::Selection>(conn.target(Token(())), &sql).await
        }
    }

    /// See [`Executor::fetch_scalar`].
    pub fn fetch_scalar<R, Q>(&self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        Q::Selection: SqlType,
        R: FromRow<Q::Selection>,
    {
        self.fetch_one::<R, Q>(query)
    }

    /// See [`Executor::execute_sql`].
    pub async fn execute_sql(&self, sql: &str) -> Result<(), Error> {
        self.connection().await?.execute_sql(sql).await
    }

    /// Creates the tables with everything they need (extensions, sequences, constraints,
    /// indexes, comments), in foreign-key order; see `orm_core::ddl::create_all`. With
    /// `checkfirst`, objects that already exist are skipped (`IF NOT EXISTS`).
    ///
    /// Runs in one transaction, so a failure leaves nothing behind; `CREATE INDEX
    /// CONCURRENTLY` cannot run in a transaction and runs afterwards, one statement at a
    /// time. Clears every pooled connection's prepared statement cache.
    ///
    /// ```no_run
    /// # use orm_core::__doc::Account;
    /// use orm_core::metadata::Table;
    /// use orm_runtime::{Database, Error};
    ///
    /// # async fn run(db: Database) -> Result<(), Error> {
    /// // `Account` is a `#[derive(Model)]` struct.
    /// db.create_all(&[Account::TABLE], true).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_all(
        &self,
        tables: &[&'static TableDef],
        checkfirst: bool,
    ) -> Result<(), Error> {
        let plan = orm_core::ddl::create_all(tables, checkfirst)?;
        self.run_ddl(plan).await
    }

    /// Drops the tables (children first; never `CASCADE`) and their named sequences; see
    /// `orm_core::ddl::drop_all`. With `checkfirst`, missing objects are skipped
    /// (`IF EXISTS`). Runs like [`create_all`](Database::create_all).
    pub async fn drop_all(
        &self,
        tables: &[&'static TableDef],
        checkfirst: bool,
    ) -> Result<(), Error> {
        let plan = orm_core::ddl::drop_all(tables, checkfirst)?;
        self.run_ddl(plan).await
    }

    async fn run_ddl(&self, plan: Vec<DdlStatement>) -> Result<(), Error> {
        let (in_tx, outside): (Vec<DdlStatement>, Vec<DdlStatement>) =
            plan.into_iter().partition(|s| s.transactional);
        let result = self.run_ddl_plan(in_tx, outside).await;
        // DDL can change the result columns of statements cached on any connection.
        self.pool.manager().statement_caches.clear();
        result
    }

    async fn run_ddl_plan(
        &self,
        in_tx: Vec<DdlStatement>,
        outside: Vec<DdlStatement>,
    ) -> Result<(), Error> {
        if !in_tx.is_empty() {
            let mut tx = self.transaction().await?;
            for stmt in &in_tx {
                tx.execute_sql(&stmt.sql).await?;
            }
            tx.commit().await?;
        }
        if !outside.is_empty() {
            let mut conn = self.connection().await?;
            for stmt in &outside {
                conn.execute_sql(&stmt.sql).await?;
            }
        }
        Ok(())
    }
}

/// `DATABASE_URL`, or the shared local server's URL (started off the async threads).
async fn embedded_url() -> Result<String, Error> {
    if let Some(url) = std::env::var_os(DATABASE_URL)
        && !url.is_empty()
    {
        return url
            .into_string()
            .map_err(|_| Error::Config(format!("{DATABASE_URL} is not valid UTF-8")));
    }
    match tokio::task::spawn_blocking(LocalServer::shared).await {
        Ok(server) => Ok(server?.url()),
        Err(e) => Err(Error::LocalServer(format!("the start-up task failed: {e}"))),
    }
}
