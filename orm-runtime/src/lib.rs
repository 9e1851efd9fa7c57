//! `orm-runtime`: everything in `mapped` that talks to a server.
//!
//! - [`Database`]: a pool of connections (deadpool-postgres over tokio-postgres, no TLS yet)
//!   that runs statements, hands out [`PooledConnection`]s and [`Transaction`]s, and
//!   creates or drops tables ([`Database::create_all`], [`Database::drop_all`]);
//! - [`Executor`]: what statements run on (`&mut impl Executor` in query code): `execute`,
//!   `fetch_all`, `fetch_one`, `fetch_optional`, `fetch_scalar`, `execute_sql`;
//! - [`Error`]: the one error type, with SQLSTATE helpers;
//! - [`LocalServer`]: a throwaway PostgreSQL for tests and examples
//!   ([`Database::embedded`] uses it when `DATABASE_URL` is not set).
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
//!     .fetch_all(&select_from::<Account>().filter(Account::BALANCE.gt(50_i64)))
//!     .await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```
//!
//! Every statement is logged through `tracing` at `debug` level, target `mapped::sql`: the
//! SQL (never the values), the parameter count, the duration and whether it succeeded.

mod config;
mod connection;
mod database;
mod error;
mod executor;
mod local;
#[cfg(feature = "tls")]
mod tls;
mod transaction;

pub use config::{ConnectConfig, SslMode, SslRootCert};
pub use connection::PooledConnection;
pub use database::{DATABASE_URL, Database, DatabaseOptions};
pub use error::{DbError, DriverError, Error, PoolError};
pub use executor::Executor;
pub use local::LocalServer;
pub use transaction::Transaction;

/// The driver, for its [`Config`](tokio_postgres::Config) (see [`Database::from_config`])
/// and raw client access.
pub use tokio_postgres;
/// SQLSTATE codes, as [`Error::code`] returns them.
pub use tokio_postgres::error::SqlState;

/// The runtime names most programs need (`mapped::prelude` includes them).
pub mod prelude {
    pub use crate::{Database, Error, Executor, PooledConnection, Transaction};
}
