//! Multi-dimensional arrays as nested `Vec`s: `Vec<Vec<i32>>` ↔ `INTEGER[][]`.
//!
//! postgres-types encodes and decodes one-dimensional arrays only. Decoding goes through
//! [`FromSqlValue`]'s element hooks (any depth); binding a nested `Vec` wraps it in
//! [`NdArray`], which lets postgres-types write an array of arrays against a synthetic
//! nested type and then flattens it into one PostgreSQL array with several dimensions.
//! PostgreSQL arrays are rectangular: sub-arrays of different lengths are an `Err` ("array
//! is not rectangular"), never a silently padded value.

use std::error::Error as StdError;
use std::fmt;

use bytes::{BufMut, BytesMut};
use postgres_types::{IsNull, Kind, ToSql, Type};

type BoxError = Box<dyn StdError + Sync + Send>;

/// A parsed array value: element type, dimension lengths and the elements (NULL as `None`).
pub(crate) struct RawArray<'a> {
    pub(crate) dims: Vec<usize>,
    pub(crate) elements: Vec<Option<&'a [u8]>>,
    elem_oid: u32,
}

fn read_i32(buf: &mut &[u8]) -> Result<i32, BoxError> {
    if buf.len() < 4 {
        return Err("invalid array value: the message is too short".into());
    }
    let (head, rest) = buf.split_at(4);
    *buf = rest;
    Ok(i32::from_be_bytes([head[0], head[1], head[2], head[3]]))
}

fn count(v: i32, what: &str) -> Result<usize, BoxError> {
    usize::try_from(v).map_err(|_| format!("invalid array value: negative {what}").into())
}

/// Parses PostgreSQL's binary array format.
pub(crate) fn parse_array(mut buf: &[u8]) -> Result<RawArray<'_>, BoxError> {
    let ndim = count(read_i32(&mut buf)?, "dimension count")?;
    let _has_null = read_i32(&mut buf)?;
    let elem_oid = u32::from_be_bytes(read_i32(&mut buf)?.to_be_bytes());
    let mut dims = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        dims.push(count(read_i32(&mut buf)?, "dimension length")?);
        let _lower_bound = read_i32(&mut buf)?;
    }
    let total = if ndim == 0 {
        0
    } else {
        dims.iter()
            .try_fold(1usize, |acc, d| acc.checked_mul(*d))
            .ok_or("invalid array value: too many elements")?
    };
    let mut elements = Vec::with_capacity(total.min(1 << 16));
    for _ in 0..total {
        let len = read_i32(&mut buf)?;
        if len < 0 {
            elements.push(None);
        } else {
            let len = count(len, "element length")?;
            if buf.len() < len {
                return Err("invalid array value: the message is too short".into());
            }
            let (head, rest) = buf.split_at(len);
            elements.push(Some(head));
            buf = rest;
        }
    }
    if !buf.is_empty() {
        return Err("invalid array value: bytes left over".into());
    }
    Ok(RawArray {
        dims,
        elements,
        elem_oid,
    })
}

fn write_array(out: &mut BytesMut, arr: &RawArray<'_>) -> Result<(), BoxError> {
    let to_i32 = |n: usize| i32::try_from(n).map_err(|_| BoxError::from("array too large"));
    out.put_i32(to_i32(arr.dims.len())?);
    out.put_i32(i32::from(arr.elements.iter().any(Option::is_none)));
    out.put_u32(arr.elem_oid);
    for d in &arr.dims {
        out.put_i32(to_i32(*d)?);
        out.put_i32(1);
    }
    for e in &arr.elements {
        match e {
            Some(bytes) => {
                out.put_i32(to_i32(bytes.len())?);
                out.put_slice(bytes);
            }
            None => out.put_i32(-1),
        }
    }
    Ok(())
}

/// A synthetic array type whose elements are arrays `depth - 1` levels deep, so that
/// postgres-types' one-dimensional `Vec` codec writes nested `Vec`s as arrays of arrays.
fn nested_type(ty: &Type, depth: u8) -> Option<Type> {
    let Kind::Array(member) = ty.kind() else {
        return None;
    };
    let mut inner = member.clone();
    for _ in 1..depth {
        inner = Type::new(
            ty.name().to_owned(),
            ty.oid(),
            Kind::Array(inner),
            ty.schema().to_owned(),
        );
    }
    Some(Type::new(
        ty.name().to_owned(),
        ty.oid(),
        Kind::Array(inner),
        ty.schema().to_owned(),
    ))
}

