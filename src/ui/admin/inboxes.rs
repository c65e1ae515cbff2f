//! The administration's inboxes: the list (with a form creating one) and each inbox's own
//! page: its name and whether visitors can chat, the snippet to paste into a website, what
//! chats accept, timers, automatic assignment, the ticket webhook, the event webhooks, and
//! deleting it (after typing its name).

use leptos::prelude::*;

use crate::api::{
    CreateInbox, DeleteInbox, SetInboxChatSettings, SetInboxPrivacy, SetInboxTicketTypes,
    SetInboxTimers, UpdateInbox, load_inbox_contents,
};
use crate::i18n::*;
use crate::model::Inbox;
use crate::snapshot::AdminOverview;
use crate::ui::errors::ErrorNote;

use super::AdminActions;
use super::event_webhooks::EventWebhooks;
use super::hours::HoursForm;
use super::look::LookForm;
use super::pre_chat::PreChatForm;
use super::webhook::WebhookForm;

/// Every inbox, each leading to its settings, and a form creating another (which then opens).
#[component]
pub fn InboxesPage(overview: AdminOverview, action: ServerAction<CreateInbox>) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let empty = overview.inboxes.is_empty();
    view! {
        <section aria-labelledby="inboxes-heading">
            <h2 id="inboxes-heading">{t!(i18n, inboxes_heading)}</h2>
            <Show when=move || empty>
                <p class="empty">{t!(i18n, no_inboxes)}</p>
            </Show>
            <ul class="inbox-list">
                {overview
                    .inboxes
                    .into_iter()
                    .map(|inbox| {
                        let off = inbox.disabled;
                        view! {
                            <li>
                                <a href=format!("/admin/inboxes/{}", inbox.id)>{inbox.name}</a>
                                <Show when=move || off>
                                    " " <span class="badge off">{t!(i18n, inbox_off)}</span>
                                </Show>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <h3>{t!(i18n, new_inbox_heading)}</h3>
            <ActionForm action>
                <label>
                    {t!(i18n, field_inbox_name)}
                    <input type="text" name="name" required />
                </label>
                <ErrorNote error />
                <button type="submit">{t!(i18n, create_inbox)}</button>
            </ActionForm>
        </section>
    }
}

/// One inbox's settings on a page of its own.
#[component]
pub fn InboxPage(overview: AdminOverview, id: i64, actions: AdminActions) -> impl IntoView {
    let i18n = use_i18n();
    let Some(inbox) = overview.inboxes.iter().find(|i| i.id == id).cloned() else {
        return view! {
            <section>
                <h2>{t!(i18n, no_such_inbox)}</h2>
                <p><a href="/admin">{t!(i18n, all_inboxes_link)}</a></p>
            </section>
        }
        .into_any();
    };
    let snippet = format!(
        "<script src=\"{}/widget.js\" data-inbox=\"{}\" async></script>",
        overview.site_url, inbox.key,
    );
    let webhook = overview.webhooks.iter().find(|w| w.inbox_id == id).cloned();
    let endpoints: Vec<_> = overview
        .webhook_endpoints
        .iter()
        .filter(|e| e.inbox_id == id)
        .cloned()
        .collect();
    // The widget's settings as kept: its sections each save the whole document from here.
    let widget = StoredValue::new(inbox.widget.clone());
    view! {
        <section class="inbox-settings" aria-labelledby="inbox-heading">
            <p class="crumbs"><a href="/admin">{t!(i18n, all_inboxes_link)}</a></p>
            <h2 id="inbox-heading">{inbox.name.clone()}</h2>
            <GeneralForm inbox=inbox.clone() action=actions.update_inbox />
            <h3>{t!(i18n, snippet_heading)}</h3>
            <p>{t!(i18n, snippet_label)}</p>
            <pre><code>{snippet}</code></pre>
            <ChatSettingsForm inbox=inbox.clone() />
            <TimerForm inbox=inbox.clone() />
            <crate::ui::admin::auto_assign::AutoAssignForm inbox=inbox.clone() />
            <PrivacyForm inbox=inbox.clone() />
            <PreChatForm inbox=inbox.clone() inboxes=overview.inboxes.clone() saved=widget />
            <HoursForm inbox=inbox.clone() saved=widget />
            <LookForm inbox=inbox.clone() saved=widget />
            <TicketTypesForm inbox=inbox.clone() />
            <WebhookForm inbox_id=id webhook />
            <EventWebhooks inbox_id=id endpoints />
            <DeleteSection inbox action=actions.delete_inbox />
        </section>
    }
    .into_any()
}

/// An inbox's name and whether visitors can chat in it.
#[component]
fn GeneralForm(inbox: Inbox, action: ServerAction<UpdateInbox>) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let name = RwSignal::new(inbox.name.clone());
    let on = RwSignal::new(!inbox.disabled);
    let inbox_id = inbox.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(UpdateInbox {
            inbox_id,
            name: name.get_untracked(),
            disabled: !on.get_untracked(),
        });
    };
    view! {
        <form class="inbox-general" on:submit=submit aria-labelledby="inbox-general-heading">
            <h3 id="inbox-general-heading">{t!(i18n, inbox_general_heading)}</h3>
            <label>
                {t!(i18n, field_inbox_name)}
                <input type="text" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev)) />
                {t!(i18n, inbox_chat_on)}
            </label>
            <ErrorNote error />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, inbox_saved)}</p>
            </Show>
            <button type="submit" disabled=move || action.pending().get()>{t!(i18n, save_inbox)}</button>
        </form>
    }
}

