//! Automatic assignment: an admin sets how an inbox gives out waiting conversations, and
//! [`settle`] gives each waiting one, oldest first, to an online member with room (not the one
//! who just let it go, and not one whose last tab closed), until none waits or nobody has
//! room. Each assignment is one write that reads the waiting conversation
//! and the members' open counts itself, and writes take turns (across nodes too), so no
//! conversation goes twice and nobody goes past their capacity.

use crate::auto_assign::{AssignMode, AutoAssign, pick, valid_capacity};
use crate::error::AppError;
use crate::model::{AgentRef, Inbox, Me, SystemLine};
use crate::server::services::{self, conversations::hand_over, team::require_admin};
use crate::server::state::AppState;
use crate::server::store::Queue;

/// Sets how an inbox assigns automatically (`None`: off) and the capacity per agent. Admins
/// only. Conversations already waiting are given out at once.
pub async fn set(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    mode: Option<AssignMode>,
    capacity: i64,
) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let capacity = valid_capacity(capacity)?;
    let mut tx = state.store.write().await?;
    tx.set_inbox_auto_assign(inbox_id, AutoAssign { mode, capacity })
        .await?;
    let inbox = services::team::commit_inbox(state, tx, inbox_id).await?;
    state.auto_assign.poke(inbox_id);
    Ok(inbox)
}

/// Who the rule picks for the queue's oldest conversation: never the agent who just let it
/// go.
fn choose(mode: AssignMode, capacity: i64, queue: &Queue) -> Option<(i64, i64)> {
    let waiting = queue.waiting?;
    let candidates: Vec<_> = queue
        .candidates
        .iter()
        .copied()
        .filter(|c| Some(c.agent_id) != waiting.released_by)
        .collect();
    pick(mode, &candidates, capacity, queue.last).map(|agent| (waiting.conversation_id, agent))
}

/// Gives out an inbox's waiting conversations while someone has room; how many it gave.
pub async fn settle(state: &AppState, inbox_id: i64) -> Result<usize, AppError> {
    let mut given = 0;
    loop {
        // Look first, outside the writer: most calls find nothing to do.
        let Some(inbox) = state.store.inbox(inbox_id).await? else {
            return Ok(given);
        };
        let Some(mode) = inbox.auto_assign.mode.filter(|_| !inbox.disabled) else {
            return Ok(given);
        };
        let capacity = inbox.auto_assign.capacity;
        if choose(
            mode,
            capacity,
            &state.store.assignment_queue(inbox_id).await?,
        )
        .is_none()
        {
            return Ok(given);
        }
        // Then decide inside the write, which reads the queue again.
        let mut tx = state.store.write().await?;
        let Some((conversation_id, agent_id)) =
            choose(mode, capacity, &tx.assignment_queue(inbox_id).await?)
        else {
            tx.commit(&state.hub).await?;
            return Ok(given);
        };
        let conversation = services::conversation_in(&mut tx, conversation_id).await?;
        let agent = tx
            .agent(agent_id)
            .await?
            .ok_or_else(|| AppError::not_found("agent"))?;
        let to = AgentRef {
            id: agent.id,
            name: agent.name,
        };
        let line = SystemLine::AutoAssigned {
            to: to.name.clone(),
            mode: mode.as_str().to_owned(),
        };
        hand_over(&mut tx, &conversation, Some(&to), line).await?;
        tx.set_auto_assign_last(inbox_id, agent_id).await?;
        tx.commit(&state.hub).await?;
        given += 1;
    }
}

/// Gives out what waits in every inbox that assigns automatically (the periodic sweep: an
/// agent who came online on another node, a conversation closed there).
pub async fn settle_all(state: &AppState) -> Result<usize, AppError> {
    settle_each(state, state.store.auto_assign_inboxes().await?).await
}

/// Settles each of these inboxes; one that fails is logged and the others go on.
pub async fn settle_each(
    state: &AppState,
    inboxes: impl IntoIterator<Item = i64>,
) -> Result<usize, AppError> {
    let mut given = 0;
    for inbox_id in inboxes {
        match settle(state, inbox_id).await {
            Ok(n) => given += n,
            Err(e) => tracing::warn!(inbox_id, "automatic assignment: {e}"),
        }
    }
    Ok(given)
}
