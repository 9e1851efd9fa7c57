//! Array operators and functions: subscripts and slices, containment (`@>`, `<@`, `&&`),
//! concatenation (`||`), `array_length`, `cardinality`, `array_position`, `array_remove`,
//! `array_append`/`array_prepend`/`array_cat`, `unnest`.
//!
//! Indexes are **1-based**, as in PostgreSQL (`tags[1]` is the first element); this module
//! does not shift them. An index outside the array gives NULL, so [`ArrayExt::at`] is
//! nullable. `= ANY(..)` / `<> ALL(..)` are [`ExprExt::eq_any`](super::ExprExt::eq_any) and
//! [`ExprExt::ne_all`](super::ExprExt::ne_all), `ARRAY[..]` is [`array`](fn@super::array) and
//! `array_agg(.. ORDER BY ..)` is [`array_agg`](super::array_agg).
//!
//! Element values are bound with their type (`$1::TEXT`): next to an array, a bare
//! parameter could be taken for an array itself.

use super::{AsExpression, Expr, Expression, Node, typed_param};
use crate::query::{TableFn, table_fn};
use crate::scope::Both;
use crate::types::{ArrayType, Bool, Int4, Nullable, SqlType, Text};

/// The element type of an array expression, without NULL.
type ElemOf<E> = <<<E as Expression>::SqlType as ArrayType>::Elem as SqlType>::NotNull;
/// The array type of an expression, without NULL.
type ArrayOf<E> = <<E as Expression>::SqlType as SqlType>::NotNull;
/// `T`, nullable when the array expression `E` is.
type NullAs<E, T> = <<E as Expression>::SqlType as ArrayType>::NullAs<T>;

fn elem<ST: SqlType>(node: Node) -> Node {
    typed_param(node, ST::TYPE)
}