/// Deleting an inbox: first what would go, then the name typed as confirmation.
#[component]
fn DeleteSection(inbox: Inbox, action: ServerAction<DeleteInbox>) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let asked = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let inbox_id = inbox.id;
    let contents = Resource::new(
        move || asked.get(),
        move |asked| async move {
            if asked {
                load_inbox_contents(inbox_id).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let name = StoredValue::new(inbox.name.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(DeleteInbox {
            inbox_id,
            confirmation: typed.get_untracked(),
        });
    };
    view! {
        <section class="danger-zone" aria-labelledby="delete-inbox-heading">
            <h3 id="delete-inbox-heading">{t!(i18n, delete_inbox_heading)}</h3>
            <Show
                when=move || asked.get()
                fallback=move || view! {
                    <button type="button" class="danger" on:click=move |_| asked.set(true)>
                        {t!(i18n, delete_inbox_start)}
                    </button>
                }
            >
                <Transition>
                    {
                        move || {
                            let name = name.get_value();
                            Suspend::new(async move {
                                contents.await.ok().flatten().map(|c| {
                                    view! {
                                        <p id="delete-inbox-warning">
                                            {t!(
                                                i18n,
                                                delete_inbox_warning,
                                                name = name.clone(),
                                                conversations = c.conversations,
                                                visitors = c.visitors,
                                                tickets = c.tickets
                                            )}
                                        </p>
                                    }
                                })
                            })
                        }
                    }
                </Transition>
                <form on:submit=submit aria-describedby="delete-inbox-warning">
                    <label>
                        {t!(i18n, delete_inbox_type)}
                        <input type="text" required autocomplete="off" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                    </label>
                    <ErrorNote error />
                    <button type="submit" class="danger" disabled=move || action.pending().get()>
                        {t!(i18n, delete_inbox_button)}
                    </button>
                    <button type="button" on:click=move |_| asked.set(false)>{t!(i18n, cancel)}</button>
                </form>
            </Show>
        </section>
    }
}

/// What an inbox accepts as files, and whether agents see visitors' drafts.
#[component]
fn ChatSettingsForm(inbox: Inbox) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetInboxChatSettings>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let megabytes = RwSignal::new(format!(
        "{}",
        (inbox.files.max_bytes as f64 / 1_048_576.0 * 100.0).round() / 100.0
    ));
    let types = RwSignal::new(inbox.files.allowed_types.clone());
    let preview = RwSignal::new(inbox.typing_preview);
    let inbox_id = inbox.id;
    let heading_id = format!("chat-settings-{inbox_id}");
    let labelled_by = heading_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bytes = megabytes
            .get_untracked()
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .map(|mb| (mb * 1_048_576.0).round() as i64)
            .unwrap_or(0);
        action.dispatch(SetInboxChatSettings {
            inbox_id,
            max_file_bytes: bytes,
            allowed_file_types: types.get_untracked(),
            typing_preview: preview.get_untracked(),
        });
    };
    view! {
        <form class="chat-settings" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, chat_settings_heading)} " · " {inbox.name}</h4>
            <label>
                {t!(i18n, max_file_mb)}
                <input
                    type="number"
                    min="0.001"
                    max="50"
                    step="any"
                    required
                    prop:value=move || megabytes.get()
                    on:input=move |ev| megabytes.set(event_target_value(&ev))
                />
            </label>
            <label>
                {t!(i18n, allowed_types)}
                <input type="text" required prop:value=move || types.get() on:input=move |ev| types.set(event_target_value(&ev)) />
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || preview.get() on:change=move |ev| preview.set(event_target_checked(&ev)) />
                {t!(i18n, typing_preview)}
            </label>
            <ErrorNote error />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, chat_settings_saved)}</p>
            </Show>
            <button type="submit" disabled=move || action.pending().get()>
                {t!(i18n, save_chat_settings)}
            </button>
        </form>
    }
}

