//! JSON and JSONB operators and functions.
//!
//! Both types: `->` ([`JsonExt::get`], [`JsonExt::get_index`]), `->>` ([`JsonExt::get_text`],
//! [`JsonExt::get_index_text`]), `#>` and `#>>` ([`JsonExt::get_path`],
//! [`JsonExt::get_path_text`]). JSONB only ([`JsonbExt`]): `@>`, `<@`, `?`, `?|`, `?&`, `||`,
//! `-` (key, index, keys), `#-`, `@?`, `@@`, and `jsonb_set`, `jsonb_insert`, `jsonb_typeof`,
//! `jsonb_array_length`, `jsonb_path_query*`. Free functions build objects
//! ([`jsonb_build_object`]), aggregate ([`jsonb_agg`]) and expand JSON in FROM
//! ([`jsonb_each`], [`jsonb_array_elements`], ..).
//!
//! Keys and indexes are bound with their type (`-> $1::TEXT`, `-> $1::INTEGER`), because
//! `->` and `-` are overloaded for text and integer right operands. JSON array indexes are
//! **0-based** (PostgreSQL's JSON convention, unlike SQL arrays); a negative index counts
//! from the end. A missing key or index gives SQL NULL, so the accessors are nullable.
//!
//! `?`, `?|` and `?&` are written as they are: parameters are `$n`, so a `?` in the SQL
//! text is never taken for a placeholder.
//!
//! SQL NULL and JSON `null` stay distinct: an `Option<serde_json::Value>` column stores
//! `None` as SQL NULL and `Some(Value::Null)` as the JSON value `null`.

use std::borrow::Cow;
use std::marker::PhantomData;

use super::{Aggregate, AsExpression, Expr, Expression, Node, typed_param};
use crate::query::{TableFn, table_fn};
use crate::scope::{Both, NoTable};
use crate::types::{
    Array, Bool, Int4, JsonType, Jsonb, JsonbType, Jsonpath, Nullable, SqlType, Text,
};

type BaseJson<E> = <<E as Expression>::SqlType as JsonType>::Base;
type NullAs<E, T> = <<E as Expression>::SqlType as JsonType>::NullAs<T>;

fn typed<ST: SqlType>(node: Node) -> Node {
    typed_param(node, ST::TYPE)
}

/// Operators of JSON and JSONB expressions. In the prelude.
pub trait JsonExt: Expression
where
    Self::SqlType: JsonType,
{
    /// `self -> key`: the member's value, NULL when absent.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = select(doc.get("a").get("b")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."doc" -> $1::TEXT -> $2::TEXT"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "t"."doc" -> 'a'::TEXT -> 'b'::TEXT"#);
    /// ```
    fn get<K: AsExpression<Text>>(
        self,
        key: K,
    ) -> Expr<Nullable<BaseJson<Self>>, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary(
            "->",
            self.into_node(),
            typed::<Text>(key.into_node()),
        ))
    }
    /// `self -> index`: the array element at a 0-based index (negative: from the end).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Json>("t", "doc");
    /// let sql = select(doc.get_index(0)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."doc" -> $1::INTEGER"#);
    /// ```
    fn get_index<I: AsExpression<Int4>>(
        self,
        index: I,
    ) -> Expr<Nullable<BaseJson<Self>>, Both<Self::Tables, I::Tables>> {
        Expr::from_node(Node::binary(
            "->",
            self.into_node(),
            typed::<Int4>(index.into_node()),
        ))
    }
    /// `self ->> key`: the member's value as text (a JSON string unquoted), NULL when absent
    /// or JSON `null`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.get_text("name").eq("Ann").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" ->> $1::TEXT = $2"#);
    /// ```
    fn get_text<K: AsExpression<Text>>(
        self,
        key: K,
    ) -> Expr<Nullable<Text>, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary(
            "->>",
            self.into_node(),
            typed::<Text>(key.into_node()),
        ))
    }
    /// `self ->> index`: the array element as text.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = select(doc.get_index_text(-1)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."doc" ->> $1::INTEGER"#);
    /// ```
    fn get_index_text<I: AsExpression<Int4>>(
        self,
        index: I,
    ) -> Expr<Nullable<Text>, Both<Self::Tables, I::Tables>> {
        Expr::from_node(Node::binary(
            "->>",
            self.into_node(),
            typed::<Int4>(index.into_node()),
        ))
    }
    /// `self #> path`: the value at a path of keys and (0-based) indexes, given as text.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = select(doc.get_path(vec!["a", "0", "b"])).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."doc" #> $1"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn get_path<P: AsExpression<Array<Text>>>(
        self,
        path: P,
    ) -> Expr<Nullable<BaseJson<Self>>, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::binary("#>", self.into_node(), path.into_node()))
    }
    /// `self #>> path`: the value at a path, as text.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.get_path_text(vec!["a", "b"]).eq("x").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" #>> $1 = $2"#);
    /// ```
    fn get_path_text<P: AsExpression<Array<Text>>>(
        self,
        path: P,
    ) -> Expr<Nullable<Text>, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::binary("#>>", self.into_node(), path.into_node()))
    }
}

