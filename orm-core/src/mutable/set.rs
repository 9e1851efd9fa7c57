//! [`MutableSet`]: an ARRAY column with set semantics that knows what changed.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{Patch, PatchShape, Shared, Tracked, is_array_column};
use crate::metadata::{ColumnDef, DdlType};
use crate::types::{Array, FromSqlValue, HasSqlType, SqlType};
use crate::value::Param;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// What happened to a set since its record of changes started.
#[derive(Debug, Clone)]
enum Edit<T> {
    /// Elements added and removed (each element in at most one of them).
    Elements {
        added: BTreeSet<T>,
        removed: BTreeSet<T>,
    },
    /// Anything else: the whole value is written.
    Other,
}

/// A set of values stored as an ARRAY column (`T[]`), ordered by `T`, that records which
/// elements were added and removed, so the Session writes only those (see the
/// [module docs](super)): `ARRAY(SELECT unnest(array_cat(col, $added)) EXCEPT SELECT
/// unnest($removed))`. The array's order in the database is not kept (it is a set);
/// duplicates in a loaded array collapse.
///
/// It derefs to `BTreeSet<T>`; `insert`, `remove`, `take`, `retain`, `extend`, `append`,
/// `pop_first` and `pop_last` are recorded; `clear` and `DerefMut` write the whole array.
///
/// ```
/// use orm_core::mutable::MutableSet;
/// let mut s: MutableSet<i32> = [3, 1].into_iter().collect();
/// assert!(s.insert(2));
/// assert!(!s.insert(2));
/// assert_eq!(s.iter().copied().collect::<Vec<_>>(), [1, 2, 3]);
/// ```
pub struct MutableSet<T> {
    inner: Shared<BTreeSet<T>>,
    edit: Edit<T>,
}

impl<T: Ord + Clone> MutableSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self::from(BTreeSet::new())
    }

    /// The plain `BTreeSet` (without a copy unless the content is shared).
    pub fn into_inner(self) -> BTreeSet<T> {
        self.inner.into_inner()
    }

    fn loaded(items: BTreeSet<T>) -> Self {
        MutableSet {
            inner: Shared::new(items),
            edit: Edit::Other,
        }
    }

    /// The content for a change, with the record of changes (`None`: not recorded).
    fn change(
        &mut self,
    ) -> (
        &mut BTreeSet<T>,
        Option<(&mut BTreeSet<T>, &mut BTreeSet<T>)>,
    ) {
        let (items, fresh) = self.inner.make_mut();
        if fresh {
            self.edit = Edit::Elements {
                added: BTreeSet::new(),
                removed: BTreeSet::new(),
            };
        }
        match &mut self.edit {
            Edit::Elements { added, removed } => (items, Some((added, removed))),
            Edit::Other => (items, None),
        }
    }

    fn record_added(log: Option<(&mut BTreeSet<T>, &mut BTreeSet<T>)>, value: &T) {
        if let Some((added, removed)) = log
            && !removed.remove(value)
        {
            added.insert(value.clone());
        }
    }

    fn record_removed(log: Option<(&mut BTreeSet<T>, &mut BTreeSet<T>)>, value: &T) {
        if let Some((added, removed)) = log
            && !added.remove(value)
        {
            removed.insert(value.clone());
        }
    }

    /// Adds a value; `false` when it was there already.
    pub fn insert(&mut self, value: T) -> bool {
        if self.inner.value.contains(&value) {
            return false;
        }
        let (items, log) = self.change();
        Self::record_added(log, &value);
        items.insert(value)
    }

    /// Removes a value; `false` when it was not there.
    pub fn remove(&mut self, value: &T) -> bool {
        self.take(value).is_some()
    }

    /// Removes and returns the value equal to `value`.
    pub fn take(&mut self, value: &T) -> Option<T> {
        if !self.inner.value.contains(value) {
            return None;
        }
        let (items, log) = self.change();
        Self::record_removed(log, value);
        items.take(value)
    }

    /// Keeps the values for which `keep` returns `true`.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let gone: Vec<T> = self
            .inner
            .value
            .iter()
            .filter(|v| !keep(v))
            .cloned()
            .collect();
        for v in &gone {
            self.remove(v);
        }
    }

    /// Moves every value of `other` into the set.
    pub fn append(&mut self, other: &mut BTreeSet<T>) {
        self.extend(std::mem::take(other));
    }

    /// Removes and returns the smallest value.
    pub fn pop_first(&mut self) -> Option<T> {
        let first = self.inner.value.first()?.clone();
        self.take(&first)
    }

    /// Removes and returns the largest value.
    pub fn pop_last(&mut self) -> Option<T> {
        let last = self.inner.value.last()?.clone();
        self.take(&last)
    }

    /// Removes every value (the whole, empty, array is written).
    pub fn clear(&mut self) {
        if self.inner.value.is_empty() {
            return;
        }
        self.change().0.clear();
        self.edit = Edit::Other;
    }

    fn elements_since(&self, base: &Self) -> Option<(&BTreeSet<T>, &BTreeSet<T>)> {
        match &self.edit {
            Edit::Elements { added, removed } if self.inner.records_from(&base.inner) => {
                Some((added, removed))
            }
            _ => None,
        }
    }
}

impl<T: Ord + Clone> Default for MutableSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> Clone for MutableSet<T> {
    fn clone(&self) -> Self {
        MutableSet {
            inner: self.inner.clone(),
            edit: self.edit.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutableSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for MutableSet<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner.value, &other.inner.value) || self.inner.value == other.inner.value
    }
}

impl<T: Eq> Eq for MutableSet<T> {}

