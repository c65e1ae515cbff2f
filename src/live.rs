//! The client-side stores of the workspace and the widget as plain data: loaded from a
//! snapshot, then fed by events. Applying an event is idempotent, so a replay that overlaps
//! the snapshot (or a duplicate delivery) converges to the same state. The UI wraps these in
//! signals and derives its lists and counters from them.

use std::collections::{BTreeMap, HashMap};

use crate::model::{ConversationStatus, ConversationSummary, Message};
use crate::protocol::Event;

/// Where a message the user wrote is on its way to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SendStatus {
    /// Sent on the socket, not yet acknowledged.
    Sending,
    /// Refused or lost; the user may retry (same client id, so it is stored once).
    Failed(String),
}

/// A message the user wrote that the server has not committed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSend {
    /// Idempotency id sent with it.
    pub client_id: String,
    /// Target conversation (agents; `None` for the visitor's current one).
    pub conversation_id: Option<i64>,
    /// The text.
    pub body: String,
    /// Sending or failed.
    pub status: SendStatus,
}

/// Pending sends, shared by both stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    /// In the order they were written.
    pub items: Vec<PendingSend>,
}

impl Outbox {
    /// Adds a new send in the `Sending` state.
    pub fn push(&mut self, client_id: String, conversation_id: Option<i64>, body: String) {
        self.items.push(PendingSend {
            client_id,
            conversation_id,
            body,
            status: SendStatus::Sending,
        });
    }

    /// The server committed it: forget it (the message itself arrives in the store).
    pub fn acknowledge(&mut self, client_id: &str) {
        self.items.retain(|item| item.client_id != client_id);
    }

    /// Marks one send failed with a reason code.
    pub fn fail(&mut self, client_id: &str, code: &str) {
        for item in &mut self.items {
            if item.client_id == client_id {
                item.status = SendStatus::Failed(code.to_owned());
            }
        }
    }

    /// The connection dropped: every send still in flight is failed (the user may retry).
    pub fn fail_in_flight(&mut self) {
        for item in &mut self.items {
            if item.status == SendStatus::Sending {
                item.status = SendStatus::Failed("network".into());
            }
        }
    }

    /// Marks a failed send as sending again and returns it, for a retry.
    pub fn retry(&mut self, client_id: &str) -> Option<PendingSend> {
        let item = self
            .items
            .iter_mut()
            .find(|item| item.client_id == client_id)?;
        item.status = SendStatus::Sending;
        Some(item.clone())
    }

    /// Drops sends that a committed message already covers (its client id came back).
    fn settle(&mut self, message: &Message) {
        if let Some(client_id) = &message.client_id {
            self.acknowledge(client_id);
        }
    }
}

/// What the workspace knows: the conversations of the agent's inboxes and the timelines it
/// has opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceData {
    /// Conversations by id.
    pub conversations: BTreeMap<i64, ConversationSummary>,
    /// Timelines loaded so far, by conversation id, messages by id.
    pub timelines: HashMap<i64, BTreeMap<i64, Message>>,
    /// The agent's own sends in flight.
    pub outbox: Outbox,
    /// The newest event applied (to resume from after a reconnect).
    pub last_event_id: i64,
}

impl WorkspaceData {
    /// Starts from a snapshot taken after event `last_event_id`.
    pub fn from_snapshot(conversations: Vec<ConversationSummary>, last_event_id: i64) -> Self {
        WorkspaceData {
            conversations: conversations.into_iter().map(|c| (c.id, c)).collect(),
            last_event_id,
            ..WorkspaceData::default()
        }
    }

    /// Starts recording a conversation's messages from events, before its history is fetched,
    /// so nothing committed between the fetch and its arrival is lost.
    pub fn watch_timeline(&mut self, conversation_id: i64) {
        self.timelines.entry(conversation_id).or_default();
    }

    /// Installs a conversation's timeline (events keep it current afterwards).
    pub fn load_timeline(&mut self, summary: ConversationSummary, messages: Vec<Message>) {
        let timeline = self.timelines.entry(summary.id).or_default();
        for message in messages {
            timeline.insert(message.id, message);
        }
        self.conversations.insert(summary.id, summary);
    }

    /// Applies one event; idempotent.
    pub fn apply(&mut self, id: i64, event: &Event) {
        self.last_event_id = self.last_event_id.max(id);
        match event {
            Event::ConversationOpened { conversation } => {
                self.conversations
                    .entry(conversation.id)
                    .or_insert_with(|| conversation.clone());
            }
            Event::MessagePosted { message } => {
                self.outbox.settle(message);
                if let Some(timeline) = self.timelines.get_mut(&message.conversation_id) {
                    timeline.insert(message.id, message.clone());
                }
                if let Some(conversation) = self.conversations.get_mut(&message.conversation_id) {
                    note_message(conversation, message);
                }
            }
            Event::ConversationAssigned {
                conversation_id,
                assignee,
            } => {
                if let Some(conversation) = self.conversations.get_mut(conversation_id) {
                    assign(conversation, assignee.clone());
                }
            }
            Event::ConversationClosed { conversation_id } => {
                if let Some(conversation) = self.conversations.get_mut(conversation_id) {
                    conversation.status = ConversationStatus::Closed;
                }
            }
        }
    }

