use mapped::prelude::*;

struct Money(i64);

#[derive(Model)]
#[mapped(table = "accounts")]
struct Account {
    #[mapped(primary_key)]
    id: i64,
    balance: Money,
}

fn main() {}
