//! The statements a Session flush sends: batched INSERTs that bring every server-made value
//! back to the right object, batched UPDATEs of the changed columns only, batched DELETEs,
//! and the SELECTs by primary key behind `get`, `refresh` and `merge`.
//!
//! Everything here is plain SQL building over a table's metadata; the runtime's Session
//! decides what to write and runs it. Values are always parameters.
//!
//! # How many rows go in one statement
//!
//! More than one row is sent as one array per column and read back with
//! `unnest(..) WITH ORDINALITY`, so any number of rows is one statement with a handful of
//! parameters (far below PostgreSQL's 65,535) and one cached plan. Columns whose values
//! cannot travel in a one-dimensional array (array columns: `unnest` would flatten them)
//! switch the batch to a typed `(VALUES ..)` list; the caller then splits the rows into
//! chunks of at most [`max_rows_per_values`] rows.
//!
//! # Matching returned rows to objects
//!
//! An INSERT of many rows returns generated values (an identity key, a `created_at`, a
//! version) that must reach the object they belong to. Neither the order of `RETURNING`
//! nor the order in which the server assigns sequence values is promised, so the rows are
//! matched through the key instead: a key the server makes is computed in a materialized
//! CTE together with each row's position (`nextval(..)`, or the column's
//! `server_default` for an `omit_on_insert` key), inserted explicitly, and `RETURNING`
//! is joined back to the CTE on the key, which yields each row's position:
//!
//! ```
//! use orm_core::__doc::Account;
//! use orm_core::flush;
//! use orm_core::metadata::Table;
//! use orm_core::value::Param;
//! use std::sync::Arc;
//!
//! let rows: Vec<Vec<Param>> = (0..2_i64)
//!     .map(|i| -> Vec<Param> { vec![Arc::new(None::<i64>), Arc::new(format!("n{i}")), Arc::new(i)] })
//!     .collect();
//! let (sql, _) = flush::insert(Account::TABLE, &[1, 2, 3], &[0], &rows);
//! assert_eq!(
//!     sql.sql(),
//!     r#"WITH "__mapped_in" AS MATERIALIZED (SELECT nextval((SELECT pg_get_serial_sequence('"accounts"', 'id'))::regclass) AS "id", "owner_id", "name", "balance", "__mapped_ord" FROM unnest($1::BIGINT[], $2::TEXT[], $3::BIGINT[]) WITH ORDINALITY AS "__mapped_u"("owner_id", "name", "balance", "__mapped_ord")), "__mapped_out" AS (INSERT INTO "accounts" ("id", "owner_id", "name", "balance") OVERRIDING SYSTEM VALUE SELECT "id", "owner_id", "name", "balance" FROM "__mapped_in" ORDER BY "__mapped_ord" RETURNING "id") SELECT "__mapped_in"."__mapped_ord", "__mapped_out"."id" FROM "__mapped_out" JOIN "__mapped_in" ON "__mapped_out"."id" = "__mapped_in"."id""#
//! );
//! ```

use crate::metadata::{ColumnDef, DdlType, OnUpdate, TableDef};
pub use crate::mutable::{Patch, PatchShape};
use crate::query::conflict::{ParamArray, array_element_type};
use crate::value::Param;
use crate::writer::{CompiledSql, SqlWriter, quote_ident_into};

/// PostgreSQL's limit on parameters in one statement.
pub const MAX_PARAMS: usize = 65_535;

const ORD: &str = "__mapped_ord";
const INPUT: &str = "__mapped_in";
const OUTPUT: &str = "__mapped_out";
const SOURCE: &str = "__mapped_u";
const TARGET: &str = "__mapped_t";
const VERSION: &str = "__mapped_version";

/// How many rows of `columns` parameters each fit in one `VALUES` statement.
pub fn max_rows_per_values(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).max(1)
}

/// Whether rows of these columns can be sent as one array per column (`unnest`): every
/// column has a one-dimensional array type.
pub fn fits_arrays(table: &TableDef, columns: &[usize]) -> bool {
    columns
        .iter()
        .all(|&i| array_element_type(table, table.columns[i].name).is_some())
}

fn col(table: &TableDef, i: usize) -> &'static ColumnDef {
    &table.columns[i]
}

/// The array element type of a key column that [`fits_arrays`].
fn key_element_type(table: &TableDef, i: usize) -> String {
    array_element_type(table, col(table, i).name).unwrap_or_default()
}

/// One column of a statement's row source: its name there, its SQL type, and whether its
/// values travel in a one-dimensional array (`unnest`).
struct Src {
    name: String,
    ty: String,
    scalar: bool,
}

/// The sources of table columns `columns`, named `names` in the source.
fn table_srcs(table: &TableDef, columns: &[usize], names: &[&str]) -> Vec<Src> {
    columns
        .iter()
        .zip(names)
        .map(|(&i, name)| {
            let element = array_element_type(table, col(table, i).name);
            Src {
                name: (*name).to_owned(),
                scalar: element.is_some(),
                ty: element.unwrap_or_else(|| col(table, i).sql_type.to_sql()),
            }
        })
        .collect()
}

