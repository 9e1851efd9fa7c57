//! [`MutableList`]: an ARRAY column that knows what changed.

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

/// What happened to a list since its record of changes started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    /// Elements from `from` on were appended; the ones before are untouched.
    Appended { from: usize },
    /// Anything else: the whole value is written.
    Other,
}

/// An ARRAY column (`Vec<T>`'s SQL type, `T[]`) that records in-place changes, so the
/// Session writes pure appends as `array_append` / `array_cat` and notices every change
/// (see the [module docs](super)).
///
/// It derefs to `Vec<T>`. `push`, `extend`, `extend_from_slice`, `append`, `insert` at the
/// end, and `pop` / `truncate` of elements appended since the last flush keep the change an
/// append; every other change (through the methods here or `DerefMut`: `sort`, `retain`,
/// `remove`, index assignment, `clear`, ..) writes the whole array.
///
/// ```
/// use orm_core::mutable::MutableList;
/// let mut tags: MutableList<String> = vec!["a".to_owned()].into();
/// tags.push("b".to_owned());
/// tags.sort();
/// assert_eq!(tags.len(), 2);
/// let plain: Vec<String> = tags.into();
/// assert_eq!(plain, ["a", "b"]);
/// ```
pub struct MutableList<T> {
    inner: Shared<Vec<T>>,
    edit: Edit,
}

impl<T: Clone> MutableList<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self::from(Vec::new())
    }

    /// The plain `Vec` (without a copy unless the content is shared).
    pub fn into_inner(self) -> Vec<T> {
        self.inner.into_inner()
    }

    /// The content for a change that keeps the record an append when `append` says so
    /// (given the length before the change and the content after it).
    fn change(&mut self, append: impl FnOnce(usize) -> bool) -> &mut Vec<T> {
        let len = self.inner.value.len();
        let (items, fresh) = self.inner.make_mut();
        if fresh {
            self.edit = Edit::Appended { from: len };
        }
        match self.edit {
            Edit::Appended { from } if append(from) => {}
            _ => self.edit = Edit::Other,
        }
        items
    }

    /// Appends an element.
    pub fn push(&mut self, value: T) {
        self.change(|_| true).push(value);
    }

    /// Removes the last element: still an append when it was appended since the last flush.
    pub fn pop(&mut self) -> Option<T> {
        let len = self.inner.value.len();
        if len == 0 {
            return None;
        }
        self.change(|from| len > from).pop()
    }

    /// Inserts `value` at `index` (an append when `index` is the length). Panics like
    /// `Vec::insert` when `index > len`.
    pub fn insert(&mut self, index: usize, value: T) {
        let len = self.inner.value.len();
        self.change(|_| index >= len).insert(index, value);
    }

    /// Removes and returns the element at `index`. Panics like `Vec::remove`.
    pub fn remove(&mut self, index: usize) -> T {
        self.change(|_| false).remove(index)
    }

    /// Keeps the elements for which `keep` returns `true`.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.change(|_| false).retain(keep);
    }

    /// Shortens the list to `len` elements (an append while only appended elements go).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.inner.value.len() {
            return;
        }
        self.change(|from| len >= from).truncate(len);
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        if self.inner.value.is_empty() {
            return;
        }
        self.change(|_| false).clear();
    }

    /// Appends clones of `items`.
    pub fn extend_from_slice(&mut self, items: &[T]) {
        self.change(|_| true).extend_from_slice(items);
    }

    /// Moves every element of `other` to the end of the list.
    pub fn append(&mut self, other: &mut Vec<T>) {
        self.change(|_| true).append(other);
    }

    /// A mutable reference to the element at `index` (an append when that element was
    /// appended since the last flush).
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        if index >= self.inner.value.len() {
            return None;
        }
        self.change(|from| index >= from).get_mut(index)
    }

    /// Sorts the list.
    pub fn sort(&mut self)
    where
        T: Ord,
    {
        self.change(|_| false).sort();
    }

    /// Sorts the list with a comparator.
    pub fn sort_by(&mut self, compare: impl FnMut(&T, &T) -> std::cmp::Ordering) {
        self.change(|_| false).sort_by(compare);
    }

    /// Sorts the list by a key.
    pub fn sort_by_key<K: Ord>(&mut self, key: impl FnMut(&T) -> K) {
        self.change(|_| false).sort_by_key(key);
    }

    /// The elements appended since `base`, when the record of changes starts at `base` and
    /// holds only appends.
    fn appended_since(&self, base: &Self) -> Option<&[T]> {
        match self.edit {
            Edit::Appended { from }
                if self.inner.records_from(&base.inner) && base.inner.value.len() == from =>
            {
                self.inner.value.get(from..)
            }
            _ => None,
        }
    }
}

