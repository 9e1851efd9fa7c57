//! The engine against a real server: the pool (hooks, reset on return, broken connections),
//! transactions (options, savepoints, autocommit, retry, cancellation), streaming, the
//! statement cache, LISTEN/NOTIFY, notices and statement logging.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use mapped::orm_core::query::raw_query;
use mapped::orm_core::types::{Bool, Int4, Int8, Text};
use mapped::orm_runtime::{
    Database, DatabaseOptions, Error, Executor, IsolationLevel, ResetOnReturn, RetryPolicy,
    SqlState, TransactionOptions,
};

use crate::support::{server_url, test_db, test_db_with};

/// `SHOW <setting>` as text.
async fn show(ex: &mut impl Executor, setting: &'static str) -> String {
    let sql = match setting {
        "search_path" => "SHOW search_path",
        "statement_timeout" => "SHOW statement_timeout",
        "transaction_isolation" => "SHOW transaction_isolation",
        "transaction_read_only" => "SHOW transaction_read_only",
        "transaction_deferrable" => "SHOW transaction_deferrable",
        "application_name" => "SHOW application_name",
        "work_mem" => "SHOW work_mem",
        other => panic!("add {other} to show()"),
    };
    ex.query_one::<String, _>(&raw_query::<Text>(sql))
        .await
        .unwrap()
}

/// Whether the connection is inside a transaction block: `now()` is frozen at the start of
/// a transaction, `clock_timestamp()` is not, so two reads a moment apart differ only
/// outside one... which needs a sleep. Instead ask the server directly: a `SAVEPOINT`
/// outside a transaction block fails with 25P01.
async fn in_transaction(ex: &mut impl Executor) -> bool {
    match ex
        .execute_sql("SAVEPOINT probe; RELEASE SAVEPOINT probe")
        .await
    {
        Ok(()) => true,
        Err(e) if e.code() == Some(&SqlState::NO_ACTIVE_SQL_TRANSACTION) => false,
        Err(e) => panic!("unexpected: {e}"),
    }
}

/// Runs `fut` for `ms` milliseconds and drops it unfinished (a client that went away).
async fn abandon<F: std::future::Future>(fut: F, ms: u64) {
    let finished = tokio::time::timeout(Duration::from_millis(ms), fut)
        .await
        .is_ok();
    assert!(
        !finished,
        "the statement finished before it could be abandoned"
    );
}

async fn backend_pid(db: &Database) -> i32 {
    db.connection().await.unwrap().backend_pid().await.unwrap()
}

/// Terminates a backend from a separate admin connection.
async fn terminate(pid: i32) {
    let admin = Database::connect_with(&server_url().await, DatabaseOptions::default().max_size(1))
        .await
        .unwrap();
    let killed: bool = admin
        .query_one(
            &raw_query::<Bool>("SELECT pg_terminate_backend(")
                .bind(pid)
                .sql(")"),
        )
        .await
        .unwrap();
    assert!(killed, "backend {pid} was not terminated");
    // Wait until it is gone, so the client's socket has seen the close.
    for _ in 0..200 {
        let alive: i64 = admin
            .query_one(
                &raw_query::<Int8>("SELECT count(*) FROM pg_stat_activity WHERE pid = ")
                    .bind(pid)
                    .sql(""),
            )
            .await
            .unwrap();
        if alive == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    admin.close();
}

#[tokio::test]
async fn after_connect_hooks_run_once_per_connection_outside_transactions() {
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let db = test_db_with(
        "hooks",
        DatabaseOptions::default()
            .max_size(2)
            .after_connect("SET statement_timeout = '4321ms'")
            .after_connect_fn(move |client| {
                let counted = counted.clone();
                Box::pin(async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    client.batch_execute("SET work_mem = '7MB'").await?;
                    Ok(())
                })
            }),
    )
    .await;
    let mut conn = db.connection().await.unwrap();
    assert_eq!(show(&mut conn, "statement_timeout").await, "4321ms");
    assert_eq!(show(&mut conn, "work_mem").await, "7MB");
    // A rollback does not undo them: they ran outside any transaction.
    let mut tx = conn.begin().await.unwrap();
    tx.execute_sql("SET LOCAL statement_timeout = '1s'")
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let mut conn = db.connection().await.unwrap();
    assert_eq!(show(&mut conn, "statement_timeout").await, "4321ms");
    drop(conn);
    // Reusing the connection does not run them again.
    for _ in 0..5 {
        db.execute_sql("SELECT 1").await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst) as usize, db.status().size);
}

#[tokio::test]
async fn a_failing_hook_fails_the_connection_with_the_servers_error() {
    let url = server_url().await;
    let err = Database::connect_with(
        &url,
        DatabaseOptions::default().after_connect("SET no_such_setting = 1"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::UNDEFINED_OBJECT), "{err}");
    assert!(err.to_string().contains("no_such_setting"), "{err}");
}

#[tokio::test]
async fn a_connection_comes_back_rolled_back() {
    let db = test_db_with("reset_rb", DatabaseOptions::default().max_size(1)).await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    {
        let mut conn = db.connection().await.unwrap();
        // A transaction opened with raw SQL and never closed.
        conn.execute_sql("BEGIN; INSERT INTO t VALUES (1)")
            .await
            .unwrap();
    }
    let mut conn = db.connection().await.unwrap();
    assert!(!in_transaction(&mut conn).await);
    let n: i64 = conn
        .query_one(&raw_query::<Int8>("SELECT count(*) FROM t"))
        .await
        .unwrap();
    assert_eq!(n, 0, "the abandoned insert was rolled back");
}

