//! The SQL type markers of issue 4's second half (network, money, bit strings, time zones,
//! text search, JSONPATH, XML, the `reg*` types) and the type families their operators use
//! ([`ArrayType`], [`JsonType`], [`JsonbType`], [`NetType`], ..).

use super::{Array, Hstore, Inet, Json, Jsonb, NotNull, Nullable, SqlType, TypeInfo};

markers! {
    /// `CIDR`: a network (no host bits set), e.g. `10.1.0.0/16`.
    Cidr => "CIDR";
    /// `MACADDR`: a 6-byte MAC address.
    Macaddr => "MACADDR";
    /// `MACADDR8`: an 8-byte (EUI-64) MAC address.
    Macaddr8 => "MACADDR8";
    /// `MONEY`: a 64-bit amount in the smallest currency unit (cents under `lc_monetary` `C`/`en_US`).
    Money => "MONEY";
    /// `TIMETZ` (`TIME WITH TIME ZONE`): a time of day with a UTC offset.
    Timetz => "TIMETZ";
    /// `BIT(n)`: a fixed-length bit string.
    Bit => "BIT";
    /// `VARBIT` (`BIT VARYING(n)`): a bit string.
    Varbit => "VARBIT";
    /// `TSVECTOR`: a document prepared for full-text search.
    Tsvector => "TSVECTOR";
    /// `TSQUERY`: a full-text search query.
    Tsquery => "TSQUERY";
    /// `JSONPATH`: an SQL/JSON path expression (`$.a[*] ? (@ > 1)`).
    Jsonpath => "JSONPATH";
    /// `XML`
    Xml => "XML";
    /// `REGCLASS`: a relation, written by name and stored as its OID.
    Regclass => "REGCLASS";
    /// `REGCONFIG`: a text search configuration (`english`, `simple`), stored as its OID.
    Regconfig => "REGCONFIG";
}

/// Array types (`Array<ST>`, nullable or not): what [`ArrayExt`](crate::expr::array::ArrayExt)
/// applies to.
pub trait ArrayType: SqlType {
    /// The element type (`Nullable<Text>` for a `TEXT[]` whose elements may be NULL).
    type Elem: SqlType;
    /// `T` with this type's nullability: a function of a nullable array is nullable.
    type NullAs<T: SqlType>: SqlType;
}
impl<ST: SqlType> ArrayType for Array<ST> {
    type Elem = ST;
    type NullAs<T: SqlType> = T;
}
impl<ST: SqlType> ArrayType for Nullable<Array<ST>> {
    type Elem = ST;
    type NullAs<T: SqlType> = Nullable<T>;
}

/// `JSON` and `JSONB` (nullable or not): the operators both have (`->`, `->>`, `#>`, `#>>`).
pub trait JsonType: SqlType {
    /// `Json` or `Jsonb`: what `->` returns.
    type Base: SqlType;
    /// `T` with this type's nullability.
    type NullAs<T: SqlType>: SqlType;
}
impl JsonType for Json {
    type Base = Json;
    type NullAs<T: SqlType> = T;
}
impl JsonType for Nullable<Json> {
    type Base = Json;
    type NullAs<T: SqlType> = Nullable<T>;
}
impl JsonType for Jsonb {
    type Base = Jsonb;
    type NullAs<T: SqlType> = T;
}
impl JsonType for Nullable<Jsonb> {
    type Base = Jsonb;
    type NullAs<T: SqlType> = Nullable<T>;
}

/// `JSONB` only (nullable or not): containment, key tests, deletion, JSONPATH matching.
pub trait JsonbType: JsonType {}
impl JsonbType for Jsonb {}
impl JsonbType for Nullable<Jsonb> {}

/// `HSTORE` (nullable or not).
pub trait HstoreType: SqlType {
    /// `T` with this type's nullability.
    type NullAs<T: SqlType>: SqlType;
}
impl HstoreType for Hstore {
    type NullAs<T: SqlType> = T;
}
impl HstoreType for Nullable<Hstore> {
    type NullAs<T: SqlType> = Nullable<T>;
}

/// `INET` and `CIDR` (nullable or not).
pub trait NetType: SqlType {
    /// `T` with this type's nullability.
    type NullAs<T: SqlType>: SqlType;
}
impl NetType for Inet {
    type NullAs<T: SqlType> = T;
}
impl NetType for Nullable<Inet> {
    type NullAs<T: SqlType> = Nullable<T>;
}
impl NetType for Cidr {
    type NullAs<T: SqlType> = T;
}
impl NetType for Nullable<Cidr> {
    type NullAs<T: SqlType> = Nullable<T>;
}

/// `MACADDR` and `MACADDR8` (nullable or not).
pub trait MacType: SqlType {
    /// `T` with this type's nullability.
    type NullAs<T: SqlType>: SqlType;
}
impl MacType for Macaddr {
    type NullAs<T: SqlType> = T;
}
impl MacType for Nullable<Macaddr> {
    type NullAs<T: SqlType> = Nullable<T>;
}
impl MacType for Macaddr8 {
    type NullAs<T: SqlType> = T;
}
impl MacType for Nullable<Macaddr8> {
    type NullAs<T: SqlType> = Nullable<T>;
}

/// `TSVECTOR` (nullable or not).
pub trait TsvectorType: SqlType {
    /// `T` with this type's nullability.
    type NullAs<T: SqlType>: SqlType;
}
impl TsvectorType for Tsvector {
    type NullAs<T: SqlType> = T;
}
impl TsvectorType for Nullable<Tsvector> {
    type NullAs<T: SqlType> = Nullable<T>;
}

/// `TSQUERY` (nullable or not).
pub trait TsqueryType: SqlType {
    /// `T` with this type's nullability.
    type NullAs<T: SqlType>: SqlType;
}
impl TsqueryType for Tsquery {
    type NullAs<T: SqlType> = T;
}
impl TsqueryType for Nullable<Tsquery> {
    type NullAs<T: SqlType> = Nullable<T>;
}

/// `BIT` and `VARBIT` (nullable or not).
pub trait BitType: SqlType {
    /// `T` with this type's nullability.
    type NullAs<T: SqlType>: SqlType;
}
impl BitType for Bit {
    type NullAs<T: SqlType> = T;
}
impl BitType for Nullable<Bit> {
    type NullAs<T: SqlType> = Nullable<T>;
}
impl BitType for Varbit {
    type NullAs<T: SqlType> = T;
}
impl BitType for Nullable<Varbit> {
    type NullAs<T: SqlType> = Nullable<T>;
}