/// The rows' values of one scalar column, bound as one array `$n::type[]`.
fn push_array(out: &mut SqlWriter, ty: &str, values: Vec<Param>) {
    let p: Param = std::sync::Arc::new(ParamArray(values));
    out.push_param(&p);
    out.push("::");
    out.push(ty);
    out.push("[]");
}

/// `unnest($1::t1[], ..) WITH ORDINALITY AS "__mapped_u"(names.., "__mapped_ord")` or
/// `(VALUES ($1::t1, .., 1), ..) AS "__mapped_u"(names.., "__mapped_ord")`. `rows[r][c]`
/// is the value of `columns[c]` in row `r`; `names` are the names the source gives them.
fn push_source(
    out: &mut SqlWriter,
    table: &TableDef,
    columns: &[usize],
    names: &[&str],
    rows: &[Vec<Param>],
    ordinality: bool,
) {
    push_rows(out, &table_srcs(table, columns, names), rows, ordinality);
}

/// [`push_source`] over any sources: `unnest` when every source is scalar, else `VALUES`.
fn push_rows(out: &mut SqlWriter, srcs: &[Src], rows: &[Vec<Param>], ordinality: bool) {
    if srcs.iter().all(|s| s.scalar) {
        out.push("unnest(");
        for (c, src) in srcs.iter().enumerate() {
            if c > 0 {
                out.push(", ");
            }
            let values: Vec<Param> = rows.iter().map(|r| r[c].clone()).collect();
            push_array(out, &src.ty, values);
        }
        out.push(")");
        if ordinality {
            out.push(" WITH ORDINALITY");
        }
    } else {
        out.push("(VALUES ");
        for (r, row) in rows.iter().enumerate() {
            if r > 0 {
                out.push(", ");
            }
            out.push("(");
            for (c, src) in srcs.iter().enumerate() {
                if c > 0 {
                    out.push(", ");
                }
                // Parameters in a VALUES list get no type from a target column: each
                // carries its own.
                out.push_param(&row[c]);
                out.push("::");
                out.push(&src.ty);
            }
            if ordinality {
                // BIGINT, like `WITH ORDINALITY`'s: the first row's type decides.
                out.push(", ");
                out.push(&(r + 1).to_string());
                if r == 0 {
                    out.push("::BIGINT");
                }
            }
            out.push(")");
        }
        out.push(")");
    }
    out.push(" AS ");
    out.push_ident(SOURCE);
    out.push("(");
    out.push_list(srcs, ", ", |out, s| out.push_ident(&s.name));
    if ordinality {
        out.push(", ");
        out.push_ident(ORD);
    }
    out.push(")");
}

fn push_columns(out: &mut SqlWriter, table: &TableDef, columns: &[usize], prefix: Option<&str>) {
    out.push_list(columns, ", ", |out, &i| {
        if let Some(p) = prefix {
            out.push_ident(p);
            out.push(".");
        }
        out.push_ident(col(table, i).name);
    });
}

/// The SQL that makes a key column's value the way the server would on INSERT, or `None`
/// when the object holds the value.
fn generated_key_sql(table: &TableDef, c: &ColumnDef) -> Option<String> {
    if c.identity.is_some() {
        let mut t = String::new();
        crate::value::quote_literal_into(&mut t, &table.qualified_name());
        let mut name = String::new();
        crate::value::quote_literal_into(&mut name, c.name);
        // A scalar subquery runs once per statement, not once per row.
        return Some(format!(
            "nextval((SELECT pg_get_serial_sequence({t}, {name}))::regclass)"
        ));
    }
    if let Some(seq) = c.sequence {
        return Some(crate::ddl::nextval_sql(table, seq));
    }
    if c.omit_on_insert {
        return c.server_default.map(|d| format!("({d})"));
    }
    None
}

