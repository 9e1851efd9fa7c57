//! User-defined SQL types: ENUM, composite (row) types and DOMAIN, as `'static` metadata
//! ([`TypeDef`]) and the codec helpers that `#[derive(PgEnum)]`, `#[derive(PgComposite)]`
//! and `#[derive(PgDomain)]` generate calls to.
//!
//! The derives make the Rust type its own SQL type marker (`impl SqlType for Mood`), whose
//! [`TypeInfo::user_type`](crate::types::TypeInfo::user_type) points at its [`TypeDef`]. A
//! model column of such a type therefore carries the type's definition, and
//! [`ddl::create_all`](crate::ddl::create_all) creates the types a set of tables uses before
//! the tables (and `drop_all` drops them after), dependencies first.
//!
//! Types are matched by name, never by OID: an enum or composite type has a different OID in
//! every database. A type declared without a schema accepts a type of that name in any
//! schema (the server resolved it through `search_path`); with a schema, only that one.

use std::error::Error as StdError;
use std::fmt;

use bytes::{BufMut, BytesMut};
use postgres_types::{Field, FromSql, IsNull, Kind, ToSql, Type};

use crate::metadata::DdlType;
use crate::types::SqlType;
use crate::types::range::{read_i32, read_length_prefixed};

type BoxError = Box<dyn StdError + Sync + Send>;

/// A user-defined type: name, schema and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeDef {
    /// Type name, unquoted (`mood`).
    pub name: &'static str,
    /// Schema, when the type is not in the connection's `search_path` default.
    pub schema: Option<&'static str>,
    /// ENUM, composite or DOMAIN.
    pub kind: TypeDefKind,
    /// Whether `create_all` / `drop_all` create and drop it (`create_type = false` for a
    /// type managed elsewhere).
    pub create: bool,
}

/// What a [`TypeDef`] defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeDefKind {
    /// `CREATE TYPE .. AS ENUM ('a', 'b')`: the labels, in sort order.
    Enum {
        /// Labels.
        labels: &'static [&'static str],
    },
    /// `CREATE TYPE .. AS (a TEXT, b INTEGER)`.
    Composite {
        /// Attributes, in order.
        fields: &'static [CompositeField],
    },
    /// `CREATE DOMAIN .. AS base ..`.
    Domain(DomainDef),
}

/// One attribute of a composite type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompositeField {
    /// Attribute name, unquoted.
    pub name: &'static str,
    /// Its type.
    pub sql_type: DdlType,
    /// `COLLATE "name"`.
    pub collation: Option<&'static str>,
}

/// The body of `CREATE DOMAIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainDef {
    /// The underlying type.
    pub base: DdlType,
    /// `COLLATE "name"`.
    pub collation: Option<&'static str>,
    /// `DEFAULT <expr>` (trusted SQL).
    pub default: Option<&'static str>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `[CONSTRAINT name] CHECK (<expr>)`, in order (trusted SQL, `VALUE` is the value).
    pub checks: &'static [DomainCheck],
}

/// One `CHECK` of a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainCheck {
    /// Constraint name (the server names it `{domain}_check` otherwise).
    pub name: Option<&'static str>,
    /// Boolean expression over `VALUE` (trusted SQL).
    pub expr: &'static str,
}

impl TypeDef {
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

    /// The user-defined types this one is built from (composite attributes, a domain's base
    /// type), directly.
    pub fn dependencies(&self) -> Vec<&'static TypeDef> {
        let types: Vec<&DdlType> = match &self.kind {
            TypeDefKind::Enum { .. } => Vec::new(),
            TypeDefKind::Composite { fields } => fields.iter().map(|f| &f.sql_type).collect(),
            TypeDefKind::Domain(d) => vec![&d.base],
        };
        types
            .into_iter()
            .filter_map(|t| match t {
                DdlType::Mapped(info) => info.user_type,
                DdlType::Custom(_) => None,
            })
            .collect()
    }

    /// Whether the server type `ty` is this type: same name, and same schema when this one
    /// has a schema. A domain over this type is looked through.
    pub fn matches(&self, ty: &Type) -> bool {
        (ty.name() == self.name && self.schema.is_none_or(|s| ty.schema() == s))
            || matches!(ty.kind(), Kind::Domain(base) if self.matches(base))
    }
}

