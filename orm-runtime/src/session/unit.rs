//! One model type's part of a Session: its identity map, its pending and deleted objects,
//! and the flush of its table.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use orm_core::flush::{self, InsertResult, PatchShape, SetColumn, UpdateRow};
use orm_core::metadata::{ConstraintDef, Deferrable, FkTarget, OnUpdate, TableDef};
use orm_core::model::{HasPrimaryKey, Model};
use orm_core::value::Param;
use orm_core::writer::CompiledSql;
use tokio_postgres::Row;

use super::object::{Inner, Obj, ObjectState, Saved, Touched};
use crate::error::{Error, StaleData};
use crate::executor::PgRow;
use crate::executor::sealed::{Sealed, Token};
use crate::options::BoxFuture;
use crate::transaction::Transaction;

/// The bound every Session method puts on a model.
pub trait SessionModel: Model + HasPrimaryKey + Clone {}
impl<T: Model + HasPrimaryKey + Clone> SessionModel for T {}

/// What one table has to write in a flush.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Work {
    pub(crate) inserts: bool,
    pub(crate) updates: bool,
    pub(crate) deletes: bool,
}

impl Work {
    pub(crate) fn any(&self) -> bool {
        self.inserts || self.updates || self.deletes
    }
}

/// A model type's unit, type-erased so the session can hold units of every type.
pub(crate) trait AnyUnit: Send {
    fn table(&self) -> &'static TableDef;
    fn as_any(&mut self) -> &mut dyn Any;
    /// Gathers what the next flush writes; no IO.
    fn plan(&mut self) -> Result<Work, Error>;
    fn insert<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        deferred: &'a [usize],
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>>;
    fn update<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        deferred: &'a [usize],
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>>;
    /// Hands the planned work back (the flush stopped before sending anything).
    fn abandon(&mut self);
    fn post_update<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        deferred: &'a [usize],
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>>;
    fn delete<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>>;
    /// The transaction committed.
    fn committed(&mut self, expire: bool);
    /// The savepoint at `level` (0: the transaction) was rolled back.
    fn rolled_back(&mut self, level: usize);
    /// The savepoint at `level` was released into `level - 1`.
    fn released(&mut self, level: usize);
    fn expire_all(&mut self);
    fn expunge_all(&mut self);
    fn len(&self) -> usize;
}

pub(crate) struct Unit<T: SessionModel> {
    session: u64,
    pub(crate) map: HashMap<T::Key, Obj<T>>,
    pub(crate) pending: Vec<Obj<T>>,
    /// Marked for deletion, not flushed yet.
    pub(crate) deleting: Vec<Obj<T>>,
    /// Deleted by a flush of the open transaction: detached at commit.
    gone: Vec<Obj<T>>,
    pub(crate) touched: Touched<T>,
    /// Objects holding savepoint copies.
    saved: Vec<Obj<T>>,
    // The current flush's work.
    inserts: Vec<Obj<T>>,
    inserted: Vec<Obj<T>>,
    updates: Vec<(Obj<T>, Vec<usize>)>,
    deletes: Vec<Obj<T>>,
}

impl<T: SessionModel> Unit<T> {
    pub(crate) fn new(session: u64) -> Self {
        Unit {
            session,
            map: HashMap::new(),
            pending: Vec::new(),
            deleting: Vec::new(),
            gone: Vec::new(),
            touched: Arc::new(Mutex::new(Vec::new())),
            saved: Vec::new(),
            inserts: Vec::new(),
            inserted: Vec::new(),
            updates: Vec::new(),
            deletes: Vec::new(),
        }
    }

    fn owner(&self) -> Option<(u64, std::sync::Weak<Mutex<Vec<Obj<T>>>>)> {
        Some((self.session, Arc::downgrade(&self.touched)))
    }

    /// Whether `obj` belongs to this session.
    pub(crate) fn owns(&self, inner: &Inner<T>) -> bool {
        inner
            .owner
            .as_ref()
            .is_some_and(|(id, _)| *id == self.session)
    }

    /// Takes in a transient or detached object as pending (or back as persistent when its
    /// key is known to the map... a detached object with a row goes through `merge`).
    pub(crate) fn add(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        let mut inner = obj.try_lock()?;
        if self.owns(&inner) {
            if inner.state == ObjectState::Deleted
                && let Some(pos) = self.deleting.iter().position(|o| o.ptr_eq(obj))
            {
                // Added back before the delete was flushed: the delete is cancelled.
                self.deleting.remove(pos);
                inner.state = ObjectState::Persistent;
            }
            return Ok(());
        }
        if inner.owner.is_some() {
            return Err(Error::Session(format!(
                "this {} object belongs to another session; expunge it there first, or merge a copy",
                T::TABLE.rust_name
            )));
        }
        if inner.state == ObjectState::Detached {
            return Err(Error::Session(format!(
                "this {} object is detached (it has a row); use merge() to bring it back",
                T::TABLE.rust_name
            )));
        }
        inner.owner = self.owner();
        inner.state = ObjectState::Pending;
        inner.loaded = None;
        drop(inner);
        self.pending.push(obj.clone());
        Ok(())
    }

