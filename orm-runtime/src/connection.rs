//! [`PooledConnection`]: one connection taken from a [`Database`](crate::Database)'s pool,
//! returned to it on drop.

use std::fmt;

use deadpool_postgres::Object;

use crate::error::Error;
use crate::executor::Executor;
use crate::executor::sealed::{Sealed, Target, Token};
use crate::transaction::Transaction;

/// A connection borrowed from the pool; it goes back when dropped. Run statements on it
/// through [`Executor`]. Each connection keeps its own prepared statement cache.
///
/// ```no_run
/// use orm_runtime::{Database, Executor, Error};
///
/// # async fn run(db: Database) -> Result<(), Error> {
/// let mut conn = db.connection().await?;
/// conn.execute_sql("SET application_name = 'report'").await?;
/// # Ok(()) }
/// ```
pub struct PooledConnection {
    pub(crate) object: Object,
}

impl PooledConnection {
    /// Starts a transaction on this connection, consuming it; see [`Transaction`].
    pub async fn begin(self) -> Result<Transaction, Error> {
        Transaction::begin(self).await
    }

    /// The underlying tokio-postgres client, for what the runtime does not wrap yet
    /// (`COPY`, `LISTEN`). Leave the connection as you found it: it goes back to the pool.
    pub fn client(&self) -> &tokio_postgres::Client {
        &self.object
    }

    /// Forgets this connection's prepared statements (after DDL that other code ran).
    pub fn clear_statement_cache(&self) {
        self.object.statement_cache.clear();
    }
}

impl Sealed for PooledConnection {
    fn target(&mut self, _: Token) -> Target<'_> {
        Target {
            client: &self.object,
            failed: None,
        }
    }
}

impl Executor for PooledConnection {}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("closed", &self.object.is_closed())
            .field("cached_statements", &self.object.statement_cache.size())
            .finish()
    }
}
