//! `/widget/:key`: the chat page the loader opens in its iframe. Painted here (header, welcome,
//! an empty timeline, a disabled message box, the inlined chat styles) so it shows before any
//! code arrives, with every string the widget's code needs in the visitor's language
//! ([`WidgetText`], from the translation catalog). Its code is the widget's own small bundle
//! (`widget/`, named in `widget-bundle.txt` by scripts/build-widget.sh), never the workspace's.

use std::path::Path;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

use crate::i18n::*;
use crate::server::state::AppState;
use crate::widget_text::WidgetText;

/// The widget's styles: the chat both sides share, and the frame's own.
const STYLES: &str = concat!(
    include_str!("../../style/chat.css"),
    include_str!("../../style/widget.css")
);

/// The names of the widget's bundle files, as the build wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetBundle {
    /// The JS glue under `/pkg/`.
    pub js: String,
    /// The WASM under `/pkg/`.
    pub wasm: String,
}

impl WidgetBundle {
    /// Reads `widget-bundle.txt` in the site root; `None` when the bundle was not built (the
    /// page then paints without its code).
    pub fn find(site_root: &Path) -> Option<WidgetBundle> {
        let names = std::fs::read_to_string(site_root.join("widget-bundle.txt")).ok()?;
        let name = |kind: &str| {
            names.lines().find_map(|line| {
                line.strip_prefix(kind)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .map(|name| name.trim().to_owned())
            })
        };
        Some(WidgetBundle {
            js: name("js")?,
            wasm: name("wasm")?,
        })
    }
}

