use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "furniture")]
struct Furniture {
    #[mapped(primary_key)]
    id: i64,
    // `Furniture::TABLE` would shadow `Table::TABLE`.
    table: String,
}

fn main() {}
