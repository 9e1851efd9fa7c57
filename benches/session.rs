//! The Session's overhead: six unit-of-work workloads through `mapped`'s [`Session`] beside
//! the same work hand-written with raw tokio-postgres (prepared statements, `unnest`
//! batches), in the same run, on the same server (`DATABASE_URL`, or the local throwaway
//! server).
//!
//! - W1: flush 10,000 new objects; their identity keys and `created_at` come back into them.
//! - W2: 1,000 objects, one transaction (session) and commit each.
//! - W3: 5,000 `get`s by primary key with an empty identity map, in one transaction.
//! - W4: load 10,000 objects.
//! - W5: change one column of 10,000 loaded objects; only the flush and commit are timed.
//! - W6: upsert 10,000 rows on a unique column, half of them existing.
//!
//! Both sides do the same work: every round empties the table (`TRUNCATE .. RESTART
//! IDENTITY`) and seeds it the same way before each side runs, both run in a transaction
//! (the session always does: it autobegins), and the side that goes first alternates.
//! Round 0 is a warm-up (plans, statement caches) and is not counted; the table shows the
//! best of the counted rounds and their median. Every side's result is checked against the
//! table's contents outside the timed part.
//!
//! Run: `cargo bench --bench session` (release). `SESSION_BENCH_ROUNDS=n` counts n rounds
//! instead of 3; `SESSION_BENCH_ONLY=W5` runs one workload, and `SESSION_BENCH_TRACE=1`
//! prints every statement the library sends with its time (for profiling).

#![allow(
    clippy::unwrap_used,
    reason = "a benchmark binary: a failure aborts the run"
)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mapped::orm_runtime::tokio_postgres::{self, Client, Row, Statement};
use mapped::prelude::*;

mod common;
use common::{ms, server_url, stats};

#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "bench_user")]
struct BenchUser {
    #[mapped(primary_key, identity)]
    id: i64,
    name: String,
    #[mapped(unique)]
    email: String,
    age: i32,
    score: f64,
    tags: Vec<String>,
    #[mapped(server_default = "now()", omit_on_insert)]
    created_at: DateTime<Utc>,
}

const N: usize = 10_000;
const W2_OBJECTS: usize = 1_000;
const W3_GETS: usize = 5_000;
const ROUNDS: usize = 3;

const COLUMNS: &str = "id, name, email, age, score, tags, created_at";

/// `tags text[]` cannot go through `unnest`: `unnest` of a 2-D array flattens it, and the
/// rows' arrays have different lengths anyway. A hand-writer sends each row's tags as one
/// array literal (`{"a","b"}`) in a `text[]` and casts it back per row (`t::text[]`); the
/// other columns are plain one-dimensional arrays.
const RAW_INSERT_MANY: &str = "INSERT INTO bench_user (name, email, age, score, tags) \
     SELECT n, e, a, s, t::text[] \
     FROM unnest($1::text[], $2::text[], $3::int4[], $4::float8[], $5::text[]) AS u(n, e, a, s, t) \
     RETURNING id, email, created_at";
const RAW_INSERT_ONE: &str = "INSERT INTO bench_user (name, email, age, score, tags) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at";
const RAW_UPDATE_SCORES: &str = "UPDATE bench_user SET score = u.score \
     FROM unnest($1::int8[], $2::float8[]) AS u(id, score) WHERE bench_user.id = u.id";

fn raw_select_one() -> String {
    format!("SELECT {COLUMNS} FROM bench_user WHERE id = $1")
}

fn raw_select_all() -> String {
    format!("SELECT {COLUMNS} FROM bench_user")
}

fn raw_upsert() -> String {
    format!(
        "INSERT INTO bench_user (name, email, age, score, tags) \
         SELECT n, e, a, s, t::text[] \
         FROM unnest($1::text[], $2::text[], $3::int4[], $4::float8[], $5::text[]) AS u(n, e, a, s, t) \
         ON CONFLICT (email) DO UPDATE SET name = excluded.name, age = excluded.age, \
         score = excluded.score, tags = excluded.tags \
         RETURNING {COLUMNS}"
    )
}