impl<E: Expression> JsonExt for E where E::SqlType: JsonType {}

/// Operators and functions of JSONB expressions. In the prelude.
pub trait JsonbExt: Expression
where
    Self::SqlType: JsonbType,
{
    /// `self @> other`: `other`'s structure and values are in `self` (GIN-indexable).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.contains(alias_col::<Jsonb>("p", "patch")).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" @> "p"."patch""#);
    /// ```
    fn contains<R: AsExpression<Jsonb>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("@>", self.into_node(), other.into_node()))
    }
    /// `self <@ other`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.contained_by(alias_col::<Jsonb>("p", "patch")).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" <@ "p"."patch""#);
    /// ```
    fn contained_by<R: AsExpression<Jsonb>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("<@", self.into_node(), other.into_node()))
    }
    /// `self ? key`: a top-level key (or array string element) exists.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.has_key("a").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" ? $1"#);
    /// ```
    fn has_key<K: AsExpression<Text>>(self, key: K) -> Expr<Bool, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary("?", self.into_node(), key.into_node()))
    }
    /// `self ?| keys`: any of the keys exists.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.has_any_key(vec!["a", "b"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" ?| $1"#);
    /// ```
    fn has_any_key<K: AsExpression<Array<Text>>>(
        self,
        keys: K,
    ) -> Expr<Bool, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary("?|", self.into_node(), keys.into_node()))
    }
    /// `self ?& keys`: all of the keys exist.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.has_all_keys(vec!["a", "b"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" ?& $1"#);
    /// ```
    fn has_all_keys<K: AsExpression<Array<Text>>>(
        self,
        keys: K,
    ) -> Expr<Bool, Both<Self::Tables, K::Tables>> {
        Expr::from_node(Node::binary("?&", self.into_node(), keys.into_node()))
    }
    /// `self || other`: objects merged (right wins, not recursively), arrays concatenated.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.concat_jsonb(alias_col::<Jsonb>("p", "patch")).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" || "p"."patch""#);
    /// ```
    fn concat_jsonb<R: AsExpression<Jsonb>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("||", self.into_node(), other.into_node()))
    }
    /// `self - key`: the object without that key (array: without string elements equal to it).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.remove_key("a").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" - $1::TEXT"#);
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
    /// `self - keys`: the object without those keys.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.remove_keys(vec!["a", "b"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" - $1::TEXT[]"#);
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
    /// `self - index`: the array without the element at a 0-based index.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.remove_index(0).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" - $1::INTEGER"#);
    /// ```
    fn remove_index<I: AsExpression<Int4>>(
        self,
        index: I,
    ) -> Expr<Self::SqlType, Both<Self::Tables, I::Tables>> {
        Expr::from_node(Node::binary(
            "-",
            self.into_node(),
            typed::<Int4>(index.into_node()),
        ))
    }
    /// `self #- path`: the value without the element at a path.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.remove_path(vec!["a", "0"]).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" #- $1"#);
    /// ```
    fn remove_path<P: AsExpression<Array<Text>>>(
        self,
        path: P,
    ) -> Expr<Self::SqlType, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::binary("#-", self.into_node(), path.into_node()))
    }
    /// `self @? path`: the JSONPATH returns an item.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.path_exists("$.tags[*] ? (@ == \"x\")").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" @? $1"#);
    /// ```
    fn path_exists<P: AsExpression<Jsonpath>>(
        self,
        path: P,
    ) -> Expr<Bool, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::binary("@?", self.into_node(), path.into_node()))
    }
    /// `self @@ predicate`: the JSONPATH predicate's result (only its first item counts).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.path_match("$.n > 2").into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""t"."doc" @@ $1"#);
    /// ```
    fn path_match<P: AsExpression<Jsonpath>>(
        self,
        path: P,
    ) -> Expr<Bool, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::binary("@@", self.into_node(), path.into_node()))
    }
    /// `jsonb_set(self, path, value)`: the value with the item at `path` replaced (or added,
    /// when its parent exists).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.jsonb_set(vec!["a", "b"], alias_col::<Jsonb>("p", "patch")).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"jsonb_set("t"."doc", $1::TEXT[], "p"."patch")"#);
    /// ```
    fn jsonb_set<P, V>(
        self,
        path: P,
        value: V,
    ) -> Expr<Self::SqlType, Both<Self::Tables, Both<P::Tables, V::Tables>>>
    where
        P: AsExpression<Array<Text>>,
        V: AsExpression<Jsonb>,
    {
        Expr::from_node(Node::func(
            "jsonb_set",
            vec![
                self.into_node(),
                typed::<Array<Text>>(path.into_node()),
                typed::<Jsonb>(value.into_node()),
            ],
        ))
    }
    /// `jsonb_insert(self, path, value)`: inserts into an array before the element at
    /// `path` (or adds an object key that does not exist yet).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = doc.jsonb_insert(vec!["tags", "0"], alias_col::<Jsonb>("p", "patch")).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"jsonb_insert("t"."doc", $1::TEXT[], "p"."patch")"#);
    /// ```
    fn jsonb_insert<P, V>(
        self,
        path: P,
        value: V,
    ) -> Expr<Self::SqlType, Both<Self::Tables, Both<P::Tables, V::Tables>>>
    where
        P: AsExpression<Array<Text>>,
        V: AsExpression<Jsonb>,
    {
        Expr::from_node(Node::func(
            "jsonb_insert",
            vec![
                self.into_node(),
                typed::<Array<Text>>(path.into_node()),
                typed::<Jsonb>(value.into_node()),
            ],
        ))
    }
    /// `jsonb_typeof(self)`: `object`, `array`, `string`, `number`, `boolean` or `null`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// assert_eq!(select(doc.jsonb_typeof()).to_sql().sql(), r#"SELECT jsonb_typeof("t"."doc")"#);
    /// ```
    fn jsonb_typeof(self) -> Expr<NullAs<Self, Text>, Self::Tables> {
        Expr::from_node(Node::func("jsonb_typeof", vec![self.into_node()]))
    }
    /// `jsonb_array_length(self)` (an error for a non-array).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// assert_eq!(select(doc.jsonb_array_length()).to_sql().sql(), r#"SELECT jsonb_array_length("t"."doc")"#);
    /// ```
    fn jsonb_array_length(self) -> Expr<NullAs<Self, Int4>, Self::Tables> {
        Expr::from_node(Node::func("jsonb_array_length", vec![self.into_node()]))
    }
    /// `jsonb_path_query(self, path)` in a select list: one row per item the path returns.
    /// For FROM, see [`jsonb_path_query_table`].
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = select(doc.jsonb_path_query("$.tags[*]")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT jsonb_path_query("t"."doc", $1::JSONPATH)"#);
    /// ```
    fn jsonb_path_query<P: AsExpression<Jsonpath>>(
        self,
        path: P,
    ) -> Expr<Jsonb, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::func(
            "jsonb_path_query",
            vec![self.into_node(), typed::<Jsonpath>(path.into_node())],
        ))
    }
    /// `jsonb_path_query_array(self, path)`: the items as one JSON array.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = select(doc.jsonb_path_query_array("$.a.id")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT jsonb_path_query_array("t"."doc", $1::JSONPATH)"#);
    /// ```
    fn jsonb_path_query_array<P: AsExpression<Jsonpath>>(
        self,
        path: P,
    ) -> Expr<NullAs<Self, Jsonb>, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::func(
            "jsonb_path_query_array",
            vec![self.into_node(), typed::<Jsonpath>(path.into_node())],
        ))
    }
    /// `jsonb_path_query_first(self, path)`: the first item, NULL when none.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let sql = select(doc.jsonb_path_query_first("$.a")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT jsonb_path_query_first("t"."doc", $1::JSONPATH)"#);
    /// ```
    fn jsonb_path_query_first<P: AsExpression<Jsonpath>>(
        self,
        path: P,
    ) -> Expr<Nullable<Jsonb>, Both<Self::Tables, P::Tables>> {
        Expr::from_node(Node::func(
            "jsonb_path_query_first",
            vec![self.into_node(), typed::<Jsonpath>(path.into_node())],
        ))
    }
}

