//! `INSERT`, `UPDATE` and `DELETE`, with `RETURNING`.
//!
//! ```
//! # use orm_core::prelude::*;
//! # use orm_core::__doc::*;
//! let q = update::<Account>()
//!     .set(Account::BALANCE, Account::BALANCE + 5_i64)
//!     .filter(Account::ID.eq(1_i64))
//!     .returning(Account::BALANCE);
//! assert_eq!(
//!     q.to_sql().sql(),
//!     r#"UPDATE "accounts" SET "balance" = "accounts"."balance" + $1 WHERE "accounts"."id" = $2 RETURNING "accounts"."balance""#
//! );
//! ```

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use super::select::{SelectList, and_nodes, model_nodes, walk_ctes};
use super::{AnySubQuery, InvalidStatement, ReturnsRows, Statement};
use crate::column::Column;
use crate::expr::{Assign, Expression, Node};
use crate::metadata::{OnUpdate, Table, TableRef};
use crate::model::Model;
use crate::scope::{Cons, Nil, NoTable, TablesIn};
use crate::types::{BoolType, SqlType};
use crate::writer::{CompiledSql, QueryFragment, SqlWriter};

use super::conflict::{self, Conflict, ConflictTarget, OnConflict};
use super::select::Cte;

/// Marker: the statement has no RETURNING clause (it reports a row count).
#[derive(Debug, Clone, Copy)]
pub struct NoReturning;

/// Marker: the statement returns rows of shape `S`.
#[derive(Debug, Clone, Copy)]
pub struct Returning<S>(PhantomData<fn() -> S>);

#[derive(Debug, Clone)]
enum InsertSource {
    Values(Vec<Vec<Node>>),
    Query(Arc<dyn QueryFragment + Send + Sync>),
    DefaultValues,
}

/// `INSERT INTO T ..`; start with [`insert`].
pub struct Insert<T, R = NoReturning> {
    ctes: Vec<Cte>,
    columns: Vec<&'static str>,
    source: InsertSource,
    /// A single row built with `set`: column → value.
    single: Vec<(&'static str, Node)>,
    overriding: Option<&'static str>,
    /// Rows were given through `model(s)` / `columns(..)`: zero of them inserts nothing
    /// (rather than one row of defaults).
    explicit_rows: bool,
    returning: Vec<Node>,
    /// `ON CONFLICT ..`
    pub(super) conflict: Option<Conflict>,
    _marker: PhantomData<fn() -> (T, R)>,
}

impl<T, R> Clone for Insert<T, R> {
    fn clone(&self) -> Self {
        Insert {
            ctes: self.ctes.clone(),
            columns: self.columns.clone(),
            source: self.source.clone(),
            single: self.single.clone(),
            overriding: self.overriding,
            explicit_rows: self.explicit_rows,
            returning: self.returning.clone(),
            conflict: self.conflict.clone(),
            _marker: PhantomData,
        }
    }
}

impl<T: Table, R> std::fmt::Debug for Insert<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Insert").field(&self.to_sql()).finish()
    }
}

/// `INSERT INTO T`. Give the rows with [`Insert::model`] / [`Insert::models`] (model objects),
/// [`Insert::set`] (one row, column by column), [`Insert::columns`] + `values` (typed rows),
/// [`Insert::columns`] + `select` (`INSERT .. SELECT`) or [`Insert::default_values`].
///
/// A model INSERT leaves out the columns only the server fills (identity, sequence,
/// generated, version; see [`crate::metadata`]) — read them back with
/// [`Insert::returning_model`].
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let a = Account { id: 0, owner_id: None, name: "Ann".into(), balance: 10 };
/// let b = Account { id: 0, owner_id: Some(1), name: "Bob".into(), balance: 0 };
/// let q = insert::<Account>().models([&a, &b]).returning(Account::ID);
/// assert_eq!(
///     q.to_sql().sql(),
///     r#"INSERT INTO "accounts" ("owner_id", "name", "balance") VALUES ($1, $2, $3), ($4, $5, $6) RETURNING "accounts"."id""#
/// );
/// ```
pub fn insert<T: Table>() -> Insert<T> {
    Insert {
        ctes: Vec::new(),
        columns: Vec::new(),
        source: InsertSource::Values(Vec::new()),
        single: Vec::new(),
        overriding: None,
        explicit_rows: false,
        returning: Vec::new(),
        conflict: None,
        _marker: PhantomData,
    }
}

impl<T: Table, R> Insert<T, R> {
    fn retype<R2>(self) -> Insert<T, R2> {
        Insert {
            ctes: self.ctes,
            columns: self.columns,
            source: self.source,
            single: self.single,
            overriding: self.overriding,
            explicit_rows: self.explicit_rows,
            returning: self.returning,
            conflict: self.conflict,
            _marker: PhantomData,
        }
    }

    /// Adds a model object as a row.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let ann = Account { id: 0, owner_id: None, name: "Ann".into(), balance: 10 };
    /// let sql = insert::<Account>().model(&ann).to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance") VALUES ($1, $2, $3)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance") VALUES (NULL, 'Ann', 10)"#);
    /// ```
    pub fn model(mut self, obj: &T) -> Self
    where
        T: Model,
    {
        self.push_model(obj);
        self
    }

