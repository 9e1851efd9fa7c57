//! `SELECT`: [`select_from`], [`select`], joins, grouping, ordering, locking, CTEs, set
//! operations, table-valued functions and subqueries.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{AnySubQuery, InvalidStatement, ReturnsRows, Statement, SubQuery};
use crate::expr::{Expr, Expression, Node, OrderItem, OrderList};
use crate::metadata::{Table, TableRef};
use crate::scope::{Both, Cons, Nil, NoTable, TablesIn};
use crate::types::{BoolType, Int8, Nullable, SqlType};
use crate::writer::{CompiledSql, QueryFragment, SqlWriter, quote_ident};

/// A `SELECT` over the tables `L` (a type list, see [`crate::scope`]) whose rows have the
/// shape `S` (decoded by [`crate::row::FromRow<S>`]).
///
/// `C` lists the tables a subquery borrows from its outer query ([`Select::correlate`]); when
/// the subquery is used (`exists`, `in_subquery`, `as_scalar`), the outer statement's table
/// check requires them.
pub struct Select<L, S, C = NoTable> {
    core: SelectCore,
    _marker: PhantomData<fn() -> (L, S, C)>,
}

impl<L, S, C> Clone for Select<L, S, C> {
    fn clone(&self) -> Self {
        Select {
            core: self.core.clone(),
            _marker: PhantomData,
        }
    }
}

impl<L, S, C> std::fmt::Debug for Select<L, S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Select").field(&self.to_sql()).finish()
    }
}

/// The selection of a SELECT with no explicit columns over a function or subquery (`*`):
/// nothing decodes from it; call `.select(..)`.
#[derive(Debug, Clone, Copy)]
pub struct Star;

