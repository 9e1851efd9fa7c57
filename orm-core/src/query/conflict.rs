//! `INSERT .. ON CONFLICT` (upsert): conflict targets, `DO NOTHING` / `DO UPDATE`, the
//! `excluded` row, the inserted-or-updated flag, and bulk upserts sent as arrays.
//!
//! Start from any [`insert`](super::insert) and call [`Insert::on_conflict`] with a target
//! (then [`OnConflict::do_nothing`], [`OnConflict::do_update`] or
//! [`OnConflict::do_return_existing`]), or [`Insert::on_conflict_do_nothing`] without one.
//! `DO UPDATE` exists only on [`OnConflict`], so an update without a target does not compile.
//!
//! ```
//! # use orm_core::prelude::*;
//! # use orm_core::__doc::*;
//! let q = insert::<Account>()
//!     .set(Account::ID, 7_i64)
//!     .set(Account::NAME, "Ann")
//!     .set(Account::BALANCE, 10_i64)
//!     .on_conflict(Account::ID)
//!     .do_update()
//!     .set(Account::BALANCE, Account::BALANCE + excluded(Account::BALANCE))
//!     .returning((Account::BALANCE, inserted::<Account>()));
//! assert_eq!(
//!     q.to_sql().sql(),
//!     r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "balance" = "accounts"."balance" + "excluded"."balance" RETURNING "accounts"."balance", ("accounts"."xmax" = 0)"#
//! );
//! ```
//!
//! # Targets
//!
//! A target is a column (`Account::ID`), a tuple of columns, an expression over the table's
//! columns (`lower(User::EMAIL)`, for an expression index), a key handle the derive emits for
//! the model's primary key, UNIQUE constraints and unique indexes (`User::PKEY`,
//! `User::EMAIL_KEY`, `User::EMAIL_IDX`: a handle cannot name a key the model does not have),
//! or a constraint by name ([`constraint`]). Constraint handles render `ON CONSTRAINT
//! "name"`; PostgreSQL does not accept index names there, so a unique index handle renders
//! the index's own elements (with their collation and operator class) and its `WHERE`
//! predicate, which is what makes PostgreSQL pick that index. [`OnConflict::index_where`] adds
//! a predicate for a partial index by hand; write it without bound values (e.g. `IS NULL`),
//! since PostgreSQL proves the index predicate from the statement text.
//!
//! # `on_update` columns
//!
//! `DO UPDATE` is an UPDATE: columns declared with `#[mapped(on_update = ..)]` (an
//! `updated_at`) are set by it, as by [`update`](super::update), unless the upsert sets them
//! itself or calls [`DoUpdate::without_on_update`]. (SQLAlchemy's `on_conflict_do_update`
//! silently skips them; that trap is not repeated here.)
//!
//! # Inserted or updated
//!
//! [`inserted::<T>()`](inserted) is `("t"."xmax" = 0)`: true for a row this statement
//! inserted, false for a row it updated (or, with `do_return_existing`, locked). Caveats: it
//! reads the system column `xmax`, an implementation detail PostgreSQL does not document for
//! this use (it holds the id of a transaction that locked or updated the row version, and
//! a version created by `ON CONFLICT DO UPDATE` carries the updater's id); it works on
//! PostgreSQL 9.5 through 17 as used here, and it is only meaningful in the `RETURNING` of
//! the upsert itself, not in a later SELECT. It cannot be used on a table without system
//! columns (a foreign table).
//!
//! # Every row back: `do_return_existing`
//!
//! `DO NOTHING .. RETURNING` returns only the rows it inserted. To get every input row back
//! (inserted or already there) in one round trip, [`OnConflict::do_return_existing`] renders
//! a no-op update, `DO UPDATE SET "c" = "t"."c"`, which locks the existing row and returns it.
//! The alternative, a CTE `WITH ins AS (INSERT .. DO NOTHING RETURNING ..) SELECT .. UNION
//! ALL SELECT .. FROM t JOIN input ..`, is wrong under concurrency: the SELECT runs on the
//! statement's snapshot, so a row another transaction committed after that snapshot makes
//! the INSERT skip the key while the SELECT cannot see the row, and the row is silently
//! missing from the result. The no-op update waits for and locks the newest row version
//! instead (under READ COMMITTED; under REPEATABLE READ or SERIALIZABLE such a row raises a
//! serialization failure, which is the right answer there). Its costs: it writes a new row
//! version (like any UPDATE: WAL, a dead tuple, `BEFORE/AFTER UPDATE` triggers fire), and it
//! does not set `on_update` columns, since nothing changed.
//!
//! # Many rows: arrays, merged keys, lock order
//!
//! An upsert of more than one row whose values are all plain values sends each column as
//! one array and reads the rows back with `unnest`, so any number of rows is one statement
//! with one parameter per column (never near PostgreSQL's 65,535-parameter limit) and one
//! prepared plan whatever the row count:
//!
//! ```text
//! INSERT INTO "accounts" ("id", "name", "balance")
//! SELECT DISTINCT ON ("id") "id", "name", "balance"
//! FROM unnest($1::BIGINT[], $2::TEXT[], $3::BIGINT[]) WITH ORDINALITY AS "input"("id", "name", "balance", "__mapped_ord")
//! ORDER BY "id", "__mapped_ord" DESC
//! ON CONFLICT ("id") DO UPDATE SET ..
//! ```
//!
//! When the target's key is known (columns, expressions, key handles; not [`constraint`] by
//! name), rows are merged and sorted by it on the server:
//!
//! - **A key that appears more than once is merged: the last row wins** for `DO UPDATE` and
//!   `do_return_existing`, the first for `DO NOTHING` (which is what PostgreSQL does anyway).
//!   PostgreSQL itself would refuse the `DO UPDATE` ("command cannot affect row a second
//!   time"). Keys are compared as `DISTINCT ON` compares them (the type's default equality);
//!   rows whose key has a NULL, or that fall outside a partial index's predicate, never
//!   conflict and are never merged.
//! - **Rows are written in key order**, so concurrent upserts of overlapping keys lock rows in
//!   the same order and do not deadlock each other. `RETURNING` therefore comes in key order,
//!   not input order: match returned rows by key.
//!
//! Rows with SQL expressions among their values, or columns of array type (which `unnest`
//! would flatten), are sent as `(VALUES ($1::BIGINT, .., 1), ..)` in the same merging
//! subquery, within the parameter limit. With a key that is not known ([`constraint`] by
//! name) they are sent as a plain `VALUES` list, and a key repeated in it fails as
//! PostgreSQL reports it.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::marker::PhantomData;

