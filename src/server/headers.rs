//! Security headers. Every answer: no referrer beyond the origin, no type sniffing, HSTS
//! behind HTTPS. Pages: a Content-Security-Policy (scripts only from this server or carrying
//! the response's nonce, connections only back here) and never framed, except the visitor's
//! widget and the tracker, which other sites embed. Agents' pages and API answers are never
//! stored by the browser or a proxy.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::server::state::AppState;

/// Whether other sites may frame this address (the widget's page, the tracker's page).
pub fn embeddable(path: &str) -> bool {
    path.starts_with("/widget/") || path.starts_with("/track/")
}

/// The policy of an agent's page (Leptos): its scripts come from here or carry `nonce` (the
/// hydration data), WebAssembly may compile, style attributes are allowed (components set
/// some), and only this origin is reached (`reload`: what else may be, for `cargo leptos
/// watch`'s reload socket while developing).
pub fn page_policy(nonce: &str, reload: Option<&str>) -> String {
    let reload = reload.map(|url| format!(" {url}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
         connect-src 'self'{reload}; frame-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of the visitor's widget page: framed by any site, its start script carries
/// `nonce`, its styles are inlined, and it reaches only this origin.
pub fn widget_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors *"
    )
}

/// The policy of any other HTML made here (the demo shop, the tracker's page): scripts and
/// frames from this origin (the demo's own inline script is a stand-in for a customer's site).
fn other_policy(path: &str) -> &'static str {
    if embeddable(path) {
        "default-src 'self'; script-src 'self'; img-src 'self' data:; object-src 'none'; \
         base-uri 'self'; frame-ancestors *"
    } else {
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    }
}

/// Sets the policy of an agent's page on the response being rendered, with the nonce
/// Leptos put on its inline scripts, and keeps the page out of every cache. Called in the
/// context of each Leptos page.
pub fn for_leptos_page() {
    use leptos::prelude::use_context;
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
    // While developing, the page's reload script reaches `cargo leptos watch` on its own port
    // (at whatever host name the browser used).
    let reload = std::env::var("LEPTOS_WATCH").is_ok().then_some("ws: wss:");
    if let Some(nonce) = nonce
        && let Ok(policy) = HeaderValue::from_str(&page_policy(&nonce, reload))
    {
        response.insert_header(header::CONTENT_SECURITY_POLICY, policy);
    }
    response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The headers `path` gets whatever its handler did (the policy only when it set none).
pub fn add(headers: &mut HeaderMap, path: &str, secure: bool) {
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if !embeddable(path) {
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    if secure {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    if path.starts_with("/api/") {
        set(header::CACHE_CONTROL, "no-store");
    }
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html"));
    if html {
        let policy = other_policy(path);
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert_with(|| HeaderValue::from_static(policy));
    }
}

/// Middleware: [`add`] on every answer.
pub async fn security(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    add(response.headers_mut(), &path, state.settings.secure_cookies);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_of(path: &str, content_type: &str, secure: bool) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).expect("type"),
        );
        add(&mut headers, path, secure);
        headers
    }

    #[test]
    fn pages_are_never_framed_but_the_widget_and_the_tracker_are() {
        let page = headers_of("/admin", "text/html; charset=utf-8", false);
        assert_eq!(page[header::X_FRAME_OPTIONS], "DENY");
        assert!(
            page[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .expect("ascii")
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(
            page[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin"
        );
        assert!(!page.contains_key(header::STRICT_TRANSPORT_SECURITY));
        for path in ["/widget/abc", "/track/abc"] {
            let embedded = headers_of(path, "text/html", true);
            assert!(!embedded.contains_key(header::X_FRAME_OPTIONS), "{path}");
            assert!(
                embedded[header::CONTENT_SECURITY_POLICY]
                    .to_str()
                    .expect("ascii")
                    .contains("frame-ancestors *")
            );
            assert_eq!(
                embedded[header::STRICT_TRANSPORT_SECURITY],
                "max-age=31536000"
            );
        }
        let api = headers_of("/api/load_admin", "application/json", false);
        assert_eq!(api[header::CACHE_CONTROL], "no-store");
        assert!(!api.contains_key(header::CONTENT_SECURITY_POLICY));
    }

    #[test]
    fn a_page_policy_allows_only_its_nonce_and_this_origin() {
        let policy = page_policy("abc", None);
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(policy.contains("connect-src 'self';"));
        assert!(!policy.contains("'unsafe-eval'"));
        assert!(page_policy("abc", Some("ws: wss:")).contains("connect-src 'self' ws: wss:;"));
        assert!(widget_policy("n").contains("frame-ancestors *"));
    }
}
