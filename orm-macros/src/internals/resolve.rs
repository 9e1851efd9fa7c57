//! Resolution: Rust field names to SQL columns, column consts, and the PostgreSQL names of
//! keys, constraints and indexes. What does not resolve (an unknown field, a name over
//! PostgreSQL's 63-byte limit, a const that would shadow `Table::TABLE`) is reported here.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Ident, LitStr, Path};

use super::ast::{Container, Field};
use super::attr::{self, Deferrable, ElementTarget, NullsOrder, RefAction, SortOrder};
use super::ctxt::Ctxt;

/// PostgreSQL's identifier limit (`NAMEDATALEN - 1`); longer names are silently truncated
/// by the server, so the catalog would not match the metadata.
const MAX_NAME_BYTES: usize = 63;

/// A model, resolved.
pub(crate) struct Table<'a> {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column<'a>>,
    pub(crate) primary_key: Option<PrimaryKey>,
    pub(crate) constraints: Vec<Constraint>,
    pub(crate) indexes: Vec<Index>,
    pub(crate) sequences: Vec<Sequence>,
    /// Foreign key type checks: the referencing field's type, the referenced column, and
    /// the first referenced column of the same key (all must be of one table).
    pub(crate) fk_checks: Vec<FkCheck>,
    /// The `ON CONFLICT` handles of the unique keys (`User::PKEY`, `User::EMAIL_KEY`).
    pub(crate) keys: Vec<KeyHandle>,
}

/// A unique key's associated const: `UniqueKey::primary_key()`, `::constraint(i)` or
/// `::index(i)`.
pub(crate) struct KeyHandle {
    pub(crate) ident: Ident,
    pub(crate) kind: KeyKind,
    /// The key's PostgreSQL name.
    pub(crate) name: String,
}

#[derive(Clone, Copy)]
pub(crate) enum KeyKind {
    PrimaryKey,
    Constraint(usize),
    Index(usize),
}

/// A field that is a column.
pub(crate) struct Column<'a> {
    pub(crate) field: &'a Field<'a>,
    /// SQL name.
    pub(crate) name: String,
    /// Position in `TableDef.columns`.
    pub(crate) index: usize,
    /// The associated const (`EMAIL`).
    pub(crate) const_ident: Ident,
    pub(crate) primary_key: bool,
    /// `ColumnDef.sequence`: the possibly schema-qualified sequence name.
    pub(crate) sequence: Option<String>,
}

pub(crate) struct PrimaryKey {
    pub(crate) name: String,
    pub(crate) columns: Vec<String>,
}

pub(crate) struct Sequence {
    pub(crate) name: String,
    pub(crate) schema: Option<String>,
    /// start, increment, min, max, cache, cycle (1 when set).
    pub(crate) options: [Option<i64>; 6],
}

pub(crate) enum Constraint {
    Unique {
        name: String,
        columns: Vec<String>,
        nulls_not_distinct: bool,
        include: Vec<String>,
        deferrable: Deferrable,
    },
    Check {
        name: String,
        expr: String,
        no_inherit: bool,
        not_valid: bool,
    },
    ForeignKey {
        name: String,
        columns: Vec<String>,
        target: Target,
        on_delete: Option<RefAction>,
        on_update: Option<RefAction>,
        deferrable: Deferrable,
        not_valid: bool,
    },
    Exclude {
        name: String,
        using: String,
        elements: Vec<(Element, String)>,
        include: Vec<String>,
        predicate: Option<String>,
        deferrable: Deferrable,
    },
}

impl Constraint {
    fn name_mut(&mut self) -> &mut String {
        match self {
            Constraint::Unique { name, .. }
            | Constraint::Check { name, .. }
            | Constraint::ForeignKey { name, .. }
            | Constraint::Exclude { name, .. } => name,
        }
    }
}

/// A foreign key's target.
pub(crate) enum Target {
    /// Typed column paths (`Self` replaced by the model).
    Model(Vec<Path>),
    Named {
        schema: Option<String>,
        table: String,
        columns: Vec<String>,
    },
}

