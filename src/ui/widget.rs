//! `/widget/:key`: the chat the visitor sees, inside the iframe the loader creates. Rendered on
//! the server (it paints before any WASM arrives), then hydrated: it finds the visitor by the
//! token in this origin's storage, loads their conversations, and goes live on `/ws/visitor`.
//! It follows the browser's language (no cookie, so an agent's choice never leaks into it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::widget_inbox;
use crate::i18n::*;
use crate::live::WidgetData;
use crate::ui::composer::Composer;
use crate::ui::errors::code_text;
use crate::ui::outgoing::Outgoing;
use crate::ui::timeline::{Timeline, Viewer};

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

    #[cfg(feature = "hydrate")]
    live::start(key, data, loaded, online, problem, outgoing);
    #[cfg(not(feature = "hydrate"))]
    let _ = key;

    let ended = move || data.with(WidgetData::ended) && !restarted.get();
    let on_send = Callback::new(move |body: String| {
        restarted.set(false);
        outgoing.text(None, body);
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
        />
        {move || problem.get().map(|code| view! { <p class="error" role="alert">{code_text(i18n, &code)}</p> })}
        <Show
            when=move || !ended()
            fallback=move || {
                view! {
                    <div class="ended" role="status">
                        <p>{t!(i18n, widget_ended)}</p>
                        <button type="button" on:click=move |_| restarted.set(true)>
                            {t!(i18n, widget_new_chat)}
                        </button>
                    </div>
                }
            }
        >
            <Composer
                label=Signal::derive(move || t_string!(i18n, widget_message_label).to_string())
                on_send
                disabled=Signal::derive(move || !loaded.get())
            />
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;

    use crate::api::widget_start;
    use crate::live::WidgetData;
    use crate::ui::browser::{self, LiveSocket};
    use crate::ui::outgoing::Outgoing;

    fn token_key(key: &str) -> String {
        format!("switchboard.visitor.{key}")
    }

    /// Loads the visitor's snapshot, then connects the socket and the send pump.
    pub fn start(
        key: String,
        data: RwSignal<WidgetData>,
        loaded: RwSignal<bool>,
        online: RwSignal<bool>,
        problem: RwSignal<Option<String>>,
        outgoing: Outgoing,
    ) {
        let socket = StoredValue::new_local(None::<LiveSocket>);
        browser::pump(outgoing, socket, data);
        leptos::task::spawn_local(async move {
            let stored = browser::storage_get(&token_key(&key));
            let snapshot = match widget_start(key.clone(), stored.clone()).await {
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
            data.set(WidgetData::from_snapshot(
                snapshot.conversations,
                snapshot.messages,
                snapshot.last_event_id,
            ));
            loaded.set(true);
            let hooks = browser::store_hooks(data, Some(token), online, problem, |_, _| {});
            socket.set_value(Some(LiveSocket::connect("/ws/visitor", hooks)));
        });
    }
}