/// `INSERT`s `rows` (`rows[r][c]` is the value of `columns[c]`) into `table` and returns
/// the statement and how to read its result: when `returning` (column indexes) is not
/// empty, each result row is `(position, returning..)` for many rows, or just
/// `(returning..)` for one row; [`InsertResult`] says which.
///
/// `columns` are the columns the objects hold values for (every column but the
/// server-generated ones); `returning` the ones the server makes. With more than one row
/// and something to return, the key's server-made values are computed in a CTE (see the
/// module docs), so the table needs a primary key.
pub fn insert(
    table: &TableDef,
    columns: &[usize],
    returning: &[usize],
    rows: &[Vec<Param>],
) -> (CompiledSql, InsertResult) {
    let mut out = SqlWriter::new();
    let keys = key_columns(table);
    if rows.len() == 1 || returning.is_empty() {
        out.push("INSERT INTO ");
        out.push(&table.qualified_name());
        out.push(" (");
        push_columns(&mut out, table, columns, None);
        out.push(")");
        if rows.len() == 1 {
            out.push(" VALUES (");
            out.push_list(&rows[0], ", ", |out, p| out.push_param(p));
            out.push(")");
        } else {
            let names: Vec<&str> = columns.iter().map(|&i| col(table, i).name).collect();
            out.push(" SELECT ");
            push_columns(&mut out, table, columns, None);
            out.push(" FROM ");
            push_source(&mut out, table, columns, &names, rows, true);
            out.push(" ORDER BY ");
            out.push_ident(ORD);
        }
        if !returning.is_empty() {
            out.push(" RETURNING ");
            push_columns(&mut out, table, returning, None);
        }
        let result = if returning.is_empty() {
            InsertResult::Nothing
        } else {
            InsertResult::Single
        };
        return (out.finish(), result);
    }
    // Many rows with values to bring back: match them through the key.
    let names: Vec<&str> = columns.iter().map(|&i| col(table, i).name).collect();
    let mut written: Vec<usize> = Vec::new();
    let mut overriding = false;
    out.push("WITH ");
    out.push_ident(INPUT);
    out.push(" AS MATERIALIZED (SELECT ");
    let mut first = true;
    for &k in &keys {
        if columns.contains(&k) {
            continue;
        }
        let c = col(table, k);
        if let Some(sql) = generated_key_sql(table, c) {
            if !first {
                out.push(", ");
            }
            first = false;
            out.push(&sql);
            out.push(" AS ");
            out.push_ident(c.name);
            written.push(k);
            overriding |= c.identity.is_some();
        }
    }
    for &i in columns {
        if !first {
            out.push(", ");
        }
        first = false;
        out.push_ident(col(table, i).name);
        written.push(i);
    }
    out.push(", ");
    out.push_ident(ORD);
    out.push(" FROM ");
    push_source(&mut out, table, columns, &names, rows, true);
    out.push("), ");
    out.push_ident(OUTPUT);
    out.push(" AS (INSERT INTO ");
    out.push(&table.qualified_name());
    out.push(" (");
    push_columns(&mut out, table, &written, None);
    out.push(")");
    if overriding {
        out.push(" OVERRIDING SYSTEM VALUE");
    }
    out.push(" SELECT ");
    push_columns(&mut out, table, &written, None);
    out.push(" FROM ");
    out.push_ident(INPUT);
    out.push(" ORDER BY ");
    out.push_ident(ORD);
    out.push(" RETURNING ");
    let mut back: Vec<usize> = keys.clone();
    back.extend(returning.iter().filter(|i| !keys.contains(i)));
    push_columns(&mut out, table, &back, None);
    out.push(") SELECT ");
    out.push_ident(INPUT);
    out.push(".");
    out.push_ident(ORD);
    for &r in returning {
        out.push(", ");
        out.push_ident(OUTPUT);
        out.push(".");
        out.push_ident(col(table, r).name);
    }
    out.push(" FROM ");
    out.push_ident(OUTPUT);
    out.push(" JOIN ");
    out.push_ident(INPUT);
    out.push(" ON ");
    push_key_match(&mut out, table, &keys, OUTPUT, INPUT);
    (out.finish(), InsertResult::ByPosition)
}

/// How to read an INSERT's result rows back into the objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertResult {
    /// No rows come back.
    Nothing,
    /// One row per object, in the order of the rows sent (a single-row INSERT, or a
    /// multi-row one whose rows come back in the order they were sent).
    Single,
    /// Each row starts with the 1-based position of its object (BIGINT).
    ByPosition,
}

fn key_columns(table: &TableDef) -> Vec<usize> {
    table
        .primary_key_columns()
        .iter()
        .filter_map(|k| table.column_index(k))
        .collect()
}

/// ` AND "__mapped_t"."version" = "__mapped_u"."__mapped_version"`: a batched row matches only
/// at the version it was loaded with.
fn push_version_match(out: &mut SqlWriter, table: &TableDef, v: usize) {
    out.push(" AND ");
    out.push_ident(TARGET);
    out.push(".");
    out.push_ident(col(table, v).name);
    out.push(" = ");
    out.push_ident(SOURCE);
    out.push(".");
    out.push_ident(VERSION);
}

fn push_key_match(out: &mut SqlWriter, table: &TableDef, keys: &[usize], a: &str, b: &str) {
    out.push_list(keys, " AND ", |out, &k| {
        let name = col(table, k).name;
        out.push_ident(a);
        out.push(".");
        out.push_ident(name);
        out.push(" = ");
        out.push_ident(b);
        out.push(".");
        out.push_ident(name);
    });
}

