//! `mapped`: an async ORM for PostgreSQL.
#![doc(hidden)]
pub use orm_core as core_crate;
