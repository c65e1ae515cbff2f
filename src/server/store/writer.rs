//! Group commit. Every write of the server runs on one connection as a savepoint inside a
//! batch transaction; the batch commits when the writes queued behind it have joined it (or
//! when it is full or old), so one commit serves many writes. A write learns its outcome only
//! after the batch's commit: an acknowledgement still means committed. A write dropped without
//! commit rolls back to its savepoint and leaves the rest of the batch alone.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use sqlx::AnyConnection;
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, mpsc, oneshot};

use super::follower::{Committed, EVENTS_CHANNEL, Follower};
use super::{Backend, StoreError, StoreResult};
use crate::server::hub::{Hub, StoredEvent};

/// How big and how old a batch may grow while writes keep joining it; the next write
/// commits it first. Otherwise a batch commits when the writes queued behind it had their turn.
#[derive(Debug, Clone, Copy)]
pub struct BatchBounds {
    /// Most writes in one commit.
    pub max_writes: usize,
    /// Longest a batch stays open, counted from its first write.
    pub max_wait: Duration,
}

impl Default for BatchBounds {
    fn default() -> Self {
        BatchBounds {
            max_writes: 256,
            max_wait: Duration::from_millis(1),
        }
    }
}

/// The connection every write goes through, and the batch open on it.
pub(super) struct Writer {
    /// The one connection that writes.
    conn: AnyConnection,
    /// The writes released into the open transaction, waiting for its commit.
    batch: Batch,
    /// A write was dropped without commit: its savepoint is still open.
    abandoned: bool,
    /// The store has closed: no more writes.
    closed: bool,
    /// The database it writes to.
    backend: Backend,
    /// When a batch commits before its queue is done.
    bounds: BatchBounds,
    /// Batches committed so far (tests check that queued writes shared one).
    commits: u64,
    /// Wakes the flusher, which commits what is waiting once the queued writes had their turn.
    flush: Arc<Notify>,
    /// The store's timer wake-up, notified after a commit that changed the schedule.
    timers_changed: Arc<Notify>,
    /// The store's outbox wake-up, notified after a commit that queued something.
    outbox_changed: Arc<Notify>,
    /// On PostgreSQL, once the node follows the log: where committed batches go to be
    /// published in id order among the other nodes' events ([`super::follower`]).
    pub(super) follower: Option<mpsc::UnboundedSender<Committed>>,
    /// On PostgreSQL, where to connect again when the server drops the connection.
    reconnect_url: Option<String>,
}

/// The open batch transaction.
#[derive(Default)]
struct Batch {
    /// When it began; `None` while no transaction is open.
    began: Option<Instant>,
    /// The writes released into it, in commit order.
    members: Vec<Member>,
    /// Whether one of them changed the timer schedule.
    timers_changed: bool,
    /// Whether one of them queued something in the outbox.
    outbox_changed: bool,
    /// On PostgreSQL, the newest event id committed before the batch took the log's lock:
    /// every event up to it was written by an earlier batch, of this node or another.
    previous: i64,
}

/// A write waiting for its batch's commit.
pub(super) struct Member {
    /// Its events, published after the commit.
    pub(super) events: Vec<Arc<StoredEvent>>,
    /// Where to publish them.
    pub(super) hub: Hub,
    /// Its answer: committed, or why not.
    done: oneshot::Sender<Result<(), Uncommitted>>,
}

impl Member {
    /// Tells the write its batch committed (and its events were published).
    pub(super) fn committed(self) {
        // An error only means the write's caller went away.
        let _ = self.done.send(Ok(()));
    }
}

/// Why a batch did not commit, as each of its writes hears it.
#[derive(Debug, Clone)]
struct Uncommitted {
    /// What SQLite said.
    reason: String,
    /// Whether the database could not be written to disk (full, read-only, failing).
    out_of_storage: bool,
}

impl From<Uncommitted> for StoreError {
    fn from(e: Uncommitted) -> Self {
        let kind = if e.out_of_storage {
            std::io::ErrorKind::StorageFull
        } else {
            std::io::ErrorKind::Other
        };
        StoreError(sqlx::Error::Io(std::io::Error::new(
            kind,
            format!("not committed: {}", e.reason),
        )))
    }
}

