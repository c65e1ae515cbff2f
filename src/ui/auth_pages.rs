//! The first-run setup page and the sign-in page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::{SetupAdmin, SignIn, SignInState, who_is_here};
use crate::i18n::*;
use crate::ui::agent_page::{AgentLanguage, LanguagePicker};
use crate::ui::errors::ErrorNote;

/// `/setup`: creates the first admin; only while no agent exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let presence = Resource::new(|| (), |_| who_is_here());
    view! {
        <AgentLanguage>
            <Suspense>
                {move || Suspend::new(async move {
                    match presence.await {
                        Ok(SignInState::NeedsSetup) => view! { <SetupForm /> }.into_any(),
                        Ok(SignInState::SignedIn(_)) => view! { <Redirect path="/" /> }.into_any(),
                        _ => view! { <Redirect path="/login" /> }.into_any(),
                    }
                })}
            </Suspense>
        </AgentLanguage>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetupAdmin>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    // A server open beyond loopback prints its setup address, with this token, in its log.
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            #[cfg(feature = "hydrate")]
            crate::ui::browser::go("/");
        }
    });
    view! {
        <Title text=move || t_string!(i18n, setup_title).to_string() />
        <main class="narrow card">
            <LanguagePicker />
            <h1>{t!(i18n, setup_title)}</h1>
            <p>{t!(i18n, setup_intro)}</p>
            <ActionForm action>
                <input type="hidden" name="token" value=token />
                <label>
                    {t!(i18n, field_name)}
                    <input type="text" name="name" required autocomplete="name" />
                </label>
                <label>
                    {t!(i18n, field_email)}
                    <input type="email" name="email" required autocomplete="email" />
                </label>
                <label>
                    {t!(i18n, field_password)}
                    <input type="password" name="password" required minlength="8" autocomplete="new-password" />
                </label>
                <ErrorNote error />
                <button type="submit" disabled=move || action.pending().get()>
                    {t!(i18n, setup_submit)}
                </button>
            </ActionForm>
        </main>
    }
}

/// `/login`: signs an agent in.
#[component]
pub fn SignInPage() -> impl IntoView {
    let presence = Resource::new(|| (), |_| who_is_here());
    view! {
        <AgentLanguage>
            <Suspense>
                {move || Suspend::new(async move {
                    match presence.await {
                        Ok(SignInState::NeedsSetup) => view! { <Redirect path="/setup" /> }.into_any(),
                        Ok(SignInState::SignedIn(_)) => view! { <Redirect path="/" /> }.into_any(),
                        _ => view! { <SignInForm /> }.into_any(),
                    }
                })}
            </Suspense>
        </AgentLanguage>
    }
}

#[component]
fn SignInForm() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            #[cfg(feature = "hydrate")]
            crate::ui::browser::go("/");
        }
    });
    view! {
        <Title text=move || t_string!(i18n, sign_in_title).to_string() />
        <main class="narrow card">
            <LanguagePicker />
            <h1>{t!(i18n, sign_in_title)}</h1>
            <ActionForm action>
                <label>
                    {t!(i18n, field_email)}
                    <input type="email" name="email" required autocomplete="username" />
                </label>
                <label>
                    {t!(i18n, field_password)}
                    <input type="password" name="password" required autocomplete="current-password" />
                </label>
                <ErrorNote error />
                <button type="submit" disabled=move || action.pending().get()>
                    {t!(i18n, sign_in_submit)}
                </button>
            </ActionForm>
        </main>
    }
}
