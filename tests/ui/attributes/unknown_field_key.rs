use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "users")]
struct User {
    #[mapped(primary_key)]
    id: i64,
    #[mapped(sql_typ = "VARCHAR(80)")]
    email: String,
    #[mapped(nullable)]
    name: Option<String>,
}

fn main() {}
