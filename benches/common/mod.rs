//! What the benchmark binaries share: the server to run against and the summary figures.

#![allow(dead_code, reason = "each benchmark uses part of it")]

use std::time::Duration;

use mapped::orm_runtime::{DATABASE_URL, LocalServer};

/// `DATABASE_URL`, or the local throwaway server.
pub(crate) async fn server_url() -> String {
    match std::env::var(DATABASE_URL) {
        Ok(url) if !url.is_empty() => url,
        _ => tokio::task::spawn_blocking(LocalServer::shared)
            .await
            .unwrap()
            .unwrap()
            .url(),
    }
}

/// (min, median, mean)
pub(crate) fn stats(times: &mut [Duration]) -> (Duration, Duration, Duration) {
    times.sort();
    let total: Duration = times.iter().sum();
    (
        times[0],
        times[times.len() / 2],
        total / u32::try_from(times.len()).unwrap(),
    )
}

/// Milliseconds, two decimals.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Microseconds, one decimal.
pub(crate) fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}
