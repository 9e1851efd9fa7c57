use mapped::prelude::*;

#[derive(Model, Debug, Clone)]
#[mapped(table = "users")]
pub struct User {
    #[mapped(primary_key)]
    pub id: i64,
    pub name: String,
    pub nick: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "posts")]
pub struct Post {
    #[mapped(primary_key)]
    pub id: i64,
}

fn main() {
    // A column of another table is not a conflict target, nor is another model's key.
    let _ = insert::<User>().set(User::ID, 1_i64).on_conflict(Post::ID).do_nothing();
    let _ = insert::<User>().set(User::ID, 1_i64).on_conflict(Post::PKEY).do_nothing();
    // `excluded` values are type-checked like any assignment: wrong type, and a nullable
    // value into a NOT NULL column.
    let _ = insert::<User>()
        .set(User::ID, 1_i64)
        .on_conflict(User::ID)
        .do_update()
        .set(User::NAME, excluded(User::ID));
    let _ = insert::<User>()
        .set(User::ID, 1_i64)
        .on_conflict(User::ID)
        .do_update()
        .set(User::NAME, User::NICK.excluded());
    // DO UPDATE sees the target table and `excluded`, not other tables.
    let _ = insert::<User>()
        .set(User::ID, 1_i64)
        .on_conflict(User::ID)
        .do_update()
        .filter(Post::ID.eq(1_i64));
}