/// A SQL type defined by a derive: the Rust type is its own marker and carries its
/// definition.
pub trait UserType: SqlType {
    /// The definition (for `ddl::create_type` / `drop_type`).
    const DEF: &'static TypeDef;
}

/// The server's type with domains looked through.
fn resolve(ty: &Type) -> &Type {
    match ty.kind() {
        Kind::Domain(base) => resolve(base),
        _ => ty,
    }
}

// --- ENUM ----------------------------------------------------------------------------------

/// A label from the server that no variant of the Rust enum has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLabel {
    /// The SQL type.
    pub type_name: String,
    /// The Rust enum.
    pub rust_type: &'static str,
    /// The label.
    pub label: String,
}

impl fmt::Display for UnknownLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "enum type {} has the label {:?}, which no variant of `{}` maps to (add a variant, or `#[mapped(rename = {:?})]` one)",
            self.type_name, self.label, self.rust_type, self.label
        )
    }
}

impl StdError for UnknownLabel {}

/// `ToSql::accepts` of a `#[derive(PgEnum)]` type: an enum type of this name (or a domain
/// over one).
pub fn enum_accepts(def: &TypeDef, ty: &Type) -> bool {
    def.matches(ty) && matches!(resolve(ty).kind(), Kind::Enum(_))
}

/// Writes an enum label (the binary format of an enum is its label's text).
pub fn enum_to_sql(label: &str, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    out.put_slice(label.as_bytes());
    Ok(IsNull::No)
}

/// Reads an enum label.
pub fn enum_label(raw: &[u8]) -> Result<&str, BoxError> {
    Ok(std::str::from_utf8(raw)?)
}

/// The error for a label without a variant, naming the type and the label.
pub fn unknown_label(ty: &Type, rust_type: &'static str, label: &str) -> BoxError {
    Box::new(UnknownLabel {
        type_name: format!("{}.{}", ty.schema(), ty.name()),
        rust_type,
        label: label.to_owned(),
    })
}

// --- Composite -----------------------------------------------------------------------------

