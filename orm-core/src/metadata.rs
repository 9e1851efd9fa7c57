//! Table metadata: what `#[derive(Model)]` knows about a table, as plain `'static` data.
//!
//! Everything here is `const`-constructible, so the derive emits one `static`-like
//! [`TableDef`] per model and nothing is built at run time. The DDL writer
//! ([`crate::ddl`]), the statement builders and the runtime's `create_all` read it.
//!
//! # Names the derive fills in
//!
//! Constraints and indexes always carry a name. When the user gives none, the derive uses
//! PostgreSQL's own convention, so the catalog shows what the metadata says:
//! `{table}_pkey`, `{table}_{cols}_key` (UNIQUE), `{table}_{cols}_fkey`, `{table}_{col}_check`
//! (or `{table}_check{n}` at table level), `{table}_{cols}_excl`, `{table}_{cols}_idx`.
//!
//! # Generated values (the "pending object's key" decision)
//!
//! A model's fields are plain Rust types (`id: i64`, never `Option<i64>` for a key the server
//! makes). Columns whose value only the server can make — `identity`, `sequence`, `generated`
//! and `version` — are *left out* of a model INSERT and come back through `RETURNING`, so the
//! value a new object holds in such a field (typically `Default::default()`) is never sent.
//! See [`ColumnDef::is_server_generated`]. A `server_default` column is different: the
//! object's value is sent (a Rust struct always holds one, and dropping it would lose data);
//! its default applies to column-wise INSERTs that leave it out. Mark it
//! `#[mapped(server_default = "now()", omit_on_insert)]` to have model INSERTs leave it out
//! too and read the server's value back (a `created_at`, a `gen_random_uuid()` key). To write an explicit value
//! into a generated column, use the column-wise insert builder (`insert::<T>().set(T::ID, 42)`,
//! with `.overriding_system_value()` for `GENERATED ALWAYS`).

use std::sync::Arc;

use crate::types::TypeInfo;
use crate::value::BindValue;

/// A model: a Rust type mapped to one table. Implemented by `#[derive(Model)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table",
    note = "derive it: `#[derive(Model)]` with `#[mapped(table = \"..\")]`"
)]
pub trait Table: Sized + Send + Sync + 'static {
    /// The table's metadata.
    const TABLE: &'static TableDef;
    /// The alias this type stands for (`FROM categories AS parent`); `None` for the table
    /// itself. Set by [`alias!`](crate::alias).
    const ALIAS: Option<&'static str> = None;
}

/// A table as a statement names it: `"schema"."name"`, or `"schema"."name" AS "alias"` with
/// its columns qualified by the alias.
#[derive(Debug, Clone, Copy)]
pub struct TableRef {
    /// The table.
    pub def: &'static TableDef,
    /// Its alias in the statement.
    pub alias: Option<&'static str>,
}

impl TableRef {
    /// The table (or alias) `T`.
    pub fn of<T: Table>() -> Self {
        TableRef {
            def: T::TABLE,
            alias: T::ALIAS,
        }
    }

    /// What qualifies its columns.
    pub fn qualifier(&self) -> crate::expr::Qualifier {
        match self.alias {
            Some(a) => crate::expr::Qualifier::Alias(a),
            None => crate::expr::Qualifier::Table(self.def),
        }
    }

    /// `"schema"."name"[ AS "alias"]`
    pub fn write(&self, out: &mut crate::writer::SqlWriter) {
        out.push(&self.def.qualified_name());
        if let Some(a) = self.alias {
            out.push(" AS ");
            out.push_ident(a);
        }
    }

    /// The name a lock clause (`FOR UPDATE OF ..`) uses: the alias, or the bare table name.
    pub fn lock_name(&self) -> &'static str {
        self.alias.unwrap_or(self.def.name)
    }
}

/// Produces a fresh value for a column (a Rust-side default or an `on_update` value).
pub type ValueFn = fn() -> Arc<dyn BindValue>;

/// Points at the metadata of another model (a foreign key target); a function so that
/// tables can reference each other, and themselves, in `const` data.
pub type TableFn = fn() -> &'static TableDef;