#[derive(Debug, Clone, Default)]
pub(crate) struct SelectCore {
    ctes: Vec<Cte>,
    recursive: bool,
    distinct: Option<Vec<Node>>,
    items: Vec<Node>,
    from: Vec<FromItem>,
    joins: Vec<Join>,
    filter: Option<Node>,
    group_by: Vec<Node>,
    having: Option<Node>,
    order_by: Vec<OrderItem>,
    limit: Option<Node>,
    offset: Option<Node>,
    locks: Vec<Lock>,
    /// `(left) OP (right)`: this query is a set operation; its own ORDER BY / LIMIT / locks
    /// apply to the whole, and each operand keeps its own inside its parentheses.
    compound: Option<Box<(SelectCore, &'static str, SelectCore)>>,
}

/// An item of a FROM list.
#[derive(Debug, Clone)]
pub(crate) enum FromItem {
    Table {
        table: TableRef,
        only: bool,
    },
    Function(TableFn),
    Subquery {
        query: Arc<dyn QueryFragment + Send + Sync>,
        alias: &'static str,
        lateral: bool,
    },
    Named {
        name: &'static str,
        alias: Option<&'static str>,
    },
}

impl QueryFragment for FromItem {
    fn walk(&self, out: &mut SqlWriter) {
        match self {
            FromItem::Table { table, only } => {
                if *only {
                    out.push("ONLY ");
                }
                table.write(out);
            }
            FromItem::Function(f) => f.walk(out),
            FromItem::Subquery {
                query,
                alias,
                lateral,
            } => {
                if *lateral {
                    out.push("LATERAL ");
                }
                out.push("(");
                query.walk(out);
                out.push(") AS ");
                out.push_ident(alias);
            }
            FromItem::Named { name, alias } => {
                out.push_ident(name);
                if let Some(a) = alias {
                    out.push(" AS ");
                    out.push_ident(a);
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Join {
    kind: &'static str,
    item: FromItem,
    on: Option<Node>,
}

#[derive(Debug, Clone)]
struct Lock {
    strength: &'static str,
    of: Vec<TableRef>,
    wait: Option<&'static str>,
}

/// A table-valued (set-returning) function in FROM, such as `unnest(..)`,
/// `generate_series(..)` or `jsonb_each(..)`.
///
/// ```
/// # use orm_core::prelude::*;
/// // `typed_value`: `generate_series($1, $2)` alone is ambiguous to the server.
/// let series = table_fn("generate_series", (typed_value::<Int8>(1_i64), typed_value::<Int8>(3_i64)))
///     .with_ordinality()
///     .alias("s", ["value", "ordinality"]);
/// let q = select_from_fn(series.clone())
///     .select((series.col::<Int8>("value"), series.col::<Int8>("ordinality")));
/// assert_eq!(
///     q.to_sql().sql(),
///     r#"SELECT "s"."value", "s"."ordinality" FROM generate_series($1::BIGINT, $2::BIGINT) WITH ORDINALITY AS "s"("value", "ordinality")"#
/// );
/// assert_eq!(q.to_sql().params().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct TableFn {
    call: Node,
    ordinality: bool,
    lateral: bool,
    alias: &'static str,
    columns: Vec<(&'static str, Option<String>)>,
}

/// A table-valued function call `name(args..)`; give it an alias with [`TableFn::alias`].
///
/// ```
/// # use orm_core::prelude::*;
/// let t = table_fn("unnest", (typed_value::<Array<Text>>(vec!["a".to_owned(), "b".to_owned()]),))
///     .alias("t", ["tag"]);
/// let sql = select_from_fn(t.clone()).select(t.col::<Text>("tag")).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT "t"."tag" FROM unnest($1::TEXT[]) AS "t"("tag")"#);
/// assert_eq!(sql.params().len(), 1);
/// ```
pub fn table_fn<A: crate::expr::FuncArgs>(name: &'static str, args: A) -> TableFn {
    TableFn {
        call: crate::expr::func::<crate::types::Record>(name)
            .call(args)
            .into_node(),
        ordinality: false,
        lateral: false,
        alias: "f",
        columns: Vec::new(),
    }
}

impl TableFn {
    /// `WITH ORDINALITY`: adds a 1-based row number column.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let s = table_fn("generate_series", (typed_value::<Int8>(1_i64), typed_value::<Int8>(3_i64)))
    ///     .with_ordinality()
    ///     .alias("s", ["n", "i"]);
    /// let sql = select_from_fn(s.clone()).select((s.col::<Int8>("n"), s.col::<Int8>("i"))).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "s"."n", "s"."i" FROM generate_series($1::BIGINT, $2::BIGINT) WITH ORDINALITY AS "s"("n", "i")"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "s"."n", "s"."i" FROM generate_series(1::BIGINT, 3::BIGINT) WITH ORDINALITY AS "s"("n", "i")"#);
    /// ```
    pub fn with_ordinality(mut self) -> Self {
        self.ordinality = true;
        self
    }
    /// `LATERAL`: the call may refer to columns of earlier FROM items.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let s = table_fn("generate_series", (typed_value::<Int8>(1_i64), Account::BALANCE))
    ///     .lateral()
    ///     .alias("s", ["n"]);
    /// let sql = select_from::<Account>().cross_join_fn(s.clone()).select((Account::ID, s.col::<Int8>("n"))).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id", "s"."n" FROM "accounts" CROSS JOIN LATERAL generate_series($1::BIGINT, "accounts"."balance") AS "s"("n")"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."id", "s"."n" FROM "accounts" CROSS JOIN LATERAL generate_series(1::BIGINT, "accounts"."balance") AS "s"("n")"#);
    /// ```
    pub fn lateral(mut self) -> Self {
        self.lateral = true;
        self
    }
    /// `AS alias(col, ..)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let s = table_fn("generate_series", (typed_value::<Int8>(1_i64), typed_value::<Int8>(3_i64)))
    ///     .alias("s", ["n"]);
    /// let sql = select_from_fn(s.clone()).select(s.col::<Int8>("n")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "s"."n" FROM generate_series($1::BIGINT, $2::BIGINT) AS "s"("n")"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "s"."n" FROM generate_series(1::BIGINT, 3::BIGINT) AS "s"("n")"#);
    /// ```
    pub fn alias<const N: usize>(
        mut self,
        alias: &'static str,
        columns: [&'static str; N],
    ) -> Self {
        self.alias = alias;
        self.columns = columns.iter().map(|c| (*c, None)).collect();
        self
    }
    /// Adds a column with a type to the column definition list: `AS x(a INTEGER, b TEXT)`,
    /// which functions returning `record` (`json_to_record`) need.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let r = table_fn("json_to_record", (value::<Text>(r#"{"a": 1, "b": "x"}"#).cast::<Json>(),))
    ///     .alias("r", [])
    ///     .typed_column::<Int4>("a")
    ///     .typed_column::<Text>("b");
    /// let sql = select_from_fn(r.clone()).select((r.col::<Int4>("a"), r.col::<Text>("b"))).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "r"."a", "r"."b" FROM json_to_record(CAST($1::TEXT AS JSON)) AS "r"("a" INTEGER, "b" TEXT)"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "r"."a", "r"."b" FROM json_to_record(CAST('{"a": 1, "b": "x"}'::TEXT AS JSON)) AS "r"("a" INTEGER, "b" TEXT)"#);
    /// ```
    pub fn typed_column<ST: SqlType>(mut self, name: &'static str) -> Self {
        self.columns.push((name, Some(ST::TYPE.to_sql())));
        self
    }
    /// A column of the function's result: `"alias"."name"`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let s = table_fn("generate_series", (typed_value::<Int8>(1_i64), typed_value::<Int8>(9_i64))).alias("s", ["n"]);
    /// let n = s.col::<Int8>("n");
    /// let sql = select_from_fn(s).select(n.clone()).filter(n.rem(2_i64).eq(0_i64)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "s"."n" FROM generate_series($1::BIGINT, $2::BIGINT) AS "s"("n") WHERE "s"."n" % $3 = $4"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "s"."n" FROM generate_series(1::BIGINT, 9::BIGINT) AS "s"("n") WHERE "s"."n" % 2 = 0"#);
    /// ```
    pub fn col<ST: SqlType>(&self, name: &'static str) -> Expr<ST, NoTable> {
        crate::expr::alias_col(self.alias, name)
    }
}

impl QueryFragment for TableFn {
    fn walk(&self, out: &mut SqlWriter) {
        if self.lateral {
            out.push("LATERAL ");
        }
        self.call.walk(out);
        if self.ordinality {
            out.push(" WITH ORDINALITY");
        }
        out.push(" AS ");
        out.push_ident(self.alias);
        if !self.columns.is_empty() {
            out.push("(");
            out.push_list(&self.columns, ", ", |out, (name, ty)| {
                out.push_ident(name);
                if let Some(ty) = ty {
                    out.push(" ");
                    out.push(ty);
                }
            });
            out.push(")");
        }
    }
}

/// A common table expression for `WITH`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let rich = cte("rich", select_from::<Account>().select(Account::ID).filter(Account::BALANCE.gt(1000_i64)));
/// let q = select_from::<Account>()
///     .with(rich)
///     .select(Account::NAME)
///     .filter(Account::ID.in_subquery(select_from_name("rich").select(alias_col::<Int8>("rich", "id"))));
/// assert_eq!(
///     q.to_sql().sql(),
///     r#"WITH "rich" AS (SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" > $1) SELECT "accounts"."name" FROM "accounts" WHERE "accounts"."id" IN (SELECT "rich"."id" FROM "rich")"#
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Cte {
    name: &'static str,
    columns: Vec<&'static str>,
    materialized: Option<bool>,
    query: Arc<dyn QueryFragment + Send + Sync>,
}

/// `name AS (query)` for [`Select::with`].
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let big = cte("big", select_from::<Account>().select(Account::ID).filter(Account::BALANCE.gt(100_i64)));
/// let sql = select_from_name("big").with(big).select(alias_col::<Int8>("big", "id")).to_sql();
/// assert_eq!(sql.sql(), r#"WITH "big" AS (SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" > $1) SELECT "big"."id" FROM "big""#);
/// assert_eq!(sql.debug_sql(), r#"WITH "big" AS (SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" > 100) SELECT "big"."id" FROM "big""#);
/// ```
pub fn cte<Q: AnySubQuery>(name: &'static str, query: Q) -> Cte {
    Cte {
        name,
        columns: Vec::new(),
        materialized: None,
        query: query.into_any_fragment(),
    }
}

impl Cte {
    /// `name(col, ..) AS (..)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let t = cte("t", select_from::<Account>().select((Account::ID, Account::NAME))).columns(["k", "v"]);
    /// let sql = select_from_name("t").with(t).select(alias_col::<Text>("t", "v")).to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "t"("k", "v") AS (SELECT "accounts"."id", "accounts"."name" FROM "accounts") SELECT "t"."v" FROM "t""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn columns<const N: usize>(mut self, columns: [&'static str; N]) -> Self {
        self.columns = columns.to_vec();
        self
    }
    /// `AS MATERIALIZED`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let t = cte("t", select_from::<Account>().select(Account::ID)).materialized();
    /// let sql = select_from_name("t").with(t).select(alias_col::<Int8>("t", "id")).to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "t" AS MATERIALIZED (SELECT "accounts"."id" FROM "accounts") SELECT "t"."id" FROM "t""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn materialized(mut self) -> Self {
        self.materialized = Some(true);
        self
    }
    /// `AS NOT MATERIALIZED`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let t = cte("t", select_from::<Account>().select(Account::ID)).not_materialized();
    /// let sql = select_from_name("t").with(t).select(alias_col::<Int8>("t", "id")).to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "t" AS NOT MATERIALIZED (SELECT "accounts"."id" FROM "accounts") SELECT "t"."id" FROM "t""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn not_materialized(mut self) -> Self {
        self.materialized = Some(false);
        self
    }
    /// The CTE's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// A column of the CTE: `"name"."col"`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let rich = cte("rich", select_from::<Account>().select((Account::OWNER_ID, Account::BALANCE)).filter(Account::BALANCE.gt(1000_i64)));
    /// let q = select_from_name("rich").with(rich.clone()).select(rich.col::<Nullable<Int8>>("owner_id")).filter(rich.col::<Int8>("balance").lt(5000_i64));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "rich" AS (SELECT "accounts"."owner_id", "accounts"."balance" FROM "accounts" WHERE "accounts"."balance" > $1) SELECT "rich"."owner_id" FROM "rich" WHERE "rich"."balance" < $2"#);
    /// assert_eq!(sql.debug_sql(), r#"WITH "rich" AS (SELECT "accounts"."owner_id", "accounts"."balance" FROM "accounts" WHERE "accounts"."balance" > 1000) SELECT "rich"."owner_id" FROM "rich" WHERE "rich"."balance" < 5000"#);
    /// ```
    pub fn col<ST: SqlType>(&self, name: &'static str) -> Expr<ST, NoTable> {
        crate::expr::alias_col(self.name, name)
    }
}

impl QueryFragment for Cte {
    fn walk(&self, out: &mut SqlWriter) {
        out.push_ident(self.name);
        if !self.columns.is_empty() {
            out.push("(");
            out.push_list(&self.columns, ", ", |out, c| out.push_ident(c));
            out.push(")");
        }
        out.push(" AS ");
        match self.materialized {
            Some(true) => out.push("MATERIALIZED "),
            Some(false) => out.push("NOT MATERIALIZED "),
            None => {}
        }
        out.push("(");
        self.query.walk(out);
        out.push(")");
    }
}

/// What `select(..)` accepts: an expression, all columns of a model
/// ([`all_columns`]), or a tuple of those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be selected",
    note = "select an expression (`User::EMAIL`, `count_star()`), `all_columns::<User>()`, or a tuple of them"
)]
pub trait SelectList {
    /// The shape of a row (see [`crate::row::FromRow`]).
    type Selection;
    /// Tables used.
    type Tables;
    /// The select-list nodes.
    fn into_nodes(self) -> Vec<Node>;
}

impl<E: Expression> SelectList for E {
    type Selection = E::SqlType;
    type Tables = E::Tables;
    fn into_nodes(self) -> Vec<Node> {
        vec![self.into_node()]
    }
}

/// Every column of model `T`, in declaration order; decodes into `T` (or `Option<T>` after
/// an outer join).
pub struct AllColumns<T>(PhantomData<fn() -> T>);

impl<T> std::fmt::Debug for AllColumns<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AllColumns")
    }
}