use bytes::{BufMut, BytesMut};
use postgres_types::{IsNull, Kind, ToSql, Type, to_sql_checked};

use super::dml::{Insert, Returning};
use super::select::SelectList;
use super::{InvalidStatement, ReturnsRows, Statement};
use crate::column::Column;
use crate::expr::{Assign, Expr, Expression, Node, Qualifier};
use crate::metadata::{ConstraintDef, DdlType, IndexTarget, OnUpdate, Table, TableDef, TableRef};
use crate::scope::{Cons, Nil, TablesIn};
use crate::types::{Bool, BoolType, SqlType};
use crate::value::Param;
use crate::writer::{CompiledSql, QueryFragment, SqlWriter};

/// The row proposed for insertion, `excluded` in `DO UPDATE`: `Column<Excluded<User>, ST>`
/// renders `"excluded"."col"`. Get its columns with [`excluded`] or [`Column::excluded`].
pub struct Excluded<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for Excluded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Excluded")
    }
}

impl<T: Table> Table for Excluded<T> {
    const TABLE: &'static TableDef = T::TABLE;
    const ALIAS: Option<&'static str> = Some("excluded");
}

/// `excluded."col"`: the value the conflicting row proposed for `column`, usable in
/// [`DoUpdate::set`] and [`DoUpdate::filter`] and type-checked like the column itself.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = excluded(Account::NAME).into_expr().to_sql();
/// assert_eq!(sql.sql(), r#""excluded"."name""#);
/// assert!(sql.params().is_empty());
/// ```
pub const fn excluded<T, ST>(column: Column<T, ST>) -> Column<Excluded<T>, ST> {
    Column::new(column.name(), column.index())
}

/// `("t"."xmax" = 0)`: in an upsert's `RETURNING`, true for a row the statement inserted and
/// false for one it updated; see the [module docs](self#inserted-or-updated) for its caveats.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = inserted::<Account>().to_sql();
/// assert_eq!(sql.sql(), r#"("accounts"."xmax" = 0)"#);
/// assert!(sql.params().is_empty());
/// ```
pub fn inserted<T: Table>() -> Expr<Bool, T> {
    // A sequence, not a comparison node: a raw `0` operand would be parenthesized.
    Expr::from_node(Node::Paren(Box::new(Node::Seq(vec![
        Node::Column {
            table: TableRef::of::<T>().qualifier(),
            name: "xmax",
        },
        Node::Raw(Cow::Borrowed(" = 0")),
    ]))))
}

/// What PostgreSQL calls the arbiter of an `ON CONFLICT`: built from a [`ConflictTarget`].
#[derive(Debug, Clone)]
pub struct Arbiter {
    kind: ArbiterKind,
}

#[derive(Debug, Clone)]
enum ArbiterKind {
    /// `(elements) [WHERE predicate]`
    Infer {
        elements: Vec<Element>,
        predicate: Option<Node>,
        /// From a unique index with `NULLS NOT DISTINCT`.
        nulls_not_distinct: bool,
    },
    /// `ON CONSTRAINT name`, with its columns when the model declares it.
    Constraint {
        name: Cow<'static, str>,
        columns: Option<&'static [&'static str]>,
        nulls_not_distinct: bool,
    },
    /// A key handle whose metadata does not hold what it points at (hand-written metadata).
    Broken(String),
}

#[derive(Debug, Clone)]
struct Element {
    node: Node,
    collation: Option<&'static str>,
    opclass: Option<&'static str>,
}

impl Element {
    fn plain(node: Node) -> Self {
        Element {
            node,
            collation: None,
            opclass: None,
        }
    }
}

/// An `ON CONFLICT` target of table `T`. `I` is inferred (it tracks where the target's
/// columns are, as for `filter`); users never write it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an ON CONFLICT target of table `{T}`",
    label = "expected a column or expression of `{T}`, a tuple of them, or a key handle",
    note = "targets are columns of the inserted table (`User::EMAIL`), tuples of them, expressions over them (`lower(User::EMAIL)`), the key handles the derive emits (`User::PKEY`, `User::EMAIL_KEY`), or `constraint(\"name\")`"
)]
pub trait ConflictTarget<T, I> {
    /// The target.
    fn into_arbiter(self) -> Arbiter;
}

impl<T, E, I> ConflictTarget<T, I> for E
where
    T: Table,
    E: Expression,
    E::Tables: TablesIn<Cons<T, Nil>, I>,
{
    fn into_arbiter(self) -> Arbiter {
        infer(vec![Element::plain(self.into_node())])
    }
}

fn infer(elements: Vec<Element>) -> Arbiter {
    Arbiter {
        kind: ArbiterKind::Infer {
            elements,
            predicate: None,
            nulls_not_distinct: false,
        },
    }
}

macro_rules! target_tuples {
    ($(($($e:ident $i:ident),+))*) => {$(
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<T: Table, $($e: Expression, $i,)+> ConflictTarget<T, ($($i,)+)> for ($($e,)+)
        where
            $($e::Tables: TablesIn<Cons<T, Nil>, $i>,)+
        {
            fn into_arbiter(self) -> Arbiter {
                let ($($e,)+) = self;
                infer(vec![$(Element::plain($e.into_node())),+])
            }
        }
    )*};
}
target_tuples! {
    (A IA, B IB)
    (A IA, B IB, C IC)
    (A IA, B IB, C IC, D ID)
    (A IA, B IB, C IC, D ID, E IE)
}

