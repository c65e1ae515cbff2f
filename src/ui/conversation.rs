//! One conversation as the workspace shows it: in the main view (heading, who has it, who else
//! is looking, accept / assign / close, earlier conversations, timeline with selection, reply
//! or note) or compact in a docked chat box (timeline and reply).

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::api::{AcceptConversation, AssignConversation};
use crate::i18n::*;
use crate::live::Draft;
use crate::model::ConversationStatus;
use crate::templates::Placeholders;
use crate::ui::actions_menu::ActionsMenu;
use crate::ui::chat_details::{ChatDetails, Tool, ToolPanel};
use crate::ui::composer::{AgentTools, Composer};
use crate::ui::composer_files::UploadTarget;
use crate::ui::errors::ErrorNote;
use crate::ui::icons::{Glyph, Icon};
use crate::ui::profile::VisitorPanel;
use crate::ui::timeline::{History, Selection, Timeline, Viewer};
use crate::ui::workspace::DeskState;

/// A conversation of the workspace store, with what the agent may do in it.
#[component]
pub fn ConversationView(
    /// The conversation.
    id: i64,
    /// In a chat box: only the timeline and the reply box.
    compact: bool,
    /// The form its actions menu opened (a chat box holds its own; else one is made here).
    #[prop(optional)]
    tool: Option<RwSignal<Option<Tool>>>,
) -> impl IntoView {
    let tool = tool.unwrap_or_else(|| RwSignal::new(None));
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let data = desk.data;
    let my_id = desk.agent_id;
    let summary = move || data.with(|d| d.conversations.get(&id).cloned());
    let status = move || summary().map(|c| c.status);
    let assignee = move || summary().and_then(|c| c.assignee);
    let is_mine = move || assignee().is_some_and(|a| a.id == my_id);
    let can_reply = move || is_mine() && status() == Some(ConversationStatus::Assigned);
    let visitor = move || summary().map(|c| c.visitor_label).unwrap_or_default();
    let typing = move || {
        let colleague = desk
            .typing
            .with(|t| t.get(&id).map(|a| a.name.clone()))
            .map(|name| t_string!(i18n, typing_colleague, name = name).to_string());
        let visitor_typing = desk
            .visitor_typing
            .with(|t| t.get(&id).cloned())
            .map(|draft| match draft.filter(|d| !d.trim().is_empty()) {
                Some(draft) => {
                    t_string!(i18n, typing_visitor_draft, name = visitor(), draft = draft)
                        .to_string()
                }
                None => t_string!(i18n, typing_visitor, name = visitor()).to_string(),
            });
        [visitor_typing, colleague]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let outgoing = desk.outgoing;
    let on_send = Callback::new(move |draft: Draft| outgoing.text(Some(id), draft));
    let on_retry = Callback::new(move |client_id: String| outgoing.retry(client_id));
    let on_typing =
        Callback::new(move |(_, note): (String, bool)| outgoing.typing(Some(id), None, note));
    let label = Signal::derive(move || {
        if compact {
            t_string!(i18n, reply_to, visitor = visitor()).to_string()
        } else {
            t_string!(i18n, reply_label).to_string()
        }
    });
    let inbox = move || {
        summary().and_then(|c| {
            desk.inboxes
                .with_value(|inboxes| inboxes.iter().find(|i| i.id == c.inbox_id).cloned())
        })
    };
    let upload = Signal::derive(move || {
        inbox().map(|inbox| UploadTarget {
            url: format!("/files?conversation_id={id}"),
            policy: inbox.files,
        })
    });
    let tools = AgentTools {
        can_reply: Signal::derive(can_reply),
        templates: desk.templates.into(),
        placeholders: Signal::derive(move || {
            let summary = summary();
            Placeholders {
                visitor_name: summary.as_ref().and_then(|c| c.visitor_name.clone()),
                visitor_email: summary.as_ref().and_then(|c| c.visitor_email.clone()),
                agent_name: desk.agent_name.get_value(),
                inbox_name: inbox().map(|i| i.name).unwrap_or_default(),
            }
        }),
    };
    let selecting = RwSignal::new(false);
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let selection = (!compact).then_some(Selection {
        on: selecting.into(),
        ids: selected,
    });
    let messages = Signal::derive(move || data.with(|d| d.timeline(id).unwrap_or_default()));
    let visitor_id = Memo::new(move |_| summary().map(|c| c.visitor_id));
    let typing_line = view! { <p class="typing" aria-live="polite">{typing}</p> };
    let timeline = view! {
        <Timeline
            messages
            pending=Signal::derive(move || {
                data.with(|d| {
                    d.unsent.items.iter().filter(|p| p.conversation_id == Some(id)).cloned().collect::<Vec<_>>()
                })
            })
            viewer=Viewer::Agent(my_id)
            on_retry
            visitor_label=Signal::derive(visitor)
            selection
        />
    };
    let composer = view! {
        <Composer
            label
            on_send
            on_typing
            upload
            tools
            disabled=Signal::derive(move || summary().is_none())
            summoned=(!compact).then_some(desk.compose)
        />
    };
    if compact {
        return view! {
            <ToolPanel id tool selected />
            {typing_line}
            {timeline}
            {composer}
        }
        .into_any();
    }
    let earlier =
        Signal::derive(move || data.with(|d| d.earlier.get(&id).cloned().unwrap_or_default()));
    let sidebar_open = desk.sidebar_open;
    view! {
        <div class="conversation-column">
            <Header id tool selecting>
                {typing_line}
            </Header>
            <SelectBar selecting selected messages />
            <ToolPanel id tool selected />
            {timeline}
            {composer}
        </div>
        <aside
            id="conversation-sidebar"
            class="sidebar"
            class:collapsed=move || !sidebar_open.get()
            aria-label=move || t_string!(i18n, sidebar_label).to_string()
        >
            <AssignForm id />
            {move || visitor_id.get().map(|visitor_id| view! { <VisitorPanel visitor_id /> })}
            <ChatDetails id />
            <NotesList messages />
            <History earlier viewer=Viewer::Agent(my_id) />
        </aside>
    }
    .into_any()
}

/// While messages are being selected: copy them as text, or stop selecting.
#[component]
fn SelectBar(
    selecting: RwSignal<bool>,
    selected: RwSignal<BTreeSet<i64>>,
    messages: Signal<Vec<crate::model::Message>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let chosen: Vec<_> = messages
            .get_untracked()
            .into_iter()
            .filter(|m| selected.with_untracked(|s| s.contains(&m.id)))
            .collect();
        let text = crate::transcript::plain_text(
            &chosen,
            |author| match author {
                crate::model::Author::Agent { name, .. } => name.clone(),
                _ => t_string!(i18n, author_visitor).to_string(),
            },
            |at| crate::ui::clock::date_time(i18n, at),
            |m| {
                m.system
                    .as_ref()
                    .map(|line| crate::ui::timeline::system_text(i18n, line))
            },
        );
        #[cfg(feature = "hydrate")]
        crate::ui::transfer::copy_text(&text);
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
        copied.set(true);
    };
    view! {
        <Show when=move || selecting.get()>
            <div class="select-bar">
                <button
                    type="button"
                    disabled=move || selected.with(BTreeSet::is_empty)
                    on:click=copy
                >
                    {move || t_string!(i18n, copy_selected, count = selected.with(BTreeSet::len)).to_string()}
                </button>
                <button
                    type="button"
                    on:click=move |_| {
                        selecting.set(false);
                        selected.set(BTreeSet::new());
                        copied.set(false);
                    }
                >
                    {t!(i18n, stop_selecting)}
                </button>
                <Show when=move || copied.get()>
                    <span role="status">{t!(i18n, copied)}</span>
                </Show>
            </div>
        </Show>
    }
}

