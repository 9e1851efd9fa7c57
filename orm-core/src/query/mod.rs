//! Statement builders: SELECT, INSERT (with ON CONFLICT), UPDATE, DELETE (with RETURNING),
//! CTEs and set operations.

use std::sync::Arc;

use crate::types::SqlType;
use crate::writer::{CompiledSql, QueryFragment};

/// A statement that can be sent to the server.
pub trait Statement {
    /// SQL text and parameters, or why the statement cannot be sent as built.
    fn compile(&self) -> Result<CompiledSql, InvalidStatement>;
}

/// A statement that cannot be sent as built, e.g. an UPDATE that sets no column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidStatement {
    /// What is wrong, for the user.
    pub message: String,
}

impl std::fmt::Display for InvalidStatement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidStatement {}

/// A statement that returns rows whose shape is `Self::Selection` (a SQL type marker, a
/// model type, or a tuple of those): a SELECT, or a DML statement with RETURNING.
pub trait ReturnsRows: Statement {
    /// What each row holds.
    type Selection;

    /// Whether the rows come back locked or freshly written (`SELECT .. FOR UPDATE/SHARE`,
    /// DML `RETURNING`): the Session then overwrites objects it already holds with them,
    /// instead of keeping the loaded values.
    fn locks_rows(&self) -> bool {
        false
    }
}

/// A row-returning statement that is a query (`SELECT`, `VALUES`, set operations), so it
/// can be a server-side cursor (`DECLARE .. CURSOR FOR`): what streaming accepts.
/// PostgreSQL refuses a cursor over `INSERT/UPDATE/DELETE .. RETURNING`, so those do not
/// implement it. A [`raw_query`] is trusted to be a query.
pub trait CursorQuery: ReturnsRows {}

impl<S> CursorQuery for RawQuery<S> {}

/// A query usable as a subquery yielding one column of SQL type `ST` (`IN (SELECT ..)`,
/// `= ANY (SELECT ..)`, scalar subqueries).
pub trait SubQuery<ST: SqlType> {
    /// Tables of the outer query it refers to (see `Select::correlate`).
    type Outer;
    /// The query as a shareable fragment.
    fn into_fragment(self) -> Arc<dyn QueryFragment + Send + Sync>;
}

/// Any query usable in `EXISTS (..)`.
pub trait AnySubQuery {
    /// Tables of the outer query it refers to (see `Select::correlate`).
    type Outer;
    /// The query as a shareable fragment.
    fn into_any_fragment(self) -> Arc<dyn QueryFragment + Send + Sync>;
}

pub mod conflict;
mod dml;
mod select;

pub use conflict::{
    Arbiter, ConflictTarget, DoUpdate, DoUpdateScope, Excluded, NamedConstraint, OnConflict,
    UniqueKey, constraint, excluded, inserted,
};
pub use dml::{
    ColumnList, Delete, Insert, InsertColumns, NoReturning, Returning, RowValues, SelectionFits,
    Update, delete, insert, update,
};
pub use select::{
    AllColumns, Cte, JoinOn, Label, Labeled, Select, SelectList, Star, TableFn, all_columns, cte,
    select, select_from, select_from_fn, select_from_name, select_from_subquery, table_fn,
};

#[cfg(test)]
mod tests;

/// A whole statement in trusted SQL with bound values, returning rows of shape `S` (a SQL
/// type marker or a tuple of them; `()` when it returns nothing you read).
///
/// ```
/// # use orm_core::prelude::*;
/// let q = raw_query::<(Text, Int8)>("SELECT relname, reltuples::int8 FROM pg_class WHERE relname = ")
///     .bind("pg_type".to_owned())
///     .sql(" LIMIT 1");
/// assert_eq!(q.to_sql().sql(), "SELECT relname, reltuples::int8 FROM pg_class WHERE relname = $1 LIMIT 1");
/// assert_eq!(q.to_sql().debug_sql(), "SELECT relname, reltuples::int8 FROM pg_class WHERE relname = 'pg_type' LIMIT 1");
/// ```
pub fn raw_query<S>(sql: &'static str) -> RawQuery<S> {
    RawQuery {
        nodes: vec![crate::expr::Node::Raw(std::borrow::Cow::Borrowed(sql))],
        _marker: std::marker::PhantomData,
    }
}

/// A raw statement being built; see [`raw_query`].
pub struct RawQuery<S> {
    nodes: Vec<crate::expr::Node>,
    _marker: std::marker::PhantomData<fn() -> S>,
}

impl<S> Clone for RawQuery<S> {
    fn clone(&self) -> Self {
        RawQuery {
            nodes: self.nodes.clone(),
            _marker: std::marker::PhantomData,
        }
    }
}

impl<S> std::fmt::Debug for RawQuery<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RawQuery").field(&self.to_sql()).finish()
    }
}

impl<S> RawQuery<S> {
    /// Appends trusted SQL text.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let q = raw_query::<Int8>("SELECT count(*) FROM pg_class").sql(" WHERE relkind = 'r'");
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), "SELECT count(*) FROM pg_class WHERE relkind = 'r'");
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn sql(mut self, sql: &'static str) -> Self {
        self.nodes
            .push(crate::expr::Node::Raw(std::borrow::Cow::Borrowed(sql)));
        self
    }
    /// Appends a bound value (`$n`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let q = raw_query::<Text>("SELECT relname FROM pg_class WHERE relkind = ")
    ///     .bind("r".to_owned())
    ///     .sql(" LIMIT ")
    ///     .bind(5_i64);
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), "SELECT relname FROM pg_class WHERE relkind = $1 LIMIT $2");
    /// assert_eq!(sql.debug_sql(), "SELECT relname FROM pg_class WHERE relkind = 'r' LIMIT 5");
    /// ```
    pub fn bind<T: crate::value::BindValue>(mut self, value: T) -> Self {
        self.nodes.push(crate::expr::Node::bind(value));
        self
    }
}

impl<S> QueryFragment for RawQuery<S> {
    fn walk(&self, out: &mut crate::writer::SqlWriter) {
        for n in &self.nodes {
            n.walk(out);
        }
    }
}

impl<S> Statement for RawQuery<S> {
    fn compile(&self) -> Result<CompiledSql, InvalidStatement> {
        Ok(self.to_sql())
    }
}

impl<S> ReturnsRows for RawQuery<S> {
    type Selection = S;
}

impl<S: 'static> AnySubQuery for RawQuery<S> {
    type Outer = crate::scope::NoTable;
    fn into_any_fragment(self) -> Arc<dyn QueryFragment + Send + Sync> {
        Arc::new(self)
    }
}