/// A constraint named at run time; see [`constraint`].
#[derive(Debug, Clone)]
pub struct NamedConstraint(Cow<'static, str>);

/// `ON CONFLICT ON CONSTRAINT "name"`, for a constraint the model does not declare (prefer
/// the derive's key handles, which cannot name a missing constraint). Bulk upserts with such
/// a target are not merged by key (the key is unknown).
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = insert::<Account>()
///     .set(Account::NAME, "Ann")
///     .set(Account::BALANCE, 0_i64)
///     .on_conflict(constraint("accounts_name_key"))
///     .do_nothing()
///     .to_sql();
/// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) ON CONFLICT ON CONSTRAINT "accounts_name_key" DO NOTHING"#);
/// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 0) ON CONFLICT ON CONSTRAINT "accounts_name_key" DO NOTHING"#);
/// ```
pub fn constraint(name: impl Into<Cow<'static, str>>) -> NamedConstraint {
    NamedConstraint(name.into())
}

impl<T: Table> ConflictTarget<T, ()> for NamedConstraint {
    fn into_arbiter(self) -> Arbiter {
        Arbiter {
            kind: ArbiterKind::Constraint {
                name: self.0,
                columns: None,
                nulls_not_distinct: false,
            },
        }
    }
}

/// A handle on one of model `T`'s unique keys: its primary key, a UNIQUE constraint or a
/// unique index. The derive emits one associated const per key, named after the key's
/// PostgreSQL name without the table prefix: `User::PKEY` (`users_pkey`),
/// `User::EMAIL_KEY` (`users_email_key`), `User::EMAIL_IDX` (`users_email_idx`).
pub struct UniqueKey<T> {
    kind: KeyKind,
    _marker: PhantomData<fn() -> T>,
}

#[derive(Debug, Clone, Copy)]
enum KeyKind {
    PrimaryKey,
    Constraint(usize),
    Index(usize),
}

impl<T> Clone for UniqueKey<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UniqueKey<T> {}

impl<T> fmt::Debug for UniqueKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UniqueKey").field(&self.kind).finish()
    }
}

impl<T> UniqueKey<T> {
    /// The primary key. The derive calls this.
    pub const fn primary_key() -> Self {
        UniqueKey {
            kind: KeyKind::PrimaryKey,
            _marker: PhantomData,
        }
    }

    /// The UNIQUE constraint at `index` in `T::TABLE.constraints`. The derive calls this.
    pub const fn constraint(index: usize) -> Self {
        UniqueKey {
            kind: KeyKind::Constraint(index),
            _marker: PhantomData,
        }
    }

    /// The unique index at `index` in `T::TABLE.indexes`. The derive calls this.
    pub const fn index(index: usize) -> Self {
        UniqueKey {
            kind: KeyKind::Index(index),
            _marker: PhantomData,
        }
    }
}

impl<T: Table> UniqueKey<T> {
    /// The key's PostgreSQL name (`users_pkey`), if the metadata has it.
    ///
    /// ```
    /// # use orm_core::__doc::*;
    /// assert_eq!(Account::PKEY.name(), Some("accounts_pkey"));
    /// ```
    pub fn name(&self) -> Option<&'static str> {
        let t = T::TABLE;
        match self.kind {
            KeyKind::PrimaryKey => t.primary_key.map(|pk| pk.name),
            KeyKind::Constraint(i) => t.constraints.get(i).map(ConstraintDef::name),
            KeyKind::Index(i) => t.indexes.get(i).map(|ix| ix.name),
        }
    }
}

impl<T: Table> ConflictTarget<T, ()> for UniqueKey<T> {
    fn into_arbiter(self) -> Arbiter {
        let t = T::TABLE;
        let kind = match self.kind {
            KeyKind::PrimaryKey => match &t.primary_key {
                Some(pk) => ArbiterKind::Constraint {
                    name: Cow::Borrowed(pk.name),
                    columns: Some(pk.columns),
                    nulls_not_distinct: true,
                },
                None => ArbiterKind::Broken(format!("table \"{}\" has no primary key", t.name)),
            },
            KeyKind::Constraint(i) => match t.constraints.get(i) {
                Some(ConstraintDef::Unique(u)) => ArbiterKind::Constraint {
                    name: Cow::Borrowed(u.name),
                    columns: Some(u.columns),
                    nulls_not_distinct: u.nulls_not_distinct,
                },
                _ => ArbiterKind::Broken(format!(
                    "constraint {i} of table \"{}\" is not a UNIQUE constraint",
                    t.name
                )),
            },
            KeyKind::Index(i) => match t.indexes.get(i) {
                Some(ix) if ix.unique => ArbiterKind::Infer {
                    elements: ix
                        .elements
                        .iter()
                        .map(|e| Element {
                            node: match e.target {
                                IndexTarget::Column(c) => Node::Column {
                                    table: Qualifier::Table(t),
                                    name: c,
                                },
                                // An index expression is trusted SQL over unqualified columns.
                                IndexTarget::Expr(sql) => {
                                    Node::Paren(Box::new(Node::Raw(Cow::Borrowed(sql))))
                                }
                            },
                            collation: e.collation,
                            opclass: e.opclass,
                        })
                        .collect(),
                    predicate: ix
                        .predicate
                        .map(|p| Node::Paren(Box::new(Node::Raw(Cow::Borrowed(p))))),
                    nulls_not_distinct: ix.nulls_not_distinct,
                },
                _ => ArbiterKind::Broken(format!(
                    "index {i} of table \"{}\" is not a unique index",
                    t.name
                )),
            },
        };
        Arbiter { kind }
    }
}

/// The `ON CONFLICT` clause of an [`Insert`].
#[derive(Debug, Clone)]
pub(super) struct Conflict {
    arbiter: Option<Arbiter>,
    action: Action,
}