    /// Puts loaded rows into the identity map: an object already there keeps its values
    /// unless `fresh` (locked or just-written rows) or it is expired; then columns the user
    /// has not changed take the row's values.
    pub(crate) fn absorb(&mut self, row: T, fresh: bool) -> Result<Obj<T>, Error> {
        // One hash per row: the entry, not a lookup and then an insert.
        let owner = self.owner();
        match self.map.entry(row.key()) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let obj = e.get();
                let mut inner = obj.try_lock()?;
                if fresh || inner.expired {
                    inner.absorb(row);
                }
                drop(inner);
                Ok(obj.clone())
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                let key = e.key().clone();
                let obj = Obj::persistent(row, key, owner);
                e.insert(obj.clone());
                Ok(obj)
            }
        }
    }

    /// Room for `n` more objects in the identity map (a query's rows).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.map.reserve(n);
    }

    /// Takes the object out of the session: detached if it has a row, transient if not.
    pub(crate) fn expunge(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        let mut inner = obj.try_lock()?;
        if !self.owns(&inner) {
            return Ok(());
        }
        self.forget(&mut inner, obj);
        Ok(())
    }

    fn forget(&mut self, inner: &mut Inner<T>, obj: &Obj<T>) {
        if let Some(key) = inner.key.take()
            && self.map.get(&key).is_some_and(|o| o.ptr_eq(obj))
        {
            self.map.remove(&key);
        }
        self.pending.retain(|o| !o.ptr_eq(obj));
        self.deleting.retain(|o| !o.ptr_eq(obj));
        self.gone.retain(|o| !o.ptr_eq(obj));
        inner.state = match inner.state {
            ObjectState::Pending | ObjectState::Transient => ObjectState::Transient,
            _ if inner.new_in_tx => ObjectState::Transient,
            _ => ObjectState::Detached,
        };
        inner.owner = None;
        inner.touched = false;
        inner.saved.clear();
        inner.new_in_tx = false;
    }

    /// Marks for deletion (a pending object is simply expunged).
    pub(crate) fn delete(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        let mut inner = obj.try_lock()?;
        if !self.owns(&inner) {
            return Err(Error::Session(format!(
                "this {} object is not in this session; load it (or merge it) before deleting it",
                T::TABLE.rust_name
            )));
        }
        match inner.state {
            ObjectState::Pending => {
                self.forget(&mut inner, obj);
            }
            ObjectState::Persistent => {
                inner.state = ObjectState::Deleted;
                drop(inner);
                self.deleting.push(obj.clone());
            }
            _ => {}
        }
        Ok(())
    }

    /// A DELETE statement run through the session removed the object's row.
    pub(crate) fn deleted_by_statement(&mut self, obj: &Obj<T>, level: usize) -> Result<(), Error> {
        let mut inner = obj.try_lock()?;
        self.save_as(&mut inner, obj, level, ObjectState::Persistent);
        inner.state = ObjectState::Deleted;
        if let Some(key) = &inner.key {
            self.map.remove(key);
        }
        drop(inner);
        self.deleting.retain(|o| !o.ptr_eq(obj));
        self.gone.push(obj.clone());
        Ok(())
    }

    /// Keeps a copy of the object as it was when the savepoint at `level` began, the first
    /// time a flush writes it inside that savepoint.
    fn save(&mut self, inner: &mut Inner<T>, obj: &Obj<T>, level: usize) {
        let state = inner.state;
        self.save_as(inner, obj, level, state);
    }

    /// [`save`](Self::save) with the state to restore (a flushed delete restores a
    /// persistent object, whatever its state says now).
    fn save_as(&mut self, inner: &mut Inner<T>, obj: &Obj<T>, level: usize, state: ObjectState) {
        if inner.saved.last().is_some_and(|s| s.level >= level) {
            return;
        }
        if inner.saved.is_empty() {
            self.saved.push(obj.clone());
        }
        let row = match state {
            ObjectState::Pending | ObjectState::Transient => None,
            _ => Some(inner.row().clone()),
        };
        inner.saved.push(Saved { level, row, state });
    }

    pub(crate) fn stale(
        &self,
        operation: &'static str,
        changed: Vec<String>,
        deleted: Vec<String>,
    ) -> Error {
        Error::StaleData(StaleData {
            table: T::TABLE.qualified_name(),
            operation,
            changed,
            deleted,
        })
    }

    /// Splits `missing` keys into changed (the row exists) and deleted (it does not).
    async fn probe(
        &self,
        tx: &mut Transaction<'static>,
        operation: &'static str,
        missing: Vec<T::Key>,
        sample: &T,
    ) -> Error {
        let keys: Vec<Vec<Param>> = missing.iter().map(T::key_params).collect();
        let sql = flush::select_by_keys(T::TABLE, T::KEY_COLUMNS, &keys);
        let found: Vec<T::Key> = match run_rows(tx, &sql).await {
            Ok(rows) => {
                let mut out = Vec::new();
                for row in &rows {
                    let mut scratch = sample.clone();
                    let mut at = 0;
                    for &k in T::KEY_COLUMNS {
                        if let Err(e) = scratch.decode_column(k, &PgRow(row), &mut at) {
                            return Error::Decode(e);
                        }
                    }
                    out.push(scratch.key());
                }
                out
            }
            Err(e) => return e,
        };
        let (changed, deleted): (Vec<T::Key>, Vec<T::Key>) =
            missing.into_iter().partition(|k| found.contains(k));
        self.stale(
            operation,
            changed.iter().map(|k| format!("{k:?}")).collect(),
            deleted.iter().map(|k| format!("{k:?}")).collect(),
        )
    }

    /// Pending objects in an order where a row that references another pending row of the
    /// same table (a tree) comes after it.
    fn dependency_order(&self, objs: Vec<Obj<T>>) -> Vec<Obj<T>> {
        let table = T::TABLE;
        let self_fks: Vec<(Vec<usize>, Vec<usize>)> = table
            .constraints
            .iter()
            .filter_map(|c| match c {
                ConstraintDef::ForeignKey(fk) => match fk.target {
                    FkTarget::Model(f) if f().name == table.name && f().schema == table.schema => {
                        let from = fk
                            .columns
                            .iter()
                            .filter_map(|c| table.column_index(c))
                            .collect();
                        let to = fk
                            .target_columns
                            .iter()
                            .filter_map(|c| table.column_index(c))
                            .collect();
                        Some((from, to))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        if self_fks.is_empty() || objs.len() < 2 {
            return objs;
        }
        // A row's identity for this purpose is the binary encoding of the referenced
        // columns' values (`Some(5)` and `5` encode alike; a NULL references nothing).
        let text = |obj: &Obj<T>, cols: &[usize]| -> Option<Vec<u8>> {
            let inner = obj.read();
            let mut out = Vec::new();
            for &i in cols {
                let bytes = inner.column_value(i)?.identity_bytes()?;
                out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
                out.extend_from_slice(&bytes);
            }
            Some(out)
        };
        let n = objs.len();
        let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (from, to) in &self_fks {
            let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
            for (i, o) in objs.iter().enumerate() {
                if let Some(t) = text(o, to) {
                    index.insert(t, i);
                }
            }
            for (i, o) in objs.iter().enumerate() {
                if let Some(t) = text(o, from)
                    && let Some(&j) = index.get(&t)
                    && j != i
                {
                    deps[i].push(j);
                }
            }
        }
        // Depth-first without recursion (a chain can be as long as the batch): parents
        // before children; a cycle among rows keeps the given order (the foreign key is
        // checked at the end of the statement).
        let mut state = vec![0u8; n];
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            state[root] = 1;
            stack.push((root, 0));
            while let Some((i, next)) = stack.last().copied() {
                match deps[i].get(next) {
                    Some(&j) => {
                        if let Some(top) = stack.last_mut() {
                            top.1 += 1;
                        }
                        if state[j] == 0 {
                            state[j] = 1;
                            stack.push((j, 0));
                        }
                    }
                    None => {
                        state[i] = 2;
                        order.push(i);
                        stack.pop();
                    }
                }
            }
        }
        order.into_iter().map(|i| objs[i].clone()).collect()
    }

    async fn run_inserts(
        &mut self,
        tx: &mut Transaction<'static>,
        deferred: &[usize],
        level: usize,
    ) -> Result<(), Error> {
        // Kept in `inserts` until written: a failed flush hands them back to `pending`.
        let inserts = self.inserts.clone();
        let objs = self.dependency_order(inserts);
        if objs.is_empty() {
            return Ok(());
        }
        let table = T::TABLE;
        let (send, back) = flush::insert_columns(table);
        let null: Param = Arc::new(flush::AnyNull);
        let mut rows: Vec<Vec<Param>> = Vec::with_capacity(objs.len());
        for obj in &objs {
            let inner = obj.try_lock()?;
            let values = inner.value.column_values();
            rows.push(
                send.iter()
                    .map(|&i| {
                        if deferred.contains(&i) {
                            null.clone()
                        } else {
                            values[i].clone()
                        }
                    })
                    .collect(),
            );
        }
        let chunk = if flush::fits_arrays(table, &send) {
            rows.len()
        } else {
            flush::max_rows_per_values(send.len())
        };
        let mut start = 0;
        while start < rows.len() {
            let end = (start + chunk).min(rows.len());
            let part = &objs[start..end];
            let (sql, result) = flush::insert(table, &send, &back, &rows[start..end]);
            let returned = run_rows(tx, &sql).await?;
            if result != InsertResult::Nothing && returned.len() != part.len() {
                return Err(Error::Session(format!(
                    "INSERT into {} returned {} rows for {} objects",
                    table.qualified_name(),
                    returned.len(),
                    part.len()
                )));
            }
            for (n, row) in returned.iter().enumerate() {
                let (pos, mut at) = match result {
                    InsertResult::ByPosition => {
                        let ord: i64 = row.try_get(0).map_err(|e| Error::from_driver(e, None))?;
                        (usize::try_from(ord - 1).unwrap_or(usize::MAX), 1)
                    }
                    _ => (n, 0),
                };
                let Some(obj) = part.get(pos) else {
                    return Err(Error::Session(format!(
                        "INSERT into {} returned an unknown row position {pos}",
                        table.qualified_name()
                    )));
                };
                let mut inner = obj.try_lock()?;
                for &c in &back {
                    inner
                        .value
                        .decode_column(c, &PgRow(row), &mut at)
                        .map_err(Error::Decode)?;
                }
            }
            start = end;
        }
        for obj in &objs {
            let mut inner = obj.try_lock()?;
            self.save(&mut inner, obj, level);
            let key = inner.value.key();
            inner.key = Some(key.clone());
            inner.state = ObjectState::Persistent;
            inner.new_in_tx = true;
            inner.expired = false;
            // The value is the row now.
            inner.loaded = None;
            drop(inner);
            self.map.insert(key, obj.clone());
        }
        self.inserts.clear();
        self.inserted = objs;
        Ok(())
    }

    async fn run_update_rows(
        &mut self,
        tx: &mut Transaction<'static>,
        set_columns: &[SetColumn],
        batch: Vec<(Obj<T>, Vec<Param>)>,
        level: usize,
    ) -> Result<(), Error> {
        let table = T::TABLE;
        let version = flush::version_column(table);
        let set: &[usize] = &set_columns.iter().map(|c| c.column).collect::<Vec<_>>();
        let returning = flush::update_returning(table, set);
        let mut rows = Vec::with_capacity(batch.len());
        let mut by_key: HashMap<T::Key, usize> = HashMap::with_capacity(batch.len());
        for (n, (obj, values)) in batch.iter().enumerate() {
            let inner = obj.try_lock()?;
            let Some(old_key) = inner.key.clone() else {
                continue;
            };
            rows.push(UpdateRow {
                key: T::key_params(&old_key),
                values: values.clone(),
                version: version.and_then(|v| inner.row().column_value(v)),
            });
            by_key.insert(inner.value.key(), n);
        }
        let key_changes = set.iter().any(|c| T::KEY_COLUMNS.contains(c));
        let params_per_row: usize =
            set_columns.iter().map(SetColumn::params).sum::<usize>() + T::KEY_COLUMNS.len() + 1;
        // A changed primary key names its column twice in a batch's source (old key to
        // match, new value to set): such rows go one statement each.
        let chunk = if key_changes {
            1
        } else if flush::update_fits_arrays(table, set_columns) {
            rows.len().max(1)
        } else {
            flush::max_rows_per_values(params_per_row)
        };
        let mut seen = vec![false; batch.len()];
        let mut start = 0;
        while start < rows.len() {
            let end = (start + chunk).min(rows.len());
            let sql = flush::update(table, set_columns, &rows[start..end]);
            let returned = run_rows(tx, &sql).await?;
            // One scratch object to decode the returned keys into.
            let mut scratch = match batch.first() {
                Some((first, _)) => first.try_lock()?.value.clone(),
                None => break,
            };
            for row in &returned {
                let mut at = 0;
                for &k in T::KEY_COLUMNS {
                    scratch
                        .decode_column(k, &PgRow(row), &mut at)
                        .map_err(Error::Decode)?;
                }
                let Some(&n) = by_key.get(&scratch.key()) else {
                    continue;
                };
                seen[n] = true;
                let obj = &batch[n].0;
                let mut inner = obj.try_lock()?;
                self.save(&mut inner, obj, level);
                for &c in &returning {
                    inner
                        .value
                        .decode_column(c, &PgRow(row), &mut at)
                        .map_err(Error::Decode)?;
                }
                // The row now: the columns written and read back are the value's; the
                // others are what they were (a column held back for a later UPDATE may
                // differ, and then a copy of the row is kept).
                let differs = inner.loaded.as_ref().is_some_and(|old| {
                    (0..table.columns.len()).any(|i| {
                        !set.contains(&i)
                            && !returning.contains(&i)
                            && inner.value.column_changed(old, i)
                    })
                });
                if differs {
                    if let Some(old) = inner.loaded.take() {
                        let mut row = inner.value.clone();
                        for i in 0..table.columns.len() {
                            if !set.contains(&i) && !returning.contains(&i) {
                                row.copy_column(&old, i);
                            }
                        }
                        inner.loaded = Some(row);
                    }
                } else {
                    inner.loaded = None;
                }
                let new_key = inner.value.key();
                if inner.key.as_ref() != Some(&new_key) {
                    if let Some(old) = inner.key.take() {
                        self.map.remove(&old);
                    }
                    inner.key = Some(new_key.clone());
                    drop(inner);
                    self.map.insert(new_key, obj.clone());
                }
            }
            start = end;
        }
        let missing: Vec<T::Key> = batch
            .iter()
            .zip(&seen)
            .filter(|(_, s)| !**s)
            .filter_map(|((o, _), _)| o.lock().key.clone())
            .collect();
        if !missing.is_empty() {
            let sample = batch[0].0.lock().value.clone();
            return Err(self.probe(tx, "UPDATE", missing, &sample).await);
        }
        Ok(())
    }

    async fn run_updates(
        &mut self,
        tx: &mut Transaction<'static>,
        deferred: &[usize],
        level: usize,
    ) -> Result<(), Error> {
        let updates = self.updates.clone();
        if updates.is_empty() {
            return Ok(());
        }
        // Objects that change the same columns the same way (whole values, or patches of
        // one shape) go in one statement.
        let mut groups: Vec<(Vec<SetColumn>, Vec<(Obj<T>, Vec<Param>)>)> = Vec::new();
        // Other columns reach the set only when their values differ: no second comparison.
        let is_container = |i: usize| {
            T::TABLE
                .columns
                .get(i)
                .is_some_and(orm_core::mutable::is_container_column)
        };
        for (obj, mut set) in updates {
            // Foreign keys of a broken cycle may point at rows inserted later in this
            // flush: they are written by the post-update, after every INSERT.
            if set.iter().any(|c| deferred.contains(c)) {
                set.retain(|c| !deferred.contains(c));
                self.inserted.push(obj.clone());
                if set.is_empty() {
                    continue;
                }
            }
            let mut inner = obj.try_lock()?;
            let mut columns: Vec<SetColumn> = Vec::with_capacity(set.len());
            let mut values: Vec<Param> = Vec::with_capacity(set.len());
            for &i in &set {
                // A tracked container writes only its change, where it can.
                let patch = inner
                    .loaded
                    .as_ref()
                    .and_then(|base| inner.value.column_patch(base, i));
                match patch {
                    Some(p) if p.shape() == PatchShape::Unchanged => {}
                    Some(p) => {
                        columns.push(SetColumn {
                            column: i,
                            patch: Some(p.shape()),
                        });
                        values.extend(p.into_params());
                    }
                    // A container changed in a way it does not record (a sort, `DerefMut`)
                    // may hold what it held: compared now, only because it changed.
                    None if is_container(i)
                        && inner
                            .loaded
                            .as_ref()
                            .is_some_and(|base| inner.value.column_eq(base, i)) => {}
                    None => {
                        if let Some(p) = inner.value.column_value(i) {
                            columns.push(SetColumn::whole(i));
                            values.push(p);
                        }
                    }
                }
            }
            if columns.is_empty() {
                // Changed and changed back: the value is the row.
                if !self.inserted.iter().any(|o| o.ptr_eq(&obj)) {
                    inner.loaded = None;
                }
                continue;
            }
            // Rust-side `on_update` values for columns the user left alone.
            for (i, c) in T::TABLE.columns.iter().enumerate() {
                if let Some(OnUpdate::Value(f)) = c.on_update
                    && !set.contains(&i)
                {
                    columns.push(SetColumn::whole(i));
                    values.push(f());
                }
            }
            drop(inner);
            match groups.iter_mut().find(|(s, _)| *s == columns) {
                Some((_, list)) => list.push((obj, values)),
                None => groups.push((columns, vec![(obj, values)])),
            }
        }
        for (set, batch) in groups {
            self.run_update_rows(tx, &set, batch, level).await?;
        }
        self.updates.clear();
        Ok(())
    }

    async fn run_post_update(
        &mut self,
        tx: &mut Transaction<'static>,
        deferred: &[usize],
        level: usize,
    ) -> Result<(), Error> {
        let inserted = std::mem::take(&mut self.inserted);
        if deferred.is_empty() || inserted.is_empty() {
            return Ok(());
        }
        let mut batch = Vec::new();
        for obj in inserted {
            let values: Vec<Param> = {
                let inner = obj.try_lock()?;
                deferred
                    .iter()
                    .filter_map(|&i| inner.value.column_value(i))
                    .collect()
            };
            batch.push((obj, values));
        }
        let set: Vec<SetColumn> = deferred.iter().copied().map(SetColumn::whole).collect();
        self.run_update_rows(tx, &set, batch, level).await
    }

    async fn run_deletes(
        &mut self,
        tx: &mut Transaction<'static>,
        level: usize,
    ) -> Result<(), Error> {
        // Kept in `deletes` until written: a failed flush hands them back to `deleting`.
        let objs = self.deletes.clone();
        if objs.is_empty() {
            return Ok(());
        }
        let table = T::TABLE;
        let version = flush::version_column(table);
        let mut keys = Vec::with_capacity(objs.len());
        let mut key_values = Vec::with_capacity(objs.len());
        let mut versions = Vec::new();
        for obj in &objs {
            let inner = obj.try_lock()?;
            let Some(key) = inner.key.clone() else {
                continue;
            };
            keys.push(T::key_params(&key));
            key_values.push(key);
            if let Some(v) = version {
                let loaded = inner.loaded.as_ref().unwrap_or(&inner.value);
                if let Some(p) = loaded.column_value(v) {
                    versions.push(p);
                }
            }
        }
        let versioned = version.is_some() && versions.len() == keys.len();
        let chunk = if flush::fits_arrays(table, T::KEY_COLUMNS) {
            keys.len().max(1)
        } else {
            flush::max_rows_per_values(T::KEY_COLUMNS.len() + 1)
        };
        let mut found: Vec<T::Key> = Vec::new();
        let mut start = 0;
        while start < keys.len() {
            let end = (start + chunk).min(keys.len());
            let sql = flush::delete(
                table,
                &keys[start..end],
                versioned.then(|| &versions[start..end]),
            );
            let returned = run_rows(tx, &sql).await?;
            if versioned {
                let mut scratch = objs[0].lock().value.clone();
                for row in &returned {
                    let mut at = 0;
                    for &k in T::KEY_COLUMNS {
                        scratch
                            .decode_column(k, &PgRow(row), &mut at)
                            .map_err(Error::Decode)?;
                    }
                    found.push(scratch.key());
                }
            }
            start = end;
        }
        if versioned {
            let missing: Vec<T::Key> = key_values
                .iter()
                .filter(|k| !found.contains(k))
                .cloned()
                .collect();
            if !missing.is_empty() {
                let sample = objs[0].lock().value.clone();
                return Err(self.probe(tx, "DELETE", missing, &sample).await);
            }
        }
        for obj in &objs {
            let mut inner = obj.try_lock()?;
            self.save_as(&mut inner, obj, level, ObjectState::Persistent);
            inner.state = ObjectState::Deleted;
            if let Some(key) = &inner.key {
                self.map.remove(key);
            }
            drop(inner);
            self.gone.push(obj.clone());
        }
        self.deletes.clear();
        Ok(())
    }

    /// Restores every object written since the savepoint at `level` began.
    fn restore(&mut self, level: usize) {
        let saved = std::mem::take(&mut self.saved);
        for obj in saved {
            let mut inner = obj.lock();
            let Some(pos) = inner.saved.iter().position(|s| s.level >= level) else {
                self.saved.push(obj.clone());
                continue;
            };
            let copy = inner.saved.drain(pos..).next();
            let keep = !inner.saved.is_empty();
            if let Some(copy) = copy {
                match copy.state {
                    ObjectState::Pending | ObjectState::Transient => {
                        // Inserted inside the savepoint: out of the session again.
                        self.forget(&mut inner, &obj);
                        continue;
                    }
                    state => {
                        if let Some(key) = inner.key.take() {
                            self.map.remove(&key);
                        }
                        if let Some(row) = copy.row {
                            inner.value = row;
                        }
                        inner.loaded = None;
                        inner.state = state;
                        let key = inner.value.key();
                        inner.key = Some(key.clone());
                        self.gone.retain(|o| !o.ptr_eq(&obj));
                        self.map.insert(key, obj.clone());
                    }
                }
            }
            drop(inner);
            if keep {
                self.saved.push(obj);
            }
        }
    }
}

/// Runs a flush statement in the session's transaction and returns its raw rows.
pub(crate) async fn run_rows(
    tx: &mut Transaction<'static>,
    sql: &CompiledSql,
) -> Result<Vec<Row>, Error> {
    let target = tx.target(Token(()));
    crate::executor::raw_rows(target, sql).await
}

impl<T: SessionModel> AnyUnit for Unit<T> {
    fn table(&self) -> &'static TableDef {
        T::TABLE
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn plan(&mut self) -> Result<Work, Error> {
        let touched = std::mem::take(&mut *self.touched.lock().unwrap_or_else(|e| e.into_inner()));
        // Every object is checked before any leaves the list: a borrowed one (a guard held
        // across a session call) fails the flush and the list stays as it was.
        if let Some(Err(e)) = touched
            .iter()
            .map(|o| o.try_lock().map(drop))
            .find(Result::is_err)
        {
            self.touched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(touched);
            return Err(e);
        }
        let version = flush::version_column(T::TABLE);
        let mut updates = Vec::new();
        for obj in touched {
            let mut inner = obj.lock();
            inner.touched = false;
            if inner.state != ObjectState::Persistent || !self.owns(&inner) {
                continue;
            }
            let mut changed = inner.changed_columns();
            // The version column is the flush's own: checked against the loaded value and
            // incremented, never written from the object.
            if let Some(v) = version {
                changed.retain(|&c| c != v);
            }
            if !changed.is_empty() {
                drop(inner);
                updates.push((obj, changed));
            }
        }
        // Kept in `updates` until written: a failed flush undoes or hands them back.
        self.updates = updates;
        self.inserted.clear();
        self.inserts = std::mem::take(&mut self.pending);
        self.deletes = std::mem::take(&mut self.deleting);
        Ok(Work {
            inserts: !self.inserts.is_empty(),
            updates: !self.updates.is_empty(),
            deletes: !self.deletes.is_empty(),
        })
    }

    fn insert<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        deferred: &'a [usize],
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.run_inserts(tx, deferred, level))
    }

    fn update<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        deferred: &'a [usize],
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.run_updates(tx, deferred, level))
    }

    fn post_update<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        deferred: &'a [usize],
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.run_post_update(tx, deferred, level))
    }

    fn delete<'a>(
        &'a mut self,
        tx: &'a mut Transaction<'static>,
        level: usize,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.run_deletes(tx, level))
    }

    fn abandon(&mut self) {
        let mut pending = std::mem::take(&mut self.inserts);
        pending.append(&mut self.pending);
        self.pending = pending;
        let deletes = std::mem::take(&mut self.deletes);
        self.deleting.extend(deletes);
        // Changed objects go back on the touched list for the next flush.
        let mut list = self.touched.lock().unwrap_or_else(|e| e.into_inner());
        for (obj, _) in self.updates.drain(..) {
            obj.lock().touched = true;
            list.push(obj);
        }
    }

    fn committed(&mut self, expire: bool) {
        for obj in std::mem::take(&mut self.saved) {
            let mut inner = obj.lock();
            inner.saved.clear();
        }
        for obj in self.map.values() {
            let mut inner = obj.lock();
            inner.new_in_tx = false;
            if expire {
                inner.expired = true;
            }
        }
        for obj in std::mem::take(&mut self.gone) {
            let mut inner = obj.lock();
            inner.state = ObjectState::Detached;
            inner.owner = None;
            inner.key = None;
            inner.new_in_tx = false;
        }
    }

    fn rolled_back(&mut self, level: usize) {
        // Work a failed flush did not get to.
        let unflushed = std::mem::take(&mut self.inserts);
        self.pending.extend(unflushed);
        let undeleted = std::mem::take(&mut self.deletes);
        self.deleting.extend(undeleted);
        // Changes a failed flush did not write are undone, like unflushed ones below.
        for (obj, _) in std::mem::take(&mut self.updates) {
            let mut inner = obj.lock();
            if let Some(loaded) = inner.loaded.take() {
                inner.value = loaded;
            }
        }
        self.inserted.clear();
        // Unflushed changes made inside the savepoint are undone.
        let touched = std::mem::take(&mut *self.touched.lock().unwrap_or_else(|e| e.into_inner()));
        for obj in touched {
            let mut inner = obj.lock();
            inner.touched = false;
            if let Some(loaded) = inner.loaded.take() {
                inner.value = loaded;
            }
        }
        for obj in std::mem::take(&mut self.deleting) {
            let mut inner = obj.lock();
            if inner.state == ObjectState::Deleted {
                inner.state = ObjectState::Persistent;
            }
        }
        for obj in std::mem::take(&mut self.pending) {
            let mut inner = obj.lock();
            self.forget(&mut inner, &obj);
        }
        self.restore(level);
        if level == 0 {
            // The transaction is gone: what was inserted in it is not in the database, and
            // what was loaded may have changed since.
            let new: Vec<Obj<T>> = self
                .map
                .values()
                .filter(|o| o.lock().new_in_tx)
                .cloned()
                .collect();
            for obj in new {
                let mut inner = obj.lock();
                self.forget(&mut inner, &obj);
            }
            self.expire_all();
        }
    }

    fn released(&mut self, level: usize) {
        for obj in &self.saved {
            let mut inner = obj.lock();
            let n = inner.saved.len();
            if n >= 2 && inner.saved[n - 1].level >= level && inner.saved[n - 2].level >= level - 1
            {
                // The outer savepoint's copy is older: it is the one to keep.
                inner.saved.pop();
            } else if let Some(last) = inner.saved.last_mut()
                && last.level >= level
            {
                last.level = level - 1;
            }
        }
    }

    fn expire_all(&mut self) {
        for obj in self.map.values() {
            obj.lock().expired = true;
        }
    }

    fn expunge_all(&mut self) {
        let all: Vec<Obj<T>> = self
            .map
            .values()
            .cloned()
            .chain(self.pending.iter().cloned())
            .chain(self.deleting.iter().cloned())
            .chain(self.gone.iter().cloned())
            .collect();
        for obj in all {
            let mut inner = obj.lock();
            self.forget(&mut inner, &obj);
        }
        self.saved.clear();
    }

    fn len(&self) -> usize {
        self.map.len() + self.pending.len()
    }
}

