//! JSON values of any serde type.

/// A JSON / JSONB value of any serde type, bound and decoded through serde:
/// `Json(MyStruct { .. })`. It maps to [`Jsonb`](crate::types::Jsonb).
pub use postgres_types::Json;