impl Writer {
    /// A writer on `conn`, with its flusher running in the background.
    pub(super) fn start(
        conn: AnyConnection,
        reconnect_url: Option<String>,
        backend: Backend,
        bounds: BatchBounds,
        timers_changed: Arc<Notify>,
        outbox_changed: Arc<Notify>,
    ) -> Arc<Mutex<Writer>> {
        let flush = Arc::new(Notify::new());
        let writer = Arc::new(Mutex::new(Writer {
            conn,
            batch: Batch::default(),
            abandoned: false,
            closed: false,
            backend,
            bounds,
            commits: 0,
            flush: Arc::clone(&flush),
            timers_changed,
            outbox_changed,
            follower: None,
            reconnect_url,
        }));
        tokio::spawn(flusher(Arc::downgrade(&writer), flush));
        writer
    }

    /// Starts a write: waits for the writes before it, commits the batch first when it is
    /// full or old (or a dropped write left its savepoint), then opens a savepoint.
    pub(super) async fn begin(writer: &Arc<Mutex<Writer>>) -> StoreResult<WriterGuard> {
        let guard = Arc::clone(writer).lock_owned().await;
        // In a task of its own: a statement sent to SQLite runs to its end even when the
        // caller goes away (a closed HTTP request), so the bookkeeping must follow it there.
        // A guard whose caller has gone is dropped with the task's output: rolled back.
        tokio::spawn(Writer::open_savepoint(guard))
            .await
            .map_err(|_| StoreError(sqlx::Error::WorkerCrashed))?
    }

    /// The body of [`Writer::begin`], once the writer is ours.
    async fn open_savepoint(mut guard: OwnedMutexGuard<Writer>) -> StoreResult<WriterGuard> {
        if guard.closed {
            return Err(StoreError(sqlx::Error::PoolClosed));
        }
        let bounds = guard.bounds;
        let full = guard.batch.members.len() >= bounds.max_writes;
        let old = guard
            .batch
            .began
            .is_some_and(|began| began.elapsed() >= bounds.max_wait);
        if guard.abandoned || full || old {
            guard.settle(full || old).await;
        }
        if guard.batch.began.is_none() {
            if let Err(e) = guard.begin_batch().await {
                // No batch began: the next write begins afresh, on a new connection when
                // PostgreSQL dropped this one (a restart, a terminated session).
                if !guard.reconnected_after(&e).await {
                    return Err(e.into());
                }
                guard.begin_batch().await?;
            }
            guard.batch.began = Some(Instant::now());
        }
        if let Err(e) = sqlx::query("SAVEPOINT w").execute(&mut guard.conn).await {
            guard.flush.notify_one();
            return Err(e.into());
        }
        Ok(WriterGuard { guard: Some(guard) })
    }