#[component]
fn Header(
    /// The conversation.
    id: i64,
    /// The form its actions menu opens.
    tool: RwSignal<Option<Tool>>,
    /// Whether messages are being selected.
    selecting: RwSignal<bool>,
    /// What ends the status row (typing).
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let data = desk.data;
    let my_id = desk.agent_id;
    let accept = ServerAction::<AcceptConversation>::new();
    let accept_error = Signal::derive(move || accept.value().get().and_then(Result::err));
    let summary = move || data.with(|d| d.conversations.get(&id).cloned());
    let status = move || summary().map(|c| c.status);
    let assignee = move || summary().and_then(|c| c.assignee);
    let heading = move || {
        summary().map(|c| {
            t_string!(
                i18n,
                conversation_heading,
                id = c.id,
                visitor = c.visitor_label.clone()
            )
            .to_string()
        })
    };
    let who_has_it = move || match (status(), assignee()) {
        (Some(ConversationStatus::Closed), _) => {
            t_string!(i18n, conversation_is_closed).to_string()
        }
        (_, Some(a)) if a.id == my_id => t_string!(i18n, you_have_it).to_string(),
        (_, Some(a)) => t_string!(i18n, assigned_to, name = a.name.clone()).to_string(),
        (_, None) => t_string!(i18n, waiting_for_agent).to_string(),
    };
    let viewers = move || {
        let names: Vec<String> =
            data.with(|d| d.other_viewers(id).into_iter().map(|a| a.name).collect());
        (!names.is_empty())
            .then(|| t_string!(i18n, viewing_also, names = names.join(", ")).to_string())
    };
    let sidebar_open = desk.sidebar_open;
    view! {
        <header class="conversation-header">
            <div class="title-row">
                <h2>{heading}</h2>
                <button
                    type="button"
                    class="icon"
                    aria-label=move || t_string!(i18n, open_as_box).to_string()
                    title=move || t_string!(i18n, open_as_box).to_string()
                    on:click=move |_| desk.open_box(id)
                >
                    <Icon glyph=Glyph::Dock />
                </button>
                <button
                    type="button"
                    class="icon"
                    aria-controls="conversation-sidebar"
                    aria-expanded=move || sidebar_open.get().to_string()
                    on:click=move |_| desk.toggle_sidebar()
                >
                    {t!(i18n, sidebar_toggle)}
                </button>
                <ActionsMenu id tool selecting />
            </div>
            <div class="status-row">
                <p class="assignment" role="status">{who_has_it}</p>
                {move || summary().map(|c| {
                    let name = c.visitor_label.clone();
                    view! {
                        <button type="button" class="link" on:click=move |_| desk.profile.set(Some(c.visitor_id))>
                            {move || t_string!(i18n, open_profile, name = name.clone()).to_string()}
                        </button>
                    }
                })}
                <p class="viewers" aria-live="polite">{viewers}</p>
                <div class="actions">
                    <Show when=move || status() == Some(ConversationStatus::Unassigned)>
                        <button type="button" class="primary" on:click=move |_| { accept.dispatch(AcceptConversation { id }); }>
                            {t!(i18n, accept)}
                        </button>
                    </Show>
                </div>
                {children()}
            </div>
            <ErrorNote error=accept_error />
        </header>
    }
    .into_any()
}

