//! [`Transaction`]: `BEGIN` .. `COMMIT` on one pooled connection, rolled back when dropped,
//! and [`Savepoint`]: a nested transaction inside it.

use std::fmt;

use crate::error::Error;
use crate::executor::sealed::{Sealed, Target, Token};
use crate::executor::{Executor, TxState, flush_pending, run_control};
use crate::options::TransactionOptions;
use crate::pool::{Object, PgConn, release};

/// A transaction owning a pooled connection. Run statements in it through [`Executor`];
/// end it with [`commit`](Transaction::commit) or [`rollback`](Transaction::rollback);
/// nest with [`savepoint`](Transaction::savepoint).
///
/// Dropping it without either rolls it back: the connection goes to a background task
/// that cancels a statement still running (a future dropped mid-query, such as a
/// cancelled web request), sends `ROLLBACK`, and only then returns the connection to the
/// pool. Outside a runtime, or when the `ROLLBACK` fails, the connection is closed instead
/// (the server then rolls back), so a pooled connection is never left inside a
/// transaction.
///
/// ```no_run
/// use orm_runtime::{Database, Executor, Error, IsolationLevel, TransactionOptions};
///
/// # async fn run(db: Database) -> Result<(), Error> {
/// let mut tx = db
///     .transaction_with(TransactionOptions::new().isolation(IsolationLevel::RepeatableRead))
///     .await?;
/// tx.execute_sql("UPDATE accounts SET balance = balance - 10 WHERE id = 1").await?;
/// tx.execute_sql("UPDATE accounts SET balance = balance + 10 WHERE id = 2").await?;
/// tx.commit().await?;
/// # Ok(()) }
/// ```
pub struct Transaction<'c> {
    /// `Some` for the whole life of the value: `commit` and `rollback` consume it, and only
    /// `Drop` takes the connection out.
    conn: Option<Conn<'c>>,
    state: TxState,
    /// `COMMIT` or `ROLLBACK` finished: nothing left to undo on drop.
    done: bool,
}

/// The connection a transaction runs on: its own (from the pool), or borrowed from a
/// [`PooledConnection`](crate::PooledConnection).
#[allow(
    clippy::large_enum_variant,
    reason = "one per transaction, moved a handful of times; boxing would add an allocation per BEGIN"
)]
pub(crate) enum Conn<'c> {
    Owned(Object),
    Borrowed(&'c mut Object),
}

