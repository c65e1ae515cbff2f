//! `/history`: the chat logs. Every conversation the agent may see, newest first, filtered by
//! inbox, agent, status, dates, label and visitor, with when it started and how long it
//! lasted; each opens its whole log with the visitor's details.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{HistoryOptions, load_history, load_history_options};
use crate::i18n::*;
use crate::model::{ConversationStatus, HistoryFilter, HistoryRow, Me};
use crate::ui::agent_page::{AgentPage, TopBar};
use crate::ui::clock;
use crate::ui::errors::error_text;

/// Rows a page of chat logs holds (the server's page size).
const PAGE: usize = 50;

/// The chat logs page.
#[component]
pub fn ChatLogsPage() -> impl IntoView {
    view! { <AgentPage page=|me| view! { <ChatLogs me /> } /> }
}

/// Milliseconds at the start of a `YYYY-MM-DD` day in a zone `offset_minutes` east of UTC.
pub fn day_start_millis(date: &str, offset_minutes: i64) -> Option<i64> {
    Some(crate::calendar::date_start_utc(date)? - offset_minutes * 60_000)
}

#[component]
fn ChatLogs(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let options = Resource::new(|| (), |_| load_history_options());
    let inbox = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let visitor = RwSignal::new(String::new());
    let rating = RwSignal::new(String::new());
    let asked = RwSignal::new((HistoryFilter::default(), 0i64));
    let rows = Resource::new(
        move || asked.get(),
        |(filter, page)| load_history(filter, page),
    );
    let filter_now = move || {
        let offset = clock::offset_minutes(clock::now_millis());
        HistoryFilter {
            inbox_id: inbox.get_untracked().parse().ok(),
            agent_id: agent.get_untracked().parse().ok(),
            status: ConversationStatus::parse(&status.get_untracked()),
            from: day_start_millis(&from.get_untracked(), offset),
            to: day_start_millis(&to.get_untracked(), offset).map(|start| start + 86_400_000),
            label: Some(label.get_untracked()).filter(|l| !l.is_empty()),
            visitor: Some(visitor.get_untracked()).filter(|v| !v.trim().is_empty()),
            rating: Some(rating.get_untracked()).filter(|r| !r.is_empty()),
            before: None,
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        asked.set((filter_now(), 0));
    };
    let page = move || asked.with(|(_, page)| *page);
    view! {
        <Title text=move || t_string!(i18n, history_link).to_string() />
        <TopBar me />
        <main class="chat-logs">
            <h1>{t!(i18n, history_link)}</h1>
            <form class="page-filter" on:submit=submit>
                <Transition>
                    {move || Suspend::new(async move {
                        let options = options.await.unwrap_or(HistoryOptions {
                            inboxes: Vec::new(),
                            agents: Vec::new(),
                            labels: Vec::new(),
                        });
                        view! {
                            <label>
                                {t!(i18n, field_inbox)}
                                <select on:change=move |ev| inbox.set(event_target_value(&ev))>
                                    <option value="">{t!(i18n, history_all)}</option>
                                    {options.inboxes.into_iter().map(|i| view! { <option value=i.id.to_string()>{i.name}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>
                                {t!(i18n, history_agent)}
                                <select on:change=move |ev| agent.set(event_target_value(&ev))>
                                    <option value="">{t!(i18n, history_all)}</option>
                                    {options.agents.into_iter().map(|a| view! { <option value=a.id.to_string()>{a.name}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>
                                {t!(i18n, field_labels)}
                                <select on:change=move |ev| label.set(event_target_value(&ev))>
                                    <option value="">{t!(i18n, history_all)}</option>
                                    {options.labels.into_iter().map(|l| {
                                        let text = l.clone();
                                        view! { <option value=l>{text}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                        }
                    })}
                </Transition>
                <label>
                    {t!(i18n, log_status)}
                    <select on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, history_all)}</option>
                        <option value="unassigned">{t!(i18n, status_unassigned)}</option>
                        <option value="assigned">{t!(i18n, status_assigned)}</option>
                        <option value="closed">{t!(i18n, conversation_is_closed)}</option>
                    </select>
                </label>
                <label>
                    {t!(i18n, history_from)}
                    <input type="date" prop:value=from on:input=move |ev| from.set(event_target_value(&ev)) />
                </label>
                <label>
                    {t!(i18n, history_to)}
                    <input type="date" prop:value=to on:input=move |ev| to.set(event_target_value(&ev)) />
                </label>
                <label>
                    {t!(i18n, history_rating)}
                    <select on:change=move |ev| rating.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, history_all)}</option>
                        <option value="rated">{t!(i18n, history_rated)}</option>
                        <option value="good">{t!(i18n, rating_verdict_good)}</option>
                        <option value="okay">{t!(i18n, rating_verdict_okay)}</option>
                        <option value="bad">{t!(i18n, rating_verdict_bad)}</option>
                    </select>
                </label>
                <label>
                    {t!(i18n, history_visitor)}
                    <input type="text" maxlength="100" prop:value=visitor on:input=move |ev| visitor.set(event_target_value(&ev)) />
                </label>
                <button type="submit">{t!(i18n, history_filter)}</button>
            </form>
            <Transition>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(rows) => {
                            let full = rows.len() >= PAGE;
                            view! {
                                <Rows rows />
                                <nav class="pages" aria-label=move || t_string!(i18n, history_pages).to_string()>
                                    <button type="button" disabled=move || page() == 0 on:click=move |_| asked.update(|(_, p)| *p = (*p - 1).max(0))>
                                        {t!(i18n, history_newer)}
                                    </button>
                                    <button type="button" disabled=!full on:click=move |_| asked.update(|(_, p)| *p += 1)>
                                        {t!(i18n, history_older)}
                                    </button>
                                </nav>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn Rows(rows: Vec<HistoryRow>) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! { <p class="empty">{t!(i18n, history_empty)}</p> }.into_any();
    }
    view! {
        <div class="table-frame">
            <table class="data">
                <thead>
                    <tr>
                        <th>{t!(i18n, conversation_id)}</th>
                        <th>{t!(i18n, history_visitor)}</th>
                        <th>{t!(i18n, history_agent)}</th>
                        <th>{t!(i18n, log_status)}</th>
                        <th>{t!(i18n, field_labels)}</th>
                        <th>{t!(i18n, history_rating)}</th>
                        <th>{t!(i18n, log_started)}</th>
                        <th>{t!(i18n, history_length)}</th>
                        <th>{t!(i18n, history_messages)}</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let summary = row.summary;
                            let started = summary.created_at;
                            let ended = row.closed_at.unwrap_or(summary.last_message_at);
                            let status = summary.status;
                            view! {
                                <tr>
                                    <td>{format!("#{}", summary.id)}</td>
                                    <td>{summary.visitor_label.clone()}</td>
                                    <td>{summary.assignee.map(|a| a.name).unwrap_or_else(|| "—".into())}</td>
                                    <td>{move || match status {
                                        ConversationStatus::Unassigned => t_string!(i18n, status_unassigned).to_string(),
                                        ConversationStatus::Assigned => t_string!(i18n, status_assigned).to_string(),
                                        ConversationStatus::Closed => t_string!(i18n, conversation_is_closed).to_string(),
                                    }}</td>
                                    <td>{summary.labels.join(", ")}</td>
                                    <td>{summary.rating.map(|score| crate::ui::chat_details::rating_words(i18n, score))}</td>
                                    <td>{move || clock::date_time(i18n, started)}</td>
                                    <td>{move || clock::elapsed_text(i18n, ended - started)}</td>
                                    <td>{row.messages}</td>
                                    <td>
                                        <a href=format!("/conversations/{}/log", summary.id) target="_blank" rel="noopener">
                                            {t!(i18n, view_log)}
                                        </a>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_local_midnight() {
        assert_eq!(day_start_millis("1970-01-01", 0), Some(0));
        assert_eq!(day_start_millis("2026-11-22", 0), Some(1_795_305_600_000));
        // Madrid (UTC+1): the day starts an hour before UTC midnight.
        assert_eq!(
            day_start_millis("2026-11-22", 60),
            Some(1_795_305_600_000 - 3_600_000)
        );
        assert_eq!(day_start_millis("2000-03-01", 0), Some(951_868_800_000));
        assert_eq!(day_start_millis("", 0), None);
        assert_eq!(day_start_millis("2026-13-01", 0), None);
        assert_eq!(day_start_millis("soon", 0), None);
    }
}
