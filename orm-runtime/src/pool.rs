//! The pool's connections: how they are opened (connect, drive, after-connect hooks),
//! checked before reuse, reset after use, and what each one carries (its prepared
//! statement cache). The pool itself is `deadpool`'s.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

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
            .map_err(Error::from_connect)?;
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
                tracing::warn!(target: "mapped::connection", error = %e, "a connection closed with an error");
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
    /// A statement was sent and its result not yet read: set while one runs, and still set
    /// afterwards when its future was dropped (the server may still be running it).
    pub(crate) in_flight: bool,
    /// The connection may be inside a transaction the runtime did not open (raw SQL such
    /// as `BEGIN` ran on it): roll back before reuse.
    pub(crate) maybe_in_transaction: bool,
    /// A borrowed [`Transaction`](crate::Transaction) was dropped without commit or
    /// rollback: roll back before the connection's next statement.
    pub(crate) rollback_pending: bool,
    /// The raw client was handed out (through `&self`): it may have opened a transaction.
    pub(crate) raw_client_used: AtomicBool,
    /// The state is unknown (a reset failed): never hand it out again.
    pub(crate) broken: bool,
}

/// What the runtime learns from a statement's SQL text, computed once per cached statement.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SqlKind {
    /// DDL (`CREATE`, `ALTER`, `DROP`, `DISCARD`, `DEALLOCATE`): cached statements of every
    /// connection may have gone stale.
    pub(crate) ddl: bool,
    /// Opens a transaction (`BEGIN`, `START TRANSACTION`).
    pub(crate) begins: bool,
}

impl SqlKind {
    /// Looks at the first keyword of each `;`-separated statement. A `;` inside a string
    /// literal can only add false positives, which cost a cache clear or a `ROLLBACK`.
    pub(crate) fn of(sql: &str) -> SqlKind {
        let mut kind = SqlKind::default();
        for statement in sql.split(';') {
            let word = first_keyword(statement);
            let is = |k: &str| word.eq_ignore_ascii_case(k);
            kind.ddl |=
                is("CREATE") || is("ALTER") || is("DROP") || is("DISCARD") || is("DEALLOCATE");
            kind.begins |= is("BEGIN") || is("START");
        }
        kind
    }
}

/// The first word of a statement, after white space and `--` / `/* */` comments.
fn first_keyword(statement: &str) -> &str {
    let mut rest = statement;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    &rest[..end]
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
            rollback_pending: false,
            raw_client_used: AtomicBool::new(false),
            broken: false,
        }
    }

    /// The prepared statement for `sql` and what kind of SQL it is: from the cache, or
    /// prepared now (and cached when the cache is on).
    pub(crate) async fn statement(
        &mut self,
        sql: &str,
    ) -> Result<(Statement, SqlKind), tokio_postgres::Error> {
        self.sync_epoch();
        if let Some(hit) = self.cache.get(sql) {
            return Ok(hit);
        }
        let stmt = self.client.prepare(sql).await?;
        let kind = SqlKind::of(sql);
        self.cache.insert(sql, stmt.clone(), kind);
        Ok((stmt, kind))
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

    /// Marks the start of a statement. Returns whether a previous statement's future was
    /// dropped before its result was read (its outcome is unknown).
    pub(crate) fn begin_op(&mut self) -> bool {
        std::mem::replace(&mut self.in_flight, true)
    }

    /// Marks the end of a statement (its result was read).
    pub(crate) fn end_op(&mut self) {
        self.in_flight = false;
    }

    /// Before a statement outside a transaction: rolls back what a dropped borrowed
    /// transaction left open (cancelling a statement it left running).
    pub(crate) async fn recover(&mut self) -> Result<(), crate::error::Error> {
        if !self.rollback_pending {
            return Ok(());
        }
        self.cancel_running().await;
        self.client
            .batch_execute("ROLLBACK")
            .await
            .map_err(|e| crate::error::Error::from_driver(e, Some("ROLLBACK")))?;
        self.rollback_pending = false;
        Ok(())
    }

    /// Cancels the statement a dropped future left running, if any.
    async fn cancel_running(&mut self) {
        if self.in_flight {
            let token = self.client.cancel_token();
            let _ = token.cancel_query(self.shared.config.tls_connector()).await;
            // The cancelled statement's error response is drained by the connection.
            self.in_flight = false;
        }
    }

    /// Whether the connection must go through a reset before reuse.
    pub(crate) fn needs_reset(&self) -> bool {
        self.in_flight
            || self.maybe_in_transaction
            || self.rollback_pending
            || self.raw_client_used.load(Ordering::Relaxed)
            || self.shared.options.reset.sql().is_some()
    }

    /// Brings a used connection back to a clean state: cancels a statement still running,
    /// rolls back, runs the reset SQL. Marks it broken when that fails or takes longer
    /// than the pool's recycle timeout.
    pub(crate) async fn reset(&mut self, rollback: bool) {
        let limit = self
            .shared
            .options
            .recycle_timeout
            .unwrap_or(Duration::from_secs(30));
        let ok = matches!(
            tokio::time::timeout(limit, self.reset_inner(rollback)).await,
            Ok(true)
        );
        self.in_flight = false;
        self.maybe_in_transaction = false;
        self.rollback_pending = false;
        self.raw_client_used.store(false, Ordering::Relaxed);
        if !ok {
            self.broken = true;
        }
    }

    async fn reset_inner(&mut self, rollback: bool) -> bool {
        let mut sql = String::new();
        if rollback
            || self.in_flight
            || self.maybe_in_transaction
            || self.rollback_pending
            || self.raw_client_used.load(Ordering::Relaxed)
        {
            sql.push_str("ROLLBACK");
        }
        self.cancel_running().await;
        let reset = self.shared.options.reset.sql();
        if let Some(reset) = reset {
            if !sql.is_empty() {
                sql.push_str("; ");
            }
            sql.push_str(reset);
        }
        if !sql.is_empty() && self.client.batch_execute(&sql).await.is_err() {
            return false;
        }
        if let Some(reset) = reset {
            if drops_statements(reset) {
                self.clear_caches();
            }
            return run_after_connect(&self.client, &self.shared.options)
                .await
                .is_ok();
        }
        true
    }
}

/// Whether reset SQL deallocates prepared statements.
fn drops_statements(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    upper.contains("DISCARD ALL") || upper.contains("DISCARD PLANS") || upper.contains("DEALLOCATE")
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
    entries: HashMap<Box<str>, (Statement, SqlKind, u64)>,
}

impl StatementCache {
    fn new(capacity: usize) -> Self {
        StatementCache {
            capacity,
            tick: 0,
            entries: HashMap::new(),
        }
    }

    fn get(&mut self, sql: &str) -> Option<(Statement, SqlKind)> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(sql).map(|(stmt, kind, used)| {
            *used = tick;
            (stmt.clone(), *kind)
        })
    }

    fn insert(&mut self, sql: &str, stmt: Statement, kind: SqlKind) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity {
            // Evicting scans the entries: misses are rare next to hits, and the server
            // round trip of the prepare that caused this one dwarfs the scan.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(k, _)| k.clone())
            {
                // Dropping the last handle closes the statement on the server.
                self.entries.remove(&oldest);
            }
        }
        self.tick += 1;
        self.entries.insert(sql.into(), (stmt, kind, self.tick));
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