/// A table: name, schema, columns, keys, indexes, constraints and options.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    /// Table name, unquoted (`users`).
    pub name: &'static str,
    /// Schema, when the table is not in the connection's `search_path` default.
    pub schema: Option<&'static str>,
    /// The Rust type the table was derived from, for messages.
    pub rust_name: &'static str,
    /// `COMMENT ON TABLE`.
    pub comment: Option<&'static str>,
    /// Columns in declaration order (skipped fields are not here).
    pub columns: &'static [ColumnDef],
    /// The primary key, if any (one or more columns).
    pub primary_key: Option<PrimaryKeyDef>,
    /// Table-level and column-level UNIQUE, CHECK, FOREIGN KEY and EXCLUDE constraints.
    pub constraints: &'static [ConstraintDef],
    /// Indexes created after the table (`CREATE INDEX`).
    pub indexes: &'static [IndexDef],
    /// Named sequences the columns use (`CREATE SEQUENCE` before the table).
    pub sequences: &'static [SequenceDef],
    /// Extensions the table needs (`CREATE EXTENSION IF NOT EXISTS` before the table): from
    /// column types such as HSTORE or CITEXT, and from `#[mapped(extension = "..")]`.
    pub extensions: &'static [&'static str],
    /// Storage and kind options.
    pub options: TableOptions,
}

impl TableDef {
    /// The column with this SQL name.
    pub fn column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Index of the column with this SQL name in [`TableDef::columns`].
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Primary key column names (empty without a primary key).
    pub fn primary_key_columns(&self) -> &'static [&'static str] {
        match &self.primary_key {
            Some(pk) => pk.columns,
            None => &[],
        }
    }

    /// Columns a model INSERT writes (every column but the server-generated ones).
    pub fn insert_columns(&self) -> impl Iterator<Item = (usize, &'static ColumnDef)> + 'static {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_server_generated())
    }

    /// `"schema"."name"` or `"name"`, quoted.
    pub fn qualified_name(&self) -> String {
        let mut out = String::new();
        if let Some(schema) = self.schema {
            crate::writer::quote_ident_into(&mut out, schema);
            out.push('.');
        }
        crate::writer::quote_ident_into(&mut out, self.name);
        out
    }

    /// Tables this one references through its foreign keys (itself excluded).
    pub fn referenced_tables(&self) -> impl Iterator<Item = &'static TableDef> + '_ {
        self.constraints.iter().filter_map(move |c| match c {
            ConstraintDef::ForeignKey(fk) => match fk.target {
                FkTarget::Model(f) => {
                    let t = f();
                    (!(t.name == self.name && t.schema == self.schema)).then_some(t)
                }
                FkTarget::Named { .. } => None,
            },
            _ => None,
        })
    }
}

/// Table options of `CREATE TABLE`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// `CREATE TEMPORARY TABLE`.
    pub temporary: bool,
    /// `CREATE UNLOGGED TABLE`.
    pub unlogged: bool,
    /// `INHERITS (parent, ..)`: parent table names, possibly schema-qualified (`s.t`).
    pub inherits: &'static [&'static str],
    /// `PARTITION BY <spec>`, e.g. `LIST (region)` (trusted SQL).
    pub partition_by: Option<&'static str>,
    /// `USING <access method>`.
    pub using: Option<&'static str>,
    /// `WITH (name = value, ..)` storage parameters (trusted SQL values).
    pub with: &'static [(&'static str, &'static str)],
    /// `ON COMMIT ..` for temporary tables.
    pub on_commit: Option<OnCommit>,
    /// `TABLESPACE <name>`.
    pub tablespace: Option<&'static str>,
}

impl TableOptions {
    /// No option: a plain permanent table.
    pub const NONE: TableOptions = TableOptions {
        temporary: false,
        unlogged: false,
        inherits: &[],
        partition_by: None,
        using: None,
        with: &[],
        on_commit: None,
        tablespace: None,
    };
}

/// `ON COMMIT` behaviour of a temporary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnCommit {
    /// `ON COMMIT PRESERVE ROWS`
    PreserveRows,
    /// `ON COMMIT DELETE ROWS`
    DeleteRows,
    /// `ON COMMIT DROP`
    Drop,
}

/// The SQL type of a column in DDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DdlType {
    /// From the field's Rust type (the default type table in [`crate::types`]).
    Mapped(TypeInfo),
    /// `#[mapped(sql_type = "NUMERIC(12,2)")]`: written as given (trusted SQL).
    Custom(&'static str),
}