/// The raw side's statements, prepared once.
struct Raw {
    insert_many: Statement,
    insert_one: Statement,
    select_one: Statement,
    select_all: Statement,
    update_scores: Statement,
    upsert: Statement,
}

fn from_row(row: &Row) -> BenchUser {
    BenchUser {
        id: row.get(0),
        name: row.get(1),
        email: row.get(2),
        age: row.get(3),
        score: row.get(4),
        tags: row.get(5),
        created_at: row.get(6),
    }
}

/// A PostgreSQL array literal of text elements, every element quoted (so `NULL`, commas,
/// braces and spaces stay text).
fn array_literal(tags: &[String]) -> String {
    let mut out = String::with_capacity(2 + tags.iter().map(|t| t.len() + 3).sum::<usize>());
    out.push('{');
    for (i, t) in tags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in t.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// User `i`; `round` changes the values that an upsert overwrites.
fn user(i: usize, round: usize) -> BenchUser {
    let tags: Vec<String> = match i % 5 {
        0 => vec![],
        1 => vec!["rust".into()],
        2 => vec!["a,b".into(), "say \"hi\"".into()],
        3 => vec![format!("t{i}"), "x".into(), "back\\slash".into()],
        _ => vec!["{braces}".into(), "NULL".into()],
    };
    BenchUser {
        id: 0,
        name: format!("user {i} round {round}"),
        email: format!("u{i}@example.com"),
        age: i32::try_from(i % 90).unwrap(),
        score: i as f64 * 0.5 + round as f64,
        tags,
        created_at: DateTime::default(),
    }
}

fn users(range: std::ops::Range<usize>, round: usize) -> Vec<BenchUser> {
    range.map(|i| user(i, round)).collect()
}

/// A timed section: wall time, and the time this thread spent on a CPU. The runtime is
/// single-threaded, so that is all the client's work (the connections' tasks run here
/// too) and none of the server's: the library's own cost, steadier than wall time on a
/// busy machine.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
}

struct Timer {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Timer {
    fn start() -> Self {
        Timer {
            cpu: thread_cpu(),
            wall: Instant::now(),
        }
    }

    fn stop(self) -> Sample {
        let wall = self.wall.elapsed();
        Sample {
            wall,
            cpu: thread_cpu()
                .zip(self.cpu)
                .map(|(end, start)| end.saturating_sub(start)),
        }
    }
}

/// This thread's time on a CPU so far (Linux: `/proc/thread-self/schedstat`).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// One of the two sides of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Mapped,
    Raw,
}

struct Workload {
    name: &'static str,
    what: &'static str,
    target: f64,
}

const WORKLOADS: [Workload; 6] = [
    Workload {
        name: "W1",
        what: "flush 10,000 new objects",
        target: 1.1,
    },
    Workload {
        name: "W2",
        what: "1,000 x (one object, commit)",
        target: 1.05,
    },
    Workload {
        name: "W3",
        what: "5,000 get by key, empty identity map",
        target: 1.05,
    },
    Workload {
        name: "W4",
        what: "load 10,000 objects",
        target: 1.1,
    },
    Workload {
        name: "W5",
        what: "flush 10,000 changed scores",
        target: 1.25,
    },
    Workload {
        name: "W6",
        what: "upsert 10,000 on email (half exist)",
        target: 1.1,
    },
];

struct Bench {
    db: Database,
    client: Client,
    raw: Raw,
}

impl Bench {
    /// Empties the table and restarts its identity.
    async fn reset(&self) {
        self.client
            .batch_execute("TRUNCATE bench_user RESTART IDENTITY")
            .await
            .unwrap();
    }

    /// Empties the table and fills it with `rows` (ids 1..), not timed.
    async fn seed(&mut self, rows: &[BenchUser]) {
        self.reset().await;
        let mut rows = rows.to_vec();
        raw_insert_many(&self.client, &self.raw, &mut rows).await;
        self.client
            .batch_execute("ANALYZE bench_user")
            .await
            .unwrap();
    }