    /// Adds model objects as rows.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let ann = Account { id: 0, owner_id: None, name: "Ann".into(), balance: 10 };
    /// let bob = Account { id: 0, owner_id: Some(1), name: "Bob".into(), balance: 0 };
    /// let sql = insert::<Account>().models([&ann, &bob]).to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance") VALUES ($1, $2, $3), ($4, $5, $6)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance") VALUES (NULL, 'Ann', 10), (1, 'Bob', 0)"#);
    /// ```
    pub fn models<'a, I>(mut self, objs: I) -> Self
    where
        T: Model,
        I: IntoIterator<Item = &'a T>,
    {
        self.model_columns();
        for obj in objs {
            self.push_model(obj);
        }
        self
    }

    fn model_columns(&mut self) {
        if !self.explicit_rows {
            self.explicit_rows = true;
            self.columns = T::TABLE.insert_columns().map(|(_, c)| c.name).collect();
        }
    }

    fn push_model(&mut self, obj: &T)
    where
        T: Model,
    {
        self.model_columns();
        // Moves the values of the columns an INSERT writes (bulk upserts push many rows).
        let row = obj
            .column_values()
            .into_iter()
            .zip(T::TABLE.columns)
            .filter(|(_, c)| !c.is_server_generated())
            .map(|(v, _)| Node::Param(v))
            .collect();
        if let InsertSource::Values(rows) = &mut self.source {
            rows.push(row);
        }
    }

    /// Sets one column of a single-row INSERT; columns not set get their Rust-side default
    /// (if any) or the server's.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>().set(Account::NAME, "Ann").set(Account::BALANCE, 5_i64);
    /// assert_eq!(q.to_sql().sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2)"#);
    /// ```
    pub fn set<ST, V>(mut self, column: Column<T, ST>, value: V) -> Self
    where
        ST: SqlType,
        V: Assign<ST, Tables = NoTable>,
    {
        let node = value.into_node();
        match self.single.iter_mut().find(|(c, _)| *c == column.name()) {
            Some(slot) => slot.1 = node,
            None => self.single.push((column.name(), node)),
        }
        self
    }

    /// Typed multi-row form: `.columns((A, B)).values((a1, b1)).values((a2, b2))`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .columns((Account::NAME, Account::BALANCE))
    ///     .values(("Ann", 1_i64))
    ///     .values(("Bob", 2_i64));
    /// assert_eq!(q.to_sql().sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2), ($3, $4)"#);
    /// ```
    pub fn columns<C: ColumnList<T>>(mut self, columns: C) -> InsertColumns<T, C, R> {
        self.columns = columns.names();
        self.explicit_rows = true;
        InsertColumns {
            inner: self,
            _marker: PhantomData,
        }
    }

    /// `INSERT INTO t DEFAULT VALUES`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>().default_values().returning(Account::ID).to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" DEFAULT VALUES RETURNING "accounts"."id""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn default_values(mut self) -> Self {
        self.source = InsertSource::DefaultValues;
        self
    }

    /// `OVERRIDING SYSTEM VALUE`: write explicit values into `GENERATED ALWAYS` identity
    /// columns.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .overriding_system_value()
    ///     .set(Account::ID, 42_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 0_i64);
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") OVERRIDING SYSTEM VALUE VALUES (42, 'Ann', 0)"#);
    /// ```
    pub fn overriding_system_value(mut self) -> Self {
        self.overriding = Some("OVERRIDING SYSTEM VALUE");
        self
    }

    /// `OVERRIDING USER VALUE`: ignore given values for identity columns.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .overriding_user_value()
    ///     .columns((Account::ID, Account::NAME, Account::BALANCE))
    ///     .values((7_i64, "Ann", 0_i64));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") OVERRIDING USER VALUE VALUES ($1, $2, $3)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") OVERRIDING USER VALUE VALUES (7, 'Ann', 0)"#);
    /// ```
    pub fn overriding_user_value(mut self) -> Self {
        self.overriding = Some("OVERRIDING USER VALUE");
        self
    }

    /// `WITH cte INSERT ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let o = cte("o", select_from::<Owner>().select((Owner::ID, Owner::NAME)).filter(Owner::NAME.like("A%")));
    /// let q = insert::<Account>()
    ///     .with(o)
    ///     .columns((Account::OWNER_ID, Account::NAME, Account::BALANCE))
    ///     .select(select_from_name("o").select((alias_col::<Int8>("o", "id"), alias_col::<Text>("o", "name"), value::<Int8>(0_i64))));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "o" AS (SELECT "owners"."id", "owners"."name" FROM "owners" WHERE "owners"."name" LIKE $1) INSERT INTO "accounts" ("owner_id", "name", "balance") SELECT "o"."id", "o"."name", $2::BIGINT FROM "o""#);
    /// assert_eq!(sql.debug_sql(), r#"WITH "o" AS (SELECT "owners"."id", "owners"."name" FROM "owners" WHERE "owners"."name" LIKE 'A%') INSERT INTO "accounts" ("owner_id", "name", "balance") SELECT "o"."id", "o"."name", 0::BIGINT FROM "o""#);
    /// ```
    pub fn with(mut self, cte: Cte) -> Self {
        self.ctes.push(cte);
        self
    }

    /// `RETURNING ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 0_i64)
    ///     .returning((Account::ID, Account::BALANCE));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) RETURNING "accounts"."id", "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 0) RETURNING "accounts"."id", "accounts"."balance""#);
    /// ```
    pub fn returning<Sel, I>(mut self, items: Sel) -> Insert<T, Returning<Sel::Selection>>
    where
        Sel: SelectList,
        Sel::Tables: TablesIn<Cons<T, Nil>, I>,
    {
        self.returning = items.into_nodes();
        self.retype()
    }

    /// `RETURNING <every column>`: decode into `T`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>().set(Account::NAME, "Ann").set(Account::BALANCE, 0_i64).returning_model();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 0) RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// ```
    pub fn returning_model(mut self) -> Insert<T, Returning<T>> {
        self.returning = model_nodes(TableRef::of::<T>());
        self.retype()
    }

    /// The columns and rows as sent: the given ones, `set` columns, and Rust-side defaults.
    /// Borrows the rows when nothing is added (bulk upserts of many rows).
    fn effective_rows(&self) -> (Vec<&'static str>, Cow<'_, [Vec<Node>]>) {
        let mut columns = self.columns.clone();
        let mut rows: Cow<'_, [Vec<Node>]> = match &self.source {
            InsertSource::Values(rows) => Cow::Borrowed(rows),
            _ => Cow::Owned(Vec::new()),
        };
        if !self.single.is_empty() {
            if rows.is_empty() && !self.explicit_rows {
                columns.clear();
                rows.to_mut().push(Vec::new());
            }
            // With model or typed rows, `set` gives that column's value for every row.
            for (name, node) in &self.single {
                match columns.iter().position(|c| c == name) {
                    Some(i) => {
                        for row in rows.to_mut() {
                            if let Some(slot) = row.get_mut(i) {
                                *slot = node.clone();
                            }
                        }
                    }
                    None => {
                        columns.push(name);
                        for row in rows.to_mut() {
                            row.push(node.clone());
                        }
                    }
                }
            }
        }
        // Rust-side defaults for the columns no row gives.
        if !rows.is_empty() {
            for col in T::TABLE.columns {
                if let Some(default) = col.default
                    && !columns.contains(&col.name)
                {
                    columns.push(col.name);
                    for row in rows.to_mut() {
                        row.push(Node::Param(default()));
                    }
                }
            }
        }
        (columns, rows)
    }
}