impl<E: Expression> JsonbExt for E where E::SqlType: JsonbType {}

/// `jsonb_build_object(k1, v1, ..)`, built with [`JsonbObject::field`]. Keys are bound as
/// `$n::TEXT`, values keep their SQL type (`$n::BIGINT` for a bound value).
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let obj = jsonb_build_object().field("id", Account::ID).field("name", Account::NAME);
/// let sql = select_from::<Account>().select(obj).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT jsonb_build_object($1::TEXT, "accounts"."id", $2::TEXT, "accounts"."name") FROM "accounts""#);
/// ```
pub fn jsonb_build_object() -> JsonbObject<NoTable> {
    JsonbObject {
        args: Vec::new(),
        _marker: PhantomData,
    }
}

/// A `jsonb_build_object(..)` call being built; see [`jsonb_build_object`].
#[derive(Debug, Clone)]
pub struct JsonbObject<S> {
    args: Vec<Node>,
    _marker: PhantomData<fn() -> S>,
}

impl<S> JsonbObject<S> {
    /// Adds `key: value`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(jsonb_build_object().field("n", value::<Int8>(5_i64))).to_sql();
    /// assert_eq!(sql.sql(), "SELECT jsonb_build_object($1::TEXT, $2::BIGINT)");
    /// assert_eq!(sql.debug_sql(), "SELECT jsonb_build_object('n'::TEXT, 5::BIGINT)");
    /// ```
    pub fn field<E: Expression>(
        mut self,
        key: impl Into<String>,
        value: E,
    ) -> JsonbObject<Both<S, E::Tables>> {
        self.args.push(typed::<Text>(Node::bind(key.into())));
        self.args.push(typed_param(
            value.into_node(),
            <E::SqlType as SqlType>::TYPE,
        ));
        JsonbObject {
            args: self.args,
            _marker: PhantomData,
        }
    }
}

