//! Range values ([`Range<T>`]) and the range SQL types (`INT4RANGE`, `INT8RANGE`, `NUMRANGE`,
//! `DATERANGE`, `TSRANGE`, `TSTZRANGE`), with their binary codec and the Rust-side range
//! operations.
//!
//! A [`Range<T>`] is either empty or has a lower and an upper [`Bound`] (inclusive, exclusive
//! or unbounded). Every method answers exactly what the server answers for the same inputs
//! (the semantics of PostgreSQL's `rangetypes.c`):
//!
//! - Construction normalizes like the server: `[5,5)` and `(5,5]` are empty, a lower bound
//!   above the upper bound is an error, and the discrete types (`INT4RANGE`, `INT8RANGE`,
//!   `DATERANGE`) are canonicalized to `[)` (`[1,3]` is `[1,4)`, `(1,2)` is empty), so two
//!   equal ranges compare equal with `==`.
//! - `union` and `difference` return an error where the server raises one (a result that
//!   would not be contiguous); `merge` (`range_merge`) and `intersection` never fail.
//!
//! ```
//! use std::ops::Bound::*;
//! use orm_core::types::Range;
//! let a = Range::new(Included(1), Included(3)).unwrap();
//! assert_eq!(a, Range::new(Included(1), Excluded(4)).unwrap()); // canonical [1,4)
//! assert_eq!(a.to_string(), "[1,4)");
//! assert!(a.contains(&3) && !a.contains(&4));
//! let b = Range::new(Included(4), Unbounded).unwrap();
//! assert!(a.adjacent_to(&b));
//! assert_eq!(a.union(&b).unwrap().to_string(), "[1,)");
//! assert!(Range::new(Excluded(1), Excluded(2)).unwrap().is_empty());
//! ```
//!
//! The SQL operators on range columns are in [`crate::expr::RangeExt`].

use std::cmp::Ordering;
use std::error::Error as StdError;
use std::fmt::{self, Debug, Display};
use std::ops::Bound;

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

use crate::types::{HasSqlType, SqlType, TypeInfo};

type BoxError = Box<dyn StdError + Sync + Send>;

/// A Rust type that can be the element (subtype) of a range: it knows its range and
/// multirange SQL types, whether it is discrete, and the successor of a value.
pub trait RangeElement:
    Ord + Clone + Debug + Send + Sync + ToSql + for<'a> FromSql<'a> + 'static
{
    /// The element's SQL type (`INTEGER` for `i32`).
    type Element: SqlType;
    /// The range SQL type (`INT4RANGE` for `i32`).
    type Range: RangeType<Element = Self::Element>;
    /// The multirange SQL type (`INT4MULTIRANGE` for `i32`).
    type Multirange: RangeType<Element = Self::Element>;
    /// Whether the server canonicalizes ranges of this type to `[)` (integers, dates).
    const DISCRETE: bool;
    /// The next value of a discrete type; `None` when it would overflow (continuous types
    /// are never asked).
    fn successor(&self) -> Option<Self>;
}

/// Range and multirange SQL type markers, with their element type.
pub trait RangeType: SqlType {
    /// The element SQL type (`INTEGER` for `INT4RANGE` and `INT4MULTIRANGE`).
    type Element: SqlType;
    /// The range type (itself for a range).
    type Range: SqlType;
    /// The multirange type (itself for a multirange).
    type Multirange: SqlType;
}

