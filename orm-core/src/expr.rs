//! Typed SQL expressions: columns, values, operators, functions, CASE, CAST, subqueries.
//!
//! The typed surface is [`Expression`] (an expression of SQL type `SqlType` that uses the
//! tables `Tables`), [`AsExpression`] (what an operator accepts on its right-hand side: a value
//! or an expression of a compatible type) and the operator methods of [`ExprExt`]. Under it
//! sits an untyped [`Node`] tree that the writer renders; statements store nodes, so their
//! types stay small.
//!
//! ```
//! use orm_core::prelude::*;
//! # use orm_core::__doc::*;
//! let cond = Account::BALANCE.gt(100_i64).and(Account::NAME.ilike("%smith%"));
//! let sql = cond.into_expr().to_sql();
//! assert_eq!(sql.sql(), r#""accounts"."balance" > $1 AND "accounts"."name" ILIKE $2"#);
//! assert_eq!(sql.params().len(), 2);
//! ```

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

pub mod array;
pub mod bits;
pub mod hstore;
pub mod jsonb;
pub mod net;
pub mod text_search;

use crate::column::Column;
use crate::metadata::{NullsOrder, SortOrder, Table, TableDef};
use crate::scope::{Both, NoTable};
use crate::types::{
    Arithmetic, Array, Bool, BoolType, Int8, Nullable, Numeric, Row, SqlType, Text, TextType,
};
use crate::value::{BindValue, Param};
use crate::writer::{QueryFragment, SqlWriter};

mod range;
pub use range::{
    ElementOf, IsMultirange, IsRange, MultirangeOf, RangeExt, RangeOf, elem_contained_by,
    range_agg, range_intersect_agg,
};

/// The untyped expression tree the writer renders.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Node {
    /// `"table"."column"` (qualified when the writer qualifies).
    Column {
        /// The table (or alias) that qualifies the column.
        table: Qualifier,
        /// Column name.
        name: &'static str,
    },
    /// A column of a CTE, subquery or function alias: `"alias"."name"`.
    AliasColumn {
        /// The alias.
        alias: Cow<'static, str>,
        /// Column name.
        name: Cow<'static, str>,
    },
    /// A bound value: `$n`.
    Param(Param),
    /// Trusted SQL text.
    #[non_exhaustive]
    Raw(Cow<'static, str>),
    /// Nodes written one after the other (raw fragments with binds).
    Seq(Vec<Node>),
    /// `lhs <op> rhs`
    Binary {
        /// The operator.
        op: &'static str,
        /// Left side.
        lhs: Box<Node>,
        /// Right side.
        rhs: Box<Node>,
    },
    /// `NOT expr`, `-expr`
    Prefix {
        /// The operator, with trailing space when a keyword.
        op: &'static str,
        /// Operand.
        expr: Box<Node>,
    },
    /// `expr IS NULL` and friends.
    Postfix {
        /// Operand.
        expr: Box<Node>,
        /// The operator, with leading space.
        op: &'static str,
    },
    /// `expr [NOT] BETWEEN low AND high`
    Between {
        /// Operand.
        expr: Box<Node>,
        /// Lower bound.
        low: Box<Node>,
        /// Upper bound.
        high: Box<Node>,
        /// `NOT BETWEEN`
        negated: bool,
    },
    /// `expr [NOT] IN (a, b, ..)` or `expr [NOT] IN (subquery)`
    In {
        /// Operand.
        expr: Box<Node>,
        /// The list or a single subquery node.
        list: Vec<Node>,
        /// `NOT IN`
        negated: bool,
    },
    /// `expr <op> ANY (array)` / `ALL (array)`
    Quantified {
        /// Operand.
        expr: Box<Node>,
        /// Comparison operator.
        op: &'static str,
        /// `ANY` or `ALL`.
        quantifier: &'static str,
        /// The array (a bound array, an array column, a subquery).
        array: Box<Node>,
    },
    /// A function call or aggregate.
    #[non_exhaustive]
    Func(Box<FuncCall>),
    /// `CAST(expr AS type)`
    #[non_exhaustive]
    Cast {
        /// Operand.
        expr: Box<Node>,
        /// Target type, trusted SQL.
        ty: Cow<'static, str>,
    },
    /// `expr::type` (PostgreSQL's cast shorthand; binds tightest).
    #[non_exhaustive]
    TypeCast {
        /// Operand.
        expr: Box<Node>,
        /// Target type, trusted SQL.
        ty: Cow<'static, str>,
    },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`
    Case {
        /// `CASE x WHEN ..` form.
        operand: Option<Box<Node>>,
        /// WHEN/THEN pairs.
        whens: Vec<(Node, Node)>,
        /// ELSE.
        otherwise: Option<Box<Node>>,
    },
    /// `(a, b, ..)`: a row value or a parenthesized list.
    Tuple(Vec<Node>),
    /// `ARRAY[a, b, ..]`
    ArrayLit(Vec<Node>),
    /// `(SELECT ..)`
    Subquery(Arc<dyn QueryFragment + Send + Sync>),
    /// `EXISTS (SELECT ..)`
    Exists {
        /// The subquery.
        query: Arc<dyn QueryFragment + Send + Sync>,
        /// `NOT EXISTS`
        negated: bool,
    },
    /// `*`
    Star,
    /// `DEFAULT` (in VALUES and SET).
    Default,
    /// `(expr)`: an explicit grouping.
    Paren(Box<Node>),
    /// `expr[index]` or `expr[lower:upper]`: an array subscript or slice (1-based).
    Subscript {
        /// The array.
        expr: Box<Node>,
        /// The index, or the slice's lower bound (`None`: from the start).
        index: Option<Box<Node>>,
        /// `Some(..)` for a slice: its upper bound (`Some(None)`: to the end).
        upper: Option<Option<Box<Node>>>,
    },
}

impl std::fmt::Debug for dyn QueryFragment + Send + Sync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.to_sql().sql())
    }
}

/// Gives a bare parameter its SQL type (`$1::BIGINT`), for places where the server cannot
/// infer it (CASE results, COALESCE arguments, CAST operands, select-list values); any other
/// node is returned as is.
pub(crate) fn typed_param(node: Node, ty: crate::types::TypeInfo) -> Node {
    match node {
        Node::Param(_) => Node::TypeCast {
            expr: Box::new(node),
            ty: Cow::Owned(ty.to_sql()),
        },
        other => other,
    }
}

/// What qualifies a column: its table or an alias.
#[derive(Debug, Clone, Copy)]
pub enum Qualifier {
    /// The table itself (schema-qualified when it has a schema).
    Table(&'static TableDef),
    /// An alias (`FROM users AS u`).
    Alias(&'static str),
}

/// A function call: `name([DISTINCT] args [ORDER BY ..]) [FILTER (WHERE ..)] [OVER ..]`.
/// Built by [`func`] and the aggregate helpers (the name is trusted SQL, so it cannot be
/// built from a run-time string outside this crate).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FuncCall {
    /// Function name (trusted SQL; may be schema-qualified).
    pub name: Cow<'static, str>,
    /// Arguments.
    pub args: Vec<Node>,
    /// `DISTINCT` (aggregates).
    pub distinct: bool,
    /// `ORDER BY` inside the call (ordered aggregates).
    pub order_by: Vec<OrderItem>,
    /// `FILTER (WHERE ..)`.
    pub filter: Option<Node>,
}

/// One `ORDER BY` item.
#[derive(Debug, Clone)]
pub struct OrderItem {
    /// The expression.
    pub node: Node,
    /// `ASC` / `DESC` (nothing written when `None`).
    pub order: Option<SortOrder>,
    /// `NULLS FIRST` / `NULLS LAST`.
    pub nulls: Option<NullsOrder>,
}

impl Node {
    /// A bound value.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// use orm_core::expr::Node;
    /// let sql = Node::bind(5_i64).to_sql();
    /// assert_eq!(sql.sql(), "$1");
    /// assert_eq!(sql.debug_sql(), "5");
    /// ```
    pub fn bind<T: BindValue>(value: T) -> Node {
        Node::Param(Arc::new(value))
    }

    fn binary(op: &'static str, lhs: Node, rhs: Node) -> Node {
        Node::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        }
    }

    fn func(name: impl Into<Cow<'static, str>>, args: Vec<Node>) -> Node {
        Node::Func(Box::new(FuncCall {
            name: name.into(),
            args,
            distinct: false,
            order_by: Vec::new(),
            filter: None,
        }))
    }

    /// Binding strength, for parentheses: higher binds tighter. The levels follow
    /// PostgreSQL's operator precedence table, loosest first: OR, AND, NOT, IS, comparison,
    /// LIKE/BETWEEN/IN, other operators, `+ -`, `* / %`, `^`, unary minus, atoms.
    fn precedence(&self) -> u8 {
        match self {
            Node::Binary { op, .. } => binary_precedence(op),
            Node::Prefix { op, .. } if *op == "NOT " => 3,
            Node::Prefix { .. } => 11,
            Node::Postfix { .. } => 4,
            Node::Quantified { .. } => 5,
            Node::Between { .. } | Node::In { .. } => 6,
            // Raw SQL could be anything (`a OR b`): as an operand it is always grouped.
            Node::Seq(_) | Node::Raw(_) => 0,
            _ => 12,
        }
    }
}