/// The foreign keys between tables of one flush, for ordering it.
pub(crate) struct Edge {
    pub(crate) child: usize,
    pub(crate) parent: usize,
    /// The child's columns, all nullable: the edge can be broken by writing them later.
    pub(crate) nullable: Option<Vec<usize>>,
    pub(crate) name: &'static str,
}

/// Foreign keys from `tables[i]` to `tables[j]` (i != j), leaving out deferred ones (the
/// server checks those at commit, so the order does not matter).
pub(crate) fn edges(tables: &[&'static TableDef]) -> Vec<Edge> {
    let mut out = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        for c in t.constraints {
            let ConstraintDef::ForeignKey(fk) = c else {
                continue;
            };
            if matches!(fk.deferrable, Deferrable::InitiallyDeferred) {
                continue;
            }
            let FkTarget::Model(f) = fk.target else {
                continue;
            };
            let target = f();
            let Some(j) = tables
                .iter()
                .position(|u| u.name == target.name && u.schema == target.schema)
            else {
                continue;
            };
            if i == j {
                continue;
            }
            let cols: Vec<usize> = fk
                .columns
                .iter()
                .filter_map(|c| t.column_index(c))
                .collect();
            let nullable = cols.iter().all(|&c| t.columns[c].nullable).then_some(cols);
            out.push(Edge {
                child: i,
                parent: j,
                nullable,
                name: fk.name,
            });
        }
    }
    out
}

