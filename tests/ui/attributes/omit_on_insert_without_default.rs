use mapped::prelude::*;

#[derive(Model, Debug, Clone)]
#[mapped(table = "users")]
pub struct User {
    #[mapped(primary_key, identity)]
    pub id: i64,
    #[mapped(omit_on_insert)]
    pub created_at: i64,
}

fn main() {}