    /// A committed message of the agent's own (the `Ack` of a send).
    pub fn acknowledge(&mut self, message: &Message) {
        self.outbox.settle(message);
        if let Some(timeline) = self.timelines.get_mut(&message.conversation_id) {
            timeline.insert(message.id, message.clone());
        }
    }

    /// Conversations waiting for an agent, longest-waiting first.
    pub fn unassigned(&self) -> Vec<ConversationSummary> {
        self.open_where(|c| c.status == ConversationStatus::Unassigned)
    }

    /// Open conversations assigned to this agent, longest-waiting first.
    pub fn mine(&self, agent_id: i64) -> Vec<ConversationSummary> {
        self.open_where(|c| {
            c.status == ConversationStatus::Assigned
                && c.assignee.as_ref().is_some_and(|a| a.id == agent_id)
        })
    }

    /// Every assigned open conversation (the supervisor's Active view), longest-waiting first.
    pub fn active(&self) -> Vec<ConversationSummary> {
        self.open_where(|c| c.status == ConversationStatus::Assigned)
    }

    /// Closed conversations, most recent first.
    pub fn closed(&self) -> Vec<ConversationSummary> {
        let mut list: Vec<_> = self
            .conversations
            .values()
            .filter(|c| c.status == ConversationStatus::Closed)
            .cloned()
            .collect();
        list.sort_by_key(|c| std::cmp::Reverse((c.last_message_at, c.id)));
        list
    }

    /// The loaded timeline of a conversation, oldest first.
    pub fn timeline(&self, conversation_id: i64) -> Option<Vec<Message>> {
        self.timelines
            .get(&conversation_id)
            .map(|t| t.values().cloned().collect())
    }

    fn open_where(&self, keep: impl Fn(&ConversationSummary) -> bool) -> Vec<ConversationSummary> {
        let mut list: Vec<_> = self
            .conversations
            .values()
            .filter(|c| keep(c))
            .cloned()
            .collect();
        list.sort_by_key(|c| (c.created_at, c.id));
        list
    }
}

/// What the widget knows: the visitor's conversations and all their messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WidgetData {
    /// The visitor's conversations by id (the newest is the current one).
    pub conversations: BTreeMap<i64, ConversationSummary>,
    /// Every message of those conversations, by id.
    pub messages: BTreeMap<i64, Message>,
    /// The visitor's sends in flight.
    pub outbox: Outbox,
    /// The newest event applied.
    pub last_event_id: i64,
}

impl WidgetData {
    /// Starts from a snapshot taken after event `last_event_id`.
    pub fn from_snapshot(
        conversations: Vec<ConversationSummary>,
        messages: Vec<Message>,
        last_event_id: i64,
    ) -> Self {
        WidgetData {
            conversations: conversations.into_iter().map(|c| (c.id, c)).collect(),
            messages: messages.into_iter().map(|m| (m.id, m)).collect(),
            outbox: Outbox::default(),
            last_event_id,
        }
    }

    /// Applies one event; idempotent.
    pub fn apply(&mut self, id: i64, event: &Event) {
        self.last_event_id = self.last_event_id.max(id);
        match event {
            Event::ConversationOpened { conversation } => {
                self.conversations
                    .entry(conversation.id)
                    .or_insert_with(|| conversation.clone());
            }
            Event::MessagePosted { message } => self.acknowledge(message),
            Event::ConversationAssigned {
                conversation_id,
                assignee,
            } => {
                if let Some(conversation) = self.conversations.get_mut(conversation_id) {
                    assign(conversation, assignee.clone());
                }
            }
            Event::ConversationClosed { conversation_id } => {
                if let Some(conversation) = self.conversations.get_mut(conversation_id) {
                    conversation.status = ConversationStatus::Closed;
                }
            }
        }
    }

    /// A committed message (an `Ack` or an event).
    pub fn acknowledge(&mut self, message: &Message) {
        self.outbox.settle(message);
        self.messages.insert(message.id, message.clone());
        if let Some(conversation) = self.conversations.get_mut(&message.conversation_id) {
            note_message(conversation, message);
        }
    }

    /// The newest conversation, if any.
    pub fn current(&self) -> Option<&ConversationSummary> {
        self.conversations.values().next_back()
    }

    /// Whether the newest conversation has ended (the visitor may start a new one).
    pub fn ended(&self) -> bool {
        self.current()
            .is_some_and(|c| c.status == ConversationStatus::Closed)
    }

