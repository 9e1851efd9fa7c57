//! DDL of user-defined types: `CREATE TYPE .. AS ENUM`, `CREATE TYPE .. AS (..)`,
//! `CREATE DOMAIN`, their DROPs, and the order a set of tables needs them in.

use crate::metadata::{DdlType, TableDef};
use crate::types::user_defined::{TypeDef, TypeDefKind};
use crate::value::quote_literal_into;
use crate::writer::quote_ident_into;

/// `CREATE TYPE` / `CREATE DOMAIN` for a user-defined type.
///
/// PostgreSQL has no `CREATE TYPE IF NOT EXISTS`: with `checkfirst`, the statement is
/// wrapped in a `DO` block that runs it only when `to_regtype` does not find the type (by the
/// same name resolution the statement's users get).
///
/// ```
/// use orm_core::ddl::create_type;
/// use orm_core::types::user_defined::{TypeDef, TypeDefKind};
/// let mood = TypeDef {
///     name: "mood",
///     schema: None,
///     kind: TypeDefKind::Enum { labels: &["sad", "ok", "it's great"] },
///     create: true,
/// };
/// assert_eq!(
///     create_type(&mood, false),
///     r#"CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'it''s great')"#
/// );
/// assert_eq!(
///     create_type(&mood, true),
///     r#"DO $ddl$ BEGIN IF to_regtype('"mood"') IS NULL THEN CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'it''s great'); END IF; END $ddl$"#
/// );
/// ```
pub fn create_type(def: &TypeDef, checkfirst: bool) -> String {
    let name = def.qualified_name();
    let mut out = String::new();
    match &def.kind {
        TypeDefKind::Enum { labels } => {
            out.push_str(&format!("CREATE TYPE {name} AS ENUM ("));
            for (i, label) in labels.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                quote_literal_into(&mut out, label);
            }
            out.push(')');
        }
        TypeDefKind::Composite { fields } => {
            out.push_str(&format!("CREATE TYPE {name} AS ("));
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                quote_ident_into(&mut out, f.name);
                out.push(' ');
                out.push_str(&f.sql_type.to_sql());
                if let Some(c) = f.collation {
                    out.push_str(" COLLATE ");
                    quote_ident_into(&mut out, c);
                }
            }
            out.push(')');
        }
        TypeDefKind::Domain(d) => {
            out.push_str(&format!("CREATE DOMAIN {name} AS {}", d.base.to_sql()));
            if let Some(c) = d.collation {
                out.push_str(" COLLATE ");
                quote_ident_into(&mut out, c);
            }
            if let Some(default) = d.default {
                out.push_str(" DEFAULT ");
                out.push_str(default);
            }
            if d.not_null {
                out.push_str(" NOT NULL");
            }
            for check in d.checks {
                if let Some(n) = check.name {
                    out.push_str(" CONSTRAINT ");
                    quote_ident_into(&mut out, n);
                }
                out.push_str(" CHECK (");
                out.push_str(check.expr);
                out.push(')');
            }
        }
    }
    if !checkfirst {
        return out;
    }
    let mut cond = String::from("IF to_regtype(");
    quote_literal_into(&mut cond, &name);
    cond.push_str(") IS NULL THEN ");
    let body = format!("BEGIN {cond}{out}; END IF; END");
    // The body may carry trusted SQL (a CHECK, a DEFAULT): pick a dollar-quote tag it lacks.
    let mut tag = String::from("$ddl$");
    let mut n = 0_u32;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$ddl{n}$");
    }
    format!("DO {tag} {body} {tag}")
}

/// `DROP TYPE` / `DROP DOMAIN` (never `CASCADE`: a column still using the type makes the
/// drop fail rather than vanish).
///
/// ```
/// use orm_core::ddl::drop_type;
/// use orm_core::types::user_defined::{TypeDef, TypeDefKind};
/// let mood = TypeDef {
///     name: "mood",
///     schema: Some("app"),
///     kind: TypeDefKind::Enum { labels: &["sad"] },
///     create: true,
/// };
/// assert_eq!(drop_type(&mood, true), r#"DROP TYPE IF EXISTS "app"."mood""#);
/// ```
pub fn drop_type(def: &TypeDef, if_exists: bool) -> String {
    let what = match def.kind {
        TypeDefKind::Domain(_) => "DOMAIN",
        _ => "TYPE",
    };
    let exists = if if_exists { "IF EXISTS " } else { "" };
    format!("DROP {what} {exists}{}", def.qualified_name())
}

/// The user-defined types the tables' columns use (through arrays, composite attributes and
/// domain bases too), each once, every type after the types it is built from. Types
/// declared with `create_type = false` are left out, but their dependencies are not.
///
/// ```
/// use orm_core::ddl::user_types;
/// use orm_core::metadata::Table;
/// use orm_core::__doc::Account;
/// assert!(user_types(&[Account::TABLE]).is_empty());
/// ```
pub fn user_types(tables: &[&'static TableDef]) -> Vec<&'static TypeDef> {
    fn visit(
        def: &'static TypeDef,
        out: &mut Vec<&'static TypeDef>,
        path: &mut Vec<(&str, Option<&str>)>,
    ) {
        let key = (def.name, def.schema);
        if out.iter().any(|d| (d.name, d.schema) == key) || path.contains(&key) {
            return;
        }
        path.push(key);
        for dep in def.dependencies() {
            visit(dep, out, path);
        }
        path.pop();
        out.push(def);
    }
    let mut out = Vec::new();
    for t in tables {
        for c in t.columns {
            if let DdlType::Mapped(info) = &c.sql_type
                && let Some(def) = info.user_type
            {
                visit(def, &mut out, &mut Vec::new());
            }
        }
    }
    out.retain(|d| d.create);
    out
}
