//! The administration's audit log: who created, edited, disabled or deleted which account or
//! inbox, and when, newest first.

use leptos::prelude::*;

use crate::api::load_audit_log;
use crate::i18n::*;
use crate::model::{AuditDetail, Role};
use crate::ui::clock::date_time;
use crate::ui::errors::ErrorNote;

/// The latest account and inbox changes.
#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let entries = Resource::new(|| (), |_| load_audit_log());
    view! {
        <section aria-labelledby="audit-heading">
            <h2 id="audit-heading">{t!(i18n, audit_heading)}</h2>
            <Transition>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">{t!(i18n, audit_empty)}</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="data audit">
                                <caption class="visually-hidden">{t!(i18n, audit_heading)}</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">{t!(i18n, audit_when)}</th>
                                        <th scope="col">{t!(i18n, audit_who)}</th>
                                        <th scope="col">{t!(i18n, audit_what)}</th>
                                        <th scope="col">{t!(i18n, audit_subject)}</th>
                                        <th scope="col">{t!(i18n, audit_detail)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|entry| {
                                            let at = entry.at;
                                            let action = entry.action.clone();
                                            let detail = entry.detail.clone();
                                            view! {
                                                <tr>
                                                    <td>{move || date_time(i18n, at)}</td>
                                                    <td>{entry.actor}</td>
                                                    <td>{move || action_text(i18n, &action)}</td>
                                                    <td>{entry.subject}</td>
                                                    <td>{move || detail_text(i18n, &detail)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorNote error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What an audited action code says in the reader's language (an unknown code as it is).
fn action_text(i18n: leptos_i18n::I18nContext<Locale>, action: &str) -> String {
    match action {
        "agent_created" => t_string!(i18n, audit_agent_created),
        "agent_updated" => t_string!(i18n, audit_agent_updated),
        "password_reset" => t_string!(i18n, audit_password_reset),
        "password_changed" => t_string!(i18n, audit_password_changed),
        "agent_disabled" => t_string!(i18n, audit_agent_disabled),
        "agent_enabled" => t_string!(i18n, audit_agent_enabled),
        "agent_deleted" => t_string!(i18n, audit_agent_deleted),
        "inbox_created" => t_string!(i18n, audit_inbox_created),
        "inbox_renamed" => t_string!(i18n, audit_inbox_renamed),
        "inbox_disabled" => t_string!(i18n, audit_inbox_disabled),
        "inbox_enabled" => t_string!(i18n, audit_inbox_enabled),
        "inbox_deleted" => t_string!(i18n, audit_inbox_deleted),
        "webhook_added" => t_string!(i18n, audit_webhook_added),
        "webhook_removed" => t_string!(i18n, audit_webhook_removed),
        other => return other.to_owned(),
    }
    .to_string()
}

/// What a change changed, in the reader's language.
fn detail_text(i18n: leptos_i18n::I18nContext<Locale>, detail: &AuditDetail) -> String {
    match detail {
        AuditDetail::Nothing => String::new(),
        AuditDetail::Account { name, email, role } => {
            let role = match role {
                Role::Operator => t_string!(i18n, role_operator),
                Role::Supervisor => t_string!(i18n, role_supervisor),
                Role::Admin => t_string!(i18n, role_admin),
            };
            format!("{name} <{email}>, {role}")
        }
        AuditDetail::Email { email } => email.clone(),
        AuditDetail::Renamed { to } => {
            t_string!(i18n, audit_renamed_to, name = to.clone()).to_string()
        }
        AuditDetail::Contents(c) => t_string!(
            i18n,
            audit_contents,
            conversations = c.conversations,
            visitors = c.visitors,
            tickets = c.tickets
        )
        .to_string(),
    }
}
