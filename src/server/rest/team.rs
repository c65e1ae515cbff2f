//! `/inboxes` and `/agents`: the inboxes the caller may see, and the team.

use axum::Json;
use axum::extract::State;

use crate::server::rest::caller::Caller;
use crate::server::rest::error::{ApiError, ErrorBody};
use crate::server::rest::schema::{ApiAgent, ApiInbox};
use crate::server::services;
use crate::server::state::AppState;

/// The inboxes the caller may see (an admin: all).
#[utoipa::path(
    get,
    path = "/inboxes",
    tag = "team",
    responses(
        (status = 200, description = "The inboxes, by name", body = Vec<ApiInbox>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn inboxes(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ApiInbox>>, ApiError> {
    let inboxes = services::visible_inboxes(&state, &caller.agent).await?;
    Ok(Json(inboxes.into_iter().map(ApiInbox::from).collect()))
}

/// The team's active agents, with their presence and inboxes.
#[utoipa::path(
    get,
    path = "/agents",
    tag = "team",
    responses(
        (status = 200, description = "The agents, by name", body = Vec<ApiAgent>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn agents(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<ApiAgent>>, ApiError> {
    let agents = state
        .store
        .colleagues()
        .await
        .map_err(crate::error::AppError::from)?;
    Ok(Json(agents.into_iter().map(ApiAgent::from).collect()))
}