/// One row of a batched UPDATE: its key values, its values of the changed columns, and
/// the version it was loaded with (tables with a `version` column).
#[derive(Debug, Clone)]
pub struct UpdateRow {
    /// Key values, in key order.
    pub key: Vec<Param>,
    /// Values of the set columns, in the order of the `set` list: one per whole column, a
    /// patch's [parameters](Patch::params) for a patched one.
    pub values: Vec<Param>,
    /// The `version` the object was loaded with.
    pub version: Option<Param>,
}

/// One column an UPDATE sets: with the whole value, or with a [`Patch`] of some shape (the
/// same shape for every row of the statement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SetColumn {
    /// Index into the table's columns.
    pub column: usize,
    /// `None`: the whole value.
    pub patch: Option<PatchShape>,
}

impl SetColumn {
    /// The column, set to a whole value.
    pub fn whole(column: usize) -> Self {
        SetColumn {
            column,
            patch: None,
        }
    }

    /// How many of a row's values this column takes.
    pub fn params(&self) -> usize {
        self.patch.map_or(1, |p| p.params())
    }
}

impl From<usize> for SetColumn {
    fn from(column: usize) -> Self {
        SetColumn::whole(column)
    }
}

/// The sources a patch's parameters come from in a batch (named after the column's index,
/// in the `__mapped_` namespace the flush reserves for itself): name suffix, type, scalar.
fn patch_srcs(table: &TableDef, set: &SetColumn, shape: PatchShape) -> Vec<Src> {
    let c = col(table, set.column);
    let column_ty = c.sql_type.to_sql();
    let element_ty = match c.sql_type {
        DdlType::Mapped(info) => info.with_dims(info.dims.saturating_sub(1)).to_sql(),
        DdlType::Custom(sql) => sql.trim_end().strip_suffix("[]").unwrap_or(sql).to_owned(),
    };
    let types: Vec<(String, bool)> = match shape {
        PatchShape::Unchanged => Vec::new(),
        PatchShape::AppendOne => {
            let scalar = !element_ty.contains('[');
            vec![(element_ty, scalar)]
        }
        PatchShape::Append => vec![(column_ty, false)],
        PatchShape::SetOf { added, removed } => {
            vec![(column_ty, false); usize::from(added) + usize::from(removed)]
        }
        PatchShape::Hstore { set, removed } => {
            let mut v = Vec::new();
            if set {
                v.push((column_ty, true));
            }
            if removed {
                v.push(("TEXT".to_owned(), true));
            }
            v
        }
        PatchShape::Jsonb {
            sets,
            deletes,
            appends,
        } => {
            let mut v = vec![("TEXT".to_owned(), true); deletes];
            for _ in 0..sets + appends {
                v.push(("TEXT".to_owned(), true));
                v.push((column_ty.clone(), true));
            }
            v
        }
    };
    types
        .into_iter()
        .enumerate()
        .map(|(k, (ty, scalar))| Src {
            name: format!("__mapped_p{}_{k}", set.column),
            ty,
            scalar,
        })
        .collect()
}

/// Whether a batched UPDATE of `set` sends its rows as one array per value (any number of
/// rows in one statement) rather than as `VALUES` (at most [`max_rows_per_values`]).
pub fn update_fits_arrays(table: &TableDef, set: &[SetColumn]) -> bool {
    let keys = key_columns(table);
    fits_arrays(table, &keys)
        && version_column(table).is_none_or(|v| fits_arrays(table, &[v]))
        && set.iter().all(|c| match c.patch {
            None => fits_arrays(table, &[c.column]),
            Some(shape) => patch_srcs(table, c, shape).iter().all(|s| s.scalar),
        })
}

/// Writes the new value of a patched column: an expression over its current value
/// `"__mapped_t"."col"` and the patch's parameters, which `param(out, k)` writes.
fn push_patch(
    out: &mut SqlWriter,
    table: &TableDef,
    column: usize,
    shape: PatchShape,
    param: &mut dyn FnMut(&mut SqlWriter, usize),
) {
    let current = |out: &mut SqlWriter| {
        out.push_ident(TARGET);
        out.push(".");
        out.push_ident(col(table, column).name);
    };
    match shape {
        PatchShape::Unchanged => current(out),
        PatchShape::AppendOne | PatchShape::Append => {
            out.push(if shape == PatchShape::AppendOne {
                "array_append("
            } else {
                "array_cat("
            });
            current(out);
            out.push(", ");
            param(out, 0);
            out.push(")");
        }
        PatchShape::SetOf { added, removed } => {
            out.push("ARRAY(SELECT ");
            if added {
                if !removed {
                    out.push("DISTINCT ");
                }
                out.push("unnest(array_cat(");
                current(out);
                out.push(", ");
                param(out, 0);
                out.push("))");
            } else {
                out.push("unnest(");
                current(out);
                out.push(")");
            }
            if removed {
                out.push(" EXCEPT SELECT unnest(");
                param(out, usize::from(added));
                out.push(")");
            }
            out.push(")");
        }
        PatchShape::Hstore { set, removed } => {
            if set && removed {
                out.push("(");
            }
            current(out);
            if removed {
                out.push(" - ");
                param(out, usize::from(set));
                out.push("::text[]");
            }
            if set && removed {
                out.push(")");
            }
            if set {
                out.push(" || ");
                param(out, 0);
            }
        }
        PatchShape::Jsonb {
            sets,
            deletes,
            appends,
        } => {
            for _ in 0..appends {
                out.push("jsonb_insert(");
            }
            for _ in 0..sets {
                out.push("jsonb_set(");
            }
            if deletes > 0 {
                out.push("(");
            }
            current(out);
            for k in 0..deletes {
                out.push(" #- ");
                param(out, k);
                out.push("::text[]");
            }
            if deletes > 0 {
                out.push(")");
            }
            for n in 0..sets + appends {
                out.push(", ");
                param(out, deletes + 2 * n);
                out.push("::text[], ");
                param(out, deletes + 2 * n + 1);
                out.push(if n < sets { ")" } else { ", true)" });
            }
        }
    }
}

