use mapped::prelude::*;

#[derive(Model)]
#[mapped(table = "events")]
pub struct Event {
    #[mapped(primary_key)]
    pub id: i64,
    // DateTime<Utc> is TIMESTAMPTZ; TIMESTAMP(3) would fail on every read and write.
    #[mapped(sql_type = "TIMESTAMP(3)")]
    pub at: chrono::DateTime<chrono::Utc>,
    // A Vec<String> is TEXT[], not TEXT.
    #[mapped(sql_type = "TEXT")]
    pub tags: Vec<String>,
}

fn main() {}
