//! What a page starts from: the snapshots server functions answer with (the workspace's, the
//! widget's, the admin page's, the chat logs' filters). Plain data, so the services assemble
//! them and the browser builds (widget and workspace) read them.

use serde::{Deserialize, Serialize};

use crate::model::{
    AgentAccount, Colleague, ConversationSummary, FilePolicy, Inbox, Me, Message, Template,
};

/// What a signed-in agent's workspace starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSnapshot {
    /// The agent.
    pub me: Me,
    /// Inboxes they may see.
    pub inboxes: Vec<Inbox>,
    /// Open conversations of those inboxes and the most recently closed ones.
    pub conversations: Vec<ConversationSummary>,
    /// Every agent with their presence (the signed-in one included).
    pub team: Vec<Colleague>,
    /// Visitor messages of open conversations this agent has not read, as
    /// (conversation id, message id).
    pub unread: Vec<(i64, i64)>,
    /// Whether this agent's workspace plays sounds.
    pub sound_on: bool,
    /// How many visitors of those inboxes are on the site now.
    pub online_visitors: usize,
    /// Events up to this id are reflected; resume the socket from it.
    pub last_event_id: i64,
}

/// What the widget starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSnapshot {
    /// A new token when the visitor is new (store it); `None` when theirs was valid.
    pub new_token: Option<String>,
    /// The visitor's conversations, oldest first.
    pub conversations: Vec<ConversationSummary>,
    /// Every message of them, oldest first.
    pub messages: Vec<Message>,
    /// What files the inbox accepts.
    pub files: FilePolicy,
    /// Whether agents see what the visitor types before sending (the widget says so).
    pub typing_preview: bool,
    /// The inbox asks its pre-chat form (or a department) first: the visitor has not answered
    /// it and has no open conversation.
    #[serde(default)]
    pub ask_form: bool,
    /// The inbox takes no chats now (outside hours, or nobody online) and the visitor has no
    /// open conversation: the widget shows the offline form.
    #[serde(default)]
    pub offline: bool,
    /// Set when the visitor (or their network) is blocked: the widget says so and cannot send.
    #[serde(default)]
    pub blocked: Option<BlockNotice>,
    /// Events up to this id are reflected; resume the socket from it.
    pub last_event_id: i64,
}

/// What a blocked visitor is told (never the reason, which is the team's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockNotice {
    /// When the block ends by itself (`None`: it does not).
    pub until: Option<crate::model::Millis>,
}

/// Where the site stands for the person asking: first run, signed out, or signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInState {
    /// No agent exists yet: `/setup` creates the first admin.
    NeedsSetup,
    /// Nobody is signed in on this browser.
    SignedOut,
    /// This agent is signed in.
    SignedIn(Me),
}

/// What the admin page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    /// Every inbox.
    pub inboxes: Vec<Inbox>,
    /// Every agent account.
    pub agents: Vec<AgentAccount>,
    /// This server's address as the browser reached it, for the widget snippet.
    pub site_url: String,
    /// The inboxes' ticket webhooks.
    pub webhooks: Vec<Webhook>,
    /// The inboxes' event webhook endpoints.
    pub webhook_endpoints: Vec<crate::webhooks::WebhookEndpoint>,
}

/// An inbox's ticket webhook: where new tickets are posted, and the secret of the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// The inbox.
    pub inbox_id: i64,
    /// The address.
    pub url: String,
    /// The HMAC-SHA256 key.
    pub secret: String,
}

/// An agent's "turn off online mode" setting, for My settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceSettings {
    /// Minutes without an open workspace before they are shown offline.
    pub offline_after_minutes: i64,
    /// The most they may choose (the server's `--offline-after-max-minutes`).
    pub max_minutes: i64,
}

/// The templates an agent may use, and where they may share new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateBook {
    /// Their own and those shared with their inboxes, by shortcut.
    pub templates: Vec<Template>,
    /// The inboxes they may see (a shared template names one).
    pub inboxes: Vec<Inbox>,
    /// Whether they may share templates with an inbox (supervisors and admins).
    pub may_share: bool,
}

/// What the chat logs page filters by: inboxes, agents and labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryOptions {
    /// The inboxes the agent may see.
    pub inboxes: Vec<Inbox>,
    /// Every agent.
    pub agents: Vec<Colleague>,
    /// Every label.
    pub labels: Vec<String>,
}
