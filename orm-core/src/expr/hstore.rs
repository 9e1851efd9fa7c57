//! HSTORE operators and functions (the `hstore` extension): `->`, `?`, `?&`, `?|`, `@>`,
//! `<@`, `||`, `-` (key, keys, pairs), `defined`, `exist`, `delete`, `slice`, `akeys`,
//! `avals`, `skeys`, `svals`, `each`, `hstore_to_array`, `hstore_to_matrix`,
//! `hstore_to_json[b]`, and the `hstore(..)` constructors.
//!
//! The Rust value is `HashMap<String, Option<String>>`, or [`PgHstore`](crate::pg::PgHstore)
//! for a map ordered by key (a `None` value is an SQL NULL value under that key). The type's OID differs per database, as for every extension type;
//! the driver looks it up by name (`hstore`) once per connection, as psycopg2's
//! `register_hstore` does.

use super::{AsExpression, Expr, Expression, Node, typed_param};
use crate::query::{TableFn, table_fn};
use crate::scope::Both;
use crate::types::{Array, Bool, Hstore, HstoreType, Json, Jsonb, Nullable, SqlType, Text};

type NullAs<E, T> = <<E as Expression>::SqlType as HstoreType>::NullAs<T>;

fn typed<ST: SqlType>(node: Node) -> Node {
    typed_param(node, ST::TYPE)
}