#[tokio::test]
async fn clean_reset_discards_session_state_and_reruns_hooks() {
    let db = test_db_with(
        "reset_clean",
        DatabaseOptions::default()
            .max_size(1)
            .reset_on_return(ResetOnReturn::Clean)
            .after_connect("SET statement_timeout = '2222ms'"),
    )
    .await;
    let pid = backend_pid(&db).await;
    {
        let mut conn = db.connection().await.unwrap();
        conn.execute_sql("SET work_mem = '9MB'; CREATE TEMP TABLE scratch (n INT)")
            .await
            .unwrap();
    }
    let mut conn = db.connection().await.unwrap();
    assert_eq!(
        conn.backend_pid().await.unwrap(),
        pid,
        "same connection, reset"
    );
    assert_ne!(show(&mut conn, "work_mem").await, "9MB");
    assert_eq!(show(&mut conn, "statement_timeout").await, "2222ms");
    let scratch: i64 = conn
        .query_one(&raw_query::<Int8>(
            "SELECT count(*) FROM pg_class WHERE relname = 'scratch' AND relpersistence = 't'",
        ))
        .await
        .unwrap();
    assert_eq!(scratch, 0, "DISCARD TEMP dropped the temporary table");
    // The default keeps session state.
    let db = test_db_with("reset_keep", DatabaseOptions::default().max_size(1)).await;
    db.connection()
        .await
        .unwrap()
        .execute_sql("SET work_mem = '9MB'")
        .await
        .unwrap();
    assert_eq!(
        show(&mut db.connection().await.unwrap(), "work_mem").await,
        "9MB"
    );
}

#[tokio::test]
async fn a_connection_killed_in_the_pool_is_replaced() {
    let db = test_db_with("killed_idle", DatabaseOptions::default().max_size(1)).await;
    let pid = backend_pid(&db).await;
    terminate(pid).await;
    // The pool notices the closed connection and opens a new one.
    let mut conn = db.connection().await.unwrap();
    let new_pid = conn.backend_pid().await.unwrap();
    assert_ne!(new_pid, pid);
    assert_eq!(show(&mut conn, "search_path").await.split(',').count(), 2);
}

#[tokio::test]
async fn a_connection_killed_in_use_gives_a_clear_error_and_the_pool_recovers() {
    let db = test_db_with("killed_busy", DatabaseOptions::default().max_size(1)).await;
    let mut tx = db.transaction().await.unwrap();
    tx.execute_sql("CREATE TEMP TABLE x (n INT)").await.unwrap();
    let pid = {
        let pid: i32 = tx
            .query_one(&raw_query::<Int4>("SELECT pg_backend_pid()"))
            .await
            .unwrap();
        pid
    };
    terminate(pid).await;
    let err = tx
        .query_one::<i32, _>(&raw_query::<Int4>("SELECT 1"))
        .await
        .unwrap_err();
    assert!(err.is_connection_lost(), "{err:?}");
    assert!(
        err.to_string()
            .contains("connection to the server was lost"),
        "{err}"
    );
    // Commit cannot succeed: the server rolled back when it ended the session.
    assert!(tx.commit().await.is_err());
    // The pool throws the dead connection away and opens a new one.
    let mut conn = db.connection().await.unwrap();
    assert_ne!(conn.backend_pid().await.unwrap(), pid);
    // Killed while in use on a plain connection, then queried in a fresh one.
    let pid = conn.backend_pid().await.unwrap();
    terminate(pid).await;
    let err = conn.execute_sql("SELECT 1").await.unwrap_err();
    assert!(err.is_connection_lost(), "{err:?}");
    drop(conn);
    db.execute_sql("SELECT 1").await.unwrap();
}

#[tokio::test]
async fn pre_ping_checks_each_checkout() {
    let db = test_db_with(
        "pre_ping",
        DatabaseOptions::default().max_size(1).pre_ping(true),
    )
    .await;
    let pid = backend_pid(&db).await;
    terminate(pid).await;
    assert_ne!(backend_pid(&db).await, pid);
}

#[tokio::test]
async fn transaction_options_reach_the_server() {
    let db = test_db("tx_options").await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    let mut tx = db
        .transaction_with(
            TransactionOptions::new()
                .isolation(IsolationLevel::Serializable)
                .read_only(true)
                .deferrable(true),
        )
        .await
        .unwrap();
    assert_eq!(show(&mut tx, "transaction_isolation").await, "serializable");
    assert_eq!(show(&mut tx, "transaction_read_only").await, "on");
    assert_eq!(show(&mut tx, "transaction_deferrable").await, "on");
    let err = tx
        .execute_sql("INSERT INTO t VALUES (1)")
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&SqlState::READ_ONLY_SQL_TRANSACTION),
        "{err}"
    );
    drop(tx);

    let mut tx = db
        .transaction_with(TransactionOptions::new().isolation(IsolationLevel::RepeatableRead))
        .await
        .unwrap();
    assert_eq!(
        show(&mut tx, "transaction_isolation").await,
        "repeatable read"
    );
    assert_eq!(show(&mut tx, "transaction_read_only").await, "off");
    tx.commit().await.unwrap();

    // Pool-wide defaults, and nothing leaks into the connection's next transaction.
    let db = test_db_with(
        "tx_defaults",
        DatabaseOptions::default().max_size(1).transaction_options(
            TransactionOptions::new().isolation(IsolationLevel::RepeatableRead),
        ),
    )
    .await;
    let mut tx = db.transaction().await.unwrap();
    assert_eq!(
        show(&mut tx, "transaction_isolation").await,
        "repeatable read"
    );
    tx.commit().await.unwrap();
    let mut tx = db
        .connection()
        .await
        .unwrap()
        .begin_with(TransactionOptions::new())
        .await
        .unwrap();
    assert_eq!(
        show(&mut tx, "transaction_isolation").await,
        "read committed"
    );
}

