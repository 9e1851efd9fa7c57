//! [`PooledConnection`]: one connection taken from a [`Database`](crate::Database)'s pool,
//! returned to it on drop.

use std::fmt;

use crate::error::Error;
use crate::executor::Executor;
use crate::executor::sealed::{Sealed, Target, Token};
use crate::options::TransactionOptions;
use crate::pool::{Object, release};
use crate::transaction::{Conn, Transaction};

/// A connection borrowed from the pool, in autocommit mode: each statement commits on its
/// own (which is what `CREATE INDEX CONCURRENTLY`, `VACUUM` and `LISTEN` need). Run
/// statements on it through [`Executor`]; it goes back to the pool when dropped. Each
/// connection keeps its own prepared statement cache.
///
/// Going back, it is reset as [`DatabaseOptions::reset`](crate::DatabaseOptions::reset)
/// says; when raw SQL may have opened a transaction on it, or a statement was still
/// running because its future was dropped, that statement is cancelled and the connection
/// rolled back first, on a background task, before anyone else can take it.
///
/// ```no_run
/// use orm_runtime::{Database, Executor, Error};
///
/// # async fn run(db: Database) -> Result<(), Error> {
/// let mut conn = db.connection().await?;
/// conn.execute_sql("CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_body ON notes (body)")
///     .await?;
/// # Ok(()) }
/// ```
pub struct PooledConnection {
    /// `Some` for the whole life of the value; taken by `begin` and `Drop`.
    pub(crate) object: Option<Object>,
}

impl PooledConnection {
    pub(crate) fn new(object: Object) -> Self {
        PooledConnection {
            object: Some(object),
        }
    }

    fn object(&self) -> &Object {
        match &self.object {
            Some(object) => object,
            None => unreachable!("a live PooledConnection always holds its connection"),
        }
    }

    fn object_mut(&mut self) -> &mut Object {
        match &mut self.object {
            Some(object) => object,
            None => unreachable!("a live PooledConnection always holds its connection"),
        }
    }

    /// Starts a transaction on this connection, borrowing it, with the pool's default
    /// options: when the transaction ends, the connection is yours again, with its session
    /// state (temporary tables, `SET`, advisory locks). See [`Transaction`].
    ///
    /// ```no_run
    /// use orm_runtime::{Database, Executor, Error};
    ///
    /// # async fn run(db: Database) -> Result<(), Error> {
    /// let mut conn = db.connection().await?;
    /// conn.execute_sql("CREATE TEMP TABLE batch (id BIGINT)").await?;
    /// let mut tx = conn.transaction().await?;
    /// tx.execute_sql("INSERT INTO batch VALUES (1)").await?;
    /// tx.commit().await?;
    /// conn.execute_sql("DROP TABLE batch").await?; // still the same session
    /// # Ok(()) }
    /// ```
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        let options = self.object().shared.options.transaction;
        self.transaction_with(options).await
    }

    /// [`transaction`](Self::transaction) with the given options (isolation level, READ
    /// ONLY, DEFERRABLE).
    pub async fn transaction_with(
        &mut self,
        options: TransactionOptions,
    ) -> Result<Transaction<'_>, Error> {
        Transaction::begin_on(Conn::Borrowed(self.object_mut()), options).await
    }

    /// Starts a transaction that takes this connection with it (back to the pool when the
    /// transaction ends), with the pool's default options.
    pub async fn begin(self) -> Result<Transaction<'static>, Error> {
        let options = self.object().shared.options.transaction;
        self.begin_with(options).await
    }

    /// [`begin`](Self::begin) with the given options.
    pub async fn begin_with(
        mut self,
        options: TransactionOptions,
    ) -> Result<Transaction<'static>, Error> {
        match self.object.take() {
            Some(object) => Transaction::begin_on(Conn::Owned(object), options).await,
            None => unreachable!("a live PooledConnection always holds its connection"),
        }
    }

    /// The underlying tokio-postgres client, for what the runtime does not wrap (`COPY`).
    /// The connection is rolled back before it goes back to the pool, in case the client
    /// was used to open a transaction.
    pub fn client(&self) -> &tokio_postgres::Client {
        let object = self.object();
        object
            .raw_client_used
            .store(true, std::sync::atomic::Ordering::Relaxed);
        &object.client
    }

    /// Forgets this connection's prepared statements and cached types (after DDL that
    /// other code ran).
    pub fn clear_statement_cache(&mut self) {
        self.object_mut().clear_caches();
    }

    /// Number of prepared statements this connection has cached.
    pub fn cached_statements(&self) -> usize {
        self.object().cached_statements()
    }

    /// The server process serving this connection (`SELECT pg_backend_pid()`): useful to
    /// find it in `pg_stat_activity` or to cancel or terminate it from elsewhere.
    pub fn backend_pid(&mut self) -> impl Future<Output = Result<i32, Error>> + Send + '_ {
        let target = self.target(Token(()));
        async move {
            let sql =
                orm_core::query::raw_query::<orm_core::types::Int4>("SELECT pg_backend_pid()");
            crate::executor::one_row::<i32, _>(target, &orm_core::query::Statement::compile(&sql)?)
                .await
        }
    }
}

impl Sealed for PooledConnection {
    fn target(&mut self, _: Token) -> Target<'_> {
        Target {
            conn: self.object_mut(),
            tx: None,
        }
    }
}

impl Executor for PooledConnection {}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(object) = self.object.take() {
            release(object, false);
        }
    }
}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.object {
            Some(object) => f
                .debug_struct("PooledConnection")
                .field("closed", &object.client.is_closed())
                .field("cached_statements", &object.cached_statements())
                .finish(),
            None => f.write_str("PooledConnection(released)"),
        }
    }
}