fn binary_precedence(op: &str) -> u8 {
    match op {
        "OR" => 1,
        "AND" => 2,
        "IS DISTINCT FROM" | "IS NOT DISTINCT FROM" => 4,
        "=" | "<>" | "<" | "<=" | ">" | ">=" => 5,
        "LIKE" | "ILIKE" | "NOT LIKE" | "NOT ILIKE" => 6,
        "+" | "-" => 8,
        "*" | "/" | "%" => 9,
        "^" => 10,
        // Every other operator (||, @>, ->, ..) is a PostgreSQL "other operator": it binds
        // tighter than comparisons and looser than arithmetic.
        _ => 7,
    }
}

/// Comparison-like operators do not chain (`a = b = c` is a syntax error), so an operand of
/// the same level is grouped on either side.
fn left_associative(op: &str) -> bool {
    !matches!(binary_precedence(op), 4..=6)
}

fn associative(op: &str) -> bool {
    matches!(op, "AND" | "OR" | "+" | "*" | "||")
}

fn walk_child(out: &mut SqlWriter, child: &Node, parent_prec: u8, same_op_ok: bool) {
    let p = child.precedence();
    if p < parent_prec || (p == parent_prec && !same_op_ok) {
        out.push("(");
        child.walk(out);
        out.push(")");
    } else {
        child.walk(out);
    }
}

impl QueryFragment for Node {
    fn walk(&self, out: &mut SqlWriter) {
        match self {
            Node::Column { table, name } => {
                if out.qualify() {
                    match table {
                        Qualifier::Table(def) => {
                            if let Some(schema) = def.schema {
                                out.push_ident(schema);
                                out.push(".");
                            }
                            out.push_ident(def.name);
                        }
                        Qualifier::Alias(a) => out.push_ident(a),
                    }
                    out.push(".");
                }
                out.push_ident(name);
            }
            Node::AliasColumn { alias, name } => {
                out.push_ident(alias);
                out.push(".");
                out.push_ident(name);
            }
            Node::Param(p) => out.push_param(p),
            Node::Raw(s) => out.push(s),
            Node::Seq(nodes) => {
                for n in nodes {
                    n.walk(out);
                }
            }
            Node::Binary { op, lhs, rhs } => {
                let prec = binary_precedence(op);
                let assoc = associative(op);
                walk_child(out, lhs, prec, left_associative(op));
                out.push(" ");
                out.push(op);
                out.push(" ");
                // Right operand: equal precedence needs parentheses unless the operator is
                // associative and the same (`a - (b - c)`, but `a AND b AND c`).
                let same = matches!(&**rhs, Node::Binary { op: o, .. } if o == op);
                walk_child(out, rhs, prec, assoc && same);
            }
            Node::Prefix { op, expr } => {
                out.push(op);
                // `-(-x)`, never `--x`, which would start a comment.
                let glued = *op == "-" && matches!(&**expr, Node::Prefix { op: "-", .. });
                walk_child(out, expr, self.precedence(), !glued);
            }
            Node::Postfix { expr, op } => {
                walk_child(out, expr, self.precedence() + 1, false);
                out.push(op);
            }
            Node::Between {
                expr,
                low,
                high,
                negated,
            } => {
                walk_child(out, expr, 6, false);
                out.push(if *negated {
                    " NOT BETWEEN "
                } else {
                    " BETWEEN "
                });
                walk_child(out, low, 6, false);
                out.push(" AND ");
                walk_child(out, high, 6, false);
            }
            Node::In {
                expr,
                list,
                negated,
            } => {
                walk_child(out, expr, 7, false);
                out.push(if *negated { " NOT IN (" } else { " IN (" });
                match list.as_slice() {
                    [Node::Subquery(q)] => q.walk(out),
                    _ => out.push_list(list, ", ", |out, n| n.walk(out)),
                }
                out.push(")");
            }
            Node::Quantified {
                expr,
                op,
                quantifier,
                array,
            } => {
                walk_child(out, expr, 6, false);
                out.push(" ");
                out.push(op);
                out.push(" ");
                out.push(quantifier);
                out.push("(");
                match &**array {
                    Node::Subquery(q) => q.walk(out),
                    other => other.walk(out),
                }
                out.push(")");
            }
            Node::Func(f) => f.walk(out),
            Node::Cast { expr, ty } => {
                out.push("CAST(");
                expr.walk(out);
                out.push(" AS ");
                out.push(ty);
                out.push(")");
            }
            Node::TypeCast { expr, ty } => {
                walk_child(out, expr, 12, true);
                out.push("::");
                out.push(ty);
            }
            Node::Case {
                operand,
                whens,
                otherwise,
            } => {
                out.push("CASE");
                if let Some(op) = operand {
                    out.push(" ");
                    op.walk(out);
                }
                for (w, t) in whens {
                    out.push(" WHEN ");
                    w.walk(out);
                    out.push(" THEN ");
                    t.walk(out);
                }
                if let Some(e) = otherwise {
                    out.push(" ELSE ");
                    e.walk(out);
                }
                out.push(" END");
            }
            Node::Tuple(items) => {
                out.push("(");
                out.push_list(items, ", ", |out, n| n.walk(out));
                out.push(")");
            }
            Node::ArrayLit(items) => {
                out.push("ARRAY[");
                out.push_list(items, ", ", |out, n| n.walk(out));
                out.push("]");
            }
            Node::Subquery(q) => {
                out.push("(");
                q.walk(out);
                out.push(")");
            }
            Node::Exists { query, negated } => {
                out.push(if *negated { "NOT EXISTS (" } else { "EXISTS (" });
                query.walk(out);
                out.push(")");
            }
            Node::Subscript { expr, index, upper } => {
                // A column takes a subscript as is; anything else needs parentheses.
                let bare = matches!(&**expr, Node::Column { .. } | Node::AliasColumn { .. });
                if bare {
                    expr.walk(out);
                } else {
                    out.push("(");
                    expr.walk(out);
                    out.push(")");
                }
                out.push("[");
                if let Some(i) = index {
                    i.walk(out);
                }
                if let Some(upper) = upper {
                    out.push(":");
                    if let Some(u) = upper {
                        u.walk(out);
                    }
                }
                out.push("]");
            }
            Node::Star => out.push("*"),
            Node::Default => out.push("DEFAULT"),
            Node::Paren(n) => {
                out.push("(");
                n.walk(out);
                out.push(")");
            }
        }
    }
}

impl QueryFragment for FuncCall {
    fn walk(&self, out: &mut SqlWriter) {
        out.push(&self.name);
        out.push("(");
        if self.distinct {
            out.push("DISTINCT ");
        }
        out.push_list(&self.args, ", ", |out, n| n.walk(out));
        if !self.order_by.is_empty() {
            out.push(" ORDER BY ");
            out.push_list(&self.order_by, ", ", |out, o| o.walk(out));
        }
        out.push(")");
        if let Some(f) = &self.filter {
            out.push(" FILTER (WHERE ");
            f.walk(out);
            out.push(")");
        }
    }
}

impl QueryFragment for OrderItem {
    fn walk(&self, out: &mut SqlWriter) {
        self.node.walk(out);
        match self.order {
            Some(SortOrder::Asc) => out.push(" ASC"),
            Some(SortOrder::Desc) => out.push(" DESC"),
            None => {}
        }
        match self.nulls {
            Some(NullsOrder::First) => out.push(" NULLS FIRST"),
            Some(NullsOrder::Last) => out.push(" NULLS LAST"),
            None => {}
        }
    }
}

