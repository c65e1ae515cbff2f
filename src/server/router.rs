//! The HTTP surface: Leptos pages and server functions, the two sockets, the demo website,
//! static files, and the session layer around them.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use crate::server::state::AppState;
use crate::server::{StartError, demo, files, tracker, ws};
use crate::ui::app::{App, shell};

/// Builds the whole router on a prepared state.
pub async fn build(state: AppState) -> Result<Router, StartError> {
    let session_store = SqliteStore::new(state.store.pool().clone())
        .with_table_name("sessions")
        .map_err(|e| format!("session table name: {e}"))?;
    session_store.migrate().await?;
    tokio::spawn(expire_sessions(session_store.clone()));
    let sessions = SessionManagerLayer::new(session_store)
        .with_name("switchboard_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(CookieDuration::days(14)));

    let routes = generate_route_list(App);
    let context_state = state.clone();
    let fallback_state = state.clone();
    let router = Router::new()
        .route(
            "/api/{*fn_name}",
            post(server_fn_handler).get(server_fn_handler),
        )
        .route("/ws/agent", get(ws::agent_socket))
        .route("/ws/visitor", get(ws::visitor_socket))
        .route("/demo", get(demo::home))
        .route("/demo/pricing", get(demo::pricing))
        .route("/demo/delivery", get(demo::delivery))
        .route("/track/{key}", get(tracker::page))
        .route("/files", post(files::upload))
        .route("/files/{id}", get(files::download))
        .route("/avatar", post(files::upload_avatar))
        .route("/avatars/{agent_id}", get(files::avatar))
        .route("/healthz", get(|| async { "ok" }))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || provide_context(fallback_state.clone()), shell
        ))
        .layer(sessions)
        .with_state(state);
    Ok(router)
}

async fn server_fn_handler(
    State(state): State<AppState>,
    request: Request<Body>,
) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), request).await
}

async fn expire_sessions(store: SqliteStore) {
    use tower_sessions::ExpiredDeletion;
    if let Err(e) = store
        .continuously_delete_expired(std::time::Duration::from_secs(3600))
        .await
    {
        tracing::error!("session expiry task stopped: {e}");
    }
}
