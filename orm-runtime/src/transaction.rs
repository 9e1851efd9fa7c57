//! [`Transaction`]: `BEGIN` .. `COMMIT` on one pooled connection, rolled back when dropped.
//!
//! This is the minimal transaction: no savepoints, isolation levels or retry helper yet.

use std::fmt;

use deadpool_postgres::{ClientWrapper, Object};

use crate::connection::PooledConnection;
use crate::error::Error;
use crate::executor::sealed::{Sealed, Target, Token};
use crate::executor::{Executor, run_batch};

/// A transaction owning a pooled connection. Run statements in it through [`Executor`];
/// end it with [`commit`](Transaction::commit) or [`rollback`](Transaction::rollback).
///
/// Dropping it without either rolls it back: the `ROLLBACK` is sent from a background task
/// on the current tokio runtime, and the connection goes back to the pool only after it
/// succeeded. Outside a runtime, or when the `ROLLBACK` fails, the connection is closed
/// instead (the server then rolls back), so a pooled connection is never left inside a
/// transaction.
///
/// ```no_run
/// use orm_runtime::{Database, Executor, Error};
///
/// # async fn run(db: Database) -> Result<(), Error> {
/// let mut tx = db.transaction().await?;
/// tx.execute_sql("UPDATE accounts SET balance = balance - 10 WHERE id = 1").await?;
/// tx.execute_sql("UPDATE accounts SET balance = balance + 10 WHERE id = 2").await?;
/// tx.commit().await?;
/// # Ok(()) }
/// ```
pub struct Transaction {
    /// `Some` for the whole life of the value: `commit` and `rollback` consume it, and only
    /// `Drop` takes the connection out.
    object: Option<Object>,
    /// A statement failed, so the server has aborted the transaction.
    failed: bool,
    /// `COMMIT` or `ROLLBACK` finished: nothing left to undo on drop.
    done: bool,
}

impl Transaction {
    /// Sends `BEGIN` on `conn`.
    pub(crate) async fn begin(conn: PooledConnection) -> Result<Transaction, Error> {
        // Built before BEGIN is sent: if this future is dropped midway, Drop rolls back.
        let tx = Transaction {
            object: Some(conn.object),
            failed: false,
            done: false,
        };
        run_batch(
            Target {
                client: tx.client(),
                failed: None,
            },
            "BEGIN",
        )
        .await?;
        Ok(tx)
    }

    fn client(&self) -> &ClientWrapper {
        match &self.object {
            Some(object) => object,
            // `object` is only taken in Drop; see the field's doc.
            None => unreachable!("a live Transaction always holds its connection"),
        }
    }

    /// Commits. When a statement in the transaction had failed, the server has already
    /// aborted it: this rolls back and returns [`Error::TransactionAborted`].
    pub async fn commit(mut self) -> Result<(), Error> {
        if self.failed {
            self.finish("ROLLBACK").await?;
            return Err(Error::TransactionAborted);
        }
        self.finish("COMMIT").await
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<(), Error> {
        self.finish("ROLLBACK").await
    }

    async fn finish(&mut self, sql: &'static str) -> Result<(), Error> {
        let target = Target {
            client: self.client(),
            failed: None,
        };
        let result = run_batch(target, sql).await;
        // Also on error: a failed COMMIT (a deferred constraint) has ended the transaction,
        // and a lost connection is discarded by the pool's recycle check.
        self.done = true;
        result
    }
}

impl Sealed for Transaction {
    fn target(&mut self, _: Token) -> Target<'_> {
        Target {
            client: match &self.object {
                Some(object) => object,
                None => unreachable!("a live Transaction always holds its connection"),
            },
            failed: Some(&mut self.failed),
        }
    }
}

impl Executor for Transaction {}

impl Drop for Transaction {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Some(object) = self.object.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(rollback_in_background(object));
            }
            // No runtime to send ROLLBACK from: closing the connection rolls back.
            Err(_) => drop(Object::take(object)),
        }
    }
}

/// Sends `ROLLBACK`, then returns the connection to the pool; closes it instead when the
/// rollback fails or the task is cancelled (runtime shutdown) before it finished.
async fn rollback_in_background(object: Object) {
    struct CloseUnlessReleased(Option<Object>);
    impl Drop for CloseUnlessReleased {
        fn drop(&mut self) {
            if let Some(object) = self.0.take() {
                drop(Object::take(object));
            }
        }
    }

    let mut guard = CloseUnlessReleased(Some(object));
    let ok = match &guard.0 {
        Some(object) => {
            let target = Target {
                client: object,
                failed: None,
            };
            run_batch(target, "ROLLBACK").await.is_ok()
        }
        None => false,
    };
    if ok {
        // Back to the pool, clean.
        drop(guard.0.take());
    }
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("failed", &self.failed)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
