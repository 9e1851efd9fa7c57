//! Full-text search: `to_tsvector`, `to_tsquery`, `plainto_tsquery`, `phraseto_tsquery`,
//! `websearch_to_tsquery` (with a configuration, or the `*_default` forms using
//! `default_text_search_config`), `ts_headline` (also with options), `ts_rank` and
//! `ts_rank_cd` (also with weights and normalization), `setweight`, `strip`, `length`, the
//! `@@` match operator, `||` on tsvectors, and `&&`, `||`, `!!`, `numnode`, `querytree` on
//! tsqueries.
//!
//! The configuration argument is a REGCONFIG: pass its name (`"english"`), which is bound
//! as text and cast, `$1::TEXT::REGCONFIG` (values are never inlined), or a
//! [`regconfig`] expression. An expression index must name its configuration in the
//! index expression itself (`to_tsvector('english'::regconfig, body)`), because only the
//! two-argument form is immutable.
//!
//! ```
//! # use orm_core::prelude::*;
//! let body = alias_col::<Text>("d", "body");
//! let doc = to_tsvector("english", body);
//! let q = websearch_to_tsquery("english", "fat cats");
//! let sql = select(ts_rank(doc.clone(), q.clone())).filter(doc.matches(q)).to_sql();
//! assert_eq!(
//!     sql.sql(),
//!     r#"SELECT ts_rank(to_tsvector($1::TEXT::REGCONFIG, "d"."body"), websearch_to_tsquery($2::TEXT::REGCONFIG, $3::TEXT)) WHERE to_tsvector($1::TEXT::REGCONFIG, "d"."body") @@ websearch_to_tsquery($2::TEXT::REGCONFIG, $3::TEXT)"#
//! );
//! ```

use std::borrow::Cow;

use super::{AsExpression, Expr, Expression, Node, typed_param};
use crate::pg::TsWeight;
use crate::scope::{Both, NoTable};
use crate::types::{
    Array, Bool, Float4, Int4, Regclass, Regconfig, SqlType, Text, Tsquery, TsqueryType, Tsvector,
    TsvectorType, WithNull,
};

fn typed<ST: SqlType>(node: Node) -> Node {
    typed_param(node, ST::TYPE)
}

/// `$1::TEXT::REGCONFIG`: a text search configuration by name.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(regconfig("simple")).to_sql();
/// assert_eq!(sql.sql(), "SELECT $1::TEXT::REGCONFIG");
/// assert_eq!(sql.debug_sql(), "SELECT 'simple'::TEXT::REGCONFIG");
/// ```
pub fn regconfig(name: &str) -> Expr<Regconfig, NoTable> {
    Expr::from_node(AsExpression::<Regconfig>::into_node(name))
}

/// `$1::TEXT::REGCLASS`: a table (or other relation) by name, resolved on the server with
/// the `search_path`; read its OID with `.cast::<Oid>()`.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(regclass("public.users").cast::<Oid>()).to_sql();
/// assert_eq!(sql.sql(), "SELECT CAST($1::TEXT::REGCLASS AS OID)");
/// ```
pub fn regclass(name: &str) -> Expr<Regclass, NoTable> {
    Expr::from_node(AsExpression::<Regclass>::into_node(name))
}

/// `to_tsvector(config, document)`; NULL when the document is.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(to_tsvector("english", alias_col::<Text>("d", "body"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT to_tsvector($1::TEXT::REGCONFIG, "d"."body")"#);
/// ```
pub fn to_tsvector<C, D>(
    config: C,
    document: D,
) -> Expr<<D::Null as WithNull<Tsvector>>::Out, Both<C::Tables, D::Tables>>
where
    C: AsExpression<Regconfig>,
    D: AsExpression<Text>,
    D::Null: WithNull<Tsvector>,
{
    Expr::from_node(Node::func(
        "to_tsvector",
        vec![config.into_node(), typed::<Text>(document.into_node())],
    ))
}

