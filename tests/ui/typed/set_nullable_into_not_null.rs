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
    // `nick` may be NULL; `name` is NOT NULL.
    let _ = update::<User>().set(User::NAME, User::NICK);
}
