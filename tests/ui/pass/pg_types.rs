use mapped::prelude::*;

#[derive(PgEnum, Debug, Clone, Copy, PartialEq)]
#[mapped(rename_all = "lowercase")]
pub enum Mood {
    Sad,
    Happy,
}

#[derive(PgDomain, Debug, Clone, Copy)]
#[mapped(type_name = "pos_int", check = "VALUE > 0")]
pub struct PosInt(pub i32);

#[derive(PgComposite, Debug, Clone)]
pub struct Address {
    pub street: String,
    pub zip: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[mapped(table = "people")]
pub struct Person {
    #[mapped(primary_key)]
    pub id: i64,
    pub mood: Mood,
    pub moods: Vec<Mood>,
    pub previous: Option<Mood>,
    pub age: PosInt,
    pub home: Option<Address>,
    pub during: Range<i64>,
    pub free: Option<MultiRange<i32>>,
}

fn main() {
    // Enum, domain, composite and range columns take their own types in typed queries.
    let _ = select_from::<Person>()
        .filter(Person::MOOD.eq(Mood::Happy).and(Person::AGE.gt(PosInt(3))))
        .filter(Person::PREVIOUS.eq_any(vec![Mood::Sad]))
        .filter(Person::DURING.overlaps(Range::closed_open(1, 5).unwrap()))
        .filter(Person::FREE.contains_elem(3))
        .select((Person::HOME, Person::DURING.lower()));
    let _ = update::<Person>().set(Person::PREVIOUS, None::<Mood>).set(Person::MOOD, Mood::Sad);
}
