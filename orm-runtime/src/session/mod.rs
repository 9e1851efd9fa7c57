//! [`Session`]: a unit of work with an identity map, as SQLAlchemy users know it.
//!
//! ```no_run
//! # use orm_core::__doc::Account;
//! use orm_core::prelude::*;
//! use orm_runtime::{Database, Error};
//!
//! # async fn run(db: Database) -> Result<(), Error> {
//! let mut s = db.session();
//! let ann = s.add(Account { id: 0, owner_id: None, name: "Ann".into(), balance: 10 })?;
//! s.commit().await?; // INSERT .. RETURNING "id": ann's id is filled in
//!
//! let rich = s.all(&Account::query().filter(Account::BALANCE.gt(5_i64))).await?;
//! assert!(rich[0].ptr_eq(&ann)); // the same row is the same object
//! ann.edit(|a| a.balance += 5);
//! s.commit().await?; // UPDATE "accounts" SET "balance" = $1 WHERE "id" = $2
//! # Ok(()) }
//! ```
//!
//! # Lifecycle
//! A session is cheap to make ([`Database::session`]). At its first statement it takes a
//! pooled connection and opens a transaction (autobegin), and holds both until
//! [`commit`](Session::commit), [`rollback`](Session::rollback) or drop (which rolls back
//! and returns the connection to the pool clean). Every method takes `&mut self`, so one
//! session cannot be used by two tasks at once; it is `Send`, so a web handler can own one
//! per request.
//!
//! # Objects
//! [`add`](Session::add) makes an object pending and returns its [`Obj`] handle; the next
//! flush INSERTs it and brings back what the server made (identity keys, versions,
//! `omit_on_insert` defaults). Every query that returns model rows goes through the
//! identity map: one object per primary key, and an object already loaded keeps its values
//! (and unflushed changes), except under `FOR UPDATE/SHARE`, whose locked row overwrites
//! every column the object has not changed. [`get`](Session::get) answers from the map
//! without a query when it can.
//!
//! # Flush
//! Before every query (autoflush), and at commit: changed columns only, per object, by
//! comparing with the row as loaded; INSERTs and UPDATEs batched per table (one statement
//! for any number of rows, see [`orm_core::flush`]), tables in foreign-key order, DELETEs
//! children-first. `version` columns are checked and incremented; a row that no longer
//! matches is an [`Error::StaleData`]. A failed flush rolls the transaction back: nothing
//! of it is written, and the session asks for [`rollback`](Session::rollback) before going
//! on.
//!
//! # Decisions
//! - **The handle.** An [`Obj<T>`] is an `Arc` of one entry behind a `std` mutex; reading
//!   and writing go through guards that are not `Send` (so none lives across an `.await` in
//!   a task) or through closures (`with`, `edit`). `cloned()` gives a plain copy.
//! - **Dirty tracking.** `write()`/`edit()` put the object on the session's list of
//!   objects to check; a flush compares only those, column by column, so a session holding
//!   100,000 untouched objects flushes in no time.
//! - **Generated keys of pending objects.** Fields the server fills (`identity`,
//!   `sequence`, `version`, `generated`, `omit_on_insert`) hold any value (typically
//!   `Default::default()`) until the flush writes the server's value into them; it is
//!   never sent.
//! - **Rollback** (SQLAlchemy's rule): pending objects and objects inserted in the rolled
//!   back transaction are expunged; objects written in it get back the values they had
//!   before; every persistent object is expired (its next load overwrites it).

mod object;
mod unit;

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_core::Stream;
use futures_util::StreamExt;
use orm_core::flush;
use orm_core::query::{
    ConflictTarget, CursorQuery, Delete, NoReturning, ReturnsRows, Statement, UniqueKey, Update,
    insert,
};
use orm_core::row::FromRow;
use orm_core::types::SqlType;

pub use object::{ColumnHistory, Obj, ObjectState, Ref, RefMut};
pub use unit::SessionModel;
use unit::{AnyUnit, Unit, run_rows};