impl<'c> Transaction<'c> {
    /// Sends `BEGIN` (with `options`) on the connection.
    pub(crate) async fn begin_on(
        conn: Conn<'c>,
        options: TransactionOptions,
    ) -> Result<Transaction<'c>, Error> {
        // Built before BEGIN is sent: if this future is dropped midway, Drop rolls back.
        let mut tx = Transaction {
            conn: Some(conn),
            state: TxState::default(),
            done: false,
        };
        // What a dropped borrowed transaction left open is rolled back first.
        tx.conn().recover().await?;
        let sql = options.begin_sql();
        let (conn, state) = tx.parts();
        run_control(conn, state, &sql).await?;
        Ok(tx)
    }

    fn conn(&mut self) -> &mut PgConn {
        match &mut self.conn {
            Some(Conn::Owned(object)) => object,
            Some(Conn::Borrowed(object)) => object,
            // `conn` is only taken in Drop; see the field's doc.
            None => unreachable!("a live Transaction always holds its connection"),
        }
    }

    pub(crate) fn parts(&mut self) -> (&mut PgConn, &mut TxState) {
        let conn: &mut PgConn = match &mut self.conn {
            Some(Conn::Owned(object)) => object,
            Some(Conn::Borrowed(object)) => object,
            None => unreachable!("a live Transaction always holds its connection"),
        };
        (conn, &mut self.state)
    }

    /// Commits. When a statement in the transaction had failed (and was not undone by
    /// rolling back a savepoint), the server has already aborted it: this rolls back and
    /// returns [`Error::TransactionAborted`]. When a statement's future was dropped before
    /// its result was read (a timeout around it), the server is asked first whether the
    /// transaction is still alive, so a failure nobody saw never passes for a commit.
    pub async fn commit(mut self) -> Result<(), Error> {
        let ok = self.flush().await.is_ok() && self.check_alive().await;
        if !ok || self.state.failed {
            self.finish("ROLLBACK").await?;
            return Err(Error::TransactionAborted);
        }
        self.finish("COMMIT").await?;
        if self.state.ddl {
            // Other connections may have cached plans between the DDL and its commit.
            self.conn().shared.ddl_ran();
        }
        Ok(())
    }

    /// After a dropped statement: whether the transaction survived it.
    async fn check_alive(&mut self) -> bool {
        let (conn, state) = self.parts();
        if conn.in_flight {
            state.uncertain = true;
        }
        if !state.uncertain {
            return true;
        }
        let alive = run_control(conn, state, "SELECT 1").await.is_ok();
        state.uncertain = false;
        alive
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<(), Error> {
        self.state.pending.clear();
        self.finish("ROLLBACK").await
    }

    /// Opens a savepoint: a nested transaction that can be rolled back alone. See
    /// [`Savepoint`].
    pub async fn savepoint(&mut self) -> Result<Savepoint<'_>, Error> {
        let (conn, state) = self.parts();
        Savepoint::open(conn, state).await
    }

    /// Opens a savepoint the caller tracks by name (the Session's `begin_nested`).
    pub(crate) async fn open_savepoint(&mut self) -> Result<String, Error> {
        let (conn, state) = self.parts();
        let mut sp = Savepoint::open(conn, state).await?;
        // Tracked by the caller from now on: dropping the value must not roll it back.
        sp.done = true;
        Ok(std::mem::take(&mut sp.name))
    }

    /// `RELEASE SAVEPOINT` of a savepoint opened by [`open_savepoint`](Self::open_savepoint);
    /// rolls it back instead (and fails) when a statement inside it failed.
    pub(crate) async fn release_savepoint(&mut self, name: &str) -> Result<(), Error> {
        let (conn, state) = self.parts();
        release_sp(conn, state, name).await
    }

    /// `ROLLBACK TO SAVEPOINT` of a savepoint opened by
    /// [`open_savepoint`](Self::open_savepoint).
    pub(crate) async fn rollback_savepoint(&mut self, name: &str) -> Result<(), Error> {
        let (conn, state) = self.parts();
        undo(conn, state, name).await
    }

    async fn flush(&mut self) -> Result<(), Error> {
        let (conn, state) = self.parts();
        flush_pending(conn, state).await
    }

    async fn finish(&mut self, sql: &'static str) -> Result<(), Error> {
        let (conn, state) = self.parts();
        let result = run_control(conn, state, sql).await;
        // Also on error: a failed COMMIT (a deferred constraint) has ended the transaction,
        // and a lost connection is thrown away by the pool's recycle check.
        self.done = true;
        result
    }
}

impl Sealed for Transaction<'_> {
    fn target(&mut self, _: Token) -> Target<'_> {
        let (conn, state) = self.parts();
        Target {
            conn,
            tx: Some(state),
        }
    }
}