/// `GET /widget/:key`.
pub async fn page(
    State(state): State<AppState>,
    UrlPath(key): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let locale = crate::server::demo::locale_from_headers(&headers);
    let inbox = match state.store.inbox_by_key(&key).await {
        Ok(inbox) => inbox,
        Err(e) => {
            tracing::error!("widget inbox: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // The start script carries a nonce of this answer; the policy admits nothing else inline.
    let nonce = crate::server::auth::random_token(16);
    let (status, body) = match inbox.filter(|inbox| !inbox.disabled) {
        Some(inbox) => (
            StatusCode::OK,
            chat_page(
                &inbox.name,
                &key,
                locale,
                &nonce,
                // Read on every page: `cargo leptos watch` rebuilds the bundle under new names
                // without restarting the server.
                WidgetBundle::find(Path::new(&*state.leptos_options.site_root)).as_ref(),
            ),
        ),
        None => (StatusCode::NOT_FOUND, unavailable_page(locale)),
    };
    let policy = crate::server::headers::widget_policy(&nonce);
    (
        status,
        [
            (header::CACHE_CONTROL, "no-cache".to_owned()),
            (header::CONTENT_SECURITY_POLICY, policy),
        ],
        Html(body),
    )
        .into_response()
}

fn tag(locale: Locale) -> &'static str {
    match locale {
        Locale::es => "es",
        Locale::en => "en",
    }
}

fn chat_page(
    name: &str,
    key: &str,
    locale: Locale,
    nonce: &str,
    bundle: Option<&WidgetBundle>,
) -> String {
    let text = widget_text(locale);
    let json = serde_json::to_string(&text).unwrap_or_default();
    let label = td_string!(locale, widget_message_label).to_string();
    let script = bundle.map(|bundle| {
        let js = format!("/pkg/{}", bundle.js);
        let wasm = format!("/pkg/{}", bundle.wasm);
        let start = format!(
            "import init, {{ start }} from \"{js}\"; init({{ module_or_path: \"{wasm}\" }}).then(start);"
        );
        view! {
            <link rel="modulepreload" href=js />
            <link rel="preload" href=wasm r#as="fetch" crossorigin="" />
            <script type="module" nonce=nonce.to_owned() inner_html=start></script>
        }
    });
    let view = view! {
        <!DOCTYPE html>
        <html lang=tag(locale)>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <title>{name.to_owned()}</title>
                <style inner_html=STYLES></style>
                {script}
            </head>
            <body>
                <main id="sb-widget" class="widget" data-key=key.to_owned() data-text=json>
                    <header class="widget-header">
                        <div>
                            <h1>{name.to_owned()}</h1>
                            <p class="subtitle">{td_string!(locale, widget_team).to_string()}</p>
                        </div>
                        <button
                            type="button"
                            id="sb-minimize"
                            class="icon"
                            aria-label=td_string!(locale, widget_minimize).to_string()
                        >
                            "–"
                        </button>
                    </header>
                    <p id="sb-banner" class="banner" role="status" hidden>
                        {text.reconnecting.clone()}
                    </p>
                    <p class="welcome">{td_string!(locale, widget_welcome).to_string()}</p>
                    <div class="timeline" role="log" aria-live="polite" aria-label=text.timeline_label.clone()>
                        <ol id="sb-log" class="messages"></ol>
                    </div>
                    <p id="sb-typing" class="typing" aria-live="polite"></p>
                    <div id="sb-notice"></div>
                    <form id="sb-composer" class="composer">
                        <textarea
                            id="sb-message"
                            rows="2"
                            maxlength="10000"
                            aria-label=label.clone()
                            placeholder=label
                            disabled
                        ></textarea>
                        <ul
                            id="sb-uploads"
                            class="uploads"
                            aria-label=td_string!(locale, attachments_label).to_string()
                        ></ul>
                        <p id="sb-upload-error" class="error" role="alert" hidden></p>
                        <div class="composer-actions">
                            <label id="sb-attach" class="attach button" hidden>
                                <svg
                                    viewBox="0 0 24 24"
                                    width="18"
                                    height="18"
                                    aria-hidden="true"
                                    fill="none"
                                    stroke="currentColor"
                                    stroke-width="2"
                                    stroke-linecap="round"
                                >
                                    <path
                                        d="M15 7v9a3 3 0 0 1-6 0V6a2 2 0 0 1 4 0v9"
                                        transform="rotate(40 12 12)"
                                    />
                                </svg>
                                <span class="visually-hidden">
                                    {td_string!(locale, attach_files).to_string()}
                                </span>
                                <input id="sb-files" type="file" multiple class="visually-hidden" disabled />
                            </label>
                            <button id="sb-send" type="submit" disabled>
                                {td_string!(locale, send).to_string()}
                            </button>
                        </div>
                    </form>
                </main>
            </body>
        </html>
    };
    view.to_html()
}

fn unavailable_page(locale: Locale) -> String {
    let text = td_string!(locale, widget_unavailable).to_string();
    let view = view! {
        <!DOCTYPE html>
        <html lang=tag(locale)>
            <head>
                <meta charset="utf-8" />
                <title>{text.clone()}</title>
                <style inner_html=STYLES></style>
            </head>
            <body>
                <main class="widget">
                    <p class="notice" role="alert">{text}</p>
                </main>
            </body>
        </html>
    };
    view.to_html()
}

/// The widget's strings in one language, from the catalog. Placeholders are written as
/// `{name}` for the widget to fill.
pub fn widget_text(locale: Locale) -> WidgetText {
    let system = [
        (
            "accepted",
            td_string!(locale, system_accepted, agent = "{agent}").to_string(),
        ),
        (
            "closed",
            td_string!(locale, system_closed, agent = "{agent}").to_string(),
        ),
        (
            "assigned",
            td_string!(locale, system_assigned, by = "{by}", to = "{to}").to_string(),
        ),
        (
            "unassigned",
            td_string!(locale, system_unassigned, by = "{by}").to_string(),
        ),
        (
            "auto_unassigned",
            td_string!(
                locale,
                system_auto_unassigned,
                agent = "{agent}",
                duration = "{duration}"
            )
            .to_string(),
        ),
        (
            "auto_closed",
            td_string!(locale, system_auto_closed, duration = "{duration}").to_string(),
        ),
        (
            "moved",
            td_string!(locale, system_moved, by = "{by}", inbox = "{inbox}").to_string(),
        ),
        (
            "blocked",
            td_string!(locale, system_blocked, by = "{by}").to_string(),
        ),
        (
            "unblocked",
            td_string!(locale, system_unblocked, by = "{by}").to_string(),
        ),
        (
            "ticket_created",
            td_string!(locale, system_ticket_created, by = "{by}", id = "{id}").to_string(),
        ),
        (
            "page_viewed",
            td_string!(
                locale,
                system_page_viewed,
                title = "{title}",
                path = "{path}"
            )
            .to_string(),
        ),
    ];
    let errors = [
        ("blocked", td_string!(locale, err_blocked).to_string()),
        ("network", td_string!(locale, err_network).to_string()),
        (
            "empty_message",
            td_string!(locale, err_empty_message).to_string(),
        ),
        (
            "message_too_long",
            td_string!(locale, err_message_too_long).to_string(),
        ),
        (
            "unknown_inbox",
            td_string!(locale, err_unknown_inbox).to_string(),
        ),
        (
            "conversation_closed",
            td_string!(locale, err_conversation_closed).to_string(),
        ),
        (
            "file_too_large",
            td_string!(locale, err_file_refused).to_string(),
        ),
        (
            "file_type_not_allowed",
            td_string!(locale, err_file_refused).to_string(),
        ),
        (
            "upload_limit",
            td_string!(locale, err_upload_limit).to_string(),
        ),
        (
            "storage_full",
            td_string!(locale, err_storage_full).to_string(),
        ),
        ("not_found", td_string!(locale, err_not_found).to_string()),
        ("bad_frame", td_string!(locale, err_bad_frame).to_string()),
        ("invalid", td_string!(locale, err_bad_frame).to_string()),
    ];
    WidgetText {
        locale: tag(locale).to_owned(),
        timeline_label: td_string!(locale, timeline_label).to_string(),
        author_you: td_string!(locale, author_you).to_string(),
        author_visitor: td_string!(locale, author_visitor).to_string(),
        status_sent: td_string!(locale, status_sent).to_string(),
        status_seen: td_string!(locale, status_seen).to_string(),
        status_sending: td_string!(locale, status_sending).to_string(),
        status_failed: td_string!(locale, status_failed).to_string(),
        retry: td_string!(locale, retry).to_string(),
        today: td_string!(locale, today).to_string(),
        yesterday: td_string!(locale, yesterday).to_string(),
        typing: td_string!(locale, typing_colleague, name = "{name}").to_string(),
        reconnecting: td_string!(locale, reconnecting).to_string(),
        ended: td_string!(locale, widget_ended).to_string(),
        new_chat: td_string!(locale, widget_new_chat).to_string(),
        blocked: td_string!(locale, widget_blocked).to_string(),
        blocked_until: td_string!(locale, widget_blocked_until, date = "{date}").to_string(),
        download_file: td_string!(locale, download_file, name = "{name}").to_string(),
        remove_file: td_string!(locale, remove_file, name = "{name}").to_string(),
        uploading_file: td_string!(locale, uploading_file, name = "{name}").to_string(),
        file_too_large: td_string!(locale, err_file_too_large, size = "{size}").to_string(),
        file_type: td_string!(locale, err_file_type, kind = "{kind}").to_string(),
        system: system.map(|(k, v)| (k.to_owned(), v)).into(),
        minutes: td_string!(locale, duration_minutes, n = "{n}").to_string(),
        seconds: td_string!(locale, duration_seconds, n = "{n}").to_string(),
        errors: errors.map(|(k, v)| (k.to_owned(), v)).into(),
        error_other: td_string!(locale, err_internal).to_string(),
    }
}
