//! Full-text search: `to_tsvector`, `to_tsquery`, `plainto_tsquery`, `phraseto_tsquery`,
//! `websearch_to_tsquery`, `ts_headline`, `ts_rank`, `ts_rank_cd`, `setweight`, the `@@`
//! match operator, `||` on tsvectors and `&&`, `||`, `!!` on tsqueries.
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
    Bool, Float4, Regclass, Regconfig, SqlType, Text, Tsquery, TsqueryType, Tsvector, TsvectorType,
    WithNull,
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
}

impl<E: Expression> TsqueryExt for E where E::SqlType: TsqueryType {}