pub(crate) struct FkCheck {
    /// The referencing column's const (`User::TEAM_ID`).
    pub(crate) this: Path,
    /// The referenced column (`Team::ID`).
    pub(crate) column: Path,
    /// The key's first referenced column, for the second and later ones.
    pub(crate) first: Option<Path>,
}

pub(crate) enum ElementKind {
    Column(String),
    Expr(String),
}

pub(crate) struct Element {
    pub(crate) target: ElementKind,
    pub(crate) collation: Option<String>,
    pub(crate) opclass: Option<String>,
    pub(crate) order: Option<SortOrder>,
    pub(crate) nulls: Option<NullsOrder>,
}

pub(crate) struct Index {
    pub(crate) name: String,
    pub(crate) unique: bool,
    pub(crate) concurrently: bool,
    pub(crate) using: Option<String>,
    pub(crate) elements: Vec<Element>,
    pub(crate) include: Vec<String>,
    pub(crate) nulls_not_distinct: bool,
    pub(crate) with: Vec<(String, String)>,
    pub(crate) tablespace: Option<String>,
    pub(crate) predicate: Option<String>,
}

/// A name to choose: the user's, or PostgreSQL's convention `{base}_{label}`.
struct NameSlot {
    explicit: Option<LitStr>,
    base: String,
    label: &'static str,
    /// Where to report a default name that is too long.
    key: Span,
    target: NameTarget,
}

#[derive(Clone, Copy)]
enum NameTarget {
    PrimaryKey,
    Constraint(usize),
    Index(usize),
}

/// Resolves a model; errors go to `cx`.
pub(crate) fn resolve<'a>(cx: &Ctxt, cont: &'a Container<'a>) -> Table<'a> {
    let table = cont
        .attrs
        .table
        .get()
        .map(LitStr::value)
        .unwrap_or_default();
    if let Some(lit) = cont.attrs.table.get() {
        check_name_len(cx, lit, "table");
    }
    let mut r = Resolver {
        cx,
        cont,
        table: table.clone(),
        columns: Vec::new(),
    };
    r.columns();
    let mut slots = Vec::new();
    let primary_key = r.primary_key(&mut slots);
    let mut constraints = Vec::new();
    let mut indexes = Vec::new();
    let mut fk_checks = Vec::new();
    r.field_constraints(&mut constraints, &mut indexes, &mut fk_checks, &mut slots);
    r.table_constraints(&mut constraints, &mut indexes, &mut fk_checks, &mut slots);
    let sequences = r.sequences();
    let mut out = Table {
        name: table,
        columns: r.columns,
        primary_key,
        constraints,
        indexes,
        sequences,
        fk_checks,
        keys: Vec::new(),
    };
    let spans: Vec<(NameTarget, Span)> = slots.iter().map(|s| (s.target, s.key)).collect();
    assign_names(cx, &mut out, slots);
    out.keys = key_handles(cx, &out, &spans);
    out
}

/// One const per unique key, named after the key's PostgreSQL name without the `{table}_`
/// prefix, upper-cased: `users_pkey` → `PKEY`, `users_email_key` → `EMAIL_KEY`. A name that
/// collides with a column const or another key is an error at the key's attribute.
fn key_handles(cx: &Ctxt, table: &Table<'_>, spans: &[(NameTarget, Span)]) -> Vec<KeyHandle> {
    let mut keys: Vec<(KeyKind, String, Span)> = Vec::new();
    let span_of = |t: NameTarget| {
        spans
            .iter()
            .find(|(s, _)| match (s, t) {
                (NameTarget::PrimaryKey, NameTarget::PrimaryKey) => true,
                (NameTarget::Constraint(a), NameTarget::Constraint(b))
                | (NameTarget::Index(a), NameTarget::Index(b)) => *a == b,
                _ => false,
            })
            .map_or_else(Span::call_site, |(_, span)| *span)
    };
    if let Some(pk) = &table.primary_key {
        keys.push((
            KeyKind::PrimaryKey,
            pk.name.clone(),
            span_of(NameTarget::PrimaryKey),
        ));
    }
    for (i, c) in table.constraints.iter().enumerate() {
        if let Constraint::Unique { name, .. } = c {
            keys.push((
                KeyKind::Constraint(i),
                name.clone(),
                span_of(NameTarget::Constraint(i)),
            ));
        }
    }
    for (i, ix) in table.indexes.iter().enumerate() {
        if ix.unique {
            keys.push((
                KeyKind::Index(i),
                ix.name.clone(),
                span_of(NameTarget::Index(i)),
            ));
        }
    }
    let mut used: HashSet<String> = table
        .columns
        .iter()
        .map(|c| c.const_ident.to_string())
        .collect();
    let mut out = Vec::new();
    for (kind, name, span) in keys {
        let ident = key_const_name(&table.name, &name);
        if !used.insert(ident.clone()) {
            cx.error_at(
                span,
                format!(
                    "the ON CONFLICT handle of key `{name}` would be `{ident}`, which is already a column or key const\nhelp: give the key another name with `name = \"...\"`"
                ),
            );
            continue;
        }
        out.push(KeyHandle {
            ident: Ident::new(&ident, span),
            kind,
            name,
        });
    }
    out
}

