//! The visitors' message lane. A visitor's plain text message in their open conversation is
//! the write a busy site makes most, and sqlx hands every statement to the connection's thread
//! and back, so writing each message on its own (ten statements) caps one node at about a
//! thousand a second. The lane writes every message waiting in one batch with a fixed handful
//! of statements, whatever the batch's size. Anything unusual (a retry, a first message that
//! opens a conversation, a switched-off inbox, a failed batch) is handed back to the caller,
//! which takes the ordinary path one message at a time: same rules, same outcome.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::model::{ConversationStatus, Message};
use crate::protocol::Event;
use crate::rules::{self, TimerKind};
use crate::server::hub::Hub;
use crate::server::store::{
    ConversationEvent, NewVisitorMessage, Store, StoreResult, Timer, Visitor, WriteTx, now_millis,
};

/// Most messages written in one batch.
const MAX_BATCH: usize = 256;

/// A message waiting for the lane.
struct Pending {
    /// Who sends it.
    visitor: Visitor,
    /// From where, for IP blocks.
    ip: Option<IpAddr>,
    /// The visitor's idempotency id (valid).
    client_id: String,
    /// The validated text.
    body: String,
    /// The stored message once committed; `None` sends the caller the ordinary way.
    answer: oneshot::Sender<Option<Message>>,
}

/// Where visitors' plain messages queue for the lane's writer task. Cheap to clone.
#[derive(Clone)]
pub struct MessageLane {
    /// The lane's queue.
    queue: mpsc::UnboundedSender<Pending>,
    /// Batches written so far.
    batches: Arc<AtomicU64>,
}

impl MessageLane {
    /// Starts the lane's task, which writes through `store` and publishes on `hub`; it ends
    /// when the last handle is dropped.
    pub fn start(store: Store, hub: Hub) -> MessageLane {
        let (queue, waiting) = mpsc::unbounded_channel();
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(store, hub, waiting, Arc::clone(&batches)));
        MessageLane { queue, batches }
    }

    /// How many batches the lane has written (tests check that waiting messages shared one).
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    /// Stores a visitor's validated text message in their open conversation with the others
    /// waiting, and returns it once committed (its event published). `None` when this one
    /// must take the ordinary path instead (a blocked sender among them), which decides and
    /// reports as it always does.
    pub async fn post(
        &self,
        visitor: &Visitor,
        ip: Option<IpAddr>,
        client_id: &str,
        body: String,
    ) -> Option<Message> {
        let (answer, outcome) = oneshot::channel();
        self.queue
            .send(Pending {
                visitor: visitor.clone(),
                ip,
                client_id: client_id.to_owned(),
                body,
                answer,
            })
            .ok()?;
        outcome.await.ok().flatten()
    }
}

/// Takes everything waiting, up to a batch, and writes it; again while anything comes.
async fn run(
    store: Store,
    hub: Hub,
    mut waiting: mpsc::UnboundedReceiver<Pending>,
    batches: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_batch(&store, &hub, std::mem::take(&mut batch)).await;
        batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// Writes one batch in one savepoint of the writer. The messages it could not take are sent
/// back at once; the others hear their outcome after the commit, which a task of its own
/// waits for so the next batch can start meanwhile.
async fn write_batch(store: &Store, hub: &Hub, batch: Vec<Pending>) {
    let Ok(mut tx) = store.write().await else {
        // The store refuses writes (shutting down): the ordinary path says so.
        return;
    };
    let taken = match write(&mut tx, &batch).await {
        Ok(taken) => taken,
        Err(e) => {
            // Dropping the write rolls it back; each message is retried on its own.
            tracing::warn!("message lane: a batch of {} fell back: {e}", batch.len());
            return;
        }
    };
    let mut posted = Vec::with_capacity(taken.len());
    let mut taken = taken.into_iter().peekable();
    for (index, pending) in batch.into_iter().enumerate() {
        match taken.next_if(|(i, _)| *i == index) {
            Some((_, message)) => posted.push((pending.answer, message)),
            // Dropping the answer sends it back to the ordinary path now.
            None => drop(pending.answer),
        }
    }
    if posted.is_empty() {
        return;
    }
    let hub = hub.clone();
    tokio::spawn(async move {
        let committed = tx.commit(&hub).await.is_ok();
        for (answer, message) in posted {
            // An error only means the sender went away.
            let _ = answer.send(committed.then_some(message));
        }
    });
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
        // A blocked sender is refused, with the block's own error.
        if super::blocking::keeping(&blocks, &pending.visitor, pending.ip).is_some() {
            continue;
        }
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
        chosen.push((index, conversation, inbox));
    }
    if chosen.is_empty() {
        return Ok(Vec::new());
    }

    let new: Vec<NewVisitorMessage> = chosen
        .iter()
        .map(|(index, conversation, _)| NewVisitorMessage {
            conversation_id: conversation.id,
            body: &batch[*index].body,
            client_id: &batch[*index].client_id,
            dedup_key: key_refs[*index],
        })
        .collect();
    let messages = tx.insert_visitor_messages(&new).await?;

    // As for one message: the visitor spoke, so they are not idle, and an assignee now owes
    // them an answer (a wait already running is kept).
    let conversation_ids: Vec<i64> = chosen.iter().map(|(_, c, _)| c.id).collect();
    tx.cancel_timers(TimerKind::VisitorIdle, &conversation_ids)
        .await?;
    let mut waits = Vec::new();
    let mut no_wait = Vec::new();
    for ((_, conversation, inbox), message) in chosen.iter().zip(&messages) {
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
        .map(|((_, conversation, _), message)| ConversationEvent {
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
        .map(|(index, _, _)| index)
        .zip(messages)
        .collect())
}
