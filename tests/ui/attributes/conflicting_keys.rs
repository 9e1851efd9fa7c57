use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "users", on_commit = "drop")]
#[mapped(primary_key(columns(id)))]
struct User {
    #[mapped(primary_key, identity, server_default = "1")]
    id: i64,
    #[mapped(generated = "id * 2", primary_key)]
    doubled: i64,
    #[mapped(skip, rename = "cache")]
    cache: Vec<String>,
    #[mapped(version, sequence = "v_seq")]
    version: i32,
}

fn main() {}
