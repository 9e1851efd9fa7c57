use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "users")]
#[mapped(index(columns(email, nmae(desc))))]
#[mapped(unique(columns(cache)))]
struct User {
    #[mapped(primary_key)]
    id: i64,
    email: String,
    name: String,
    #[mapped(skip)]
    cache: Vec<String>,
}

fn main() {}
