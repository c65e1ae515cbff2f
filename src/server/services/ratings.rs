//! Ratings: after a chat ends the widget asks "How was this chat?" (good or bad, or 1 to 5, as
//! the inbox says) with an optional comment. One rating per conversation, kept on it and shown
//! to agents as a line of its timeline, in its details and in the chat logs.

use std::collections::BTreeMap;

use crate::error::AppError;
use crate::model::{ConversationStatus, SystemLine};
use crate::server::services::system_line;
use crate::server::state::AppState;
use crate::server::store::now_millis;
use crate::widget_settings::{self, AnswerProblem};

/// A visitor rates their ended conversation (`input`: the widget's rating form with their
/// token, `conversation_id`, `score` and `comment`). Wrong answers come back by field; a
/// conversation rated already is refused, and nothing changes.
pub async fn rate(
    state: &AppState,
    key: &str,
    input: &BTreeMap<String, String>,
    ip: Option<std::net::IpAddr>,
) -> Result<Result<(), BTreeMap<String, AnswerProblem>>, AppError> {
    let (inbox, visitor) = super::widget::widget_visitor(state, key, input, ip).await?;
    let rating = match widget_settings::check_rating(inbox.widget.rating, input) {
        Ok(rating) => rating,
        Err(problems) => return Ok(Err(problems)),
    };
    let conversation_id = input
        .get("conversation_id")
        .and_then(|id| id.trim().parse::<i64>().ok())
        .ok_or_else(|| AppError::not_found("conversation"))?;
    let mut tx = state.store.write().await?;
    let conversation = tx
        .conversation(conversation_id)
        .await?
        .filter(|c| c.visitor_id == visitor.id)
        .ok_or_else(|| AppError::not_found("conversation"))?;
    if conversation.status != ConversationStatus::Closed {
        return Err(AppError::invalid("conversation", "a chat that has ended"));
    }
    if !tx
        .insert_rating(conversation.id, rating.score, &rating.comment, now_millis())
        .await?
    {
        return Err(AppError::AlreadyRated);
    }
    system_line(
        &mut tx,
        &conversation,
        SystemLine::Rated {
            score: rating.score,
            comment: rating.comment,
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(Ok(()))
}
