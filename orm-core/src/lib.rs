//! `orm-core`: everything in `mapped` that needs no connection.
//!
//! - [`metadata`]: tables, columns, keys, indexes, constraints, as `'static` data;
//! - [`types`]: SQL type markers and the Rust ↔ PostgreSQL type table;
//! - [`expr`]: typed expressions and operators; [`scope`]: the table checks;
//! - [`query`]: SELECT / INSERT / UPDATE / DELETE builders;
//! - [`ddl`]: CREATE / DROP for tables, indexes, sequences, extensions, comments;
//! - [`writer`]: the SQL writer (`$n` parameters, quoted identifiers);
//! - [`row`]: decoding result rows.
//!
//! Users reach all of it through the `mapped` facade and its prelude.

pub mod column;
pub mod ddl;
pub mod expr;
#[cfg(feature = "json")]
pub mod json;
pub mod metadata;
pub mod model;
pub mod query;
pub mod row;
pub mod scope;
pub mod types;
pub mod value;
pub mod writer;

#[doc(hidden)]
pub mod __doc;

/// The names most programs need.
pub mod prelude {
    pub use crate::column::Column;
    pub use crate::expr::{
        AsExpression, Expr, ExprExt, Expression, alias_col, array, array_agg, avg, bool_and,
        bool_or, case, coalesce, count, count_star, exists, func, length, lower, max, min,
        not_exists, now, raw, row, string_agg, sum, typed_value, upper, value,
    };
    pub use crate::metadata::{Table, TableDef};
    pub use crate::model::{Model, QueryModel};
    pub use crate::query::*;
    pub use crate::row::FromRow;
    pub use crate::types::*;
    pub use crate::value::param;
    pub use crate::writer::{CompiledSql, QueryFragment};
}

/// Items the derive macros use. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::row::{DecodeError, SqlRow, all_null};
    pub use crate::value::Param;
    pub use postgres_types;
    pub use std::sync::Arc;

    /// Compile-time check that a foreign key column and its target have the same base type.
    pub const fn assert_same_base<A, B>()
    where
        A: crate::types::SqlType,
        B: crate::types::SqlType<NotNull = A::NotNull>,
    {
    }
}
