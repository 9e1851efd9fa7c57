//! Statement builders: SELECT, INSERT, UPDATE, DELETE (with RETURNING), CTEs and set
//! operations.

use std::sync::Arc;

use crate::types::SqlType;
use crate::writer::{CompiledSql, QueryFragment};

/// A statement that can be sent to the server.
pub trait Statement {
    /// SQL text and parameters.
    fn compile(&self) -> CompiledSql;
}

/// A statement that returns rows whose shape is `Self::Selection` (a SQL type marker, a
/// model type, or a tuple of those): a SELECT, or a DML statement with RETURNING.
pub trait ReturnsRows: Statement {
    /// What each row holds.
    type Selection;
}

/// A query usable as a subquery yielding one column of SQL type `ST` (`IN (SELECT ..)`,
/// `= ANY (SELECT ..)`, scalar subqueries).
pub trait SubQuery<ST: SqlType> {
    /// The query as a shareable fragment.
    fn into_fragment(self) -> Arc<dyn QueryFragment + Send + Sync>;
}

/// Any query usable in `EXISTS (..)`.
pub trait AnySubQuery {
    /// The query as a shareable fragment.
    fn into_any_fragment(self) -> Arc<dyn QueryFragment + Send + Sync>;
}

mod dml;
mod select;

pub use dml::{
    ColumnList, Delete, Insert, InsertColumns, NoReturning, Returning, RowValues, SelectionFits,
    Update, delete, insert, update,
};
pub use select::{
    AllColumns, Cte, JoinOn, Label, Select, SelectList, Star, TableFn, all_columns, cte, select,
    select_from, select_from_fn, select_from_name, select_from_subquery, table_fn,
};

#[cfg(test)]
mod tests;
