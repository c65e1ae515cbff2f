//! The ticket webhook of an inbox on the admin page: address and signing secret.

use leptos::prelude::*;

use crate::api::{SetWebhook, Webhook};
use crate::i18n::*;
use crate::ui::errors::ErrorNote;

/// Where an inbox's new tickets are posted, and the secret their signature is made with.
#[component]
pub fn WebhookForm(
    /// The inbox.
    inbox_id: i64,
    /// Its webhook, if it has one.
    webhook: Option<Webhook>,
) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SetWebhook>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let url = RwSignal::new(webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default());
    let current = Signal::derive(move || match save.value().get() {
        Some(Ok(saved)) => saved,
        _ => webhook.clone(),
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SetWebhook {
            inbox_id,
            url: url.get_untracked(),
        });
    };
    view! {
        <form class="webhook" on:submit=submit>
            <h4>{t!(i18n, webhook_heading)}</h4>
            <p class="note">{t!(i18n, webhook_explained)}</p>
            <label>
                {t!(i18n, field_webhook_url)}
                <input type="url" placeholder="https://helpdesk.example.com/hooks/switchboard" prop:value=url on:input=move |ev| url.set(event_target_value(&ev)) />
            </label>
            {move || current.get().map(|hook| view! {
                <label>
                    {t!(i18n, webhook_secret)}
                    <input type="text" readonly prop:value=hook.secret />
                </label>
            })}
            <button type="submit" disabled=move || save.pending().get()>{t!(i18n, webhook_save)}</button>
            <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                <p class="note" role="status">{t!(i18n, webhook_saved)}</p>
            </Show>
            <ErrorNote error />
        </form>
    }
}