    /// Every row of the table by id.
    async fn table(&self) -> HashMap<i64, BenchUser> {
        self.client
            .query(&self.raw.select_all, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let u = from_row(r);
                (u.id, u)
            })
            .collect()
    }

    /// The table holds exactly `objects` (ids, server-made values and all).
    async fn check_table(&self, objects: &[BenchUser]) {
        let table = self.table().await;
        assert_eq!(table.len(), objects.len());
        for o in objects {
            assert_eq!(table.get(&o.id), Some(o), "object and row differ");
        }
    }

    async fn run(&mut self, w: usize, side: Side, round: usize) -> Sample {
        match (w, side) {
            (0, Side::Mapped) => self.w1_mapped(round).await,
            (0, Side::Raw) => self.w1_raw(round).await,
            (1, Side::Mapped) => self.w2_mapped(round).await,
            (1, Side::Raw) => self.w2_raw(round).await,
            (2, Side::Mapped) => self.w3_mapped(round).await,
            (2, Side::Raw) => self.w3_raw(round).await,
            (3, Side::Mapped) => self.w4_mapped(round).await,
            (3, Side::Raw) => self.w4_raw(round).await,
            (4, Side::Mapped) => self.w5_mapped(round).await,
            (4, Side::Raw) => self.w5_raw(round).await,
            (5, Side::Mapped) => self.w6_mapped(round).await,
            (5, Side::Raw) => self.w6_raw(round).await,
            _ => unreachable!("six workloads"),
        }
    }

    // W1: flush 10,000 new objects.

    async fn w1_mapped(&mut self, round: usize) -> Sample {
        self.reset().await;
        let data = users(0..N, round);
        let mut s = self.db.session();
        let start = Timer::start();
        let objs = s.add_all(data).unwrap();
        s.commit().await.unwrap();
        let took = start.stop();
        let objs: Vec<BenchUser> = objs.iter().map(Obj::cloned).collect();
        assert!(
            objs.iter()
                .all(|u| u.id > 0 && u.created_at > DateTime::<Utc>::default())
        );
        self.check_table(&objs).await;
        took
    }

    async fn w1_raw(&mut self, round: usize) -> Sample {
        self.reset().await;
        let mut data = users(0..N, round);
        let start = Timer::start();
        let tx = self.client.transaction().await.unwrap();
        raw_insert_many(&tx, &self.raw, &mut data).await;
        tx.commit().await.unwrap();
        let took = start.stop();
        self.check_table(&data).await;
        took
    }

    // W2: one object per transaction.

    async fn w2_mapped(&mut self, round: usize) -> Sample {
        self.reset().await;
        let data = users(0..W2_OBJECTS, round);
        let mut out = Vec::with_capacity(data.len());
        let start = Timer::start();
        for u in data {
            let mut s = self.db.session();
            let obj = s.add(u).unwrap();
            s.commit().await.unwrap();
            out.push(obj);
        }
        let took = start.stop();
        let objs: Vec<BenchUser> = out.iter().map(Obj::cloned).collect();
        self.check_table(&objs).await;
        took
    }

    async fn w2_raw(&mut self, round: usize) -> Sample {
        self.reset().await;
        let mut data = users(0..W2_OBJECTS, round);
        let start = Timer::start();
        for u in &mut data {
            let tx = self.client.transaction().await.unwrap();
            let row = tx
                .query_one(
                    &self.raw.insert_one,
                    &[&u.name, &u.email, &u.age, &u.score, &u.tags],
                )
                .await
                .unwrap();
            u.id = row.get(0);
            u.created_at = row.get(1);
            tx.commit().await.unwrap();
        }
        let took = start.stop();
        self.check_table(&data).await;
        took
    }

    // W3: get by primary key, nothing in the identity map.

    async fn w3_mapped(&mut self, round: usize) -> Sample {
        self.seed(&users(0..N, round)).await;
        let expected = self.table().await;
        let mut got = Vec::with_capacity(W3_GETS);
        let mut s = self.db.session();
        let start = Timer::start();
        for i in 0..W3_GETS {
            s.expunge_all();
            let obj = s.get::<BenchUser>(w3_key(i)).await.unwrap().unwrap();
            got.push(obj);
        }
        s.commit().await.unwrap();
        let took = start.stop();
        for (i, obj) in got.iter().enumerate() {
            assert_eq!(Some(&obj.cloned()), expected.get(&w3_key(i)));
        }
        took
    }

    async fn w3_raw(&mut self, round: usize) -> Sample {
        self.seed(&users(0..N, round)).await;
        let expected = self.table().await;
        let mut got = Vec::with_capacity(W3_GETS);
        let start = Timer::start();
        let tx = self.client.transaction().await.unwrap();
        for i in 0..W3_GETS {
            let row = tx
                .query_one(&self.raw.select_one, &[&w3_key(i)])
                .await
                .unwrap();
            got.push(from_row(&row));
        }
        tx.commit().await.unwrap();
        let took = start.stop();
        for (i, u) in got.iter().enumerate() {
            assert_eq!(Some(u), expected.get(&w3_key(i)));
        }
        took
    }

    // W4: load the table.

    async fn w4_mapped(&mut self, round: usize) -> Sample {
        self.seed(&users(0..N, round)).await;
        let mut s = self.db.session();
        let start = Timer::start();
        let objs = s.all(&BenchUser::query()).await.unwrap();
        s.commit().await.unwrap();
        let took = start.stop();
        let objs: Vec<BenchUser> = objs.iter().map(Obj::cloned).collect();
        self.check_table(&objs).await;
        took
    }

    async fn w4_raw(&mut self, round: usize) -> Sample {
        self.seed(&users(0..N, round)).await;
        let start = Timer::start();
        let tx = self.client.transaction().await.unwrap();
        let objs: Vec<BenchUser> = tx
            .query(&self.raw.select_all, &[])
            .await
            .unwrap()
            .iter()
            .map(from_row)
            .collect();
        tx.commit().await.unwrap();
        let took = start.stop();
        self.check_table(&objs).await;
        took
    }

    // W5: change one column of every loaded object; only the write is timed.

    async fn w5_mapped(&mut self, round: usize) -> Sample {
        self.seed(&users(0..N, round)).await;
        let mut s = self.db.session();
        let objs = s.all(&BenchUser::query()).await.unwrap();
        for o in &objs {
            o.edit(|u| u.score += 1.25);
        }
        let start = Timer::start();
        s.commit().await.unwrap();
        let took = start.stop();
        let objs: Vec<BenchUser> = objs.iter().map(Obj::cloned).collect();
        self.check_table(&objs).await;
        took
    }

    async fn w5_raw(&mut self, round: usize) -> Sample {
        self.seed(&users(0..N, round)).await;
        let tx = self.client.transaction().await.unwrap();
        let mut objs: Vec<BenchUser> = tx
            .query(&self.raw.select_all, &[])
            .await
            .unwrap()
            .iter()
            .map(from_row)
            .collect();
        for u in &mut objs {
            u.score += 1.25;
        }
        let start = Timer::start();
        let ids: Vec<i64> = objs.iter().map(|u| u.id).collect();
        let scores: Vec<f64> = objs.iter().map(|u| u.score).collect();
        let n = tx
            .execute(&self.raw.update_scores, &[&ids, &scores])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let took = start.stop();
        assert_eq!(n, u64::try_from(N).unwrap());
        self.check_table(&objs).await;
        took
    }

    // W6: upsert on email, half the keys existing.

    async fn w6_setup(&mut self, round: usize) -> Vec<BenchUser> {
        let existing: Vec<BenchUser> = (0..N).step_by(2).map(|i| user(i, round)).collect();
        self.seed(&existing).await;
        users(0..N, round + 1)
    }

    async fn w6_mapped(&mut self, round: usize) -> Sample {
        let data = self.w6_setup(round).await;
        let mut s = self.db.session();
        let start = Timer::start();
        let objs = s.upsert_all_on(data, BenchUser::EMAIL_KEY).await.unwrap();
        s.commit().await.unwrap();
        let took = start.stop();
        let objs: Vec<BenchUser> = objs.iter().map(Obj::cloned).collect();
        assert_eq!(objs.len(), N);
        self.check_table(&objs).await;
        took
    }

    async fn w6_raw(&mut self, round: usize) -> Sample {
        let data = self.w6_setup(round).await;
        let start = Timer::start();
        let names: Vec<&str> = data.iter().map(|u| u.name.as_str()).collect();
        let emails: Vec<&str> = data.iter().map(|u| u.email.as_str()).collect();
        let ages: Vec<i32> = data.iter().map(|u| u.age).collect();
        let scores: Vec<f64> = data.iter().map(|u| u.score).collect();
        let tags: Vec<String> = data.iter().map(|u| array_literal(&u.tags)).collect();
        let tx = self.client.transaction().await.unwrap();
        let objs: Vec<BenchUser> = tx
            .query(&self.raw.upsert, &[&names, &emails, &ages, &scores, &tags])
            .await
            .unwrap()
            .iter()
            .map(from_row)
            .collect();
        tx.commit().await.unwrap();
        let took = start.stop();
        assert_eq!(objs.len(), N);
        self.check_table(&objs).await;
        took
    }
}

