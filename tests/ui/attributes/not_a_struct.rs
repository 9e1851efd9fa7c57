use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "colors")]
enum Color {
    Red,
}

#[derive(Model)]
#[mapped(table = "points")]
struct Point(i64, i64);

#[derive(FromRow)]
#[mapped(table = "rows")]
struct Row {
    #[mapped(rename = "x")]
    a: i64,
}

fn main() {}
