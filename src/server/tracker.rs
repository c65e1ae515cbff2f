//! `/track/:key`: the tracker page the loader embeds, hidden, on every page of the host site.
//! It is plain HTML and a few lines of JavaScript (`public/tracker.js`), no WASM: it keeps the
//! visitor's token in Switchboard's own storage (where the widget finds it), reports the pages
//! the loader tells it about over `/ws/visitor`, and asks the loader to open the chat when an
//! agent writes.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// `GET /track/:key`.
pub async fn page(Path(key): Path<String>) -> Response {
    if !is_key(&key) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchboard</title><link rel="icon" href="data:,"></head>
<body><script src="/tracker.js" data-inbox="{key}"></script></body>
</html>"#
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// Widget keys are short runs of letters, digits, `-` and `_`; anything else is not one (and
/// must not reach the HTML).
fn is_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_keys_reach_the_page() {
        assert!(is_key("3f9a_b-C"));
        assert!(!is_key(""));
        assert!(!is_key("\"><script>alert(1)</script>"));
        assert!(!is_key(&"a".repeat(65)));
    }
}