/// Orders tables parents-first. A cycle is broken at a foreign key whose columns are all
/// nullable (returned: those columns are written by a second UPDATE after the INSERTs);
/// a cycle without one is an error naming the tables.
pub(crate) fn order(
    tables: &[&'static TableDef],
) -> Result<(Vec<usize>, Vec<(usize, Vec<usize>)>), Error> {
    let mut edges = edges(tables);
    let mut deferred: Vec<(usize, Vec<usize>)> = Vec::new();
    loop {
        let n = tables.len();
        let mut indegree = vec![0usize; n];
        for e in &edges {
            indegree[e.child] += 1;
        }
        let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut out = Vec::with_capacity(n);
        let mut done = vec![false; n];
        while let Some(i) = ready.first().copied() {
            ready.remove(0);
            done[i] = true;
            out.push(i);
            for e in edges.iter().filter(|e| e.parent == i) {
                indegree[e.child] -= 1;
                if indegree[e.child] == 0 {
                    ready.push(e.child);
                }
            }
        }
        if out.len() == n {
            return Ok((out, deferred));
        }
        // A cycle among the tables not done: break it at a nullable foreign key.
        let stuck: Vec<usize> = (0..n).filter(|&i| !done[i]).collect();
        let breakable = edges.iter().position(|e| {
            stuck.contains(&e.child) && stuck.contains(&e.parent) && e.nullable.is_some()
        });
        match breakable {
            Some(pos) => {
                let e = edges.remove(pos);
                if let Some(cols) = e.nullable {
                    match deferred.iter_mut().find(|(t, _)| *t == e.child) {
                        Some((_, list)) => list.extend(cols),
                        None => deferred.push((e.child, cols)),
                    }
                }
            }
            None => {
                let names: Vec<String> =
                    stuck.iter().map(|&i| tables[i].qualified_name()).collect();
                let fks: Vec<&str> = edges
                    .iter()
                    .filter(|e| stuck.contains(&e.child) && stuck.contains(&e.parent))
                    .map(|e| e.name)
                    .collect();
                return Err(Error::Session(format!(
                    "cannot order the flush: tables {} reference each other through NOT NULL foreign keys ({}); make one of them nullable or DEFERRABLE INITIALLY DEFERRED",
                    names.join(", "),
                    fks.join(", ")
                )));
            }
        }
    }
}
