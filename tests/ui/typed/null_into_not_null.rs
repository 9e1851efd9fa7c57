use mapped::prelude::*;

#[derive(Model, Debug, Clone)]
#[mapped(table = "users")]
pub struct User {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub name: String,
    pub nick: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "posts")]
pub struct Post {
    #[mapped(primary_key, identity)]
    pub id: i64,
    pub user_id: i64,
}

fn main() {
    // NULL into a NOT NULL column.
    let _ = insert::<User>().set(User::NAME, None::<String>);
}