/// `users_email_key` of table `users` → `EMAIL_KEY`.
fn key_const_name(table: &str, name: &str) -> String {
    let bare = name
        .strip_prefix(table)
        .and_then(|rest| rest.strip_prefix('_'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(name);
    let mut ident: String = bare
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if !ident.starts_with(|c: char| c.is_ascii_alphabetic()) {
        ident.insert_str(0, "KEY_");
    }
    ident
}

struct Resolver<'c, 'a> {
    cx: &'c Ctxt,
    cont: &'a Container<'a>,
    table: String,
    columns: Vec<Column<'a>>,
}

impl<'a> Resolver<'_, 'a> {
    fn columns(&mut self) {
        let mut names: Vec<String> = Vec::new();
        let mut consts: Vec<String> = Vec::new();
        for field in &self.cont.fields {
            let a = &field.attrs;
            if a.skip.is_set() {
                continue;
            }
            let name = match a.rename.get() {
                Some(lit) => {
                    check_name_len(self.cx, lit, "column");
                    lit.value()
                }
                None => {
                    let name = field.name();
                    if name.len() > MAX_NAME_BYTES {
                        self.cx.error_spanned_by(
                            field.ident,
                            format!("the column name `{name}` is longer than PostgreSQL's limit of 63 bytes\nhelp: give a shorter one with `#[mapped(rename = \"...\")]`"),
                        );
                    }
                    name
                }
            };
            if names.contains(&name) {
                let at: &dyn quote::ToTokens = match a.rename.get() {
                    Some(lit) => lit,
                    None => field.ident,
                };
                self.cx
                    .error_spanned_by(at, format!("two fields map to the column `{name}`"));
            }
            names.push(name.clone());

            let const_ident = self.const_ident(field, &mut consts);
            let sequence = a.sequence.get().map(|s| match &s.schema {
                Some(schema) => format!("{schema}.{}", s.bare_name),
                None => s.bare_name.clone(),
            });
            self.columns.push(Column {
                field,
                name,
                index: self.columns.len(),
                const_ident,
                primary_key: a.primary_key.is_set(),
                sequence,
            });
        }
    }

    fn const_ident(&self, field: &Field<'_>, consts: &mut Vec<String>) -> Ident {
        let (text, span) = match field.attrs.const_name.get() {
            Some(lit) => {
                let text = lit.value();
                if syn::parse_str::<Ident>(&text).is_err() {
                    self.cx
                        .error_spanned_by(lit, format!("`{text}` is not a valid Rust identifier"));
                    return Ident::new("__orm_invalid", lit.span());
                }
                (text, lit.span())
            }
            None => (field.name().to_uppercase(), field.ident.span()),
        };
        if text == "TABLE" {
            let field_name = field.name();
            self.cx.error_at(
                span,
                format!(
                    "the column const of this field would be `{}::TABLE`, which shadows `Table::TABLE`\nhelp: name the const otherwise: `#[mapped(const_name = \"{}_COLUMN\")]`",
                    self.cont.ident,
                    field_name.to_uppercase()
                ),
            );
        } else if consts.contains(&text) {
            self.cx.error_at(
                span,
                format!(
                    "two fields get the column const `{}::{text}`\nhelp: name one otherwise with `#[mapped(const_name = \"...\")]`",
                    self.cont.ident
                ),
            );
        }
        consts.push(text.clone());
        // Keeps the field's span so that "go to definition" on `User::EMAIL` lands on the field.
        Ident::new(&text, span)
    }

    /// The SQL column of a field named in an attribute.
    fn lookup(&self, ident: &Ident) -> Option<&Column<'a>> {
        let name = ident.unraw().to_string();
        if let Some(col) = self.columns.iter().find(|c| c.field.name() == name) {
            return Some(col);
        }
        if self
            .cont
            .fields
            .iter()
            .any(|f| f.name() == name && f.attrs.skip.is_set())
        {
            self.cx.error_spanned_by(
                ident,
                format!("field `{name}` is `#[mapped(skip)]`, so it has no column"),
            );
        } else {
            let fields = self
                .columns
                .iter()
                .map(|c| format!("`{}`", c.field.name()))
                .collect::<Vec<_>>()
                .join(", ");
            self.cx.error_spanned_by(
                ident,
                format!(
                    "`{}` has no field `{name}`; its column fields are {fields}",
                    self.cont.ident
                ),
            );
        }
        None
    }

    fn lookup_all(&self, idents: &[Ident]) -> Vec<String> {
        idents
            .iter()
            .filter_map(|i| self.lookup(i).map(|c| c.name.clone()))
            .collect()
    }

    fn primary_key(&mut self, slots: &mut Vec<NameSlot>) -> Option<PrimaryKey> {
        let (columns, name, key) = match self.cont.attrs.primary_key.get() {
            Some(pk) => {
                let mut columns = Vec::new();
                for ident in &pk.columns {
                    if let Some(col) = self.lookup(ident) {
                        columns.push((col.index, col.name.clone()));
                    }
                }
                for (idx, _) in &columns {
                    if let Some(col) = self.columns.get_mut(*idx) {
                        col.primary_key = true;
                    }
                }
                (
                    columns.into_iter().map(|(_, n)| n).collect(),
                    pk.name.clone(),
                    pk.key,
                )
            }
            None => {
                let cols: Vec<&Column<'_>> =
                    self.columns.iter().filter(|c| c.primary_key).collect();
                let first = cols.first()?;
                let key = first
                    .field
                    .attrs
                    .primary_key
                    .span()
                    .unwrap_or_else(|| first.field.ident.span());
                let name = cols
                    .iter()
                    .find_map(|c| c.field.attrs.primary_key.get().cloned().flatten());
                (cols.iter().map(|c| c.name.clone()).collect(), name, key)
            }
        };
        slots.push(NameSlot {
            explicit: name,
            base: self.table.clone(),
            label: "pkey",
            key,
            target: NameTarget::PrimaryKey,
        });
        Some(PrimaryKey {
            name: String::new(),
            columns,
        })
    }

    fn field_constraints(
        &self,
        constraints: &mut Vec<Constraint>,
        indexes: &mut Vec<Index>,
        fk_checks: &mut Vec<FkCheck>,
        slots: &mut Vec<NameSlot>,
    ) {
        for col in &self.columns {
            let a = &col.field.attrs;
            let base = format!("{}_{}", self.table, col.name);
            if let Some(u) = a.unique.get() {
                slots.push(NameSlot {
                    explicit: u.name.clone(),
                    base: base.clone(),
                    label: "key",
                    key: u.key,
                    target: NameTarget::Constraint(constraints.len()),
                });
                constraints.push(Constraint::Unique {
                    name: String::new(),
                    columns: vec![col.name.clone()],
                    nulls_not_distinct: u.nulls_not_distinct,
                    include: self.lookup_all(&u.include),
                    deferrable: u.deferrable,
                });
            }
            for c in &a.checks {
                slots.push(NameSlot {
                    explicit: c.name.clone(),
                    base: base.clone(),
                    label: "check",
                    key: c.key,
                    target: NameTarget::Constraint(constraints.len()),
                });
                constraints.push(check(c));
            }
            if let Some(fk) = a.references.get()
                && let Some(target) =
                    self.fk_target(fk, std::slice::from_ref(&col.const_ident), fk_checks)
            {
                slots.push(NameSlot {
                    explicit: fk.name.clone(),
                    base: base.clone(),
                    label: "fkey",
                    key: fk.key,
                    target: NameTarget::Constraint(constraints.len()),
                });
                constraints.push(foreign_key(fk, vec![col.name.clone()], target));
            }
            for ix in &a.indexes {
                let elements = ix
                    .elements
                    .iter()
                    .filter_map(|e| self.element(e, Some(col)))
                    .collect::<Vec<_>>();
                slots.push(NameSlot {
                    explicit: ix.name.clone(),
                    base: base.clone(),
                    label: "idx",
                    key: ix.key,
                    target: NameTarget::Index(indexes.len()),
                });
                indexes.push(self.index(ix, elements));
            }
        }
    }

    fn table_constraints(
        &self,
        constraints: &mut Vec<Constraint>,
        indexes: &mut Vec<Index>,
        fk_checks: &mut Vec<FkCheck>,
        slots: &mut Vec<NameSlot>,
    ) {
        let a = &self.cont.attrs;
        for u in &a.uniques {
            let columns = self.lookup_all(&u.columns);
            slots.push(NameSlot {
                explicit: u.name.clone(),
                base: join_base(&self.table, &columns),
                label: "key",
                key: u.key,
                target: NameTarget::Constraint(constraints.len()),
            });
            constraints.push(Constraint::Unique {
                name: String::new(),
                columns,
                nulls_not_distinct: u.nulls_not_distinct,
                include: self.lookup_all(&u.include),
                deferrable: u.deferrable,
            });
        }
        for c in &a.checks {
            slots.push(NameSlot {
                explicit: c.name.clone(),
                base: self.table.clone(),
                label: "check",
                key: c.key,
                target: NameTarget::Constraint(constraints.len()),
            });
            constraints.push(check(c));
        }
        for fk in &a.foreign_keys {
            let mut columns = Vec::new();
            let mut consts = Vec::new();
            for ident in &fk.columns {
                if let Some(col) = self.lookup(ident) {
                    columns.push(col.name.clone());
                    consts.push(col.const_ident.clone());
                }
            }
            if columns.len() != fk.columns.len() {
                continue;
            }
            let Some(target) = self.fk_target(fk, &consts, fk_checks) else {
                continue;
            };
            slots.push(NameSlot {
                explicit: fk.name.clone(),
                base: join_base(&self.table, &columns),
                label: "fkey",
                key: fk.key,
                target: NameTarget::Constraint(constraints.len()),
            });
            constraints.push(foreign_key(fk, columns, target));
        }
        for ex in &a.excludes {
            let elements = ex
                .elements
                .iter()
                .filter_map(|(e, op)| self.element(e, None).map(|e| (e, op.value())))
                .collect::<Vec<_>>();
            let names = element_names(elements.iter().map(|(e, _)| e));
            slots.push(NameSlot {
                explicit: ex.name.clone(),
                base: join_base(&self.table, &names),
                label: "excl",
                key: ex.key,
                target: NameTarget::Constraint(constraints.len()),
            });
            constraints.push(Constraint::Exclude {
                name: String::new(),
                using: ex
                    .using
                    .as_ref()
                    .map_or_else(|| "gist".to_owned(), LitStr::value),
                elements,
                include: self.lookup_all(&ex.include),
                predicate: ex.predicate.as_ref().map(LitStr::value),
                deferrable: ex.deferrable,
            });
        }
        for ix in &a.indexes {
            let elements = ix
                .elements
                .iter()
                .filter_map(|e| self.element(e, None))
                .collect::<Vec<_>>();
            let names = element_names(elements.iter());
            slots.push(NameSlot {
                explicit: ix.name.clone(),
                base: join_base(&self.table, &names),
                label: "idx",
                key: ix.key,
                target: NameTarget::Index(indexes.len()),
            });
            indexes.push(self.index(ix, elements));
        }
    }

    fn fk_target(
        &self,
        fk: &attr::ForeignKey,
        consts: &[Ident],
        fk_checks: &mut Vec<FkCheck>,
    ) -> Option<Target> {
        match &fk.target {
            attr::FkTarget::Columns(paths) => {
                if paths.len() != consts.len() {
                    self.cx.error_at(
                        fk.key,
                        format!(
                            "this foreign key has {} column(s) but references {}",
                            consts.len(),
                            paths.len()
                        ),
                    );
                    return None;
                }
                let paths: Vec<Path> = paths.iter().map(|p| self.substitute_self(p)).collect();
                let first = paths.first()?.clone();
                for (i, (this, path)) in consts.iter().zip(&paths).enumerate() {
                    let mut this_path = Path::from(self.cont.ident.clone());
                    this_path.segments.push(this.clone().into());
                    fk_checks.push(FkCheck {
                        this: this_path,
                        column: path.clone(),
                        first: (i > 0).then(|| first.clone()),
                    });
                }
                Some(Target::Model(paths))
            }
            attr::FkTarget::Named {
                lit,
                schema,
                table,
                columns,
            } => {
                if columns.len() != consts.len() {
                    self.cx.error_spanned_by(
                        lit,
                        format!(
                            "this foreign key has {} column(s) but references {}",
                            consts.len(),
                            columns.len()
                        ),
                    );
                    return None;
                }
                Some(Target::Named {
                    schema: schema.clone(),
                    table: table.clone(),
                    columns: columns.clone(),
                })
            }
        }
    }

    /// `Self::ID` → `User::ID`, keeping `Self`'s span.
    fn substitute_self(&self, path: &Path) -> Path {
        let mut path = path.clone();
        if let Some(first) = path.segments.first_mut()
            && first.ident == "Self"
        {
            first.ident = Ident::new(&self.cont.ident.to_string(), first.ident.span());
        }
        path
    }

    fn element(&self, e: &attr::Element, this: Option<&Column<'_>>) -> Option<Element> {
        let target = match &e.target {
            ElementTarget::Field(ident) => ElementKind::Column(self.lookup(ident)?.name.clone()),
            ElementTarget::ThisField => ElementKind::Column(this?.name.clone()),
            ElementTarget::Expr(lit) => ElementKind::Expr(lit.value()),
        };
        Some(Element {
            target,
            collation: e.collation.get().map(LitStr::value),
            opclass: e.opclass.get().map(LitStr::value),
            order: e.order.get().copied(),
            nulls: e.nulls.get().copied(),
        })
    }

    fn index(&self, ix: &attr::Index, elements: Vec<Element>) -> Index {
        Index {
            name: String::new(),
            unique: ix.unique,
            concurrently: ix.concurrently,
            using: ix.using.as_ref().map(LitStr::value),
            elements,
            include: self.lookup_all(&ix.include),
            nulls_not_distinct: ix.nulls_not_distinct,
            with: ix.with.clone(),
            tablespace: ix.tablespace.as_ref().map(LitStr::value),
            predicate: ix.predicate.as_ref().map(LitStr::value),
        }
    }

    /// One `SequenceDef` per distinct sequence; a sequence shared by several columns must
    /// not be declared with different options.
    fn sequences(&self) -> Vec<Sequence> {
        let mut out: Vec<Sequence> = Vec::new();
        for col in &self.columns {
            let Some(s) = col.field.attrs.sequence.get() else {
                continue;
            };
            check_name_len(self.cx, &s.name, "sequence");
            let options = s.options.values();
            if let Some(prev) = out
                .iter_mut()
                .find(|p| p.name == s.bare_name && p.schema == s.schema)
            {
                if prev.options == [None; 6] {
                    prev.options = options;
                } else if options != [None; 6] && options != prev.options {
                    self.cx.error_spanned_by(
                        &s.name,
                        format!(
                            "sequence `{}` is declared again with other options\nhelp: give its options on one column only",
                            s.bare_name
                        ),
                    );
                }
                continue;
            }
            out.push(Sequence {
                name: s.bare_name.clone(),
                schema: s.schema.clone(),
                options,
            });
        }
        out
    }
}

