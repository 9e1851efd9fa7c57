//! Patch vs whole-value writes of a JSONB column: change one key of a 1,000-key document on
//! 1,000 rows and flush, the bytes sent and the time, in one run.
//!
//! - `patch (jsonb_set)`: the column is a `MutableJson<Value>`; the Session writes
//!   `jsonb_set(doc, '{k500}', $v)` per row (one `UPDATE .. FROM unnest(..)`).
//! - `whole value`: the same table through a model whose column is a plain
//!   `serde_json::Value`; the Session writes every document whole. (Assigning a new
//!   `MutableJson` would not do: it is compared with the row as loaded and patched all the
//!   same.)
//! - `raw whole` and `raw jsonb_set`: the same two writes by hand with raw tokio-postgres
//!   (one `UPDATE .. FROM unnest(..)` each), for reference.
//!
//! Every side starts from the same table (emptied and seeded before it runs, not timed),
//! loads the 1,000 rows, changes `k500` on each (not timed), and then only the write and
//! commit are timed. The side that goes first rotates with the round; round 0 is a warm-up
//! (plans, statement caches) and is not counted; the table shows the best of the counted
//! rounds and their median. After every side every row is checked on the server against
//! an untouched copy of the base documents (`k500` holds that side's value for the round,
//! and the rest of the document is equal), and the `UPDATE` the Session sent is checked to
//! be a patch (`jsonb_set`) or a whole value as expected; the first of each is printed.
//!
//! Bytes are counted on the wire: the benchmark's connections go through a small TCP
//! proxy on 127.0.0.1 (on its own thread) that counts the bytes it forwards each way; the
//! counts cover the timed part. Over a Unix socket they cannot be counted (shown as `-`);
//! `MUTABLE_BENCH_PROXY=0` connects directly (no counts) to see what the proxy's hop costs.
//!
//! Run: `cargo bench --bench mutable` (release), against `DATABASE_URL` or the local
//! throwaway server. `MUTABLE_BENCH_ROUNDS=n` counts n rounds instead of 3.

#![allow(
    clippy::unwrap_used,
    reason = "a benchmark binary: a failure aborts the run"
)]

use std::io::ErrorKind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mapped::orm_runtime::tokio_postgres::config::Host;
use mapped::orm_runtime::tokio_postgres::{self, Client, NoTls};
use mapped::orm_runtime::{ConnectConfig, Database, DatabaseOptions};
use mapped::prelude::*;
use serde_json::{Value, json};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

mod common;
use common::{ms, server_url, stats};

/// The tracked column: the Session patches it.
#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "bench_doc")]
struct BenchDoc {
    #[mapped(primary_key)]
    id: i64,
    doc: MutableJson<Value>,
}

/// The same table with a plain `serde_json::Value`: the Session writes it whole.
#[derive(Model, Debug, Clone, PartialEq)]
#[mapped(table = "bench_doc")]
struct BenchDocWhole {
    #[mapped(primary_key)]
    id: i64,
    doc: Value,
}

const ROWS: usize = 1_000;
const KEYS: usize = 1_000;
const KEY: &str = "k500";
const ROUNDS: usize = 3;

const RAW_SEED: &str = "INSERT INTO bench_doc_base (id, doc) \
     SELECT i, d FROM unnest($1::int8[], $2::jsonb[]) AS u(i, d)";
/// Rows, and rows equal to their base document with `k500` set to `$1`.
const RAW_CHECK: &str = "SELECT count(*), count(*) FILTER (WHERE b.doc = jsonb_set(r.doc, '{k500}', $1)) \
     FROM bench_doc b JOIN bench_doc_base r USING (id)";
const RAW_SELECT: &str = "SELECT id, doc FROM bench_doc ORDER BY id";
const RAW_WHOLE: &str = "UPDATE bench_doc SET doc = u.doc \
     FROM unnest($1::int8[], $2::jsonb[]) AS u(id, doc) WHERE bench_doc.id = u.id";
const RAW_PATCH: &str = "UPDATE bench_doc SET doc = jsonb_set(bench_doc.doc, '{k500}', u.v) \
     FROM unnest($1::int8[], $2::jsonb[]) AS u(id, v) WHERE bench_doc.id = u.id";