#[derive(Debug, Clone)]
enum Action {
    Nothing,
    Update(UpdateAction),
    ReturnExisting,
}

#[derive(Debug, Clone)]
struct UpdateAction {
    sets: Vec<(&'static str, Node)>,
    all_excluded: bool,
    filter: Option<Node>,
    on_update: bool,
}

impl Conflict {
    pub(super) fn do_nothing() -> Self {
        Conflict {
            arbiter: None,
            action: Action::Nothing,
        }
    }

    /// Whether a key that appears twice in one statement would make PostgreSQL fail, so
    /// rows are merged keeping the last (`DO UPDATE`), or keeping the first (`DO NOTHING`).
    fn keeps_last(&self) -> bool {
        !matches!(self.action, Action::Nothing)
    }

    /// Checks what the type system cannot.
    pub(super) fn validate(
        &self,
        table: &'static TableDef,
        columns: &[&'static str],
    ) -> Result<(), InvalidStatement> {
        let invalid = |message: String| Err(InvalidStatement { message });
        if let Some(Arbiter {
            kind: ArbiterKind::Broken(why),
        }) = &self.arbiter
        {
            return invalid(format!("ON CONFLICT target: {why}"));
        }
        match &self.action {
            Action::Update(u) => {
                if self.update_sets(u, table, columns).is_empty() {
                    return invalid(format!(
                        "INSERT INTO \"{}\" .. ON CONFLICT DO UPDATE sets no column: add `.set(..)` or `.set_all_excluded()`, or use `.do_nothing()`",
                        table.name
                    ));
                }
            }
            Action::ReturnExisting => {
                if noop_column(table, self.arbiter.as_ref()).is_none() {
                    return invalid(format!(
                        "do_return_existing(): table \"{}\" has no column an UPDATE may set to itself (all are generated or GENERATED ALWAYS identities)",
                        table.name
                    ));
                }
            }
            Action::Nothing => {}
        }
        Ok(())
    }

    /// The `SET` list: `set_all_excluded` columns, then explicit sets (replacing), then the
    /// `on_update` columns nobody set.
    fn update_sets(
        &self,
        u: &UpdateAction,
        table: &'static TableDef,
        columns: &[&'static str],
    ) -> Vec<(&'static str, Node)> {
        let mut sets: Vec<(&'static str, Node)> = Vec::new();
        if u.all_excluded {
            let key = self.arbiter.as_ref().map(key_columns).unwrap_or_default();
            for &c in columns {
                let Some(def) = table.column(c) else { continue };
                if def.primary_key
                    || key.contains(&c)
                    || def.generated.is_some()
                    || (u.on_update && def.on_update.is_some())
                {
                    continue;
                }
                sets.push((
                    c,
                    Node::Column {
                        table: Qualifier::Alias("excluded"),
                        name: c,
                    },
                ));
            }
        }
        for (c, n) in &u.sets {
            match sets.iter_mut().find(|(s, _)| s == c) {
                Some(slot) => slot.1 = n.clone(),
                None => sets.push((c, n.clone())),
            }
        }
        if u.on_update {
            for col in table.columns {
                if let Some(on_update) = col.on_update
                    && !sets.iter().any(|(c, _)| *c == col.name)
                {
                    let node = match on_update {
                        OnUpdate::Sql(sql) => Node::Raw(Cow::Borrowed(sql)),
                        OnUpdate::Value(f) => Node::Param(f()),
                    };
                    sets.push((col.name, node));
                }
            }
        }
        sets
    }

    /// ` ON CONFLICT ..`
    pub(super) fn walk(
        &self,
        out: &mut SqlWriter,
        table: &'static TableDef,
        target: TableRef,
        columns: &[&'static str],
    ) {
        out.push(" ON CONFLICT");
        if let Some(a) = &self.arbiter {
            match &a.kind {
                ArbiterKind::Infer {
                    elements,
                    predicate,
                    ..
                } => {
                    out.push(" (");
                    out.with_qualify(false, |out| {
                        out.push_list(elements, ", ", |out, e| {
                            match &e.node {
                                n @ (Node::Column { .. } | Node::Paren(_)) => n.walk(out),
                                n => {
                                    out.push("(");
                                    n.walk(out);
                                    out.push(")");
                                }
                            }
                            if let Some(c) = e.collation {
                                out.push(" COLLATE ");
                                out.push_ident(c);
                            }
                            if let Some(o) = e.opclass {
                                out.push(" ");
                                out.push(o);
                            }
                        });
                        out.push(")");
                        if let Some(p) = predicate {
                            out.push(" WHERE ");
                            p.walk(out);
                        }
                    });
                }
                ArbiterKind::Constraint { name, .. } => {
                    out.push(" ON CONSTRAINT ");
                    out.push_ident(name);
                }
                ArbiterKind::Broken(_) => {}
            }
        }
        match &self.action {
            Action::Nothing => out.push(" DO NOTHING"),
            Action::Update(u) => {
                out.push(" DO UPDATE SET ");
                let sets = self.update_sets(u, table, columns);
                out.push_list(&sets, ", ", |out, (c, n)| {
                    out.push_ident(c);
                    out.push(" = ");
                    n.walk(out);
                });
                if let Some(f) = &u.filter {
                    out.push(" WHERE ");
                    f.walk(out);
                }
            }
            Action::ReturnExisting => {
                out.push(" DO UPDATE SET ");
                if let Some(c) = noop_column(table, self.arbiter.as_ref()) {
                    out.push_ident(c);
                    out.push(" = ");
                    Node::Column {
                        table: target.qualifier(),
                        name: c,
                    }
                    .walk(out);
                }
            }
        }
    }

    /// How the rows of a multi-row upsert are merged and ordered: the key expressions, the
    /// condition under which a row never conflicts, and which duplicate wins. `None` when
    /// the key is unknown or uses a column the INSERT does not write.
    fn merge_key(&self, table: &TableDef, columns: &[&'static str]) -> Option<MergeKey> {
        let arbiter = self.arbiter.as_ref()?;
        let (nodes, predicate, nulls_not_distinct) = match &arbiter.kind {
            ArbiterKind::Infer {
                elements,
                predicate,
                nulls_not_distinct,
            } => (
                elements.iter().map(|e| e.node.clone()).collect::<Vec<_>>(),
                predicate.clone(),
                *nulls_not_distinct,
            ),
            ArbiterKind::Constraint {
                columns: Some(cols),
                nulls_not_distinct,
                ..
            } => (
                cols.iter()
                    .map(|c| Node::Column {
                        table: Qualifier::Alias("input"),
                        name: c,
                    })
                    .collect(),
                None,
                *nulls_not_distinct,
            ),
            _ => return None,
        };
        let usable = nodes
            .iter()
            .chain(predicate.as_ref())
            .all(|n| refers_only_to(n, columns));
        if !usable || nodes.is_empty() {
            return None;
        }
        // A NULL in the key never conflicts (unless NULLS NOT DISTINCT): such rows must
        // not be merged, so they get a key part of their own.
        let mut never: Vec<Node> = Vec::new();
        if !nulls_not_distinct {
            for n in &nodes {
                let not_null = matches!(n, Node::Column { name, .. }
                    if table.column(name).is_some_and(|c| !c.nullable));
                if !not_null {
                    never.push(Node::Postfix {
                        expr: Box::new(n.clone()),
                        op: " IS NULL",
                    });
                }
            }
        }
        if let Some(p) = predicate {
            never.push(Node::Postfix {
                expr: Box::new(Node::Paren(Box::new(p))),
                op: " IS NOT TRUE",
            });
        }
        let never = never.into_iter().reduce(|a, b| Node::Binary {
            op: "OR",
            lhs: Box::new(a),
            rhs: Box::new(b),
        });
        Some(MergeKey {
            nodes,
            never,
            keep_last: self.keeps_last(),
        })
    }
}

/// Whether `node` refers to no column outside `columns` (trusted SQL text is assumed to).
fn refers_only_to(node: &Node, columns: &[&'static str]) -> bool {
    match node {
        Node::Column { name, .. } => columns.contains(name),
        Node::Param(_) | Node::Raw(_) => true,
        Node::Paren(n)
        | Node::Prefix { expr: n, .. }
        | Node::Postfix { expr: n, .. }
        | Node::Cast { expr: n, .. }
        | Node::TypeCast { expr: n, .. } => refers_only_to(n, columns),
        Node::Binary { lhs, rhs, .. } => {
            refers_only_to(lhs, columns) && refers_only_to(rhs, columns)
        }
        Node::Func(f) => f.args.iter().all(|a| refers_only_to(a, columns)),
        Node::Seq(items) | Node::Tuple(items) => items.iter().all(|a| refers_only_to(a, columns)),
        _ => false,
    }
}

/// Columns of the arbiter's key, when they are known as plain columns.
fn key_columns(a: &Arbiter) -> Vec<&'static str> {
    match &a.kind {
        ArbiterKind::Infer { elements, .. } => elements
            .iter()
            .filter_map(|e| match e.node {
                Node::Column { name, .. } => Some(name),
                _ => None,
            })
            .collect(),
        ArbiterKind::Constraint {
            columns: Some(c), ..
        } => c.to_vec(),
        _ => Vec::new(),
    }
}

/// The column `do_return_existing` sets to itself: a key column if possible (it cannot
/// change), else the first column an UPDATE may set.
fn noop_column(table: &TableDef, arbiter: Option<&Arbiter>) -> Option<&'static str> {
    let settable = |name: &str| {
        table
            .column(name)
            .is_some_and(|c| c.generated.is_none() && !c.identity.is_some_and(|i| i.always))
    };
    let key = arbiter.map(key_columns).unwrap_or_default();
    key.into_iter()
        .find(|c| settable(c))
        .or_else(|| table.columns.iter().map(|c| c.name).find(|c| settable(c)))
}

struct MergeKey {
    nodes: Vec<Node>,
    never: Option<Node>,
    keep_last: bool,
}

/// The SQL element type of a column for `unnest($n::type[])`, or `None` when its values
/// cannot travel in a one-dimensional array (array columns: `unnest` flattens them).
pub(crate) fn array_element_type(table: &TableDef, column: &str) -> Option<String> {
    match table.column(column)?.sql_type {
        DdlType::Mapped(info) if info.dims == 0 => Some(info.to_sql()),
        DdlType::Mapped(_) => None,
        DdlType::Custom(sql) => {
            let upper = sql.to_ascii_uppercase();
            let unfit = upper.contains('[') || upper.contains("ARRAY") || upper.contains("SERIAL");
            (!unfit).then(|| sql.to_owned())
        }
    }
}

/// How the rows of a multi-row upsert are sent.
pub(super) enum Input {
    /// One array per column (`unnest`): every value is a plain value.
    Arrays(Vec<(String, ParamArray)>),
    /// `(VALUES ..)` with typed parameters, merged by key (some value is an expression or
    /// some column is an array).
    Values(Vec<Vec<Node>>),
}

/// The input form of a multi-row upsert: arrays when every value is a plain value and
/// every column fits in an array, else `VALUES` in a merging subquery when the key is
/// known; `None` for a plain `VALUES` list.
pub(super) fn input(
    conflict: &Conflict,
    table: &TableDef,
    columns: &[&'static str],
    rows: &[Vec<Node>],
) -> Option<Input> {
    array_columns(table, columns, rows)
        .map(Input::Arrays)
        .or_else(|| {
            conflict
                .merge_key(table, columns)
                .map(|_| Input::Values(rows.to_vec()))
        })
}

fn array_columns(
    table: &TableDef,
    columns: &[&'static str],
    rows: &[Vec<Node>],
) -> Option<Vec<(String, ParamArray)>> {
    let mut out = Vec::with_capacity(columns.len());
    for (i, c) in columns.iter().enumerate() {
        let ty = array_element_type(table, c)?;
        let mut values = Vec::with_capacity(rows.len());
        for row in rows {
            match row.get(i) {
                Some(Node::Param(p)) => values.push(p.clone()),
                _ => return None,
            }
        }
        out.push((ty, ParamArray(values)));
    }
    Some(out)
}

/// ` SELECT [DISTINCT ON (key)] cols FROM <input> AS "input"(cols, "__mapped_ord")
/// [ORDER BY key, "__mapped_ord"]`, where `<input>` is `unnest($1::t[], ..) WITH ORDINALITY`
/// or `(VALUES ($1::t, .., 1), ..)`.
pub(super) fn walk_input(
    out: &mut SqlWriter,
    conflict: &Conflict,
    table: &TableDef,
    columns: &[&'static str],
    input: Input,
) {
    const ORD: &str = "__mapped_ord";
    let key = conflict.merge_key(table, columns);
    out.with_qualify(false, |out| {
        out.push(" SELECT ");
        if let Some(k) = &key {
            out.push("DISTINCT ON (");
            walk_key(out, k);
            out.push(") ");
        }
        out.push_list(columns, ", ", |out, c| out.push_ident(c));
        match input {
            Input::Arrays(arrays) => {
                out.push(" FROM unnest(");
                let arrays: Vec<Node> = arrays
                    .into_iter()
                    .map(|(ty, values)| Node::TypeCast {
                        expr: Box::new(Node::bind(values)),
                        ty: Cow::Owned(format!("{ty}[]")),
                    })
                    .collect();
                out.push_list(&arrays, ", ", |out, n| n.walk(out));
                out.push(") WITH ORDINALITY");
            }
            Input::Values(rows) => {
                // Parameters in a VALUES subquery get no type from the INSERT's columns:
                // each carries its column's type.
                let types: Vec<Option<Cow<'static, str>>> = columns
                    .iter()
                    .map(|c| table.column(c).map(|d| Cow::Owned(d.sql_type.to_sql())))
                    .collect();
                out.push(" FROM (VALUES ");
                let rows: Vec<(usize, Vec<Node>)> = rows.into_iter().enumerate().collect();
                out.push_list(&rows, ", ", |out, (i, row)| {
                    out.push("(");
                    for (cell, ty) in row.iter().zip(&types) {
                        match (cell, ty) {
                            (Node::Param(_), Some(ty)) => Node::TypeCast {
                                expr: Box::new(cell.clone()),
                                ty: ty.clone(),
                            }
                            .walk(out),
                            _ => cell.walk(out),
                        }
                        out.push(", ");
                    }
                    // The row's position (our own counter, not a user value).
                    out.push(&(i + 1).to_string());
                    out.push(")");
                });
                out.push(")");
            }
        }
        out.push(" AS \"input\"(");
        out.push_list(columns, ", ", |out, c| out.push_ident(c));
        out.push(", ");
        out.push_ident(ORD);
        out.push(")");
        if let Some(k) = &key {
            out.push(" ORDER BY ");
            walk_key(out, k);
            out.push(", ");
            out.push_ident(ORD);
            out.push(if k.keep_last { " DESC" } else { " ASC" });
        }
    });

    fn walk_key(out: &mut SqlWriter, k: &MergeKey) {
        out.push_list(&k.nodes, ", ", |out, n| n.walk(out));
        if let Some(never) = &k.never {
            out.push(", CASE WHEN ");
            never.walk(out);
            out.push(" THEN ");
            out.push_ident(ORD);
            out.push(" END");
        }
    }
}

/// A column's values of many rows, bound as one PostgreSQL array (`$1::BIGINT[]`): each
/// element is encoded by its own `ToSql` for the array's element type.
#[derive(Clone)]
pub(crate) struct ParamArray(pub(crate) Vec<Param>);

impl fmt::Debug for ParamArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A display-only rendering must stay short for 10,000 rows.
        const SHOWN: usize = 3;
        let mut list = f.debug_list();
        list.entries(self.0.iter().take(SHOWN));
        if self.0.len() > SHOWN {
            list.entry(&format_args!("… {} values", self.0.len()));
        }
        list.finish()
    }
}

impl ToSql for ParamArray {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let Kind::Array(member) = ty.kind() else {
            return Err(format!("an array of values cannot be sent as {ty}").into());
        };
        // PostgreSQL's binary array format: ndim, has-null flag, element type, then per
        // dimension its length and lower bound, then each element as length + bytes.
        out.put_i32(1);
        let null_flag_at = out.len();
        out.put_i32(0);
        out.put_u32(member.oid());
        out.put_i32(i32::try_from(self.0.len())?);
        out.put_i32(1);
        let mut has_null = false;
        for value in &self.0 {
            let len_at = out.len();
            out.put_i32(0);
            let len = match value.as_to_sql().to_sql_checked(member, out)? {
                IsNull::Yes => {
                    has_null = true;
                    -1
                }
                IsNull::No => i32::try_from(out.len() - len_at - 4)?,
            };
            out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
        }
        if has_null {
            out[null_flag_at..null_flag_at + 4].copy_from_slice(&1_i32.to_be_bytes());
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Array(_))
    }

    to_sql_checked!();
}

/// An INSERT with an `ON CONFLICT` target and no action yet: finish it with
/// [`do_nothing`](OnConflict::do_nothing), [`do_update`](OnConflict::do_update) or
/// [`do_return_existing`](OnConflict::do_return_existing).
pub struct OnConflict<T, R> {
    insert: Insert<T, R>,
    arbiter: Arbiter,
}

impl<T: Table, R> fmt::Debug for OnConflict<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnConflict")
            .field("insert", &self.insert)
            .field("arbiter", &self.arbiter)
            .finish()
    }
}

impl<T: Table, R> Insert<T, R> {
    /// `ON CONFLICT (target) ..`: the columns, expressions or key that decide a conflict.
    /// See the [`conflict`](super::conflict) module for the targets.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::PKEY)
    ///     .do_update()
    ///     .set(Account::NAME, excluded(Account::NAME))
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT "accounts_pkey" DO UPDATE SET "name" = "excluded"."name""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ON CONSTRAINT "accounts_pkey" DO UPDATE SET "name" = "excluded"."name""#);
    /// ```
    pub fn on_conflict<K, I>(self, target: K) -> OnConflict<T, R>
    where
        K: ConflictTarget<T, I>,
    {
        OnConflict {
            insert: self,
            arbiter: target.into_arbiter(),
        }
    }

    /// `ON CONFLICT DO NOTHING` without a target: skips rows that violate any unique or
    /// exclusion constraint. (`DO UPDATE` needs a target: see [`Insert::on_conflict`].)
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>().set(Account::NAME, "Ann").set(Account::BALANCE, 0_i64).on_conflict_do_nothing().to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) ON CONFLICT DO NOTHING"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 0) ON CONFLICT DO NOTHING"#);
    /// ```
    pub fn on_conflict_do_nothing(mut self) -> Insert<T, R> {
        self.conflict = Some(Conflict::do_nothing());
        self
    }
}

impl<T: Table, R> OnConflict<T, R> {
    /// `ON CONFLICT (..) WHERE predicate`: infer a partial unique index (ANDed with the
    /// index handle's own predicate). Write the predicate as the index does, without bound
    /// values: PostgreSQL must prove from the text that it implies the index's predicate.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 0_i64)
    ///     .on_conflict(Account::NAME)
    ///     .index_where(Account::OWNER_ID.is_null())
    ///     .do_nothing()
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ($1, $2) ON CONFLICT ("name") WHERE "owner_id" IS NULL DO NOTHING"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("name", "balance") VALUES ('Ann', 0) ON CONFLICT ("name") WHERE "owner_id" IS NULL DO NOTHING"#);
    /// ```
    pub fn index_where<E, I>(mut self, predicate: E) -> Self
    where
        E: Expression,
        E::SqlType: BoolType,
        E::Tables: TablesIn<Cons<T, Nil>, I>,
    {
        let node = predicate.into_node();
        match &mut self.arbiter.kind {
            ArbiterKind::Infer { predicate, .. } => {
                *predicate = Some(super::select::and_nodes(predicate.take(), node));
            }
            ArbiterKind::Constraint { name, .. } => {
                self.arbiter.kind = ArbiterKind::Broken(format!(
                    "`index_where` cannot refine `ON CONSTRAINT \"{name}\"`: target the index's columns instead"
                ));
            }
            ArbiterKind::Broken(_) => {}
        }
        self
    }

