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

#[derive(Model, Debug, Clone)]
#[mapped(table = "upsert_users")]
#[mapped(index(name = "upsert_users_email_live", columns(expr("lower(email)")), unique, where = "gone IS NULL"))]
pub struct UpsertUser {
    #[mapped(primary_key)]
    pub id: i64,
    #[mapped(unique)]
    pub handle: String,
    pub email: String,
    pub gone: Option<i64>,
}

#[allow(dead_code, reason = "compile-only")]
fn upserts() {
    let _ = insert::<UpsertUser>()
        .set(UpsertUser::ID, 1_i64)
        .on_conflict((UpsertUser::ID, UpsertUser::HANDLE))
        .do_update()
        .set(UpsertUser::HANDLE, excluded(UpsertUser::HANDLE))
        .set(UpsertUser::GONE, UpsertUser::GONE.excluded())
        .filter(excluded(UpsertUser::ID).gt(UpsertUser::ID))
        .returning((all_columns::<UpsertUser>(), inserted::<UpsertUser>()));
    let _ = insert::<UpsertUser>()
        .set(UpsertUser::ID, 1_i64)
        .on_conflict(UpsertUser::PKEY)
        .do_nothing();
    let _ = insert::<UpsertUser>()
        .set(UpsertUser::ID, 1_i64)
        .on_conflict(UpsertUser::HANDLE_KEY)
        .do_return_existing();
    let _ = insert::<UpsertUser>()
        .set(UpsertUser::ID, 1_i64)
        .on_conflict(UpsertUser::EMAIL_LIVE)
        .do_nothing();
}
