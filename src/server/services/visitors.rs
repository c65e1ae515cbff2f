//! Visitors: the widget's visitor, their language, typing and what they have read; for agents,
//! a visitor's profile and its edits, and proactive chat.

use crate::error::AppError;
use crate::model::{ConversationStatus, ConversationSummary, Inbox, Me, Message, VisitorProfile};
use crate::protocol::{Event, Reader};
use crate::rules;
use crate::server::auth;
use crate::server::state::AppState;
use crate::server::store::{Visitor, WriteTx, now_millis};

use super::*;

/// The visitor behind a widget token of this inbox, or a new visitor (and their new token)
/// when the token is missing or unknown, within the new visitors `ip` may start.
pub async fn visitor_for_widget(
    state: &AppState,
    key: &str,
    token: Option<&str>,
    ip: Option<std::net::IpAddr>,
) -> Result<(Inbox, Visitor, Option<String>), AppError> {
    let inbox = widget_inbox(state, key).await?;
    let known = match token {
        Some(token) => {
            state
                .store
                .visitor_by_token_hash(&auth::token_hash(token))
                .await?
        }
        None => None,
    };
    if let Some(visitor) = known.filter(|v| v.inbox_id == inbox.id) {
        return Ok((inbox, visitor, None));
    }
    state.visitor_limits.new_visitor(ip)?;
    let token = auth::random_token(32);
    let mut tx = state.store.write().await?;
    let visitor = tx
        .insert_visitor(inbox.id, &auth::token_hash(&token))
        .await?;
    tx.commit(&state.hub).await?;
    Ok((inbox, visitor, Some(token)))
}

/// The inbox behind a widget key, while it takes visitors (else `UnknownInbox`).
pub(crate) async fn widget_inbox(state: &AppState, key: &str) -> Result<Inbox, AppError> {
    state
        .store
        .inbox_by_key(key)
        .await?
        .filter(|inbox| !inbox.disabled)
        .ok_or(AppError::UnknownInbox)
}

