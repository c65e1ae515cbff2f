//! The HTML shell, the routes, and what every agent page shares (language, top bar).

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::{Lazy, SsrMode, path};

use crate::i18n::*;
use crate::model::{Me, Role};
use crate::ui::admin::AdminRoute;
use crate::ui::auth_pages::{SetupPage, SignInPage};
use crate::ui::chat_logs::ChatLogsRoute;
use crate::ui::contacts_page::{ContactRoute, ContactsRoute};
use crate::ui::log_page::LogRoute;
use crate::ui::settings::SettingsRoute;
use crate::ui::tickets_page::{TicketRoute, TicketsRoute};
use crate::ui::workspace::WorkspacePage;

/// The document around every page, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: one route per page. The workspace, sign-in and setup are in the main
/// bundle; the pages agents open rarely are lazy routes, each fetched on first use.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/") view=WorkspacePage ssr=SsrMode::Async />
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                <Route path=path!("/login") view=SignInPage ssr=SsrMode::Async />
                <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/conversations/:id/log") view={Lazy::<LogRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/history") view={Lazy::<ChatLogsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/tickets") view={Lazy::<TicketsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/tickets/:id") view={Lazy::<TicketRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/contacts") view={Lazy::<ContactsRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/contacts/:id") view={Lazy::<ContactRoute>::new()} ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

/// The language context of agent pages: the agent's choice is kept in a cookie.
#[component]
pub fn AgentLanguage(children: Children) -> impl IntoView {
    view! {
        <I18nContextProvider cookie_name="switchboard_lang">{children()}</I18nContextProvider>
    }
}

/// An agent page: people who are not signed in go to sign-in (or to setup on a new server),
/// non-admins are sent back from admin pages; the signed-in agent gets `page`, in their
/// language.
#[component]
pub fn AgentPage<F, V>(
    /// The page for the signed-in agent.
    page: F,
    /// Admins only.
    #[prop(optional)]
    admin_only: bool,
) -> impl IntoView
where
    F: Fn(Me) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    use crate::api::{SignInState, who_is_here};
    use leptos_router::components::Redirect;
    let presence = Resource::new(|| (), |_| who_is_here());
    view! {
        <AgentLanguage>
            <Suspense>
                {move || {
                    let page = page.clone();
                    Suspend::new(async move {
                        match presence.await {
                            Ok(SignInState::SignedIn(me)) if admin_only && me.role != Role::Admin => {
                                view! { <Redirect path="/" /> }.into_any()
                            }
                            Ok(SignInState::SignedIn(me)) => page(me).into_any(),
                            Ok(SignInState::NeedsSetup) => view! { <Redirect path="/setup" /> }.into_any(),
                            _ => view! { <Redirect path="/login" /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </AgentLanguage>
    }
}

/// The agent's language picker.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev: leptos::ev::Event| {
        let locale = match event_target_value(&ev).as_str() {
            "es" => Locale::es,
            _ => Locale::en,
        };
        i18n.set_locale(locale);
    };
    view! {
        <label class="language">
            {t!(i18n, language)}
            <select on:change=on_change prop:value=move || i18n.get_locale().as_str()>
                <option value="en" selected=move || i18n.get_locale() == Locale::en>
                    {t!(i18n, lang_en)}
                </option>
                <option value="es" selected=move || i18n.get_locale() == Locale::es>
                    {t!(i18n, lang_es)}
                </option>
            </select>
        </label>
    }
}

/// The bar at the top of agent pages: who is signed in, navigation, language, sign out.
#[component]
pub fn TopBar(
    /// The signed-in agent.
    me: Me,
    /// The workspace counter, shown on the workspace link (the workspace passes it).
    #[prop(optional, into)]
    attention: Option<Signal<usize>>,
    /// Page-specific controls (the workspace's presence and notification switches).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = ServerAction::<crate::api::SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            #[cfg(feature = "hydrate")]
            crate::ui::browser::go("/login");
        }
    });
    let is_admin = me.role == Role::Admin;
    view! {
        <header class="topbar">
            <strong class="brand">{t!(i18n, app_name)}</strong>
            <nav class="topnav">
                <A href="/">
                    {t!(i18n, workspace_link)}
                    {move || {
                        attention
                            .map(|count| count.get())
                            .filter(|count| *count > 0)
                            .map(|count| {
                                view! {
                                    <span class="badge attention" title=move || t_string!(i18n, attention_label, count = count).to_string()>
                                        {count}
                                    </span>
                                }
                            })
                    }}
                </A>
                <A href="/tickets">{t!(i18n, tickets_link)}</A>
                <A href="/history">{t!(i18n, history_link)}</A>
                <A href="/contacts">{t!(i18n, contacts_link)}</A>
                <A href="/settings">{t!(i18n, settings_link)}</A>
                <Show when=move || is_admin>
                    <A href="/admin">{t!(i18n, admin_link)}</A>
                </Show>
            </nav>
            {children.map(|children| children())}
            <span class="me">{me.name.clone()}</span>
            <LanguagePicker />
            <button type="button" on:click=move |_| { sign_out.dispatch(crate::api::SignOut {}); }>
                {t!(i18n, sign_out)}
            </button>
        </header>
    }
}

/// Shown for any address that is not a page.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <AgentLanguage>
            <NotFoundBody />
        </AgentLanguage>
    }
}

#[component]
fn NotFoundBody() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, not_found_title).to_string() />
        <main class="narrow">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_text)}</p>
            <A href="/">{t!(i18n, back_home)}</A>
        </main>
    }
}

/// The page's `:id` route parameter; 0 when it is missing or not a number, which the server
/// then answers with "not found".
pub fn id_param() -> i64 {
    use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
        .unwrap_or(0)
}
