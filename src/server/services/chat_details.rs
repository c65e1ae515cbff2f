//! A conversation's details that agents change: its labels (created on the fly) and the inbox
//! (department) it is in.

use crate::error::AppError;
use crate::model::{ConversationSummary, Me, SystemLine};
use crate::protocol::Event;
use crate::rules::{self, TimerKind};
use crate::server::services::{self, system_line};
use crate::server::state::AppState;

/// Replaces a conversation's labels; colleagues see them at once.
pub async fn set_labels(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
    labels: &[String],
) -> Result<ConversationSummary, AppError> {
    let conversation = services::conversation_for_agent(state, agent, conversation_id).await?;
    let labels = rules::validate_labels(labels)?;
    let mut tx = state.store.write().await?;
    tx.set_labels(conversation_id, &labels).await?;
    let updated = tx
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    tx.append_event(
        conversation.inbox_id,
        conversation.visitor_id,
        false,
        Event::ConversationLabeled {
            conversation_id,
            labels: updated.labels.clone(),
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(updated)
}

/// Moves a conversation to another inbox the agent may see. The assignee keeps it only if
/// they belong to the new inbox; otherwise it waits there, unassigned, for its agents.
pub async fn move_to_inbox(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
    inbox_id: i64,
) -> Result<ConversationSummary, AppError> {
    let conversation = services::conversation_for_agent(state, agent, conversation_id).await?;
    if !services::visible_inbox_ids(state, agent)
        .await?
        .contains(&inbox_id)
    {
        return Err(AppError::not_found("inbox"));
    }
    if conversation.inbox_id == inbox_id {
        return Ok(conversation);
    }
    let mut tx = state.store.write().await?;
    let inbox = tx
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    tx.move_conversation(conversation_id, inbox_id).await?;
    let moved = tx
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    if moved.assignee.is_none() {
        tx.cancel_timer(TimerKind::AssigneeIdle, conversation_id)
            .await?;
    }
    // Agents of the old inbox drop it, those of the new one get it.
    for inbox_id in [conversation.inbox_id, moved.inbox_id] {
        tx.append_event(
            inbox_id,
            moved.visitor_id,
            false,
            Event::ConversationMoved {
                conversation: moved.clone(),
            },
        )
        .await?;
    }
    system_line(
        &mut tx,
        &moved,
        SystemLine::Moved {
            by: agent.name.clone(),
            inbox: inbox.name,
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(moved)
}