/// Row `id`'s document: keys `k0`..`k999`, small numbers, strings and booleans.
fn base_doc(id: i64) -> Value {
    let id_u = usize::try_from(id).unwrap();
    let map: serde_json::Map<String, Value> = (0..KEYS)
        .map(|k| {
            let v = match k % 4 {
                0 => json!(id_u * 10_000 + k),
                1 => json!(format!("value {k} of row {id}, a short text")),
                2 => json!(k % 7 == 0),
                _ => json!(format!("{:x}-{:x}", id_u * 7919 + k, k * 104_729)),
            };
            (format!("k{k}"), v)
        })
        .collect();
    Value::Object(map)
}

// ---------------------------------------------------------------------------------------
// The sides
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Patch,
    Whole,
    RawWhole,
    RawPatch,
}

const SIDES: [Side; 4] = [Side::Patch, Side::Whole, Side::RawWhole, Side::RawPatch];

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Patch => "patch (jsonb_set)",
            Side::Whole => "whole value",
            Side::RawWhole => "raw whole value (unnest)",
            Side::RawPatch => "raw jsonb_set (unnest)",
        }
    }

    /// The value this side writes into `k500` in `round`: different for every side and
    /// round, so each check sees this side's own write.
    fn value(self, round: usize) -> Value {
        json!(format!("round {round} {self:?}"))
    }
}

/// One timed write: wall time, this thread's CPU time, and the bytes on the wire.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
    bytes: Option<(u64, u64)>,
}

struct Timer<'a> {
    wire: Option<&'a Wire>,
    wall: Instant,
    cpu: Option<Duration>,
}

impl<'a> Timer<'a> {
    fn start(wire: Option<&'a Wire>) -> Self {
        if let Some(w) = wire {
            w.reset();
        }
        Timer {
            wire,
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
            bytes: self.wire.map(Wire::read),
        }
    }
}

/// This thread's time on a CPU so far (Linux: `/proc/thread-self/schedstat`). The proxy
/// runs on a thread of its own, so this is the client library's work only.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

struct Bench {
    db: Database,
    client: Client,
    wire: Option<Arc<Wire>>,
    log: SqlLog,
}

impl Bench {
    /// Empties the table and fills it with the base documents (copied on the server from
    /// `bench_doc_base`), not timed.
    async fn seed(&self) {
        self.client
            .batch_execute(
                "TRUNCATE bench_doc; \
                 INSERT INTO bench_doc (id, doc) SELECT id, doc FROM bench_doc_base; \
                 ANALYZE bench_doc",
            )
            .await
            .unwrap();
    }

    /// Every row holds its base document with `k500` set to `value`, and nothing else
    /// changed (compared on the server, `jsonb` equality).
    async fn check_table(&self, value: &Value) {
        let rows = self.client.query(RAW_CHECK, &[value]).await.unwrap();
        let (total, right): (i64, i64) = (rows[0].get(0), rows[0].get(1));
        assert_eq!(total, i64::try_from(ROWS).unwrap());
        assert_eq!(
            right, total,
            "rows whose document is not the base with {KEY} = {value}"
        );
    }

    /// The one `UPDATE` the Session sent in the timed commit.
    fn update_sent(&self) -> String {
        let updates: Vec<String> = self
            .log
            .take()
            .into_iter()
            .filter(|sql| sql.starts_with("UPDATE \"bench_doc\""))
            .collect();
        assert_eq!(updates.len(), 1, "{updates:#?}");
        updates.into_iter().next().unwrap()
    }

