//! The generated `FromRow` impls decode a row positionally (models, `Option<Model>` for
//! outer joins, `#[derive(FromRow)]` structs), and `column_values` lists the columns.

use mapped::orm_core::row::SqlRow;
use mapped::prelude::*;
// The driver's type enum, as the runtime's rows report it.
use mapped::orm_core::__private::postgres_types::Type;

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "accounts")]
struct Account {
    #[mapped(primary_key, identity)]
    id: i64,
    owner: Option<String>,
    #[mapped(skip)]
    cached: Vec<String>,
    balance: i32,
}

#[derive(FromRow, Debug, PartialEq)]
struct Total<T> {
    name: String,
    total: T,
    #[mapped(skip)]
    note: Option<String>,
}

#[derive(FromRow, Debug, PartialEq)]
struct One(i64);

struct FakeRow(Vec<(Type, Option<Vec<u8>>)>);

impl SqlRow for FakeRow {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn name(&self, _idx: usize) -> &str {
        "c"
    }
    fn sql_type(&self, idx: usize) -> &Type {
        &self.0[idx].0
    }
    fn raw(&self, idx: usize) -> Option<&[u8]> {
        self.0[idx].1.as_deref()
    }
}

fn int8(v: i64) -> (Type, Option<Vec<u8>>) {
    (Type::INT8, Some(v.to_be_bytes().to_vec()))
}
fn int4(v: i32) -> (Type, Option<Vec<u8>>) {
    (Type::INT4, Some(v.to_be_bytes().to_vec()))
}
fn text(v: &str) -> (Type, Option<Vec<u8>>) {
    (Type::TEXT, Some(v.as_bytes().to_vec()))
}
fn null(ty: Type) -> (Type, Option<Vec<u8>>) {
    (ty, None)
}

fn decode<S, T: FromRow<S>>(row: &FakeRow, idx: &mut usize) -> T {
    match T::from_row(row, idx) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

fn main() {
    // An account, then an outer-joined account that matched nothing, then a second one.
    let row = FakeRow(vec![
        int8(1),
        text("ann"),
        int4(10),
        null(Type::INT8),
        null(Type::TEXT),
        null(Type::INT4),
        int8(2),
        null(Type::TEXT),
        int4(-5),
    ]);
    let mut idx = 0;
    let a: Account = decode::<Account, _>(&row, &mut idx);
    let b: Option<Account> = decode::<Account, _>(&row, &mut idx);
    let c: Option<Account> = decode::<Account, _>(&row, &mut idx);
    assert_eq!(idx, 9);
    assert_eq!(
        a,
        Account {
            id: 1,
            owner: Some("ann".into()),
            cached: Vec::new(),
            balance: 10
        }
    );
    assert_eq!(b, None);
    assert_eq!(
        c,
        Some(Account {
            id: 2,
            owner: None,
            cached: Vec::new(),
            balance: -5
        })
    );
    assert_eq!(a.column_values().len(), 3);
    assert_eq!(format!("{:?}", a.column_values()[1]), "Some(\"ann\")");

    let row = FakeRow(vec![text("x"), int8(7), int8(8)]);
    let mut idx = 0;
    let t: Total<i64> = decode::<(Text, Int8), _>(&row, &mut idx);
    let one: One = decode::<(Int8,), _>(&row, &mut idx);
    assert_eq!(
        t,
        Total {
            name: "x".into(),
            total: 7,
            note: None
        }
    );
    assert_eq!(one, One(8));

    // A NULL in a NOT NULL column is a decode error naming the column.
    let row = FakeRow(vec![null(Type::INT8), null(Type::TEXT), int4(1)]);
    let err = <Account as FromRow<Account>>::from_row(&row, &mut 0).err();
    assert!(err.is_some_and(|e| e.to_string().contains("index 0")));
}
