//! Following the event log on PostgreSQL, where several nodes write to one database. Every
//! batch takes one advisory lock until it commits, so event ids commit in the order they were
//! drawn ([`super::writer`]); a reader that sees an id has every smaller one it will ever see.
//! Each node publishes every event to its own sockets once, in id order, whichever node wrote
//! it: its own batches come from the writer with the newest id committed before them, and the
//! others' events are read from the table (not from the notice, which only says how far to
//! read) when a node's commit notice arrives, or at the latest a second later.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{AnyPool, PgPool};
use tokio::sync::{Notify, mpsc};

use super::StoreResult;
use super::events::{EVENT_COLUMNS, event_from_row};
use super::row::RowExt;
use super::writer::Member;
use crate::server::hub::Hub;

/// The channel every node's commits are announced on.
pub(super) const EVENTS_CHANNEL: &str = "switchboard_events";

/// How many events one read of the log takes.
const READ: i64 = 500;

/// How often a node reads the log without being told, in case a notice was lost (while the
/// listening connection was being replaced).
const POLL: Duration = Duration::from_secs(1);

/// A batch this node committed, on its way to the sockets.
pub(super) struct Committed {
    /// The newest event id committed before the batch (by any node).
    pub(super) previous: i64,
    /// Its writes, with their events, waiting to hear that they were published.
    pub(super) members: Vec<Member>,
}

/// What a commit notice says: how far the log goes now, and whether the commit changed the
/// timers or queued something in the outbox (so the node that runs them looks again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Notice {
    /// The newest event id of the batch.
    pub(super) newest: i64,
    /// The batch changed the timer schedule.
    pub(super) timers: bool,
    /// The batch queued something in the outbox.
    pub(super) outbox: bool,
}

impl std::fmt::Display for Notice {
    /// `newest` then `t` and `o` for the flags: a few bytes of the 8,000 a notice may hold.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.newest)?;
        if self.timers || self.outbox {
            f.write_str(" ")?;
        }
        if self.timers {
            f.write_str("t")?;
        }
        if self.outbox {
            f.write_str("o")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Notice {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (newest, flags) = text.split_once(' ').unwrap_or((text, ""));
        Ok(Notice {
            newest: newest.parse()?,
            timers: flags.contains('t'),
            outbox: flags.contains('o'),
        })
    }
}

/// What the follower is told: a batch of this node, a notice of any node's, or that notices
/// may have been missed.
enum Input {
    Batch(Committed),
    Notice(Notice),
    /// The listening connection was replaced: notices (and the wake-ups they carry) may have
    /// been missed.
    Missed,
    /// The regular look at the log.
    Poll,
}

/// The follower's own state.
pub(super) struct Follower {
    /// Reads the log.
    pool: AnyPool,
    /// Where events of other nodes are published.
    hub: Hub,
    /// The newest event id published on this node.
    published: i64,
    /// The store's timer wake-up.
    timers_changed: Arc<Notify>,
    /// The store's outbox wake-up.
    outbox_changed: Arc<Notify>,
}

impl Follower {
    /// A follower that has published everything up to `published`.
    pub(super) fn new(
        pool: AnyPool,
        hub: Hub,
        published: i64,
        timers_changed: Arc<Notify>,
        outbox_changed: Arc<Notify>,
    ) -> Follower {
        Follower {
            pool,
            hub,
            published,
            timers_changed,
            outbox_changed,
        }
    }

    /// Runs until the writer stops sending batches (the store closed).
    pub(super) async fn run(
        mut self,
        mut batches: mpsc::UnboundedReceiver<Committed>,
        mut notices: mpsc::UnboundedReceiver<Option<Notice>>,
    ) {
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut listening = true;
        loop {
            let input = tokio::select! {
                biased;
                batch = batches.recv() => match batch {
                    Some(batch) => Input::Batch(batch),
                    None => return,
                },
                notice = notices.recv(), if listening => match notice {
                    Some(Some(notice)) => Input::Notice(notice),
                    Some(None) => Input::Missed,
                    // The listener stopped (the store is closing): reading goes on by polling.
                    None => {
                        listening = false;
                        continue;
                    }
                },
                _ = poll.tick() => Input::Poll,
            };
            let open = match input {
                Input::Batch(batch) => self.publish_batch(batch).await,
                Input::Notice(notice) => {
                    if notice.timers {
                        self.timers_changed.notify_one();
                    }
                    if notice.outbox {
                        self.outbox_changed.notify_one();
                    }
                    notice.newest <= self.published || self.catch_up(Some(notice.newest)).await
                }
                Input::Missed => {
                    // Another node's timers or outbox may have changed unheard.
                    self.timers_changed.notify_one();
                    self.outbox_changed.notify_one();
                    self.catch_up(None).await
                }
                Input::Poll => self.catch_up(None).await,
            };
            if !open {
                // The store closed: the writer publishes what it still commits itself.
                return;
            }
        }
    }

