//! Container columns that know what changed: [`MutableList`] (ARRAY), [`MutableSet`]
//! (ARRAY with set semantics), [`MutableDict`] (HSTORE) and `MutableJson` (JSONB, with the
//! `json` feature).
//!
//! Each wrapper derefs to its plain value, so reading code stays ordinary, and converts from
//! and into it. Its content sits behind an `Arc` that is shared until the first change: a
//! copy of an unchanged wrapper costs one reference count, whatever its size.
//!
//! # How the Session sees changes
//!
//! Before a Session hands out `&mut` to a persistent object it keeps a copy of the row
//! (which shares each wrapper's content). Changing a wrapper in place then gives it content
//! of its own, so "changed" is a pointer comparison with that copy: the Session's dirty check
//! never compares the contents of a container, and every change is seen, whichever way it was
//! made (a method below, `DerefMut`, index assignment, a `&mut` into a nested JSON value, or
//! assigning a whole new value).
//!
//! # What a flush writes
//!
//! The wrappers also record *what* changed, and the Session's flush writes a patch instead
//! of the whole value where that is smaller and safe:
//!
//! | Wrapper | Change | SQL |
//! |---|---|---|
//! | [`MutableList`] | only appends (`push`, `extend`, ..) | `array_append(col, $1)` / `array_cat(col, $1)` |
//! | [`MutableSet`] | inserts and removals | `ARRAY(SELECT unnest(array_cat(col, $1)) EXCEPT SELECT unnest($2))` |
//! | [`MutableDict`] | keys set and removed | `(col - $1::text[]) \|\| $2` |
//! | `MutableJson` | values changed at paths | `jsonb_set(col #- $1::text[], $2::text[], $3)`, `jsonb_insert(col, '{path,-1}', $4, true)` for appended array elements |
//!
//! Anything else (a sort, a removal from a list, `DerefMut` on a list, set or map, a change
//! of a JSON document's root type, more changed paths than a patch is worth) writes the
//! whole value, after a comparison with the row as loaded (a sort of a sorted list writes
//! nothing). Either way the row equals the object afterwards. Because a patch touches only
//! its keys, paths or appended elements, two sessions that change different keys of one row
//! at the same time both keep their changes (a whole-value write would keep only the last).
//! A column's patch is not read back: under such concurrent edits the database holds the
//! merged value and the object its own, until it is next loaded.
//!
//! Two limits: a [`MutableSet`] patch merges elements with the column's SQL equality
//! (`EXCEPT`), so on a `CITEXT[]` column or a nondeterministic collation, elements the
//! `BTreeSet` keeps apart (`"A"`, `"a"`) become one; map such a column as a
//! [`MutableList`] or a plain `Vec`. And an element appended to a list of a
//! length-limited type (`VARCHAR(8)[]`) is cast to it, which cuts an over-long string
//! instead of failing (as whole-value batches of such columns already do).

use std::sync::{Arc, Weak};

use crate::metadata::{ColumnDef, DdlType};
use crate::value::Param;

mod dict;
#[cfg(feature = "json")]
mod json;
mod list;
mod set;

pub use dict::MutableDict;
#[cfg(feature = "json")]
pub use json::{MAX_JSON_PATHS, MutableJson};
pub use list::MutableList;
pub use set::MutableSet;

/// A column type that records its changes (the `Mutable*` wrappers, and `Option`s of them).
/// The derive asks it, through the Session, whether a column changed and how to write it.
/// Sealed: a wrong answer would hide a change from the Session.
pub trait Tracked: sealed::Sealed {
    /// Whether the value differs from `base`, the Session's copy of the row: a pointer
    /// comparison, never a comparison of contents.
    fn changed_from(&self, base: &Self) -> bool;

    /// The patch that turns `base` into `self` in `column`, or `None` to write the whole
    /// value (the change is not a patchable one, or the patch would not be smaller).
    fn patch(&self, base: &Self, column: &ColumnDef) -> Option<Patch>;
}