/// The columns an UPDATE of `table` sets by itself: `on_update` SQL columns not in `set`,
/// and the version column.
fn automatic_sets(table: &TableDef, set: &[usize]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, c) in table.columns.iter().enumerate() {
        if set.contains(&i) {
            continue;
        }
        if c.version {
            let mut sql = String::new();
            quote_ident_into(&mut sql, TARGET);
            sql.push('.');
            quote_ident_into(&mut sql, c.name);
            sql.push_str(" + 1");
            out.push((i, sql));
        } else if let Some(OnUpdate::Sql(expr)) = c.on_update {
            out.push((i, format!("({expr})")));
        }
    }
    out
}

/// What an UPDATE brings back besides the key: columns the server changes by itself
/// (`on_update` SQL, version, generated columns).
pub fn update_returning(table: &TableDef, set: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = automatic_sets(table, set)
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    for (i, c) in table.columns.iter().enumerate() {
        if c.generated.is_some() && !out.contains(&i) {
            out.push(i);
        }
    }
    out.sort_unstable();
    out
}

/// The version column's index, if the table has one.
pub fn version_column(table: &TableDef) -> Option<usize> {
    table.columns.iter().position(|c| c.version)
}

/// `UPDATE`s `rows`, each setting the columns `set` (and the automatic ones: `on_update`
/// SQL, `version + 1`), matched by key (and by loaded version). Every result row is
/// `(key.., returning..)` where `returning` is [`update_returning`]: a row that did not
/// come back was changed or deleted by someone else.
///
/// A column set with a [`Patch`] is written as an expression over its current value
/// (see [`crate::mutable`]); its parameters travel like any value, and many rows with
/// patches of one shape are one statement:
///
/// ```
/// use orm_core::__doc::Doc;
/// use orm_core::flush::{self, PatchShape, SetColumn, UpdateRow};
/// use orm_core::metadata::Table;
/// use std::sync::Arc;
///
/// // `body` (column 3): one path set; `tags` (column 1): one element appended.
/// let set = [
///     SetColumn { column: 3, patch: Some(PatchShape::Jsonb { sets: 1, deletes: 0, appends: 0 }) },
///     SetColumn { column: 1, patch: Some(PatchShape::AppendOne) },
/// ];
/// let row = |id: i64| UpdateRow {
///     key: vec![Arc::new(id)],
///     values: vec![Arc::new(r#"{"a","b"}"#), Arc::new(serde_json::json!(2)), Arc::new("new")],
///     version: None,
/// };
/// assert_eq!(
///     flush::update(Doc::TABLE, &set, &[row(1)]).sql(),
///     r#"UPDATE "docs" AS "__mapped_t" SET "body" = jsonb_set("__mapped_t"."body", $1::TEXT::text[], $2::JSONB), "tags" = array_append("__mapped_t"."tags", $3::TEXT) WHERE "__mapped_t"."id" = $4 RETURNING "__mapped_t"."id""#
/// );
/// assert_eq!(
///     flush::update(Doc::TABLE, &set, &[row(1), row(2)]).sql(),
///     r#"UPDATE "docs" AS "__mapped_t" SET "body" = jsonb_set("__mapped_t"."body", "__mapped_u"."__mapped_p3_0"::text[], "__mapped_u"."__mapped_p3_1"), "tags" = array_append("__mapped_t"."tags", "__mapped_u"."__mapped_p1_0") FROM unnest($1::BIGINT[], $2::TEXT[], $3::JSONB[], $4::TEXT[]) AS "__mapped_u"("id", "__mapped_p3_0", "__mapped_p3_1", "__mapped_p1_0") WHERE "__mapped_t"."id" = "__mapped_u"."id" RETURNING "__mapped_t"."id""#
/// );
/// ```
///
/// ```
/// use orm_core::__doc::Account;
/// use orm_core::flush::{self, SetColumn, UpdateRow};
/// use orm_core::metadata::Table;
/// use std::sync::Arc;
///
/// let row = UpdateRow { key: vec![Arc::new(7_i64)], values: vec![Arc::new(5_i64)], version: None };
/// let sql = flush::update(Account::TABLE, &[SetColumn::whole(3)], &[row]);
/// assert_eq!(sql.sql(), r#"UPDATE "accounts" AS "__mapped_t" SET "balance" = $1 WHERE "__mapped_t"."id" = $2 RETURNING "__mapped_t"."id""#);
/// ```
///
/// # Panics
///
/// When a row's `values` are fewer than the `set` columns take ([`SetColumn::params`]): the
/// rows are built by the Session from the same list.
pub fn update(table: &TableDef, set: &[SetColumn], rows: &[UpdateRow]) -> CompiledSql {
    let keys = key_columns(table);
    let version = version_column(table);
    let set_idx: Vec<usize> = set.iter().map(|c| c.column).collect();
    let autos = automatic_sets(table, &set_idx);
    let returning = update_returning(table, &set_idx);
    let mut out = SqlWriter::new();
    out.push("UPDATE ");
    out.push(&table.qualified_name());
    out.push(" AS ");
    out.push_ident(TARGET);
    out.push(" SET ");
    // Each set column's sources (a whole column is one source named like it).
    let srcs: Vec<Vec<Src>> = set
        .iter()
        .map(|c| match c.patch {
            None => table_srcs(table, &[c.column], &[col(table, c.column).name]),
            Some(shape) => patch_srcs(table, c, shape),
        })
        .collect();
    let single = rows.len() == 1;
    let mut at = 0;
    let mut first = true;
    for (c, column) in set.iter().enumerate() {
        if !first {
            out.push(", ");
        }
        first = false;
        out.push_ident(col(table, column.column).name);
        out.push(" = ");
        let mine = &srcs[c];
        let mut param = |out: &mut SqlWriter, k: usize| {
            if single {
                out.push_param(&rows[0].values[at + k]);
                if column.patch.is_some() {
                    out.push("::");
                    out.push(&mine[k].ty);
                }
            } else {
                out.push_ident(SOURCE);
                out.push(".");
                out.push_ident(&mine[k].name);
            }
        };
        match column.patch {
            None => param(&mut out, 0),
            Some(shape) => push_patch(&mut out, table, column.column, shape, &mut param),
        }
        at += column.params();
    }
    for (i, sql) in &autos {
        if !first {
            out.push(", ");
        }
        first = false;
        out.push_ident(col(table, *i).name);
        out.push(" = ");
        out.push(sql);
    }
    if single {
        let row = &rows[0];
        out.push(" WHERE ");
        for (n, &k) in keys.iter().enumerate() {
            if n > 0 {
                out.push(" AND ");
            }
            out.push_ident(TARGET);
            out.push(".");
            out.push_ident(col(table, k).name);
            out.push(" = ");
            out.push_param(&row.key[n]);
        }
        if let (Some(v), Some(p)) = (version, &row.version) {
            out.push(" AND ");
            out.push_ident(TARGET);
            out.push(".");
            out.push_ident(col(table, v).name);
            out.push(" = ");
            out.push_param(p);
        }
    } else {
        // The source: key columns, set columns' values, then the loaded version.
        let key_names: Vec<&str> = keys.iter().map(|&i| col(table, i).name).collect();
        let mut all: Vec<Src> = table_srcs(table, &keys, &key_names);
        all.extend(srcs.into_iter().flatten());
        let versioned = version.filter(|_| rows.iter().all(|r| r.version.is_some()));
        if let Some(v) = versioned {
            all.extend(table_srcs(table, &[v], &[VERSION]));
        }
        let values: Vec<Vec<Param>> = rows
            .iter()
            .map(|r| {
                let mut v = r.key.clone();
                v.extend(r.values.iter().cloned());
                if let (Some(_), Some(p)) = (versioned, &r.version) {
                    v.push(p.clone());
                }
                v
            })
            .collect();
        out.push(" FROM ");
        push_rows(&mut out, &all, &values, false);
        out.push(" WHERE ");
        push_key_match(&mut out, table, &keys, TARGET, SOURCE);
        if let Some(v) = versioned {
            push_version_match(&mut out, table, v);
        }
    }
    out.push(" RETURNING ");
    let mut back = keys;
    back.extend(returning);
    push_columns(&mut out, table, &back, Some(TARGET));
    out.finish()
}