impl<T: Table, R> QueryFragment for Insert<T, R> {
    fn walk(&self, out: &mut SqlWriter) {
        let (columns, rows) = self.effective_rows();
        self.walk_rows(out, &columns, &rows);
    }
}

impl<T: Table, R> Insert<T, R> {
    fn walk_rows(&self, out: &mut SqlWriter, columns: &[&'static str], rows: &[Vec<Node>]) {
        walk_ctes(&self.ctes, false, out);
        out.push("INSERT INTO ");
        TableRef::of::<T>().write(out);
        let query = match &self.source {
            InsertSource::Query(q) => Some(q),
            _ => None,
        };
        if matches!(self.source, InsertSource::DefaultValues)
            || (columns.is_empty() && rows.is_empty() && query.is_none() && !self.explicit_rows)
        {
            out.push(" DEFAULT VALUES");
        } else {
            if !columns.is_empty() {
                out.push(" (");
                out.push_list(columns, ", ", |out, c| out.push_ident(c));
                out.push(")");
            }
            if let Some(o) = self.overriding {
                out.push(" ");
                out.push(o);
            }
            // A multi-row upsert goes through a subquery that merges and orders its rows.
            let input = match &self.conflict {
                Some(c) if rows.len() > 1 && query.is_none() => {
                    conflict::input(c, T::TABLE, columns, rows).map(|i| (c, i))
                }
                _ => None,
            };
            if let Some(q) = query {
                out.push(" ");
                q.walk(out);
            } else if let Some((c, input)) = input {
                conflict::walk_input(out, c, T::TABLE, columns, input);
            } else if rows.is_empty() {
                // Zero rows: a statement that inserts nothing (and returns no rows).
                out.push(" SELECT ");
                let nulls = vec!["NULL"; columns.len()];
                out.push(&nulls.join(", "));
                out.push(" WHERE false");
            } else if columns.is_empty() {
                // Every column is filled by the server: one DEFAULT per row.
                out.push(" VALUES ");
                let defaults = vec!["(DEFAULT)"; rows.len()];
                out.push(&defaults.join(", "));
            } else {
                out.push(" VALUES ");
                out.push_list(rows, ", ", |out, row| {
                    out.push("(");
                    out.push_list(row, ", ", |out, n| n.walk(out));
                    out.push(")");
                });
            }
        }
        if let Some(c) = &self.conflict {
            c.walk(out, T::TABLE, TableRef::of::<T>(), columns);
        }
        walk_returning(&self.returning, out);
    }
}

fn walk_returning(items: &[Node], out: &mut SqlWriter) {
    if !items.is_empty() {
        out.push(" RETURNING ");
        out.push_list(items, ", ", |out, n| n.walk(out));
    }
}

/// PostgreSQL's limit on the parameters of one statement (a 16-bit count in the protocol).
const MAX_PARAMS: usize = 65_535;

impl<T: Table, R> Statement for Insert<T, R> {
    fn compile(&self) -> Result<CompiledSql, InvalidStatement> {
        let (columns, rows) = self.effective_rows();
        if let Some(c) = &self.conflict {
            c.validate(T::TABLE, &columns)?;
        }
        let mut out = SqlWriter::new();
        self.walk_rows(&mut out, &columns, &rows);
        let sql = out.finish();
        if sql.params().len() > MAX_PARAMS {
            return Err(InvalidStatement {
                message: format!(
                    "INSERT INTO \"{}\" has {} parameters, over PostgreSQL's limit of {MAX_PARAMS}: insert fewer rows per statement (an upsert of plain values sends its rows as arrays and has no such limit)",
                    T::TABLE.name,
                    sql.params().len()
                ),
            });
        }
        Ok(sql)
    }
}

impl<T: Table, S> ReturnsRows for Insert<T, Returning<S>> {
    type Selection = S;

