//! [`Executor`]: what runs statements and decodes their rows. Query code takes
//! `&mut impl Executor`, so it works on a pooled connection and inside a transaction alike.

use std::future::Future;
use std::time::Instant;

use deadpool_postgres::ClientWrapper;
use orm_core::query::{ReturnsRows, Statement};
use orm_core::row::{FromRow, SqlRow};
use orm_core::types::SqlType;
use orm_core::writer::CompiledSql;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, Type};

use crate::error::Error;

pub(crate) mod sealed {
    use deadpool_postgres::ClientWrapper;

    /// Proof that the caller is this crate: only this crate can build one, so only this
    /// crate can call [`Sealed::target`].
    #[derive(Debug, Clone, Copy)]
    pub struct Token(pub(crate) ());

    /// Where an [`Executor`](super::Executor) sends its statements.
    #[derive(Debug)]
    pub struct Target<'a> {
        pub(crate) client: &'a ClientWrapper,
        /// Inside a transaction: set when a statement fails, since the server then aborts the
        /// whole transaction. `None` outside a transaction.
        pub(crate) failed: Option<&'a mut bool>,
    }

    /// Keeps [`Executor`](super::Executor) implemented only by this crate's types.
    pub trait Sealed {
        /// The connection to run on.
        fn target(&mut self, token: Token) -> Target<'_>;
    }
}

use sealed::{Target, Token};

