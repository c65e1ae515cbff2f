//! `/widget/:key`: the chat the visitor sees, inside the iframe the loader creates. Rendered on
//! the server (it paints before any WASM arrives), then hydrated: it finds the visitor by the
//! token in this origin's storage, loads their conversations, and goes live on `/ws/visitor`.
//! It follows the browser's language (no cookie, so an agent's choice never leaks into it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::widget_inbox;
use crate::i18n::*;
use crate::live::Draft;
use crate::live::WidgetData;
use crate::ui::composer::{Composer, UploadTarget};
use crate::ui::errors::code_text;
use crate::ui::outgoing::Outgoing;
use crate::ui::timeline::{FileToken, Timeline, Viewer};

/// What the widget learns once the visitor is known.
#[derive(Clone, Default, PartialEq)]
pub struct Visitor {
    /// Their secret token (files are fetched with it).
    pub token: Option<String>,
    /// What the inbox accepts as files.
    pub files: Option<crate::model::FilePolicy>,
    /// Whether agents see what the visitor types.
    pub typing_preview: bool,
}

/// The widget page.
#[component]
pub fn WidgetPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let inbox = Resource::new(key, widget_inbox);
    view! {
        <I18nContextProvider enable_cookie=false>
            <div class="widget">
                <Suspense>
                    {move || Suspend::new(async move {
                        match inbox.await {
                            Ok(name) => view! { <Widget key=key() name /> }.into_any(),
                            Err(_) => view! { <Unavailable /> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </I18nContextProvider>
    }
}

#[component]
fn Unavailable() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="notice" role="alert">{t!(i18n, widget_unavailable)}</p> }
}

#[component]
fn Widget(key: String, name: String) -> impl IntoView {
    let i18n = use_i18n();
    let data = RwSignal::new(WidgetData::default());
    let loaded = RwSignal::new(false);
    let online = RwSignal::new(true);
    let problem = RwSignal::new(None::<String>);
    let restarted = RwSignal::new(false);
    let outgoing = Outgoing::new();
    let visitor = RwSignal::new(Visitor::default());
    let typist = RwSignal::new(None::<String>);
    provide_context(FileToken(Signal::derive(move || {
        visitor.with(|v| v.token.clone())
    })));

    #[cfg(feature = "hydrate")]
    live::start(
        key,
        i18n.get_locale_untracked().as_str(),
        live::Parts {
            data,
            loaded,
            online,
            problem,
            outgoing,
            visitor,
            typist,
        },
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = key;

    let ended = move || data.with(WidgetData::ended) && !restarted.get();
    let blocked = move || data.with(|d| d.blocked);
    let on_send = Callback::new(move |draft: Draft| {
        restarted.set(false);
        outgoing.text(None, draft);
    });
    let on_typing = Callback::new(move |(text, _): (String, bool)| {
        let draft = visitor.with_untracked(|v| v.typing_preview).then_some(text);
        outgoing.typing(None, draft, false);
    });
    let upload = Signal::derive(move || {
        visitor.with(|v| {
            v.token
                .clone()
                .zip(v.files.clone())
                .map(|(token, policy)| UploadTarget {
                    url: "/files".into(),
                    bearer: Some(token),
                    policy,
                })
        })
    });
    let on_retry = Callback::new(move |client_id: String| outgoing.retry(client_id));
    let title = name.clone();
    view! {
        <Title text=title />
        <header class="widget-header">
            <div>
                <h1>{name}</h1>
                <p class="subtitle">{t!(i18n, widget_team)}</p>
            </div>
            <button
                type="button"
                class="icon"
                aria-label=move || t_string!(i18n, widget_minimize).to_string()
                on:click=move |_| {
                    #[cfg(feature = "hydrate")]
                    crate::ui::browser::post_to_host("switchboard:minimize");
                }
            >
                "–"
            </button>
        </header>
        <Show when=move || !online.get()>
            <p class="banner" role="status">{t!(i18n, reconnecting)}</p>
        </Show>
        <p class="welcome">{t!(i18n, widget_welcome)}</p>
        <Timeline
            messages=Signal::derive(move || data.with(WidgetData::timeline))
            pending=Signal::derive(move || data.with(|d| d.outbox.items.clone()))
            viewer=Viewer::Visitor
            on_retry
            seen=Signal::derive(move || data.with(WidgetData::seen))
        />
        <p class="typing" aria-live="polite">
            {move || typist.get().map(|name| t_string!(i18n, typing_colleague, name = name).to_string())}
        </p>
        {move || {
            problem
                .get()
                .filter(|code| code != "blocked")
                .map(|code| view! { <p class="error" role="alert">{code_text(i18n, &code)}</p> })
        }}
        {move || blocked().map(|notice| {
            let until = notice.until.map(|at| {
                t_string!(i18n, widget_blocked_until, date = crate::ui::clock::date_time(i18n, at)).to_string()
            });
            view! {
                <div class="blocked" role="alert">
                    <p>{t!(i18n, widget_blocked)}</p>
                    {until.map(|text| view! { <p>{text}</p> })}
                </div>
            }
        })}
        <Show
            when=move || !ended() && blocked().is_none()
            fallback=move || {
                blocked().is_none().then(|| view! {
                    <div class="ended" role="status">
                        <p>{t!(i18n, widget_ended)}</p>
                        <button type="button" on:click=move |_| restarted.set(true)>
                            {t!(i18n, widget_new_chat)}
                        </button>
                    </div>
                })
            }
        >
            <Composer
                label=Signal::derive(move || t_string!(i18n, widget_message_label).to_string())
                on_send
                on_typing
                upload
                disabled=Signal::derive(move || !loaded.get())
            />
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use super::Visitor;
    use crate::api::widget_start;
    use crate::live::WidgetData;
    use crate::protocol::{ClientFrame, ServerFrame};
    use crate::ui::browser::{self, LiveSocket};
    use crate::ui::outgoing::Outgoing;

    /// How long an agent's typing notice shows without a new one, in milliseconds.
    const TYPING_SHOWN_MS: u32 = 4_000;

    /// The widget's reactive state, as the live part fills it.
    pub struct Parts {
        /// The visitor's conversations and messages.
        pub data: RwSignal<WidgetData>,
        /// Whether the snapshot has arrived (the composer waits for it).
        pub loaded: RwSignal<bool>,
        /// Whether the socket is connected.
        pub online: RwSignal<bool>,
        /// The last error code to show.
        pub problem: RwSignal<Option<String>>,
        /// What the page wants sent on its socket.
        pub outgoing: Outgoing,
        /// The visitor's token and their inbox's file policy and preview setting.
        pub visitor: RwSignal<Visitor>,
        /// The agent typing a reply now, by name.
        pub typist: RwSignal<Option<String>>,
    }

    fn token_key(key: &str) -> String {
        format!("switchboard.visitor.{key}")
    }

    /// Loads the visitor's snapshot, then connects the socket and the send pump; reports what
    /// the visitor has read while the chat is open and on screen.
    pub fn start(key: String, locale: &'static str, parts: Parts) {
        let Parts {
            data,
            loaded,
            online,
            problem,
            outgoing,
            visitor,
            typist,
        } = parts;
        let socket = StoredValue::new_local(None::<LiveSocket>);
        browser::pump(outgoing, socket, data);
        let shown = RwSignal::new(true);
        let visible = RwSignal::new(crate::ui::alerts::page_visible());
        crate::ui::alerts::on_visibility_change(move |v| visible.set(v));
        listen_to_host(shown);
        // The newest message of the team's, once on screen, is read (told again after every
        // reconnect: a frame sent before the socket was ready is lost).
        let reported = StoredValue::new(0i64);
        let ready = RwSignal::new(false);
        Effect::new(move |_| {
            if !(shown.get() && visible.get() && ready.get() && online.get()) {
                return;
            }
            if let Some(up_to) = data.with(WidgetData::newest_unread_from_team)
                && reported.get_value() < up_to
            {
                reported.set_value(up_to);
                outgoing.frame(ClientFrame::Read { up_to });
            }
        });
        leptos::task::spawn_local(async move {
            let stored = browser::storage_get(&token_key(&key));
            let snapshot =
                match widget_start(key.clone(), stored.clone(), Some(locale.to_owned())).await {
                    Ok(snapshot) => snapshot,
                    Err(e) => {
                        problem.set(Some(e.code().to_owned()));
                        return;
                    }
                };
            let token = match (&snapshot.new_token, stored) {
                (Some(new), _) => {
                    browser::storage_set(&token_key(&key), new);
                    new.clone()
                }
                (None, Some(stored)) => stored,
                (None, None) => return,
            };
            visitor.set(Visitor {
                token: Some(token.clone()),
                files: Some(snapshot.files.clone()),
                typing_preview: snapshot.typing_preview,
            });
            let mut start = WidgetData::from_snapshot(
                snapshot.conversations,
                snapshot.messages,
                snapshot.last_event_id,
            );
            start.blocked = snapshot.blocked;
            data.set(start);
            loaded.set(true);
            let hooks =
                browser::store_hooks(data, Some(token), online, problem, move |frame, _| {
                    if matches!(frame, ServerFrame::Ready { .. }) {
                        reported.set_value(0);
                        ready.set(true);
                    }
                    on_frame(typist, data, frame);
                });
            socket.set_value(Some(LiveSocket::connect("/ws/visitor", hooks)));
        });
    }

    fn on_frame(typist: RwSignal<Option<String>>, data: RwSignal<WidgetData>, frame: &ServerFrame) {
        match frame {
            // Refused as blocked (an IP block the widget was not told about): say so.
            ServerFrame::Refused { code, .. } if code == "blocked" => data.update(|d| {
                d.blocked
                    .get_or_insert(crate::api::BlockNotice { until: None });
            }),
            ServerFrame::Typing { agent, .. } => {
                typist.set(Some(agent.name.clone()));
                let stamp = js_sys::Date::now();
                LAST_TYPING.with(|last| last.set(stamp));
                gloo_timers::callback::Timeout::new(TYPING_SHOWN_MS, move || {
                    if LAST_TYPING.with(std::cell::Cell::get) == stamp {
                        typist.set(None);
                    }
                })
                .forget();
            }
            ServerFrame::Event {
                event: crate::protocol::Event::MessagePosted { message },
                ..
            } if matches!(message.author, crate::model::Author::Agent { .. }) => typist.set(None),
            _ => {}
        }
    }

    thread_local! {
        /// When the newest typing notice arrived.
        static LAST_TYPING: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    }

    /// The loader says when the chat is shown or hidden on the page.
    fn listen_to_host(shown: RwSignal<bool>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let kind = js_sys::Reflect::get(&event.data(), &"type".into())
                    .ok()
                    .and_then(|v| v.as_string());
                match kind.as_deref() {
                    Some("switchboard:shown") => shown.set(true),
                    Some("switchboard:hidden") => shown.set(false),
                    _ => {}
                }
            },
        );
        let _ =
            window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        listener.forget();
    }
}
