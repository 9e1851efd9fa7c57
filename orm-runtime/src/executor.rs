//! [`Executor`]: what runs statements and decodes their rows. Query code takes
//! `&mut impl Executor`, so it works on a pooled connection, inside a transaction and inside
//! a savepoint alike.

use std::future::Future;
use std::time::Instant;

use orm_core::query::{ReturnsRows, Statement};
use orm_core::row::{FromRow, SqlRow};
use orm_core::types::SqlType;
use orm_core::writer::CompiledSql;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, ToSql, Type};

use crate::error::Error;
use crate::pool::{PgConn, SqlKind};

pub(crate) mod sealed {
    use crate::pool::PgConn;

    /// Proof that the caller is this crate: only this crate can build one, so only this
    /// crate can call [`Sealed::target`].
    #[derive(Debug, Clone, Copy)]
    pub struct Token(pub(crate) ());

    /// Where an [`Executor`](super::Executor) sends its statements.
    pub struct Target<'a> {
        pub(crate) conn: &'a mut PgConn,
        /// Inside a transaction: its state. `None` outside one.
        pub(crate) tx: Option<&'a mut super::TxState>,
    }

    impl std::fmt::Debug for Target<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Target")
                .field("tx", &self.tx)
                .finish_non_exhaustive()
        }
    }

    /// Keeps [`Executor`](super::Executor) implemented only by this crate's types.
    pub trait Sealed {
        /// The connection to run on.
        fn target(&mut self, token: Token) -> Target<'_>;
    }
}

use sealed::{Target, Token};

/// The state of an open transaction, shared by its savepoints.
#[derive(Debug, Default)]
pub(crate) struct TxState {
    /// A statement failed, so the server has aborted the transaction (until a `ROLLBACK TO
    /// SAVEPOINT`).
    pub(crate) failed: bool,
    /// SQL to send before the next statement: the `ROLLBACK TO SAVEPOINT` of a savepoint
    /// that was dropped without commit or rollback.
    pub(crate) pending: Vec<String>,
    /// Savepoints opened so far (for unique names).
    pub(crate) savepoints: u32,
    /// Cursors opened so far (for unique names).
    pub(crate) cursors: u32,
    /// A statement's future was dropped before its result was read: whether it failed (and
    /// so aborted the transaction) is unknown until the server is asked.
    pub(crate) uncertain: bool,
    /// DDL ran in the transaction: its commit makes other connections' cached statements
    /// stale.
    pub(crate) ddl: bool,
}

/// Something statements run on: a [`PooledConnection`](crate::PooledConnection), a
/// [`Transaction`](crate::Transaction) or a [`Savepoint`](crate::Savepoint). Sealed: only
/// this crate implements it.
///
/// Every method compiles the statement first, sends its SQL through the connection's
/// prepared statement cache and its values as `$n` parameters, and logs the SQL, the
/// parameter count, the row count and the duration (see [`DatabaseOptions::echo`](crate::DatabaseOptions::echo)).
///
/// ```no_run
/// # use orm_core::__doc::Account;
/// use orm_core::prelude::*;
/// use orm_runtime::{Database, Error, Executor};
///
/// /// Works on a pooled connection and inside a transaction.
/// async fn overdrawn(ex: &mut impl Executor) -> Result<Vec<Account>, Error> {
///     ex.query(&select_from::<Account>().filter(Account::BALANCE.lt(0_i64)))
///         .await
/// }
///
/// # async fn run(db: Database) -> Result<(), Error> {
/// let mut conn = db.connection().await?;
/// let now = overdrawn(&mut conn).await?;
/// let mut tx = db.transaction().await?;
/// let in_tx = overdrawn(&mut tx).await?;
/// tx.commit().await?;
/// # Ok(()) }
/// ```
pub trait Executor: sealed::Sealed + Send {
    /// Runs a statement and returns the number of rows it affected (for a SELECT, the number
    /// of rows it returned).
    fn execute<S>(&mut self, statement: &S) -> impl Future<Output = Result<u64, Error>> + Send
    where
        S: Statement + ?Sized,
    {
        let sql = statement.compile();
        let target = self.target(Token(()));
        async move { execute(target, &sql?).await }
    }