    fn locks_rows(&self) -> bool {
        true
    }
}

/// Columns of table `T` for the typed multi-row INSERT: one column or a tuple.
pub trait ColumnList<T> {
    /// The columns' SQL types, as a tuple.
    type SqlTypes;
    /// SQL names.
    fn names(&self) -> Vec<&'static str>;
}

/// A row of values for the columns `ST` (a tuple of SQL types).
#[diagnostic::on_unimplemented(
    message = "these values do not match the INSERT's columns",
    note = "give one value per column, in order, each of the column's type (`Option` only for nullable columns)"
)]
pub trait RowValues<ST> {
    /// The nodes.
    fn into_nodes(self) -> Vec<Node>;
}

/// A query whose rows fit the columns `ST`: same number of columns, same base types.
#[diagnostic::on_unimplemented(
    message = "the query's columns do not match the INSERT's columns",
    note = "select one expression per INSERT column, in order, with the same SQL types"
)]
pub trait SelectionFits<ST> {}

impl<T: Table, ST: SqlType> ColumnList<T> for Column<T, ST> {
    type SqlTypes = (ST,);
    fn names(&self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

macro_rules! column_tuples {
    ($(($($st:ident $v:ident $s:ident $n:tt),+))*) => {$(
        impl<T: Table, $($st: SqlType),+> ColumnList<T> for ($(Column<T, $st>,)+) {
            type SqlTypes = ($($st,)+);
            fn names(&self) -> Vec<&'static str> {
                vec![$(self.$n.name()),+]
            }
        }
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($st: SqlType,)+ $($v: Assign<$st, Tables = NoTable>),+> RowValues<($($st,)+)> for ($($v,)+) {
            fn into_nodes(self) -> Vec<Node> {
                let ($($v,)+) = self;
                vec![$($v.into_node()),+]
            }
        }
        impl<$($st: SqlType,)+ $($s: SqlType<NotNull = $st::NotNull>),+> SelectionFits<($($st,)+)> for ($($s,)+) {}
    )*};
}
column_tuples! {
    (A VA SA 0)
    (A VA SA 0, B VB SB 1)
    (A VA SA 0, B VB SB 1, C VC SC 2)
    (A VA SA 0, B VB SB 1, C VC SC 2, D VD SD 3)
    (A VA SA 0, B VB SB 1, C VC SC 2, D VD SD 3, E VE SE 4)
    (A VA SA 0, B VB SB 1, C VC SC 2, D VD SD 3, E VE SE 4, F VF SF 5)
    (A VA SA 0, B VB SB 1, C VC SC 2, D VD SD 3, E VE SE 4, F VF SF 5, G VG SG 6)
    (A VA SA 0, B VB SB 1, C VC SC 2, D VD SD 3, E VE SE 4, F VF SF 5, G VG SG 6, H VH SH 7)
}

impl<A: SqlType, S: SqlType<NotNull = A::NotNull>> SelectionFits<(A,)> for S {}

/// The typed multi-row INSERT; see [`Insert::columns`].
pub struct InsertColumns<T, C, R = NoReturning> {
    inner: Insert<T, R>,
    _marker: PhantomData<fn() -> C>,
}

impl<T: Table, C, R> std::fmt::Debug for InsertColumns<T, C, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: Table, C: ColumnList<T>, R> InsertColumns<T, C, R> {
    /// Adds a row; the compiler checks each value against its column's type.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .columns((Account::OWNER_ID, Account::NAME, Account::BALANCE))
    ///     .values((None::<i64>, "Ann", 0_i64))
    ///     .values((Some(1_i64), "Bob", 5_i64));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance") VALUES ($1, $2, $3), ($4, $5, $6)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance") VALUES (NULL, 'Ann', 0), (1, 'Bob', 5)"#);
    /// ```
    pub fn values<V: RowValues<C::SqlTypes>>(mut self, row: V) -> Self {
        if let InsertSource::Values(rows) = &mut self.inner.source {
            rows.push(row.into_nodes());
        }
        self
    }

    /// Adds many rows.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let rows = [("Ann", 1_i64), ("Bob", 2_i64)];
    /// let sql = insert::<Account>().columns((Account::NAME, Account::BALANCE)).values_iter(rows).to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2), ($3, $4)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 1), ('Bob', 2)"#);
    /// ```
    pub fn values_iter<V, I>(mut self, rows: I) -> Self
    where
        V: RowValues<C::SqlTypes>,
        I: IntoIterator<Item = V>,
    {
        for row in rows {
            self = self.values(row);
        }
        self
    }

    /// `INSERT INTO t (cols) SELECT ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .columns((Account::NAME, Account::BALANCE))
    ///     .select(select_from::<Owner>().select((Owner::NAME, value::<Int8>(0_i64))));
    /// assert_eq!(
    ///     q.to_sql().sql(),
    ///     r#"INSERT INTO "accounts" ("name", "balance") SELECT "owners"."name", $1::BIGINT FROM "owners""#
    /// );
    /// ```
    pub fn select<Q>(mut self, query: Q) -> Insert<T, R>
    where
        Q: ReturnsRows + AnySubQuery,
        Q::Selection: SelectionFits<C::SqlTypes>,
    {
        self.inner.source = InsertSource::Query(query.into_any_fragment());
        self.inner
    }