macro_rules! range_markers {
    ($($(#[$rm:meta])* $range:ident => $rsql:literal, $(#[$mm:meta])* $multi:ident => $msql:literal, $elem:ty;)*) => {$(
        $(#[$rm])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $range;
        impl SqlType for $range {
            const TYPE: TypeInfo = TypeInfo::named($rsql);
            const NULLABLE: bool = false;
            type NotNull = $range;
            type Null = crate::types::NotNull;
        }
        impl RangeType for $range {
            type Element = $elem;
            type Range = $range;
            type Multirange = $multi;
        }
        impl RangeType for crate::types::Nullable<$range> {
            type Element = $elem;
            type Range = $range;
            type Multirange = $multi;
        }
        $(#[$mm])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $multi;
        impl SqlType for $multi {
            const TYPE: TypeInfo = TypeInfo::named($msql);
            const NULLABLE: bool = false;
            type NotNull = $multi;
            type Null = crate::types::NotNull;
        }
        impl RangeType for $multi {
            type Element = $elem;
            type Range = $range;
            type Multirange = $multi;
        }
        impl RangeType for crate::types::Nullable<$multi> {
            type Element = $elem;
            type Range = $range;
            type Multirange = $multi;
        }
    )*};
}

range_markers! {
    /// `INT4RANGE`: ranges of `INTEGER` (discrete).
    Int4range => "INT4RANGE",
    /// `INT4MULTIRANGE` (PostgreSQL 14+).
    Int4multirange => "INT4MULTIRANGE", crate::types::Int4;
    /// `INT8RANGE`: ranges of `BIGINT` (discrete).
    Int8range => "INT8RANGE",
    /// `INT8MULTIRANGE` (PostgreSQL 14+).
    Int8multirange => "INT8MULTIRANGE", crate::types::Int8;
    /// `NUMRANGE`: ranges of `NUMERIC`.
    Numrange => "NUMRANGE",
    /// `NUMMULTIRANGE` (PostgreSQL 14+).
    Nummultirange => "NUMMULTIRANGE", crate::types::Numeric;
    /// `DATERANGE`: ranges of `DATE` (discrete).
    Daterange => "DATERANGE",
    /// `DATEMULTIRANGE` (PostgreSQL 14+).
    Datemultirange => "DATEMULTIRANGE", crate::types::Date;
    /// `TSRANGE`: ranges of `TIMESTAMP`.
    Tsrange => "TSRANGE",
    /// `TSMULTIRANGE` (PostgreSQL 14+).
    Tsmultirange => "TSMULTIRANGE", crate::types::Timestamp;
    /// `TSTZRANGE`: ranges of `TIMESTAMPTZ`.
    Tstzrange => "TSTZRANGE",
    /// `TSTZMULTIRANGE` (PostgreSQL 14+).
    Tstzmultirange => "TSTZMULTIRANGE", crate::types::Timestamptz;
}

macro_rules! discrete {
    ($($t:ty => $elem:ty, $range:ty, $multi:ty, |$v:ident| $next:expr;)*) => {$(
        impl RangeElement for $t {
            type Element = $elem;
            type Range = $range;
            type Multirange = $multi;
            const DISCRETE: bool = true;
            fn successor(&self) -> Option<Self> {
                let $v = self;
                $next
            }
        }
    )*};
}

#[cfg(any(feature = "chrono", feature = "decimal"))]
macro_rules! continuous {
    ($($t:ty => $elem:ty, $range:ty, $multi:ty;)*) => {$(
        impl RangeElement for $t {
            type Element = $elem;
            type Range = $range;
            type Multirange = $multi;
            const DISCRETE: bool = false;
            fn successor(&self) -> Option<Self> {
                None
            }
        }
    )*};
}

discrete! {
    i32 => crate::types::Int4, Int4range, Int4multirange, |v| v.checked_add(1);
    i64 => crate::types::Int8, Int8range, Int8multirange, |v| v.checked_add(1);
}

#[cfg(feature = "chrono")]
discrete! {
    chrono::NaiveDate => crate::types::Date, Daterange, Datemultirange, |v| v.succ_opt();
}

#[cfg(feature = "chrono")]
continuous! {
    chrono::NaiveDateTime => crate::types::Timestamp, Tsrange, Tsmultirange;
    chrono::DateTime<chrono::Utc> => crate::types::Timestamptz, Tstzrange, Tstzmultirange;
}

#[cfg(feature = "decimal")]
continuous! {
    rust_decimal::Decimal => crate::types::Numeric, Numrange, Nummultirange;
}

/// Why a range could not be built, or an operation has no range result. The messages are
/// the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangeError {
    /// The lower bound is above the upper bound.
    LowerAboveUpper,
    /// `union` of two ranges that neither overlap nor touch.
    UnionNotContiguous,
    /// `difference` where the subtracted range lies strictly inside the other one.
    DifferenceNotContiguous,
    /// Canonicalizing a discrete bound overflowed (`[1, 2147483647]` of `INT4RANGE`).
    Overflow,
}

impl Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RangeError::LowerAboveUpper => {
                "range lower bound must be less than or equal to range upper bound"
            }
            RangeError::UnionNotContiguous => "result of range union would not be contiguous",
            RangeError::DifferenceNotContiguous => {
                "result of range difference would not be contiguous"
            }
            RangeError::Overflow => "range bound is out of range of its element type",
        })
    }
}

impl StdError for RangeError {}

/// A range of `T`: empty, or a lower and an upper bound. Always in the server's normal form
/// (see the module docs), so `==` is the server's `=`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Range<T> {
    inner: Option<(Bound<T>, Bound<T>)>,
}