/// A typed SQL expression.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a SQL expression",
    note = "expressions are columns (`User::ID`), `Expr` values built from them, or values passed where a column's operator expects them"
)]
pub trait Expression: Sized {
    /// The expression's SQL type.
    type SqlType: SqlType;
    /// The tables it uses (see [`crate::scope`]).
    type Tables;
    /// The untyped node.
    fn into_node(self) -> Node;

    /// As an [`Expr`].
    fn into_expr(self) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(self.into_node())
    }
}

/// Something usable where an expression of SQL type `ST` is expected: a Rust value of a
/// matching type (bound as `$n`), or an expression whose base type matches (a `Nullable<Int8>`
/// column where an `Int8` is expected, and the other way round).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a `{ST}` value",
    label = "expected a value or expression of SQL type `{ST}`",
    note = "the Rust ↔ SQL type table is in `orm_core::types`; a NULL (`Option`) only goes into a nullable column"
)]
pub trait AsExpression<ST: SqlType> {
    /// The tables the value uses (`NoTable` for plain values).
    type Tables;
    /// Whether the value may be NULL ([`IsNull`](crate::types::IsNull) /
    /// [`NotNull`](crate::types::NotNull)); assignments check it.
    type Null;
    /// The untyped node.
    fn into_node(self) -> Node;
}

impl<E, ST> AsExpression<ST> for E
where
    E: Expression,
    ST: SqlType,
    E::SqlType: SqlType<NotNull = ST::NotNull>,
{
    type Tables = E::Tables;
    type Null = <E::SqlType as SqlType>::Null;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

/// What `SET col = ..` and `VALUES (..)` accept for a column of type `ST`: an
/// [`AsExpression<ST>`] whose nullability fits the column (NOT NULL goes anywhere, a value or
/// expression that may be NULL only into a nullable column).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be assigned to a `{ST}` column",
    label = "expected a value or expression of SQL type `{ST}`",
    note = "the type must match the column's, and only a nullable column takes a value that may be NULL"
)]
pub trait Assign<ST: SqlType>: AsExpression<ST> {}

impl<V, ST> Assign<ST> for V
where
    ST: SqlType,
    V: AsExpression<ST>,
    V::Null: crate::types::NullFits<ST::Null>,
{
}

/// An expression of SQL type `ST` that uses the tables `S`.
pub struct Expr<ST, S = NoTable> {
    node: Node,
    _marker: PhantomData<fn() -> (ST, S)>,
}

impl<ST, S> Expr<ST, S> {
    /// Wraps a node. The caller vouches for its type; prefer the typed constructors.
    pub fn from_node(node: Node) -> Self {
        Expr {
            node,
            _marker: PhantomData,
        }
    }

    /// The node.
    pub fn node(&self) -> &Node {
        &self.node
    }
}

impl<ST, S> Clone for Expr<ST, S> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<ST, S> std::fmt::Debug for Expr<ST, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Expr")
            .field(&self.node.to_sql().sql())
            .finish()
    }
}

impl<ST: SqlType, S> Expression for Expr<ST, S> {
    type SqlType = ST;
    type Tables = S;
    fn into_node(self) -> Node {
        self.node
    }
}

impl<ST, S> QueryFragment for Expr<ST, S> {
    fn walk(&self, out: &mut SqlWriter) {
        self.node.walk(out);
    }
}

impl<T: Table, ST: SqlType> Expression for Column<T, ST> {
    type SqlType = ST;
    type Tables = T;
    fn into_node(self) -> Node {
        Node::Column {
            table: crate::metadata::TableRef::of::<T>().qualifier(),
            name: self.name(),
        }
    }
}

/// The base (not-null) type of an expression.
pub type BaseOf<E> = <<E as Expression>::SqlType as SqlType>::NotNull;

type Cond<L, R> = Expr<Bool, Both<L, R>>;

/// Tables of three expressions.
pub type Both3<A, B, C> = Both<A, Both<B, C>>;