async fn count(ex: &mut impl Executor, table: &'static str) -> i64 {
    let sql = match table {
        "t" => "SELECT count(*) FROM t",
        other => panic!("add {other}"),
    };
    ex.query_one(&raw_query::<Int8>(sql)).await.unwrap()
}

#[tokio::test]
async fn savepoints_nest_and_roll_back_alone() {
    let db = test_db("savepoints").await;
    db.execute_sql("CREATE TABLE t (n INT PRIMARY KEY)")
        .await
        .unwrap();
    let mut tx = db.transaction().await.unwrap();
    tx.execute_sql("INSERT INTO t VALUES (1)").await.unwrap();

    // Released: kept.
    let mut sp = tx.savepoint().await.unwrap();
    sp.execute_sql("INSERT INTO t VALUES (2)").await.unwrap();
    sp.commit().await.unwrap();

    // Rolled back: only its own work is undone.
    let mut sp = tx.savepoint().await.unwrap();
    sp.execute_sql("INSERT INTO t VALUES (3)").await.unwrap();
    {
        let mut inner = sp.savepoint().await.unwrap();
        inner.execute_sql("INSERT INTO t VALUES (4)").await.unwrap();
        inner.commit().await.unwrap();
    }
    sp.rollback().await.unwrap();
    assert_eq!(count(&mut tx, "t").await, 2);

    // A failure inside a savepoint does not doom the transaction once rolled back.
    let mut sp = tx.savepoint().await.unwrap();
    let err = sp
        .execute_sql("INSERT INTO t VALUES (1)")
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    // Committing a failed savepoint rolls it back and says so.
    assert!(matches!(sp.commit().await, Err(Error::TransactionAborted)));
    tx.execute_sql("INSERT INTO t VALUES (5)").await.unwrap();

    // Dropped: rolled back before the next statement.
    {
        let mut sp = tx.savepoint().await.unwrap();
        sp.execute_sql("INSERT INTO t VALUES (6)").await.unwrap();
        let mut inner = sp.savepoint().await.unwrap();
        inner.execute_sql("INSERT INTO t VALUES (7)").await.unwrap();
    }
    assert_eq!(count(&mut tx, "t").await, 3);
    // Dropped after a failure: the transaction recovers too.
    {
        let mut sp = tx.savepoint().await.unwrap();
        let _ = sp
            .execute_sql("INSERT INTO t VALUES (1)")
            .await
            .unwrap_err();
    }
    tx.execute_sql("INSERT INTO t VALUES (8)").await.unwrap();
    tx.commit().await.unwrap();

    let ns: Vec<i32> = db
        .query(&raw_query::<Int4>("SELECT n FROM t ORDER BY n"))
        .await
        .unwrap();
    assert_eq!(ns, [1, 2, 5, 8]);

    // A failure outside any savepoint dooms the transaction.
    let mut tx = db.transaction().await.unwrap();
    let _ = tx
        .execute_sql("INSERT INTO t VALUES (1)")
        .await
        .unwrap_err();
    assert!(matches!(tx.commit().await, Err(Error::TransactionAborted)));
}