/// One side of a range as `rangetypes.c` sees it: a value (or infinity), inclusivity, and
/// which side it is.
#[derive(Clone, Copy)]
pub(crate) struct Side<'a, T> {
    pub(crate) val: Option<&'a T>,
    pub(crate) inclusive: bool,
    pub(crate) lower: bool,
}

impl<'a, T> Side<'a, T> {
    fn of(b: &'a Bound<T>, lower: bool) -> Self {
        match b {
            Bound::Included(v) => Side {
                val: Some(v),
                inclusive: true,
                lower,
            },
            Bound::Excluded(v) => Side {
                val: Some(v),
                inclusive: false,
                lower,
            },
            Bound::Unbounded => Side {
                val: None,
                inclusive: false,
                lower,
            },
        }
    }

    fn into_bound(self) -> Bound<T>
    where
        T: Clone,
    {
        match self.val {
            None => Bound::Unbounded,
            Some(v) if self.inclusive => Bound::Included(v.clone()),
            Some(v) => Bound::Excluded(v.clone()),
        }
    }
}

/// `range_cmp_bound_values`: compares the values only (infinities first/last).
fn cmp_values<T: Ord>(a: &Side<'_, T>, b: &Side<'_, T>) -> Ordering {
    match (a.val, b.val) {
        (None, None) if a.lower == b.lower => Ordering::Equal,
        (None, None) | (None, Some(_)) => {
            if a.lower {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (Some(_), None) => {
            if b.lower {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Some(x), Some(y)) => x.cmp(y),
    }
}

/// `range_cmp_bounds`: compares two bounds as points, inclusivity included.
pub(crate) fn cmp_bounds<T: Ord>(a: &Side<'_, T>, b: &Side<'_, T>) -> Ordering {
    let values = cmp_values(a, b);
    if values != Ordering::Equal || a.val.is_none() || b.val.is_none() {
        return values;
    }
    let toward = |lower: bool| {
        if lower {
            Ordering::Greater
        } else {
            Ordering::Less
        }
    };
    match (a.inclusive, b.inclusive) {
        (true, true) => Ordering::Equal,
        (false, false) if a.lower == b.lower => Ordering::Equal,
        (false, false) => toward(a.lower),
        (false, true) => toward(a.lower),
        (true, false) => toward(b.lower).reverse(),
    }
}

impl<T: RangeElement> Range<T> {
    /// The empty range (`'empty'`).
    pub fn empty() -> Self {
        Range { inner: None }
    }

    /// The range of everything, `(,)`.
    pub fn unbounded() -> Self {
        Range {
            inner: Some((Bound::Unbounded, Bound::Unbounded)),
        }
    }

    /// A range from its bounds, normalized as the server does (`make_range`): equal bounds
    /// that are not both inclusive make the empty range, and discrete types are
    /// canonicalized to `[)`.
    ///
    /// # Errors
    ///
    /// [`RangeError::LowerAboveUpper`] when the lower bound is above the upper one;
    /// [`RangeError::Overflow`] when a discrete bound has no successor.
    ///
    /// ```
    /// use std::ops::Bound::*;
    /// use orm_core::types::{Range, RangeError};
    /// assert_eq!(Range::new(Excluded(1), Included(3)).unwrap().to_string(), "[2,4)");
    /// assert_eq!(Range::new(Included(5), Excluded(5)).unwrap(), Range::empty());
    /// assert_eq!(Range::new(Included(2), Included(1)), Err(RangeError::LowerAboveUpper));
    /// ```
    pub fn new(lower: Bound<T>, upper: Bound<T>) -> Result<Self, RangeError> {
        Self::make(Side::of(&lower, true), Side::of(&upper, false))
    }

    /// `[lower, upper)`, the server's default bounds.
    ///
    /// # Errors
    ///
    /// As [`Range::new`].
    pub fn closed_open(lower: T, upper: T) -> Result<Self, RangeError> {
        Self::new(Bound::Included(lower), Bound::Excluded(upper))
    }

    /// `[lower, upper]`.
    ///
    /// # Errors
    ///
    /// As [`Range::new`].
    pub fn closed(lower: T, upper: T) -> Result<Self, RangeError> {
        Self::new(Bound::Included(lower), Bound::Included(upper))
    }

    /// `make_range`: serialize (order check, empty check), canonicalize a discrete range,
    /// and check again.
    pub(crate) fn make(lower: Side<'_, T>, upper: Side<'_, T>) -> Result<Self, RangeError> {
        let first = Self::serialize(lower, upper)?;
        if !T::DISCRETE {
            return Ok(first);
        }
        let Some((lo, up)) = first.inner else {
            return Ok(first);
        };
        let lo = match lo {
            Bound::Excluded(v) => Bound::Included(v.successor().ok_or(RangeError::Overflow)?),
            other => other,
        };
        let up = match up {
            Bound::Included(v) => Bound::Excluded(v.successor().ok_or(RangeError::Overflow)?),
            other => other,
        };
        Self::serialize(Side::of(&lo, true), Side::of(&up, false))
    }

    fn serialize(lower: Side<'_, T>, upper: Side<'_, T>) -> Result<Self, RangeError> {
        if let (Some(l), Some(u)) = (lower.val, upper.val) {
            match l.cmp(u) {
                Ordering::Greater => return Err(RangeError::LowerAboveUpper),
                Ordering::Equal if !(lower.inclusive && upper.inclusive) => {
                    return Ok(Self::empty());
                }
                _ => {}
            }
        }
        Ok(Range {
            inner: Some((lower.into_bound(), upper.into_bound())),
        })
    }

    pub(crate) fn sides(&self) -> Option<(Side<'_, T>, Side<'_, T>)> {
        self.inner
            .as_ref()
            .map(|(l, u)| (Side::of(l, true), Side::of(u, false)))
    }

    /// `isempty(r)`
    pub fn is_empty(&self) -> bool {
        self.inner.is_none()
    }

    /// The lower bound; `None` for the empty range.
    pub fn lower_bound(&self) -> Option<Bound<&T>> {
        self.inner.as_ref().map(|(l, _)| l.as_ref())
    }

    /// The upper bound; `None` for the empty range.
    pub fn upper_bound(&self) -> Option<Bound<&T>> {
        self.inner.as_ref().map(|(_, u)| u.as_ref())
    }

    /// `lower(r)`: the lower bound's value; `None` (SQL NULL) when empty or unbounded.
    pub fn lower(&self) -> Option<&T> {
        match self.lower_bound()? {
            Bound::Included(v) | Bound::Excluded(v) => Some(v),
            Bound::Unbounded => None,
        }
    }

    /// `upper(r)`: the upper bound's value; `None` (SQL NULL) when empty or unbounded.
    pub fn upper(&self) -> Option<&T> {
        match self.upper_bound()? {
            Bound::Included(v) | Bound::Excluded(v) => Some(v),
            Bound::Unbounded => None,
        }
    }

    /// `lower_inc(r)`: the lower bound is inclusive (false when empty or unbounded).
    pub fn lower_inc(&self) -> bool {
        matches!(self.lower_bound(), Some(Bound::Included(_)))
    }

    /// `upper_inc(r)`: the upper bound is inclusive (false when empty or unbounded).
    pub fn upper_inc(&self) -> bool {
        matches!(self.upper_bound(), Some(Bound::Included(_)))
    }

    /// `lower_inf(r)`: the lower bound is unbounded (false when empty).
    pub fn lower_inf(&self) -> bool {
        matches!(self.lower_bound(), Some(Bound::Unbounded))
    }

    /// `upper_inf(r)`: the upper bound is unbounded (false when empty).
    pub fn upper_inf(&self) -> bool {
        matches!(self.upper_bound(), Some(Bound::Unbounded))
    }

    /// `r @> elem`: the range contains the value.
    pub fn contains(&self, value: &T) -> bool {
        let Some((l, u)) = self.sides() else {
            return false;
        };
        if let Some(lv) = l.val {
            match lv.cmp(value) {
                Ordering::Greater => return false,
                Ordering::Equal if !l.inclusive => return false,
                _ => {}
            }
        }
        if let Some(uv) = u.val {
            match uv.cmp(value) {
                Ordering::Less => return false,
                Ordering::Equal if !u.inclusive => return false,
                _ => {}
            }
        }
        true
    }

    /// `self @> other`: every point of `other` is in `self` (the empty range is in every
    /// range).
    pub fn contains_range(&self, other: &Range<T>) -> bool {
        let Some((l2, u2)) = other.sides() else {
            return true;
        };
        let Some((l1, u1)) = self.sides() else {
            return false;
        };
        cmp_bounds(&l1, &l2) != Ordering::Greater && cmp_bounds(&u1, &u2) != Ordering::Less
    }

    /// `self <@ other`
    pub fn contained_by(&self, other: &Range<T>) -> bool {
        other.contains_range(self)
    }

    /// `self && other`: a point in common.
    pub fn overlaps(&self, other: &Range<T>) -> bool {
        let (Some((l1, u1)), Some((l2, u2))) = (self.sides(), other.sides()) else {
            return false;
        };
        (cmp_bounds(&l1, &l2) != Ordering::Less && cmp_bounds(&l1, &u2) != Ordering::Greater)
            || (cmp_bounds(&l2, &l1) != Ordering::Less && cmp_bounds(&l2, &u1) != Ordering::Greater)
    }

    /// `self << other`: entirely before `other` (false when either is empty).
    pub fn strictly_left_of(&self, other: &Range<T>) -> bool {
        match (self.sides(), other.sides()) {
            (Some((_, u1)), Some((l2, _))) => cmp_bounds(&u1, &l2) == Ordering::Less,
            _ => false,
        }
    }

    /// `self >> other`: entirely after `other` (false when either is empty).
    pub fn strictly_right_of(&self, other: &Range<T>) -> bool {
        match (self.sides(), other.sides()) {
            (Some((l1, _)), Some((_, u2))) => cmp_bounds(&l1, &u2) == Ordering::Greater,
            _ => false,
        }
    }

    /// `self &< other`: does not extend to the right of `other`.
    pub fn not_extend_right_of(&self, other: &Range<T>) -> bool {
        match (self.sides(), other.sides()) {
            (Some((_, u1)), Some((_, u2))) => cmp_bounds(&u1, &u2) != Ordering::Greater,
            _ => false,
        }
    }

    /// `self &> other`: does not extend to the left of `other`.
    pub fn not_extend_left_of(&self, other: &Range<T>) -> bool {
        match (self.sides(), other.sides()) {
            (Some((l1, _)), Some((l2, _))) => cmp_bounds(&l1, &l2) != Ordering::Less,
            _ => false,
        }
    }

    /// `self -|- other`: the ranges touch without a point in common.
    pub fn adjacent_to(&self, other: &Range<T>) -> bool {
        match (self.sides(), other.sides()) {
            (Some((l1, u1)), Some((l2, u2))) => {
                bounds_adjacent::<T>(u1, l2) || bounds_adjacent::<T>(u2, l1)
            }
            _ => false,
        }
    }

    /// `self + other`: the union.
    ///
    /// # Errors
    ///
    /// [`RangeError::UnionNotContiguous`] when the ranges neither overlap nor touch (the
    /// server raises this error); use [`Range::merge`] for the smallest range covering both.
    pub fn union(&self, other: &Range<T>) -> Result<Range<T>, RangeError> {
        if self.is_empty() || other.is_empty() {
            return Ok(self.merge(other));
        }
        if !self.overlaps(other) && !self.adjacent_to(other) {
            return Err(RangeError::UnionNotContiguous);
        }
        Ok(self.merge(other))
    }

    /// `range_merge(self, other)`: the smallest range that covers both (an empty range
    /// covers nothing).
    pub fn merge(&self, other: &Range<T>) -> Range<T> {
        let (Some((l1, u1)), Some((l2, u2))) = (self.sides(), other.sides()) else {
            return if self.is_empty() {
                other.clone()
            } else {
                self.clone()
            };
        };
        let lower = if cmp_bounds(&l1, &l2) == Ordering::Less {
            l1
        } else {
            l2
        };
        let upper = if cmp_bounds(&u1, &u2) == Ordering::Greater {
            u1
        } else {
            u2
        };
        // Bounds of two normalized ranges, lower ≤ upper: cannot fail.
        Self::make(lower, upper).unwrap_or_else(|_| Self::empty())
    }

    /// `self * other`: the intersection (empty when they do not overlap).
    pub fn intersection(&self, other: &Range<T>) -> Range<T> {
        let (Some((l1, u1)), Some((l2, u2))) = (self.sides(), other.sides()) else {
            return Self::empty();
        };
        if !self.overlaps(other) {
            return Self::empty();
        }
        let lower = if cmp_bounds(&l1, &l2) != Ordering::Less {
            l1
        } else {
            l2
        };
        let upper = if cmp_bounds(&u1, &u2) != Ordering::Greater {
            u1
        } else {
            u2
        };
        // Overlapping normalized ranges: the bounds are ordered, so this cannot fail.
        Self::make(lower, upper).unwrap_or_else(|_| Self::empty())
    }

    /// `self - other`: the points of `self` not in `other`.
    ///
    /// # Errors
    ///
    /// [`RangeError::DifferenceNotContiguous`] when `other` lies strictly inside `self`, so
    /// the result would be two ranges (the server raises this error; a multirange holds the
    /// answer: [`MultiRange::difference`](crate::types::MultiRange::difference)).
    pub fn difference(&self, other: &Range<T>) -> Result<Range<T>, RangeError> {
        match self.minus(other) {
            Minus::None => Ok(Self::empty()),
            Minus::One(r) => Ok(r),
            Minus::Two(..) => Err(RangeError::DifferenceNotContiguous),
        }
    }

    /// `range_minus_multi`: the difference as zero, one or two ranges.
    pub(crate) fn minus(&self, other: &Range<T>) -> Minus<T> {
        let (Some((l1, u1)), Some((l2, u2))) = (self.sides(), other.sides()) else {
            return if self.is_empty() {
                Minus::None
            } else {
                Minus::One(self.clone())
            };
        };
        let l1l2 = cmp_bounds(&l1, &l2);
        let l1u2 = cmp_bounds(&l1, &u2);
        let u1l2 = cmp_bounds(&u1, &l2);
        let u1u2 = cmp_bounds(&u1, &u2);
        fn flip<T>(s: Side<'_, T>, lower: bool) -> Side<'_, T> {
            Side {
                val: s.val,
                inclusive: !s.inclusive,
                lower,
            }
        }
        let make = |l, u| Self::make(l, u).unwrap_or_else(|_| Self::empty());
        if l1l2 == Ordering::Less && u1u2 == Ordering::Greater {
            return Minus::Two(make(l1, flip(l2, false)), make(flip(u2, true), u1));
        }
        if l1u2 == Ordering::Greater || u1l2 == Ordering::Less {
            return Minus::One(self.clone());
        }
        if l1l2 != Ordering::Less && u1u2 != Ordering::Greater {
            return Minus::None;
        }
        if l1l2 != Ordering::Greater && u1l2 != Ordering::Less && u1u2 != Ordering::Greater {
            return Minus::One(make(l1, flip(l2, false)));
        }
        // l1l2 >= 0 && u1u2 >= 0 && l1u2 <= 0: the only case left.
        Minus::One(make(flip(u2, true), u1))
    }

    /// The Rust value bounds converted with `f` (for building ranges of another type).
    pub fn map<U: RangeElement>(&self, mut f: impl FnMut(&T) -> U) -> Result<Range<U>, RangeError> {
        match &self.inner {
            None => Ok(Range::empty()),
            Some((l, u)) => Range::new(map_bound(l, &mut f), map_bound(u, &mut f)),
        }
    }
}

fn map_bound<T, U>(b: &Bound<T>, f: &mut impl FnMut(&T) -> U) -> Bound<U> {
    match b {
        Bound::Included(v) => Bound::Included(f(v)),
        Bound::Excluded(v) => Bound::Excluded(f(v)),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The result of subtracting one range from another.
pub(crate) enum Minus<T> {
    None,
    One(Range<T>),
    Two(Range<T>, Range<T>),
}

/// `bounds_adjacent`: upper bound `a` touches lower bound `b`.
fn bounds_adjacent<T: RangeElement>(a: Side<'_, T>, b: Side<'_, T>) -> bool {
    match cmp_values(&a, &b) {
        Ordering::Less => {
            if !T::DISCRETE {
                return false;
            }
            // Discrete: adjacent when no value lies between, i.e. the range between the
            // two bounds (inclusivity flipped) is empty.
            let between = Range::<T>::make(
                Side {
                    val: a.val,
                    inclusive: !a.inclusive,
                    lower: true,
                },
                Side {
                    val: b.val,
                    inclusive: !b.inclusive,
                    lower: false,
                },
            );
            matches!(between, Ok(r) if r.is_empty())
        }
        Ordering::Equal => a.inclusive != b.inclusive,
        Ordering::Greater => false,
    }
}

/// `range_cmp`: the server's sort order of ranges (empty first, then by lower bound, then
/// by upper bound).
impl<T: RangeElement> PartialOrd for Range<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: RangeElement> Ord for Range<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.sides(), other.sides()) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some((l1, u1)), Some((l2, u2))) => {
                cmp_bounds(&l1, &l2).then_with(|| cmp_bounds(&u1, &u2))
            }
        }
    }
}

/// The server's text form: `empty`, `[1,4)`, `(,5]`.
impl<T: Display> Display for Range<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((l, u)) = &self.inner else {
            return f.write_str("empty");
        };
        match l {
            Bound::Included(v) => write!(f, "[{v}")?,
            Bound::Excluded(v) => write!(f, "({v}")?,
            Bound::Unbounded => f.write_str("(")?,
        }
        f.write_str(",")?;
        match u {
            Bound::Included(v) => write!(f, "{v}]"),
            Bound::Excluded(v) => write!(f, "{v})"),
            Bound::Unbounded => f.write_str(")"),
        }
    }
}

