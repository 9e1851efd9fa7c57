//! `HSTORE` as an ordered map.

use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{CodecError, done, take};

/// An `HSTORE` value as a map ordered by key: iteration, `Debug` and comparisons are
/// deterministic, unlike `HashMap<String, Option<String>>` (which also maps to `HSTORE`).
/// A `None` value is an SQL NULL under that key.
///
/// It derefs to its `BTreeMap` and converts from and into it (and from a `HashMap`). The
/// type is matched by name (`hstore`): its OID differs per database.
///
/// ```
/// use orm_core::pg::PgHstore;
/// let mut h: PgHstore = [("b", Some("2")), ("a", None)].into_iter().collect();
/// h.insert("c".to_owned(), Some("3".to_owned()));
/// assert_eq!(h.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b", "c"]);
/// assert_eq!(h.get("a"), Some(&None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PgHstore(pub BTreeMap<String, Option<String>>);

impl PgHstore {
    /// An empty map.
    pub fn new() -> Self {
        PgHstore::default()
    }

    /// The map.
    pub fn into_inner(self) -> BTreeMap<String, Option<String>> {
        self.0
    }
}

impl Deref for PgHstore {
    type Target = BTreeMap<String, Option<String>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for PgHstore {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<BTreeMap<String, Option<String>>> for PgHstore {
    fn from(map: BTreeMap<String, Option<String>>) -> Self {
        PgHstore(map)
    }
}

impl From<HashMap<String, Option<String>>> for PgHstore {
    fn from(map: HashMap<String, Option<String>>) -> Self {
        PgHstore(map.into_iter().collect())
    }
}

impl From<PgHstore> for BTreeMap<String, Option<String>> {
    fn from(h: PgHstore) -> Self {
        h.0
    }
}

impl From<PgHstore> for HashMap<String, Option<String>> {
    fn from(h: PgHstore) -> Self {
        h.0.into_iter().collect()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, Option<V>)> for PgHstore {
    fn from_iter<I: IntoIterator<Item = (K, Option<V>)>>(iter: I) -> Self {
        PgHstore(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.map(Into::into)))
                .collect(),
        )
    }
}

impl IntoIterator for PgHstore {
    type Item = (String, Option<String>);
    type IntoIter = std::collections::btree_map::IntoIter<String, Option<String>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a PgHstore {
    type Item = (&'a String, &'a Option<String>);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Option<String>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

pub(crate) fn is_hstore(ty: &Type) -> bool {
    ty.name() == "hstore"
}

/// A length as the wire's `i32`.
fn wire_len(len: usize, what: &str) -> Result<i32, CodecError> {
    i32::try_from(len).map_err(|_| format!("hstore {what} too long to transmit").into())
}

// The binary form: the pair count, then per pair the key (length, bytes) and the value
// (length, bytes; length -1 for NULL), all lengths big-endian `i32`.
impl ToSql for PgHstore {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        write_hstore(self.0.iter(), self.0.len(), out)?;
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        is_hstore(ty)
    }
    to_sql_checked!();
}

/// Writes `len` pairs in HSTORE's binary form.
pub(crate) fn write_hstore<'a>(
    pairs: impl Iterator<Item = (&'a String, &'a Option<String>)>,
    len: usize,
    out: &mut BytesMut,
) -> Result<(), CodecError> {
    out.put_i32(wire_len(len, "map")?);
    for (key, value) in pairs {
        out.put_i32(wire_len(key.len(), "key")?);
        out.put_slice(key.as_bytes());
        match value {
            Some(v) => {
                out.put_i32(wire_len(v.len(), "value")?);
                out.put_slice(v.as_bytes());
            }
            None => out.put_i32(-1),
        }
    }
    Ok(())
}

fn read_str(raw: &mut &[u8], len: i32) -> Result<String, CodecError> {
    let len = usize::try_from(len).map_err(|_| "invalid hstore value: negative length")?;
    if raw.len() < len {
        return Err("invalid hstore value: the message is too short".into());
    }
    let (head, rest) = raw.split_at(len);
    *raw = rest;
    Ok(std::str::from_utf8(head)?.to_owned())
}

impl<'a> FromSql<'a> for PgHstore {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, CodecError> {
        read_hstore(raw).map(PgHstore)
    }
    fn accepts(ty: &Type) -> bool {
        is_hstore(ty)
    }
}

/// Reads HSTORE's binary form.
pub(crate) fn read_hstore(mut raw: &[u8]) -> Result<BTreeMap<String, Option<String>>, CodecError> {
    let count = i32::from_be_bytes(take::<4>(&mut raw, "hstore")?);
    let mut map = BTreeMap::new();
    for _ in 0..count {
        let key_len = i32::from_be_bytes(take::<4>(&mut raw, "hstore")?);
        let key = read_str(&mut raw, key_len)?;
        let value_len = i32::from_be_bytes(take::<4>(&mut raw, "hstore")?);
        let value = if value_len < 0 {
            None
        } else {
            Some(read_str(&mut raw, value_len)?)
        };
        map.insert(key, value);
    }
    done(raw, "hstore")?;
    Ok(map)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use super::*;

    fn hstore_type() -> Type {
        Type::new(
            "hstore".to_owned(),
            16_000,
            postgres_types::Kind::Simple,
            "public".to_owned(),
        )
    }

    #[test]
    fn binary_round_trip_with_null_and_non_ascii() {
        let h: PgHstore = [("b", Some("ü \"q\"")), ("a", None), ("", Some(""))]
            .into_iter()
            .collect();
        let ty = hstore_type();
        let mut buf = BytesMut::new();
        h.to_sql(&ty, &mut buf).unwrap();
        assert_eq!(PgHstore::from_sql(&ty, &buf).unwrap(), h);
        // Same bytes as postgres-types' HashMap codec reads.
        let map = HashMap::<String, Option<String>>::from_sql(&ty, &buf).unwrap();
        assert_eq!(PgHstore::from(map), h);
        assert!(<PgHstore as ToSql>::accepts(&ty));
        assert!(!<PgHstore as ToSql>::accepts(&Type::TEXT));
    }

    #[test]
    fn truncated_input_is_an_error() {
        let h: PgHstore = [("key", Some("value"))].into_iter().collect();
        let ty = hstore_type();
        let mut buf = BytesMut::new();
        h.to_sql(&ty, &mut buf).unwrap();
        for cut in 0..buf.len() {
            assert!(
                PgHstore::from_sql(&ty, &buf[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = buf.to_vec();
        longer.push(0);
        assert!(PgHstore::from_sql(&ty, &longer).is_err());
    }
}
