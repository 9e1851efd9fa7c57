//! [`Obj`]: the handle to an object a [`Session`](super::Session) tracks, its
//! [`ObjectState`], and its per-column history.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use orm_core::model::{HasPrimaryKey, Model};
use orm_core::value::Param;

/// Where an object stands with its session (SQLAlchemy's object states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectState {
    /// Not in any session and never written (or expunged before it was).
    Transient,
    /// Added to a session, not yet written: the next flush INSERTs it.
    Pending,
    /// Has a row in the database and is in a session's identity map.
    Persistent,
    /// Marked for deletion, or deleted by a flush of the still-open transaction.
    Deleted,
    /// Had a row when its session let go of it (`expunge`, `close`, a committed delete,
    /// or the session was dropped).
    Detached,
}

/// One column's change since the object was loaded (or last flushed): what the database
/// holds and what the object holds. Values are parameters: print them with `{:?}`.
#[derive(Debug, Clone)]
pub struct ColumnHistory {
    /// The column's SQL name.
    pub column: &'static str,
    /// The value last loaded or written, `None` for an object never written.
    pub old: Option<Param>,
    /// The object's value now.
    pub new: Param,
}

/// The touched list an object reports its first `write()` to.
pub(crate) type Touched<T> = Arc<Mutex<Vec<Obj<T>>>>;

/// A savepoint's copy of an object as it was when the savepoint began.
pub(crate) struct Saved<T> {
    pub(crate) level: usize,
    /// Its row then (`None` for an object that had none: pending).
    pub(crate) row: Option<T>,
    pub(crate) state: ObjectState,
}

pub(crate) struct Inner<T: HasPrimaryKey> {
    pub(crate) value: T,
    /// The row as last loaded or written, taken when the object is first borrowed for
    /// writing: `None` while the object has not been written to since (its value is the
    /// row) and while pending. Objects only read never pay for a copy.
    pub(crate) loaded: Option<T>,
    pub(crate) state: ObjectState,
    /// Its loaded values may be out of date: the next load overwrites them.
    pub(crate) expired: bool,
    /// In its session's touched list since the last flush.
    pub(crate) touched: bool,
    /// The identity map key while persistent or deleted.
    pub(crate) key: Option<T::Key>,
    /// The session holding it and where `write()` reports to.
    pub(crate) owner: Option<(u64, Weak<Mutex<Vec<Obj<T>>>>)>,
    /// Inserted by a flush of the session's open transaction (a rollback expunges it).
    pub(crate) new_in_tx: bool,
    /// Copies taken when a flush first wrote it inside a savepoint (or the transaction).
    pub(crate) saved: Vec<Saved<T>>,
}

/// A handle to an object in a [`Session`](super::Session): a cheap clone of one shared
/// entry, so the same row is the same object wherever it was loaded from.
///
/// Read with [`read`](Obj::read) (or [`with`](Obj::with)), change with
/// [`write`](Obj::write) or [`edit`](Obj::edit); the session notices changes at its next
/// flush by comparing each column with the row as loaded, and writes only the columns that
/// differ. A tracked container column ([`MutableList`](orm_core::mutable::MutableList),
/// [`MutableDict`](orm_core::mutable::MutableDict), ..) answers from its record of changes
/// instead, without comparing contents, and is written as a patch where that is smaller.
/// [`cloned`](Obj::cloned) takes a plain owned copy out.
///
/// The guards hold a lock on the entry (a read-write lock: any number of `read()` guards
/// at once, one `write()`) and are not `Send`, so a guard kept across an `.await` in a
/// spawned task or a web handler does not compile: there is no lock held across IO, ever.
/// Taking `write()` while a guard of the same object is alive on the same thread blocks
/// forever, as with any lock: keep guards short, or use `with`/`edit`. Every method is
/// synchronous; nothing here talks to the database (a re-read is always explicit:
/// [`Session::refresh`](super::Session::refresh)).
pub struct Obj<T: HasPrimaryKey>(pub(crate) Arc<RwLock<Inner<T>>>);

