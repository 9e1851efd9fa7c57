use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "a_table_with_a_rather_long_name_for_a_table_indeed")]
#[mapped(index(columns(another_long_column_name)))]
struct Long {
    #[mapped(primary_key)]
    id: i64,
    #[mapped(unique(name = "this_constraint_name_is_definitely_longer_than_sixty_three_bytes_x"))]
    another_long_column_name: String,
}

fn main() {}
