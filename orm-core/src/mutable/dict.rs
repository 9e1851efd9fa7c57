//! [`MutableDict`]: an HSTORE column that knows which keys changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{Patch, PatchShape, Shared, Tracked, is_column_type, text_array_literal};
use crate::metadata::ColumnDef;
use crate::pg::PgHstore;
use crate::pg::hstore::{is_hstore, read_hstore, write_hstore};
use crate::types::{FromSqlValue, HasSqlType, Hstore};
use crate::value::Param;

type BoxError = Box<dyn std::error::Error + Sync + Send>;
type Map = BTreeMap<String, Option<String>>;

/// What happened to a map since its record of changes started.
#[derive(Debug, Clone)]
enum Edit {
    /// Keys set (added or changed) and keys removed; a key is in at most one of them.
    Keys {
        set: BTreeSet<String>,
        removed: BTreeSet<String>,
    },
    /// Anything else: the whole value is written.
    Other,
}

/// An HSTORE column (a map of text keys to text-or-NULL values, ordered by key) that
/// records which keys were set and removed, so the Session writes
/// `(col - $removed::text[]) || $set` instead of the whole map (see the
/// [module docs](super)), and two sessions that change different keys both keep theirs.
///
/// It derefs to `BTreeMap<String, Option<String>>`. `insert`, `set`, `remove`, `retain`,
/// `entry`, `get_mut`, `extend`, `append`, `pop_first` and `pop_last` record their keys;
/// `clear`, `iter_mut`, `values_mut` and `DerefMut` write the whole map.
///
/// ```
/// use orm_core::mutable::MutableDict;
/// let mut attrs: MutableDict = [("color", Some("red"))].into_iter().collect();
/// attrs.set("size", "XL");
/// attrs.insert("note", None);
/// attrs.remove("color");
/// assert_eq!(attrs.get("size"), Some(&Some("XL".to_owned())));
/// assert_eq!(attrs.len(), 2);
/// ```
#[derive(Clone)]
pub struct MutableDict {
    inner: Shared<Map>,
    edit: Edit,
}

impl MutableDict {
    /// An empty map.
    pub fn new() -> Self {
        Self::from(Map::new())
    }

    /// The plain map (without a copy unless the content is shared).
    pub fn into_inner(self) -> Map {
        self.inner.into_inner()
    }

    fn loaded(map: Map) -> Self {
        MutableDict {
            inner: Shared::new(map),
            edit: Edit::Other,
        }
    }

    /// The content for a change, and the record of changes (`None`: not recorded).
    fn change(
        &mut self,
    ) -> (
        &mut Map,
        Option<(&mut BTreeSet<String>, &mut BTreeSet<String>)>,
    ) {
        let (map, fresh) = self.inner.make_mut();
        if fresh {
            self.edit = Edit::Keys {
                set: BTreeSet::new(),
                removed: BTreeSet::new(),
            };
        }
        match &mut self.edit {
            Edit::Keys { set, removed } => (map, Some((set, removed))),
            Edit::Other => (map, None),
        }
    }

    /// The content for a change of key `key` (added or changed).
    fn change_key(&mut self, key: &str) -> &mut Map {
        let (map, log) = self.change();
        if let Some((set, removed)) = log {
            removed.remove(key);
            if !set.contains(key) {
                set.insert(key.to_owned());
            }
        }
        map
    }

    /// The content for a change not recorded key by key: the whole map is written.
    fn change_all(&mut self) -> &mut Map {
        let (map, _) = self.inner.make_mut();
        self.edit = Edit::Other;
        map
    }

