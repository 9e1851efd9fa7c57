use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "users", shema = "app")]
struct User {
    #[mapped(primary_key)]
    id: i64,
}

fn main() {}