/// `to_tsvector(document)` with the session's `default_text_search_config`.
///
/// The one-argument form depends on a setting, so it is not immutable: an expression index
/// needs [`to_tsvector`] with a configuration.
///
/// ```
/// # use orm_core::prelude::*;
/// let sql = select(to_tsvector_default(alias_col::<Text>("d", "body"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT to_tsvector("d"."body")"#);
/// ```
pub fn to_tsvector_default<D>(document: D) -> Expr<<D::Null as WithNull<Tsvector>>::Out, D::Tables>
where
    D: AsExpression<Text>,
    D::Null: WithNull<Tsvector>,
{
    Expr::from_node(Node::func(
        "to_tsvector",
        vec![typed::<Text>(document.into_node())],
    ))
}

macro_rules! query_fns_default {
    ($($(#[$m:meta])* $name:ident => $sql:literal;)*) => {$(
        $(#[$m])*
        pub fn $name<Q>(query: Q) -> Expr<Tsquery, Q::Tables>
        where
            Q: AsExpression<Text>,
        {
            Expr::from_node(Node::func($sql, vec![typed::<Text>(query.into_node())]))
        }
    )*};
}

query_fns_default! {
    /// `to_tsquery(query)` with the session's `default_text_search_config`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(to_tsquery_default("fat & rat")).to_sql();
    /// assert_eq!(sql.sql(), "SELECT to_tsquery($1::TEXT)");
    /// ```
    to_tsquery_default => "to_tsquery";
    /// `plainto_tsquery(text)` with the session's `default_text_search_config`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(plainto_tsquery_default("fat rats")).to_sql();
    /// assert_eq!(sql.sql(), "SELECT plainto_tsquery($1::TEXT)");
    /// ```
    plainto_tsquery_default => "plainto_tsquery";
    /// `phraseto_tsquery(text)` with the session's `default_text_search_config`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(phraseto_tsquery_default("fat rats")).to_sql();
    /// assert_eq!(sql.sql(), "SELECT phraseto_tsquery($1::TEXT)");
    /// ```
    phraseto_tsquery_default => "phraseto_tsquery";
    /// `websearch_to_tsquery(text)` with the session's `default_text_search_config`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(websearch_to_tsquery_default("fat -rat")).to_sql();
    /// assert_eq!(sql.sql(), "SELECT websearch_to_tsquery($1::TEXT)");
    /// ```
    websearch_to_tsquery_default => "websearch_to_tsquery";
}

macro_rules! query_fns {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        pub fn $name<C, Q>(config: C, query: Q) -> Expr<Tsquery, Both<C::Tables, Q::Tables>>
        where
            C: AsExpression<Regconfig>,
            Q: AsExpression<Text>,
        {
            Expr::from_node(Node::func(
                stringify!($name),
                vec![config.into_node(), typed::<Text>(query.into_node())],
            ))
        }
    )*};
}

query_fns! {
    /// `to_tsquery(config, query)`: the query syntax with `&`, `|`, `!`, `<->` (a syntax
    /// error for free text; see [`websearch_to_tsquery`]).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(to_tsquery("english", "fat & rat")).to_sql();
    /// assert_eq!(sql.sql(), "SELECT to_tsquery($1::TEXT::REGCONFIG, $2::TEXT)");
    /// ```
    to_tsquery;
    /// `plainto_tsquery(config, text)`: all words, ANDed.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(plainto_tsquery("english", "fat rats")).to_sql();
    /// assert_eq!(sql.sql(), "SELECT plainto_tsquery($1::TEXT::REGCONFIG, $2::TEXT)");
    /// ```
    plainto_tsquery;
    /// `phraseto_tsquery(config, text)`: the words as a phrase (`<->`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(phraseto_tsquery("english", "fat rats")).to_sql();
    /// assert_eq!(sql.sql(), "SELECT phraseto_tsquery($1::TEXT::REGCONFIG, $2::TEXT)");
    /// ```
    phraseto_tsquery;
    /// `websearch_to_tsquery(config, text)`: search-box syntax (`"quoted phrase"`, `or`,
    /// `-excluded`); never a syntax error, so safe for user input.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let sql = select(websearch_to_tsquery("english", r#""fat rat" or cat -dog"#)).to_sql();
    /// assert_eq!(sql.sql(), "SELECT websearch_to_tsquery($1::TEXT::REGCONFIG, $2::TEXT)");
    /// ```
    websearch_to_tsquery;
}