impl DdlType {
    /// The type as written in `CREATE TABLE`.
    pub fn to_sql(&self) -> String {
        match self {
            DdlType::Mapped(info) => info.to_sql(),
            DdlType::Custom(s) => (*s).to_owned(),
        }
    }
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// SQL name (after `rename`).
    pub name: &'static str,
    /// The Rust field it comes from.
    pub field: &'static str,
    /// SQL type.
    pub sql_type: DdlType,
    /// `NULL` allowed: the field is an `Option<T>`.
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// `GENERATED .. AS IDENTITY`.
    pub identity: Option<IdentityDef>,
    /// Default from a named sequence: `DEFAULT nextval('name')`.
    pub sequence: Option<&'static str>,
    /// `DEFAULT <expr>` (trusted SQL).
    pub server_default: Option<&'static str>,
    /// A Rust-side default, used when an INSERT does not give this column.
    pub default: Option<ValueFn>,
    /// Set on every UPDATE that does not set the column itself.
    pub on_update: Option<OnUpdate>,
    /// `GENERATED ALWAYS AS (<expr>) STORED` (trusted SQL).
    pub generated: Option<&'static str>,
    /// Optimistic-lock version column: checked and incremented by the Session's UPDATEs.
    pub version: bool,
    /// `#[mapped(omit_on_insert)]`: a model INSERT leaves the column out, so its
    /// `server_default` fills it, and reads the value back through `RETURNING`.
    pub omit_on_insert: bool,
    /// `COLLATE "name"`.
    pub collation: Option<&'static str>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<&'static str>,
}

impl ColumnDef {
    /// A plain column: no key, default, identity or constraint (set those with struct
    /// update syntax: `ColumnDef { primary_key: true, ..ColumnDef::new(..) }`).
    pub const fn new(name: &'static str, sql_type: DdlType, nullable: bool) -> Self {
        ColumnDef {
            name,
            field: name,
            sql_type,
            nullable,
            primary_key: false,
            identity: None,
            sequence: None,
            server_default: None,
            default: None,
            on_update: None,
            generated: None,
            version: false,
            omit_on_insert: false,
            collation: None,
            comment: None,
        }
    }

    /// Filled by the server on INSERT, so left out of a model INSERT and read back through
    /// RETURNING: identity, named sequence, generated and `version` columns, and
    /// `server_default` columns marked `omit_on_insert` (see the module docs for why other
    /// `server_default` columns are not among them).
    pub fn is_server_generated(&self) -> bool {
        self.identity.is_some()
            || self.sequence.is_some()
            || self.generated.is_some()
            || self.version
            || self.omit_on_insert
    }
}

/// Value written by UPDATEs that do not set the column (`updated_at`).
#[derive(Debug, Clone, Copy)]
pub enum OnUpdate {
    /// A SQL expression such as `now()` (trusted SQL).
    Sql(&'static str),
    /// A value computed in Rust for each statement.
    Value(ValueFn),
}

/// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY ( .. )`.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityDef {
    /// `ALWAYS` (the server refuses explicit values) rather than `BY DEFAULT`.
    pub always: bool,
    /// Sequence options.
    pub options: SequenceOptions,
}

/// Options shared by identities and sequences.
#[derive(Debug, Clone, Copy, Default)]
pub struct SequenceOptions {
    /// `START WITH n`
    pub start: Option<i64>,
    /// `INCREMENT BY n`
    pub increment: Option<i64>,
    /// `MINVALUE n`
    pub min_value: Option<i64>,
    /// `MAXVALUE n`
    pub max_value: Option<i64>,
    /// `CACHE n`
    pub cache: Option<i64>,
    /// `CYCLE`
    pub cycle: bool,
}

/// `CREATE SEQUENCE`.
#[derive(Debug, Clone, Copy)]
pub struct SequenceDef {
    /// Name, unquoted.
    pub name: &'static str,
    /// Schema.
    pub schema: Option<&'static str>,
    /// Options.
    pub options: SequenceOptions,
}

/// The primary key.
#[derive(Debug, Clone, Copy)]
pub struct PrimaryKeyDef {
    /// Constraint name (`{table}_pkey` unless given).
    pub name: &'static str,
    /// Columns, in key order.
    pub columns: &'static [&'static str],
}

/// A table constraint.
#[derive(Debug, Clone, Copy)]
pub enum ConstraintDef {
    /// `UNIQUE (..)`
    Unique(UniqueDef),
    /// `CHECK (..)`
    Check(CheckDef),
    /// `FOREIGN KEY (..) REFERENCES ..`
    ForeignKey(ForeignKeyDef),
    /// `EXCLUDE USING .. (..)`
    Exclude(ExcludeDef),
}