fn w3_key(i: usize) -> i64 {
    i64::try_from((i * 7919) % N + 1).unwrap()
}

/// One `INSERT .. SELECT FROM unnest(..) RETURNING`, the generated values matched back to
/// the structs through the unique email (the order of `RETURNING` is not promised).
async fn raw_insert_many(
    client: &impl tokio_postgres::GenericClient,
    raw: &Raw,
    rows: &mut [BenchUser],
) {
    let names: Vec<&str> = rows.iter().map(|u| u.name.as_str()).collect();
    let emails: Vec<&str> = rows.iter().map(|u| u.email.as_str()).collect();
    let ages: Vec<i32> = rows.iter().map(|u| u.age).collect();
    let scores: Vec<f64> = rows.iter().map(|u| u.score).collect();
    let tags: Vec<String> = rows.iter().map(|u| array_literal(&u.tags)).collect();
    let returned = client
        .query(&raw.insert_many, &[&names, &emails, &ages, &scores, &tags])
        .await
        .unwrap();
    assert_eq!(returned.len(), rows.len());
    let by_email: HashMap<&str, usize> = emails.iter().enumerate().map(|(i, e)| (*e, i)).collect();
    let mut back = Vec::with_capacity(returned.len());
    for row in &returned {
        let email: &str = row.get(1);
        back.push((by_email[email], row.get::<_, i64>(0), row.get(2)));
    }
    for (i, id, created_at) in back {
        rows[i].id = id;
        rows[i].created_at = created_at;
    }
}

