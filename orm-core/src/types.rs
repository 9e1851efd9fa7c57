//! SQL type markers and the Rust ↔ PostgreSQL type table.
//!
//! Every expression carries a SQL type marker ([`Int4`], [`Text`], [`Nullable<ST>`], ..).
//! Operators accept values and expressions whose type matches; a model field's Rust type
//! picks its column's SQL type through [`HasSqlType`], and results decode into any Rust type
//! that implements [`FromSqlValue`] for the selected SQL type.
//!
//! # The default type table
//!
//! | Rust type | SQL type (marker) | DDL | Feature |
//! |---|---|---|---|
//! | `bool` | [`Bool`] | `BOOLEAN` | |
//! | `i16` | [`Int2`] | `SMALLINT` | |
//! | `i32` | [`Int4`] | `INTEGER` | |
//! | `i64` | [`Int8`] | `BIGINT` | |
//! | `f32` | [`Float4`] | `REAL` | |
//! | `f64` | [`Float8`] | `DOUBLE PRECISION` | |
//! | `String` (`&str` as a value) | [`Text`] | `TEXT` | |
//! | `Vec<u8>` (`&[u8]` as a value) | [`Bytea`] | `BYTEA` | |
//! | `u32` | [`Oid`] | `OID` | |
//! | `std::net::IpAddr` | [`Inet`] | `INET` | |
//! | `std::time::SystemTime` | [`Timestamptz`] | `TIMESTAMPTZ` | |
//! | `HashMap<String, Option<String>>` | [`Hstore`] | `HSTORE` (extension `hstore`) | |
//! | [`PgHstore`](crate::pg::PgHstore) (a `BTreeMap<String, Option<String>>`, ordered by key) | [`Hstore`] | `HSTORE` (extension `hstore`) | |
//! | `chrono::NaiveDate` | [`Date`] | `DATE` | `chrono` |
//! | `chrono::NaiveTime` | [`Time`] | `TIME` | `chrono` |
//! | `chrono::NaiveDateTime` | [`Timestamp`] | `TIMESTAMP` | `chrono` |
//! | `chrono::DateTime<Utc>` (also `Local`, `FixedOffset`) | [`Timestamptz`] | `TIMESTAMPTZ` | `chrono` |
//! | `serde_json::Value` | [`Jsonb`] | `JSONB` | `json` |
//! | `json::Json<T>` (any serde type) | [`Jsonb`] | `JSONB` | `json` |
//! | `uuid::Uuid` | [`Uuid`] | `UUID` | `uuid` |
//! | `rust_decimal::Decimal` | [`Numeric`] | `NUMERIC` | `decimal` |
//! | [`PgInet`](crate::pg::PgInet) (address and netmask) | [`Inet`] | `INET` | |
//! | [`PgCidr`](crate::pg::PgCidr) | [`Cidr`] | `CIDR` | |
//! | [`PgMacAddr`](crate::pg::PgMacAddr) | [`Macaddr`] | `MACADDR` | |
//! | [`PgMacAddr8`](crate::pg::PgMacAddr8) | [`Macaddr8`] | `MACADDR8` | |
//! | [`PgMoney`](crate::pg::PgMoney) (`i64` cents) | [`Money`] | `MONEY` | |
//! | [`PgInterval`](crate::pg::PgInterval) (months, days, µs) | [`Interval`] | `INTERVAL` (`sql_type = "INTERVAL DAY TO SECOND(3)"`) | |
//! | [`PgTimeTz`](crate::pg::PgTimeTz) | [`Timetz`] | `TIMETZ` | |
//! | [`PgBits`](crate::pg::PgBits) | [`Varbit`] (also reads and binds [`Bit`]) | `VARBIT` (`sql_type = "BIT(8)"`) | |
//! | [`PgTsVector`](crate::pg::PgTsVector) | [`Tsvector`] | `TSVECTOR` | |
//! | — (build with `to_tsquery(..)`; read `.cast::<Text>()`) | [`Tsquery`] | `TSQUERY` | |
//! | [`PgJsonPath`](crate::pg::PgJsonPath) (`&str` as a value) | [`Jsonpath`] | `JSONPATH` | |
//! | [`PgXml`](crate::pg::PgXml) | [`Xml`] | `XML` | |
//! | — (`&str` name, bound as `$1::TEXT::REGCLASS`; read `.cast::<Oid>()`) | [`Regclass`] | `REGCLASS` | |
//! | — (`&str` name, bound as `$1::TEXT::REGCONFIG`) | [`Regconfig`] | `REGCONFIG` | |
//! | `String` with `#[mapped(sql_type = "CITEXT")]` | [`Text`] (a [`Citext`] expression also decodes into `String`) | `CITEXT` (extension `citext`) | |
//! | [`WithInfinity<NaiveDate>`](crate::pg::WithInfinity) (also `NaiveDateTime`, `DateTime<Utc>`) | [`Date`] ([`Timestamp`], [`Timestamptz`]) | `DATE` (..) with `infinity`/`-infinity` | `chrono` |
//! | [`Range<i32>`], [`MultiRange<i32>`] | [`Int4range`], [`Int4multirange`] | `INT4RANGE`, `INT4MULTIRANGE` (14+) | |
//! | [`Range<i64>`], [`MultiRange<i64>`] | [`Int8range`], [`Int8multirange`] | `INT8RANGE`, `INT8MULTIRANGE` | |
//! | `Range<rust_decimal::Decimal>`, `MultiRange<..>` | [`Numrange`], [`Nummultirange`] | `NUMRANGE`, `NUMMULTIRANGE` | `decimal` |
//! | `Range<chrono::NaiveDate>`, `MultiRange<..>` | [`Daterange`], [`Datemultirange`] | `DATERANGE`, `DATEMULTIRANGE` | `chrono` |
//! | `Range<chrono::NaiveDateTime>`, `MultiRange<..>` | [`Tsrange`], [`Tsmultirange`] | `TSRANGE`, `TSMULTIRANGE` | `chrono` |
//! | `Range<chrono::DateTime<Utc>>`, `MultiRange<..>` | [`Tstzrange`], [`Tstzmultirange`] | `TSTZRANGE`, `TSTZMULTIRANGE` | `chrono` |
//! | `#[derive(PgEnum)] enum Mood` | `Mood` itself | `"mood"` (`CREATE TYPE "mood" AS ENUM (..)` by `create_all`) | `derive` |
//! | `#[derive(PgComposite)] struct Address` | `Address` itself | `"address"` (`CREATE TYPE "address" AS (..)`) | `derive` |
//! | `#[derive(PgDomain)] struct PosInt(i32)` | `PosInt` itself | `"pos_int"` (`CREATE DOMAIN "pos_int" AS INTEGER ..`) | `derive` |
//! | `Vec<T>` | [`Array<ST>`] | `<T's type>[]` | |
//! | `Vec<Vec<T>>` (one `Vec` per dimension) | [`Array<Array<ST>>`](Array) | `<T's type>[][]` | |
//! | `Option<T>` | [`Nullable<ST>`] | `<T's type>`, without `NOT NULL` | |
//!
//! Each type's operators and functions are typed methods of an extension trait in the
//! prelude: [`ArrayExt`](crate::expr::array::ArrayExt), [`JsonExt`](crate::expr::jsonb::JsonExt)
//! and [`JsonbExt`](crate::expr::jsonb::JsonbExt), [`HstoreExt`](crate::expr::hstore::HstoreExt),
//! [`NetExt`](crate::expr::net::NetExt) and [`MacExt`](crate::expr::net::MacExt),
//! [`BitExt`](crate::expr::bits::BitExt), [`RangeExt`](crate::expr::RangeExt) (ranges and
//! multiranges), [`TsvectorExt`](crate::expr::text_search::TsvectorExt) and
//! [`TsqueryExt`](crate::expr::text_search::TsqueryExt); functions that build values
//! (`to_tsvector`, `hstore`, `range_agg`, ..) are free functions there too.
//!
//! A field can keep its Rust type and change the DDL with `#[mapped(sql_type = "NUMERIC(12,2)")]`
//! (also `VARCHAR(80)`, `TIMESTAMP(3)`, `CITEXT`, ..); the marker stays the Rust type's.
//!
//! Arrays of every type above are `Vec<T>`; `Vec<Option<T>>` for NULL elements. PostgreSQL
//! arrays are rectangular: ragged nested `Vec`s are an error when bound, and reading a
//! multi-dimensional array needs one `Vec` per dimension.
//!
//! Edge values: `f32`/`f64` NaN and ±infinity round-trip. `NUMERIC` `NaN` and ±`Infinity`
//! do not fit `rust_decimal::Decimal` and fail to decode with an error naming them. chrono has
//! no infinite dates: a plain chrono field holding `infinity` fails with "value too large to
//! decode"; use [`WithInfinity`](crate::pg::WithInfinity) where a column may hold one.
//! SQL NULL and JSON `null` stay apart: `Option<serde_json::Value>` maps `None` to SQL NULL
//! and `Some(Value::Null)` to JSON `null`.
//!
//! Your own types: see [`custom`].
//!
//! Nullability: `Option<T>` maps to `Nullable<ST>`.
//! - A comparison compares base types: a `Nullable<Int8>` column compares with an `i64` or
//!   with an `Int8` column. An `Option` value is refused there (`col = NULL` matches nothing):
//!   use `.is_null()` or `.is_not_distinct_from(None)`.
//! - An assignment (`SET`, `VALUES`; see [`Assign`](crate::expr::Assign)) checks
//!   nullability: an `Option<i64>`, or an expression of a nullable type, goes only into a
//!   nullable column; a NOT NULL value goes anywhere.
//! - `Option<T>` decodes any column that `T` decodes, so the columns of an outer-joined table
//!   (NOT NULL in their table, NULL when the join found nothing) decode into `Option`s.

