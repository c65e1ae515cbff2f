//! What the API answers with: its own stable shapes (documented in the OpenAPI document),
//! made from the product's model, so the workspace's wire format can change without breaking
//! other systems.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::i18n::Locale;
use crate::model::{Author, Colleague, ConversationSummary, HistoryRow, Inbox, Message};

/// An inbox.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiInbox {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

impl From<Inbox> for ApiInbox {
    fn from(inbox: Inbox) -> ApiInbox {
        ApiInbox {
            id: inbox.id,
            name: inbox.name,
        }
    }
}

/// A team member.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiAgent {
    /// Their id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// `online`, `away` or `offline`.
    pub presence: String,
    /// The inboxes they belong to.
    pub inbox_ids: Vec<i64>,
}

impl From<Colleague> for ApiAgent {
    fn from(colleague: Colleague) -> ApiAgent {
        ApiAgent {
            id: colleague.id,
            name: colleague.name,
            presence: colleague.presence.as_str().to_owned(),
            inbox_ids: colleague.inbox_ids,
        }
    }
}

/// An agent named in an answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiAgentRef {
    /// Their id.
    pub id: i64,
    /// Their name.
    pub name: String,
}

/// The visitor of a conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiVisitorRef {
    /// Their id.
    pub id: i64,
    /// Their name, if they gave one.
    pub name: Option<String>,
    /// Their email, if they gave one.
    pub email: Option<String>,
}

/// A conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiConversation {
    /// Its id.
    pub id: i64,
    /// Its inbox.
    pub inbox_id: i64,
    /// `unassigned`, `assigned` or `closed`.
    pub status: String,
    /// Who wrote in.
    pub visitor: ApiVisitorRef,
    /// Who answers it, if anyone.
    pub assignee: Option<ApiAgentRef>,
    /// Its labels.
    pub labels: Vec<String>,
    /// When it started, milliseconds since 1970-01-01 UTC.
    pub created_at: i64,
    /// When its latest message was written.
    pub last_message_at: i64,
    /// The visitor's rating, 1 to 5, if they gave one.
    pub rating: Option<i64>,
}

impl From<ConversationSummary> for ApiConversation {
    fn from(summary: ConversationSummary) -> ApiConversation {
        ApiConversation {
            id: summary.id,
            inbox_id: summary.inbox_id,
            status: summary.status.as_str().to_owned(),
            visitor: ApiVisitorRef {
                id: summary.visitor_id,
                name: summary.visitor_name,
                email: summary.visitor_email,
            },
            assignee: summary.assignee.map(|a| ApiAgentRef {
                id: a.id,
                name: a.name,
            }),
            labels: summary.labels,
            created_at: summary.created_at,
            last_message_at: summary.last_message_at,
            rating: summary.rating,
        }
    }
}

impl From<HistoryRow> for ApiConversation {
    fn from(row: HistoryRow) -> ApiConversation {
        row.summary.into()
    }
}

/// Who wrote a message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiAuthor {
    /// `visitor`, `agent` or `system`.
    pub kind: String,
    /// The agent's id.
    pub id: Option<i64>,
    /// The agent's name when they wrote it.
    pub name: Option<String>,
}

/// A file sent with a message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiAttachment {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its type (`image/png`).
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
}

/// A message of a conversation: the visitor's, an agent's (a reply, or a note only the team
/// sees), or a line Switchboard wrote (in English here).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiMessage {
    /// Its id.
    pub id: i64,
    /// Its conversation.
    pub conversation_id: i64,
    /// Who wrote it.
    pub author: ApiAuthor,
    /// Its text.
    pub body: String,
    /// A note for the team, never shown to the visitor.
    pub note: bool,
    /// When it was written, milliseconds since 1970-01-01 UTC.
    pub created_at: i64,
    /// Its files.
    pub attachments: Vec<ApiAttachment>,
}

impl From<Message> for ApiMessage {
    fn from(message: Message) -> ApiMessage {
        let body = match &message.system {
            Some(line) => crate::wording::system_line(Locale::en, line),
            None => message.body,
        };
        let author = match message.author {
            Author::Visitor => ApiAuthor {
                kind: "visitor".into(),
                id: None,
                name: None,
            },
            Author::Agent { id, name } => ApiAuthor {
                kind: "agent".into(),
                id: Some(id),
                name: Some(name),
            },
            Author::System => ApiAuthor {
                kind: "system".into(),
                id: None,
                name: None,
            },
        };
        ApiMessage {
            id: message.id,
            conversation_id: message.conversation_id,
            author,
            body,
            note: message.note,
            created_at: message.created_at,
            attachments: message
                .attachments
                .into_iter()
                .map(|a| ApiAttachment {
                    id: a.id,
                    name: a.name,
                    content_type: a.content_type,
                    size: a.size,
                })
                .collect(),
        }
    }
}

/// A page of conversations, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationPage {
    /// The conversations.
    pub items: Vec<ApiConversation>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next_cursor: Option<String>,
}

/// A page of messages, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    /// The messages.
    pub items: Vec<ApiMessage>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next_cursor: Option<String>,
}