    /// `RETURNING ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .columns((Account::NAME, Account::BALANCE))
    ///     .values(("Ann", 1_i64))
    ///     .returning(Account::ID);
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) RETURNING "accounts"."id""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 1) RETURNING "accounts"."id""#);
    /// ```
    pub fn returning<Sel, I>(self, items: Sel) -> Insert<T, Returning<Sel::Selection>>
    where
        Sel: SelectList,
        Sel::Tables: TablesIn<Cons<T, Nil>, I>,
    {
        self.inner.returning(items)
    }

    /// `RETURNING <every column>`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>().columns((Account::NAME, Account::BALANCE)).values(("Ann", 1_i64)).returning_model();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 1) RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// ```
    pub fn returning_model(self) -> Insert<T, Returning<T>> {
        self.inner.returning_model()
    }

    /// `ON CONFLICT (target) ..`; see [`Insert::on_conflict`].
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>()
    ///     .columns((Account::ID, Account::NAME, Account::BALANCE))
    ///     .values((7_i64, "Ann", 1_i64))
    ///     .on_conflict(Account::ID)
    ///     .do_nothing();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO NOTHING"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 1) ON CONFLICT ("id") DO NOTHING"#);
    /// ```
    pub fn on_conflict<K, I>(self, target: K) -> OnConflict<T, R>
    where
        K: ConflictTarget<T, I>,
    {
        self.inner.on_conflict(target)
    }

    /// `ON CONFLICT DO NOTHING` without a target; see [`Insert::on_conflict_do_nothing`].
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = insert::<Account>().columns((Account::NAME, Account::BALANCE)).values(("Ann", 1_i64)).on_conflict_do_nothing();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) ON CONFLICT DO NOTHING"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 1) ON CONFLICT DO NOTHING"#);
    /// ```
    pub fn on_conflict_do_nothing(self) -> Insert<T, R> {
        self.inner.on_conflict_do_nothing()
    }

    /// The finished statement.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q: Insert<Account> = insert::<Account>().columns((Account::NAME, Account::BALANCE)).values(("Ann", 1_i64)).into_insert();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 1)"#);
    /// ```
    pub fn into_insert(self) -> Insert<T, R> {
        self.inner
    }
}

impl<T: Table, C, R> QueryFragment for InsertColumns<T, C, R> {
    fn walk(&self, out: &mut SqlWriter) {
        self.inner.walk(out);
    }
}

impl<T: Table, C, R> Statement for InsertColumns<T, C, R> {
    fn compile(&self) -> Result<CompiledSql, InvalidStatement> {
        self.inner.compile()
    }
}

/// What UPDATE and DELETE share: WITH, ONLY, the extra tables (`FROM` / `USING`), WHERE and
/// RETURNING.
#[derive(Debug, Clone, Default)]
struct Targeted {
    ctes: Vec<Cte>,
    only: bool,
    extra: Vec<TableRef>,
    filter: Option<Node>,
    returning: Vec<Node>,
}

impl Targeted {
    /// `[WITH ..] VERB [ONLY] table`
    fn walk_target(&self, out: &mut SqlWriter, verb: &str, table: TableRef) {
        walk_ctes(&self.ctes, false, out);
        out.push(verb);
        if self.only {
            out.push("ONLY ");
        }
        table.write(out);
    }

    /// `[FROM|USING ..] [WHERE ..] [RETURNING ..]`
    fn walk_rest(&self, out: &mut SqlWriter, extra_keyword: &str) {
        if !self.extra.is_empty() {
            out.push(extra_keyword);
            out.push_list(&self.extra, ", ", |out, t| t.write(out));
        }
        if let Some(w) = &self.filter {
            out.push(" WHERE ");
            w.walk(out);
        }
        walk_returning(&self.returning, out);
    }
}

/// `UPDATE T SET ..`; start with [`update`]. `L` lists the tables in scope (T plus `FROM`).
///
/// Columns with an `on_update` (e.g. `updated_at`) are set by every UPDATE that does not set
/// them itself.
pub struct Update<T, L, R = NoReturning> {
    parts: Targeted,
    sets: Vec<(&'static str, Node)>,
    _marker: PhantomData<fn() -> (T, L, R)>,
}

impl<T, L, R> Clone for Update<T, L, R> {
    fn clone(&self) -> Self {
        Update {
            parts: self.parts.clone(),
            sets: self.sets.clone(),
            _marker: PhantomData,
        }
    }
}

impl<T: Table, L, R> std::fmt::Debug for Update<T, L, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Update").field(&self.to_sql()).finish()
    }
}

/// `UPDATE T`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = update::<Account>().set(Account::NAME, "Ann").filter(Account::ID.eq(1_i64)).to_sql();
/// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "name" = $1 WHERE "accounts"."id" = $2"#);
/// assert_eq!(sql.debug_sql(), r#"UPDATE "accounts" SET "name" = 'Ann' WHERE "accounts"."id" = 1"#);
/// ```
pub fn update<T: Table>() -> Update<T, Cons<T, Nil>> {
    Update {
        parts: Targeted::default(),
        sets: Vec::new(),
        _marker: PhantomData,
    }
}

impl<T: Table, L, R> Update<T, L, R> {
    fn retype<L2, R2>(self) -> Update<T, L2, R2> {
        Update {
            parts: self.parts,
            sets: self.sets,
            _marker: PhantomData,
        }
    }

