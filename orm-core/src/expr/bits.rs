//! Bit string operators and functions: BIT and VARBIT (`&`, `|`, `#`, `~`, `<<`, `>>`, `||`,
//! `length`, `bit_length`, `octet_length`, `get_bit`, `set_bit`, `bit_count`): [`BitExt`].
//!
//! `&`, `|` and `#` need operands of equal length (the server raises "cannot AND bit strings
//! of different sizes" otherwise); shifts keep the length, filling with zeros. Bit positions
//! (`get_bit`, `set_bit`) are 0-based, counted from the left, as in PostgreSQL.
//!
//! A bound bit string next to a bit-string operand is left for the server to type (a
//! `$1::BIT` cast would mean `BIT(1)` and truncate); where the other operand is not a bit
//! string, it is cast to `VARBIT`, which keeps every bit.

use super::{AsExpression, Expr, Expression, Node, typed_param};
use crate::scope::Both;
use crate::types::{BitType, Int4, Int8, SqlType, Varbit};

type Base<E> = <<E as Expression>::SqlType as SqlType>::NotNull;
type NullAs<E, T> = <<E as Expression>::SqlType as BitType>::NullAs<T>;

fn typed<ST: SqlType>(node: Node) -> Node {
    typed_param(node, ST::TYPE)
}

