//! `/track/:key`: the tracker page the loader embeds, hidden, on every page of the host site.
//! It is plain HTML and a few lines of JavaScript (`public/tracker.js`), no WASM: it keeps the
//! visitor's token in Switchboard's own storage (where the widget finds it), reports the pages
//! the loader tells it about over `/ws/visitor` (without their fragment, and with only the
//! query parameters the inbox keeps), tells the loader the inbox's look (so a change needs
//! no new snippet), and tells it when an agent writes.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::server::state::AppState;
use crate::widget_settings::{Look, ink_on};

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
    let look = crate::server::markup::escape(&launcher_look(&inbox.widget.look));
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchboard</title><link rel="icon" href="data:,"></head>
<body><script src="/tracker.js" data-inbox="{key}" data-keep="{keep}" data-look="{look}"></script></body>
</html>"#
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// What the loader draws its launcher with: the accent, the text colour that reads on it, the
/// side and the label, as JSON.
fn launcher_look(look: &Look) -> String {
    let ink = ink_on(&look.color).map_or("#ffffff", |(ink, _)| ink);
    serde_json::json!({
        "color": look.color,
        "ink": ink,
        "side": look.side,
        "label": look.launcher,
    })
    .to_string()
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
    fn the_launchers_look_is_json_safe_inside_the_attribute() {
        let look = Look {
            color: "#ffd500".to_owned(),
            launcher: "\"><script>alert(1)</script> & more".to_owned(),
            ..Look::default()
        };
        let json = launcher_look(&look);
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["ink"], "#000000", "dark text on yellow");
        assert_eq!(value["side"], "right");
        let escaped = crate::server::markup::escape(&json);
        assert!(
            !escaped.contains('"') && !escaped.contains('<'),
            "{escaped}"
        );
        assert!(escaped.contains("&amp; more"));
    }

    #[test]
    fn only_plain_keys_reach_the_page() {
        assert!(is_key("3f9a_b-C"));
        assert!(!is_key(""));
        assert!(!is_key("\"><script>alert(1)</script>"));
        assert!(!is_key(&"a".repeat(65)));
    }
}