    /// Runs one side; its sample and, for the Session's sides, the `UPDATE` it sent.
    async fn run(&mut self, side: Side, round: usize) -> (Sample, Option<String>) {
        self.seed().await;
        let value = side.value(round);
        let wire = self.wire.as_deref();
        let (took, sql) = match side {
            Side::Patch => {
                let mut s = self.db.session();
                let objs = s.all(&BenchDoc::query()).await.unwrap();
                assert_eq!(objs.len(), ROWS);
                for o in &objs {
                    o.edit(|d| d.doc[KEY] = value.clone());
                }
                self.log.take();
                let start = Timer::start(wire);
                s.commit().await.unwrap();
                let took = start.stop();
                let sql = self.update_sent();
                assert!(sql.contains("jsonb_set("), "not a patch: {sql}");
                (took, Some(sql))
            }
            Side::Whole => {
                let mut s = self.db.session();
                let objs = s.all(&BenchDocWhole::query()).await.unwrap();
                assert_eq!(objs.len(), ROWS);
                for o in &objs {
                    o.edit(|d| d.doc[KEY] = value.clone());
                }
                self.log.take();
                let start = Timer::start(wire);
                s.commit().await.unwrap();
                let took = start.stop();
                let sql = self.update_sent();
                assert!(!sql.contains("jsonb_set("), "not a whole value: {sql}");
                (took, Some(sql))
            }
            Side::RawWhole | Side::RawPatch => {
                let tx = self.client.transaction().await.unwrap();
                let mut rows: Vec<(i64, Value)> = tx
                    .query(RAW_SELECT, &[])
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                assert_eq!(rows.len(), ROWS);
                for (_, doc) in &mut rows {
                    doc[KEY] = value.clone();
                }
                let start = Timer::start(wire);
                let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
                let n = if side == Side::RawWhole {
                    let docs: Vec<&Value> = rows.iter().map(|(_, d)| d).collect();
                    tx.execute(RAW_WHOLE, &[&ids, &docs]).await.unwrap()
                } else {
                    let values: Vec<&Value> = rows.iter().map(|(_, d)| &d[KEY]).collect();
                    tx.execute(RAW_PATCH, &[&ids, &values]).await.unwrap()
                };
                tx.commit().await.unwrap();
                let took = start.stop();
                assert_eq!(n, u64::try_from(ROWS).unwrap());
                (took, None)
            }
        };
        self.check_table(&value).await;
        (took, sql)
    }
}

// ---------------------------------------------------------------------------------------
// Bytes on the wire: a counting TCP proxy
// ---------------------------------------------------------------------------------------

/// Bytes the proxy forwarded: client to server (`sent`) and back (`received`).
#[derive(Debug, Default)]
struct Wire {
    sent: AtomicU64,
    received: AtomicU64,
}

impl Wire {
    fn reset(&self) {
        self.sent.store(0, Ordering::SeqCst);
        self.received.store(0, Ordering::SeqCst);
    }

    fn read(&self) -> (u64, u64) {
        (
            self.sent.load(Ordering::SeqCst),
            self.received.load(Ordering::SeqCst),
        )
    }
}

/// Starts a proxy on 127.0.0.1 forwarding every connection to `host:port`, on a thread
/// of its own; its port.
fn start_proxy(host: String, port: u16, wire: Arc<Wire>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let local = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect((host.as_str(), port)).await.unwrap();
                client.set_nodelay(true).unwrap();
                server.set_nodelay(true).unwrap();
                let (client_r, client_w) = client.into_split();
                let (server_r, server_w) = server.into_split();
                let up = Arc::clone(&wire);
                tokio::spawn(pump(client_r, server_w, move |n| {
                    up.sent.fetch_add(n, Ordering::SeqCst);
                }));
                let down = Arc::clone(&wire);
                tokio::spawn(pump(server_r, client_w, move |n| {
                    down.received.fetch_add(n, Ordering::SeqCst);
                }));
            }
        });
    });
    local
}

/// Forwards bytes from `from` to `to` until either side closes, counting them before they
/// are passed on (so a reply can never arrive before its bytes are counted). Dropping the
/// write half at the end shuts it down.
async fn pump(from: OwnedReadHalf, to: OwnedWriteHalf, count: impl Fn(u64)) {
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        if from.readable().await.is_err() {
            return;
        }
        let n = match from.try_read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Err(_) => return,
        };
        count(u64::try_from(n).unwrap());
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            if to.writable().await.is_err() {
                return;
            }
            match to.try_write(rest) {
                Ok(k) => rest = &rest[k..],
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    }
}