use crate::database::Database;
use crate::error::Error;
use crate::executor::Executor;
use crate::options::TransactionOptions;
use crate::transaction::Transaction;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// How a [`Session`] behaves; `SessionOptions::default()` is autoflush on, expire on
/// commit off, and the database's default transaction options.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    transaction: Option<TransactionOptions>,
    autoflush: bool,
    expire_on_commit: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            transaction: None,
            autoflush: true,
            expire_on_commit: false,
        }
    }
}

impl SessionOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The transactions the session opens: isolation level, READ ONLY, DEFERRABLE.
    pub fn transaction(mut self, options: TransactionOptions) -> Self {
        self.transaction = Some(options);
        self
    }

    /// Flush before every query the session runs (default on), so queries see the
    /// session's own changes.
    pub fn autoflush(mut self, on: bool) -> Self {
        self.autoflush = on;
        self
    }

    /// Mark every object expired after a commit (default off: values stay readable, and a
    /// re-read is always explicit).
    pub fn expire_on_commit(mut self, on: bool) -> Self {
        self.expire_on_commit = on;
        self
    }
}

/// A unit of work with an identity map; see the [module docs](self).
pub struct Session {
    db: Database,
    options: SessionOptions,
    id: u64,
    tx: Option<Transaction<'static>>,
    units: Vec<Box<dyn AnyUnit>>,
    index: HashMap<TypeId, usize>,
    /// Open savepoints (`begin_nested`), innermost last.
    nested: Vec<String>,
    /// Why the transaction was rolled back under the user (a failed flush).
    failed: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("in_transaction", &self.tx.is_some())
            .field("nested", &self.nested.len())
            .field("objects", &self.len())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// A new [`Session`]; cheap: no connection is taken until its first statement.
    pub fn session(&self) -> Session {
        self.session_with(SessionOptions::default())
    }

    /// A new [`Session`] with options.
    pub fn session_with(&self, options: SessionOptions) -> Session {
        Session {
            db: self.clone(),
            options,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            tx: None,
            units: Vec::new(),
            index: HashMap::new(),
            nested: Vec::new(),
            failed: None,
        }
    }
}

impl Session {
    fn unit<T: SessionModel>(&mut self) -> &mut Unit<T> {
        let id = self.id;
        let n = *self.index.entry(TypeId::of::<T>()).or_insert_with(|| {
            self.units.push(Box::new(Unit::<T>::new(id)));
            self.units.len() - 1
        });
        match self.units[n].as_any().downcast_mut::<Unit<T>>() {
            Some(u) => u,
            None => unreachable!("units are indexed by their type"),
        }
    }

    fn check(&self) -> Result<(), Error> {
        match &self.failed {
            Some(why) => Err(Error::Session(format!(
                "the session's transaction was rolled back after a failed flush ({why}); call rollback() to go on"
            ))),
            None => Ok(()),
        }
    }