/// Flattens an array of arrays (`depth` levels) into one multi-dimensional array.
fn flatten(raw: &[u8], depth: u8, member_oid: u32, out: &mut BytesMut) -> Result<(), BoxError> {
    fn collect<'a>(
        raw: &'a [u8],
        depth: u8,
        level: usize,
        dims: &mut Vec<usize>,
        elements: &mut Vec<Option<&'a [u8]>>,
    ) -> Result<(), BoxError> {
        let arr = parse_array(raw)?;
        let len = arr.dims.first().copied().unwrap_or(0);
        if arr.dims.len() > 1 {
            return Err("invalid nested array encoding".into());
        }
        match dims.get(level) {
            Some(d) if *d != len => return Err(
                "array is not rectangular: sub-arrays of one dimension must have the same length"
                    .into(),
            ),
            Some(_) => {}
            None => dims.push(len),
        }
        for e in arr.elements {
            if depth > 1 {
                let e = e.ok_or("a sub-array of a multi-dimensional array cannot be NULL")?;
                collect(e, depth - 1, level + 1, dims, elements)?;
            } else {
                elements.push(e);
            }
        }
        Ok(())
    }
    let mut dims = Vec::new();
    let mut elements = Vec::new();
    collect(raw, depth, 0, &mut dims, &mut elements)?;
    if dims.len() < usize::from(depth) {
        // Some dimension was empty: PostgreSQL has only one empty array, `{}`.
        if elements.is_empty() && dims.contains(&0) {
            dims.clear();
        } else {
            return Err("array is not rectangular".into());
        }
    }
    if dims.contains(&0) {
        dims.clear();
        elements.clear();
    }
    write_array(
        out,
        &RawArray {
            dims,
            elements,
            elem_oid: member_oid,
        },
    )
}

/// A nested `Vec` bound as one multi-dimensional array parameter; `depth` is its number of
/// dimensions. Made by the array bindings, rarely by hand.
#[derive(Clone)]
pub struct NdArray<T> {
    value: T,
    depth: u8,
}

impl<T> NdArray<T> {
    /// Wraps a value nested `depth` `Vec`s deep.
    pub fn new(value: T, depth: u8) -> Self {
        NdArray { value, depth }
    }
}

impl<T: fmt::Debug> fmt::Debug for NdArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: ToSql> ToSql for NdArray<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let Kind::Array(member) = ty.kind() else {
            return Err(format!("cannot bind a nested Vec as {ty}: not an array type").into());
        };
        let nested = nested_type(ty, self.depth)
            .ok_or_else(|| format!("cannot bind a nested Vec as {ty}"))?;
        let mut tmp = BytesMut::new();
        if let IsNull::Yes = self.value.to_sql(&nested, &mut tmp)? {
            return Ok(IsNull::Yes);
        }
        flatten(&tmp, self.depth, member.oid(), out)?;
        Ok(IsNull::No)
    }
    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql_checked`, where the depth is known.
        true
    }
    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let ok = nested_type(ty, self.depth).is_some_and(|n| T::accepts(&n));
        if !ok {
            return Err(format!(
                "cannot bind `{}` ({} dimensions) as a {ty} parameter",
                std::any::type_name::<T>(),
                self.depth
            )
            .into());
        }
        self.to_sql(ty, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_dimensions_flatten_and_parse_back() {
        let v = vec![vec![1_i32, 2, 3], vec![4, 5, 6]];
        let mut out = BytesMut::new();
        NdArray::new(v, 2)
            .to_sql_checked(&Type::INT4_ARRAY, &mut out)
            .expect("a 2x3 array binds");
        let arr = parse_array(&out).expect("the bound array parses");
        assert_eq!(arr.dims, [2, 3]);
        assert_eq!(arr.elements.len(), 6);
        assert_eq!(arr.elem_oid, Type::INT4.oid());
    }

    #[test]
    fn ragged_arrays_are_an_error() {
        let v = vec![vec![1_i32, 2], vec![3]];
        let mut out = BytesMut::new();
        let Err(err) = NdArray::new(v, 2).to_sql_checked(&Type::INT4_ARRAY, &mut out) else {
            panic!("a ragged array was accepted");
        };
        assert!(err.to_string().contains("not rectangular"), "{err}");
    }

    #[test]
    fn wrong_element_type_is_an_error() {
        let v = vec![vec!["a".to_owned()]];
        let mut out = BytesMut::new();
        assert!(
            NdArray::new(v, 2)
                .to_sql_checked(&Type::INT4_ARRAY, &mut out)
                .is_err()
        );
    }
}
