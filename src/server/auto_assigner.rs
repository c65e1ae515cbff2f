//! When automatic assignment runs, on the node that runs the chores: when the event log says
//! something changed that may let a waiting conversation go to someone (a conversation came in,
//! closed, was let go or moved; an agent came online), on any node's write, since every node
//! hears every event; when an admin changes the settings; and every two seconds for every
//! inbox (a missed event, a full agent who is still online but freed up by a move).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Notify, broadcast};

use crate::model::Presence;
use crate::protocol::Event;
use crate::server::hub::StoredEvent;
use crate::server::services;
use crate::server::state::AppState;

/// How often the chores node looks at every inbox.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

/// The inboxes to look at soon.
#[derive(Debug, Default)]
pub struct AutoAssigner {
    inboxes: Mutex<BTreeSet<i64>>,
    wake: Notify,
}

impl AutoAssigner {
    /// Something changed in this inbox that may let a waiting conversation be given out.
    pub fn poke(&self, inbox_id: i64) {
        self.lock().insert(inbox_id);
        self.wake.notify_one();
    }

    fn take(&self) -> BTreeSet<i64> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<i64>> {
        // A set of ids cannot be left half-changed in a harmful way by a panic.
        self.inboxes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What an event means here: an inbox to look at, every inbox, or nothing.
fn wakes(event: &StoredEvent) -> Option<Option<i64>> {
    match &event.event {
        Event::ConversationOpened { .. }
        | Event::ConversationClosed { .. }
        | Event::ConversationMoved { .. }
        | Event::ConversationAssigned { assignee: None, .. } => Some(event.inbox_id),
        Event::PresenceChanged {
            presence: Presence::Online,
            ..
        } => Some(None),
        _ => None,
    }
}

/// Starts the task; it runs until aborted.
pub fn start(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = state.hub.subscribe_all();
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let everything = tokio::select! {
                _ = state.auto_assign.wake.notified() => false,
                _ = sweep.tick() => true,
                event = events.recv() => match event {
                    Ok(event) => match wakes(&event) {
                        Some(Some(inbox_id)) => {
                            state.auto_assign.poke(inbox_id);
                            false
                        }
                        Some(None) => true,
                        None => continue,
                    },
                    // Missed events: look at everything.
                    Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            let inboxes = state.auto_assign.take();
            if !state.chores.mine() {
                continue;
            }
            let settled = if everything {
                services::auto_assign::settle_all(&state).await
            } else {
                services::auto_assign::settle_each(&state, inboxes).await
            };
            if let Err(e) = settled {
                tracing::warn!("automatic assignment: {e}");
            }
        }
    })
}
