use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "teams")]
struct Team {
    #[mapped(primary_key)]
    id: i64,
    code: String,
}

#[derive(Model)]
#[mapped(table = "users")]
#[mapped(foreign_key(columns(team_id, team_code), references(Team::ID, User::ID)))]
struct User {
    #[mapped(primary_key)]
    id: i64,
    #[mapped(references(Team::ID))]
    team_code: String,
    // Nullability aside, the types match: this one is fine.
    #[mapped(references(Team::ID))]
    team_id: Option<i64>,
}

fn main() {}
