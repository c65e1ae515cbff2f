//! `/`: the agent workspace. Lists of conversations by view on the left, the open
//! conversation on the right, all fed live by `/ws/agent`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::{
    AcceptConversation, CloseConversation, Presence, WorkspaceSnapshot, load_workspace, who_is_here,
};
use crate::i18n::*;
use crate::live::WorkspaceData;
use crate::model::{ConversationStatus, ConversationSummary, Me, Role};
use crate::ui::app::{AgentLanguage, TopBar};
use crate::ui::composer::Composer;
use crate::ui::errors::{ErrorNote, code_text};
use crate::ui::outgoing::Outgoing;
use crate::ui::timeline::{Timeline, Viewer};

/// Which list of conversations is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum View {
    Unassigned,
    Mine,
    Active,
    Closed,
}

/// The workspace page: sends visitors of the site to setup or sign-in as needed.
#[component]
pub fn WorkspacePage() -> impl IntoView {
    let presence = Resource::new(|| (), |_| who_is_here());
    view! {
        <AgentLanguage>
            <Suspense>
                {move || Suspend::new(async move {
                    match presence.await {
                        Ok(Presence::SignedIn(me)) => view! { <Workspace me /> }.into_any(),
                        Ok(Presence::NeedsSetup) => view! { <Redirect path="/setup" /> }.into_any(),
                        _ => view! { <Redirect path="/login" /> }.into_any(),
                    }
                })}
            </Suspense>
        </AgentLanguage>
    }
}

#[component]
fn Workspace(me: Me) -> impl IntoView {
    let snapshot = Resource::new(|| (), |_| load_workspace());
    view! {
        <TopBar me=me.clone() />
        <Suspense>
            {move || Suspend::new(async move {
                snapshot.await.map(|snapshot| view! { <Desk snapshot /> })
            })}
        </Suspense>
    }
}

