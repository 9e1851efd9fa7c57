//! LISTEN / NOTIFY: [`Listener`], a stream of [`Notification`]s on a dedicated connection
//! that reconnects and listens again after the connection is lost.

use std::collections::BTreeSet;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use orm_core::writer::quote_ident;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::Error;
use crate::pool::{Shared, drive};

/// One notification: what `NOTIFY channel, 'payload'` (or `pg_notify`) sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    channel: String,
    payload: String,
    process_id: i32,
}

impl Notification {
    pub(crate) fn from_driver(n: &tokio_postgres::Notification) -> Self {
        Notification {
            channel: n.channel().to_owned(),
            payload: n.payload().to_owned(),
            process_id: n.process_id(),
        }
    }

    /// The channel it was sent on.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The payload (empty when none was given).
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// The server process id of the session that sent it.
    pub fn process_id(&self) -> i32 {
        self.process_id
    }
}

enum Command {
    Listen(String, oneshot::Sender<Result<(), Error>>),
    Unlisten(String, oneshot::Sender<Result<(), Error>>),
}

/// A stream of notifications on the channels it listens to, from
/// [`Database::listen`](crate::Database::listen).
///
/// It owns a dedicated connection (not one of the pool's), in autocommit mode so
/// notifications arrive as soon as they are committed, and checks it every 30 s (a
/// connection that died silently is noticed within 40 s). When that connection is lost, it
/// reconnects (waiting 50 ms, doubling up to 5 s between attempts) and listens on every
/// channel again; notifications sent while it was disconnected are lost, as PostgreSQL does
/// not keep them: [`reconnects`](Listener::reconnects) counts such gaps, and each is logged
/// at `warn` (target `mapped::notify`). While it reconnects, [`listen`](Listener::listen)
/// and [`unlisten`](Listener::unlisten) wait for it. Notifications queue in memory until
/// read: keep reading the stream. Dropping the listener closes its connection.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use orm_runtime::{Database, Error};
///
/// # async fn run(db: Database) -> Result<(), Error> {
/// let mut listener = db.listen(["jobs"]).await?;
/// db.notify("jobs", "42").await?;
/// if let Some(n) = listener.next().await {
///     assert_eq!((n.channel(), n.payload()), ("jobs", "42"));
/// }
/// # Ok(()) }
/// ```
pub struct Listener {
    notifications: mpsc::UnboundedReceiver<Notification>,
    commands: mpsc::UnboundedSender<Command>,
    reconnects: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Listener {
    /// Connects and listens on `channels`.
    pub(crate) async fn start(
        shared: Arc<Shared>,
        channels: Vec<String>,
    ) -> Result<Listener, Error> {
        let (notify_tx, notifications) = mpsc::unbounded_channel();
        let (commands, command_rx) = mpsc::unbounded_channel();
        let channels: BTreeSet<String> = channels.into_iter().collect();
        let session = Session::connect(&shared, &channels, notify_tx.clone()).await?;
        let reconnects = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(
            shared,
            channels,
            session,
            notify_tx,
            command_rx,
            reconnects.clone(),
        ));
        Ok(Listener {
            notifications,
            commands,
            reconnects,
            task,
        })
    }

    /// Also listens on `channel` (and after every reconnect).
    pub async fn listen(&self, channel: &str) -> Result<(), Error> {
        self.command(|reply| Command::Listen(channel.to_owned(), reply))
            .await
    }

    /// Stops listening on `channel`.
    pub async fn unlisten(&self, channel: &str) -> Result<(), Error> {
        self.command(|reply| Command::Unlisten(channel.to_owned(), reply))
            .await
    }

    async fn command(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<(), Error>>) -> Command,
    ) -> Result<(), Error> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .map_err(|_| Error::Config("the listener's task has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Config("the listener's task has stopped".into()))?
    }

    /// How many times the connection was lost and made again (each is a gap in which
    /// notifications may have been missed).
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }
}

impl Stream for Listener {
    type Item = Notification;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Notification>> {
        self.notifications.poll_recv(cx)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("reconnects", &self.reconnects())
            .finish_non_exhaustive()
    }
}

/// One live connection of a listener.
struct Session {
    client: tokio_postgres::Client,
    driver: JoinHandle<()>,
}

impl Session {
    async fn connect(
        shared: &Shared,
        channels: &BTreeSet<String>,
        notify: mpsc::UnboundedSender<Notification>,
    ) -> Result<Session, Error> {
        let (client, connection) = shared.config.connect().await.map_err(Error::from_connect)?;
        let driver = tokio::spawn(drive(connection, Some(notify)));
        crate::pool::run_after_connect(&client, &shared.options).await?;
        if !channels.is_empty() {
            let sql = channels
                .iter()
                .map(|c| format!("LISTEN {}", quote_ident(c)))
                .collect::<Vec<_>>()
                .join("; ");
            client
                .batch_execute(&sql)
                .await
                .map_err(|e| Error::from_driver(e, Some(&sql)))?;
        }
        Ok(Session { client, driver })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// The listener's task: serves commands, and reconnects when the connection is lost.
async fn run(
    shared: Arc<Shared>,
    mut channels: BTreeSet<String>,
    mut session: Session,
    notify: mpsc::UnboundedSender<Notification>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    reconnects: Arc<AtomicU64>,
) {
    // A connection that died without a word (a half-open socket after a failover or a
    // network partition) only shows when something is sent on it: ping now and then.
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let lost = tokio::select! {
            command = commands.recv() => {
                let Some(command) = command else { return };
                let (sql, reply, channel, add) = match command {
                    Command::Listen(c, reply) => (format!("LISTEN {}", quote_ident(&c)), reply, c, true),
                    Command::Unlisten(c, reply) => (format!("UNLISTEN {}", quote_ident(&c)), reply, c, false),
                };
                let result = session
                    .client
                    .batch_execute(&sql)
                    .await
                    .map_err(|e| Error::from_driver(e, Some(&sql)));
                if result.is_ok() {
                    if add {
                        channels.insert(channel);
                    } else {
                        channels.remove(&channel);
                    }
                }
                let lost = matches!(result, Err(Error::ConnectionLost(_)));
                let _ = reply.send(result);
                lost
            }
            _ = ping.tick() => {
                !matches!(
                    tokio::time::timeout(PING_TIMEOUT, session.client.simple_query("")).await,
                    Ok(Ok(_))
                )
            }
            _ = &mut session.driver => true,
        };
        if lost {
            tracing::warn!(
                target: "mapped::notify",
                "the listener's connection was lost; reconnecting (notifications sent meanwhile are missed)"
            );
            session = reconnect(&shared, &channels, &notify).await;
            reconnects.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// How often an idle listener checks its connection.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How long the check may take before the connection counts as lost.
const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects again, waiting 50 ms and doubling up to 5 s between attempts, until it works.
async fn reconnect(
    shared: &Shared,
    channels: &BTreeSet<String>,
    notify: &mpsc::UnboundedSender<Notification>,
) -> Session {
    let mut delay = Duration::from_millis(50);
    loop {
        tokio::time::sleep(delay).await;
        match Session::connect(shared, channels, notify.clone()).await {
            Ok(session) => return session,
            Err(e) => {
                tracing::warn!(target: "mapped::notify", error = %e, "the listener could not reconnect yet");
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
