//! WAL checkpoints off the writer. SQLite's automatic checkpoint runs inside the commit that
//! crosses its threshold, on the committing connection: every write queued behind that commit
//! waits while pages are copied into the database file and it is synced (the tens of
//! milliseconds seen in the paced benchmark, about once a second at 1,000 messages a second).
//! Here the automatic checkpoint is off and a task of its own checkpoints from a reading
//! connection, in passive mode, which never takes the write lock: the writer goes on appending
//! to the log while the pages already there are copied.

use std::time::Duration;

use sqlx::SqlitePool;

/// How often the log is copied into the database file. Short enough that the log stays small
/// (a few hundred pages at the highest rates measured), long enough that an idle server
/// does next to nothing.
pub(super) const EVERY: Duration = Duration::from_millis(250);

/// Starts the checkpointer on `pool`; it ends when the pool closes.
pub(super) fn start(pool: SqlitePool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            match checkpoint(&pool).await {
                Ok(()) => failing = false,
                Err(sqlx::Error::PoolClosed) => return,
                // Said once per spell of failures (a full disk fails every attempt).
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!("cannot copy the write-ahead log into the database: {e}");
                }
                Err(_) => {}
            }
        }
    })
}

/// Copies what it can of the log into the database file without waiting for anyone.
async fn checkpoint(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(pool)
        .await?;
    Ok(())
}
