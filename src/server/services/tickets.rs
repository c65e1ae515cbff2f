//! Tickets: made from a conversation (all of it or chosen messages), listed and worked on in
//! the Tickets page, and posted to the inbox's webhook (through the outbox) when it has one.
//! The requester is emailed the ticket's number when it opens, and the replies agents send
//! them (internal comments stay internal).

use std::collections::BTreeSet;

use crate::calendar::utc_text;
use crate::error::AppError;
use crate::model::Inbox;
use crate::model::{
    AgentRef, Author, Me, Message, SystemLine, Ticket, TicketComment, TicketDetail, TicketPriority,
    TicketStatus,
};
use crate::protocol::Event;
use crate::rules;
use crate::server::mailer::Email;
use crate::server::outbox::Item;
use crate::server::services::{self, system_line};
use crate::server::state::AppState;
use crate::server::store::{NewTicket, Visitor, WriteTx};
use crate::server::{auth, webhook, webhook_events};
use crate::webhooks::Topic;
use crate::widget_settings::OfflineMessage;

/// How many tickets the Tickets page lists.
const LIST_LIMIT: i64 = 200;

/// What an agent fills in to make a ticket.
pub struct TicketRequest<'a> {
    /// The conversation.
    pub conversation_id: i64,
    /// Subject.
    pub subject: &'a str,
    /// The chosen messages (none: the whole conversation).
    pub message_ids: &'a [i64],
    /// The requester's email when the visitor gave none (it is saved on the visitor).
    pub requester_email: Option<&'a str>,
    /// The inbox it goes to (any the agent may see; `None`: the conversation's).
    pub inbox_id: Option<i64>,
    /// How urgent it is.
    pub priority: TicketPriority,
    /// Its type, one of that inbox's ticket types.
    pub kind: Option<&'a str>,
}

/// The text of a ticket: the chosen messages (the visitor's and the team's replies; notes and
/// system lines stay out), one line each with time and author.
pub fn body_of(messages: &[Message], chosen: &BTreeSet<i64>) -> Vec<Message> {
    messages
        .iter()
        .filter(|m| chosen.is_empty() || chosen.contains(&m.id))
        .filter(|m| !m.note && m.system.is_none())
        .cloned()
        .collect()
}

/// Makes a ticket from a conversation the agent may see.
pub async fn create(
    state: &AppState,
    agent: &Me,
    request: TicketRequest<'_>,
) -> Result<Ticket, AppError> {
    let conversation =
        services::conversation_for_agent(state, agent, request.conversation_id).await?;
    let subject = rules::validate_text("subject", request.subject, 200)?;
    let given = request
        .requester_email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            rules::validate_email(e)
                .map_err(|_| AppError::invalid("requester_email", "an email address"))
        })
        .transpose()?;
    let requester = given
        .clone()
        .or(conversation.visitor_email.clone())
        .ok_or_else(|| AppError::invalid("requester_email", "required"))?;
    let chosen: BTreeSet<i64> = request.message_ids.iter().copied().collect();
    let target = request.inbox_id.unwrap_or(conversation.inbox_id);
    if !services::visible_inbox_ids(state, agent)
        .await?
        .contains(&target)
    {
        return Err(AppError::not_found("inbox"));
    }
    let mut tx = state.store.write().await?;
    let target_inbox = tx
        .inbox(target)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    let kind = rules::ticket_kind(
        request.kind,
        &rules::ticket_types(&target_inbox.ticket_types)?,
    )?;
    let messages = tx.messages(conversation.id).await?;
    if chosen
        .iter()
        .any(|id| !messages.iter().any(|m| m.id == *id))
    {
        return Err(AppError::not_found("message"));
    }
    let lines = body_of(&messages, &chosen);
    if lines.is_empty() {
        return Err(AppError::invalid("messages", "choose at least one message"));
    }
    let body = crate::transcript::plain_text(
        &lines,
        |author| match author {
            Author::Agent { name, .. } => name.clone(),
            _ => conversation.visitor_label.clone(),
        },
        utc_text,
        |_| None,
    );
    if conversation.visitor_email.is_none()
        && let Some(email) = &given
    {
        tx.set_visitor_email(conversation.visitor_id, email).await?;
        crate::server::services::contacts::link_by_email(&mut tx, conversation.visitor_id, email)
            .await?;
        tx.append_event(
            conversation.inbox_id,
            conversation.visitor_id,
            false,
            Event::VisitorUpdated {
                visitor_id: conversation.visitor_id,
                label: conversation.visitor_label.clone(),
            },
        )
        .await?;
    }
    let id = tx
        .insert_ticket(NewTicket {
            inbox_id: target,
            priority: request.priority,
            kind: kind.as_deref(),
            conversation_id: Some(conversation.id),
            subject: &subject,
            body: &body,
            requester_email: &requester,
            created_by: Some(agent.id),
        })
        .await?;
    system_line(
        &mut tx,
        &conversation,
        SystemLine::TicketCreated {
            by: agent.name.clone(),
            ticket_id: id,
        },
    )
    .await?;
    // The requester learns the ticket's number, in the language of their chat.
    let locale = tx.mail_facts(conversation.visitor_id).await?.locale;
    let language = services::transcripts::locale_of(locale.as_deref());
    let ticket = announce(state, &mut tx, id, &target_inbox, language).await?;
    tx.commit(&state.hub).await?;
    Ok(ticket)
}

