//! [`DatabaseOptions`]: how the pool sizes, checks, resets and logs its connections, and
//! [`TransactionOptions`]: how a transaction begins.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;

/// A boxed future, as hooks and the retry helper take them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An after-connect hook in code: gets the new connection's client and runs whatever it
/// needs (see [`DatabaseOptions::after_connect_fn`]).
pub type ConnectHook = Arc<
    dyn for<'c> Fn(&'c tokio_postgres::Client) -> BoxFuture<'c, Result<(), Error>> + Send + Sync,
>;

/// Pool settings for [`Database::connect_with`](crate::Database::connect_with).
///
/// ```
/// use std::time::Duration;
/// use orm_runtime::{DatabaseOptions, ResetOnReturn};
///
/// let options = DatabaseOptions::default()
///     .max_size(4)
///     .wait_timeout(Some(Duration::from_secs(5)))
///     .statement_cache_size(100)
///     .reset_on_return(ResetOnReturn::Clean)
///     .after_connect("SET statement_timeout = '5s'")
///     .echo(true);
/// assert_eq!(options.max_size, 4);
/// assert_eq!(options.statement_cache_size, 100);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct DatabaseOptions {
    /// Most connections open at once (default 16).
    pub max_size: usize,
    /// How long to wait for a free connection before [`Error::Pool`] (default 30 s; `None`
    /// waits forever).
    pub wait_timeout: Option<Duration>,
    /// How long opening a new connection (including the after-connect hooks) may take
    /// (default 10 s; `None`: no limit).
    pub connect_timeout: Option<Duration>,
    /// How long checking a pooled connection before reuse may take (default 5 s).
    pub recycle_timeout: Option<Duration>,
    /// Prepared statements kept per connection, least recently used evicted first (default
    /// 256). `0` keeps none: every statement is prepared, run and closed (for PgBouncer in
    /// transaction mode; see [`statement_cache_size`](DatabaseOptions::statement_cache_size)).
    pub statement_cache_size: usize,
    /// What a connection goes through when it comes back to the pool (default
    /// [`ResetOnReturn::Rollback`]).
    pub reset: ResetOnReturn,
    /// Check each connection with an empty query before handing it out (SQLAlchemy's
    /// `pool_pre_ping`; default off). Off, a connection the server closed while it sat in
    /// the pool is still noticed and replaced as soon as its socket reports the close,
    /// which is almost always before it is handed out.
    pub pre_ping: bool,
    /// Log every statement at `info` instead of `debug` (SQLAlchemy's `echo=True`).
    pub echo: bool,
    /// Also log the bound values (their `Debug` form). Off by default: values may be
    /// secrets.
    pub log_values: bool,
    /// The options [`Database::transaction`](crate::Database::transaction) begins with.
    pub transaction: TransactionOptions,
    pub(crate) after_connect: Vec<AfterConnect>,
}

/// One after-connect step.
#[derive(Clone)]
pub(crate) enum AfterConnect {
    Sql(String),
    Hook(ConnectHook),
}

impl Default for DatabaseOptions {
    fn default() -> Self {
        DatabaseOptions {
            max_size: 16,
            wait_timeout: Some(Duration::from_secs(30)),
            connect_timeout: Some(Duration::from_secs(10)),
            recycle_timeout: Some(Duration::from_secs(5)),
            statement_cache_size: 256,
            reset: ResetOnReturn::Rollback,
            pre_ping: false,
            echo: false,
            log_values: false,
            transaction: TransactionOptions::default(),
            after_connect: Vec::new(),
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

    /// Sets [`recycle_timeout`](DatabaseOptions::recycle_timeout).
    pub fn recycle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.recycle_timeout = timeout;
        self
    }

    /// Sets [`statement_cache_size`](DatabaseOptions::statement_cache_size).
    ///
    /// With `0`, nothing is cached: each statement is prepared under a fresh name, run and
    /// closed at once. Behind PgBouncer in transaction mode that works with PgBouncer 1.21
    /// or later (`max_prepared_statements` > 0), and with any version inside a transaction.
    pub fn statement_cache_size(mut self, size: usize) -> Self {
        self.statement_cache_size = size;
        self
    }

    /// Sets [`reset`](DatabaseOptions::reset).
    pub fn reset_on_return(mut self, reset: ResetOnReturn) -> Self {
        self.reset = reset;
        self
    }

    /// Sets [`pre_ping`](DatabaseOptions::pre_ping).
    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = on;
        self
    }

