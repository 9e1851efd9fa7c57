//! `orm-core`: everything in `mapped` that needs no connection.
//!
//! - [`metadata`]: tables, columns, keys, indexes, constraints, as `'static` data;
//! - [`types`]: SQL type markers and the Rust ↔ PostgreSQL type table;
//! - [`expr`]: typed expressions and operators; [`scope`]: the table checks;
//! - [`query`]: SELECT / INSERT / UPDATE / DELETE builders;
//! - [`ddl`]: CREATE / DROP for tables, indexes, sequences, extensions, comments;
//! - [`writer`]: the SQL writer (`$n` parameters, quoted identifiers);
//! - [`row`]: decoding result rows;
//! - [`mutable`]: ARRAY, HSTORE and JSONB columns that record what changed.
//!
//! Users reach all of it through the `mapped` facade and its prelude.

pub mod column;
pub mod ddl;
pub mod expr;
pub mod flush;
#[cfg(feature = "json")]
pub mod json;
pub mod metadata;
pub mod model;
pub mod mutable;
pub mod pg;
pub mod query;
pub mod row;
pub mod scope;
pub mod types;
pub mod value;
pub mod writer;

#[doc(hidden)]
pub mod __doc;

/// The driver's type-codec crate, for implementing `ToSql`/`FromSql` on your own types (see
/// [`types::custom`]).
pub use postgres_types;

/// The names most programs need.
pub mod prelude {
    pub use crate::column::Column;
    pub use crate::expr::array::{ArrayExt, unnest_table};
    pub use crate::expr::bits::BitExt;
    pub use crate::expr::hstore::{HstoreExt, hstore, hstore_each, hstore_from_arrays};
    pub use crate::expr::jsonb::{
        JsonExt, JsonbExt, jsonb_agg, jsonb_array_elements, jsonb_array_elements_text,
        jsonb_build_object, jsonb_each, jsonb_each_text, jsonb_object_keys, jsonb_path_query_table,
        jsonpath, to_jsonb,
    };
    pub use crate::expr::net::{MacExt, NetExt};
    pub use crate::expr::text_search::{
        TsRankNormalization, TsqueryExt, TsvectorExt, phraseto_tsquery, phraseto_tsquery_default,
        plainto_tsquery, plainto_tsquery_default, regclass, regconfig, to_tsquery,
        to_tsquery_default, to_tsvector, to_tsvector_default, ts_headline, ts_headline_with,
        ts_rank, ts_rank_cd, ts_rank_cd_with, ts_rank_with, websearch_to_tsquery,
        websearch_to_tsquery_default,
    };
    pub use crate::expr::{
        AsExpression, Assign, Expr, ExprExt, Expression, alias_col, array, array_agg, avg,
        bool_and, bool_or, case, coalesce, count, count_star, exists, func, length, lower, max,
        min, not_exists, now, raw, row, string_agg, sum, typed_value, upper, value,
    };
    pub use crate::expr::{RangeExt, range_agg, range_intersect_agg};
    pub use crate::metadata::{Table, TableDef};
    pub use crate::model::{Model, QueryModel};
    #[cfg(feature = "json")]
    pub use crate::mutable::MutableJson;
    pub use crate::mutable::{MutableDict, MutableList, MutableSet};
    pub use crate::pg::*;
    pub use crate::query::*;
    pub use crate::row::FromRow;
    pub use crate::types::*;
    pub use crate::value::param;
    pub use crate::writer::{CompiledSql, QueryFragment};
}

