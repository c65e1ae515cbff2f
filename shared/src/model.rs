//! Domain types shared by the server and the browser: what a conversation, a message or an
//! agent looks like on the wire. Plain serde types, no behaviour beyond small helpers.

use serde::{Deserialize, Serialize};

// Part of the model's vocabulary, defined lower down so `error` and `files` need no model.
pub use crate::calendar::Millis;
pub use crate::files::FilePolicy;

/// What a team member may do: operators answer, supervisors oversee, admins also configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers the conversations they take.
    Operator,
    /// Oversees every conversation of their inboxes.
    Supervisor,
    /// Everything a supervisor does, plus inboxes and accounts.
    Admin,
}

impl Role {
    /// Every role, in the order the admin form lists them.
    pub const ALL: [Role; 3] = [Role::Operator, Role::Supervisor, Role::Admin];

    /// The stable name stored in the database and used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }
}

/// Whether an account may be used: active, disabled by an admin (history kept, no sign-in),
/// or deleted (gone from every list; its messages keep the name they were written with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Signs in and works.
    #[default]
    Active,
    /// Cannot sign in; an admin may enable it again.
    Disabled,
    /// A former agent.
    Deleted,
}

impl AccountState {
    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Active => "active",
            AccountState::Disabled => "disabled",
            AccountState::Deleted => "deleted",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(value: &str) -> Option<AccountState> {
        [
            AccountState::Active,
            AccountState::Disabled,
            AccountState::Deleted,
        ]
        .into_iter()
        .find(|state| state.as_str() == value)
    }
}

/// What deleting an inbox takes with it, for the confirmation that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InboxContents {
    /// Its conversations (with their messages and files).
    pub conversations: i64,
    /// Its visitors (with their page history).
    pub visitors: i64,
    /// Its tickets.
    pub tickets: i64,
}

/// One entry of the audit log: who changed which account or inbox, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Database id.
    pub id: i64,
    /// When.
    pub at: Millis,
    /// Who (their name at the time).
    pub actor: String,
    /// What, as a stable code (`agent_created`, `inbox_deleted`, …) the page words.
    pub action: String,
    /// Whom or which inbox it was about (its name at the time).
    pub subject: String,
    /// What changed, as data the page words in the reader's language.
    pub detail: AuditDetail,
}

/// What an audited change changed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditDetail {
    /// Nothing to add (a password reset, an account disabled).
    #[default]
    Nothing,
    /// An account as it now is (created, edited).
    Account {
        /// Display name.
        name: String,
        /// Sign-in email.
        email: String,
        /// Role.
        role: Role,
    },
    /// The email a deleted account had.
    Email {
        /// The address.
        email: String,
    },
    /// An inbox's new name.
    Renamed {
        /// The name it has now.
        to: String,
    },
    /// What went with a deleted inbox.
    Contents(InboxContents),
}

/// Where a conversation is in its life: waiting for an agent, being answered, or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting for an agent to accept it.
    Unassigned,
    /// An agent (the assignee) answers it.
    Assigned,
    /// Ended by an agent, a timer, or the visitor.
    Closed,
}

impl ConversationStatus {
    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Unassigned => "unassigned",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::Closed => "closed",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(value: &str) -> Option<ConversationStatus> {
        [Self::Unassigned, Self::Assigned, Self::Closed]
            .into_iter()
            .find(|status| status.as_str() == value)
    }
}

/// Whether an agent takes chats now. Colleagues see it; only online agents are alerted to new
/// conversations and offered as assignees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Takes chats.
    Online,
    /// At the desk but not taking new chats.
    Away,
    /// Not working (chosen, or no workspace open for the grace period).
    Offline,
}

impl Presence {
    /// Every presence, in the order the top bar offers them.
    pub const ALL: [Presence; 3] = [Presence::Online, Presence::Away, Presence::Offline];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(value: &str) -> Option<Presence> {
        Presence::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

/// A colleague as the workspace shows them: presence, and the inboxes they can be assigned in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    /// Database id of the agent.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// What colleagues see now.
    pub presence: Presence,
    /// Inboxes they belong to (they can be assigned conversations of these).
    pub inbox_ids: Vec<i64>,
}

/// A team member as colleagues and visitors see them (never with credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    /// Database id of the agent.
    pub id: i64,
    /// Display name shown on messages and system lines.
    pub name: String,
}