    /// Sets [`echo`](DatabaseOptions::echo).
    pub fn echo(mut self, on: bool) -> Self {
        self.echo = on;
        self
    }

    /// Sets [`log_values`](DatabaseOptions::log_values).
    pub fn log_values(mut self, on: bool) -> Self {
        self.log_values = on;
        self
    }

    /// Sets the default [`transaction`](DatabaseOptions::transaction) options.
    pub fn transaction_options(mut self, options: TransactionOptions) -> Self {
        self.transaction = options;
        self
    }

    /// Runs trusted SQL (one or more `;`-separated statements, no parameters) on every new
    /// connection, outside any transaction, before it is first handed out: `SET
    /// search_path = app, public`, `SET statement_timeout = '5s'`. Steps run in the order
    /// they were added. A failing step fails the connection attempt with the server's
    /// error.
    ///
    /// Settings that must survive [`ResetOnReturn::Clean`] (`RESET ALL`) are better given
    /// in the connection string's `options` (`-c search_path=app`), which `RESET` returns
    /// to; the hooks also run again after each such reset.
    pub fn after_connect(mut self, sql: impl Into<String>) -> Self {
        self.after_connect.push(AfterConnect::Sql(sql.into()));
        self
    }

    /// Runs code on every new connection, like [`after_connect`](Self::after_connect).
    ///
    /// ```
    /// use orm_runtime::DatabaseOptions;
    ///
    /// let options = DatabaseOptions::default().after_connect_fn(|client| {
    ///     Box::pin(async move {
    ///         client.batch_execute("SET TIME ZONE 'UTC'").await?;
    ///         Ok(())
    ///     })
    /// });
    /// ```
    pub fn after_connect_fn<F>(mut self, hook: F) -> Self
    where
        F: for<'c> Fn(&'c tokio_postgres::Client) -> BoxFuture<'c, Result<(), Error>>
            + Send
            + Sync
            + 'static,
    {
        self.after_connect.push(AfterConnect::Hook(Arc::new(hook)));
        self
    }
}

impl fmt::Debug for DatabaseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseOptions")
            .field("max_size", &self.max_size)
            .field("wait_timeout", &self.wait_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("recycle_timeout", &self.recycle_timeout)
            .field("statement_cache_size", &self.statement_cache_size)
            .field("reset", &self.reset)
            .field("pre_ping", &self.pre_ping)
            .field("echo", &self.echo)
            .field("log_values", &self.log_values)
            .field("transaction", &self.transaction)
            .field("after_connect", &self.after_connect.len())
            .finish()
    }
}

/// What a connection goes through when it comes back to the pool.
///
/// Whatever the choice, a connection that may be inside a transaction is rolled back
/// first, so the next user never inherits one, and a connection that is closed or whose
/// reset fails is thrown away, never handed out again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResetOnReturn {
    /// Roll back when the connection may be inside a transaction (the default). Session
    /// state set by the user (`SET`, temporary tables, open `WITH HOLD` cursors) stays.
    #[default]
    Rollback,
    /// Also `CLOSE ALL; RESET ALL; DISCARD TEMP` after every use, so no session state
    /// leaks between users; the after-connect hooks run again afterwards. Prepared
    /// statements survive (`DISCARD ALL` would drop them).
    Clean,
    /// Also run this SQL after every use. When it contains `DISCARD ALL`, `DISCARD PLANS`
    /// or `DEALLOCATE`, the connection's statement cache is cleared too.
    Custom(String),
}

impl ResetOnReturn {
    /// The SQL run after the rollback, if any.
    pub(crate) fn sql(&self) -> Option<&str> {
        match self {
            ResetOnReturn::Rollback => None,
            ResetOnReturn::Clean => Some("CLOSE ALL; RESET ALL; DISCARD TEMP"),
            ResetOnReturn::Custom(sql) => Some(sql),
        }
    }
}