/// Every column of model `T`, for `select((all_columns::<User>(), all_columns::<Post>()))`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let q = select_from::<Account>()
///     .inner_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
///     .select((all_columns::<Account>(), all_columns::<Owner>()));
/// let sql = q.to_sql();
/// assert_eq!(sql.sql(), r#"SELECT "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance", "owners"."id", "owners"."name" FROM "accounts" INNER JOIN "owners" ON "owners"."id" = "accounts"."owner_id""#);
/// assert!(sql.params().is_empty());
/// ```
pub fn all_columns<T: Table>() -> AllColumns<T> {
    AllColumns(PhantomData)
}

pub(crate) fn model_nodes(table: TableRef) -> Vec<Node> {
    table
        .def
        .columns
        .iter()
        .map(|c| Node::Column {
            table: table.qualifier(),
            name: c.name,
        })
        .collect()
}

impl<T: Table> SelectList for AllColumns<T> {
    type Selection = T;
    type Tables = T;
    fn into_nodes(self) -> Vec<Node> {
        model_nodes(TableRef::of::<T>())
    }
}

macro_rules! tuple_select {
    ($(($($t:ident),+))*) => {$(
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($t: SelectList),+> SelectList for ($($t,)+) {
            type Selection = ($($t::Selection,)+);
            type Tables = tuple_select!(@both $($t),+);
            fn into_nodes(self) -> Vec<Node> {
                let ($($t,)+) = self;
                let mut v = Vec::new();
                $(v.extend($t.into_nodes());)+
                v
            }
        }
    )*};
    (@both $a:ident) => { $a::Tables };
    (@both $a:ident, $($rest:ident),+) => { Both<$a::Tables, tuple_select!(@both $($rest),+)> };
}
tuple_select! {
    (A) (A, B) (A, B, C) (A, B, C, D) (A, B, C, D, E) (A, B, C, D, E, F) (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H) (A, B, C, D, E, F, G, H, I) (A, B, C, D, E, F, G, H, I, J)
    (A, B, C, D, E, F, G, H, I, J, K) (A, B, C, D, E, F, G, H, I, J, K, M)
}

