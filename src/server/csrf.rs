//! Cross-site request forgery: a request that changes something (any method but GET, HEAD
//! and OPTIONS) and the sockets (cross-site WebSocket hijacking) are refused when a browser says they come from another
//! origin. `SameSite=Lax` alone lets a sibling site (`www.example.com` beside
//! `chat.example.com`) act with an agent's cookie; the browser's own `Sec-Fetch-Site` (or,
//! from browsers without it, `Origin`) tells the two apart. Clients that are not browsers
//! send neither and hold no agent's cookie, so they pass.

use axum::Json;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// What the guard looks at in a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Provenance<'a> {
    /// `Sec-Fetch-Site`: `same-origin`, `same-site`, `cross-site` or `none`.
    pub fetch_site: Option<&'a str>,
    /// `Origin`: `scheme://host[:port]`.
    pub origin: Option<&'a str>,
    /// `Host`: the authority the browser reached.
    pub host: Option<&'a str>,
}

/// Whether a request with this method, path and provenance may go on.
pub fn allowed(method: &Method, path: &str, from: Provenance<'_>) -> bool {
    let changes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !changes && !path.starts_with("/ws/") {
        return true;
    }
    if let Some(site) = from.fetch_site {
        return site == "same-origin";
    }
    match (from.origin, from.host) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// Middleware: refuses what [`allowed`] does not allow, with 403 and `forbidden`.
pub async fn guard(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let from = Provenance {
        fetch_site: text(header::HeaderName::from_static("sec-fetch-site")),
        origin: text(header::ORIGIN),
        host: text(header::HOST),
    };
    if allowed(request.method(), request.uri().path(), from) {
        return next.run(request).await;
    }
    tracing::warn!(
        path = request.uri().path(),
        origin = from.origin,
        fetch_site = from.fetch_site,
        "refused a request from another origin"
    );
    (StatusCode::FORBIDDEN, Json(AppError::Forbidden)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: Option<&str> = Some("chat.example.com");

    #[test]
    fn only_the_same_origin_may_change_anything() {
        let post = Method::POST;
        let same = Provenance {
            fetch_site: Some("same-origin"),
            origin: Some("https://chat.example.com"),
            host: HOST,
        };
        assert!(allowed(&post, "/api/send_transcript", same));
        for site in ["same-site", "cross-site", "none"] {
            let other = Provenance {
                fetch_site: Some(site),
                ..same
            };
            assert!(!allowed(&post, "/api/send_transcript", other), "{site}");
            assert!(!allowed(&Method::GET, "/ws/agent", other), "{site}");
            assert!(!allowed(&Method::GET, "/ws/visitor", other), "{site}");
            assert!(
                allowed(&Method::GET, "/api/x", other),
                "reading is not changing"
            );
        }
        // A browser without fetch metadata: its Origin decides.
        let sibling = Provenance {
            fetch_site: None,
            origin: Some("https://www.example.com"),
            host: HOST,
        };
        assert!(!allowed(&post, "/files", sibling));
        let own = Provenance {
            origin: Some("https://CHAT.example.com"),
            ..sibling
        };
        assert!(allowed(&post, "/files", own));
        // Not a browser: nothing to forge with.
        assert!(allowed(&post, "/api/sign_in", Provenance::default()));
    }
}
