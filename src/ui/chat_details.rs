//! A conversation's details in the sidebar (its ID, the inbox it is in, its labels) and the
//! forms the actions menu opens: block the visitor, make a ticket (from the whole
//! conversation or the selected messages), email the transcript, move to another inbox.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::api::{BlockVisitor, CreateTicket, MoveConversation, SendTranscript, SetLabels};
use crate::blocking::BlockLength;
use crate::i18n::*;
use crate::ui::errors::ErrorNote;
use crate::ui::icons::{Glyph, Icon};
use crate::ui::workspace::DeskState;

/// Which form of the actions menu is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Block the visitor.
    Block,
    /// Make a ticket.
    Ticket,
    /// Email the transcript.
    Transcript,
    /// Move to another inbox.
    Move,
}

/// The conversation's details in the sidebar: its ID, the visitor's rating, its inbox, its
/// labels.
#[component]
pub fn ChatDetails(
    /// The conversation.
    id: i64,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let rating = move || {
        desk.data
            .with(|d| d.conversations.get(&id).and_then(|c| c.rating))
    };
    view! {
        <section class="chat-details" aria-label=move || t_string!(i18n, details_label).to_string()>
            <p class="conversation-id">{move || t_string!(i18n, details_id, id = id).to_string()}</p>
            {move || rating().map(|score| view! {
                <p class="rating">{t!(i18n, details_rating)} ": " {rating_words(i18n, score)}</p>
            })}
            <MoveForm id />
            <LabelsEditor id />
        </section>
    }
}

/// A rating in words for agents: its verdict and score ("Good · 5/5").
pub fn rating_words(i18n: leptos_i18n::I18nContext<Locale>, score: i64) -> String {
    use crate::widget_settings::{Verdict, verdict};
    let word = match verdict(score) {
        Verdict::Good => t_string!(i18n, rating_verdict_good),
        Verdict::Okay => t_string!(i18n, rating_verdict_okay),
        Verdict::Bad => t_string!(i18n, rating_verdict_bad),
    };
    format!("{word} · {score}/5")
}

/// The form the actions menu opened, above the timeline, with a button that folds it.
#[component]
pub fn ToolPanel(
    /// The conversation.
    id: i64,
    /// The open form, if any.
    tool: RwSignal<Option<Tool>>,
    /// The messages selected in its timeline (a ticket takes these when there are any).
    selected: RwSignal<BTreeSet<i64>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    // Only what the forms need: they must not be rebuilt (losing what was typed and their
    // outcome) on every new message.
    let visitor = Memo::new(move |_| {
        desk.data.with(|d| {
            d.conversations
                .get(&id)
                .map(|c| (c.visitor_id, c.visitor_email.clone()))
        })
    });
    view! {
        {move || {
            let (visitor_id, email) = visitor.get()?;
            let form = match tool.get()? {
                Tool::Block => view! { <BlockForm visitor_id /> }.into_any(),
                Tool::Ticket => view! { <TicketForm id email selected /> }.into_any(),
                Tool::Transcript => view! { <TranscriptForm id email /> }.into_any(),
                Tool::Move => view! { <MoveForm id /> }.into_any(),
            };
            Some(view! {
                <div class="tool-panel">
                    {form}
                    <button
                        type="button"
                        class="icon fold"
                        aria-label=move || t_string!(i18n, close_dialog).to_string()
                        on:click=move |_| tool.set(None)
                    >
                        <Icon glyph=Glyph::Close />
                    </button>
                </div>
            })
        }}
    }
}

