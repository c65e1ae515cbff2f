//! What happens by itself: timers that fall due and the pruning of old events.

use crate::error::AppError;
use crate::model::{Millis, Presence, SystemLine};
use crate::protocol::Event;
use crate::rules::{self, ConversationFacts, TimerKind, TimerOutcome};
use crate::server::state::AppState;
use crate::server::store::{PresenceState, Timer, WriteTx};

use super::*;

/// Deletes the events older than the retention (`keep_events_ms` before `now`) in batches,
/// each its own transaction so writers are held up briefly; returns how many went. Clients
/// that missed pruned events are told to reload (`rules::replay_decision`).
pub async fn prune_events(state: &AppState, now: Millis) -> Result<u64, AppError> {
    const BATCH: i64 = 5_000;
    let before = now.saturating_sub(state.settings.keep_events_ms);
    let mut pruned = 0;
    loop {
        let mut tx = state.store.write().await?;
        let done = tx.prune_events(before, BATCH).await?;
        tx.commit(&state.hub).await?;
        pruned += done;
        if done < BATCH as u64 {
            return Ok(pruned);
        }
    }
}

/// Fires one due timer at `now`: re-reads it and the facts it depends on in one transaction,
/// lets the rules decide, and records what happened with a system line saying why.
pub async fn fire_timer(state: &AppState, timer: Timer, now: Millis) -> Result<(), AppError> {
    // Asked before the write: in a cluster a write holds every node's writes up.
    let elsewhere = if timer.kind == TimerKind::AgentOffline {
        crate::server::cluster::sockets_elsewhere(state, timer.subject_id).await?
    } else {
        0
    };
    let mut tx = state.store.write().await?;
    let Some(current) = tx.timer(timer.kind, timer.subject_id).await? else {
        return Ok(());
    };
    if timer.kind == TimerKind::AgentOffline {
        let open = state.connections.open_count(timer.subject_id) + elsewhere;
        match rules::presence_timer_outcome(current.due_at, now, open) {
            TimerOutcome::NotYet => return Ok(()),
            TimerOutcome::GoOffline => {
                if let Some(before) = tx.presence(timer.subject_id).await? {
                    let after = PresenceState {
                        shown: Presence::Offline,
                        ..before
                    };
                    save_presence(&mut tx, timer.subject_id, before, after).await?;
                }
            }
            _ => {}
        }
        tx.cancel_timer(timer.kind, timer.subject_id).await?;
        tx.commit(&state.hub).await?;
        return Ok(());
    }
    let Some(conversation) = tx.conversation(timer.subject_id).await? else {
        tx.cancel_timer(timer.kind, timer.subject_id).await?;
        tx.commit(&state.hub).await?;
        return Ok(());
    };
    let facts = ConversationFacts {
        status: conversation.status,
        last_word: tx.last_word(conversation.id).await?,
    };
    let outcome = rules::conversation_timer_outcome(timer.kind, current.due_at, now, facts);
    if outcome == TimerOutcome::NotYet {
        return Ok(());
    }
    tx.cancel_timer(timer.kind, timer.subject_id).await?;
    let inbox = inbox_of(&mut tx, &conversation).await?;
    match outcome {
        TimerOutcome::Unassign => {
            tx.set_assignee(conversation.id, None).await?;
            post_event(
                &mut tx,
                &conversation,
                Event::ConversationAssigned {
                    conversation_id: conversation.id,
                    assignee: None,
                },
            )
            .await?;
            let line = SystemLine::AutoUnassigned {
                agent: conversation
                    .assignee
                    .as_ref()
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                after_secs: inbox.assignee_idle_secs,
            };
            system_line(&mut tx, &conversation, line).await?;
        }
        TimerOutcome::Close => {
            let line = SystemLine::AutoClosed {
                after_secs: inbox.visitor_idle_secs,
            };
            system_line(&mut tx, &conversation, line).await?;
            close_in(&mut tx, &conversation, state.mailer.is_some()).await?;
        }
        _ => {}
    }
    tx.commit(&state.hub).await?;
    Ok(())
}

pub(super) async fn schedule(
    tx: &mut WriteTx,
    kind: TimerKind,
    subject_id: i64,
    from: Millis,
    secs: i64,
    replace: bool,
) -> Result<(), AppError> {
    match rules::due_at(from, secs) {
        Some(due_at) => {
            tx.schedule_timer(
                Timer {
                    kind,
                    subject_id,
                    due_at,
                },
                replace,
            )
            .await?;
        }
        None => tx.cancel_timer(kind, subject_id).await?,
    }
    Ok(())
}
