//! Range and multirange operators and functions as typed methods: [`RangeExt`].
//!
//! The right-hand sides are typed: a range column takes a [`Range<T>`](crate::types::Range)
//! of its element type or another range expression of the same type, an element test takes
//! the element type. Operators between a range and a multirange of the same element type
//! have their own methods, named after the right-hand side: `contains_multirange`,
//! `overlaps_multirange`, `adjacent_to_multirange`, .. on a range, and `contains_range`,
//! `contained_by_range`, `strictly_left_of_range`, .. on a multirange.

use crate::expr::{Aggregate, AsExpression, BaseOf, Expr, Expression, Node, typed_param};
use crate::scope::Both;
use crate::types::{Bool, Nullable, RangeType, SqlType};

/// The element type of a range or multirange expression.
pub type ElementOf<E> = <<E as Expression>::SqlType as RangeType>::Element;
/// The range type of a range or multirange expression (itself for a range).
pub type RangeOf<E> = <<E as Expression>::SqlType as RangeType>::Range;
/// The multirange type of a range or multirange expression (itself for a multirange).
pub type MultirangeOf<E> = <<E as Expression>::SqlType as RangeType>::Multirange;

/// Range SQL types (`INT4RANGE`, .., and their `Nullable`s), as opposed to multiranges.
pub trait IsRange: RangeType {}
/// Multirange SQL types (`INT4MULTIRANGE`, .., and their `Nullable`s).
pub trait IsMultirange: RangeType {}

macro_rules! kinds {
    ($($range:ident / $multi:ident),*) => {$(
        impl IsRange for crate::types::$range {}
        impl IsRange for Nullable<crate::types::$range> {}
        impl IsMultirange for crate::types::$multi {}
        impl IsMultirange for Nullable<crate::types::$multi> {}
    )*};
}
kinds!(
    Int4range / Int4multirange,
    Int8range / Int8multirange,
    Numrange / Nummultirange,
    Daterange / Datemultirange,
    Tsrange / Tsmultirange,
    Tstzrange / Tstzmultirange
);

type Cond<L, R> = Expr<Bool, Both<L, R>>;

/// A range operator with a range on one side and a multirange on the other: the right-hand
/// side is the other kind (`$kind` is the left side's), bound as `$n::TYPE` so the server
/// does not take it for the left side's type.
macro_rules! mixed_ops {
    ($($(#[$m:meta])* $name:ident => $op:literal, $kind:ident, $other:ident;)*) => {$(
        $(#[$m])*
        fn $name<R: AsExpression<$other<Self>>>(self, other: R) -> Cond<Self::Tables, R::Tables>
        where
            Self::SqlType: $kind,
        {
            binary(
                $op,
                self.into_node(),
                typed::<$other<Self>>(other.into_node()),
            )
        }
    )*};
}

fn binary<ST, S>(op: &'static str, lhs: Node, rhs: Node) -> Expr<ST, S> {
    Expr::from_node(Node::binary(op, lhs, rhs))
}

/// A bound value as `$n::TYPE`: next to a range, a bare parameter would be taken for a
/// range of the same type (`tsrange @> $1` resolves `$1` as TSRANGE).
fn typed<ST: SqlType>(node: Node) -> Node {
    typed_param(node, ST::TYPE)
}

fn call<ST, S>(name: &'static str, args: Vec<Node>) -> Expr<ST, S> {
    Expr::from_node(Node::func(name, args))
}

/// Operators and functions of range and multirange expressions (PostgreSQL's range
/// operators; the names follow SQLAlchemy's range comparator). In the prelude.
///
/// The examples use a table `bookings` with `room INTEGER`, `slot INT8RANGE` and
/// `free INT4MULTIRANGE` columns.
#[allow(
    clippy::wrong_self_convention,
    reason = "named after the SQL functions (`isempty`, `lower_inc`, ..)"
)]
pub trait RangeExt: Expression<SqlType: RangeType> {
    /// `self @> element`: the range contains the value.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.contains_elem(42_i64).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" @> $1::BIGINT"#);
    /// assert_eq!(sql.debug_sql(), r#""bookings"."slot" @> 42::BIGINT"#);
    /// ```
    fn contains_elem<R: AsExpression<ElementOf<Self>>>(
        self,
        element: R,
    ) -> Cond<Self::Tables, R::Tables> {
        binary(
            "@>",
            self.into_node(),
            typed::<ElementOf<Self>>(element.into_node()),
        )
    }