impl<S> Expression for JsonbObject<S> {
    type SqlType = Jsonb;
    type Tables = S;
    fn into_node(self) -> Node {
        Node::func("jsonb_build_object", self.args)
    }
}

/// `jsonb_agg(expr)`: the values as a JSON array (NULL over no rows); add `.order_by(..)`.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = select_from::<Account>().select(jsonb_agg(Account::NAME).order_by(Account::ID)).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT jsonb_agg("accounts"."name" ORDER BY "accounts"."id") FROM "accounts""#);
/// ```
pub fn jsonb_agg<E: Expression>(e: E) -> Aggregate<Nullable<Jsonb>, E::Tables> {
    Aggregate::new("jsonb_agg", vec![e.into_node()])
}

/// `to_jsonb(expr)`: any value as JSONB.
///
/// ```
/// # use orm_core::prelude::*;
/// # use orm_core::__doc::*;
/// let sql = select_from::<Account>().select(to_jsonb(Account::BALANCE)).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT to_jsonb("accounts"."balance") FROM "accounts""#);
/// ```
pub fn to_jsonb<E: Expression>(e: E) -> Expr<Jsonb, E::Tables> {
    Expr::from_node(Node::func(
        "to_jsonb",
        vec![typed_param(e.into_node(), <E::SqlType as SqlType>::TYPE)],
    ))
}

/// A JSONPATH value, `$n::JSONPATH`, for functions that take one.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(jsonpath("$.a")).to_sql();
/// assert_eq!(sql.sql(), "SELECT $1::JSONPATH");
/// ```
pub fn jsonpath(path: &str) -> Expr<Jsonpath, NoTable> {
    Expr::from_node(Node::TypeCast {
        expr: Box::new(Node::bind(crate::pg::PgJsonPath::from(path))),
        ty: Cow::Borrowed("JSONPATH"),
    })
}