/// Something statements run on: a [`PooledConnection`](crate::PooledConnection) or a
/// [`Transaction`](crate::Transaction). Sealed: only this crate implements it.
///
/// Every method compiles the statement first, sends its SQL through the connection's
/// prepared statement cache and its values as `$n` parameters, and logs the SQL, the
/// parameter count and the duration at `debug` level (target `mapped::sql`).
///
/// ```no_run
/// # use orm_core::__doc::Account;
/// use orm_core::prelude::*;
/// use orm_runtime::{Database, Error, Executor};
///
/// /// Works on a pooled connection and inside a transaction.
/// async fn overdrawn(ex: &mut impl Executor) -> Result<Vec<Account>, Error> {
///     ex.fetch_all(&select_from::<Account>().filter(Account::BALANCE.lt(0_i64)))
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
    fn fetch_all<R, Q>(&mut self, query: &Q) -> impl Future<Output = Result<Vec<R>, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        let target = self.target(Token(()));
        async move { fetch_all::<R, Q::Selection>(target, &sql?).await }
    }

    /// Runs a query and decodes its first row; [`Error::RowNotFound`] when there is none.
    /// Further rows are read and ignored: add `LIMIT 1` when there can be many.
    fn fetch_one<R, Q>(&mut self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        let target = self.target(Token(()));
        async move { fetch_one::<R, Q::Selection>(target, &sql?).await }
    }

    /// Runs a query and decodes its first row, if any.
    fn fetch_optional<R, Q>(
        &mut self,
        query: &Q,
    ) -> impl Future<Output = Result<Option<R>, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        R: FromRow<Q::Selection>,
    {
        let sql = query.compile();
        let target = self.target(Token(()));
        async move { fetch_optional::<R, Q::Selection>(target, &sql?).await }
    }

    /// [`fetch_one`](Executor::fetch_one) for a query selecting one column (`SELECT count(*)
    /// ..`): the selection must be a single SQL type.
    fn fetch_scalar<R, Q>(&mut self, query: &Q) -> impl Future<Output = Result<R, Error>> + Send
    where
        Q: ReturnsRows + ?Sized,
        Q::Selection: SqlType,
        R: FromRow<Q::Selection>,
    {
        self.fetch_one::<R, Q>(query)
    }

    /// Runs trusted SQL without parameters, possibly several `;`-separated statements, with
    /// the simple query protocol (no prepared statement). Never build `sql` from user input:
    /// values belong in parameters.
    fn execute_sql(&mut self, sql: &str) -> impl Future<Output = Result<(), Error>> + Send {
        let sql = sql.to_owned();
        let target = self.target(Token(()));
        async move { run_batch(target, &sql).await }
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

/// Logs a finished statement: the `echo`.
fn log_statement(sql: &str, params: usize, started: Instant, ok: bool) {
    tracing::debug!(
        target: "mapped::sql",
        sql,
        params,
        elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        ok,
    );
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

/// Runs `op` with the cached prepared statement for `sql`; when the statement went stale,
/// forgets it and, outside a transaction, prepares it again and retries once (inside one,
/// the failure has already aborted the transaction, so retrying cannot help).
async fn with_statement<'c, T, F, Fut>(
    target: Target<'c>,
    sql: &CompiledSql,
    op: F,
) -> Result<T, Error>
where
    F: Fn(&'c ClientWrapper, tokio_postgres::Statement) -> Fut,
    Fut: Future<Output = Result<T, tokio_postgres::Error>>,
{
    let Target { client, failed } = target;
    let started = Instant::now();
    let params = sql.params().len();
    let mut attempt = 0;
    let result = loop {
        attempt += 1;
        let res = match client.prepare_cached(sql.sql()).await {
            Ok(stmt) => op(client, stmt).await,
            Err(e) => Err(e),
        };
        match res {
            Err(e) if is_stale_statement(&e) => {
                client.statement_cache.remove(sql.sql(), &[]);
                if attempt == 1 && failed.is_none() {
                    continue;
                }
                break Err(e);
            }
            other => break other,
        }
    };
    log_statement(sql.sql(), params, started, result.is_ok());
    result.map_err(|e| {
        if let Some(failed) = failed {
            *failed = true;
        }
        Error::from_driver(e, Some(sql.sql()))
    })
}

pub(crate) async fn fetch_all<R: FromRow<S>, S>(
    target: Target<'_>,
    sql: &CompiledSql,
) -> Result<Vec<R>, Error> {
    let rows = run_query(target, sql).await?;
    rows.iter().map(decode_row::<R, S>).collect()
}

pub(crate) async fn fetch_one<R: FromRow<S>, S>(
    target: Target<'_>,
    sql: &CompiledSql,
) -> Result<R, Error> {
    let rows = run_query(target, sql).await?;
    match rows.first() {
        Some(row) => decode_row::<R, S>(row),
        None => Err(Error::RowNotFound),
    }
}

pub(crate) async fn fetch_optional<R: FromRow<S>, S>(
    target: Target<'_>,
    sql: &CompiledSql,
) -> Result<Option<R>, Error> {
    let rows = run_query(target, sql).await?;
    rows.first().map(decode_row::<R, S>).transpose()
}

pub(crate) async fn execute(target: Target<'_>, sql: &CompiledSql) -> Result<u64, Error> {
    let params = sql.params_for_driver();
    let params = &params;
    with_statement(target, sql, move |client, stmt| async move {
        client.execute(&stmt, params).await
    })
    .await
}

async fn run_query(target: Target<'_>, sql: &CompiledSql) -> Result<Vec<Row>, Error> {
    let params = sql.params_for_driver();
    let params = &params;
    with_statement(target, sql, move |client, stmt| async move {
        client.query(&stmt, params).await
    })
    .await
}

pub(crate) async fn run_batch(target: Target<'_>, sql: &str) -> Result<(), Error> {
    let Target { client, failed } = target;
    let started = Instant::now();
    let result = client.batch_execute(sql).await;
    log_statement(sql, 0, started, result.is_ok());
    result.map_err(|e| {
        if let Some(failed) = failed {
            *failed = true;
        }
        Error::from_driver(e, Some(sql))
    })
}

fn decode_row<R: FromRow<S>, S>(row: &Row) -> Result<R, Error> {
    let mut idx = 0;
    R::from_row(&PgRow(row), &mut idx).map_err(Error::Decode)
}

/// A driver row seen through orm-core's [`SqlRow`].
struct PgRow<'r>(&'r Row);

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
