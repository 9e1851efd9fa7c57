//! Multirange values ([`MultiRange<T>`], PostgreSQL 14+): a set of non-overlapping,
//! non-adjacent ranges, with the binary codec and the Rust-side set operations.
//!
//! Like the server (`multirange_canonicalize`), a `MultiRange` is kept sorted, without empty
//! ranges, and with overlapping or touching ranges merged, so `==` is the server's `=`.
//!
//! ```
//! use orm_core::types::{MultiRange, Range};
//! let m = MultiRange::new([
//!     Range::closed_open(5, 8).unwrap(),
//!     Range::closed_open(1, 3).unwrap(),
//!     Range::closed_open(3, 4).unwrap(),
//! ]);
//! assert_eq!(m.to_string(), "{[1,4),[5,8)}");
//! assert!(m.contains(&6) && !m.contains(&4));
//! let hole = MultiRange::from(Range::closed_open(2, 6).unwrap());
//! assert_eq!(m.difference(&hole).to_string(), "{[1,2),[6,8)}");
//! ```

use std::fmt::{self, Debug, Display};

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::types::HasSqlType;
use crate::types::range::{
    Minus, Range, RangeElement, multirange_element, read_i32, read_length_prefixed,
    write_length_prefixed,
};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// A multirange of `T`: sorted, disjoint, non-adjacent, non-empty ranges.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MultiRange<T> {
    ranges: Vec<Range<T>>,
}

impl<T: RangeElement> MultiRange<T> {
    /// The empty multirange `{}`.
    pub fn empty() -> Self {
        MultiRange { ranges: Vec::new() }
    }

    /// A multirange of the given ranges, in canonical form (sorted, empty ranges dropped,
    /// overlapping and touching ranges merged).
    pub fn new(ranges: impl IntoIterator<Item = Range<T>>) -> Self {
        let mut all: Vec<Range<T>> = ranges.into_iter().filter(|r| !r.is_empty()).collect();
        all.sort();
        let mut out: Vec<Range<T>> = Vec::with_capacity(all.len());
        for r in all {
            match out.last_mut() {
                Some(last) if last.overlaps(&r) || last.adjacent_to(&r) => {
                    *last = last.merge(&r);
                }
                _ => out.push(r),
            }
        }
        MultiRange { ranges: out }
    }

    /// The ranges, sorted.
    pub fn ranges(&self) -> &[Range<T>] {
        &self.ranges
    }

    /// The ranges, sorted.
    pub fn into_ranges(self) -> Vec<Range<T>> {
        self.ranges
    }

    /// `isempty(m)`
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// `lower(m)`: the lowest bound's value; `None` when empty or unbounded.
    pub fn lower(&self) -> Option<&T> {
        self.ranges.first()?.lower()
    }

    /// `upper(m)`: the highest bound's value; `None` when empty or unbounded.
    pub fn upper(&self) -> Option<&T> {
        self.ranges.last()?.upper()
    }

    /// `range_merge(m)`: the smallest range covering the multirange.
    pub fn merge(&self) -> Range<T> {
        match (self.ranges.first(), self.ranges.last()) {
            (Some(first), Some(last)) => first.merge(last),
            _ => Range::empty(),
        }
    }

    /// `m @> elem`
    pub fn contains(&self, value: &T) -> bool {
        self.ranges.iter().any(|r| r.contains(value))
    }

    /// `m @> r`: one of the ranges contains `r` (every multirange contains the empty range).
    pub fn contains_range(&self, r: &Range<T>) -> bool {
        r.is_empty() || self.ranges.iter().any(|x| x.contains_range(r))
    }

    /// `self @> other`
    pub fn contains_multirange(&self, other: &MultiRange<T>) -> bool {
        other.ranges.iter().all(|r| self.contains_range(r))
    }

    /// `m && r`
    pub fn overlaps_range(&self, r: &Range<T>) -> bool {
        self.ranges.iter().any(|x| x.overlaps(r))
    }

    /// `self && other`
    pub fn overlaps(&self, other: &MultiRange<T>) -> bool {
        other.ranges.iter().any(|r| self.overlaps_range(r))
    }

    /// `self + other`: the union (always a multirange).
    pub fn union(&self, other: &MultiRange<T>) -> MultiRange<T> {
        MultiRange::new(self.ranges.iter().chain(&other.ranges).cloned())
    }

    /// `self * other`: the intersection.
    pub fn intersection(&self, other: &MultiRange<T>) -> MultiRange<T> {
        MultiRange::new(
            self.ranges
                .iter()
                .flat_map(|a| other.ranges.iter().map(move |b| a.intersection(b))),
        )
    }

    /// `self - other`: the difference.
    pub fn difference(&self, other: &MultiRange<T>) -> MultiRange<T> {
        let mut rest = self.ranges.clone();
        for b in &other.ranges {
            rest = rest
                .iter()
                .flat_map(|a| match a.minus(b) {
                    Minus::None => Vec::new(),
                    Minus::One(r) => vec![r],
                    Minus::Two(x, y) => vec![x, y],
                })
                .collect();
        }
        MultiRange::new(rest)
    }
}

