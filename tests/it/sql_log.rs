//! A `tracing` capture of the statements logged on `mapped::sql`, and helpers to read
//! their shape: how the Session tests check what a flush sent.

#![allow(
    dead_code,
    reason = "each test module uses a different part of the capture helpers"
)]

use std::sync::{Arc, Mutex, OnceLock};

// ---------------------------------------------------------------------------------------
// Statement capture
// ---------------------------------------------------------------------------------------

/// One statement as logged on `mapped::sql`: its SQL and its number of parameters.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    pub(crate) sql: String,
    pub(crate) params: usize,
}

/// A `tracing` subscriber that keeps the statements logged on `mapped::sql`. Installed
/// with [`capture`] on a current-thread runtime, so it sees this test's statements only.
#[derive(Clone, Default)]
pub(crate) struct SqlLog(Arc<Mutex<Vec<Stmt>>>);

impl SqlLog {
    /// The statements logged since the last call.
    pub(crate) fn take(&self) -> Vec<Stmt> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A statement log installed for this thread (until the guard drops).
///
/// `tracing` caches each callsite's interest process-wide, computed when the callsite is
/// first hit. While only one dispatcher is alive it asks the *hitting* thread's default, so a
/// sibling test's thread without a subscriber would cache "never" and hide the statements
/// from this log. A second dispatcher kept alive for the whole run (never anyone's
/// default) makes tracing always combine the interests of every live dispatcher instead.
pub(crate) fn capture() -> (SqlLog, tracing::subscriber::DefaultGuard) {
    static ANCHOR: OnceLock<tracing::Dispatch> = OnceLock::new();
    ANCHOR.get_or_init(|| tracing::Dispatch::new(SqlLog::default()));
    let log = SqlLog::default();
    let guard = tracing::subscriber::set_default(log.clone());
    (log, guard)
}

#[derive(Default)]
struct StmtFields {
    sql: Option<String>,
    params: usize,
}

impl tracing::field::Visit for StmtFields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "params" {
            self.params = format!("{value:?}").parse().unwrap_or(0);
        }
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "params" {
            self.params = usize::try_from(value).unwrap();
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "sql" {
            self.sql = Some(value.to_owned());
        }
    }
}

impl tracing::Subscriber for SqlLog {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() != "mapped::sql" {
            return;
        }
        let mut fields = StmtFields::default();
        event.record(&mut fields);
        if let Some(sql) = fields.sql {
            self.0.lock().unwrap().push(Stmt {
                sql,
                params: fields.params,
            });
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// `INSERT t`, `UPDATE t`, `DELETE t` for the data statements a flush sends (an INSERT
/// may sit inside a CTE), `None` for anything else (SELECTs, BEGIN, COMMIT, savepoints).
pub(crate) fn shape(sql: &str) -> Option<String> {
    let table_after = |marker: &str| -> Option<String> {
        let at = sql.find(marker)? + marker.len();
        let rest = &sql[at..];
        Some(rest[..rest.find('"')?].to_owned())
    };
    if sql.starts_with("UPDATE ") {
        return table_after("UPDATE \"").map(|t| format!("UPDATE {t}"));
    }
    if sql.starts_with("DELETE ") {
        return table_after("DELETE FROM \"").map(|t| format!("DELETE {t}"));
    }
    if sql.contains("INSERT INTO \"") {
        return table_after("INSERT INTO \"").map(|t| format!("INSERT {t}"));
    }
    None
}

/// The shapes of the data statements, in the order they were sent.
pub(crate) fn shapes(stmts: &[Stmt]) -> Vec<String> {
    stmts.iter().filter_map(|s| shape(&s.sql)).collect()
}

/// The statements of one shape (`"UPDATE sf_docs"`).
pub(crate) fn of<'a>(stmts: &'a [Stmt], wanted: &str) -> Vec<&'a Stmt> {
    stmts
        .iter()
        .filter(|s| shape(&s.sql).as_deref() == Some(wanted))
        .collect()
}

/// The assignments of an UPDATE's SET list (`"col" = expr`), split at top-level commas.
pub(crate) fn assignments(sql: &str) -> Vec<String> {
    let start = sql.find(" SET ").unwrap() + 5;
    let rest = &sql[start..];
    let (mut depth, mut quoted) = (0i32, false);
    let mut out = Vec::new();
    let mut current = String::new();
    for (at, ch) in rest.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            ' ' if !quoted
                && depth == 0
                && (rest[at..].starts_with(" WHERE ") || rest[at..].starts_with(" FROM ")) =>
            {
                break;
            }
            _ => {}
        }
        current.push(ch);
    }
    out.push(current.trim().to_owned());
    out
}

/// The columns an UPDATE sets, in the order of its SET list.
pub(crate) fn set_columns(sql: &str) -> Vec<String> {
    assignments(sql)
        .iter()
        .map(|a| a[..a.find(" = ").unwrap()].trim_matches('"').to_owned())
        .collect()
}