impl<T: Clone> Default for MutableList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> Clone for MutableList<T> {
    fn clone(&self) -> Self {
        MutableList {
            inner: self.inner.clone(),
            edit: self.edit,
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutableList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for MutableList<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner.value, &other.inner.value) || self.inner.value == other.inner.value
    }
}

impl<T: Eq> Eq for MutableList<T> {}

impl<T: PartialEq> PartialEq<Vec<T>> for MutableList<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        *self.inner.value == *other
    }
}

impl<T> Deref for MutableList<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.inner.value
    }
}

/// Any change through `&mut Vec<T>` writes the whole array.
impl<T: Clone> DerefMut for MutableList<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        self.change(|_| false)
    }
}

impl<T: Clone> From<Vec<T>> for MutableList<T> {
    fn from(items: Vec<T>) -> Self {
        MutableList {
            inner: Shared::new(items),
            edit: Edit::Other,
        }
    }
}

impl<T: Clone> From<MutableList<T>> for Vec<T> {
    fn from(list: MutableList<T>) -> Self {
        list.into_inner()
    }
}

impl<T: Clone> FromIterator<T> for MutableList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Clone> Extend<T> for MutableList<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let mut iter = iter.into_iter().peekable();
        if iter.peek().is_some() {
            self.change(|_| true).extend(iter);
        }
    }
}

impl<'a, T> IntoIterator for &'a MutableList<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.inner.value.iter()
    }
}

impl<T: Clone> IntoIterator for MutableList<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_inner().into_iter()
    }
}

impl<T: Clone> Tracked for MutableList<T>
where
    T: ToSql + fmt::Debug + Send + Sync + 'static,
{
    fn changed_from(&self, base: &Self) -> bool {
        self.inner.differs(&base.inner)
    }

    fn patch(&self, base: &Self, column: &ColumnDef) -> Option<Patch> {
        let added = self.appended_since(base)?;
        if !is_array_column(column) {
            return None;
        }
        let (shape, param): (PatchShape, Param) = match added {
            [] => return Some(Patch::unchanged()),
            [one] if depth(column) == 1 => (PatchShape::AppendOne, Arc::new(one.clone())),
            _ if depth(column) > 1 => (
                PatchShape::Append,
                Arc::new(crate::types::NdArray::new(added.to_vec(), depth(column))),
            ),
            _ => (PatchShape::Append, Arc::new(added.to_vec())),
        };
        Some(Patch::new(shape, vec![param]))
    }
}

/// Array dimensions of an array column (1 when the type is written by hand).
fn depth(column: &ColumnDef) -> u8 {
    match column.sql_type {
        DdlType::Mapped(info) => info.dims,
        DdlType::Custom(sql) => u8::try_from(sql.matches('[').count()).unwrap_or(1).max(1),
    }
}

// ---- SQL type and codecs: those of `Vec<T>`.

impl<T: HasSqlType> HasSqlType for MutableList<T> {
    type SqlType = Array<T::SqlType>;
}

impl<T: ToSql + fmt::Debug> ToSql for MutableList<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        self.inner.value.to_sql(ty, out)
    }
    fn accepts(ty: &Type) -> bool {
        <Vec<T> as ToSql>::accepts(ty)
    }
    to_sql_checked!();
}

impl<'a, T: FromSql<'a> + Clone> FromSql<'a> for MutableList<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Vec::<T>::from_sql(ty, raw).map(MutableList::loaded)
    }
    fn accepts(ty: &Type) -> bool {
        <Vec<T> as FromSql<'a>>::accepts(ty)
    }
}

impl<T: Clone> MutableList<T> {
    /// A list as loaded: no change recorded.
    fn loaded(items: Vec<T>) -> Self {
        MutableList {
            inner: Shared::new(items),
            edit: Edit::Other,
        }
    }
}