    /// Opens the batch transaction.
    async fn begin_batch(&mut self) -> Result<(), sqlx::Error> {
        match self.backend {
            // IMMEDIATE: take the write lock now, so no other connection's write makes this
            // transaction's snapshot stale ("database is locked" on its first write).
            Backend::Sqlite => {
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut self.conn)
                    .await?;
            }
            // Every node's batches take one lock in turn until they commit: event ids (drawn
            // from one sequence inside it) are then committed in the order they were drawn,
            // and a reader never sees a later id before an earlier one. The key, 0x5b0a_4d00,
            // is Switchboard's own. The newest id committed before is read after the lock
            // (a statement of its own, so its snapshot has every earlier batch).
            Backend::Postgres => {
                // READ COMMITTED whatever the database's default: the read of the newest id
                // below must see every batch committed while this one waited for the lock.
                sqlx::query("BEGIN ISOLATION LEVEL READ COMMITTED")
                    .execute(&mut self.conn)
                    .await?;
                let previous = match sqlx::query(
                    "SELECT 1 FROM (SELECT pg_advisory_xact_lock(1527401728)) AS locked",
                )
                .execute(&mut self.conn)
                .await
                {
                    Ok(_) => {
                        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
                            .fetch_one(&mut self.conn)
                            .await
                    }
                    Err(e) => Err(e),
                };
                match previous {
                    Ok(previous) => self.batch.previous = previous,
                    Err(e) => {
                        let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    /// After a failure to begin: when PostgreSQL dropped the connection, connects again and
    /// says so (`true`); otherwise `false`.
    async fn reconnected_after(&mut self, error: &sqlx::Error) -> bool {
        let Some(url) = self.reconnect_url.as_deref() else {
            return false;
        };
        let lost = match error {
            sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
            // Class 08 (connection exception) and 57P (the server ended the session).
            sqlx::Error::Database(e) => e
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        };
        if !lost {
            return false;
        }
        match connect_postgres_writer(url).await {
            Ok(conn) => {
                tracing::warn!("the database dropped the writing connection: connected again");
                self.conn = conn;
                true
            }
            Err(e) => {
                tracing::error!("cannot connect again to write: {e}");
                false
            }
        }
    }

    /// Rolls back a dropped write's savepoint, then (when `commit`) commits the batch,
    /// publishes its events in order and answers its writes. When the transaction is gone
    /// (SQLite rolls back the whole of it on a full disk or an I/O error), every write in it
    /// learns it was not committed.
    async fn settle(&mut self, commit: bool) {
        if self.abandoned {
            self.abandoned = false;
            let undone = match sqlx::query("ROLLBACK TO w").execute(&mut self.conn).await {
                Ok(_) => sqlx::query("RELEASE w").execute(&mut self.conn).await,
                Err(e) => Err(e),
            };
            if let Err(e) = undone {
                self.fail(e).await;
                return;
            }
        }
        if !commit || self.batch.began.is_none() {
            return;
        }
        if self.backend == Backend::Postgres
            && let Err(e) = self.tell_other_nodes().await
        {
            self.fail(e).await;
            return;
        }
        if let Err(e) = sqlx::query("COMMIT").execute(&mut self.conn).await {
            self.fail(e).await;
            return;
        }
        self.commits += 1;
        let batch = std::mem::take(&mut self.batch);
        if batch.timers_changed {
            self.timers_changed.notify_one();
        }
        if batch.outbox_changed {
            self.outbox_changed.notify_one();
        }
        let committed = Committed {
            previous: batch.previous,
            members: batch.members,
        };
        let unsent = match &self.follower {
            Some(follower) => follower.send(committed).err().map(|e| e.0),
            None => Some(committed),
        };
        // Without a follower (SQLite, one node), the batch is published here, in commit order.
        if let Some(committed) = unsent {
            for member in committed.members {
                for event in &member.events {
                    member.hub.publish(Arc::clone(event));
                }
                member.committed();
            }
        }
    }

    /// Queues, in the batch's transaction, the notice every node's follower hears once it
    /// commits (PostgreSQL delivers it with the commit, or not at all): the newest event id
    /// of the batch, and whether the timers or the outbox changed (one node runs those).
    async fn tell_other_nodes(&mut self) -> Result<(), sqlx::Error> {
        let newest = self
            .batch
            .members
            .iter()
            .flat_map(|m| m.events.iter().map(|e| e.id))
            .max();
        let (timers, outbox) = (self.batch.timers_changed, self.batch.outbox_changed);
        if newest.is_none() && !timers && !outbox {
            return Ok(());
        }
        let notice = super::follower::Notice {
            newest: newest.unwrap_or(self.batch.previous),
            timers,
            outbox,
        };
        sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS told")
            .bind(EVENTS_CHANNEL)
            .bind(notice.to_string())
            .execute(&mut self.conn)
            .await
            .map(|_| ())
    }

    /// Ends a batch that cannot commit: rolls back what is left of it and tells its writes.
    async fn fail(&mut self, error: sqlx::Error) {
        tracing::error!("database: a batch of writes was not committed: {error}");
        // An error only means SQLite already rolled the transaction back.
        let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
        let batch = std::mem::take(&mut self.batch);
        let why = Uncommitted {
            reason: error.to_string(),
            out_of_storage: StoreError(error).is_out_of_storage(),
        };
        for member in batch.members {
            let _ = member.done.send(Err(why.clone()));
        }
    }
}

/// Connects the writing connection to PostgreSQL. A batch holds the lock every node's
/// writes wait for, so a node that stops in the middle (a frozen process, a paused machine)
/// must not hold it for ever: PostgreSQL ends a session idle in a transaction for 30 s, and a
/// batch that waits for the lock more than 60 s fails instead of hanging its writes.
pub(super) async fn connect_postgres_writer(url: &str) -> Result<AnyConnection, sqlx::Error> {
    use sqlx::Connection;
    let mut conn = AnyConnection::connect(url).await?;
    sqlx::query("SET idle_in_transaction_session_timeout = '30s'")
        .execute(&mut conn)
        .await?;
    sqlx::query("SET lock_timeout = '60s'")
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

/// Commits whatever waits, each time it is woken, after the writes already queued for the
/// connection have joined the batch (the lock serves in arrival order).
async fn flusher(writer: Weak<Mutex<Writer>>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        let Some(writer) = writer.upgrade() else {
            return;
        };
        let mut writer = writer.lock().await;
        writer.settle(true).await;
        if writer.closed {
            return;
        }
    }
}

/// Hands every batch committed from now on to a [`Follower`], which publishes it in id order
/// among the other nodes' events (PostgreSQL). What waits is committed and published first,
/// so the follower starts from the newest event there is.
pub(super) async fn attach_follower(
    writer: &Arc<Mutex<Writer>>,
    make: impl FnOnce(i64) -> Follower,
    pool: &sqlx::AnyPool,
    notices: mpsc::UnboundedReceiver<Option<super::follower::Notice>>,
) -> StoreResult<()> {
    let mut writer = writer.lock().await;
    writer.settle(true).await;
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
        .fetch_one(pool)
        .await?;
    let (batches, receive) = mpsc::unbounded_channel();
    tokio::spawn(make(newest).run(receive, notices));
    writer.follower = Some(batches);
    Ok(())
}

/// Commits what waits and refuses further writes (a graceful shutdown).
pub(super) async fn close(writer: &Arc<Mutex<Writer>>) {
    let mut writer = writer.lock().await;
    writer.settle(true).await;
    writer.closed = true;
    // The follower publishes what it was given, then ends.
    writer.follower = None;
    // The flusher sees `closed` and ends.
    writer.flush.notify_one();
}

/// Batches committed so far.
pub(super) async fn commits(writer: &Arc<Mutex<Writer>>) -> u64 {
    writer.lock().await.commits
}

/// The connection, held by one write between its savepoint and its release.
pub struct WriterGuard {
    /// The writer, locked; taken when the write is released into the batch (else dropping
    /// the guard rolls the write back).
    guard: Option<OwnedMutexGuard<Writer>>,
}

impl WriterGuard {
    /// Releases the write's savepoint into the batch and waits for the batch's commit; then
    /// its events have been published.
    pub(super) async fn commit(
        mut self,
        hub: &Hub,
        events: Vec<Arc<StoredEvent>>,
        timers_changed: bool,
        outbox_changed: bool,
    ) -> StoreResult<()> {
        let Some(mut writer) = self.guard.take() else {
            return Err(StoreError(sqlx::Error::WorkerCrashed));
        };
        let (done, outcome) = oneshot::channel();
        let member = Member {
            events,
            hub: hub.clone(),
            done,
        };
        // In a task of its own, like `begin`: once RELEASE is sent the write joins the batch,
        // whether or not its caller is still there to hear the outcome.
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("RELEASE w").execute(&mut writer.conn).await {
                // The flusher rolls the write back, or learns that the transaction is gone
                // and tells the batch.
                writer.abandoned = true;
                writer.flush.notify_one();
                return Err(StoreError::from(e));
            }
            writer.batch.members.push(member);
            writer.batch.timers_changed |= timers_changed;
            writer.batch.outbox_changed |= outbox_changed;
            writer.flush.notify_one();
            Ok(())
        })
        .await
        .map_err(|_| StoreError(sqlx::Error::WorkerCrashed))??;
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(StoreError(sqlx::Error::WorkerCrashed)),
        }
    }

    /// The writer, while the write holds it.
    fn writer(&self) -> &Writer {
        self.guard
            .as_deref()
            .expect("a write holds the writer until it is released")
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        if let Some(writer) = self.guard.as_mut() {
            writer.abandoned = true;
            writer.flush.notify_one();
        }
    }
}

impl std::ops::Deref for WriterGuard {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.writer().conn
    }
}

impl std::ops::DerefMut for WriterGuard {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self
            .guard
            .as_deref_mut()
            .expect("a write holds the writer until it is released")
            .conn
    }
}
