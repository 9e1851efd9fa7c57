//! The pool's connections: how they are opened (connect, drive, after-connect hooks),
//! checked before reuse, reset after use, and what each one carries (its prepared
//! statement cache). The pool itself is `deadpool`'s.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_postgres::error::{DbError, Severity, SqlState};
use tokio_postgres::{AsyncMessage, Client, Connection, Statement};

use crate::config::ConnectConfig;
use crate::error::Error;
use crate::listen::Notification;
use crate::options::{AfterConnect, DatabaseOptions};

/// What every connection of one pool shares.
pub(crate) struct Shared {
    pub(crate) config: ConnectConfig,
    pub(crate) options: DatabaseOptions,
    /// Bumped by DDL run through this pool; a connection whose `epoch` differs clears its
    /// statement and type caches before its next statement.
    pub(crate) ddl_epoch: AtomicU64,
}

impl Shared {
    /// Records that DDL ran: every connection forgets its prepared statements before its
    /// next one.
    pub(crate) fn ddl_ran(&self) {
        self.ddl_epoch.fetch_add(1, Ordering::Relaxed);
    }
}

/// deadpool's manager for our connections.
pub(crate) struct Manager {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) type Pool = managed::Pool<Manager>;
pub(crate) type Object = managed::Object<Manager>;

impl managed::Manager for Manager {
    type Type = PgConn;
    type Error = Error;

    async fn create(&self) -> Result<PgConn, Error> {
        let (client, connection) = self
            .shared
            .config
            .connect()
            .await
            .map_err(|e| Error::from_driver(e, None))?;
        tokio::spawn(drive(connection, None));
        let conn = PgConn::new(client, self.shared.clone());
        run_after_connect(&conn.client, &self.shared.options).await?;
        Ok(conn)
    }

    async fn recycle(&self, conn: &mut PgConn, _: &Metrics) -> RecycleResult<Error> {
        if conn.client.is_closed() {
            return Err(RecycleError::message("the connection is closed"));
        }
        if conn.broken {
            return Err(RecycleError::message(
                "the connection was left in an unknown state",
            ));
        }
        if self.shared.options.pre_ping {
            conn.client
                .simple_query("")
                .await
                .map_err(|e| RecycleError::Backend(Error::from_driver(e, None)))?;
        }
        Ok(())
    }
}

/// Runs the after-connect steps on a new (or freshly reset) connection.
pub(crate) async fn run_after_connect(
    client: &Client,
    options: &DatabaseOptions,
) -> Result<(), Error> {
    for step in &options.after_connect {
        match step {
            AfterConnect::Sql(sql) => client
                .batch_execute(sql)
                .await
                .map_err(|e| Error::from_driver(e, Some(sql)))?,
            AfterConnect::Hook(hook) => hook(client).await?,
        }
    }
    Ok(())
}

/// Drives a connection until it closes: forwards server NOTICE/WARNING messages to
/// `tracing` (target `mapped::notice`) and notifications to `notifications` (or to
/// `tracing` at debug when nobody listens on this connection).
pub(crate) async fn drive<S, T>(
    mut connection: Connection<S, T>,
    notifications: Option<mpsc::UnboundedSender<Notification>>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notice(notice))) => log_notice(&notice),
            Some(Ok(AsyncMessage::Notification(n))) => {
                let n = Notification::from_driver(&n);
                match &notifications {
                    Some(tx) => {
                        // The receiver is gone: the listener was dropped; keep draining.
                        let _ = tx.send(n);
                    }
                    None => tracing::debug!(
                        target: "mapped::notify",
                        channel = n.channel(),
                        "notification on a pooled connection (use Database::listen to receive them)"
                    ),
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tracing::debug!(target: "mapped::connection", error = %e, "connection closed with an error");
                break;
            }
            None => break,
        }
    }
}

