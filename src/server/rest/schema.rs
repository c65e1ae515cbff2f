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

/// A ticket: a request the team follows up by email.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTicket {
    /// Its number.
    pub id: i64,
    /// Its inbox.
    pub inbox_id: i64,
    /// The conversation it came from, if any.
    pub conversation_id: Option<i64>,
    /// What it is about.
    pub subject: String,
    /// What was asked.
    pub body: String,
    /// Whom replies go to.
    pub requester_email: String,
    /// `open`, `pending` or `closed`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// Its type, one of its inbox's, if any.
    pub kind: Option<String>,
    /// Who follows it up, if anyone.
    pub assignee: Option<ApiAgentRef>,
    /// When it was made, milliseconds since 1970-01-01 UTC.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

impl From<crate::model::Ticket> for ApiTicket {
    fn from(ticket: crate::model::Ticket) -> ApiTicket {
        ApiTicket {
            id: ticket.id,
            inbox_id: ticket.inbox_id,
            conversation_id: ticket.conversation_id,
            subject: ticket.subject,
            body: ticket.body,
            requester_email: ticket.requester_email,
            status: ticket.status.as_str().to_owned(),
            priority: ticket.priority.as_str().to_owned(),
            kind: ticket.kind,
            assignee: ticket.assignee.map(|a| ApiAgentRef {
                id: a.id,
                name: a.name,
            }),
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
        }
    }
}

/// A comment on a ticket.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTicketComment {
    /// Its id.
    pub id: i64,
    /// Who wrote it.
    pub author: String,
    /// Its text.
    pub body: String,
    /// When, milliseconds since 1970-01-01 UTC.
    pub created_at: i64,
    /// Whether it was emailed to the requester.
    pub emailed: bool,
}

impl From<crate::model::TicketComment> for ApiTicketComment {
    fn from(comment: crate::model::TicketComment) -> ApiTicketComment {
        ApiTicketComment {
            id: comment.id,
            author: comment.author,
            body: comment.body,
            created_at: comment.created_at,
            emailed: comment.emailed,
        }
    }
}

/// A ticket with its comments.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTicketDetail {
    /// The ticket.
    pub ticket: ApiTicket,
    /// Its comments, oldest first.
    pub comments: Vec<ApiTicketComment>,
}

/// A visitor, as far as the caller may see them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiVisitor {
    /// Their id.
    pub id: i64,
    /// The inbox whose widget they use.
    pub inbox_id: i64,
    /// Their name, if they gave one.
    pub name: Option<String>,
    /// Their email, if they gave one.
    pub email: Option<String>,
    /// Their phone, if they gave one.
    pub phone: Option<String>,
    /// The team's notes about them.
    pub notes: String,
    /// Whether they are on the site now.
    pub online: bool,
    /// Their browser's language, if known.
    pub language: Option<String>,
    /// Their time zone, if known.
    pub time_zone: Option<String>,
    /// The contact they are linked to, if any.
    pub contact_id: Option<i64>,
    /// Their conversations the caller may see, newest first.
    pub conversation_ids: Vec<i64>,
}

impl From<crate::model::VisitorProfile> for ApiVisitor {
    fn from(profile: crate::model::VisitorProfile) -> ApiVisitor {
        ApiVisitor {
            id: profile.id,
            inbox_id: profile.inbox_id,
            name: profile.name,
            email: profile.email,
            phone: profile.phone,
            notes: profile.notes,
            online: profile.online,
            language: profile.language,
            time_zone: profile.time_zone,
            contact_id: profile.contact.map(|c| c.id),
            conversation_ids: profile.conversations.iter().map(|c| c.id).collect(),
        }
    }
}

/// A contact: a person the team knows, across their visits.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiContact {
    /// Their id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: Option<String>,
    /// Their phone.
    pub phone: Option<String>,
    /// Their company.
    pub company: Option<String>,
    /// The team's notes.
    pub notes: String,
    /// When the team first saved them, milliseconds since 1970-01-01 UTC.
    pub created_at: i64,
}

impl From<crate::model::Contact> for ApiContact {
    fn from(contact: crate::model::Contact) -> ApiContact {
        ApiContact {
            id: contact.id,
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            company: contact.company,
            notes: contact.notes,
            created_at: contact.created_at,
        }
    }
}
