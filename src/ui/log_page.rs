//! `/conversations/:id/log`: a conversation's whole log on its own page, with the visitor's
//! details, ready to print.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::conversation;
use crate::i18n::*;
use crate::model::{Author, ConversationDetail, ConversationStatus};
use crate::ui::agent_page::{AgentPage, id_param};
use crate::ui::clock;
use crate::ui::errors::error_text;
use crate::ui::formatted::Formatted;
use crate::ui::timeline::{Attachments, system_text};

/// The log page; agents who may see the conversation only.
#[component]
pub fn LogPage() -> impl IntoView {
    let id = id_param();
    view! { <AgentPage page=move |_| view! { <Log id /> } /> }
}

#[component]
fn Log(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let detail = Resource::new(move || id, conversation);
    view! {
        <Title text=move || t_string!(i18n, log_title, id = id).to_string() />
        <main class="log">
            <Suspense>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <LogBody detail /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn LogBody(detail: ConversationDetail) -> impl IntoView {
    let i18n = use_i18n();
    let summary = detail.summary;
    let id = summary.id;
    let status = match summary.status {
        ConversationStatus::Unassigned => t_string!(i18n, status_unassigned).to_string(),
        ConversationStatus::Assigned => t_string!(i18n, status_assigned).to_string(),
        ConversationStatus::Closed => t_string!(i18n, conversation_is_closed).to_string(),
    };
    let started = summary.created_at;
    let assignee = summary.assignee.map(|a| a.name);
    let visitor = summary.visitor_label.clone();
    view! {
        <header class="log-header">
            <h1>{move || t_string!(i18n, log_heading, id = id, visitor = visitor.clone()).to_string()}</h1>
            <button type="button" class="no-print" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                crate::ui::transfer::print_page();
            }>
                {t!(i18n, print)}
            </button>
        </header>
        <dl class="log-details">
            <dt>{t!(i18n, conversation_id)}</dt>
            <dd>{id}</dd>
            <dt>{t!(i18n, field_name)}</dt>
            <dd>{summary.visitor_name.unwrap_or_else(|| summary.visitor_label.clone())}</dd>
            <dt>{t!(i18n, field_email)}</dt>
            <dd>{summary.visitor_email.unwrap_or_else(|| "—".into())}</dd>
            <dt>{t!(i18n, log_status)}</dt>
            <dd>{status}</dd>
            <dt>{t!(i18n, log_assignee)}</dt>
            <dd>{assignee.unwrap_or_else(|| "—".into())}</dd>
            <dt>{t!(i18n, log_started)}</dt>
            <dd>{move || clock::date_time(i18n, started)}</dd>
        </dl>
        <ol class="log-lines" aria-label=move || t_string!(i18n, timeline_label).to_string()>
            {detail
                .messages
                .into_iter()
                .map(|message| {
                    let at = message.created_at;
                    let when = move || clock::date_time(i18n, at);
                    if let Some(line) = message.system.clone() {
                        return view! {
                            <li class="system">
                                <time>{when}</time>
                                " "
                                {move || system_text(i18n, &line)}
                            </li>
                        }
                        .into_any();
                    }
                    let (name, formatted) = match &message.author {
                        Author::Agent { name, .. } => (name.clone(), true),
                        _ => (t_string!(i18n, author_visitor).to_string(), false),
                    };
                    let body = if formatted {
                        view! { <div class="body formatted"><Formatted text=message.body.clone() /></div> }.into_any()
                    } else {
                        view! { <p class="body plain">{message.body.clone()}</p> }.into_any()
                    };
                    let note = message.note;
                    view! {
                        <li class:note=note>
                            <time>{when}</time>
                            " "
                            <strong>{name}</strong>
                            {note.then(|| view! { <span class="badge note-badge">{t!(i18n, note_badge)}</span> })}
                            {body}
                            <Attachments attachments=message.attachments.clone() />
                        </li>
                    }
                    .into_any()
                })
                .collect_view()}
        </ol>
    }
}
