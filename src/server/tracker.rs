//! `/track/:key`: the tracker page the loader embeds, hidden, on every page of the host site.
//! It is plain HTML and a few lines of JavaScript (`public/tracker.js`), no WASM: it keeps the
//! visitor's token in Switchboard's own storage (where the widget finds it), reports the pages
//! the loader tells it about over `/ws/visitor` (without their fragment, and with only the
//! query parameters the inbox keeps), and asks the loader to open the chat when an agent
//! writes.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::server::state::AppState;

/// `GET /track/:key`.
pub async fn page(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    if !is_key(&key) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let inbox = match state.store.inbox_by_key(&key).await {
        Ok(Some(inbox)) if !inbox.disabled => inbox,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!("tracker inbox: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // Checked on saving (`parse_kept_params`): names of letters, digits, `_-.*`, commas and
    // spaces only, so it is safe inside the attribute.
    let keep = inbox.kept_query_params;
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchboard</title><link rel="icon" href="data:,"></head>
<body><script src="/tracker.js" data-inbox="{key}" data-keep="{keep}"></script></body>
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
