//! One conversation as the workspace shows it: in the main view (heading, who has it, who else
//! is looking, accept / assign / close, earlier conversations, timeline, reply) or compact in a
//! docked chat box (timeline and reply).

use leptos::prelude::*;

use crate::api::{AcceptConversation, AssignConversation, CloseConversation};
use crate::i18n::*;
use crate::model::{ConversationStatus, Role};
use crate::ui::composer::Composer;
use crate::ui::errors::ErrorNote;
use crate::ui::profile::VisitorPanel;
use crate::ui::timeline::{History, Timeline, Viewer};
use crate::ui::workspace::DeskState;

/// A conversation of the workspace store, with what the agent may do in it.
#[component]
pub fn ConversationView(
    /// The conversation.
    id: i64,
    /// In a chat box: only the timeline and the reply box.
    compact: bool,
) -> impl IntoView {
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
        desk.typing
            .with(|t| t.get(&id).map(|a| a.name.clone()))
            .map(|name| t_string!(i18n, typing_colleague, name = name).to_string())
    };
    let outgoing = desk.outgoing;
    let on_send = Callback::new(move |body: String| outgoing.text(Some(id), body));
    let on_retry = Callback::new(move |client_id: String| outgoing.retry(client_id));
    let on_typing = Callback::new(move |()| outgoing.typing(id));
    let label = Signal::derive(move || {
        if compact {
            t_string!(i18n, reply_to, visitor = visitor()).to_string()
        } else {
            t_string!(i18n, reply_label).to_string()
        }
    });
    let visitor_id = Memo::new(move |_| summary().map(|c| c.visitor_id));
    view! {
        <Show when=move || !compact>
            <Header id />
            {move || visitor_id.get().map(|visitor_id| view! { <VisitorPanel visitor_id /> })}
        </Show>
        <p class="typing" aria-live="polite">{typing}</p>
        <Timeline
            messages=Signal::derive(move || data.with(|d| d.timeline(id).unwrap_or_default()))
            pending=Signal::derive(move || {
                data.with(|d| {
                    d.outbox.items.iter().filter(|p| p.conversation_id == Some(id)).cloned().collect::<Vec<_>>()
                })
            })
            viewer=Viewer::Agent(my_id)
            on_retry
        />
        <Composer label on_send on_typing disabled=Signal::derive(move || !can_reply()) />
    }
    .into_any()
}

/// The main view's header: heading, assignment, colleagues here, actions, earlier chats.
#[component]
fn Header(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let data = desk.data;
    let my_id = desk.agent_id;
    let oversees = matches!(desk.role, Role::Supervisor | Role::Admin);
    let accept = ServerAction::<AcceptConversation>::new();
    let assign = ServerAction::<AssignConversation>::new();
    let close = ServerAction::<CloseConversation>::new();
    let accept_error = Signal::derive(move || accept.value().get().and_then(Result::err));
    let assign_error = Signal::derive(move || assign.value().get().and_then(Result::err));
    let close_error = Signal::derive(move || close.value().get().and_then(Result::err));
    let summary = move || data.with(|d| d.conversations.get(&id).cloned());
    let status = move || summary().map(|c| c.status);
    let assignee = move || summary().and_then(|c| c.assignee);
    let is_mine = move || assignee().is_some_and(|a| a.id == my_id);
    let is_open = move || status().is_some_and(|s| s != ConversationStatus::Closed);
    let can_close = move || is_open() && (is_mine() || oversees);
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
    let candidates = move || {
        let current = assignee().map(|a| a.id);
        summary()
            .map(|c| data.with(|d| d.online_assignees(c.inbox_id)))
            .unwrap_or_default()
            .into_iter()
            .filter(|c| Some(c.id) != current)
            .collect::<Vec<_>>()
    };
    let choice = RwSignal::new(String::new());
    let submit_assign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let agent_id = choice.get_untracked().parse::<i64>().ok();
        assign.dispatch(AssignConversation { id, agent_id });
    };
    let earlier =
        Signal::derive(move || data.with(|d| d.earlier.get(&id).cloned().unwrap_or_default()));
    view! {
        <header class="conversation-header">
            <div class="title-row">
                <h2>{heading}</h2>
                <button type="button" class="icon" on:click=move |_| desk.open_box(id)>
                    {t!(i18n, open_as_box)}
                </button>
                <Show when=can_close>
                    <button
                        type="button"
                        class="icon close"
                        aria-label=move || t_string!(i18n, close_conversation).to_string()
                        title=move || t_string!(i18n, close_conversation).to_string()
                        on:click=move |_| { close.dispatch(CloseConversation { id }); }
                    >
                        "✕"
                    </button>
                </Show>
            </div>
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
                <Show when=is_open>
                    <form class="assign" on:submit=submit_assign>
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
            </div>
            <ErrorNote error=accept_error />
            <ErrorNote error=assign_error />
            <ErrorNote error=close_error />
        </header>
        <History earlier viewer=crate::ui::timeline::Viewer::Agent(my_id) />
    }
    .into_any()
}
