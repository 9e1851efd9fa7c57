//! The SQL writer: numbers binds `$1..$n`, quotes identifiers, never inlines a value.
//!
//! Statement builders render themselves into a [`SqlWriter`] and hand back a
//! [`CompiledSql`]: the SQL text plus its parameters, ready for the driver.

use std::collections::HashMap;
use std::fmt;

use postgres_types::ToSql;

use crate::value::{Param, ParamsDebug};

/// SQL text and its bound parameters.
#[derive(Clone)]
pub struct CompiledSql {
    sql: String,
    params: Vec<Param>,
    /// Where each `$n` sits in `sql` (byte range) and which parameter it is: the display
    /// text is rendered from them on demand, never on the hot path.
    marks: Vec<(usize, usize, usize)>,
    debug_sql: std::sync::OnceLock<String>,
}

impl CompiledSql {
    /// The SQL text with `$n` placeholders.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameters, `$1` first.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The parameters as the driver wants them.
    pub fn params_for_driver(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_to_sql()).collect()
    }

    /// Display-only rendering with values inlined as literals. Never execute it: values are
    /// always sent as parameters.
    pub fn debug_sql(&self) -> &str {
        self.debug_sql.get_or_init(|| {
            let mut out = String::with_capacity(self.sql.len() + 8 * self.marks.len());
            let mut at = 0;
            for &(start, end, param) in &self.marks {
                out.push_str(&self.sql[at..start]);
                match self.params.get(param) {
                    Some(p) => crate::value::write_literal(&mut out, p.as_ref()),
                    None => out.push_str(&self.sql[start..end]),
                }
                at = end;
            }
            out.push_str(&self.sql[at..]);
            out
        })
    }

    /// Splits into SQL text and parameters.
    pub fn into_parts(self) -> (String, Vec<Param>) {
        (self.sql, self.params)
    }

    /// Wraps a SQL string that has no parameters (trusted SQL such as DDL).
    pub fn raw(sql: impl Into<String>) -> Self {
        let sql = sql.into();
        CompiledSql {
            sql,
            params: Vec::new(),
            marks: Vec::new(),
            debug_sql: std::sync::OnceLock::new(),
        }
    }
}

impl fmt::Debug for CompiledSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledSql")
            .field("sql", &self.sql)
            .field("params", &ParamsDebug(&self.params))
            .finish()
    }
}

impl fmt::Display for CompiledSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}

/// Something that renders itself as SQL: statements, expressions, clauses.
pub trait QueryFragment {
    /// Appends this fragment to `out`.
    fn walk(&self, out: &mut SqlWriter);

    /// Renders the fragment on its own.
    fn to_sql(&self) -> CompiledSql {
        let mut w = SqlWriter::new();
        self.walk(&mut w);
        w.finish()
    }
}

/// Accumulates SQL text and parameters.
///
/// It writes the SQL with `$n` and notes where each placeholder is, so the display-only
/// text with the values inlined (see [`CompiledSql::debug_sql`]) is made only if asked for.
#[derive(Debug, Default)]
pub struct SqlWriter {
    sql: String,
    marks: Vec<(usize, usize, usize)>,
    params: Vec<Param>,
    seen: HashMap<usize, usize>,
    qualify: bool,
}

impl SqlWriter {
    /// An empty writer that qualifies column names with their table.
    pub fn new() -> Self {
        SqlWriter {
            qualify: true,
            ..Default::default()
        }
    }

    /// Appends trusted SQL text.
    pub fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Appends an identifier, always quoted (`"name"`, with `"` doubled).
    pub fn push_ident(&mut self, ident: &str) {
        quote_ident_into(&mut self.sql, ident);
    }

    /// Appends a bound parameter as `$n`. Binding the same `Arc` twice reuses its number.
    pub fn push_param(&mut self, value: &Param) {
        let key = std::sync::Arc::as_ptr(value).cast::<()>() as usize;
        let n = match self.seen.get(&key) {
            Some(n) => *n,
            None => {
                self.params.push(value.clone());
                let n = self.params.len();
                self.seen.insert(key, n);
                n
            }
        };
        let start = self.sql.len();
        self.sql.push('$');
        self.sql.push_str(&n.to_string());
        self.marks.push((start, self.sql.len(), n - 1));
    }

    /// Whether column references are written `"table"."column"` (true) or `"column"`.
    pub fn qualify(&self) -> bool {
        self.qualify
    }

    /// Runs `f` with column qualification switched to `on`, then restores it.
    pub fn with_qualify(&mut self, on: bool, f: impl FnOnce(&mut SqlWriter)) {
        let old = std::mem::replace(&mut self.qualify, on);
        f(self);
        self.qualify = old;
    }

    /// Appends items separated by `sep`.
    pub fn push_list<T>(
        &mut self,
        items: &[T],
        sep: &str,
        mut each: impl FnMut(&mut SqlWriter, &T),
    ) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            each(self, item);
        }
    }

    /// Number of parameters so far.
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// The finished SQL and parameters.
    pub fn finish(self) -> CompiledSql {
        CompiledSql {
            sql: self.sql,
            params: self.params,
            marks: self.marks,
            debug_sql: std::sync::OnceLock::new(),
        }
    }
}

/// Writes `"ident"`, doubling embedded double quotes.
pub fn quote_ident_into(out: &mut String, ident: &str) {
    out.push('"');
    for ch in ident.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
}

/// `"ident"` as a new string.
pub fn quote_ident(ident: &str) -> String {
    let mut s = String::with_capacity(ident.len() + 2);
    quote_ident_into(&mut s, ident);
    s
}
