// Every mistake of one derive is reported in one compilation.
use mapped::prelude::*;

#[derive(Model)]
#[mapped(tabel = "users")]
#[mapped(index(columns(nam)))]
struct User {
    #[mapped(primary_ky)]
    id: i64,
    #[mapped(unique = "yes")]
    email: String,
    #[mapped(index(columns(name)))]
    name: String,
}

fn main() {}