impl<T> Deref for MutableSet<T> {
    type Target = BTreeSet<T>;
    fn deref(&self) -> &BTreeSet<T> {
        &self.inner.value
    }
}

/// Any change through `&mut BTreeSet<T>` writes the whole array.
impl<T: Ord + Clone> DerefMut for MutableSet<T> {
    fn deref_mut(&mut self) -> &mut BTreeSet<T> {
        let (items, _) = self.inner.make_mut();
        self.edit = Edit::Other;
        items
    }
}

impl<T: Ord + Clone> From<BTreeSet<T>> for MutableSet<T> {
    fn from(items: BTreeSet<T>) -> Self {
        MutableSet {
            inner: Shared::new(items),
            edit: Edit::Other,
        }
    }
}

impl<T: Ord + Clone> From<Vec<T>> for MutableSet<T> {
    fn from(items: Vec<T>) -> Self {
        Self::from(items.into_iter().collect::<BTreeSet<T>>())
    }
}

impl<T: Ord + Clone> From<MutableSet<T>> for BTreeSet<T> {
    fn from(set: MutableSet<T>) -> Self {
        set.into_inner()
    }
}

impl<T: Ord + Clone> FromIterator<T> for MutableSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<BTreeSet<T>>())
    }
}

impl<T: Ord + Clone> Extend<T> for MutableSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<'a, T> IntoIterator for &'a MutableSet<T> {
    type Item = &'a T;
    type IntoIter = std::collections::btree_set::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.inner.value.iter()
    }
}

impl<T: Ord + Clone> Tracked for MutableSet<T>
where
    T: ToSql + fmt::Debug + Send + Sync + 'static,
{
    fn changed_from(&self, base: &Self) -> bool {
        self.inner.differs(&base.inner)
    }

    fn patch(&self, base: &Self, column: &ColumnDef) -> Option<Patch> {
        let (added, removed) = self.elements_since(base)?;
        let one_dimension = match column.sql_type {
            DdlType::Mapped(info) => info.dims == 1,
            DdlType::Custom(sql) => sql.matches('[').count() == 1,
        };
        if !is_array_column(column) || !one_dimension {
            return None;
        }
        if added.is_empty() && removed.is_empty() {
            return Some(Patch::unchanged());
        }
        if added.len() + removed.len() >= self.len() {
            return None;
        }
        let mut params: Vec<Param> = Vec::with_capacity(2);
        if !added.is_empty() {
            params.push(Arc::new(added.iter().cloned().collect::<Vec<T>>()));
        }
        if !removed.is_empty() {
            params.push(Arc::new(removed.iter().cloned().collect::<Vec<T>>()));
        }
        let shape = PatchShape::SetOf {
            added: !added.is_empty(),
            removed: !removed.is_empty(),
        };
        Some(Patch::new(shape, params))
    }
}

// ---- SQL type and codecs: those of an array of `T`.

impl<T: HasSqlType> HasSqlType for MutableSet<T> {
    type SqlType = Array<T::SqlType>;
}

impl<T: ToSql + fmt::Debug> ToSql for MutableSet<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        self.inner.value.iter().collect::<Vec<&T>>().to_sql(ty, out)
    }
    fn accepts(ty: &Type) -> bool {
        <Vec<T> as ToSql>::accepts(ty)
    }
    to_sql_checked!();
}

impl<'a, T: FromSql<'a> + Ord + Clone> FromSql<'a> for MutableSet<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Vec::<T>::from_sql(ty, raw).map(|v| MutableSet::loaded(v.into_iter().collect()))
    }
    fn accepts(ty: &Type) -> bool {
        <Vec<T> as FromSql<'a>>::accepts(ty)
    }
}

impl<ST, T> FromSqlValue<Array<ST>> for MutableSet<T>
where
    ST: SqlType,
    T: for<'a> FromSql<'a> + FromSqlValue<ST> + Ord + Clone,
{
    fn accepts_column(ty: &Type) -> bool {
        <Vec<T> as FromSqlValue<Array<ST>>>::accepts_column(ty)
    }
    fn decode_column(ty: &Type, raw: Option<&[u8]>) -> Result<Self, BoxError> {
        <Vec<T> as FromSqlValue<Array<ST>>>::decode_column(ty, raw)
            .map(|v| MutableSet::loaded(v.into_iter().collect()))
    }
}

#[cfg(feature = "json")]
impl<T: serde::Serialize> serde::Serialize for MutableSet<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.value.serialize(serializer)
    }
}

#[cfg(feature = "json")]
impl<'de, T: serde::Deserialize<'de> + Ord + Clone> serde::Deserialize<'de> for MutableSet<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeSet::<T>::deserialize(deserializer).map(MutableSet::from)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;
    use crate::types::TypeInfo;

    const CODES: ColumnDef = ColumnDef::new(
        "codes",
        DdlType::Mapped(TypeInfo::named("INTEGER").with_dims(1)),
        false,
    );

    #[test]
    fn adds_and_removes_cancel_out_and_patch_only_the_difference() {
        let base = MutableSet::loaded((1..=10).collect());
        let mut s = base.clone();
        assert!(s.insert(11));
        assert!(s.remove(&3));
        assert!(s.remove(&11));
        assert!(s.insert(3));
        assert!(s.changed_from(&base));
        assert_eq!(
            s.patch(&base, &CODES).unwrap().shape(),
            PatchShape::Unchanged
        );
        s.insert(42);
        s.remove(&1);
        assert_eq!(
            s.patch(&base, &CODES).unwrap().shape(),
            PatchShape::SetOf {
                added: true,
                removed: true
            }
        );
        s.clear();
        assert!(s.patch(&base, &CODES).is_none());
    }
}
