//! Streaming a query through a server-side cursor: `DECLARE .. NO SCROLL CURSOR FOR
//! <query>` with the query's parameters bound, then `FETCH FORWARD <n>` until the rows run
//! out, decoding each batch as it arrives. Memory holds one batch, however many rows the
//! query returns.

use std::time::Instant;

use futures_core::Stream;
use futures_util::StreamExt;
use orm_core::query::InvalidStatement;
use orm_core::row::FromRow;
use orm_core::writer::{CompiledSql, quote_ident};

use crate::error::Error;
use crate::executor::sealed::Target;
use crate::executor::{TxState, after, decode_row, flush_pending, log_statement, run_control};
use crate::options::BoxFuture;
use crate::pool::{PgConn, SqlKind};
use crate::transaction::Transaction;

/// An open cursor.
struct Cursor {
    name: String,
    fetch: tokio_postgres::Statement,
    fetch_sql: String,
    batch: u32,
}

/// Declares the cursor and prepares its FETCH.
async fn open(
    conn: &mut PgConn,
    tx: &mut TxState,
    sql: &CompiledSql,
    batch: u32,
) -> Result<Cursor, Error> {
    flush_pending(conn, tx).await?;
    tx.cursors += 1;
    let name = format!("mapped_cursor_{}", tx.cursors);
    let declare = format!(
        "DECLARE {} NO SCROLL CURSOR FOR {}",
        quote_ident(&name),
        sql.sql()
    );
    let batch = batch.max(1);
    let fetch_sql = format!("FETCH FORWARD {batch} FROM {}", quote_ident(&name));
    let started = Instant::now();
    if conn.begin_op() {
        tx.uncertain = true;
    }
    // Neither statement is cached: each cursor has its own name.
    let result = async {
        let stmt = conn.client.prepare(&declare).await?;
        conn.client.execute(&stmt, &sql.params_for_driver()).await?;
        conn.client.prepare(&fetch_sql).await
    }
    .await;
    log_statement(conn, &declare, sql.params(), None, started, result.is_ok());
    let fetch = after(conn, Some(tx), SqlKind::default(), &declare, result)?;
    Ok(Cursor {
        name,
        fetch,
        fetch_sql,
        batch,
    })
}

/// Fetches and decodes the next batch, and whether it was the last one (then the cursor
/// is closed already): a batch shorter than asked for is the last.
async fn next_batch<R: FromRow<S>, S>(
    cursor: &Cursor,
    conn: &mut PgConn,
    tx: &mut TxState,
) -> Result<(Vec<R>, bool), Error> {
    let started = Instant::now();
    if conn.begin_op() {
        tx.uncertain = true;
    }
    let result = conn.client.query(&cursor.fetch, &[]).await;
    log_statement(
        conn,
        &cursor.fetch_sql,
        &[],
        result.as_ref().ok().map(|rows| rows.len() as u64),
        started,
        result.is_ok(),
    );
    let rows = after(
        conn,
        Some(&mut *tx),
        SqlKind::default(),
        &cursor.fetch_sql,
        result,
    )?;
    let last = rows.len() < usize::try_from(cursor.batch).unwrap_or(usize::MAX);
    if last {
        let close = format!("CLOSE {}", quote_ident(&cursor.name));
        conn.client.batch_execute(&close).await.map_err(|e| {
            tx.failed = true;
            Error::from_driver(e, Some(&close))
        })?;
    }
    let decoded = rows
        .iter()
        .map(decode_row::<R, S>)
        .collect::<Result<Vec<R>, Error>>()?;
    Ok((decoded, last))
}

/// Flattens a stream of batches into a stream of rows; stops after the first error.
fn flatten<R, B>(batches: B) -> impl Stream<Item = Result<R, Error>>
where
    B: Stream<Item = Result<Vec<R>, Error>>,
{
    batches.flat_map(|batch| {
        futures_util::stream::iter(match batch {
            Ok(rows) => rows.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        })
    })
}

/// What a cursor lives in: the transaction that holds the connection and its state.
trait Host: Send {
    /// The connection and the transaction's state.
    fn parts(&mut self) -> (&mut PgConn, &mut TxState);
    /// The rows ran out: end what the stream itself began.
    fn finish(self) -> impl Future<Output = Result<(), Error>> + Send;
}

/// A cursor on an executor: inside its transaction, or (on a plain connection) in one the
/// stream begins and commits itself.
enum Borrowed<'a> {
    InTx(&'a mut PgConn, &'a mut TxState),
    Auto(AutoTx<'a>),
}

/// A transaction a stream began on a plain connection. Dropped before the rows ran out, it
/// leaves a rollback for the connection's next statement (or for the pool).
struct AutoTx<'a> {
    conn: &'a mut PgConn,
    state: TxState,
    open: bool,
}