/// Operators and functions of array expressions (`TEXT[]`, `BIGINT[]`, ..). In the prelude.
pub trait ArrayExt: Expression
where
    Self::SqlType: ArrayType,
{
    /// `self[index]`: the element at a 1-based index; NULL outside the array.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.at(1).eq("x").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."tags"[$1] = $2"#);
    /// assert_eq!(sql.debug_sql(), r#""t"."tags"[1] = 'x'"#);
    /// ```
    fn at<I: AsExpression<Int4>>(
        self,
        index: I,
    ) -> Expr<Nullable<ElemOf<Self>>, Both<Self::Tables, I::Tables>> {
        Expr::from_node(Node::Subscript {
            expr: Box::new(self.into_node()),
            index: Some(Box::new(index.into_node())),
            upper: None,
        })
    }
    /// `self[lower:upper]`: the elements from `lower` to `upper`, both 1-based and included;
    /// an empty array when the range is outside the array.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = select(tags.slice(2, 3)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."tags"[$1:$2]"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "t"."tags"[2:3]"#);
    /// ```
    fn slice<L: AsExpression<Int4>, U: AsExpression<Int4>>(
        self,
        lower: L,
        upper: U,
    ) -> Expr<Self::SqlType, Both<Self::Tables, Both<L::Tables, U::Tables>>> {
        Expr::from_node(Node::Subscript {
            expr: Box::new(self.into_node()),
            index: Some(Box::new(lower.into_node())),
            upper: Some(Some(Box::new(upper.into_node()))),
        })
    }
    /// `self @> other`: every element of `other` is in `self`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.contains(vec!["a", "b"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."tags" @> $1"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn contains<R: AsExpression<ArrayOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("@>", self.into_node(), other.into_node()))
    }
    /// `self <@ other`: every element of `self` is in `other` (not necessarily a proper
    /// subset).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.contained_by(vec!["a", "b"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."tags" <@ $1"#);
    /// ```
    fn contained_by<R: AsExpression<ArrayOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("<@", self.into_node(), other.into_node()))
    }
    /// `self && other`: the arrays have an element in common.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.overlaps(vec!["a", "b"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."tags" && $1"#);
    /// ```
    fn overlaps<R: AsExpression<ArrayOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("&&", self.into_node(), other.into_node()))
    }
    /// `self || other` with another array: the elements of both. NULL only when both are
    /// (`NULL || a` is `a`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let a = array::<Int4, _>([1_i32, 2]);
    /// let sql = select(a.concat_array(vec![3_i32])).to_sql();
    /// assert_eq!(sql.sql(), "SELECT ARRAY[$1, $2]::INTEGER[] || $3");
    /// ```
    fn concat_array<R: AsExpression<ArrayOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("||", self.into_node(), other.into_node()))
    }
    /// `self || element`: the array with one more element at the end (see also
    /// [`array_append`](Self::array_append), which also turns a NULL array into `{element}`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.concat_elem("new").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."tags" || $1::TEXT"#);
    /// assert_eq!(sql.debug_sql(), r#""t"."tags" || 'new'::TEXT"#);
    /// ```
    fn concat_elem<R: AsExpression<ElemOf<Self>>>(
        self,
        element: R,
    ) -> Expr<ArrayOf<Self>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(
            "||",
            self.into_node(),
            elem::<ElemOf<Self>>(element.into_node()),
        ))
    }
    /// `array_append(self, element)`; a NULL array becomes `{element}`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ids = alias_col::<Array<Int8>>("t", "ids");
    /// let sql = ids.array_append(5_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"array_append("t"."ids", $1::BIGINT)"#);
    /// ```
    fn array_append<R: AsExpression<ElemOf<Self>>>(
        self,
        element: R,
    ) -> Expr<ArrayOf<Self>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::func(
            "array_append",
            vec![self.into_node(), elem::<ElemOf<Self>>(element.into_node())],
        ))
    }
    /// `array_prepend(element, self)`: the element first; a NULL array becomes `{element}`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ids = alias_col::<Array<Int8>>("t", "ids");
    /// let sql = ids.array_prepend(5_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"array_prepend($1::BIGINT, "t"."ids")"#);
    /// ```
    fn array_prepend<R: AsExpression<ElemOf<Self>>>(
        self,
        element: R,
    ) -> Expr<ArrayOf<Self>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::func(
            "array_prepend",
            vec![elem::<ElemOf<Self>>(element.into_node()), self.into_node()],
        ))
    }
    /// `array_cat(self, other)`: same as [`concat_array`](Self::concat_array).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ids = alias_col::<Array<Int8>>("t", "ids");
    /// let sql = ids.array_cat(vec![1_i64]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"array_cat("t"."ids", $1)"#);
    /// ```
    fn array_cat<R: AsExpression<ArrayOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::func(
            "array_cat",
            vec![self.into_node(), other.into_node()],
        ))
    }
    /// `array_remove(self, element)`: every occurrence removed.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.array_remove("x").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"array_remove("t"."tags", $1::TEXT)"#);
    /// ```
    fn array_remove<R: AsExpression<ElemOf<Self>>>(
        self,
        element: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::func(
            "array_remove",
            vec![self.into_node(), elem::<ElemOf<Self>>(element.into_node())],
        ))
    }
    /// `array_position(self, element)`: the 1-based index of the first occurrence, NULL when
    /// absent.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.array_position("x").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"array_position("t"."tags", $1::TEXT)"#);
    /// ```
    fn array_position<R: AsExpression<ElemOf<Self>>>(
        self,
        element: R,
    ) -> Expr<Nullable<Int4>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::func(
            "array_position",
            vec![self.into_node(), elem::<ElemOf<Self>>(element.into_node())],
        ))
    }
    /// `array_length(self, dimension)`: NULL for an empty array (use
    /// [`cardinality`](Self::cardinality) for 0).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.array_length(1).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"array_length("t"."tags", $1)"#);
    /// ```
    fn array_length<D: AsExpression<Int4>>(
        self,
        dimension: D,
    ) -> Expr<Nullable<Int4>, Both<Self::Tables, D::Tables>> {
        Expr::from_node(Node::func(
            "array_length",
            vec![self.into_node(), dimension.into_node()],
        ))
    }
    /// `cardinality(self)`: the number of elements over all dimensions, 0 when empty.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.cardinality().gt(0_i32).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"cardinality("t"."tags") > $1"#);
    /// ```
    fn cardinality(self) -> Expr<NullAs<Self, Int4>, Self::Tables> {
        Expr::from_node(Node::func("cardinality", vec![self.into_node()]))
    }
    /// `array_to_string(self, separator)`: NULL elements are skipped.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = tags.array_to_string(", ").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"array_to_string("t"."tags", $1)"#);
    /// ```
    fn array_to_string<S: AsExpression<Text>>(
        self,
        separator: S,
    ) -> Expr<NullAs<Self, Text>, Both<Self::Tables, S::Tables>> {
        Expr::from_node(Node::func(
            "array_to_string",
            vec![self.into_node(), separator.into_node()],
        ))
    }
    /// `unnest(self)` in a select list: one row per element (a set-returning function used
    /// as a column). For `unnest` in FROM, see [`unnest_table`].
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let tags = alias_col::<Array<Text>>("t", "tags");
    /// let sql = select(tags.unnest()).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT unnest("t"."tags")"#);
    /// ```
    fn unnest(self) -> Expr<<Self::SqlType as ArrayType>::Elem, Self::Tables> {
        Expr::from_node(Node::func("unnest", vec![self.into_node()]))
    }
}

impl<E: Expression> ArrayExt for E where E::SqlType: ArrayType {}

/// `unnest(array)` as a table in FROM; name its column with [`TableFn::alias`], add
/// [`TableFn::with_ordinality`] for the 1-based position.
///
/// ```
/// # use orm_core::prelude::*;
/// let t = unnest_table(value::<Array<Text>>(vec!["a", "b"])).with_ordinality().alias("u", ["tag", "n"]);
/// let sql = select_from_fn(t.clone()).select((t.col::<Text>("tag"), t.col::<Int8>("n"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT "u"."tag", "u"."n" FROM unnest($1::TEXT[]) WITH ORDINALITY AS "u"("tag", "n")"#);
/// assert_eq!(sql.params().len(), 1);
/// ```
pub fn unnest_table<E: Expression>(array: E) -> TableFn
where
    E::SqlType: ArrayType,
{
    table_fn("unnest", (array,))
}