use std::marker::PhantomData;

pub mod multirange;
pub mod range;
pub mod user_defined;

pub use multirange::MultiRange;
pub use range::{
    Datemultirange, Daterange, Int4multirange, Int4range, Int8multirange, Int8range, Nummultirange,
    Numrange, Range, RangeElement, RangeError, RangeType, Tsmultirange, Tsrange, Tstzmultirange,
    Tstzrange,
};
pub use user_defined::{TypeDef, UserType};

/// What a SQL type marker knows about its type. Build one with [`TypeInfo::named`] and the
/// `with_*` methods (it is `#[non_exhaustive]`: fields may be added).
///
/// ```
/// use orm_core::types::TypeInfo;
/// const CITEXT: TypeInfo = TypeInfo::named("CITEXT").with_extension("citext");
/// assert_eq!(CITEXT.extension, Some("citext"));
/// assert_eq!(TypeInfo::named("TEXT").with_dims(2).to_sql(), "TEXT[][]");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeInfo {
    /// Type name as written in DDL and casts (`BIGINT`, `TEXT`, `DOUBLE PRECISION`).
    pub name: &'static str,
    /// Array dimensions (`TEXT[]` has 1).
    pub dims: u8,
    /// The extension that provides the type (`hstore`, `citext`).
    pub extension: Option<&'static str>,
    /// The definition of a user-defined type (ENUM, composite, DOMAIN) that `create_all`
    /// creates before the tables using it; `None` for built-in and extension types.
    pub user_type: Option<&'static TypeDef>,
}