/// Operators on every expression. In the prelude.
// `is_null`, `is_distinct_from`: the SQL names win over clippy's `is_*` convention (these build
// expressions, they do not answer a question).
#[allow(
    clippy::wrong_self_convention,
    reason = "named after the SQL operators"
)]
pub trait ExprExt: Expression {
    /// `self = rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::ID.eq(7_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."id" = $1"#);
    /// ```
    fn eq<R: AsExpression<BaseOf<Self>>>(self, rhs: R) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary("=", self.into_node(), rhs.into_node()))
    }
    /// `self <> rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.ne("Ann").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" <> $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."name" <> 'Ann'"#);
    /// ```
    fn ne<R: AsExpression<BaseOf<Self>>>(self, rhs: R) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary("<>", self.into_node(), rhs.into_node()))
    }
    /// `self < rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.lt(0_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" < $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" < 0"#);
    /// ```
    fn lt<R: AsExpression<BaseOf<Self>>>(self, rhs: R) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary("<", self.into_node(), rhs.into_node()))
    }
    /// `self <= rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.le(0_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" <= $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" <= 0"#);
    /// ```
    fn le<R: AsExpression<BaseOf<Self>>>(self, rhs: R) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary("<=", self.into_node(), rhs.into_node()))
    }
    /// `self > rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.gt(100_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" > $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" > 100"#);
    /// ```
    fn gt<R: AsExpression<BaseOf<Self>>>(self, rhs: R) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary(">", self.into_node(), rhs.into_node()))
    }
    /// `self >= rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.ge(100_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" >= $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" >= 100"#);
    /// ```
    fn ge<R: AsExpression<BaseOf<Self>>>(self, rhs: R) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary(">=", self.into_node(), rhs.into_node()))
    }
    /// `self IS DISTINCT FROM rhs` (NULL-safe `<>`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::OWNER_ID.is_distinct_from(3_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."owner_id" IS DISTINCT FROM $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."owner_id" IS DISTINCT FROM 3"#);
    /// ```
    fn is_distinct_from<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary(
            "IS DISTINCT FROM",
            self.into_node(),
            rhs.into_node(),
        ))
    }
    /// `self IS NOT DISTINCT FROM rhs` (NULL-safe `=`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::OWNER_ID.is_not_distinct_from(None::<i64>).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."owner_id" IS NOT DISTINCT FROM $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."owner_id" IS NOT DISTINCT FROM NULL"#);
    /// ```
    fn is_not_distinct_from<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary(
            "IS NOT DISTINCT FROM",
            self.into_node(),
            rhs.into_node(),
        ))
    }
    /// `self IS NULL`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::OWNER_ID.is_null().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."owner_id" IS NULL"#);
    /// assert!(sql.params().is_empty());
    /// ```
    fn is_null(self) -> Expr<Bool, Self::Tables> {
        Expr::from_node(Node::Postfix {
            expr: Box::new(self.into_node()),
            op: " IS NULL",
        })
    }
    /// `self IS NOT NULL`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::OWNER_ID.is_not_null().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."owner_id" IS NOT NULL"#);
    /// assert!(sql.params().is_empty());
    /// ```
    fn is_not_null(self) -> Expr<Bool, Self::Tables> {
        Expr::from_node(Node::Postfix {
            expr: Box::new(self.into_node()),
            op: " IS NOT NULL",
        })
    }
    /// `self BETWEEN low AND high`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.between(10_i64, 20_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" BETWEEN $1 AND $2"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" BETWEEN 10 AND 20"#);
    /// ```
    fn between<L, H>(self, low: L, high: H) -> Expr<Bool, Both3<Self::Tables, L::Tables, H::Tables>>
    where
        L: AsExpression<BaseOf<Self>>,
        H: AsExpression<BaseOf<Self>>,
    {
        Expr::from_node(Node::Between {
            expr: Box::new(self.into_node()),
            low: Box::new(low.into_node()),
            high: Box::new(high.into_node()),
            negated: false,
        })
    }
    /// `self NOT BETWEEN low AND high`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.not_between(10_i64, 20_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" NOT BETWEEN $1 AND $2"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" NOT BETWEEN 10 AND 20"#);
    /// ```
    fn not_between<L, H>(
        self,
        low: L,
        high: H,
    ) -> Expr<Bool, Both3<Self::Tables, L::Tables, H::Tables>>
    where
        L: AsExpression<BaseOf<Self>>,
        H: AsExpression<BaseOf<Self>>,
    {
        Expr::from_node(Node::Between {
            expr: Box::new(self.into_node()),
            low: Box::new(low.into_node()),
            high: Box::new(high.into_node()),
            negated: true,
        })
    }
    /// `self IN ($1, $2, ..)`: one parameter per value. An empty list renders `IN (NULL)`,
    /// which matches nothing. For long lists prefer [`ExprExt::eq_any`] (one array parameter).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::ID.in_list([1_i64, 2, 3]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."id" IN ($1, $2, $3)"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."id" IN (1, 2, 3)"#);
    /// let empty = Account::ID.in_list(Vec::<i64>::new()).into_expr().to_sql();
    /// assert_eq!(empty.sql(), r#""accounts"."id" IN (NULL)"#);
    /// ```
    fn in_list<I>(self, values: I) -> Expr<Bool, Self::Tables>
    where
        I: IntoIterator,
        I::Item: AsExpression<BaseOf<Self>, Tables = NoTable>,
    {
        let mut list: Vec<Node> = values.into_iter().map(|v| v.into_node()).collect();
        if list.is_empty() {
            list.push(Node::Raw(Cow::Borrowed("NULL")));
        }
        Expr::from_node(Node::In {
            expr: Box::new(self.into_node()),
            list,
            negated: false,
        })
    }
    /// `self NOT IN ($1, $2, ..)`. An empty list renders `NOT IN (NULL)`; use
    /// [`ExprExt::ne_all`] for "none of", which is true for an empty list.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.not_in_list(["a", "b"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" NOT IN ($1, $2)"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."name" NOT IN ('a', 'b')"#);
    /// let empty = Account::NAME.not_in_list(Vec::<String>::new()).into_expr().to_sql();
    /// assert_eq!(empty.sql(), r#""accounts"."name" NOT IN (NULL)"#);
    /// ```
    fn not_in_list<I>(self, values: I) -> Expr<Bool, Self::Tables>
    where
        I: IntoIterator,
        I::Item: AsExpression<BaseOf<Self>, Tables = NoTable>,
    {
        let mut list: Vec<Node> = values.into_iter().map(|v| v.into_node()).collect();
        if list.is_empty() {
            list.push(Node::Raw(Cow::Borrowed("NULL")));
        }
        Expr::from_node(Node::In {
            expr: Box::new(self.into_node()),
            list,
            negated: true,
        })
    }
    /// `self IN (SELECT ..)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let named_ann = select_from::<Owner>().select(Owner::ID).filter(Owner::NAME.eq("Ann"));
    /// let sql = Account::OWNER_ID.in_subquery(named_ann).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."owner_id" IN (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = $1)"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."owner_id" IN (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = 'Ann')"#);
    /// ```
    fn in_subquery<Q>(self, query: Q) -> Expr<Bool, Both<Self::Tables, Q::Outer>>
    where
        Q: crate::query::SubQuery<BaseOf<Self>>,
    {
        Expr::from_node(Node::In {
            expr: Box::new(self.into_node()),
            list: vec![Node::Subquery(query.into_fragment())],
            negated: false,
        })
    }
    /// `self NOT IN (SELECT ..)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::OWNER_ID.not_in_subquery(select_from::<Owner>().select(Owner::ID)).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."owner_id" NOT IN (SELECT "owners"."id" FROM "owners")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    fn not_in_subquery<Q>(self, query: Q) -> Expr<Bool, Both<Self::Tables, Q::Outer>>
    where
        Q: crate::query::SubQuery<BaseOf<Self>>,
    {
        Expr::from_node(Node::In {
            expr: Box::new(self.into_node()),
            list: vec![Node::Subquery(query.into_fragment())],
            negated: true,
        })
    }
    /// `self = ANY($1)` with the whole list as one array parameter: one statement text for
    /// any number of values, so the prepared statement is reused.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::ID.eq_any(vec![1_i64, 2, 3]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."id" = ANY($1)"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn eq_any<A>(self, array: A) -> Expr<Bool, Both<Self::Tables, A::Tables>>
    where
        A: AsExpression<Array<BaseOf<Self>>>,
    {
        Expr::from_node(Node::Quantified {
            expr: Box::new(self.into_node()),
            op: "=",
            quantifier: "ANY",
            array: Box::new(array.into_node()),
        })
    }
    /// `self <> ALL($1)`: "none of", true for an empty array.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::ID.ne_all(vec![1_i64, 2]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."id" <> ALL($1)"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn ne_all<A>(self, array: A) -> Expr<Bool, Both<Self::Tables, A::Tables>>
    where
        A: AsExpression<Array<BaseOf<Self>>>,
    {
        Expr::from_node(Node::Quantified {
            expr: Box::new(self.into_node()),
            op: "<>",
            quantifier: "ALL",
            array: Box::new(array.into_node()),
        })
    }
    /// `self <op> ANY(array)` for any comparison operator (`<`, `>=`, `LIKE`, ..).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.any_op("LIKE", vec!["a%".to_owned(), "b%".to_owned()]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" LIKE ANY($1)"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn any_op<A>(self, op: &'static str, array: A) -> Expr<Bool, Both<Self::Tables, A::Tables>>
    where
        A: AsExpression<Array<BaseOf<Self>>>,
    {
        Expr::from_node(Node::Quantified {
            expr: Box::new(self.into_node()),
            op,
            quantifier: "ANY",
            array: Box::new(array.into_node()),
        })
    }
    /// `self <op> ALL(array)`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.all_op(">", vec![0_i64, 10]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" > ALL($1)"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn all_op<A>(self, op: &'static str, array: A) -> Expr<Bool, Both<Self::Tables, A::Tables>>
    where
        A: AsExpression<Array<BaseOf<Self>>>,
    {
        Expr::from_node(Node::Quantified {
            expr: Box::new(self.into_node()),
            op,
            quantifier: "ALL",
            array: Box::new(array.into_node()),
        })
    }
    /// `self LIKE pattern`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.like("A%").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" LIKE $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."name" LIKE 'A%'"#);
    /// ```
    fn like<R: AsExpression<Text>>(self, pattern: R) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: TextType,
    {
        Expr::from_node(Node::binary("LIKE", self.into_node(), pattern.into_node()))
    }
    /// `self NOT LIKE pattern`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.not_like("A%").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" NOT LIKE $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."name" NOT LIKE 'A%'"#);
    /// ```
    fn not_like<R: AsExpression<Text>>(self, pattern: R) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: TextType,
    {
        Expr::from_node(Node::binary(
            "NOT LIKE",
            self.into_node(),
            pattern.into_node(),
        ))
    }
    /// `self ILIKE pattern` (case-insensitive)
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.ilike("a%").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" ILIKE $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."name" ILIKE 'a%'"#);
    /// ```
    fn ilike<R: AsExpression<Text>>(self, pattern: R) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: TextType,
    {
        Expr::from_node(Node::binary("ILIKE", self.into_node(), pattern.into_node()))
    }
    /// `self NOT ILIKE pattern`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.not_ilike("a%").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" NOT ILIKE $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."name" NOT ILIKE 'a%'"#);
    /// ```
    fn not_ilike<R: AsExpression<Text>>(self, pattern: R) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: TextType,
    {
        Expr::from_node(Node::binary(
            "NOT ILIKE",
            self.into_node(),
            pattern.into_node(),
        ))
    }
    /// `self || rhs` (text concatenation).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.concat(" ").concat(Owner::NAME).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" || $1 || "owners"."name""#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."name" || ' ' || "owners"."name""#);
    /// ```
    fn concat<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>>
    where
        Self::SqlType: TextType,
    {
        Expr::from_node(Node::binary("||", self.into_node(), rhs.into_node()))
    }
    /// `self AND rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.gt(0_i64).and(Account::OWNER_ID.is_not_null()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" > $1 AND "accounts"."owner_id" IS NOT NULL"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" > 0 AND "accounts"."owner_id" IS NOT NULL"#);
    /// ```
    fn and<R>(self, rhs: R) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: BoolType,
        R: AsExpression<Bool>,
    {
        Expr::from_node(Node::binary("AND", self.into_node(), rhs.into_node()))
    }
    /// `self OR rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let either = Account::BALANCE.lt(0_i64).or(Account::NAME.eq("x"));
    /// let sql = either.and(Account::ID.gt(5_i64)).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"("accounts"."balance" < $1 OR "accounts"."name" = $2) AND "accounts"."id" > $3"#);
    /// assert_eq!(sql.debug_sql(), r#"("accounts"."balance" < 0 OR "accounts"."name" = 'x') AND "accounts"."id" > 5"#);
    /// ```
    fn or<R>(self, rhs: R) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: BoolType,
        R: AsExpression<Bool>,
    {
        Expr::from_node(Node::binary("OR", self.into_node(), rhs.into_node()))
    }
    /// `NOT self`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.eq("x").or(Account::NAME.eq("y")).not().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"NOT ("accounts"."name" = $1 OR "accounts"."name" = $2)"#);
    /// assert_eq!(sql.debug_sql(), r#"NOT ("accounts"."name" = 'x' OR "accounts"."name" = 'y')"#);
    /// ```
    fn not(self) -> Expr<Bool, Self::Tables>
    where
        Self::SqlType: BoolType,
    {
        Expr::from_node(Node::Prefix {
            op: "NOT ",
            expr: Box::new(self.into_node()),
        })
    }
    /// `self + rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.add(5_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" + $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" + 5"#);
    /// ```
    fn add<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>>
    where
        Self::SqlType: Arithmetic,
    {
        Expr::from_node(Node::binary("+", self.into_node(), rhs.into_node()))
    }
    /// `self - rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.sub(Account::BALANCE.div(10_i64)).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" - "accounts"."balance" / $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" - "accounts"."balance" / 10"#);
    /// ```
    fn sub<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>>
    where
        Self::SqlType: Arithmetic,
    {
        Expr::from_node(Node::binary("-", self.into_node(), rhs.into_node()))
    }
    /// `self * rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.add(1_i64).mul(2_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"("accounts"."balance" + $1) * $2"#);
    /// assert_eq!(sql.debug_sql(), r#"("accounts"."balance" + 1) * 2"#);
    /// ```
    fn mul<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>>
    where
        Self::SqlType: Arithmetic,
    {
        Expr::from_node(Node::binary("*", self.into_node(), rhs.into_node()))
    }
    /// `self / rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.div(100_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" / $1"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" / 100"#);
    /// ```
    fn div<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>>
    where
        Self::SqlType: Arithmetic,
    {
        Expr::from_node(Node::binary("/", self.into_node(), rhs.into_node()))
    }
    /// `self % rhs`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.rem(2_i64).eq(0_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" % $1 = $2"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" % 2 = 0"#);
    /// ```
    fn rem<R: AsExpression<Self::SqlType>>(
        self,
        rhs: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>>
    where
        Self::SqlType: Arithmetic,
    {
        Expr::from_node(Node::binary("%", self.into_node(), rhs.into_node()))
    }
    /// `- self`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.neg().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"-"accounts"."balance""#);
    /// assert!(sql.params().is_empty());
    /// let sql = Account::BALANCE.add(1_i64).neg().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"-("accounts"."balance" + $1)"#);
    /// assert_eq!(sql.debug_sql(), r#"-("accounts"."balance" + 1)"#);
    /// ```
    fn neg(self) -> Expr<Self::SqlType, Self::Tables>
    where
        Self::SqlType: Arithmetic,
    {
        Expr::from_node(Node::Prefix {
            op: "-",
            expr: Box::new(self.into_node()),
        })
    }
    /// `CAST(self AS <ST>)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::ID.cast::<Text>().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"CAST("accounts"."id" AS TEXT)"#);
    /// ```
    fn cast<ST: SqlType>(self) -> Expr<ST, Self::Tables> {
        // A bare `$1` would take the target type; keep the value's own: `CAST($1::TEXT AS ..)`.
        Expr::from_node(Node::Cast {
            expr: Box::new(typed_param(self.into_node(), Self::SqlType::TYPE)),
            ty: Cow::Owned(ST::TYPE.to_sql()),
        })
    }
    /// `COALESCE(self, fallback)`: the type without NULL.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::OWNER_ID.coalesce(0_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"COALESCE("accounts"."owner_id", $1::BIGINT)"#);
    /// assert_eq!(sql.debug_sql(), r#"COALESCE("accounts"."owner_id", 0::BIGINT)"#);
    /// ```
    ///
    /// The result is NOT NULL when the fallback is, and nullable when the fallback may be
    /// NULL itself (another nullable column).
    fn coalesce<R>(
        self,
        fallback: R,
    ) -> Expr<<R::Null as crate::types::WithNull<BaseOf<Self>>>::Out, Both<Self::Tables, R::Tables>>
    where
        R: AsExpression<BaseOf<Self>>,
        R::Null: crate::types::WithNull<BaseOf<Self>>,
    {
        Expr::from_node(Node::func(
            "COALESCE",
            vec![
                self.into_node(),
                typed_param(fallback.into_node(), <Self::SqlType as SqlType>::TYPE),
            ],
        ))
    }
    /// A custom binary operator with a boolean result, e.g. `.op("<@", range)`; the operator
    /// is trusted SQL (a `&'static str`, so it cannot come from user input).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::NAME.op("~*", "^a").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."name" ~* $1"#);
    /// ```
    fn op<R: AsExpression<BaseOf<Self>>>(
        self,
        op: &'static str,
        rhs: R,
    ) -> Cond<Self::Tables, R::Tables> {
        Expr::from_node(Node::binary(op, self.into_node(), rhs.into_node()))
    }
    /// A custom binary operator with any right-hand type and result type `Out`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.op_typed::<Int8, _>("<<", value::<Int4>(2_i32)).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""accounts"."balance" << $1::INTEGER"#);
    /// assert_eq!(sql.debug_sql(), r#""accounts"."balance" << 2::INTEGER"#);
    /// ```
    fn op_typed<Out: SqlType, R: Expression>(
        self,
        op: &'static str,
        rhs: R,
    ) -> Expr<Out, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(op, self.into_node(), rhs.into_node()))
    }
    /// `self ASC`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).order_by(Account::BALANCE.asc()).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."balance" ASC"#);
    /// assert!(sql.params().is_empty());
    /// ```
    fn asc(self) -> Ordering<Self::Tables> {
        Ordering::new(self.into_node(), Some(SortOrder::Asc))
    }
    /// `self DESC`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Account>().select(Account::ID).order_by(Account::BALANCE.desc()).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."balance" DESC"#);
    /// assert!(sql.params().is_empty());
    /// ```
    fn desc(self) -> Ordering<Self::Tables> {
        Ordering::new(self.into_node(), Some(SortOrder::Desc))
    }
    /// An explicit `(self)` grouping.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Account::BALANCE.add(1_i64).paren().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"("accounts"."balance" + $1)"#);
    /// assert_eq!(sql.debug_sql(), r#"("accounts"."balance" + 1)"#);
    /// ```
    fn paren(self) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(Node::Paren(Box::new(self.into_node())))
    }
}