/// Who has the conversation: an agent of its inbox who is online, or nobody (back to
/// Unassigned). Open conversations only.
#[component]
fn AssignForm(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let data = desk.data;
    let assign = ServerAction::<AssignConversation>::new();
    let error = Signal::derive(move || assign.value().get().and_then(Result::err));
    let summary = move || data.with(|d| d.conversations.get(&id).cloned());
    let is_open = move || summary().is_some_and(|c| c.status != ConversationStatus::Closed);
    let candidates = move || {
        summary()
            .map(|c| {
                let current = c.assignee.map(|a| a.id);
                data.with(|d| d.online_assignees(c.inbox_id))
                    .into_iter()
                    .filter(|colleague| Some(colleague.id) != current)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let choice = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let agent_id = choice.get_untracked().parse::<i64>().ok();
        assign.dispatch(AssignConversation { id, agent_id });
    };
    view! {
        <Show when=is_open>
            <form class="assign" on:submit=submit>
                <label>
                    {t!(i18n, assign_label)}
                    <select on:change=move |ev| choice.set(event_target_value(&ev))>
                        <option value="" selected=move || choice.get().is_empty()>
                            {t!(i18n, assign_nobody)}
                        </option>
                        <For each=candidates key=|c| c.id let:colleague>
                            <option value=colleague.id.to_string()>{colleague.name.clone()}</option>
                        </For>
                    </select>
                </label>
                <button type="submit" disabled=move || assign.pending().get()>
                    {t!(i18n, assign_submit)}
                </button>
            </form>
        </Show>
        <ErrorNote error />
    }
}

/// The conversation's internal notes, gathered in the sidebar (seed 002: a "Notes" tab), newest
/// last, each with who wrote it and when.
#[component]
fn NotesList(
    /// The conversation's timeline.
    messages: Signal<Vec<crate::model::Message>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let notes = move || {
        messages
            .get()
            .into_iter()
            .filter(|m| m.note)
            .collect::<Vec<_>>()
    };
    view! {
        <section class="notes-list" aria-labelledby="notes-heading">
            <h3 id="notes-heading">{t!(i18n, notes_heading)}</h3>
            <Show
                when=move || !notes().is_empty()
                fallback=move || view! { <p class="empty">{t!(i18n, no_notes)}</p> }
            >
                <ul>
                    <For each=notes key=|m| m.id let:note>
                        <li>
                            <p class="body plain">{note.body.clone()}</p>
                            <span class="meta">
                                {match &note.author {
                                    crate::model::Author::Agent { name, .. } => name.clone(),
                                    _ => String::new(),
                                }}
                                " · "
                                {crate::ui::clock::date_time(i18n, note.created_at)}
                            </span>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}
