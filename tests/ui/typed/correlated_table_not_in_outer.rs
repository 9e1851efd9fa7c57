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
    // The subquery refers to `posts`, which the outer query does not have.
    let sub = User::query().correlate::<Post>().select(User::ID).filter(User::ID.eq(Post::USER_ID));
    let _ = User::query().filter(exists(sub));
}