/// `ts_headline(config, document, query)`: the document with matches marked `<b>..</b>`.
///
/// ```
/// # use orm_core::prelude::*;
/// let body = alias_col::<Text>("d", "body");
/// let sql = select(ts_headline("english", body, to_tsquery("english", "cat"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT ts_headline($1::TEXT::REGCONFIG, "d"."body", to_tsquery($2::TEXT::REGCONFIG, $3::TEXT))"#);
/// ```
pub fn ts_headline<C, D, Q>(
    config: C,
    document: D,
    query: Q,
) -> Expr<<D::Null as WithNull<Text>>::Out, Both<C::Tables, Both<D::Tables, Q::Tables>>>
where
    C: AsExpression<Regconfig>,
    D: AsExpression<Text>,
    D::Null: WithNull<Text>,
    Q: AsExpression<Tsquery>,
{
    Expr::from_node(Node::func(
        "ts_headline",
        vec![
            config.into_node(),
            typed::<Text>(document.into_node()),
            query.into_node(),
        ],
    ))
}

/// `ts_headline(config, document, query, options)`: [`ts_headline`] with options, a
/// comma-separated list bound as text, e.g. `"StartSel=<mark>, StopSel=</mark>, MaxWords=10,
/// MinWords=5"` or `"MaxFragments=2, FragmentDelimiter=' … '"`.
///
/// ```
/// # use orm_core::prelude::*;
/// let body = alias_col::<Text>("d", "body");
/// let q = websearch_to_tsquery("english", "cat");
/// let sql = select(ts_headline_with("english", body, q, "StartSel=<b>, StopSel=</b>")).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT ts_headline($1::TEXT::REGCONFIG, "d"."body", websearch_to_tsquery($2::TEXT::REGCONFIG, $3::TEXT), $4::TEXT)"#);
/// assert_eq!(sql.debug_sql(), r#"SELECT ts_headline('english'::TEXT::REGCONFIG, "d"."body", websearch_to_tsquery('english'::TEXT::REGCONFIG, 'cat'::TEXT), 'StartSel=<b>, StopSel=</b>'::TEXT)"#);
/// ```
pub fn ts_headline_with<C, D, Q, O>(
    config: C,
    document: D,
    query: Q,
    options: O,
) -> Expr<
    <D::Null as WithNull<Text>>::Out,
    Both<C::Tables, Both<D::Tables, Both<Q::Tables, O::Tables>>>,
>
where
    C: AsExpression<Regconfig>,
    D: AsExpression<Text>,
    D::Null: WithNull<Text>,
    Q: AsExpression<Tsquery>,
    O: AsExpression<Text>,
{
    Expr::from_node(Node::func(
        "ts_headline",
        vec![
            config.into_node(),
            typed::<Text>(document.into_node()),
            query.into_node(),
            typed::<Text>(options.into_node()),
        ],
    ))
}

/// The `normalization` argument of [`ts_rank_with`] and [`ts_rank_cd_with`]: how a rank is
/// scaled by the document's length. Combine flags with `|`.
///
/// ```
/// use orm_core::expr::text_search::TsRankNormalization as N;
/// assert_eq!((N::LOG_LENGTH | N::RANK_PLUS_ONE).bits(), 33);
/// assert_eq!(N::default(), N::NONE);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TsRankNormalization(i32);