    /// The open transaction, begun now if there is none (autobegin).
    async fn begin(&mut self) -> Result<&mut Transaction<'static>, Error> {
        self.check()?;
        if self.tx.is_none() {
            let options = self
                .options
                .transaction
                .unwrap_or(self.db.options().transaction);
            self.tx = Some(self.db.transaction_with(options).await?);
        }
        match self.tx.as_mut() {
            Some(tx) => Ok(tx),
            None => unreachable!("just begun"),
        }
    }

    /// The rows with these keys, in the session's transaction (no autoflush).
    async fn load<T: SessionModel>(&mut self, keys: &[T::Key]) -> Result<Vec<T>, Error> {
        let all: Vec<usize> = (0..T::TABLE.columns.len()).collect();
        let keys: Vec<_> = keys.iter().map(T::key_params).collect();
        let sql = flush::select_by_keys(T::TABLE, &all, &keys);
        let rows = run_rows(self.begin().await?, &sql).await?;
        rows.iter().map(decode::<T>).collect()
    }

    async fn autoflush(&mut self) -> Result<(), Error> {
        if self.options.autoflush {
            self.flush().await
        } else {
            self.check()
        }
    }

    /// Objects in the identity map plus pending ones.
    pub fn len(&self) -> usize {
        self.units.iter().map(|u| u.len()).sum()
    }

    /// Whether the session holds no object.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    /// Adds a new object: pending until the next flush INSERTs it.
    pub fn add<T: SessionModel>(&mut self, value: T) -> Result<Obj<T>, Error> {
        let obj = Obj::new(value);
        self.unit::<T>().add(&obj)?;
        Ok(obj)
    }

    /// Adds objects (see [`add`](Session::add)); they are INSERTed in this order, in one
    /// statement per table.
    pub fn add_all<T: SessionModel>(
        &mut self,
        values: impl IntoIterator<Item = T>,
    ) -> Result<Vec<Obj<T>>, Error> {
        values.into_iter().map(|v| self.add(v)).collect()
    }

    /// Takes in a transient handle (one made with [`Obj::new`], or expunged before it was
    /// written) as pending; a handle already in this session is left as it is (a deleted
    /// one not flushed yet is un-deleted).
    pub fn add_obj<T: SessionModel>(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        self.unit::<T>().add(obj)
    }

    /// Marks an object for deletion at the next flush (a pending one is just dropped from
    /// the session).
    pub fn delete<T: SessionModel>(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        self.unit::<T>().delete(obj)
    }

    /// Takes an object out of the session: nothing of it is flushed, and it is detached
    /// (transient if it had no row).
    pub fn expunge<T: SessionModel>(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        self.unit::<T>().expunge(obj)
    }

    /// Takes every object out of the session.
    pub fn expunge_all(&mut self) {
        for u in &mut self.units {
            u.expunge_all();
        }
    }

    /// Marks an object expired: the next query or `get` returning its row overwrites the
    /// columns it has not changed, and `get` goes to the database for it.
    pub fn expire<T: SessionModel>(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        obj.try_lock()?.expired = true;
        Ok(())
    }

    /// Marks every object expired.
    pub fn expire_all(&mut self) {
        for u in &mut self.units {
            u.expire_all();
        }
    }

    /// Whether the object is in this session (pending, persistent or deleted).
    pub fn contains<T: SessionModel>(&self, obj: &Obj<T>) -> bool {
        let id = self.id;
        obj.lock().owner.as_ref().is_some_and(|(o, _)| *o == id)
    }

    /// The object with this primary key: from the identity map without a query when it is
    /// there and not expired, else `SELECT .. WHERE key = $1`. `None` when there is no
    /// such row (or the object is deleted in this session).
    pub async fn get<T: SessionModel>(&mut self, key: T::Key) -> Result<Option<Obj<T>>, Error> {
        self.check()?;
        if let Some(obj) = self.unit::<T>().map.get(&key) {
            let inner = obj.try_lock()?;
            if inner.state == ObjectState::Deleted {
                return Ok(None);
            }
            if !inner.expired && inner.state == ObjectState::Persistent {
                drop(inner);
                return Ok(Some(obj.clone()));
            }
        }
        self.autoflush().await?;
        match self.load::<T>(&[key]).await?.pop() {
            Some(value) => Ok(Some(self.unit::<T>().absorb(value, false)?)),
            None => Ok(None),
        }
    }

    /// Runs a query whose rows are `T` models and returns their objects, through the
    /// identity map (see the [module docs](self)). Autoflushes first.
    pub async fn all<T, Q>(&mut self, query: &Q) -> Result<Vec<Obj<T>>, Error>
    where
        T: SessionModel,
        Q: ReturnsRows<Selection = T> + Sync + ?Sized,
    {
        self.autoflush().await?;
        let fresh = query.locks_rows();
        let tx = self.begin().await?;
        let rows: Vec<T> = tx.query(query).await?;
        let unit = self.unit::<T>();
        unit.reserve(rows.len());
        rows.into_iter().map(|r| unit.absorb(r, fresh)).collect()
    }

    /// Like [`all`](Session::all), for exactly one row: [`Error::RowNotFound`] when there
    /// is none.
    pub async fn one<T, Q>(&mut self, query: &Q) -> Result<Obj<T>, Error>
    where
        T: SessionModel,
        Q: ReturnsRows<Selection = T> + Sync + ?Sized,
    {
        self.optional(query).await?.ok_or(Error::RowNotFound)
    }

    /// Like [`all`](Session::all), for the first row if any.
    pub async fn optional<T, Q>(&mut self, query: &Q) -> Result<Option<Obj<T>>, Error>
    where
        T: SessionModel,
        Q: ReturnsRows<Selection = T> + Sync + ?Sized,
    {
        self.autoflush().await?;
        let fresh = query.locks_rows();
        let tx = self.begin().await?;
        let row: Option<T> = tx.query_opt(query).await?;
        match row {
            Some(r) => Ok(Some(self.unit::<T>().absorb(r, fresh)?)),
            None => Ok(None),
        }
    }

    /// Runs a query of one column and returns its first row's value (autoflushes first).
    pub async fn scalar<R, Q>(&mut self, query: &Q) -> Result<R, Error>
    where
        Q: ReturnsRows + Sync + ?Sized,
        Q::Selection: SqlType,
        R: FromRow<Q::Selection> + Send,
    {
        self.autoflush().await?;
        self.begin().await?.query_scalar(query).await
    }

    /// Runs any row-returning statement in the session's transaction and decodes the rows
    /// as they are, without the identity map (tuples, columns, aggregates). Autoflushes
    /// first.
    pub async fn rows<R, Q>(&mut self, query: &Q) -> Result<Vec<R>, Error>
    where
        Q: ReturnsRows + Sync + ?Sized,
        R: FromRow<Q::Selection> + Send,
    {
        self.autoflush().await?;
        self.begin().await?.query(query).await
    }

    /// Streams a query's `T` rows as objects through the identity map, fetched from a
    /// server-side cursor `batch` rows at a time, so memory stays flat (the objects stay
    /// in the identity map as long as the session holds them: `expunge` what is done).
    pub async fn stream<'s, T, Q>(
        &'s mut self,
        query: &Q,
        batch: u32,
    ) -> Result<impl Stream<Item = Result<Obj<T>, Error>> + Send + 's, Error>
    where
        T: SessionModel,
        Q: CursorQuery<Selection = T> + ?Sized,
    {
        self.autoflush().await?;
        let fresh = query.locks_rows();
        self.begin().await?;
        self.unit::<T>();
        let Session {
            tx, units, index, ..
        } = self;
        let Some(tx) = tx.as_mut() else {
            return Err(Error::Session("no transaction".into()));
        };
        let Some(unit) = index
            .get(&TypeId::of::<T>())
            .and_then(|&n| units.get_mut(n))
            .and_then(|u| u.as_any().downcast_mut::<Unit<T>>())
        else {
            return Err(Error::Session("unit type mismatch".into()));
        };
        let rows = tx.stream::<T, Q>(query, batch);
        Ok(rows.map(move |r| r.and_then(|row| unit.absorb(row, fresh))))
    }

    /// Runs an INSERT, UPDATE or DELETE statement of the core builders in the session's
    /// transaction (autoflushing first) and keeps the identity map honest, like
    /// SQLAlchemy's `synchronize_session`: the rows an UPDATE changed overwrite the columns
    /// their loaded objects have not changed, and objects whose rows a DELETE removed
    /// become deleted. Returns the number of rows affected.
    pub async fn execute<S: SessionStatement>(&mut self, statement: &S) -> Result<u64, Error> {
        self.autoflush().await?;
        self.begin().await?;
        statement.run_in(self).await
    }

    /// Reloads an object from its row now, discarding its unflushed changes.
    /// [`Error::RowNotFound`] when the row is gone (the object is then detached).
    pub async fn refresh<T: SessionModel>(&mut self, obj: &Obj<T>) -> Result<(), Error> {
        self.check()?;
        let key = {
            let inner = obj.try_lock()?;
            if !self.unit::<T>().owns(&inner) {
                return Err(Error::Session(format!(
                    "this {} object is not in this session",
                    T::TABLE.rust_name
                )));
            }
            match inner.key.clone() {
                Some(k) => k,
                None => {
                    return Err(Error::Session(format!(
                        "this {} object is pending: it has no row to refresh from",
                        T::TABLE.rust_name
                    )));
                }
            }
        };
        match self.load::<T>(&[key]).await?.pop() {
            Some(value) => {
                let mut inner = obj.try_lock()?;
                inner.value = value;
                inner.loaded = None;
                inner.expired = false;
                Ok(())
            }
            None => {
                self.unit::<T>().expunge(obj)?;
                Err(Error::RowNotFound)
            }
        }
    }

    /// Attaches a detached or foreign copy of a row: loads the session's object for its key
    /// (one SELECT, see [`merge_all`](Session::merge_all)) and copies the given values onto
    /// it, so the next flush writes what differs. A key with no row becomes a pending
    /// object.
    pub async fn merge<T: SessionModel>(&mut self, value: T) -> Result<Obj<T>, Error> {
        let mut out = self.merge_all(vec![value]).await?;
        out.pop()
            .ok_or_else(|| Error::Session("merge returned nothing".into()))
    }

    /// [`merge`](Session::merge) for many objects, with one SELECT for every key the
    /// identity map does not hold (never one per object).
    pub async fn merge_all<T: SessionModel>(
        &mut self,
        values: Vec<T>,
    ) -> Result<Vec<Obj<T>>, Error> {
        self.check()?;
        let unit = self.unit::<T>();
        let mut missing: Vec<T::Key> = Vec::new();
        for v in &values {
            let key = v.key();
            let known = match unit.map.get(&key) {
                Some(o) => !o.try_lock()?.expired,
                None => false,
            };
            if !known && !missing.contains(&key) {
                missing.push(key);
            }
        }
        if !missing.is_empty() {
            self.autoflush().await?;
            let rows = self.load::<T>(&missing).await?;
            let unit = self.unit::<T>();
            for row in rows {
                unit.absorb(row, false)?;
            }
        }
        let version = flush::version_column(T::TABLE);
        let unit = self.unit::<T>();
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            match unit.map.get(&v.key()).cloned() {
                Some(obj) => {
                    // A copy made from an older version of the row would overwrite what
                    // someone else committed since: refused, as a flush would.
                    if let Some(ver) = version {
                        let stale = !obj.read().column_eq(&v, ver);
                        if stale {
                            return Err(unit.stale(
                                "merge",
                                vec![format!("{:?}", v.key())],
                                Vec::new(),
                            ));
                        }
                    }
                    {
                        let mut w = obj.write();
                        for i in 0..T::TABLE.columns.len() {
                            if Some(i) != version && !w.column_eq(&v, i) {
                                w.copy_column(&v, i);
                            }
                        }
                    }
                    out.push(obj);
                }
                None => {
                    let obj = Obj::new(v);
                    unit.add(&obj)?;
                    out.push(obj);
                }
            }
        }
        Ok(out)
    }

    /// `INSERT .. ON CONFLICT (primary key) DO UPDATE` of one object; see
    /// [`upsert_all_on`](Session::upsert_all_on).
    pub async fn upsert<T: SessionModel>(&mut self, value: T) -> Result<Obj<T>, Error> {
        self.upsert_on(value, UniqueKey::<T>::primary_key()).await
    }

    /// `INSERT .. ON CONFLICT (target) DO UPDATE` of one object; see
    /// [`upsert_all_on`](Session::upsert_all_on).
    pub async fn upsert_on<T, K, I>(&mut self, value: T, target: K) -> Result<Obj<T>, Error>
    where
        T: SessionModel,
        K: ConflictTarget<T, I>,
    {
        let mut out = self.upsert_all_on(vec![value], target).await?;
        out.pop()
            .ok_or_else(|| Error::Session("the upsert returned no row".into()))
    }

    /// Upserts objects on their primary key; see [`upsert_all_on`](Session::upsert_all_on).
    pub async fn upsert_all<T: SessionModel>(
        &mut self,
        values: Vec<T>,
    ) -> Result<Vec<Obj<T>>, Error> {
        self.upsert_all_on(values, UniqueKey::<T>::primary_key())
            .await
    }

    /// Writes model objects with `INSERT .. ON CONFLICT (target) DO UPDATE SET` every
    /// written column from `excluded` (and `on_update` columns), in one statement whatever
    /// their number (see [`orm_core::query::conflict`]: a key repeated among `values` is
    /// merged, the last one winning), and puts the resulting rows into the identity map as
    /// persistent objects: an object the session already holds takes the row's values for
    /// every column it has not changed. Returns one object per row written, in the order of
    /// the conflict key (the order the rows are written in, so that concurrent upserts of
    /// overlapping keys do not deadlock). Autoflushes first.
    ///
    /// `target` is a key handle (`User::EMAIL_KEY`), a column or a tuple of them; server-made
    /// columns (an identity key) are not sent, so an existing row keeps its key and a new
    /// one gets a fresh key, and both come back into the objects.
    pub async fn upsert_all_on<T, K, I>(
        &mut self,
        values: Vec<T>,
        target: K,
    ) -> Result<Vec<Obj<T>>, Error>
    where
        T: SessionModel,
        K: ConflictTarget<T, I>,
    {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        self.autoflush().await?;
        let statement = insert::<T>()
            .models(&values)
            .on_conflict(target)
            .do_update()
            .set_all_excluded()
            .returning_model();
        let rows: Vec<T> = self.begin().await?.query(&statement).await?;
        let unit = self.unit::<T>();
        rows.into_iter().map(|r| unit.absorb(r, true)).collect()
    }

    /// Writes every pending change now, in the session's transaction (see the
    /// [module docs](self)). On failure the transaction is rolled back and the session
    /// needs [`rollback`](Session::rollback) before anything else.
    pub async fn flush(&mut self) -> Result<(), Error> {
        self.check()?;
        let mut work = Vec::with_capacity(self.units.len());
        let mut any = false;
        for u in &mut self.units {
            let w = u.plan()?;
            any |= w.any();
            work.push(w);
        }
        if !any {
            return Ok(());
        }
        // Ordering needs no IO: when it fails nothing was sent, so the transaction and the
        // planned work stay as they were.
        let active: Vec<usize> = (0..work.len()).filter(|&i| work[i].any()).collect();
        let tables: Vec<_> = active.iter().map(|&i| self.units[i].table()).collect();
        let plan = match unit::order(&tables) {
            Ok(plan) => plan,
            Err(e) => {
                for u in &mut self.units {
                    u.abandon();
                }
                return Err(e);
            }
        };
        let result = self.run_flush(&work, &active, plan).await;
        if let Err(e) = &result {
            self.failed = Some(e.to_string());
            self.nested.clear();
            if let Some(tx) = self.tx.take() {
                // The error is what matters; a failed ROLLBACK closes the connection.
                let _ = tx.rollback().await;
            }
        }
        result
    }

    async fn run_flush(
        &mut self,
        work: &[unit::Work],
        active: &[usize],
        (order, deferred): (Vec<usize>, Vec<(usize, Vec<usize>)>),
    ) -> Result<(), Error> {
        let level = self.nested.len();
        self.begin().await?;
        let Session { tx, units, .. } = self;
        let Some(tx) = tx.as_mut() else {
            return Err(Error::Session("no transaction".into()));
        };
        let cols_of = |t: usize| -> &[usize] {
            deferred
                .iter()
                .find(|(d, _)| *d == t)
                .map(|(_, c)| c.as_slice())
                .unwrap_or(&[])
        };
        for &t in &order {
            let u = active[t];
            if work[u].inserts {
                units[u].insert(tx, cols_of(t), level).await?;
            }
            if work[u].updates {
                units[u].update(tx, cols_of(t), level).await?;
            }
        }
        // The foreign keys held back to break a cycle, now that every row exists.
        for (t, cols) in &deferred {
            units[active[*t]].post_update(tx, cols, level).await?;
        }
        for &t in order.iter().rev() {
            let u = active[t];
            if work[u].deletes {
                units[u].delete(tx, level).await?;
            }
        }
        Ok(())
    }

    /// Flushes and commits. Objects stay readable (and, unless `expire_on_commit`, are not
    /// expired); deleted ones become detached. The connection goes back to the pool; the
    /// next statement begins a new transaction.
    pub async fn commit(&mut self) -> Result<(), Error> {
        self.flush().await?;
        let Some(tx) = self.tx.take() else {
            // Nothing was ever sent: nothing to commit.
            for u in &mut self.units {
                u.committed(self.options.expire_on_commit);
            }
            return Ok(());
        };
        self.nested.clear();
        match tx.commit().await {
            Ok(()) => {
                for u in &mut self.units {
                    u.committed(self.options.expire_on_commit);
                }
                Ok(())
            }
            Err(e) => {
                for u in &mut self.units {
                    u.rolled_back(0);
                }
                Err(e)
            }
        }
    }

    /// Rolls back the transaction (and its savepoints). Pending objects and those inserted
    /// in it are expunged, objects written in it get their earlier values back, and every
    /// persistent object is expired.
    pub async fn rollback(&mut self) -> Result<(), Error> {
        self.failed = None;
        self.nested.clear();
        let result = match self.tx.take() {
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        };
        for u in &mut self.units {
            u.rolled_back(0);
        }
        result
    }

    /// Opens a savepoint (flushing first): [`rollback_nested`](Session::rollback_nested)
    /// then undoes everything since, in the database and in the session's objects.
    pub async fn begin_nested(&mut self) -> Result<(), Error> {
        self.flush().await?;
        let name = self.begin().await?.open_savepoint().await?;
        self.nested.push(name);
        Ok(())
    }

    /// Releases the innermost savepoint (flushing first): its work becomes part of the
    /// enclosing transaction.
    pub async fn commit_nested(&mut self) -> Result<(), Error> {
        self.flush().await?;
        let level = self.nested.len();
        let Some(name) = self.nested.pop() else {
            return Err(Error::Session("no savepoint is open (begin_nested)".into()));
        };
        let tx = self.begin().await?;
        tx.release_savepoint(&name).await?;
        for u in &mut self.units {
            u.released(level);
        }
        Ok(())
    }

    /// Rolls back the innermost savepoint: the database goes back to where it was when it
    /// began, and so do the session's objects (objects added inside it are expunged,
    /// changes made inside it are undone).
    pub async fn rollback_nested(&mut self) -> Result<(), Error> {
        self.check()?;
        let level = self.nested.len();
        let Some(name) = self.nested.pop() else {
            return Err(Error::Session("no savepoint is open (begin_nested)".into()));
        };
        let tx = self.begin().await?;
        tx.rollback_savepoint(&name).await?;
        for u in &mut self.units {
            u.rolled_back(level);
        }
        Ok(())
    }

    /// Rolls back and takes every object out of the session; the session can be used
    /// again afterwards.
    pub async fn close(&mut self) -> Result<(), Error> {
        let result = self.rollback().await;
        self.expunge_all();
        result
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The transaction rolls back as it drops; objects still held elsewhere become
        // detached so no later session mistakes them for its own.
        self.expunge_all();
    }
}

