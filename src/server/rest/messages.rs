//! `/conversations/{id}/messages` and `/notes`: read a conversation's messages (by cursor),
//! reply as the caller (they must hold the conversation, as in the workspace), or write a
//! note only the team sees.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::server::rest::caller::{Body, Caller, Id, Params};
use crate::server::rest::conversations::{cursor_of, limit_of};
use crate::server::rest::error::{ApiError, ErrorBody};
use crate::server::rest::schema::{ApiMessage, MessagePage};
use crate::server::services;
use crate::server::state::AppState;

/// Which messages to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// How many, 1 to 100 (25).
    limit: Option<i64>,
}

/// A conversation's messages, oldest first (notes and Switchboard's lines included).
#[utoipa::path(
    get,
    path = "/conversations/{id}/messages",
    tag = "messages",
    params(("id" = i64, Path, description = "The conversation"), MessageQuery),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        (status = 400, description = "Not a valid cursor or limit", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Params(query): Params<MessageQuery>,
) -> Result<Json<MessagePage>, ApiError> {
    let limit = limit_of(query.limit)?;
    let after = cursor_of(query.cursor.as_deref())?.unwrap_or(0);
    let mut page =
        services::messages_for_agent(&state, &caller.agent, id, after, limit + 1).await?;
    let limit = usize::try_from(limit).unwrap_or(1);
    let more = page.len() > limit;
    page.truncate(limit);
    let next_cursor = more
        .then(|| page.last().map(|m| m.id.to_string()))
        .flatten();
    Ok(Json(MessagePage {
        items: page.into_iter().map(ApiMessage::from).collect(),
        next_cursor,
    }))
}

/// What to write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewText {
    /// The text (a small markdown: bold, italic, code, links, lists).
    pub body: String,
    /// Your own id for this message: sending it again with the same id does not write it
    /// twice.
    #[serde(default)]
    pub client_id: Option<String>,
}

/// Replies to the visitor as the caller, who must hold the conversation.
#[utoipa::path(
    post,
    path = "/conversations/{id}/messages",
    tag = "messages",
    params(("id" = i64, Path, description = "The conversation")),
    request_body = NewText,
    responses(
        (status = 201, description = "The reply", body = ApiMessage),
        (status = 400, description = "Empty or too long, or not a valid body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see", body = ErrorBody),
        (status = 409, description = "The caller does not hold it, or it is closed", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(text): Body<NewText>,
) -> Result<(StatusCode, Json<ApiMessage>), ApiError> {
    post(&state, &caller, id, &text, false).await
}

/// Writes a note only the team sees.
#[utoipa::path(
    post,
    path = "/conversations/{id}/notes",
    tag = "messages",
    params(("id" = i64, Path, description = "The conversation")),
    request_body = NewText,
    responses(
        (status = 201, description = "The note", body = ApiMessage),
        (status = 400, description = "Empty or too long, or not a valid body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn note(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(text): Body<NewText>,
) -> Result<(StatusCode, Json<ApiMessage>), ApiError> {
    post(&state, &caller, id, &text, true).await
}

async fn post(
    state: &AppState,
    caller: &Caller,
    conversation_id: i64,
    text: &NewText,
    note: bool,
) -> Result<(StatusCode, Json<ApiMessage>), ApiError> {
    let generated;
    let client_id = match &text.client_id {
        Some(id) => id.as_str(),
        None => {
            generated = format!("api-{}", crate::server::auth::random_token(12));
            generated.as_str()
        }
    };
    let message = services::post_agent_message(
        state,
        &caller.agent,
        services::AgentPost {
            conversation_id,
            client_id,
            body: &text.body,
            attachments: &[],
            note,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(message.into())))
}
