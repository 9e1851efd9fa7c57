//! `orm-runtime`: everything in `mapped` that talks to a server.
//!
//! - [`Database`]: a cheap-to-clone handle over a pool of connections (deadpool over
//!   tokio-postgres), configured by [`ConnectConfig`] (URL, key=value DSN, `PG*`
//!   variables, TLS) and [`DatabaseOptions`] (sizes, timeouts, statement cache, reset on
//!   return, after-connect hooks, echo). It runs statements, hands out
//!   [`PooledConnection`]s (autocommit) and [`Transaction`]s ([`TransactionOptions`],
//!   nested [`Savepoint`]s, [`Database::transaction_with_retry`]), streams large results
//!   through server-side cursors ([`Database::stream`]), listens for notifications
//!   ([`Database::listen`] → [`Listener`]), and creates or drops tables
//!   ([`Database::create_all`], [`Database::drop_all`]);
//! - [`Executor`]: what statements run on (`&mut impl Executor` in query code): `execute`,
//!   `query`, `query_one`, `query_opt`, `query_scalar`, `execute_sql`, `notify`;
//! - [`Error`]: the one error type, with SQLSTATE helpers;
//! - [`LocalServer`]: a throwaway PostgreSQL for tests and examples
//!   ([`Database::embedded`] uses it when `DATABASE_URL` is not set).
//!
//! # Connections and their state
//!
//! Each pooled connection carries a least-recently-used cache of prepared statements
//! ([`DatabaseOptions::statement_cache_size`]), cleared on every connection of the pool
//! after DDL run through it, and recovered from when DDL elsewhere makes a cached plan
//! stale (retried once outside a transaction). A connection comes back to the pool rolled
//! back when it may be inside a transaction, with a statement still running cancelled
//! (a dropped future); a closed connection, or one whose reset failed, is never handed out
//! again. Server `NOTICE`s go to `tracing` (target `mapped::notice`) at `info`, `WARNING`s
//! at `warn`.
//!
//! Statements come from `orm_core` (anything implementing [`Statement`](orm_core::query::Statement));
//! rows decode through [`FromRow`](orm_core::row::FromRow). Values always travel as `$n`
//! parameters, and each connection caches its prepared statements.
//!
//! ```no_run
//! # use orm_core::__doc::Account;
//! use orm_core::prelude::*;
//! use orm_runtime::prelude::*;
//!
//! # async fn run() -> Result<(), Error> {
//! // `Account` is a `#[derive(Model)]` struct.
//! let db = Database::embedded().await?;
//! db.create_all(&[Account::TABLE], true).await?;
//!
//! let mut tx = db.transaction().await?;
//! tx.execute_sql("INSERT INTO accounts (name, balance) VALUES ('ada', 100)").await?;
//! let rich: Vec<Account> = tx
//!     .query(&select_from::<Account>().filter(Account::BALANCE.gt(50_i64)))
//!     .await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```
//!
//! Every statement is logged through `tracing` at `debug` level (`info` with
//! [`DatabaseOptions::echo`]), target `mapped::sql`: the SQL, the parameter count, the
//! rows returned or affected, the duration and whether it succeeded; the values only with
//! [`DatabaseOptions::log_values`].

mod config;
mod connection;
mod database;
mod error;
mod executor;
mod listen;
mod local;
mod options;
mod pool;
mod session;
mod stream;
#[cfg(feature = "tls")]
mod tls;
mod transaction;

pub use config::{ConnectConfig, SslMode, SslRootCert};
pub use connection::PooledConnection;
pub use database::{DATABASE_URL, Database, PoolStatus};
pub use error::{DbError, DriverError, EncodeError, Error, PoolError};
pub use executor::Executor;
pub use listen::{Listener, Notification};
pub use local::LocalServer;
pub use options::{
    BoxFuture, ConnectHook, DatabaseOptions, IsolationLevel, ResetOnReturn, RetryPolicy,
    TransactionOptions,
};
pub use session::{
    ColumnHistory, Obj, ObjectState, Ref, RefMut, Session, SessionModel, SessionOptions,
    SessionStatement,
};
pub use transaction::{Savepoint, Transaction};

/// The driver, for its [`Config`](tokio_postgres::Config) (see [`Database::from_config`])
/// and raw client access.
pub use tokio_postgres;
/// SQLSTATE codes, as [`Error::code`] returns them.
pub use tokio_postgres::error::SqlState;

/// The runtime names most programs need (`mapped::prelude` includes them).
pub mod prelude {
    pub use crate::{
        Database, DatabaseOptions, Error, Executor, IsolationLevel, Obj, ObjectState,
        PooledConnection, Savepoint, Session, SessionOptions, Transaction, TransactionOptions,
    };
}
