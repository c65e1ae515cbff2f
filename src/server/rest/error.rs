//! The API's one error shape: the same `error` codes as the pages (`AppError`), its fields
//! (`field`, `reason`, `what`…), and a `message` in English; the HTTP status of its kind.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    error: AppError,
    /// Said instead of the error's own words.
    message: Option<&'static str>,
    /// A rate limit's wait.
    retry_after: Option<Duration>,
}

/// What an error answer holds (the error's own fields come beside these).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The code, as the pages get it: `unauthenticated`, `forbidden`, `not_found`,
    /// `invalid`, `rate_limited`, `not_assignee`…
    pub error: String,
    /// What went wrong, in English.
    pub message: String,
}

impl ApiError {
    /// A request over its token's limit, which may come back after `wait`.
    pub fn limited(wait: Duration) -> ApiError {
        ApiError {
            error: AppError::RateLimited,
            message: None,
            retry_after: Some(wait),
        }
    }

    /// A read-only token asked to change something.
    pub fn read_only() -> ApiError {
        ApiError {
            error: AppError::Forbidden,
            message: Some("this token may only read"),
            retry_after: None,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        ApiError {
            error,
            message: None,
            retry_after: None,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        AppError::invalid("body", &rejection.body_text()).into()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        AppError::invalid("query", &rejection.body_text()).into()
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        AppError::invalid("path", &rejection.body_text()).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = serde_json::to_value(&self.error).unwrap_or_default();
        if let Some(fields) = body.as_object_mut() {
            let message = self
                .message
                .map_or_else(|| self.error.to_string(), str::to_owned);
            fields.insert("message".into(), message.into());
        }
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(wait) = self.retry_after {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
