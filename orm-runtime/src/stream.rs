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
use crate::executor::sealed::{Target, Token};
use crate::executor::{TxState, after, decode_row, flush_pending, log_statement};
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

/// What a streaming step holds between polls.
enum Step<C> {
    Start(C, CompiledSql),
    Open(C, Cursor),
    Done,
}

/// Streams inside an existing transaction (`target.tx` is set).
pub(crate) fn stream_in<'a, R, S>(
    target: Target<'a>,
    sql: Result<CompiledSql, InvalidStatement>,
    batch: u32,
) -> impl Stream<Item = Result<R, Error>> + Send + 'a
where
    R: FromRow<S> + Send + 'static,
    S: 'a,
{
    let start = match sql {
        Ok(sql) => Some(Step::Start(target, sql)),
        Err(e) => {
            let _ = target;
            return flatten(futures_util::stream::iter(vec![Err(Error::from(e))])).left_stream();
        }
    };
    let steps = futures_util::stream::unfold(start, move |step| async move {
        match step? {
            Step::Start(target, sql) => {
                let Target { conn, tx: Some(tx) } = target else {
                    return Some((Err(not_in_transaction()), None));
                };
                match open(conn, tx, &sql, batch).await {
                    Ok(cursor) => match next_batch::<R, S>(&cursor, conn, tx).await {
                        Ok((rows, true)) => Some((Ok(rows), Some(Step::Done))),
                        Ok((rows, false)) => Some((
                            Ok(rows),
                            Some(Step::Open(Target { conn, tx: Some(tx) }, cursor)),
                        )),
                        Err(e) => Some((Err(e), Some(Step::Done))),
                    },
                    Err(e) => Some((Err(e), Some(Step::Done))),
                }
            }
            Step::Open(target, cursor) => {
                let Target { conn, tx: Some(tx) } = target else {
                    return Some((Err(not_in_transaction()), None));
                };
                match next_batch::<R, S>(&cursor, conn, tx).await {
                    Ok((rows, true)) => Some((Ok(rows), Some(Step::Done))),
                    Ok((rows, false)) => Some((
                        Ok(rows),
                        Some(Step::Open(Target { conn, tx: Some(tx) }, cursor)),
                    )),
                    Err(e) => Some((Err(e), Some(Step::Done))),
                }
            }
            Step::Done => None,
        }
    });
    flatten(steps).right_stream()
}

fn not_in_transaction() -> Error {
    Error::Config("a cursor needs a transaction".into())
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
    enum Owned<F> {
        Begin(F, Result<CompiledSql, InvalidStatement>),
        Open(Box<Transaction<'static>>, Cursor),
        Done,
    }
    let steps = futures_util::stream::unfold(
        Some(Owned::Begin(Box::pin(begin), sql)),
        move |step| async move {
            match step? {
                Owned::Begin(begin, sql) => {
                    let sql = match sql {
                        Ok(sql) => sql,
                        Err(e) => return Some((Err(Error::from(e)), Some(Owned::Done))),
                    };
                    let mut tx = match begin.await {
                        Ok(tx) => Box::new(tx),
                        Err(e) => return Some((Err(e), Some(Owned::Done))),
                    };
                    let Target {
                        conn,
                        tx: Some(state),
                    } = crate::executor::sealed::Sealed::target(&mut *tx, Token(()))
                    else {
                        return Some((Err(not_in_transaction()), None));
                    };
                    let cursor = match open(conn, state, &sql, batch).await {
                        Ok(cursor) => cursor,
                        Err(e) => return Some((Err(e), Some(Owned::Done))),
                    };
                    fetch_owned::<R, S, _>(tx, cursor).await
                }
                Owned::Open(tx, cursor) => fetch_owned::<R, S, _>(tx, cursor).await,
                Owned::Done => None,
            }
        },
    );

    async fn fetch_owned<R: FromRow<S>, S, F>(
        mut tx: Box<Transaction<'static>>,
        cursor: Cursor,
    ) -> Option<(Result<Vec<R>, Error>, Option<Owned<F>>)> {
        let Target {
            conn,
            tx: Some(state),
        } = crate::executor::sealed::Sealed::target(&mut *tx, Token(()))
        else {
            return Some((Err(not_in_transaction()), None));
        };
        match next_batch::<R, S>(&cursor, conn, state).await {
            Ok((rows, false)) => Some((Ok(rows), Some(Owned::Open(tx, cursor)))),
            Ok((rows, true)) => match tx.commit().await {
                Ok(()) => Some((Ok(rows), Some(Owned::Done))),
                Err(e) => Some((Err(e), Some(Owned::Done))),
            },
            Err(e) => Some((Err(e), Some(Owned::Done))),
        }
    }

    flatten(steps)
}
