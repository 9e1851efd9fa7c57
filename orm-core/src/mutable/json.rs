//! [`MutableJson`]: a JSONB column that knows which paths changed.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Weak};

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Patch, PatchShape, Shared, Tracked, is_column_type, text_array_literal};
use crate::metadata::ColumnDef;
use crate::types::{FromSqlValue, HasSqlType, Json, Jsonb};
use crate::value::Param;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Past this many changed paths a JSONB column is written whole.
pub const MAX_JSON_PATHS: usize = 32;

/// A JSON / JSONB column holding a `T` (`serde_json::Value` or any serde type) that notices
/// every change, nested ones included, and has the Session write only the paths that changed
/// (see the [module docs](super)):
/// `jsonb_set(jsonb_set(col #- '{gone}', '{a,b}', $1), ..)`.
///
/// It derefs to `T`; change it through `&mut T` any way you like (`doc["a"]["b"] = json!(1)`,
/// `pointer_mut`, `as_object_mut().entry(..)`, a struct's fields). At the flush the value is
/// compared with the row as loaded, path by path: changed, added and removed object keys
/// and array elements become `jsonb_set` / `#-` steps, and elements appended to an array
/// are inserted after its last element (`jsonb_insert(col, '{path,-1}', $v, true)`), so
/// appends by two sessions both stay. The whole document is written instead when its root changes type or is
/// a scalar, when more than [`MAX_JSON_PATHS`] paths changed, when the changed values (and
/// removed keys) add up to more than half of the document, or when the column is `JSON` (which has no `jsonb_set`).
///
/// ```
/// use orm_core::mutable::MutableJson;
/// use serde_json::json;
/// let mut doc = MutableJson::new(json!({"a": {"b": 1}}));
/// doc["a"]["b"] = json!(2);
/// assert_eq!(doc["a"]["b"], 2);
/// let plain: serde_json::Value = doc.into_inner();
/// assert_eq!(plain, json!({"a": {"b": 2}}));
/// ```
pub struct MutableJson<T> {
    inner: Shared<T>,
    /// For a typed `T` read from a row: the document as stored, with the content it was
    /// decoded into. While the Session's copy of the row holds that content, the diff
    /// starts from the stored document, not from a re-serialization of it (serde
    /// defaults, aliases, skipped and unknown fields make the two differ, and a patch
    /// computed from the wrong one could miss). `None` for `serde_json::Value` (the
    /// content is the document) and for values made in Rust.
    stored: Option<(Weak<T>, Arc<Value>)>,
}

impl<T: Clone> MutableJson<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        MutableJson {
            inner: Shared::new(value),
            stored: None,
        }
    }

    /// The plain value (without a copy unless the content is shared).
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: Clone + Default> Default for MutableJson<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> Clone for MutableJson<T> {
    fn clone(&self) -> Self {
        MutableJson {
            inner: self.inner.clone(),
            stored: self.stored.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutableJson<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for MutableJson<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner.value, &other.inner.value) || self.inner.value == other.inner.value
    }
}

impl<T> Deref for MutableJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner.value
    }
}

impl<T: Clone> DerefMut for MutableJson<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.make_mut().0
    }
}

impl<T: Clone> From<T> for MutableJson<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Serialize> Serialize for MutableJson<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.value.serialize(serializer)
    }
}

impl<'de, T: serde::Deserialize<'de> + Clone> serde::Deserialize<'de> for MutableJson<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(MutableJson::new)
    }
}

impl<T: fmt::Debug> MutableJson<T> {
    #[cfg(test)]
    fn loaded(doc: Value) -> Self
    where
        T: DeserializeOwned + Clone + 'static,
    {
        let mut buf = BytesMut::new();
        let _ = postgres_types::Json(&doc).to_sql(&Type::JSONB, &mut buf);
        match Self::from_sql(&Type::JSONB, &buf) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }
}