impl TypeInfo {
    /// A plain built-in type.
    pub const fn named(name: &'static str) -> Self {
        TypeInfo {
            name,
            dims: 0,
            extension: None,
            user_type: None,
        }
    }

    /// The same type, provided by an extension (`hstore`, `citext`) that `create_all`
    /// creates first.
    pub const fn with_extension(mut self, extension: &'static str) -> Self {
        self.extension = Some(extension);
        self
    }

    /// The same type with `dims` array dimensions.
    pub const fn with_dims(mut self, dims: u8) -> Self {
        self.dims = dims;
        self
    }

    /// The same type, defined by `def` (a derive's ENUM, composite or DOMAIN).
    pub const fn with_user_type(mut self, def: &'static TypeDef) -> Self {
        self.user_type = Some(def);
        self
    }

    /// The type as SQL text (`TEXT[][]`).
    pub fn to_sql(&self) -> String {
        let mut s = String::from(self.name);
        for _ in 0..self.dims {
            s.push_str("[]");
        }
        s
    }
}

/// A SQL type marker. Zero-sized; used only in types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a SQL type marker",
    note = "SQL types are markers such as `Int8`, `Text`, `Nullable<Int8>`, `Array<Text>`"
)]
pub trait SqlType: 'static {
    /// Name and shape.
    const TYPE: TypeInfo;
    /// Whether the type admits NULL.
    const NULLABLE: bool;
    /// The type without nullability: `Int8` for both `Int8` and `Nullable<Int8>`.
    type NotNull: SqlType;
    /// [`IsNull`] for a `Nullable<..>` type, [`NotNull`] otherwise (type-level `NULLABLE`).
    type Null;
}

