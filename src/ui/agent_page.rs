//! What every agent page shares: the sign-in check, the agent's language, the top bar with
//! its navigation, and the page's `:id`.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::i18n::*;
use crate::model::{Me, Role};

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
        // A transition: pages read resources later, which must not take the page away.
        <AgentLanguage>
            <Transition>
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
            </Transition>
        </AgentLanguage>
    }
}

/// The agent's language picker.
#[component]
pub fn LanguagePicker(
    /// In the top bar: the label is read out but not shown (the choices say what it is).
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
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
            <span class:visually-hidden=compact>{t!(i18n, language)}</span>
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
    let sees_reports = me.role != Role::Operator;
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
                <Show when=move || sees_reports>
                    <A href="/reports">{t!(i18n, reports_link)}</A>
                </Show>
                <A href="/settings">{t!(i18n, settings_link)}</A>
                <Show when=move || is_admin>
                    <A href="/admin">{t!(i18n, admin_link)}</A>
                </Show>
            </nav>
            <span class="me">{me.name.clone()}</span>
            <LanguagePicker compact=true />
            <button type="button" on:click=move |_| { sign_out.dispatch(crate::api::SignOut {}); }>
                {t!(i18n, sign_out)}
            </button>
        </header>
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
