use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "users")]
#[mapped(table = "people")]
#[mapped(index(columns(email), using = "gin", using = "gist"))]
struct User {
    #[mapped(primary_key, primary_key)]
    id: i64,
    #[mapped(rename = "mail", rename = "email")]
    email: String,
}

fn main() {}