    /// Every message, oldest first.
    pub fn timeline(&self) -> Vec<Message> {
        self.messages.values().cloned().collect()
    }
}

fn note_message(conversation: &mut ConversationSummary, message: &Message) {
    if message.system.is_none() && message.created_at >= conversation.last_message_at {
        conversation.last_message_at = message.created_at;
        conversation.preview = crate::model::preview_of(&message.body);
    }
}

fn assign(conversation: &mut ConversationSummary, assignee: Option<crate::model::AgentRef>) {
    if conversation.status == ConversationStatus::Closed {
        return;
    }
    conversation.status = if assignee.is_some() {
        ConversationStatus::Assigned
    } else {
        ConversationStatus::Unassigned
    };
    conversation.assignee = assignee;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentRef, Author};

    fn conversation(id: i64, created_at: i64) -> ConversationSummary {
        ConversationSummary {
            id,
            inbox_id: 1,
            visitor_id: id * 10,
            visitor_label: format!("#{id}"),
            status: ConversationStatus::Unassigned,
            assignee: None,
            created_at,
            last_message_at: created_at,
            preview: String::new(),
        }
    }

    fn message(id: i64, conversation_id: i64, client_id: &str) -> Message {
        Message {
            id,
            conversation_id,
            author: Author::Visitor,
            body: format!("message {id}"),
            system: None,
            client_id: Some(client_id.into()),
            created_at: 100 + id,
        }
    }

    #[test]
    fn replaying_events_twice_changes_nothing() {
        let mut data = WorkspaceData::from_snapshot(vec![conversation(1, 5)], 3);
        data.load_timeline(conversation(1, 5), vec![message(1, 1, "a")]);
        let events = [
            (
                4,
                Event::MessagePosted {
                    message: message(2, 1, "b"),
                },
            ),
            (
                5,
                Event::ConversationOpened {
                    conversation: conversation(2, 6),
                },
            ),
            (
                6,
                Event::ConversationAssigned {
                    conversation_id: 1,
                    assignee: Some(AgentRef {
                        id: 7,
                        name: "Ana".into(),
                    }),
                },
            ),
        ];
        for (id, event) in &events {
            data.apply(*id, event);
        }
        let once = data.clone();
        for (id, event) in &events {
            data.apply(*id, event);
        }
        assert_eq!(data, once);
        assert_eq!(data.last_event_id, 6);
        assert_eq!(data.timeline(1).map(|t| t.len()), Some(2));
        assert_eq!(data.mine(7).len(), 1);
        assert_eq!(
            data.unassigned().iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![2]
        );
    }

    #[test]
    fn open_lists_put_the_longest_waiting_first_and_closed_leave_them() {
        let mut data =
            WorkspaceData::from_snapshot(vec![conversation(2, 50), conversation(1, 80)], 0);
        assert_eq!(
            data.unassigned().iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![2, 1]
        );
        data.apply(1, &Event::ConversationClosed { conversation_id: 2 });
        assert_eq!(
            data.unassigned().iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![1]
        );
        assert_eq!(data.closed().len(), 1);
        // A late assignment event cannot reopen a closed conversation.
        data.apply(
            2,
            &Event::ConversationAssigned {
                conversation_id: 2,
                assignee: Some(AgentRef {
                    id: 7,
                    name: "Ana".into(),
                }),
            },
        );
        assert_eq!(data.closed().len(), 1);
    }

    #[test]
    fn the_outbox_settles_on_ack_or_event_and_fails_on_disconnect() {
        let mut data = WidgetData::from_snapshot(vec![conversation(1, 5)], vec![], 0);
        data.outbox.push("a".into(), None, "hello".into());
        data.outbox.push("b".into(), None, "again".into());
        data.acknowledge(&message(1, 1, "a"));
        assert_eq!(data.outbox.items.len(), 1);
        data.outbox.fail_in_flight();
        assert_eq!(
            data.outbox.items[0].status,
            SendStatus::Failed("network".into())
        );
        assert_eq!(
            data.outbox.retry("b").map(|p| p.status),
            Some(SendStatus::Sending)
        );
        data.apply(
            2,
            &Event::MessagePosted {
                message: message(2, 1, "b"),
            },
        );
        assert!(data.outbox.items.is_empty());
        assert_eq!(data.timeline().len(), 2);
        assert_eq!(
            data.current().map(|c| c.preview.as_str()),
            Some("message 2")
        );
    }

    #[test]
    fn the_widget_knows_when_the_conversation_ended() {
        let mut data = WidgetData::from_snapshot(vec![conversation(1, 5)], vec![], 0);
        assert!(!data.ended());
        data.apply(3, &Event::ConversationClosed { conversation_id: 1 });
        assert!(data.ended());
        data.apply(
            4,
            &Event::ConversationOpened {
                conversation: conversation(2, 9),
            },
        );
        assert!(!data.ended());
        assert_eq!(data.current().map(|c| c.id), Some(2));
    }
}