/// The signed-in agent, as the workspace needs to know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Database id of the agent.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Sign-in email.
    pub email: String,
    /// What they may do.
    pub role: Role,
}

/// An inbox: one widget installation with its own key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Database id.
    pub id: i64,
    /// Name shown to agents (and as the widget title).
    pub name: String,
    /// Public key the widget snippet carries (`data-inbox`).
    pub key: String,
    /// Seconds an assignee may leave a waiting visitor unanswered before the conversation is
    /// unassigned again (0: never).
    pub assignee_idle_secs: i64,
    /// Seconds after the team's last reply without a word from the visitor before the
    /// conversation is closed (0: never).
    pub visitor_idle_secs: i64,
    /// What may be attached to a message in this inbox.
    pub files: FilePolicy,
    /// Whether agents see what the visitor is typing before they send it.
    pub typing_preview: bool,
    /// The query parameters kept in the page addresses recorded for this inbox's visitors
    /// (`utm_*, ref`; empty: none). Fragments are never kept.
    #[serde(default)]
    pub kept_query_params: String,
    /// Switched off by an admin: the widget says the chat is unavailable.
    #[serde(default)]
    pub disabled: bool,
    /// The ticket types offered when a ticket is made in this inbox, comma-separated
    /// ("Question, Request, Complaint"; empty: none).
    #[serde(default)]
    pub ticket_types: String,
    /// What the widget asks and shows (pre-chat form, departments).
    #[serde(default)]
    pub widget: crate::widget_settings::WidgetSettings,
    /// Whether waiting conversations are given to online members automatically, and how.
    #[serde(default)]
    pub auto_assign: crate::auto_assign::AutoAssign,
}

/// An agent account as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentAccount {
    /// Database id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Sign-in email.
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// Ids of the inboxes they belong to.
    pub inbox_ids: Vec<i64>,
    /// Whether the account may be used.
    #[serde(default)]
    pub state: AccountState,
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    /// The visitor of the conversation.
    Visitor,
    /// A team member.
    Agent {
        /// Database id of the agent.
        id: i64,
        /// Their name when the message was written.
        name: String,
    },
    /// Switchboard itself: a system line (see [`SystemLine`]).
    System,
}

/// What a system line says, kept structured so each reader sees it in their own language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SystemLine {
    /// An agent took an unassigned conversation.
    Accepted {
        /// Who took it.
        agent: String,
    },
    /// An agent closed the conversation.
    ClosedByAgent {
        /// Who closed it.
        agent: String,
    },
    /// An agent gave the conversation to a colleague (or to themselves).
    Assigned {
        /// Who assigned it.
        by: String,
        /// The new assignee.
        to: String,
    },
    /// An agent cleared the assignee: the conversation is unassigned again.
    Unassigned {
        /// Who cleared it.
        by: String,
    },
    /// The inbox gave the waiting conversation to an online member on its own. The visitor
    /// reads it as the agent joining; the team reads who got it and why.
    AutoAssigned {
        /// Who got it.
        to: String,
        /// How they were picked: `round_robin` or `least_busy`.
        mode: String,
    },
    /// The timer took the conversation back from an assignee who left the visitor waiting.
    AutoUnassigned {
        /// The assignee who did not answer.
        agent: String,
        /// How long the visitor waited, in seconds.
        after_secs: i64,
    },
    /// The timer closed the conversation because the visitor stopped answering.
    AutoClosed {
        /// How long the visitor was silent, in seconds.
        after_secs: i64,
    },
    /// An agent moved the conversation to another inbox (agents only).
    Moved {
        /// Who moved it.
        by: String,
        /// The inbox it is in now.
        inbox: String,
    },
    /// An agent blocked the visitor (agents only).
    Blocked {
        /// Who blocked.
        by: String,
    },
    /// An agent lifted the visitor's block (agents only).
    Unblocked {
        /// Who lifted it.
        by: String,
    },
    /// An agent made a ticket from the conversation (agents only).
    TicketCreated {
        /// Who made it.
        by: String,
        /// Its number.
        ticket_id: i64,
    },
    /// The visitor rated the ended chat (agents only).
    Rated {
        /// 1 to 5 (good is 5, bad 1).
        score: i64,
        /// What they added.
        comment: String,
    },
    /// The visitor opened another page while chatting (the page feed; agents only).
    PageViewed {
        /// The page's title.
        title: String,
        /// Its address.
        url: String,
    },
}