    /// `SET column = value` (a value or an expression over the tables in scope).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = update::<Account>()
    ///     .set(Account::BALANCE, Account::BALANCE - 5_i64)
    ///     .set(Account::OWNER_ID, None::<i64>)
    ///     .filter(Account::ID.eq(1_i64));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "balance" = "accounts"."balance" - $1, "owner_id" = $2 WHERE "accounts"."id" = $3"#);
    /// assert_eq!(sql.debug_sql(), r#"UPDATE "accounts" SET "balance" = "accounts"."balance" - 5, "owner_id" = NULL WHERE "accounts"."id" = 1"#);
    /// ```
    pub fn set<ST, V, I>(mut self, column: Column<T, ST>, value: V) -> Self
    where
        ST: SqlType,
        V: Assign<ST>,
        V::Tables: TablesIn<L, I>,
    {
        self.push_set(column.name(), value.into_node());
        self
    }

    /// One assignment per column: a later one replaces an earlier one.
    fn push_set(&mut self, name: &'static str, node: Node) {
        match self.sets.iter_mut().find(|(c, _)| *c == name) {
            Some(slot) => slot.1 = node,
            None => self.sets.push((name, node)),
        }
    }

    /// `SET column = DEFAULT`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = update::<Account>().set_default(Account::BALANCE).filter(Account::ID.eq(1_i64)).to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "balance" = DEFAULT WHERE "accounts"."id" = $1"#);
    /// assert_eq!(sql.debug_sql(), r#"UPDATE "accounts" SET "balance" = DEFAULT WHERE "accounts"."id" = 1"#);
    /// ```
    pub fn set_default<ST: SqlType>(mut self, column: Column<T, ST>) -> Self {
        self.push_set(column.name(), Node::Default);
        self
    }

    /// Sets every column of `obj` except the primary key and generated columns, and filters
    /// on its primary key: `UPDATE t SET a = $1, .. WHERE pk = $n`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let bob = Account { id: 7, owner_id: Some(1), name: "Bob".into(), balance: 5 };
    /// let sql = update::<Account>().model(&bob).to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "owner_id" = $1, "name" = $2, "balance" = $3 WHERE "accounts"."id" = $4"#);
    /// assert_eq!(sql.debug_sql(), r#"UPDATE "accounts" SET "owner_id" = 1, "name" = 'Bob', "balance" = 5 WHERE "accounts"."id" = 7"#);
    /// ```
    pub fn model(mut self, obj: &T) -> Self
    where
        T: Model,
    {
        let values = obj.column_values();
        let mut key: Option<Node> = None;
        for (i, col) in T::TABLE.columns.iter().enumerate() {
            let Some(v) = values.get(i) else { continue };
            if col.primary_key {
                let cond = Node::Binary {
                    op: "=",
                    lhs: Box::new(Node::Column {
                        table: TableRef::of::<T>().qualifier(),
                        name: col.name,
                    }),
                    rhs: Box::new(Node::Param(v.clone())),
                };
                key = Some(and_nodes(key, cond));
            } else if col.generated.is_none() && col.identity.is_none() && col.on_update.is_none() {
                self.push_set(col.name, Node::Param(v.clone()));
            }
        }
        if let Some(k) = key {
            self.parts.filter = Some(and_nodes(self.parts.filter.take(), k));
        }
        self
    }

    /// Adds a `WHERE` condition (ANDed).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = update::<Account>()
    ///     .set(Account::BALANCE, 0_i64)
    ///     .filter(Account::BALANCE.lt(0_i64))
    ///     .filter(Account::OWNER_ID.is_null());
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "balance" = $1 WHERE "accounts"."balance" < $2 AND "accounts"."owner_id" IS NULL"#);
    /// assert_eq!(sql.debug_sql(), r#"UPDATE "accounts" SET "balance" = 0 WHERE "accounts"."balance" < 0 AND "accounts"."owner_id" IS NULL"#);
    /// ```
    pub fn filter<E, I>(mut self, cond: E) -> Self
    where
        E: Expression,
        E::SqlType: BoolType,
        E::Tables: TablesIn<L, I>,
    {
        self.parts.filter = Some(and_nodes(self.parts.filter.take(), cond.into_node()));
        self
    }

