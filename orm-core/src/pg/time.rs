//! `INTERVAL`, `TIMETZ`, and infinite dates and timestamps.

use std::fmt;

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, ToSql, Type, accepts, to_sql_checked};

use super::{CodecError, ValueError, done, take};

/// An `INTERVAL`: months, days and microseconds kept apart, as PostgreSQL keeps them (a month
/// is not a fixed number of days, nor a day a fixed number of hours across a DST change).
///
/// ```
/// use orm_core::pg::PgInterval;
/// let i = PgInterval::new(14, 3, 3_600_000_000);
/// assert_eq!((i.months, i.days, i.microseconds), (14, 3, 3_600_000_000));
/// assert_eq!(PgInterval::days(2), PgInterval::new(0, 2, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PgInterval {
    /// Months (a year is 12).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub microseconds: i64,
}

impl PgInterval {
    /// An interval from its three parts.
    pub const fn new(months: i32, days: i32, microseconds: i64) -> Self {
        PgInterval {
            months,
            days,
            microseconds,
        }
    }
    /// `n` months.
    pub const fn months(n: i32) -> Self {
        PgInterval::new(n, 0, 0)
    }
    /// `n` days.
    pub const fn days(n: i32) -> Self {
        PgInterval::new(0, n, 0)
    }
    /// `n` microseconds.
    pub const fn microseconds(n: i64) -> Self {
        PgInterval::new(0, 0, n)
    }
}

impl TryFrom<std::time::Duration> for PgInterval {
    type Error = ValueError;
    /// As microseconds; `Err` when it does not fit in an `i64` of microseconds.
    fn try_from(d: std::time::Duration) -> Result<Self, ValueError> {
        i64::try_from(d.as_micros())
            .map(PgInterval::microseconds)
            .map_err(|_| ValueError::new(format!("{d:?} is too long for an INTERVAL")))
    }
}

impl ToSql for PgInterval {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        out.put_i64(self.microseconds);
        out.put_i32(self.days);
        out.put_i32(self.months);
        Ok(IsNull::No)
    }
    accepts!(INTERVAL);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgInterval {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, CodecError> {
        let microseconds = i64::from_be_bytes(take::<8>(&mut raw, "interval")?);
        let days = i32::from_be_bytes(take::<4>(&mut raw, "interval")?);
        let months = i32::from_be_bytes(take::<4>(&mut raw, "interval")?);
        done(raw, "interval")?;
        Ok(PgInterval::new(months, days, microseconds))
    }
    accepts!(INTERVAL);
}

const DAY_MICROS: i64 = 86_400_000_000;
// PostgreSQL accepts offsets up to ±15:59:59.
const MAX_OFFSET: i32 = 15 * 3600 + 59 * 60 + 59;

/// A `TIMETZ` (`TIME WITH TIME ZONE`): a time of day and a UTC offset.
///
/// ```
/// use orm_core::pg::PgTimeTz;
/// let t = PgTimeTz::new(13 * 3_600_000_000, 2 * 3600).unwrap(); // 13:00+02
/// assert_eq!(t.to_string(), "13:00:00+02:00");
/// assert!(PgTimeTz::new(25 * 3_600_000_000, 0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PgTimeTz {
    micros: i64,
    offset: i32,
}

impl PgTimeTz {
    /// `micros` since midnight (up to 24:00:00 inclusive, as PostgreSQL allows) and the UTC
    /// offset in seconds east of Greenwich (`+02:00` is `7200`).
    pub fn new(micros: i64, utc_offset_seconds: i32) -> Result<Self, ValueError> {
        if !(0..=DAY_MICROS).contains(&micros) {
            return Err(ValueError::new(format!(
                "invalid timetz: {micros} microseconds is not a time of day"
            )));
        }
        if !(-MAX_OFFSET..=MAX_OFFSET).contains(&utc_offset_seconds) {
            return Err(ValueError::new(format!(
                "invalid timetz: UTC offset of {utc_offset_seconds} seconds is out of range (at most ±15:59:59)"
            )));
        }
        Ok(PgTimeTz {
            micros,
            offset: utc_offset_seconds,
        })
    }
    /// Microseconds since midnight.
    pub fn micros(&self) -> i64 {
        self.micros
    }
    /// The UTC offset, seconds east of Greenwich.
    pub fn utc_offset_seconds(&self) -> i32 {
        self.offset
    }
}

