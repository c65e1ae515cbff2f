//! My settings → API tokens: the agent makes a personal access token for another system
//! (read only, or read and write), copies its secret once, and revokes tokens they no longer
//! use.

use leptos::prelude::*;

use crate::api::{CreateApiToken, RevokeApiToken, load_api_tokens};
use crate::api_tokens::TokenScope;
use crate::i18n::*;
use crate::ui::clock;
use crate::ui::errors::ErrorNote;

/// The agent's tokens and the form that makes one.
#[component]
pub fn ApiTokens() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| load_api_tokens(),
    );
    let name = RwSignal::new(String::new());
    let scope = RwSignal::new("read".to_owned());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateApiToken {
            name: name.get_untracked(),
            scope: scope.get_untracked(),
        });
    };
    // The secret of the token just made: shown until the next one, or until a token is
    // revoked.
    let revealed = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(made)) = create.value().get() {
            revealed.set(Some(made.secret));
        }
    });
    Effect::new(move |_| {
        if revoke.version().get() > 0 {
            revealed.set(None);
        }
    });
    let secret = move || revealed.get();
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
        }
    });
    view! {
        <section aria-labelledby="api-tokens-heading">
            <h2 id="api-tokens-heading">{t!(i18n, api_tokens_heading)}</h2>
            <p>{t!(i18n, api_tokens_intro)} " " <a href="/api/v1/reference" rel="external">{t!(i18n, api_reference_link)}</a></p>
            {move || secret().map(|secret| view! {
                <div class="token-secret" role="status">
                    <label>
                        {t!(i18n, api_token_copy_now)}
                        <input type="text" readonly class="secret" prop:value=secret on:focus=move |ev| select_all(&ev) />
                    </label>
                </div>
            })}
            <Transition>
                {move || Suspend::new(async move {
                    tokens.await.map(|tokens| {
                        if tokens.is_empty() {
                            return view! { <p>{t!(i18n, api_tokens_none)}</p> }.into_any();
                        }
                        view! {
                            <ul class="templates" aria-labelledby="api-tokens-heading">
                                {tokens
                                    .into_iter()
                                    .map(|token| {
                                        let id = token.id;
                                        let title = token.name.clone();
                                        let revoke_label = move || t_string!(i18n, api_token_revoke, name = title.clone()).to_string();
                                        let scope = token.scope;
                                        let created = token.created_at;
                                        let used = token.last_used_at;
                                        view! {
                                            <li>
                                                <strong>{token.name.clone()}</strong>
                                                " · "
                                                {move || match scope {
                                                    TokenScope::Read => t_string!(i18n, api_scope_read).to_string(),
                                                    TokenScope::Write => t_string!(i18n, api_scope_write).to_string(),
                                                }}
                                                <p class="hint">
                                                    {move || t_string!(i18n, api_token_made, when = clock::date_time(i18n, created)).to_string()}
                                                    " · "
                                                    {move || match used {
                                                        Some(at) => t_string!(i18n, api_token_used, when = clock::date_time(i18n, at)).to_string(),
                                                        None => t_string!(i18n, api_token_never_used).to_string(),
                                                    }}
                                                </p>
                                                <button type="button" class="danger" aria-label=revoke_label on:click=move |_| { revoke.dispatch(RevokeApiToken { id }); }>
                                                    {t!(i18n, api_token_revoke_button)}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    })
                })}
            </Transition>
            <form class="token-form" on:submit=submit>
                <label>
                    {t!(i18n, api_token_name)}
                    <input type="text" required maxlength="60" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <fieldset>
                    <legend>{t!(i18n, api_token_scope)}</legend>
                    <label class="check">
                        <input type="radio" name="token-scope" value="read" prop:checked=move || scope.get() == "read" on:change=move |_| scope.set("read".to_owned()) />
                        {t!(i18n, api_scope_read)}
                    </label>
                    <label class="check">
                        <input type="radio" name="token-scope" value="write" prop:checked=move || scope.get() == "write" on:change=move |_| scope.set("write".to_owned()) />
                        {t!(i18n, api_scope_write)}
                    </label>
                </fieldset>
                <button type="submit" disabled=move || create.pending().get()>{t!(i18n, api_token_create)}</button>
            </form>
            <ErrorNote error=Signal::derive(move || create.value().get().and_then(Result::err)) />
            <ErrorNote error=Signal::derive(move || revoke.value().get().and_then(Result::err)) />
        </section>
    }
}

/// Selects a field's whole text (a secret shown once, ready to copy).
pub fn select_all(ev: &leptos::ev::FocusEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}