impl<E: Expression> ExprExt for E {}

macro_rules! std_ops {
    ($($tr:ident $method:ident $op:literal),*) => {$(
        impl<ST: Arithmetic, S, R: AsExpression<ST>> std::ops::$tr<R> for Expr<ST, S> {
            type Output = Expr<ST, Both<S, R::Tables>>;
            fn $method(self, rhs: R) -> Self::Output {
                Expr::from_node(Node::binary($op, self.node, rhs.into_node()))
            }
        }
        impl<T: Table, ST: Arithmetic, R: AsExpression<ST>> std::ops::$tr<R> for Column<T, ST> {
            type Output = Expr<ST, Both<T, R::Tables>>;
            fn $method(self, rhs: R) -> Self::Output {
                Expr::from_node(Node::binary($op, Expression::into_node(self), rhs.into_node()))
            }
        }
    )*};
}
std_ops!(Add add "+", Sub sub "-", Mul mul "*", Div div "/", Rem rem "%");

/// An `ORDER BY` item: an expression with a direction and NULL placement.
#[derive(Debug, Clone)]
pub struct Ordering<S> {
    pub(crate) item: OrderItem,
    _marker: PhantomData<fn() -> S>,
}

impl<S> Ordering<S> {
    fn new(node: Node, order: Option<SortOrder>) -> Self {
        Ordering {
            item: OrderItem {
                node,
                order,
                nulls: None,
            },
            _marker: PhantomData,
        }
    }
    /// `NULLS FIRST`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).order_by(Account::OWNER_ID.asc().nulls_first());
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."owner_id" ASC NULLS FIRST"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn nulls_first(mut self) -> Self {
        self.item.nulls = Some(NullsOrder::First);
        self
    }
    /// `NULLS LAST`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q = select_from::<Account>().select(Account::ID).order_by(Account::OWNER_ID.desc().nulls_last());
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "accounts"."id" FROM "accounts" ORDER BY "accounts"."owner_id" DESC NULLS LAST"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn nulls_last(mut self) -> Self {
        self.item.nulls = Some(NullsOrder::Last);
        self
    }
}

