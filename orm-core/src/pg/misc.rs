//! `MONEY`, `BIT`/`VARBIT`, `JSONPATH` and `XML` values.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, ToSql, Type, accepts, to_sql_checked};

use super::{CodecError, ValueError, done, take};

/// A `MONEY` amount in the currency's smallest unit (cents for `lc_monetary` `C` or
/// `en_US`): `PgMoney(1234)` is `$12.34`. The binary form carries no currency and no
/// locale; the server's `lc_monetary` decides how it prints.
///
/// ```
/// use orm_core::pg::PgMoney;
/// assert_eq!(PgMoney(-1234).to_string(), "-12.34");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PgMoney(pub i64);

impl fmt::Display for PgMoney {
    /// With two decimals, the fraction digits of `lc_monetary` `C`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl ToSql for PgMoney {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        out.put_i64(self.0);
        Ok(IsNull::No)
    }
    accepts!(MONEY);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgMoney {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, CodecError> {
        let v = i64::from_be_bytes(take::<8>(&mut raw, "money")?);
        done(raw, "money")?;
        Ok(PgMoney(v))
    }
    accepts!(MONEY);
}

/// A bit string, for `BIT(n)` and `VARBIT` columns: its length in bits and the bits packed
/// most significant first (PostgreSQL's layout).
///
/// ```
/// use orm_core::pg::PgBits;
/// let b: PgBits = "10110".parse().unwrap();
/// assert_eq!(b.len(), 5);
/// assert_eq!(b.get(0), Some(true));
/// assert_eq!(b.get(1), Some(false));
/// assert_eq!(b.get(5), None);
/// assert_eq!(b.to_string(), "10110");
/// assert!("10a".parse::<PgBits>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PgBits {
    len: usize,
    bytes: Vec<u8>,
}

impl PgBits {
    /// From bits, first bit first.
    pub fn from_bits<I: IntoIterator<Item = bool>>(bits: I) -> Self {
        let mut out = PgBits::default();
        for bit in bits {
            out.push(bit);
        }
        out
    }
    /// Appends a bit.
    pub fn push(&mut self, bit: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit && let Some(last) = self.bytes.last_mut() {
            *last |= 0x80 >> (self.len % 8);
        }
        self.len += 1;
    }
    /// Bit `i` (0-based), `None` past the end.
    pub fn get(&self, i: usize) -> Option<bool> {
        if i >= self.len {
            return None;
        }
        self.bytes.get(i / 8).map(|b| b & (0x80 >> (i % 8)) != 0)
    }
    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether there are no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The bits, first bit first.
    pub fn iter(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.len).filter_map(|i| self.get(i))
    }
}

impl FromStr for PgBits {
    type Err = ValueError;
    /// `"1011"`; any other character is an error.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let mut out = PgBits::default();
        for c in s.chars() {
            match c {
                '0' => out.push(false),
                '1' => out.push(true),
                _ => {
                    return Err(ValueError::new(format!(
                        "invalid bit string `{s}`: `{c}` is not a binary digit"
                    )));
                }
            }
        }
        Ok(out)
    }
}

impl fmt::Display for PgBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for bit in self.iter() {
            f.write_str(if bit { "1" } else { "0" })?;
        }
        Ok(())
    }
}

impl ToSql for PgBits {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        let len = i32::try_from(self.len).map_err(|_| "bit string too long to transmit")?;
        out.put_i32(len);
        out.put_slice(&self.bytes);
        Ok(IsNull::No)
    }
    accepts!(BIT, VARBIT);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgBits {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, CodecError> {
        let len = i32::from_be_bytes(take::<4>(&mut raw, "bit string")?);
        let len = usize::try_from(len).map_err(|_| "invalid bit string value: negative length")?;
        if raw.len() != len.div_ceil(8) {
            return Err("invalid bit string value: length does not match the data".into());
        }
        Ok(PgBits {
            len,
            bytes: raw.to_vec(),
        })
    }
    accepts!(BIT, VARBIT);
}

/// A `JSONPATH` value, kept as its text (`$.tags[*] ? (@ == "x")`); the server parses and
/// checks it when bound.
///
/// ```
/// use orm_core::pg::PgJsonPath;
/// assert_eq!(PgJsonPath::from("$.a").as_str(), "$.a");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PgJsonPath(pub String);

impl PgJsonPath {
    /// The path text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for PgJsonPath {
    fn from(s: &str) -> Self {
        PgJsonPath(s.to_owned())
    }
}

impl fmt::Display for PgJsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// The binary JSONPATH format is a version byte (1) and the text.
const JSONPATH_VERSION: u8 = 1;

impl ToSql for PgJsonPath {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        out.put_u8(JSONPATH_VERSION);
        out.put_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
    accepts!(JSONPATH);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgJsonPath {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, CodecError> {
        let [version] = take::<1>(&mut raw, "jsonpath")?;
        if version != JSONPATH_VERSION {
            return Err(format!("unsupported jsonpath version {version}").into());
        }
        Ok(PgJsonPath(std::str::from_utf8(raw)?.to_owned()))
    }
    accepts!(JSONPATH);
}

/// An `XML` value, as text. The server checks that it is well-formed when bound.
///
/// ```
/// use orm_core::pg::PgXml;
/// assert_eq!(PgXml::from("<a/>").as_str(), "<a/>");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PgXml(pub String);

impl PgXml {
    /// The document text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for PgXml {
    fn from(s: &str) -> Self {
        PgXml(s.to_owned())
    }
}

impl ToSql for PgXml {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        out.put_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
    accepts!(XML);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgXml {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, CodecError> {
        Ok(PgXml(std::str::from_utf8(raw)?.to_owned()))
    }
    accepts!(XML);
}
