//! DDL (in progress).