#[tokio::test]
async fn autocommit_runs_what_a_transaction_refuses() {
    let db = test_db("autocommit").await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    let mut tx = db.transaction().await.unwrap();
    let err = tx
        .execute_sql("CREATE INDEX CONCURRENTLY t_n ON t (n)")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::ACTIVE_SQL_TRANSACTION), "{err}");
    drop(tx);
    let mut conn = db.connection().await.unwrap();
    assert!(!in_transaction(&mut conn).await);
    conn.execute_sql("CREATE INDEX CONCURRENTLY t_n ON t (n)")
        .await
        .unwrap();
    let indexes: i64 = conn
        .query_one(&raw_query::<Int8>(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 't_n' AND schemaname = current_schema()",
        ))
        .await
        .unwrap();
    assert_eq!(indexes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_helper_survives_real_serialization_failures() {
    let db = test_db_with("retry_ser", DatabaseOptions::default().max_size(4)).await;
    db.execute_sql("CREATE TABLE doctors (name TEXT PRIMARY KEY, on_call BOOL NOT NULL); INSERT INTO doctors VALUES ('alice', true), ('bob', true)")
        .await
        .unwrap();
    // Write skew: each takes a doctor off call if another is still on call. Run together
    // under SERIALIZABLE, one of them must fail and, retried, see the other's change.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let attempts = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for name in ["alice", "bob"] {
        let db = db.clone();
        let barrier = barrier.clone();
        let attempts = attempts.clone();
        tasks.push(tokio::spawn(async move {
            let options = TransactionOptions::new().isolation(IsolationLevel::Serializable);
            let policy = RetryPolicy::default().base_delay(Duration::from_millis(1));
            db.transaction_with_retry(options, policy, |tx| {
                let barrier = barrier.clone();
                let attempts = attempts.clone();
                Box::pin(async move {
                    let attempt = attempts.fetch_add(1, Ordering::SeqCst);
                    let on_call: i64 = tx
                        .query_one(&raw_query::<Int8>(
                            "SELECT count(*) FROM doctors WHERE on_call",
                        ))
                        .await?;
                    if attempt < 2 {
                        // Both first attempts read before either writes.
                        barrier.wait().await;
                    }
                    if on_call >= 2 {
                        tx.execute(
                            &raw_query::<()>("UPDATE doctors SET on_call = false WHERE name = ")
                                .bind(name.to_owned())
                                .sql(""),
                        )
                        .await?;
                        Ok(true)
                    } else {
                        Ok(false)
                    }
                })
            })
            .await
        }));
    }
    let mut went_off = 0;
    for task in tasks {
        if task.await.unwrap().unwrap() {
            went_off += 1;
        }
    }
    assert_eq!(went_off, 1, "exactly one doctor went off call");
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "one transaction ran twice"
    );
    let on_call: i64 = db
        .query_one(&raw_query::<Int8>(
            "SELECT count(*) FROM doctors WHERE on_call",
        ))
        .await
        .unwrap();
    assert_eq!(on_call, 1);

    // Another error is returned at once, however many attempts are allowed.
    let runs = AtomicU32::new(0);
    let err = db
        .transaction_with_retry(TransactionOptions::new(), RetryPolicy::default(), |tx| {
            runs.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                tx.execute_sql("SELECT 1 / 0").await?;
                Ok(())
            })
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // Serialization failures every time: retried until the attempts run out, then returned.
    let runs = AtomicU32::new(0);
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1));
    let err = db
        .transaction_with_retry(TransactionOptions::new(), policy, |tx| {
            runs.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                tx.execute_sql(
                    "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$",
                )
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap_err();
    assert!(err.is_serialization_failure(), "{err}");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_helper_survives_a_real_deadlock() {
    let db = test_db_with("retry_deadlock", DatabaseOptions::default().max_size(4)).await;
    db.execute_sql("CREATE TABLE acct (id INT PRIMARY KEY, n INT NOT NULL); INSERT INTO acct VALUES (1, 0), (2, 0)")
        .await
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let attempts = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for (first, second) in [(1, 2), (2, 1)] {
        let db = db.clone();
        let barrier = barrier.clone();
        let attempts = attempts.clone();
        tasks.push(tokio::spawn(async move {
            db.transaction_with_retry(TransactionOptions::new(), RetryPolicy::default(), |tx| {
                let barrier = barrier.clone();
                let attempts = attempts.clone();
                Box::pin(async move {
                    let attempt = attempts.fetch_add(1, Ordering::SeqCst);
                    let bump = |id: i32| {
                        raw_query::<()>("UPDATE acct SET n = n + 1 WHERE id = ")
                            .bind(id)
                            .sql("")
                    };
                    tx.execute(&bump(first)).await?;
                    if attempt < 2 {
                        barrier.wait().await;
                    }
                    tx.execute(&bump(second)).await?;
                    Ok(())
                })
            })
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "the deadlock victim ran again"
    );
    let ns: Vec<i32> = db
        .query(&raw_query::<Int4>("SELECT n FROM acct ORDER BY id"))
        .await
        .unwrap();
    assert_eq!(ns, [2, 2], "both transactions committed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_future_never_leaves_a_transaction_in_the_pool() {
    // One connection, and a short wait: if the cancelled task's connection were stuck (in
    // its transaction, or behind its 30 s sleep), taking it again would time out.
    let db = test_db_with(
        "cancelled",
        DatabaseOptions::default()
            .max_size(1)
            .wait_timeout(Some(Duration::from_secs(10))),
    )
    .await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let db2 = db.clone();
    let task = tokio::spawn(async move {
        let mut tx = db2.transaction().await.unwrap();
        tx.execute_sql("INSERT INTO t VALUES (1)").await.unwrap();
        started_tx.send(()).unwrap();
        // A long statement, cancelled mid-flight (a client gone away).
        tx.execute_sql("SELECT pg_sleep(30)").await.unwrap();
        tx.commit().await.unwrap();
    });
    started.await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());

    let mut conn = db.connection().await.unwrap();
    assert!(!in_transaction(&mut conn).await);
    let busy: i64 = conn
        .query_one(&raw_query::<Int8>(
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
        ))
        .await
        .unwrap();
    assert_eq!(busy, 0, "the running statement was cancelled");
    assert_eq!(count(&mut conn, "t").await, 0, "the insert was rolled back");

    // The same for a future dropped while BEGIN itself is in flight, many times over.
    drop(conn);
    for _ in 0..20 {
        let fut = db.transaction();
        let _ = tokio::time::timeout(Duration::from_micros(50), fut).await;
    }
    let mut conn = db.connection().await.unwrap();
    assert!(!in_transaction(&mut conn).await);
}

#[tokio::test]
async fn stream_reads_a_million_rows_in_order_in_batches() {
    let db = test_db("stream_million").await;
    let query = raw_query::<Int8>("SELECT g::int8 FROM generate_series(1, 1000000) g");
    let mut rows = std::pin::pin!(db.stream::<i64, _>(&query, 10_000));
    let mut expected = 1_i64;
    while let Some(n) = rows.try_next().await.unwrap() {
        assert_eq!(n, expected);
        expected += 1;
    }
    assert_eq!(expected, 1_000_001);
}

#[tokio::test]
async fn stream_uses_a_cursor_inside_the_transaction() {
    let db = test_db_with("stream_cursor", DatabaseOptions::default().max_size(1)).await;
    db.execute_sql("CREATE TABLE t (n INT); INSERT INTO t SELECT generate_series(1, 25)")
        .await
        .unwrap();
    let mut tx = db.transaction().await.unwrap();
    let query = raw_query::<Int4>("SELECT n FROM t WHERE n > ")
        .bind(5_i32)
        .sql(" ORDER BY n");
    {
        let first: Vec<i32> = tx
            .stream::<i32, _>(&query, 4)
            .take(3)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(first, [6, 7, 8]);
    }
    // Dropped early: its cursor stays open until the transaction ends.
    let cursors: Vec<String> = tx
        .query(&raw_query::<Text>(
            "SELECT name FROM pg_cursors WHERE name <> '' ORDER BY name",
        ))
        .await
        .unwrap();
    assert_eq!(cursors, ["mapped_cursor_1"]);
    // A second stream in the same transaction reads everything.
    let all: Vec<i32> = tx.stream::<i32, _>(&query, 4).try_collect().await.unwrap();
    assert_eq!(all, (6..=25).collect::<Vec<_>>());
    tx.commit().await.unwrap();

    // A stream of its own dropped early rolls its transaction back.
    {
        let mut rows = std::pin::pin!(db.stream::<i32, _>(&query, 2));
        assert_eq!(rows.try_next().await.unwrap(), Some(6));
    }
    let mut conn = db.connection().await.unwrap();
    assert!(!in_transaction(&mut conn).await);
    drop(conn);
    // On a plain connection the stream begins and ends a transaction of its own.
    let mut conn = db.connection().await.unwrap();
    let all: Vec<i32> = conn
        .stream::<i32, _>(&query, 7)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 20);
    assert!(!in_transaction(&mut conn).await);
    {
        let mut rows = std::pin::pin!(conn.stream::<i32, _>(&query, 3));
        assert_eq!(rows.try_next().await.unwrap(), Some(6));
    }
    // Dropped early: rolled back before the next statement, cursor gone.
    assert!(!in_transaction(&mut conn).await);
    let open: i64 = conn
        .query_one(&raw_query::<Int8>(
            "SELECT count(*) FROM pg_cursors WHERE name <> ''",
        ))
        .await
        .unwrap();
    assert_eq!(open, 0);
    drop(conn);
    // An error surfaces as the stream's item.
    let bad = raw_query::<Int4>("SELECT 1 / 0");
    let result: Result<Vec<i32>, Error> = db.stream::<i32, _>(&bad, 10).try_collect().await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO), "{err:?}");
}

#[tokio::test]
async fn statement_cache_is_bounded_and_can_be_off() {
    let db = test_db_with(
        "cache_small",
        DatabaseOptions::default()
            .max_size(1)
            .statement_cache_size(2),
    )
    .await;
    let mut conn = db.connection().await.unwrap();
    for sql in ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 2"] {
        let q = match sql {
            "SELECT 1" => raw_query::<Int4>("SELECT 1"),
            "SELECT 2" => raw_query::<Int4>("SELECT 2"),
            _ => raw_query::<Int4>("SELECT 3"),
        };
        conn.query_one::<i32, _>(&q).await.unwrap();
    }
    assert_eq!(conn.cached_statements(), 2);
    let prepared: Vec<String> = conn
        .query(&raw_query::<Text>(
            "SELECT statement FROM pg_prepared_statements ORDER BY statement",
        ))
        .await
        .unwrap();
    // The least recently used (SELECT 1) was evicted and closed on the server; this query
    // itself is now cached, evicting SELECT 3.
    assert!(!prepared.contains(&"SELECT 1".to_owned()), "{prepared:?}");
    assert!(prepared.contains(&"SELECT 2".to_owned()), "{prepared:?}");

    let db = test_db_with(
        "cache_off",
        DatabaseOptions::default()
            .max_size(1)
            .statement_cache_size(0),
    )
    .await;
    let mut conn = db.connection().await.unwrap();
    for _ in 0..3 {
        let n: i32 = conn
            .query_one(&raw_query::<Int4>("SELECT ").bind(5_i32).sql("::int4"))
            .await
            .unwrap();
        assert_eq!(n, 5);
    }
    assert_eq!(conn.cached_statements(), 0);
    let prepared: Vec<String> = conn
        .query(&raw_query::<Text>(
            "SELECT statement FROM pg_prepared_statements",
        ))
        .await
        .unwrap();
    // Only the statement running now: the others were closed right after use.
    assert_eq!(prepared, ["SELECT statement FROM pg_prepared_statements"]);
}

#[tokio::test]
async fn ddl_through_the_engine_clears_every_connections_cache() {
    let db = test_db_with("cache_ddl", DatabaseOptions::default().max_size(2)).await;
    db.execute_sql("CREATE TABLE s (a BIGINT); INSERT INTO s VALUES (1)")
        .await
        .unwrap();
    // Both connections of the pool cache the statement.
    let mut a = db.connection().await.unwrap();
    let mut b = db.connection().await.unwrap();
    for conn in [&mut a, &mut b] {
        let one: Vec<i64> = conn
            .query(&raw_query::<Int8>("SELECT * FROM s"))
            .await
            .unwrap();
        assert_eq!(one, [1]);
        assert_eq!(conn.cached_statements(), 1);
    }
    drop((a, b));
    // DDL on another connection of the pool.
    let mut other = db.connection().await.unwrap();
    let conn = db.connection().await.unwrap();
    other
        .execute_sql("ALTER TABLE s ADD COLUMN b TEXT DEFAULT 'x'")
        .await
        .unwrap();
    drop(other);
    // Inside a transaction a stale statement could not be retried; the cache was cleared
    // before it was used.
    let mut tx = conn.begin().await.unwrap();
    let two: Vec<(i64, String)> = tx
        .query(&raw_query::<(Int8, Text)>("SELECT * FROM s"))
        .await
        .unwrap();
    assert_eq!(two, [(1, "x".to_owned())]);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn ddl_from_elsewhere_is_recovered_from() {
    let db = test_db_with("cache_foreign", DatabaseOptions::default().max_size(1)).await;
    db.execute_sql("CREATE TABLE s (a BIGINT); INSERT INTO s VALUES (1)")
        .await
        .unwrap();
    let schema: String = db
        .query_one(&raw_query::<Text>("SELECT current_schema()::text"))
        .await
        .unwrap();
    let q = raw_query::<Int8>("SELECT * FROM s");
    let one: Vec<i64> = db.query(&q).await.unwrap();
    assert_eq!(one, [1]);
    // Another process changes the table.
    let outsider = Database::connect(&server_url().await).await.unwrap();
    let alter = format!("ALTER TABLE \"{schema}\".s ADD COLUMN b TEXT DEFAULT 'x'");
    outsider.execute_sql(&alter).await.unwrap();
    let alter = format!("ALTER TABLE \"{schema}\".s DROP COLUMN b");
    // Outside a transaction the stale statement is prepared again and retried once.
    let two: Vec<(i64, String)> = db
        .query(&raw_query::<(Int8, Text)>("SELECT * FROM s"))
        .await
        .unwrap();
    assert_eq!(two, [(1, "x".to_owned())]);
    outsider.execute_sql(&alter).await.unwrap();
    // Inside one, the error comes through, and the next transaction works.
    let mut tx = db.transaction().await.unwrap();
    let err = tx
        .query::<(i64, String), _>(&raw_query::<(Int8, Text)>("SELECT * FROM s"))
        .await;
    match err {
        Err(e) => assert_eq!(e.code(), Some(&SqlState::FEATURE_NOT_SUPPORTED), "{e}"),
        Ok(rows) => panic!("expected a stale plan error, got {rows:?}"),
    }
    drop(tx);
    let one: Vec<i64> = db.query(&q).await.unwrap();
    assert_eq!(one, [1]);
}

#[tokio::test]
async fn listen_and_notify() {
    let db = test_db("listen").await;
    let mut listener = db.listen(["jobs"]).await.unwrap();
    let sender_pid = {
        let mut conn = db.connection().await.unwrap();
        conn.notify("jobs", "first").await.unwrap();
        conn.backend_pid().await.unwrap()
    };
    let n = tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.channel(), "jobs");
    assert_eq!(n.payload(), "first");
    assert_eq!(n.process_id(), sender_pid);

    // Inside a transaction: delivered at commit, never on rollback.
    let mut tx = db.transaction().await.unwrap();
    tx.notify("jobs", "rolled back").await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = db.transaction().await.unwrap();
    tx.notify("jobs", "committed").await.unwrap();
    tx.commit().await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), "committed");

    // Channels are identifiers, quoted: odd names work and cannot inject SQL.
    let odd = "Mixed Case; DROP TABLE x";
    listener.listen(odd).await.unwrap();
    listener.unlisten("jobs").await.unwrap();
    db.notify("jobs", "ignored").await.unwrap();
    db.notify(odd, "payload with 'quotes'").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((n.channel(), n.payload()), (odd, "payload with 'quotes'"));
}

