//! Messages: the visitor's and the agents' (with files), posted with their events.

use crate::error::AppError;
use crate::model::{Author, ConversationStatus, ConversationSummary, Me, Message};
use crate::protocol::Event;
use crate::rules::{self, TimerKind};
use crate::server::state::AppState;
use crate::server::store::{NewMessage, Uploader, Visitor, WriteTx, now_millis};

use super::*;

/// Posts a visitor's message in their open conversation, opening one when there is none; a
/// blocked visitor (or address) is refused. A repeated `client_id` returns the stored message
/// and changes nothing.
pub async fn post_visitor_message(
    state: &AppState,
    visitor: &Visitor,
    ip: Option<std::net::IpAddr>,
    client_id: &str,
    body: &str,
    attachments: &[i64],
) -> Result<Message, AppError> {
    // Plain text goes with the others waiting (checked there as here); whatever the lane
    // hands back, and every message with files, is written here one at a time.
    if attachments.is_empty()
        && let Some(message) = state
            .message_lane
            .post(visitor, ip, client_id, body.to_owned())
            .await
    {
        return Ok(message);
    }
    crate::server::services::blocking::check(state, visitor, ip).await?;
    rules::validate_client_id(client_id)?;
    let body = rules::validate_message(body, attachments.len())?;
    let dedup_key = visitor_dedup_key(visitor.id, client_id);
    let mut tx = state.store.write().await?;
    if let Some(existing) = tx.message_by_dedup_key(&dedup_key).await? {
        // A retry: the first send may still wait in the open batch, and an acknowledgement
        // means committed, so this one waits for that batch too.
        tx.commit(&state.hub).await?;
        return Ok(existing);
    }
    let open = tx.open_conversation_of(visitor.id).await?;
    // A switched-off inbox takes no more messages from visitors (its widget says so).
    let inbox_id = open.as_ref().map_or(visitor.inbox_id, |c| c.inbox_id);
    if tx.inbox(inbox_id).await?.is_none_or(|inbox| inbox.disabled) {
        return Err(AppError::UnknownInbox);
    }
    let conversation = match open {
        Some(conversation) => conversation,
        None => {
            let inbox_id = starting_inbox(&mut tx, visitor).await?;
            let id = tx
                .insert_conversation(visitor, inbox_id, now_millis())
                .await?;
            let opened = conversation_in(&mut tx, id).await?;
            tx.append_event(
                inbox_id,
                visitor.id,
                true,
                Event::ConversationOpened {
                    conversation: opened.clone(),
                },
            )
            .await?;
            opened
        }
    };
    let mut message = tx
        .insert_message(NewMessage {
            conversation_id: conversation.id,
            author: &Author::Visitor,
            body: &body,
            preview: &body,
            note: false,
            system: None,
            client_id: Some(client_id),
            dedup_key: Some(&dedup_key),
        })
        .await?;
    attach(
        &mut tx,
        &mut message,
        &conversation,
        Uploader::Visitor(visitor.id),
        attachments,
    )
    .await?;
    // The visitor spoke: they are not idle, and an assignee now owes them an answer (the wait
    // counts from their first unanswered message, so a timer already running is kept).
    tx.cancel_timer(TimerKind::VisitorIdle, conversation.id)
        .await?;
    if conversation.status == ConversationStatus::Assigned {
        let inbox = inbox_of(&mut tx, &conversation).await?;
        schedule(
            &mut tx,
            TimerKind::AssigneeIdle,
            conversation.id,
            message.created_at,
            inbox.assignee_idle_secs,
            false,
        )
        .await?;
    }
    post_event(
        &mut tx,
        &conversation,
        Event::MessagePosted {
            message: message.clone(),
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(message)
}

/// The key under which a visitor's send is stored once, whatever path writes it.
pub(super) fn visitor_dedup_key(visitor_id: i64, client_id: &str) -> String {
    format!("v{visitor_id}:{client_id}")
}

/// Where a visitor's new conversation starts (the department they chose, or their widget's
/// inbox), refused while the inbox takes no chats (outside hours, nobody online) or asks a
/// form they have not answered.
async fn starting_inbox(tx: &mut WriteTx, visitor: &Visitor) -> Result<i64, AppError> {
    let own = tx
        .inbox(visitor.inbox_id)
        .await?
        .ok_or(AppError::UnknownInbox)?;
    let mut open = Vec::new();
    for id in &own.widget.departments {
        if tx.inbox(*id).await?.is_some_and(|inbox| !inbox.disabled) {
            open.push(*id);
        }
    }
    let (answered, chosen) = tx.form_state(visitor.id).await?;
    let usable = chosen.is_some_and(|id| open.contains(&id));
    let target = crate::widget_settings::starting_inbox(own.id, &own.widget, chosen, usable);
    // Within the widget's hours, and someone online where the chat starts unless it may wait.
    let within = crate::server::business_hours::open_at(&own.widget.hours, now_millis());
    let online = tx.someone_online(target).await?;
    if !crate::widget_settings::takes_chats(within, online, &own.widget.away) {
        return Err(AppError::Unavailable);
    }
    if own.widget.asks_before_chat(open.len()) && !answered {
        return Err(AppError::FormNeeded);
    }
    Ok(target)
}

/// What an agent sends in a conversation.
pub struct AgentPost<'a> {
    /// The conversation.
    pub conversation_id: i64,
    /// The sender's idempotency id.
    pub client_id: &'a str,
    /// The text (may be empty with files).
    pub body: &'a str,
    /// Files uploaded before, to send with it.
    pub attachments: &'a [i64],
    /// An internal note instead of a reply.
    pub note: bool,
}

/// Posts an agent's reply (only the assignee of an open conversation may) or an internal note
/// (anyone who may see the conversation; never sent to the visitor, and it starts or stops no
/// timer).
pub async fn post_agent_message(
    state: &AppState,
    agent: &Me,
    post: AgentPost<'_>,
) -> Result<Message, AppError> {
    let AgentPost {
        conversation_id,
        client_id,
        body,
        attachments,
        note,
    } = post;
    rules::validate_client_id(client_id)?;
    let body = rules::validate_message(body, attachments.len())?;
    conversation_for_agent(state, agent, conversation_id).await?;
    let dedup_key = format!("a{}:{client_id}", agent.id);
    let mut tx = state.store.write().await?;
    if let Some(existing) = tx.message_by_dedup_key(&dedup_key).await? {
        // The same id for another message (an API caller reusing its own ids) is a mistake
        // to say, not a retry to answer with the first message.
        if existing.conversation_id != conversation_id || existing.note != note {
            return Err(AppError::invalid(
                "client_id",
                "already used for another message",
            ));
        }
        // A retry: the first send may still wait in the open batch, and an acknowledgement
        // means committed, so this one waits for that batch too.
        tx.commit(&state.hub).await?;
        return Ok(existing);
    }
    let conversation = conversation_in(&mut tx, conversation_id).await?;
    if !note {
        rules::may_reply(
            agent.id,
            conversation.status,
            conversation.assignee.as_ref(),
        )?;
    }
    let author = Author::Agent {
        id: agent.id,
        name: agent.name.clone(),
    };
    let mut message = tx
        .insert_message(NewMessage {
            conversation_id,
            author: &author,
            body: &body,
            preview: &body,
            note,
            system: None,
            client_id: Some(client_id),
            dedup_key: Some(&dedup_key),
        })
        .await?;
    attach(
        &mut tx,
        &mut message,
        &conversation,
        Uploader::Agent(agent.id),
        attachments,
    )
    .await?;
    if note {
        tx.append_event(
            conversation.inbox_id,
            conversation.visitor_id,
            false,
            Event::MessagePosted {
                message: message.clone(),
            },
        )
        .await?;
        tx.commit(&state.hub).await?;
        return Ok(message);
    }
    // The team answered: the assignee is not idle; now the visitor's silence counts.
    tx.cancel_timer(TimerKind::AssigneeIdle, conversation_id)
        .await?;
    let inbox = inbox_of(&mut tx, &conversation).await?;
    schedule(
        &mut tx,
        TimerKind::VisitorIdle,
        conversation_id,
        message.created_at,
        inbox.visitor_idle_secs,
        true,
    )
    .await?;
    // Writing in a conversation means having read it.
    mark_read_in(&mut tx, agent.id, &conversation, message.id).await?;
    post_event(
        &mut tx,
        &conversation,
        Event::MessagePosted {
            message: message.clone(),
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(message)
}

/// Sends uploaded files with a message: every id must be a file the sender uploaded in the
/// conversation's inbox and has not sent yet. A message of files only shows the first name in
/// lists.
pub(super) async fn attach(
    tx: &mut WriteTx,
    message: &mut Message,
    conversation: &ConversationSummary,
    uploader: Uploader,
    file_ids: &[i64],
) -> Result<(), AppError> {
    if file_ids.is_empty() {
        return Ok(());
    }
    let mut ids = file_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let attached = tx
        .attach_files(message.id, conversation.inbox_id, uploader, &ids)
        .await?;
    if attached.len() != ids.len() {
        return Err(AppError::not_found("file"));
    }
    if message.body.is_empty()
        && !message.note
        && let Some(first) = attached.first()
    {
        tx.set_preview(conversation.id, &format!("📎 {}", first.name))
            .await?;
    }
    message.attachments = attached;
    Ok(())
}

pub(super) async fn post_event(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    event: Event,
) -> Result<(), AppError> {
    tx.append_event(conversation.inbox_id, conversation.visitor_id, true, event)
        .await?;
    Ok(())
}
