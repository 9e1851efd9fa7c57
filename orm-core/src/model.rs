//! The [`Model`] trait: a Rust struct mapped to a table row.

use crate::metadata::Table;
use crate::row::FromRow;
use crate::value::Param;

/// A struct mapped to one row of its table. Implemented by `#[derive(Model)]`, which also
/// implements [`Table`], [`FromRow<Self>`] for `Self` and for `Option<Self>` (outer joins),
/// and one typed column const per field (`User::EMAIL`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    note = "derive it: `#[derive(Model)]` with `#[mapped(table = \"..\")]`"
)]
pub trait Model: Table + FromRow<Self> + Send + Sync + 'static {
    /// The value of every column, in the order of `Self::TABLE.columns`, as parameters.
    fn column_values(&self) -> Vec<Param>;
}

/// A model whose table has a primary key: statements that address one row by its key
/// (`update::<T>().model(&obj)`) need it. Implemented by `#[derive(Model)]` when the model has
/// a primary key.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no primary key",
    note = "mark its key with `#[mapped(primary_key)]` on a field, or `#[mapped(primary_key(columns(..)))]`"
)]
pub trait HasPrimaryKey: Model {}

/// `User::query()`: the SELECT of every column of a table, as in DESIGN.md's examples.
/// Same as [`crate::query::select_from`]. In the prelude.
pub trait QueryModel: Table {
    /// `SELECT <every column> FROM <table>`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// assert_eq!(Owner::query().to_sql().sql(), r#"SELECT "owners"."id", "owners"."name" FROM "owners""#);
    /// ```
    fn query() -> crate::query::Select<crate::scope::Cons<Self, crate::scope::Nil>, Self> {
        crate::query::select_from::<Self>()
    }
}

impl<T: Table> QueryModel for T {}