impl SystemLine {
    /// Whether the visitor sees the line: how the team shares out its work stays internal.
    pub fn for_visitor(&self) -> bool {
        !matches!(
            self,
            SystemLine::Unassigned { .. }
                | SystemLine::AutoUnassigned { .. }
                | SystemLine::PageViewed { .. }
                | SystemLine::Moved { .. }
                | SystemLine::Blocked { .. }
                | SystemLine::Unblocked { .. }
                | SystemLine::TicketCreated { .. }
                | SystemLine::Rated { .. }
        )
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Database id; also the display order within a conversation.
    pub id: i64,
    /// The conversation it belongs to.
    pub conversation_id: i64,
    /// Who wrote it.
    pub author: Author,
    /// The text as written (empty for system lines).
    pub body: String,
    /// For system lines, what happened.
    pub system: Option<SystemLine>,
    /// The sender's idempotency id, so a client can match its pending send.
    pub client_id: Option<String>,
    /// When the server committed it.
    pub created_at: Millis,
    /// An internal note: agents only, never sent to the visitor.
    #[serde(default)]
    pub note: bool,
    /// When the other side read it (the visitor for an agent's message, the assignee for the
    /// visitor's); `None` while unread.
    #[serde(default)]
    pub read_at: Option<Millis>,
    /// Files sent with it.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// An agent's text already parsed into blocks: filled only on its way to the visitor's
    /// widget ([`Message::formatted_for_visitor`]), whose small bundle carries no parser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<Vec<crate::format::Block>>,
}

impl Message {
    /// The message as the widget gets it: an agent's text parsed into blocks.
    pub fn formatted_for_visitor(mut self) -> Message {
        if matches!(self.author, Author::Agent { .. }) && !self.body.is_empty() {
            self.formatted = Some(crate::format::parse(&self.body));
        }
        self
    }

    /// A visible message with no files, unread and not a note: what the unit tests of the
    /// rules, transcripts and tickets read.
    pub fn plain(id: i64, author: Author, body: &str, created_at: Millis) -> Self {
        Message {
            id,
            conversation_id: 1,
            author,
            body: body.into(),
            system: None,
            client_id: None,
            created_at,
            note: false,
            read_at: None,
            attachments: Vec::new(),
            formatted: None,
        }
    }
}

/// A file sent with a message. Its bytes are at `/files/{id}`, for those who may see the
/// conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Database id.
    pub id: i64,
    /// The file's name as uploaded.
    pub name: String,
    /// Its MIME type, as Switchboard determined it from the name.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
}

impl Attachment {
    /// Where its bytes are served.
    pub fn url(&self) -> String {
        format!("/files/{}", self.id)
    }

    /// Whether it is shown as a picture (raster images only: an SVG can carry script).
    pub fn is_image(&self) -> bool {
        crate::files::previewable(&self.content_type)
    }
}

/// A canned reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Database id.
    pub id: i64,
    /// What the list shows.
    pub title: String,
    /// Typed after `/` in the composer to find it.
    pub shortcut: String,
    /// The text, with placeholders such as `{visitor.name}`.
    pub body: String,
    /// Personal (only its owner sees it) or shared with an inbox.
    pub scope: TemplateScope,
}

/// Who a template belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateScope {
    /// Only this agent sees it.
    Personal {
        /// The owner.
        agent_id: i64,
    },
    /// Every agent of the inbox sees it.
    Inbox {
        /// The inbox.
        inbox_id: i64,
    },
}

/// A conversation as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// Database id (also shown to agents as the conversation's ID).
    pub id: i64,
    /// Inbox it came through.
    pub inbox_id: i64,
    /// The visitor who started it.
    pub visitor_id: i64,
    /// A name for the visitor: the one they gave, or a stable label.
    pub visitor_label: String,
    /// The visitor's name, if known (templates fill it in).
    #[serde(default)]
    pub visitor_name: Option<String>,
    /// The visitor's email, if known.
    #[serde(default)]
    pub visitor_email: Option<String>,
    /// Where it is in its life.
    pub status: ConversationStatus,
    /// Who answers it, if anyone.
    pub assignee: Option<AgentRef>,
    /// When it started.
    pub created_at: Millis,
    /// When its last message was written.
    pub last_message_at: Millis,
    /// The beginning of the last message, for the list.
    pub preview: String,
    /// The visitor's rating of it, 1 to 5, once given.
    #[serde(default)]
    pub rating: Option<i64>,
    /// Its labels, by name (agents only; the widget never gets them).
    #[serde(default)]
    pub labels: Vec<String>,
}