/// A value as a JSON tree: borrowed when `T` is `serde_json::Value`.
fn as_tree<T: Serialize + 'static>(value: &T) -> Option<Cow<'_, Value>> {
    match (value as &dyn Any).downcast_ref::<Value>() {
        Some(v) => Some(Cow::Borrowed(v)),
        None => serde_json::to_value(value).ok().map(Cow::Owned),
    }
}

/// One step of a JSONB patch.
#[derive(Debug, PartialEq)]
enum Step {
    Set(Vec<String>, Value),
    Delete(Vec<String>),
    /// An element appended to the array at the path.
    Append(Vec<String>, Value),
}

/// The number of nodes of a JSON tree.
fn size(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(size).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(size).sum::<usize>(),
        _ => 1,
    }
}

/// The steps that turn `old` into `new` below `path`, or `None` when they are not worth a
/// patch (too many) or cannot be one (the root itself is replaced).
fn diff(path: &mut Vec<String>, old: &Value, new: &Value, steps: &mut Vec<Step>) -> Option<()> {
    if steps.len() > MAX_JSON_PATHS {
        return None;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b))
            if a.len() == b.len() && a.keys().zip(b.keys()).all(|(x, y)| x == y) =>
        {
            // The same keys in the same order (the usual case: values changed): one walk,
            // no lookups.
            for ((k, va), vb) in a.iter().zip(b.values()) {
                if va != vb {
                    path.push(k.clone());
                    let r = diff(path, va, vb, steps);
                    path.pop();
                    r?;
                }
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    None => {
                        path.push(k.clone());
                        steps.push(Step::Delete(path.clone()));
                        path.pop();
                    }
                    Some(vb) if va != vb => {
                        path.push(k.clone());
                        let r = diff(path, va, vb, steps);
                        path.pop();
                        r?;
                    }
                    Some(_) => {}
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    path.push(k.clone());
                    steps.push(Step::Set(path.clone(), vb.clone()));
                    path.pop();
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() <= b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                if va != vb {
                    path.push(i.to_string());
                    let r = diff(path, va, vb, steps);
                    path.pop();
                    r?;
                }
            }
            // Appended elements go after whatever the array holds then, so appends by
            // two sessions both stay.
            for vb in b.iter().skip(a.len()) {
                steps.push(Step::Append(path.clone(), vb.clone()));
            }
        }
        _ if old == new => {}
        _ => {
            if path.is_empty() {
                return None;
            }
            steps.push(Step::Set(path.clone(), new.clone()));
        }
    }
    (steps.len() <= MAX_JSON_PATHS).then_some(())
}

/// The JSONB patch from `old` to `new`, or `None` for the whole value.
fn json_patch(old: &Value, new: &Value) -> Option<Patch> {
    let mut steps = Vec::new();
    diff(&mut Vec::new(), old, new, &mut steps)?;
    if steps.is_empty() {
        return Some(Patch::unchanged());
    }
    let written: usize = steps
        .iter()
        .map(|s| match s {
            Step::Set(_, v) | Step::Append(_, v) => size(v),
            Step::Delete(_) => 1,
        })
        .sum();
    if written * 2 > size(new) {
        return None;
    }
    let mut params: Vec<Param> = Vec::new();
    let (mut sets, mut deletes, mut appends) = (0, 0, 0);
    for step in &steps {
        if let Step::Delete(path) = step {
            params.push(Arc::new(text_array_literal(path)));
            deletes += 1;
        }
    }
    for step in &steps {
        if let Step::Set(path, value) = step {
            params.push(Arc::new(text_array_literal(path)));
            params.push(Arc::new(value.clone()));
            sets += 1;
        }
    }
    for step in steps {
        if let Step::Append(mut path, value) = step {
            path.push("-1".to_owned());
            params.push(Arc::new(text_array_literal(&path)));
            params.push(Arc::new(value));
            appends += 1;
        }
    }
    let shape = PatchShape::Jsonb {
        sets,
        deletes,
        appends,
    };
    Some(Patch::new(shape, params))
}

