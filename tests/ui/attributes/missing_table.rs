use mapped::prelude::*;

#[derive(Model)]
#[mapped(schema = "app")]
struct User {
    #[mapped(primary_key)]
    id: i64,
}

fn main() {}
