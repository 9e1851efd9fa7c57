//! Network address operators and functions: INET and CIDR (`<<`, `<<=`, `>>`, `>>=`, `&&`,
//! `~`, `&`, `|`, `+`, `-`, `host`, `masklen`, `network`, `broadcast`, `netmask`,
//! `hostmask`, `family`, `set_masklen`, `abbrev`) and MACADDR / MACADDR8 (`~`, `&`, `|`,
//! `trunc`).
//!
//! The right-hand side of a containment test has the left side's type; compare an INET with a
//! CIDR by casting one of them (`.cast::<Inet>()`).

use super::{AsExpression, Expr, Expression, Node, typed_param};
use crate::scope::Both;
use crate::types::{Bool, Cidr, Inet, Int4, Int8, MacType, NetType, SqlType, Text};

type Base<E> = <<E as Expression>::SqlType as SqlType>::NotNull;
type NullAs<E, T> = <<E as Expression>::SqlType as NetType>::NullAs<T>;
type MacNullAs<E, T> = <<E as Expression>::SqlType as MacType>::NullAs<T>;

fn typed<ST: SqlType>(node: Node) -> Node {
    typed_param(node, ST::TYPE)
}

macro_rules! net_fn {
    ($($(#[$m:meta])* $name:ident => $out:ty;)*) => {$(
        $(#[$m])*
        fn $name(self) -> Expr<NullAs<Self, $out>, Self::Tables> {
            Expr::from_node(Node::func(stringify!($name), vec![self.into_node()]))
        }
    )*};
}

/// Operators and functions of INET and CIDR expressions. In the prelude.
pub trait NetExt: Expression
where
    Self::SqlType: NetType,
{
    /// `self << other`: strictly contained in the network `other`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// let net: PgInet = "10.0.0.0/8".parse().unwrap();
    /// assert_eq!(ip.contained_within(net).into_expr().to_sql().sql(), r#""t"."ip" << $1"#);
    /// ```
    fn contained_within<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("<<", self.into_node(), other.into_node()))
    }
    /// `self <<= other`: contained in or equal to.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(ip.contained_within_or_equals(alias_col::<Inet>("t", "net")).into_expr().to_sql().sql(), r#""t"."ip" <<= "t"."net""#);
    /// ```
    fn contained_within_or_equals<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("<<=", self.into_node(), other.into_node()))
    }
    /// `self >> other`: strictly contains.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let net = alias_col::<Cidr>("t", "net");
    /// let host: PgCidr = "10.1.2.3/32".parse().unwrap();
    /// assert_eq!(net.contains_net(host).into_expr().to_sql().sql(), r#""t"."net" >> $1"#);
    /// ```
    fn contains_net<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(">>", self.into_node(), other.into_node()))
    }
    /// `self >>= other`: contains or equals.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let net = alias_col::<Cidr>("t", "net");
    /// assert_eq!(net.contains_or_equals(alias_col::<Cidr>("t", "other")).into_expr().to_sql().sql(), r#""t"."net" >>= "t"."other""#);
    /// ```
    fn contains_or_equals<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(">>=", self.into_node(), other.into_node()))
    }
    /// `self && other`: one contains or equals the other.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let net = alias_col::<Cidr>("t", "net");
    /// assert_eq!(net.overlaps(alias_col::<Cidr>("t", "other")).into_expr().to_sql().sql(), r#""t"."net" && "t"."other""#);
    /// ```
    fn overlaps<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Bool, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("&&", self.into_node(), other.into_node()))
    }
    /// `~self`: bitwise NOT (an INET).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(select(ip.bit_not()).to_sql().sql(), r#"SELECT ~"t"."ip""#);
    /// ```
    fn bit_not(self) -> Expr<NullAs<Self, Inet>, Self::Tables> {
        Expr::from_node(Node::Prefix {
            op: "~",
            expr: Box::new(self.into_node()),
        })
    }
    /// `self & other`: bitwise AND (an INET).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(select(ip.bit_and(alias_col::<Inet>("t", "mask"))).to_sql().sql(), r#"SELECT "t"."ip" & "t"."mask""#);
    /// ```
    fn bit_and<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<NullAs<Self, Inet>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("&", self.into_node(), other.into_node()))
    }
    /// `self | other`: bitwise OR (an INET).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(select(ip.bit_or(alias_col::<Inet>("t", "mask"))).to_sql().sql(), r#"SELECT "t"."ip" | "t"."mask""#);
    /// ```
    fn bit_or<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<NullAs<Self, Inet>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("|", self.into_node(), other.into_node()))
    }
    /// `self + n`: the address `n` further on (an INET).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(select(ip.add_offset(1_i64)).to_sql().sql(), r#"SELECT "t"."ip" + $1::BIGINT"#);
    /// ```
    fn add_offset<R: AsExpression<Int8>>(
        self,
        n: R,
    ) -> Expr<NullAs<Self, Inet>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(
            "+",
            self.into_node(),
            typed::<Int8>(n.into_node()),
        ))
    }
    /// `self - n`: the address `n` before (an INET).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(select(ip.sub_offset(1_i64)).to_sql().sql(), r#"SELECT "t"."ip" - $1::BIGINT"#);
    /// ```
    fn sub_offset<R: AsExpression<Int8>>(
        self,
        n: R,
    ) -> Expr<NullAs<Self, Inet>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(
            "-",
            self.into_node(),
            typed::<Int8>(n.into_node()),
        ))
    }
    /// `self - other`: the distance between two addresses.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(select(ip.distance(alias_col::<Inet>("t", "base"))).to_sql().sql(), r#"SELECT "t"."ip" - "t"."base""#);
    /// ```
    fn distance<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<NullAs<Self, Int8>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(
            "-",
            self.into_node(),
            typed::<Base<Self>>(other.into_node()),
        ))
    }
    /// `set_masklen(self, len)`: same type, other netmask.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let ip = alias_col::<Inet>("t", "ip");
    /// assert_eq!(select(ip.set_masklen(16)).to_sql().sql(), r#"SELECT set_masklen("t"."ip", $1)"#);
    /// ```
    fn set_masklen<R: AsExpression<Int4>>(
        self,
        len: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::func(
            "set_masklen",
            vec![self.into_node(), len.into_node()],
        ))
    }
    net_fn! {
        /// `host(self)`: the address as text, without the netmask.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Inet>("t", "ip").host()).to_sql().sql(), r#"SELECT host("t"."ip")"#);
        /// ```
        host => Text;
        /// `masklen(self)`
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Inet>("t", "ip").masklen()).to_sql().sql(), r#"SELECT masklen("t"."ip")"#);
        /// ```
        masklen => Int4;
        /// `network(self)`: the network part, as a CIDR.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Inet>("t", "ip").network()).to_sql().sql(), r#"SELECT network("t"."ip")"#);
        /// ```
        network => Cidr;
        /// `broadcast(self)`: the broadcast address of the network.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Inet>("t", "ip").broadcast()).to_sql().sql(), r#"SELECT broadcast("t"."ip")"#);
        /// ```
        broadcast => Inet;
        /// `netmask(self)`
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Inet>("t", "ip").netmask()).to_sql().sql(), r#"SELECT netmask("t"."ip")"#);
        /// ```
        netmask => Inet;
        /// `hostmask(self)`
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Inet>("t", "ip").hostmask()).to_sql().sql(), r#"SELECT hostmask("t"."ip")"#);
        /// ```
        hostmask => Inet;
        /// `family(self)`: 4 or 6.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Inet>("t", "ip").family()).to_sql().sql(), r#"SELECT family("t"."ip")"#);
        /// ```
        family => Int4;
        /// `abbrev(self)`: the abbreviated text form.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// assert_eq!(select(alias_col::<Cidr>("t", "net").abbrev()).to_sql().sql(), r#"SELECT abbrev("t"."net")"#);
        /// ```
        abbrev => Text;
    }
}

