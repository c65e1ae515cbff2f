//! The administration's agents: every account with its status, a form creating one, and for
//! the account being edited: its fields, a new password, disabling or enabling it, deleting it.

use leptos::prelude::*;

use crate::api::{CreateAgent, DeleteAgent, ResetAgentPassword, SetAgentEnabled, UpdateAgent};
use crate::i18n::*;
use crate::model::{AccountState, AgentAccount, Inbox, Role};
use crate::ui::errors::ErrorNote;
use crate::ui::password_field::NewPasswordField;

use super::AdminActions;

/// The team's accounts, the one being edited, and a form adding someone.
#[component]
pub fn AgentsPage(
    inboxes: Vec<Inbox>,
    agents: Vec<AgentAccount>,
    actions: AdminActions,
    /// The account whose editor is open (kept by the admin page across reloads of the list).
    editing: RwSignal<Option<i64>>,
    /// The signed-in admin (who cannot disable or delete themselves).
    me_id: i64,
) -> impl IntoView {
    let i18n = use_i18n();
    let inbox_names: Vec<(i64, String)> = inboxes.iter().map(|i| (i.id, i.name.clone())).collect();
    let accounts = agents.clone();
    let names = inbox_names.clone();
    let editor = move || {
        let agent = accounts
            .iter()
            .find(|a| Some(a.id) == editing.get() && a.state != AccountState::Deleted)
            .cloned()?;
        let is_me = agent.id == me_id;
        let inbox_names = names.clone();
        Some(view! { <AgentEditor agent inbox_names actions editing is_me /> })
    };
    view! {
        <section aria-labelledby="agents-heading">
            <h2 id="agents-heading">{t!(i18n, agents_heading)}</h2>
            <table class="data agents">
                <caption class="visually-hidden">{t!(i18n, agents_heading)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, field_name)}</th>
                        <th scope="col">{t!(i18n, field_email)}</th>
                        <th scope="col">{t!(i18n, field_role)}</th>
                        <th scope="col">{t!(i18n, field_inboxes)}</th>
                        <th scope="col">{t!(i18n, field_status)}</th>
                        <th scope="col"><span class="visually-hidden">{t!(i18n, actions_column)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {agents
                        .iter()
                        .cloned()
                        .map(|agent| agent_row(agent, &inbox_names, editing))
                        .collect_view()}
                </tbody>
            </table>
            {editor}
            <NewAgentForm inbox_names action=actions.create_agent />
        </section>
    }
}