/// Makes a ticket of a visitor's offline message in their widget's inbox; returns its number.
/// It is nobody's yet: the inbox's agents are told (an event), the requester is emailed its
/// number in the widget's language, and the inbox's webhook hears of it.
pub async fn open_from_offline_message(
    state: &AppState,
    inbox: &Inbox,
    visitor: &Visitor,
    message: &OfflineMessage,
    locale: &str,
) -> Result<i64, AppError> {
    use leptos_i18n::td_string;
    let language = services::transcripts::locale_of(Some(locale));
    let who = message
        .name
        .clone()
        .unwrap_or_else(|| message.email.clone());
    let subject = td_string!(language, ticket_offline_subject, who = who).to_string();
    let kind = rules::ticket_types(&inbox.ticket_types)?.into_iter().next();
    let mut tx = state.store.write().await?;
    let id = tx
        .insert_ticket(NewTicket {
            inbox_id: inbox.id,
            priority: TicketPriority::Normal,
            kind: kind.as_deref(),
            conversation_id: None,
            subject: &subject,
            body: &message.message,
            requester_email: &message.email,
            created_by: None,
        })
        .await?;
    tx.fill_in_visitor(visitor.id, message.name.as_deref(), &message.email)
        .await?;
    tx.append_event(
        inbox.id,
        visitor.id,
        false,
        Event::TicketOpened {
            ticket_id: id,
            subject: subject.clone(),
        },
    )
    .await?;
    announce(state, &mut tx, id, inbox, language).await?;
    tx.commit(&state.hub).await?;
    Ok(id)
}

/// A new ticket, read back and announced in its transaction: its requester is emailed its
/// number in `language` (when mail is set up) and its inbox's webhook is posted to.
async fn announce(
    state: &AppState,
    tx: &mut WriteTx,
    id: i64,
    inbox: &Inbox,
    language: crate::i18n::Locale,
) -> Result<Ticket, AppError> {
    let ticket = tx
        .ticket(id)
        .await?
        .ok_or_else(|| AppError::not_found("ticket"))?;
    if state.mailer.is_some() {
        tx.enqueue(&Item::Email(opened_email(language, &ticket, &inbox.name)))
            .await?;
    }
    if tx.webhook_secret(inbox.id).await?.is_some() {
        tx.enqueue(&Item::Webhook {
            inbox_id: inbox.id,
            body: webhook::ticket_created_body(&ticket, &inbox.name),
        })
        .await?;
    }
    tx.queue_webhook(
        inbox.id,
        Topic::TicketCreated,
        webhook_events::ticket_data(ticket.clone(), None),
    )
    .await?;
    Ok(ticket)
}