/// Items the derive macros use. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::row::{DecodeError, SqlRow, all_null};
    pub use crate::value::Param;
    pub use postgres_types;
    pub use std::sync::Arc;

    /// Compile-time check that a foreign key column and its target have the same base type.
    pub const fn assert_same_base<A, B>()
    where
        A: crate::types::SqlType,
        B: crate::types::SqlType<NotNull = A::NotNull>,
    {
    }

    use crate::column::Column;
    use crate::metadata::{Table, TableDef, TableFn};
    use crate::types::{FromSqlValue, HasSqlType, SqlType};
    use crate::value::BindValue;

    /// A field value as a parameter (`Model::column_values`, Rust-side defaults).
    pub fn bind<T: BindValue>(value: T) -> Param {
        Arc::new(value)
    }

    /// A column's value as a parameter (`Model::column_values`): a nested `Vec` (a
    /// multi-dimensional array column) binds as one multi-dimensional array.
    pub fn bind_column<T: BindValue + HasSqlType>(value: T) -> Param {
        let dims = <T::SqlType as SqlType>::TYPE.dims;
        if dims > 1 {
            Arc::new(crate::types::NdArray::new(value, dims))
        } else {
            Arc::new(value)
        }
    }

    /// Decodes a model field from its column. The derive spans the call at the field's
    /// type, so a type that does not decode from its SQL type is reported there.
    pub fn decode_column<T>(row: &dyn SqlRow, idx: &mut usize) -> Result<T, DecodeError>
    where
        T: HasSqlType + FromSqlValue<<T as HasSqlType>::SqlType>,
    {
        <T as crate::row::FromRow<<T as HasSqlType>::SqlType>>::from_row(row, idx)
    }

    /// `Model::column_eq` for one field: `PartialEq` when the field's type has it, else
    /// `None` and the derive compares the values' `Debug` text as parameters
    /// ([`same_text`]). The derive calls `(&EqProbe(a, b)).same_value()` with both traits
    /// in scope. Method lookup tries the receiver type `&EqProbe` first, which is
    /// [`ViaPartialEq`]'s `&self` (implemented on `EqProbe` when `T: PartialEq`); only when
    /// that does not apply does it auto-reference to `&&EqProbe`, [`ViaNothing`]'s `&self`.
    #[derive(Debug)]
    pub struct EqProbe<'a, T>(pub &'a T, pub &'a T);

    /// The preferred comparison of [`EqProbe`].
    pub trait ViaPartialEq {
        /// Both values are equal.
        fn same_value(&self) -> Option<bool>;
    }

    impl<T: PartialEq> ViaPartialEq for EqProbe<'_, T> {
        fn same_value(&self) -> Option<bool> {
            Some(self.0 == self.1)
        }
    }

    /// The fallback of [`EqProbe`]: no comparison of its own.
    pub trait ViaNothing {
        /// `None`: compare otherwise.
        fn same_value(&self) -> Option<bool>;
    }

    impl<T> ViaNothing for &EqProbe<'_, T> {
        fn same_value(&self) -> Option<bool> {
            None
        }
    }

    /// The Session's dirty check and patch for one field: a [`Tracked`](crate::mutable::Tracked)
    /// container answers from its record of changes; any other type answers `None` and the
    /// derive falls back to `column_eq` (changed) or the whole value (patch). Called as
    /// `(&TrackProbe(value, base)).changed()`, the same autoref dispatch as [`EqProbe`].
    #[derive(Debug)]
    pub struct TrackProbe<'a, T>(pub &'a T, pub &'a T);

    /// The tracked answer of [`TrackProbe`].
    pub trait ViaTracked {
        /// Whether the value changed from the base.
        fn changed(&self) -> Option<bool>;
        /// The patch from the base to the value.
        fn patch(&self, column: &crate::metadata::ColumnDef) -> Option<crate::mutable::Patch>;
    }

    impl<T: crate::mutable::Tracked> ViaTracked for TrackProbe<'_, T> {
        fn changed(&self) -> Option<bool> {
            Some(self.0.changed_from(self.1))
        }
        fn patch(&self, column: &crate::metadata::ColumnDef) -> Option<crate::mutable::Patch> {
            self.0.patch(self.1, column)
        }
    }

    /// The fallback of [`TrackProbe`]: the type records nothing.
    pub trait ViaUntracked {
        /// `None`: compare the values.
        fn changed(&self) -> Option<bool>;
        /// `None`: write the whole value.
        fn patch(&self, column: &crate::metadata::ColumnDef) -> Option<crate::mutable::Patch>;
    }

    impl<T> ViaUntracked for &TrackProbe<'_, T> {
        fn changed(&self) -> Option<bool> {
            None
        }
        fn patch(&self, _: &crate::metadata::ColumnDef) -> Option<crate::mutable::Patch> {
            None
        }
    }

    /// Whether two parameters print the same (`Debug`): the comparison of field types
    /// without `PartialEq`.
    pub fn same_text(a: Param, b: Param) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    /// Types a primary key field may have: the Session's identity map hashes keys.
    #[diagnostic::on_unimplemented(
        message = "a primary key field must be `Eq + Hash + Clone + Debug`, and `{Self}` is not",
        note = "the Session's identity map is keyed by the primary key: derive `PartialEq, Eq, Hash` on the type, or key the table by another column"
    )]
    pub trait KeyType:
        Clone + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static
    {
    }
    impl<T: Clone + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static> KeyType for T {}

    #[cfg(test)]
    #[allow(
        clippy::needless_borrow,
        reason = "the explicit `&` is how the derive calls the probe: it is what is tested"
    )]
    mod probe_tests {
        use super::*;
        #[allow(unused_imports)]
        use super::{ViaNothing as _, ViaPartialEq as _};

        #[derive(Debug)]
        struct NoEq;

        #[test]
        fn partial_eq_is_preferred_and_debug_is_the_fallback() {
            // 0.0 == -0.0 under PartialEq, but their Debug texts differ.
            assert_eq!((&EqProbe(&0.0_f64, &-0.0_f64)).same_value(), Some(true));
            assert_eq!(
                (&EqProbe(&"a".to_owned(), &"b".to_owned())).same_value(),
                Some(false)
            );
            assert_eq!((&EqProbe(&NoEq, &NoEq)).same_value(), None);
        }
    }

    /// Compile-time check that a primary key field's type is a [`KeyType`].
    pub fn assert_key_type<T: KeyType>() {}

    /// SQL types an `identity` or `version` column may have.
    #[diagnostic::on_unimplemented(
        message = "an `identity` or `version` column must be SMALLINT, INTEGER or BIGINT, not `{Self}`",
        note = "use `i16`, `i32` or `i64` (not an `Option`) for this field"
    )]
    pub trait IntegerType: SqlType {}
    impl IntegerType for crate::types::Int2 {}
    impl IntegerType for crate::types::Int4 {}
    impl IntegerType for crate::types::Int8 {}

    /// Compile-time check that an `identity` or `version` column is an integer.
    pub const fn assert_integer<ST: IntegerType>() {}

    /// A foreign key column of SQL type `Self` can reference a column of SQL type `B`: both
    /// have the same base type (nullability aside). A mismatch is reported as "type
    /// mismatch resolving `<Int8 as SqlType>::NotNull == Text`" at the `references(..)` path,
    /// with a note naming this trait and both types.
    pub trait ReferenceType<B> {}
    impl<A: SqlType, B: SqlType<NotNull = A::NotNull>> ReferenceType<B> for A {}

    /// Compile-time check of a foreign key column (`column`) against the column it
    /// references (`target`); the derive spans the call at the `references(..)` path.
    pub const fn fk_column<T, A, U, B>(_column: Column<T, A>, _target: Column<U, B>)
    where
        A: ReferenceType<B>,
    {
    }

    /// Compile-time check that the columns of one foreign key reference one table.
    pub const fn same_table<T, A, B>(_first: Column<T, A>, _other: Column<T, B>) {}

    fn table_of<T: Table>() -> &'static TableDef {
        T::TABLE
    }

    /// The table of a referenced column, as a `FkTarget::Model` function.
    pub const fn table_fn<T: Table, ST>(_column: Column<T, ST>) -> TableFn {
        table_of::<T>
    }

    const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The `i`th candidate of `explicit` followed by the `Some`s of `types`.
    const fn candidate(
        explicit: &[&'static str],
        types: &[Option<&'static str>],
        i: usize,
    ) -> Option<&'static str> {
        if i < explicit.len() {
            Some(explicit[i])
        } else {
            types[i - explicit.len()]
        }
    }

    /// Whether candidate `i` is present and not a repeat of an earlier one.
    const fn first_occurrence(
        explicit: &[&'static str],
        types: &[Option<&'static str>],
        i: usize,
    ) -> Option<&'static str> {
        let Some(name) = candidate(explicit, types, i) else {
            return None;
        };
        let mut j = 0;
        while j < i {
            if let Some(prev) = candidate(explicit, types, j)
                && str_eq(prev, name)
            {
                return None;
            }
            j += 1;
        }
        Some(name)
    }

    /// How many distinct extensions a table needs: the declared ones and those of its
    /// column types (`TypeInfo::extension`).
    pub const fn extension_count(
        explicit: &[&'static str],
        types: &[Option<&'static str>],
    ) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < explicit.len() + types.len() {
            if first_occurrence(explicit, types, i).is_some() {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The distinct extensions a table needs, declared ones first; `N` is
    /// [`extension_count`].
    pub const fn extensions<const N: usize>(
        explicit: &[&'static str],
        types: &[Option<&'static str>],
    ) -> [&'static str; N] {
        let mut out = [""; N];
        let mut n = 0;
        let mut i = 0;
        while i < explicit.len() + types.len() && n < N {
            if let Some(name) = first_occurrence(explicit, types, i) {
                out[n] = name;
                n += 1;
            }
            i += 1;
        }
        out
    }

    /// Whether a `#[mapped(sql_type = "..")]` override fits the field's SQL type `info`:
    /// known type names (and their aliases, `VARCHAR(80)` for TEXT, `TIMESTAMP(3)` for
    /// TIMESTAMP, `INT4` for INTEGER, ..) must name the same type with the same array
    /// dimensions; names it does not know (domains, extension types) are accepted. The derive
    /// evaluates it in a `const` assertion, so a mismatch is a compile error.
    pub const fn ddl_type_fits(info: crate::types::TypeInfo, sql: &str) -> bool {
        let b = sql.as_bytes();
        // The base name: up to `(` or `[`, trimmed.
        let mut end = 0;
        while end < b.len() && b[end] != b'(' && b[end] != b'[' {
            end += 1;
        }
        let mut start = 0;
        while start < end && b[start] == b' ' {
            start += 1;
        }
        let mut stop = end;
        while stop > start && b[stop - 1] == b' ' {
            stop -= 1;
        }
        // Array dimensions: `[]` pairs, or a trailing ` ARRAY`.
        let mut dims = 0u8;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'[' {
                dims += 1;
            }
            i += 1;
        }
        let (base_start, base_stop) = (start, stop);
        let canonical = canonical_type(b, base_start, base_stop);
        match canonical {
            Some(name) => {
                let mapped = canonical_type(info.name.as_bytes(), 0, info.name.len());
                let same = match mapped {
                    Some(m) => {
                        bytes_eq(m.as_bytes(), name.as_bytes())
                            || (bytes_eq(m.as_bytes(), b"TEXT")
                                && bytes_eq(name.as_bytes(), b"CITEXT"))
                            || (bytes_eq(m.as_bytes(), b"CITEXT")
                                && bytes_eq(name.as_bytes(), b"TEXT"))
                            // A JSONB value type (`serde_json::Value`, `Json<T>`,
                            // `MutableJson<T>`) reads and binds JSON as well.
                            || (bytes_eq(m.as_bytes(), b"JSONB")
                                && bytes_eq(name.as_bytes(), b"JSON"))
                    }
                    None => true,
                };
                same && dims == info.dims
            }
            None => true,
        }
    }

    const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if !a[i].eq_ignore_ascii_case(&b[i]) {
                return false;
            }
            i += 1;
        }
        true
    }

    const fn slice_eq(b: &[u8], start: usize, stop: usize, name: &str) -> bool {
        let n = name.as_bytes();
        if stop - start != n.len() {
            return false;
        }
        let mut i = 0;
        while i < n.len() {
            if b[start + i].to_ascii_uppercase() != n[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The canonical name of a built-in type name or alias, `None` when unknown.
    const fn canonical_type(b: &[u8], start: usize, stop: usize) -> Option<&'static str> {
        const NAMES: &[(&str, &str)] = &[
            ("SMALLINT", "SMALLINT"),
            ("INT2", "SMALLINT"),
            ("INTEGER", "INTEGER"),
            ("INT", "INTEGER"),
            ("INT4", "INTEGER"),
            ("BIGINT", "BIGINT"),
            ("INT8", "BIGINT"),
            ("REAL", "REAL"),
            ("FLOAT4", "REAL"),
            ("DOUBLE PRECISION", "DOUBLE PRECISION"),
            ("FLOAT8", "DOUBLE PRECISION"),
            ("FLOAT", "DOUBLE PRECISION"),
            ("NUMERIC", "NUMERIC"),
            ("DECIMAL", "NUMERIC"),
            ("TEXT", "TEXT"),
            ("VARCHAR", "TEXT"),
            ("CHARACTER VARYING", "TEXT"),
            ("CHAR", "TEXT"),
            ("CHARACTER", "TEXT"),
            ("BPCHAR", "TEXT"),
            ("NAME", "TEXT"),
            ("CITEXT", "CITEXT"),
            ("BOOLEAN", "BOOLEAN"),
            ("BOOL", "BOOLEAN"),
            ("BYTEA", "BYTEA"),
            ("DATE", "DATE"),
            ("TIME", "TIME"),
            ("TIME WITHOUT TIME ZONE", "TIME"),
            ("TIMESTAMP", "TIMESTAMP"),
            ("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP"),
            ("TIMESTAMPTZ", "TIMESTAMPTZ"),
            ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"),
            ("INTERVAL", "INTERVAL"),
            ("UUID", "UUID"),
            ("JSON", "JSON"),
            ("JSONB", "JSONB"),
            ("INET", "INET"),
            ("OID", "OID"),
            ("HSTORE", "HSTORE"),
            ("CIDR", "CIDR"),
            ("MACADDR", "MACADDR"),
            ("MACADDR8", "MACADDR8"),
            ("MONEY", "MONEY"),
            ("TIMETZ", "TIMETZ"),
            ("TIME WITH TIME ZONE", "TIMETZ"),
            // BIT(n) and VARBIT hold the same bit strings (`PgBits`); the length is DDL only.
            ("BIT", "VARBIT"),
            ("VARBIT", "VARBIT"),
            ("BIT VARYING", "VARBIT"),
            ("TSVECTOR", "TSVECTOR"),
            ("TSQUERY", "TSQUERY"),
            ("JSONPATH", "JSONPATH"),
            ("XML", "XML"),
            ("REGCLASS", "REGCLASS"),
            ("REGCONFIG", "REGCONFIG"),
        ];
        let mut i = 0;
        while i < NAMES.len() {
            if slice_eq(b, start, stop, NAMES[i].0) {
                return Some(NAMES[i].1);
            }
            i += 1;
        }
        None
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn extensions_are_distinct_declared_first() {
            const E: &[&str] = &["btree_gist", "hstore"];
            const T: &[Option<&str>] = &[None, Some("hstore"), Some("citext"), Some("citext")];
            const N: usize = extension_count(E, T);
            const X: [&str; N] = extensions(E, T);
            assert_eq!(X, ["btree_gist", "hstore", "citext"]);
            assert_eq!(extension_count(&[], &[None]), 0);
        }
    }
}
