//! Conversations: what an agent may see of one, accepting, closing, assigning, reading.

use crate::error::AppError;
use crate::model::{
    AgentRef, Author, ConversationDetail, ConversationSummary, Inbox, Me, Presence, SystemLine,
};
use crate::protocol::Event;
use crate::rules::{self, AssignTarget, LastWord, TimerKind};
use crate::server::state::AppState;
use crate::server::store::{NewMessage, WriteTx, now_millis};

use super::*;

/// How many earlier conversations of the same visitor an agent sees with a conversation.
pub(super) const EARLIER_CONVERSATIONS: usize = 5;

/// A conversation the agent may see (else `NotFound`, so ids of other inboxes leak nothing).
pub async fn conversation_for_agent(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
) -> Result<ConversationSummary, AppError> {
    let conversation = state
        .store
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    let inbox_ids = visible_inbox_ids(state, agent).await?;
    if rules::may_see_inbox(agent.role, inbox_ids.contains(&conversation.inbox_id)) {
        Ok(conversation)
    } else {
        Err(AppError::not_found("conversation"))
    }
}

/// Up to `limit` of a conversation's messages after the one with id `after`, oldest first,
/// for an agent who may see it.
pub async fn messages_for_agent(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<crate::model::Message>, AppError> {
    conversation_for_agent(state, agent, conversation_id).await?;
    Ok(state
        .store
        .messages_after(conversation_id, after, limit)
        .await?)
}

/// A conversation with its timeline, for an agent who may see it.
pub async fn conversation_detail(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
) -> Result<ConversationDetail, AppError> {
    let summary = conversation_for_agent(state, agent, conversation_id).await?;
    let messages = state.store.messages(conversation_id).await?;
    let mut earlier = Vec::new();
    let visitor_conversations = state
        .store
        .conversations_of_visitor(summary.visitor_id)
        .await?;
    // A visitor's conversations may sit in several inboxes once one is moved: only those the
    // agent may see.
    let inbox_ids = visible_inbox_ids(state, agent).await?;
    let before: Vec<_> = visitor_conversations
        .into_iter()
        .filter(|c| c.id < summary.id && inbox_ids.contains(&c.inbox_id))
        .collect();
    for conversation in before.into_iter().rev().take(EARLIER_CONVERSATIONS).rev() {
        let messages = state.store.messages(conversation.id).await?;
        earlier.push(crate::model::EarlierConversation {
            summary: conversation,
            messages,
        });
    }
    Ok(ConversationDetail {
        summary,
        messages,
        earlier,
    })
}

/// Takes an unassigned conversation. Of concurrent accepts exactly one wins; the others are
/// told who has it.
pub async fn accept(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
) -> Result<ConversationSummary, AppError> {
    conversation_for_agent(state, agent, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let conversation = conversation_in(&mut tx, conversation_id).await?;
    rules::may_accept(conversation.status, conversation.assignee.as_ref())?;
    let chosen = tx
        .presence(agent.id)
        .await?
        .map_or(Presence::Offline, |p| p.chosen);
    rules::may_take_new(chosen)?;
    tx.set_assignee(conversation_id, Some(agent.id)).await?;
    let assignee = AgentRef {
        id: agent.id,
        name: agent.name.clone(),
    };
    post_event(
        &mut tx,
        &conversation,
        Event::ConversationAssigned {
            conversation_id,
            assignee: Some(assignee),
        },
    )
    .await?;
    system_line(
        &mut tx,
        &conversation,
        SystemLine::Accepted {
            agent: agent.name.clone(),
        },
    )
    .await?;
    start_assignee_clock(&mut tx, &conversation).await?;
    assignee_has_read(&mut tx, &conversation, agent.id).await?;
    let updated = conversation_in(&mut tx, conversation_id).await?;
    tx.commit(&state.hub).await?;
    Ok(updated)
}

/// Ends a conversation: its assignee, or a supervisor or admin of its inbox.
pub async fn close(state: &AppState, agent: &Me, conversation_id: i64) -> Result<(), AppError> {
    conversation_for_agent(state, agent, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let conversation = conversation_in(&mut tx, conversation_id).await?;
    rules::may_close(
        agent.id,
        agent.role,
        conversation.status,
        conversation.assignee.as_ref(),
    )?;
    system_line(
        &mut tx,
        &conversation,
        SystemLine::ClosedByAgent {
            agent: agent.name.clone(),
        },
    )
    .await?;
    close_in(&mut tx, &conversation, state.mailer.is_some()).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Gives a conversation to a colleague (`Some`), or clears its assignee (`None`). Any agent who
/// may see the conversation may; the new assignee must be an online member of its inbox.
pub async fn assign(
    state: &AppState,
    actor: &Me,
    conversation_id: i64,
    to: Option<i64>,
) -> Result<ConversationSummary, AppError> {
    conversation_for_agent(state, actor, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let conversation = conversation_in(&mut tx, conversation_id).await?;
    let target = match to {
        Some(agent_id) => {
            let agent = tx
                .agent(agent_id)
                .await?
                .ok_or_else(|| AppError::not_found("agent"))?;
            let presence = tx
                .presence(agent_id)
                .await?
                .map_or(Presence::Offline, |p| p.shown);
            Some(AssignTarget {
                agent: AgentRef {
                    id: agent.id,
                    name: agent.name,
                },
                is_member: tx.is_member(conversation.inbox_id, agent_id).await?,
                presence,
            })
        }
        None => None,
    };
    rules::may_assign(
        conversation.status,
        conversation.assignee.as_ref(),
        target.as_ref(),
    )?;
    let assignee = target.map(|t| t.agent);
    let line = match &assignee {
        Some(to) => SystemLine::Assigned {
            by: actor.name.clone(),
            to: to.name.clone(),
        },
        None => SystemLine::Unassigned {
            by: actor.name.clone(),
        },
    };
    hand_over(&mut tx, &conversation, assignee.as_ref(), line).await?;
    let updated = conversation_in(&mut tx, conversation_id).await?;
    tx.commit(&state.hub).await?;
    Ok(updated)
}

/// Gives a conversation to `assignee` (or nobody) inside a write, with the line saying so:
/// the event colleagues see, the assignee's answer clock, their unread count.
pub async fn hand_over(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    assignee: Option<&AgentRef>,
    line: SystemLine,
) -> Result<(), AppError> {
    let conversation_id = conversation.id;
    tx.set_assignee(conversation_id, assignee.map(|a| a.id))
        .await?;
    post_event(
        tx,
        conversation,
        Event::ConversationAssigned {
            conversation_id,
            assignee: assignee.cloned(),
        },
    )
    .await?;
    system_line(tx, conversation, line).await?;
    if let Some(assignee) = assignee {
        start_assignee_clock(tx, conversation).await?;
        assignee_has_read(tx, conversation, assignee.id).await?;
    } else {
        tx.cancel_timer(TimerKind::AssigneeIdle, conversation_id)
            .await?;
    }
    Ok(())
}

/// Records that the agent has read a conversation up to a message (their unread count for it
/// drops on every device).
pub async fn mark_read(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
    up_to: i64,
) -> Result<(), AppError> {
    let conversation = conversation_for_agent(state, agent, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let newest = tx.newest_message_id(conversation_id).await?;
    if up_to <= 0 || up_to > newest {
        return Err(AppError::invalid(
            "up_to",
            "a message id of the conversation",
        ));
    }
    mark_read_in(&mut tx, agent.id, &conversation, up_to).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

pub(super) async fn mark_read_in(
    tx: &mut WriteTx,
    agent_id: i64,
    conversation: &ConversationSummary,
    up_to: i64,
) -> Result<(), AppError> {
    if conversation
        .assignee
        .as_ref()
        .is_some_and(|a| a.id == agent_id)
    {
        seen_by_team(tx, conversation, up_to).await?;
    }
    if tx.mark_read(agent_id, conversation.id, up_to).await? {
        tx.append_event(
            conversation.inbox_id,
            conversation.visitor_id,
            false,
            Event::ConversationRead {
                conversation_id: conversation.id,
                agent_id,
                up_to,
            },
        )
        .await?;
    }
    Ok(())
}

/// A new assignee owes a waiting visitor an answer: their clock starts now.
pub(super) async fn start_assignee_clock(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
) -> Result<(), AppError> {
    if tx.last_word(conversation.id).await? == LastWord::Visitor {
        let inbox = inbox_of(tx, conversation).await?;
        schedule(
            tx,
            TimerKind::AssigneeIdle,
            conversation.id,
            now_millis(),
            inbox.assignee_idle_secs,
            true,
        )
        .await?;
    }
    Ok(())
}

/// Closes a conversation inside a transaction; with `mail` (an SMTP server is configured) the
/// visitor's transcript is queued when they gave an email.
pub(super) async fn close_in(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    mail: bool,
) -> Result<(), AppError> {
    tx.close_conversation(conversation.id, now_millis()).await?;
    if mail {
        crate::server::services::transcripts::queue_in(tx, conversation, None).await?;
    }
    tx.cancel_timer(TimerKind::AssigneeIdle, conversation.id)
        .await?;
    tx.cancel_timer(TimerKind::VisitorIdle, conversation.id)
        .await?;
    post_event(
        tx,
        conversation,
        Event::ConversationClosed {
            conversation_id: conversation.id,
        },
    )
    .await
}

/// A conversation read inside the transaction (it may have changed since it was checked).
pub(super) async fn conversation_in(
    tx: &mut WriteTx,
    id: i64,
) -> Result<ConversationSummary, AppError> {
    tx.conversation(id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))
}

pub(super) async fn inbox_of(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
) -> Result<Inbox, AppError> {
    tx.inbox(conversation.inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))
}

/// Writes a system line into a conversation, with its event (for the visitor too when it is theirs).
pub(in crate::server) async fn system_line(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    line: SystemLine,
) -> Result<(), AppError> {
    let message = tx
        .insert_message(NewMessage {
            conversation_id: conversation.id,
            author: &Author::System,
            body: "",
            preview: "",
            note: false,
            system: Some(&line),
            client_id: None,
            dedup_key: None,
        })
        .await?;
    tx.append_event(
        conversation.inbox_id,
        conversation.visitor_id,
        line.for_visitor(),
        Event::MessagePosted { message },
    )
    .await?;
    Ok(())
}
