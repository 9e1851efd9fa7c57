use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "users")]
struct User {
    #[mapped(primary_key, identity)]
    id: String,
    #[mapped(version)]
    version: Option<i32>,
}

fn main() {}