/// Type-level flag: the type admits NULL.
#[derive(Debug, Clone, Copy)]
pub struct IsNull;

/// Type-level flag: the type does not admit NULL.
#[derive(Debug, Clone, Copy)]
pub struct NotNull;

/// A value with null flag `Self` may be assigned to a column with null flag `Target`: NOT NULL
/// goes anywhere, nullable only into nullable.
#[diagnostic::on_unimplemented(
    message = "a value that may be NULL cannot be assigned to a NOT NULL column",
    note = "use a non-`Option` value, or `.coalesce(..)` the expression"
)]
pub trait NullFits<Target> {}
/// `ST` with the nullability of the flag `Self`: `ST` for [`NotNull`], `Nullable<ST>` for
/// [`IsNull`].
pub trait WithNull<ST: SqlType> {
    /// The resulting type.
    type Out: SqlType;
}
impl<ST: SqlType> WithNull<ST> for NotNull {
    type Out = ST;
}
impl<ST: SqlType> WithNull<ST> for IsNull {
    type Out = Nullable<ST>;
}

impl NullFits<NotNull> for NotNull {}
impl NullFits<IsNull> for NotNull {}
impl NullFits<IsNull> for IsNull {}

macro_rules! markers {
    ($($(#[$m:meta])* $name:ident => $sql:literal $(, ext $ext:literal)?;)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;
        impl SqlType for $name {
            const TYPE: TypeInfo = TypeInfo {
                name: $sql,
                dims: 0,
                extension: markers!(@ext $($ext)?),
                user_type: None,
            };
            const NULLABLE: bool = false;
            type NotNull = $name;
            type Null = NotNull;
        }
    )*};
    (@ext) => { None };
    (@ext $e:literal) => { Some($e) };
}

markers! {
    /// `BOOLEAN`
    Bool => "BOOLEAN";
    /// `SMALLINT` (int2)
    Int2 => "SMALLINT";
    /// `INTEGER` (int4)
    Int4 => "INTEGER";
    /// `BIGINT` (int8)
    Int8 => "BIGINT";
    /// `REAL` (float4)
    Float4 => "REAL";
    /// `DOUBLE PRECISION` (float8)
    Float8 => "DOUBLE PRECISION";
    /// `NUMERIC`
    Numeric => "NUMERIC";
    /// `TEXT` (also `VARCHAR(n)` columns through `sql_type`)
    Text => "TEXT";
    /// `BYTEA`
    Bytea => "BYTEA";
    /// `DATE`
    Date => "DATE";
    /// `TIME`
    Time => "TIME";
    /// `TIMESTAMP` (without time zone)
    Timestamp => "TIMESTAMP";
    /// `TIMESTAMPTZ`
    Timestamptz => "TIMESTAMPTZ";
    /// `INTERVAL`
    Interval => "INTERVAL";
    /// `UUID`
    Uuid => "UUID";
    /// `JSON`
    Json => "JSON";
    /// `JSONB`
    Jsonb => "JSONB";
    /// `INET`
    Inet => "INET";
    /// `OID`
    Oid => "OID";
    /// `HSTORE` (extension `hstore`)
    Hstore => "HSTORE", ext "hstore";
    /// `CITEXT` (extension `citext`)
    Citext => "CITEXT", ext "citext";
    /// `RECORD`: a row value `(a, b)`.
    Record => "RECORD";
}

pub mod custom;
mod more;
pub use more::*;

/// `NULL`-able `ST`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nullable<ST>(PhantomData<ST>);

impl<ST: SqlType> SqlType for Nullable<ST> {
    const TYPE: TypeInfo = ST::TYPE;
    const NULLABLE: bool = true;
    type NotNull = ST::NotNull;
    type Null = IsNull;
}

/// `ST[]`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Array<ST>(PhantomData<ST>);

impl<ST: SqlType> SqlType for Array<ST> {
    const TYPE: TypeInfo = TypeInfo {
        name: ST::TYPE.name,
        dims: ST::TYPE.dims + 1,
        extension: ST::TYPE.extension,
        user_type: ST::TYPE.user_type,
    };
    const NULLABLE: bool = false;
    type NotNull = Array<ST>;
    type Null = NotNull;
}

/// A row value of several SQL types, e.g. `(created_at, id)` for keyset pagination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Row<T>(PhantomData<T>);

impl<T: 'static> SqlType for Row<T> {
    const TYPE: TypeInfo = TypeInfo::named("RECORD");
    const NULLABLE: bool = false;
    type NotNull = Row<T>;
    type Null = NotNull;
}