impl<T> Tracked for MutableJson<T>
where
    T: Serialize + Clone + 'static,
{
    fn changed_from(&self, base: &Self) -> bool {
        self.inner.differs(&base.inner)
    }

    fn patch(&self, base: &Self, column: &ColumnDef) -> Option<Patch> {
        if !is_column_type(column, "JSONB") {
            return None;
        }
        let old = match &base.stored {
            Some((of, doc)) if std::ptr::eq(of.as_ptr(), Arc::as_ptr(&base.inner.value)) => {
                Cow::Borrowed(&**doc)
            }
            _ => as_tree(&*base.inner.value)?,
        };
        let new = as_tree(&*self.inner.value)?;
        json_patch(&old, &new)
    }
}

// ---- SQL type and codec: JSONB's, through serde.

impl<T> HasSqlType for MutableJson<T> {
    type SqlType = Jsonb;
}

impl<T: Serialize + fmt::Debug> ToSql for MutableJson<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        postgres_types::Json(&*self.inner.value).to_sql(ty, out)
    }
    fn accepts(ty: &Type) -> bool {
        <postgres_types::Json<Value> as ToSql>::accepts(ty)
    }
    to_sql_checked!();
}

impl<'a, T: DeserializeOwned + Clone + 'static> FromSql<'a> for MutableJson<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let doc = postgres_types::Json::<Value>::from_sql(ty, raw)?.0;
        // `serde_json::Value` is the document itself; a typed value keeps the document as
        // stored beside it, for the diff.
        let doc = match (Box::new(doc) as Box<dyn Any>).downcast::<T>() {
            Ok(value) => return Ok(MutableJson::new(*value)),
            Err(doc) => match doc.downcast::<Value>() {
                Ok(doc) => doc,
                Err(_) => return Err("a JSON document that is not a JSON value".into()),
            },
        };
        let value = T::deserialize(&*doc)?;
        let inner = Shared::new(value);
        let stored = Some((Arc::downgrade(&inner.value), Arc::new(*doc)));
        Ok(MutableJson { inner, stored })
    }
    fn accepts(ty: &Type) -> bool {
        <postgres_types::Json<T> as FromSql<'a>>::accepts(ty)
    }
}

impl<T: DeserializeOwned + Clone + 'static> FromSqlValue<Jsonb> for MutableJson<T> {}
impl<T: DeserializeOwned + Clone + 'static> FromSqlValue<Json> for MutableJson<T> {}

