//! `/tickets` and `/tickets/:id`: the tickets made from conversations, listed by status, and
//! one ticket on its own page, where agents change its status and assignee and comment on it.

use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{CommentTicket, UpdateTicket, load_ticket, load_tickets};
use crate::i18n::*;
use crate::model::{AgentRef, Me, Ticket, TicketDetail, TicketPriority, TicketStatus};
use crate::ui::agent_page::{AgentPage, TopBar, id_param};
use crate::ui::clock;
use crate::ui::errors::{ErrorNote, error_text};

/// The tickets of the agent's inboxes, filtered by status: where the team follows up what a
/// chat could not settle.
#[component]
pub fn TicketsPage() -> impl IntoView {
    view! { <AgentPage page=|me| view! { <Tickets me /> } /> }
}

/// One ticket: what was asked, who has it, and the team's comments; agents move it along here.
#[component]
pub fn TicketPage() -> impl IntoView {
    let id = id_param();
    view! { <AgentPage page=move |me| view! { <TicketView me id /> } /> }
}

/// A status in the reader's language.
/// A priority's name in the reader's language.
pub fn priority_name(i18n: I18nContext<Locale>, priority: TicketPriority) -> String {
    match priority {
        TicketPriority::Low => t_string!(i18n, priority_low),
        TicketPriority::Normal => t_string!(i18n, priority_normal),
        TicketPriority::High => t_string!(i18n, priority_high),
        TicketPriority::Urgent => t_string!(i18n, priority_urgent),
    }
    .to_string()
}

fn status_name(i18n: I18nContext<Locale>, status: TicketStatus) -> String {
    match status {
        TicketStatus::Open => t_string!(i18n, ticket_status_open),
        TicketStatus::Pending => t_string!(i18n, ticket_status_pending),
        TicketStatus::Closed => t_string!(i18n, ticket_status_closed),
    }
    .to_string()
}