/// Operators and functions of HSTORE expressions. In the prelude.
pub trait HstoreExt: Expression
where
    Self::SqlType: HstoreType,
{
    /// `self -> key`: the value, NULL when the key is absent (or its value is NULL).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// let sql = attrs.get("color").eq("red").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."attrs" -> $1::TEXT = $2"#);
    /// ```
    fn get<K: AsExpression<Text>>(
        self,
        key: K,
    ) -> Expr<Nullable<Text>, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary(
            "->",
            self.into_node(),
            typed::<Text>(key.into_node()),
        ))
    }
    /// `self -> keys`: the values of several keys, in order (NULL for absent ones).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// let sql = select(attrs.get_values(vec!["a", "b"])).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."attrs" -> $1::TEXT[]"#);
    /// ```
    fn get_values<K: AsExpression<Array<Text>>>(
        self,
        keys: K,
    ) -> Expr<NullAs<Self, Array<Nullable<Text>>>, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary(
            "->",
            self.into_node(),
            typed::<Array<Text>>(keys.into_node()),
        ))
    }
    /// `self ? key`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.has_key("a").into_expr().to_sql().sql(), r#""t"."attrs" ? $1"#);
    /// ```
    fn has_key<K: AsExpression<Text>>(self, key: K) -> Expr<Bool, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary("?", self.into_node(), key.into_node()))
    }
    /// `self ?& keys`: all keys present.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.has_all_keys(vec!["a", "b"]).into_expr().to_sql().sql(), r#""t"."attrs" ?& $1"#);
    /// ```
    fn has_all_keys<K: AsExpression<Array<Text>>>(
        self,
        keys: K,
    ) -> Expr<Bool, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary("?&", self.into_node(), keys.into_node()))
    }
    /// `self ?| keys`: any key present.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.has_any_key(vec!["a", "b"]).into_expr().to_sql().sql(), r#""t"."attrs" ?| $1"#);
    /// ```
    fn has_any_key<K: AsExpression<Array<Text>>>(
        self,
        keys: K,
    ) -> Expr<Bool, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary("?|", self.into_node(), keys.into_node()))
    }
    /// `self @> other`: every pair of `other` is in `self`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.contains(hstore("a", "1")).into_expr().to_sql().sql(), r#""t"."attrs" @> hstore($1::TEXT, $2::TEXT)"#);
    /// ```
    fn contains<R: AsExpression<Hstore>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("@>", self.into_node(), other.into_node()))
    }
    /// `self <@ other`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.contained_by(alias_col::<Hstore>("t", "all")).into_expr().to_sql().sql(), r#""t"."attrs" <@ "t"."all""#);
    /// ```
    fn contained_by<R: AsExpression<Hstore>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("<@", self.into_node(), other.into_node()))
    }
    /// `self || other`: the pairs of both, `other` winning on equal keys.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.concat_hstore(hstore("a", "1")).into_expr().to_sql().sql(), r#""t"."attrs" || hstore($1::TEXT, $2::TEXT)"#);
    /// ```
    fn concat_hstore<R: AsExpression<Hstore>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("||", self.into_node(), other.into_node()))
    }
    /// `self - key`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.remove_key("a").into_expr().to_sql().sql(), r#""t"."attrs" - $1::TEXT"#);
    /// ```
    fn remove_key<K: AsExpression<Text>>(
        self,
        key: K,
    ) -> Expr<Self::SqlType, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary(
            "-",
            self.into_node(),
            typed::<Text>(key.into_node()),
        ))
    }
    /// `self - keys`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.remove_keys(vec!["a"]).into_expr().to_sql().sql(), r#""t"."attrs" - $1::TEXT[]"#);
    /// ```
    fn remove_keys<K: AsExpression<Array<Text>>>(
        self,
        keys: K,
    ) -> Expr<Self::SqlType, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary(
            "-",
            self.into_node(),
            typed::<Array<Text>>(keys.into_node()),
        ))
    }
    /// `self - pairs`: removes the pairs whose key *and* value match.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.remove_pairs(hstore("a", "1")).into_expr().to_sql().sql(), r#""t"."attrs" - hstore($1::TEXT, $2::TEXT)"#);
    /// ```
    fn remove_pairs<R: AsExpression<Hstore>>(
        self,
        pairs: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(
            "-",
            self.into_node(),
            typed::<Hstore>(pairs.into_node()),
        ))
    }
    /// `defined(self, key)`: the key is present with a non-NULL value.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.defined("a").into_expr().to_sql().sql(), r#"defined("t"."attrs", $1::TEXT)"#);
    /// ```
    fn defined<K: AsExpression<Text>>(
        self,
        key: K,
    ) -> Expr<NullAs<Self, Bool>, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::func(
            "defined",
            vec![self.into_node(), typed::<Text>(key.into_node())],
        ))
    }
    /// `exist(self, key)`: the function form of `?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.exist("a").into_expr().to_sql().sql(), r#"exist("t"."attrs", $1::TEXT)"#);
    /// ```
    fn exist<K: AsExpression<Text>>(
        self,
        key: K,
    ) -> Expr<NullAs<Self, Bool>, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::func(
            "exist",
            vec![self.into_node(), typed::<Text>(key.into_node())],
        ))
    }
    /// `delete(self, key)`: the function form of `- key`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.delete("a").into_expr().to_sql().sql(), r#"delete("t"."attrs", $1::TEXT)"#);
    /// ```
    fn delete<K: AsExpression<Text>>(
        self,
        key: K,
    ) -> Expr<Self::SqlType, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::func(
            "delete",
            vec![self.into_node(), typed::<Text>(key.into_node())],
        ))
    }
    /// `slice(self, keys)`: only those keys.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(attrs.slice(vec!["a"]).into_expr().to_sql().sql(), r#"slice("t"."attrs", $1::TEXT[])"#);
    /// ```
    fn slice<K: AsExpression<Array<Text>>>(
        self,
        keys: K,
    ) -> Expr<Self::SqlType, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::func(
            "slice",
            vec![self.into_node(), typed::<Array<Text>>(keys.into_node())],
        ))
    }
    /// `akeys(self)`: the keys as an array.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.akeys()).to_sql().sql(), r#"SELECT akeys("t"."attrs")"#);
    /// ```
    fn akeys(self) -> Expr<NullAs<Self, Array<Text>>, Self::Tables> {
        Expr::from_node(Node::func("akeys", vec![self.into_node()]))
    }
    /// `avals(self)`: the values as an array (elements may be NULL).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.avals()).to_sql().sql(), r#"SELECT avals("t"."attrs")"#);
    /// ```
    fn avals(self) -> Expr<NullAs<Self, Array<Nullable<Text>>>, Self::Tables> {
        Expr::from_node(Node::func("avals", vec![self.into_node()]))
    }
    /// `skeys(self)` in a select list: one row per key.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.skeys()).to_sql().sql(), r#"SELECT skeys("t"."attrs")"#);
    /// ```
    fn skeys(self) -> Expr<Text, Self::Tables> {
        Expr::from_node(Node::func("skeys", vec![self.into_node()]))
    }
    /// `svals(self)` in a select list: one row per value.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.svals()).to_sql().sql(), r#"SELECT svals("t"."attrs")"#);
    /// ```
    fn svals(self) -> Expr<Nullable<Text>, Self::Tables> {
        Expr::from_node(Node::func("svals", vec![self.into_node()]))
    }
    /// `hstore_to_array(self)`: keys and values alternating.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.hstore_to_array()).to_sql().sql(), r#"SELECT hstore_to_array("t"."attrs")"#);
    /// ```
    fn hstore_to_array(self) -> Expr<NullAs<Self, Array<Nullable<Text>>>, Self::Tables> {
        Expr::from_node(Node::func("hstore_to_array", vec![self.into_node()]))
    }
    /// `hstore_to_matrix(self)`: a two-dimensional array of `{key, value}` pairs; decodes into
    /// `Vec<Vec<Option<String>>>`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.hstore_to_matrix()).to_sql().sql(), r#"SELECT hstore_to_matrix("t"."attrs")"#);
    /// ```
    fn hstore_to_matrix(self) -> Expr<NullAs<Self, Array<Array<Nullable<Text>>>>, Self::Tables> {
        Expr::from_node(Node::func("hstore_to_matrix", vec![self.into_node()]))
    }
    /// `hstore_to_json(self)`: a JSON object of strings (and nulls).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.hstore_to_json()).to_sql().sql(), r#"SELECT hstore_to_json("t"."attrs")"#);
    /// ```
    fn hstore_to_json(self) -> Expr<NullAs<Self, Json>, Self::Tables> {
        Expr::from_node(Node::func("hstore_to_json", vec![self.into_node()]))
    }
    /// `hstore_to_jsonb(self)`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let attrs = alias_col::<Hstore>("t", "attrs");
    /// assert_eq!(select(attrs.hstore_to_jsonb()).to_sql().sql(), r#"SELECT hstore_to_jsonb("t"."attrs")"#);
    /// ```
    fn hstore_to_jsonb(self) -> Expr<NullAs<Self, Jsonb>, Self::Tables> {
        Expr::from_node(Node::func("hstore_to_jsonb", vec![self.into_node()]))
    }
}

