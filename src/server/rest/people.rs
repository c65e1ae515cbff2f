//! `/visitors/{id}` and `/contacts`: read and update a visitor's details, find, read and
//! update contacts. An update changes only the fields it gives.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::server::rest::caller::{Body, Caller, Id, Params};
use crate::server::rest::error::{ApiError, ErrorBody};
use crate::server::rest::schema::{ApiContact, ApiVisitor};
use crate::server::services::{self, contacts};
use crate::server::state::AppState;

/// One visitor the caller may see (of their inboxes' widgets or conversations).
#[utoipa::path(
    get,
    path = "/visitors/{id}",
    tag = "people",
    params(("id" = i64, Path, description = "The visitor")),
    responses(
        (status = 200, description = "The visitor", body = ApiVisitor),
        (status = 400, description = "Not a valid id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such visitor the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn visitor(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<ApiVisitor>, ApiError> {
    let profile = services::visitor_profile(&state, &caller.agent, id).await?;
    Ok(Json(profile.into()))
}

/// A visitor's details to change; what is left out stays.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitorChange {
    /// Their name ("" to clear it).
    pub name: Option<String>,
    /// Their email ("" to clear it).
    pub email: Option<String>,
    /// Their phone ("" to clear it).
    pub phone: Option<String>,
    /// The team's notes.
    pub notes: Option<String>,
}

/// Changes a visitor's details.
#[utoipa::path(
    patch,
    path = "/visitors/{id}",
    tag = "people",
    params(("id" = i64, Path, description = "The visitor")),
    request_body = VisitorChange,
    responses(
        (status = 200, description = "The visitor", body = ApiVisitor),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such visitor the caller may see", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn update_visitor(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(change): Body<VisitorChange>,
) -> Result<Json<ApiVisitor>, ApiError> {
    let now = services::visitor_profile(&state, &caller.agent, id).await?;
    let keep = |given: Option<String>, current: Option<String>| {
        given.unwrap_or_else(|| current.unwrap_or_default())
    };
    services::update_visitor(
        &state,
        &caller.agent,
        id,
        &keep(change.name, now.name),
        &keep(change.email, now.email),
        &keep(change.phone, now.phone),
        &change.notes.unwrap_or(now.notes),
    )
    .await?;
    let profile = services::visitor_profile(&state, &caller.agent, id).await?;
    Ok(Json(profile.into()))
}

/// Which contacts to find.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Words of their name, email, phone or company; none: the latest.
    query: Option<String>,
}

/// Finds contacts (at most 100).
#[utoipa::path(
    get,
    path = "/contacts",
    tag = "people",
    params(ContactQuery),
    responses(
        (status = 200, description = "The contacts found", body = Vec<ApiContact>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn contacts(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ContactQuery>,
) -> Result<Json<Vec<ApiContact>>, ApiError> {
    let found = contacts::list(
        &state,
        &caller.agent,
        query.query.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(found.into_iter().map(ApiContact::from).collect()))
}

/// One contact.
#[utoipa::path(
    get,
    path = "/contacts/{id}",
    tag = "people",
    params(("id" = i64, Path, description = "The contact")),
    responses(
        (status = 200, description = "The contact", body = ApiContact),
        (status = 400, description = "Not a valid id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn contact(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<ApiContact>, ApiError> {
    let detail = contacts::detail(&state, &caller.agent, id).await?;
    Ok(Json(detail.contact.into()))
}

/// A contact's fields to change; what is left out stays.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactChange {
    /// Their name.
    pub name: Option<String>,
    /// Their email ("" to clear it).
    pub email: Option<String>,
    /// Their phone ("" to clear it).
    pub phone: Option<String>,
    /// Their company ("" to clear it).
    pub company: Option<String>,
    /// The team's notes.
    pub notes: Option<String>,
}

/// Changes a contact.
#[utoipa::path(
    patch,
    path = "/contacts/{id}",
    tag = "people",
    params(("id" = i64, Path, description = "The contact")),
    request_body = ContactChange,
    responses(
        (status = 200, description = "The contact", body = ApiContact),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 409, description = "Another contact has that email", body = ErrorBody),
        (status = 429, description = "Over the token's limit", body = ErrorBody),
    )
)]
pub async fn update_contact(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Body(change): Body<ContactChange>,
) -> Result<Json<ApiContact>, ApiError> {
    let now = contacts::detail(&state, &caller.agent, id).await?.contact;
    let keep = |given: Option<String>, current: Option<String>| {
        given.unwrap_or_else(|| current.unwrap_or_default())
    };
    let name = change.name.unwrap_or(now.name);
    let email = keep(change.email, now.email);
    let phone = keep(change.phone, now.phone);
    let company = keep(change.company, now.company);
    let notes = change.notes.unwrap_or(now.notes);
    let contact = contacts::update(
        &state,
        &caller.agent,
        id,
        &contacts::ContactForm {
            name: &name,
            email: &email,
            phone: &phone,
            company: &company,
            notes: &notes,
        },
    )
    .await?;
    Ok(Json(contact.into()))
}