/// The tickets of the agent's inboxes, newest first, optionally of one status.
pub async fn list(
    state: &AppState,
    agent: &Me,
    status: Option<TicketStatus>,
) -> Result<Vec<Ticket>, AppError> {
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    Ok(state.store.tickets(&inbox_ids, status, LIST_LIMIT).await?)
}

/// A ticket of the agent's inboxes (else `NotFound`).
async fn ticket_for(state: &AppState, agent: &Me, id: i64) -> Result<Ticket, AppError> {
    let ticket = state
        .store
        .ticket(id)
        .await?
        .ok_or_else(|| AppError::not_found("ticket"))?;
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    if inbox_ids.contains(&ticket.inbox_id) {
        Ok(ticket)
    } else {
        Err(AppError::not_found("ticket"))
    }
}

/// A ticket with its comments and who it can be given to.
pub async fn detail(state: &AppState, agent: &Me, id: i64) -> Result<TicketDetail, AppError> {
    let ticket = ticket_for(state, agent, id).await?;
    Ok(TicketDetail {
        comments: state.store.ticket_comments(id).await?,
        assignable: state.store.inbox_members(ticket.inbox_id).await?,
        ticket,
    })
}

/// Changes a ticket's status and assignee (an agent of its inbox, or nobody).
pub async fn update(
    state: &AppState,
    agent: &Me,
    id: i64,
    status: TicketStatus,
    assignee_id: Option<i64>,
    priority: Option<TicketPriority>,
) -> Result<Ticket, AppError> {
    let ticket = ticket_for(state, agent, id).await?;
    let priority = priority.unwrap_or(ticket.priority);
    let mut tx = state.store.write().await?;
    if let Some(assignee_id) = assignee_id
        && !tx.is_member(ticket.inbox_id, assignee_id).await?
    {
        return Err(AppError::not_found("agent"));
    }
    tx.update_ticket(id, status, assignee_id, priority).await?;
    let before = ticket;
    let ticket = tx
        .ticket(id)
        .await?
        .ok_or_else(|| AppError::not_found("ticket"))?;
    let changed = before.status != ticket.status
        || before.priority != ticket.priority
        || before.assignee.as_ref().map(|a| a.id) != ticket.assignee.as_ref().map(|a| a.id);
    if changed {
        tx.queue_webhook(
            ticket.inbox_id,
            Topic::TicketUpdated,
            webhook_events::ticket_data(ticket.clone(), None),
        )
        .await?;
    }
    tx.commit(&state.hub).await?;
    Ok(ticket)
}