/// A conversation with its whole timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationDetail {
    /// The conversation itself.
    pub summary: ConversationSummary,
    /// Every message, oldest first.
    pub messages: Vec<Message>,
    /// The visitor's earlier conversations (the most recent few), oldest first.
    pub earlier: Vec<EarlierConversation>,
}

/// A visitor's earlier conversation, shown above the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierConversation {
    /// The conversation.
    pub summary: ConversationSummary,
    /// Its messages, oldest first.
    pub messages: Vec<Message>,
}

/// A row of the online visitors table: a visitor with a tab on the site now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineVisitor {
    /// The visitor.
    pub visitor_id: i64,
    /// The inbox whose widget tracks them.
    pub inbox_id: i64,
    /// Their name, or their stable label.
    pub label: String,
    /// Where they are (GeoIP or time zone), if known.
    pub location: Option<String>,
    /// The page they are viewing.
    pub page_url: String,
    /// Its title.
    pub page_title: String,
    /// How many visits they have made, this one included.
    pub visits: i64,
    /// How many conversations they have started.
    pub chats: i64,
    /// Whether they have an open conversation (chatting) or are only browsing.
    pub chatting: bool,
    /// When this visit started (time on site counts from it).
    pub since: Millis,
}

/// One visit (browsing session) of a visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRecord {
    /// Database id.
    pub id: i64,
    /// When it started.
    pub started_at: Millis,
    /// The last moment the visitor was seen in it.
    pub last_seen_at: Millis,
    /// The first page of the visit.
    pub landing_url: String,
    /// Its title.
    pub landing_title: String,
    /// Where the visitor came from, if known.
    pub referrer: String,
    /// Their address (truncated when the server is set to).
    pub ip: Option<String>,
    /// Browser name and version, from the user agent.
    pub browser: Option<String>,
    /// Operating system.
    pub os: Option<String>,
    /// Kind of device (desktop, smartphone, mobile phone, appliance).
    pub device: Option<String>,
    /// Where they were, from the IP (GeoIP) or the time zone.
    pub location: Option<String>,
    /// How many pages they opened in it.
    pub pages: i64,
}

/// One page a visitor opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRecord {
    /// The page's address.
    pub url: String,
    /// Its title.
    pub title: String,
    /// When they opened it.
    pub started_at: Millis,
    /// When they moved on; `None` while it is the page they are on.
    pub ended_at: Option<Millis>,
}

/// Everything the team knows about a visitor: the profile dialog and the conversation's side
/// panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorProfile {
    /// Database id.
    pub id: i64,
    /// The inbox whose widget they use.
    pub inbox_id: i64,
    /// Their name, or their stable label.
    pub label: String,
    /// Full name, as they or an agent gave it.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// The team's notes and bio about them (never shown to the visitor).
    pub notes: String,
    /// Screen size.
    pub screen: Option<String>,
    /// Browser language.
    pub language: Option<String>,
    /// Time zone.
    pub time_zone: Option<String>,
    /// Whether they have a tab on the site now.
    pub online: bool,
    /// When they first came, and where they landed.
    pub first_visit_at: Option<Millis>,
    /// The first page of their first visit.
    pub first_landing_url: Option<String>,
    /// Its title.
    pub first_landing_title: Option<String>,
    /// Their visits, newest first (the first one is the current or last session).
    pub visits: Vec<VisitRecord>,
    /// The pages they opened most recently, newest first.
    pub pages: Vec<PageRecord>,
    /// Their conversations, newest first.
    pub conversations: Vec<ConversationSummary>,
    /// The block in force on them, if any.
    #[serde(default)]
    pub block: Option<VisitorBlock>,
    /// The contact they are linked to, if any.
    #[serde(default)]
    pub contact: Option<ContactRef>,
    /// Their answers to the pre-chat form (their department among them), in its order.
    #[serde(default)]
    pub answers: Vec<crate::widget_settings::FormAnswer>,
    /// The department (an inbox) they chose in the pre-chat form, by name.
    #[serde(default)]
    pub department: Option<String>,
}

