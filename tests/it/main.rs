//! The database integration tests: one binary, one module per area, against a real
//! PostgreSQL (`DATABASE_URL`, or a throwaway local server). Each test works in its own
//! schema (see `support::test_db`), so tests run in parallel.

#![allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]

mod ddl;
mod engine;
mod mutable;
mod mutable_dict_json;
mod mutable_list;
mod pg_arrays_json;
mod pg_types;
mod ranges;
mod runtime;
mod session;
mod session_flush;
mod session_objects;
mod sql_log;
mod statements;
mod support;
#[cfg(feature = "tls")]
mod tls;
mod upsert;
mod user_types;