/// The isolation level of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED` (PostgreSQL runs it as READ COMMITTED).
    ReadUncommitted,
    /// `READ COMMITTED`, PostgreSQL's default.
    ReadCommitted,
    /// `REPEATABLE READ`: one snapshot for the whole transaction; conflicting writes fail
    /// with a serialization failure (`40001`).
    RepeatableRead,
    /// `SERIALIZABLE`: as if transactions ran one at a time; conflicts fail with `40001`
    /// (see [`Database::transaction_with_retry`](crate::Database::transaction_with_retry)).
    Serializable,
}

impl IsolationLevel {
    fn sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

/// How a transaction begins: isolation level, `READ ONLY`, `DEFERRABLE`.
///
/// ```
/// use orm_runtime::{IsolationLevel, TransactionOptions};
///
/// let options = TransactionOptions::new()
///     .isolation(IsolationLevel::Serializable)
///     .read_only(true)
///     .deferrable(true);
/// assert_eq!(
///     options.begin_sql(),
///     "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE"
/// );
/// assert_eq!(TransactionOptions::new().begin_sql(), "BEGIN");
/// ```
///
/// The level is given inline with `BEGIN`, never with `SET SESSION CHARACTERISTICS`, which
/// would leak into the next user of a pooled connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TransactionOptions {
    /// The isolation level; `None` keeps the server's default (normally READ COMMITTED).
    pub isolation: Option<IsolationLevel>,
    /// `READ ONLY`: writes fail with `25006`.
    pub read_only: bool,
    /// `DEFERRABLE`: with SERIALIZABLE and READ ONLY, wait for a safe snapshot and then never
    /// fail with a serialization error. Ignored by the server otherwise.
    pub deferrable: bool,
}

impl TransactionOptions {
    /// The defaults: server's isolation level, read-write, not deferrable.
    pub fn new() -> Self {
        TransactionOptions::default()
    }

    /// Sets the isolation level.
    pub fn isolation(mut self, level: IsolationLevel) -> Self {
        self.isolation = Some(level);
        self
    }

    /// Sets READ ONLY.
    pub fn read_only(mut self, on: bool) -> Self {
        self.read_only = on;
        self
    }

    /// Sets DEFERRABLE.
    pub fn deferrable(mut self, on: bool) -> Self {
        self.deferrable = on;
        self
    }

    /// The `BEGIN` statement these options produce.
    pub fn begin_sql(&self) -> String {
        let mut modes = Vec::new();
        if let Some(level) = self.isolation {
            modes.push(format!("ISOLATION LEVEL {}", level.sql()));
        }
        if self.read_only {
            modes.push("READ ONLY".to_owned());
        }
        if self.deferrable {
            modes.push("DEFERRABLE".to_owned());
        }
        if modes.is_empty() {
            "BEGIN".to_owned()
        } else {
            format!("BEGIN {}", modes.join(", "))
        }
    }
}

/// How [`Database::transaction_with_retry`](crate::Database::transaction_with_retry) retries:
/// at most `max_attempts` runs in all, waiting `base_delay * 2^(attempt-1)` (capped at
/// `max_delay`, with random jitter of up to half of it) between them.
///
/// ```
/// use std::time::Duration;
/// use orm_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_attempts(10).base_delay(Duration::from_millis(5));
/// assert_eq!(policy.max_attempts, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Runs in all, the first included (default 5; at least 1).
    pub max_attempts: u32,
    /// The wait before the second run (default 10 ms); doubled for each further run.
    pub base_delay: Duration,
    /// The longest wait (default 1 s).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// Sets [`max_attempts`](RetryPolicy::max_attempts).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Sets [`base_delay`](RetryPolicy::base_delay).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets [`max_delay`](RetryPolicy::max_delay).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The wait after failed run number `attempt` (1-based); `jitter` is in `[0, 1)`.
    pub(crate) fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1).min(20)));
        let capped = exp.min(self.max_delay);
        capped.mul_f64(0.5 + jitter / 2.0)
    }
}