macro_rules! jsonb_table_fns {
    ($($(#[$m:meta])* $name:ident => $sql:literal;)*) => {$(
        $(#[$m])*
        pub fn $name<E: Expression>(json: E) -> TableFn
        where
            E::SqlType: JsonbType,
        {
            table_fn($sql, (Expr::<Jsonb, NoTable>::from_node(typed::<Jsonb>(json.into_node())),))
        }
    )*};
}

jsonb_table_fns! {
    /// `jsonb_each(json)` in FROM: one row per top-level member, columns `key` (TEXT) and
    /// `value` (JSONB).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let e = jsonb_each(alias_col::<Jsonb>("t", "doc")).alias("e", ["key", "value"]);
    /// let sql = select_from_fn(e.clone()).select((e.col::<Text>("key"), e.col::<Jsonb>("value"))).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "e"."key", "e"."value" FROM jsonb_each("t"."doc") AS "e"("key", "value")"#);
    /// ```
    jsonb_each => "jsonb_each";
    /// `jsonb_each_text(json)` in FROM: columns `key` and `value`, both TEXT.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let doc = alias_col::<Jsonb>("t", "doc");
    /// let e = jsonb_each_text(doc).lateral().alias("e", ["key", "value"]);
    /// let sql = select_from_name("t").cross_join_fn(e.clone()).select(e.col::<Nullable<Text>>("value")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "e"."value" FROM "t" CROSS JOIN LATERAL jsonb_each_text("t"."doc") AS "e"("key", "value")"#);
    /// ```
    jsonb_each_text => "jsonb_each_text";
    /// `jsonb_array_elements(json)` in FROM: one JSONB row per array element.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let e = jsonb_array_elements(alias_col::<Jsonb>("t", "doc")).alias("e", ["v"]);
    /// let sql = select_from_fn(e.clone()).select(e.col::<Jsonb>("v")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "e"."v" FROM jsonb_array_elements("t"."doc") AS "e"("v")"#);
    /// ```
    jsonb_array_elements => "jsonb_array_elements";
    /// `jsonb_array_elements_text(json)` in FROM: one TEXT row per array element.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let e = jsonb_array_elements_text(alias_col::<Jsonb>("t", "doc")).alias("e", ["v"]);
    /// let sql = select_from_fn(e.clone()).select(e.col::<Nullable<Text>>("v")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "e"."v" FROM jsonb_array_elements_text("t"."doc") AS "e"("v")"#);
    /// ```
    jsonb_array_elements_text => "jsonb_array_elements_text";
    /// `jsonb_object_keys(json)` in FROM: one TEXT row per top-level key.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let e = jsonb_object_keys(alias_col::<Jsonb>("t", "doc")).alias("k", ["key"]);
    /// let sql = select_from_fn(e.clone()).select(e.col::<Text>("key")).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "k"."key" FROM jsonb_object_keys("t"."doc") AS "k"("key")"#);
    /// ```
    jsonb_object_keys => "jsonb_object_keys";
}

/// `jsonb_path_query(json, path)` in FROM: one JSONB row per item.
///
/// ```
/// # use orm_core::prelude::*;
/// let q = jsonb_path_query_table(alias_col::<Jsonb>("t", "doc"), "$.a[*]").alias("q", ["v"]);
/// let sql = select_from_fn(q.clone()).select(q.col::<Jsonb>("v")).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT "q"."v" FROM jsonb_path_query("t"."doc", $1::JSONPATH) AS "q"("v")"#);
/// ```
pub fn jsonb_path_query_table<E, P>(json: E, path: P) -> TableFn
where
    E: Expression,
    E::SqlType: JsonbType,
    P: AsExpression<Jsonpath>,
{
    table_fn(
        "jsonb_path_query",
        (
            Expr::<Jsonb, NoTable>::from_node(typed::<Jsonb>(json.into_node())),
            Expr::<Jsonpath, NoTable>::from_node(typed::<Jsonpath>(path.into_node())),
        ),
    )
}

#[cfg(feature = "json")]
mod json_values {
    use super::super::{AsExpression, Node};
    use crate::scope::NoTable;
    use crate::types::{IsNull, Json, NotNull, Nullable};

    // `serde_json::Value` and `Json<T>` also go where a JSON (not JSONB) value is expected.
    macro_rules! json_values {
        ($($v:ty, $null:ty => $st:ty);*) => {$(
            impl<T: serde::Serialize + std::fmt::Debug + Send + Sync + 'static> AsExpression<$st> for $v {
                type Tables = NoTable;
                type Null = $null;
                fn into_node(self) -> Node {
                    Node::bind(self)
                }
            }
        )*};
    }
    json_values!(
        postgres_types::Json<T>, NotNull => Json;
        postgres_types::Json<T>, NotNull => Nullable<Json>;
        Option<postgres_types::Json<T>>, IsNull => Nullable<Json>
    );
    impl AsExpression<Json> for serde_json::Value {
        type Tables = NoTable;
        type Null = NotNull;
        fn into_node(self) -> Node {
            Node::bind(self)
        }
    }
    impl AsExpression<Nullable<Json>> for serde_json::Value {
        type Tables = NoTable;
        type Null = NotNull;
        fn into_node(self) -> Node {
            Node::bind(self)
        }
    }
    impl AsExpression<Nullable<Json>> for Option<serde_json::Value> {
        type Tables = NoTable;
        type Null = IsNull;
        fn into_node(self) -> Node {
            Node::bind(self)
        }
    }
}
