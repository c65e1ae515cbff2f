//! `/widget/:key`: the chat page the loader opens in its iframe. Painted here (header, welcome,
//! an empty timeline, a disabled message box, the inlined chat styles) so it shows before any
//! code arrives, with every string the widget's code needs in the visitor's language
//! ([`WidgetText`], from the translation catalog). Its code is the widget's own small bundle
//! (`widget/`, named in `widget-bundle.txt` by scripts/build-widget.sh), never the workspace's.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use axum::Form;
use axum::extract::{ConnectInfo, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

use crate::error::AppError;
use crate::i18n::*;
use crate::model::Inbox;
use crate::server::client_info::ClientInfo;
use crate::server::services;
use crate::server::state::AppState;
use crate::widget_settings::{AnswerProblem, FieldKind, FormMode, RatingScale, ink_on};
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
    Query(query): Query<BTreeMap<String, String>>,
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
        Some(inbox) => {
            let mut form = match FormView::new(&state, &inbox).await {
                Ok(form) => form,
                Err(e) => {
                    tracing::error!("widget departments: {e}");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            };
            // Back from the offline form or a rating: thanks instead of the form.
            form.sent = query.contains_key("sent");
            form.rated = query.contains_key("rated");
            (
                StatusCode::OK,
                chat_page(&state, &inbox, locale, &nonce, &form),
            )
        }
        None => (StatusCode::NOT_FOUND, unavailable_page(locale)),
    };
    respond(status, &nonce, body)
}

/// The widget's page with its security headers.
fn respond(status: StatusCode, nonce: &str, body: String) -> Response {
    let policy = crate::server::headers::widget_policy(nonce);
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

/// Which of the page's forms was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// The pre-chat form (and nothing, when nothing was posted).
    PreChat,
    /// The offline form.
    Offline,
    /// The rating form.
    Rating,
}

/// The pre-chat form as the page paints it: whether it shows at first (the inbox asks one;
/// the widget's code hides it for a visitor who answered), the departments offered, and what
/// a refused submission sent back with its problems.
pub struct FormView {
    /// Painted at all.
    pub asked: bool,
    /// The departments offered, as (id, name).
    pub departments: Vec<(i64, String)>,
    /// The values posted (a refused submission), by field name.
    pub values: BTreeMap<String, String>,
    /// What was wrong, by field name.
    pub problems: BTreeMap<String, AnswerProblem>,
    /// A refusal of the whole form (the visitor is blocked, their token unknown).
    pub alert: Option<String>,
    /// The inbox may take no chats at times (business hours, or chats that do not wait for
    /// the team): the offline form is painted.
    pub away: bool,
    /// It takes no chats now: the offline form shows at first.
    pub closed: bool,
    /// Which form the values, problems and alert are of.
    pub posted: Posted,
    /// The visitor's rating was kept: thanks instead of the rating form.
    pub rated: bool,
    /// The visitor's offline message was kept: thanks instead of the form.
    pub sent: bool,
}

impl FormView {
    /// The form of an inbox as a new visitor first sees it.
    async fn new(state: &AppState, inbox: &Inbox) -> Result<FormView, AppError> {
        let departments = services::widget::departments_offered(state, inbox).await?;
        let away = &inbox.widget;
        Ok(FormView {
            asked: inbox.widget.asks_before_chat(departments.len()),
            departments,
            values: BTreeMap::new(),
            problems: BTreeMap::new(),
            alert: None,
            away: away.hours.enabled || !away.away.chat_when_nobody_online,
            closed: !services::widget::takes_chats(state, inbox).await?,
            posted: Posted::PreChat,
            rated: false,
            sent: false,
        })
    }
}

impl FormView {
    /// What was posted in the field `name` of `form`, and the visitor's words for its problem.
    fn posted(&self, name: &str, form: Posted, locale: Locale) -> (String, Option<String>) {
        if self.posted != form {
            return (String::new(), None);
        }
        (
            self.values.get(name).cloned().unwrap_or_default(),
            self.problems
                .get(name)
                .map(|problem| problem_text(locale, *problem)),
        )
    }
}

