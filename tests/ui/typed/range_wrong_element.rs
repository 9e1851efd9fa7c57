use mapped::prelude::*;

#[derive(Model, Debug, Clone)]
#[mapped(table = "bookings")]
pub struct Booking {
    #[mapped(primary_key)]
    pub id: i64,
    pub during: Range<i64>,
}

#[derive(PgEnum, Debug, Clone, Copy)]
pub enum Mood {
    Sad,
}

fn main() {
    // An INT8RANGE contains BIGINTs, not text; and overlaps only an INT8RANGE.
    let _ = Booking::DURING.contains_elem("x");
    let _ = Booking::DURING.overlaps(Range::closed(1_i32, 2).unwrap());
    // An enum value is not text.
    let _ = Booking::ID.eq(Mood::Sad);
}