    /// Sets `key` to `value` (`None`: SQL NULL), returning the value it had.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: Option<String>,
    ) -> Option<Option<String>> {
        let key = key.into();
        self.change_key(&key).insert(key, value)
    }

    /// Sets `key` to a text value, returning the value it had.
    pub fn set(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Option<Option<String>> {
        self.insert(key, Some(value.into()))
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Option<String>> {
        if !self.inner.value.contains_key(key) {
            return None;
        }
        let (map, log) = self.change();
        if let Some((set, removed)) = log {
            set.remove(key);
            removed.insert(key.to_owned());
        }
        map.remove(key)
    }

    /// Keeps the pairs for which `keep` returns `true`.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &Option<String>) -> bool) {
        let gone: Vec<String> = self
            .inner
            .value
            .iter()
            .filter(|(k, v)| !keep(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        for key in &gone {
            self.remove(key);
        }
    }

    /// The entry for `key`, for in-place changes (`or_insert`, `and_modify`, ..): the key
    /// counts as set.
    pub fn entry(
        &mut self,
        key: impl Into<String>,
    ) -> std::collections::btree_map::Entry<'_, String, Option<String>> {
        let key = key.into();
        self.change_key(&key).entry(key)
    }

    /// A mutable reference to `key`'s value: the key counts as set.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Option<String>> {
        if !self.inner.value.contains_key(key) {
            return None;
        }
        self.change_key(key).get_mut(key)
    }

    /// Moves every pair of `other` into the map.
    pub fn append(&mut self, other: &mut Map) {
        self.extend(std::mem::take(other));
    }

    /// Removes and returns the first pair by key.
    pub fn pop_first(&mut self) -> Option<(String, Option<String>)> {
        let key = self.inner.value.keys().next()?.clone();
        self.remove(&key).map(|v| (key, v))
    }

    /// Removes and returns the last pair by key.
    pub fn pop_last(&mut self) -> Option<(String, Option<String>)> {
        let key = self.inner.value.keys().next_back()?.clone();
        self.remove(&key).map(|v| (key, v))
    }

    /// Removes every pair (the whole, empty, map is written).
    pub fn clear(&mut self) {
        if !self.inner.value.is_empty() {
            self.change_all().clear();
        }
    }

    /// Mutable references to every value: the whole map is written.
    pub fn values_mut(
        &mut self,
    ) -> std::collections::btree_map::ValuesMut<'_, String, Option<String>> {
        self.change_all().values_mut()
    }

    /// Every pair, values mutable: the whole map is written.
    pub fn iter_mut(&mut self) -> std::collections::btree_map::IterMut<'_, String, Option<String>> {
        self.change_all().iter_mut()
    }

    fn keys_since(&self, base: &Self) -> Option<(&BTreeSet<String>, &BTreeSet<String>)> {
        match &self.edit {
            Edit::Keys { set, removed } if self.inner.records_from(&base.inner) => {
                Some((set, removed))
            }
            _ => None,
        }
    }
}

impl Default for MutableDict {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MutableDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.value.fmt(f)
    }
}

impl PartialEq for MutableDict {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner.value, &other.inner.value) || self.inner.value == other.inner.value
    }
}

impl Eq for MutableDict {}

impl Deref for MutableDict {
    type Target = Map;
    fn deref(&self) -> &Map {
        &self.inner.value
    }
}

/// Any change through `&mut BTreeMap` writes the whole map.
impl DerefMut for MutableDict {
    fn deref_mut(&mut self) -> &mut Map {
        self.change_all()
    }
}

impl From<Map> for MutableDict {
    fn from(map: Map) -> Self {
        MutableDict {
            inner: Shared::new(map),
            edit: Edit::Other,
        }
    }
}

impl From<HashMap<String, Option<String>>> for MutableDict {
    fn from(map: HashMap<String, Option<String>>) -> Self {
        Self::from(map.into_iter().collect::<Map>())
    }
}

impl From<PgHstore> for MutableDict {
    fn from(map: PgHstore) -> Self {
        Self::from(map.into_inner())
    }
}

impl From<MutableDict> for Map {
    fn from(dict: MutableDict) -> Self {
        dict.into_inner()
    }
}

impl From<MutableDict> for HashMap<String, Option<String>> {
    fn from(dict: MutableDict) -> Self {
        dict.into_inner().into_iter().collect()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, Option<V>)> for MutableDict {
    fn from_iter<I: IntoIterator<Item = (K, Option<V>)>>(iter: I) -> Self {
        Self::from(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.map(Into::into)))
                .collect::<Map>(),
        )
    }
}

impl<K: Into<String>> Extend<(K, Option<String>)> for MutableDict {
    fn extend<I: IntoIterator<Item = (K, Option<String>)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a> IntoIterator for &'a MutableDict {
    type Item = (&'a String, &'a Option<String>);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Option<String>>;
    fn into_iter(self) -> Self::IntoIter {
        self.inner.value.iter()
    }
}

impl Tracked for MutableDict {
    fn changed_from(&self, base: &Self) -> bool {
        self.inner.differs(&base.inner)
    }

