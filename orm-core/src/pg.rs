//! PostgreSQL value types that have no standard Rust equivalent, with their binary codecs:
//! network addresses with a netmask ([`PgInet`], [`PgCidr`]), MAC addresses ([`PgMacAddr`],
//! [`PgMacAddr8`]), [`PgMoney`], [`PgInterval`], [`PgTimeTz`], bit strings ([`PgBits`]),
//! [`PgTsVector`], [`PgJsonPath`], [`PgXml`], [`PgHstore`] (an ordered `HSTORE` map) and
//! [`WithInfinity`] for dates and timestamps.
//!
//! Each type binds as a parameter of its SQL type and decodes from it, also as array elements
//! (`Vec<PgInet>` ↔ `INET[]`) and as `Option<..>` for NULL; the type table in
//! [`crate::types`] lists them. The codecs are written here rather than taken from a crate:
//! they are a few lines each (the `cidr`/`eui48`/`bit-vec` crates would add dependencies for
//! less, and none covers `MACADDR8`, `TIMETZ`, `INTERVAL` or `TSVECTOR`). Bad input (a
//! prefix longer than the address, host bits in a CIDR, a malformed string) is an `Err`,
//! never a panic.
//!
//! The names carry a `Pg` prefix, as in sqlx and diesel (`PgInterval`), because the SQL type
//! markers already use the plain PostgreSQL names (`Interval`, `Cidr`, ..).

use std::error::Error as StdError;
use std::fmt;

pub(crate) mod hstore;
mod misc;
mod net;
mod time;
mod tsvector;

pub use hstore::PgHstore;
pub use misc::{PgBits, PgJsonPath, PgMoney, PgXml};
pub use net::{PgCidr, PgInet, PgMacAddr, PgMacAddr8};
pub use time::{PgInterval, PgTimeTz, WithInfinity};
pub use tsvector::{PgLexeme, PgTsVector, TsWeight};

/// A value could not be built or parsed (a bad address, prefix, bit string, ..).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    message: String,
}

impl ValueError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ValueError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ValueError {}

/// The error type of the driver's codec traits.
pub(crate) type CodecError = Box<dyn StdError + Sync + Send>;

/// Reads `N` bytes from the front of `buf`.
pub(crate) fn take<const N: usize>(buf: &mut &[u8], what: &str) -> Result<[u8; N], CodecError> {
    if buf.len() < N {
        return Err(format!("invalid {what} value: the message is too short").into());
    }
    let (head, rest) = buf.split_at(N);
    *buf = rest;
    let mut out = [0; N];
    out.copy_from_slice(head);
    Ok(out)
}

/// Checks that the whole message was read.
pub(crate) fn done(buf: &[u8], what: &str) -> Result<(), CodecError> {
    if buf.is_empty() {
        Ok(())
    } else {
        Err(format!("invalid {what} value: {} bytes left over", buf.len()).into())
    }
}

mod registrations {
    use std::borrow::Cow;

    use super::*;
    use crate::expr::{AsExpression, Node};
    use crate::scope::NoTable;
    use crate::types::{
        Bit, Cidr, FromSqlValue, Inet, Interval, IsNull, Jsonpath, Macaddr, Macaddr8, Money,
        NotNull, Nullable, Regclass, Regconfig, Timetz, Tsvector, Varbit, Xml,
    };

    crate::sql_value! {
        PgInet => Inet,
        PgCidr => Cidr,
        PgMacAddr => Macaddr,
        PgMacAddr8 => Macaddr8,
        PgMoney => Money,
        PgInterval => Interval,
        PgTimeTz => Timetz,
        PgBits => Varbit,
        PgTsVector => Tsvector,
        PgJsonPath => Jsonpath,
        PgXml => Xml,
        PgHstore => crate::types::Hstore,
    }

    // `BIT(n)` columns read and take the same bit strings as `VARBIT`.
    impl FromSqlValue<Bit> for PgBits {}
    impl AsExpression<Bit> for PgBits {
        type Tables = NoTable;
        type Null = NotNull;
        fn into_node(self) -> Node {
            Node::bind(self)
        }
    }
    impl AsExpression<Nullable<Bit>> for Option<PgBits> {
        type Tables = NoTable;
        type Null = IsNull;
        fn into_node(self) -> Node {
            Node::bind(self)
        }
    }

    // A path literal where a JSONPATH is expected: `doc.path_exists("$.a")`.
    impl AsExpression<Jsonpath> for &str {
        type Tables = NoTable;
        type Null = NotNull;
        fn into_node(self) -> Node {
            Node::bind(PgJsonPath::from(self))
        }
    }

    /// A name bound as text and cast: `$1::TEXT::REGCONFIG`. The binary form of the `reg*`
    /// types is an OID that only the server knows, so the name goes as text and the server
    /// resolves it (an unknown name is a server error: "text search configuration .. does not
    /// exist").
    fn reg_name(name: String, ty: &'static str) -> Node {
        Node::TypeCast {
            expr: Box::new(Node::TypeCast {
                expr: Box::new(Node::bind(name)),
                ty: Cow::Borrowed("TEXT"),
            }),
            ty: Cow::Borrowed(ty),
        }
    }

    macro_rules! reg_names {
        ($($st:ty => $name:literal),*) => {$(
            impl AsExpression<$st> for &str {
                type Tables = NoTable;
                type Null = NotNull;
                fn into_node(self) -> Node {
                    reg_name(self.to_owned(), $name)
                }
            }
            impl AsExpression<$st> for String {
                type Tables = NoTable;
                type Null = NotNull;
                fn into_node(self) -> Node {
                    reg_name(self, $name)
                }
            }
        )*};
    }
    reg_names!(Regconfig => "REGCONFIG", Regclass => "REGCLASS");

    #[cfg(feature = "chrono")]
    crate::sql_value! {
        WithInfinity<chrono::NaiveDate> => crate::types::Date,
        WithInfinity<chrono::NaiveDateTime> => crate::types::Timestamp,
        WithInfinity<chrono::DateTime<chrono::Utc>> => crate::types::Timestamptz,
    }
}