/// A Rust field of a composite: its attribute name and whether its type accepts a server
/// type.
pub type FieldAccepts = (&'static str, fn(&Type) -> bool);

/// `ToSql::accepts` / `FromSql::accepts` of a `#[derive(PgComposite)]` type: a composite
/// type of this name whose attributes are exactly the Rust fields (by name, any order), each
/// of a type the field's Rust type accepts.
pub fn composite_accepts(def: &TypeDef, ty: &Type, fields: &[FieldAccepts]) -> bool {
    if !def.matches(ty) {
        return false;
    }
    let Kind::Composite(server) = resolve(ty).kind() else {
        return false;
    };
    server.len() == fields.len()
        && server.iter().all(|f| {
            fields
                .iter()
                .any(|(name, accepts)| *name == f.name() && accepts(f.type_()))
        })
}

fn composite_fields(ty: &Type) -> Result<&[Field], BoxError> {
    match resolve(ty).kind() {
        Kind::Composite(fields) => Ok(fields),
        _ => Err(format!("{ty} is not a composite type").into()),
    }
}

/// Writes a composite value in the record wire format (`int32` count, then per attribute
/// its type OID, `int32` length and bytes), attributes in the server's order, each found by
/// name among `values`.
pub fn composite_to_sql(
    ty: &Type,
    values: &[(&'static str, &(dyn ToSql + Sync))],
    out: &mut BytesMut,
) -> Result<IsNull, BoxError> {
    let fields = composite_fields(ty)?;
    out.put_i32(i32::try_from(fields.len()).map_err(|_| "too many attributes")?);
    for f in fields {
        let Some((_, value)) = values.iter().find(|(name, _)| *name == f.name()) else {
            return Err(format!(
                "{ty} has an attribute `{}` that the Rust type lacks",
                f.name()
            )
            .into());
        };
        out.put_u32(f.type_().oid());
        let at = out.len();
        out.put_i32(0);
        let len = match value.to_sql_checked(f.type_(), out) {
            Ok(IsNull::No) => i32::try_from(out.len() - at - 4)
                .map_err(|_| format!("attribute `{}` of {ty} is too large", f.name()))?,
            Ok(IsNull::Yes) => {
                out.truncate(at + 4);
                -1
            }
            Err(e) => return Err(format!("attribute `{}` of {ty}: {e}", f.name()).into()),
        };
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(IsNull::No)
}

/// Reads a composite value attribute by attribute; see `#[derive(PgComposite)]`.
#[derive(Debug)]
pub struct CompositeReader<'a, 't> {
    ty: &'t Type,
    fields: std::slice::Iter<'t, Field>,
    raw: &'a [u8],
}

impl<'a, 't> CompositeReader<'a, 't> {
    /// Starts reading `raw`, a value of the composite type `ty`.
    pub fn new(ty: &'t Type, mut raw: &'a [u8]) -> Result<Self, BoxError> {
        let fields = composite_fields(ty)?;
        let count = read_i32(&mut raw, "a composite value")?;
        if usize::try_from(count).ok() != Some(fields.len()) {
            return Err(format!(
                "a value of {ty} has {count} attributes, the type has {}",
                fields.len()
            )
            .into());
        }
        Ok(CompositeReader {
            ty,
            fields: fields.iter(),
            raw,
        })
    }

    /// The next attribute and its bytes (`None` for NULL); `None` at the end.
    pub fn next_field(&mut self) -> Result<Option<(&'t Field, Option<&'a [u8]>)>, BoxError> {
        let Some(field) = self.fields.next() else {
            if !self.raw.is_empty() {
                return Err(format!("a value of {} has trailing bytes", self.ty).into());
            }
            return Ok(None);
        };
        // The OID is the attribute's type, which `field` already tells.
        read_i32(&mut self.raw, "a composite value")?;
        let value = read_length_prefixed(&mut self.raw, "a composite attribute")?;
        Ok(Some((field, value)))
    }

    /// Decodes one attribute's bytes as `T`.
    pub fn decode<T: for<'b> FromSql<'b>>(
        &self,
        field: &Field,
        value: Option<&[u8]>,
    ) -> Result<T, BoxError> {
        let ty = field.type_();
        if !<T as FromSql<'_>>::accepts(ty) {
            return Err(format!(
                "attribute `{}` of {} has type {ty}, which `{}` cannot decode",
                field.name(),
                self.ty,
                std::any::type_name::<T>()
            )
            .into());
        }
        T::from_sql_nullable(ty, value)
            .map_err(|e| format!("attribute `{}` of {}: {e}", field.name(), self.ty).into())
    }

    /// The error for a server attribute the Rust type has no field for.
    pub fn unknown_field(&self, field: &Field) -> BoxError {
        format!(
            "{} has an attribute `{}` that the Rust type lacks",
            self.ty,
            field.name()
        )
        .into()
    }

    /// The error for a Rust field the server's type lacks.
    pub fn missing_field(&self, name: &str) -> BoxError {
        format!("{} has no attribute `{name}`", self.ty).into()
    }
}

// --- DOMAIN --------------------------------------------------------------------------------

/// `accepts` of a `#[derive(PgDomain)]` newtype: the domain itself (its base type accepted
/// by the inner type), or a type the inner type accepts (a parameter the server typed as the
/// base type).
pub fn domain_accepts(def: &TypeDef, ty: &Type, inner: fn(&Type) -> bool) -> bool {
    match ty.kind() {
        Kind::Domain(base) if ty.name() == def.name => {
            def.schema.is_none_or(|s| ty.schema() == s) && inner(base)
        }
        _ => inner(ty),
    }
}

/// The type the inner value is encoded as: the base type of this domain, or `ty` itself.
pub fn domain_base<'t>(def: &TypeDef, ty: &'t Type) -> &'t Type {
    match ty.kind() {
        Kind::Domain(base) if ty.name() == def.name => base,
        _ => ty,
    }
}
