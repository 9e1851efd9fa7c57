use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = users)]
struct User {
    #[mapped(primary_key, identity(start = "1"))]
    id: i64,
    #[mapped(rename = 5)]
    email: String,
    #[mapped(references(User::ID, on_delete = explode))]
    parent_id: Option<i64>,
    #[mapped(skip = true)]
    cache: Vec<String>,
}

fn main() {}
