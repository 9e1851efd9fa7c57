//! `mapped`: an async ORM for PostgreSQL.
//!
//! Derive a model, and you get table metadata, typed columns that the compiler checks in
//! every query, statement builders for the whole PostgreSQL dialect, DDL, and a runtime over a
//! pooled tokio-postgres connection.
//!
//! ```no_run
//! use mapped::prelude::*;
//!
//! #[derive(Model, Debug, Clone)]
//! #[mapped(table = "users")]
//! pub struct User {
//!     #[mapped(primary_key, identity)]
//!     pub id: i64,
//!     #[mapped(unique)]
//!     pub email: String,
//!     pub name: Option<String>,
//! }
//!
//! # async fn run() -> Result<(), mapped::Error> {
//! let db = Database::embedded().await?;
//! db.create_all(&[User::TABLE], true).await?;
//! let users: Vec<User> = db
//!     .query(&select_from::<User>().filter(User::EMAIL.ilike("%@example.com")))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The crates behind it: [`orm_core`] (metadata, types, expressions, statements, DDL; no
//! connection), `orm_macros` (the derives) and [`orm_runtime`] (the pool, execution, schema
//! creation, the local throwaway server).

pub use orm_core;
pub use orm_runtime;

pub use orm_runtime::{Database, Error};

#[cfg(feature = "derive")]
pub use orm_macros::{FromRow, Model, PgComposite, PgDomain, PgEnum};

/// Everything a program using `mapped` usually needs: `use mapped::prelude::*;`.
pub mod prelude {
    pub use orm_core::prelude::*;
    pub use orm_runtime::prelude::*;

    #[cfg(feature = "derive")]
    pub use orm_macros::{FromRow, Model, PgComposite, PgDomain, PgEnum};
}