impl TsRankNormalization {
    /// `0`: the document length is ignored (the default).
    pub const NONE: Self = TsRankNormalization(0);
    /// `1`: divided by 1 + the logarithm of the document length.
    pub const LOG_LENGTH: Self = TsRankNormalization(1);
    /// `2`: divided by the document length.
    pub const LENGTH: Self = TsRankNormalization(2);
    /// `4`: divided by the mean harmonic distance between extents (`ts_rank_cd` only).
    pub const MEAN_HARMONIC_DISTANCE: Self = TsRankNormalization(4);
    /// `8`: divided by the number of unique words in the document.
    pub const UNIQUE_WORDS: Self = TsRankNormalization(8);
    /// `16`: divided by 1 + the logarithm of the number of unique words.
    pub const LOG_UNIQUE_WORDS: Self = TsRankNormalization(16);
    /// `32`: divided by itself + 1, which maps every rank into `0..1`.
    pub const RANK_PLUS_ONE: Self = TsRankNormalization(32);

    /// The flags as PostgreSQL's integer.
    pub const fn bits(self) -> i32 {
        self.0
    }
}

impl std::ops::BitOr for TsRankNormalization {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        TsRankNormalization(self.0 | rhs.0)
    }
}

fn rank_with(
    name: &'static str,
    weights: Node,
    vector: Node,
    query: Node,
    normalization: TsRankNormalization,
) -> Node {
    Node::func(
        name,
        vec![
            typed::<Array<Float4>>(weights),
            vector,
            query,
            typed::<Int4>(Node::bind(normalization.bits())),
        ],
    )
}

/// `ts_rank(weights, vector, query, normalization)`: [`ts_rank`] with the weights of the
/// four position weights in PostgreSQL's order `{D, C, B, A}` (the default is
/// `{0.1, 0.2, 0.4, 1.0}`) and a length [normalization](TsRankNormalization).
///
/// ```
/// # use orm_core::prelude::*;
/// use orm_core::expr::text_search::TsRankNormalization as N;
/// let v = alias_col::<Tsvector>("d", "tsv");
/// let q = plainto_tsquery("english", "cat");
/// let sql = select(ts_rank_with(vec![0.0_f32, 0.0, 0.5, 1.0], v, q, N::LOG_LENGTH | N::RANK_PLUS_ONE)).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT ts_rank($1::REAL[], "d"."tsv", plainto_tsquery($2::TEXT::REGCONFIG, $3::TEXT), $4::INTEGER)"#);
/// assert_eq!(sql.params().len(), 4);
/// ```
pub fn ts_rank_with<W, V, Q>(
    weights: W,
    vector: V,
    query: Q,
    normalization: TsRankNormalization,
) -> Expr<Float4, Both<W::Tables, Both<V::Tables, Q::Tables>>>
where
    W: AsExpression<Array<Float4>>,
    V: AsExpression<Tsvector>,
    Q: AsExpression<Tsquery>,
{
    Expr::from_node(rank_with(
        "ts_rank",
        weights.into_node(),
        vector.into_node(),
        query.into_node(),
        normalization,
    ))
}

/// `ts_rank_cd(weights, vector, query, normalization)`: [`ts_rank_cd`] with weights and a
/// normalization, as [`ts_rank_with`].
///
/// ```
/// # use orm_core::prelude::*;
/// use orm_core::expr::text_search::TsRankNormalization as N;
/// let v = alias_col::<Tsvector>("d", "tsv");
/// let q = plainto_tsquery("english", "cat");
/// let sql = select(ts_rank_cd_with(vec![0.1_f32, 0.2, 0.4, 1.0], v, q, N::MEAN_HARMONIC_DISTANCE)).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT ts_rank_cd($1::REAL[], "d"."tsv", plainto_tsquery($2::TEXT::REGCONFIG, $3::TEXT), $4::INTEGER)"#);
/// ```
pub fn ts_rank_cd_with<W, V, Q>(
    weights: W,
    vector: V,
    query: Q,
    normalization: TsRankNormalization,
) -> Expr<Float4, Both<W::Tables, Both<V::Tables, Q::Tables>>>
where
    W: AsExpression<Array<Float4>>,
    V: AsExpression<Tsvector>,
    Q: AsExpression<Tsquery>,
{
    Expr::from_node(rank_with(
        "ts_rank_cd",
        weights.into_node(),
        vector.into_node(),
        query.into_node(),
        normalization,
    ))
}

