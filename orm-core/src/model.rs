//! The [`Model`] trait: a Rust struct mapped to a table row.

use std::fmt::Debug;
use std::hash::Hash;

use crate::metadata::Table;
use crate::row::{DecodeError, FromRow, SqlRow};
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

    /// The value of column `idx` (an index into `Self::TABLE.columns`) as a parameter;
    /// `None` past the last column.
    fn column_value(&self, idx: usize) -> Option<Param>;

    /// Whether column `idx` holds the same value in `self` and `other`: the Session's dirty
    /// check. Fields whose type implements `PartialEq` compare with it (so a float column
    /// holding NaN always counts as changed, which only writes it again); other types
    /// compare their `Debug` text. `false` past the last column.
    fn column_eq(&self, other: &Self, idx: usize) -> bool;

    /// Whether column `idx` changed from `base` (the Session's copy of the row as the
    /// database holds it): the Session's dirty check. A [`Tracked`](crate::mutable::Tracked)
    /// container answers from its record of changes without comparing contents; other
    /// fields compare with [`column_eq`](Model::column_eq) (the default).
    fn column_changed(&self, base: &Self, idx: usize) -> bool {
        !self.column_eq(base, idx)
    }

    /// How to write column `idx`'s change from `base`: a [`Patch`](crate::mutable::Patch)
    /// for a tracked container that can write only what changed, `None` to write the whole
    /// value (the default).
    fn column_patch(&self, base: &Self, idx: usize) -> Option<crate::mutable::Patch> {
        let _ = (base, idx);
        None
    }

    /// Copies column `idx`'s value from `other` into `self` (nothing past the last column).
    fn copy_column(&mut self, other: &Self, idx: usize);

    /// Decodes column `idx`'s field from `row` at `*at` (advancing it): how values the
    /// server made (identity keys, versions, `RETURNING`) come back into an object.
    fn decode_column(
        &mut self,
        idx: usize,
        row: &dyn SqlRow,
        at: &mut usize,
    ) -> Result<(), DecodeError>;
}

/// A model whose table has a primary key: statements that address one row by its key
/// (`update::<T>().model(&obj)`) need it. Implemented by `#[derive(Model)]` when the model has
/// a primary key.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no primary key",
    note = "mark its key with `#[mapped(primary_key)]` on a field, or `#[mapped(primary_key(columns(..)))]`"
)]
pub trait HasPrimaryKey: Model {
    /// The primary key's value: the key field's type, or a tuple of them (in the order of
    /// the key's columns) for a composite key. The Session's identity map is keyed by it.
    type Key: Clone + Eq + Hash + Debug + Send + Sync + 'static;

    /// Indexes into `Self::TABLE.columns` of the key's columns, in key order.
    const KEY_COLUMNS: &'static [usize];

    /// This object's key.
    fn key(&self) -> Self::Key;

    /// A key's values as parameters, in key order (for `WHERE (k1, k2) = ($1, $2)`).
    fn key_params(key: &Self::Key) -> Vec<Param>;
}

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
