//! The REST API under `/api/v1`: what other systems (a CRM, a shop, a bot) use to read and
//! change what an agent may, with a personal access token instead of a browser session. Its
//! OpenAPI 3.1 document is generated from the handlers and types below
//! (`/api/v1/openapi.json`), and so is its reference page (`/api/v1/reference`).

pub mod caller;
pub mod conversations;
pub mod error;
pub mod limits;
pub mod messages;
pub mod people;
pub mod reference;
pub mod schema;
pub mod team;
pub mod tickets;

use std::sync::Arc;

use axum::Json;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::server::state::AppState;

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        version = "1",
        description = "Read and change conversations, messages, tickets, visitors and \
                       contacts as an agent. \
                       Send a personal access token (My settings → API tokens) as \
                       `Authorization: Bearer <token>`: a request sees and changes what its \
                       agent may in the workspace; a read-only token may only make GET \
                       requests. Errors carry the same `error` codes as the workspace. \
                       Lists come a page at a time: pass a page's `next_cursor` as `cursor` \
                       for the next. Each token may make a limited number of requests a \
                       minute (300 unless the server says otherwise); past it the answer is \
                       429 with `Retry-After`."
    ),
    modifiers(&BearerToken),
    security(("token" = [])),
    tags(
        (name = "conversations", description = "Conversations of the caller's inboxes"),
        (name = "messages", description = "What was written in a conversation"),
        (name = "team", description = "Inboxes and agents"),
        (name = "tickets", description = "Requests the team follows up by email"),
        (name = "people", description = "Visitors and contacts"),
    )
)]
struct ApiDoc;

/// Declares the bearer token every operation asks for.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal access token, sbp_…"))
                    .build(),
            ),
        );
    }
}

/// The API's routes and its document, both from the handlers.
fn parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let api = OpenApiRouter::<AppState>::new()
        .routes(routes!(conversations::list, conversations::create))
        .routes(routes!(conversations::get))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::close))
        .routes(routes!(conversations::labels))
        .routes(routes!(messages::list, messages::reply))
        .routes(routes!(messages::note))
        .routes(routes!(team::inboxes))
        .routes(routes!(team::agents))
        .routes(routes!(tickets::list, tickets::create))
        .routes(routes!(tickets::get, tickets::update))
        .routes(routes!(tickets::comment))
        .routes(routes!(people::visitor, people::update_visitor))
        .routes(routes!(people::contacts))
        .routes(routes!(people::contact, people::update_contact));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(PREFIX, api)
        .split_for_parts()
}

/// The OpenAPI document (what `/api/v1/openapi.json` serves).
pub fn document() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The API's router: its operations, the document and the reference page (both public).
pub fn router() -> axum::Router<AppState> {
    let (router, document) = parts();
    let json = Arc::new(serde_json::to_value(&document).unwrap_or_default());
    let page = Arc::new(reference::page(&json));
    router
        .route(
            &format!("{PREFIX}/openapi.json"),
            get({
                let json = json.clone();
                move || async move { Json(json.as_ref().clone()).into_response() }
            }),
        )
        .route(
            &format!("{PREFIX}/reference"),
            get(move || async move { Html(page.as_ref().clone()).into_response() }),
        )
        // Anything else under the prefix: the API's error, not the pages' 404.
        .route(
            &format!("{PREFIX}/{{*rest}}"),
            axum::routing::any(|| async {
                error::ApiError::from(crate::error::AppError::not_found("operation"))
                    .into_response()
            }),
        )
}
