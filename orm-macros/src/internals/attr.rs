//! `#[mapped(..)]` attribute parsing, serde style: one pass over the attributes, every key
//! checked against the keys of its position, every error recorded in the [`Ctxt`] and
//! parsing resumed after it, so that one compilation reports all mistakes.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Path, Token};

use super::ctxt::Ctxt;
use super::symbol::*;

pub(crate) mod pg_type;

// ---------------------------------------------------------------------------------------
// Value holders
// ---------------------------------------------------------------------------------------

/// A key that may be given once; remembers where it was given.
pub(crate) struct Attr<T> {
    key: Option<(String, Span)>,
    value: Option<T>,
    /// The key was written, even if its value did not parse (its error is reported).
    seen: bool,
}

impl<T> Default for Attr<T> {
    fn default() -> Self {
        Attr {
            key: None,
            value: None,
            seen: false,
        }
    }
}

impl<T> Attr<T> {
    /// Notes that the key was written, before its value is parsed.
    pub(crate) fn mark(&mut self) {
        self.seen = true;
    }

    /// The value of a required key: `Ok(None)` when the key was written with a wrong
    /// value (already reported), an error at the enclosing key when it is missing.
    fn required(
        self,
        meta: &ParseNestedMeta<'_>,
        what: &str,
        form: &str,
    ) -> syn::Result<Option<T>> {
        match self.value {
            Some(v) => Ok(Some(v)),
            None if self.seen => Ok(None),
            None => Err(missing(meta, what, form)),
        }
    }

    /// Sets the value; a second `set` is reported at its key: as a duplicate when the key
    /// is the same, as a conflict when another key of the same slot (`asc`/`desc`) was used.
    pub(crate) fn set(&mut self, cx: &Ctxt, key: &Path, value: T) {
        let name = path_to_string(key);
        if let Some((prev, _)) = &self.key {
            if *prev == name {
                cx.error_at(key.span(), format!("duplicate `{name}`"));
            } else {
                cx.error_at(key.span(), format!("`{name}` conflicts with `{prev}`"));
            }
            return;
        }
        self.key = Some((name, key.span()));
        self.value = Some(value);
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    pub(crate) fn take(self) -> Option<T> {
        self.value
    }

    /// The span of the key that set the value.
    pub(crate) fn span(&self) -> Option<Span> {
        self.key.as_ref().map(|(_, s)| *s)
    }

    pub(crate) fn is_set(&self) -> bool {
        self.value.is_some()
    }
}

/// A flag key (`temporary`, `unique`, ..).
pub(crate) type BoolAttr = Attr<()>;

impl BoolAttr {
    pub(crate) fn set_true(&mut self, cx: &Ctxt, key: &Path) {
        self.set(cx, key, ());
    }
}

// ---------------------------------------------------------------------------------------
// Parsed shapes
// ---------------------------------------------------------------------------------------

/// `DEFERRABLE` / `INITIALLY DEFERRED` flags of a constraint.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Deferrable {
    #[default]
    Unspecified,
    InitiallyImmediate,
    InitiallyDeferred,
}

impl Deferrable {
    fn from_flags(deferrable: bool, initially_deferred: bool) -> Self {
        // INITIALLY DEFERRED implies DEFERRABLE, as in PostgreSQL's grammar.
        match (deferrable, initially_deferred) {
            (_, true) => Deferrable::InitiallyDeferred,
            (true, false) => Deferrable::InitiallyImmediate,
            (false, false) => Deferrable::Unspecified,
        }
    }
}

/// A referential action.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

