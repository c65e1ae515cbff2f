//! `/conversations`: list them (filtered, by cursor), read one, assign, close, label.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;
use crate::model::{ConversationStatus, HistoryFilter};
use crate::server::rest::caller::{Body, Caller, Id, Params};
use crate::server::rest::error::{ApiError, ErrorBody};
use crate::server::rest::schema::{ApiConversation, ConversationPage};
use crate::server::services::{self, chat_details, history};
use crate::server::state::AppState;

/// Rows a page holds when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 25;
/// The most rows a page holds.
pub const MAX_LIMIT: i64 = 100;

/// A page's size: 1 to 100, 25 when not given.
pub fn limit_of(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid("limit", "1 to 100")),
    }
}

/// A cursor the API gave (an id, written as text), or none.
pub fn cursor_of(cursor: Option<&str>) -> Result<Option<i64>, AppError> {
    cursor
        .map(|text| {
            text.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| AppError::invalid("cursor", "a cursor this API gave"))
        })
        .transpose()
}

/// Which conversations to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// Of this inbox only.
    inbox_id: Option<i64>,
    /// That this agent was assigned or replied in.
    agent_id: Option<i64>,
    /// `unassigned`, `assigned` or `closed`.
    status: Option<String>,
    /// Carrying this label.
    label: Option<String>,
    /// Started at or after, milliseconds since 1970-01-01 UTC.
    from: Option<i64>,
    /// Started before, milliseconds since 1970-01-01 UTC.
    to: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// How many, 1 to 100 (25).
    limit: Option<i64>,
}

/// The conversations of the caller's inboxes, newest first.
#[utoipa::path(
    get,
    path = "/conversations",
    tag = "conversations",
    params(ConversationQuery),
    responses(
        (status = 200, description = "A page of conversations", body = ConversationPage),
        (status = 400, description = "A filter is not valid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "The inbox is not one the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ConversationQuery>,
) -> Result<Json<ConversationPage>, ApiError> {
    let limit = limit_of(query.limit)?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            ConversationStatus::parse(s)
                .ok_or_else(|| AppError::invalid("status", "unassigned, assigned or closed"))
        })
        .transpose()?;
    let filter = HistoryFilter {
        inbox_id: query.inbox_id,
        agent_id: query.agent_id,
        status,
        from: query.from,
        to: query.to,
        label: query.label,
        visitor: None,
        rating: None,
        before: cursor_of(query.cursor.as_deref())?,
    };
    let mut rows = history::history_rows(&state, &caller.agent, &filter, limit + 1, 0).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = more
        .then(|| rows.last().map(|row| row.summary.id.to_string()))
        .flatten();
    Ok(Json(ConversationPage {
        items: rows.into_iter().map(ApiConversation::from).collect(),
        next_cursor,
    }))
}

/// One conversation.
#[utoipa::path(
    get,
    path = "/conversations/{id}",
    tag = "conversations",
    params(("id" = i64, Path, description = "The conversation")),
    responses(
        (status = 200, description = "The conversation", body = ApiConversation),
        (status = 400, description = "Not a valid id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<ApiConversation>, ApiError> {
    let summary = services::conversation_for_agent(&state, &caller.agent, id).await?;
    Ok(Json(summary.into()))
}

/// A chat to start with a visitor on the site: one visitor, or a contact (then whichever of
/// their visitors the caller may see was on the site most recently).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    /// The visitor, who must be on one of the inbox's pages now.
    #[serde(default)]
    pub visitor_id: Option<i64>,
    /// Or the contact, one of whose visitors must be on the site now.
    #[serde(default)]
    pub contact_id: Option<i64>,
    /// The first message, from the caller.
    pub body: String,
    /// Your own id for the message (sending again with it does not write twice).
    #[serde(default)]
    pub client_id: Option<String>,
}

/// A chat just started: the conversation and its first message.
#[derive(Debug, serde::Serialize, Deserialize, ToSchema)]
pub struct Started {
    /// The conversation, the caller's.
    pub conversation: ApiConversation,
    /// The first message.
    pub message: crate::server::rest::schema::ApiMessage,
}