impl<E: Expression> NetExt for E where E::SqlType: NetType {}

/// Operators and functions of MACADDR and MACADDR8 expressions. In the prelude.
pub trait MacExt: Expression
where
    Self::SqlType: MacType,
{
    /// `trunc(self)`: the last 3 (MACADDR) or 5 (MACADDR8) bytes set to zero.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// assert_eq!(select(alias_col::<Macaddr>("t", "mac").trunc()).to_sql().sql(), r#"SELECT trunc("t"."mac")"#);
    /// ```
    fn trunc(self) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(Node::func("trunc", vec![self.into_node()]))
    }
    /// `~self`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// assert_eq!(select(alias_col::<Macaddr>("t", "mac").mac_not()).to_sql().sql(), r#"SELECT ~"t"."mac""#);
    /// ```
    fn mac_not(self) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(Node::Prefix {
            op: "~",
            expr: Box::new(self.into_node()),
        })
    }
    /// `self & other`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let mac = alias_col::<Macaddr>("t", "mac");
    /// assert_eq!(select(mac.mac_and(alias_col::<Macaddr>("t", "m"))).to_sql().sql(), r#"SELECT "t"."mac" & "t"."m""#);
    /// ```
    fn mac_and<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<MacNullAs<Self, Base<Self>>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("&", self.into_node(), other.into_node()))
    }
    /// `self | other`
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let mac = alias_col::<Macaddr>("t", "mac");
    /// assert_eq!(select(mac.mac_or(alias_col::<Macaddr>("t", "m"))).to_sql().sql(), r#"SELECT "t"."mac" | "t"."m""#);
    /// ```
    fn mac_or<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<MacNullAs<Self, Base<Self>>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("|", self.into_node(), other.into_node()))
    }
}

impl<E: Expression> MacExt for E where E::SqlType: MacType {}