/// `SELECT <all columns of T> FROM T`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let q = select_from::<Account>()
///     .filter(Account::BALANCE.ge(10_i64))
///     .order_by(Account::NAME.asc().nulls_last())
///     .limit(20)
///     .offset(40);
/// let sql = q.to_sql();
/// assert_eq!(
///     sql.sql(),
///     r#"SELECT "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance" FROM "accounts" WHERE "accounts"."balance" >= $1 ORDER BY "accounts"."name" ASC NULLS LAST LIMIT $2 OFFSET $3"#
/// );
/// assert_eq!(sql.params().len(), 3);
/// ```
pub fn select_from<T: Table>() -> Select<Cons<T, Nil>, T> {
    Select::new(SelectCore {
        items: model_nodes(TableRef::of::<T>()),
        from: vec![FromItem::Table {
            table: TableRef::of::<T>(),
            only: false,
        }],
        ..Default::default()
    })
}

/// `SELECT <items>` without FROM, e.g. `select(now())`.
///
/// ```
/// # use orm_core::prelude::*;
/// assert_eq!(select(now()).to_sql().sql(), "SELECT now()");
/// ```
pub fn select<Sel, I>(items: Sel) -> Select<Nil, Sel::Selection>
where
    Sel: SelectList,
    Sel::Tables: TablesIn<Nil, I>,
{
    Select::new(SelectCore {
        items: items.into_nodes(),
        ..Default::default()
    })
}

/// `SELECT * FROM function(..) AS alias(..)`; pick columns with `.select(..)`.
///
/// ```
/// # use orm_core::prelude::*;
/// let s = table_fn("generate_series", (typed_value::<Int8>(1_i64), typed_value::<Int8>(3_i64))).alias("s", ["n"]);
/// let sql = select_from_fn(s).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT * FROM generate_series($1::BIGINT, $2::BIGINT) AS "s"("n")"#);
/// assert_eq!(sql.debug_sql(), r#"SELECT * FROM generate_series(1::BIGINT, 3::BIGINT) AS "s"("n")"#);
/// ```
pub fn select_from_fn(f: TableFn) -> Select<Nil, Star> {
    Select::new(SelectCore {
        from: vec![FromItem::Function(f)],
        ..Default::default()
    })
}

/// `SELECT * FROM "name"`: a CTE (or any relation known only by name).
///
/// ```
/// # use orm_core::prelude::*;
/// let n = alias_col::<Int8>("t", "n");
/// let sql = select_from_name("t").select(n.clone()).filter(n.gt(0_i64)).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT "t"."n" FROM "t" WHERE "t"."n" > $1"#);
/// assert_eq!(sql.debug_sql(), r#"SELECT "t"."n" FROM "t" WHERE "t"."n" > 0"#);
/// ```
pub fn select_from_name(name: &'static str) -> Select<Nil, Star> {
    Select::new(SelectCore {
        from: vec![FromItem::Named { name, alias: None }],
        ..Default::default()
    })
}

/// `SELECT * FROM (subquery) AS alias`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let positive = select_from::<Account>().select(Account::BALANCE).filter(Account::BALANCE.gt(0_i64));
/// let sql = select_from_subquery(positive, "pos").select(max(alias_col::<Int8>("pos", "balance"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT max("pos"."balance") FROM (SELECT "accounts"."balance" FROM "accounts" WHERE "accounts"."balance" > $1) AS "pos""#);
/// assert_eq!(sql.debug_sql(), r#"SELECT max("pos"."balance") FROM (SELECT "accounts"."balance" FROM "accounts" WHERE "accounts"."balance" > 0) AS "pos""#);
/// ```
pub fn select_from_subquery<Q: AnySubQuery>(query: Q, alias: &'static str) -> Select<Nil, Star> {
    Select::new(SelectCore {
        from: vec![FromItem::Subquery {
            query: query.into_any_fragment(),
            alias,
            lateral: false,
        }],
        ..Default::default()
    })
}

impl<L, S, C> Select<L, S, C> {
    fn new(core: SelectCore) -> Self {
        Select {
            core,
            _marker: PhantomData,
        }
    }

    fn retype<L2, S2, C2>(self) -> Select<L2, S2, C2> {
        Select::new(self.core)
    }

    /// Replaces the select list.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select((Account::ID, lower(Account::NAME)));
    /// assert_eq!(q.to_sql().sql(), r#"SELECT "accounts"."id", lower("accounts"."name") FROM "accounts""#);
    /// ```
    pub fn select<Sel, I>(mut self, items: Sel) -> Select<L, Sel::Selection, C>
    where
        Sel: SelectList,
        Sel::Tables: TablesIn<L, I>,
    {
        self.core.items = items.into_nodes();
        self.retype()
    }

    /// Adds a `WHERE` condition (ANDed with earlier ones).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .select(Account::ID)
    ///     .filter(Account::BALANCE.gt(0_i64))
    ///     .filter(Account::NAME.eq("x"));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" > $1 AND "accounts"."name" = $2"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" > 0 AND "accounts"."name" = 'x'"#);
    /// ```
    pub fn filter<E, I>(mut self, cond: E) -> Self
    where
        E: Expression,
        E::SqlType: BoolType,
        E::Tables: TablesIn<L, I>,
    {
        self.core.filter = Some(and_nodes(self.core.filter.take(), cond.into_node()));
        self
    }

    /// `INNER JOIN T ON cond`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .inner_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
    ///     .select((Account::NAME, Owner::NAME))
    ///     .filter(Owner::NAME.eq("Ann"));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."name", "owners"."name" FROM "accounts" INNER JOIN "owners" ON "owners"."id" = "accounts"."owner_id" WHERE "owners"."name" = $1"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."name", "owners"."name" FROM "accounts" INNER JOIN "owners" ON "owners"."id" = "accounts"."owner_id" WHERE "owners"."name" = 'Ann'"#);
    /// ```
    pub fn inner_join<T, I>(self, on: impl JoinOn<Cons<T, L>, I>) -> Select<Cons<T, L>, S, C>
    where
        T: Table,
    {
        self.join::<T>("INNER JOIN", Some(on.into_on_node()))
    }