/// Logs a server notice at the level its severity asks for.
fn log_notice(notice: &DbError) {
    let code = notice.code().code();
    let message = notice.message();
    let detail = notice.detail().unwrap_or("");
    // ROLLBACK on reset when no transaction was open: expected, not worth a warning.
    if notice.code() == &SqlState::NO_ACTIVE_SQL_TRANSACTION {
        tracing::trace!(target: "mapped::notice", code, message);
        return;
    }
    match notice.parsed_severity() {
        Some(Severity::Warning) => {
            tracing::warn!(target: "mapped::notice", code, detail, "{message}")
        }
        Some(Severity::Notice | Severity::Info | Severity::Log) | None => {
            tracing::info!(target: "mapped::notice", code, detail, "{message}");
        }
        Some(_) => tracing::debug!(target: "mapped::notice", code, detail, "{message}"),
    }
}

/// One pooled connection: the client, its statement cache, and what the runtime knows
/// about its state.
pub(crate) struct PgConn {
    pub(crate) client: Client,
    pub(crate) shared: Arc<Shared>,
    cache: StatementCache,
    /// The pool's DDL epoch this connection's caches belong to.
    epoch: u64,
    /// A statement was sent and its result not yet read when its future was dropped: the
    /// server may still be running it.
    pub(crate) in_flight: bool,
    /// The connection may be inside a transaction the runtime did not open (raw SQL or the
    /// raw client was used): roll back before reuse.
    pub(crate) maybe_in_transaction: bool,
    /// The raw client was handed out (through `&self`): it may have opened a transaction.
    pub(crate) raw_client_used: AtomicBool,
    /// The state is unknown (a reset failed): never hand it out again.
    pub(crate) broken: bool,
}

impl PgConn {
    fn new(client: Client, shared: Arc<Shared>) -> PgConn {
        let epoch = shared.ddl_epoch.load(Ordering::Relaxed);
        let capacity = shared.options.statement_cache_size;
        PgConn {
            client,
            shared,
            cache: StatementCache::new(capacity),
            epoch,
            in_flight: false,
            maybe_in_transaction: false,
            raw_client_used: AtomicBool::new(false),
            broken: false,
        }
    }

    /// The prepared statement for `sql`: from the cache, or prepared now (and cached when the
    /// cache is on).
    pub(crate) async fn statement(
        &mut self,
        sql: &str,
    ) -> Result<Statement, tokio_postgres::Error> {
        self.sync_epoch();
        if let Some(stmt) = self.cache.get(sql) {
            return Ok(stmt);
        }
        let stmt = self.client.prepare(sql).await?;
        self.cache.insert(sql, stmt.clone());
        Ok(stmt)
    }

    /// Forgets the cached statement for `sql` (it went stale).
    pub(crate) fn forget_statement(&mut self, sql: &str) {
        self.cache.remove(sql);
    }

    /// Forgets every cached statement and type.
    pub(crate) fn clear_caches(&mut self) {
        self.cache.clear();
        self.client.clear_type_cache();
    }

    /// Number of cached statements.
    pub(crate) fn cached_statements(&self) -> usize {
        self.cache.len()
    }

    fn sync_epoch(&mut self) {
        let now = self.shared.ddl_epoch.load(Ordering::Relaxed);
        if now != self.epoch {
            self.epoch = now;
            self.clear_caches();
        }
    }

    /// Whether the connection must go through a reset before reuse.
    pub(crate) fn needs_reset(&self) -> bool {
        self.in_flight
            || self.maybe_in_transaction
            || self.raw_client_used.load(Ordering::Relaxed)
            || self.shared.options.reset.sql().is_some()
    }

