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
    // Joined tables, nullable/non-null comparisons, typed VALUES and SET all compile.
    let _ = User::query()
        .inner_join::<Post, _>(Post::USER_ID.eq(User::ID))
        .filter(User::NICK.eq("x").and(Post::ID.gt(1)))
        .select((User::NAME, Post::ID));
    let _ = insert::<User>().columns((User::NAME, User::NICK)).values(("a", None::<String>)).values(("b", Some("c")));
    let _ = update::<User>().set(User::NICK, User::NAME).set(User::NAME, "n");
}