    /// `self @> other`: contains the other range (or multirange).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.contains(Range::closed_open(1_i64, 5).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" @> $1"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn contains<R: AsExpression<BaseOf<Self>>>(self, other: R) -> Cond<Self::Tables, R::Tables> {
        binary("@>", self.into_node(), other.into_node())
    }

    /// `multirange @> range`: a range of the multirange contains the range.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::FREE.contains_range(Range::closed(9, 12).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."free" @> $1::INT4RANGE"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn contains_range<R: AsExpression<RangeOf<Self>>>(
        self,
        range: R,
    ) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: IsMultirange,
    {
        binary(
            "@>",
            self.into_node(),
            typed::<RangeOf<Self>>(range.into_node()),
        )
    }

    /// `self <@ other`: contained by the other range (or multirange).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.contained_by(Range::<i64>::unbounded()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" <@ $1"#);
    /// ```
    fn contained_by<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Cond<Self::Tables, R::Tables> {
        binary("<@", self.into_node(), other.into_node())
    }

    /// `range <@ multirange`: the range lies in one of the multirange's ranges.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.contained_by_multirange(MultiRange::<i64>::empty()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" <@ $1::INT8MULTIRANGE"#);
    /// ```
    fn contained_by_multirange<R: AsExpression<MultirangeOf<Self>>>(
        self,
        multirange: R,
    ) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: IsRange,
    {
        binary(
            "<@",
            self.into_node(),
            typed::<MultirangeOf<Self>>(multirange.into_node()),
        )
    }

    /// `self && other`: a point in common.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.overlaps(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" && $1"#);
    /// ```
    fn overlaps<R: AsExpression<BaseOf<Self>>>(self, other: R) -> Cond<Self::Tables, R::Tables> {
        binary("&&", self.into_node(), other.into_node())
    }

    /// `multirange && range`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::FREE.overlaps_range(Range::closed(1, 2).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."free" && $1::INT4RANGE"#);
    /// ```
    fn overlaps_range<R: AsExpression<RangeOf<Self>>>(
        self,
        range: R,
    ) -> Cond<Self::Tables, R::Tables>
    where
        Self::SqlType: IsMultirange,
    {
        binary(
            "&&",
            self.into_node(),
            typed::<RangeOf<Self>>(range.into_node()),
        )
    }

    /// `self << other`: strictly left of.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.strictly_left_of(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" << $1"#);
    /// ```
    fn strictly_left_of<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Cond<Self::Tables, R::Tables> {
        binary("<<", self.into_node(), other.into_node())
    }

    /// `self >> other`: strictly right of.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.strictly_right_of(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" >> $1"#);
    /// ```
    fn strictly_right_of<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Cond<Self::Tables, R::Tables> {
        binary(">>", self.into_node(), other.into_node())
    }

    /// `self &< other`: does not extend to the right of.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.not_extend_right_of(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" &< $1"#);
    /// ```
    fn not_extend_right_of<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Cond<Self::Tables, R::Tables> {
        binary("&<", self.into_node(), other.into_node())
    }

    /// `self &> other`: does not extend to the left of.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.not_extend_left_of(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" &> $1"#);
    /// ```
    fn not_extend_left_of<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Cond<Self::Tables, R::Tables> {
        binary("&>", self.into_node(), other.into_node())
    }

    /// `self -|- other`: adjacent.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.adjacent_to(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" -|- $1"#);
    /// ```
    fn adjacent_to<R: AsExpression<BaseOf<Self>>>(self, other: R) -> Cond<Self::Tables, R::Tables> {
        binary("-|-", self.into_node(), other.into_node())
    }

    mixed_ops! {
        /// `range @> multirange`: the range contains every range of the multirange.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let free = MultiRange::new([Range::closed(1_i64, 2).unwrap(), Range::closed(5, 6).unwrap()]);
        /// let sql = Booking::SLOT.contains_multirange(free).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."slot" @> $1::INT8MULTIRANGE"#);
        /// ```
        contains_multirange => "@>", IsRange, MultirangeOf;
        /// `range && multirange`: a point in common with one of the multirange's ranges.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::SLOT.overlaps_multirange(MultiRange::<i64>::empty()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."slot" && $1::INT8MULTIRANGE"#);
        /// ```
        overlaps_multirange => "&&", IsRange, MultirangeOf;
        /// `range << multirange`: strictly left of the whole multirange.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::SLOT.strictly_left_of_multirange(MultiRange::<i64>::empty()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."slot" << $1::INT8MULTIRANGE"#);
        /// ```
        strictly_left_of_multirange => "<<", IsRange, MultirangeOf;
        /// `range >> multirange`: strictly right of the whole multirange.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::SLOT.strictly_right_of_multirange(MultiRange::<i64>::empty()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."slot" >> $1::INT8MULTIRANGE"#);
        /// ```
        strictly_right_of_multirange => ">>", IsRange, MultirangeOf;
        /// `range &< multirange`: does not extend to the right of the multirange.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::SLOT.not_extend_right_of_multirange(MultiRange::<i64>::empty()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."slot" &< $1::INT8MULTIRANGE"#);
        /// ```
        not_extend_right_of_multirange => "&<", IsRange, MultirangeOf;
        /// `range &> multirange`: does not extend to the left of the multirange.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::SLOT.not_extend_left_of_multirange(MultiRange::<i64>::empty()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."slot" &> $1::INT8MULTIRANGE"#);
        /// ```
        not_extend_left_of_multirange => "&>", IsRange, MultirangeOf;
        /// `range -|- multirange`: adjacent to the multirange.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::SLOT.adjacent_to_multirange(MultiRange::<i64>::empty()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."slot" -|- $1::INT8MULTIRANGE"#);
        /// ```
        adjacent_to_multirange => "-|-", IsRange, MultirangeOf;
        /// `multirange <@ range`: every range of the multirange lies in the range.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::FREE.contained_by_range(Range::closed(0, 24).unwrap()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."free" <@ $1::INT4RANGE"#);
        /// ```
        contained_by_range => "<@", IsMultirange, RangeOf;
        /// `multirange << range`: strictly left of the range.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::FREE.strictly_left_of_range(Range::closed(20, 24).unwrap()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."free" << $1::INT4RANGE"#);
        /// ```
        strictly_left_of_range => "<<", IsMultirange, RangeOf;
        /// `multirange >> range`: strictly right of the range.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::FREE.strictly_right_of_range(Range::closed(0, 1).unwrap()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."free" >> $1::INT4RANGE"#);
        /// ```
        strictly_right_of_range => ">>", IsMultirange, RangeOf;
        /// `multirange &< range`: does not extend to the right of the range.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::FREE.not_extend_right_of_range(Range::closed(0, 24).unwrap()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."free" &< $1::INT4RANGE"#);
        /// ```
        not_extend_right_of_range => "&<", IsMultirange, RangeOf;
        /// `multirange &> range`: does not extend to the left of the range.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::FREE.not_extend_left_of_range(Range::closed(0, 24).unwrap()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."free" &> $1::INT4RANGE"#);
        /// ```
        not_extend_left_of_range => "&>", IsMultirange, RangeOf;
        /// `multirange -|- range`: adjacent to the range.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// # use orm_core::__doc::*;
        /// let sql = Booking::FREE.adjacent_to_range(Range::closed_open(24, 30).unwrap()).into_expr().to_sql();
        /// assert_eq!(sql.sql(), r#""bookings"."free" -|- $1::INT4RANGE"#);
        /// ```
        adjacent_to_range => "-|-", IsMultirange, RangeOf;
    }

    /// `self + other`: the union. For two ranges the server raises an error when the result
    /// would not be contiguous (see [`RangeExt::merge`]).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::FREE.union(MultiRange::from(Range::closed(1, 2).unwrap())).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."free" + $1"#);
    /// ```
    fn union<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        binary("+", self.into_node(), other.into_node())
    }

    /// `self * other`: the intersection.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.intersection(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" * $1"#);
    /// ```
    fn intersection<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        binary("*", self.into_node(), other.into_node())
    }

    /// `self - other`: the difference. For two ranges the server raises an error when the
    /// result would not be contiguous.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.difference(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""bookings"."slot" - $1"#);
    /// ```
    fn difference<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        binary("-", self.into_node(), other.into_node())
    }

    /// `range_merge(self, other)`: the smallest range covering both (never an error).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.merge(Range::closed_open(10_i64, 20).unwrap()).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"range_merge("bookings"."slot", $1)"#);
    /// ```
    fn merge<R: AsExpression<BaseOf<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>>
    where
        Self::SqlType: IsRange,
    {
        call("range_merge", vec![self.into_node(), other.into_node()])
    }

    /// `range_merge(multirange)`: the smallest range covering the multirange.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::FREE.merged().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"range_merge("bookings"."free")"#);
    /// ```
    fn merged(self) -> Expr<RangeOf<Self>, Self::Tables>
    where
        Self::SqlType: IsMultirange,
    {
        call("range_merge", vec![self.into_node()])
    }

    /// `multirange(range)`: the range as a multirange.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.multirange().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"multirange("bookings"."slot")"#);
    /// ```
    fn multirange(self) -> Expr<MultirangeOf<Self>, Self::Tables>
    where
        Self::SqlType: IsRange,
    {
        call("multirange", vec![self.into_node()])
    }

    /// `lower(self)`: NULL when empty or unbounded below.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = select_from::<Booking>().select(Booking::SLOT.lower()).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT lower("bookings"."slot") FROM "bookings""#);
    /// ```
    fn lower(self) -> Expr<Nullable<ElementOf<Self>>, Self::Tables> {
        call("lower", vec![self.into_node()])
    }

    /// `upper(self)`: NULL when empty or unbounded above.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.upper().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"upper("bookings"."slot")"#);
    /// ```
    fn upper(self) -> Expr<Nullable<ElementOf<Self>>, Self::Tables> {
        call("upper", vec![self.into_node()])
    }

    /// `isempty(self)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = Booking::SLOT.is_empty().not().into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"NOT isempty("bookings"."slot")"#);
    /// ```
    fn is_empty(self) -> Expr<Bool, Self::Tables> {
        call("isempty", vec![self.into_node()])
    }

    /// `lower_inc(self)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// assert_eq!(Booking::SLOT.lower_inc().to_sql().sql(), r#"lower_inc("bookings"."slot")"#);
    /// ```
    fn lower_inc(self) -> Expr<Bool, Self::Tables> {
        call("lower_inc", vec![self.into_node()])
    }

    /// `upper_inc(self)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// assert_eq!(Booking::SLOT.upper_inc().to_sql().sql(), r#"upper_inc("bookings"."slot")"#);
    /// ```
    fn upper_inc(self) -> Expr<Bool, Self::Tables> {
        call("upper_inc", vec![self.into_node()])
    }

    /// `lower_inf(self)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// assert_eq!(Booking::SLOT.lower_inf().to_sql().sql(), r#"lower_inf("bookings"."slot")"#);
    /// ```
    fn lower_inf(self) -> Expr<Bool, Self::Tables> {
        call("lower_inf", vec![self.into_node()])
    }

    /// `upper_inf(self)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// assert_eq!(Booking::SLOT.upper_inf().to_sql().sql(), r#"upper_inf("bookings"."slot")"#);
    /// ```
    fn upper_inf(self) -> Expr<Bool, Self::Tables> {
        call("upper_inf", vec![self.into_node()])
    }
}