#[component]
fn Tickets(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    // "" is every status; otherwise one of `TicketStatus::as_str`.
    let status = RwSignal::new(String::new());
    let tickets = Resource::new(
        move || status.get(),
        |chosen| load_tickets((!chosen.is_empty()).then_some(chosen)),
    );
    view! {
        <Title text=move || t_string!(i18n, tickets_title).to_string() />
        <TopBar me />
        <main class="tickets">
            <h1>{t!(i18n, tickets_title)}</h1>
            <label class="filter">
                {t!(i18n, col_status)}
                <select on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="" selected=move || status.get().is_empty()>
                        {t!(i18n, tickets_status_all)}
                    </option>
                    {TicketStatus::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=move || status.get() == s.as_str()>
                                    {move || status_name(i18n, s)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match tickets.await {
                        Ok(list) => view! { <TicketTable list /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn TicketTable(list: Vec<Ticket>) -> impl IntoView {
    let i18n = use_i18n();
    if list.is_empty() {
        return view! { <p class="empty">{t!(i18n, tickets_empty)}</p> }.into_any();
    }
    view! {
        <table class="tickets-table">
            <caption class="visually-hidden">{t!(i18n, tickets_title)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, tickets_col_number)}</th>
                    <th scope="col">{t!(i18n, field_subject)}</th>
                    <th scope="col">{t!(i18n, col_status)}</th>
                    <th scope="col">{t!(i18n, field_requester_email)}</th>
                    <th scope="col">{t!(i18n, ticket_assignee)}</th>
                    <th scope="col">{t!(i18n, tickets_col_created)}</th>
                    <th scope="col">{t!(i18n, tickets_conversation)}</th>
                </tr>
            </thead>
            <tbody>{list.into_iter().map(|ticket| view! { <TicketRow ticket /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn TicketRow(ticket: Ticket) -> impl IntoView {
    let i18n = use_i18n();
    let id = ticket.id;
    let status = ticket.status;
    let created = ticket.created_at;
    let assignee = ticket
        .assignee
        .map(|a| a.name)
        .unwrap_or_else(|| "—".into());
    let conversation = ticket.conversation_id.map(|c| {
        view! { <A href=format!("/conversations/{c}/log")>{t!(i18n, tickets_conversation)}</A> }
    });
    view! {
        <tr>
            <td>
                <A href=format!("/tickets/{id}")>{format!("#{id}")}</A>
            </td>
            <td>{ticket.subject}</td>
            <td>{move || status_name(i18n, status)}</td>
            <td>{ticket.requester_email}</td>
            <td>{assignee}</td>
            <td>
                <time>{move || clock::date_time(i18n, created)}</time>
            </td>
            <td>{conversation}</td>
        </tr>
    }
}

#[component]
fn TicketView(me: Me, id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let update = ServerAction::<UpdateTicket>::new();
    let comment = ServerAction::<CommentTicket>::new();
    // The comment being written lives here, so reloading the ticket does not lose it.
    let draft = RwSignal::new(String::new());
    // Counts successful changes: the ticket loads again after each one.
    let changes = RwSignal::new(0u32);
    Effect::new(move |_| {
        if update.value().with(|v| matches!(v, Some(Ok(_)))) {
            changes.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if comment.value().with(|v| matches!(v, Some(Ok(_)))) {
            draft.set(String::new());
            changes.update(|n| *n += 1);
        }
    });
    let detail = Resource::new(move || changes.get(), move |_| load_ticket(id));
    view! {
        <Title text=move || t_string!(i18n, ticket_title, id = id).to_string() />
        <TopBar me />
        <main class="ticket">
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <TicketBody detail update comment draft /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn TicketBody(
    detail: TicketDetail,
    update: ServerAction<UpdateTicket>,
    comment: ServerAction<CommentTicket>,
    draft: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let TicketDetail {
        ticket,
        comments,
        assignable,
    } = detail;
    let id = ticket.id;
    let subject = ticket.subject.clone();
    let status = ticket.status;
    let priority = ticket.priority;
    let kind = ticket.kind.clone();
    let created = ticket.created_at;
    let assignee_id = ticket.assignee.as_ref().map(|a| a.id);
    let assignee_name = ticket
        .assignee
        .as_ref()
        .map(|a| a.name.clone())
        .unwrap_or_else(|| "—".into());
    // The current assignee stays offered even if they left the ticket's inbox.
    let mut agents = assignable;
    if let Some(current) = ticket
        .assignee
        .clone()
        .filter(|current| !agents.iter().any(|a| a.id == current.id))
    {
        agents.push(current);
    }
    let conversation = ticket.conversation_id.map(|c| {
        view! {
            <dt>{t!(i18n, tickets_conversation)}</dt>
            <dd>
                <A href=format!("/conversations/{c}/log")>
                    {move || t_string!(i18n, ticket_conversation_log, id = c).to_string()}
                </A>
            </dd>
        }
    });
    let no_comments = comments.is_empty();
    view! {
        <h1>{move || t_string!(i18n, ticket_heading, id = id, subject = subject.clone()).to_string()}</h1>
        <dl class="ticket-details">
            <dt>{t!(i18n, field_requester_email)}</dt>
            <dd>{ticket.requester_email}</dd>
            <dt>{t!(i18n, col_status)}</dt>
            <dd>{move || status_name(i18n, status)}</dd>
            <dt>{t!(i18n, field_priority)}</dt>
            <dd>{move || priority_name(i18n, priority)}</dd>
            {kind.map(|kind| view! {
                <dt>{t!(i18n, field_ticket_type)}</dt>
                <dd>{kind}</dd>
            })}
            <dt>{t!(i18n, ticket_assignee)}</dt>
            <dd>{assignee_name}</dd>
            <dt>{t!(i18n, tickets_col_created)}</dt>
            <dd>
                <time>{move || clock::date_time(i18n, created)}</time>
            </dd>
            {conversation}
        </dl>
        <pre class="ticket-body">{ticket.body}</pre>
        <UpdateForm id status priority assignee_id agents update />
        <section class="ticket-comments" aria-labelledby="ticket-comments-heading">
            <h2 id="ticket-comments-heading">{t!(i18n, ticket_comments_heading)}</h2>
            {no_comments.then(|| view! { <p class="empty">{t!(i18n, ticket_no_comments)}</p> })}
            <ol class="comments">
                {comments
                    .into_iter()
                    .map(|c| {
                        let at = c.created_at;
                        let emailed = c.emailed;
                        view! {
                            <li>
                                <strong>{c.author}</strong>
                                " · "
                                <time>{move || clock::date_time(i18n, at)}</time>
                                <Show when=move || emailed>
                                    " · " <span class="badge off">{t!(i18n, ticket_emailed)}</span>
                                </Show>
                                <p class="body plain">{c.body}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            <CommentForm id comment draft />
        </section>
    }
}

/// Status and assignee, saved together.
#[component]
fn UpdateForm(
    id: i64,
    status: TicketStatus,
    priority: TicketPriority,
    assignee_id: Option<i64>,
    agents: Vec<AgentRef>,
    update: ServerAction<UpdateTicket>,
) -> impl IntoView {
    let i18n = use_i18n();
    let chosen_status = RwSignal::new(status.as_str().to_owned());
    let chosen_priority = RwSignal::new(priority.as_str().to_owned());
    // "" is nobody.
    let chosen_agent = RwSignal::new(assignee_id.map(|a| a.to_string()).unwrap_or_default());
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update.dispatch(UpdateTicket {
            id,
            status: chosen_status.get_untracked(),
            assignee_id: chosen_agent.get_untracked().parse().ok(),
            priority: Some(chosen_priority.get_untracked()),
        });
    };
    view! {
        <form class="ticket-update" on:submit=submit aria-label=move || t_string!(i18n, ticket_update_label).to_string()>
            <label>
                {t!(i18n, col_status)}
                <select on:change=move |ev| chosen_status.set(event_target_value(&ev))>
                    {TicketStatus::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=move || chosen_status.get() == s.as_str()>
                                    {move || status_name(i18n, s)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <PrioritySelect chosen=chosen_priority />
            <label>
                {t!(i18n, ticket_assignee)}
                <select on:change=move |ev| chosen_agent.set(event_target_value(&ev))>
                    <option value="" selected=move || chosen_agent.get().is_empty()>
                        {t!(i18n, assign_nobody)}
                    </option>
                    {agents
                        .into_iter()
                        .map(|agent| {
                            let value = agent.id.to_string();
                            let this = value.clone();
                            view! {
                                <option value=value selected=move || chosen_agent.get() == this>
                                    {agent.name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <ErrorNote error />
            <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, ticket_updated)}</p>
            </Show>
            <button type="submit" disabled=move || update.pending().get()>
                {t!(i18n, ticket_update_submit)}
            </button>
        </form>
    }
}

/// The priority select of the ticket forms (new ticket, ticket page).
#[component]
pub fn PrioritySelect(chosen: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>
            {t!(i18n, field_priority)}
            <select on:change=move |ev| chosen.set(event_target_value(&ev))>
                {TicketPriority::ALL
                    .into_iter()
                    .map(|p| {
                        view! {
                            <option value=p.as_str() selected=move || chosen.get() == p.as_str()>
                                {move || priority_name(i18n, p)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// A new comment; emptied once it is saved.
#[component]
fn CommentForm(
    id: i64,
    comment: ServerAction<CommentTicket>,
    draft: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = Signal::derive(move || comment.value().get().and_then(Result::err));
    let to_requester = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        comment.dispatch(CommentTicket {
            id,
            body: draft.get_untracked(),
            to_requester: to_requester.get_untracked(),
        });
    };
    view! {
        <form class="ticket-comment" on:submit=submit>
            <label>
                {t!(i18n, field_comment)}
                <textarea required rows="4" prop:value=draft on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || to_requester.get()
                    on:change=move |ev| to_requester.set(event_target_checked(&ev))
                />
                {t!(i18n, ticket_to_requester)}
            </label>
            <ErrorNote error />
            <button type="submit" disabled=move || comment.pending().get()>
                {t!(i18n, ticket_add_comment)}
            </button>
        </form>
    }
}