/// Terminates the backend whose last statement listened on `channel` (the listener's) and
/// waits until the listener has reconnected.
async fn kill_listener(db: &Database, listener: &mapped::orm_runtime::Listener, channel: &str) {
    let before = listener.reconnects();
    let pid: i32 = db
        .query_one(
            &raw_query::<Int4>(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND query LIKE '%' || ",
            )
            .bind(channel.to_owned())
            .sql(" || '%'"),
        )
        .await
        .unwrap();
    terminate(pid).await;
    for _ in 0..500 {
        if listener.reconnects() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn listen_survives_a_killed_connection() {
    let db = test_db("listen_kill").await;
    let channel = format!("kill_{}", std::process::id());
    let mut listener = db.listen([channel.clone()]).await.unwrap();
    // The listener's backend is the one listening on the channel.
    kill_listener(&db, &listener, &channel).await;
    assert_eq!(listener.reconnects(), 1);
    db.notify(&channel, "after").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.payload(), "after");
    // A channel added later is listened to again after the next reconnect too.
    let later = format!("{channel}_later");
    listener.listen(&later).await.unwrap();
    kill_listener(&db, &listener, &later).await;
    assert_eq!(listener.reconnects(), 2);
    db.notify(&later, "later").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((n.channel(), n.payload()), (later.as_str(), "later"));
}

/// A `tracing` subscriber that records every event's level, target and fields.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(tracing::Level, String, HashMap<String, String>)>>>);

impl Capture {
    fn events(&self) -> Vec<(tracing::Level, String, HashMap<String, String>)> {
        self.0.lock().unwrap().clone()
    }
}

struct Fields(HashMap<String, String>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(HashMap::new());
        event.record(&mut fields);
        let meta = event.metadata();
        self.0
            .lock()
            .unwrap()
            .push((*meta.level(), meta.target().to_owned(), fields.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// Current-thread runtime: the connection tasks run on this thread, under its subscriber.
#[tokio::test(flavor = "current_thread")]
async fn notices_and_statements_go_to_tracing() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let db = test_db_with("tracing", DatabaseOptions::default().max_size(1).echo(true)).await;
    db.execute_sql("DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful'; END $$")
        .await
        .unwrap();
    let secret = "s3cret-value";
    let _: String = db
        .query_one(
            &raw_query::<Text>("SELECT ")
                .bind(secret.to_owned())
                .sql("::text"),
        )
        .await
        .unwrap();
    tokio::task::yield_now().await;
    let events = capture.events();
    let notice = events
        .iter()
        .find(|(_, target, f)| {
            target == "mapped::notice" && f.get("message").is_some_and(|m| m.contains("hello 42"))
        })
        .unwrap_or_else(|| panic!("no NOTICE event in {events:?}"));
    assert_eq!(notice.0, tracing::Level::INFO);
    let warning = events
        .iter()
        .find(|(_, target, f)| {
            target == "mapped::notice" && f.get("message").is_some_and(|m| m.contains("careful"))
        })
        .unwrap_or_else(|| panic!("no WARNING event in {events:?}"));
    assert_eq!(warning.0, tracing::Level::WARN);
    // echo: statements at INFO with SQL, bind count and rows; never the values.
    let stmt = events
        .iter()
        .find(|(_, target, f)| {
            target == "mapped::sql" && f.get("sql").is_some_and(|s| s == "SELECT $1::text")
        })
        .unwrap_or_else(|| panic!("no statement event in {events:?}"));
    assert_eq!(stmt.0, tracing::Level::INFO);
    assert_eq!(stmt.2.get("params").map(String::as_str), Some("1"));
    assert_eq!(stmt.2.get("rows").map(String::as_str), Some("1"));
    assert!(
        !format!("{events:?}").contains(secret),
        "a value was logged"
    );
    drop(db);

    // Asked for, values are logged.
    let db = test_db_with(
        "tracing_values",
        DatabaseOptions::default().max_size(1).log_values(true),
    )
    .await;
    let _: String = db
        .query_one(
            &raw_query::<Text>("SELECT ")
                .bind(secret.to_owned())
                .sql("::text"),
        )
        .await
        .unwrap();
    let events = capture.events();
    let stmt = events
        .iter()
        .rev()
        .find(|(_, target, f)| {
            target == "mapped::sql" && f.get("sql").is_some_and(|s| s == "SELECT $1::text")
        })
        .unwrap();
    assert_eq!(stmt.0, tracing::Level::DEBUG, "echo off: debug");
    assert!(
        stmt.2.get("values").is_some_and(|v| v.contains(secret)),
        "{stmt:?}"
    );
}

#[tokio::test]
async fn server_errors_keep_their_details() {
    let db = test_db("errors").await;
    db.execute_sql(
        "CREATE TABLE parent (id INT PRIMARY KEY); CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL REFERENCES parent (id))",
    )
    .await
    .unwrap();
    let insert_child = raw_query::<()>("INSERT INTO child VALUES (1, ")
        .bind(99_i32)
        .sql(")");
    let err = db.execute(&insert_child).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err}");
    assert_eq!(err.constraint(), Some("child_parent_id_fkey"));
    let db_err = err.as_db_error().unwrap();
    assert_eq!(db_err.table(), Some("child"));
    assert!(db_err.schema().is_some_and(|s| s.starts_with("t_errors")));
    assert!(
        db_err
            .detail()
            .is_some_and(|d| d.contains("(parent_id)=(99)")),
        "{db_err:?}"
    );
    assert!(!err.is_unique_violation() && !err.is_serialization_failure() && !err.is_deadlock());

    db.execute_sql("INSERT INTO parent VALUES (1)")
        .await
        .unwrap();
    let err = db
        .execute_sql("INSERT INTO parent VALUES (1)")
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert_eq!(err.constraint(), Some("parent_pkey"));
    let err = db
        .execute_sql("INSERT INTO child (id) VALUES (2)")
        .await
        .unwrap_err();
    assert!(err.is_not_null_violation());
    assert_eq!(err.as_db_error().unwrap().column(), Some("parent_id"));
    assert!(err.to_string().contains("column parent_id"), "{err}");
}

/// The child half of [`pg_environment_variables_take_effect`]: connects with an empty
/// connection string, so everything comes from the `PG*` variables its parent set.
#[tokio::test]
#[ignore = "run by pg_environment_variables_take_effect in a child process with PG* set"]
async fn pg_env_child() {
    assert_eq!(std::env::var("MAPPED_PG_ENV_CHILD").as_deref(), Ok("1"));
    let db = Database::connect("").await.unwrap();
    let mut conn = db.connection().await.unwrap();
    assert_eq!(show(&mut conn, "application_name").await, "from-env");
    assert_eq!(show(&mut conn, "statement_timeout").await, "4242ms");
    // A URL overrides the variables it names, and takes the rest from them.
    let db = Database::connect("postgres:///?application_name=from-url")
        .await
        .unwrap();
    let mut conn = db.connection().await.unwrap();
    assert_eq!(show(&mut conn, "application_name").await, "from-url");
    assert_eq!(show(&mut conn, "statement_timeout").await, "4242ms");
}

#[tokio::test]
async fn pg_environment_variables_take_effect() {
    use mapped::orm_runtime::ConnectConfig;
    use mapped::orm_runtime::tokio_postgres::config::Host;

    let url = server_url().await;
    let config = ConnectConfig::parse(&url).unwrap();
    let pg = config.pg_config();
    let host = match &pg.get_hosts()[0] {
        Host::Tcp(h) => h.clone(),
        Host::Unix(p) => p.display().to_string(),
    };
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["engine::pg_env_child", "--exact", "--include-ignored"])
        .env("MAPPED_PG_ENV_CHILD", "1")
        .env("PGHOST", host)
        .env("PGPORT", pg.get_ports()[0].to_string())
        .env("PGUSER", pg.get_user().unwrap())
        .env("PGDATABASE", pg.get_dbname().unwrap_or("postgres"))
        .env("PGAPPNAME", "from-env")
        .env("PGOPTIONS", "-c statement_timeout=4242")
        .env_remove("DATABASE_URL");
    if let Some(password) = pg.get_password() {
        child.env("PGPASSWORD", String::from_utf8(password.to_vec()).unwrap());
    }
    let out = tokio::task::spawn_blocking(move || child.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn an_error_after_the_first_row_is_not_lost() {
    let db = test_db("late_error").await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    let late = raw_query::<Int4>("SELECT 10 / (2 - g) FROM generate_series(1, 3) g");
    let err = db.query_one::<i32, _>(&late).await.unwrap_err();
    assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO), "{err}");
    let mut tx = db.transaction().await.unwrap();
    tx.execute_sql("INSERT INTO t VALUES (1)").await.unwrap();
    assert!(tx.query_opt::<i32, _>(&late).await.is_err());
    assert!(matches!(tx.commit().await, Err(Error::TransactionAborted)));
}

#[tokio::test]
async fn an_encoding_error_does_not_abort_the_transaction() {
    let db = test_db("encode_tx").await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    let mut tx = db.transaction().await.unwrap();
    // A text value where the server expects an integer: refused before it is sent.
    let bad = raw_query::<()>("INSERT INTO t VALUES (")
        .bind("one".to_owned())
        .sql("::int4)");
    let err = tx.execute(&bad).await.unwrap_err();
    assert!(matches!(err, Error::Encode(_)), "{err:?}");
    tx.execute_sql("INSERT INTO t VALUES (2)").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(&mut db.connection().await.unwrap(), "t").await, 1);
}