/// One account in the table, with the button opening its editor (former agents have none).
fn agent_row(
    agent: AgentAccount,
    inbox_names: &[(i64, String)],
    editing: RwSignal<Option<i64>>,
) -> impl IntoView + use<> {
    let i18n = use_i18n();
    let role = agent.role;
    let state = agent.state;
    let their_inboxes = agent
        .inbox_ids
        .iter()
        .filter_map(|id| inbox_names.iter().find(|(i, _)| i == id))
        .map(|(_, name)| name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let id = agent.id;
    let name = agent.name.clone();
    view! {
        <tr class:inactive=move || state != AccountState::Active>
            <td>{agent.name}</td>
            <td>{(state != AccountState::Deleted).then_some(agent.email)}</td>
            <td>{move || role_name(i18n, role)}</td>
            <td>{their_inboxes}</td>
            <td>{move || state_name(i18n, state)}</td>
            <td>
                {(state != AccountState::Deleted)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="link"
                                aria-expanded=move || (editing.get() == Some(id)).to_string()
                                on:click=move |_| editing.update(|e| *e = if *e == Some(id) { None } else { Some(id) })
                            >
                                {t!(i18n, edit_agent, name = name.clone())}
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

fn role_name(i18n: leptos_i18n::I18nContext<Locale>, role: Role) -> String {
    match role {
        Role::Operator => t_string!(i18n, role_operator).to_string(),
        Role::Supervisor => t_string!(i18n, role_supervisor).to_string(),
        Role::Admin => t_string!(i18n, role_admin).to_string(),
    }
}

fn state_name(i18n: leptos_i18n::I18nContext<Locale>, state: AccountState) -> String {
    match state {
        AccountState::Active => t_string!(i18n, account_active).to_string(),
        AccountState::Disabled => t_string!(i18n, account_disabled).to_string(),
        AccountState::Deleted => t_string!(i18n, account_deleted).to_string(),
    }
}

/// An account's name and email, in the new-account form and the editor.
#[component]
fn NameAndEmail(name: RwSignal<String>, email: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>
            {t!(i18n, field_name)}
            <input type="text" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
        </label>
        <label>
            {t!(i18n, field_email)}
            <input type="email" required prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
        </label>
    }
}

/// The role select and the inbox checkboxes, shared by the new-account form and the editor.
#[component]
fn RoleAndInboxes(
    role: RwSignal<String>,
    chosen: RwSignal<Vec<i64>>,
    inbox_names: Vec<(i64, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>
            {t!(i18n, field_role)}
            <select prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                {Role::ALL
                    .into_iter()
                    .map(|r| {
                        view! {
                            <option value=r.as_str() selected=move || role.get() == r.as_str()>
                                {move || role_name(i18n, r)}
                            </option>
                        }
                    })
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
    }
}

/// An account's editor: its fields, a new password, disable or enable, delete.
#[component]
fn AgentEditor(
    agent: AgentAccount,
    inbox_names: Vec<(i64, String)>,
    actions: AdminActions,
    editing: RwSignal<Option<i64>>,
    is_me: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = agent.id;
    let name = RwSignal::new(agent.name.clone());
    let email = RwSignal::new(agent.email.clone());
    let role = RwSignal::new(agent.role.as_str().to_owned());
    let chosen = RwSignal::new(agent.inbox_ids.clone());
    let password = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let update = actions.update_agent;
    let reset = actions.reset_password;
    let enable = actions.set_enabled;
    let delete = actions.delete_agent;
    let update_error = Signal::derive(move || update.value().get().and_then(Result::err));
    let reset_error = Signal::derive(move || reset.value().get().and_then(Result::err));
    let account_error = Signal::derive(move || {
        enable
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
    });
    // A deleted account has no editor any more.
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            editing.set(None);
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update.dispatch(UpdateAgent {
            agent_id: id,
            name: name.get_untracked(),
            email: email.get_untracked(),
            role: role.get_untracked(),
            inbox_ids: chosen.get_untracked(),
        });
    };
    let set_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        reset.dispatch(ResetAgentPassword {
            agent_id: id,
            password: password.get_untracked(),
        });
        password.set(String::new());
    };
    let enabled = agent.state == AccountState::Active;
    let who = agent.name.clone();
    let who_confirm = StoredValue::new(agent.name.clone());
    view! {
        <section class="agent-editor" aria-labelledby="edit-agent-heading">
            <h3 id="edit-agent-heading">{t!(i18n, edit_agent_heading, name = who.clone())}</h3>
            <form on:submit=save>
                <NameAndEmail name email />
                <RoleAndInboxes role chosen inbox_names />
                <ErrorNote error=update_error />
                <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                    <p role="status">{t!(i18n, agent_saved)}</p>
                </Show>
                <button type="submit" disabled=move || update.pending().get()>{t!(i18n, save_agent)}</button>
            </form>
            <form on:submit=set_password aria-labelledby="reset-password-heading">
                <h4 id="reset-password-heading">{t!(i18n, reset_password_heading)}</h4>
                <NewPasswordField value=password>{t!(i18n, field_new_password)}</NewPasswordField>
                <ErrorNote error=reset_error />
                <Show when=move || matches!(reset.value().get(), Some(Ok(())))>
                    <p role="status">{t!(i18n, password_reset_done)}</p>
                </Show>
                <button type="submit" disabled=move || reset.pending().get()>{t!(i18n, reset_password)}</button>
            </form>
            <Show when=move || !is_me>
                <div class="account-actions" role="group" aria-labelledby="account-heading">
                    <h4 id="account-heading">{t!(i18n, account_heading)}</h4>
                    <p class="hint">{t!(i18n, disable_account_note)}</p>
                    <button
                        type="button"
                        on:click=move |_| {
                            enable.dispatch(SetAgentEnabled { agent_id: id, enabled: !enabled });
                        }
                    >
                        {if enabled { t!(i18n, disable_account).into_any() } else { t!(i18n, enable_account).into_any() }}
                    </button>
                    <button type="button" class="danger" on:click=move |_| confirming.set(true)>
                        {t!(i18n, delete_account)}
                    </button>
                    <Show when=move || confirming.get()>
                        <DeleteConfirm
                            name=who_confirm.get_value()
                            on_delete=move || {
                                delete.dispatch(DeleteAgent { agent_id: id });
                            }
                            confirming
                        />
                    </Show>
                    <ErrorNote error=account_error />
                </div>
            </Show>
        </section>
    }
}

/// The question before an account is deleted. Focus starts on Cancel (the safe answer) and
/// Escape answers it.
#[component]
fn DeleteConfirm(
    name: String,
    on_delete: impl Fn() + Send + Sync + 'static,
    confirming: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let cancel = crate::ui::dialog::dialog_focus(move || confirming.set(false));
    view! {
        <div class="confirm" role="alertdialog" aria-labelledby="delete-account-text">
            <p id="delete-account-text">{t!(i18n, delete_account_confirm, name = name)}</p>
            <button type="button" class="danger" on:click=move |_| on_delete()>
                {t!(i18n, delete_account_button)}
            </button>
            <button type="button" node_ref=cancel on:click=move |_| confirming.set(false)>{t!(i18n, cancel)}</button>
        </div>
    }
}

/// A form creating an account; it empties itself once the account exists.
#[component]
fn NewAgentForm(
    inbox_names: Vec<(i64, String)>,
    action: ServerAction<CreateAgent>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("operator".to_owned());
    let chosen = RwSignal::new(Vec::<i64>::new());
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
    view! {
        <h3>{t!(i18n, new_agent_heading)}</h3>
        <form on:submit=submit>
            <NameAndEmail name email />
            <NewPasswordField value=password>{t!(i18n, field_password)}</NewPasswordField>
            <RoleAndInboxes role chosen inbox_names />
            <ErrorNote error />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, agent_created)}</p>
            </Show>
            <button type="submit" disabled=move || action.pending().get()>
                {t!(i18n, create_agent)}
            </button>
        </form>
    }
}
