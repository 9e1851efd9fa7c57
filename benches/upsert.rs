//! 10,000-row upserts: `mapped` beside raw tokio-postgres, in the same run, on the same
//! server (`DATABASE_URL`, or the local throwaway server).
//!
//! Each round empties the table, inserts 5,000 of the keys, then upserts 10,000 rows (half
//! updates, half inserts); only the upsert is timed, including building the statement or
//! the column vectors from the structs. The rounds of the three variants alternate so drift
//! hits all of them. The middle line runs `mapped`'s SQL (which merges repeated keys and
//! writes in key order) through raw tokio-postgres: the server's share of the difference.
//!
//! Run: `cargo bench --bench upsert` (release).

#![allow(
    clippy::unwrap_used,
    reason = "a benchmark binary: a failure aborts the run"
)]

use std::time::Instant;

use mapped::orm_runtime::{Executor, tokio_postgres};
use mapped::prelude::*;

mod common;
use common::{ms, server_url, stats};

#[derive(Model, Debug, Clone)]
#[mapped(table = "bench_items")]
struct Item {
    #[mapped(primary_key)]
    id: i64,
    name: String,
    qty: i64,
    note: Option<String>,
}

const ROWS: i64 = 10_000;
const ROUNDS: usize = 25;

const RAW_SQL: &str = "INSERT INTO bench_items (id, name, qty, note) \
     SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[]) \
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, qty = excluded.qty, note = excluded.note";

fn rows(round: usize) -> Vec<Item> {
    (0..ROWS)
        .map(|i| Item {
            id: i * 2,
            name: format!("item {i} round {round}"),
            qty: i,
            note: (i % 3 == 0).then(|| format!("note {i}")),
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = server_url().await;
    let db = Database::connect(&url).await.unwrap();
    db.execute_sql("DROP TABLE IF EXISTS bench_items")
        .await
        .unwrap();
    db.create_all(&[Item::TABLE], false).await.unwrap();
    let mut conn = db.connection().await.unwrap();

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let raw = client.prepare(RAW_SQL).await.unwrap();
    let ours_sql = insert::<Item>()
        .models(&rows(0))
        .on_conflict(Item::PKEY)
        .do_update()
        .set_all_excluded()
        .to_sql();
    let ours = client.prepare(ours_sql.sql()).await.unwrap();
    let mut ours_times = Vec::new();

    let mut raw_times = Vec::new();
    let mut mapped_times = Vec::new();
    // Round 0 of each is a warm-up (plans, caches) and is not counted.
    for round in 0..=ROUNDS {
        for mode in 0..3 {
            let use_mapped = mode == 2;
            let data = rows(round);
            db.execute_sql("TRUNCATE bench_items").await.unwrap();
            let half: Vec<Item> = data.iter().step_by(2).cloned().collect();
            conn.execute(&insert::<Item>().models(&half)).await.unwrap();
            db.execute_sql("VACUUM ANALYZE bench_items").await.unwrap();

            let start = Instant::now();
            let n = if use_mapped {
                let q = insert::<Item>()
                    .models(&data)
                    .on_conflict(Item::PKEY)
                    .do_update()
                    .set_all_excluded();
                conn.execute(&q).await.unwrap()
            } else {
                let ids: Vec<i64> = data.iter().map(|r| r.id).collect();
                let names: Vec<&str> = data.iter().map(|r| r.name.as_str()).collect();
                let qtys: Vec<i64> = data.iter().map(|r| r.qty).collect();
                let notes: Vec<Option<&str>> = data.iter().map(|r| r.note.as_deref()).collect();
                client
                    .execute(
                        if mode == 0 { &raw } else { &ours },
                        &[&ids, &names, &qtys, &notes],
                    )
                    .await
                    .unwrap()
            };
            let took = start.elapsed();
            assert_eq!(n, 10_000);
            if round > 0 {
                if use_mapped {
                    mapped_times.push(took);
                } else if mode == 1 {
                    ours_times.push(took);
                } else {
                    raw_times.push(took);
                }
            }
        }
    }

    println!("10,000-row upsert (5,000 updates + 5,000 inserts), {ROUNDS} rounds each");
    println!("{:<52} {:>10} {:>10} {:>10}", "", "min", "median", "mean");
    let raw = stats(&mut raw_times);
    for (label, times) in [
        ("raw tokio-postgres: unnest, prepared", &mut raw_times),
        (
            "raw tokio-postgres: mapped's SQL (merge + key order)",
            &mut ours_times,
        ),
        (
            "mapped: models -> on_conflict -> do_update",
            &mut mapped_times,
        ),
    ] {
        let (min, median, mean) = stats(times);
        println!(
            "{label:<52} {:>10} {:>10} {:>10}   {:.2}x raw (median)",
            ms(min),
            ms(median),
            ms(mean),
            median.as_secs_f64() / raw.1.as_secs_f64()
        );
    }
}