/// Types that are boolean conditions (`WHERE`, `HAVING`, `ON`, `AND`).
pub trait BoolType: SqlType {}
impl BoolType for Bool {}
impl BoolType for Nullable<Bool> {}

/// Types with `+ - * /`.
pub trait Arithmetic: SqlType {}
/// Types that `LIKE`, `ILIKE` and `||` apply to.
pub trait TextType: SqlType {}

macro_rules! marker_traits {
    ($tr:ident: $($t:ty),*) => {$(
        impl $tr for $t {}
        impl $tr for Nullable<$t> {}
    )*};
}
marker_traits!(Arithmetic: Int2, Int4, Int8, Float4, Float8, Numeric, Interval);
marker_traits!(TextType: Text, Citext);

/// The SQL type a Rust type maps to by default (the type table above). The derive uses it
/// for each field.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no PostgreSQL type mapping",
    note = "use a type from the type table in `orm_core::types`, or implement `HasSqlType` and `FromSqlValue` for it"
)]
pub trait HasSqlType {
    /// The SQL type marker.
    type SqlType: SqlType;
}

/// A Rust type that a result column of SQL type `ST` decodes into.
#[diagnostic::on_unimplemented(
    message = "a `{ST}` value cannot be decoded into `{Self}`",
    note = "the Rust type must match the column's SQL type (see the type table in `orm_core::types`); use `Option<..>` for a nullable column"
)]
pub trait FromSqlValue<ST: SqlType>: for<'a> postgres_types::FromSql<'a> + Sized {
    /// Whether a column of type `ty` decodes into `Self`. The default asks `FromSql`; nested
    /// `Vec`s (multi-dimensional arrays) override it. Not meant to be overridden elsewhere.
    #[doc(hidden)]
    fn accepts_column(ty: &postgres_types::Type) -> bool {
        <Self as postgres_types::FromSql<'_>>::accepts(ty)
    }
    /// Decodes a column value (`None`: SQL NULL). The default asks `FromSql`.
    #[doc(hidden)]
    fn decode_column(
        ty: &postgres_types::Type,
        raw: Option<&[u8]>,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        match raw {
            Some(raw) => <Self as postgres_types::FromSql<'_>>::from_sql(ty, raw),
            None => <Self as postgres_types::FromSql<'_>>::from_sql_null(ty),
        }
    }
    /// Decodes `Self` from the flat elements of a multi-dimensional array, given the
    /// dimensions below this level: a scalar takes one element.
    #[doc(hidden)]
    fn decode_elements(
        elem_ty: &postgres_types::Type,
        dims: &[usize],
        elements: &mut dyn Iterator<Item = Option<&[u8]>>,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        if !dims.is_empty() {
            return Err(format!(
                "the array has {} more dimension(s) than `{}` can hold; nest one `Vec` per dimension",
                dims.len(),
                std::any::type_name::<Self>()
            )
            .into());
        }
        let raw = elements
            .next()
            .ok_or("invalid array value: too few elements")?;
        Self::decode_column(elem_ty, raw)
    }
    /// Whether an array element of type `ty` decodes into `Self` (a nested `Vec` looks
    /// through to the scalar type: PostgreSQL arrays of any depth share one type).
    #[doc(hidden)]
    fn accepts_element(ty: &postgres_types::Type) -> bool {
        Self::accepts_column(ty)
    }
}

