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
    /// `query_one` or `query_scalar` got no row.
    RowNotFound,
    /// `commit()` was called on a transaction in which a statement had failed: the server
    /// rolled the whole transaction back and nothing was written.
    TransactionAborted,
    /// No connection could be taken from the pool: waiting for a free one, connecting, or
    /// checking a returned one timed out, or the pool was closed.
    Pool(PoolError),
    /// The driver failed outside the server: a protocol error, a wrong number of
    /// parameters, TLS negotiation, or a connection that could not be opened.
    Connection(DriverError),
    /// The connection was lost while in use: the socket closed, an I/O error, or the server
    /// ended the session (`pg_terminate_backend`, shutdown: SQLSTATE class `57P0x`, or a
    /// connection exception, class `08`). Whatever was not committed was rolled back by the
    /// server; the pool throws the connection away and opens a new one for the next user.
    ConnectionLost(DriverError),
    /// A bound value could not be encoded as the SQL type the server expects for its
    /// parameter (`$n`); the statement was not run.
    Encode(EncodeError),
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
    /// A Session flush found rows that no longer match what the session loaded (a `version`
    /// column that moved on, or a row that is gone): someone else changed or deleted them.
    /// The flush, and the session's transaction, were rolled back.
    StaleData(StaleData),
    /// The Session cannot do what was asked in its current state (an object of another
    /// session, a flush that needs `rollback()` first, a foreign-key cycle between pending
    /// rows); nothing was sent.
    Session(String),
}

/// The rows a Session flush expected and did not find; see [`Error::StaleData`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StaleData {
    /// The table, as `"schema"."name"` or `"name"`.
    pub table: String,
    /// `UPDATE` or `DELETE` (a flush), or `merge` (a copy older than the loaded row).
    pub operation: &'static str,
    /// Keys (their `Debug` text) whose row exists but was changed by someone else (its
    /// `version` moved on).
    pub changed: Vec<String>,
    /// Keys (their `Debug` text) whose row was deleted by someone else.
    pub deleted: Vec<String>,
}

