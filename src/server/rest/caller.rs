//! Who calls the API: the agent behind the `Authorization: Bearer` token, once its minute's
//! allowance and its scope (a read-only token only reads) let the request through.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use serde::de::DeserializeOwned;

use crate::api_tokens::TokenScope;
use crate::error::AppError;
use crate::model::Me;
use crate::server::rest::error::ApiError;
use crate::server::services;
use crate::server::state::AppState;

/// The agent a request acts as.
pub struct Caller {
    /// Their account: the API sees and changes what they may in the workspace.
    pub agent: Me,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0);
        let ip = crate::server::client_info::ClientInfo::from_request(
            &parts.headers,
            peer,
            state.settings.client_ip_header.as_deref(),
        )
        .ip;
        state.api_limits.failing(ip).map_err(ApiError::limited)?;
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        let holder = match services::api_tokens::holder(state, secret).await {
            Ok(holder) => holder,
            Err(AppError::Unauthenticated) => {
                state.api_limits.failed(ip);
                return Err(AppError::Unauthenticated.into());
            }
            Err(e) => return Err(e.into()),
        };
        state
            .api_limits
            .admit(holder.token_id)
            .map_err(ApiError::limited)?;
        let reads = matches!(parts.method, Method::GET | Method::HEAD);
        if !reads && holder.scope == TokenScope::Read {
            return Err(ApiError::read_only());
        }
        Ok(Caller {
            agent: holder.agent,
        })
    }
}

/// A JSON body whose refusal is the API's error.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Body<T>, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Body(value))
    }
}

/// Query parameters whose refusal is the API's error.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Params<T>, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Params(value))
    }
}

/// A path's id whose refusal is the API's error.
pub struct Id(pub i64);

impl FromRequestParts<AppState> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Id, ApiError> {
        let axum::extract::Path(id) =
            axum::extract::Path::<i64>::from_request_parts(parts, state).await?;
        Ok(Id(id))
    }
}