/// The server's TCP address from the connection string, or why bytes cannot be counted.
fn tcp_target(config: &tokio_postgres::Config) -> Result<(String, u16), &'static str> {
    let hosts = config.get_hosts();
    if hosts.len() != 1 || config.get_ports().len() > 1 {
        return Err("several hosts");
    }
    let host = match (&hosts[0], config.get_hostaddrs().first()) {
        (Host::Unix(_), _) => return Err("a Unix socket"),
        (Host::Tcp(_), Some(addr)) => addr.to_string(),
        (Host::Tcp(name), None) => name.clone(),
    };
    if config.get_ssl_mode() != tokio_postgres::config::SslMode::Disable
        && !matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1")
    {
        // A TLS server name check would see the proxy's address.
        return Err("TLS to a remote server");
    }
    Ok((host, config.get_ports().first().copied().unwrap_or(5432)))
}

/// `config` with its host and port replaced by the proxy's.
fn through_proxy(config: &tokio_postgres::Config, port: u16) -> tokio_postgres::Config {
    let mut out = tokio_postgres::Config::new();
    out.host("127.0.0.1").port(port);
    if let Some(user) = config.get_user() {
        out.user(user);
    }
    if let Some(password) = config.get_password() {
        out.password(password);
    }
    if let Some(dbname) = config.get_dbname() {
        out.dbname(dbname);
    }
    if let Some(options) = config.get_options() {
        out.options(options);
    }
    if let Some(name) = config.get_application_name() {
        out.application_name(name);
    }
    out.ssl_mode(config.get_ssl_mode());
    out.connect_timeout(Duration::from_secs(10));
    out
}

// ---------------------------------------------------------------------------------------
// Statement capture (`mapped::sql`, field `sql`)
// ---------------------------------------------------------------------------------------

/// The `UPDATE` statements logged on `mapped::sql` since the last `take`.
#[derive(Clone, Default)]
struct SqlLog(Arc<Mutex<Vec<String>>>);

impl SqlLog {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct SqlField(Option<String>);

impl tracing::field::Visit for SqlField {
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "sql" && value.starts_with("UPDATE") {
            self.0 = Some(value.to_owned());
        }
    }
}

