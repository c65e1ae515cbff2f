//! The administration's agents: every account, and a form creating one.

use leptos::prelude::*;

use crate::api::CreateAgent;
use crate::i18n::*;
use crate::model::{Inbox, Role};
use crate::ui::errors::ErrorNote;

/// The team's accounts and a form adding someone.
#[component]
pub fn AgentsPage(
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
            <table class="data agents">
                <caption class="visually-hidden">{t!(i18n, agents_heading)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, field_name)}</th>
                        <th scope="col">{t!(i18n, field_email)}</th>
                        <th scope="col">{t!(i18n, field_role)}</th>
                        <th scope="col">{t!(i18n, field_inboxes)}</th>
                    </tr>
                </thead>
                <tbody>
                    {agents
                        .into_iter()
                        .map(|agent| {
                            let role = agent.role;
                            let their_inboxes = agent
                                .inbox_ids
                                .iter()
                                .filter_map(|id| inbox_names.iter().find(|(i, _)| i == id))
                                .map(|(_, name)| name.clone())
                                .collect::<Vec<_>>()
                                .join(", ");
                            view! {
                                <tr>
                                    <td>{agent.name}</td>
                                    <td>{agent.email}</td>
                                    <td>{move || role_name(role)}</td>
                                    <td>{their_inboxes}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <h3>{t!(i18n, new_agent_heading)}</h3>
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
                        .iter()
                        .cloned()
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
