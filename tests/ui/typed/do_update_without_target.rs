use mapped::prelude::*;

#[derive(Model, Debug, Clone)]
#[mapped(table = "users")]
pub struct User {
    #[mapped(primary_key)]
    pub id: i64,
    pub name: String,
}

fn main() {
    // DO UPDATE needs a conflict target: there is no way to ask for it without one.
    let _ = insert::<User>().set(User::ID, 1_i64).set(User::NAME, "a").do_update();
    let _ = insert::<User>().set(User::ID, 1_i64).on_conflict_do_nothing().do_update();
}