impl tracing::Subscriber for SqlLog {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target() == "mapped::sql"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut field = SqlField(None);
        event.record(&mut field);
        if let Some(sql) = field.0 {
            self.0.lock().unwrap().push(sql);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// ---------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------

/// Bytes in decimal units.
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e6 {
        format!("{:.2} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// The median of `values` (the upper one of an even count, like `stats`).
fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds: usize = std::env::var("MUTABLE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let use_proxy = std::env::var("MUTABLE_BENCH_PROXY").map_or(true, |p| p != "0");
    let log = SqlLog::default();
    tracing::subscriber::set_global_default(log.clone()).unwrap();

    let url = server_url().await;
    let config = ConnectConfig::parse(&url).unwrap().pg_config().clone();
    let (config, wire, no_bytes) = match tcp_target(&config) {
        Ok((host, port)) if use_proxy => {
            let wire = Arc::new(Wire::default());
            let proxy = start_proxy(host, port, Arc::clone(&wire));
            (through_proxy(&config, proxy), Some(wire), None)
        }
        Ok(_) => (config, None, Some("MUTABLE_BENCH_PROXY=0")),
        Err(why) => (config, None, Some(why)),
    };

    // One connection: every session reuses it, so its statement cache is warm after the
    // warm-up round, like the raw side's statements.
    let db = Database::from_config(config.clone(), DatabaseOptions::default().max_size(1))
        .await
        .unwrap();
    db.execute_sql("DROP TABLE IF EXISTS bench_doc, bench_doc_base")
        .await
        .unwrap();
    db.create_all(&[BenchDoc::TABLE], false).await.unwrap();
    let (client, connection) = config.connect(NoTls).await.unwrap();
    tokio::spawn(connection);

    // The base documents, kept on the server: every side starts from a copy.
    let docs: Vec<Value> = (1..=ROWS)
        .map(|i| base_doc(i64::try_from(i).unwrap()))
        .collect();
    let doc_bytes = serde_json::to_string(&docs[0]).unwrap().len();
    client
        .batch_execute("CREATE TABLE bench_doc_base (id bigint PRIMARY KEY, doc jsonb NOT NULL)")
        .await
        .unwrap();
    let ids: Vec<i64> = (1..=ROWS).map(|i| i64::try_from(i).unwrap()).collect();
    let n = client.execute(RAW_SEED, &[&ids, &docs]).await.unwrap();
    assert_eq!(n, u64::try_from(ROWS).unwrap());
    drop(docs);
    client
        .batch_execute("ANALYZE bench_doc_base")
        .await
        .unwrap();
    let mut bench = Bench {
        db,
        client,
        wire,
        log,
    };

    let mut samples: Vec<Vec<Sample>> = SIDES.iter().map(|_| Vec::new()).collect();
    let mut first_sql: Vec<Option<String>> = SIDES.iter().map(|_| None).collect();
    for round in 0..=rounds {
        for k in 0..SIDES.len() {
            let s = (round + k) % SIDES.len();
            let (took, sql) = bench.run(SIDES[s], round).await;
            if first_sql[s].is_none() {
                first_sql[s] = sql;
            }
            if round > 0 {
                samples[s].push(took);
            }
        }
    }

    println!(
        "Change one key of a {KEYS}-key JSONB document ({}) on {ROWS} rows and flush: best of {rounds} rounds (after a warm-up), and the median",
        size(u64::try_from(doc_bytes).unwrap())
    );
    println!(
        "{:<26} {:>10} {:>10} {:>10}   {:>10} {:>10}   {:>8} {:>8}",
        "", "best", "median", "cpu med", "sent", "received", "time x", "sent x"
    );
    let summary = |samples: &[Sample]| {
        let (best, med, _) = stats(&mut samples.iter().map(|s| s.wall).collect::<Vec<_>>());
        let mut cpu: Vec<Duration> = samples.iter().filter_map(|s| s.cpu).collect();
        let cpu = (!cpu.is_empty()).then(|| stats(&mut cpu).1);
        let bytes = samples.iter().all(|s| s.bytes.is_some()).then(|| {
            let mut sent: Vec<u64> = samples
                .iter()
                .filter_map(|s| s.bytes)
                .map(|b| b.0)
                .collect();
            let mut recv: Vec<u64> = samples
                .iter()
                .filter_map(|s| s.bytes)
                .map(|b| b.1)
                .collect();
            (median(&mut sent), median(&mut recv))
        });
        (best, med, cpu, bytes)
    };
    let (patch_best, _, _, patch_bytes) = summary(&samples[0]);
    for (s, side) in SIDES.iter().enumerate() {
        let (best, med, cpu, bytes) = summary(&samples[s]);
        let dash = || "-".to_owned();
        println!(
            "{:<26} {:>10} {:>10} {:>10}   {:>10} {:>10}   {:>7.2}x {:>8}",
            side.name(),
            ms(best),
            ms(med),
            cpu.map_or_else(dash, ms),
            bytes.map_or_else(dash, |b| size(b.0)),
            bytes.map_or_else(dash, |b| size(b.1)),
            best.as_secs_f64() / patch_best.as_secs_f64(),
            bytes
                .zip(patch_bytes)
                .map_or_else(dash, |(b, p)| format!("{:.1}x", b.0 as f64 / p.0 as f64)),
        );
    }
    println!(
        "time: the write and commit only (wall); cpu: this thread's CPU time in it (median), the rest is the server and waiting"
    );
    match no_bytes {
        None => println!(
            "sent / received: bytes on the wire client -> server / server -> client in the timed part (median), through a counting proxy"
        ),
        Some(why) => println!("bytes on the wire not counted: {why}"),
    }
    println!("x: this side / patch (jsonb_set), best time and bytes sent");
    for (s, side) in SIDES.iter().enumerate() {
        if let Some(sql) = &first_sql[s] {
            let cut: String = sql.chars().take(260).collect();
            let more = if cut.len() < sql.len() { " .." } else { "" };
            println!("{}: {cut}{more}", side.name());
        }
    }
}