    /// `UPDATE .. FROM U`: brings `U` into scope for SET and WHERE.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = update::<Account>()
    ///     .from::<Owner>()
    ///     .set(Account::NAME, Owner::NAME)
    ///     .filter(Owner::ID.eq(Account::OWNER_ID));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "name" = "owners"."name" FROM "owners" WHERE "owners"."id" = "accounts"."owner_id""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn from<U: Table>(mut self) -> Update<T, Cons<U, L>, R> {
        self.parts.extra.push(TableRef::of::<U>());
        self.retype()
    }

    /// `UPDATE ONLY t`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = update::<Account>().only().set(Account::BALANCE, 0_i64).to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE ONLY "accounts" SET "balance" = $1"#);
    /// assert_eq!(sql.debug_sql(), r#"UPDATE ONLY "accounts" SET "balance" = 0"#);
    /// ```
    pub fn only(mut self) -> Self {
        self.parts.only = true;
        self
    }

    /// `WITH cte UPDATE ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let gone = cte("gone", select_from::<Owner>().select(Owner::ID).filter(Owner::NAME.eq("gone")));
    /// let q = update::<Account>()
    ///     .with(gone)
    ///     .set(Account::OWNER_ID, None::<i64>)
    ///     .filter(Account::OWNER_ID.in_subquery(select_from_name("gone").select(alias_col::<Int8>("gone", "id"))));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "gone" AS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = $1) UPDATE "accounts" SET "owner_id" = $2 WHERE "accounts"."owner_id" IN (SELECT "gone"."id" FROM "gone")"#);
    /// assert_eq!(sql.debug_sql(), r#"WITH "gone" AS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = 'gone') UPDATE "accounts" SET "owner_id" = NULL WHERE "accounts"."owner_id" IN (SELECT "gone"."id" FROM "gone")"#);
    /// ```
    pub fn with(mut self, cte: Cte) -> Self {
        self.parts.ctes.push(cte);
        self
    }

    /// `RETURNING ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = update::<Account>()
    ///     .set(Account::BALANCE, Account::BALANCE + 1_i64)
    ///     .filter(Account::ID.eq(7_i64))
    ///     .returning((Account::ID, Account::BALANCE));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "balance" = "accounts"."balance" + $1 WHERE "accounts"."id" = $2 RETURNING "accounts"."id", "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"UPDATE "accounts" SET "balance" = "accounts"."balance" + 1 WHERE "accounts"."id" = 7 RETURNING "accounts"."id", "accounts"."balance""#);
    /// ```
    pub fn returning<Sel, I>(mut self, items: Sel) -> Update<T, L, Returning<Sel::Selection>>
    where
        Sel: SelectList,
        Sel::Tables: TablesIn<L, I>,
    {
        self.parts.returning = items.into_nodes();
        self.retype()
    }

    /// `RETURNING <every column of T>`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = update::<Account>().set(Account::BALANCE, 0_i64).filter(Account::ID.eq(7_i64)).returning_model();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"UPDATE "accounts" SET "balance" = $1 WHERE "accounts"."id" = $2 RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"UPDATE "accounts" SET "balance" = 0 WHERE "accounts"."id" = 7 RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// ```
    pub fn returning_model(mut self) -> Update<T, L, Returning<T>> {
        self.parts.returning = model_nodes(TableRef::of::<T>());
        self.retype()
    }
}

impl<T: Table, L, R> QueryFragment for Update<T, L, R> {
    fn walk(&self, out: &mut SqlWriter) {
        self.parts.walk_target(out, "UPDATE ", TableRef::of::<T>());
        out.push(" SET ");
        let mut sets: Vec<(&'static str, Node)> = self.sets.clone();
        for col in T::TABLE.columns {
            if let Some(on_update) = col.on_update
                && !sets.iter().any(|(c, _)| *c == col.name)
            {
                let node = match on_update {
                    OnUpdate::Sql(sql) => Node::Raw(Cow::Borrowed(sql)),
                    OnUpdate::Value(f) => Node::Param(f()),
                };
                sets.push((col.name, node));
            }
        }
        out.push_list(&sets, ", ", |out, (c, n)| {
            out.push_ident(c);
            out.push(" = ");
            n.walk(out);
        });
        self.parts.walk_rest(out, " FROM ");
    }
}

impl<T: Table, L, R> Statement for Update<T, L, R> {
    fn compile(&self) -> Result<CompiledSql, InvalidStatement> {
        let on_update = T::TABLE.columns.iter().any(|c| c.on_update.is_some());
        if self.sets.is_empty() && !on_update {
            return Err(InvalidStatement {
                message: format!(
                    "UPDATE \"{}\" sets no column: add `.set(..)`",
                    T::TABLE.name
                ),
            });
        }
        Ok(self.to_sql())
    }
}

impl<T: Table, L, S> ReturnsRows for Update<T, L, Returning<S>> {
    type Selection = S;

    fn locks_rows(&self) -> bool {
        true
    }
}

/// `DELETE FROM T`; start with [`delete`].
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let q = delete::<Account>()
///     .using::<Owner>()
///     .filter(Account::OWNER_ID.eq(Owner::ID).and(Owner::NAME.eq("gone")))
///     .returning(Account::ID);
/// assert_eq!(
///     q.to_sql().sql(),
///     r#"DELETE FROM "accounts" USING "owners" WHERE "accounts"."owner_id" = "owners"."id" AND "owners"."name" = $1 RETURNING "accounts"."id""#
/// );
/// ```
pub struct Delete<T, L, R = NoReturning> {
    parts: Targeted,
    _marker: PhantomData<fn() -> (T, L, R)>,
}

impl<T, L, R> Clone for Delete<T, L, R> {
    fn clone(&self) -> Self {
        Delete {
            parts: self.parts.clone(),
            _marker: PhantomData,
        }
    }
}

impl<T: Table, L, R> std::fmt::Debug for Delete<T, L, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Delete").field(&self.to_sql()).finish()
    }
}

/// `DELETE FROM T`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = delete::<Account>().filter(Account::ID.eq(7_i64)).to_sql();
/// assert_eq!(sql.sql(), r#"DELETE FROM "accounts" WHERE "accounts"."id" = $1"#);
/// assert_eq!(sql.debug_sql(), r#"DELETE FROM "accounts" WHERE "accounts"."id" = 7"#);
/// ```
pub fn delete<T: Table>() -> Delete<T, Cons<T, Nil>> {
    Delete {
        parts: Targeted::default(),
        _marker: PhantomData,
    }
}