impl<'a> AutoTx<'a> {
    async fn begin(conn: &'a mut PgConn) -> Result<Borrowed<'a>, Error> {
        conn.recover().await?;
        let mut state = TxState::default();
        run_control(conn, &mut state, "BEGIN").await?;
        Ok(Borrowed::Auto(AutoTx {
            conn,
            state,
            open: true,
        }))
    }
}

impl Drop for AutoTx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.conn.rollback_pending = true;
        }
    }
}

impl Host for Borrowed<'_> {
    fn parts(&mut self) -> (&mut PgConn, &mut TxState) {
        match self {
            Borrowed::InTx(conn, state) => (conn, state),
            Borrowed::Auto(auto) => (auto.conn, &mut auto.state),
        }
    }

    async fn finish(self) -> Result<(), Error> {
        match self {
            Borrowed::InTx(..) => Ok(()),
            Borrowed::Auto(mut auto) => {
                let sql = if auto.state.failed {
                    "ROLLBACK"
                } else {
                    "COMMIT"
                };
                let result = run_control(auto.conn, &mut auto.state, sql).await;
                auto.open = false;
                result
            }
        }
    }
}

impl Host for Box<Transaction<'static>> {
    fn parts(&mut self) -> (&mut PgConn, &mut TxState) {
        Transaction::parts(self)
    }

    async fn finish(self) -> Result<(), Error> {
        (*self).commit().await
    }
}

/// The stream of a cursor: opens it in the host `begin` gives, fetches batch after batch,
/// and finishes the host when the rows run out. On an error the host is dropped (a
/// transaction of the stream's own rolls back).
fn cursor_stream<'a, H, R, S>(
    begin: BoxFuture<'a, Result<H, Error>>,
    sql: Result<CompiledSql, InvalidStatement>,
    batch: u32,
) -> impl Stream<Item = Result<R, Error>> + Send + 'a
where
    H: Host + 'a,
    R: FromRow<S> + Send + 'static,
    S: 'a,
{
    enum Step<'a, H> {
        Start(
            BoxFuture<'a, Result<H, Error>>,
            Result<CompiledSql, InvalidStatement>,
        ),
        Open(H, Cursor),
        Done,
    }
    let steps = futures_util::stream::unfold(Step::Start(begin, sql), move |step| async move {
        let (mut host, cursor) = match step {
            Step::Start(begin, sql) => {
                let sql = match sql {
                    Ok(sql) => sql,
                    Err(e) => return Some((Err(Error::from(e)), Step::Done)),
                };
                let mut host = match begin.await {
                    Ok(host) => host,
                    Err(e) => return Some((Err(e), Step::Done)),
                };
                let (conn, tx) = host.parts();
                match open(conn, tx, &sql, batch).await {
                    Ok(cursor) => (host, cursor),
                    Err(e) => return Some((Err(e), Step::Done)),
                }
            }
            Step::Open(host, cursor) => (host, cursor),
            Step::Done => return None,
        };
        let (conn, tx) = host.parts();
        match next_batch::<R, S>(&cursor, conn, tx).await {
            Ok((rows, false)) => Some((Ok(rows), Step::Open(host, cursor))),
            Ok((rows, true)) => match host.finish().await {
                Ok(()) => Some((Ok(rows), Step::Done)),
                Err(e) => Some((Err(e), Step::Done)),
            },
            Err(e) => Some((Err(e), Step::Done)),
        }
    });
    flatten(steps)
}

/// Streams on an executor: in its transaction, or in one of its own on a plain connection.
pub(crate) fn stream_on<'a, R, S>(
    target: Target<'a>,
    sql: Result<CompiledSql, InvalidStatement>,
    batch: u32,
) -> impl Stream<Item = Result<R, Error>> + Send + 'a
where
    R: FromRow<S> + Send + 'static,
    S: 'a,
{
    let begin: BoxFuture<'a, Result<Borrowed<'a>, Error>> = match target {
        Target {
            conn,
            tx: Some(state),
        } => Box::pin(std::future::ready(Ok(Borrowed::InTx(conn, state)))),
        Target { conn, tx: None } => Box::pin(AutoTx::begin(conn)),
    };
    cursor_stream::<_, R, S>(begin, sql, batch)
}

/// Streams in a transaction of its own, committed when the rows run out and rolled back
/// when the stream is dropped early.
pub(crate) fn stream_owned<R, S>(
    begin: impl Future<Output = Result<Transaction<'static>, Error>> + Send + 'static,
    sql: Result<CompiledSql, InvalidStatement>,
    batch: u32,
) -> impl Stream<Item = Result<R, Error>> + Send + 'static
where
    R: FromRow<S> + Send + 'static,
    S: 'static,
{
    let begin: BoxFuture<'static, Result<Box<Transaction<'static>>, Error>> =
        Box::pin(async move { begin.await.map(Box::new) });
    cursor_stream::<_, R, S>(begin, sql, batch)
}