/// `ON COMMIT` of a temporary table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnCommit {
    PreserveRows,
    DeleteRows,
    Drop,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortOrder {
    Asc,
    Desc,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NullsOrder {
    First,
    Last,
}

/// What an index element indexes, as written.
#[derive(Clone)]
pub(crate) enum ElementTarget {
    /// A Rust field name (mapped to its column later).
    Field(Ident),
    /// The field a field-level `index` is on.
    ThisField,
    /// A trusted SQL expression.
    Expr(LitStr),
}

/// One element of an index or EXCLUDE constraint, as written.
pub(crate) struct Element {
    pub(crate) target: ElementTarget,
    pub(crate) order: Attr<SortOrder>,
    pub(crate) nulls: Attr<NullsOrder>,
    pub(crate) opclass: Attr<LitStr>,
    pub(crate) collation: Attr<LitStr>,
}

impl Element {
    pub(crate) fn new(target: ElementTarget) -> Self {
        Element {
            target,
            order: Attr::default(),
            nulls: Attr::default(),
            opclass: Attr::default(),
            collation: Attr::default(),
        }
    }
}

/// Options shared by identities and sequences.
#[derive(Default)]
pub(crate) struct SequenceOptions {
    pub(crate) start: Attr<i64>,
    pub(crate) increment: Attr<i64>,
    pub(crate) min_value: Attr<i64>,
    pub(crate) max_value: Attr<i64>,
    pub(crate) cache: Attr<i64>,
    pub(crate) cycle: BoolAttr,
}

impl SequenceOptions {
    /// The options as comparable values (to merge two declarations of one sequence).
    pub(crate) fn values(&self) -> [Option<i64>; 6] {
        [
            self.start.get().copied(),
            self.increment.get().copied(),
            self.min_value.get().copied(),
            self.max_value.get().copied(),
            self.cache.get().copied(),
            self.cycle.is_set().then_some(1),
        ]
    }
}

/// `primary_key(columns(a, b), name = "..")`
pub(crate) struct PrimaryKey {
    pub(crate) key: Span,
    pub(crate) columns: Vec<Ident>,
    pub(crate) name: Option<LitStr>,
}

/// `unique(..)`; `columns` is empty at field level (the field itself).
pub(crate) struct Unique {
    pub(crate) key: Span,
    pub(crate) columns: Vec<Ident>,
    pub(crate) name: Option<LitStr>,
    pub(crate) nulls_not_distinct: bool,
    pub(crate) include: Vec<Ident>,
    pub(crate) deferrable: Deferrable,
}

/// `check = ".."` or `check(expr = "..", ..)`.
pub(crate) struct Check {
    pub(crate) key: Span,
    pub(crate) expr: LitStr,
    pub(crate) name: Option<LitStr>,
    pub(crate) no_inherit: bool,
    pub(crate) not_valid: bool,
}

/// Where a foreign key points, as written.
pub(crate) enum FkTarget {
    /// Typed column paths (`User::ID`).
    Columns(Vec<Path>),
    /// `"schema.table(col, ..)"`.
    Named {
        lit: LitStr,
        schema: Option<String>,
        table: String,
        columns: Vec<String>,
    },
}

/// `foreign_key(..)` or field-level `references(..)`; `columns` is empty at field level.
pub(crate) struct ForeignKey {
    pub(crate) key: Span,
    pub(crate) columns: Vec<Ident>,
    pub(crate) target: FkTarget,
    pub(crate) on_delete: Option<RefAction>,
    pub(crate) on_update: Option<RefAction>,
    pub(crate) deferrable: Deferrable,
    pub(crate) not_valid: bool,
    pub(crate) name: Option<LitStr>,
}

/// `index(..)`; at field level `elements` holds the field itself.
pub(crate) struct Index {
    pub(crate) key: Span,
    pub(crate) name: Option<LitStr>,
    pub(crate) elements: Vec<Element>,
    pub(crate) unique: bool,
    pub(crate) include: Vec<Ident>,
    pub(crate) predicate: Option<LitStr>,
    pub(crate) using: Option<LitStr>,
    pub(crate) with: Vec<(String, String)>,
    pub(crate) tablespace: Option<LitStr>,
    pub(crate) concurrently: bool,
    pub(crate) nulls_not_distinct: bool,
}

/// `exclude(..)`
pub(crate) struct Exclude {
    pub(crate) key: Span,
    pub(crate) name: Option<LitStr>,
    pub(crate) using: Option<LitStr>,
    pub(crate) elements: Vec<(Element, LitStr)>,
    pub(crate) include: Vec<Ident>,
    pub(crate) predicate: Option<LitStr>,
    pub(crate) deferrable: Deferrable,
}

/// `identity` or `identity(always, start = 1, ..)`.
#[derive(Default)]
pub(crate) struct Identity {
    pub(crate) always: bool,
    pub(crate) options: SequenceOptions,
}

/// `sequence = "name"` or `sequence(name = "..", schema = "..", ..)`.
pub(crate) struct Sequence {
    pub(crate) name: LitStr,
    pub(crate) schema: Option<String>,
    /// The name without schema.
    pub(crate) bare_name: String,
    pub(crate) options: SequenceOptions,
}

/// `on_update = "now()"` or `on_update(value = path)`.
pub(crate) enum OnUpdate {
    Sql(LitStr),
    Value(Path),
}

// ---------------------------------------------------------------------------------------
// Container (struct-level) attributes of #[derive(Model)]
// ---------------------------------------------------------------------------------------

/// Struct-level `#[mapped(..)]` of a model.
#[derive(Default)]
pub(crate) struct Container {
    pub(crate) table: Attr<LitStr>,
    /// `table` was written, even if its value was wrong (no "missing table" error then).
    pub(crate) table_key: bool,
    pub(crate) schema: Attr<LitStr>,
    pub(crate) comment: Attr<LitStr>,
    pub(crate) inherits: Attr<Vec<LitStr>>,
    pub(crate) partition_by: Attr<LitStr>,
    pub(crate) tablespace: Attr<LitStr>,
    pub(crate) using: Attr<LitStr>,
    pub(crate) with: Attr<Vec<(String, String)>>,
    pub(crate) temporary: BoolAttr,
    pub(crate) unlogged: BoolAttr,
    pub(crate) on_commit: Attr<OnCommit>,
    pub(crate) extensions: Vec<LitStr>,
    pub(crate) primary_key: Attr<PrimaryKey>,
    pub(crate) uniques: Vec<Unique>,
    pub(crate) checks: Vec<Check>,
    pub(crate) foreign_keys: Vec<ForeignKey>,
    pub(crate) indexes: Vec<Index>,
    pub(crate) excludes: Vec<Exclude>,
    pub(crate) krate: Attr<Path>,
}

/// A valid key of one attribute position and the form shown in `help:` lines.
#[derive(Clone, Copy)]
pub(crate) struct Key {
    sym: Symbol,
    form: &'static str,
}

const fn key(sym: Symbol, form: &'static str) -> Key {
    Key { sym, form }
}

const CONTAINER_KEYS: &[Key] = &[
    key(TABLE, r#"#[mapped(table = "users")]"#),
    key(SCHEMA, r#"#[mapped(schema = "app")]"#),
    key(COMMENT, r#"#[mapped(comment = "registered users")]"#),
    key(INHERITS, r#"#[mapped(inherits("parent", "app.other"))]"#),
    key(PARTITION_BY, r#"#[mapped(partition_by = "LIST (region)")]"#),
    key(TABLESPACE, r#"#[mapped(tablespace = "fast")]"#),
    key(USING, r#"#[mapped(using = "heap")]"#),
    key(
        WITH,
        r#"#[mapped(with(fillfactor = 70, autovacuum_enabled = false))]"#,
    ),
    key(TEMPORARY, r#"#[mapped(temporary)]"#),
    key(UNLOGGED, r#"#[mapped(unlogged)]"#),
    key(ON_COMMIT, r#"#[mapped(on_commit = "delete_rows")]"#),
    key(EXTENSION, r#"#[mapped(extension = "btree_gist")]"#),
    key(PRIMARY_KEY, r#"#[mapped(primary_key(columns(a, b)))]"#),
    key(UNIQUE, r#"#[mapped(unique(columns(a, b)))]"#),
    key(CHECK, r#"#[mapped(check = "starts_at < ends_at")]"#),
    key(
        FOREIGN_KEY,
        r#"#[mapped(foreign_key(columns(a, b), references(Other::A, Other::B)))]"#,
    ),
    key(INDEX, r#"#[mapped(index(columns(email), unique))]"#),
    key(
        EXCLUDE,
        r#"#[mapped(exclude(elements(room = "=", during = "&&")))]"#,
    ),
    key(CRATE, r#"#[mapped(crate = "::mapped::orm_core")]"#),
];

const FIELD_KEYS: &[Key] = &[
    key(RENAME, r#"#[mapped(rename = "column_name")]"#),
    key(SQL_TYPE, r#"#[mapped(sql_type = "NUMERIC(12,2)")]"#),
    key(PRIMARY_KEY, r#"#[mapped(primary_key)]"#),
    key(
        IDENTITY,
        r#"#[mapped(identity)] or #[mapped(identity(always, start = 1))]"#,
    ),
    key(
        SEQUENCE,
        r#"#[mapped(sequence = "name")] or #[mapped(sequence(name = "s", start = 1))]"#,
    ),
    key(SERVER_DEFAULT, r#"#[mapped(server_default = "now()")]"#),
    key(DEFAULT, r#"#[mapped(default = path::to::function)]"#),
    key(
        ON_UPDATE,
        r#"#[mapped(on_update = "now()")] or #[mapped(on_update(value = path::to::function))]"#,
    ),
    key(
        UNIQUE,
        r#"#[mapped(unique)] or #[mapped(unique(name = "..."))]"#,
    ),
    key(
        INDEX,
        r#"#[mapped(index)] or #[mapped(index(using = "gin"))]"#,
    ),
    key(
        REFERENCES,
        r#"#[mapped(references(User::ID, on_delete = cascade))] or #[mapped(references = "users(id)")]"#,
    ),
    key(CHECK, r#"#[mapped(check = "price > 0")]"#),
    key(GENERATED, r#"#[mapped(generated = "price * quantity")]"#),
    key(VERSION, r#"#[mapped(version)]"#),
    key(
        OMIT_ON_INSERT,
        r#"#[mapped(server_default = "now()", omit_on_insert)]"#,
    ),
    key(SKIP, r#"#[mapped(skip)]"#),
    key(COLLATE, r#"#[mapped(collate = "C")]"#),
    key(COMMENT, r#"#[mapped(comment = "...")]"#),
    key(CONST_NAME, r#"#[mapped(const_name = "EMAIL_ADDRESS")]"#),
];

const PRIMARY_KEY_KEYS: &[Key] = &[
    key(COLUMNS, r#"#[mapped(primary_key(columns(a, b)))]"#),
    key(
        NAME,
        r#"#[mapped(primary_key(columns(a, b), name = "..."))]"#,
    ),
];

const FIELD_PRIMARY_KEY_KEYS: &[Key] = &[key(NAME, r#"#[mapped(primary_key(name = "..."))]"#)];

const UNIQUE_KEYS: &[Key] = &[
    key(COLUMNS, r#"#[mapped(unique(columns(a, b)))]"#),
    key(NAME, r#"#[mapped(unique(columns(a, b), name = "..."))]"#),
    key(
        NULLS_NOT_DISTINCT,
        r#"#[mapped(unique(columns(a, b), nulls_not_distinct))]"#,
    ),
    key(INCLUDE, r#"#[mapped(unique(columns(a), include(b, c)))]"#),
    key(
        DEFERRABLE,
        r#"#[mapped(unique(columns(a, b), deferrable))]"#,
    ),
    key(
        INITIALLY_DEFERRED,
        r#"#[mapped(unique(columns(a, b), initially_deferred))]"#,
    ),
];

const FIELD_UNIQUE_KEYS: &[Key] = &[
    key(NAME, r#"#[mapped(unique(name = "..."))]"#),
    key(
        NULLS_NOT_DISTINCT,
        r#"#[mapped(unique(nulls_not_distinct))]"#,
    ),
    key(INCLUDE, r#"#[mapped(unique(include(b, c)))]"#),
    key(DEFERRABLE, r#"#[mapped(unique(deferrable))]"#),
    key(
        INITIALLY_DEFERRED,
        r#"#[mapped(unique(initially_deferred))]"#,
    ),
];

const CHECK_KEYS: &[Key] = &[
    key(EXPR, r#"#[mapped(check(expr = "a < b"))]"#),
    key(NAME, r#"#[mapped(check(expr = "a < b", name = "..."))]"#),
    key(
        NO_INHERIT,
        r#"#[mapped(check(expr = "a < b", no_inherit))]"#,
    ),
    key(NOT_VALID, r#"#[mapped(check(expr = "a < b", not_valid))]"#),
];

const FOREIGN_KEY_KEYS: &[Key] = &[
    key(
        COLUMNS,
        r#"#[mapped(foreign_key(columns(a, b), references(Other::A, Other::B)))]"#,
    ),
    key(
        REFERENCES,
        r#"#[mapped(foreign_key(columns(a, b), references(Other::A, Other::B)))] or references = "other(a, b)""#,
    ),
    key(
        ON_DELETE,
        r#"#[mapped(foreign_key(columns(a), references(Other::A), on_delete = cascade))]"#,
    ),
    key(
        ON_UPDATE,
        r#"#[mapped(foreign_key(columns(a), references(Other::A), on_update = cascade))]"#,
    ),
    key(
        DEFERRABLE,
        r#"#[mapped(foreign_key(columns(a), references(Other::A), deferrable))]"#,
    ),
    key(
        INITIALLY_DEFERRED,
        r#"#[mapped(foreign_key(columns(a), references(Other::A), initially_deferred))]"#,
    ),
    key(
        NOT_VALID,
        r#"#[mapped(foreign_key(columns(a), references(Other::A), not_valid))]"#,
    ),
    key(
        NAME,
        r#"#[mapped(foreign_key(columns(a), references(Other::A), name = "..."))]"#,
    ),
];

const FIELD_REFERENCES_KEYS: &[Key] = &[
    key(
        ON_DELETE,
        r#"#[mapped(references(User::ID, on_delete = cascade))]"#,
    ),
    key(
        ON_UPDATE,
        r#"#[mapped(references(User::ID, on_update = cascade))]"#,
    ),
    key(DEFERRABLE, r#"#[mapped(references(User::ID, deferrable))]"#),
    key(
        INITIALLY_DEFERRED,
        r#"#[mapped(references(User::ID, initially_deferred))]"#,
    ),
    key(NOT_VALID, r#"#[mapped(references(User::ID, not_valid))]"#),
    key(NAME, r#"#[mapped(references(User::ID, name = "..."))]"#),
];

const INDEX_KEYS: &[Key] = &[
    key(NAME, r#"#[mapped(index(columns(email), name = "..."))]"#),
    key(
        COLUMNS,
        r#"#[mapped(index(columns(email, name(desc), expr("lower(email)"))))]"#,
    ),
    key(UNIQUE, r#"#[mapped(index(columns(email), unique))]"#),
    key(
        INCLUDE,
        r#"#[mapped(index(columns(email), include(name)))]"#,
    ),
    key(
        WHERE,
        r#"#[mapped(index(columns(email), where = "deleted_at IS NULL"))]"#,
    ),
    key(USING, r#"#[mapped(index(columns(tags), using = "gin"))]"#),
    key(
        WITH,
        r#"#[mapped(index(columns(email), with(fillfactor = 50)))]"#,
    ),
    key(
        TABLESPACE,
        r#"#[mapped(index(columns(email), tablespace = "fast"))]"#,
    ),
    key(
        CONCURRENTLY,
        r#"#[mapped(index(columns(email), concurrently))]"#,
    ),
    key(
        NULLS_NOT_DISTINCT,
        r#"#[mapped(index(columns(email), unique, nulls_not_distinct))]"#,
    ),
];

const FIELD_INDEX_KEYS: &[Key] = &[
    key(NAME, r#"#[mapped(index(name = "..."))]"#),
    key(UNIQUE, r#"#[mapped(index(unique))]"#),
    key(INCLUDE, r#"#[mapped(index(include(name)))]"#),
    key(WHERE, r#"#[mapped(index(where = "deleted_at IS NULL"))]"#),
    key(USING, r#"#[mapped(index(using = "gin"))]"#),
    key(WITH, r#"#[mapped(index(with(fillfactor = 50)))]"#),
    key(TABLESPACE, r#"#[mapped(index(tablespace = "fast"))]"#),
    key(CONCURRENTLY, r#"#[mapped(index(concurrently))]"#),
    key(
        NULLS_NOT_DISTINCT,
        r#"#[mapped(index(unique, nulls_not_distinct))]"#,
    ),
    key(ASC, r#"#[mapped(index(asc))]"#),
    key(DESC, r#"#[mapped(index(desc))]"#),
    key(NULLS_FIRST, r#"#[mapped(index(nulls_first))]"#),
    key(NULLS_LAST, r#"#[mapped(index(nulls_last))]"#),
    key(OPS, r#"#[mapped(index(ops = "text_pattern_ops"))]"#),
    key(COLLATE, r#"#[mapped(index(collate = "C"))]"#),
];

const ELEMENT_KEYS: &[Key] = &[
    key(ASC, r#"#[mapped(index(columns(email(asc))))]"#),
    key(DESC, r#"#[mapped(index(columns(email(desc))))]"#),
    key(
        NULLS_FIRST,
        r#"#[mapped(index(columns(email(nulls_first))))]"#,
    ),
    key(
        NULLS_LAST,
        r#"#[mapped(index(columns(email(nulls_last))))]"#,
    ),
    key(
        OPS,
        r#"#[mapped(index(columns(email(ops = "text_pattern_ops"))))]"#,
    ),
    key(
        COLLATE,
        r#"#[mapped(index(columns(email(collate = "C"))))]"#,
    ),
];

const EXCLUDE_KEYS: &[Key] = &[
    key(
        NAME,
        r#"#[mapped(exclude(elements(room = "=", during = "&&"), name = "..."))]"#,
    ),
    key(
        USING,
        r#"#[mapped(exclude(using = "gist", elements(room = "=", during = "&&")))]"#,
    ),
    key(
        ELEMENTS,
        r#"#[mapped(exclude(elements(room = "=", during = "&&", expr("tstzrange(a, b)") = "&&")))]"#,
    ),
    key(
        INCLUDE,
        r#"#[mapped(exclude(elements(room = "=", during = "&&"), include(note)))]"#,
    ),
    key(
        WHERE,
        r#"#[mapped(exclude(elements(room = "=", during = "&&"), where = "NOT cancelled"))]"#,
    ),
    key(
        DEFERRABLE,
        r#"#[mapped(exclude(elements(room = "=", during = "&&"), deferrable))]"#,
    ),
    key(
        INITIALLY_DEFERRED,
        r#"#[mapped(exclude(elements(room = "=", during = "&&"), initially_deferred))]"#,
    ),
];

const IDENTITY_KEYS: &[Key] = &[
    key(ALWAYS, r#"#[mapped(identity(always))]"#),
    key(START, r#"#[mapped(identity(start = 1))]"#),
    key(INCREMENT, r#"#[mapped(identity(increment = 1))]"#),
    key(MIN_VALUE, r#"#[mapped(identity(min_value = 1))]"#),
    key(MAX_VALUE, r#"#[mapped(identity(max_value = 1000))]"#),
    key(CACHE, r#"#[mapped(identity(cache = 10))]"#),
    key(CYCLE, r#"#[mapped(identity(cycle))]"#),
];

const SEQUENCE_KEYS: &[Key] = &[
    key(NAME, r#"#[mapped(sequence(name = "order_no_seq"))]"#),
    key(SCHEMA, r#"#[mapped(sequence(name = "s", schema = "app"))]"#),
    key(START, r#"#[mapped(sequence(name = "s", start = 1))]"#),
    key(
        INCREMENT,
        r#"#[mapped(sequence(name = "s", increment = 1))]"#,
    ),
    key(
        MIN_VALUE,
        r#"#[mapped(sequence(name = "s", min_value = 1))]"#,
    ),
    key(
        MAX_VALUE,
        r#"#[mapped(sequence(name = "s", max_value = 1000))]"#,
    ),
    key(CACHE, r#"#[mapped(sequence(name = "s", cache = 10))]"#),
    key(CYCLE, r#"#[mapped(sequence(name = "s", cycle))]"#),
];

const ON_UPDATE_KEYS: &[Key] = &[key(
    VALUE,
    r#"#[mapped(on_update(value = path::to::function))]"#,
)];

const FROM_ROW_CONTAINER_KEYS: &[Key] = &[key(CRATE, r#"#[mapped(crate = "::mapped::orm_core")]"#)];

const FROM_ROW_FIELD_KEYS: &[Key] = &[key(SKIP, r#"#[mapped(skip)]"#)];

/// The form of the first key of `keys`, as an example of the list's syntax.
fn first_form(keys: &[Key]) -> &'static str {
    keys.first().map_or("", |k| k.form)
}

/// The `help:` form of `sym` in `keys` (every caller passes a key of the list).
fn form(keys: &[Key], sym: Symbol) -> &'static str {
    keys.iter().find(|k| k.sym == sym).map_or("", |k| k.form)
}

impl Container {
    /// Parses every `#[mapped(..)]` of a model struct.
    pub(crate) fn from_ast(cx: &Ctxt, item: &syn::DeriveInput) -> Self {
        let mut out = Container::default();
        for attr in mapped_attrs(&item.attrs) {
            let res =
                attr.parse_nested_meta(|meta| recover(cx, meta, |meta| out.parse_key(cx, meta)));
            if let Err(err) = res {
                cx.syn_error(err);
            }
        }
        out
    }

    fn parse_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let keys = CONTAINER_KEYS;
        let p = &meta.path;
        if *p == TABLE {
            // #[mapped(table = "users")]
            self.table_key = true;
            let v = lit_str(meta, form(keys, TABLE))?;
            self.table.set(cx, p, v);
        } else if *p == SCHEMA {
            // #[mapped(schema = "app")]
            let v = lit_str(meta, form(keys, SCHEMA))?;
            self.schema.set(cx, p, v);
        } else if *p == COMMENT {
            // #[mapped(comment = "..")]
            let v = lit_str(meta, form(keys, COMMENT))?;
            self.comment.set(cx, p, v);
        } else if *p == INHERITS {
            // #[mapped(inherits("parent", "schema.other"))]
            let v = lit_str_list(meta, form(keys, INHERITS))?;
            self.inherits.set(cx, p, v);
        } else if *p == PARTITION_BY {
            // #[mapped(partition_by = "LIST (region)")]
            let v = lit_str(meta, form(keys, PARTITION_BY))?;
            self.partition_by.set(cx, p, v);
        } else if *p == TABLESPACE {
            // #[mapped(tablespace = "ts")]
            let v = lit_str(meta, form(keys, TABLESPACE))?;
            self.tablespace.set(cx, p, v);
        } else if *p == USING {
            // #[mapped(using = "heap")]
            let v = lit_str(meta, form(keys, USING))?;
            self.using.set(cx, p, v);
        } else if *p == WITH {
            // #[mapped(with(fillfactor = 70, autovacuum_enabled = false, toast_tuple_target = "128"))]
            let v = with_list(cx, meta, form(keys, WITH))?;
            self.with.set(cx, p, v);
        } else if *p == TEMPORARY {
            // #[mapped(temporary)]
            flag(meta, form(keys, TEMPORARY))?;
            self.temporary.set_true(cx, p);
        } else if *p == UNLOGGED {
            // #[mapped(unlogged)]
            flag(meta, form(keys, UNLOGGED))?;
            self.unlogged.set_true(cx, p);
        } else if *p == ON_COMMIT {
            // #[mapped(on_commit = "preserve_rows" | "delete_rows" | "drop")]
            let v = on_commit(meta, form(keys, ON_COMMIT))?;
            self.on_commit.set(cx, p, v);
        } else if *p == EXTENSION {
            // #[mapped(extension = "btree_gist")], repeatable
            let v = lit_str(meta, form(keys, EXTENSION))?;
            self.extensions.push(v);
        } else if *p == PRIMARY_KEY {
            // #[mapped(primary_key(columns(a, b), name = ".."))]
            if let Some(v) = primary_key(cx, meta, PRIMARY_KEY_KEYS, true)? {
                self.primary_key.set(cx, p, v);
            }
        } else if *p == UNIQUE {
            // #[mapped(unique(columns(a, b), name = "..", nulls_not_distinct, include(c),
            //                 deferrable, initially_deferred))], repeatable
            self.uniques.extend(unique(cx, meta, UNIQUE_KEYS, true)?);
        } else if *p == CHECK {
            // #[mapped(check = "a < b")] or
            // #[mapped(check(expr = "a < b", name = "..", no_inherit, not_valid))], repeatable
            self.checks.extend(check(cx, meta)?);
        } else if *p == FOREIGN_KEY {
            // #[mapped(foreign_key(columns(a, b), references(Other::X, Other::Y) | references = "s.other(x, y)",
            //                      on_delete = cascade, on_update = set_null, deferrable,
            //                      initially_deferred, not_valid, name = ".."))], repeatable
            self.foreign_keys.extend(foreign_key(cx, meta)?);
        } else if *p == INDEX {
            // #[mapped(index(name = "..", columns(a, b(desc), expr("lower(c)")), unique, include(..),
            //                where = "..", using = "gin", with(..), tablespace = "..",
            //                concurrently, nulls_not_distinct))], repeatable
            self.indexes.extend(index(cx, meta)?);
        } else if *p == EXCLUDE {
            // #[mapped(exclude(name = "..", using = "gist", elements(room = "=", during = "&&"),
            //                  include(..), where = "..", deferrable, initially_deferred))], repeatable
            self.excludes.extend(exclude(cx, meta)?);
        } else if *p == CRATE {
            // #[mapped(crate = "::mapped::orm_core")]
            let v = crate_path(meta, form(keys, CRATE))?;
            self.krate.set(cx, p, v);
        } else {
            return Err(unknown_key(meta, "struct attribute", keys));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Field attributes of #[derive(Model)]
// ---------------------------------------------------------------------------------------

/// Field-level `#[mapped(..)]` of a model.
#[derive(Default)]
pub(crate) struct Field {
    pub(crate) rename: Attr<LitStr>,
    pub(crate) sql_type: Attr<LitStr>,
    pub(crate) primary_key: Attr<Option<LitStr>>,
    pub(crate) identity: Attr<Identity>,
    pub(crate) sequence: Attr<Sequence>,
    pub(crate) server_default: Attr<LitStr>,
    pub(crate) default: Attr<Path>,
    pub(crate) on_update: Attr<OnUpdate>,
    pub(crate) unique: Attr<Unique>,
    pub(crate) indexes: Vec<Index>,
    pub(crate) references: Attr<ForeignKey>,
    pub(crate) checks: Vec<Check>,
    pub(crate) generated: Attr<LitStr>,
    pub(crate) version: BoolAttr,
    pub(crate) omit_on_insert: BoolAttr,
    pub(crate) skip: BoolAttr,
    pub(crate) collate: Attr<LitStr>,
    pub(crate) comment: Attr<LitStr>,
    pub(crate) const_name: Attr<LitStr>,
    /// Every key given, in order, for the conflict checks.
    pub(crate) keys: Vec<(Symbol, Span)>,
}

impl Field {
    /// Parses every `#[mapped(..)]` of a model field.
    pub(crate) fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut out = Field::default();
        for attr in mapped_attrs(&field.attrs) {
            let res =
                attr.parse_nested_meta(|meta| recover(cx, meta, |meta| out.parse_key(cx, meta)));
            if let Err(err) = res {
                cx.syn_error(err);
            }
        }
        out
    }

    /// The span of `sym` if it was given.
    pub(crate) fn key_span(&self, sym: Symbol) -> Option<Span> {
        self.keys.iter().find(|(s, _)| *s == sym).map(|(_, s)| *s)
    }

    fn parse_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let keys = FIELD_KEYS;
        let p = &meta.path;
        let sym = if *p == RENAME {
            // #[mapped(rename = "col")]
            let v = lit_str(meta, form(keys, RENAME))?;
            self.rename.set(cx, p, v);
            RENAME
        } else if *p == SQL_TYPE {
            // #[mapped(sql_type = "NUMERIC(12,2)")]
            let v = lit_str(meta, form(keys, SQL_TYPE))?;
            self.sql_type.set(cx, p, v);
            SQL_TYPE
        } else if *p == PRIMARY_KEY {
            // #[mapped(primary_key)] or #[mapped(primary_key(name = ".."))]
            let v = if meta.input.peek(syn::token::Paren) {
                primary_key(cx, meta, FIELD_PRIMARY_KEY_KEYS, false)?.and_then(|pk| pk.name)
            } else {
                flag(meta, form(keys, PRIMARY_KEY))?;
                None
            };
            self.primary_key.set(cx, p, v);
            PRIMARY_KEY
        } else if *p == IDENTITY {
            // #[mapped(identity)] or
            // #[mapped(identity(always, start = 42, increment = 2, min_value = 1, max_value = 1000,
            //                   cache = 10, cycle))]
            let v = identity(cx, meta)?;
            self.identity.set(cx, p, v);
            IDENTITY
        } else if *p == SEQUENCE {
            // #[mapped(sequence = "name")] or #[mapped(sequence = "schema.name")] or
            // #[mapped(sequence(name = "s", schema = "app", start = 1, increment = 1, min_value = 1,
            //                   max_value = 9, cache = 1, cycle))]
            if let Some(v) = sequence(cx, meta)? {
                self.sequence.set(cx, p, v);
            }
            SEQUENCE
        } else if *p == SERVER_DEFAULT {
            // #[mapped(server_default = "now()")]
            let v = lit_str(meta, form(keys, SERVER_DEFAULT))?;
            self.server_default.set(cx, p, v);
            SERVER_DEFAULT
        } else if *p == DEFAULT {
            // #[mapped(default = path::to::func)] or #[mapped(default = "path::to::func")]
            let v = path_value(meta, form(keys, DEFAULT))?;
            self.default.set(cx, p, v);
            DEFAULT
        } else if *p == ON_UPDATE {
            // #[mapped(on_update = "now()")] or #[mapped(on_update(value = path::to::func))]
            if let Some(v) = on_update(cx, meta)? {
                self.on_update.set(cx, p, v);
            }
            ON_UPDATE
        } else if *p == UNIQUE {
            // #[mapped(unique)] or
            // #[mapped(unique(name = "..", nulls_not_distinct, include(..), deferrable, initially_deferred))]
            let v = if meta.input.peek(syn::token::Paren) {
                unique(cx, meta, FIELD_UNIQUE_KEYS, false)?
            } else {
                flag(meta, form(keys, UNIQUE))?;
                Some(Unique {
                    key: p.span(),
                    columns: Vec::new(),
                    name: None,
                    nulls_not_distinct: false,
                    include: Vec::new(),
                    deferrable: Deferrable::Unspecified,
                })
            };
            if let Some(v) = v {
                self.unique.set(cx, p, v);
            }
            UNIQUE
        } else if *p == INDEX {
            // #[mapped(index)] or
            // #[mapped(index(name = "..", using = "..", unique, where = "..", ops = "..", desc, ..))],
            // repeatable
            let v = field_index(cx, meta)?;
            self.indexes.push(v);
            INDEX
        } else if *p == REFERENCES {
            // #[mapped(references(User::ID, on_delete = cascade, on_update = no_action, deferrable,
            //                     initially_deferred, not_valid, name = ".."))] or
            // #[mapped(references = "users(id)")] or #[mapped(references = "app.users(id)")]
            if let Some(v) = field_references(cx, meta)? {
                self.references.set(cx, p, v);
            }
            REFERENCES
        } else if *p == CHECK {
            // #[mapped(check = "price > 0")] or
            // #[mapped(check(expr = "..", name = "..", not_valid, no_inherit))], repeatable
            self.checks.extend(check(cx, meta)?);
            CHECK
        } else if *p == GENERATED {
            // #[mapped(generated = "price * qty")]
            let v = lit_str(meta, form(keys, GENERATED))?;
            self.generated.set(cx, p, v);
            GENERATED
        } else if *p == VERSION {
            // #[mapped(version)]
            flag(meta, form(keys, VERSION))?;
            self.version.set_true(cx, p);
            VERSION
        } else if *p == OMIT_ON_INSERT {
            // #[mapped(omit_on_insert)]
            flag(meta, form(keys, OMIT_ON_INSERT))?;
            self.omit_on_insert.set_true(cx, p);
            OMIT_ON_INSERT
        } else if *p == SKIP {
            // #[mapped(skip)]
            flag(meta, form(keys, SKIP))?;
            self.skip.set_true(cx, p);
            SKIP
        } else if *p == COLLATE {
            // #[mapped(collate = "C")]
            let v = lit_str(meta, form(keys, COLLATE))?;
            self.collate.set(cx, p, v);
            COLLATE
        } else if *p == COMMENT {
            // #[mapped(comment = "..")]
            let v = lit_str(meta, form(keys, COMMENT))?;
            self.comment.set(cx, p, v);
            COMMENT
        } else if *p == CONST_NAME {
            // #[mapped(const_name = "EMAIL_ADDR")]
            let v = lit_str(meta, form(keys, CONST_NAME))?;
            self.const_name.set(cx, p, v);
            CONST_NAME
        } else {
            return Err(unknown_key(meta, "field attribute", keys));
        };
        self.keys.push((sym, p.span()));
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// #[derive(FromRow)] attributes
// ---------------------------------------------------------------------------------------

/// Struct-level `#[mapped(..)]` of a `FromRow` struct.
#[derive(Default)]
pub(crate) struct FromRowContainer {
    pub(crate) krate: Attr<Path>,
}

impl FromRowContainer {
    pub(crate) fn from_ast(cx: &Ctxt, item: &syn::DeriveInput) -> Self {
        let mut out = FromRowContainer::default();
        for attr in mapped_attrs(&item.attrs) {
            let res = attr.parse_nested_meta(|meta| {
                recover(cx, meta, |meta| {
                    let p = &meta.path;
                    if *p == CRATE {
                        // #[mapped(crate = "::mapped::orm_core")]
                        let v = crate_path(meta, form(FROM_ROW_CONTAINER_KEYS, CRATE))?;
                        out.krate.set(cx, p, v);
                        Ok(())
                    } else {
                        Err(unknown_key(
                            meta,
                            "`FromRow` struct attribute",
                            FROM_ROW_CONTAINER_KEYS,
                        ))
                    }
                })
            });
            if let Err(err) = res {
                cx.syn_error(err);
            }
        }
        out
    }
}

/// Field-level `#[mapped(..)]` of a `FromRow` struct.
#[derive(Default)]
pub(crate) struct FromRowField {
    pub(crate) skip: BoolAttr,
}

impl FromRowField {
    pub(crate) fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut out = FromRowField::default();
        for attr in mapped_attrs(&field.attrs) {
            let res = attr.parse_nested_meta(|meta| {
                recover(cx, meta, |meta| {
                    let p = &meta.path;
                    if *p == SKIP {
                        // #[mapped(skip)]
                        flag(meta, form(FROM_ROW_FIELD_KEYS, SKIP))?;
                        out.skip.set_true(cx, p);
                        Ok(())
                    } else {
                        Err(unknown_key(
                            meta,
                            "`FromRow` field attribute",
                            FROM_ROW_FIELD_KEYS,
                        ))
                    }
                })
            });
            if let Err(err) = res {
                cx.syn_error(err);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Nested shapes
// ---------------------------------------------------------------------------------------

fn primary_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    keys: &'static [Key],
    struct_level: bool,
) -> syn::Result<Option<PrimaryKey>> {
    let mut columns = Attr::default();
    let mut name = Attr::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if struct_level && *p == COLUMNS {
            // columns(a, b)
            columns.mark();
            let v = field_list(cx, m, form(keys, COLUMNS))?;
            columns.set(cx, p, v);
        } else if *p == NAME {
            // name = ".."
            let v = lit_str(m, form(keys, NAME))?;
            name.set(cx, p, v);
        } else {
            return Err(unknown_key(m, "`primary_key` key", keys));
        }
        Ok(())
    })?;
    let columns = if struct_level {
        match columns.required(meta, "columns(..)", form(keys, COLUMNS))? {
            Some(c) => c,
            None => return Ok(None),
        }
    } else {
        Vec::new()
    };
    Ok(Some(PrimaryKey {
        key: meta.path.span(),
        columns,
        name: name.take(),
    }))
}

fn unique(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    keys: &'static [Key],
    struct_level: bool,
) -> syn::Result<Option<Unique>> {
    let mut columns = Attr::default();
    let mut name = Attr::default();
    let mut nulls_not_distinct = BoolAttr::default();
    let mut include = Attr::default();
    let mut deferrable = BoolAttr::default();
    let mut initially_deferred = BoolAttr::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if struct_level && *p == COLUMNS {
            // columns(a, b)
            columns.mark();
            let v = field_list(cx, m, form(keys, COLUMNS))?;
            columns.set(cx, p, v);
        } else if *p == NAME {
            // name = ".."
            let v = lit_str(m, form(keys, NAME))?;
            name.set(cx, p, v);
        } else if *p == NULLS_NOT_DISTINCT {
            // nulls_not_distinct
            flag(m, form(keys, NULLS_NOT_DISTINCT))?;
            nulls_not_distinct.set_true(cx, p);
        } else if *p == INCLUDE {
            // include(a, b)
            let v = field_list(cx, m, form(keys, INCLUDE))?;
            include.set(cx, p, v);
        } else if *p == DEFERRABLE {
            // deferrable
            flag(m, form(keys, DEFERRABLE))?;
            deferrable.set_true(cx, p);
        } else if *p == INITIALLY_DEFERRED {
            // initially_deferred
            flag(m, form(keys, INITIALLY_DEFERRED))?;
            initially_deferred.set_true(cx, p);
        } else if *p == COLUMNS {
            return Err(unknown_key(m, "`unique` key", keys).with_note(
                "a field's `unique` covers that field; for a key on several columns, put `#[mapped(unique(columns(..)))]` on the struct",
            ));
        } else {
            return Err(unknown_key(m, "`unique` key", keys));
        }
        Ok(())
    })?;
    let columns = if struct_level {
        match columns.required(meta, "columns(..)", form(keys, COLUMNS))? {
            Some(c) => c,
            None => return Ok(None),
        }
    } else {
        Vec::new()
    };
    Ok(Some(Unique {
        key: meta.path.span(),
        columns,
        name: name.take(),
        nulls_not_distinct: nulls_not_distinct.is_set(),
        include: include.take().unwrap_or_default(),
        deferrable: Deferrable::from_flags(deferrable.is_set(), initially_deferred.is_set()),
    }))
}

fn check(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Check>> {
    let keys = CHECK_KEYS;
    if meta.input.peek(Token![=]) {
        // check = "a < b"
        let expr = lit_str(meta, form(keys, EXPR))?;
        return Ok(Some(Check {
            key: meta.path.span(),
            expr,
            name: None,
            no_inherit: false,
            not_valid: false,
        }));
    }
    let mut expr = Attr::default();
    let mut name = Attr::default();
    let mut no_inherit = BoolAttr::default();
    let mut not_valid = BoolAttr::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if *p == EXPR {
            // expr = "a < b"
            expr.mark();
            let v = lit_str(m, form(keys, EXPR))?;
            expr.set(cx, p, v);
        } else if *p == NAME {
            // name = ".."
            let v = lit_str(m, form(keys, NAME))?;
            name.set(cx, p, v);
        } else if *p == NO_INHERIT {
            // no_inherit
            flag(m, form(keys, NO_INHERIT))?;
            no_inherit.set_true(cx, p);
        } else if *p == NOT_VALID {
            // not_valid
            flag(m, form(keys, NOT_VALID))?;
            not_valid.set_true(cx, p);
        } else {
            return Err(unknown_key(m, "`check` key", keys));
        }
        Ok(())
    })?;
    let Some(expr) = expr.required(meta, "expr = \"..\"", form(keys, EXPR))? else {
        return Ok(None);
    };
    Ok(Some(Check {
        key: meta.path.span(),
        expr,
        name: name.take(),
        no_inherit: no_inherit.is_set(),
        not_valid: not_valid.is_set(),
    }))
}

/// Shared keys of `foreign_key(..)` and field-level `references(..)`.
#[derive(Default)]
struct FkOptions {
    on_delete: Attr<RefAction>,
    on_update: Attr<RefAction>,
    deferrable: BoolAttr,
    initially_deferred: BoolAttr,
    not_valid: BoolAttr,
    name: Attr<LitStr>,
}

impl FkOptions {
    /// Parses one option key; `Ok(false)` when the key is not an option.
    fn parse(
        &mut self,
        cx: &Ctxt,
        m: &ParseNestedMeta<'_>,
        keys: &'static [Key],
    ) -> syn::Result<bool> {
        let p = &m.path;
        if *p == ON_DELETE {
            // on_delete = cascade | "cascade"
            let v = ref_action(m, form(keys, ON_DELETE))?;
            self.on_delete.set(cx, p, v);
        } else if *p == ON_UPDATE {
            // on_update = set_null | "set_null"
            let v = ref_action(m, form(keys, ON_UPDATE))?;
            self.on_update.set(cx, p, v);
        } else if *p == DEFERRABLE {
            // deferrable
            flag(m, form(keys, DEFERRABLE))?;
            self.deferrable.set_true(cx, p);
        } else if *p == INITIALLY_DEFERRED {
            // initially_deferred
            flag(m, form(keys, INITIALLY_DEFERRED))?;
            self.initially_deferred.set_true(cx, p);
        } else if *p == NOT_VALID {
            // not_valid
            flag(m, form(keys, NOT_VALID))?;
            self.not_valid.set_true(cx, p);
        } else if *p == NAME {
            // name = ".."
            let v = lit_str(m, form(keys, NAME))?;
            self.name.set(cx, p, v);
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    fn finish(self, key: Span, columns: Vec<Ident>, target: FkTarget) -> ForeignKey {
        ForeignKey {
            key,
            columns,
            target,
            on_delete: self.on_delete.take(),
            on_update: self.on_update.take(),
            deferrable: Deferrable::from_flags(
                self.deferrable.is_set(),
                self.initially_deferred.is_set(),
            ),
            not_valid: self.not_valid.is_set(),
            name: self.name.take(),
        }
    }
}

fn foreign_key(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<ForeignKey>> {
    let keys = FOREIGN_KEY_KEYS;
    let mut columns = Attr::default();
    let mut target = Attr::default();
    let mut options = FkOptions::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if *p == COLUMNS {
            // columns(a, b)
            columns.mark();
            let v = field_list(cx, m, form(keys, COLUMNS))?;
            columns.set(cx, p, v);
        } else if *p == REFERENCES {
            target.mark();
            if m.input.peek(Token![=]) {
                // references = "schema.table(a, b)"
                let v = named_target(m, form(keys, REFERENCES))?;
                target.set(cx, p, v);
            } else {
                // references(Other::A, Other::B)
                let mut paths = Vec::new();
                nested(cx, m, form(keys, REFERENCES), |c| {
                    paths.push(column_path(c, form(keys, REFERENCES))?);
                    Ok(())
                })?;
                target.set(cx, p, FkTarget::Columns(paths));
            }
        } else if !options.parse(cx, m, keys)? {
            return Err(unknown_key(m, "`foreign_key` key", keys));
        }
        Ok(())
    })?;
    let columns = columns.required(meta, "columns(..)", form(keys, COLUMNS));
    let target = target.required(meta, "references(..)", form(keys, REFERENCES));
    match (columns?, target?) {
        (Some(columns), Some(target)) => {
            Ok(Some(options.finish(meta.path.span(), columns, target)))
        }
        _ => Ok(None),
    }
}

fn field_references(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<ForeignKey>> {
    let keys = FIELD_REFERENCES_KEYS;
    let form_all = form(FIELD_KEYS, REFERENCES);
    if meta.input.peek(Token![=]) {
        // references = "users(id)"
        let target = named_target(meta, form_all)?;
        return Ok(Some(FkOptions::default().finish(
            meta.path.span(),
            Vec::new(),
            target,
        )));
    }
    let mut target = Attr::default();
    let mut options = FkOptions::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        let bare = m.input.is_empty() || m.input.peek(Token![,]);
        if p.segments.len() > 1 && bare {
            // User::ID (the referenced column)
            target.mark();
            target.set(cx, p, FkTarget::Columns(vec![p.clone()]));
        } else if *p == REFERENCES {
            // references = "users(id)" inside the list, so options can follow
            target.mark();
            let v = named_target(m, form_all)?;
            target.set(cx, p, v);
        } else if !options.parse(cx, m, keys)? {
            if bare {
                // A bare word that is no option: meant as the target, but not a column path.
                target.mark();
                return Err(syn::Error::new(
                    p.span(),
                    format!(
                        "expected a model's column const such as `Other::ID`{}",
                        help(form_all)
                    ),
                ));
            }
            return Err(unknown_key(m, "`references` key", keys));
        }
        Ok(())
    })?;
    let Some(target) = target.required(meta, "the referenced column", form_all)? else {
        return Ok(None);
    };
    Ok(Some(options.finish(meta.path.span(), Vec::new(), target)))
}

fn index(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Index>> {
    let keys = INDEX_KEYS;
    let mut columns = Attr::default();
    let mut opts = IndexOptions::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if *p == COLUMNS {
            // columns(email, name(desc, nulls_last, ops = "..", collate = "C"), expr("lower(email)", ops = ".."))
            columns.mark();
            let v = element_list(cx, m, form(keys, COLUMNS), false)?
                .into_iter()
                .map(|(e, _)| e)
                .collect();
            columns.set(cx, p, v);
        } else if !opts.parse(cx, m, keys)? {
            return Err(unknown_key(m, "`index` key", keys));
        }
        Ok(())
    })?;
    let Some(elements) = columns.required(meta, "columns(..)", form(keys, COLUMNS))? else {
        return Ok(None);
    };
    Ok(Some(opts.finish(meta.path.span(), elements)))
}

fn field_index(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Index> {
    let keys = FIELD_INDEX_KEYS;
    let mut opts = IndexOptions::default();
    let mut element = Element::new(ElementTarget::ThisField);
    if meta.input.peek(syn::token::Paren) {
        nested(cx, meta, first_form(keys), |m| {
            if opts.parse(cx, m, keys)? || element_option(cx, m, &mut element, keys)? {
                Ok(())
            } else if m.path == COLUMNS {
                Err(unknown_key(m, "`index` key", keys).with_note(
                    "a field's `index` covers that field; for an index on several columns, put `#[mapped(index(columns(..)))]` on the struct",
                ))
            } else {
                Err(unknown_key(m, "`index` key", keys))
            }
        })?;
    } else {
        flag(meta, form(FIELD_KEYS, INDEX))?;
    }
    Ok(opts.finish(meta.path.span(), vec![element]))
}

#[derive(Default)]
struct IndexOptions {
    name: Attr<LitStr>,
    unique: BoolAttr,
    include: Attr<Vec<Ident>>,
    predicate: Attr<LitStr>,
    using: Attr<LitStr>,
    with: Attr<Vec<(String, String)>>,
    tablespace: Attr<LitStr>,
    concurrently: BoolAttr,
    nulls_not_distinct: BoolAttr,
}

impl IndexOptions {
    fn parse(
        &mut self,
        cx: &Ctxt,
        m: &ParseNestedMeta<'_>,
        keys: &'static [Key],
    ) -> syn::Result<bool> {
        let p = &m.path;
        if *p == NAME {
            // name = ".."
            let v = lit_str(m, form(keys, NAME))?;
            self.name.set(cx, p, v);
        } else if *p == UNIQUE {
            // unique
            flag(m, form(keys, UNIQUE))?;
            self.unique.set_true(cx, p);
        } else if *p == INCLUDE {
            // include(a, b)
            let v = field_list(cx, m, form(keys, INCLUDE))?;
            self.include.set(cx, p, v);
        } else if *p == WHERE {
            // where = "deleted_at IS NULL"
            let v = lit_str(m, form(keys, WHERE))?;
            self.predicate.set(cx, p, v);
        } else if *p == USING {
            // using = "gin"
            let v = lit_str(m, form(keys, USING))?;
            self.using.set(cx, p, v);
        } else if *p == WITH {
            // with(fillfactor = 50)
            let v = with_list(cx, m, form(keys, WITH))?;
            self.with.set(cx, p, v);
        } else if *p == TABLESPACE {
            // tablespace = "ts"
            let v = lit_str(m, form(keys, TABLESPACE))?;
            self.tablespace.set(cx, p, v);
        } else if *p == CONCURRENTLY {
            // concurrently
            flag(m, form(keys, CONCURRENTLY))?;
            self.concurrently.set_true(cx, p);
        } else if *p == NULLS_NOT_DISTINCT {
            // nulls_not_distinct
            flag(m, form(keys, NULLS_NOT_DISTINCT))?;
            self.nulls_not_distinct.set_true(cx, p);
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    fn finish(self, key: Span, elements: Vec<Element>) -> Index {
        Index {
            key,
            name: self.name.take(),
            elements,
            unique: self.unique.is_set(),
            include: self.include.take().unwrap_or_default(),
            predicate: self.predicate.take(),
            using: self.using.take(),
            with: self.with.take().unwrap_or_default(),
            tablespace: self.tablespace.take(),
            concurrently: self.concurrently.is_set(),
            nulls_not_distinct: self.nulls_not_distinct.is_set(),
        }
    }
}

fn exclude(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Exclude>> {
    let keys = EXCLUDE_KEYS;
    let mut name = Attr::default();
    let mut using = Attr::default();
    let mut elements = Attr::default();
    let mut include = Attr::default();
    let mut predicate = Attr::default();
    let mut deferrable = BoolAttr::default();
    let mut initially_deferred = BoolAttr::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if *p == NAME {
            // name = ".."
            let v = lit_str(m, form(keys, NAME))?;
            name.set(cx, p, v);
        } else if *p == USING {
            // using = "gist"
            let v = lit_str(m, form(keys, USING))?;
            using.set(cx, p, v);
        } else if *p == ELEMENTS {
            // elements(room = "=", during(ops = "..") = "&&", expr("tstzrange(a, b)") = "&&")
            elements.mark();
            let v = element_list(cx, m, form(keys, ELEMENTS), true)?
                .into_iter()
                .filter_map(|(e, op)| op.map(|op| (e, op)))
                .collect();
            elements.set(cx, p, v);
        } else if *p == INCLUDE {
            // include(a, b)
            let v = field_list(cx, m, form(keys, INCLUDE))?;
            include.set(cx, p, v);
        } else if *p == WHERE {
            // where = ".."
            let v = lit_str(m, form(keys, WHERE))?;
            predicate.set(cx, p, v);
        } else if *p == DEFERRABLE {
            // deferrable
            flag(m, form(keys, DEFERRABLE))?;
            deferrable.set_true(cx, p);
        } else if *p == INITIALLY_DEFERRED {
            // initially_deferred
            flag(m, form(keys, INITIALLY_DEFERRED))?;
            initially_deferred.set_true(cx, p);
        } else {
            return Err(unknown_key(m, "`exclude` key", keys));
        }
        Ok(())
    })?;
    let Some(elements) = elements.required(meta, "elements(..)", form(keys, ELEMENTS))? else {
        return Ok(None);
    };
    Ok(Some(Exclude {
        key: meta.path.span(),
        name: name.take(),
        using: using.take(),
        elements,
        include: include.take().unwrap_or_default(),
        predicate: predicate.take(),
        deferrable: Deferrable::from_flags(deferrable.is_set(), initially_deferred.is_set()),
    }))
}

/// Index or EXCLUDE elements: `a, b(desc), expr("lower(c)", ops = "..")`, each followed by
/// `= "operator"` when `with_operator`.
fn element_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    form: &'static str,
    with_operator: bool,
) -> syn::Result<Vec<(Element, Option<LitStr>)>> {
    let mut out = Vec::new();
    nested(cx, meta, form, |m| {
        let element = if m.path == EXPR && paren_starts_with_str(m.input) {
            // expr("lower(email)", ops = "..", collate = "..", asc, desc, nulls_first, nulls_last)
            let content;
            syn::parenthesized!(content in m.input);
            let lit: LitStr = content.parse()?;
            let mut element = Element::new(ElementTarget::Expr(lit));
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
                let rest: TokenStream = content.parse()?;
                let parser = syn::meta::parser(|o| {
                    recover(cx, o, |o| {
                        if element_option(cx, o, &mut element, ELEMENT_KEYS)? {
                            Ok(())
                        } else {
                            Err(unknown_key(o, "index element option", ELEMENT_KEYS))
                        }
                    })
                });
                parser.parse2(rest)?;
            }
            element
        } else {
            // field or field(desc, nulls_last, ops = "..", collate = "..")
            let ident = field_ident(&m.path, form)?;
            let mut element = Element::new(ElementTarget::Field(ident));
            if m.input.peek(syn::token::Paren) {
                nested(cx, m, form, |o| {
                    if element_option(cx, o, &mut element, ELEMENT_KEYS)? {
                        Ok(())
                    } else {
                        Err(unknown_key(o, "index element option", ELEMENT_KEYS))
                    }
                })?;
            }
            element
        };
        let operator = if with_operator {
            // element = "&&"
            Some(lit_str(m, form)?)
        } else {
            if !(m.input.is_empty() || m.input.peek(Token![,])) {
                return Err(bad_value(m.input, "`,` or `)`", form));
            }
            None
        };
        out.push((element, operator));
        Ok(())
    })?;
    Ok(out)
}

/// One element option; `Ok(false)` when the key is not one.
fn element_option(
    cx: &Ctxt,
    o: &ParseNestedMeta<'_>,
    element: &mut Element,
    keys: &'static [Key],
) -> syn::Result<bool> {
    let p = &o.path;
    if *p == ASC {
        // asc
        flag(o, form(keys, ASC))?;
        element.order.set(cx, p, SortOrder::Asc);
    } else if *p == DESC {
        // desc
        flag(o, form(keys, DESC))?;
        element.order.set(cx, p, SortOrder::Desc);
    } else if *p == NULLS_FIRST {
        // nulls_first
        flag(o, form(keys, NULLS_FIRST))?;
        element.nulls.set(cx, p, NullsOrder::First);
    } else if *p == NULLS_LAST {
        // nulls_last
        flag(o, form(keys, NULLS_LAST))?;
        element.nulls.set(cx, p, NullsOrder::Last);
    } else if *p == OPS {
        // ops = "text_pattern_ops"
        let v = lit_str(o, form(keys, OPS))?;
        element.opclass.set(cx, p, v);
    } else if *p == COLLATE {
        // collate = "C"
        let v = lit_str(o, form(keys, COLLATE))?;
        element.collation.set(cx, p, v);
    } else {
        return Ok(false);
    }
    Ok(true)
}

fn identity(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Identity> {
    let keys = IDENTITY_KEYS;
    let mut out = Identity::default();
    if !meta.input.peek(syn::token::Paren) {
        // identity
        flag(meta, form(FIELD_KEYS, IDENTITY))?;
        return Ok(out);
    }
    let mut always = BoolAttr::default();
    nested(cx, meta, first_form(keys), |m| {
        if m.path == ALWAYS {
            // always
            flag(m, form(keys, ALWAYS))?;
            always.set_true(cx, &m.path);
            Ok(())
        } else if sequence_option(cx, m, &mut out.options, keys)? {
            Ok(())
        } else {
            Err(unknown_key(m, "`identity` key", keys))
        }
    })?;
    out.always = always.is_set();
    Ok(out)
}

fn sequence(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Sequence>> {
    let keys = SEQUENCE_KEYS;
    if meta.input.peek(Token![=]) {
        // sequence = "name" | "schema.name"
        let lit = lit_str(meta, form(FIELD_KEYS, SEQUENCE))?;
        let text = lit.value();
        let (schema, bare_name) = match text.split_once('.') {
            Some((s, n)) => (Some(s.to_owned()), n.to_owned()),
            None => (None, text),
        };
        return Ok(Some(Sequence {
            name: lit,
            schema,
            bare_name,
            options: SequenceOptions::default(),
        }));
    }
    let mut name = Attr::<LitStr>::default();
    let mut schema = Attr::<LitStr>::default();
    let mut options = SequenceOptions::default();
    nested(cx, meta, first_form(keys), |m| {
        let p = &m.path;
        if *p == NAME {
            // name = "order_no_seq"
            name.mark();
            let v = lit_str(m, form(keys, NAME))?;
            name.set(cx, p, v);
            Ok(())
        } else if *p == SCHEMA {
            // schema = "app"
            let v = lit_str(m, form(keys, SCHEMA))?;
            schema.set(cx, p, v);
            Ok(())
        } else if sequence_option(cx, m, &mut options, keys)? {
            Ok(())
        } else {
            Err(unknown_key(m, "`sequence` key", keys))
        }
    })?;
    let Some(name) = name.required(meta, "name = \"..\"", form(keys, NAME))? else {
        return Ok(None);
    };
    Ok(Some(Sequence {
        bare_name: name.value(),
        name,
        schema: schema.take().map(|s| s.value()),
        options,
    }))
}

/// A sequence option (`start = 1`, `cycle`, ..); `Ok(false)` when the key is not one.
fn sequence_option(
    cx: &Ctxt,
    m: &ParseNestedMeta<'_>,
    options: &mut SequenceOptions,
    keys: &'static [Key],
) -> syn::Result<bool> {
    let p = &m.path;
    let slot = if *p == START {
        // start = 1
        &mut options.start
    } else if *p == INCREMENT {
        // increment = 1
        &mut options.increment
    } else if *p == MIN_VALUE {
        // min_value = 1
        &mut options.min_value
    } else if *p == MAX_VALUE {
        // max_value = 1000
        &mut options.max_value
    } else if *p == CACHE {
        // cache = 10
        &mut options.cache
    } else if *p == CYCLE {
        // cycle
        flag(m, form(keys, CYCLE))?;
        options.cycle.set_true(cx, p);
        return Ok(true);
    } else {
        return Ok(false);
    };
    let sym = keys
        .iter()
        .map(|k| k.sym)
        .find(|s| *p == *s)
        .unwrap_or(START);
    let v = lit_i64(m, form(keys, sym))?;
    slot.set(cx, p, v);
    Ok(true)
}

fn on_update(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<OnUpdate>> {
    let keys = ON_UPDATE_KEYS;
    if meta.input.peek(Token![=]) {
        // on_update = "now()"
        return Ok(Some(OnUpdate::Sql(lit_str(
            meta,
            form(FIELD_KEYS, ON_UPDATE),
        )?)));
    }
    let mut value = Attr::default();
    nested(cx, meta, first_form(keys), |m| {
        if m.path == VALUE {
            // value = path::to::func
            value.mark();
            let v = path_value(m, form(keys, VALUE))?;
            value.set(cx, &m.path, v);
            Ok(())
        } else {
            Err(unknown_key(m, "`on_update` key", keys))
        }
    })?;
    let value = value.required(meta, "value = path::to::function", form(keys, VALUE))?;
    Ok(value.map(OnUpdate::Value))
}

// ---------------------------------------------------------------------------------------
// Value parsers
// ---------------------------------------------------------------------------------------

/// The `#[mapped(..)]` attributes among `attrs`.
fn mapped_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path() == MAPPED)
}

/// Runs `f` for one key; on error records it and skips to the next key, so that the other
/// keys are still checked.
fn recover<'a>(
    cx: &Ctxt,
    meta: ParseNestedMeta<'a>,
    f: impl FnOnce(&ParseNestedMeta<'a>) -> syn::Result<()>,
) -> syn::Result<()> {
    let input = meta.input;
    if let Err(err) = f(&meta) {
        cx.syn_error(err);
        skip_value(input)?;
    }
    Ok(())
}

/// Skips the rest of a key's value, up to the next `,` of its list.
fn skip_value(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// A parenthesized list of keys, each parsed by `f` with error recovery.
fn nested(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    form: &str,
    mut f: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            meta.path.span(),
            format!(
                "`{}` takes a parenthesized list{}",
                path_to_string(&meta.path),
                help(form)
            ),
        ));
    }
    meta.parse_nested_meta(|m| recover(cx, m, &mut f))
}

fn help(form: &str) -> String {
    if form.is_empty() {
        String::new()
    } else {
        // Forms with alternatives are written "`A` or `B`".
        let form = form.replace(" or ", "` or `");
        format!("\nhelp: the correct form is `{form}`")
    }
}

/// An error at the next token of `input` (or its end).
fn bad_value(input: ParseStream<'_>, expected: &str, form: &str) -> syn::Error {
    let found = input.fork().parse::<TokenTree>().ok();
    match found {
        Some(tt) => syn::Error::new(
            tt.span(),
            format!("expected {expected}, found `{tt}`{}", help(form)),
        ),
        None => syn::Error::new(input.span(), format!("expected {expected}{}", help(form))),
    }
}

/// A required key is missing: reported at the enclosing key.
fn missing(meta: &ParseNestedMeta<'_>, what: &str, form: &str) -> syn::Error {
    syn::Error::new(
        meta.path.span(),
        format!(
            "`{}` needs `{what}`{}",
            path_to_string(&meta.path),
            help(form)
        ),
    )
}

/// The `=` of `key = value`.
fn expect_eq<'a>(meta: &ParseNestedMeta<'a>, form: &str) -> syn::Result<ParseStream<'a>> {
    if meta.input.peek(Token![=]) {
        meta.value()
    } else {
        Err(syn::Error::new(
            meta.path.span(),
            format!(
                "`{}` takes a value{}",
                path_to_string(&meta.path),
                help(form)
            ),
        ))
    }
}

/// `key = "string"`
fn lit_str(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<LitStr> {
    let input = expect_eq(meta, form)?;
    if input.peek(LitStr) {
        input.parse()
    } else {
        Err(bad_value(input, "a string literal", form))
    }
}

/// `key("a", "b")`
fn lit_str_list(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<Vec<LitStr>> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            meta.path.span(),
            format!(
                "`{}` takes a parenthesized list of strings{}",
                path_to_string(&meta.path),
                help(form)
            ),
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let mut out = Vec::new();
    while !content.is_empty() {
        if !content.peek(LitStr) {
            return Err(bad_value(&content, "a string literal", form));
        }
        out.push(content.parse()?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// `key = -12`
fn lit_i64(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<i64> {
    let input = expect_eq(meta, form)?;
    let negative = input.peek(Token![-]);
    if negative {
        input.parse::<Token![-]>()?;
    }
    if !input.peek(syn::LitInt) {
        return Err(bad_value(input, "an integer literal", form));
    }
    let lit: syn::LitInt = input.parse()?;
    let text = if negative {
        format!("-{}", lit.base10_digits())
    } else {
        lit.base10_digits().to_owned()
    };
    text.parse::<i64>()
        .map_err(|e| syn::Error::new(lit.span(), format!("{e}{}", help(form))))
}

/// A flag: no value allowed.
fn flag(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<()> {
    let input = meta.input;
    if input.is_empty() || input.peek(Token![,]) {
        Ok(())
    } else {
        // Point at the value (`true` in `skip = true`), or at the `(..)` list.
        let fork = input.fork();
        if fork.peek(Token![=]) {
            let _ = fork.parse::<Token![=]>();
        }
        let span = fork
            .parse::<TokenTree>()
            .map_or_else(|_| input.span(), |tt| tt.span());
        Err(syn::Error::new(
            span,
            format!(
                "`{}` is a flag and takes no value{}",
                path_to_string(&meta.path),
                help(form)
            ),
        ))
    }
}

/// `key = path::to::item` or `key = "path::to::item"`
fn path_value(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<Path> {
    let input = expect_eq(meta, form)?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        lit.parse::<Path>()
            .map_err(|_| syn::Error::new(lit.span(), format!("expected a path{}", help(form))))
    } else if input.peek(Ident::peek_any) || input.peek(Token![::]) {
        input.call(Path::parse_mod_style)
    } else {
        Err(bad_value(input, "a path", form))
    }
}

/// `crate = "::mapped::orm_core"`
fn crate_path(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<Path> {
    let lit = lit_str(meta, form)?;
    lit.parse::<Path>()
        .map_err(|_| syn::Error::new(lit.span(), format!("expected a path{}", help(form))))
}

/// `key = word` or `key = "word"`, as lowercase words joined by `_`.
fn word(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<(String, Span)> {
    let input = expect_eq(meta, form)?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let text = lit
            .value()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("_")
            .to_lowercase();
        Ok((text, lit.span()))
    } else if input.peek(Ident::peek_any) {
        let ident = input.call(Ident::parse_any)?;
        Ok((ident.unraw().to_string(), ident.span()))
    } else {
        Err(bad_value(input, "a word such as `cascade`", form))
    }
}

fn ref_action(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<RefAction> {
    let (text, span) = word(meta, form)?;
    Ok(match text.as_str() {
        "no_action" => RefAction::NoAction,
        "restrict" => RefAction::Restrict,
        "cascade" => RefAction::Cascade,
        "set_null" => RefAction::SetNull,
        "set_default" => RefAction::SetDefault,
        _ => {
            return Err(syn::Error::new(
                span,
                format!(
                    "unknown referential action `{text}`; expected one of `no_action`, `restrict`, `cascade`, `set_null`, `set_default`{}",
                    help(form)
                ),
            ));
        }
    })
}

fn on_commit(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<OnCommit> {
    let (text, span) = word(meta, form)?;
    Ok(match text.as_str() {
        "preserve_rows" => OnCommit::PreserveRows,
        "delete_rows" => OnCommit::DeleteRows,
        "drop" => OnCommit::Drop,
        _ => {
            return Err(syn::Error::new(
                span,
                format!(
                    "unknown `on_commit` action `{text}`; expected one of `preserve_rows`, `delete_rows`, `drop`{}",
                    help(form)
                ),
            ));
        }
    })
}

/// `with(name = 70, other = false, toast.x = "text")`: storage parameters as SQL text.
fn with_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    form: &str,
) -> syn::Result<Vec<(String, String)>> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            meta.path.span(),
            format!(
                "`{}` takes a parenthesized list of parameters{}",
                path_to_string(&meta.path),
                help(form)
            ),
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let mut out: Vec<(String, String)> = Vec::new();
    while !content.is_empty() {
        // name = value, where name may be dotted (`toast.autovacuum_enabled`)
        let first = content.call(Ident::parse_any)?;
        let mut name = first.unraw().to_string();
        let mut span = first.span();
        while content.peek(Token![.]) {
            content.parse::<Token![.]>()?;
            let next = content.call(Ident::parse_any)?;
            name.push('.');
            name.push_str(&next.unraw().to_string());
            span = span.join(next.span()).unwrap_or(span);
        }
        if !content.peek(Token![=]) {
            return Err(bad_value(&content, "`=`", form));
        }
        content.parse::<Token![=]>()?;
        let negative = content.peek(Token![-]);
        if negative {
            content.parse::<Token![-]>()?;
        }
        let value = match content.parse::<syn::Lit>() {
            Ok(syn::Lit::Int(i)) => {
                format!("{}{}", if negative { "-" } else { "" }, i.base10_digits())
            }
            Ok(syn::Lit::Float(f)) => {
                format!("{}{}", if negative { "-" } else { "" }, f.base10_digits())
            }
            Ok(syn::Lit::Bool(b)) if !negative => b.value.to_string(),
            Ok(syn::Lit::Str(s)) if !negative => s.value(),
            Ok(other) => {
                return Err(syn::Error::new(
                    other.span(),
                    format!(
                        "expected an integer, float, boolean or string literal{}",
                        help(form)
                    ),
                ));
            }
            Err(_) => return Err(bad_value(&content, "a literal", form)),
        };
        if out.iter().any(|(n, _)| *n == name) {
            cx.error_at(span, format!("duplicate parameter `{name}`"));
        } else {
            out.push((name, value));
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// `columns(a, b)`: Rust field names.
fn field_list(cx: &Ctxt, meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<Vec<Ident>> {
    let mut out = Vec::new();
    nested(cx, meta, form, |m| {
        let ident = field_ident(&m.path, form)?;
        if !(m.input.is_empty() || m.input.peek(Token![,])) {
            return Err(bad_value(m.input, "`,` or `)` after a field name", form));
        }
        out.push(ident);
        Ok(())
    })?;
    if out.is_empty() {
        return Err(syn::Error::new(
            meta.path.span(),
            format!(
                "`{}` needs at least one field{}",
                path_to_string(&meta.path),
                help(form)
            ),
        ));
    }
    Ok(out)
}

/// A path that must be a single field name.
fn field_ident(path: &Path, form: &str) -> syn::Result<Ident> {
    match path.get_ident() {
        Some(ident) => Ok(ident.clone()),
        None => Err(syn::Error::new(
            path.span(),
            format!("expected a field name{}", help(form)),
        )),
    }
}

/// `Other::COLUMN` inside `references(..)`.
fn column_path(m: &ParseNestedMeta<'_>, form: &str) -> syn::Result<Path> {
    if m.path.segments.len() < 2 {
        return Err(syn::Error::new(
            m.path.span(),
            format!(
                "expected a model's column const such as `Other::ID`{}",
                help(form)
            ),
        ));
    }
    if !(m.input.is_empty() || m.input.peek(Token![,])) {
        return Err(bad_value(m.input, "`,` or `)` after a column path", form));
    }
    Ok(m.path.clone())
}

/// `references = "schema.table(a, b)"`
fn named_target(meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<FkTarget> {
    let lit = lit_str(meta, form)?;
    let text = lit.value();
    let err = || {
        syn::Error::new(
            lit.span(),
            format!(
                "expected `table(column, ..)` or `schema.table(column, ..)`{}",
                help(form)
            ),
        )
    };
    let (head, rest) = text.split_once('(').ok_or_else(err)?;
    let inner = rest.trim_end().strip_suffix(')').ok_or_else(err)?;
    let head = head.trim();
    let (schema, table) = match head.split_once('.') {
        Some((s, t)) => (Some(s.trim().to_owned()), t.trim().to_owned()),
        None => (None, head.to_owned()),
    };
    let columns: Vec<String> = inner.split(',').map(|c| c.trim().to_owned()).collect();
    let bad = |s: &str| s.is_empty() || s.contains(['(', ')', '.', ' ', '"']);
    if bad(&table) || schema.as_deref().is_some_and(bad) || columns.iter().any(|c| bad(c)) {
        return Err(err());
    }
    Ok(FkTarget::Named {
        lit,
        schema,
        table,
        columns,
    })
}

/// Whether `input` starts with `( "string" ..`.
fn paren_starts_with_str(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    let peek = |input: ParseStream<'_>| -> syn::Result<bool> {
        let content;
        syn::parenthesized!(content in input);
        Ok(content.peek(LitStr))
    };
    peek(&fork).unwrap_or(false)
}

/// Keys users coming from other ORMs write, and the key they mean (suggested when it is
/// valid where the unknown key was written).
const ALIASES: &[(&str, Symbol)] = &[
    ("name", RENAME),
    ("column", RENAME),
    ("column_name", RENAME),
    ("name", TABLE),
    ("table_name", TABLE),
    ("type", SQL_TYPE),
    ("db_type", SQL_TYPE),
    ("column_type", SQL_TYPE),
    ("pk", PRIMARY_KEY),
    ("primary", PRIMARY_KEY),
    ("id", PRIMARY_KEY),
    ("auto_increment", IDENTITY),
    ("autoincrement", IDENTITY),
    ("serial", IDENTITY),
    ("db_default", SERVER_DEFAULT),
    ("default_expr", SERVER_DEFAULT),
    ("fk", REFERENCES),
    ("foreign_key", REFERENCES),
    ("belongs_to", REFERENCES),
    ("fk", FOREIGN_KEY),
    ("references", FOREIGN_KEY),
    ("ignore", SKIP),
    ("transient", SKIP),
    ("uniq", UNIQUE),
    ("idx", INDEX),
    ("indexes", INDEX),
    ("collation", COLLATE),
    ("opclass", OPS),
    ("using", USING),
];

/// Keys that do not exist because something else expresses them.
const NOTES: &[(&str, &str)] = &[
    (
        "nullable",
        "nullability comes from the field's type: `Option<T>` is NULL, any other type NOT NULL",
    ),
    (
        "null",
        "nullability comes from the field's type: `Option<T>` is NULL, any other type NOT NULL",
    ),
    (
        "not_null",
        "nullability comes from the field's type: `Option<T>` is NULL, any other type NOT NULL",
    ),
];

/// An unknown key: the error spans the key, lists the valid keys and shows the closest
/// key's form.
fn unknown_key(meta: &ParseNestedMeta<'_>, what: &str, keys: &[Key]) -> syn::Error {
    let name = path_to_string(&meta.path);
    let valid = keys
        .iter()
        .map(|k| format!("`{}`", k.sym))
        .collect::<Vec<_>>()
        .join(", ");
    let mut msg = format!("unknown {what} `{name}`");
    match keys.len() {
        0 => {}
        1 => msg.push_str(&format!("; the only valid key is {valid}")),
        _ => msg.push_str(&format!("; expected one of {valid}")),
    }
    if let Some((_, note)) = NOTES.iter().find(|(alias, _)| *alias == name) {
        msg.push_str(&format!("\nnote: {note}"));
        return syn::Error::new(meta.path.span(), msg);
    }
    let alias = ALIASES
        .iter()
        .filter(|(alias, _)| *alias == name)
        .find_map(|(_, sym)| keys.iter().find(|k| k.sym == *sym));
    let closest = alias.or_else(|| {
        keys.iter()
            .map(|k| (edit_distance(&name, k.sym.0), k))
            .filter(|(d, k)| *d <= 2.max(k.sym.0.len() / 3))
            .min_by_key(|(d, _)| *d)
            .map(|(_, k)| k)
    });
    if let Some(k) = closest {
        let form = k.form.replace(" or ", "` or `");
        msg.push_str(&format!("\nhelp: did you mean `{}`? `{form}`", k.sym));
    } else if let Some(k) = keys.first() {
        let form = k.form.replace(" or ", "` or `");
        msg.push_str(&format!("\nhelp: keys take the form `{form}`"));
    }
    syn::Error::new(meta.path.span(), msg)
}

trait WithNote {
    fn with_note(self, note: &str) -> Self;
}

impl WithNote for syn::Error {
    fn with_note(self, note: &str) -> Self {
        syn::Error::new(self.span(), format!("{self}\nnote: {note}"))
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `prev[j]` is the distance between the previous prefix of `a` and `b[..j]`.
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (pair, cb) in prev.windows(2).zip(&b) {
            if let [diag, up] = *pair {
                let left = cur.last().copied().unwrap_or(i + 1);
                cur.push((diag + usize::from(ca != *cb)).min(up + 1).min(left + 1));
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// A path as written (`User::ID`, `table`).
pub(crate) fn path_to_string(path: &Path) -> String {
    let mut out = String::new();
    if path.leading_colon.is_some() {
        out.push_str("::");
    }
    for (i, seg) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        out.push_str(&seg.ident.unraw().to_string());
    }
    if out.is_empty() {
        out = path.to_token_stream().to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("tabel", "table"), 2);
        assert_eq!(edit_distance("table", "table"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("sql_typ", "sql_type"), 1);
    }
}