    /// `LEFT JOIN T ON cond` (decode T's columns into `Option<T>`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .left_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
    ///     .select((Account::NAME, Owner::NAME.coalesce("-")));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."name", COALESCE("owners"."name", $1::TEXT) FROM "accounts" LEFT JOIN "owners" ON "owners"."id" = "accounts"."owner_id""#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."name", COALESCE("owners"."name", '-'::TEXT) FROM "accounts" LEFT JOIN "owners" ON "owners"."id" = "accounts"."owner_id""#);
    /// ```
    pub fn left_join<T, I>(self, on: impl JoinOn<Cons<T, L>, I>) -> Select<Cons<T, L>, S, C>
    where
        T: Table,
    {
        self.join::<T>("LEFT JOIN", Some(on.into_on_node()))
    }

    /// `RIGHT JOIN T ON cond`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .right_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
    ///     .select((Account::NAME, Owner::NAME));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."name", "owners"."name" FROM "accounts" RIGHT JOIN "owners" ON "owners"."id" = "accounts"."owner_id""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn right_join<T, I>(self, on: impl JoinOn<Cons<T, L>, I>) -> Select<Cons<T, L>, S, C>
    where
        T: Table,
    {
        self.join::<T>("RIGHT JOIN", Some(on.into_on_node()))
    }

    /// `FULL JOIN T ON cond`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .full_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
    ///     .select((Account::NAME, Owner::NAME));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."name", "owners"."name" FROM "accounts" FULL JOIN "owners" ON "owners"."id" = "accounts"."owner_id""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn full_join<T, I>(self, on: impl JoinOn<Cons<T, L>, I>) -> Select<Cons<T, L>, S, C>
    where
        T: Table,
    {
        self.join::<T>("FULL JOIN", Some(on.into_on_node()))
    }