/// Remembers the widget's language for a visitor ("en" or "es"; anything else is ignored).
pub async fn remember_locale(
    state: &AppState,
    visitor: &Visitor,
    locale: &str,
) -> Result<(), AppError> {
    if !matches!(locale, "en" | "es")
        || state.store.visitor_locale(visitor.id).await?.as_deref() == Some(locale)
    {
        return Ok(());
    }
    let mut tx = state.store.write().await?;
    tx.set_visitor_locale(visitor.id, locale).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The visitor behind a token (sockets and widget calls), or `Unauthenticated`.
pub async fn visitor_by_token(state: &AppState, token: &str) -> Result<Visitor, AppError> {
    state
        .store
        .visitor_by_token_hash(&auth::token_hash(token))
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// The visitor has read the team's messages up to `up_to` (a message of their own
/// conversation): agents see the double tick. Reading again changes nothing.
pub async fn visitor_read(state: &AppState, visitor: &Visitor, up_to: i64) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let message = tx
        .message(up_to)
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    let conversation = conversation_in(&mut tx, message.conversation_id).await?;
    if conversation.visitor_id != visitor.id || message.note {
        return Err(AppError::not_found("message"));
    }
    let at = now_millis();
    if tx
        .mark_seen(conversation.id, Reader::Visitor, up_to, at)
        .await?
        > 0
    {
        post_event(
            &mut tx,
            &conversation,
            Event::MessagesSeen {
                conversation_id: conversation.id,
                reader: Reader::Visitor,
                up_to,
                at,
            },
        )
        .await?;
    }
    // Also when nothing changed: an earlier read may wait in the open batch.
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The assignee has read the visitor's messages up to `up_to`: the visitor sees "Seen".
pub(super) async fn seen_by_team(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    up_to: i64,
) -> Result<(), AppError> {
    let at = now_millis();
    if up_to > 0
        && tx
            .mark_seen(conversation.id, Reader::Team, up_to, at)
            .await?
            > 0
    {
        post_event(
            tx,
            conversation,
            Event::MessagesSeen {
                conversation_id: conversation.id,
                reader: Reader::Team,
                up_to,
                at,
            },
        )
        .await?;
    }
    Ok(())
}

/// A new assignee has read what they read before taking the conversation.
pub(super) async fn assignee_has_read(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    agent_id: i64,
) -> Result<(), AppError> {
    let marker = tx.read_marker(agent_id, conversation.id).await?;
    seen_by_team(tx, conversation, marker).await
}

/// The visitor is typing in their open conversation: its inbox and the frame for its agents
/// (with the draft only when the inbox shows previews). `None` when they have no open
/// conversation (nobody to tell) or are blocked.
pub async fn visitor_typing(
    state: &AppState,
    visitor: &Visitor,
    ip: Option<std::net::IpAddr>,
    draft: Option<String>,
) -> Result<Option<(i64, crate::protocol::ServerFrame)>, AppError> {
    if crate::server::services::blocking::in_force(state, visitor, ip)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(conversation) = state.store.open_conversation_of(visitor.id).await? else {
        return Ok(None);
    };
    let inbox = state
        .store
        .inbox(conversation.inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    let draft = draft
        .filter(|_| inbox.typing_preview)
        .map(|d| d.chars().take(crate::model::MAX_MESSAGE_CHARS).collect());
    Ok(Some((
        inbox.id,
        crate::protocol::ServerFrame::VisitorTyping {
            conversation_id: conversation.id,
            draft,
        },
    )))
}

/// A visitor the agent may see (else `NotFound`, so other inboxes' ids leak nothing).
pub(crate) async fn visitor_for_agent(
    state: &AppState,
    agent: &Me,
    visitor_id: i64,
) -> Result<Visitor, AppError> {
    let profile = state
        .store
        .visitor_profile(visitor_id)
        .await?
        .ok_or_else(|| AppError::not_found("visitor"))?;
    let visitor = Visitor {
        id: profile.id,
        inbox_id: profile.inbox_id,
        name: profile.name,
    };
    let inbox_ids = visible_inbox_ids(state, agent).await?;
    if rules::may_see_inbox(agent.role, inbox_ids.contains(&visitor.inbox_id)) {
        Ok(visitor)
    } else {
        Err(AppError::not_found("visitor"))
    }
}

/// Everything the team knows about a visitor, for an agent of their inbox.
pub async fn visitor_profile(
    state: &AppState,
    agent: &Me,
    visitor_id: i64,
) -> Result<VisitorProfile, AppError> {
    let mut profile = state
        .store
        .visitor_profile(visitor_id)
        .await?
        .ok_or_else(|| AppError::not_found("visitor"))?;
    // Theirs to read when the visitor uses one of their inboxes' widgets, or has a
    // conversation in one (a department the visitor chose, a conversation moved there);
    // blocking, editing and proactive chats stay with the widget's inbox.
    let inbox_ids = visible_inbox_ids(state, agent).await?;
    let sees = inbox_ids.contains(&profile.inbox_id)
        || state
            .store
            .conversation_inboxes_of(visitor_id)
            .await?
            .iter()
            .any(|id| inbox_ids.contains(id));
    if !rules::may_see_inbox(agent.role, sees) {
        return Err(AppError::not_found("visitor"));
    }
    profile.online = state.online.is_on_site(visitor_id);
    profile.visits = state.store.visits_of(visitor_id).await?;
    profile.pages = state.store.recent_pages(visitor_id).await?;
    profile.conversations = state.store.conversations_of_visitor(visitor_id).await?;
    profile
        .conversations
        .retain(|c| inbox_ids.contains(&c.inbox_id));
    profile.conversations.reverse();
    profile.block = state.store.visitor_block(visitor_id, now_millis()).await?;
    profile.contact = state.store.contact_of(visitor_id).await?;
    Ok(profile)
}

/// An agent edits a visitor's name, email, phone and notes; colleagues see it live.
pub async fn update_visitor(
    state: &AppState,
    agent: &Me,
    visitor_id: i64,
    name: &str,
    email: &str,
    phone: &str,
    notes: &str,
) -> Result<(), AppError> {
    let edit = rules::validate_visitor_edit(name, email, phone, notes)?;
    let visitor = visitor_for_agent(state, agent, visitor_id).await?;
    let mut tx = state.store.write().await?;
    tx.update_visitor(visitor_id, &edit).await?;
    if let Some(email) = &edit.email {
        super::contacts::link_by_email(&mut tx, visitor_id, email).await?;
    }
    tx.append_event(
        visitor.inbox_id,
        visitor_id,
        false,
        Event::VisitorUpdated {
            visitor_id,
            label: crate::model::visitor_label(visitor_id, edit.name.as_deref()),
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// An agent starts a chat with a visitor on the site (or resumes their open one): the
/// conversation is the agent's, and the visitor's widget opens with the message. Returns the
/// conversation's id.
pub async fn start_proactive_chat(
    state: &AppState,
    agent: &Me,
    visitor_id: i64,
    client_id: &str,
    body: &str,
) -> Result<(i64, Message), AppError> {
    rules::validate_client_id(client_id)?;
    rules::validate_body(body)?;
    let visitor = visitor_for_agent(state, agent, visitor_id).await?;
    let mut tx = state.store.write().await?;
    let open = tx.open_conversation_of(visitor_id).await?;
    let conversation_id = match open {
        Some(conversation) => {
            drop(tx);
            if conversation.status == ConversationStatus::Unassigned {
                accept(state, agent, conversation.id).await?;
            }
            conversation.id
        }
        None => {
            if !state.online.is_on_site(visitor_id) {
                return Err(AppError::VisitorNotOnline);
            }
            let chosen = tx
                .presence(agent.id)
                .await?
                .map_or(crate::model::Presence::Offline, |p| p.chosen);
            rules::may_take_new(chosen)?;
            let id = tx
                .insert_conversation(&visitor, visitor.inbox_id, now_millis())
                .await?;
            tx.set_assignee(id, Some(agent.id)).await?;
            let opened = tx
                .conversation(id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation"))?;
            tx.append_event(
                visitor.inbox_id,
                visitor_id,
                true,
                Event::ConversationOpened {
                    conversation: opened,
                },
            )
            .await?;
            tx.commit(&state.hub).await?;
            id
        }
    };
    let message = post_agent_message(
        state,
        agent,
        AgentPost {
            conversation_id,
            client_id,
            body,
            attachments: &[],
            note: false,
        },
    )
    .await?;
    Ok((conversation_id, message))
}
