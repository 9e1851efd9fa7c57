//! The runtime's one error type, [`Error`], with SQLSTATE helpers; everything in
//! `orm-runtime` returns it.
//!
//! Every variant's `Display` tells the whole story (the driver's cause included), and
//! [`std::error::Error::source`] returns `None`: an error reporter that walks the chain never
//! prints a cause twice (sqlx and tokio-postgres used to do both).

use std::fmt;

use orm_core::ddl::DdlError;
use orm_core::query::InvalidStatement;
use orm_core::row::DecodeError;
use tokio_postgres::error::SqlState;

/// Everything that can go wrong talking to PostgreSQL.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server rejected a statement: a constraint violation, a syntax error, a
    /// serialization failure, a missing table... The SQLSTATE and the schema, table, column
    /// and constraint names the server reported are in the [`DbError`].
    Db(Box<DbError>),
    /// A column of a result row did not decode into the Rust type asked for (wrong type,
    /// unexpected NULL, too few columns, invalid bytes); names the column and its index.
    Decode(DecodeError),
    /// `fetch_one` or `fetch_scalar` got no row.
    RowNotFound,
    /// `commit()` was called on a transaction in which a statement had failed: the server
    /// rolled the whole transaction back and nothing was written.
    TransactionAborted,
    /// No connection could be taken from the pool: waiting for a free one, connecting, or
    /// checking a returned one timed out, or the pool was closed.
    Pool(PoolError),
    /// The connection failed or was lost (I/O, protocol), or the driver refused the call
    /// before the server saw it (a parameter that does not encode as the SQL type the server
    /// expects, a wrong number of parameters).
    Connection(DriverError),
    /// Bad configuration: an unparsable URL or DSN, invalid pool options, no PostgreSQL
    /// binaries for the local server.
    Config(String),
    /// The local throwaway server could not be started; the message ends with the tail of
    /// the server's log.
    LocalServer(String),
    /// `create_all` or `drop_all` could not plan the DDL (for example a foreign-key cycle).
    Ddl(DdlError),
    /// The statement cannot be sent as built (for example an UPDATE that sets nothing); it
    /// was refused before reaching the server.
    Statement(InvalidStatement),
}

impl Error {
    /// The server's error, when the server rejected the statement.
    pub fn as_db_error(&self) -> Option<&DbError> {
        match self {
            Error::Db(e) => Some(e),
            _ => None,
        }
    }

    /// The SQLSTATE code, when the server rejected the statement.
    pub fn code(&self) -> Option<&SqlState> {
        self.as_db_error().map(DbError::code)
    }

    /// The constraint the server named (unique, foreign key, check, exclusion violations).
    pub fn constraint(&self) -> Option<&str> {
        self.as_db_error().and_then(DbError::constraint)
    }

    /// SQLSTATE `23505`: a UNIQUE or PRIMARY KEY constraint was violated.
    pub fn is_unique_violation(&self) -> bool {
        self.code() == Some(&SqlState::UNIQUE_VIOLATION)
    }

