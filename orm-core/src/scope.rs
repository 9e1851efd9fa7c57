//! Type-level bookkeeping of which tables an expression uses and which a statement has.
//!
//! Every expression carries a `Tables` type: [`NoTable`] for values, the model type for a
//! column, and [`Both`] to combine two. A statement carries its FROM list as a type list
//! ([`Cons`] / [`Nil`]). `filter`, `set`, `returning` and friends require
//! `E::Tables: TablesIn<List, I>`, so a column of a table that is not in the statement does
//! not compile. The `I` index is inferred; users never write it.

use std::marker::PhantomData;

use crate::metadata::Table;

/// An expression that uses no table (a value, a raw fragment).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTable;

/// An expression that uses the tables of both `A` and `B`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Both<A, B>(PhantomData<(A, B)>);

/// A non-empty list of tables in a statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cons<H, T>(PhantomData<(H, T)>);

/// The empty list of tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct Nil;

/// Index: the table is the head of the list.
#[derive(Debug, Clone, Copy, Default)]
pub struct Here;

/// Index: the table is further down the list.
#[derive(Debug, Clone, Copy, Default)]
pub struct There<I>(PhantomData<I>);

/// The list `Self` contains table `T` (at index `I`).
#[diagnostic::on_unimplemented(
    message = "table `{T}` is not in this statement",
    label = "a column of `{T}` is used here",
    note = "add the table with a join (`.inner_join::<{T}>(..)`), `.from::<{T}>()` / `.using::<{T}>()`, or `.correlate::<{T}>()` in a subquery"
)]
pub trait Contains<T, I> {}

impl<T, Rest> Contains<T, Here> for Cons<T, Rest> {}
impl<T, H, Rest, I> Contains<T, There<I>> for Cons<H, Rest> where Rest: Contains<T, I> {}

/// Every table used by `Self` (an expression's `Tables`) is in the list `L`.
#[diagnostic::on_unimplemented(
    message = "this expression uses a table that is not in the statement",
    note = "add the table with a join, `.from::<T>()`, `.using::<T>()`, or `.correlate::<T>()`"
)]
pub trait TablesIn<L, I> {}

impl<L> TablesIn<L, ()> for NoTable {}
impl<L, A, B, IA, IB> TablesIn<L, (IA, IB)> for Both<A, B>
where
    A: TablesIn<L, IA>,
    B: TablesIn<L, IB>,
{
}
impl<L, T: Table, I> TablesIn<L, I> for T where L: Contains<T, I> {}