/// What `order_by` accepts: an expression (ascending) or an [`Ordering`].
pub trait IntoOrdering {
    /// The tables it uses.
    type Tables;
    /// The ORDER BY item.
    fn into_order_item(self) -> OrderItem;
}

impl<S> IntoOrdering for Ordering<S> {
    type Tables = S;
    fn into_order_item(self) -> OrderItem {
        self.item
    }
}

impl<E: Expression> IntoOrdering for E {
    type Tables = E::Tables;
    fn into_order_item(self) -> OrderItem {
        OrderItem {
            node: self.into_node(),
            order: None,
            nulls: None,
        }
    }
}

/// A list of `ORDER BY` items: one item or a tuple of them.
pub trait OrderList {
    /// The tables used.
    type Tables;
    /// The items.
    fn into_items(self) -> Vec<OrderItem>;
}

impl<O: IntoOrdering> OrderList for O {
    type Tables = O::Tables;
    fn into_items(self) -> Vec<OrderItem> {
        vec![self.into_order_item()]
    }
}

macro_rules! tuple_lists {
    ($(($($t:ident),+))*) => {$(
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($t: IntoOrdering),+> OrderList for ($($t,)+) {
            type Tables = tuple_lists!(@both $($t),+);
            fn into_items(self) -> Vec<OrderItem> {
                let ($($t,)+) = self;
                vec![$($t.into_order_item()),+]
            }
        }
    )*};
    (@both $a:ident) => { $a::Tables };
    (@both $a:ident, $($rest:ident),+) => { Both<$a::Tables, tuple_lists!(@both $($rest),+)> };
}
tuple_lists! {
    (A) (A, B) (A, B, C) (A, B, C, D) (A, B, C, D, E) (A, B, C, D, E, F)
    (A, B, C, D, E, F, G) (A, B, C, D, E, F, G, H)
}

/// Raw trusted SQL of type `ST`, with bound values and expressions spliced in.
///
/// Text pieces are `&'static str`, so they cannot come from user input at run time; values
/// always become parameters.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let e = raw::<Bool>("length(").expr(Account::NAME).sql(") > ").bind(3_i32);
/// let sql = e.into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"length("accounts"."name") > $1"#);
/// ```
pub fn raw<ST: SqlType>(sql: &'static str) -> Raw<ST> {
    Raw {
        nodes: vec![Node::Raw(Cow::Borrowed(sql))],
        _marker: PhantomData,
    }
}

/// A raw SQL fragment being built; see [`raw`].
#[derive(Debug, Clone)]
pub struct Raw<ST> {
    nodes: Vec<Node>,
    _marker: PhantomData<fn() -> ST>,
}

impl<ST> Raw<ST> {
    /// Appends trusted SQL text.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = raw::<Int4>("char_length(").expr(Account::NAME).sql(")").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"char_length("accounts"."name")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn sql(mut self, sql: &'static str) -> Self {
        self.nodes.push(Node::Raw(Cow::Borrowed(sql)));
        self
    }
    /// Appends a bound value (`$n`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = raw::<Text>("repeat(").bind("ab").sql(", ").bind(3_i32).sql(")").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"repeat($1, $2)"#);
    /// assert_eq!(sql.debug_sql(), r#"repeat('ab', 3)"#);
    /// ```
    pub fn bind<T: BindValue>(mut self, value: T) -> Self {
        self.nodes.push(Node::bind(value));
        self
    }
    /// Appends an expression. Its tables are not tracked: a raw fragment is unchecked.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = raw::<Text>("initcap(").expr(Account::NAME).sql(")").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"initcap("accounts"."name")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn expr<E: Expression>(mut self, e: E) -> Self {
        self.nodes.push(e.into_node());
        self
    }
}

impl<ST: SqlType> Expression for Raw<ST> {
    type SqlType = ST;
    type Tables = NoTable;
    fn into_node(self) -> Node {
        Node::Seq(self.nodes)
    }
}

/// A row value `(a, b, ..)` for row comparisons, e.g. keyset pagination.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let e = row((Account::BALANCE, Account::ID)).gt((100_i64, 7_i64));
/// assert_eq!(e.into_expr().to_sql().sql(), r#"("accounts"."balance", "accounts"."id") > ($1, $2)"#);
/// ```
pub fn row<T: RowItems>(items: T) -> Expr<Row<T::SqlTypes>, T::Tables> {
    Expr::from_node(Node::Tuple(items.into_nodes()))
}

/// Tuples of expressions usable as a row value.
pub trait RowItems {
    /// Tuple of the items' SQL types.
    type SqlTypes: 'static;
    /// Tables used.
    type Tables;
    /// The nodes.
    fn into_nodes(self) -> Vec<Node>;
}

macro_rules! row_items {
    ($(($($t:ident $v:ident),+))*) => {$(
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($t: Expression),+> RowItems for ($($t,)+) {
            type SqlTypes = ($(<$t::SqlType as SqlType>::NotNull,)+);
            type Tables = row_items!(@both $($t),+);
            fn into_nodes(self) -> Vec<Node> {
                let ($($t,)+) = self;
                vec![$($t.into_node()),+]
            }
        }
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($t: SqlType,)+ $($v: AsExpression<$t, Tables = NoTable>),+> AsExpression<Row<($($t,)+)>> for ($($v,)+) {
            type Tables = NoTable;
            type Null = crate::types::NotNull;
            fn into_node(self) -> Node {
                let ($($v,)+) = self;
                Node::Tuple(vec![$($v.into_node()),+])
            }
        }
    )*};
    (@both $a:ident) => { $a::Tables };
    (@both $a:ident, $($rest:ident),+) => { Both<$a::Tables, row_items!(@both $($rest),+)> };
}
row_items! {
    (A VA, B VB) (A VA, B VB, C VC) (A VA, B VB, C VC, D VD)
}

/// `CASE WHEN cond THEN value ..`: start with [`case`].
#[derive(Debug, Clone)]
pub struct Case<ST, S> {
    whens: Vec<(Node, Node)>,
    _marker: PhantomData<fn() -> (ST, S)>,
}

/// `CASE WHEN cond THEN value .. [ELSE value] END` with result type `ST`: add arms with
/// [`Case::when`], finish with [`Case::otherwise`] (or use it as is: without ELSE the result
/// is nullable).
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let e = case::<Text>()
///     .when(Account::BALANCE.lt(0_i64), "overdrawn")
///     .when(Account::BALANCE.eq(0_i64), "empty")
///     .otherwise("ok");
/// assert_eq!(
///     e.into_expr().to_sql().sql(),
///     r#"CASE WHEN "accounts"."balance" < $1 THEN $2::TEXT WHEN "accounts"."balance" = $3 THEN $4::TEXT ELSE $5::TEXT END"#
/// );
/// ```
pub fn case<ST: SqlType>() -> Case<ST, NoTable> {
    Case {
        whens: Vec::new(),
        _marker: PhantomData,
    }
}

impl<ST: SqlType, S> Case<ST, S> {
    /// Another `WHEN cond THEN value`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = case::<Text>().when(Account::BALANCE.lt(0_i64), "overdrawn").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"CASE WHEN "accounts"."balance" < $1 THEN $2::TEXT END"#);
    /// assert_eq!(sql.debug_sql(), r#"CASE WHEN "accounts"."balance" < 0 THEN 'overdrawn'::TEXT END"#);
    /// ```
    pub fn when<C, V>(mut self, cond: C, value: V) -> Case<ST, Both3<S, C::Tables, V::Tables>>
    where
        C: Expression,
        C::SqlType: BoolType,
        V: AsExpression<ST>,
    {
        self.whens
            .push((cond.into_node(), typed_param(value.into_node(), ST::TYPE)));
        Case {
            whens: self.whens,
            _marker: PhantomData,
        }
    }
    /// `ELSE value END`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = case::<Text>().when(Account::BALANCE.lt(0_i64), "overdrawn").otherwise(Account::NAME).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"CASE WHEN "accounts"."balance" < $1 THEN $2::TEXT ELSE "accounts"."name" END"#);
    /// assert_eq!(sql.debug_sql(), r#"CASE WHEN "accounts"."balance" < 0 THEN 'overdrawn'::TEXT ELSE "accounts"."name" END"#);
    /// ```
    pub fn otherwise<V: AsExpression<ST>>(self, value: V) -> Expr<ST, Both<S, V::Tables>> {
        Expr::from_node(Node::Case {
            operand: None,
            whens: self.whens,
            otherwise: Some(Box::new(typed_param(value.into_node(), ST::TYPE))),
        })
    }
}