impl<T: HasPrimaryKey> Clone for Obj<T> {
    fn clone(&self) -> Self {
        Obj(self.0.clone())
    }
}

impl<T: HasPrimaryKey + fmt::Debug> fmt::Debug for Obj<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.try_read() {
            Ok(inner) => f
                .debug_struct("Obj")
                .field("state", &inner.state)
                .field("value", &inner.value)
                .finish(),
            Err(_) => f.write_str("Obj { <borrowed> }"),
        }
    }
}

/// A read guard: derefs to the object. Not `Send` (see [`Obj`]).
pub struct Ref<'a, T: HasPrimaryKey>(RwLockReadGuard<'a, Inner<T>>);

impl<T: HasPrimaryKey> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.value
    }
}

/// A write guard: derefs mutably to the object. Not `Send` (see [`Obj`]).
pub struct RefMut<'a, T: HasPrimaryKey>(RwLockWriteGuard<'a, Inner<T>>);

impl<T: HasPrimaryKey> Deref for RefMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T: HasPrimaryKey> DerefMut for RefMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0.value
    }
}

impl<T: HasPrimaryKey + fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.value, f)
    }
}

impl<T: HasPrimaryKey + fmt::Debug> fmt::Debug for RefMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.value, f)
    }
}

impl<T: HasPrimaryKey + Clone> Obj<T> {
    /// A persistent object of a session, for a row just loaded.
    pub(crate) fn persistent(
        value: T,
        key: T::Key,
        owner: Option<(u64, Weak<Mutex<Vec<Obj<T>>>>)>,
    ) -> Self {
        Obj(Arc::new(RwLock::new(Inner {
            value,
            loaded: None,
            state: ObjectState::Persistent,
            expired: false,
            touched: false,
            key: Some(key),
            owner,
            new_in_tx: false,
            saved: Vec::new(),
        })))
    }

    /// A transient object, in no session yet (`Session::add` takes it in).
    pub fn new(value: T) -> Self {
        Obj(Arc::new(RwLock::new(Inner {
            value,
            loaded: None,
            state: ObjectState::Transient,
            expired: false,
            touched: false,
            key: None,
            owner: None,
            new_in_tx: false,
            saved: Vec::new(),
        })))
    }

    pub(crate) fn lock(&self) -> RwLockWriteGuard<'_, Inner<T>> {
        // A panic inside `edit` poisons the lock; the value is still whole (every write is
        // a plain field assignment), so go on with it.
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read_lock(&self) -> RwLockReadGuard<'_, Inner<T>> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The lock, unless a guard is alive elsewhere (held across an `.await` on this
    /// thread, which would deadlock).
    pub(crate) fn try_lock(&self) -> Result<RwLockWriteGuard<'_, Inner<T>>, crate::Error> {
        match self.0.try_write() {
            Ok(g) => Ok(g),
            Err(std::sync::TryLockError::Poisoned(e)) => Ok(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => Err(crate::Error::Session(format!(
                "an object of {} is borrowed: a read()/write() guard is alive across a session call; drop it first",
                T::TABLE.qualified_name()
            ))),
        }
    }