impl<T: Table, L, R> Delete<T, L, R> {
    fn retype<L2, R2>(self) -> Delete<T, L2, R2> {
        Delete {
            parts: self.parts,
            _marker: PhantomData,
        }
    }

    /// Adds a `WHERE` condition (ANDed).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = delete::<Account>().filter(Account::BALANCE.eq(0_i64)).filter(Account::OWNER_ID.is_null());
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"DELETE FROM "accounts" WHERE "accounts"."balance" = $1 AND "accounts"."owner_id" IS NULL"#);
    /// assert_eq!(sql.debug_sql(), r#"DELETE FROM "accounts" WHERE "accounts"."balance" = 0 AND "accounts"."owner_id" IS NULL"#);
    /// ```
    pub fn filter<E, I>(mut self, cond: E) -> Self
    where
        E: Expression,
        E::SqlType: BoolType,
        E::Tables: TablesIn<L, I>,
    {
        self.parts.filter = Some(and_nodes(self.parts.filter.take(), cond.into_node()));
        self
    }

    /// `DELETE .. USING U`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = delete::<Account>()
    ///     .using::<Owner>()
    ///     .filter(Account::OWNER_ID.eq(Owner::ID))
    ///     .filter(Owner::NAME.eq("gone"));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"DELETE FROM "accounts" USING "owners" WHERE "accounts"."owner_id" = "owners"."id" AND "owners"."name" = $1"#);
    /// assert_eq!(sql.debug_sql(), r#"DELETE FROM "accounts" USING "owners" WHERE "accounts"."owner_id" = "owners"."id" AND "owners"."name" = 'gone'"#);
    /// ```
    pub fn using<U: Table>(mut self) -> Delete<T, Cons<U, L>, R> {
        self.parts.extra.push(TableRef::of::<U>());
        self.retype()
    }

    /// `DELETE FROM ONLY t`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = delete::<Account>().only().filter(Account::ID.eq(7_i64)).to_sql();
    /// assert_eq!(sql.sql(), r#"DELETE FROM ONLY "accounts" WHERE "accounts"."id" = $1"#);
    /// assert_eq!(sql.debug_sql(), r#"DELETE FROM ONLY "accounts" WHERE "accounts"."id" = 7"#);
    /// ```
    pub fn only(mut self) -> Self {
        self.parts.only = true;
        self
    }

    /// `WITH cte DELETE ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let old = cte("old", select_from::<Account>().select(Account::ID).order_by(Account::ID).limit(100));
    /// let q = delete::<Account>()
    ///     .with(old)
    ///     .filter(Account::ID.in_subquery(select_from_name("old").select(alias_col::<Int8>("old", "id"))));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "old" AS (SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."id" LIMIT $1) DELETE FROM "accounts" WHERE "accounts"."id" IN (SELECT "old"."id" FROM "old")"#);
    /// assert_eq!(sql.debug_sql(), r#"WITH "old" AS (SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."id" LIMIT 100) DELETE FROM "accounts" WHERE "accounts"."id" IN (SELECT "old"."id" FROM "old")"#);
    /// ```
    pub fn with(mut self, cte: Cte) -> Self {
        self.parts.ctes.push(cte);
        self
    }

    /// `RETURNING ..`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = delete::<Account>().filter(Account::ID.eq(7_i64)).returning(Account::NAME).to_sql();
    /// assert_eq!(sql.sql(), r#"DELETE FROM "accounts" WHERE "accounts"."id" = $1 RETURNING "accounts"."name""#);
    /// assert_eq!(sql.debug_sql(), r#"DELETE FROM "accounts" WHERE "accounts"."id" = 7 RETURNING "accounts"."name""#);
    /// ```
    pub fn returning<Sel, I>(mut self, items: Sel) -> Delete<T, L, Returning<Sel::Selection>>
    where
        Sel: SelectList,
        Sel::Tables: TablesIn<L, I>,
    {
        self.parts.returning = items.into_nodes();
        self.retype()
    }

    /// `RETURNING <every column of T>`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = delete::<Account>().filter(Account::ID.eq(7_i64)).returning_model().to_sql();
    /// assert_eq!(sql.sql(), r#"DELETE FROM "accounts" WHERE "accounts"."id" = $1 RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"DELETE FROM "accounts" WHERE "accounts"."id" = 7 RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// ```
    pub fn returning_model(mut self) -> Delete<T, L, Returning<T>> {
        self.parts.returning = model_nodes(TableRef::of::<T>());
        self.retype()
    }
}

impl<T: Table, L, R> QueryFragment for Delete<T, L, R> {
    fn walk(&self, out: &mut SqlWriter) {
        self.parts
            .walk_target(out, "DELETE FROM ", TableRef::of::<T>());
        self.parts.walk_rest(out, " USING ");
    }
}

impl<T: Table, L, R> Statement for Delete<T, L, R> {
    fn compile(&self) -> Result<CompiledSql, InvalidStatement> {
        Ok(self.to_sql())
    }
}

impl<T: Table, L, S> ReturnsRows for Delete<T, L, Returning<S>> {
    type Selection = S;
}

macro_rules! any_subquery {
    ($($ty:ident<$($p:ident),+>),*) => {$(
        impl<T: Table, $($p: 'static),+> AnySubQuery for $ty<T, $($p),+> {
            type Outer = NoTable;
            fn into_any_fragment(self) -> Arc<dyn QueryFragment + Send + Sync> {
                Arc::new(self)
            }
        }
    )*};
}
any_subquery!(Insert<R>, Update<L, R>, Delete<L, R>);