mod ndarray;
pub use ndarray::NdArray;

/// Declares a Rust value type's SQL type: `HasSqlType`, decoding into it (plain and
/// `Option`), and binding it (as a value of `ST` and of `Nullable<ST>`).
///
/// This is the extension point for a user's own types: a type that implements
/// `ToSql + FromSql + Debug + Send + Sync` can be declared with
/// `orm_core::sql_value!(MyType => MySqlType);`.
#[macro_export]
macro_rules! sql_value {
    ($($rust:ty => $st:ty),* $(,)?) => {$(
        impl $crate::types::HasSqlType for $rust {
            type SqlType = $st;
        }
        impl $crate::types::FromSqlValue<$st> for $rust {}
        impl $crate::expr::AsExpression<$st> for $rust {
            type Tables = $crate::scope::NoTable;
            type Null = $crate::types::NotNull;
            fn into_node(self) -> $crate::expr::Node {
                $crate::expr::Node::bind(self)
            }
        }
        impl $crate::expr::AsExpression<$crate::types::Nullable<$st>> for $rust {
            type Tables = $crate::scope::NoTable;
            type Null = $crate::types::NotNull;
            fn into_node(self) -> $crate::expr::Node {
                $crate::expr::Node::bind(self)
            }
        }
        impl $crate::types::SqlValue for $rust {}
    )*};
}

/// A value type declared with [`sql_value!`]: `Option<T>` binds as a nullable value of its
/// SQL type. (A blanket impl in this crate, because a user's crate may not implement
/// `AsExpression<Nullable<..>>` for `Option<TheirType>`: the orphan rule.)
pub trait SqlValue:
    HasSqlType + postgres_types::ToSql + std::fmt::Debug + Send + Sync + 'static
{
}

impl<T: SqlValue> crate::expr::AsExpression<Nullable<T::SqlType>> for Option<T> {
    type Tables = crate::scope::NoTable;
    type Null = crate::types::IsNull;
    fn into_node(self) -> crate::expr::Node {
        crate::expr::Node::bind(self)
    }
}

sql_value! {
    bool => Bool,
    i16 => Int2,
    i32 => Int4,
    i64 => Int8,
    f32 => Float4,
    f64 => Float8,
    String => Text,
    Vec<u8> => Bytea,
    u32 => Oid,
    std::net::IpAddr => Inet,
    std::time::SystemTime => Timestamptz,
    std::collections::HashMap<String, Option<String>> => Hstore,
}

// Borrowed values bind by copying into an owned parameter.
macro_rules! borrowed_value {
    ($($b:ty => $owned:ty => $st:ty),*) => {$(
        impl crate::expr::AsExpression<$st> for $b {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::NotNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(<$owned>::from(self))
            }
        }
        impl crate::expr::AsExpression<Nullable<$st>> for $b {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::NotNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(<$owned>::from(self))
            }
        }
        impl crate::expr::AsExpression<Nullable<$st>> for Option<$b> {
            type Tables = crate::scope::NoTable;
            type Null = crate::types::IsNull;
            fn into_node(self) -> crate::expr::Node {
                crate::expr::Node::bind(self.map(<$owned>::from))
            }
        }
    )*};
}
borrowed_value!(&str => String => Text, &String => String => Text, &[u8] => Vec<u8> => Bytea);