pub(crate) mod sealed {
    /// Only this crate's containers are [`Tracked`](super::Tracked).
    pub trait Sealed {}
    impl<T: Sealed> Sealed for Option<T> {}
    impl<T> Sealed for super::MutableList<T> {}
    impl<T> Sealed for super::MutableSet<T> {}
    impl Sealed for super::MutableDict {}
    #[cfg(feature = "json")]
    impl<T> Sealed for super::MutableJson<T> {}
}

impl<T: Tracked> Tracked for Option<T> {
    fn changed_from(&self, base: &Self) -> bool {
        match (self, base) {
            (Some(a), Some(b)) => a.changed_from(b),
            (None, None) => false,
            _ => true,
        }
    }

    fn patch(&self, base: &Self, column: &ColumnDef) -> Option<Patch> {
        match (self, base) {
            (Some(a), Some(b)) => a.patch(b, column),
            _ => None,
        }
    }
}

/// The shape of a [`Patch`]: rows whose patches have the same shape are written by one
/// statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatchShape {
    /// The content equals the base after all (a change undone, a `&mut` taken and not used):
    /// nothing to write.
    Unchanged,
    /// `array_append(col, $elem)`: one element appended (parameter: the element).
    AppendOne,
    /// `array_cat(col, $elems)`: elements appended (parameter: an array).
    Append,
    /// Set elements added and removed (parameters: the added, then the removed, as arrays).
    SetOf {
        /// Elements were added.
        added: bool,
        /// Elements were removed.
        removed: bool,
    },
    /// HSTORE keys set and removed (parameters: an HSTORE of the set keys, then the removed
    /// keys as a `text[]` literal).
    Hstore {
        /// Keys were set.
        set: bool,
        /// Keys were removed.
        removed: bool,
    },
    /// JSONB paths deleted, set and appended to (parameters: each deleted path as a `text[]`
    /// literal, then each set path and its value, then each appended-to array's path
    /// (ending in `-1`) and the element).
    Jsonb {
        /// Paths set (`jsonb_set`).
        sets: usize,
        /// Paths deleted (`#-`).
        deletes: usize,
        /// Elements appended to arrays (`jsonb_insert(.., true)` after the last element).
        appends: usize,
    },
}

impl PatchShape {
    /// How many parameters a patch of this shape carries.
    pub fn params(&self) -> usize {
        match *self {
            PatchShape::Unchanged => 0,
            PatchShape::AppendOne | PatchShape::Append => 1,
            PatchShape::SetOf { added, removed } => usize::from(added) + usize::from(removed),
            PatchShape::Hstore { set, removed } => usize::from(set) + usize::from(removed),
            PatchShape::Jsonb {
                sets,
                deletes,
                appends,
            } => deletes + 2 * sets + 2 * appends,
        }
    }
}

/// A change to one column, written as an expression over the column's current value instead
/// of the whole new value. Made by the [`Tracked`] wrappers; the Session's flush renders it
/// ([`crate::flush::update`]).
#[derive(Debug, Clone)]
pub struct Patch {
    shape: PatchShape,
    params: Vec<Param>,
}

impl Patch {
    /// Its shape.
    pub fn shape(&self) -> PatchShape {
        self.shape
    }

    /// Its parameters, in the order [`PatchShape`] describes.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Its parameters, in the order [`PatchShape`] describes.
    pub fn into_params(self) -> Vec<Param> {
        self.params
    }

    /// Nothing to write: the content equals the base.
    pub fn unchanged() -> Self {
        Patch::new(PatchShape::Unchanged, Vec::new())
    }

    pub(crate) fn new(shape: PatchShape, params: Vec<Param>) -> Self {
        debug_assert_eq!(shape.params(), params.len());
        Patch { shape, params }
    }
}