    /// SQLSTATE `23503`: a FOREIGN KEY constraint was violated.
    pub fn is_foreign_key_violation(&self) -> bool {
        self.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION)
    }

    /// SQLSTATE `23502`: NULL written into a NOT NULL column.
    pub fn is_not_null_violation(&self) -> bool {
        self.code() == Some(&SqlState::NOT_NULL_VIOLATION)
    }

    /// SQLSTATE `23514`: a CHECK constraint was violated.
    pub fn is_check_violation(&self) -> bool {
        self.code() == Some(&SqlState::CHECK_VIOLATION)
    }

    /// SQLSTATE `40001`: a serializable (or repeatable read) transaction lost a conflict;
    /// retrying the whole transaction is the cure.
    pub fn is_serialization_failure(&self) -> bool {
        self.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
    }

    /// SQLSTATE `40P01`: the server broke a deadlock by aborting this transaction; retrying
    /// the whole transaction is the cure.
    pub fn is_deadlock(&self) -> bool {
        self.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
    }

    /// Wraps a driver error; `sql` is the statement that was running, if any.
    pub(crate) fn from_driver(e: tokio_postgres::Error, sql: Option<&str>) -> Error {
        match e.as_db_error() {
            Some(db) => Error::Db(Box::new(DbError::new(db, sql))),
            None => Error::Connection(DriverError {
                inner: e,
                sql: sql.map(str::to_owned),
            }),
        }
    }

    /// Wraps a pool error.
    pub(crate) fn from_pool(e: deadpool_postgres::PoolError) -> Error {
        use deadpool_postgres::{PoolError as P, TimeoutType};
        let kind = match e {
            P::Backend(e) => return Error::from_driver(e, None),
            P::Timeout(TimeoutType::Wait) => PoolErrorKind::WaitTimeout,
            P::Timeout(TimeoutType::Create) => PoolErrorKind::CreateTimeout,
            P::Timeout(TimeoutType::Recycle) => PoolErrorKind::RecycleTimeout,
            P::Closed => PoolErrorKind::Closed,
            P::NoRuntimeSpecified => PoolErrorKind::Other("no async runtime configured".into()),
            P::PostCreateHook(e) => PoolErrorKind::Other(e.to_string()),
        };
        Error::Pool(PoolError { kind })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Db(e) => fmt::Display::fmt(e, f),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::RowNotFound => f.write_str("the query returned no rows, one was expected"),
            Error::TransactionAborted => f.write_str(
                "the transaction was rolled back, not committed: a statement in it had failed",
            ),
            Error::Pool(e) => fmt::Display::fmt(e, f),
            Error::Connection(e) => fmt::Display::fmt(e, f),
            Error::Config(msg) => write!(f, "invalid configuration: {msg}"),
            Error::LocalServer(msg) => write!(f, "the local PostgreSQL server failed: {msg}"),
            Error::Ddl(e) => write!(f, "cannot plan the DDL: {e}"),
            Error::Statement(e) => write!(f, "invalid statement: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl From<InvalidStatement> for Error {
    fn from(e: InvalidStatement) -> Self {
        Error::Statement(e)
    }
}

impl From<DdlError> for Error {
    fn from(e: DdlError) -> Self {
        Error::Ddl(e)
    }
}

/// What the server reported when it rejected a statement (its `ErrorResponse`), plus the
/// statement's SQL.
#[derive(Debug, Clone)]
pub struct DbError {
    code: SqlState,
    severity: String,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
    position: Option<u32>,
    schema: Option<String>,
    table: Option<String>,
    column: Option<String>,
    datatype: Option<String>,
    constraint: Option<String>,
    sql: Option<String>,
}

impl DbError {
    fn new(e: &tokio_postgres::error::DbError, sql: Option<&str>) -> DbError {
        let own = |s: Option<&str>| s.map(str::to_owned);
        DbError {
            code: e.code().clone(),
            severity: e.severity().to_owned(),
            message: e.message().to_owned(),
            detail: own(e.detail()),
            hint: own(e.hint()),
            position: match e.position() {
                Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
                _ => None,
            },
            schema: own(e.schema()),
            table: own(e.table()),
            column: own(e.column()),
            datatype: own(e.datatype()),
            constraint: own(e.constraint()),
            sql: own(sql),
        }
    }

    /// The SQLSTATE code (`23505` is [`SqlState::UNIQUE_VIOLATION`]).
    pub fn code(&self) -> &SqlState {
        &self.code
    }

    /// `ERROR`, `FATAL` or `PANIC` (localized when the server's `lc_messages` is).
    pub fn severity(&self) -> &str {
        &self.severity
    }

    /// The primary message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's `DETAIL` line, e.g. `Key (email)=(a@b.c) already exists.`
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The server's `HINT` line.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// 1-based character position of the error in the statement's SQL.
    pub fn position(&self) -> Option<u32> {
        self.position
    }

    /// Schema of the object involved.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Table involved (constraint violations name it).
    pub fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }

    /// Column involved (NOT NULL violations name it).
    pub fn column(&self) -> Option<&str> {
        self.column.as_deref()
    }

    /// Data type involved (domain constraint violations name it).
    pub fn datatype(&self) -> Option<&str> {
        self.datatype.as_deref()
    }

    /// Constraint involved (unique, foreign key, check and exclusion violations name it).
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    /// The SQL of the statement the server rejected, with `$n` placeholders (never values).
    pub fn sql(&self) -> Option<&str> {
        self.sql.as_deref()
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (SQLSTATE {})",
            self.severity,
            self.message,
            self.code.code()
        )?;
        if let Some(detail) = &self.detail {
            write!(f, "\nDETAIL: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nHINT: {hint}")?;
        }
        // Where it happened, as the server reported it.
        let mut at = Vec::new();
        if let Some(table) = &self.table {
            at.push(match &self.schema {
                Some(schema) => format!("table {schema}.{table}"),
                None => format!("table {table}"),
            });
        }
        if let Some(column) = &self.column {
            at.push(format!("column {column}"));
        }
        if let Some(constraint) = &self.constraint {
            at.push(format!("constraint {constraint}"));
        }
        if !at.is_empty() {
            write!(f, "\nAT: {}", at.join(", "))?;
        }
        if let Some(sql) = &self.sql {
            write!(f, "\nSQL: {sql}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}

/// The driver failed outside the server: see [`Error::Connection`].
#[derive(Debug)]
pub struct DriverError {
    inner: tokio_postgres::Error,
    sql: Option<String>,
}

impl DriverError {
    /// Whether the connection is closed (lost, or shut down by the server).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The SQL of the statement that was running, if any.
    pub fn sql(&self) -> Option<&str> {
        self.sql.as_deref()
    }

    /// The driver's own error, for inspection (`source()` chain, I/O cause).
    pub fn as_driver_error(&self) -> &tokio_postgres::Error {
        &self.inner
    }
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The driver's Display leaves the cause out; ours has no source(), so print the chain.
        f.write_str(&display_chain(&self.inner))
    }
}

/// `error: cause: cause's cause`.
pub(crate) fn display_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(e) = cause {
        out.push_str(": ");
        out.push_str(&e.to_string());
        cause = e.source();
    }
    out
}

impl std::error::Error for DriverError {}

/// No connection could be taken from the pool: see [`Error::Pool`].
#[derive(Debug)]
pub struct PoolError {
    kind: PoolErrorKind,
}

#[derive(Debug)]
enum PoolErrorKind {
    WaitTimeout,
    CreateTimeout,
    RecycleTimeout,
    Closed,
    Other(String),
}

impl PoolError {
    /// Whether a timeout (waiting, connecting or recycling) caused it.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            PoolErrorKind::WaitTimeout
                | PoolErrorKind::CreateTimeout
                | PoolErrorKind::RecycleTimeout
        )
    }
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PoolErrorKind::WaitTimeout => f.write_str(
                "timed out waiting for a free connection in the pool (all are in use; see DatabaseOptions::max_size and wait_timeout)",
            ),
            PoolErrorKind::CreateTimeout => {
                f.write_str("timed out connecting to the server (DatabaseOptions::connect_timeout)")
            }
            PoolErrorKind::RecycleTimeout => {
                f.write_str("timed out checking a pooled connection before reuse")
            }
            PoolErrorKind::Closed => f.write_str("the connection pool is closed"),
            PoolErrorKind::Other(msg) => write!(f, "connection pool: {msg}"),
        }
    }
}

impl std::error::Error for PoolError {}
