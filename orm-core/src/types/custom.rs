//! How to map your own Rust type to a PostgreSQL type (psycopg2's adapters and typecasters,
//! `register_adapter` / `new_type`, done with traits).
//!
//! A column type needs three things:
//!
//! 1. a SQL type marker: a zero-sized type implementing [`SqlType`](crate::types::SqlType),
//!    whose [`TypeInfo`](crate::types::TypeInfo) gives the DDL name and, for a type from an
//!    extension, the extension that `create_all` creates first;
//! 2. the Rust value's codec: `postgres_types::ToSql` (binding) and `FromSql` (decoding),
//!    re-exported as `orm_core::postgres_types` (the `bytes` crate gives `BytesMut`). A
//!    built-in type is matched by `Type` constant; an **extension type** has a different OID
//!    in every database, so match it **by name**: the driver looks the name up once per
//!    connection (as psycopg2's `register_hstore` finds hstore's OID);
//! 3. `orm_core::sql_value!(MyType => MyMarker)`, which connects them: the type becomes a
//!    model field type (`HasSqlType`), decodes from the marker (plain and `Option`), binds
//!    where a value of the marker is expected, and `Vec<MyType>` maps to `MyMarker[]`.
//!
//! Operators come from the marker: implement marker traits such as
//! [`TextType`](crate::types::TextType) to get `LIKE`/`||`, or write an extension trait over
//! `Expression` with `.op(..)` / [`func`](crate::expr::func) calls.
//!
//! A complete example: case-insensitive e-mail addresses in a `CITEXT` column (the `citext`
//! extension), found by type name.
//!
//! ```
//! use std::error::Error;
//! use orm_core::postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
//! use orm_core::prelude::*;
//! use orm_core::types::{NotNull, SqlType, TypeInfo};
//!
//! /// The marker: a `CITEXT` column, from the extension `citext`.
//! #[derive(Debug, Clone, Copy, Default)]
//! pub struct CiEmail;
//! impl SqlType for CiEmail {
//!     const TYPE: TypeInfo = TypeInfo::named("CITEXT").with_extension("citext");
//!     const NULLABLE: bool = false;
//!     type NotNull = CiEmail;
//!     type Null = NotNull;
//! }
//! // `LIKE`, `ILIKE` and `||` apply to it.
//! impl orm_core::types::TextType for CiEmail {}
//!
//! /// The Rust value, checked when built.
//! #[derive(Debug, Clone, PartialEq)]
//! pub struct Email(String);
//! impl Email {
//!     pub fn parse(s: &str) -> Result<Email, String> {
//!         if s.contains('@') { Ok(Email(s.to_owned())) } else { Err(format!("`{s}` is not an e-mail address")) }
//!     }
//! }
//!
//! // The codec: CITEXT's binary form is its text. An extension type: matched by name.
//! impl ToSql for Email {
//!     fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut)
//!         -> Result<IsNull, Box<dyn Error + Sync + Send>> {
//!         out.extend_from_slice(self.0.as_bytes());
//!         Ok(IsNull::No)
//!     }
//!     fn accepts(ty: &Type) -> bool { ty.name() == "citext" }
//!     to_sql_checked!();
//! }
//! impl<'a> FromSql<'a> for Email {
//!     fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Email, Box<dyn Error + Sync + Send>> {
//!         Email::parse(std::str::from_utf8(raw)?).map_err(Into::into)
//!     }
//!     fn accepts(ty: &Type) -> bool { ty.name() == "citext" }
//! }
//!
//! orm_core::sql_value!(Email => CiEmail);
//!
//! // Now it is a column type like any other.
//! let email = alias_col::<CiEmail>("u", "email");
//! let sql = email.eq(Email::parse("Ann@Example.com").unwrap()).into_expr().to_sql();
//! assert_eq!(sql.sql(), r#""u"."email" = $1"#);
//! assert_eq!(CiEmail::TYPE.extension, Some("citext"));
//! assert_eq!(<Vec<Email> as orm_core::types::HasSqlType>::SqlType::TYPE.to_sql(), "CITEXT[]");
//! ```
//!
//! `tests/it/pg_types.rs` runs the same mapping against a real server (a derived model with
//! an `Email` field, `create_all`, insert, case-insensitive lookup, and arrays of it).
//!
//! The orphan rule stops you from implementing `ToSql` for a type from another crate: wrap
//! it in a newtype, as above. For a built-in type, `accepts` compares with a `Type`
//! constant (`*ty == Type::POINT`) instead of a name.