/// `ts_rank(vector, query)`: how well the document matches (higher is better).
///
/// ```
/// # use orm_core::prelude::*;
/// let v = alias_col::<Tsvector>("d", "tsv");
/// let sql = select(ts_rank(v, plainto_tsquery("english", "cat"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT ts_rank("d"."tsv", plainto_tsquery($1::TEXT::REGCONFIG, $2::TEXT))"#);
/// ```
pub fn ts_rank<V, Q>(vector: V, query: Q) -> Expr<Float4, Both<V::Tables, Q::Tables>>
where
    V: AsExpression<Tsvector>,
    Q: AsExpression<Tsquery>,
{
    Expr::from_node(Node::func(
        "ts_rank",
        vec![vector.into_node(), query.into_node()],
    ))
}

/// `ts_rank_cd(vector, query)`: cover density ranking (proximity of the matches counts).
///
/// ```
/// # use orm_core::prelude::*;
/// let v = alias_col::<Tsvector>("d", "tsv");
/// let sql = select(ts_rank_cd(v, plainto_tsquery("english", "cat"))).to_sql();
/// assert_eq!(sql.sql(), r#"SELECT ts_rank_cd("d"."tsv", plainto_tsquery($1::TEXT::REGCONFIG, $2::TEXT))"#);
/// ```
pub fn ts_rank_cd<V, Q>(vector: V, query: Q) -> Expr<Float4, Both<V::Tables, Q::Tables>>
where
    V: AsExpression<Tsvector>,
    Q: AsExpression<Tsquery>,
{
    Expr::from_node(Node::func(
        "ts_rank_cd",
        vec![vector.into_node(), query.into_node()],
    ))
}

fn weight_code(w: TsWeight) -> i8 {
    match w {
        TsWeight::A => 65,
        TsWeight::B => 66,
        TsWeight::C => 67,
        TsWeight::D => 68,
    }
}

/// Operators and functions of TSVECTOR expressions. In the prelude.
pub trait TsvectorExt: Expression
where
    Self::SqlType: TsvectorType,
{
    /// `self @@ query`: the document matches.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let v = alias_col::<Tsvector>("d", "tsv");
    /// let sql = v.matches(to_tsquery("simple", "cat")).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#""d"."tsv" @@ to_tsquery($1::TEXT::REGCONFIG, $2::TEXT)"#);
    /// ```
    fn matches<Q: AsExpression<Tsquery>>(
        self,
        query: Q,
    ) -> Expr<Bool, Both<Self::Tables, Q::Tables>> {
        Expr::from_node(Node::binary("@@", self.into_node(), query.into_node()))
    }
    /// `self || other`: both documents, the positions of `other` shifted after `self`'s.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let title = to_tsvector("english", alias_col::<Text>("d", "title")).setweight(TsWeight::A);
    /// let body = to_tsvector("english", alias_col::<Text>("d", "body"));
    /// let sql = select(title.concat_tsvector(body)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT setweight(to_tsvector($1::TEXT::REGCONFIG, "d"."title"), $2::"char") || to_tsvector($3::TEXT::REGCONFIG, "d"."body")"#);
    /// ```
    fn concat_tsvector<R: AsExpression<Tsvector>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("||", self.into_node(), other.into_node()))
    }
    /// `setweight(self, weight)`: every position gets the weight.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let v = alias_col::<Tsvector>("d", "tsv");
    /// assert_eq!(select(v.setweight(TsWeight::B)).to_sql().sql(), r#"SELECT setweight("d"."tsv", $1::"char")"#);
    /// ```
    fn setweight(self, weight: TsWeight) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(Node::func(
            "setweight",
            vec![
                self.into_node(),
                Node::TypeCast {
                    expr: Box::new(Node::bind(weight_code(weight))),
                    ty: Cow::Borrowed("\"char\""),
                },
            ],
        ))
    }
    /// `strip(self)`: the lexemes without positions and weights (smaller; phrase search
    /// and ranking by proximity no longer work on it).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let v = alias_col::<Tsvector>("d", "tsv");
    /// assert_eq!(select(v.strip()).to_sql().sql(), r#"SELECT strip("d"."tsv")"#);
    /// ```
    fn strip(self) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(Node::func("strip", vec![self.into_node()]))
    }
    /// `length(self)`: the number of lexemes.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let v = alias_col::<Tsvector>("d", "tsv");
    /// assert_eq!(select(v.length()).to_sql().sql(), r#"SELECT length("d"."tsv")"#);
    /// ```
    fn length(self) -> Expr<<Self::SqlType as TsvectorType>::NullAs<Int4>, Self::Tables> {
        Expr::from_node(Node::func("length", vec![self.into_node()]))
    }
}