/// The query parameters an inbox keeps in the page addresses it records (the fragment never).
#[component]
fn PrivacyForm(inbox: Inbox) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetInboxPrivacy>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let kept = RwSignal::new(inbox.kept_query_params.clone());
    let inbox_id = inbox.id;
    let heading_id = format!("privacy-{inbox_id}");
    let labelled_by = heading_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetInboxPrivacy {
            inbox_id,
            kept_query_params: kept.get_untracked(),
        });
    };
    view! {
        <form class="privacy" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, privacy_heading)} " · " {inbox.name}</h4>
            <label>
                {t!(i18n, kept_query_params)}
                <input
                    type="text"
                    placeholder="utm_*, ref"
                    prop:value=move || kept.get()
                    on:input=move |ev| kept.set(event_target_value(&ev))
                />
            </label>
            <p class="hint">{t!(i18n, kept_query_params_hint)}</p>
            <ErrorNote error />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, privacy_saved)}</p>
            </Show>
            <button type="submit" disabled=move || action.pending().get()>
                {t!(i18n, save_privacy)}
            </button>
        </form>
    }
}

/// The ticket types an inbox offers when a ticket is made in it.
#[component]
fn TicketTypesForm(inbox: Inbox) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetInboxTicketTypes>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let types = RwSignal::new(inbox.ticket_types.clone());
    let inbox_id = inbox.id;
    let heading_id = format!("ticket-types-{inbox_id}");
    let labelled_by = heading_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetInboxTicketTypes {
            inbox_id,
            ticket_types: types.get_untracked(),
        });
    };
    view! {
        <form class="privacy" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, ticket_types_heading)} " · " {inbox.name}</h4>
            <label>
                {t!(i18n, field_ticket_types)}
                <input
                    type="text"
                    placeholder="Question, Request, Complaint"
                    prop:value=move || types.get()
                    on:input=move |ev| types.set(event_target_value(&ev))
                />
            </label>
            <ErrorNote error />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, ticket_types_saved)}</p>
            </Show>
            <button type="submit" disabled=move || action.pending().get()>
                {t!(i18n, save_ticket_types)}
            </button>
        </form>
    }
}

/// An inbox's timers, edited in minutes (decimals allowed, 0 turns a timer off).
#[component]
fn TimerForm(inbox: Inbox) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetInboxTimers>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let minutes = |secs: i64| {
        let value = secs as f64 / 60.0;
        format!("{}", (value * 100.0).round() / 100.0)
    };
    let assignee = RwSignal::new(minutes(inbox.assignee_idle_secs));
    let visitor = RwSignal::new(minutes(inbox.visitor_idle_secs));
    let inbox_id = inbox.id;
    let heading_id = format!("timers-{inbox_id}");
    let labelled_by = heading_id.clone();
    let to_secs = |text: String| -> i64 {
        text.trim()
            .replace(',', ".")
            .parse::<f64>()
            .map(|m| (m * 60.0).round() as i64)
            .unwrap_or(-1)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetInboxTimers {
            inbox_id,
            assignee_idle_secs: to_secs(assignee.get_untracked()),
            visitor_idle_secs: to_secs(visitor.get_untracked()),
        });
    };
    view! {
        <form class="timers" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, timers_heading)} " · " {inbox.name}</h4>
            <label>
                {t!(i18n, assignee_idle_minutes)}
                <input
                    type="number"
                    min="0"
                    step="any"
                    required
                    prop:value=move || assignee.get()
                    on:input=move |ev| assignee.set(event_target_value(&ev))
                />
            </label>
            <label>
                {t!(i18n, visitor_idle_minutes)}
                <input
                    type="number"
                    min="0"
                    step="any"
                    required
                    prop:value=move || visitor.get()
                    on:input=move |ev| visitor.set(event_target_value(&ev))
                />
            </label>
            <ErrorNote error />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, timers_saved)}</p>
            </Show>
            <button type="submit" disabled=move || action.pending().get()>
                {t!(i18n, save_timers)}
            </button>
        </form>
    }
}