impl<E: Expression> HstoreExt for E where E::SqlType: HstoreType {}

/// `hstore(key, value)`: a one-pair hstore.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(hstore("key1", "value1")).to_sql();
/// assert_eq!(sql.sql(), "SELECT hstore($1::TEXT, $2::TEXT)");
/// assert_eq!(sql.debug_sql(), "SELECT hstore('key1'::TEXT, 'value1'::TEXT)");
/// ```
pub fn hstore<K, V>(key: K, value: V) -> Expr<Hstore, Both<K::Tables, V::Tables>>
where
    K: AsExpression<Text>,
    V: AsExpression<Nullable<Text>>,
{
    Expr::from_node(Node::func(
        "hstore",
        vec![
            typed::<Text>(key.into_node()),
            typed::<Text>(value.into_node()),
        ],
    ))
}

/// `hstore(keys, values)`: from two arrays of the same length.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(hstore_from_arrays(vec!["a", "b"], vec!["1", "2"])).to_sql();
/// assert_eq!(sql.sql(), "SELECT hstore($1::TEXT[], $2::TEXT[])");
/// ```
pub fn hstore_from_arrays<K, V>(keys: K, values: V) -> Expr<Hstore, Both<K::Tables, V::Tables>>
where
    K: AsExpression<Array<Text>>,
    V: AsExpression<Array<Text>>,
{
    Expr::from_node(Node::func(
        "hstore",
        vec![
            typed::<Array<Text>>(keys.into_node()),
            typed::<Array<Text>>(values.into_node()),
        ],
    ))
}

/// `each(hstore)` in FROM: one row per pair, columns `key` (TEXT) and `value` (TEXT, may be
/// NULL).
///
/// ```
/// # use orm_core::prelude::*;
/// let e = hstore_each(hstore("a", "1")).alias("e", ["key", "value"]);
/// let sql = select_from_fn(e.clone()).select((e.col::<Text>("key"), e.col::<Nullable<Text>>("value"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT "e"."key", "e"."value" FROM each(hstore($1::TEXT, $2::TEXT)) AS "e"("key", "value")"#);
/// ```
pub fn hstore_each<E: Expression>(h: E) -> TableFn
where
    E::SqlType: HstoreType,
{
    table_fn("each", (h,))
}