    /// `CROSS JOIN T`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().cross_join::<Owner>().select((Account::NAME, Owner::NAME)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."name", "owners"."name" FROM "accounts" CROSS JOIN "owners""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn cross_join<T: Table>(self) -> Select<Cons<T, L>, S, C> {
        self.join::<T>("CROSS JOIN", None)
    }

    fn join<T: Table>(mut self, kind: &'static str, on: Option<Node>) -> Select<Cons<T, L>, S, C> {
        self.core.joins.push(Join {
            kind,
            item: FromItem::Table {
                table: TableRef::of::<T>(),
                only: false,
            },
            on,
        });
        self.retype()
    }

    /// `CROSS JOIN [LATERAL] function(..) AS alias(..)`, e.g. `jsonb_each(t.data)`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let s = table_fn("generate_series", (typed_value::<Int8>(1_i64), typed_value::<Int8>(2_i64))).alias("s", ["n"]);
    /// let q = select_from::<Owner>().cross_join_fn(s.clone()).select((Owner::NAME, s.col::<Int8>("n")));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "owners"."name", "s"."n" FROM "owners" CROSS JOIN generate_series($1::BIGINT, $2::BIGINT) AS "s"("n")"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "owners"."name", "s"."n" FROM "owners" CROSS JOIN generate_series(1::BIGINT, 2::BIGINT) AS "s"("n")"#);
    /// ```
    pub fn cross_join_fn(mut self, f: TableFn) -> Self {
        self.core.joins.push(Join {
            kind: "CROSS JOIN",
            item: FromItem::Function(f),
            on: None,
        });
        self
    }

    /// `INNER JOIN "name" ON cond`: join a CTE or other relation known by name.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let vip = cte("vip", select_from::<Owner>().select(Owner::ID).filter(Owner::NAME.eq("vip")));
    /// let q = select_from::<Account>()
    ///     .with(vip.clone())
    ///     .inner_join_name(vip.name(), Account::OWNER_ID.eq(vip.col::<Int8>("id")))
    ///     .select(Account::ID);
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "vip" AS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = $1) SELECT "accounts"."id" FROM "accounts" INNER JOIN "vip" ON "accounts"."owner_id" = "vip"."id""#);
    /// assert_eq!(sql.debug_sql(), r#"WITH "vip" AS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = 'vip') SELECT "accounts"."id" FROM "accounts" INNER JOIN "vip" ON "accounts"."owner_id" = "vip"."id""#);
    /// ```
    pub fn inner_join_name<E, I>(mut self, name: &'static str, on: E) -> Self
    where
        E: Expression,
        E::SqlType: BoolType,
        E::Tables: TablesIn<L, I>,
    {
        self.core.joins.push(Join {
            kind: "INNER JOIN",
            item: FromItem::Named { name, alias: None },
            on: Some(on.into_node()),
        });
        self
    }

    /// Brings `T` into scope for the type checks without adding it to FROM: for a correlated
    /// subquery that refers to the outer query's table.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let has_owned = exists(select_from::<Owner>().correlate::<Account>().select(Owner::ID).filter(Owner::ID.eq(Account::OWNER_ID)));
    /// let q = select_from::<Account>().select(Account::ID).filter(has_owned);
    /// assert_eq!(
    ///     q.to_sql().sql(),
    ///     r#"SELECT "accounts"."id" FROM "accounts" WHERE EXISTS (SELECT "owners"."id" FROM "owners" WHERE "owners"."id" = "accounts"."owner_id")"#
    /// );
    /// ```
    pub fn correlate<T: Table>(self) -> Select<Cons<T, L>, S, Both<T, C>> {
        self.retype()
    }

    /// `FROM ONLY t`: leave out rows of inheriting tables.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().only().select(Account::ID).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM ONLY "accounts""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn only(mut self) -> Self {
        if let Some(FromItem::Table { only, .. }) = self.core.from.first_mut() {
            *only = true;
        }
        self
    }

    /// `GROUP BY ..` (appends).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select((Account::OWNER_ID, count_star())).group_by(Account::OWNER_ID);
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."owner_id", count(*) FROM "accounts" GROUP BY "accounts"."owner_id""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn group_by<G, I>(mut self, items: G) -> Self
    where
        G: SelectList,
        G::Tables: TablesIn<L, I>,
    {
        self.core.group_by.extend(items.into_nodes());
        self
    }

    /// `HAVING cond` (ANDed with earlier ones).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .select((Account::OWNER_ID, sum(Account::BALANCE)))
    ///     .group_by(Account::OWNER_ID)
    ///     .having(count_star().gt(1_i64));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."owner_id", sum("accounts"."balance") FROM "accounts" GROUP BY "accounts"."owner_id" HAVING count(*) > $1"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."owner_id", sum("accounts"."balance") FROM "accounts" GROUP BY "accounts"."owner_id" HAVING count(*) > 1"#);
    /// ```
    pub fn having<E, I>(mut self, cond: E) -> Self
    where
        E: Expression,
        E::SqlType: BoolType,
        E::Tables: TablesIn<L, I>,
    {
        self.core.having = Some(and_nodes(self.core.having.take(), cond.into_node()));
        self
    }

    /// `ORDER BY ..` (appends): expressions, `.asc()`, `.desc()`, `.nulls_first()`, tuples.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).order_by((Account::BALANCE.desc(), Account::ID));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."balance" DESC, "accounts"."id""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn order_by<O, I>(mut self, order: O) -> Self
    where
        O: OrderList,
        O::Tables: TablesIn<L, I>,
    {
        self.core.order_by.extend(order.into_items());
        self
    }

    /// `LIMIT $n`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).order_by(Account::ID).limit(10).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."id" LIMIT $1"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."id" LIMIT 10"#);
    /// ```
    pub fn limit(mut self, n: i64) -> Self {
        self.core.limit = Some(Node::bind(n));
        self
    }

    /// `OFFSET $n`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).order_by(Account::ID).limit(10).offset(20).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."id" LIMIT $1 OFFSET $2"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."id" LIMIT 10 OFFSET 20"#);
    /// ```
    pub fn offset(mut self, n: i64) -> Self {
        self.core.offset = Some(Node::bind(n));
        self
    }

    /// `SELECT DISTINCT`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::OWNER_ID).distinct().to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT DISTINCT "accounts"."owner_id" FROM "accounts""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn distinct(mut self) -> Self {
        self.core.distinct = Some(Vec::new());
        self
    }

    /// `SELECT DISTINCT ON (..)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).distinct_on(Account::OWNER_ID).order_by((Account::OWNER_ID, Account::BALANCE.desc()));
    /// assert_eq!(
    ///     q.to_sql().sql(),
    ///     r#"SELECT DISTINCT ON ("accounts"."owner_id") "accounts"."id" FROM "accounts" ORDER BY "accounts"."owner_id", "accounts"."balance" DESC"#
    /// );
    /// ```
    pub fn distinct_on<G, I>(mut self, items: G) -> Self
    where
        G: SelectList,
        G::Tables: TablesIn<L, I>,
    {
        self.core.distinct = Some(items.into_nodes());
        self
    }

    fn lock(mut self, strength: &'static str) -> Self {
        self.core.locks.push(Lock {
            strength,
            of: Vec::new(),
            wait: None,
        });
        self
    }

    /// `FOR UPDATE`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).for_update().of::<Account>().skip_locked();
    /// assert_eq!(q.to_sql().sql(), r#"SELECT "accounts"."id" FROM "accounts" FOR UPDATE OF "accounts" SKIP LOCKED"#);
    /// ```
    pub fn for_update(self) -> Self {
        self.lock("FOR UPDATE")
    }
    /// `FOR NO KEY UPDATE`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).filter(Account::ID.eq(1_i64)).for_no_key_update();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."id" = $1 FOR NO KEY UPDATE"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."id" = 1 FOR NO KEY UPDATE"#);
    /// ```
    pub fn for_no_key_update(self) -> Self {
        self.lock("FOR NO KEY UPDATE")
    }
    /// `FOR SHARE`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).for_share().to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" FOR SHARE"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn for_share(self) -> Self {
        self.lock("FOR SHARE")
    }
    /// `FOR KEY SHARE`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).for_key_share().to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" FOR KEY SHARE"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn for_key_share(self) -> Self {
        self.lock("FOR KEY SHARE")
    }
    /// `OF table` on the last lock clause.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .inner_join::<Owner, _>(Owner::ID.eq(Account::OWNER_ID))
    ///     .select(Account::ID)
    ///     .for_no_key_update()
    ///     .of::<Account>();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" INNER JOIN "owners" ON "owners"."id" = "accounts"."owner_id" FOR NO KEY UPDATE OF "accounts""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn of<T: Table>(mut self) -> Self {
        if let Some(l) = self.core.locks.last_mut() {
            l.of.push(TableRef::of::<T>());
        }
        self
    }
    /// `NOWAIT` on the last lock clause.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).for_update().nowait().to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" FOR UPDATE NOWAIT"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn nowait(mut self) -> Self {
        if let Some(l) = self.core.locks.last_mut() {
            l.wait = Some(" NOWAIT");
        }
        self
    }
    /// `SKIP LOCKED` on the last lock clause.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).for_key_share().skip_locked().to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" FOR KEY SHARE SKIP LOCKED"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn skip_locked(mut self) -> Self {
        if let Some(l) = self.core.locks.last_mut() {
            l.wait = Some(" SKIP LOCKED");
        }
        self
    }

    /// `WITH cte, ..` (appends).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let top = cte("top", select_from::<Owner>().select(Owner::ID).filter(Owner::NAME.like("A%")));
    /// let q = select_from::<Account>()
    ///     .with(top)
    ///     .select(Account::NAME)
    ///     .filter(Account::OWNER_ID.in_subquery(select_from_name("top").select(alias_col::<Int8>("top", "id"))));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"WITH "top" AS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" LIKE $1) SELECT "accounts"."name" FROM "accounts" WHERE "accounts"."owner_id" IN (SELECT "top"."id" FROM "top")"#);
    /// assert_eq!(sql.debug_sql(), r#"WITH "top" AS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" LIKE 'A%') SELECT "accounts"."name" FROM "accounts" WHERE "accounts"."owner_id" IN (SELECT "top"."id" FROM "top")"#);
    /// ```
    pub fn with(mut self, cte: Cte) -> Self {
        self.core.ctes.push(cte);
        self
    }

    /// `WITH RECURSIVE cte`: the CTE's query may refer to itself by name.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let n = alias_col::<Int8>("t", "n");
    /// // `typed_value`: a bare `SELECT $1` would make the column TEXT.
    /// let body = select(typed_value::<Int8>(1_i64))
    ///     .union_all(select_from_name("t").select(n.clone() + 1_i64).filter(n.lt(10_i64)));
    /// let q = select_from_name("t").with_recursive(cte("t", body).columns(["n"])).select(sum(alias_col::<Int8>("t", "n")));
    /// assert_eq!(
    ///     q.to_sql().sql(),
    ///     r#"WITH RECURSIVE "t"("n") AS ((SELECT $1::BIGINT) UNION ALL (SELECT "t"."n" + $2 FROM "t" WHERE "t"."n" < $3)) SELECT sum("t"."n") FROM "t""#
    /// );
    /// assert_eq!(q.to_sql().params().len(), 3);
    /// ```
    pub fn with_recursive(mut self, cte: Cte) -> Self {
        self.core.recursive = true;
        self.core.ctes.push(cte);
        self
    }

    /// Builds a tree: `a.union(b).intersect(c)` is `((a) UNION (b)) INTERSECT (c)`, whatever
    /// PostgreSQL's precedence of the operators.
    fn set_op<L2, C2>(
        mut self,
        op: &'static str,
        other: Select<L2, S, C2>,
    ) -> Select<L, S, Both<C, C2>> {
        let left = std::mem::take(&mut self.core);
        self.core = SelectCore {
            compound: Some(Box::new((left, op, other.core))),
            ..Default::default()
        };
        self.retype()
    }
    /// `(this) UNION (other)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .select(Account::NAME)
    ///     .union(select_from::<Owner>().select(Owner::NAME))
    ///     .order_by(Account::NAME);
    /// let sql = q.to_sql();
    /// // The ORDER BY applies to the whole result, so it names the output column.
    /// assert_eq!(sql.sql(), r#"(SELECT "accounts"."name" FROM "accounts") UNION (SELECT "owners"."name" FROM "owners") ORDER BY "name""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn union<L2, C2>(self, other: Select<L2, S, C2>) -> Select<L, S, Both<C, C2>> {
        self.set_op("UNION", other)
    }
    /// `(this) UNION ALL (other)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>()
    ///     .select(Account::NAME)
    ///     .union_all(select_from::<Owner>().select(Owner::NAME))
    ///     .limit(10);
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"(SELECT "accounts"."name" FROM "accounts") UNION ALL (SELECT "owners"."name" FROM "owners") LIMIT $1"#);
    /// assert_eq!(sql.debug_sql(), r#"(SELECT "accounts"."name" FROM "accounts") UNION ALL (SELECT "owners"."name" FROM "owners") LIMIT 10"#);
    /// ```
    pub fn union_all<L2, C2>(self, other: Select<L2, S, C2>) -> Select<L, S, Both<C, C2>> {
        self.set_op("UNION ALL", other)
    }
    /// `(this) INTERSECT (other)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).intersect(select_from::<Owner>().select(Owner::ID));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"(SELECT "accounts"."id" FROM "accounts") INTERSECT (SELECT "owners"."id" FROM "owners")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn intersect<L2, C2>(self, other: Select<L2, S, C2>) -> Select<L, S, Both<C, C2>> {
        self.set_op("INTERSECT", other)
    }
    /// `(this) INTERSECT ALL (other)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).intersect_all(select_from::<Owner>().select(Owner::ID));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"(SELECT "accounts"."id" FROM "accounts") INTERSECT ALL (SELECT "owners"."id" FROM "owners")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn intersect_all<L2, C2>(self, other: Select<L2, S, C2>) -> Select<L, S, Both<C, C2>> {
        self.set_op("INTERSECT ALL", other)
    }
    /// `(this) EXCEPT (other)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Owner>().select(Owner::ID).except(select_from::<Account>().select(Account::ID));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"(SELECT "owners"."id" FROM "owners") EXCEPT (SELECT "accounts"."id" FROM "accounts")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn except<L2, C2>(self, other: Select<L2, S, C2>) -> Select<L, S, Both<C, C2>> {
        self.set_op("EXCEPT", other)
    }
    /// `(this) EXCEPT ALL (other)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Owner>().select(Owner::ID).except_all(select_from::<Account>().select(Account::ID));
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"(SELECT "owners"."id" FROM "owners") EXCEPT ALL (SELECT "accounts"."id" FROM "accounts")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn except_all<L2, C2>(self, other: Select<L2, S, C2>) -> Select<L, S, Both<C, C2>> {
        self.set_op("EXCEPT ALL", other)
    }

    /// `SELECT count(*) FROM (this) AS "counted"`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).filter(Account::BALANCE.gt(0_i64)).count().to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT count(*) FROM (SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" > $1) AS "counted""#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT count(*) FROM (SELECT "accounts"."id" FROM "accounts" WHERE "accounts"."balance" > 0) AS "counted""#);
    /// ```
    pub fn count(self) -> Select<Nil, Int8, C>
    where
        L: 'static,
        S: 'static,
        C: 'static,
    {
        let mut outer: Select<Nil, Star> = select_from_subquery(self, "counted");
        outer.core.items = vec![crate::expr::count_star().into_node()];
        outer.retype()
    }

    /// `(SELECT ..)` as a scalar expression (NULL when it returns no row).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let total = select_from::<Account>()
    ///     .correlate::<Owner>()
    ///     .select(sum(Account::BALANCE))
    ///     .filter(Account::OWNER_ID.eq(Owner::ID));
    /// let sql = select_from::<Owner>().select((Owner::NAME, total.as_scalar())).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "owners"."name", (SELECT sum("accounts"."balance") FROM "accounts" WHERE "accounts"."owner_id" = "owners"."id") FROM "owners""#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn as_scalar(self) -> Expr<Nullable<S::NotNull>, C>
    where
        S: SqlType,
        L: 'static,
        C: 'static,
    {
        Expr::from_node(Node::Subquery(Arc::new(self)))
    }
}