/// `DELETE`s the rows with these keys. With `versions` (a versioned table), each row must
/// still have the version it was loaded with, and the statement returns the keys it
/// deleted; without, it returns nothing.
///
/// ```
/// use orm_core::__doc::Account;
/// use orm_core::flush;
/// use orm_core::metadata::Table;
/// use std::sync::Arc;
///
/// let keys = vec![vec![Arc::new(1_i64) as _], vec![Arc::new(2_i64) as _]];
/// let sql = flush::delete(Account::TABLE, &keys, None);
/// assert_eq!(sql.sql(), r#"DELETE FROM "accounts" WHERE "id" = ANY($1::BIGINT[])"#);
/// ```
pub fn delete(table: &TableDef, keys: &[Vec<Param>], versions: Option<&[Param]>) -> CompiledSql {
    let key_cols = key_columns(table);
    let mut out = SqlWriter::new();
    out.push("DELETE FROM ");
    out.push(&table.qualified_name());
    let version = version_column(table).filter(|_| versions.is_some());
    if key_cols.len() == 1 && version.is_none() && fits_arrays(table, &key_cols) {
        out.push(" WHERE ");
        out.push_ident(col(table, key_cols[0]).name);
        out.push(" = ANY(");
        let values: Vec<Param> = keys.iter().map(|k| k[0].clone()).collect();
        push_array(&mut out, &key_element_type(table, key_cols[0]), values);
        out.push(")");
        return out.finish();
    }
    out.push(" AS ");
    out.push_ident(TARGET);
    out.push(" USING ");
    let mut columns = key_cols.clone();
    let mut names: Vec<&str> = columns.iter().map(|&i| col(table, i).name).collect();
    if let Some(v) = version {
        columns.push(v);
        names.push(VERSION);
    }
    let rows: Vec<Vec<Param>> = keys
        .iter()
        .enumerate()
        .map(|(n, k)| {
            let mut row = k.clone();
            if let (Some(_), Some(vs)) = (version, versions) {
                row.push(vs[n].clone());
            }
            row
        })
        .collect();
    push_source(&mut out, table, &columns, &names, &rows, false);
    out.push(" WHERE ");
    push_key_match(&mut out, table, &key_cols, TARGET, SOURCE);
    if let Some(v) = version {
        push_version_match(&mut out, table, v);
        out.push(" RETURNING ");
        push_columns(&mut out, table, &key_cols, Some(TARGET));
    }
    out.finish()
}

