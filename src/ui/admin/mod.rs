//! `/admin`: inboxes (with the snippet to paste into a website, settings and ticket webhook),
//! agent accounts, and the blocks in force.

mod blocking;
mod webhook;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{CreateAgent, CreateInbox, SetInboxChatSettings, SetInboxTimers, load_admin};
use crate::i18n::*;
use crate::model::{Inbox, Me, Role};
use crate::ui::agent_page::{AgentPage, TopBar};
use crate::ui::errors::ErrorNote;
use blocking::BlocksSection;
use webhook::WebhookForm;

/// The admin page; admins only (others go back to the workspace).
#[component]
pub fn AdminPage() -> impl IntoView {
    view! { <AgentPage admin_only=true page=|me| view! { <Admin me /> } /> }
}

#[component]
fn Admin(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let create_inbox = ServerAction::<CreateInbox>::new();
    let create_agent = ServerAction::<CreateAgent>::new();
    let overview = Resource::new(
        move || (create_inbox.version().get(), create_agent.version().get()),
        |_| load_admin(),
    );
    view! {
        <Title text=move || t_string!(i18n, admin_title).to_string() />
        <TopBar me />
        <main class="admin">
            <h1>{t!(i18n, admin_title)}</h1>
            <Transition>
                {move || Suspend::new(async move {
                    overview
                        .await
                        .map(|overview| {
                            view! {
                                <InboxSection
                                    inboxes=overview.inboxes.clone()
                                    site_url=overview.site_url
                                    webhooks=overview.webhooks
                                    action=create_inbox
                                />
                                <AgentSection inboxes=overview.inboxes agents=overview.agents action=create_agent />
                                <BlocksSection />
                            }
                        })
                })}
            </Transition>
        </main>
    }
}

#[component]
fn InboxSection(
    inboxes: Vec<Inbox>,
    site_url: String,
    webhooks: Vec<crate::api::Webhook>,
    action: ServerAction<CreateInbox>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let empty = inboxes.is_empty();
    view! {
        <section aria-labelledby="inboxes-heading">
            <h2 id="inboxes-heading">{t!(i18n, inboxes_heading)}</h2>
            <Show when=move || empty>
                <p>{t!(i18n, no_inboxes)}</p>
            </Show>
            <ul class="inboxes">
                {inboxes
                    .into_iter()
                    .map(|inbox| {
                        let snippet = format!(
                            "<script src=\"{}/widget.js\" data-inbox=\"{}\" async></script>",
                            site_url,
                            inbox.key,
                        );
                        view! {
                            <li>
                                <h3>{inbox.name.clone()}</h3>
                                <p>{t!(i18n, snippet_label)}</p>
                                <pre><code>{snippet}</code></pre>
                                <TimerForm inbox=inbox.clone() />
                                <WebhookForm
                                    inbox_id=inbox.id
                                    webhook=webhooks.iter().find(|w| w.inbox_id == inbox.id).cloned()
                                />
                                <ChatSettingsForm inbox />
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
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

#[component]
fn AgentSection(
    inboxes: Vec<Inbox>,
    agents: Vec<crate::model::AgentAccount>,
    action: ServerAction<CreateAgent>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("operator".to_owned());
    let chosen = RwSignal::new(Vec::<i64>::new());
    let inbox_names: Vec<(i64, String)> = inboxes.iter().map(|i| (i.id, i.name.clone())).collect();
    // A created account empties the form for the next one (inputs follow these signals).
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            name.set(String::new());
            email.set(String::new());
            password.set(String::new());
            chosen.set(Vec::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CreateAgent {
            name: name.get_untracked(),
            email: email.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
            inbox_ids: chosen.get_untracked(),
        });
    };
    let role_name = move |role: Role| match role {
        Role::Operator => t_string!(i18n, role_operator).to_string(),
        Role::Supervisor => t_string!(i18n, role_supervisor).to_string(),
        Role::Admin => t_string!(i18n, role_admin).to_string(),
    };
    view! {
        <section aria-labelledby="agents-heading">
            <h2 id="agents-heading">{t!(i18n, agents_heading)}</h2>
            <ul class="agents">
                {agents
                    .into_iter()
                    .map(|agent| {
                        let role = agent.role;
                        view! {
                            <li>
                                <strong>{agent.name}</strong>
                                " · "
                                {agent.email}
                                " · "
                                {move || role_name(role)}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <form on:submit=submit>
                <label>
                    {t!(i18n, field_name)}
                    <input type="text" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <label>
                    {t!(i18n, field_email)}
                    <input type="email" required prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                </label>
                <label>
                    {t!(i18n, field_password)}
                    <input
                        type="password"
                        required
                        minlength="8"
                        autocomplete="new-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    {t!(i18n, field_role)}
                    <select on:change=move |ev| role.set(event_target_value(&ev))>
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str()>{move || role_name(r)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <fieldset>
                    <legend>{t!(i18n, field_inboxes)}</legend>
                    {inbox_names
                        .into_iter()
                        .map(|(id, inbox_name)| {
                            view! {
                                <label class="check">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || chosen.with(|ids| ids.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|ids| {
                                                ids.retain(|x| *x != id);
                                                if on {
                                                    ids.push(id);
                                                }
                                            });
                                        }
                                    />
                                    {inbox_name}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <ErrorNote error />
                <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                    <p role="status">{t!(i18n, agent_created)}</p>
                </Show>
                <button type="submit" disabled=move || action.pending().get()>
                    {t!(i18n, create_agent)}
                </button>
            </form>
        </section>
    }
}