/// Prints `mapped::sql` events: the SQL (cut short), parameter and row counts, and the time
/// from sending to the last row.
struct Trace;

struct Fields(Vec<(&'static str, String)>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name(), value.to_owned()));
    }
}

impl tracing::Subscriber for Trace {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target() == "mapped::sql"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        let line: Vec<String> = fields
            .0
            .into_iter()
            .map(|(k, v)| {
                let v: String = v.chars().take(240).collect();
                format!("{k}={v}")
            })
            .collect();
        println!("  sql: {}", line.join(" "));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds: usize = std::env::var("SESSION_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let only = std::env::var("SESSION_BENCH_ONLY").ok();
    // Printing every statement slows the mapped side: for reading, not for timing.
    let trace = std::env::var("SESSION_BENCH_TRACE").is_ok_and(|t| t == "1");
    if trace {
        tracing::subscriber::set_global_default(Trace).unwrap();
    }

    let url = server_url().await;
    // One connection: every session reuses it, so its statement cache is warm after the
    // warm-up round, like the raw side's prepared statements.
    let db = Database::connect_with(&url, DatabaseOptions::default().max_size(1))
        .await
        .unwrap();
    db.execute_sql("DROP TABLE IF EXISTS bench_user")
        .await
        .unwrap();
    db.create_all(&[BenchUser::TABLE], false).await.unwrap();

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let raw = Raw {
        insert_many: client.prepare(RAW_INSERT_MANY).await.unwrap(),
        insert_one: client.prepare(RAW_INSERT_ONE).await.unwrap(),
        select_one: client.prepare(&raw_select_one()).await.unwrap(),
        select_all: client.prepare(&raw_select_all()).await.unwrap(),
        update_scores: client.prepare(RAW_UPDATE_SCORES).await.unwrap(),
        upsert: client.prepare(&raw_upsert()).await.unwrap(),
    };
    let mut bench = Bench { db, client, raw };

    // times[workload][0: mapped, 1: raw]
    let mut times: Vec<[Vec<Sample>; 2]> =
        (0..WORKLOADS.len()).map(|_| Default::default()).collect();
    for round in 0..=rounds {
        for (w, workload) in WORKLOADS.iter().enumerate() {
            if only.as_deref().is_some_and(|o| o != workload.name) {
                continue;
            }
            let order = if (round + w) % 2 == 0 {
                [Side::Mapped, Side::Raw]
            } else {
                [Side::Raw, Side::Mapped]
            };
            for side in order {
                let took = bench.run(w, side, round).await;
                if trace {
                    println!(
                        "{} {side:?} round {round}: {}",
                        workload.name,
                        ms(took.wall)
                    );
                }
                if round > 0 {
                    times[w][usize::from(side == Side::Raw)].push(took);
                }
            }
        }
    }

    println!(
        "Session beside raw tokio-postgres: best of {rounds} rounds (after a warm-up), and the median"
    );
    println!(
        "{:<3} {:<37} {:>11} {:>10} {:>6} {:>6}       {:>10} {:>10} {:>6}   {:>10} {:>10}",
        "",
        "",
        "mapped best",
        "raw best",
        "ratio",
        "target",
        "mapped med",
        "raw med",
        "ratio",
        "cpu mapped",
        "cpu raw"
    );
    let mut failed = 0;
    for (w, workload) in WORKLOADS.iter().enumerate() {
        let [mapped, raw] = &times[w];
        if mapped.is_empty() {
            continue;
        }
        let wall =
            |samples: &[Sample]| stats(&mut samples.iter().map(|s| s.wall).collect::<Vec<_>>());
        let cpu = |samples: &[Sample]| -> String {
            let mut cpu: Vec<Duration> = samples.iter().filter_map(|s| s.cpu).collect();
            if cpu.is_empty() {
                "-".into()
            } else {
                ms(stats(&mut cpu).1)
            }
        };
        let (m_best, m_median, _) = wall(mapped);
        let (r_best, r_median, _) = wall(raw);
        let ratio = m_best.as_secs_f64() / r_best.as_secs_f64();
        let ratio_median = m_median.as_secs_f64() / r_median.as_secs_f64();
        let pass = ratio <= workload.target;
        failed += usize::from(!pass);
        println!(
            "{:<3} {:<37} {:>11} {:>10} {:>5.2}x {:>5.2}x {:<4}  {:>10} {:>10} {:>5.2}x   {:>10} {:>10}",
            workload.name,
            workload.what,
            ms(m_best),
            ms(r_best),
            ratio,
            workload.target,
            if pass { "pass" } else { "FAIL" },
            ms(m_median),
            ms(r_median),
            ratio_median,
            cpu(mapped),
            cpu(raw),
        );
    }
    println!(
        "ratio: mapped / raw; pass: best ratio <= target. cpu: this process's CPU time in the timed part (median), the rest is the server and waiting"
    );
    if failed > 0 {
        println!("{failed} of the workloads over target");
    }
}