    /// Reads the object.
    pub fn read(&self) -> Ref<'_, T> {
        Ref(self.read_lock())
    }

    /// Borrows the object for changing it; the session checks it at its next flush.
    pub fn write(&self) -> RefMut<'_, T> {
        let mut inner = self.lock();
        inner.snapshot();
        if !inner.touched
            && let Some((_, touched)) = &inner.owner
            && let Some(list) = touched.upgrade()
        {
            inner.touched = true;
            list.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.clone());
        }
        RefMut(inner)
    }

    /// Runs `f` on a shared borrow of the object.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.read())
    }

    /// Runs `f` on a mutable borrow of the object (see [`write`](Obj::write)).
    pub fn edit<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.write())
    }

    /// A plain owned copy of the object as it is now.
    pub fn cloned(&self) -> T {
        self.read().clone()
    }

    /// Where the object stands.
    pub fn state(&self) -> ObjectState {
        self.read_lock().state
    }

    /// Whether its loaded values may be out of date (after `expire`, a rollback, or a
    /// commit with `expire_on_commit`): the next query or `get` that returns its row
    /// overwrites them, and [`Session::refresh`](super::Session::refresh) reloads it now.
    pub fn is_expired(&self) -> bool {
        self.read_lock().expired
    }

    /// Whether a flush would write it: pending, or some column differs from the row as
    /// loaded.
    pub fn is_modified(&self) -> bool {
        let inner = self.read_lock();
        if inner.state == ObjectState::Pending {
            return true;
        }
        match &inner.loaded {
            None => false,
            Some(loaded) => {
                (0..T::TABLE.columns.len()).any(|i| inner.value.column_changed(loaded, i))
            }
        }
    }

    /// The columns whose value differs from the row as loaded (every column while
    /// pending), with the old and new values.
    pub fn changes(&self) -> Vec<ColumnHistory> {
        let inner = self.read_lock();
        T::TABLE
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let changed = match (&inner.loaded, inner.state) {
                    (_, ObjectState::Pending | ObjectState::Transient) => true,
                    (None, _) => false,
                    (Some(loaded), _) => inner.value.column_changed(loaded, i),
                };
                if !changed {
                    return None;
                }
                Some(ColumnHistory {
                    column: c.name,
                    old: match inner.state {
                        ObjectState::Pending | ObjectState::Transient => None,
                        _ => inner.row().column_value(i),
                    },
                    new: inner.value.column_value(i)?,
                })
            })
            .collect()
    }

    /// The history of one column: `Some` when it changed since the row was loaded.
    pub fn history<ST>(&self, column: orm_core::column::Column<T, ST>) -> Option<ColumnHistory> {
        let name = column.name();
        self.changes().into_iter().find(|h| h.column == name)
    }

    /// Whether both handles are the same object.
    pub fn ptr_eq(&self, other: &Obj<T>) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: Model + HasPrimaryKey> Inner<T> {
    /// Columns whose value differs from the loaded row.
    pub(crate) fn changed_columns(&self) -> Vec<usize> {
        if matches!(self.state, ObjectState::Pending | ObjectState::Transient) {
            return (0..T::TABLE.columns.len()).collect();
        }
        match &self.loaded {
            None => Vec::new(),
            Some(loaded) => (0..T::TABLE.columns.len())
                .filter(|&i| self.value.column_changed(loaded, i))
                .collect(),
        }
    }

    /// Keeps a copy of the row before the object is changed (see [`Inner::loaded`]).
    pub(crate) fn snapshot(&mut self)
    where
        T: Clone,
    {
        if self.loaded.is_none()
            && matches!(self.state, ObjectState::Persistent | ObjectState::Deleted)
        {
            self.loaded = Some(self.value.clone());
        }
    }

    /// The row as the database holds it (as far as the session knows).
    pub(crate) fn row(&self) -> &T {
        self.loaded.as_ref().unwrap_or(&self.value)
    }

    /// Takes a fresh row: columns the user has not changed take its values, changed ones
    /// keep theirs (they are still to be written), and the row becomes the loaded state.
    pub(crate) fn absorb(&mut self, row: T)
    where
        T: Clone,
    {
        match self.loaded.take() {
            Some(loaded) => {
                for i in 0..T::TABLE.columns.len() {
                    // Changed in place but back to what it was counts as unchanged.
                    if !self.value.column_changed(&loaded, i) || self.value.column_eq(&loaded, i) {
                        self.value.copy_column(&row, i);
                    }
                }
                self.loaded = Some(row);
            }
            // Unchanged: the row is the value.
            None => self.value = row,
        }
        self.expired = false;
    }
}