/// The condition of a join: a boolean expression over the tables joined so far.
pub trait JoinOn<L, I> {
    /// The node.
    fn into_on_node(self) -> Node;
}

impl<E, L, I> JoinOn<L, I> for E
where
    E: Expression,
    E::SqlType: BoolType,
    E::Tables: TablesIn<L, I>,
{
    fn into_on_node(self) -> Node {
        self.into_node()
    }
}

pub(crate) fn and_nodes(prev: Option<Node>, next: Node) -> Node {
    match prev {
        None => next,
        Some(p) => Expr::<crate::types::Bool, NoTable>::from_node(p)
            .and(Expr::<crate::types::Bool, NoTable>::from_node(next))
            .into_node(),
    }
}

use crate::expr::ExprExt as _;

impl SelectCore {
    fn walk_body(&self, out: &mut SqlWriter) {
        out.push("SELECT ");
        if let Some(on) = &self.distinct {
            if on.is_empty() {
                out.push("DISTINCT ");
            } else {
                out.push("DISTINCT ON (");
                out.push_list(on, ", ", |out, n| n.walk(out));
                out.push(") ");
            }
        }
        if self.items.is_empty() {
            out.push("*");
        } else {
            out.push_list(&self.items, ", ", |out, n| n.walk(out));
        }
        if !self.from.is_empty() {
            out.push(" FROM ");
            out.push_list(&self.from, ", ", |out, f| f.walk(out));
        }
        for j in &self.joins {
            out.push(" ");
            out.push(j.kind);
            out.push(" ");
            j.item.walk(out);
            if let Some(on) = &j.on {
                out.push(" ON ");
                on.walk(out);
            }
        }
        if let Some(w) = &self.filter {
            out.push(" WHERE ");
            w.walk(out);
        }
        if !self.group_by.is_empty() {
            out.push(" GROUP BY ");
            out.push_list(&self.group_by, ", ", |out, n| n.walk(out));
        }
        if let Some(h) = &self.having {
            out.push(" HAVING ");
            h.walk(out);
        }
    }

