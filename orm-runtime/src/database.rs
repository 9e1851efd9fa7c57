//! [`Database`]: the entry point, a pool of connections (deadpool-postgres) that runs
//! statements, hands out connections and transactions, and creates or drops schemas.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use deadpool::Runtime;
use deadpool::managed::{PoolError as DeadpoolError, TimeoutType};
use futures_core::Stream;
use orm_core::ddl::DdlStatement;
use orm_core::metadata::TableDef;
use orm_core::query::{CursorQuery, ReturnsRows, Statement};
use orm_core::row::FromRow;
use orm_core::types::SqlType;

use crate::config::ConnectConfig;
use crate::connection::PooledConnection;
use crate::error::{Error, PoolError};
use crate::executor::sealed::{Sealed, Token};
use crate::executor::{self, Executor};
use crate::listen::Listener;
use crate::local::LocalServer;
use crate::options::{BoxFuture, DatabaseOptions, RetryPolicy, TransactionOptions};
use crate::pool::{Manager, Pool, Shared};
use crate::transaction::Transaction;

/// The environment variable [`Database::embedded`] reads.
pub const DATABASE_URL: &str = "DATABASE_URL";

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
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("Database")
            .field("config", &self.shared.config)
            .field("size", &status.size)
            .field("available", &status.available)
            .field("max_size", &status.max_size)
            .finish()
    }
}

impl Database {
    /// Connects with default [`DatabaseOptions`]. `url` is a URL
    /// (`postgres://user:password@host:port/dbname?sslmode=..&application_name=..`) or a
    /// key=value DSN (`host=localhost user=app dbname=app`), as libpq accepts them; what it
    /// leaves out comes from the `PG*` environment variables (see [`ConnectConfig`]). One
    /// connection is opened to check the settings; it stays in the pool.
    pub async fn connect(url: &str) -> Result<Database, Error> {
        Database::connect_with(url, DatabaseOptions::default()).await
    }

    /// Connects with the given pool options.
    pub async fn connect_with(url: &str, options: DatabaseOptions) -> Result<Database, Error> {
        Database::from_config(ConnectConfig::parse(url)?, options).await
    }

