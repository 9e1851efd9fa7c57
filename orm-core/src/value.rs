//! Bound values: anything `ToSql` that a statement carries to the server as `$n`.
//!
//! Statements own their values as `Arc<dyn BindValue>`, so a statement can be cloned,
//! reused and sent across tasks, and a value bound twice (the same `Arc`) gets one `$n`.

use std::any::Any;
use std::fmt::{self, Debug};
use std::sync::Arc;

use postgres_types::ToSql;

/// A value that can be bound as a statement parameter.
///
/// Implemented for every `ToSql + Debug + Send + Sync + 'static` type; never implement it
/// by hand.
pub trait BindValue: ToSql + Debug + Send + Sync + 'static {
    /// The value as the driver's parameter type.
    fn as_to_sql(&self) -> &(dyn ToSql + Sync);
    /// For the display-only rendering of [`crate::writer::CompiledSql::debug_sql`].
    fn as_any(&self) -> &dyn Any;
    /// The value's binary encoding, to tell values apart on the client (the Session orders
    /// rows that reference each other with it): `None` for NULL, so `Some(5)` and `5` are
    /// alike. A value whose encoding needs its SQL type is identified by its `Debug` text.
    fn identity_bytes(&self) -> Option<Vec<u8>>;
}

impl<T: ToSql + Debug + Send + Sync + 'static> BindValue for T {
    fn as_to_sql(&self) -> &(dyn ToSql + Sync) {
        self
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn identity_bytes(&self) -> Option<Vec<u8>> {
        let mut buf = bytes::BytesMut::new();
        match self.to_sql(&postgres_types::Type::UNKNOWN, &mut buf) {
            Ok(postgres_types::IsNull::No) => Some(buf.to_vec()),
            Ok(postgres_types::IsNull::Yes) => None,
            Err(_) => Some(format!("{self:?}").into_bytes()),
        }
    }
}

/// A bound value as statements store it.
pub type Param = Arc<dyn BindValue>;

/// A value bound once and usable in several places: every clone renders the same `$n`.
///
/// ```
/// use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let p = param(42_i64);
/// let q = select_from::<Account>()
///     .filter(Account::ID.eq(p.clone()).or(Account::OWNER_ID.eq(p)));
/// assert_eq!(
///     q.to_sql().sql(),
///     r#"SELECT "accounts"."id", "accounts"."owner_id", "accounts"."name", "accounts"."balance" FROM "accounts" WHERE "accounts"."id" = $1 OR "accounts"."owner_id" = $1"#
/// );
/// ```
pub fn param<V>(value: V) -> crate::expr::Expr<V::SqlType, crate::scope::NoTable>
where
    V: crate::types::HasSqlType
        + crate::expr::AsExpression<V::SqlType, Tables = crate::scope::NoTable>,
{
    crate::expr::Expr::from_node(value.into_node())
}

/// Writes a value as a SQL literal, for display only (never sent to the server).
pub(crate) fn write_literal(out: &mut String, value: &dyn BindValue) {
    let any = value.as_any();
    macro_rules! plain {
        ($($t:ty),*) => {$(
            if let Some(v) = any.downcast_ref::<$t>() {
                write_number(out, &v.to_string());
                return;
            }
            if let Some(v) = any.downcast_ref::<Option<$t>>() {
                match v {
                    Some(v) => write_number(out, &v.to_string()),
                    None => out.push_str("NULL"),
                }
                return;
            }
        )*};
    }
    plain!(i8, i16, i32, i64, u32, f32, f64, bool);
    if let Some(v) = any.downcast_ref::<String>() {
        quote_literal_into(out, v);
        return;
    }
    if let Some(v) = any.downcast_ref::<Option<String>>() {
        match v {
            Some(v) => quote_literal_into(out, v),
            None => out.push_str("NULL"),
        }
        return;
    }
    if let Some(v) = any.downcast_ref::<&'static str>() {
        quote_literal_into(out, v);
        return;
    }
    // Anything else: its Debug text as a quoted literal; clear enough for a log line.
    let text = format!("{value:?}");
    if text == "None" {
        out.push_str("NULL");
    } else {
        quote_literal_into(out, &text);
    }
}

/// A negative number in parentheses, so `-` before it never makes `--` (a comment).
fn write_number(out: &mut String, text: &str) {
    if text.starts_with('-') {
        out.push('(');
        out.push_str(text);
        out.push(')');
    } else {
        out.push_str(text);
    }
}

/// Writes `'text'`, doubling single quotes (E'' strings are never needed: standard strings on).
pub fn quote_literal_into(out: &mut String, text: &str) {
    out.push('\'');
    for ch in text.chars() {
        if ch == '\'' {
            out.push('\'');
        }
        out.push(ch);
    }
    out.push('\'');
}

/// A `Debug` helper that prints a parameter list compactly.
pub(crate) struct ParamsDebug<'a>(pub(crate) &'a [Param]);

impl Debug for ParamsDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}