    /// Runs a query and decodes every row into `R`.
    fn query<R, Q>(&mut self, query: &Q) -> impl Future<Output = Result<Vec<R>, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        let target = self.target(Token(()));
        async move { all_rows::<R, Q::Selection>(target, &sql?).await }
    }

    /// Runs a query and decodes its first row; [`Error::RowNotFound`] when there is none.
    /// Further rows are not read into memory: the first row is decoded as soon as it
    /// arrives and the rest is discarded as the server sends it.
    fn query_one<R, Q>(&mut self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        let target = self.target(Token(()));
        async move { one_row::<R, Q::Selection>(target, &sql?).await }
    }

    /// Runs a query and decodes its first row, if any (see [`query_one`](Executor::query_one)).
    fn query_opt<R, Q>(
        &mut self,
        query: &Q,
    ) -> impl Future<Output = Result<Option<R>, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        let target = self.target(Token(()));
        async move { opt_row::<R, Q::Selection>(target, &sql?).await }
    }

    /// [`query_one`](Executor::query_one) for a query selecting one column (`SELECT count(*)
    /// ..`): the selection must be a single SQL type.
    fn query_scalar<R, Q>(&mut self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        Q::Selection: SqlType,
        R: FromRow<Q::Selection>,
    {
        self.query_one::<R, Q>(query)
    }

    /// Streams a query's rows through a server-side cursor (`DECLARE .. NO SCROLL CURSOR`,
    /// then `FETCH FORWARD batch_size` per round trip), decoding each batch as it arrives:
    /// memory holds one batch however many rows the query returns. See
    /// [`Database::stream`](crate::Database::stream) for a stream that takes its own
    /// connection.
    ///
    /// A cursor needs a transaction: inside a [`Transaction`](crate::Transaction) or
    /// [`Savepoint`](crate::Savepoint) it lives in that transaction (a stream dropped early
    /// leaves it open until the transaction ends); on a plain connection the stream begins
    /// a transaction of its own, commits it when the rows run out, and rolls it back
    /// before the connection's next statement when dropped early.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use orm_core::query::raw_query;
    /// use orm_core::types::Int8;
    /// use orm_runtime::{Database, Error, Executor};
    ///
    /// # async fn run(db: Database) -> Result<(), Error> {
    /// let mut tx = db.transaction().await?;
    /// let big = raw_query::<Int8>("SELECT g FROM generate_series(1, 10000000) g");
    /// let mut rows = std::pin::pin!(tx.stream::<i64, _>(&big, 10_000));
    /// let mut sum = 0;
    /// while let Some(n) = rows.try_next().await? {
    ///     sum += n;
    /// }
    /// # Ok(()) }
    /// ```
    fn stream<R, Q>(
        &mut self,
        query: &Q,
        batch_size: u32,
    ) -> impl futures_core::Stream<Item = Result<R, Error>> + Send + '_
    where
        Q: orm_core::query::CursorQuery + ?Sized,
        Q::Selection: 'static,
        R: FromRow<Q::Selection> + Send + 'static,
    {
        crate::stream::stream_on(self.target(Token(())), query.compile(), batch_size)
    }

    /// Runs trusted SQL without parameters, possibly several `;`-separated statements, with
    /// the simple query protocol (no prepared statement). Never build `sql` from user input:
    /// values belong in parameters.
    ///
    /// When the SQL may be DDL (it mentions `CREATE`, `ALTER`, `DROP`, ..), every
    /// connection of the pool forgets its prepared statements before its next statement,
    /// since their result types may have changed.
    fn execute_sql(&mut self, sql: &str) -> impl Future<Output = Result<(), Error>> + Send {
        let sql = sql.to_owned();
        let target = self.target(Token(()));
        async move { run_batch(target, &sql).await }
    }

    /// Sends a notification on `channel` (`SELECT pg_notify($1, $2)`, both bound). Inside
    /// a transaction it is delivered when the transaction commits, and not at all when it
    /// rolls back.
    fn notify(
        &mut self,
        channel: &str,
        payload: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let query = orm_core::query::raw_query::<()>("SELECT pg_notify(")
            .bind(channel.to_owned())
            .sql(", ")
            .bind(payload.to_owned())
            .sql(")");
        let sql = Statement::compile(&query);
        let target = self.target(Token(()));
        async move { execute(target, &sql?).await.map(drop) }
    }

    /// Creates the tables on this connection or in this transaction, in the order of
    /// `orm_core::ddl::create_all` (extensions, sequences, tables by foreign keys, indexes,
    /// comments). Unlike [`Database::create_all`](crate::Database::create_all) everything runs
    /// here: temporary tables stay visible to this session, and inside a transaction a
    /// `CONCURRENTLY` index is refused by the server.
    fn create_all(
        &mut self,
        tables: &[&'static orm_core::metadata::TableDef],
        checkfirst: bool,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let plan = orm_core::ddl::create_all(tables, checkfirst);
        async move {
            for statement in plan? {
                self.execute_sql(&statement.sql).await?;
            }
            Ok(())
        }
    }

    /// Drops the tables here, in the order of `orm_core::ddl::drop_all`; see
    /// [`Executor::create_all`].
    fn drop_all(
        &mut self,
        tables: &[&'static orm_core::metadata::TableDef],
        checkfirst: bool,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let plan = orm_core::ddl::drop_all(tables, checkfirst);
        async move {
            for statement in plan? {
                self.execute_sql(&statement.sql).await?;
            }
            Ok(())
        }
    }
}

/// Logs a finished statement: the `echo`. `rows` is the number of rows returned or
/// affected, when known.
pub(crate) fn log_statement(
    conn: &PgConn,
    sql: &str,
    params: &[orm_core::value::Param],
    rows: Option<u64>,
    started: Instant,
    ok: bool,
) {
    let options = &conn.shared.options;
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let n = params.len();
    macro_rules! emit {
        ($level:ident) => {
            if options.log_values {
                tracing::$level!(target: "mapped::sql", sql, params = n, values = ?params, rows, elapsed_us, ok);
            } else {
                tracing::$level!(target: "mapped::sql", sql, params = n, rows, elapsed_us, ok);
            }
        };
    }
    if options.echo {
        emit!(info);
    } else {
        emit!(debug);
    }
}

/// A prepared statement went stale: a cached plan whose result columns changed after DDL
/// (`0A000 cached plan must not change result type`, raised by the server's
/// `RevalidateCachedQuery`; the routine name is checked because the message may be
/// translated), or a statement that no longer exists on the server (`26000`).
fn is_stale_statement(e: &tokio_postgres::Error) -> bool {
    match e.as_db_error() {
        Some(db) => {
            (db.code() == &SqlState::FEATURE_NOT_SUPPORTED
                && (db.routine() == Some("RevalidateCachedQuery")
                    || db
                        .message()
                        .contains("cached plan must not change result type")))
                || db.code() == &SqlState::INVALID_SQL_STATEMENT_NAME
        }
        None => false,
    }
}

/// What to do with a prepared statement.
#[derive(Clone, Copy)]
enum Mode {
    Execute,
    All,
    First,
}

/// What it gave.
enum Outcome {
    Count(u64),
    Rows(Vec<Row>),
    Row(Option<Row>),
}

impl Outcome {
    fn rows(&self) -> u64 {
        match self {
            Outcome::Count(n) => *n,
            Outcome::Rows(rows) => rows.len() as u64,
            Outcome::Row(row) => u64::from(row.is_some()),
        }
    }
}

/// Sends the SQL a dropped savepoint left to run (its `ROLLBACK TO SAVEPOINT`).
pub(crate) async fn flush_pending(conn: &mut PgConn, tx: &mut TxState) -> Result<(), Error> {
    if tx.pending.is_empty() {
        return Ok(());
    }
    let sql = tx.pending.join("; ");
    tx.pending.clear();
    let started = Instant::now();
    let result = conn.client.batch_execute(&sql).await;
    log_statement(conn, &sql, &[], None, started, result.is_ok());
    match result {
        // Rolled back to the savepoint: whatever failed inside it is undone.
        Ok(()) => {
            tx.failed = false;
            Ok(())
        }
        Err(e) => {
            tx.failed = true;
            Err(Error::from_driver(e, Some(&sql)))
        }
    }
}

/// Prepares a statement's run: sends what a dropped savepoint or borrowed transaction left
/// pending, and notes whether an earlier statement's future was dropped mid-flight (inside a
/// transaction its outcome is then unknown: see [`TxState::uncertain`]).
pub(crate) async fn before(conn: &mut PgConn, tx: Option<&mut TxState>) -> Result<(), Error> {
    match tx {
        Some(tx) => {
            flush_pending(conn, tx).await?;
            if conn.begin_op() {
                tx.uncertain = true;
            }
        }
        None => {
            conn.recover().await?;
            conn.begin_op();
        }
    }
    Ok(())
}

/// Records what a finished statement did to the connection's state and wraps its error:
/// DDL invalidates every connection's cached statements (again at `COMMIT` when in a
/// transaction); `BEGIN` outside one leaves a transaction to roll back; a failure the
/// server saw aborts the transaction (an encoding failure never reached it).
pub(crate) fn after<T>(
    conn: &mut PgConn,
    tx: Option<&mut TxState>,
    kind: SqlKind,
    sql: &str,
    result: Result<T, tokio_postgres::Error>,
) -> Result<T, Error> {
    conn.end_op();
    match result {
        Ok(value) => {
            if kind.ddl {
                conn.shared.ddl_ran();
            }
            match tx {
                Some(tx) => tx.ddl |= kind.ddl,
                None => conn.maybe_in_transaction |= kind.begins,
            }
            Ok(value)
        }
        Err(e) => {
            let e = Error::from_driver(e, Some(sql));
            if let Some(tx) = tx
                && matches!(e, Error::Db(_) | Error::ConnectionLost(_))
            {
                tx.failed = true;
            }
            Err(e)
        }
    }
}

/// Runs `sql` with its cached prepared statement; when the statement went stale, forgets
/// it and, outside a transaction, prepares it again and retries once (inside one, the
/// failure has already aborted the transaction, so retrying cannot help).
async fn run(target: Target<'_>, sql: &CompiledSql, mode: Mode) -> Result<Outcome, Error> {
    let Target { conn, mut tx } = target;
    before(conn, tx.as_deref_mut()).await?;
    let started = Instant::now();
    let params = sql.params_for_driver();
    let mut attempt = 0;
    let mut kind = SqlKind::default();
    let result = loop {
        attempt += 1;
        let res = match conn.statement(sql.sql()).await {
            Ok((stmt, k)) => {
                kind = k;
                run_prepared(&conn.client, &stmt, &params, mode).await
            }
            Err(e) => Err(e),
        };
        match res {
            Err(e) if is_stale_statement(&e) => {
                conn.forget_statement(sql.sql());
                if attempt == 1 && tx.is_none() {
                    continue;
                }
                break Err(e);
            }
            other => break other,
        }
    };
    log_statement(
        conn,
        sql.sql(),
        sql.params(),
        result.as_ref().ok().map(Outcome::rows),
        started,
        result.is_ok(),
    );
    after(conn, tx, kind, sql.sql(), result)
}

async fn run_prepared(
    client: &tokio_postgres::Client,
    stmt: &tokio_postgres::Statement,
    params: &[&(dyn ToSql + Sync)],
    mode: Mode,
) -> Result<Outcome, tokio_postgres::Error> {
    match mode {
        Mode::Execute => client.execute(stmt, params).await.map(Outcome::Count),
        Mode::All => client.query(stmt, params).await.map(Outcome::Rows),
        Mode::First => {
            use futures_util::TryStreamExt;
            let stream = client
                .query_raw(stmt, params.iter().map(|p| *p as &dyn ToSql))
                .await?;
            let mut stream = std::pin::pin!(stream);
            let first = stream.try_next().await?;
            // The rest is read to the end without being kept or decoded: an error after
            // the first row (a division by zero in row 2, a serialization failure) must
            // not pass for success, and it aborts the statement's work.
            if first.is_some() {
                while stream.try_next().await?.is_some() {}
            }
            Ok(Outcome::Row(first))
        }
    }
}

/// Runs `sql` and returns the driver's rows undecoded (the Session decodes them into the
/// objects they belong to).
pub(crate) async fn raw_rows(target: Target<'_>, sql: &CompiledSql) -> Result<Vec<Row>, Error> {
    match run(target, sql, Mode::All).await? {
        Outcome::Rows(rows) => Ok(rows),
        _ => Ok(Vec::new()),
    }
}

pub(crate) async fn all_rows<R: FromRow<S>, S>(
    target: Target<'_>,
    sql: &CompiledSql,
) -> Result<Vec<R>, Error> {
    match run(target, sql, Mode::All).await? {
        Outcome::Rows(rows) => rows.iter().map(decode_row::<R, S>).collect(),
        _ => Ok(Vec::new()),
    }
}

pub(crate) async fn one_row<R: FromRow<S>, S>(
    target: Target<'_>,
    sql: &CompiledSql,
) -> Result<R, Error> {
    match opt_row::<R, S>(target, sql).await? {
        Some(row) => Ok(row),
        None => Err(Error::RowNotFound),
    }
}

pub(crate) async fn opt_row<R: FromRow<S>, S>(
    target: Target<'_>,
    sql: &CompiledSql,
) -> Result<Option<R>, Error> {
    match run(target, sql, Mode::First).await? {
        Outcome::Row(row) => row.as_ref().map(decode_row::<R, S>).transpose(),
        _ => Ok(None),
    }
}

pub(crate) async fn execute(target: Target<'_>, sql: &CompiledSql) -> Result<u64, Error> {
    match run(target, sql, Mode::Execute).await? {
        Outcome::Count(n) => Ok(n),
        other => Ok(other.rows()),
    }
}

/// Runs a transaction-control statement (`BEGIN`, `COMMIT`, `SAVEPOINT`, ..).
pub(crate) async fn run_control(
    conn: &mut PgConn,
    state: &mut TxState,
    sql: &str,
) -> Result<(), Error> {
    let started = Instant::now();
    if conn.begin_op() {
        state.uncertain = true;
    }
    let result = conn.client.batch_execute(sql).await;
    conn.end_op();
    log_statement(conn, sql, &[], None, started, result.is_ok());
    result.map_err(|e| Error::from_driver(e, Some(sql)))
}

/// Runs trusted SQL with the simple query protocol.
pub(crate) async fn run_batch(target: Target<'_>, sql: &str) -> Result<(), Error> {
    let Target { conn, mut tx } = target;
    before(conn, tx.as_deref_mut()).await?;
    let started = Instant::now();
    let result = conn.client.batch_execute(sql).await;
    log_statement(conn, sql, &[], None, started, result.is_ok());
    after(conn, tx, SqlKind::of(sql), sql, result)
}

pub(crate) fn decode_row<R: FromRow<S>, S>(row: &Row) -> Result<R, Error> {
    let mut idx = 0;
    R::from_row(&PgRow(row), &mut idx).map_err(Error::Decode)
}

/// A driver row seen through orm-core's [`SqlRow`].
pub(crate) struct PgRow<'r>(pub(crate) &'r Row);

/// The type reported for a column index past the end (never read: `decode` checks the
/// length first).
static UNKNOWN: Type = Type::UNKNOWN;

impl SqlRow for PgRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn name(&self, idx: usize) -> &str {
        self.0.columns().get(idx).map_or("", |c| c.name())
    }

    fn sql_type(&self, idx: usize) -> &Type {
        self.0.columns().get(idx).map_or(&UNKNOWN, |c| c.type_())
    }

    fn raw(&self, idx: usize) -> Option<&[u8]> {
        self.0
            .try_get::<_, RawValue<'_>>(idx)
            .ok()
            .and_then(|v| v.0)
    }
}

/// Any column's bytes, undecoded: accepts every type, `None` for NULL.
struct RawValue<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for RawValue<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawValue(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawValue(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