impl<ST, T> FromSqlValue<Array<ST>> for MutableList<T>
where
    ST: SqlType,
    T: for<'a> FromSql<'a> + FromSqlValue<ST> + Clone,
{
    fn accepts_column(ty: &Type) -> bool {
        <Vec<T> as FromSqlValue<Array<ST>>>::accepts_column(ty)
    }
    fn decode_column(ty: &Type, raw: Option<&[u8]>) -> Result<Self, BoxError> {
        <Vec<T> as FromSqlValue<Array<ST>>>::decode_column(ty, raw).map(MutableList::loaded)
    }
    fn decode_elements(
        elem_ty: &Type,
        dims: &[usize],
        elements: &mut dyn Iterator<Item = Option<&[u8]>>,
    ) -> Result<Self, BoxError> {
        <Vec<T> as FromSqlValue<Array<ST>>>::decode_elements(elem_ty, dims, elements)
            .map(MutableList::loaded)
    }
    fn accepts_element(ty: &Type) -> bool {
        <Vec<T> as FromSqlValue<Array<ST>>>::accepts_element(ty)
    }
}

impl<ST, T> crate::expr::AsExpression<Array<ST>> for MutableList<T>
where
    ST: SqlType,
    T: HasSqlType<SqlType = ST> + ToSql + fmt::Debug + Send + Sync + 'static,
{
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        crate::types::bind_array::<Array<ST>, _>(self)
    }
}

#[cfg(feature = "json")]
impl<T: serde::Serialize> serde::Serialize for MutableList<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.value.serialize(serializer)
    }
}

#[cfg(feature = "json")]
impl<'de, T: serde::Deserialize<'de> + Clone> serde::Deserialize<'de> for MutableList<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(deserializer).map(MutableList::from)
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

    const TAGS: ColumnDef = ColumnDef::new(
        "tags",
        DdlType::Mapped(TypeInfo::named("TEXT").with_dims(1)),
        false,
    );

    fn loaded(items: &[&str]) -> MutableList<String> {
        MutableList::loaded(items.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn an_unchanged_copy_shares_its_content_and_is_not_changed() {
        let a = loaded(&["x", "y"]);
        let base = a.clone();
        assert!(!a.changed_from(&base));
        assert!(a.patch(&base, &TAGS).is_none());
    }

    #[test]
    fn appends_are_a_patch_and_other_changes_are_not() {
        let base = loaded(&["x"]);
        let mut a = base.clone();
        a.push("y".to_owned());
        assert!(a.changed_from(&base));
        assert_eq!(base.len(), 1, "the base keeps its content");
        assert_eq!(
            a.patch(&base, &TAGS).unwrap().shape(),
            PatchShape::AppendOne
        );
        a.extend(["z".to_owned()]);
        assert_eq!(a.patch(&base, &TAGS).unwrap().shape(), PatchShape::Append);
        assert_eq!(a.pop().as_deref(), Some("z"));
        a[0] = "w".to_owned();
        assert!(a.patch(&base, &TAGS).is_none());
        assert!(a.changed_from(&base));
    }

    #[test]
    fn popping_below_the_base_or_sorting_writes_the_whole_value() {
        let base = loaded(&["b", "a"]);
        let mut a = base.clone();
        a.pop();
        assert!(a.patch(&base, &TAGS).is_none());
        let mut b = base.clone();
        b.sort();
        assert!(b.patch(&base, &TAGS).is_none());
        assert!(b.changed_from(&base));
    }

    #[test]
    fn a_record_from_another_base_is_not_used() {
        let base = loaded(&["x"]);
        let mut a = base.clone();
        a.push("y".to_owned());
        let other = loaded(&["x"]);
        assert!(a.changed_from(&other));
        assert!(a.patch(&other, &TAGS).is_none());
        // A new value assigned from elsewhere is a change, written whole.
        let replaced: MutableList<String> = vec!["x".to_owned()].into();
        assert!(replaced.changed_from(&base));
        assert!(replaced.patch(&base, &TAGS).is_none());
    }

    #[test]
    fn a_second_round_of_changes_starts_a_new_record() {
        let base = loaded(&["x"]);
        let mut a = base.clone();
        a.sort();
        // The flush wrote `a`; the Session's next copy shares it.
        let base2 = a.clone();
        a.push("y".to_owned());
        assert_eq!(
            a.patch(&base2, &TAGS).unwrap().shape(),
            PatchShape::AppendOne
        );
    }
}
