//! The engine's overhead: `mapped` beside raw tokio-postgres, in the same run, on the same
//! server (`DATABASE_URL`, or the local throwaway server), one connection each.
//!
//! - point query: one row by primary key. mapped builds the typed SELECT, compiles it,
//!   finds the prepared statement in its cache, runs it and decodes the row into the model;
//!   raw tokio-postgres runs a statement prepared once and reads the columns by hand.
//! - 10,000 rows: the whole table into a `Vec` of models, both ways.
//!
//! Rounds alternate between the two so drift hits both; the first round is a warm-up.
//! Run: `cargo bench --bench engine` (release).

#![allow(
    clippy::unwrap_used,
    reason = "a benchmark binary: a failure aborts the run"
)]

use std::time::{Duration, Instant};

use mapped::orm_runtime::{Executor, tokio_postgres};
use mapped::prelude::*;

mod common;
use common::{server_url, stats, us};

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "bench_engine_items")]
struct Item {
    #[mapped(primary_key)]
    id: i64,
    name: String,
    qty: i32,
    note: Option<String>,
}

const ROWS: i64 = 10_000;
const POINT_QUERIES: i64 = 2_000;
const ROUNDS: usize = 11;

fn from_raw(row: &tokio_postgres::Row) -> Item {
    Item {
        id: row.get(0),
        name: row.get(1),
        qty: row.get(2),
        note: row.get(3),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = server_url().await;
    let db = Database::connect(&url).await.unwrap();
    db.execute_sql("DROP TABLE IF EXISTS bench_engine_items")
        .await
        .unwrap();
    db.create_all(&[Item::TABLE], false).await.unwrap();
    db.execute_sql(
        "INSERT INTO bench_engine_items SELECT g, 'item ' || g, g % 1000, CASE WHEN g % 3 = 0 THEN 'note' END FROM generate_series(0, 9999) g",
    )
    .await
    .unwrap();
    db.execute_sql("VACUUM ANALYZE bench_engine_items")
        .await
        .unwrap();
    let mut conn = db.connection().await.unwrap();

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let point = client
        .prepare("SELECT id, name, qty, note FROM bench_engine_items WHERE id = $1")
        .await
        .unwrap();
    let all = client
        .prepare("SELECT id, name, qty, note FROM bench_engine_items")
        .await
        .unwrap();

    let mut times: [Vec<Duration>; 4] = Default::default();
    for round in 0..=ROUNDS {
        // Point queries: per query.
        let start = Instant::now();
        for i in 0..POINT_QUERIES {
            let id = (i * 7919) % ROWS;
            let row = client.query_one(&point, &[&id]).await.unwrap();
            assert_eq!(from_raw(&row).id, id);
        }
        let raw_point = start.elapsed() / u32::try_from(POINT_QUERIES).unwrap();
        let start = Instant::now();
        for i in 0..POINT_QUERIES {
            let id = (i * 7919) % ROWS;
            let item: Item = conn
                .query_one(&Item::query().filter(Item::ID.eq(id)))
                .await
                .unwrap();
            assert_eq!(item.id, id);
        }
        let mapped_point = start.elapsed() / u32::try_from(POINT_QUERIES).unwrap();

        // The whole table.
        let start = Instant::now();
        let items: Vec<Item> = client
            .query(&all, &[])
            .await
            .unwrap()
            .iter()
            .map(from_raw)
            .collect();
        let raw_all = start.elapsed();
        assert_eq!(items.len(), 10_000);
        let start = Instant::now();
        let items: Vec<Item> = conn.query(&Item::query()).await.unwrap();
        let mapped_all = start.elapsed();
        assert_eq!(items.len(), 10_000);

        if round > 0 {
            for (slot, t) in [raw_point, mapped_point, raw_all, mapped_all]
                .into_iter()
                .enumerate()
            {
                times[slot].push(t);
            }
        }
    }

    println!("engine overhead, {ROUNDS} rounds; median of the rounds");
    println!("{:<62} {:>10} {:>10}", "", "min", "median");
    let [raw_point, mapped_point, raw_all, mapped_all] = &mut times;
    for (label, raw, ours) in [
        (
            "point query by primary key (per query)",
            raw_point,
            mapped_point,
        ),
        (
            "10,000 rows into Vec<Item> (per query)",
            raw_all,
            mapped_all,
        ),
    ] {
        let (raw_min, raw_median, _) = stats(raw);
        let (min, median, _) = stats(ours);
        println!(
            "{:<62} {:>10} {:>10}",
            format!("raw tokio-postgres: {label}"),
            us(raw_min),
            us(raw_median)
        );
        println!(
            "{:<62} {:>10} {:>10}   {:.2}x raw (median)",
            format!("mapped: {label}"),
            us(min),
            us(median),
            median.as_secs_f64() / raw_median.as_secs_f64()
        );
    }
}