impl FromSqlValue<Citext> for String {}

// Arrays: `Vec<T>` for any element type with a mapping (`Vec<u8>` is BYTEA, above).
impl<T: HasSqlType> HasSqlType for Vec<T> {
    type SqlType = Array<T::SqlType>;
}
impl<T: HasSqlType> HasSqlType for Option<T> {
    type SqlType = Nullable<T::SqlType>;
}
// Arrays decode here rather than through postgres-types, whose `Vec` codec reads one
// dimension only: a nested `Vec` reads a multi-dimensional array.
impl<ST: SqlType, T: FromSqlValue<ST>> FromSqlValue<Array<ST>> for Vec<T> {
    fn accepts_column(ty: &postgres_types::Type) -> bool {
        match ty.kind() {
            postgres_types::Kind::Array(member) => T::accepts_element(member),
            _ => false,
        }
    }
    fn decode_column(
        ty: &postgres_types::Type,
        raw: Option<&[u8]>,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let postgres_types::Kind::Array(member) = ty.kind() else {
            return Err(format!("cannot decode {ty} as an array").into());
        };
        let raw = raw.ok_or("unexpected NULL array; use Option<Vec<..>>")?;
        let array = ndarray::parse_array(raw)?;
        if array.dims.is_empty() {
            return Ok(Vec::new());
        }
        let mut elements = array.elements.into_iter();
        let v = Self::decode_elements(member, &array.dims, &mut elements)?;
        Ok(v)
    }
    fn decode_elements(
        elem_ty: &postgres_types::Type,
        dims: &[usize],
        elements: &mut dyn Iterator<Item = Option<&[u8]>>,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let Some((len, rest)) = dims.split_first() else {
            return Err(format!(
                "the array has fewer dimensions than `{}` expects",
                std::any::type_name::<Self>()
            )
            .into());
        };
        (0..*len)
            .map(|_| T::decode_elements(elem_ty, rest, elements))
            .collect()
    }
    fn accepts_element(ty: &postgres_types::Type) -> bool {
        T::accepts_element(ty)
    }
}
// `Option<T>` decodes any column `T` decodes (NULL → `None`): nullable columns, and the
// columns of an outer-joined table, whose SQL type says NOT NULL but which can be NULL there.
impl<ST: SqlType, T: FromSqlValue<ST::NotNull>> FromSqlValue<ST> for Option<T> {
    fn accepts_column(ty: &postgres_types::Type) -> bool {
        T::accepts_column(ty)
    }
    fn decode_column(
        ty: &postgres_types::Type,
        raw: Option<&[u8]>,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        match raw {
            Some(_) => T::decode_column(ty, raw).map(Some),
            None => Ok(None),
        }
    }
    fn decode_elements(
        elem_ty: &postgres_types::Type,
        dims: &[usize],
        elements: &mut dyn Iterator<Item = Option<&[u8]>>,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        if dims.is_empty() {
            let raw = elements
                .next()
                .ok_or("invalid array value: too few elements")?;
            <Self as FromSqlValue<ST>>::decode_column(elem_ty, raw)
        } else {
            T::decode_elements(elem_ty, dims, elements).map(Some)
        }
    }
    fn accepts_element(ty: &postgres_types::Type) -> bool {
        T::accepts_element(ty)
    }
}

/// Binds a value of SQL type `ST`; a nested `Vec` (an array of more than one dimension)
/// goes through [`NdArray`], since postgres-types writes one dimension only.
pub(crate) fn bind_array<ST: SqlType, V: crate::value::BindValue>(value: V) -> crate::expr::Node {
    let dims = ST::TYPE.dims;
    if dims > 1 {
        crate::expr::Node::bind(NdArray::new(value, dims))
    } else {
        crate::expr::Node::bind(value)
    }
}

