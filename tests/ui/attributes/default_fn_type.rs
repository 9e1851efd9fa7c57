use mapped::prelude::*;

fn zero() -> i32 {
    0
}

#[derive(Model)]
#[mapped(table = "counters")]
struct Counter {
    #[mapped(primary_key)]
    id: i64,
    #[mapped(default = zero)]
    value: i64,
}

fn main() {}
