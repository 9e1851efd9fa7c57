//! Checks across attributes: keys that conflict, keys that need another key, required keys.
//! Each error spans the key that makes the combination invalid.

use super::ast::Container;
use super::ctxt::Ctxt;
use super::symbol::*;

/// Field keys that cannot be combined, and why.
const FIELD_CONFLICTS: &[(Symbol, Symbol, &str)] = &[
    (
        IDENTITY,
        SEQUENCE,
        "an identity column has its own sequence",
    ),
    (
        IDENTITY,
        SERVER_DEFAULT,
        "an identity column's default is its sequence",
    ),
    (
        IDENTITY,
        GENERATED,
        "a column is either an identity or generated",
    ),
    (
        IDENTITY,
        DEFAULT,
        "an identity column is filled by the server",
    ),
    (
        SEQUENCE,
        SERVER_DEFAULT,
        "a sequence column's default is `nextval(..)`",
    ),
    (SEQUENCE, GENERATED, "a generated column takes no default"),
    (
        SEQUENCE,
        DEFAULT,
        "a sequence column is filled by the server",
    ),
    (
        GENERATED,
        SERVER_DEFAULT,
        "a generated column takes no default",
    ),
    (GENERATED, DEFAULT, "a generated column cannot be written"),
    (
        GENERATED,
        PRIMARY_KEY,
        "PostgreSQL does not allow a generated column in a primary key",
    ),
    (GENERATED, ON_UPDATE, "a generated column cannot be written"),
    (
        GENERATED,
        VERSION,
        "a version column is written by every UPDATE",
    ),
    (DEFAULT, SERVER_DEFAULT, "give the default on one side only"),
    (
        VERSION,
        IDENTITY,
        "a version column starts at 1 and is incremented by UPDATEs",
    ),
    (
        VERSION,
        SEQUENCE,
        "a version column starts at 1 and is incremented by UPDATEs",
    ),
    (
        VERSION,
        ON_UPDATE,
        "a version column is incremented by UPDATEs",
    ),
    (
        OMIT_ON_INSERT,
        IDENTITY,
        "an identity column is always left out of a model INSERT",
    ),
    (
        OMIT_ON_INSERT,
        SEQUENCE,
        "a sequence column is always left out of a model INSERT",
    ),
    (
        OMIT_ON_INSERT,
        GENERATED,
        "a generated column is always left out of a model INSERT",
    ),
    (
        OMIT_ON_INSERT,
        VERSION,
        "a version column is always left out of a model INSERT",
    ),
    (
        OMIT_ON_INSERT,
        DEFAULT,
        "a Rust-side default is sent by the INSERT; `omit_on_insert` leaves the column to the server",
    ),
];

/// Runs every cross-attribute check of a model.
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_container(cx, cont);
    for field in &cont.fields {
        check_field(cx, field);
    }
}

fn check_container(cx: &Ctxt, cont: &Container<'_>) {
    let a = &cont.attrs;
    if !a.table.is_set() && !a.table_key {
        cx.error_spanned_by(
            cont.ident,
            "missing table name\nhelp: add `#[mapped(table = \"...\")]` to the struct",
        );
    }
    if let (Some(span), false) = (a.on_commit.span(), a.temporary.is_set()) {
        cx.error_at(
            span,
            "`on_commit` applies to temporary tables only\nhelp: add `#[mapped(temporary)]`",
        );
    }
    if let (Some(span), true) = (a.unlogged.span(), a.temporary.is_set()) {
        cx.error_at(span, "a table cannot be both `temporary` and `unlogged`");
    }
    if let (Some(span), true) = (a.schema.span(), a.temporary.is_set()) {
        cx.error_at(
            span,
            "a temporary table lives in its session's temporary schema and cannot have a `schema`",
        );
    }
    if let Some(span) = a.partition_by.span()
        && a.inherits.is_set()
    {
        cx.error_at(span, "a partitioned table cannot also use `inherits`");
    }
    if a.primary_key.is_set() {
        for field in &cont.fields {
            if let Some(span) = field.attrs.key_span(PRIMARY_KEY) {
                cx.error_at(
                    span,
                    "the struct already declares `primary_key(columns(..))`\nhelp: list this field there instead",
                );
            }
        }
    }
    let pk_names = cont
        .fields
        .iter()
        .filter_map(|f| f.attrs.primary_key.get().and_then(|n| n.as_ref()))
        .collect::<Vec<_>>();
    if let [_, second, ..] = pk_names.as_slice() {
        cx.error_spanned_by(
            second,
            "the primary key's name is given twice\nhelp: give `primary_key(name = \"..\")` on one field only",
        );
    }
}

fn check_field(cx: &Ctxt, field: &super::ast::Field<'_>) {
    let a = &field.attrs;
    if let Some(span) = a.key_span(OMIT_ON_INSERT)
        && !a.server_default.is_set()
        && !a
            .keys
            .iter()
            .any(|(s, _)| [IDENTITY, SEQUENCE, GENERATED, VERSION].contains(s))
    {
        cx.error_at(
            span,
            "`omit_on_insert` needs a `server_default`: the server fills the column on INSERT\nhelp: add `server_default = \"..\"`",
        );
    }
    if a.skip.is_set() {
        if let Some((sym, span)) = a.keys.iter().find(|(s, _)| *s != SKIP) {
            cx.error_at(
                *span,
                format!("`{sym}` conflicts with `skip`: a skipped field is not a column"),
            );
        }
        return;
    }
    for (x, y, why) in FIELD_CONFLICTS {
        if let (Some(sx), Some(sy)) = (a.key_span(*x), a.key_span(*y)) {
            // Report at whichever of the two keys comes second.
            let later = if a.keys.iter().position(|(s, _)| s == x)
                < a.keys.iter().position(|(s, _)| s == y)
            {
                (y, x, sy)
            } else {
                (x, y, sx)
            };
            cx.error_at(
                later.2,
                format!("`{}` conflicts with `{}`: {why}", later.0, later.1),
            );
        }
    }
}