/// A block in force: a visitor, or an IP address or range, of one inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorBlock {
    /// Database id.
    pub id: i64,
    /// The inbox it applies to.
    pub inbox_id: i64,
    /// The blocked visitor, if the block names one.
    pub visitor_id: Option<i64>,
    /// Their name or label.
    pub visitor_label: Option<String>,
    /// The blocked address or CIDR range, if the network is blocked too.
    pub ip_range: Option<String>,
    /// Why (agents only).
    pub reason: String,
    /// Who blocked.
    pub created_by: Option<String>,
    /// When.
    pub created_at: Millis,
    /// When it ends by itself (`None`: forever).
    pub until: Option<Millis>,
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Waiting for the team.
    Open,
    /// Waiting for someone else (the requester, a supplier).
    Pending,
    /// Done.
    Closed,
}

impl TicketStatus {
    /// Every status, in the order lists and forms show them.
    pub const ALL: [TicketStatus; 3] = [
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Closed,
    ];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Closed => "closed",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(value: &str) -> Option<TicketStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// How urgent a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketPriority {
    /// When there is time.
    Low,
    /// As usual.
    #[default]
    Normal,
    /// Before the usual ones.
    High,
    /// Now.
    Urgent,
}

impl TicketPriority {
    /// Every priority, lowest first (the order forms list them).
    pub const ALL: [TicketPriority; 4] = [
        TicketPriority::Low,
        TicketPriority::Normal,
        TicketPriority::High,
        TicketPriority::Urgent,
    ];

    /// The stable name stored in the database and used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketPriority::Low => "low",
            TicketPriority::Normal => "normal",
            TicketPriority::High => "high",
            TicketPriority::Urgent => "urgent",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(value: &str) -> Option<TicketPriority> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

/// A ticket as the Tickets page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Database id (its number).
    pub id: i64,
    /// The inbox it came from.
    pub inbox_id: i64,
    /// The conversation it was made from (gone if that was deleted).
    pub conversation_id: Option<i64>,
    /// What it is about.
    pub subject: String,
    /// The chosen messages as text.
    pub body: String,
    /// Who asked: the visitor's email.
    pub requester_email: String,
    /// Where it is.
    pub status: TicketStatus,
    /// Who takes care of it.
    pub assignee: Option<AgentRef>,
    /// When it was made.
    pub created_at: Millis,
    /// When it last changed.
    pub updated_at: Millis,
    /// How urgent it is.
    #[serde(default)]
    pub priority: TicketPriority,
    /// Its type, one of its inbox's ticket types (none when the inbox lists none).
    #[serde(default)]
    pub kind: Option<String>,
}

/// An agent's comment on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketComment {
    /// Database id.
    pub id: i64,
    /// Who wrote it.
    pub author: String,
    /// What they wrote.
    pub body: String,
    /// When.
    pub created_at: Millis,
    /// Whether it was also emailed to the requester (a reply, not an internal comment).
    #[serde(default)]
    pub emailed: bool,
}

/// A ticket with its comments, for its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: Ticket,
    /// Its comments, oldest first.
    pub comments: Vec<TicketComment>,
    /// Who it can be given to: the agents of its inbox.
    pub assignable: Vec<AgentRef>,
}

/// A contact as a visitor's profile names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRef {
    /// Database id.
    pub id: i64,
    /// Their name.
    pub name: String,
}

/// A person the team keeps on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Database id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Email (visitors giving the same one are linked).
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// The team's notes.
    pub notes: String,
    /// When it was saved.
    pub created_at: Millis,
}

/// A contact with the visits and chats of the visitors linked to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetail {
    /// The contact.
    pub contact: Contact,
    /// Linked visitors of inboxes the agent may see: (visitor id, label, visits, last seen).
    pub visitors: Vec<LinkedVisitor>,
    /// Their conversations the agent may see, newest first.
    pub conversations: Vec<ConversationSummary>,
}

