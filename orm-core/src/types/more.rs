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
}
impl<ST: SqlType> ArrayType for Array<ST> {
    type Elem = ST;
}
impl<ST: SqlType> ArrayType for Nullable<Array<ST>> {
    type Elem = ST;
}

/// `JSON` and `JSONB` (nullable or not): the operators both have (`->`, `->>`, `#>`, `#>>`).
pub trait JsonType: SqlType {
    /// `Json` or `Jsonb`: what `->` returns.
    type Base: SqlType;
}
impl JsonType for Json {
    type Base = Json;
}
impl JsonType for Nullable<Json> {
    type Base = Json;
}
impl JsonType for Jsonb {
    type Base = Jsonb;
}
impl JsonType for Nullable<Jsonb> {
    type Base = Jsonb;
}

/// `JSONB` only (nullable or not): containment, key tests, deletion, JSONPATH matching.
pub trait JsonbType: JsonType {}
impl JsonbType for Jsonb {}
impl JsonbType for Nullable<Jsonb> {}

/// `HSTORE` (nullable or not).
pub trait HstoreType: SqlType {}
impl HstoreType for Hstore {}
impl HstoreType for Nullable<Hstore> {}

/// `INET` and `CIDR` (nullable or not).
pub trait NetType: SqlType {}
impl NetType for Inet {}
impl NetType for Nullable<Inet> {}
impl NetType for Cidr {}
impl NetType for Nullable<Cidr> {}

/// `MACADDR` and `MACADDR8` (nullable or not).
pub trait MacType: SqlType {}
impl MacType for Macaddr {}
impl MacType for Nullable<Macaddr> {}
impl MacType for Macaddr8 {}
impl MacType for Nullable<Macaddr8> {}

/// `TSVECTOR` (nullable or not).
pub trait TsvectorType: SqlType {}
impl TsvectorType for Tsvector {}
impl TsvectorType for Nullable<Tsvector> {}

/// `TSQUERY` (nullable or not).
pub trait TsqueryType: SqlType {}
impl TsqueryType for Tsquery {}
impl TsqueryType for Nullable<Tsquery> {}

/// `BIT` and `VARBIT` (nullable or not).
pub trait BitType: SqlType {}
impl BitType for Bit {}
impl BitType for Nullable<Bit> {}
impl BitType for Varbit {}
impl BitType for Nullable<Varbit> {}