fn decode<T: SessionModel>(row: &tokio_postgres::Row) -> Result<T, Error> {
    crate::executor::decode_row::<T, T>(row)
}

/// Statements [`Session::execute`] runs: the core's INSERT, UPDATE and DELETE builders.
pub trait SessionStatement: Statement + Sync {
    /// Runs in the session's (open) transaction and keeps its identity map honest.
    fn run_in(
        &self,
        session: &mut Session,
    ) -> impl std::future::Future<Output = Result<u64, Error>> + Send;
}

impl<T: orm_core::metadata::Table> SessionStatement for orm_core::query::Insert<T, NoReturning> {
    async fn run_in(&self, session: &mut Session) -> Result<u64, Error> {
        session.begin().await?.execute(self).await
    }
}

impl<T, L> SessionStatement for Update<T, L, NoReturning>
where
    T: SessionModel,
    L: Send + Sync + 'static,
{
    async fn run_in(&self, session: &mut Session) -> Result<u64, Error> {
        let returning = self.clone().returning_model();
        let rows: Vec<T> = session.begin().await?.query(&returning).await?;
        let n = rows.len() as u64;
        let unit = session.unit::<T>();
        for row in rows {
            if unit.map.contains_key(&row.key()) {
                unit.absorb(row, true)?;
            }
        }
        Ok(n)
    }
}

impl<T, L> SessionStatement for Delete<T, L, NoReturning>
where
    T: SessionModel,
    L: Send + Sync + 'static,
{
    async fn run_in(&self, session: &mut Session) -> Result<u64, Error> {
        let returning = self.clone().returning_model();
        let rows: Vec<T> = session.begin().await?.query(&returning).await?;
        let n = rows.len() as u64;
        let level = session.nested.len();
        let unit = session.unit::<T>();
        for row in rows {
            if let Some(obj) = unit.map.get(&row.key()).cloned() {
                unit.deleted_by_statement(&obj, level)?;
            }
        }
        Ok(n)
    }
}