impl Executor for Transaction<'_> {}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        match self.conn.take() {
            Some(Conn::Owned(object)) => release(object, !self.done),
            // The connection stays with its owner: its next statement rolls back first
            // (and the pool does, if it goes back first).
            Some(Conn::Borrowed(object)) if !self.done => object.rollback_pending = true,
            Some(Conn::Borrowed(_)) => {}
            None => {}
        }
    }
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("failed", &self.state.failed)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// A savepoint: a transaction nested in a [`Transaction`] (or in another savepoint), with
/// `SAVEPOINT` / `RELEASE SAVEPOINT` / `ROLLBACK TO SAVEPOINT`.
///
/// [`commit`](Savepoint::commit) keeps its work as part of the enclosing transaction;
/// [`rollback`](Savepoint::rollback) undoes only its work, and the enclosing transaction
/// goes on, even after a statement inside the savepoint failed. Dropped without either,
/// it rolls back: the `ROLLBACK TO SAVEPOINT` is sent before the enclosing transaction's
/// next statement.
///
/// ```no_run
/// use orm_runtime::{Database, Executor, Error};
///
/// # async fn run(db: Database) -> Result<(), Error> {
/// let mut tx = db.transaction().await?;
/// tx.execute_sql("INSERT INTO notes (body) VALUES ('kept')").await?;
/// let mut sp = tx.savepoint().await?;
/// if sp.execute_sql("INSERT INTO notes (body) VALUES (NULL)").await.is_err() {
///     sp.rollback().await?; // only the savepoint's work is undone
/// } else {
///     sp.commit().await?;
/// }
/// tx.commit().await?; // 'kept' is written
/// # Ok(()) }
/// ```
pub struct Savepoint<'t> {
    conn: &'t mut PgConn,
    state: &'t mut TxState,
    name: String,
    done: bool,
}

impl<'t> Savepoint<'t> {
    async fn open(conn: &'t mut PgConn, state: &'t mut TxState) -> Result<Savepoint<'t>, Error> {
        flush_pending(conn, state).await?;
        state.savepoints += 1;
        let name = format!("mapped_sp_{}", state.savepoints);
        let sql = format!("SAVEPOINT {}", orm_core::writer::quote_ident(&name));
        if let Err(e) = run_control(conn, state, &sql).await {
            state.failed = true;
            return Err(e);
        }
        Ok(Savepoint {
            conn,
            state,
            name,
            done: false,
        })
    }

    /// Opens a savepoint inside this one.
    pub async fn savepoint(&mut self) -> Result<Savepoint<'_>, Error> {
        Savepoint::open(self.conn, self.state).await
    }

    /// Releases the savepoint: its work becomes part of the enclosing transaction. When a
    /// statement inside it had failed, this rolls it back instead and returns
    /// [`Error::TransactionAborted`]; the enclosing transaction can go on.
    pub async fn commit(mut self) -> Result<(), Error> {
        self.done = true;
        release_sp(self.conn, self.state, &self.name).await
    }

    /// Rolls back the savepoint's work; the enclosing transaction goes on.
    pub async fn rollback(mut self) -> Result<(), Error> {
        self.done = true;
        undo(self.conn, self.state, &self.name).await
    }
}

async fn release_sp(conn: &mut PgConn, state: &mut TxState, name: &str) -> Result<(), Error> {
    let pending = flush_pending(conn, state).await;
    if pending.is_err() || state.failed {
        undo(conn, state, name).await?;
        return Err(Error::TransactionAborted);
    }
    let sql = format!("RELEASE SAVEPOINT {}", orm_core::writer::quote_ident(name));
    let result = run_control(conn, state, &sql).await;
    if result.is_err() {
        state.failed = true;
    }
    result
}

async fn undo(conn: &mut PgConn, state: &mut TxState, name: &str) -> Result<(), Error> {
    // Savepoints nested in this one were dropped: their pending rollbacks are covered.
    state.pending.clear();
    let sql = rollback_to(name);
    match run_control(conn, state, &sql).await {
        Ok(()) => {
            state.failed = false;
            Ok(())
        }
        Err(e) => {
            state.failed = true;
            Err(e)
        }
    }
}

fn rollback_to(name: &str) -> String {
    let name = orm_core::writer::quote_ident(name);
    format!("ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}")
}

impl Sealed for Savepoint<'_> {
    fn target(&mut self, _: Token) -> Target<'_> {
        Target {
            conn: self.conn,
            tx: Some(self.state),
        }
    }
}

impl Executor for Savepoint<'_> {}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Nested savepoints' pending rollbacks are covered by this one.
            self.state.pending.clear();
            self.state.pending.push(rollback_to(&self.name));
        }
    }
}

impl fmt::Debug for Savepoint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Savepoint")
            .field("name", &self.name)
            .field("failed", &self.state.failed)
            .finish_non_exhaustive()
    }
}