#[tokio::test]
async fn a_statement_dropped_inside_a_transaction_is_checked_at_commit() {
    let db = test_db("dropped_stmt").await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    // The dropped statement fails after its future is gone: commit must not report success.
    let mut tx = db.transaction().await.unwrap();
    tx.execute_sql("INSERT INTO t VALUES (1)").await.unwrap();
    let slow_failure = tx.execute_sql("SELECT pg_sleep(0.3); SELECT 1 / 0");
    abandon(slow_failure, 50).await;
    assert!(matches!(tx.commit().await, Err(Error::TransactionAborted)));
    assert_eq!(count(&mut db.connection().await.unwrap(), "t").await, 0);
    // One that succeeds after its future is gone: the commit goes through.
    let mut tx = db.transaction().await.unwrap();
    let slow_success = tx.execute_sql("SELECT pg_sleep(0.3); INSERT INTO t VALUES (2)");
    abandon(slow_success, 50).await;
    tx.commit().await.unwrap();
    assert_eq!(count(&mut db.connection().await.unwrap(), "t").await, 1);
}

#[tokio::test]
async fn raw_begin_through_a_prepared_statement_is_rolled_back_on_return() {
    let db = test_db_with("raw_begin", DatabaseOptions::default().max_size(1)).await;
    db.execute_sql("CREATE TABLE t (n INT)").await.unwrap();
    {
        let mut conn = db.connection().await.unwrap();
        conn.execute(&raw_query::<()>("BEGIN")).await.unwrap();
        conn.execute(&raw_query::<()>("INSERT INTO t VALUES (1)"))
            .await
            .unwrap();
    }
    let mut conn = db.connection().await.unwrap();
    assert!(!in_transaction(&mut conn).await);
    assert_eq!(count(&mut conn, "t").await, 0);
}