impl<T: Debug> Debug for Range<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("Range(empty)"),
            Some((l, u)) => f.debug_tuple("Range").field(l).field(u).finish(),
        }
    }
}

// --- Binary codec (range_send / range_recv) -----------------------------------------------

const RANGE_EMPTY: u8 = 0x01;
const RANGE_LB_INC: u8 = 0x02;
const RANGE_UB_INC: u8 = 0x04;
const RANGE_LB_INF: u8 = 0x08;
const RANGE_UB_INF: u8 = 0x10;

/// The element type of a range type (or of a domain over one).
pub(crate) fn range_element(ty: &Type) -> Option<&Type> {
    match ty.kind() {
        Kind::Range(elem) => Some(elem),
        Kind::Domain(base) => range_element(base),
        _ => None,
    }
}

/// The element type of a multirange type (or of a domain over one).
pub(crate) fn multirange_element(ty: &Type) -> Option<&Type> {
    match ty.kind() {
        Kind::Multirange(elem) => Some(elem),
        Kind::Domain(base) => multirange_element(base),
        _ => None,
    }
}

/// Writes `value` as a length-prefixed field (`int32 length` + bytes); a NULL is refused.
pub(crate) fn write_length_prefixed(
    out: &mut BytesMut,
    what: &str,
    write: impl FnOnce(&mut BytesMut) -> Result<IsNull, BoxError>,
) -> Result<(), BoxError> {
    let at = out.len();
    out.put_i32(0);
    if let IsNull::Yes = write(out)? {
        return Err(format!("{what} cannot be NULL").into());
    }
    let len = i32::try_from(out.len() - at - 4)
        .map_err(|_| format!("{what} is too large for the wire format"))?;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// Reads an `int32 length` + bytes field; `None` for length -1 (NULL).
pub(crate) fn read_length_prefixed<'a>(
    buf: &mut &'a [u8],
    what: &str,
) -> Result<Option<&'a [u8]>, BoxError> {
    let len = read_i32(buf, what)?;
    if len < 0 {
        return Ok(None);
    }
    let len = usize::try_from(len).map_err(|_| format!("invalid length of {what}"))?;
    if buf.len() < len {
        return Err(format!("{what} is truncated").into());
    }
    let (value, rest) = buf.split_at(len);
    *buf = rest;
    Ok(Some(value))
}

