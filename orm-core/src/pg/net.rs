//! `INET`, `CIDR`, `MACADDR`, `MACADDR8` values.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, ToSql, Type, accepts, to_sql_checked};

use super::{CodecError, ValueError, done, take};

// PostgreSQL's own address family numbers (`PGSQL_AF_INET`, `PGSQL_AF_INET6`).
const AF_INET: u8 = 2;
const AF_INET6: u8 = 3;

fn max_prefix(addr: &IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn check_prefix(addr: &IpAddr, prefix: u8) -> Result<(), ValueError> {
    if prefix > max_prefix(addr) {
        return Err(ValueError::new(format!(
            "invalid netmask /{prefix} for {addr}: at most /{}",
            max_prefix(addr)
        )));
    }
    Ok(())
}

/// The address with the bits after `prefix` cleared.
fn network_of(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
    }
}

fn parse_net(s: &str, what: &str) -> Result<(IpAddr, Option<u8>), ValueError> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr
        .trim()
        .parse()
        .map_err(|_| ValueError::new(format!("invalid {what} `{s}`: not an IP address")))?;
    let prefix = match prefix {
        Some(p) => Some(
            p.trim()
                .parse::<u8>()
                .map_err(|_| ValueError::new(format!("invalid {what} `{s}`: bad netmask")))?,
        ),
        None => None,
    };
    Ok((addr, prefix))
}

fn write_net(addr: IpAddr, prefix: u8, is_cidr: bool, out: &mut BytesMut) {
    match addr {
        IpAddr::V4(a) => {
            out.put_slice(&[AF_INET, prefix, u8::from(is_cidr), 4]);
            out.put_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            out.put_slice(&[AF_INET6, prefix, u8::from(is_cidr), 16]);
            out.put_slice(&a.octets());
        }
    }
}

fn read_net(mut raw: &[u8], what: &str) -> Result<(IpAddr, u8), CodecError> {
    let [family, prefix, _is_cidr, len] = take::<4>(&mut raw, what)?;
    let addr = match (family, len) {
        (AF_INET, 4) => IpAddr::V4(Ipv4Addr::from(take::<4>(&mut raw, what)?)),
        (AF_INET6, 16) => IpAddr::V6(Ipv6Addr::from(take::<16>(&mut raw, what)?)),
        _ => return Err(format!("invalid {what} value: unknown address family {family}").into()),
    };
    done(raw, what)?;
    check_prefix(&addr, prefix)?;
    Ok((addr, prefix))
}

/// An `INET` value: a host address and its netmask (`192.168.1.5/24`). A plain
/// `std::net::IpAddr` maps to `INET` too, but drops the netmask.
///
/// ```
/// use orm_core::pg::PgInet;
/// let a: PgInet = "192.168.1.5/24".parse().unwrap();
/// assert_eq!(a.prefix(), 24);
/// assert_eq!(a.to_string(), "192.168.1.5/24");
/// assert_eq!("10.0.0.1".parse::<PgInet>().unwrap().prefix(), 32);
/// assert!("10.0.0.1/33".parse::<PgInet>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PgInet {
    addr: IpAddr,
    prefix: u8,
}

impl PgInet {
    /// An address with a netmask; `Err` when the prefix is longer than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, ValueError> {
        check_prefix(&addr, prefix)?;
        Ok(PgInet { addr, prefix })
    }
    /// The address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
    /// The netmask length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

impl From<IpAddr> for PgInet {
    /// A single host: `/32` or `/128`.
    fn from(addr: IpAddr) -> Self {
        PgInet {
            prefix: max_prefix(&addr),
            addr,
        }
    }
}

impl FromStr for PgInet {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let (addr, prefix) = parse_net(s, "inet")?;
        PgInet::new(addr, prefix.unwrap_or_else(|| max_prefix(&addr)))
    }
}

impl fmt::Display for PgInet {
    /// PostgreSQL's text form: the netmask is left out for a single host.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == max_prefix(&self.addr) {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl ToSql for PgInet {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        write_net(self.addr, self.prefix, false, out);
        Ok(IsNull::No)
    }
    accepts!(INET);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgInet {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, CodecError> {
        let (addr, prefix) = read_net(raw, "inet")?;
        Ok(PgInet { addr, prefix })
    }
    accepts!(INET);
}