/// `POST /widget/:key/:form`: one of the page's forms (`form`, the pre-chat form; `offline`;
/// `rating`), posted by the page itself: no script is needed beyond the token the widget's
/// code puts in it. Kept: back to the chat (303; `?sent` and `?rated` say thanks). Refused:
/// the page again with the answers and what is wrong with them (422).
pub async fn submit(
    State(state): State<AppState>,
    UrlPath((key, form)): UrlPath<(String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(input): Form<BTreeMap<String, String>>,
) -> Response {
    let locale = crate::server::demo::locale_from_headers(&headers);
    let ip = client_ip(&state, &headers, peer);
    let (outcome, then, posted) = match form.as_str() {
        "form" => (
            services::widget::submit_form(&state, &key, &input, tag(locale), ip).await,
            "",
            Posted::PreChat,
        ),
        "offline" => (
            services::widget::leave_message(&state, &key, &input, tag(locale), ip)
                .await
                .map(|kept| kept.map(|_| ())),
            "?sent",
            Posted::Offline,
        ),
        "rating" => (
            services::ratings::rate(&state, &key, &input, ip).await,
            "?rated",
            Posted::Rating,
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    answer_post(&state, &key, locale, input, outcome, then, posted).await
}

fn client_ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> Option<IpAddr> {
    ClientInfo::from_request(
        headers,
        Some(peer),
        state.settings.client_ip_header.as_deref(),
    )
    .ip
}

/// What a posted form gets: back to the page (`then` added to its address) when kept, else
/// the page again with the posted values and what was wrong.
async fn answer_post(
    state: &AppState,
    key: &str,
    locale: Locale,
    mut input: BTreeMap<String, String>,
    outcome: Result<Result<(), BTreeMap<String, AnswerProblem>>, AppError>,
    then: &str,
    posted: Posted,
) -> Response {
    let inbox = match state.store.inbox_by_key(key).await {
        Ok(Some(inbox)) if !inbox.disabled => inbox,
        Ok(_) => {
            let nonce = crate::server::auth::random_token(16);
            return respond(StatusCode::NOT_FOUND, &nonce, unavailable_page(locale));
        }
        Err(e) => {
            tracing::error!("widget form: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let (status, problems, alert) = match outcome {
        Ok(Ok(())) => {
            return (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("/widget/{}{then}", encode(key)))],
            )
                .into_response();
        }
        Ok(Err(problems)) => (StatusCode::UNPROCESSABLE_ENTITY, problems, None),
        Err(error) => (
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            BTreeMap::new(),
            Some(widget_text(locale).error(error.code()).to_owned()),
        ),
    };
    let mut form = match FormView::new(state, &inbox).await {
        Ok(form) => form,
        Err(e) => {
            tracing::error!("widget form: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    input.remove("token");
    form.values = input;
    form.problems = problems;
    form.alert = alert;
    form.posted = posted;
    let nonce = crate::server::auth::random_token(16);
    respond(
        status,
        &nonce,
        chat_page(state, &inbox, locale, &nonce, &form),
    )
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn chat_page(
    state: &AppState,
    inbox: &Inbox,
    locale: Locale,
    nonce: &str,
    form: &FormView,
) -> String {
    // Read on every page: `cargo leptos watch` rebuilds the bundle under new names without
    // restarting the server.
    let bundle = WidgetBundle::find(Path::new(&*state.leptos_options.site_root));
    let look = &inbox.widget.look;
    let name = if look.title.is_empty() {
        inbox.name.as_str()
    } else {
        look.title.as_str()
    };
    let ink = ink_on(&look.color).map_or("#ffffff", |(ink, _)| ink);
    let accent = format!(
        "--accent:{c};--accent-strong:{c};--accent-ink:{ink}",
        c = look.color
    );
    let class = if look.avatars {
        "widget"
    } else {
        "widget no-avatars"
    };
    let welcome = look
        .greeting(tag(locale))
        .map(str::to_owned)
        .unwrap_or_else(|| td_string!(locale, widget_welcome).to_string());
    let key = inbox.key.as_str();
    let text = widget_text(locale);
    let json = serde_json::to_string(&text).unwrap_or_default();
    let label = td_string!(locale, widget_message_label).to_string();
    let script = bundle.as_ref().map(|bundle| {
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
                <main id="sb-widget" class=class style=accent data-key=key.to_owned() data-text=json>
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
                    <p class="welcome">{welcome}</p>
                    {form.asked.then(|| pre_chat_form(inbox, locale, form))}
                    {form.away.then(|| offline_form(inbox, locale, form))}
                    <div class="timeline" role="log" aria-live="polite" aria-label=text.timeline_label.clone()>
                        <ol id="sb-log" class="messages"></ol>
                    </div>
                    <p id="sb-typing" class="typing" aria-live="polite"></p>
                    <div id="sb-notice"></div>
                    {(inbox.widget.rating != RatingScale::Off).then(|| rating_form(inbox, locale, form))}
                    <form id="sb-composer" class="composer" hidden=form.asked || form.closed>
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

/// The pre-chat form: the visitor's name and email, the inbox's own questions and the
/// department, each with its problem when a submission was refused. Its button waits for the
/// widget's code, which fills in the visitor's token.
fn pre_chat_form(inbox: &Inbox, locale: Locale, form: &FormView) -> impl IntoView + use<> {
    let settings = &inbox.widget.form;
    let asked = settings.mode != FormMode::Off;
    let required = settings.mode == FormMode::Required;
    let mut fields: Vec<FieldView> = Vec::new();
    if asked && settings.ask_name {
        fields.push(FieldView::new(
            "name",
            FieldKind::Text,
            td_string!(locale, widget_form_name).to_string(),
            required,
        ));
    }
    if asked && settings.ask_email {
        fields.push(FieldView::new(
            "email",
            FieldKind::Email,
            td_string!(locale, widget_form_email).to_string(),
            required,
        ));
    }
    if asked {
        for field in &settings.fields {
            let mut view = FieldView::new(
                &field.id,
                field.kind,
                field.label(tag(locale)).to_owned(),
                required,
            );
            view.options = field
                .options
                .iter()
                .map(|o| (o.clone(), o.clone()))
                .collect();
            fields.push(view);
        }
    }
    if !form.departments.is_empty() {
        let mut view = FieldView::new(
            "department",
            FieldKind::Select,
            td_string!(locale, widget_form_department).to_string(),
            true,
        );
        view.options = form
            .departments
            .iter()
            .map(|(id, name)| (id.to_string(), name.clone()))
            .collect();
        fields.push(view);
    }
    let choose = td_string!(locale, widget_form_choose).to_string();
    let fields = fields
        .into_iter()
        .map(|field| {
            let (value, problem) = form.posted(&field.name, Posted::PreChat, locale);
            field.view(value, problem, &choose)
        })
        .collect::<Vec<_>>();
    let action = format!("/widget/{}/form", encode(&inbox.key));
    let intro = td_string!(locale, widget_form_intro).to_string();
    let alert = form
        .alert
        .clone()
        .filter(|_| form.posted == Posted::PreChat);
    let label = intro.clone();
    view! {
        <form id="sb-form" class="prechat" method="post" action=action aria-label=label hidden=form.closed>
            <p class="intro">{intro}</p>
            {alert.map(|alert| view! { <p class="error" role="alert">{alert}</p> })}
            <input type="hidden" name="token" value="" />
            {fields}
            <button type="submit" disabled>{td_string!(locale, widget_form_start).to_string()}</button>
        </form>
    }
}

/// What the widget shows when the inbox takes no chats: its away words and the offline form
/// (name, email, message), or thanks once a message was kept.
fn offline_form(inbox: &Inbox, locale: Locale, form: &FormView) -> impl IntoView + use<> {
    let words = inbox
        .widget
        .away
        .message(tag(locale))
        .map(str::to_owned)
        .unwrap_or_else(|| td_string!(locale, widget_away_default).to_string());
    let body = if form.sent {
        view! { <p class="sent" role="status">{td_string!(locale, widget_offline_sent).to_string()}</p> }
            .into_any()
    } else {
        let fields = [
            (
                "name",
                FieldKind::Text,
                td_string!(locale, widget_form_name).to_string(),
                false,
            ),
            (
                "email",
                FieldKind::Email,
                td_string!(locale, widget_form_email).to_string(),
                true,
            ),
        ]
        .into_iter()
        .map(|(name, kind, label, required)| {
            let (value, problem) = form.posted(name, Posted::Offline, locale);
            FieldView::new(name, kind, label, required).view(value, problem, "")
        })
        .collect::<Vec<_>>();
        let (message, problem) = form.posted("message", Posted::Offline, locale);
        let invalid = problem.is_some().then_some("true");
        let described = problem.is_some().then_some("sb-o-message-error");
        let alert = form
            .alert
            .clone()
            .filter(|_| form.posted == Posted::Offline);
        let action = format!("/widget/{}/offline", encode(&inbox.key));
        view! {
            <form id="sb-offline" method="post" action=action aria-labelledby="sb-away-words">
                {alert.map(|alert| view! { <p class="error" role="alert">{alert}</p> })}
                <input type="hidden" name="token" value="" />
                {fields}
                <div class="field">
                    <label for="sb-o-message">{td_string!(locale, widget_offline_message).to_string()}</label>
                    <textarea id="sb-o-message" name="message" rows="4" maxlength="5000" required aria-invalid=invalid aria-describedby=described>
                        {message}
                    </textarea>
                    {problem.map(|problem| view! { <p id="sb-o-message-error" class="error">{problem}</p> })}
                </div>
                <button type="submit" disabled>{td_string!(locale, widget_offline_send).to_string()}</button>
            </form>
        }
        .into_any()
    };
    view! {
        <section id="sb-away" class="prechat" hidden=!form.closed>
            <p id="sb-away-words" class="intro">{words}</p>
            {body}
        </section>
    }
}

/// The rating asked when a chat ends (hidden until then: the widget's code shows it with the
/// conversation's id), or thanks once given.
fn rating_form(inbox: &Inbox, locale: Locale, form: &FormView) -> impl IntoView + use<> {
    // Thanks for the rating just given, and the form still waits for a later chat.
    let thanks = form.rated.then(|| {
        view! { <p class="sent" role="status">{td_string!(locale, widget_rated).to_string()}</p> }
    });
    let (chosen, problem) = form.posted("score", Posted::Rating, locale);
    let (comment, too_long) = form.posted("comment", Posted::Rating, locale);
    let alert = form.alert.clone().filter(|_| form.posted == Posted::Rating);
    let conversation = form
        .values
        .get("conversation_id")
        .cloned()
        .unwrap_or_default();
    let scale = inbox.widget.rating;
    let choices = scale
        .scores()
        .iter()
        .map(|score| {
            let label = match (scale, score) {
                (RatingScale::GoodBad, 5) => td_string!(locale, widget_rate_good).to_string(),
                (RatingScale::GoodBad, _) => td_string!(locale, widget_rate_bad).to_string(),
                _ => score.to_string(),
            };
            let value = score.to_string();
            let checked = value == chosen;
            view! {
                <label class="choice">
                    <input type="radio" name="score" value=value checked=checked required />
                    {label}
                </label>
            }
        })
        .collect::<Vec<_>>();
    let question = if scale == RatingScale::FiveStars {
        td_string!(locale, widget_rate_five).to_string()
    } else {
        td_string!(locale, widget_rate_question).to_string()
    };
    let action = format!("/widget/{}/rating", encode(&inbox.key));
    view! {
        {thanks}
        <form id="sb-rating" class="prechat rating" method="post" action=action hidden=form.posted != Posted::Rating>
            {alert.map(|alert| view! { <p class="error" role="alert">{alert}</p> })}
            <input type="hidden" name="token" value="" />
            <input type="hidden" name="conversation_id" value=conversation />
            <fieldset>
                <legend>{question}</legend>
                {choices}
                {problem.map(|problem| view! { <p class="error">{problem}</p> })}
            </fieldset>
            <div class="field">
                <label for="sb-r-comment">{td_string!(locale, widget_rate_comment).to_string()}</label>
                <textarea id="sb-r-comment" name="comment" rows="2" maxlength="1000">{comment}</textarea>
                {too_long.map(|problem| view! { <p class="error">{problem}</p> })}
            </div>
            <button type="submit" disabled>{td_string!(locale, widget_rate_send).to_string()}</button>
        </form>
    }
    .into_any()
}

/// One question of the pre-chat form as painted.
struct FieldView {
    name: String,
    kind: FieldKind,
    label: String,
    required: bool,
    /// A select's choices, as (value, shown).
    options: Vec<(String, String)>,
}

impl FieldView {
    fn new(name: &str, kind: FieldKind, label: String, required: bool) -> FieldView {
        FieldView {
            name: name.to_owned(),
            kind,
            label,
            required,
            options: Vec::new(),
        }
    }

    fn view(self, value: String, problem: Option<String>, choose: &str) -> impl IntoView + use<> {
        let id = format!("sb-f-{}", self.name);
        let error_id = format!("{id}-error");
        let invalid = problem.is_some().then_some("true");
        let described = problem.is_some().then(|| error_id.clone());
        let name = self.name.clone();
        let control = match self.kind {
            FieldKind::Select => {
                let options = self
                    .options
                    .into_iter()
                    .map(|(option, shown)| {
                        let selected = option == value;
                        view! { <option value=option selected=selected>{shown}</option> }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <select id=id.clone() name=name required=self.required aria-invalid=invalid aria-describedby=described>
                        <option value="">{choose.to_owned()}</option>
                        {options}
                    </select>
                }
                .into_any()
            }
            FieldKind::Checkbox => view! {
                <input
                    id=id.clone()
                    type="checkbox"
                    name=name
                    value="yes"
                    checked=!value.is_empty()
                    required=self.required
                    aria-invalid=invalid
                    aria-describedby=described
                />
            }
            .into_any(),
            kind => {
                let (input_type, autocomplete) = match (kind, self.name.as_str()) {
                    (FieldKind::Email, _) => ("email", Some("email")),
                    (FieldKind::Phone, _) => ("tel", Some("tel")),
                    (_, "name") => ("text", Some("name")),
                    _ => ("text", None),
                };
                view! {
                    <input
                        id=id.clone()
                        type=input_type
                        name=name
                        value=value
                        maxlength="500"
                        autocomplete=autocomplete
                        required=self.required
                        aria-invalid=invalid
                        aria-describedby=described
                    />
                }
                .into_any()
            }
        };
        let class = if self.kind == FieldKind::Checkbox {
            "field check"
        } else {
            "field"
        };
        view! {
            <div class=class>
                <label for=id>{self.label}</label>
                {control}
                {problem.map(|problem| view! { <p id=error_id class="error">{problem}</p> })}
            </div>
        }
    }
}

/// What the visitor is told about a refused answer.
fn problem_text(locale: Locale, problem: AnswerProblem) -> String {
    match problem {
        AnswerProblem::Required => td_string!(locale, widget_form_required),
        AnswerProblem::Email => td_string!(locale, widget_form_bad_email),
        AnswerProblem::Phone => td_string!(locale, widget_form_bad_phone),
        AnswerProblem::Choice => td_string!(locale, widget_form_bad_choice),
        AnswerProblem::TooLong => td_string!(locale, widget_form_too_long),
    }
    .to_string()
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
        (
            "form_needed",
            td_string!(locale, err_form_needed).to_string(),
        ),
        (
            "already_rated",
            td_string!(locale, err_already_rated).to_string(),
        ),
        (
            "unavailable",
            td_string!(locale, err_unavailable).to_string(),
        ),
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