impl fmt::Display for StaleData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stale data: {} on {} matched {} fewer row(s) than expected",
            self.operation,
            self.table,
            self.changed.len() + self.deleted.len()
        )?;
        if !self.changed.is_empty() {
            write!(
                f,
                "; changed by someone else: key {}",
                self.changed.join(", ")
            )?;
        }
        if !self.deleted.is_empty() {
            write!(
                f,
                "; deleted by someone else: key {}",
                self.deleted.join(", ")
            )?;
        }
        f.write_str("; the flush was rolled back")
    }
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

    /// Whether a Session flush hit rows changed or deleted by someone else (see
    /// [`Error::StaleData`]).
    pub fn is_stale_data(&self) -> bool {
        matches!(self, Error::StaleData(_))
    }

    /// Whether the connection was lost (see [`Error::ConnectionLost`]).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::ConnectionLost(_))
    }

    /// Whether waiting for or opening a pooled connection timed out.
    pub fn is_pool_timeout(&self) -> bool {
        matches!(self, Error::Pool(e) if e.is_timeout())
    }

    /// Wraps a failure to open a connection: the server's refusal (a wrong password, a
    /// missing database) is [`Error::Db`], anything else (refused, unreachable, TLS) is
    /// [`Error::Connection`], never [`Error::ConnectionLost`].
    pub(crate) fn from_connect(e: tokio_postgres::Error) -> Error {
        match e.as_db_error() {
            Some(db) => Error::Db(Box::new(DbError::new(db, None))),
            None => Error::Connection(DriverError {
                inner: e,
                sql: None,
            }),
        }
    }

    /// Wraps a driver error; `sql` is the statement that was running, if any.
    pub(crate) fn from_driver(e: tokio_postgres::Error, sql: Option<&str>) -> Error {
        let sql_owned = sql.map(str::to_owned);
        if let Some(param) = encode_failure(&e) {
            return Error::Encode(EncodeError {
                param,
                inner: e,
                sql: sql_owned,
            });
        }
        match e.as_db_error() {
            Some(db) if is_connection_loss(db.code()) => Error::ConnectionLost(DriverError {
                inner: e,
                sql: sql_owned,
            }),
            Some(db) => Error::Db(Box::new(DbError::new(db, sql))),
            None if e.is_closed() || is_io(&e) => Error::ConnectionLost(DriverError {
                inner: e,
                sql: sql_owned,
            }),
            None => Error::Connection(DriverError {
                inner: e,
                sql: sql_owned,
            }),
        }
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
            Error::ConnectionLost(e) => write!(f, "the connection to the server was lost: {e}"),
            Error::Encode(e) => fmt::Display::fmt(e, f),
            Error::Config(msg) => write!(f, "invalid configuration: {msg}"),
            Error::LocalServer(msg) => write!(f, "the local PostgreSQL server failed: {msg}"),
            Error::Ddl(e) => write!(f, "cannot plan the DDL: {e}"),
            Error::Statement(e) => write!(f, "invalid statement: {e}"),
            Error::StaleData(e) => fmt::Display::fmt(e, f),
            Error::Session(msg) => write!(f, "session: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<tokio_postgres::Error> for Error {
    /// For hooks and code that uses the raw client: the driver's error, classified like the
    /// runtime's own.
    fn from(e: tokio_postgres::Error) -> Self {
        Error::from_driver(e, None)
    }
}

/// SQLSTATEs that mean the session is over: class 08 (connection exception), the 57P0x
/// operator interventions (admin/crash shutdown, cannot connect now, database dropped,
/// idle session timeout) and 25P03 (idle-in-transaction timeout).
fn is_connection_loss(code: &SqlState) -> bool {
    let code = code.code();
    code.starts_with("08")
        || matches!(
            code,
            "57P01" | "57P02" | "57P03" | "57P04" | "57P05" | "25P03"
        )
}

/// An I/O failure underneath the driver error.
fn is_io(e: &tokio_postgres::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// The 1-based parameter number when the driver failed to encode a parameter. The driver
/// does not expose the kind; its message does (`error serializing parameter 2`, 0-based).
fn encode_failure(e: &tokio_postgres::Error) -> Option<usize> {
    let text = e.to_string();
    let rest = text.strip_prefix("error serializing parameter ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<usize>().ok().map(|i| i + 1)
}

/// A bound value that did not encode: see [`Error::Encode`].
#[derive(Debug)]
pub struct EncodeError {
    param: usize,
    inner: tokio_postgres::Error,
    sql: Option<String>,
}

impl EncodeError {
    /// The parameter's number, as in `$n` (1-based).
    pub fn param(&self) -> usize {
        self.param
    }

    /// The statement's SQL.
    pub fn sql(&self) -> Option<&str> {
        self.sql.as_deref()
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cause = std::error::Error::source(&self.inner)
            .map(display_chain)
            .unwrap_or_default();
        write!(
            f,
            "the value bound to ${} cannot be sent as the type the server expects: {cause}",
            self.param
        )?;
        if let Some(sql) = &self.sql {
            write!(f, "\nSQL: {sql}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EncodeError {}

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
    pub(crate) fn wait_timeout() -> Self {
        PoolError {
            kind: PoolErrorKind::WaitTimeout,
        }
    }

    pub(crate) fn create_timeout() -> Self {
        PoolError {
            kind: PoolErrorKind::CreateTimeout,
        }
    }

    pub(crate) fn recycle_timeout() -> Self {
        PoolError {
            kind: PoolErrorKind::RecycleTimeout,
        }
    }

    pub(crate) fn closed() -> Self {
        PoolError {
            kind: PoolErrorKind::Closed,
        }
    }

    pub(crate) fn other(message: String) -> Self {
        PoolError {
            kind: PoolErrorKind::Other(message),
        }
    }

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
