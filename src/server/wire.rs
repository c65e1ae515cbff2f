//! How responses travel: compressed when that helps, and cached by the browser for as long as
//! they cannot change.
//!
//! The bundles under `/pkg` carry a hash of their content in their names (cargo-leptos's
//! `hash-files`), so a browser may keep them for a year without asking again; a release build
//! also ships them precompressed (`.br`, `.gz`), which the static file service picks by the
//! request's `Accept-Encoding`. Pages and server-function answers are compressed on the fly.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// A year: what a file whose name changes with its content may be kept for.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The loader and the tracker keep their names (site owners paste the loader's address), so a
/// browser keeps them an hour: a deploy reaches every visitor within the hour, and a visitor
/// moving between a site's pages does not fetch them again.
pub const STABLE_NAME: &str = "public, max-age=3600";
/// Pages are asked for again every time (they hold the names of the current bundles).
pub const PAGE: &str = "no-cache";

/// On-the-fly compression of pages and server-function answers: brotli or gzip, at a level
/// cheap enough for every response (brotli's own default, 11, is for files compressed once).
/// WASM is left alone: a release build precompresses it, and compressing a debug build's
/// 27 MB on every load would only cost the tests time.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(4))
        .compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/wasm")),
        )
}

/// The `Cache-Control` a successful response gets, from its path and type; `None` leaves the
/// response as its handler made it.
pub fn cache_policy(path: &str, content_type: Option<&str>) -> Option<&'static str> {
    if let Some(name) = path.strip_prefix("/pkg/") {
        // `name.<hash>.ext`: its content cannot change. A build without hashes (plain
        // `cargo build`) keeps plain names, which must be asked for again.
        let hashed = name.split('.').count() >= 3;
        return Some(if hashed { IMMUTABLE } else { PAGE });
    }
    if matches!(path, "/widget.js" | "/tracker.js") {
        return Some(STABLE_NAME);
    }
    content_type
        .is_some_and(|kind| kind.starts_with("text/html"))
        .then_some(PAGE)
}

/// Middleware: sets [`cache_policy`] on successful responses that chose no policy themselves.
pub async fn cache_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::CACHE_CONTROL)
    {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if let Some(policy) = cache_policy(&path, content_type) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_are_kept_for_a_year_pages_are_asked_for_again() {
        assert_eq!(
            cache_policy("/pkg/switchboard.Ab3_x.wasm", Some("application/wasm")),
            Some(IMMUTABLE)
        );
        assert_eq!(
            cache_policy("/widget.js", Some("text/javascript")),
            Some(STABLE_NAME)
        );
        assert_eq!(
            cache_policy("/tracker.js", Some("text/javascript")),
            Some(STABLE_NAME)
        );
        assert_eq!(
            cache_policy("/", Some("text/html; charset=utf-8")),
            Some(PAGE)
        );
        assert_eq!(cache_policy("/widget/abc", Some("text/html")), Some(PAGE));
        assert_eq!(
            cache_policy("/api/who_is_here", Some("application/json")),
            None
        );
        assert_eq!(cache_policy("/healthz", None), None);
    }
}