impl<ST, T> crate::expr::AsExpression<Array<ST>> for Vec<T>
where
    ST: SqlType,
    T: HasSqlType<SqlType = ST> + postgres_types::ToSql + std::fmt::Debug + Send + Sync + 'static,
{
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        bind_array::<Array<ST>, _>(self)
    }
}
impl<ST, T> crate::expr::AsExpression<Nullable<Array<ST>>> for Vec<T>
where
    ST: SqlType,
    T: HasSqlType<SqlType = ST> + postgres_types::ToSql + std::fmt::Debug + Send + Sync + 'static,
{
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        bind_array::<Array<ST>, _>(self)
    }
}
impl<ST, T> crate::expr::AsExpression<Nullable<Array<ST>>> for Option<Vec<T>>
where
    ST: SqlType,
    T: HasSqlType<SqlType = ST> + postgres_types::ToSql + std::fmt::Debug + Send + Sync + 'static,
{
    type Tables = crate::scope::NoTable;
    type Null = crate::types::IsNull;
    fn into_node(self) -> crate::expr::Node {
        bind_array::<Array<ST>, _>(self)
    }
}

// Slices and borrowed lists bind as arrays (copied into an owned parameter), so
// `col.eq_any(&ids[..])` and `col.eq_any(vec!["a", "b"])` work.
impl<ST, T> crate::expr::AsExpression<Array<ST>> for &[T]
where
    ST: SqlType,
    T: HasSqlType<SqlType = ST>
        + Clone
        + postgres_types::ToSql
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        crate::expr::Node::bind(self.to_vec())
    }
}
impl<ST, T> crate::expr::AsExpression<Array<ST>> for &Vec<T>
where
    ST: SqlType,
    T: HasSqlType<SqlType = ST>
        + Clone
        + postgres_types::ToSql
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        crate::expr::Node::bind(self.clone())
    }
}
impl crate::expr::AsExpression<Array<Text>> for Vec<&str> {
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        crate::expr::Node::bind(self.into_iter().map(String::from).collect::<Vec<_>>())
    }
}
impl crate::expr::AsExpression<Array<Text>> for &[&str] {
    type Tables = crate::scope::NoTable;
    type Null = crate::types::NotNull;
    fn into_node(self) -> crate::expr::Node {
        crate::expr::Node::bind(self.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }
}

#[cfg(feature = "chrono")]
mod chrono_types {
    use super::*;
    sql_value! {
        chrono::NaiveDate => Date,
        chrono::NaiveTime => Time,
        chrono::NaiveDateTime => Timestamp,
        chrono::DateTime<chrono::Utc> => Timestamptz,
        chrono::DateTime<chrono::Local> => Timestamptz,
        chrono::DateTime<chrono::FixedOffset> => Timestamptz,
    }
}

#[cfg(feature = "json")]
mod json_types {
    use super::*;
    use crate::expr::{AsExpression, Node};
    use crate::scope::NoTable;
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use std::fmt::Debug;

    sql_value! { serde_json::Value => Jsonb }
    impl FromSqlValue<Json> for serde_json::Value {}

    impl<T> HasSqlType for postgres_types::Json<T> {
        type SqlType = Jsonb;
    }
    impl<T: DeserializeOwned> FromSqlValue<Jsonb> for postgres_types::Json<T> {}
    impl<T: DeserializeOwned> FromSqlValue<Json> for postgres_types::Json<T> {}

    macro_rules! json_bind {
        ($($st:ty => $v:ty, $null:ty);*) => {$(
            impl<T: Serialize + Debug + Send + Sync + 'static> AsExpression<$st> for $v {
                type Tables = NoTable;
                type Null = $null;
                fn into_node(self) -> Node {
                    Node::bind(self)
                }
            }
        )*};
    }
    json_bind!(
        Jsonb => postgres_types::Json<T>, crate::types::NotNull;
        Nullable<Jsonb> => postgres_types::Json<T>, crate::types::NotNull;
        Nullable<Jsonb> => Option<postgres_types::Json<T>>, crate::types::IsNull
    );
}

#[cfg(feature = "uuid")]
mod uuid_types {
    use super::*;
    sql_value! { uuid::Uuid => Uuid }
}

#[cfg(feature = "decimal")]
mod decimal_types {
    use super::*;
    sql_value! { rust_decimal::Decimal => Numeric }
}
