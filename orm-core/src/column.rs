//! Typed column handles: `User::EMAIL: Column<User, Text>`.
//!
//! # Naming (a decision of DESIGN.md's open questions)
//!
//! Column handles are inherent associated consts named after the field in upper case:
//! `User::EMAIL`. They are the most typed names of the API, so they are short, read like
//! SQL, and cannot clash silently: a user's own `const EMAIL` in an `impl User` is a
//! "duplicate definitions" compile error, methods (`user.email()`) live in another namespace,
//! and the one trait item they could shadow, `Table::TABLE`, is refused by the derive (a field
//! named `table` must pick another const name with `#[mapped(const_name = "..")]`).

use std::fmt;
use std::marker::PhantomData;

use crate::metadata::{ColumnDef, Table};
use crate::types::SqlType;

/// A column of table `T` with SQL type `ST`. The derive emits one per field as an associated
/// const named after the field in upper case (`User::EMAIL`).
pub struct Column<T, ST> {
    name: &'static str,
    index: usize,
    _marker: PhantomData<fn() -> (T, ST)>,
}

impl<T, ST> Column<T, ST> {
    /// A column handle. The derive calls this; `index` is the column's position in
    /// `T::TABLE.columns`.
    pub const fn new(name: &'static str, index: usize) -> Self {
        Column {
            name,
            index,
            _marker: PhantomData,
        }
    }

    /// The column's SQL name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Position in the table's column list.
    pub const fn index(&self) -> usize {
        self.index
    }
}

impl<T: Table, ST: SqlType> Column<T, ST> {
    /// `"excluded"."col"`: the value an upsert proposed for this column, in `DO UPDATE`;
    /// same as [`crate::query::excluded`].
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.excluded().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""excluded"."name""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub const fn excluded(self) -> Column<crate::query::Excluded<T>, ST> {
        Column::new(self.name, self.index)
    }

    /// The column's metadata.
    pub fn def(&self) -> &'static ColumnDef {
        &T::TABLE.columns[self.index]
    }
}

impl<T, ST> Clone for Column<T, ST> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, ST> Copy for Column<T, ST> {}

impl<T: Table, ST> fmt::Debug for Column<T, ST> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", T::TABLE.name, self.name)
    }
}