macro_rules! bit_fn {
    ($($(#[$m:meta])* $name:ident => $out:ty;)*) => {$(
        $(#[$m])*
        fn $name(self) -> Expr<NullAs<Self, $out>, Self::Tables> {
            Expr::from_node(Node::func(stringify!($name), vec![self.into_node()]))
        }
    )*};
}

/// Operators and functions of BIT and VARBIT expressions. In the prelude.
///
/// The examples use `alias_col::<Varbit>("t", "flags")`; a `BIT(n)` column works the same.
pub trait BitExt: Expression
where
    Self::SqlType: BitType,
{
    /// `self & other`: bitwise AND (equal lengths).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Varbit>("t", "flags");
    /// let mask: PgBits = "1100".parse().unwrap();
    /// let sql = select(flags.bit_and(mask)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."flags" & $1"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn bit_and<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("&", self.into_node(), other.into_node()))
    }

    /// `self | other`: bitwise OR (equal lengths).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Varbit>("t", "flags");
    /// let sql = select(flags.bit_or(alias_col::<Varbit>("t", "extra"))).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."flags" | "t"."extra""#);
    /// ```
    fn bit_or<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("|", self.into_node(), other.into_node()))
    }

    /// `self # other`: bitwise exclusive OR (equal lengths).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Varbit>("t", "flags");
    /// let sql = select(flags.bit_xor("1010".parse::<PgBits>().unwrap())).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."flags" # $1"#);
    /// assert_eq!(sql.params().len(), 1);
    /// ```
    fn bit_xor<R: AsExpression<Base<Self>>>(
        self,
        other: R,
    ) -> Expr<Self::SqlType, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary("#", self.into_node(), other.into_node()))
    }

    /// `~self`: bitwise NOT.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = || alias_col::<Varbit>("t", "flags");
    /// assert_eq!(select(flags().bit_not()).to_sql().sql(), r#"SELECT ~"t"."flags""#);
    /// // Grouped where needed: NOT of an AND.
    /// let sql = select(flags().bit_and(alias_col::<Varbit>("t", "mask")).bit_not()).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT ~("t"."flags" & "t"."mask")"#);
    /// ```
    fn bit_not(self) -> Expr<Self::SqlType, Self::Tables> {
        Expr::from_node(Node::Prefix {
            op: "~",
            expr: Box::new(self.into_node()),
        })
    }

    /// `self << n`: shifted left by `n` bits, keeping the length (zeros come in on the
    /// right).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Varbit>("t", "flags");
    /// let sql = select(flags.shift_left(2)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."flags" << $1::INTEGER"#);
    /// assert_eq!(sql.debug_sql(), r#"SELECT "t"."flags" << 2::INTEGER"#);
    /// ```
    fn shift_left<N: AsExpression<Int4>>(
        self,
        n: N,
    ) -> Expr<Self::SqlType, Both<Self::Tables, N::Tables>> {
        Expr::from_node(Node::binary(
            "<<",
            self.into_node(),
            typed::<Int4>(n.into_node()),
        ))
    }

    /// `self >> n`: shifted right by `n` bits, keeping the length.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Varbit>("t", "flags");
    /// assert_eq!(select(flags.shift_right(1)).to_sql().sql(), r#"SELECT "t"."flags" >> $1::INTEGER"#);
    /// ```
    fn shift_right<N: AsExpression<Int4>>(
        self,
        n: N,
    ) -> Expr<Self::SqlType, Both<Self::Tables, N::Tables>> {
        Expr::from_node(Node::binary(
            ">>",
            self.into_node(),
            typed::<Int4>(n.into_node()),
        ))
    }

    /// `self || other`: the bits of both, one after the other (a VARBIT).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Bit>("t", "flags");
    /// let sql = select(flags.concat_bits("01".parse::<PgBits>().unwrap())).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT "t"."flags" || $1::VARBIT"#);
    /// ```
    fn concat_bits<R: AsExpression<Varbit>>(
        self,
        other: R,
    ) -> Expr<NullAs<Self, Varbit>, Both<Self::Tables, R::Tables>> {
        Expr::from_node(Node::binary(
            "||",
            self.into_node(),
            typed::<Varbit>(other.into_node()),
        ))
    }

    /// `get_bit(self, n)`: bit `n` (0-based from the left) as 0 or 1; an error past the end.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Varbit>("t", "flags");
    /// let sql = flags.get_bit(0).eq(1).into_expr().to_sql();
    /// assert_eq!(sql.sql(), r#"get_bit("t"."flags", $1::INTEGER) = $2"#);
    /// ```
    fn get_bit<N: AsExpression<Int4>>(
        self,
        n: N,
    ) -> Expr<NullAs<Self, Int4>, Both<Self::Tables, N::Tables>> {
        Expr::from_node(Node::func(
            "get_bit",
            vec![self.into_node(), typed::<Int4>(n.into_node())],
        ))
    }

    /// `set_bit(self, n, value)`: bit `n` (0-based from the left) set to `value` (0 or 1).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// let flags = alias_col::<Varbit>("t", "flags");
    /// let sql = select(flags.set_bit(3, 1)).to_sql();
    /// assert_eq!(sql.sql(), r#"SELECT set_bit("t"."flags", $1::INTEGER, $2::INTEGER)"#);
    /// ```
    fn set_bit<N: AsExpression<Int4>, V: AsExpression<Int4>>(
        self,
        n: N,
        value: V,
    ) -> Expr<Self::SqlType, Both<Self::Tables, Both<N::Tables, V::Tables>>> {
        Expr::from_node(Node::func(
            "set_bit",
            vec![
                self.into_node(),
                typed::<Int4>(n.into_node()),
                typed::<Int4>(value.into_node()),
            ],
        ))
    }

    bit_fn! {
        /// `length(self)`: the number of bits.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// let flags = alias_col::<Varbit>("t", "flags");
        /// assert_eq!(select(flags.length()).to_sql().sql(), r#"SELECT length("t"."flags")"#);
        /// ```
        length => Int4;
        /// `bit_length(self)`: the number of bits (as `length`).
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// let flags = alias_col::<Varbit>("t", "flags");
        /// assert_eq!(select(flags.bit_length()).to_sql().sql(), r#"SELECT bit_length("t"."flags")"#);
        /// ```
        bit_length => Int4;
        /// `octet_length(self)`: the number of bytes the bits take.
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// let flags = alias_col::<Varbit>("t", "flags");
        /// assert_eq!(select(flags.octet_length()).to_sql().sql(), r#"SELECT octet_length("t"."flags")"#);
        /// ```
        octet_length => Int4;
        /// `bit_count(self)`: the number of bits set (PostgreSQL 14+).
        ///
        /// ```
        /// # use orm_core::prelude::*;
        /// let flags = alias_col::<Varbit>("t", "flags");
        /// assert_eq!(select(flags.bit_count()).to_sql().sql(), r#"SELECT bit_count("t"."flags")"#);
        /// ```
        bit_count => Int8;
    }
}

impl<E: Expression> BitExt for E where E::SqlType: BitType {}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "in a test, a failing unwrap is a failing test"
)]
mod tests {
    use crate::prelude::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn operators_group_by_precedence_and_keep_nullability() {
        let flags = || alias_col::<Nullable<Varbit>>("t", "flags");
        let mask = || alias_col::<Varbit>("t", "mask");
        // PostgreSQL's "other operators" share one level and associate to the left.
        let e: Expr<Nullable<Varbit>, _> = flags().bit_and(mask()).bit_or(mask().shift_left(1));
        assert_eq!(
            select(e).to_sql().sql(),
            r#"SELECT "t"."flags" & "t"."mask" | ("t"."mask" << $1::INTEGER)"#
        );
        let n: Expr<Nullable<Int8>, _> = flags().bit_count();
        assert_eq!(select(n).to_sql().sql(), r#"SELECT bit_count("t"."flags")"#);
        let c: Expr<Nullable<Varbit>, _> = flags().concat_bits(mask());
        assert_eq!(
            select(c).to_sql().sql(),
            r#"SELECT "t"."flags" || "t"."mask""#
        );
    }
}
