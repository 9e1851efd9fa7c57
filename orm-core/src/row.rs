//! Decoding result rows into Rust values: [`FromRow`] and the raw-row interface the
//! runtime implements.

use std::error::Error as StdError;
use std::fmt;

use postgres_types::{FromSql, Type};

use crate::types::{FromSqlValue, SqlType};

/// A result row as raw bytes; the runtime implements it over the driver's row.
pub trait SqlRow {
    /// Number of columns.
    fn len(&self) -> usize;
    /// Whether the row has no columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Name of column `idx`.
    fn name(&self, idx: usize) -> &str;
    /// Type of column `idx`.
    fn sql_type(&self, idx: usize) -> &Type;
    /// Binary value of column `idx`; `None` for NULL.
    fn raw(&self, idx: usize) -> Option<&[u8]>;
}

/// Why a column could not be decoded.
#[derive(Debug)]
pub enum DecodeErrorKind {
    /// The row has fewer columns than the Rust type reads.
    MissingColumn {
        /// Columns in the row.
        len: usize,
    },
    /// The column's SQL type does not decode into the Rust type.
    WrongType {
        /// The column's type as the server reported it.
        sql_type: Type,
        /// The Rust type asked for.
        rust_type: &'static str,
    },
    /// NULL arrived for a Rust type that is not an `Option`.
    UnexpectedNull {
        /// The Rust type asked for.
        rust_type: &'static str,
    },
    /// The bytes did not decode.
    Invalid(Box<dyn StdError + Send + Sync>),
}

/// A column failed to decode; names the column and its index.
#[derive(Debug)]
pub struct DecodeError {
    /// Column index (0-based).
    pub index: usize,
    /// Column name (empty if the row is shorter than asked).
    pub column: String,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DecodeErrorKind::MissingColumn { len } => write!(
                f,
                "cannot decode column {}: the row has only {len} columns",
                self.index
            ),
            DecodeErrorKind::WrongType {
                sql_type,
                rust_type,
            } => write!(
                f,
                "cannot decode column `{}` (index {}) of type {sql_type} into `{rust_type}`",
                self.column, self.index
            ),
            DecodeErrorKind::UnexpectedNull { rust_type } => write!(
                f,
                "column `{}` (index {}) is NULL but `{rust_type}` cannot hold NULL; use Option<{rust_type}>",
                self.column, self.index
            ),
            DecodeErrorKind::Invalid(e) => write!(
                f,
                "cannot decode column `{}` (index {}): {e}",
                self.column, self.index
            ),
        }
    }
}

impl StdError for DecodeError {}

/// Decodes column `idx` as `T`, checking the column's type first.
pub fn decode<'a, T: FromSql<'a>>(row: &'a dyn SqlRow, idx: usize) -> Result<T, DecodeError> {
    if idx >= row.len() {
        return Err(DecodeError {
            index: idx,
            column: String::new(),
            kind: DecodeErrorKind::MissingColumn { len: row.len() },
        });
    }
    let ty = row.sql_type(idx);
    let err = |kind| DecodeError {
        index: idx,
        column: row.name(idx).to_owned(),
        kind,
    };
    if !T::accepts(ty) {
        return Err(err(DecodeErrorKind::WrongType {
            sql_type: ty.clone(),
            rust_type: std::any::type_name::<T>(),
        }));
    }
    match row.raw(idx) {
        Some(raw) => T::from_sql(ty, raw).map_err(|e| err(DecodeErrorKind::Invalid(e))),
        None => T::from_sql_null(ty).map_err(|_| {
            err(DecodeErrorKind::UnexpectedNull {
                rust_type: std::any::type_name::<T>(),
            })
        }),
    }
}

/// A Rust type a row (or part of one) decodes into, for a selection of SQL shape `S`.
///
/// `S` is what the statement selects: a SQL type marker for one column, a model type for a
/// model's columns, a tuple of those for several. Implemented for every [`FromSqlValue`]
/// type, for models by `#[derive(Model)]` (also `Option<Model>` for outer joins), for
/// structs by `#[derive(FromRow)]`, and for tuples.
#[diagnostic::on_unimplemented(
    message = "rows of this statement cannot be decoded into `{Self}`",
    note = "the Rust type must have the shape of the selection `{S}`: one Rust type per selected column, in order"
)]
pub trait FromRow<S>: Sized {
    /// Decodes starting at column `*idx` and advances `*idx` past what it read.
    fn from_row(row: &dyn SqlRow, idx: &mut usize) -> Result<Self, DecodeError>;
}

impl<ST: SqlType, T: FromSqlValue<ST>> FromRow<ST> for T {
    fn from_row(row: &dyn SqlRow, idx: &mut usize) -> Result<Self, DecodeError> {
        let v = decode_value::<ST, T>(row, *idx)?;
        *idx += 1;
        Ok(v)
    }
}

/// [`decode`] through [`FromSqlValue`]'s hooks, which also read multi-dimensional arrays
/// into nested `Vec`s.
fn decode_value<ST: SqlType, T: FromSqlValue<ST>>(
    row: &dyn SqlRow,
    idx: usize,
) -> Result<T, DecodeError> {
    if idx >= row.len() {
        return Err(DecodeError {
            index: idx,
            column: String::new(),
            kind: DecodeErrorKind::MissingColumn { len: row.len() },
        });
    }
    let ty = row.sql_type(idx);
    let err = |kind| DecodeError {
        index: idx,
        column: row.name(idx).to_owned(),
        kind,
    };
    if !T::accepts_column(ty) {
        return Err(err(DecodeErrorKind::WrongType {
            sql_type: ty.clone(),
            rust_type: std::any::type_name::<T>(),
        }));
    }
    match row.raw(idx) {
        Some(raw) => T::decode_column(ty, Some(raw)).map_err(|e| err(DecodeErrorKind::Invalid(e))),
        None => T::decode_column(ty, None).map_err(|_| {
            err(DecodeErrorKind::UnexpectedNull {
                rust_type: std::any::type_name::<T>(),
            })
        }),
    }
}

macro_rules! tuple_from_row {
    ($(($($t:ident $s:ident),+))*) => {$(
        impl<$($s,)+ $($t: FromRow<$s>,)+> FromRow<($($s,)+)> for ($($t,)+) {
            fn from_row(row: &dyn SqlRow, idx: &mut usize) -> Result<Self, DecodeError> {
                Ok(($($t::from_row(row, idx)?,)+))
            }
        }
    )*};
}

tuple_from_row! {
    (T1 S1)
    (T1 S1, T2 S2)
    (T1 S1, T2 S2, T3 S3)
    (T1 S1, T2 S2, T3 S3, T4 S4)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5, T6 S6)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5, T6 S6, T7 S7)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5, T6 S6, T7 S7, T8 S8)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5, T6 S6, T7 S7, T8 S8, T9 S9)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5, T6 S6, T7 S7, T8 S8, T9 S9, T10 S10)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5, T6 S6, T7 S7, T8 S8, T9 S9, T10 S10, T11 S11)
    (T1 S1, T2 S2, T3 S3, T4 S4, T5 S5, T6 S6, T7 S7, T8 S8, T9 S9, T10 S10, T11 S11, T12 S12)
}

/// Decodes the next `n` columns and reports whether all of them are NULL (an outer join
/// that matched nothing). Used by `Option<Model>`.
pub fn all_null(row: &dyn SqlRow, start: usize, n: usize) -> bool {
    (start..start + n).all(|i| i < row.len() && row.raw(i).is_none())
}
