//! The client-side stores of the workspace and the widget as plain data: loaded from a
//! snapshot, then fed by events. Applying an event is idempotent, so a replay that overlaps
//! the snapshot (or a duplicate delivery) converges to the same state. The UI wraps these in
//! signals and derives its lists and counters from them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{
    AgentRef, Author, Colleague, ConversationStatus, ConversationSummary, EarlierConversation,
    Message, Presence, Role,
};
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
    /// Files sent with it (uploaded already).
    pub attachments: Vec<crate::model::Attachment>,
    /// An internal note (agents).
    pub note: bool,
    /// Sending or failed.
    pub status: SendStatus,
}

/// What the user sends: text, files, and (agents) whether it is an internal note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The text as typed.
    pub body: String,
    /// Files uploaded for it.
    pub attachments: Vec<crate::model::Attachment>,
    /// An internal note instead of a reply.
    pub note: bool,
}

/// The messages written on this page that the server has not committed yet (both stores).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unsent {
    /// In the order they were written.
    pub items: Vec<PendingSend>,
}

impl Unsent {
    /// Adds a new send in the `Sending` state.
    pub fn push(&mut self, client_id: String, conversation_id: Option<i64>, draft: Draft) {
        self.items.push(PendingSend {
            client_id,
            conversation_id,
            body: draft.body,
            attachments: draft.attachments,
            note: draft.note,
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

/// What the workspace knows: the conversations of the agent's inboxes, the timelines it has
/// opened, the team's presence and what this agent has not read yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceData {
    /// The signed-in agent.
    pub agent_id: i64,
    /// Conversations by id.
    pub conversations: BTreeMap<i64, ConversationSummary>,
    /// The inboxes the agent may see (a conversation moved elsewhere leaves the lists).
    pub inbox_ids: BTreeSet<i64>,
    /// Timelines loaded so far, by conversation id, messages by id.
    pub timelines: HashMap<i64, BTreeMap<i64, Message>>,
    /// The visitor's earlier conversations, loaded with a timeline.
    pub earlier: HashMap<i64, Vec<EarlierConversation>>,
    /// Every agent by id, with their presence.
    pub team: BTreeMap<i64, Colleague>,
    /// How far this agent has read each conversation (message id).
    pub read_up_to: HashMap<i64, i64>,
    /// Visitor messages this agent has not read, by conversation.
    pub unread: HashMap<i64, BTreeSet<i64>>,
    /// Colleagues who have a conversation on screen (momentary, not from the event log).
    pub viewers: HashMap<i64, Vec<AgentRef>>,
    /// Unassigned conversations this agent was already alerted to.
    pub announced: BTreeSet<i64>,
    /// The agent's own sends in flight.
    pub unsent: Unsent,
    /// The newest event applied (to resume from after a reconnect).
    pub last_event_id: i64,
}

/// What the workspace starts from: the snapshot's parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceStart {
    /// The signed-in agent.
    pub agent_id: i64,
    /// The inboxes they may see.
    pub inbox_ids: Vec<i64>,
    /// Conversations of their inboxes.
    pub conversations: Vec<ConversationSummary>,
    /// The team with presence.
    pub team: Vec<Colleague>,
    /// Unread visitor messages as (conversation id, message id).
    pub unread: Vec<(i64, i64)>,
    /// Events up to this id are reflected.
    pub last_event_id: i64,
}

impl WorkspaceData {
    /// Starts from a snapshot taken after event `last_event_id`.
    pub fn from_snapshot(start: WorkspaceStart) -> Self {
        let mut unread: HashMap<i64, BTreeSet<i64>> = HashMap::new();
        for (conversation_id, message_id) in start.unread {
            unread
                .entry(conversation_id)
                .or_default()
                .insert(message_id);
        }
        WorkspaceData {
            agent_id: start.agent_id,
            inbox_ids: start.inbox_ids.into_iter().collect(),
            conversations: start.conversations.into_iter().map(|c| (c.id, c)).collect(),
            team: start.team.into_iter().map(|c| (c.id, c)).collect(),
            unread,
            last_event_id: start.last_event_id,
            ..WorkspaceData::default()
        }
    }

    /// Starts recording a conversation's messages from events, before its history is fetched,
    /// so nothing committed between the fetch and its arrival is lost.
    pub fn watch_timeline(&mut self, conversation_id: i64) {
        self.timelines.entry(conversation_id).or_default();
    }

    /// Installs a conversation's timeline and the visitor's earlier conversations (events
    /// keep it current afterwards).
    pub fn load_timeline(&mut self, detail: crate::model::ConversationDetail) {
        let timeline = self.timelines.entry(detail.summary.id).or_default();
        for message in detail.messages {
            timeline.insert(message.id, message);
        }
        self.earlier.insert(detail.summary.id, detail.earlier);
        self.conversations.insert(detail.summary.id, detail.summary);
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
                self.unsent.settle(message);
                if let Some(timeline) = self.timelines.get_mut(&message.conversation_id) {
                    timeline.insert(message.id, message.clone());
                }
                if let Some(conversation) = self.conversations.get_mut(&message.conversation_id) {
                    note_message(conversation, message);
                }
                let read = self
                    .read_up_to
                    .get(&message.conversation_id)
                    .copied()
                    .unwrap_or(0);
                if message.author == Author::Visitor && message.id > read {
                    self.unread
                        .entry(message.conversation_id)
                        .or_default()
                        .insert(message.id);
                }
            }
            Event::ConversationRead {
                conversation_id,
                agent_id,
                up_to,
            } => {
                if *agent_id == self.agent_id {
                    self.read(*conversation_id, *up_to);
                }
            }
            Event::MessagesSeen {
                conversation_id,
                reader,
                up_to,
                at,
            } => {
                if let Some(timeline) = self.timelines.get_mut(conversation_id) {
                    mark_seen(timeline.values_mut(), *reader, *up_to, *at);
                }
            }
            Event::PresenceChanged { agent_id, presence } => {
                if let Some(colleague) = self.team.get_mut(agent_id) {
                    colleague.presence = *presence;
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
            // A ticket is the Tickets page's business; the workspace only shows a toast.
            Event::TicketOpened { .. } => {}
            Event::VisitorUpdated { visitor_id, label } => {
                for conversation in self.conversations.values_mut() {
                    if conversation.visitor_id == *visitor_id {
                        label.clone_into(&mut conversation.visitor_label);
                    }
                }
            }
            Event::ConversationMoved { conversation } => {
                if self.inbox_ids.contains(&conversation.inbox_id) {
                    self.conversations
                        .insert(conversation.id, conversation.clone());
                } else {
                    self.conversations.remove(&conversation.id);
                    self.unread.remove(&conversation.id);
                }
            }
            Event::ConversationLabeled {
                conversation_id,
                labels,
            } => {
                if let Some(conversation) = self.conversations.get_mut(conversation_id) {
                    conversation.labels.clone_from(labels);
                }
            }
            // Profiles are read again when shown; lists do not show blocks.
            Event::VisitorBlocked { .. } | Event::VisitorUnblocked { .. } => {}
        }
    }

    /// A committed message of the agent's own (the `Ack` of a send).
    pub fn acknowledge(&mut self, message: &Message) {
        self.unsent.settle(message);
        if let Some(timeline) = self.timelines.get_mut(&message.conversation_id) {
            timeline.insert(message.id, message.clone());
        }
    }

    /// This agent has read a conversation up to a message (from the server, or at once when
    /// they look at it).
    pub fn read(&mut self, conversation_id: i64, up_to: i64) {
        let marker = self.read_up_to.entry(conversation_id).or_default();
        *marker = (*marker).max(up_to);
        if let Some(unread) = self.unread.get_mut(&conversation_id) {
            unread.retain(|id| *id > up_to);
            if unread.is_empty() {
                self.unread.remove(&conversation_id);
            }
        }
    }

    /// How many messages of a conversation this agent has not read.
    pub fn unread_count(&self, conversation_id: i64) -> usize {
        self.unread.get(&conversation_id).map_or(0, BTreeSet::len)
    }

    /// The newest message id the agent would have read by looking at a conversation now:
    /// its loaded timeline's newest, or its newest unread message.
    pub fn newest_seen(&self, conversation_id: i64) -> Option<i64> {
        let in_timeline = self
            .timelines
            .get(&conversation_id)
            .and_then(|t| t.keys().next_back().copied());
        let unread = self
            .unread
            .get(&conversation_id)
            .and_then(|u| u.iter().next_back().copied());
        in_timeline.max(unread)
    }

    /// The workspace counter for this agent's role (see [`crate::rules::workspace_count`]).
    pub fn workspace_count(&self, role: Role) -> usize {
        let unread_mine = self
            .mine(self.agent_id)
            .iter()
            .filter(|c| self.unread_count(c.id) > 0)
            .count();
        crate::rules::workspace_count(role, unread_mine, self.unassigned().len())
    }

    /// Colleagues who can be given a conversation of this inbox now: online members.
    pub fn online_assignees(&self, inbox_id: i64) -> Vec<Colleague> {
        self.team
            .values()
            .filter(|c| c.presence == Presence::Online && c.inbox_ids.contains(&inbox_id))
            .cloned()
            .collect()
    }

    /// This agent's presence as colleagues see it.
    pub fn my_presence(&self) -> Presence {
        self.team
            .get(&self.agent_id)
            .map_or(Presence::Offline, |c| c.presence)
    }

    /// Who else has a conversation on screen.
    pub fn other_viewers(&self, conversation_id: i64) -> Vec<AgentRef> {
        self.viewers
            .get(&conversation_id)
            .map(|agents| {
                agents
                    .iter()
                    .filter(|a| a.id != self.agent_id)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Conversations waiting for an agent, by their last message, the oldest first (seed 002:
    /// "sorted by the time of the last message: old ones are placed above").
    pub fn unassigned(&self) -> Vec<ConversationSummary> {
        self.open_where(|c| c.status == ConversationStatus::Unassigned)
    }

    /// Open conversations assigned to this agent, the oldest last message first.
    pub fn mine(&self, agent_id: i64) -> Vec<ConversationSummary> {
        self.open_where(|c| {
            c.status == ConversationStatus::Assigned
                && c.assignee.as_ref().is_some_and(|a| a.id == agent_id)
        })
    }

    /// Every assigned open conversation (the supervisor's Active view), the oldest last
    /// message first.
    pub fn active(&self) -> Vec<ConversationSummary> {
        self.open_where(|c| c.status == ConversationStatus::Assigned)
    }

    /// A visitor's open conversation, if they have one (the master popup opens it).
    pub fn open_conversation_of(&self, visitor_id: i64) -> Option<i64> {
        self.open_where(|c| c.visitor_id == visitor_id && c.status != ConversationStatus::Closed)
            .last()
            .map(|c| c.id)
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
        list.sort_by_key(|c| (c.last_message_at, c.id));
        list
    }

    /// The conversations of one inbox that need this agent: waiting for someone, or theirs
    /// with unread messages (the count beside the inbox in the menu).
    pub fn attention_in(&self, inbox_id: i64) -> usize {
        self.conversations
            .values()
            .filter(|c| c.inbox_id == inbox_id && c.status != ConversationStatus::Closed)
            .filter(|c| match (&c.status, &c.assignee) {
                (ConversationStatus::Unassigned, _) => true,
                (_, Some(a)) => a.id == self.agent_id && self.unread_count(c.id) > 0,
                _ => false,
            })
            .count()
    }
}

/// Why the workspace asks for the agent's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A visitor is waiting in a conversation nobody has taken.
    NewConversation,
    /// The visitor of a conversation this agent has wrote again.
    NewMessage,
    /// A conversation was given to this agent (by the inbox's automatic assignment, or by a
    /// colleague).
    AssignedToYou,
}

/// A sound and a desktop notification to give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// What happened.
    pub kind: AlertKind,
    /// Where.
    pub conversation_id: i64,
    /// Who wrote.
    pub visitor_label: String,
    /// The beginning of the message.
    pub preview: String,
}

impl WorkspaceData {
    /// Decides whether a live event (applied already) alerts this agent: a visitor's first
    /// message in an unassigned conversation alerts every online agent once; a visitor's
    /// message in a conversation assigned to this agent alerts them.
    pub fn alert_for(&mut self, event: &Event) -> Option<Alert> {
        let Event::MessagePosted { message } = event else {
            return None;
        };
        if let Some(line) = &message.system {
            return self.assigned_to_me(message.conversation_id, line);
        }
        if message.author != Author::Visitor {
            return None;
        }
        let conversation = self.conversations.get(&message.conversation_id)?;
        let kind = match (&conversation.status, &conversation.assignee) {
            (ConversationStatus::Unassigned, _) if self.my_presence() == Presence::Online => {
                AlertKind::NewConversation
            }
            (ConversationStatus::Assigned, Some(assignee)) if assignee.id == self.agent_id => {
                AlertKind::NewMessage
            }
            _ => return None,
        };
        let alert = Alert {
            kind,
            conversation_id: conversation.id,
            visitor_label: conversation.visitor_label.clone(),
            preview: crate::model::preview_of(&message.body),
        };
        if kind == AlertKind::NewConversation && !self.announced.insert(conversation.id) {
            return None;
        }
        Some(alert)
    }

    /// The line saying a conversation was given to this agent by someone else (or by the
    /// inbox), once it is theirs: an alert, since they did not take it themselves.
    fn assigned_to_me(
        &self,
        conversation_id: i64,
        line: &crate::model::SystemLine,
    ) -> Option<Alert> {
        let my_name = self.team.get(&self.agent_id).map(|c| c.name.as_str());
        let by_someone_else = match line {
            crate::model::SystemLine::AutoAssigned { .. } => true,
            crate::model::SystemLine::Assigned { by, .. } => Some(by.as_str()) != my_name,
            _ => false,
        };
        let conversation = self.conversations.get(&conversation_id)?;
        let mine = conversation
            .assignee
            .as_ref()
            .is_some_and(|a| a.id == self.agent_id);
        (by_someone_else && mine).then(|| Alert {
            kind: AlertKind::AssignedToYou,
            conversation_id,
            visitor_label: conversation.visitor_label.clone(),
            preview: conversation.preview.clone(),
        })
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
    pub unsent: Unsent,
    /// Set while the visitor is blocked (they cannot send).
    pub blocked: Option<crate::snapshot::BlockNotice>,
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
            unsent: Unsent::default(),
            blocked: None,
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
            Event::MessagesSeen {
                conversation_id,
                reader,
                up_to,
                at,
            } => mark_seen(
                self.messages
                    .values_mut()
                    .filter(|m| m.conversation_id == *conversation_id),
                *reader,
                *up_to,
                *at,
            ),
            // Agents' reading, presence and notes on visitors are not the widget's business
            // (not sent to it).
            Event::ConversationRead { .. }
            | Event::PresenceChanged { .. }
            | Event::VisitorUpdated { .. }
            | Event::TicketOpened { .. }
            | Event::ConversationMoved { .. }
            | Event::ConversationLabeled { .. } => {}
            Event::VisitorBlocked { until, .. } => {
                self.blocked = Some(crate::snapshot::BlockNotice { until: *until });
            }
            Event::VisitorUnblocked { .. } => self.blocked = None,
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

    /// A committed message (an `Ack` or an event). A note never belongs here (the server never
    /// sends one to a visitor; this is a second lock on that door).
    pub fn acknowledge(&mut self, message: &Message) {
        if message.note {
            return;
        }
        self.unsent.settle(message);
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

    /// The newest message of the team's that the visitor has not read yet (the widget reports
    /// it read once it is on screen).
    pub fn newest_unread_from_team(&self) -> Option<i64> {
        self.messages
            .values()
            .rev()
            .find(|m| matches!(m.author, Author::Agent { .. }) && !m.note)
            .filter(|m| m.read_at.is_none())
            .map(|m| m.id)
    }

    /// The visitor's last message in the current conversation, when the assignee has read it:
    /// the widget says "Seen" under it.
    pub fn seen(&self) -> Option<i64> {
        let current = self.current()?.id;
        self.messages
            .values()
            .rev()
            .filter(|m| m.conversation_id == current)
            .find(|m| m.author == Author::Visitor)
            .filter(|m| m.read_at.is_some())
            .map(|m| m.id)
    }
}

/// Marks as read the messages a reader reads (the other side's) up to `up_to`.
fn mark_seen<'a>(
    messages: impl Iterator<Item = &'a mut Message>,
    reader: crate::protocol::Reader,
    up_to: i64,
    at: crate::model::Millis,
) {
    for message in messages {
        if message.id <= up_to
            && message.read_at.is_none()
            && !message.note
            && reader.reads(&message.author)
        {
            message.read_at = Some(at);
        }
    }
}

fn note_message(conversation: &mut ConversationSummary, message: &Message) {
    if let Some(crate::model::SystemLine::Rated { score, .. }) = &message.system {
        conversation.rating = Some(*score);
    }
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
            visitor_name: None,
            visitor_email: None,
            status: ConversationStatus::Unassigned,
            assignee: None,
            created_at,
            last_message_at: created_at,
            preview: String::new(),
            rating: None,
            labels: Vec::new(),
        }
    }

    #[test]
    fn a_conversation_moved_away_leaves_the_lists_and_labels_follow() {
        let mut data = WorkspaceData::from_snapshot(WorkspaceStart {
            agent_id: 7,
            inbox_ids: vec![1],
            conversations: vec![conversation(1, 10), conversation(2, 20)],
            unread: vec![(1, 5)],
            ..WorkspaceStart::default()
        });
        data.apply(
            3,
            &Event::ConversationLabeled {
                conversation_id: 2,
                labels: vec!["VIP".into()],
            },
        );
        assert_eq!(data.conversations[&2].labels, vec!["VIP"]);
        let mut away = conversation(1, 10);
        away.inbox_id = 9;
        data.apply(4, &Event::ConversationMoved { conversation: away });
        assert!(!data.conversations.contains_key(&1));
        assert_eq!(data.unread_count(1), 0);
        let mut here = conversation(5, 30);
        here.inbox_id = 1;
        data.apply(5, &Event::ConversationMoved { conversation: here });
        assert!(
            data.conversations.contains_key(&5),
            "moved into one of my inboxes"
        );
    }

    #[test]
    fn a_visitor_leads_to_their_open_conversation_only() {
        let mut closed = conversation(3, 5);
        closed.visitor_id = 20;
        closed.status = ConversationStatus::Closed;
        let data = WorkspaceData::from_snapshot(WorkspaceStart {
            agent_id: 7,
            inbox_ids: vec![1],
            conversations: vec![conversation(1, 10), conversation(2, 20), closed],
            ..WorkspaceStart::default()
        });
        assert_eq!(data.open_conversation_of(20), Some(2));
        assert_eq!(data.open_conversation_of(10), Some(1));
        assert_eq!(data.open_conversation_of(30), None);
    }

    #[test]
    fn the_widget_follows_its_block() {
        let mut data = WidgetData::from_snapshot(Vec::new(), Vec::new(), 0);
        data.apply(
            1,
            &Event::VisitorBlocked {
                visitor_id: 3,
                until: Some(99),
            },
        );
        assert_eq!(
            data.blocked,
            Some(crate::snapshot::BlockNotice { until: Some(99) })
        );
        data.apply(2, &Event::VisitorUnblocked { visitor_id: 3 });
        assert_eq!(data.blocked, None);
    }

    fn start(conversations: Vec<ConversationSummary>, last_event_id: i64) -> WorkspaceStart {
        WorkspaceStart {
            agent_id: 7,
            conversations,
            last_event_id,
            ..WorkspaceStart::default()
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
            note: false,
            read_at: None,
            attachments: Vec::new(),
            formatted: None,
        }
    }

    #[test]
    fn replaying_events_twice_changes_nothing() {
        let mut data = WorkspaceData::from_snapshot(start(vec![conversation(1, 5)], 3));
        data.load_timeline(crate::model::ConversationDetail {
            summary: conversation(1, 5),
            messages: vec![message(1, 1, "a")],
            earlier: vec![],
        });
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
    fn open_lists_put_the_oldest_last_message_first_and_closed_leave_them() {
        // Conversation 1 started first, but its visitor wrote last: it comes second.
        let mut first = conversation(1, 10);
        first.last_message_at = 90;
        let mut data = WorkspaceData::from_snapshot(start(vec![conversation(2, 50), first], 0));
        assert_eq!(
            data.unassigned().iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(data.attention_in(1), 2);
        assert_eq!(data.attention_in(2), 0);
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
        let text = |body: &str| Draft {
            body: body.into(),
            ..Draft::default()
        };
        data.unsent.push("a".into(), None, text("hello"));
        data.unsent.push("b".into(), None, text("again"));
        data.acknowledge(&message(1, 1, "a"));
        assert_eq!(data.unsent.items.len(), 1);
        data.unsent.fail_in_flight();
        assert_eq!(
            data.unsent.items[0].status,
            SendStatus::Failed("network".into())
        );
        assert_eq!(
            data.unsent.retry("b").map(|p| p.status),
            Some(SendStatus::Sending)
        );
        data.apply(
            2,
            &Event::MessagePosted {
                message: message(2, 1, "b"),
            },
        );
        assert!(data.unsent.items.is_empty());
        assert_eq!(data.timeline().len(), 2);
        assert_eq!(
            data.current().map(|c| c.preview.as_str()),
            Some("message 2")
        );
    }

    fn posted(message: Message) -> Event {
        Event::MessagePosted { message }
    }

    fn assigned_to(conversation_id: i64, id: i64) -> Event {
        Event::ConversationAssigned {
            conversation_id,
            assignee: Some(AgentRef {
                id,
                name: format!("agent {id}"),
            }),
        }
    }

    #[test]
    fn unread_counts_follow_visitor_messages_and_reads() {
        let mut data = WorkspaceData::from_snapshot(WorkspaceStart {
            unread: vec![(1, 1)],
            ..start(vec![conversation(1, 5), conversation(2, 6)], 0)
        });
        assert_eq!(data.unread_count(1), 1);
        data.apply(1, &posted(message(2, 1, "b")));
        data.apply(2, &posted(message(3, 2, "c")));
        // An agent's message is not unread for anyone.
        let mut reply = message(4, 1, "d");
        reply.author = Author::Agent {
            id: 8,
            name: "Ben".into(),
        };
        data.apply(3, &posted(reply));
        assert_eq!(data.unread_count(1), 2);
        assert_eq!(data.unread_count(2), 1);
        // A colleague's reading changes nothing for this agent; their own does, on every device.
        let read = |agent_id, up_to| Event::ConversationRead {
            conversation_id: 1,
            agent_id,
            up_to,
        };
        data.apply(4, &read(8, 4));
        assert_eq!(data.unread_count(1), 2);
        data.apply(5, &read(7, 4));
        assert_eq!(data.unread_count(1), 0);
        // A replayed old message stays read.
        data.apply(1, &posted(message(2, 1, "b")));
        assert_eq!(data.unread_count(1), 0);
        assert_eq!(data.newest_seen(2), Some(3));
    }

    #[test]
    fn counters_are_derived_for_each_role() {
        let mut data = WorkspaceData::from_snapshot(start(
            vec![conversation(1, 5), conversation(2, 6), conversation(3, 7)],
            0,
        ));
        // Agent 7 has conversation 1 with an unread message; 2 and 3 are unassigned.
        data.apply(1, &assigned_to(1, 7));
        data.apply(2, &posted(message(10, 1, "a")));
        data.apply(3, &posted(message(11, 2, "b")));
        assert_eq!(data.workspace_count(Role::Operator), 1);
        assert_eq!(data.workspace_count(Role::Supervisor), 2);
        assert_eq!(data.workspace_count(Role::Admin), 3);
        // Conversation 2 is taken by someone else: fewer unassigned, and not this agent's.
        data.apply(4, &assigned_to(2, 8));
        assert_eq!(data.workspace_count(Role::Supervisor), 1);
        assert_eq!(data.workspace_count(Role::Operator), 1);
        data.read(1, 10);
        assert_eq!(data.workspace_count(Role::Operator), 0);
    }

    #[test]
    fn only_online_members_are_offered_as_assignees() {
        let colleague = |id, presence, inbox_ids: Vec<i64>| Colleague {
            id,
            name: format!("agent {id}"),
            presence,
            inbox_ids,
        };
        let mut data = WorkspaceData::from_snapshot(WorkspaceStart {
            team: vec![
                colleague(7, Presence::Online, vec![1]),
                colleague(8, Presence::Away, vec![1]),
                colleague(9, Presence::Online, vec![2]),
            ],
            ..start(vec![], 0)
        });
        let ids = |d: &WorkspaceData| {
            d.online_assignees(1)
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&data), vec![7]);
        data.apply(
            1,
            &Event::PresenceChanged {
                agent_id: 8,
                presence: Presence::Online,
            },
        );
        assert_eq!(ids(&data), vec![7, 8]);
        assert_eq!(data.my_presence(), Presence::Online);
    }

    #[test]
    fn alerts_go_to_online_agents_for_new_conversations_and_to_the_assignee() {
        let me = |presence| Colleague {
            id: 7,
            name: "Ana".into(),
            presence,
            inbox_ids: vec![1],
        };
        let mut data = WorkspaceData::from_snapshot(WorkspaceStart {
            team: vec![me(Presence::Online)],
            ..start(vec![conversation(1, 5), conversation(2, 6)], 0)
        });
        let first = posted(message(10, 1, "a"));
        data.apply(1, &first);
        let alert = data.alert_for(&first).expect("an alert");
        assert_eq!(alert.kind, AlertKind::NewConversation);
        assert_eq!(alert.preview, "message 10");
        // Once per conversation.
        let second = posted(message(11, 1, "b"));
        data.apply(2, &second);
        assert_eq!(data.alert_for(&second), None);
        // Assigned to me: every visitor message alerts; assigned to a colleague: none.
        data.apply(3, &assigned_to(1, 7));
        data.apply(4, &assigned_to(2, 8));
        let mine = posted(message(12, 1, "c"));
        let theirs = posted(message(13, 2, "d"));
        data.apply(5, &mine);
        data.apply(6, &theirs);
        assert_eq!(
            data.alert_for(&mine).map(|a| a.kind),
            Some(AlertKind::NewMessage)
        );
        assert_eq!(data.alert_for(&theirs), None);
        // An away agent is not alerted to new conversations.
        data.apply(
            7,
            &Event::PresenceChanged {
                agent_id: 7,
                presence: Presence::Away,
            },
        );
        data.apply(8, &posted(message(14, 3, "e")));
        data.apply(
            9,
            &Event::ConversationOpened {
                conversation: conversation(3, 9),
            },
        );
        let waiting = posted(message(15, 3, "f"));
        data.apply(10, &waiting);
        assert_eq!(data.alert_for(&waiting), None);
        // Given to me by the inbox: an alert, even away; given to a colleague: none.
        data.apply(11, &assigned_to(3, 7));
        let mut line = message(16, 3, "");
        line.author = Author::System;
        line.system = Some(crate::model::SystemLine::AutoAssigned {
            to: "Ana".into(),
            mode: "round_robin".into(),
        });
        let line = posted(line);
        data.apply(12, &line);
        assert_eq!(
            data.alert_for(&line).map(|a| (a.kind, a.conversation_id)),
            Some((AlertKind::AssignedToYou, 3))
        );
        let mut mine = message(17, 2, "");
        mine.author = Author::System;
        mine.system = Some(crate::model::SystemLine::Assigned {
            by: "Ana".into(),
            to: "Ben".into(),
        });
        let mine = posted(mine);
        data.apply(13, &mine);
        assert_eq!(data.alert_for(&mine), None, "not mine, and my own doing");
    }

    #[test]
    fn the_widget_keeps_no_note_and_follows_receipts() {
        let mut data = WidgetData::from_snapshot(vec![conversation(1, 5)], vec![], 0);
        let mut note = message(1, 1, "n");
        note.author = Author::Agent {
            id: 7,
            name: "Ana".into(),
        };
        note.note = true;
        data.apply(1, &posted(note));
        assert!(data.timeline().is_empty());
        let mut reply = message(2, 1, "r");
        reply.author = Author::Agent {
            id: 7,
            name: "Ana".into(),
        };
        data.apply(2, &posted(reply));
        data.apply(3, &posted(message(3, 1, "q")));
        assert_eq!(data.newest_unread_from_team(), Some(2));
        assert_eq!(data.seen(), None);
        let seen = |reader, up_to| Event::MessagesSeen {
            conversation_id: 1,
            reader,
            up_to,
            at: 99,
        };
        data.apply(4, &seen(crate::protocol::Reader::Visitor, 2));
        assert_eq!(data.newest_unread_from_team(), None);
        data.apply(5, &seen(crate::protocol::Reader::Team, 3));
        assert_eq!(data.seen(), Some(3));
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
