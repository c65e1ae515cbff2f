//! Visitors: the widget's visitor, their language, typing, and what they have read.

use crate::error::AppError;
use crate::model::{ConversationSummary, Inbox};
use crate::protocol::{Event, Reader};
use crate::server::auth;
use crate::server::state::AppState;
use crate::server::store::{Visitor, WriteTx, now_millis};

use super::*;

/// The visitor behind a widget token of this inbox, or a new visitor (and their new token)
/// when the token is missing or unknown.
pub async fn visitor_for_widget(
    state: &AppState,
    key: &str,
    token: Option<&str>,
) -> Result<(Inbox, Visitor, Option<String>), AppError> {
    let inbox = state
        .store
        .inbox_by_key(key)
        .await?
        .ok_or(AppError::UnknownInbox)?;
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
    let token = auth::random_token(32);
    let mut tx = state.store.write().await?;
    let visitor = tx
        .insert_visitor(inbox.id, &auth::token_hash(&token))
        .await?;
    tx.commit(&state.hub).await?;
    Ok((inbox, visitor, Some(token)))
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
        tx.commit(&state.hub).await?;
    }
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
    if crate::server::blocks::in_force(state, visitor, ip)
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
