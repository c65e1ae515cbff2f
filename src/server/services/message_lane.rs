//! The visitors' message lane: a visitor's plain text message in their open conversation is
//! the write a busy site makes most, so those waiting together are written as one batch (see
//! [`super::lane`]). A retry, a first message (it opens a conversation), a blocked sender, a
//! switched-off inbox, a message with files or a failed batch take the ordinary path.

use std::collections::HashSet;
use std::net::IpAddr;

use crate::model::{ConversationStatus, Message};
use crate::protocol::Event;
use crate::rules::{self, TimerKind};
use crate::server::store::{
    ConversationEvent, NewVisitorMessage, StoreResult, Timer, Visitor, WriteTx, now_millis,
};

use super::lane::{Lane, LaneWrites};

/// The lane of visitors' plain messages.
pub type MessageLane = Lane<MessageWrites>;

/// A message waiting for the lane.
pub struct Pending {
    /// Who sends it.
    visitor: Visitor,
    /// From where, for IP blocks.
    ip: Option<IpAddr>,
    /// The visitor's idempotency id, as sent.
    client_id: String,
    /// The text, as sent.
    body: String,
}

/// How the lane writes visitors' messages.
pub struct MessageWrites;

impl LaneWrites for MessageWrites {
    type Item = Pending;
    type Answer = Message;

    fn write<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        batch: &'a [Pending],
    ) -> impl Future<Output = StoreResult<Vec<(usize, Message)>>> + Send + 'a {
        write(tx, batch)
    }
}

impl MessageLane {
    /// Stores a visitor's text message (no files) in their open conversation with the others
    /// waiting, and returns it once committed (its event published). `None` when this one
    /// must take the ordinary path instead (a blocked sender, invalid input, anything
    /// unusual), which decides and reports as it always does.
    pub async fn post(
        &self,
        visitor: &Visitor,
        ip: Option<IpAddr>,
        client_id: &str,
        body: String,
    ) -> Option<Message> {
        self.submit(Pending {
            visitor: visitor.clone(),
            ip,
            client_id: client_id.to_owned(),
            body,
        })
        .await
    }
}

/// The messages of the batch the lane takes, as (index in the batch, stored message), written
/// in `tx`; the rest it leaves for the ordinary path.
async fn write(tx: &mut WriteTx, batch: &[Pending]) -> StoreResult<Vec<(usize, Message)>> {
    let keys: Vec<String> = batch
        .iter()
        .map(|p| super::messages::visitor_dedup_key(p.visitor.id, &p.client_id))
        .collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let visitor_ids: Vec<i64> = batch.iter().map(|p| p.visitor.id).collect();
    let sender_inboxes: Vec<i64> = batch
        .iter()
        .map(|p| p.visitor.inbox_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let blocks = tx
        .blocks_for_senders(&visitor_ids, &sender_inboxes, now_millis())
        .await?;
    let retries = tx.stored_dedup_keys(&key_refs).await?;
    let open = tx.open_conversations_of(&visitor_ids).await?;
    let inbox_ids: Vec<i64> = open
        .values()
        .map(|c| c.inbox_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let inboxes = tx.inboxes_by_id(&inbox_ids).await?;

    let mut seen = HashSet::new();
    let mut chosen = Vec::new();
    for (index, pending) in batch.iter().enumerate() {
        // A blocked sender is refused, with the block's own error; then bad input, with its.
        if super::blocking::keeping(&blocks, &pending.visitor, pending.ip).is_some()
            || rules::validate_client_id(&pending.client_id).is_err()
        {
            continue;
        }
        let Ok(body) = rules::validate_message(&pending.body, 0) else {
            continue;
        };
        let key = key_refs[index];
        // A retry, or a second send of the same id in this batch: the ordinary path answers
        // with the stored message.
        if retries.contains(key) || !seen.insert(key) {
            continue;
        }
        // A first message opens a conversation (with the inbox's rules for that).
        let Some(conversation) = open.get(&pending.visitor.id) else {
            continue;
        };
        // A switched-off inbox refuses it, with its own error.
        let Some(inbox) = inboxes
            .get(&conversation.inbox_id)
            .filter(|inbox| !inbox.disabled)
        else {
            continue;
        };
        chosen.push((index, conversation, inbox, body));
    }
    if chosen.is_empty() {
        return Ok(Vec::new());
    }

    let new: Vec<NewVisitorMessage> = chosen
        .iter()
        .map(|(index, conversation, _, body)| NewVisitorMessage {
            conversation_id: conversation.id,
            body,
            client_id: &batch[*index].client_id,
            dedup_key: key_refs[*index],
        })
        .collect();
    let messages = tx.insert_visitor_messages(&new).await?;

    // As for one message: the visitor spoke, so they are not idle, and an assignee now owes
    // them an answer (a wait already running is kept).
    let conversation_ids: Vec<i64> = chosen.iter().map(|(_, c, _, _)| c.id).collect();
    tx.cancel_timers(TimerKind::VisitorIdle, &conversation_ids)
        .await?;
    let mut waits = Vec::new();
    let mut no_wait = Vec::new();
    for ((_, conversation, inbox, _), message) in chosen.iter().zip(&messages) {
        if conversation.status != ConversationStatus::Assigned {
            continue;
        }
        match rules::due_at(message.created_at, inbox.assignee_idle_secs) {
            Some(due_at) => waits.push(Timer {
                kind: TimerKind::AssigneeIdle,
                subject_id: conversation.id,
                due_at,
            }),
            None => no_wait.push(conversation.id),
        }
    }
    tx.schedule_timers(&waits).await?;
    tx.cancel_timers(TimerKind::AssigneeIdle, &no_wait).await?;

    let events = chosen
        .iter()
        .zip(&messages)
        .map(|((_, conversation, _, _), message)| ConversationEvent {
            inbox_id: conversation.inbox_id,
            visitor_id: conversation.visitor_id,
            for_visitor: true,
            event: Event::MessagePosted {
                message: message.clone(),
            },
        })
        .collect();
    tx.append_events(events).await?;
    Ok(chosen
        .into_iter()
        .map(|(index, _, _, _)| index)
        .zip(messages)
        .collect())
}