impl<ST: SqlType, S> Expression for Case<ST, S> {
    type SqlType = Nullable<ST::NotNull>;
    type Tables = S;
    fn into_node(self) -> Node {
        Node::Case {
            operand: None,
            whens: self.whens,
            otherwise: None,
        }
    }
}

/// `COALESCE(a, b, ..)` over expressions of one base type; the result is NOT NULL when the
/// last argument is.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = coalesce::<Int8, _>([alias_col::<Int8>("t", "a"), alias_col::<Int8>("t", "b"), value::<Int8>(0_i64)]).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"COALESCE("t"."a", "t"."b", $1::BIGINT)"#);
/// assert_eq!(sql.debug_sql(), r#"COALESCE("t"."a", "t"."b", 0::BIGINT)"#);
/// ```
pub fn coalesce<ST: SqlType, I>(items: I) -> Expr<ST, NoTable>
where
    I: IntoIterator,
    I::Item: AsExpression<ST, Tables = NoTable>,
{
    Expr::from_node(Node::func(
        "COALESCE",
        items
            .into_iter()
            .map(|i| typed_param(i.into_node(), ST::TYPE))
            .collect(),
    ))
}

/// A function call `name(args..)` with result type `ST`; the name is trusted SQL.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let e = func::<Text>("lower").call((Account::NAME,));
/// assert_eq!(e.into_expr().to_sql().sql(), r#"lower("accounts"."name")"#);
/// ```
pub fn func<ST: SqlType>(name: &'static str) -> Func<ST> {
    Func {
        name,
        _marker: PhantomData,
    }
}

/// A function of result type `ST`, ready to be called; see [`func`].
#[derive(Debug, Clone, Copy)]
pub struct Func<ST> {
    name: &'static str,
    _marker: PhantomData<fn() -> ST>,
}

impl<ST: SqlType> Func<ST> {
    /// `name(args..)`: a tuple of expressions, or `()`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = func::<Int8>("greatest").call((Account::BALANCE, value::<Int8>(0_i64))).to_sql();
    /// assert_eq!(sql.sql(), r#"greatest("accounts"."balance", $1::BIGINT)"#);
    /// assert_eq!(sql.debug_sql(), r#"greatest("accounts"."balance", 0::BIGINT)"#);
    /// assert_eq!(func::<Float8>("random").call(()).to_sql().sql(), "random()");
    /// ```
    pub fn call<A: FuncArgs>(self, args: A) -> Expr<ST, A::Tables> {
        Expr::from_node(Node::func(self.name, args.into_nodes()))
    }
}

/// Arguments of [`func`]: a tuple of expressions (or `()`).
pub trait FuncArgs {
    /// Tables used.
    type Tables;
    /// Nodes.
    fn into_nodes(self) -> Vec<Node>;
}

impl FuncArgs for () {
    type Tables = NoTable;
    fn into_nodes(self) -> Vec<Node> {
        Vec::new()
    }
}

macro_rules! func_args {
    ($(($($t:ident),+))*) => {$(
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($t: Expression),+> FuncArgs for ($($t,)+) {
            type Tables = func_args!(@both $($t),+);
            fn into_nodes(self) -> Vec<Node> {
                let ($($t,)+) = self;
                vec![$($t.into_node()),+]
            }
        }
    )*};
    (@both $a:ident) => { $a::Tables };
    (@both $a:ident, $($rest:ident),+) => { Both<$a::Tables, func_args!(@both $($rest),+)> };
}
func_args! { (A) (A, B) (A, B, C) (A, B, C, D) (A, B, C, D, E) }

/// A value of SQL type `ST` as `$n::TYPE`, so the server knows its type wherever it stands
/// (`SELECT $1`, a function argument, a CASE branch): `value::<Int8>(5)`. Same as
/// [`typed_value`].
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = value::<Int8>(100_i64).lt(Account::BALANCE).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"$1::BIGINT < "accounts"."balance""#);
/// assert_eq!(sql.debug_sql(), r#"100::BIGINT < "accounts"."balance""#);
/// ```
pub fn value<ST: SqlType>(v: impl AsExpression<ST, Tables = NoTable>) -> Expr<ST, NoTable> {
    Expr::from_node(typed_param(v.into_node(), ST::TYPE))
}

/// `$n::TYPE`: a bound value with an explicit type, for places the server cannot
/// infer one (`SELECT $1`, arguments of overloaded functions such as `generate_series`).
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(typed_value::<Int8>(5_i64)).to_sql();
/// assert_eq!(sql.sql(), "SELECT $1::BIGINT");
/// assert_eq!(sql.debug_sql(), "SELECT 5::BIGINT");
/// ```
pub fn typed_value<ST: SqlType>(v: impl AsExpression<ST, Tables = NoTable>) -> Expr<ST, NoTable> {
    Expr::from_node(Node::TypeCast {
        expr: Box::new(v.into_node()),
        ty: Cow::Owned(ST::TYPE.to_sql()),
    })
}

/// `ARRAY[a, b, ..]`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// // The array is cast to its type: the server could not infer it from bare `$n` elements.
/// let ids = array::<Int8, _>([1_i64, 2]);
/// let sql = Account::ID.eq_any(ids).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#""accounts"."id" = ANY(ARRAY[$1, $2]::BIGINT[])"#);
/// assert_eq!(sql.debug_sql(), r#""accounts"."id" = ANY(ARRAY[1, 2]::BIGINT[])"#);
/// ```
pub fn array<ST: SqlType, I>(items: I) -> Expr<Array<ST>, NoTable>
where
    I: IntoIterator,
    I::Item: AsExpression<ST, Tables = NoTable>,
{
    // The cast types the elements: `ARRAY[$1, $2]` alone would be text[].
    Expr::from_node(Node::TypeCast {
        expr: Box::new(Node::ArrayLit(
            items.into_iter().map(|i| i.into_node()).collect(),
        )),
        ty: Cow::Owned(Array::<ST>::TYPE.to_sql()),
    })
}

/// `EXISTS (subquery)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = exists(select_from::<Owner>().select(Owner::ID).filter(Owner::NAME.eq("Ann"))).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"EXISTS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = $1)"#);
/// assert_eq!(sql.debug_sql(), r#"EXISTS (SELECT "owners"."id" FROM "owners" WHERE "owners"."name" = 'Ann')"#);
/// ```
pub fn exists<Q: crate::query::AnySubQuery>(query: Q) -> Expr<Bool, Q::Outer> {
    Expr::from_node(Node::Exists {
        query: query.into_any_fragment(),
        negated: false,
    })
}

/// `NOT EXISTS (subquery)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let owned_by = select_from::<Owner>().correlate::<Account>().select(Owner::ID).filter(Owner::ID.eq(Account::OWNER_ID));
/// let sql = not_exists(owned_by).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"NOT EXISTS (SELECT "owners"."id" FROM "owners" WHERE "owners"."id" = "accounts"."owner_id")"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn not_exists<Q: crate::query::AnySubQuery>(query: Q) -> Expr<Bool, Q::Outer> {
    Expr::from_node(Node::Exists {
        query: query.into_any_fragment(),
        negated: true,
    })
}

/// `now()`
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = now().to_sql();
/// assert_eq!(sql.sql(), "now()");
/// assert!(sql.params().is_empty());
/// ```
pub fn now() -> Expr<crate::types::Timestamptz, NoTable> {
    Expr::from_node(Node::func("now", Vec::new()))
}

/// `lower(x)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = lower(Account::NAME).eq("ann").into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"lower("accounts"."name") = $1"#);
/// assert_eq!(sql.debug_sql(), r#"lower("accounts"."name") = 'ann'"#);
/// ```
pub fn lower<E: Expression>(e: E) -> Expr<E::SqlType, E::Tables>
where
    E::SqlType: TextType,
{
    Expr::from_node(Node::func("lower", vec![e.into_node()]))
}

/// `upper(x)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = upper(Account::NAME).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"upper("accounts"."name")"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn upper<E: Expression>(e: E) -> Expr<E::SqlType, E::Tables>
where
    E::SqlType: TextType,
{
    Expr::from_node(Node::func("upper", vec![e.into_node()]))
}