    fn finish(mut self, action: Action) -> Insert<T, R> {
        self.insert.conflict = Some(Conflict {
            arbiter: Some(self.arbiter),
            action,
        });
        self.insert
    }

    /// `.. DO NOTHING`: skip rows whose key exists.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 0_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_nothing()
    ///     .returning(Account::ID)
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO NOTHING RETURNING "accounts"."id""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 0) ON CONFLICT ("id") DO NOTHING RETURNING "accounts"."id""#);
    /// ```
    pub fn do_nothing(self) -> Insert<T, R> {
        self.finish(Action::Nothing)
    }

    /// `.. DO UPDATE SET ..`: update the existing row; give the assignments with
    /// [`DoUpdate::set`] (or [`DoUpdate::set_all_excluded`]).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set(Account::NAME, "renamed")
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = $4"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "name" = 'renamed'"#);
    /// ```
    pub fn do_update(self) -> DoUpdate<T, R> {
        DoUpdate {
            insert: self.finish(Action::Update(UpdateAction {
                sets: Vec::new(),
                all_excluded: false,
                filter: None,
                on_update: true,
            })),
        }
    }

    /// `.. DO UPDATE SET "c" = "t"."c"`: a no-op update that locks the existing row so that
    /// `RETURNING` gives back every input row, inserted or existing, in one statement. See
    /// the [module docs](super::conflict#every-row-back-do_return_existing) for why this and
    /// not a CTE, and its costs.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 0_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_return_existing()
    ///     .returning((Account::ID, inserted::<Account>()))
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "id" = "accounts"."id" RETURNING "accounts"."id", ("accounts"."xmax" = 0)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 0) ON CONFLICT ("id") DO UPDATE SET "id" = "accounts"."id" RETURNING "accounts"."id", ("accounts"."xmax" = 0)"#);
    /// ```
    pub fn do_return_existing(self) -> Insert<T, R> {
        self.finish(Action::ReturnExisting)
    }
}

/// An upsert's `DO UPDATE` being built; see [`OnConflict::do_update`]. `SET` and `WHERE`
/// may use the table's columns (the existing row) and [`excluded`] ones (the proposed row).
pub struct DoUpdate<T, R> {
    insert: Insert<T, R>,
}

impl<T: Table, R> fmt::Debug for DoUpdate<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DoUpdate").field(&self.to_sql()).finish()
    }
}

