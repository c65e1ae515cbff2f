//! Personal access tokens: an agent makes (at most 20), lists and revokes their own; the REST
//! API finds the agent behind a presented secret.

use crate::api_tokens::{
    ApiToken, MAX_TOKENS_PER_AGENT, NewApiToken, SECRET_PREFIX, TokenScope, valid_name,
};
use crate::error::AppError;
use crate::model::Me;
use crate::server::auth::{random_token, token_hash};
use crate::server::state::AppState;
use crate::server::store::{TokenHolder, now_millis};

/// How stale a token's "last used" may get before a request writes it again: a busy token
/// does not cost a write per request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The agent's tokens, newest first.
pub async fn list(state: &AppState, agent: &Me) -> Result<Vec<ApiToken>, AppError> {
    Ok(state.store.api_tokens_of(agent.id).await?)
}

/// Makes a token for the agent; its secret is in the answer and nowhere else.
pub async fn create(
    state: &AppState,
    agent: &Me,
    name: &str,
    scope: TokenScope,
) -> Result<NewApiToken, AppError> {
    let name = valid_name(name)?;
    let secret = format!("{SECRET_PREFIX}{}", random_token(32));
    let mut tx = state.store.write().await?;
    let held = tx.count_api_tokens(agent.id).await?;
    if usize::try_from(held).unwrap_or(usize::MAX) >= MAX_TOKENS_PER_AGENT {
        return Err(AppError::invalid(
            "name",
            "at most 20 tokens: revoke one first",
        ));
    }
    let token = tx
        .insert_api_token(agent.id, &name, &token_hash(&secret), scope)
        .await?;
    tx.commit(&state.hub).await?;
    Ok(NewApiToken { secret, token })
}

/// Revokes one of the agent's tokens (another agent's is not found).
pub async fn revoke(state: &AppState, agent: &Me, id: i64) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    if !tx.delete_api_token(agent.id, id).await? {
        return Err(AppError::not_found("token"));
    }
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The holder of a presented secret, or `Unauthenticated` (unknown, revoked, or its agent's
/// account disabled or deleted). Notes the use, at most once a minute, without waiting.
pub async fn holder(state: &AppState, secret: &str) -> Result<TokenHolder, AppError> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let holder = state
        .store
        .api_token_holder(&token_hash(secret))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = now_millis();
    if holder
        .last_used_at
        .is_none_or(|used| now - used >= TOUCH_EVERY_MS)
    {
        // Noted on the side: a read must not wait for, or fail with, this write.
        let state = state.clone();
        let token = holder.token_id;
        tokio::spawn(async move {
            let noted = async {
                let mut tx = state.store.write().await?;
                tx.touch_api_token(token, now).await?;
                tx.commit(&state.hub).await
            };
            if let Err(e) = noted.await {
                tracing::warn!("noting an API token's use: {e}");
            }
        });
    }
    Ok(holder)
}