    fn walk_tail(&self, out: &mut SqlWriter) {
        if !self.order_by.is_empty() {
            out.push(" ORDER BY ");
            out.push_list(&self.order_by, ", ", |out, o| o.walk(out));
        }
        if let Some(l) = &self.limit {
            out.push(" LIMIT ");
            l.walk(out);
        }
        if let Some(o) = &self.offset {
            out.push(" OFFSET ");
            o.walk(out);
        }
        for l in &self.locks {
            out.push(" ");
            out.push(l.strength);
            if !l.of.is_empty() {
                out.push(" OF ");
                // PostgreSQL wants the relation names unqualified here.
                out.push_list(&l.of, ", ", |out, t| out.push_ident(t.lock_name()));
            }
            if let Some(w) = l.wait {
                out.push(w);
            }
        }
    }
}

pub(crate) fn walk_ctes(ctes: &[Cte], recursive: bool, out: &mut SqlWriter) {
    if !ctes.is_empty() {
        out.push(if recursive {
            "WITH RECURSIVE "
        } else {
            "WITH "
        });
        out.push_list(ctes, ", ", |out, c| c.walk(out));
        out.push(" ");
    }
}

impl QueryFragment for SelectCore {
    fn walk(&self, out: &mut SqlWriter) {
        walk_ctes(&self.ctes, self.recursive, out);
        match &self.compound {
            None => {
                self.walk_body(out);
                self.walk_tail(out);
            }
            Some(compound) => {
                let (left, op, right) = &**compound;
                out.push("(");
                left.walk(out);
                out.push(") ");
                out.push(op);
                out.push(" (");
                right.walk(out);
                out.push(")");
                // ORDER BY of a set operation may only name output columns: unqualified.
                out.with_qualify(false, |out| self.walk_tail(out));
            }
        }
    }
}

impl<L, S, C> QueryFragment for Select<L, S, C> {
    fn walk(&self, out: &mut SqlWriter) {
        self.core.walk(out);
    }
}

impl<L, S, C> Statement for Select<L, S, C> {
    fn compile(&self) -> Result<CompiledSql, InvalidStatement> {
        Ok(self.to_sql())
    }
}

impl<L, S, C> super::CursorQuery for Select<L, S, C> {}

impl<L, S, C> ReturnsRows for Select<L, S, C> {
    type Selection = S;

    fn locks_rows(&self) -> bool {
        !self.core.locks.is_empty()
    }
}

impl<L: 'static, S: SqlType, C: 'static, ST: SqlType<NotNull = S::NotNull>> SubQuery<ST>
    for Select<L, S, C>
{
    type Outer = C;
    fn into_fragment(self) -> Arc<dyn QueryFragment + Send + Sync> {
        Arc::new(self)
    }
}

impl<L: 'static, S: 'static, C: 'static> AnySubQuery for Select<L, S, C> {
    type Outer = C;
    fn into_any_fragment(self) -> Arc<dyn QueryFragment + Send + Sync> {
        Arc::new(self)
    }
}

/// Adds `AS "label"` to a select-list item: `count_star().label("n")`.
pub trait Label: Expression {
    /// `expr AS "name"`. The result can only be selected (not compared or ordered by), since
    /// `AS` is valid nowhere else.
    fn label(self, name: &'static str) -> Labeled<Self::SqlType, Self::Tables> {
        Labeled {
            node: Node::Seq(vec![
                self.into_node(),
                Node::Raw(Cow::Owned(format!(" AS {}", quote_ident(name)))),
            ]),
            _marker: PhantomData,
        }
    }
}
impl<E: Expression> Label for E {}

/// A labeled select-list item; see [`Label::label`].
pub struct Labeled<ST, S> {
    node: Node,
    _marker: PhantomData<fn() -> (ST, S)>,
}

impl<ST, S> std::fmt::Debug for Labeled<ST, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Labeled").field(&self.node).finish()
    }
}

impl<ST, S> SelectList for Labeled<ST, S> {
    type Selection = ST;
    type Tables = S;
    fn into_nodes(self) -> Vec<Node> {
        vec![self.node]
    }
}
