//! `/tickets`: list them, read one, make one from a conversation, change its status,
//! assignee and priority, and comment (to the team, or emailed to the requester).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;
use crate::model::{TicketPriority, TicketStatus};
use crate::server::rest::caller::{Body, Caller, Id, Params};
use crate::server::rest::error::{ApiError, ErrorBody};
use crate::server::rest::schema::{ApiTicket, ApiTicketComment, ApiTicketDetail};
use crate::server::services::tickets::{self, TicketRequest};
use crate::server::state::AppState;

fn status_of(word: &str) -> Result<TicketStatus, AppError> {
    TicketStatus::parse(word).ok_or_else(|| AppError::invalid("status", "open, pending or closed"))
}

fn priority_of(word: Option<&str>) -> Result<Option<TicketPriority>, AppError> {
    word.map(|word| {
        TicketPriority::parse(word)
            .ok_or_else(|| AppError::invalid("priority", "low, normal, high or urgent"))
    })
    .transpose()
}

/// Which tickets to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// `open`, `pending` or `closed`.
    status: Option<String>,
}

/// The tickets of the caller's inboxes, newest first (the latest 200).
#[utoipa::path(
    get,
    path = "/tickets",
    tag = "tickets",
    params(TicketQuery),
    responses(
        (status = 200, description = "The tickets", body = Vec<ApiTicket>),
        (status = 400, description = "Not a valid status", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<TicketQuery>,
) -> Result<Json<Vec<ApiTicket>>, ApiError> {
    let status = query.status.as_deref().map(status_of).transpose()?;
    let tickets = tickets::list(&state, &caller.agent, status).await?;
    Ok(Json(tickets.into_iter().map(ApiTicket::from).collect()))
}

/// One ticket with its comments.
#[utoipa::path(
    get,
    path = "/tickets/{id}",
    tag = "tickets",
    params(("id" = i64, Path, description = "The ticket")),
    responses(
        (status = 200, description = "The ticket", body = ApiTicketDetail),
        (status = 400, description = "Not a valid id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such ticket the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<ApiTicketDetail>, ApiError> {
    let detail = tickets::detail(&state, &caller.agent, id).await?;
    Ok(Json(ApiTicketDetail {
        ticket: detail.ticket.into(),
        comments: detail.comments.into_iter().map(Into::into).collect(),
    }))
}

/// A ticket to make from a conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// The conversation it comes from.
    pub conversation_id: i64,
    /// What it is about (at most 200 characters).
    pub subject: String,
    /// The messages to copy into it; none: the whole conversation.
    #[serde(default)]
    pub message_ids: Vec<i64>,
    /// Whom replies go to; none: the visitor's email.
    #[serde(default)]
    pub requester_email: Option<String>,
    /// `low`, `normal` (the default), `high` or `urgent`.
    #[serde(default)]
    pub priority: Option<String>,
    /// One of the inbox's ticket types.
    #[serde(default)]
    pub kind: Option<String>,
}

/// Makes a ticket from a conversation the caller may see.
#[utoipa::path(
    post,
    path = "/tickets",
    tag = "tickets",
    request_body = NewTicket,
    responses(
        (status = 201, description = "The ticket", body = ApiTicket),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such conversation the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(new): Body<NewTicket>,
) -> Result<(StatusCode, Json<ApiTicket>), ApiError> {
    let priority = priority_of(new.priority.as_deref())?.unwrap_or(TicketPriority::Normal);
    let ticket = tickets::create(
        &state,
        &caller.agent,
        TicketRequest {
            conversation_id: new.conversation_id,
            subject: &new.subject,
            message_ids: &new.message_ids,
            requester_email: new.requester_email.as_deref(),
            inbox_id: None,
            priority,
            kind: new.kind.as_deref(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ticket.into())))
}

/// A ticket's new state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketChange {
    /// `open`, `pending` or `closed`.
    pub status: String,
    /// An agent of its inbox; none: nobody.
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// `low`, `normal`, `high` or `urgent`; none: unchanged.
    #[serde(default)]
    pub priority: Option<String>,
}

/// Changes a ticket's status, assignee and priority.
#[utoipa::path(
    patch,
    path = "/tickets/{id}",
    tag = "tickets",
    params(("id" = i64, Path, description = "The ticket")),
    request_body = TicketChange,
    responses(
        (status = 200, description = "The ticket", body = ApiTicket),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such ticket the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(change): Body<TicketChange>,
) -> Result<Json<ApiTicket>, ApiError> {
    let status = status_of(&change.status)?;
    let priority = priority_of(change.priority.as_deref())?;
    let ticket = tickets::update(
        &state,
        &caller.agent,
        id,
        status,
        change.assignee_id,
        priority,
    )
    .await?;
    Ok(Json(ticket.into()))
}

/// A comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Its text (at most 5,000 characters).
    pub body: String,
    /// Email it to the requester too (the server must have mail set up).
    #[serde(default)]
    pub to_requester: bool,
}

/// Comments on a ticket.
#[utoipa::path(
    post,
    path = "/tickets/{id}/comments",
    tag = "tickets",
    params(("id" = i64, Path, description = "The ticket")),
    request_body = NewComment,
    responses(
        (status = 201, description = "The comment", body = ApiTicketComment),
        (status = 400, description = "Empty or too long", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such ticket the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
        (status = 503, description = "Emailing asked for, and no mail set up", body = ErrorBody),
    )
)]
pub async fn comment(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(comment): Body<NewComment>,
) -> Result<(StatusCode, Json<ApiTicketComment>), ApiError> {
    let made = tickets::comment(
        &state,
        &caller.agent,
        id,
        &comment.body,
        comment.to_requester,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}
