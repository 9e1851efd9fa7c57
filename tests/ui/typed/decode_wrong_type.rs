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
    // Decoding a text column into an integer.
    fn decode<R: FromRow<S>, S>(_: &Select<impl Sized, S>) {}
    let q = User::query().select(User::NAME);
    decode::<i64, _>(&q);
}