impl ConstraintDef {
    /// The constraint's name.
    pub fn name(&self) -> &'static str {
        match self {
            ConstraintDef::Unique(c) => c.name,
            ConstraintDef::Check(c) => c.name,
            ConstraintDef::ForeignKey(c) => c.name,
            ConstraintDef::Exclude(c) => c.name,
        }
    }
}

/// `DEFERRABLE` / `INITIALLY ..` of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Deferrable {
    /// Nothing written (PostgreSQL's default, NOT DEFERRABLE).
    #[default]
    Unspecified,
    /// `NOT DEFERRABLE`
    NotDeferrable,
    /// `DEFERRABLE INITIALLY IMMEDIATE`
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`
    InitiallyDeferred,
}

/// `UNIQUE`
#[derive(Debug, Clone, Copy)]
pub struct UniqueDef {
    /// Name.
    pub name: &'static str,
    /// Columns.
    pub columns: &'static [&'static str],
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+).
    pub nulls_not_distinct: bool,
    /// `INCLUDE (..)`
    pub include: &'static [&'static str],
    /// Deferrability.
    pub deferrable: Deferrable,
}

/// `CHECK`
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// Name.
    pub name: &'static str,
    /// Boolean expression (trusted SQL).
    pub expr: &'static str,
    /// `NO INHERIT`
    pub no_inherit: bool,
    /// `NOT VALID`: added after the table by `ALTER TABLE .. ADD CONSTRAINT .. NOT VALID`.
    pub not_valid: bool,
}

/// Referential action of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefAction {
    /// `NO ACTION`
    NoAction,
    /// `RESTRICT`
    Restrict,
    /// `CASCADE`
    Cascade,
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
}

impl RefAction {
    /// SQL keyword(s).
    pub fn as_sql(self) -> &'static str {
        match self {
            RefAction::NoAction => "NO ACTION",
            RefAction::Restrict => "RESTRICT",
            RefAction::Cascade => "CASCADE",
            RefAction::SetNull => "SET NULL",
            RefAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// The table a foreign key points at.
#[derive(Debug, Clone, Copy)]
pub enum FkTarget {
    /// Another model (or the same one): typed, and ordered by `create_all`.
    Model(TableFn),
    /// A table known only by name.
    Named {
        /// Schema.
        schema: Option<&'static str>,
        /// Table name.
        name: &'static str,
    },
}

/// `FOREIGN KEY`
#[derive(Debug, Clone, Copy)]
pub struct ForeignKeyDef {
    /// Name.
    pub name: &'static str,
    /// Referencing columns of this table.
    pub columns: &'static [&'static str],
    /// Referenced table.
    pub target: FkTarget,
    /// Referenced columns.
    pub target_columns: &'static [&'static str],
    /// `ON DELETE`
    pub on_delete: Option<RefAction>,
    /// `ON UPDATE`
    pub on_update: Option<RefAction>,
    /// Deferrability.
    pub deferrable: Deferrable,
    /// `NOT VALID`: added after the table by `ALTER TABLE .. ADD CONSTRAINT .. NOT VALID`.
    pub not_valid: bool,
}

/// `EXCLUDE`
#[derive(Debug, Clone, Copy)]
pub struct ExcludeDef {
    /// Name.
    pub name: &'static str,
    /// Index method (`gist` unless given).
    pub using: &'static str,
    /// `(element WITH operator, ..)`
    pub elements: &'static [ExcludeElement],
    /// `INCLUDE (..)`
    pub include: &'static [&'static str],
    /// `WHERE (..)` (trusted SQL).
    pub predicate: Option<&'static str>,
    /// Deferrability.
    pub deferrable: Deferrable,
}

/// One `element WITH operator` of an EXCLUDE constraint.
#[derive(Debug, Clone, Copy)]
pub struct ExcludeElement {
    /// The column or expression, with its options.
    pub element: IndexElement,
    /// The operator (`=`, `&&`, ..).
    pub operator: &'static str,
}

/// `CREATE INDEX`
#[derive(Debug, Clone, Copy)]
pub struct IndexDef {
    /// Name.
    pub name: &'static str,
    /// `UNIQUE`
    pub unique: bool,
    /// `CONCURRENTLY` (must run outside a transaction).
    pub concurrently: bool,
    /// `USING <method>` (btree unless given).
    pub using: Option<&'static str>,
    /// Columns and expressions.
    pub elements: &'static [IndexElement],
    /// `INCLUDE (..)`
    pub include: &'static [&'static str],
    /// `NULLS NOT DISTINCT`
    pub nulls_not_distinct: bool,
    /// `WITH (name = value, ..)`
    pub with: &'static [(&'static str, &'static str)],
    /// `TABLESPACE`
    pub tablespace: Option<&'static str>,
    /// `WHERE <predicate>`: a partial index (trusted SQL).
    pub predicate: Option<&'static str>,
}

/// What an index element indexes.
#[derive(Debug, Clone, Copy)]
pub enum IndexTarget {
    /// A column, by SQL name.
    Column(&'static str),
    /// An expression such as `lower(email)` (trusted SQL).
    Expr(&'static str),
}

/// Sort order of an index element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// `ASC`
    Asc,
    /// `DESC`
    Desc,
}

/// NULL placement of an index element or ORDER BY item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    /// `NULLS FIRST`
    First,
    /// `NULLS LAST`
    Last,
}

/// One element of an index or EXCLUDE constraint.
#[derive(Debug, Clone, Copy)]
pub struct IndexElement {
    /// Column or expression.
    pub target: IndexTarget,
    /// `COLLATE`
    pub collation: Option<&'static str>,
    /// Operator class (`text_pattern_ops`, `gin_trgm_ops`, ..).
    pub opclass: Option<&'static str>,
    /// `ASC` / `DESC`
    pub order: Option<SortOrder>,
    /// `NULLS FIRST` / `NULLS LAST`
    pub nulls: Option<NullsOrder>,
}

impl IndexElement {
    /// A plain column element.
    pub const fn column(name: &'static str) -> Self {
        IndexElement {
            target: IndexTarget::Column(name),
            collation: None,
            opclass: None,
            order: None,
            nulls: None,
        }
    }
}

/// Declares a table alias: a marker type that stands for model `T` under another name, for
/// self-joins and for correlated subqueries on the same table.
///
/// `alias!(pub Parent = Category as "parent")` declares `Parent`. It is a [`Table`] (so the
/// compile-time table checks treat it as a table of its own). `Parent::col(Category::ID)` is
/// its column, written `"parent"."id"`, and `all_columns::<Parent>()` decodes into `Category`
/// (or `Option<Category>` after an outer join).
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// orm_core::alias!(pub Owning = Account as "owning");
/// let q = select_from::<Account>()
///     .left_join::<Owning, _>(Owning::col(Account::ID).eq(Account::OWNER_ID))
///     .select((Account::NAME, Owning::col(Account::NAME)));
/// assert_eq!(
///     q.to_sql().sql(),
///     r#"SELECT "accounts"."name", "owning"."name" FROM "accounts" LEFT JOIN "accounts" AS "owning" ON "owning"."id" = "accounts"."owner_id""#
/// );
/// ```
#[macro_export]
macro_rules! alias {
    ($(#[$meta:meta])* $vis:vis $name:ident = $table:ty as $sql:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $crate::metadata::Table for $name {
            const TABLE: &'static $crate::metadata::TableDef =
                <$table as $crate::metadata::Table>::TABLE;
            const ALIAS: ::std::option::Option<&'static str> = ::std::option::Option::Some($sql);
        }

        impl $name {
            /// The column `column` of the table under this alias.
            #[allow(dead_code, reason = "generated for every alias")]
            $vis const fn col<ST>(
                column: $crate::column::Column<$table, ST>,
            ) -> $crate::column::Column<$name, ST> {
                $crate::column::Column::new(column.name(), column.index())
            }
        }

        impl $crate::row::FromRow<$name> for $table {
            fn from_row(
                row: &dyn $crate::row::SqlRow,
                idx: &mut usize,
            ) -> ::std::result::Result<Self, $crate::row::DecodeError> {
                <$table as $crate::row::FromRow<$table>>::from_row(row, idx)
            }
        }

        impl $crate::row::FromRow<$name> for ::std::option::Option<$table> {
            fn from_row(
                row: &dyn $crate::row::SqlRow,
                idx: &mut usize,
            ) -> ::std::result::Result<Self, $crate::row::DecodeError> {
                <::std::option::Option<$table> as $crate::row::FromRow<$table>>::from_row(row, idx)
            }
        }
    };
}
