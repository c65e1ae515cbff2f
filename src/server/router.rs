//! The HTTP surface: Leptos pages and server functions, the two sockets, the demo website,
//! static files (compressed, with cache headers: `wire`), and the session layer around them.

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::error::AppError;
use crate::server::session_store::Sessions;
use crate::server::state::AppState;
use crate::server::{
    StartError, csrf, demo, files, headers, report_export, rest, socket, tracker, widget_page, wire,
};
use crate::ui::app::{App, shell};

/// Builds the whole router on a prepared state.
pub async fn build(state: AppState) -> Result<Router, StartError> {
    let session_store = Sessions::open(state.store.sessions_pool()).await?;
    tokio::spawn(expire_sessions(session_store.clone()));
    // Over HTTPS the cookie is `__Host-`: the browser keeps it only if it is Secure, for this
    // host alone and the whole path, so no sibling subdomain can set or shadow it.
    let cookie_name = if state.settings.secure_cookies {
        "__Host-switchboard_session"
    } else {
        "switchboard_session"
    };
    let sessions = SessionManagerLayer::new(session_store)
        .with_name(cookie_name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(CookieDuration::days(14)));

    let routes = generate_route_list(App);
    let context_state = state.clone();
    let fallback_state = state.clone();
    // Pages, server functions (routed by `leptos_routes_with_context`, one route each) and
    // static files are compressed and get cache headers; sockets and uploaded files are not.
    let pages = Router::new()
        .route("/demo", get(demo::home))
        .route("/demo/pricing", get(demo::pricing))
        .route("/demo/delivery", get(demo::delivery))
        .route("/track/{key}", get(tracker::page))
        .route("/widget/{key}", get(widget_page::page))
        .route("/widget/{key}/{form}", post(widget_page::submit))
        .route("/healthz", get(|| async { "ok" }))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                headers::for_leptos_page();
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || {
                provide_context(fallback_state.clone());
                headers::for_leptos_page();
            },
            shell,
        ))
        .layer(axum::middleware::map_response(with_refusal_status))
        .layer(wire::compression())
        .layer(axum::middleware::from_fn(wire::cache_headers));
    let router = pages
        .route("/ws/agent", get(socket::agent_socket))
        .route("/ws/visitor", get(socket::visitor_socket))
        .route("/files", post(files::upload))
        .route("/files/{id}", get(files::download))
        .route("/avatar", post(files::upload_avatar))
        .route("/avatars/{agent_id}", get(files::avatar))
        .route("/reports/{table}", get(report_export::download))
        .merge(rest::router())
        .layer(sessions)
        .layer(axum::middleware::from_fn(csrf::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security,
        ))
        .with_state(state);
    Ok(router)
}

/// Server functions answer every error with 500; a refusal gets the status of its kind
/// ([`AppError::http_status`]): 401 for a wrong password, 404 for what the caller may not
/// know, 409 for a conflict. The body is unchanged, and the browser's client decodes any
/// 4xx or 5xx answer as the error.
async fn with_refusal_status(response: Response) -> Response {
    /// Error bodies are short JSON; a longer one (or one of unknown length) is left as it is.
    const MAX_ERROR_BYTES: u64 = 16 * 1024;
    let short = response
        .body()
        .size_hint()
        .upper()
        .is_some_and(|bytes| bytes <= MAX_ERROR_BYTES);
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        || !short
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn expire_sessions(store: Sessions) {
    use tower_sessions::ExpiredDeletion;
    if let Err(e) = store
        .continuously_delete_expired(std::time::Duration::from_secs(3600))
        .await
    {
        tracing::error!("session expiry task stopped: {e}");
    }
}