#[cfg(feature = "chrono")]
impl PgTimeTz {
    /// From chrono's time and offset (leap seconds are folded into the 59th second).
    pub fn from_chrono(time: chrono::NaiveTime, offset: chrono::FixedOffset) -> Self {
        use chrono::Timelike;
        let micros = i64::from(time.num_seconds_from_midnight()) * 1_000_000
            + i64::from(time.nanosecond().min(999_999_999) / 1000);
        PgTimeTz {
            micros,
            offset: offset.local_minus_utc(),
        }
    }
    /// As chrono's time and offset; `None` for `24:00:00`, which chrono cannot represent.
    pub fn to_chrono(&self) -> Option<(chrono::NaiveTime, chrono::FixedOffset)> {
        let secs = u32::try_from(self.micros / 1_000_000).ok()?;
        let nanos = u32::try_from(self.micros % 1_000_000).ok()? * 1000;
        let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)?;
        Some((time, chrono::FixedOffset::east_opt(self.offset)?))
    }
}

impl fmt::Display for PgTimeTz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.micros / 1_000_000;
        let frac = self.micros % 1_000_000;
        write!(
            f,
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if frac != 0 {
            write!(f, ".{frac:06}")?;
        }
        let sign = if self.offset < 0 { '-' } else { '+' };
        let off = self.offset.abs();
        write!(f, "{sign}{:02}:{:02}", off / 3600, off / 60 % 60)?;
        if off % 60 != 0 {
            write!(f, ":{:02}", off % 60)?;
        }
        Ok(())
    }
}

impl ToSql for PgTimeTz {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        out.put_i64(self.micros);
        // On the wire the zone is seconds *west* of Greenwich.
        out.put_i32(-self.offset);
        Ok(IsNull::No)
    }
    accepts!(TIMETZ);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgTimeTz {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, CodecError> {
        let micros = i64::from_be_bytes(take::<8>(&mut raw, "timetz")?);
        let west = i32::from_be_bytes(take::<4>(&mut raw, "timetz")?);
        done(raw, "timetz")?;
        let east = west
            .checked_neg()
            .ok_or("invalid timetz value: bad zone offset")?;
        PgTimeTz::new(micros, east).map_err(Into::into)
    }
    accepts!(TIMETZ);
}

/// A `DATE`, `TIMESTAMP` or `TIMESTAMPTZ` that may be `infinity` or `-infinity`.
///
/// chrono has no infinite dates, so a plain `NaiveDate` / `NaiveDateTime` / `DateTime<Utc>`
/// column that holds `infinity` fails to decode with the error "value too large to decode"
/// (from postgres-types); declare the field `WithInfinity<NaiveDate>` (and so on) where the
/// column may hold one.
///
/// ```
/// use orm_core::pg::WithInfinity;
/// let v: WithInfinity<i32> = WithInfinity::Value(3);
/// assert_eq!(v.value(), Some(&3));
/// assert_eq!(WithInfinity::<i32>::Infinity.value(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WithInfinity<T> {
    /// `-infinity`: before every other value.
    NegInfinity,
    /// A finite value.
    Value(T),
    /// `infinity`: after every other value.
    Infinity,
}

impl<T> WithInfinity<T> {
    /// The finite value, if it is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            WithInfinity::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for WithInfinity<T> {
    fn from(v: T) -> Self {
        WithInfinity::Value(v)
    }
}

/// The sentinel values of `DATE` (`i32`) and `TIMESTAMP[TZ]` (`i64`).
fn is_date(ty: &Type) -> bool {
    *ty == Type::DATE
}

impl<T: ToSql> ToSql for WithInfinity<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        match (self, is_date(ty)) {
            (WithInfinity::Value(v), _) => v.to_sql(ty, out),
            (WithInfinity::Infinity, true) => {
                out.put_i32(i32::MAX);
                Ok(IsNull::No)
            }
            (WithInfinity::NegInfinity, true) => {
                out.put_i32(i32::MIN);
                Ok(IsNull::No)
            }
            (WithInfinity::Infinity, false) => {
                out.put_i64(i64::MAX);
                Ok(IsNull::No)
            }
            (WithInfinity::NegInfinity, false) => {
                out.put_i64(i64::MIN);
                Ok(IsNull::No)
            }
        }
    }
    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::DATE | Type::TIMESTAMP | Type::TIMESTAMPTZ) && T::accepts(ty)
    }
    to_sql_checked!();
}

impl<'a, T: FromSql<'a>> FromSql<'a> for WithInfinity<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, CodecError> {
        if is_date(ty) {
            if raw == i32::MAX.to_be_bytes() {
                return Ok(WithInfinity::Infinity);
            }
            if raw == i32::MIN.to_be_bytes() {
                return Ok(WithInfinity::NegInfinity);
            }
        } else {
            if raw == i64::MAX.to_be_bytes() {
                return Ok(WithInfinity::Infinity);
            }
            if raw == i64::MIN.to_be_bytes() {
                return Ok(WithInfinity::NegInfinity);
            }
        }
        T::from_sql(ty, raw).map(WithInfinity::Value)
    }
    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::DATE | Type::TIMESTAMP | Type::TIMESTAMPTZ) && T::accepts(ty)
    }
}