impl<T: Serialize + fmt::Debug + Send + Sync + 'static> crate::expr::AsExpression<Jsonb>
    for MutableJson<T>
{
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        crate::expr::Node::bind(self)
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
    use crate::types::SqlType;
    use serde_json::json;

    const DOC: ColumnDef = ColumnDef::new("doc", DdlType::Mapped(Jsonb::TYPE), false);
    const PLAIN_JSON: ColumnDef = ColumnDef::new("doc", DdlType::Mapped(Json::TYPE), false);

    fn steps(old: Value, new: Value) -> Option<Vec<Step>> {
        let mut steps = Vec::new();
        diff(&mut Vec::new(), &old, &new, &mut steps).map(|()| steps)
    }

    fn p(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn nested_changes_become_paths() {
        assert_eq!(
            steps(
                json!({"a": {"b": 1, "c": 2}, "d": [1, 2], "e": 1}),
                json!({"a": {"b": 5, "c": 2, "n": null}, "d": [1, 3, 4]})
            )
            .unwrap(),
            vec![
                Step::Set(p(&["a", "b"]), json!(5)),
                Step::Set(p(&["a", "n"]), Value::Null),
                Step::Set(p(&["d", "1"]), json!(3)),
                Step::Append(p(&["d"]), json!(4)),
                Step::Delete(p(&["e"])),
            ]
        );
    }

    #[test]
    fn a_shorter_array_or_a_type_change_replaces_the_value_at_its_path() {
        assert_eq!(
            steps(
                json!({"a": [1, 2, 3], "b": {"x": 1}}),
                json!({"a": [1], "b": [1]})
            )
            .unwrap(),
            vec![
                Step::Set(p(&["a"]), json!([1])),
                Step::Set(p(&["b"]), json!([1])),
            ]
        );
        // At the root there is no path to set: the whole value.
        assert!(steps(json!({"a": 1}), json!([1])).is_none());
        assert!(steps(json!(1), json!(2)).is_none());
    }

    #[test]
    fn small_changes_patch_and_large_ones_write_the_whole_document() {
        let big: serde_json::Map<String, Value> =
            (0..100).map(|i| (format!("k{i}"), json!(i))).collect();
        let old = Value::Object(big);
        let mut one = old.clone();
        one["k7"] = json!("seven");
        let patch = json_patch(&old, &one).unwrap();
        assert_eq!(
            patch.shape(),
            PatchShape::Jsonb {
                sets: 1,
                deletes: 0,
                appends: 0
            }
        );
        assert_eq!(format!("{:?}", patch.params()[0]), r#""{\"k7\"}""#);
        let mut many = old.clone();
        for i in 0..40 {
            many[format!("k{i}")] = json!(-1);
        }
        assert!(json_patch(&old, &many).is_none(), "past MAX_JSON_PATHS");
        let mut most = json!({"a": 1, "b": 2});
        most["a"] = json!({"x": [1, 2, 3]});
        assert!(
            json_patch(&json!({"a": 1, "b": 2}), &most).is_none(),
            "most of the document"
        );
        assert_eq!(
            json_patch(&old, &old).unwrap().shape(),
            PatchShape::Unchanged
        );
    }

    #[test]
    fn a_typed_value_diffs_from_the_document_as_stored() {
        #[derive(Serialize, serde::Deserialize, Clone, Debug)]
        struct Settings {
            #[serde(default)]
            theme: Option<String>,
            #[serde(alias = "fullName")]
            name: String,
        }
        // The stored document lacks `theme` and spells `name` another way.
        let base = MutableJson::<Settings>::loaded(json!({"fullName": "Ann", "extra": 1}));
        let mut doc = base.clone();
        doc.theme = Some("dark".into());
        let patch = doc.patch(&base, &DOC);
        // From the stored document: `extra` and `fullName` go, `name` and `theme` come;
        // that is most of a small document, so the whole value.
        assert!(patch.is_none());
        let old = base.stored.as_ref().map(|(_, d)| (**d).clone());
        assert_eq!(old, Some(json!({"fullName": "Ann", "extra": 1})));
        // A re-serialization is not used as the base.
        let mut steps = Vec::new();
        let new = serde_json::to_value(&*doc).unwrap();
        diff(&mut Vec::new(), old.as_ref().unwrap(), &new, &mut steps).unwrap();
        assert!(steps.contains(&Step::Delete(p(&["fullName"]))));
        assert!(steps.contains(&Step::Set(p(&["theme"]), json!("dark"))));
    }

    #[test]
    fn typed_values_diff_through_serde_and_json_columns_are_written_whole() {
        #[derive(Serialize, Clone, Debug)]
        struct Profile {
            name: String,
            score: i32,
            bio: String,
            links: Vec<String>,
        }
        let base = MutableJson::new(Profile {
            name: "a".into(),
            score: 1,
            bio: "long text".into(),
            links: vec!["x".into(), "y".into()],
        });
        let mut doc = base.clone();
        assert!(!doc.changed_from(&base));
        doc.score = 2;
        assert!(doc.changed_from(&base));
        assert_eq!(base.score, 1, "the base keeps its content");
        assert_eq!(
            doc.patch(&base, &DOC).unwrap().shape(),
            PatchShape::Jsonb {
                sets: 1,
                deletes: 0,
                appends: 0
            }
        );
        assert!(doc.patch(&base, &PLAIN_JSON).is_none());
    }
}