#[tokio::test]
async fn a_borrowed_transaction_keeps_the_session() {
    let db = test_db_with("borrowed_tx", DatabaseOptions::default().max_size(1)).await;
    let mut conn = db.connection().await.unwrap();
    conn.execute_sql("CREATE TEMP TABLE t (n INT)")
        .await
        .unwrap();
    let mut tx = conn.transaction().await.unwrap();
    tx.execute_sql("INSERT INTO t VALUES (1)").await.unwrap();
    tx.commit().await.unwrap();
    // Dropped without commit: rolled back before the connection's next statement.
    {
        let mut tx = conn.transaction().await.unwrap();
        tx.execute_sql("INSERT INTO t VALUES (2)").await.unwrap();
    }
    assert!(!in_transaction(&mut conn).await);
    let n: i64 = conn
        .query_one(&raw_query::<Int8>("SELECT count(*) FROM pg_temp.t"))
        .await
        .unwrap();
    assert_eq!(
        n, 1,
        "the temp table lived on; the dropped insert was rolled back"
    );
    // Dropped mid-statement: cancelled, then rolled back.
    {
        let mut tx = conn.transaction().await.unwrap();
        let slow = tx.execute_sql("INSERT INTO t VALUES (3); SELECT pg_sleep(30)");
        abandon(slow, 100).await;
    }
    let mut tx = conn.transaction().await.unwrap();
    let n: i64 = tx
        .query_one(&raw_query::<Int8>("SELECT count(*) FROM pg_temp.t"))
        .await
        .unwrap();
    assert_eq!(n, 1);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_plain_connection_dropped_mid_statement_is_cancelled() {
    let db = test_db_with(
        "dropped_conn",
        DatabaseOptions::default()
            .max_size(1)
            .wait_timeout(Some(Duration::from_secs(10))),
    )
    .await;
    {
        let mut conn = db.connection().await.unwrap();
        let slow = conn.execute_sql("SELECT pg_sleep(30)");
        abandon(slow, 100).await;
    }
    // Within the 10 s wait: the sleep was cancelled, not waited out.
    let mut conn = db.connection().await.unwrap();
    let n: i32 = conn
        .query_one(&raw_query::<Int4>("SELECT 7"))
        .await
        .unwrap();
    assert_eq!(n, 7);
}

#[tokio::test]
async fn a_failing_reset_throws_the_connection_away() {
    let db = test_db_with(
        "reset_fails",
        DatabaseOptions::default()
            .max_size(1)
            .reset_on_return(ResetOnReturn::Custom("SELECT no_such_function()".into())),
    )
    .await;
    let pid = backend_pid(&db).await;
    // That use was reset with failing SQL: the next one gets a new connection.
    assert_ne!(backend_pid(&db).await, pid);
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    // A port nothing listens on: bind one, learn it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Database::connect(&format!(
        "postgres://app@127.0.0.1:{port}/app?sslmode=disable"
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    assert!(!err.is_connection_lost());
}
