//! The demo website served with `--demo`: a plain page of a made-up shop that embeds the
//! widget exactly as a customer's site would, so one tab plays the visitor and another the
//! agent. It loads no WASM itself, like any host page.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::i18n::{I18nLocaleTrait, Locale, td_string};
use crate::server::state::AppState;

/// `GET /demo`: the shop's home page.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    page(&state, &headers, Page::Home).await
}

/// `GET /demo/pricing`: a second page, to browse between.
pub async fn pricing(State(state): State<AppState>, headers: HeaderMap) -> Response {
    page(&state, &headers, Page::Pricing).await
}

/// `GET /demo/delivery`: the page the "Delivery" link shows in place, as a single-page site
/// would (`history.pushState`), served whole when loaded directly.
pub async fn delivery(State(state): State<AppState>, headers: HeaderMap) -> Response {
    page(&state, &headers, Page::Delivery).await
}

enum Page {
    Home,
    Pricing,
    Delivery,
}

async fn page(state: &AppState, headers: &HeaderMap, page: Page) -> Response {
    if !state.settings.demo {
        return StatusCode::NOT_FOUND.into_response();
    }
    let inbox = match state.store.demo_inbox().await {
        Ok(Some(inbox)) => inbox,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!("demo inbox: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let locale = locale_from_headers(headers);
    let (title, heading, text) = match page {
        Page::Home => (
            td_string!(locale, demo_home_title),
            td_string!(locale, demo_home_heading),
            td_string!(locale, demo_home_text),
        ),
        Page::Pricing => (
            td_string!(locale, demo_pricing_title),
            td_string!(locale, demo_pricing_heading),
            td_string!(locale, demo_pricing_text),
        ),
        Page::Delivery => (
            td_string!(locale, demo_delivery_title),
            td_string!(locale, demo_delivery_heading),
            td_string!(locale, demo_delivery_text),
        ),
    };
    // The in-page navigation's strings, as JavaScript string literals.
    let js = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; color: #1f2933; background: #fdfaf6; }}
header {{ background: #3b2f2f; color: #fff; padding: 1rem 2rem; display: flex; gap: 2rem; align-items: center; }}
header a {{ color: #ffe8c2; }}
main {{ max-width: 40rem; padding: 2rem; }}
</style>
</head>
<body>
<header><strong>{brand}</strong>
<nav aria-label="{nav}"><a href="/demo">{home}</a> · <a href="/demo/pricing">{pricing}</a> · <a href="/demo/delivery" id="delivery-link">{delivery}</a></nav></header>
<main><h1 id="heading">{heading}</h1><p id="text">{text}</p><p>{hint}</p></main>
<script>
document.getElementById("delivery-link").addEventListener("click", function (event) {{
  event.preventDefault();
  document.getElementById("heading").textContent = {delivery_heading};
  document.getElementById("text").textContent = {delivery_text};
  document.title = {delivery_title};
  history.pushState({{}}, "", "/demo/delivery");
}});
</script>
<script src="/widget.js" data-inbox="{key}" async></script>
</body>
</html>"#,
        lang = locale.as_str(),
        brand = td_string!(locale, demo_brand),
        nav = td_string!(locale, demo_nav),
        home = td_string!(locale, demo_home_link),
        pricing = td_string!(locale, demo_pricing_link),
        delivery = td_string!(locale, demo_delivery_link),
        delivery_heading = js(td_string!(locale, demo_delivery_heading)),
        delivery_text = js(td_string!(locale, demo_delivery_text)),
        delivery_title = js(td_string!(locale, demo_delivery_title)),
        hint = td_string!(locale, demo_hint),
        key = inbox.key,
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// The first of English or Spanish in the browser's `Accept-Language`, English by default.
pub(crate) fn locale_from_headers(headers: &HeaderMap) -> Locale {
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    accepted
        .split(',')
        .map(|tag| {
            tag.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .find_map(|tag| {
            if tag.starts_with("es") {
                Some(Locale::es)
            } else if tag.starts_with("en") {
                Some(Locale::en)
            } else {
                None
            }
        })
        .unwrap_or(Locale::en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_accept_language() {
        let mut headers = HeaderMap::new();
        assert_eq!(locale_from_headers(&headers), Locale::en);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "fr-FR,es;q=0.8,en;q=0.5".parse().expect("header"),
        );
        assert_eq!(locale_from_headers(&headers), Locale::es);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "en-GB,es;q=0.8".parse().expect("header"),
        );
        assert_eq!(locale_from_headers(&headers), Locale::en);
    }
}