/// Starts a chat with a visitor on the site (given, or a contact's), as the caller (who must be
/// online), with a first message; when the visitor already has an open conversation, the
/// message goes there (and the caller takes it if nobody had).
#[utoipa::path(
    post,
    path = "/conversations",
    tag = "conversations",
    request_body = NewConversation,
    responses(
        (status = 201, description = "The conversation and its first message", body = Started),
        (status = 400, description = "Empty or too long, or not a valid body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such visitor or contact the caller may see", body = ErrorBody),
        (status = 409, description = "The visitor (or none of the contact's) is not on the site, or the caller is not online", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(new): Body<NewConversation>,
) -> Result<(axum::http::StatusCode, Json<Started>), ApiError> {
    let generated = format!("api-{}", crate::server::auth::random_token(12));
    let client_id = new.client_id.as_deref().unwrap_or(&generated);
    let visitor_id = match (new.visitor_id, new.contact_id) {
        (Some(visitor_id), None) => visitor_id,
        (None, Some(contact_id)) => {
            services::contacts::visitor_on_site(&state, &caller.agent, contact_id).await?
        }
        _ => {
            return Err(AppError::invalid("visitor_id", "one of visitor_id and contact_id").into());
        }
    };
    let (conversation_id, message) =
        services::start_proactive_chat(&state, &caller.agent, visitor_id, client_id, &new.body)
            .await?;
    let summary = services::conversation_for_agent(&state, &caller.agent, conversation_id).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(Started {
            conversation: summary.into(),
            message: message.into(),
        }),
    ))
}

/// Whom to give a conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// An online member of its inbox, or `null` to leave it unassigned (required: a body
    /// without it changes nothing).
    #[serde(deserialize_with = "present")]
    #[schema(required = true)]
    pub agent_id: Option<i64>,
}

/// A field that must be given, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Option::<i64>::deserialize(deserializer)
}

/// Gives a conversation to an agent, or takes it from whoever has it.
#[utoipa::path(
    post,
    path = "/conversations/{id}/assign",
    tag = "conversations",
    params(("id" = i64, Path, description = "The conversation")),
    request_body = Assignment,
    responses(
        (status = 200, description = "The conversation, assigned", body = ApiConversation),
        (status = 400, description = "Not a valid body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see, or no such agent in its inbox", body = ErrorBody),
        (status = 409, description = "The agent is not online, or the conversation is closed", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(assignment): Body<Assignment>,
) -> Result<Json<ApiConversation>, ApiError> {
    let summary = services::assign(&state, &caller.agent, id, assignment.agent_id).await?;
    Ok(Json(summary.into()))
}

/// Closes a conversation.
#[utoipa::path(
    post,
    path = "/conversations/{id}/close",
    tag = "conversations",
    params(("id" = i64, Path, description = "The conversation")),
    responses(
        (status = 200, description = "The conversation, closed", body = ApiConversation),
        (status = 400, description = "Not a valid id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see", body = ErrorBody),
        (status = 409, description = "Already closed, or another agent holds it", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<ApiConversation>, ApiError> {
    services::close(&state, &caller.agent, id).await?;
    let summary = services::conversation_for_agent(&state, &caller.agent, id).await?;
    Ok(Json(summary.into()))
}

/// A conversation's labels.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Every label it should carry (the others are taken off).
    pub labels: Vec<String>,
}

/// Sets a conversation's labels.
#[utoipa::path(
    put,
    path = "/conversations/{id}/labels",
    tag = "conversations",
    params(("id" = i64, Path, description = "The conversation")),
    request_body = Labels,
    responses(
        (status = 200, description = "The conversation, labelled", body = ApiConversation),
        (status = 400, description = "A label is not valid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn labels(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(labels): Body<Labels>,
) -> Result<Json<ApiConversation>, ApiError> {
    let summary = chat_details::set_labels(&state, &caller.agent, id, &labels.labels).await?;
    Ok(Json(summary.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_one_to_a_hundred_rows_and_cursors_are_ids() {
        assert_eq!(limit_of(None).ok(), Some(25));
        assert_eq!(limit_of(Some(100)).ok(), Some(100));
        assert!(limit_of(Some(0)).is_err() && limit_of(Some(101)).is_err());
        assert_eq!(cursor_of(None).ok(), Some(None));
        assert_eq!(cursor_of(Some("42")).ok(), Some(Some(42)));
        assert!(cursor_of(Some("-1")).is_err() && cursor_of(Some("x")).is_err());
    }
}