    /// Brings a used connection back to a clean state: cancels a statement still running,
    /// rolls back, runs the reset SQL. Marks it broken when that fails.
    pub(crate) async fn reset(&mut self, rollback: bool) {
        if self.in_flight {
            // A cancelled future left a statement running: stop it rather than wait for it.
            let token = self.client.cancel_token();
            let _ = token.cancel_query(self.shared.config.tls_connector()).await;
        }
        let mut sql = String::new();
        if rollback
            || self.in_flight
            || self.maybe_in_transaction
            || self.raw_client_used.load(Ordering::Relaxed)
        {
            sql.push_str("ROLLBACK");
        }
        let reset = self.shared.options.reset.sql();
        if let Some(reset) = reset {
            if !sql.is_empty() {
                sql.push_str("; ");
            }
            sql.push_str(reset);
        }
        let mut ok = true;
        if !sql.is_empty() {
            ok = self.client.batch_execute(&sql).await.is_ok();
        }
        if ok && reset.is_some() {
            if let Some(reset) = reset
                && drops_statements(reset)
            {
                self.clear_caches();
            }
            ok = run_after_connect(&self.client, &self.shared.options)
                .await
                .is_ok();
        }
        self.in_flight = false;
        self.maybe_in_transaction = false;
        self.raw_client_used.store(false, Ordering::Relaxed);
        if !ok {
            self.broken = true;
        }
    }
}

/// Whether reset SQL deallocates prepared statements.
fn drops_statements(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    upper.contains("DISCARD ALL") || upper.contains("DISCARD PLANS") || upper.contains("DEALLOCATE")
}

/// Whether SQL text may be DDL (so caches of statements over changed tables go stale).
/// Errs on the side of yes: a false positive costs a few re-prepares.
pub(crate) fn may_be_ddl(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    [
        "CREATE",
        "ALTER",
        "DROP",
        "TRUNCATE",
        "COMMENT",
        "DISCARD",
        "DEALLOCATE",
    ]
    .iter()
    .any(|k| upper.contains(k))
}

/// Whether SQL text may open a transaction (`BEGIN`, `START TRANSACTION`). Errs on the side
/// of yes (a `DO` block's `BEGIN` counts): a false positive costs one `ROLLBACK`.
pub(crate) fn may_open_transaction(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    upper.contains("BEGIN") || upper.contains("START")
}

/// Gives a used connection back to the pool: right away when it is clean, after a reset
/// (on a background task) when it may not be. Without a runtime to run the reset on, the
/// connection is closed instead (the server then rolls back).
pub(crate) fn release(mut object: Object, rollback: bool) {
    if !rollback && !object.needs_reset() {
        return;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move {
                // Closes the connection unless the reset finished (runtime shutdown cancels
                // this task mid-way).
                struct CloseUnlessReset(Option<Object>);
                impl Drop for CloseUnlessReset {
                    fn drop(&mut self) {
                        if let Some(object) = self.0.take() {
                            drop(Object::take(object));
                        }
                    }
                }
                let mut guard = CloseUnlessReset(Some(object));
                if let Some(object) = guard.0.as_mut() {
                    object.reset(rollback).await;
                    if !object.broken {
                        drop(guard.0.take());
                    }
                }
            });
        }
        Err(_) => {
            object.broken = true;
            drop(Object::take(object));
        }
    }
}

/// A least-recently-used cache of prepared statements, keyed by SQL text. Capacity 0 keeps
/// nothing.
struct StatementCache {
    capacity: usize,
    tick: u64,
    entries: HashMap<Box<str>, (Statement, u64)>,
}

impl StatementCache {
    fn new(capacity: usize) -> Self {
        StatementCache {
            capacity,
            tick: 0,
            entries: HashMap::new(),
        }
    }

    fn get(&mut self, sql: &str) -> Option<Statement> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(sql).map(|(stmt, used)| {
            *used = tick;
            stmt.clone()
        })
    }

    fn insert(&mut self, sql: &str, stmt: Statement) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity {
            // Evicting scans the entries: misses are rare next to hits, and the server
            // round trip of the prepare that caused this one dwarfs the scan.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            {
                // Dropping the last handle closes the statement on the server.
                self.entries.remove(&oldest);
            }
        }
        self.tick += 1;
        self.entries.insert(sql.into(), (stmt, self.tick));
    }

    fn remove(&mut self, sql: &str) {
        self.entries.remove(sql);
    }

    fn clear(&mut self) {
        self.entries.clear();
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}