#[component]
fn Desk(snapshot: WorkspaceSnapshot) -> impl IntoView {
    let i18n = use_i18n();
    let me = snapshot.me.clone();
    let data = RwSignal::new(WorkspaceData::from_snapshot(
        snapshot.conversations,
        snapshot.last_event_id,
    ));
    let view_signal = RwSignal::new(View::Unassigned);
    let selected = RwSignal::new(None::<i64>);
    let online = RwSignal::new(true);
    let problem = RwSignal::new(None::<String>);
    let outgoing = Outgoing::new();

    #[cfg(feature = "hydrate")]
    live::start(data, selected, online, problem, outgoing);

    let my_id = me.id;
    let oversees = matches!(me.role, Role::Supervisor | Role::Admin);
    let list = move || {
        data.with(|d| match view_signal.get() {
            View::Unassigned => d.unassigned(),
            View::Mine => d.mine(my_id),
            View::Active => d.active(),
            View::Closed => d.closed(),
        })
    };
    let count = move |view: View| {
        data.with(|d| match view {
            View::Unassigned => d.unassigned().len(),
            View::Mine => d.mine(my_id).len(),
            View::Active => d.active().len(),
            View::Closed => d.closed().len(),
        })
    };
    let views = move || {
        let mut views = vec![View::Unassigned, View::Mine];
        if oversees {
            views.push(View::Active);
        }
        views.push(View::Closed);
        views
    };
    let view_name = move |view: View| match view {
        View::Unassigned => t_string!(i18n, view_unassigned).to_string(),
        View::Mine => t_string!(i18n, view_mine).to_string(),
        View::Active => t_string!(i18n, view_active).to_string(),
        View::Closed => t_string!(i18n, view_closed).to_string(),
    };

    view! {
        <Title text=move || t_string!(i18n, app_name).to_string() />
        <Show when=move || !online.get()>
            <p class="banner" role="status">{t!(i18n, reconnecting)}</p>
        </Show>
        {move || problem.get().map(|code| view! { <p class="error" role="alert">{code_text(i18n, &code)}</p> })}
        <div class="desk">
            <nav class="views" aria-label=move || t_string!(i18n, views_label).to_string()>
                <For each=views key=|view| *view let:view>
                    <button
                        type="button"
                        aria-pressed=move || (view_signal.get() == view).to_string()
                        on:click=move |_| view_signal.set(view)
                    >
                        <span>{move || view_name(view)}</span>
                        " "
                        <span class="count">{move || count(view)}</span>
                    </button>
                </For>
            </nav>
            <section class="list">
                <ul aria-label=move || t_string!(i18n, conversations_label).to_string()>
                    <For
                        each=list
                        key=|c| (c.id, c.status, c.assignee.as_ref().map(|a| a.id), c.preview.clone())
                        let:conversation
                    >
                        <ConversationItem conversation selected />
                    </For>
                </ul>
                <Show when=move || list().is_empty()>
                    <p class="empty">{t!(i18n, no_conversations)}</p>
                </Show>
            </section>
            <section class="conversation">
                {move || match selected.get() {
                    Some(id) => view! { <ConversationPane id me=me.clone() data outgoing /> }.into_any(),
                    None => view! { <p class="empty">{t!(i18n, pick_conversation)}</p> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn ConversationItem(
    conversation: ConversationSummary,
    selected: RwSignal<Option<i64>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = conversation.id;
    let is_new = conversation.status == ConversationStatus::Unassigned;
    view! {
        <li>
            <button
                type="button"
                class="conversation-item"
                aria-current=move || (selected.get() == Some(id)).then_some("true")
                on:click=move |_| selected.set(Some(id))
            >
                <span class="visitor">{conversation.visitor_label.clone()}</span>
                <Show when=move || is_new>
                    <span class="badge new">{t!(i18n, new_badge)}</span>
                </Show>
                <span class="preview">{conversation.preview.clone()}</span>
            </button>
        </li>
    }
}

#[component]
fn ConversationPane(
    id: i64,
    me: Me,
    data: RwSignal<WorkspaceData>,
    outgoing: Outgoing,
) -> impl IntoView {
    let i18n = use_i18n();
    let accept = ServerAction::<AcceptConversation>::new();
    let close = ServerAction::<CloseConversation>::new();
    let accept_error = Signal::derive(move || accept.value().get().and_then(Result::err));
    let close_error = Signal::derive(move || close.value().get().and_then(Result::err));
    let summary = move || data.with(|d| d.conversations.get(&id).cloned());
    let my_id = me.id;
    let oversees = matches!(me.role, Role::Supervisor | Role::Admin);
    let status = move || summary().map(|c| c.status);
    let assignee = move || summary().and_then(|c| c.assignee);
    let is_mine = move || assignee().is_some_and(|a| a.id == my_id);
    let can_reply = move || is_mine() && status() == Some(ConversationStatus::Assigned);
    let can_close = move || {
        status().is_some_and(|s| s != ConversationStatus::Closed) && (is_mine() || oversees)
    };
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
    let on_send = Callback::new(move |body: String| outgoing.text(Some(id), body));
    let on_retry = Callback::new(move |client_id: String| outgoing.retry(client_id));
    view! {
        <header class="conversation-header">
            <h2>{heading}</h2>
            <p class="assignment" role="status">{who_has_it}</p>
            <div class="actions">
                <Show when=move || status() == Some(ConversationStatus::Unassigned)>
                    <button type="button" class="primary" on:click=move |_| { accept.dispatch(AcceptConversation { id }); }>
                        {t!(i18n, accept)}
                    </button>
                </Show>
                <Show when=can_close>
                    <button type="button" on:click=move |_| { close.dispatch(CloseConversation { id }); }>
                        {t!(i18n, close_conversation)}
                    </button>
                </Show>
            </div>
            <ErrorNote error=accept_error />
            <ErrorNote error=close_error />
        </header>
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
        <Composer
            label=Signal::derive(move || t_string!(i18n, reply_label).to_string())
            on_send
            disabled=Signal::derive(move || !can_reply())
        />
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;

    use crate::api::conversation;
    use crate::live::WorkspaceData;
    use crate::ui::browser::{self, LiveSocket};
    use crate::ui::outgoing::Outgoing;

    /// Connects the socket and the send pump, and loads timelines as they are opened.
    pub fn start(
        data: RwSignal<WorkspaceData>,
        selected: RwSignal<Option<i64>>,
        online: RwSignal<bool>,
        problem: RwSignal<Option<String>>,
        outgoing: Outgoing,
    ) {
        let socket = StoredValue::new_local(None::<LiveSocket>);
        browser::pump(outgoing, socket, data);
        Effect::new(move |_| {
            let Some(id) = selected.get() else { return };
            if data.with_untracked(|d| d.timelines.contains_key(&id)) {
                return;
            }
            data.update(|d| d.watch_timeline(id));
            leptos::task::spawn_local(async move {
                match conversation(id).await {
                    Ok(detail) => data.update(|d| d.load_timeline(detail.summary, detail.messages)),
                    Err(e) => problem.set(Some(e.code().to_owned())),
                }
            });
        });
        Effect::new(move |_| {
            let hooks = browser::store_hooks(data, None, online, problem);
            socket.set_value(Some(LiveSocket::connect("/ws/agent", hooks)));
        });
    }
}
