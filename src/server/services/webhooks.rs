//! Event webhooks, administered: an admin adds endpoints to an inbox (each subscribed to
//! chosen events, with a signing secret shown once), removes them, reads the delivery log and
//! sends a delivery again. The deliveries themselves are queued by the store with the change
//! they tell of and sent by the outbox.

use crate::error::AppError;
use crate::model::{AuditDetail, Me};
use crate::rules;
use crate::server::auth::random_token;
use crate::server::services::team::require_admin;
use crate::server::state::AppState;
use crate::webhooks::{
    MAX_ENDPOINTS_PER_INBOX, NewWebhookEndpoint, WebhookDelivery, WebhookEndpoint, validate_topics,
};

/// How many deliveries the log shows.
const LOG_LENGTH: i64 = 50;
/// What every endpoint's secret starts with, so one found in a config file is recognised.
const SECRET_PREFIX: &str = "whsec_";

/// Adds an endpoint to an inbox for the chosen events; its secret is in the answer and shown
/// once. At most [`MAX_ENDPOINTS_PER_INBOX`] per inbox.
pub async fn add(
    state: &AppState,
    me: &Me,
    inbox_id: i64,
    url: &str,
    events: &[String],
) -> Result<NewWebhookEndpoint, AppError> {
    require_admin(me)?;
    let url = rules::validate_webhook_url(url, &state.settings.webhook_trusted_hosts)?
        .ok_or_else(|| AppError::invalid("webhook_url", "an https:// address"))?;
    let topics = validate_topics(events)?;
    let mut tx = state.store.write().await?;
    if tx.inbox(inbox_id).await?.is_none() {
        return Err(AppError::not_found("inbox"));
    }
    let held = tx.count_webhook_endpoints(inbox_id).await?;
    if usize::try_from(held).unwrap_or(usize::MAX) >= MAX_ENDPOINTS_PER_INBOX {
        return Err(AppError::invalid(
            "webhook_endpoints",
            "at most 10 endpoints: remove one first",
        ));
    }
    let secret = format!("{SECRET_PREFIX}{}", random_token(24));
    let endpoint = tx
        .insert_webhook_endpoint(inbox_id, &url, &secret, &topics)
        .await?;
    tx.audit(me, "webhook_added", &url, &AuditDetail::Nothing)
        .await?;
    tx.commit(&state.hub).await?;
    Ok(NewWebhookEndpoint { secret, endpoint })
}

/// An inbox's endpoints, oldest first.
pub async fn endpoints(
    state: &AppState,
    me: &Me,
    inbox_id: i64,
) -> Result<Vec<WebhookEndpoint>, AppError> {
    require_admin(me)?;
    let mut endpoints = state.store.webhook_endpoints().await?;
    endpoints.retain(|e| e.inbox_id == inbox_id);
    Ok(endpoints)
}

/// Removes an endpoint (its deliveries still waiting are given up).
pub async fn remove(state: &AppState, me: &Me, id: i64) -> Result<(), AppError> {
    require_admin(me)?;
    let mut tx = state.store.write().await?;
    let url = tx
        .webhook_endpoint_url(id)
        .await?
        .ok_or_else(|| AppError::not_found("webhook"))?;
    tx.delete_webhook_endpoint(id).await?;
    tx.audit(me, "webhook_removed", &url, &AuditDetail::Nothing)
        .await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The newest deliveries to an inbox's endpoints, newest first.
pub async fn deliveries(
    state: &AppState,
    me: &Me,
    inbox_id: i64,
) -> Result<Vec<WebhookDelivery>, AppError> {
    require_admin(me)?;
    Ok(state.store.webhook_deliveries(inbox_id, LOG_LENGTH).await?)
}

/// Sends a delivery again, as a new delivery (with its own id and attempts) of the same body.
/// Returns the new delivery's id.
pub async fn resend(state: &AppState, me: &Me, delivery_id: i64) -> Result<i64, AppError> {
    require_admin(me)?;
    let mut tx = state.store.write().await?;
    let id = tx
        .resend_webhook_delivery(delivery_id)
        .await?
        .ok_or_else(|| AppError::not_found("delivery"))?;
    tx.commit(&state.hub).await?;
    Ok(id)
}