impl<E: Expression> TsvectorExt for E where E::SqlType: TsvectorType {}

/// Operators of TSQUERY expressions. In the prelude.
pub trait TsqueryExt: Expression
where
    Self::SqlType: TsqueryType,
{
    /// `self && other`: both must match.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let q = to_tsquery("simple", "a").tsquery_and(to_tsquery("simple", "b"));
    /// assert_eq!(select(q).to_sql().sql(), "SELECT to_tsquery($1::TEXT::REGCONFIG, $2::TEXT) && to_tsquery($3::TEXT::REGCONFIG, $4::TEXT)");
    /// ```
    fn tsquery_and<R: AsExpression<Tsquery>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("&&", self.into_node(), other.into_node()))
    }
    /// `self || other`: either may match.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let q = to_tsquery("simple", "a").tsquery_or(to_tsquery("simple", "b"));
    /// assert_eq!(select(q).to_sql().sql(), "SELECT to_tsquery($1::TEXT::REGCONFIG, $2::TEXT) || to_tsquery($3::TEXT::REGCONFIG, $4::TEXT)");
    /// ```
    fn tsquery_or<R: AsExpression<Tsquery>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("||", self.into_node(), other.into_node()))
    }
    /// `!!self`: must not match.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let q = to_tsquery("simple", "a").tsquery_not();
    /// assert_eq!(select(q).to_sql().sql(), "SELECT !!to_tsquery($1::TEXT::REGCONFIG, $2::TEXT)");
    /// ```
    fn tsquery_not(self) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(Node::Prefix {
            op: "!!",
            expr: Box::new(self.into_node()),
        })
    }
    /// `numnode(self)`: the number of nodes (lexemes and operators); 0 when the query has
    /// only stop words, which is how to tell that a search box query cannot match.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let q = websearch_to_tsquery("english", "the");
    /// assert_eq!(select(q.numnode()).to_sql().sql(), "SELECT numnode(websearch_to_tsquery($1::TEXT::REGCONFIG, $2::TEXT))");
    /// ```
    fn numnode(self) -> Expr<<Self::SqlType as TsqueryType>::NullAs<Int4>, Self::Tables> {
        Expr::from_node(Node::func("numnode", vec![self.into_node()]))
    }
    /// `querytree(self)`: the part of the query an index can use, as text (`T` when none).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let q = to_tsquery("english", "!cat & dog");
    /// assert_eq!(select(q.querytree()).to_sql().sql(), "SELECT querytree(to_tsquery($1::TEXT::REGCONFIG, $2::TEXT))");
    /// ```
    fn querytree(self) -> Expr<<Self::SqlType as TsqueryType>::NullAs<Text>, Self::Tables> {
        Expr::from_node(Node::func("querytree", vec![self.into_node()]))
    }
}

impl<E: Expression> TsqueryExt for E where E::SqlType: TsqueryType {}