pub(crate) fn read_i32(buf: &mut &[u8], what: &str) -> Result<i32, BoxError> {
    let Some((head, rest)) = buf.split_first_chunk::<4>() else {
        return Err(format!("{what} is truncated").into());
    };
    *buf = rest;
    Ok(i32::from_be_bytes(*head))
}

impl<T: RangeElement> Range<T> {
    pub(crate) fn encode(&self, elem: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
        let Some((l, u)) = &self.inner else {
            out.put_u8(RANGE_EMPTY);
            return Ok(());
        };
        let mut flags = 0;
        match l {
            Bound::Included(_) => flags |= RANGE_LB_INC,
            Bound::Excluded(_) => {}
            Bound::Unbounded => flags |= RANGE_LB_INF,
        }
        match u {
            Bound::Included(_) => flags |= RANGE_UB_INC,
            Bound::Excluded(_) => {}
            Bound::Unbounded => flags |= RANGE_UB_INF,
        }
        out.put_u8(flags);
        for b in [l, u] {
            if let Bound::Included(v) | Bound::Excluded(v) = b {
                write_length_prefixed(out, "a range bound", |out| v.to_sql_checked(elem, out))?;
            }
        }
        Ok(())
    }

    pub(crate) fn decode(elem: &Type, mut raw: &[u8]) -> Result<Self, BoxError> {
        let Some((&flags, rest)) = raw.split_first() else {
            return Err("a range value is truncated".into());
        };
        raw = rest;
        if flags & RANGE_EMPTY != 0 {
            return Ok(Self::empty());
        }
        let mut bound = |inf: u8, inc: u8| -> Result<Bound<T>, BoxError> {
            if flags & inf != 0 {
                return Ok(Bound::Unbounded);
            }
            let bytes =
                read_length_prefixed(&mut raw, "a range bound")?.ok_or("a range bound is NULL")?;
            let v = T::from_sql(elem, bytes)?;
            Ok(if flags & inc != 0 {
                Bound::Included(v)
            } else {
                Bound::Excluded(v)
            })
        };
        let lower = bound(RANGE_LB_INF, RANGE_LB_INC)?;
        let upper = bound(RANGE_UB_INF, RANGE_UB_INC)?;
        if !raw.is_empty() {
            return Err("a range value has trailing bytes".into());
        }
        Ok(Self::new(lower, upper)?)
    }
}