impl<T, R> Clone for DoUpdate<T, R> {
    fn clone(&self) -> Self {
        DoUpdate {
            insert: self.insert.clone(),
        }
    }
}

/// The tables a `DO UPDATE` sees: the target table and `excluded`.
pub type DoUpdateScope<T> = Cons<T, Cons<Excluded<T>, Nil>>;

impl<T: Table, R> DoUpdate<T, R> {
    fn action(&mut self, f: impl FnOnce(&mut UpdateAction)) {
        if let Some(Conflict {
            action: Action::Update(u),
            ..
        }) = &mut self.insert.conflict
        {
            f(u);
        }
    }

    /// `SET column = value`: a value, or an expression over the existing row and
    /// [`excluded`], checked against the column's type and nullability. A later `set` of the
    /// same column replaces an earlier one.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set(Account::BALANCE, Account::BALANCE + Account::BALANCE.excluded())
    ///     .set(Account::OWNER_ID, None::<i64>)
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "balance" = "accounts"."balance" + "excluded"."balance", "owner_id" = $4"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "balance" = "accounts"."balance" + "excluded"."balance", "owner_id" = NULL"#);
    /// ```
    pub fn set<ST, V, I>(mut self, column: Column<T, ST>, value: V) -> Self
    where
        ST: SqlType,
        V: Assign<ST>,
        V::Tables: TablesIn<DoUpdateScope<T>, I>,
    {
        let node = value.into_node();
        let name = column.name();
        self.action(|u| match u.sets.iter_mut().find(|(c, _)| *c == name) {
            Some(slot) => slot.1 = node,
            None => u.sets.push((name, node)),
        });
        self
    }