/// Adds an agent's comment to a ticket: internal, or a reply that is also emailed to the
/// requester (through the outbox, in the language of their chat).
pub async fn comment(
    state: &AppState,
    agent: &Me,
    id: i64,
    body: &str,
    to_requester: bool,
) -> Result<TicketComment, AppError> {
    let ticket = ticket_for(state, agent, id).await?;
    let body = rules::validate_text("comment", body, 5_000)?;
    if to_requester && state.mailer.is_none() {
        return Err(AppError::MailNotConfigured);
    }
    let mut tx = state.store.write().await?;
    let comment = tx
        .insert_ticket_comment(
            id,
            &AgentRef {
                id: agent.id,
                name: agent.name.clone(),
            },
            &body,
            to_requester,
        )
        .await?;
    if to_requester {
        let visitor = match ticket.conversation_id {
            Some(conversation_id) => tx
                .conversation(conversation_id)
                .await?
                .map(|c| c.visitor_id),
            None => None,
        };
        let locale = match visitor {
            Some(visitor_id) => tx.mail_facts(visitor_id).await?.locale,
            None => None,
        };
        let email = reply_email(
            services::transcripts::locale_of(locale.as_deref()),
            &ticket,
            &agent.name,
            &body,
        );
        tx.enqueue(&Item::Email(email)).await?;
    }
    tx.queue_webhook(
        ticket.inbox_id,
        Topic::TicketUpdated,
        webhook_events::ticket_data(ticket, Some(comment.clone())),
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(comment)
}

/// The email telling a requester that their ticket exists: its number, its subject and what
/// it holds.
fn opened_email(locale: crate::i18n::Locale, ticket: &Ticket, inbox_name: &str) -> Email {
    use leptos_i18n::td_string;
    let intro = td_string!(
        locale,
        email_ticket_opened,
        id = ticket.id,
        inbox = inbox_name.to_owned()
    )
    .to_string();
    let footer = td_string!(locale, email_ticket_footer).to_string();
    Email {
        to: ticket.requester_email.clone(),
        subject: ticket_subject(locale, ticket),
        text: format!("{intro}\n\n{}\n\n{footer}\n", ticket.body),
    }
}

/// The email carrying an agent's reply on a ticket to its requester.
fn reply_email(locale: crate::i18n::Locale, ticket: &Ticket, agent: &str, body: &str) -> Email {
    use leptos_i18n::td_string;
    let intro = td_string!(
        locale,
        email_ticket_reply,
        agent = agent.to_owned(),
        id = ticket.id
    )
    .to_string();
    let footer = td_string!(locale, email_ticket_footer).to_string();
    Email {
        to: ticket.requester_email.clone(),
        subject: ticket_subject(locale, ticket),
        text: format!("{intro}\n\n{body}\n\n{footer}\n"),
    }
}

fn ticket_subject(locale: crate::i18n::Locale, ticket: &Ticket) -> String {
    use leptos_i18n::td_string;
    td_string!(
        locale,
        email_ticket_subject,
        id = ticket.id,
        subject = ticket.subject.clone()
    )
    .to_string()
}

/// An inbox's webhook as the admin page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WebhookSetting {
    /// The inbox.
    pub inbox_id: i64,
    /// Where new tickets are posted.
    pub url: String,
    /// The secret the signature is made with.
    pub secret: String,
}

/// Sets where an inbox's new tickets are posted (empty removes it). A secret is made the
/// first time and kept when the address changes. Admins only.
pub async fn set_webhook(
    state: &AppState,
    agent: &Me,
    inbox_id: i64,
    url: &str,
) -> Result<Option<WebhookSetting>, AppError> {
    if agent.role != crate::model::Role::Admin {
        return Err(AppError::Forbidden);
    }
    let url = rules::validate_webhook_url(url, &state.settings.webhook_trusted_hosts)?;
    let mut tx = state.store.write().await?;
    if tx.inbox(inbox_id).await?.is_none() {
        return Err(AppError::not_found("inbox"));
    }
    let setting = match url {
        Some(url) => {
            let secret = match tx.webhook_secret(inbox_id).await? {
                Some(secret) => secret,
                None => auth::random_token(24),
            };
            tx.set_webhook(inbox_id, Some((&url, &secret))).await?;
            Some(WebhookSetting {
                inbox_id,
                url,
                secret,
            })
        }
        None => {
            tx.set_webhook(inbox_id, None).await?;
            None
        }
    };
    tx.commit(&state.hub).await?;
    Ok(setting)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: i64, author: Author, body: &str) -> Message {
        Message::plain(id, author, body, id)
    }

    #[test]
    fn a_ticket_holds_the_chosen_messages_without_notes_or_system_lines() {
        let sue = Author::Agent {
            id: 2,
            name: "Sue".into(),
        };
        let mut note = message(3, sue.clone(), "secret");
        note.note = true;
        let mut line = message(4, Author::System, "");
        line.system = Some(SystemLine::Accepted {
            agent: "Sue".into(),
        });
        let all = vec![
            message(1, Author::Visitor, "a"),
            message(2, sue, "b"),
            note,
            line,
            message(5, Author::Visitor, "c"),
        ];
        let chosen: BTreeSet<i64> = [1, 5].into();
        let picked = body_of(&all, &chosen);
        assert_eq!(picked.iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 5]);
        let whole = body_of(&all, &BTreeSet::new());
        assert_eq!(
            whole.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![1, 2, 5]
        );
        assert!(
            body_of(&all, &[3].into()).is_empty(),
            "a note alone makes no ticket"
        );
    }
}