    /// Connects with a configuration built in code: a [`ConnectConfig`], or a
    /// `tokio_postgres::Config`. A `statement_cache_size` given in the connection string
    /// overrides the one in `options`.
    pub async fn from_config(
        config: impl Into<ConnectConfig>,
        mut options: DatabaseOptions,
    ) -> Result<Database, Error> {
        let config = config.into();
        if options.max_size == 0 {
            return Err(Error::Config(
                "DatabaseOptions::max_size must be at least 1".into(),
            ));
        }
        if let Some(size) = config.statement_cache_size() {
            options.statement_cache_size = size;
        }
        let shared = Arc::new(Shared {
            config,
            options,
            ddl_epoch: AtomicU64::new(0),
        });
        let options = &shared.options;
        let pool = Pool::builder(Manager {
            shared: shared.clone(),
        })
        .max_size(options.max_size)
        .wait_timeout(options.wait_timeout)
        .create_timeout(options.connect_timeout)
        .recycle_timeout(options.recycle_timeout)
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| Error::Config(e.to_string()))?;
        let db = Database { pool, shared };
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
        let object = self.pool.get().await.map_err(from_pool)?;
        Ok(PooledConnection::new(object))
    }

    /// Takes a connection and starts a transaction on it, with the pool's default
    /// [`TransactionOptions`] ([`DatabaseOptions::transaction`]).
    pub async fn transaction(&self) -> Result<Transaction<'static>, Error> {
        self.connection().await?.begin().await
    }

    /// Takes a connection and starts a transaction with the given options.
    pub async fn transaction_with(
        &self,
        options: TransactionOptions,
    ) -> Result<Transaction<'static>, Error> {
        self.connection().await?.begin_with(options).await
    }

    /// Runs `work` in a transaction and commits; when the transaction fails with a
    /// serialization failure (`40001`) or a deadlock (`40P01`), in `work` or at `COMMIT`,
    /// rolls back, waits (see [`RetryPolicy`]) and runs it again, up to
    /// `policy.max_attempts` runs in all. Any other error, or the last attempt's, is
    /// returned as is. `work` must be safe to run more than once: keep side effects outside
    /// the database (sending mail) out of it.
    ///
    /// ```no_run
    /// use orm_runtime::{Database, Error, Executor, IsolationLevel, RetryPolicy, TransactionOptions};
    ///
    /// # async fn run(db: Database) -> Result<(), Error> {
    /// let options = TransactionOptions::new().isolation(IsolationLevel::Serializable);
    /// db.transaction_with_retry(options, RetryPolicy::default(), |tx| {
    ///     Box::pin(async move {
    ///         tx.execute_sql("UPDATE counters SET n = n + 1").await?;
    ///         Ok(())
    ///     })
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction_with_retry<T, F>(
        &self,
        options: TransactionOptions,
        policy: RetryPolicy,
        mut work: F,
    ) -> Result<T, Error>
    where
        F: for<'t> FnMut(&'t mut Transaction<'static>) -> BoxFuture<'t, Result<T, Error>> + Send,
        T: Send,
    {
        let max = policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = async {
                let mut tx = self.transaction_with(options).await?;
                match work(&mut tx).await {
                    Ok(value) => {
                        tx.commit().await?;
                        Ok(value)
                    }
                    Err(e) => {
                        // A failed rollback only means the connection is gone; `e` says why.
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }
            .await;
            match result {
                Err(e) if attempt < max && (e.is_serialization_failure() || e.is_deadlock()) => {
                    let delay = policy.delay(attempt, jitter());
                    tracing::debug!(
                        target: "mapped::sql",
                        attempt,
                        delay_us = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX),
                        code = e.code().map(|c| c.code()),
                        "retrying the transaction"
                    );
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    /// Streams the rows of a query through a server-side cursor, `batch_size` rows per
    /// round trip, decoding each batch as it arrives: memory holds one batch however many
    /// rows the query returns. The cursor needs a transaction: the stream takes a
    /// connection and opens one of its own (default options), committed when the rows run
    /// out and rolled back when the stream is dropped early. Inside a transaction of your
    /// own, use [`Transaction::stream`].
    ///
    /// Only queries can be cursors ([`CursorQuery`]: `SELECT`, `VALUES`): PostgreSQL refuses
    /// `DECLARE CURSOR` for `INSERT .. RETURNING`.
    ///
    /// ```no_run
    /// # use orm_core::__doc::Account;
    /// use futures_util::TryStreamExt;
    /// use orm_core::prelude::*;
    /// use orm_runtime::{Database, Error};
    ///
    /// # async fn run(db: Database) -> Result<(), Error> {
    /// let mut rows = std::pin::pin!(db.stream::<Account, _>(&select_from::<Account>(), 1000));
    /// while let Some(account) = rows.try_next().await? {
    ///     println!("{}", account.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream<R, Q>(
        &self,
        query: &Q,
        batch_size: u32,
    ) -> impl Stream<Item = Result<R, Error>> + Send + 'static
    where
        Q: CursorQuery + ?Sized,
        Q::Selection: 'static,
        R: FromRow<Q::Selection> + Send + 'static,
    {
        let db = self.clone();
        crate::stream::stream_owned::<R, Q::Selection>(
            async move { db.transaction().await },
            query.compile(),
            batch_size,
        )
    }

    /// Listens on `channels` on a dedicated connection; see [`Listener`].
    pub async fn listen<I, C>(&self, channels: I) -> Result<Listener, Error>
    where
        I: IntoIterator<Item = C>,
        C: Into<String>,
    {
        Listener::start(
            self.shared.clone(),
            channels.into_iter().map(Into::into).collect(),
        )
        .await
    }

    /// Sends a notification (`SELECT pg_notify($1, $2)`: channel and payload are bound
    /// values). Inside a transaction, use [`Executor::notify`]: it is delivered at commit.
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), Error> {
        self.connection().await?.notify(channel, payload).await
    }

    /// The pool's connections: open, idle, and the most it may open.
    pub fn status(&self) -> PoolStatus {
        let status = self.pool.status();
        PoolStatus {
            size: status.size,
            available: status.available,
            max_size: status.max_size,
        }
    }

    /// The pool's options.
    pub fn options(&self) -> &DatabaseOptions {
        &self.shared.options
    }

    /// The connection settings.
    pub fn config(&self) -> &ConnectConfig {
        &self.shared.config
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

    /// See [`Executor::query`].
    pub fn query<R, Q>(&self, query: &Q) -> impl Future<Output = Result<Vec<R>, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        async move {
            let sql = sql?;
            let mut conn = self.connection().await?;
            executor::all_rows::<R, Q::Selection>(conn.target(Token(())), &sql).await
        }
    }

    /// See [`Executor::query_one`].
    pub fn query_one<R, Q>(&self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        async move {
            let sql = sql?;
            let mut conn = self.connection().await?;
            executor::one_row::<R, Q::Selection>(conn.target(Token(())), &sql).await
        }
    }

    /// See [`Executor::query_opt`].
    pub fn query_opt<R, Q>(
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
            executor::opt_row::<R, Q::Selection>(conn.target(Token(())), &sql).await
        }
    }

    /// See [`Executor::query_scalar`].
    pub fn query_scalar<R, Q>(&self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        Q::Selection: SqlType,
        R: FromRow<Q::Selection>,
    {
        self.query_one::<R, Q>(query)
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
        self.shared.ddl_ran();
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

/// The pool's connections at one moment; see [`Database::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStatus {
    /// Connections open (idle or in use).
    pub size: usize,
    /// Idle connections ready to be handed out.
    pub available: usize,
    /// The most connections the pool opens.
    pub max_size: usize,
}

/// A pseudo-random number in `[0, 1)` for retry jitter (no need for a real RNG: it only
/// spreads retries apart).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(u64::from(std::process::id()));
    let bits = h.finish() >> 11;
    // 53 bits fit an f64 mantissa exactly.
    #[allow(clippy::cast_precision_loss, reason = "53 bits are exact in an f64")]
    let x = bits as f64;
    x / (1_u64 << 53) as f64
}

/// Wraps a pool error.
fn from_pool(e: DeadpoolError<Error>) -> Error {
    match e {
        DeadpoolError::Backend(e) => e,
        DeadpoolError::Timeout(TimeoutType::Wait) => Error::Pool(PoolError::wait_timeout()),
        DeadpoolError::Timeout(TimeoutType::Create) => Error::Pool(PoolError::create_timeout()),
        DeadpoolError::Timeout(TimeoutType::Recycle) => Error::Pool(PoolError::recycle_timeout()),
        DeadpoolError::Closed => Error::Pool(PoolError::closed()),
        DeadpoolError::NoRuntimeSpecified => {
            Error::Pool(PoolError::other("no async runtime configured".into()))
        }
        DeadpoolError::PostCreateHook(e) => Error::Pool(PoolError::other(e.to_string())),
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
