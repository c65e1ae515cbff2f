//! The timer engine: one task that sleeps until the earliest timer in the `timers` table falls
//! due (or the schedule changes), then lets the services decide what each due timer does.
//! The schedule lives in the database, so a restart loses nothing: the new process finds the
//! same rows and fires what fell due while it was down. The same task prunes the event log
//! past its retention and sweeps the files folder, at start-up and every hour. In a cluster
//! it runs on the node elected to ([`crate::server::cluster::Chores`]); a timer fires in a
//! write that first finds it still scheduled, and writes take turns across nodes, so a timer
//! fires once even while a new node takes over.

use std::time::Duration;

use crate::server::services;
use crate::server::state::AppState;
use crate::server::store::now_millis;

/// How many due timers one round fires.
const BATCH: i64 = 100;
/// The longest the engine sleeps without looking at the schedule.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// The pause after a round in which a timer failed, so a broken row cannot spin the loop.
const AFTER_FAILURE: Duration = Duration::from_secs(1);
/// How often the event log is pruned and the files folder swept.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// Starts the engine; it runs until the task is aborted.
pub fn start(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut next_prune = tokio::time::Instant::now();
        loop {
            // In a cluster, one node at a time fires timers, prunes and sweeps.
            state.chores.my_turn().await;
            if tokio::time::Instant::now() >= next_prune {
                match services::prune_events(&state, now_millis()).await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::info!(pruned, "pruned the event log"),
                    Err(e) => tracing::error!("cannot prune the event log: {e}"),
                }
                match crate::server::file_sweep::sweep(&state, now_millis()).await {
                    Ok(swept) if swept == Default::default() => {}
                    Ok(swept) => tracing::info!(?swept, "swept the files folder"),
                    Err(e) => tracing::error!("cannot sweep the files folder: {e}"),
                }
                next_prune = tokio::time::Instant::now() + PRUNE_EVERY;
            }
            let failed = fire_due(&state).await;
            let wait = match state.store.next_timer_due().await {
                Ok(Some(due)) => {
                    let millis = due.saturating_sub(now_millis()).max(0);
                    Duration::from_millis(u64::try_from(millis).unwrap_or(0)).min(MAX_SLEEP)
                }
                Ok(None) => MAX_SLEEP,
                Err(e) => {
                    tracing::error!("timers: cannot read the schedule: {e}");
                    AFTER_FAILURE
                }
            };
            let wait = if failed {
                wait.max(AFTER_FAILURE)
            } else {
                wait
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = state.store.timers_changed() => {}
            }
        }
    })
}

/// Fires every timer due now; returns whether one of them failed.
async fn fire_due(state: &AppState) -> bool {
    let now = now_millis();
    let due = match state.store.due_timers(now, BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::error!("timers: cannot read due timers: {e}");
            return true;
        }
    };
    let mut failed = false;
    for timer in due {
        if let Err(e) = services::fire_timer(state, timer, now).await {
            tracing::error!(?timer, "timer failed: {e}");
            failed = true;
        }
    }
    failed
}