/// `SELECT <columns> FROM table WHERE <key> = ..` for one key (`$1`, ..) or many
/// (`= ANY($1::t[])`, or a join with `unnest` for a composite key). `columns` are column
/// indexes (all of them for `get`, the key for a probe).
///
/// ```
/// use orm_core::__doc::Account;
/// use orm_core::flush;
/// use orm_core::metadata::Table;
/// use std::sync::Arc;
///
/// let all: Vec<usize> = (0..4).collect();
/// let sql = flush::select_by_keys(Account::TABLE, &all, &[vec![Arc::new(7_i64) as _]]);
/// assert_eq!(sql.sql(), r#"SELECT "__mapped_t"."id", "__mapped_t"."owner_id", "__mapped_t"."name", "__mapped_t"."balance" FROM "accounts" AS "__mapped_t" WHERE "__mapped_t"."id" = $1"#);
/// ```
pub fn select_by_keys(table: &TableDef, columns: &[usize], keys: &[Vec<Param>]) -> CompiledSql {
    let key_cols = key_columns(table);
    let mut out = SqlWriter::new();
    out.push("SELECT ");
    push_columns(&mut out, table, columns, Some(TARGET));
    out.push(" FROM ");
    out.push(&table.qualified_name());
    out.push(" AS ");
    out.push_ident(TARGET);
    if keys.len() == 1 {
        out.push(" WHERE ");
        for (n, &k) in key_cols.iter().enumerate() {
            if n > 0 {
                out.push(" AND ");
            }
            out.push_ident(TARGET);
            out.push(".");
            out.push_ident(col(table, k).name);
            out.push(" = ");
            out.push_param(&keys[0][n]);
        }
    } else if key_cols.len() == 1 && fits_arrays(table, &key_cols) {
        out.push(" WHERE ");
        out.push_ident(TARGET);
        out.push(".");
        out.push_ident(col(table, key_cols[0]).name);
        out.push(" = ANY(");
        let values: Vec<Param> = keys.iter().map(|k| k[0].clone()).collect();
        push_array(&mut out, &key_element_type(table, key_cols[0]), values);
        out.push(")");
    } else {
        out.push(" JOIN ");
        let names: Vec<&str> = key_cols.iter().map(|&i| col(table, i).name).collect();
        push_source(&mut out, table, &key_cols, &names, keys, false);
        out.push(" ON ");
        push_key_match(&mut out, table, &key_cols, TARGET, SOURCE);
    }
    out.finish()
}

/// Column indexes a model INSERT sends ([`TableDef::insert_columns`]) and the ones it
/// reads back (the server-generated rest).
pub fn insert_columns(table: &TableDef) -> (Vec<usize>, Vec<usize>) {
    let send: Vec<usize> = table.insert_columns().map(|(i, _)| i).collect();
    let back = (0..table.columns.len())
        .filter(|i| !send.contains(i))
        .collect();
    (send, back)
}