impl<T: RangeElement> ToSql for Range<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let elem = range_element(ty).ok_or_else(|| format!("{ty} is not a range type"))?;
        self.encode(elem, out)?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        range_element(ty).is_some_and(<T as ToSql>::accepts)
    }

    to_sql_checked!();
}

impl<'a, T: RangeElement> FromSql<'a> for Range<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let elem = range_element(ty).ok_or_else(|| format!("{ty} is not a range type"))?;
        Self::decode(elem, raw)
    }

    fn accepts(ty: &Type) -> bool {
        range_element(ty).is_some_and(|e| <T as FromSql<'_>>::accepts(e))
    }
}

// --- The type table --------------------------------------------------------------------------

impl<T: RangeElement> HasSqlType for Range<T> {
    type SqlType = T::Range;
}
impl<T: RangeElement> crate::types::FromSqlValue<T::Range> for Range<T> {}

// Per element type, not generic over `T: RangeElement`: a concrete impl lets the compiler
// infer the element from the column's type (`slot.overlaps(Range::closed(1, 5)?)` on an
// INT8RANGE column makes the literals `i64`).
macro_rules! range_binds {
    ($($t:ty),*) => {$(
        impl crate::expr::AsExpression<<$t as RangeElement>::Range> for Range<$t> {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::NotNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(self)
            }
        }
        impl crate::expr::AsExpression<crate::types::Nullable<<$t as RangeElement>::Range>>
            for Range<$t>
        {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::NotNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(self)
            }
        }
        impl crate::expr::AsExpression<crate::types::Nullable<<$t as RangeElement>::Range>>
            for Option<Range<$t>>
        {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::IsNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(self)
            }
        }
    )*};
}
range_binds!(i32, i64);
#[cfg(feature = "chrono")]
range_binds!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);
#[cfg(feature = "decimal")]
range_binds!(rust_decimal::Decimal);

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;
    use Bound::*;

    fn r(l: Bound<i32>, u: Bound<i32>) -> Range<i32> {
        Range::new(l, u).unwrap()
    }

    #[test]
    fn discrete_ranges_are_canonical() {
        assert_eq!(r(Included(1), Included(3)), r(Included(1), Excluded(4)));
        assert_eq!(r(Excluded(0), Excluded(4)), r(Included(1), Excluded(4)));
        assert!(r(Excluded(1), Excluded(2)).is_empty());
        assert!(r(Included(3), Excluded(3)).is_empty());
        assert_eq!(r(Included(3), Included(3)).to_string(), "[3,4)");
        assert_eq!(
            Range::new(Included(1), Included(i32::MAX)),
            Err(RangeError::Overflow)
        );
        assert_eq!(r(Unbounded, Included(3)).to_string(), "(,4)");
    }

    #[test]
    fn operations_follow_the_server() {
        let a = r(Included(1), Excluded(5));
        let b = r(Included(5), Excluded(9));
        assert!(a.adjacent_to(&b) && !a.overlaps(&b));
        assert_eq!(a.union(&b).unwrap(), r(Included(1), Excluded(9)));
        assert_eq!(a.intersection(&b), Range::empty());
        let c = r(Included(2), Excluded(3));
        assert_eq!(a.difference(&c), Err(RangeError::DifferenceNotContiguous));
        assert_eq!(a.difference(&b).unwrap(), a);
        assert_eq!(
            r(Included(7), Excluded(9)).union(&a),
            Err(RangeError::UnionNotContiguous)
        );
        assert!(Range::<i32>::empty().contained_by(&a));
        assert!(!Range::<i32>::empty().overlaps(&Range::unbounded()));
        assert!(!Range::<i32>::unbounded().lower_inc());
        assert!(Range::<i32>::unbounded().lower_inf());
    }

    #[test]
    fn codec_round_trips() {
        for v in [
            Range::empty(),
            Range::unbounded(),
            r(Included(-3), Excluded(7)),
            r(Unbounded, Excluded(0)),
        ] {
            let mut buf = BytesMut::new();
            v.to_sql(&Type::INT4_RANGE, &mut buf).unwrap();
            assert_eq!(Range::<i32>::from_sql(&Type::INT4_RANGE, &buf).unwrap(), v);
        }
        assert!(<Range<i32> as ToSql>::accepts(&Type::INT4_RANGE));
        assert!(!<Range<i32> as ToSql>::accepts(&Type::INT8_RANGE));
        assert!(Range::<i32>::from_sql(&Type::INT4_RANGE, &[0x02, 0, 0]).is_err());
    }
}