impl<T: RangeElement> From<Range<T>> for MultiRange<T> {
    /// `multirange(r)`
    fn from(r: Range<T>) -> Self {
        MultiRange::new([r])
    }
}

impl<T: RangeElement> FromIterator<Range<T>> for MultiRange<T> {
    fn from_iter<I: IntoIterator<Item = Range<T>>>(iter: I) -> Self {
        MultiRange::new(iter)
    }
}

/// The server's text form: `{}`, `{[1,4),[5,8)}`.
impl<T: Display> Display for MultiRange<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            Display::fmt(r, f)?;
        }
        f.write_str("}")
    }
}

impl<T: Debug> Debug for MultiRange<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MultiRange").field(&self.ranges).finish()
    }
}

// --- Binary codec (multirange_send / multirange_recv): int32 count, then each range as an
// int32 length and its range_send bytes.

impl<T: RangeElement> ToSql for MultiRange<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let elem = multirange_element(ty).ok_or_else(|| format!("{ty} is not a multirange"))?;
        let count = i32::try_from(self.ranges.len()).map_err(|_| "too many ranges")?;
        out.extend_from_slice(&count.to_be_bytes());
        for r in &self.ranges {
            write_length_prefixed(out, "a range", |out| {
                r.encode(elem, out).map(|()| IsNull::No)
            })?;
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        multirange_element(ty).is_some_and(<T as ToSql>::accepts)
    }

    to_sql_checked!();
}

impl<'a, T: RangeElement> FromSql<'a> for MultiRange<T> {
    fn from_sql(ty: &Type, mut raw: &'a [u8]) -> Result<Self, BoxError> {
        let elem = multirange_element(ty).ok_or_else(|| format!("{ty} is not a multirange"))?;
        let count = read_i32(&mut raw, "a multirange")?;
        let count = usize::try_from(count).map_err(|_| "invalid multirange range count")?;
        let mut ranges = Vec::with_capacity(count.min(raw.len()));
        for _ in 0..count {
            let bytes = read_length_prefixed(&mut raw, "a range")?.ok_or("a range is NULL")?;
            ranges.push(Range::decode(elem, bytes)?);
        }
        if !raw.is_empty() {
            return Err("a multirange value has trailing bytes".into());
        }
        Ok(MultiRange::new(ranges))
    }

    fn accepts(ty: &Type) -> bool {
        multirange_element(ty).is_some_and(|e| <T as FromSql<'_>>::accepts(e))
    }
}

// --- The type table --------------------------------------------------------------------------

impl<T: RangeElement> HasSqlType for MultiRange<T> {
    type SqlType = T::Multirange;
}
impl<T: RangeElement> crate::types::FromSqlValue<T::Multirange> for MultiRange<T> {}

// Per element type, not generic over `T: RangeElement`: a concrete impl lets the compiler
// infer the element from the column's type (`slot.overlaps(MultiRange::closed(1, 5)?)` on an
// INT8RANGE column makes the literals `i64`).
macro_rules! multirange_binds {
    ($($t:ty),*) => {$(
        impl crate::expr::AsExpression<<$t as RangeElement>::Multirange> for MultiRange<$t> {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::NotNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(self)
            }
        }
        impl crate::expr::AsExpression<crate::types::Nullable<<$t as RangeElement>::Multirange>>
            for MultiRange<$t>
        {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::NotNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(self)
            }
        }
        impl crate::expr::AsExpression<crate::types::Nullable<<$t as RangeElement>::Multirange>>
            for Option<MultiRange<$t>>
        {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::IsNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(self)
            }
        }
    )*};
}
multirange_binds!(i32, i64);
#[cfg(feature = "chrono")]
multirange_binds!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);
#[cfg(feature = "decimal")]
multirange_binds!(rust_decimal::Decimal);

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;

    fn r(l: i32, u: i32) -> Range<i32> {
        Range::closed_open(l, u).unwrap()
    }

    #[test]
    fn canonical_form() {
        let m = MultiRange::new([r(5, 8), Range::empty(), r(1, 3), r(2, 5)]);
        assert_eq!(m.ranges(), [r(1, 8)]);
        assert_eq!(MultiRange::<i32>::new([]).to_string(), "{}");
    }

    #[test]
    fn codec_round_trips() {
        let m = MultiRange::new([
            r(1, 3),
            r(5, 8),
            Range::new(std::ops::Bound::Included(10), std::ops::Bound::Unbounded).unwrap(),
        ]);
        let mut buf = BytesMut::new();
        m.to_sql(&Type::INT4MULTI_RANGE, &mut buf).unwrap();
        assert_eq!(
            MultiRange::<i32>::from_sql(&Type::INT4MULTI_RANGE, &buf).unwrap(),
            m
        );
        assert!(!<MultiRange<i32> as ToSql>::accepts(&Type::INT4_RANGE));
    }
}