    fn patch(&self, base: &Self, column: &ColumnDef) -> Option<Patch> {
        let (set, removed) = self.keys_since(base)?;
        if !is_column_type(column, "HSTORE") {
            return None;
        }
        // A key set back to the value it had is not written; a key recorded as set that
        // is gone now (an `entry(..)` whose occupied entry was removed) is a removal.
        let now = &self.inner.value;
        let was = &base.inner.value;
        let removed: Vec<&String> = removed
            .iter()
            .chain(set.iter().filter(|k| !now.contains_key(*k)))
            .filter(|k| was.contains_key(*k))
            .collect();
        let set: Vec<&String> = set
            .iter()
            .filter(|k| now.contains_key(*k) && was.get(*k) != now.get(*k))
            .collect();
        if set.is_empty() && removed.is_empty() {
            return Some(Patch::unchanged());
        }
        if set.len() + removed.len() >= self.inner.value.len().max(1) {
            return None;
        }
        let mut params: Vec<Param> = Vec::with_capacity(2);
        if !set.is_empty() {
            let pairs: Map = set
                .iter()
                .filter_map(|k| Some(((*k).clone(), self.inner.value.get(*k)?.clone())))
                .collect();
            params.push(Arc::new(PgHstore(pairs)));
        }
        if !removed.is_empty() {
            params.push(Arc::new(text_array_literal(&removed)));
        }
        let shape = PatchShape::Hstore {
            set: !set.is_empty(),
            removed: !removed.is_empty(),
        };
        Some(Patch::new(shape, params))
    }
}

// ---- SQL type and codec: HSTORE's.

impl HasSqlType for MutableDict {
    type SqlType = Hstore;
}

impl ToSql for MutableDict {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        write_hstore(self.inner.value.iter(), self.inner.value.len(), out)?;
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        is_hstore(ty)
    }
    to_sql_checked!();
}

impl<'a> FromSql<'a> for MutableDict {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        read_hstore(raw).map(MutableDict::loaded)
    }
    fn accepts(ty: &Type) -> bool {
        is_hstore(ty)
    }
}

impl FromSqlValue<Hstore> for MutableDict {}

impl crate::expr::AsExpression<Hstore> for MutableDict {
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        crate::expr::Node::bind(self)
    }
}

#[cfg(feature = "json")]
impl serde::Serialize for MutableDict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.value.serialize(serializer)
    }
}

#[cfg(feature = "json")]
impl<'de> serde::Deserialize<'de> for MutableDict {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(MutableDict::from)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;
    use crate::metadata::DdlType;
    use crate::types::{SqlType, TypeInfo};

    const ATTRS: ColumnDef = ColumnDef::new("attrs", DdlType::Mapped(Hstore::TYPE), false);
    const TEXT: ColumnDef = ColumnDef::new("t", DdlType::Mapped(TypeInfo::named("TEXT")), false);

    fn base() -> MutableDict {
        MutableDict::loaded(
            (0..10)
                .map(|i| (format!("k{i}"), Some(i.to_string())))
                .collect(),
        )
    }

    #[test]
    fn set_and_removed_keys_make_the_patch() {
        let base = base();
        let mut d = base.clone();
        d.set("k1", "one");
        d.remove("k2");
        d.insert("new", None);
        let patch = d.patch(&base, &ATTRS).unwrap();
        assert_eq!(
            patch.shape(),
            PatchShape::Hstore {
                set: true,
                removed: true
            }
        );
        assert_eq!(format!("{:?}", patch.params()[1]), r#""{\"k2\"}""#);
        assert!(
            d.patch(&base, &TEXT).is_none(),
            "only an HSTORE column is patched"
        );
    }

    #[test]
    fn a_key_removed_then_set_again_is_set_and_undone_changes_write_nothing() {
        let base = base();
        let mut d = base.clone();
        d.remove("k1");
        d.set("k1", "1");
        *d.get_mut("k3").unwrap() = Some("3".to_owned());
        d.entry("k4").or_insert(None);
        assert!(d.changed_from(&base));
        assert_eq!(
            d.patch(&base, &ATTRS).unwrap().shape(),
            PatchShape::Unchanged
        );
    }

    #[test]
    fn a_key_removed_through_its_entry_is_a_removal() {
        let base = base();
        let mut d = base.clone();
        if let std::collections::btree_map::Entry::Occupied(o) = d.entry("k5") {
            o.remove();
        }
        let patch = d.patch(&base, &ATTRS).unwrap();
        assert_eq!(
            patch.shape(),
            PatchShape::Hstore {
                set: false,
                removed: true
            }
        );
        assert_eq!(format!("{:?}", patch.params()[0]), r#""{\"k5\"}""#);
    }

    #[test]
    fn most_keys_changed_or_an_opaque_change_writes_the_whole_map() {
        let base = base();
        let mut d = base.clone();
        d.retain(|k, _| k == "k0");
        assert!(d.patch(&base, &ATTRS).is_none());
        let mut e = base.clone();
        for v in e.values_mut() {
            *v = None;
        }
        assert!(e.patch(&base, &ATTRS).is_none());
        assert!(e.changed_from(&base));
    }
}