/// A NULL of any type: what a flush writes into a foreign key column whose target row is
/// inserted later in the same flush (a cycle between tables broken on its nullable side);
/// a second UPDATE then writes the real value.
#[derive(Debug, Clone, Copy)]
pub struct AnyNull;

impl postgres_types::ToSql for AnyNull {
    fn to_sql(
        &self,
        _: &postgres_types::Type,
        _: &mut bytes::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(postgres_types::IsNull::Yes)
    }

    fn accepts(_: &postgres_types::Type) -> bool {
        true
    }

    postgres_types::to_sql_checked!();
}

#[cfg(test)]
mod patch_tests {
    use super::*;
    use crate::__doc::Doc;
    use crate::metadata::Table;
    use std::sync::Arc;

    fn one(column: usize, shape: PatchShape) -> String {
        let set = [SetColumn {
            column,
            patch: Some(shape),
        }];
        let mut values: Vec<Param> = Vec::new();
        for k in 0..shape.params() {
            values.push(Arc::new(format!("v{k}")));
        }
        let row = UpdateRow {
            key: vec![Arc::new(1_i64)],
            values,
            version: None,
        };
        let sql = update(Doc::TABLE, &set, &[row]).sql().to_owned();
        let start = sql.find(" = ").unwrap_or(0) + 3;
        let end = sql.find(" WHERE ").unwrap_or(sql.len());
        sql[start..end].to_owned()
    }

    #[test]
    fn every_patch_shape_renders_over_the_current_value() {
        assert_eq!(
            one(1, PatchShape::Append),
            r#"array_cat("__mapped_t"."tags", $1::TEXT[])"#
        );
        assert_eq!(
            one(
                1,
                PatchShape::SetOf {
                    added: true,
                    removed: true
                }
            ),
            r#"ARRAY(SELECT unnest(array_cat("__mapped_t"."tags", $1::TEXT[])) EXCEPT SELECT unnest($2::TEXT[]))"#
        );
        assert_eq!(
            one(
                1,
                PatchShape::SetOf {
                    added: true,
                    removed: false
                }
            ),
            r#"ARRAY(SELECT DISTINCT unnest(array_cat("__mapped_t"."tags", $1::TEXT[])))"#
        );
        assert_eq!(
            one(
                1,
                PatchShape::SetOf {
                    added: false,
                    removed: true
                }
            ),
            r#"ARRAY(SELECT unnest("__mapped_t"."tags") EXCEPT SELECT unnest($1::TEXT[]))"#
        );
        assert_eq!(
            one(
                2,
                PatchShape::Hstore {
                    set: true,
                    removed: true
                }
            ),
            r#"("__mapped_t"."attrs" - $1::TEXT::text[]) || $2::HSTORE"#
        );
        assert_eq!(
            one(
                2,
                PatchShape::Hstore {
                    set: true,
                    removed: false
                }
            ),
            r#""__mapped_t"."attrs" || $1::HSTORE"#
        );
        assert_eq!(
            one(
                2,
                PatchShape::Hstore {
                    set: false,
                    removed: true
                }
            ),
            r#""__mapped_t"."attrs" - $1::TEXT::text[]"#
        );
        assert_eq!(
            one(
                3,
                PatchShape::Jsonb {
                    sets: 2,
                    deletes: 2,
                    appends: 1
                }
            ),
            r#"jsonb_insert(jsonb_set(jsonb_set(("__mapped_t"."body" #- $1::TEXT::text[] #- $2::TEXT::text[]), $3::TEXT::text[], $4::JSONB), $5::TEXT::text[], $6::JSONB), $7::TEXT::text[], $8::JSONB, true)"#
        );
    }

    #[test]
    fn array_parameters_switch_a_batch_to_values() {
        let set = [SetColumn {
            column: 1,
            patch: Some(PatchShape::Append),
        }];
        assert!(!update_fits_arrays(Doc::TABLE, &set));
        let hstore = [SetColumn {
            column: 2,
            patch: Some(PatchShape::Hstore {
                set: true,
                removed: true,
            }),
        }];
        assert!(update_fits_arrays(Doc::TABLE, &hstore));
        let rows: Vec<UpdateRow> = (1..=2_i64)
            .map(|id| UpdateRow {
                key: vec![Arc::new(id)],
                values: vec![Arc::new(vec!["x".to_owned()])],
                version: None,
            })
            .collect();
        assert_eq!(
            update(Doc::TABLE, &set, &rows).sql(),
            r#"UPDATE "docs" AS "__mapped_t" SET "tags" = array_cat("__mapped_t"."tags", "__mapped_u"."__mapped_p1_0") FROM (VALUES ($1::BIGINT, $2::TEXT[]), ($3::BIGINT, $4::TEXT[])) AS "__mapped_u"("id", "__mapped_p1_0") WHERE "__mapped_t"."id" = "__mapped_u"."id" RETURNING "__mapped_t"."id""#
        );
    }
}