    /// `SET column = excluded.column`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set_excluded(Account::NAME)
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#);
    /// ```
    pub fn set_excluded<ST: SqlType>(mut self, column: Column<T, ST>) -> Self {
        // Same type and nullability as the column by construction.
        let node = excluded(column).into_node();
        let name = column.name();
        self.action(|u| match u.sets.iter_mut().find(|(c, _)| *c == name) {
            Some(slot) => slot.1 = node,
            None => u.sets.push((name, node)),
        });
        self
    }

    /// `SET c = excluded.c` for every column the INSERT writes, except primary key columns,
    /// the target's key columns, generated columns and `on_update` columns (which get their
    /// `on_update` value). Explicit [`set`](DoUpdate::set)s replace these.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let ann = Account { id: 7, owner_id: None, name: "Ann".into(), balance: 10 };
    /// let sql = insert::<Account>()
    ///     .model(&ann)
    ///     .set(Account::ID, 7_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set_all_excluded()
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance", "id") VALUES ($1, $2, $3, $4) ON CONFLICT ("id") DO UPDATE SET "owner_id" = "excluded"."owner_id", "name" = "excluded"."name", "balance" = "excluded"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("owner_id", "name", "balance", "id") VALUES (NULL, 'Ann', 10, 7) ON CONFLICT ("id") DO UPDATE SET "owner_id" = "excluded"."owner_id", "name" = "excluded"."name", "balance" = "excluded"."balance""#);
    /// ```
    pub fn set_all_excluded(mut self) -> Self {
        self.action(|u| u.all_excluded = true);
        self
    }