fn check(c: &attr::Check) -> Constraint {
    Constraint::Check {
        name: String::new(),
        expr: c.expr.value(),
        no_inherit: c.no_inherit,
        not_valid: c.not_valid,
    }
}

fn foreign_key(fk: &attr::ForeignKey, columns: Vec<String>, target: Target) -> Constraint {
    Constraint::ForeignKey {
        name: String::new(),
        columns,
        target,
        on_delete: fk.on_delete,
        on_update: fk.on_update,
        deferrable: fk.deferrable,
        not_valid: fk.not_valid,
    }
}

/// PostgreSQL's column part of a default index name: column names, `expr` for
/// expressions, made unique by a number (`expr`, `expr1`).
fn element_names<'e>(elements: impl Iterator<Item = &'e Element>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in elements {
        let base = match &e.target {
            ElementKind::Column(c) => c.clone(),
            ElementKind::Expr(_) => "expr".to_owned(),
        };
        let mut name = base.clone();
        let mut n = 1;
        while out.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

fn join_base(table: &str, columns: &[String]) -> String {
    let mut out = table.to_owned();
    for c in columns {
        out.push('_');
        out.push_str(c);
    }
    out
}

fn check_name_len(cx: &Ctxt, lit: &LitStr, what: &str) {
    let value = lit.value();
    if value.len() > MAX_NAME_BYTES {
        cx.error_spanned_by(
            lit,
            format!(
                "the {what} name `{value}` is {} bytes long, over PostgreSQL's limit of 63 (the server would truncate it)",
                value.len()
            ),
        );
    }
}

/// Gives every key, constraint and index its name: the user's, else PostgreSQL's default
/// made unique with a number (`users_email_key1`), as the server itself would.
fn assign_names(cx: &Ctxt, out: &mut Table<'_>, slots: Vec<NameSlot>) {
    let mut used: HashSet<String> = HashSet::new();
    let mut names: Vec<(NameTarget, String)> = Vec::new();
    for slot in slots.iter() {
        if let Some(lit) = &slot.explicit {
            check_name_len(cx, lit, "constraint or index");
            let name = lit.value();
            if !used.insert(name.clone()) {
                cx.error_spanned_by(lit, format!("the name `{name}` is used twice"));
            }
            names.push((slot.target, name));
        }
    }
    for slot in slots.iter().filter(|s| s.explicit.is_none()) {
        let mut name = format!("{}_{}", slot.base, slot.label);
        let mut n = 1;
        while used.contains(&name) {
            name = format!("{}_{}{n}", slot.base, slot.label);
            n += 1;
        }
        if name.len() > MAX_NAME_BYTES {
            cx.error_at(
                slot.key,
                format!(
                    "the default name `{name}` is {} bytes long, over PostgreSQL's limit of 63\nhelp: give a shorter one with `name = \"...\"`",
                    name.len()
                ),
            );
        }
        used.insert(name.clone());
        names.push((slot.target, name));
    }
    for (target, name) in names {
        match target {
            NameTarget::PrimaryKey => {
                if let Some(pk) = &mut out.primary_key {
                    pk.name = name;
                }
            }
            NameTarget::Constraint(i) => {
                if let Some(c) = out.constraints.get_mut(i) {
                    *c.name_mut() = name;
                }
            }
            NameTarget::Index(i) => {
                if let Some(ix) = out.indexes.get_mut(i) {
                    ix.name = name;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_elements_are_numbered() {
        let e = |k| Element {
            target: k,
            collation: None,
            opclass: None,
            order: None,
            nulls: None,
        };
        let els = [
            e(ElementKind::Expr("lower(a)".into())),
            e(ElementKind::Column("b".into())),
            e(ElementKind::Expr("upper(a)".into())),
        ];
        assert_eq!(element_names(els.iter()), ["expr", "b", "expr1"]);
    }

    #[test]
    fn key_consts_drop_the_table_prefix() {
        assert_eq!(key_const_name("users", "users_pkey"), "PKEY");
        assert_eq!(key_const_name("users", "users_email_key"), "EMAIL_KEY");
        assert_eq!(key_const_name("users", "uq-Email"), "UQ_EMAIL");
        assert_eq!(key_const_name("users", "users_"), "USERS_");
        assert_eq!(key_const_name("users", "1st"), "KEY_1ST");
    }

    #[test]
    fn bases_join_columns() {
        assert_eq!(join_base("t", &["a".into(), "b".into()]), "t_a_b");
    }
}