/// A `text[]` literal (`{"a","b\"c"}`), bound as one TEXT parameter and cast in SQL: how
/// a path or a list of keys, whose length differs from row to row, travels in a batch.
pub(crate) fn text_array_literal<S: AsRef<str>>(items: &[S]) -> String {
    let mut out =
        String::with_capacity(2 + items.iter().map(|s| s.as_ref().len() + 3).sum::<usize>());
    out.push('{');
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('"');
        for ch in item.as_ref().chars() {
            if ch == '"' || ch == '\\' {
                out.push('\\');
            }
            out.push(ch);
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// Whether `column` holds a container (an array, HSTORE, JSON or JSONB, or a type written by
/// hand): a change of such a column that records no patch may still leave its content as
/// it was, which the Session checks before writing it whole.
pub fn is_container_column(column: &ColumnDef) -> bool {
    matches!(column.sql_type, DdlType::Custom(_))
        || is_array_column(column)
        || ["HSTORE", "JSON", "JSONB"]
            .iter()
            .any(|name| is_column_type(column, name))
}

/// Whether `column` is an array column (one element type, any dimensions).
pub(crate) fn is_array_column(column: &ColumnDef) -> bool {
    match column.sql_type {
        DdlType::Mapped(info) => info.dims > 0,
        DdlType::Custom(sql) => sql.trim_end().ends_with(']'),
    }
}

/// Whether `column`'s type is `name` (a built-in or extension type, no array).
pub(crate) fn is_column_type(column: &ColumnDef, name: &str) -> bool {
    match column.sql_type {
        DdlType::Mapped(info) => info.dims == 0 && info.name.eq_ignore_ascii_case(name),
        DdlType::Custom(sql) => sql.trim().eq_ignore_ascii_case(name),
    }
}

/// The content of a wrapper, shared until changed, with the point a change record starts
/// from.
#[derive(Debug)]
pub(crate) struct Shared<V> {
    pub(crate) value: Arc<V>,
    /// The content the record of changes starts from (empty: there is no record). A `Weak`
    /// keeps the allocation, so its address cannot be reused for another value.
    origin: Weak<V>,
}

impl<V> Clone for Shared<V> {
    fn clone(&self) -> Self {
        Shared {
            value: self.value.clone(),
            origin: self.origin.clone(),
        }
    }
}

impl<V: Clone> Shared<V> {
    pub(crate) fn new(value: V) -> Self {
        Shared {
            value: Arc::new(value),
            origin: Weak::new(),
        }
    }

    /// The content for changing. Returns `true` when a new record of changes starts here:
    /// the content was shared (with the Session's copy of the row, or any clone), so this
    /// change is the first since that copy was taken. Unshared content whose origin is gone
    /// has nothing a record could start from: it changes in place, without a record.
    pub(crate) fn make_mut(&mut self) -> (&mut V, bool) {
        let fresh = if Arc::strong_count(&self.value) > 1 {
            self.origin = Arc::downgrade(&self.value);
            true
        } else if self.origin.strong_count() == 0 {
            self.origin = Weak::new();
            true
        } else {
            false
        };
        (Arc::make_mut(&mut self.value), fresh)
    }

    /// Whether the record of changes describes the way from `base` to this content.
    pub(crate) fn records_from(&self, base: &Shared<V>) -> bool {
        std::ptr::eq(self.origin.as_ptr(), Arc::as_ptr(&base.value))
    }

    /// Whether the content is not `base`'s.
    pub(crate) fn differs(&self, base: &Shared<V>) -> bool {
        !Arc::ptr_eq(&self.value, &base.value)
    }

    pub(crate) fn into_inner(self) -> V {
        Arc::try_unwrap(self.value).unwrap_or_else(|shared| (*shared).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_array_literals_escape_quotes_and_backslashes() {
        assert_eq!(text_array_literal::<&str>(&[]), "{}");
        assert_eq!(
            text_array_literal(&["a", "b c", "q\"x", "back\\slash", "", "{,}"]),
            r#"{"a","b c","q\"x","back\\slash","","{,}"}"#
        );
    }
}