    /// `DO UPDATE .. WHERE cond` (ANDed): rows where it is not true are left as they are
    /// (and not returned), e.g. only when the proposed row is newer.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set_excluded(Account::BALANCE)
    ///     .filter(excluded(Account::BALANCE).gt(Account::BALANCE))
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "balance" = "excluded"."balance" WHERE "excluded"."balance" > "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "balance" = "excluded"."balance" WHERE "excluded"."balance" > "accounts"."balance""#);
    /// ```
    pub fn filter<E, I>(mut self, cond: E) -> Self
    where
        E: Expression,
        E::SqlType: BoolType,
        E::Tables: TablesIn<DoUpdateScope<T>, I>,
    {
        let node = cond.into_node();
        self.action(|u| u.filter = Some(super::select::and_nodes(u.filter.take(), node)));
        self
    }

    /// Leaves `on_update` columns alone unless this upsert sets them (by default `DO UPDATE`
    /// sets them, as every UPDATE does).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set_excluded(Account::NAME)
    ///     .without_on_update()
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#);
    /// ```
    pub fn without_on_update(mut self) -> Self {
        self.action(|u| u.on_update = false);
        self
    }

    /// `RETURNING ..` (add [`inserted::<T>()`](inserted) for the inserted-or-updated flag).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set_excluded(Account::NAME)
    ///     .returning((Account::NAME, inserted::<Account>()))
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name" RETURNING "accounts"."name", ("accounts"."xmax" = 0)"#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name" RETURNING "accounts"."name", ("accounts"."xmax" = 0)"#);
    /// ```
    pub fn returning<Sel, I>(self, items: Sel) -> DoUpdate<T, Returning<Sel::Selection>>
    where
        Sel: SelectList,
        Sel::Tables: TablesIn<Cons<T, Nil>, I>,
    {
        DoUpdate {
            insert: self.insert.returning(items),
        }
    }

    /// `RETURNING <every column>`: decode into `T` (or `(T, bool)` with
    /// `.returning((all_columns::<T>(), inserted::<T>()))`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let sql = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set_excluded(Account::NAME)
    ///     .returning_model()
    ///     .to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name" RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name" RETURNING "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance""#);
    /// ```
    pub fn returning_model(self) -> DoUpdate<T, Returning<T>> {
        DoUpdate {
            insert: self.insert.returning_model(),
        }
    }

    /// The finished statement.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::__doc::*;
    /// let q: Insert<Account> = insert::<Account>()
    ///     .set(Account::ID, 7_i64)
    ///     .set(Account::NAME, "Ann")
    ///     .set(Account::BALANCE, 10_i64)
    ///     .on_conflict(Account::ID)
    ///     .do_update()
    ///     .set_excluded(Account::NAME)
    ///     .into_insert();
    /// let sql = q.to_sql();
    /// assert_eq!(sql.sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#);
    /// assert_eq!(sql.debug_sql(), r#"INSERT INTO "accounts" ("id", "name", "balance") VALUES (7, 'Ann', 10) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#);
    /// ```
    pub fn into_insert(self) -> Insert<T, R> {
        self.insert
    }
}

impl<T: Table, R> QueryFragment for DoUpdate<T, R> {
    fn walk(&self, out: &mut SqlWriter) {
        self.insert.walk(out);
    }
}

impl<T: Table, R> Statement for DoUpdate<T, R> {
    fn compile(&self) -> Result<CompiledSql, InvalidStatement> {
        self.insert.compile()
    }
}

impl<T: Table, S> ReturnsRows for DoUpdate<T, Returning<S>> {
    type Selection = S;

    fn locks_rows(&self) -> bool {
        true
    }
}
