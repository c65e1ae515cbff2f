//! An inbox's event webhooks on its admin page: the endpoints (each with the events it
//! receives), a form adding one (its signing secret shown once), and the delivery log with
//! each delivery's status, attempts and last error, and a button sending it again.

use leptos::prelude::*;

use crate::api::{
    AddWebhookEndpoint, LoadWebhookEndpoints, RemoveWebhookEndpoint, ResendWebhookDelivery,
    WebhookDeliveries,
};
use crate::i18n::*;
use crate::ui::api_tokens::select_all;
use crate::ui::clock;
use crate::ui::errors::ErrorNote;
use crate::webhooks::{DeliveryStatus, Topic, WebhookEndpoint};

/// The section.
#[component]
pub fn EventWebhooks(
    /// The inbox.
    inbox_id: i64,
    /// Its endpoints as the page loaded them.
    endpoints: Vec<WebhookEndpoint>,
) -> impl IntoView {
    let i18n = use_i18n();
    let endpoints = RwSignal::new(endpoints);
    let add = ServerAction::<AddWebhookEndpoint>::new();
    let remove = ServerAction::<RemoveWebhookEndpoint>::new();
    // The page's list may be older than what is kept (the admin pages load once): read again
    // once the page is live.
    let fresh = ServerAction::<LoadWebhookEndpoints>::new();
    Effect::new(move |_| {
        fresh.dispatch(LoadWebhookEndpoints { inbox_id });
    });
    Effect::new(move |_| {
        if let Some(Ok(list)) = fresh.value().get() {
            endpoints.set(list);
        }
    });
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Topic>::new());
    // The endpoint just added and its secret, shown until it is removed.
    let revealed = RwSignal::new(None::<(i64, String)>);
    // The endpoint whose removal waits for a confirmation, then the one being removed.
    let confirming = RwSignal::new(None::<i64>);
    let removing = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if let Some(Ok(made)) = add.value().get() {
            revealed.set(Some((made.endpoint.id, made.secret)));
            endpoints.update(|list| {
                if !list.iter().any(|e| e.id == made.endpoint.id) {
                    list.push(made.endpoint);
                }
            });
            url.set(String::new());
            chosen.set(Vec::new());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get()
            && let Some(id) = removing.get_untracked()
        {
            endpoints.update(|list| list.retain(|e| e.id != id));
            if revealed
                .get_untracked()
                .is_some_and(|(shown, _)| shown == id)
            {
                revealed.set(None);
            }
            removing.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddWebhookEndpoint {
            inbox_id,
            url: url.get_untracked(),
            events: chosen
                .get_untracked()
                .into_iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
        });
    };
    let heading_id = format!("event-webhooks-{inbox_id}");
    let labelled_by = heading_id.clone();
    let choice = move |topic: Topic| {
        view! {
            <label class="check">
                <input
                    type="checkbox"
                    value=topic.as_str()
                    prop:checked=move || chosen.get().contains(&topic)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|list| {
                            list.retain(|t| *t != topic);
                            if on {
                                list.push(topic);
                            }
                        });
                    }
                />
                <code>{topic.as_str()}</code>
                " "
                <span class="hint">{move || topic_text(i18n, topic)}</span>
            </label>
        }
    };
    view! {
        <section class="event-webhooks" aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, event_webhooks_heading)}</h4>
            <p class="hint">{t!(i18n, event_webhooks_intro)}</p>
            {move || revealed.get().map(|(_, secret)| view! {
                <div class="token-secret" role="status">
                    <label>
                        {t!(i18n, event_webhook_secret_copy_now)}
                        <input type="text" readonly class="secret" prop:value=secret on:focus=move |ev| select_all(&ev) />
                    </label>
                </div>
            })}
            {move || {
                let list = endpoints.get();
                if list.is_empty() {
                    return view! { <p>{t!(i18n, event_webhooks_none)}</p> }.into_any();
                }
                view! {
                    <ul class="endpoints">
                        {list
                            .into_iter()
                            .map(|endpoint| {
                                let id = endpoint.id;
                                let address = endpoint.url.clone();
                                let remove_label = move || {
                                    t_string!(i18n, event_webhook_remove, url = address.clone()).to_string()
                                };
                                let topics = endpoint
                                    .topics
                                    .iter()
                                    .map(|t| t.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                let confirm_label = {
                                    let address = endpoint.url.clone();
                                    move || {
                                        t_string!(i18n, event_webhook_remove_confirm, url = address.clone()).to_string()
                                    }
                                };
                                view! {
                                    <li>
                                        <code class="url">{endpoint.url.clone()}</code>
                                        <p class="hint">{topics}</p>
                                        <Show
                                            when=move || confirming.get() == Some(id)
                                            fallback=move || view! {
                                                <button
                                                    type="button"
                                                    class="danger"
                                                    aria-label=remove_label.clone()
                                                    on:click=move |_| confirming.set(Some(id))
                                                >
                                                    {t!(i18n, event_webhook_remove_button)}
                                                </button>
                                            }
                                        >
                                            <div class="confirm" role="group" aria-label=confirm_label.clone()>
                                                <p>{t!(i18n, event_webhook_remove_question)}</p>
                                                <button
                                                    type="button"
                                                    class="danger"
                                                    disabled=move || remove.pending().get()
                                                    on:click=move |_| {
                                                        confirming.set(None);
                                                        removing.set(Some(id));
                                                        remove.dispatch(RemoveWebhookEndpoint { id });
                                                    }
                                                >
                                                    {t!(i18n, event_webhook_remove_yes)}
                                                </button>
                                                <button type="button" on:click=move |_| confirming.set(None)>
                                                    {t!(i18n, event_webhook_remove_keep)}
                                                </button>
                                            </div>
                                        </Show>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <ErrorNote error=Signal::derive(move || remove.value().get().and_then(Result::err)) />
            <form class="endpoint-form" on:submit=submit>
                <label>
                    {t!(i18n, event_webhook_url)}
                    <input
                        type="url"
                        required
                        placeholder="https://crm.example.com/hooks/switchboard"
                        prop:value=url
                        on:input=move |ev| url.set(event_target_value(&ev))
                    />
                </label>
                <fieldset>
                    <legend>{t!(i18n, event_webhook_events)}</legend>
                    {Topic::ALL.into_iter().map(choice).collect_view()}
                </fieldset>
                <ErrorNote error=Signal::derive(move || add.value().get().and_then(Result::err)) />
                <button type="submit" disabled=move || add.pending().get()>
                    {t!(i18n, event_webhook_add)}
                </button>
            </form>
            <DeliveryLog inbox_id removed=Signal::derive(move || remove.version().get()) />
        </section>
    }
}

/// The newest deliveries, loaded when asked, and again once shown after one is sent again or
/// an endpoint is removed (its deliveries leave the log).
#[component]
fn DeliveryLog(inbox_id: i64, removed: Signal<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let load = ServerAction::<WebhookDeliveries>::new();
    let resend = ServerAction::<ResendWebhookDelivery>::new();
    Effect::new(move |_| {
        let resent = matches!(resend.value().get(), Some(Ok(_)));
        let removals = removed.get();
        if (resent || removals > 0) && load.value().get_untracked().is_some() {
            load.dispatch(WebhookDeliveries { inbox_id });
        }
    });
    let heading_id = format!("deliveries-{inbox_id}");
    let labelled_by = heading_id.clone();
    view! {
        <div class="delivery-log">
            <h5 id=heading_id>{t!(i18n, event_webhook_deliveries)}</h5>
            <button type="button" disabled=move || load.pending().get() on:click=move |_| {
                load.dispatch(WebhookDeliveries { inbox_id });
            }>
                {move || if load.value().get().is_some() {
                    t_string!(i18n, event_webhook_deliveries_refresh).to_string()
                } else {
                    t_string!(i18n, event_webhook_deliveries_show).to_string()
                }}
            </button>
            <ErrorNote error=Signal::derive(move || load.value().get().and_then(Result::err)) />
            <ErrorNote error=Signal::derive(move || resend.value().get().and_then(Result::err)) />
            {move || load.value().get().and_then(Result::ok).map(|deliveries| {
                if deliveries.is_empty() {
                    return view! { <p>{t!(i18n, event_webhook_deliveries_none)}</p> }.into_any();
                }
                view! {
                    <table class="data deliveries" aria-labelledby=labelled_by.clone()>
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, event_webhook_col_when)}</th>
                                <th scope="col">{t!(i18n, event_webhook_col_event)}</th>
                                <th scope="col">{t!(i18n, event_webhook_col_status)}</th>
                                <th scope="col">{t!(i18n, event_webhook_col_actions)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {deliveries
                                .into_iter()
                                .map(|delivery| {
                                    let id = delivery.id;
                                    let status = delivery.status;
                                    let created = delivery.created_at;
                                    let attempts = delivery.attempts;
                                    let resend_label = move || {
                                        t_string!(i18n, event_webhook_resend, id = id).to_string()
                                    };
                                    view! {
                                        <tr>
                                            <td>{move || clock::date_time(i18n, created)}</td>
                                            <td>
                                                <code>{delivery.topic.as_str()}</code>
                                                <span class="hint url">{delivery.url.clone()}</span>
                                            </td>
                                            <td>
                                                <span class=format!("status {}", status_class(status))>{move || status_text(i18n, status)}</span>
                                                {(attempts > 0).then(|| view! {
                                                    <span class="hint">{move || t_string!(i18n, event_webhook_attempts, count = attempts).to_string()}</span>
                                                })}
                                                {delivery.last_error.clone().map(|error| view! { <span class="hint">{error}</span> })}
                                            </td>
                                            <td>
                                                <button type="button" aria-label=resend_label disabled=move || resend.pending().get() on:click=move |_| {
                                                    resend.dispatch(ResendWebhookDelivery { id });
                                                }>
                                                    {t!(i18n, event_webhook_resend_button)}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            })}
        </div>
    }
}

fn status_class(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Waiting => "waiting",
        DeliveryStatus::Retrying => "retrying",
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Failed => "failed",
    }
}

fn status_text(i18n: leptos_i18n::I18nContext<Locale>, status: DeliveryStatus) -> String {
    match status {
        DeliveryStatus::Waiting => t_string!(i18n, delivery_waiting),
        DeliveryStatus::Retrying => t_string!(i18n, delivery_retrying),
        DeliveryStatus::Delivered => t_string!(i18n, delivery_delivered),
        DeliveryStatus::Failed => t_string!(i18n, delivery_failed),
    }
    .to_string()
}

fn topic_text(i18n: leptos_i18n::I18nContext<Locale>, topic: Topic) -> String {
    match topic {
        Topic::ConversationCreated => t_string!(i18n, topic_conversation_created),
        Topic::ConversationAssigned => t_string!(i18n, topic_conversation_assigned),
        Topic::ConversationClosed => t_string!(i18n, topic_conversation_closed),
        Topic::MessageCreated => t_string!(i18n, topic_message_created),
        Topic::VisitorUpdated => t_string!(i18n, topic_visitor_updated),
        Topic::TicketCreated => t_string!(i18n, topic_ticket_created),
        Topic::TicketUpdated => t_string!(i18n, topic_ticket_updated),
        Topic::RatingCreated => t_string!(i18n, topic_rating_created),
    }
    .to_string()
}