    /// Publishes what other nodes committed before the batch, then the batch's own events,
    /// then tells its writes. `false` when the store has closed.
    async fn publish_batch(&mut self, batch: Committed) -> bool {
        let open = batch.previous <= self.published || self.catch_up(Some(batch.previous)).await;
        for member in batch.members {
            for event in &member.events {
                // Read from the table already when a later notice came first.
                if event.id > self.published {
                    member.hub.publish(Arc::clone(event));
                    self.published = event.id;
                }
            }
            member.committed();
        }
        self.published = self.published.max(batch.previous);
        open
    }

    /// Reads and publishes the log after what was published, up to `to` (everything there is
    /// when `None`). Retries until it can: publishing anything later first would break the
    /// order every socket relies on. `false` when the store has closed.
    async fn catch_up(&mut self, to: Option<i64>) -> bool {
        loop {
            match self.read_after(to).await {
                Ok(true) => return true,
                Ok(false) => continue,
                Err(super::StoreError(sqlx::Error::PoolClosed)) => return false,
                Err(e) => {
                    tracing::error!("cannot read the event log: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    /// One read of the log; `true` when it reached `to` (or the end).
    async fn read_after(&mut self, to: Option<i64>) -> StoreResult<bool> {
        let rows = sqlx::query(&format!(
            "{EVENT_COLUMNS} WHERE id > $1 AND ($2 IS NULL OR id <= $2) ORDER BY id LIMIT $3"
        ))
        .bind(self.published)
        .bind(to)
        .bind(READ)
        .fetch_all(&self.pool)
        .await?;
        let complete = rows.len() < READ as usize;
        for row in &rows {
            match event_from_row(row) {
                Ok(event) => {
                    self.published = event.id;
                    self.hub.publish(Arc::new(event));
                }
                // A row this node cannot read (written by a newer version during an upgrade):
                // skipped, so the node does not stop at it; its sockets replay it from the
                // table, or reload.
                Err(e) => {
                    let id: i64 = row.col("id")?;
                    tracing::error!(id, "an event this node cannot read, skipped: {e}");
                    self.published = id;
                }
            }
        }
        if complete && let Some(to) = to {
            // Ids up to `to` that no row holds were rolled back: none will appear.
            self.published = self.published.max(to);
        }
        Ok(complete)
    }
}

/// Listens for commit notices on a connection of its own and passes them on; `None` when
/// the connection was lost and replaced (notices in between are missed). Ends when the pool
/// closes.
pub(super) async fn listen(pool: &PgPool) -> StoreResult<mpsc::UnboundedReceiver<Option<Notice>>> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    let (send, receive) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let passed = match listener.try_recv().await {
                Ok(Some(notification)) => match notification.payload().parse() {
                    Ok(notice) => send.send(Some(notice)),
                    Err(e) => {
                        tracing::warn!("a commit notice that does not read: {e}");
                        continue;
                    }
                },
                Ok(None) => send.send(None),
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!("listening for commit notices: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    send.send(None)
                }
            };
            if passed.is_err() {
                return;
            }
        }
    });
    Ok(receive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_the_newest_id_and_what_changed() {
        for notice in [
            Notice {
                newest: 42,
                timers: false,
                outbox: false,
            },
            Notice {
                newest: 7,
                timers: true,
                outbox: false,
            },
            Notice {
                newest: 9,
                timers: true,
                outbox: true,
            },
        ] {
            assert_eq!(notice.to_string().parse::<Notice>(), Ok(notice));
        }
        assert_eq!(
            Notice {
                newest: 12,
                timers: false,
                outbox: true
            }
            .to_string(),
            "12 o"
        );
        assert!("x".parse::<Notice>().is_err());
    }
}