/// A `CIDR` value: a network, whose bits after the netmask are zero (`10.1.0.0/16`).
///
/// ```
/// use orm_core::pg::PgCidr;
/// let n: PgCidr = "10.1.0.0/16".parse().unwrap();
/// assert_eq!(n.to_string(), "10.1.0.0/16");
/// let err = "10.1.2.3/16".parse::<PgCidr>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid cidr 10.1.2.3/16: bits are set to the right of the netmask (the network is 10.1.0.0/16)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PgCidr {
    addr: IpAddr,
    prefix: u8,
}

impl PgCidr {
    /// A network; `Err` when the prefix is too long or host bits are set.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, ValueError> {
        check_prefix(&addr, prefix)?;
        let net = network_of(addr, prefix);
        if net != addr {
            return Err(ValueError::new(format!(
                "invalid cidr {addr}/{prefix}: bits are set to the right of the netmask (the network is {net}/{prefix})"
            )));
        }
        Ok(PgCidr { addr, prefix })
    }
    /// The network containing `addr` (host bits cleared), e.g. for `192.168.1.5/24` the
    /// network `192.168.1.0/24`.
    pub fn containing(addr: IpAddr, prefix: u8) -> Result<Self, ValueError> {
        check_prefix(&addr, prefix)?;
        Ok(PgCidr {
            addr: network_of(addr, prefix),
            prefix,
        })
    }
    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
    /// The netmask length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

impl FromStr for PgCidr {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let (addr, prefix) = parse_net(s, "cidr")?;
        PgCidr::new(addr, prefix.unwrap_or_else(|| max_prefix(&addr)))
    }
}

impl fmt::Display for PgCidr {
    /// PostgreSQL's text form: always with the netmask.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl ToSql for PgCidr {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        write_net(self.addr, self.prefix, true, out);
        Ok(IsNull::No)
    }
    // A network is also an address (PostgreSQL casts CIDR to INET implicitly), so it binds
    // where the server expects an INET too (`inet_col << $1`).
    accepts!(CIDR, INET);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgCidr {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, CodecError> {
        let (addr, prefix) = read_net(raw, "cidr")?;
        // The server never sends host bits; a buggy peer gets a clear error, not a bad value.
        PgCidr::new(addr, prefix).map_err(Into::into)
    }
    accepts!(CIDR);
}

fn parse_mac<const N: usize>(s: &str, what: &str) -> Result<[u8; N], ValueError> {
    let err = || {
        ValueError::new(format!(
            "invalid {what} `{s}`: expected {N} hex bytes like 08:00:2b:01:02:03"
        ))
    };
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 2 * N || !hex.is_ascii() {
        return Err(err());
    }
    let mut out = [0; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| err())?;
    }
    Ok(out)
}

fn fmt_mac(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            f.write_str(":")?;
        }
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

macro_rules! mac_type {
    ($(#[$m:meta])* $name:ident, $n:literal, $ty:ident, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub [u8; $n]);

        impl FromStr for $name {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                parse_mac::<$n>(s, $what).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_mac(&self.0, f)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
                out.put_slice(&self.0);
                Ok(IsNull::No)
            }
            accepts!($ty);
            to_sql_checked!();
        }

        impl<'a> FromSql<'a> for $name {
            fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, CodecError> {
                let bytes = take::<$n>(&mut raw, $what)?;
                done(raw, $what)?;
                Ok($name(bytes))
            }
            accepts!($ty);
        }
    };
}

mac_type!(
    /// A `MACADDR` value (6 bytes).
    ///
    /// ```
    /// use orm_core::pg::PgMacAddr;
    /// let m: PgMacAddr = "08:00:2B:01:02:03".parse().unwrap();
    /// assert_eq!(m.to_string(), "08:00:2b:01:02:03");
    /// assert!("08:00:2b".parse::<PgMacAddr>().is_err());
    /// ```
    PgMacAddr, 6, MACADDR, "macaddr"
);
mac_type!(
    /// A `MACADDR8` value (8 bytes, EUI-64).
    ///
    /// ```
    /// use orm_core::pg::PgMacAddr8;
    /// let m: PgMacAddr8 = "08:00:2b:01:02:03:04:05".parse().unwrap();
    /// assert_eq!(m.0[7], 5);
    /// ```
    PgMacAddr8, 8, MACADDR8, "macaddr8"
);