#[component]
fn MoveForm(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let action = ServerAction::<MoveConversation>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let current = move || {
        desk.data
            .with(|d| d.conversations.get(&id).map(|c| c.inbox_id))
    };
    let choice = RwSignal::new(String::new());
    let inboxes = desk.inboxes.get_value();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(inbox_id) = choice.get_untracked().parse::<i64>() {
            action.dispatch(MoveConversation {
                conversation_id: id,
                inbox_id,
            });
        }
    };
    view! {
        <form class="move" on:submit=submit>
            <label>
                {t!(i18n, field_inbox)}
                <select on:change=move |ev| choice.set(event_target_value(&ev))>
                    {inboxes
                        .into_iter()
                        .map(|inbox| {
                            let inbox_id = inbox.id;
                            view! {
                                <option value=inbox_id.to_string() selected=move || current() == Some(inbox_id)>
                                    {inbox.name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button type="submit" disabled=move || action.pending().get()>{t!(i18n, move_conversation)}</button>
            <ErrorNote error />
        </form>
    }
}

#[component]
fn LabelsEditor(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let action = ServerAction::<SetLabels>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let labels = move || {
        desk.data.with(|d| {
            d.conversations
                .get(&id)
                .map(|c| c.labels.clone())
                .unwrap_or_default()
        })
    };
    let known = Resource::new(|| (), |_| crate::api::load_labels());
    let typed = RwSignal::new(String::new());
    let save = move |labels: Vec<String>| {
        action.dispatch(SetLabels {
            conversation_id: id,
            labels,
        });
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let label = typed.get_untracked().trim().to_owned();
        if label.is_empty() {
            return;
        }
        let mut all = labels();
        all.push(label);
        save(all);
        typed.set(String::new());
    };
    let list_id = format!("labels-{id}");
    view! {
        <div class="labels">
            <ul class="chips" aria-label=move || t_string!(i18n, field_labels).to_string()>
                <For each=labels key=|l| l.clone() let:label>
                    <li class="chip">
                        {label.clone()}
                        <button
                            type="button"
                            class="icon"
                            aria-label={
                                let label = label.clone();
                                move || t_string!(i18n, remove_label, label = label.clone()).to_string()
                            }
                            on:click={
                                let label = label.clone();
                                move |_| save(labels().into_iter().filter(|l| *l != label).collect())
                            }
                        >
                            "×"
                        </button>
                    </li>
                </For>
            </ul>
            <form class="add-label" on:submit=add>
                <label>
                    {t!(i18n, add_label)}
                    <input
                        type="text"
                        maxlength="40"
                        list=list_id.clone()
                        prop:value=typed
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </label>
                <datalist id=list_id>
                    <Suspense>
                        {move || Suspend::new(async move {
                            known.await.unwrap_or_default().into_iter().map(|l| view! { <option value=l /> }).collect_view()
                        })}
                    </Suspense>
                </datalist>
                <button type="submit">{t!(i18n, add_label_submit)}</button>
            </form>
            <ErrorNote error />
        </div>
    }
}

/// The block dialog: how long, why, and optionally the visitor's IP address or range.
#[component]
pub fn BlockForm(
    /// The visitor to block.
    visitor_id: i64,
) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<BlockVisitor>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let done = move || matches!(action.value().get(), Some(Ok(_)));
    let length = RwSignal::new(BlockLength::Day);
    let reason = RwSignal::new(String::new());
    let with_ip = RwSignal::new(false);
    let ip = RwSignal::new(String::new());
    let profile = Resource::new(move || visitor_id, crate::api::load_visitor_profile);
    let length_text = move |length: BlockLength| match length {
        BlockLength::Hour => t_string!(i18n, block_hour).to_string(),
        BlockLength::Day => t_string!(i18n, block_day).to_string(),
        BlockLength::Week => t_string!(i18n, block_week).to_string(),
        BlockLength::Forever => t_string!(i18n, block_forever).to_string(),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(BlockVisitor {
            visitor_id,
            length: length.get_untracked().as_str().to_owned(),
            reason: reason.get_untracked(),
            ip: with_ip.get_untracked().then(|| ip.get_untracked()),
        });
    };
    view! {
        <form class="tool-form" role="dialog" aria-label=move || t_string!(i18n, block_visitor).to_string() on:submit=submit>
            <fieldset>
                <legend>{t!(i18n, block_for)}</legend>
                {BlockLength::ALL
                    .into_iter()
                    .map(|choice| view! {
                        <label class="choice">
                            <input
                                type="radio"
                                name="block-length"
                                value=choice.as_str()
                                prop:checked=move || length.get() == choice
                                on:change=move |_| length.set(choice)
                            />
                            {move || length_text(choice)}
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <label>
                {t!(i18n, field_reason)}
                <textarea rows="2" maxlength="500" required prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            </label>
            <label class="choice">
                <input
                    type="checkbox"
                    prop:checked=with_ip
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        with_ip.set(on);
                        if on && ip.get_untracked().is_empty() {
                            let last = profile
                                .get_untracked()
                                .and_then(Result::ok)
                                .and_then(|p| p.visits.first().and_then(|v| v.ip.clone()));
                            ip.set(last.unwrap_or_default());
                        }
                    }
                />
                {t!(i18n, block_ip_too)}
            </label>
            <Show when=move || with_ip.get()>
                <label>
                    {t!(i18n, field_ip)}
                    <input type="text" prop:value=ip on:input=move |ev| ip.set(event_target_value(&ev)) />
                </label>
                <p class="warning">{t!(i18n, block_ip_warning)}</p>
            </Show>
            <button type="submit" class="danger" disabled=move || action.pending().get()>{t!(i18n, block_submit)}</button>
            <Show when=done>
                <p class="note" role="status">{t!(i18n, block_done)}</p>
            </Show>
            <ErrorNote error />
        </form>
    }
}

#[component]
fn TicketForm(id: i64, email: Option<String>, selected: RwSignal<BTreeSet<i64>>) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<CreateTicket>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let created = move || action.value().get().and_then(Result::ok);
    let subject = RwSignal::new(String::new());
    let requester = RwSignal::new(email.unwrap_or_default());
    let desk = expect_context::<DeskState>();
    let inboxes = desk.inboxes.get_value();
    let current = desk
        .data
        .with_untracked(|d| d.conversations.get(&id).map(|c| c.inbox_id));
    let target = RwSignal::new(current.map(|i| i.to_string()).unwrap_or_default());
    let priority = RwSignal::new(crate::model::TicketPriority::Normal.as_str().to_owned());
    let kind = RwSignal::new(String::new());
    // The types the chosen inbox offers (none: no type asked).
    let types_of = {
        let inboxes = inboxes.clone();
        move |target: &str| {
            inboxes
                .iter()
                .find(|i| i.id.to_string() == target)
                .and_then(|i| crate::rules::ticket_types(&i.ticket_types).ok())
                .unwrap_or_default()
        }
    };
    let types = Memo::new(move |_| target.with(|t| types_of(t)));
    let scope = move || {
        let count = selected.with(BTreeSet::len);
        if count == 0 {
            t_string!(i18n, ticket_whole).to_string()
        } else {
            t_string!(i18n, ticket_selected, count = count).to_string()
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CreateTicket {
            conversation_id: id,
            subject: subject.get_untracked(),
            message_ids: selected.get_untracked().into_iter().collect(),
            requester_email: Some(requester.get_untracked()),
            inbox_id: target.get_untracked().parse().ok(),
            priority: Some(priority.get_untracked()),
            kind: Some(kind.get_untracked()).filter(|k| !k.is_empty()),
        });
    };
    view! {
        <form class="tool-form" role="dialog" aria-label=move || t_string!(i18n, create_ticket).to_string() on:submit=submit>
            <p class="note">{scope}</p>
            <label>
                {t!(i18n, field_subject)}
                <input type="text" maxlength="200" required prop:value=subject on:input=move |ev| subject.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_requester_email)}
                <input type="email" required prop:value=requester on:input=move |ev| requester.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, ticket_target_inbox)}
                <select on:change=move |ev| {
                    target.set(event_target_value(&ev));
                    kind.set(String::new());
                }>
                    {inboxes
                        .into_iter()
                        .map(|inbox| {
                            let value = inbox.id.to_string();
                            let this = value.clone();
                            view! {
                                <option value=value selected=move || target.get() == this>{inbox.name}</option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <Show when=move || types.with(|t| !t.is_empty())>
                <label>
                    {t!(i18n, field_ticket_type)}
                    <select required on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="" selected=move || kind.get().is_empty()>{t!(i18n, ticket_type_choose)}</option>
                        {move || {
                            types
                                .get()
                                .into_iter()
                                .map(|t| {
                                    let this = t.clone();
                                    let value = t.clone();
                                    view! { <option value=value selected=move || kind.get() == this>{t}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
            </Show>
            <crate::ui::tickets_page::PrioritySelect chosen=priority />
            <button type="submit" class="primary" disabled=move || action.pending().get()>{t!(i18n, create_ticket_submit)}</button>
            {move || created().map(|ticket| view! {
                <p class="note" role="status">
                    <a href=format!("/tickets/{}", ticket.id)>
                        {t_string!(i18n, ticket_created, id = ticket.id).to_string()}
                    </a>
                </p>
            })}
            <ErrorNote error />
        </form>
    }
}

#[component]
fn TranscriptForm(id: i64, email: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SendTranscript>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    let to = RwSignal::new(email.unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SendTranscript {
            conversation_id: id,
            email: to.get_untracked(),
        });
    };
    view! {
        <form class="tool-form" role="dialog" aria-label=move || t_string!(i18n, send_transcript).to_string() on:submit=submit>
            <label>
                {t!(i18n, field_email)}
                <input type="email" required prop:value=to on:input=move |ev| to.set(event_target_value(&ev)) />
            </label>
            <button type="submit" disabled=move || action.pending().get()>{t!(i18n, send_transcript_submit)}</button>
            <Show when=sent>
                <p class="note" role="status">{t!(i18n, transcript_queued)}</p>
            </Show>
            <ErrorNote error />
        </form>
    }
}
