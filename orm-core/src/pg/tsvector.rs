//! `TSVECTOR` values.

use std::fmt;

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, ToSql, Type, accepts, to_sql_checked};

use super::{CodecError, done, take};

/// The weight of a lexeme position (`A` highest, `D` the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum TsWeight {
    /// `A`
    A,
    /// `B`
    B,
    /// `C`
    C,
    /// `D` (not written in the text form)
    #[default]
    D,
}

impl TsWeight {
    /// The letter, as `setweight` takes it.
    pub fn as_char(self) -> char {
        match self {
            TsWeight::A => 'A',
            TsWeight::B => 'B',
            TsWeight::C => 'C',
            TsWeight::D => 'D',
        }
    }
    fn bits(self) -> u16 {
        match self {
            TsWeight::A => 3,
            TsWeight::B => 2,
            TsWeight::C => 1,
            TsWeight::D => 0,
        }
    }
    fn from_bits(bits: u16) -> Self {
        match bits {
            3 => TsWeight::A,
            2 => TsWeight::B,
            1 => TsWeight::C,
            _ => TsWeight::D,
        }
    }
}

/// One lexeme of a [`PgTsVector`] and its positions (1-based, at most 16383) with weights.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PgLexeme {
    /// The normalized word.
    pub word: String,
    /// Positions in the document, with their weights; may be empty.
    pub positions: Vec<(u16, TsWeight)>,
}

/// A `TSVECTOR`: the sorted, distinct lexemes of a document with their positions. Usually
/// built by the server (`to_tsvector(..)`); read it into Rust to inspect or to copy.
///
/// ```
/// use orm_core::pg::{PgLexeme, PgTsVector, TsWeight};
/// let v = PgTsVector::new(vec![
///     PgLexeme { word: "fat".into(), positions: vec![(2, TsWeight::A)] },
///     PgLexeme { word: "cat".into(), positions: vec![(3, TsWeight::D)] },
/// ]);
/// assert_eq!(v.to_string(), "'cat':3 'fat':2A");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PgTsVector {
    lexemes: Vec<PgLexeme>,
}

impl PgTsVector {
    /// From lexemes in any order: sorted (by bytes, as the server sorts them) and merged.
    pub fn new(mut lexemes: Vec<PgLexeme>) -> Self {
        lexemes.sort_by(|a, b| a.word.as_bytes().cmp(b.word.as_bytes()));
        let mut out: Vec<PgLexeme> = Vec::with_capacity(lexemes.len());
        for mut lex in lexemes {
            match out.last_mut() {
                Some(last) if last.word == lex.word => last.positions.append(&mut lex.positions),
                _ => out.push(lex),
            }
        }
        for lex in &mut out {
            lex.positions.sort_unstable();
            lex.positions.dedup_by_key(|p| p.0);
        }
        PgTsVector { lexemes: out }
    }
    /// The lexemes, sorted.
    pub fn lexemes(&self) -> &[PgLexeme] {
        &self.lexemes
    }
}

impl fmt::Display for PgTsVector {
    /// PostgreSQL's text form: `'word':1A,2 'other'`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, lex) in self.lexemes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str("'")?;
            for c in lex.word.chars() {
                if c == '\'' || c == '\\' {
                    write!(f, "{c}")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("'")?;
            for (j, (pos, weight)) in lex.positions.iter().enumerate() {
                f.write_str(if j == 0 { ":" } else { "," })?;
                write!(f, "{pos}")?;
                if *weight != TsWeight::D {
                    write!(f, "{}", weight.as_char())?;
                }
            }
        }
        Ok(())
    }
}

const MAX_POS: u16 = 0x3fff;

impl ToSql for PgTsVector {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, CodecError> {
        let n = i32::try_from(self.lexemes.len()).map_err(|_| "tsvector too long to transmit")?;
        out.put_i32(n);
        for lex in &self.lexemes {
            if lex.word.is_empty() || lex.word.contains('\0') {
                return Err("invalid tsvector: a lexeme is empty or contains a NUL byte".into());
            }
            out.put_slice(lex.word.as_bytes());
            out.put_u8(0);
            let npos =
                u16::try_from(lex.positions.len()).map_err(|_| "tsvector: too many positions")?;
            out.put_u16(npos);
            for (pos, weight) in &lex.positions {
                if *pos == 0 || *pos > MAX_POS {
                    return Err(format!(
                        "invalid tsvector: position {pos} of `{}` is outside 1..=16383",
                        lex.word
                    )
                    .into());
                }
                out.put_u16(weight.bits() << 14 | pos);
            }
        }
        Ok(IsNull::No)
    }
    accepts!(TS_VECTOR);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgTsVector {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, CodecError> {
        let n = i32::from_be_bytes(take::<4>(&mut raw, "tsvector")?);
        let n = usize::try_from(n).map_err(|_| "invalid tsvector value: negative length")?;
        let mut lexemes = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let end = raw
                .iter()
                .position(|b| *b == 0)
                .ok_or("invalid tsvector value: unterminated lexeme")?;
            let word = std::str::from_utf8(&raw[..end])?.to_owned();
            raw = &raw[end + 1..];
            let npos = u16::from_be_bytes(take::<2>(&mut raw, "tsvector")?);
            let mut positions = Vec::with_capacity(usize::from(npos));
            for _ in 0..npos {
                let p = u16::from_be_bytes(take::<2>(&mut raw, "tsvector")?);
                positions.push((p & MAX_POS, TsWeight::from_bits(p >> 14)));
            }
            lexemes.push(PgLexeme { word, positions });
        }
        done(raw, "tsvector")?;
        Ok(PgTsVector { lexemes })
    }
    accepts!(TS_VECTOR);
}