/// `length(x)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = length(Account::NAME).gt(3_i32).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"length("accounts"."name") > $1"#);
/// assert_eq!(sql.debug_sql(), r#"length("accounts"."name") > 3"#);
/// ```
pub fn length<E: Expression>(e: E) -> Expr<crate::types::Int4, E::Tables>
where
    E::SqlType: TextType,
{
    Expr::from_node(Node::func("length", vec![e.into_node()]))
}

/// An aggregate call being built: add `ORDER BY`, `FILTER (WHERE ..)` or `DISTINCT`.
#[derive(Debug, Clone)]
pub struct Aggregate<ST, S> {
    call: FuncCall,
    _marker: PhantomData<fn() -> (ST, S)>,
}

impl<ST, S> Aggregate<ST, S> {
    fn new(name: &'static str, args: Vec<Node>) -> Self {
        Aggregate {
            call: FuncCall {
                name: Cow::Borrowed(name),
                args,
                distinct: false,
                order_by: Vec::new(),
                filter: None,
            },
            _marker: PhantomData,
        }
    }
    /// `agg(DISTINCT ..)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = count(Account::OWNER_ID).distinct().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"count(DISTINCT "accounts"."owner_id")"#);
    /// assert!(sql.params().is_empty());
    /// ```
    pub fn distinct(mut self) -> Self {
        self.call.distinct = true;
        self
    }
    /// `agg(.. ORDER BY ..)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = string_agg(Account::NAME, ", ").order_by(Account::NAME).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"string_agg("accounts"."name", $1 ORDER BY "accounts"."name")"#);
    /// assert_eq!(sql.debug_sql(), r#"string_agg("accounts"."name", ', ' ORDER BY "accounts"."name")"#);
    /// ```
    pub fn order_by<O: OrderList>(mut self, order: O) -> Aggregate<ST, Both<S, O::Tables>> {
        self.call.order_by.extend(order.into_items());
        Aggregate {
            call: self.call,
            _marker: PhantomData,
        }
    }
    /// `agg(..) FILTER (WHERE cond)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = count_star().filter(Account::BALANCE.lt(0_i64)).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"count(*) FILTER (WHERE "accounts"."balance" < $1)"#);
    /// assert_eq!(sql.debug_sql(), r#"count(*) FILTER (WHERE "accounts"."balance" < 0)"#);
    /// ```
    pub fn filter<C>(mut self, cond: C) -> Aggregate<ST, Both<S, C::Tables>>
    where
        C: Expression,
        C::SqlType: BoolType,
    {
        self.call.filter = Some(cond.into_node());
        Aggregate {
            call: self.call,
            _marker: PhantomData,
        }
    }
}

impl<ST: SqlType, S> Expression for Aggregate<ST, S> {
    type SqlType = ST;
    type Tables = S;
    fn into_node(self) -> Node {
        Node::Func(Box::new(self.call))
    }
}

/// `count(*)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let q = select_from::<Account>().select(count_star());
/// assert_eq!(q.to_sql().sql(), r#"SELECT count(*) FROM "accounts""#);
/// ```
pub fn count_star() -> Aggregate<Int8, NoTable> {
    Aggregate::new("count", vec![Node::Star])
}

/// `count(expr)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = count(Account::OWNER_ID).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"count("accounts"."owner_id")"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn count<E: Expression>(e: E) -> Aggregate<Int8, E::Tables> {
    Aggregate::new("count", vec![e.into_node()])
}

/// The result type of `sum(x)`: `bigint` for smallint/integer, `numeric` for bigint/numeric.
pub trait Summable: SqlType {
    /// Result type (nullable: the sum of no rows is NULL).
    type Sum: SqlType;
    /// Result type of `avg(x)`.
    type Avg: SqlType;
}
macro_rules! summable {
    ($($t:ty => $sum:ty, $avg:ty;)*) => {$(
        impl Summable for $t { type Sum = Nullable<$sum>; type Avg = Nullable<$avg>; }
        impl Summable for Nullable<$t> { type Sum = Nullable<$sum>; type Avg = Nullable<$avg>; }
    )*};
}
summable! {
    crate::types::Int2 => Int8, Numeric;
    crate::types::Int4 => Int8, Numeric;
    Int8 => Numeric, Numeric;
    Numeric => Numeric, Numeric;
    crate::types::Float4 => crate::types::Float4, crate::types::Float8;
    crate::types::Float8 => crate::types::Float8, crate::types::Float8;
    crate::types::Interval => crate::types::Interval, crate::types::Interval;
}

/// `sum(expr)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = sum(Account::BALANCE).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"sum("accounts"."balance")"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn sum<E: Expression>(e: E) -> Aggregate<<E::SqlType as Summable>::Sum, E::Tables>
where
    E::SqlType: Summable,
{
    Aggregate::new("sum", vec![e.into_node()])
}

/// `avg(expr)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = avg(Account::BALANCE).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"avg("accounts"."balance")"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn avg<E: Expression>(e: E) -> Aggregate<<E::SqlType as Summable>::Avg, E::Tables>
where
    E::SqlType: Summable,
{
    Aggregate::new("avg", vec![e.into_node()])
}

/// `min(expr)` (NULL over no rows)
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = min(Account::BALANCE).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"min("accounts"."balance")"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn min<E: Expression>(e: E) -> Aggregate<Nullable<BaseOf<E>>, E::Tables> {
    Aggregate::new("min", vec![e.into_node()])
}

/// `max(expr)` (NULL over no rows)
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = max(Account::BALANCE).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"max("accounts"."balance")"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn max<E: Expression>(e: E) -> Aggregate<Nullable<BaseOf<E>>, E::Tables> {
    Aggregate::new("max", vec![e.into_node()])
}

/// `array_agg(expr)`; add `.order_by(..)` for `array_agg(x ORDER BY ..)`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let e = array_agg(Account::NAME).order_by(Account::ID.desc());
/// assert_eq!(e.into_expr().to_sql().sql(), r#"array_agg("accounts"."name" ORDER BY "accounts"."id" DESC)"#);
/// ```
pub fn array_agg<E: Expression>(e: E) -> Aggregate<Nullable<Array<E::SqlType>>, E::Tables> {
    Aggregate::new("array_agg", vec![e.into_node()])
}

/// `string_agg(expr, separator)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = string_agg(Account::NAME, ", ").into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"string_agg("accounts"."name", $1)"#);
/// assert_eq!(sql.debug_sql(), r#"string_agg("accounts"."name", ', ')"#);
/// ```
pub fn string_agg<E, Sep>(
    e: E,
    separator: Sep,
) -> Aggregate<Nullable<Text>, Both<E::Tables, Sep::Tables>>
where
    E: Expression,
    E::SqlType: TextType,
    Sep: AsExpression<Text>,
{
    Aggregate::new("string_agg", vec![e.into_node(), separator.into_node()])
}

/// `bool_and(expr)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = bool_and(Account::BALANCE.ge(0_i64)).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"bool_and("accounts"."balance" >= $1)"#);
/// assert_eq!(sql.debug_sql(), r#"bool_and("accounts"."balance" >= 0)"#);
/// ```
pub fn bool_and<E: Expression>(e: E) -> Aggregate<Nullable<Bool>, E::Tables>
where
    E::SqlType: BoolType,
{
    Aggregate::new("bool_and", vec![e.into_node()])
}

/// `bool_or(expr)`
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = bool_or(Account::OWNER_ID.is_null()).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#"bool_or("accounts"."owner_id" IS NULL)"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn bool_or<E: Expression>(e: E) -> Aggregate<Nullable<Bool>, E::Tables>
where
    E::SqlType: BoolType,
{
    Aggregate::new("bool_or", vec![e.into_node()])
}

/// An untyped reference to a column of a CTE, subquery or function alias:
/// `"alias"."name"`. Its table is not checked (aliases are not models).
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = alias_col::<Int8>("t", "n").gt(5_i64).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#""t"."n" > $1"#);
/// assert_eq!(sql.debug_sql(), r#""t"."n" > 5"#);
/// ```
pub fn alias_col<ST: SqlType>(alias: &'static str, name: &'static str) -> Expr<ST, NoTable> {
    Expr::from_node(Node::AliasColumn {
        alias: Cow::Borrowed(alias),
        name: Cow::Borrowed(name),
    })
}