impl<E: Expression<SqlType: RangeType>> RangeExt for E {}

/// `element <@ range`: the value lies in the range (the element-side spelling of
/// [`RangeExt::contains_elem`]).
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// use orm_core::expr::elem_contained_by;
/// let sql = elem_contained_by(Booking::ROOM, Booking::FREE).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#""bookings"."room" <@ "bookings"."free""#);
/// ```
pub fn elem_contained_by<E, R>(element: E, range: R) -> Cond<E::Tables, R::Tables>
where
    E: Expression,
    R: Expression<SqlType: RangeType<Element = BaseOf<E>>>,
{
    let element = typed_param(element.into_node(), <BaseOf<E> as SqlType>::TYPE);
    binary("<@", element, range.into_node())
}

/// `range_agg(expr)`: the union of the ranges (or multiranges) of the group, as a
/// multirange; NULL over no rows. Add `.filter(..)` for `FILTER (WHERE ..)`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// use orm_core::expr::range_agg;
/// let sql = select_from::<Booking>().select((Booking::ROOM, range_agg(Booking::SLOT))).group_by(Booking::ROOM).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT "bookings"."room", range_agg("bookings"."slot") FROM "bookings" GROUP BY "bookings"."room""#);
/// ```
pub fn range_agg<E>(e: E) -> Aggregate<Nullable<MultirangeOf<E>>, E::Tables>
where
    E: Expression<SqlType: RangeType>,
{
    Aggregate::new("range_agg", vec![e.into_node()])
}

/// `range_intersect_agg(expr)`: the intersection of the ranges (or multiranges) of the
/// group, of the same type; NULL over no rows.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// use orm_core::expr::range_intersect_agg;
/// let sql = select_from::<Booking>().select(range_intersect_agg(Booking::SLOT)).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT range_intersect_agg("bookings"."slot") FROM "bookings""#);
/// ```
pub fn range_intersect_agg<E>(e: E) -> Aggregate<Nullable<BaseOf<E>>, E::Tables>
where
    E: Expression<SqlType: RangeType>,
{
    Aggregate::new("range_intersect_agg", vec![e.into_node()])
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use crate::__doc::Booking;
    use crate::prelude::*;

    #[test]
    fn nullable_ranges_and_precedence() {
        let sql = Booking::SLOT
            .union(Booking::SLOT)
            .contains_elem(3_i64)
            .and(Booking::SLOT.is_empty().not())
            .to_sql();
        assert_eq!(
            sql.sql(),
            r#""bookings"."slot" + "bookings"."slot" @> $1::BIGINT AND NOT isempty("bookings"."slot")"#
        );
    }
}