/// A visitor linked to a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedVisitor {
    /// The visitor.
    pub visitor_id: i64,
    /// Their name or label.
    pub label: String,
    /// Their email.
    pub email: Option<String>,
    /// How many visits they made.
    pub visits: i64,
    /// When they were last on the site.
    pub last_seen_at: Millis,
}

/// A row of the chat logs: a conversation with its length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// The conversation.
    pub summary: ConversationSummary,
    /// How many messages the visitor and the team wrote (system lines aside).
    pub messages: i64,
    /// When it ended, if it has.
    pub closed_at: Option<Millis>,
}

/// What the chat logs are filtered by (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryFilter {
    /// One inbox.
    #[serde(default)]
    pub inbox_id: Option<i64>,
    /// Conversations this agent had.
    #[serde(default)]
    pub agent_id: Option<i64>,
    /// One status.
    #[serde(default)]
    pub status: Option<ConversationStatus>,
    /// Started at or after (milliseconds).
    #[serde(default)]
    pub from: Option<Millis>,
    /// Started before (milliseconds).
    #[serde(default)]
    pub to: Option<Millis>,
    /// Carrying this label.
    #[serde(default)]
    pub label: Option<String>,
    /// The visitor's name or email contains this.
    #[serde(default)]
    pub visitor: Option<String>,
    /// Rated good (4 or 5), okay (3), bad (1 or 2), or at all (`rated`).
    #[serde(default)]
    pub rating: Option<String>,
    /// Only conversations with a smaller id (the API's cursor).
    #[serde(default)]
    pub before: Option<i64>,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Conversations whose visitor's name or email matched, newest first.
    pub conversations: Vec<ConversationHit>,
    /// Messages whose text matched, newest first.
    pub messages: Vec<MessageHit>,
}

/// A conversation found by its visitor's name or email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationHit {
    /// The conversation.
    pub summary: ConversationSummary,
    /// The visitor's name and email with the matched words marked.
    pub matched: Vec<crate::search::Piece>,
}

/// A message found by its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageHit {
    /// The message.
    pub message_id: i64,
    /// Its conversation.
    pub conversation_id: i64,
    /// The conversation's visitor.
    pub visitor_label: String,
    /// Who wrote it (agent name), `None` for the visitor.
    pub author: Option<String>,
    /// When.
    pub created_at: Millis,
    /// An internal note.
    pub note: bool,
    /// The text around the match, the matched words marked.
    pub snippet: Vec<crate::search::Piece>,
}

/// The largest message body accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// The initials drawn for someone without a picture: the first letters of the first two
/// words ("AR" for "Ana Ruiz López"); "?" for a visitor known only by number.
pub fn initials(name: &str) -> String {
    if name.starts_with('#') || name.trim().is_empty() {
        return "?".into();
    }
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// A readable label for an anonymous visitor that stays the same for the same visitor id.
pub fn visitor_label(visitor_id: i64, name: Option<&str>) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => name.to_owned(),
        None => format!("#{visitor_id}"),
    }
}

/// Cuts a message down to what a conversation list shows.
pub fn preview_of(body: &str) -> String {
    const PREVIEW_CHARS: usize = 80;
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= PREVIEW_CHARS {
        flat
    } else {
        let cut: String = flat.chars().take(PREVIEW_CHARS - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_first_two_words() {
        assert_eq!(initials("Ana Ruiz López"), "AR");
        assert_eq!(initials("ben"), "B");
        assert_eq!(initials("#42"), "?");
        assert_eq!(initials(" "), "?");
        assert_eq!(initials("élodie dupont"), "ÉD");
    }

    #[test]
    fn role_and_status_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(
            ConversationStatus::parse("closed"),
            Some(ConversationStatus::Closed)
        );
        assert_eq!(ConversationStatus::parse("open"), None);
    }

    #[test]
    fn anonymous_visitors_get_a_stable_label() {
        assert_eq!(visitor_label(42, None), "#42");
        assert_eq!(visitor_label(42, Some("  ")), "#42");
        assert_eq!(visitor_label(42, Some(" Ana ")), "Ana");
    }

    #[test]
    fn previews_are_flattened_and_cut() {
        assert_eq!(preview_of("hello\n  there"), "hello there");
        let long = "é".repeat(200);
        let preview = preview_of(&long);
        assert_eq!(preview.chars().count(), 80);
        assert!(preview.ends_with('…'));
    }
}
