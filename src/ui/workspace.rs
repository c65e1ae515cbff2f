//! `/`: the agent workspace. The left menu (views, inboxes, team), the list of the chosen view,
//! the open conversation, and the dock of chat boxes at the bottom; all fed live by
//! `/ws/agent`. Lists, counters and badges are derived from one client store.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{SetPresence, SetSound, WorkspaceSnapshot, load_workspace};
use crate::i18n::*;
use crate::live::{WorkspaceData, WorkspaceStart};
use crate::model::{AgentRef, ConversationStatus, ConversationSummary, Inbox, Me, Presence, Role};
use crate::online_table::OnlineTable;
use crate::ui::address::Place;
use crate::ui::agent_page::{AgentPage, TopBar};
use crate::ui::chat_boxes::{ChatBox, Dock};
use crate::ui::conversation::ConversationView;
use crate::ui::errors::code_text;
use crate::ui::outgoing::Outgoing;
use crate::ui::profile::VisitorDialog;
use crate::ui::search_box::SearchBox;
use crate::ui::shortcuts::ShortcutsHelp;
use crate::ui::theme::ThemePicker;
use crate::ui::toasts::Toasts;
use crate::ui::visitors::OnlineVisitorsPanel;

/// Which list of conversations is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum View {
    Unassigned,
    Mine,
    Active,
    Closed,
    /// The online visitors table.
    Visitors,
}

impl View {
    /// Every view, in the menu's order.
    const ALL: [View; 5] = [
        View::Unassigned,
        View::Mine,
        View::Active,
        View::Closed,
        View::Visitors,
    ];

    /// Its name in the workspace's address (`?view=mine`).
    fn slug(self) -> &'static str {
        match self {
            View::Unassigned => "unassigned",
            View::Mine => "mine",
            View::Active => "active",
            View::Closed => "closed",
            View::Visitors => "visitors",
        }
    }

    /// The view an address names (the first one when it names none).
    fn from_slug(slug: Option<&str>) -> View {
        View::ALL
            .into_iter()
            .find(|v| Some(v.slug()) == slug)
            .unwrap_or(View::Unassigned)
    }
}

/// Where the address says the agent is.
fn place_of(location: &leptos_router::location::Location) -> Place {
    let query = location.query.get();
    Place::parse(
        &location.pathname.get(),
        query.get_str("view"),
        query.get_str("inbox"),
    )
}

/// What every part of the workspace shares, provided as context by the desk.
#[derive(Clone, Copy)]
pub struct DeskState {
    /// The signed-in agent's id.
    pub agent_id: i64,
    /// Their role.
    pub role: Role,
    /// The client store.
    pub data: RwSignal<WorkspaceData>,
    /// The conversation in the main view.
    pub selected: RwSignal<Option<i64>>,
    /// Conversations open as docked chat boxes, in the order opened.
    pub boxes: RwSignal<Vec<ChatBox>>,
    /// Colleagues typing now, by conversation.
    pub typing: RwSignal<HashMap<i64, AgentRef>>,
    /// Visitors typing now, by conversation, with what they typed when the inbox shows it.
    pub visitor_typing: RwSignal<HashMap<i64, Option<String>>>,
    /// The templates this agent may use.
    pub templates: RwSignal<Vec<crate::model::Template>>,
    /// The inboxes this agent may see (their file policies and names).
    pub inboxes: StoredValue<Vec<Inbox>>,
    /// The signed-in agent's name (templates fill it in).
    pub agent_name: StoredValue<String>,
    /// What the page wants sent on its socket.
    pub outgoing: Outgoing,
    /// The last error code to show.
    pub problem: RwSignal<Option<String>>,
    /// Whether the page is in front of the agent.
    pub visible: RwSignal<bool>,
    /// Whether notification sounds play.
    pub sound_on: RwSignal<bool>,
    /// The desktop notification permission ("granted", "denied", "default"; `None`: none).
    pub permission: RwSignal<Option<String>>,
    /// The online visitors table (rows while it or a profile is open) and the online count.
    pub online: RwSignal<OnlineTable>,
    /// Whether the online visitors table is on screen.
    pub table_open: RwSignal<bool>,
    /// Whether the master chat button's popup (active chats, visitors online) is open.
    pub master_open: RwSignal<bool>,
    /// Whether the list of keyboard shortcuts shows.
    pub shortcuts_open: RwSignal<bool>,
    /// Conversations this agent may not open (gone, or in an inbox they are not in): an
    /// address pasted from a colleague says so instead of showing an empty conversation.
    pub unreachable: RwSignal<std::collections::HashSet<i64>>,
    /// The agent asked (by keyboard) to write in the main view: `Some(true)` a note,
    /// `Some(false)` a reply; its composer takes the focus and clears this.
    pub compose: RwSignal<Option<bool>>,
    /// The visitor whose profile dialog is open.
    pub profile: RwSignal<Option<i64>>,
    /// Bumped per visitor whenever the live feed says something about them changed (their
    /// profile reloads).
    pub visitor_versions: RwSignal<HashMap<i64, u32>>,
    /// The time now, every few seconds (durations on screen count up with it).
    pub now: RwSignal<i64>,
    /// Whether the conversation's right-hand sidebar (visitor, details, earlier chats) shows.
    pub sidebar_open: RwSignal<bool>,
    /// The in-page notifications on screen.
    pub toasts: RwSignal<Vec<crate::ui::toasts::Toast>>,
    /// The last toast's key (nothing draws it, so it is not a signal).
    pub toast_keys: StoredValue<u64>,
}

/// Where this browser keeps whether the sidebar is open.
#[cfg(feature = "hydrate")]
const SIDEBAR_KEY: &str = "switchboard.sidebar";
/// Where this tab keeps its open chat boxes.
#[cfg(feature = "hydrate")]
const BOXES_KEY: &str = "switchboard.boxes";
/// Below this window width the sidebar starts folded (it then opens over the conversation).
#[cfg(feature = "hydrate")]
const SIDEBAR_MIN_WIDTH: f64 = 1200.0;

impl DeskState {
    /// The conversations on screen: the main view and the chat boxes that are not minimized.
    pub fn on_screen(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.selected.get().into_iter().collect();
        for chat_box in self.boxes.get() {
            if !chat_box.minimized && !ids.contains(&chat_box.id) {
                ids.push(chat_box.id);
            }
        }
        ids
    }

    /// [`DeskState::on_screen`] without subscribing the caller.
    pub fn on_screen_untracked(&self) -> Vec<i64> {
        untrack(|| self.on_screen())
    }

    /// Every open conversation: the main view and all chat boxes, minimized or not.
    pub fn on_screen_or_minimized(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.selected.get().into_iter().collect();
        for chat_box in self.boxes.get() {
            if !ids.contains(&chat_box.id) {
                ids.push(chat_box.id);
            }
        }
        ids
    }

    /// Shows a conversation in the main view (taking it out of its chat box, if it had one).
    pub fn show(&self, id: i64) {
        self.boxes.update(|boxes| boxes.retain(|b| b.id != id));
        self.selected.set(Some(id));
    }

    /// Whether this agent may close the conversation: it is open, and theirs, or they oversee
    /// the team.
    pub fn may_close(&self, id: i64) -> bool {
        let oversees = matches!(self.role, Role::Supervisor | Role::Admin);
        self.data.with(|d| {
            d.conversations.get(&id).is_some_and(|c| {
                c.status != ConversationStatus::Closed
                    && (oversees || c.assignee.as_ref().is_some_and(|a| a.id == self.agent_id))
            })
        })
    }

    /// Opens or folds the sidebar, and remembers the choice in this browser.
    pub fn toggle_sidebar(&self) {
        let open = !self.sidebar_open.get_untracked();
        self.sidebar_open.set(open);
        #[cfg(feature = "hydrate")]
        crate::ui::browser::remember(SIDEBAR_KEY, if open { "open" } else { "closed" });
    }

    /// Opens a conversation as a docked chat box (or restores its box).
    pub fn open_box(&self, id: i64) {
        self.boxes
            .update(|boxes| match boxes.iter_mut().find(|b| b.id == id) {
                Some(chat_box) => chat_box.minimized = false,
                None => boxes.push(ChatBox {
                    id,
                    minimized: false,
                }),
            });
        if self.selected.get_untracked() == Some(id) {
            self.selected.set(None);
        }
    }
}

/// A presence in the reader's language.
fn presence_text(i18n: leptos_i18n::I18nContext<Locale>, presence: Presence) -> String {
    match presence {
        Presence::Online => t_string!(i18n, presence_online),
        Presence::Away => t_string!(i18n, presence_away),
        Presence::Offline => t_string!(i18n, presence_offline),
    }
    .to_string()
}

/// The workspace page: sends visitors of the site to setup or sign-in as needed.
#[component]
pub fn WorkspacePage() -> impl IntoView {
    view! { <AgentPage page=|me| view! { <Workspace me /> } /> }
}

#[component]
fn Workspace(me: Me) -> impl IntoView {
    let snapshot = Resource::new(|| (), |_| load_workspace());
    // A transition, not a suspense: a resource read later inside (a profile, a menu item)
    // must not take the whole desk off the page while it loads.
    view! {
        <Transition>
            {move || {
                let me = me.clone();
                Suspend::new(async move {
                    snapshot.await.map(|snapshot| view! { <Desk snapshot me /> })
                })
            }}
        </Transition>
    }
}

#[component]
fn Desk(snapshot: WorkspaceSnapshot, me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let data = RwSignal::new(WorkspaceData::from_snapshot(WorkspaceStart {
        agent_id: snapshot.me.id,
        inbox_ids: snapshot.inboxes.iter().map(|i| i.id).collect(),
        conversations: snapshot.conversations,
        team: snapshot.team,
        unread: snapshot.unread,
        last_event_id: snapshot.last_event_id,
    }));
    let desk = DeskState {
        agent_id: me.id,
        role: me.role,
        data,
        // Set from the address once the page is live (see `Lists`): the open conversation
        // is drawn by the browser only, so nothing live can race the page's hydration.
        selected: RwSignal::new(None),
        boxes: RwSignal::new(Vec::new()),
        typing: RwSignal::new(HashMap::new()),
        visitor_typing: RwSignal::new(HashMap::new()),
        templates: RwSignal::new(Vec::new()),
        inboxes: StoredValue::new(snapshot.inboxes.clone()),
        agent_name: StoredValue::new(me.name.clone()),
        outgoing: Outgoing::new(),
        problem: RwSignal::new(None),
        visible: RwSignal::new(true),
        sound_on: RwSignal::new(snapshot.sound_on),
        permission: RwSignal::new(None),
        online: RwSignal::new(OnlineTable {
            count: snapshot.online_visitors,
            ..OnlineTable::default()
        }),
        table_open: RwSignal::new(false),
        master_open: RwSignal::new(false),
        shortcuts_open: RwSignal::new(false),
        compose: RwSignal::new(None),
        unreachable: RwSignal::new(Default::default()),
        profile: RwSignal::new(None),
        visitor_versions: RwSignal::new(HashMap::new()),
        now: RwSignal::new(crate::ui::clock::now_millis()),
        sidebar_open: RwSignal::new(true),
        toasts: RwSignal::new(Vec::new()),
        toast_keys: StoredValue::new(0),
    };
    provide_context(desk);
    // The page is drawn with the sidebar open; once live, the browser's remembered choice
    // (or, without one, the window's width) decides.
    #[cfg(feature = "hydrate")]
    crate::ui::browser::after_hydration(move || {
        let open = match crate::ui::browser::remembered(SIDEBAR_KEY).as_deref() {
            Some("open") => true,
            Some("closed") => false,
            _ => crate::ui::browser::window_width() >= SIDEBAR_MIN_WIDTH,
        };
        desk.sidebar_open.set(open);
    });
    // The tab's chat boxes come back after a reload, and are kept as they change.
    #[cfg(feature = "hydrate")]
    {
        // A box of the conversation the address opens goes when it opens (`DeskState::show`).
        if let Some(text) = crate::ui::browser::remembered_in_tab(BOXES_KEY) {
            let boxes = ChatBox::read_all(&text);
            crate::ui::browser::after_hydration(move || desk.boxes.set(boxes));
        }
        Effect::new(move |_| {
            let text = desk.boxes.with(|boxes| ChatBox::write_all(boxes));
            crate::ui::browser::remember_in_tab(BOXES_KEY, &text);
        });
    }
    let online = RwSignal::new(true);

    #[cfg(feature = "hydrate")]
    realtime::start(desk, online);

    let role = me.role;
    let attention = Memo::new(move |_| data.with(|d| d.workspace_count(role)));
    let title = move || crate::rules::tab_title(attention.get(), t_string!(i18n, app_name));
    let problem = desk.problem;
    view! {
        <Title text=title />
        <div class="workspace">
            <TopBar me=me.clone() attention=attention />
            <Show when=move || !online.get()>
                <p class="banner" role="status">{t!(i18n, reconnecting)}</p>
            </Show>
            {move || problem.get().map(|code| view! { <p class="error" role="alert">{code_text(i18n, &code)}</p> })}
            <Lists inboxes=snapshot.inboxes.clone() />
        </div>
        <Dock />
        <Toasts />
        <ShortcutsHelp />
        {move || desk.profile.get().map(|id| view! { <VisitorDialog id /> })}
    }
}

/// The agent's own switches, at the foot of the left menu: presence, sound, desktop
/// notifications, the theme, and the list of keyboard shortcuts.
#[component]
fn WorkspaceControls() -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let set_presence = ServerAction::<SetPresence>::new();
    let set_sound = ServerAction::<SetSound>::new();
    let presence = move || desk.data.with(|d| d.my_presence());
    let toggle_sound = move |_| {
        let on = !desk.sound_on.get_untracked();
        desk.sound_on.set(on);
        set_sound.dispatch(SetSound { on });
    };
    let ask_permission = move |_| {
        #[cfg(feature = "hydrate")]
        crate::ui::alerts::request_notification_permission(move |answer| {
            desk.permission.set(Some(answer.to_owned()));
        });
    };
    view! {
        <label class="presence">
            {t!(i18n, presence_label)}
            <select
                class=move || format!("presence-{}", presence().as_str())
                on:change=move |ev| {
                    set_presence.dispatch(SetPresence { presence: event_target_value(&ev) });
                }
                prop:value=move || presence().as_str()
            >
                {Presence::ALL
                    .into_iter()
                    .map(|p| {
                        view! {
                            <option value=p.as_str() selected=move || presence() == p>
                                {move || presence_text(i18n, p)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
        <button type="button" aria-pressed=move || desk.sound_on.get().to_string() on:click=toggle_sound>
            {t!(i18n, sound_label)}
        </button>
        <Show when=move || desk.permission.get().is_some_and(|p| p != "denied")>
            <button
                type="button"
                aria-pressed=move || (desk.permission.get().as_deref() == Some("granted")).to_string()
                on:click=ask_permission
            >
                {t!(i18n, desktop_notifications)}
            </button>
        </Show>
        <Show when=move || desk.permission.get().as_deref() == Some("denied")>
            <span class="note">{t!(i18n, desktop_notifications_blocked)}</span>
        </Show>
        <ThemePicker />
        <button
            type="button"
            aria-keyshortcuts="?"
            on:click=move |_| desk.shortcuts_open.set(true)
        >
            {t!(i18n, shortcuts_title)}
        </button>
    }
}

/// The left menu, the chosen list and the main conversation view.
#[component]
fn Lists(inboxes: Vec<Inbox>) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let data = desk.data;
    let location = leptos_router::hooks::use_location();
    let start = untrack(|| place_of(&location));
    let view_signal = RwSignal::new(View::from_slug(start.view.as_deref()));
    let inbox_filter = RwSignal::new(start.inbox);
    // The address follows the screen and the screen the address (back, forward, a link),
    // from when the page is live. Opening another conversation is a step in the history;
    // changing the list is not.
    let live = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    crate::ui::browser::after_hydration(move || live.set(true));
    let read_location = location.clone();
    Effect::new(move |_| {
        if !live.get() {
            return;
        }
        let place = place_of(&read_location);
        if desk.selected.get_untracked() != place.conversation {
            match place.conversation {
                Some(id) => desk.show(id),
                None => desk.selected.set(None),
            }
        }
        let view = View::from_slug(place.view.as_deref());
        if view_signal.get_untracked() != view {
            view_signal.set(view);
        }
        if inbox_filter.get_untracked() != place.inbox {
            inbox_filter.set(place.inbox);
        }
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if !live.get() {
            return;
        }
        let view = view_signal.get();
        let wanted = Place {
            conversation: desk.selected.get(),
            view: (view != View::Unassigned).then(|| view.slug().to_owned()),
            inbox: inbox_filter.get(),
        };
        let here = untrack(|| place_of(&location));
        if wanted != here {
            let options = leptos_router::NavigateOptions {
                replace: wanted.conversation == here.conversation,
                scroll: false,
                ..Default::default()
            };
            navigate(&wanted.href(), options);
        }
    });
    let label_filter = RwSignal::new(None::<String>);
    let my_id = desk.agent_id;
    let oversees = matches!(desk.role, Role::Supervisor | Role::Admin);
    let list_of = move |view: View| {
        let filter = inbox_filter.get();
        let label = label_filter.get();
        data.with(|d| match view {
            View::Unassigned => d.unassigned(),
            View::Mine => d.mine(my_id),
            View::Active => d.active(),
            View::Closed => d.closed(),
            View::Visitors => Vec::new(),
        })
        .into_iter()
        .filter(|c| filter.is_none_or(|inbox| c.inbox_id == inbox))
        .filter(|c| label.as_ref().is_none_or(|l| c.labels.contains(l)))
        .collect::<Vec<_>>()
    };
    let labels_in_use = move || {
        data.with(|d| {
            d.conversations
                .values()
                .flat_map(|c| c.labels.iter().cloned())
                .collect::<std::collections::BTreeSet<_>>()
        })
    };
    let list = move || list_of(view_signal.get());
    #[cfg(feature = "hydrate")]
    crate::ui::shortcuts::listen(
        desk,
        Signal::derive(move || list().iter().map(|c| c.id).collect()),
    );
    // The Active view (everyone's assigned chats) is for supervisors and admins.
    let views = move || {
        View::ALL
            .into_iter()
            .filter(|view| oversees || *view != View::Active)
            .collect::<Vec<_>>()
    };
    let view_name = move |view: View| match view {
        View::Unassigned => t_string!(i18n, view_unassigned).to_string(),
        View::Mine => t_string!(i18n, view_mine).to_string(),
        View::Active => t_string!(i18n, view_active).to_string(),
        View::Closed => t_string!(i18n, view_closed).to_string(),
        View::Visitors => t_string!(i18n, view_visitors).to_string(),
    };
    let count_of = move |view: View| match view {
        View::Visitors => desk.online.with(|t| t.count),
        other => list_of(other).len(),
    };
    let showing_visitors = move || view_signal.get() == View::Visitors;
    Effect::new(move |_| desk.table_open.set(showing_visitors()));
    // Opening a conversation (from a profile, or a proactive chat) leaves the table.
    Effect::new(move |_| {
        if desk.selected.get().is_some() && view_signal.get_untracked() == View::Visitors {
            view_signal.set(View::Mine);
        }
    });
    let inbox_choices: Vec<(Option<i64>, Option<String>)> = std::iter::once((None, None))
        .chain(inboxes.into_iter().map(|i| (Some(i.id), Some(i.name))))
        .collect();
    let team = move || data.with(|d| d.team.values().cloned().collect::<Vec<_>>());
    view! {
        <div class="desk">
            <aside class="menu">
                <nav class="views" aria-label=move || t_string!(i18n, views_label).to_string()>
                    <For each=views key=|view| *view let:view>
                        <button
                            type="button"
                            aria-pressed=move || (view_signal.get() == view).to_string()
                            on:click=move |_| view_signal.set(view)
                        >
                            <span>{move || view_name(view)}</span>
                            " "
                            <span class="count">{move || count_of(view)}</span>
                        </button>
                    </For>
                </nav>
                <nav class="views inboxes" aria-label=move || t_string!(i18n, inboxes_label).to_string()>
                    {inbox_choices
                        .into_iter()
                        .map(|(id, name)| {
                            let name = name.clone();
                            view! {
                                <button
                                    type="button"
                                    aria-pressed=move || (inbox_filter.get() == id).to_string()
                                    on:click=move |_| inbox_filter.set(id)
                                >
                                    <span>
                                        {
                                            let name = name.clone();
                                            move || name.clone().unwrap_or_else(|| t_string!(i18n, all_inboxes).to_string())
                                        }
                                    </span>
                                    // Each inbox shows what in it needs this agent (seed 002).
                                    {id.map(|inbox_id| view! {
                                        <span
                                            class="count"
                                            class:attention=move || { data.with(|d| d.attention_in(inbox_id)) > 0 }
                                        >
                                            {move || data.with(|d| d.attention_in(inbox_id))}
                                        </span>
                                    })}
                                </button>
                            }
                        })
                        .collect_view()}
                </nav>
                <label class="label-filter">
                    {t!(i18n, field_labels)}
                    <select on:change=move |ev| {
                        let value = event_target_value(&ev);
                        label_filter.set((!value.is_empty()).then_some(value));
                    }>
                        <option value="">{t!(i18n, all_labels)}</option>
                        <For each=labels_in_use key=|l| l.clone() let:label>
                            <option value=label.clone()>{label.clone()}</option>
                        </For>
                    </select>
                </label>
                <div class="my-controls">
                    <WorkspaceControls />
                </div>
                <h2 class="menu-heading" id="team-heading">{t!(i18n, team_label)}</h2>
                <ul class="team" aria-labelledby="team-heading">
                    <For each=team key=|c| (c.id, c.presence) let:colleague>
                        <li class=format!("presence-{}", colleague.presence.as_str())>
                            <span class="dot" aria-hidden="true"></span>
                            {colleague.name.clone()}
                            " · "
                            <span class="presence-name">{move || presence_text(i18n, colleague.presence)}</span>
                        </li>
                    </For>
                </ul>
            </aside>
            <Show when=showing_visitors>
                <OnlineVisitorsPanel inbox_filter=inbox_filter />
            </Show>
            <section class="list" class:hidden=showing_visitors>
                <SearchBox />
                <ul aria-label=move || t_string!(i18n, conversations_label).to_string()>
                    <For
                        each=list
                        key=|c| (c.id, c.status, c.assignee.as_ref().map(|a| a.id), c.preview.clone())
                        let:conversation
                    >
                        <ConversationItem conversation />
                    </For>
                </ul>
                <Show when=move || list().is_empty()>
                    <p class="empty">{t!(i18n, no_conversations)}</p>
                </Show>
            </section>
            <section class="conversation" class:hidden=showing_visitors>
                {move || match desk.selected.get() {
                    Some(id) if desk.unreachable.with(|ids| ids.contains(&id)) => view! {
                        <p class="empty" role="alert">
                            {move || t_string!(i18n, conversation_unreachable, id = id).to_string()}
                        </p>
                    }
                    .into_any(),
                    Some(id) => view! { <ConversationView id compact=false /> }.into_any(),
                    None => view! { <p class="empty">{t!(i18n, pick_conversation)}</p> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn ConversationItem(conversation: ConversationSummary) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let id = conversation.id;
    let is_new = conversation.status == ConversationStatus::Unassigned;
    let unread = move || desk.data.with(|d| d.unread_count(id));
    // How long since the last message, counting up while on screen.
    let last_message_at = conversation.last_message_at;
    let waiting = move || crate::ui::clock::elapsed_text(i18n, desk.now.get() - last_message_at);
    let assignee = conversation
        .assignee
        .as_ref()
        .filter(|_| conversation.status == ConversationStatus::Assigned)
        .map(|a| a.name.clone());
    view! {
        <li>
            <button
                type="button"
                class="conversation-item"
                aria-current=move || (desk.selected.get() == Some(id)).then_some("true")
                on:click=move |_| desk.show(id)
            >
                <span class="visitor">{conversation.visitor_label.clone()}</span>
                <span class="badges">
                    <Show when=move || is_new>
                        <span class="badge new">{t!(i18n, new_badge)}</span>
                    </Show>
                    <Show when=move || { unread() > 0 }>
                        <span class="badge unread">{move || t_string!(i18n, unread_badge, count = unread()).to_string()}</span>
                    </Show>
                </span>
                <span class="preview">{conversation.preview.clone()}</span>
                <span class="waiting" title=move || t_string!(i18n, last_message_ago, time = waiting()).to_string()>
                    {waiting}
                </span>
                {assignee.map(|name| view! { <span class="assignee">{name}</span> })}
            </button>
        </li>
    }
}

#[cfg(feature = "hydrate")]
mod realtime {
    use leptos::prelude::*;

    use super::DeskState;
    use crate::api::{conversation, mark_read};
    use crate::i18n::*;
    use crate::live::AlertKind;
    use crate::protocol::{ClientFrame, Event, ServerFrame};
    use crate::ui::alerts;
    use crate::ui::browser::{self, LiveSocket};

    /// How long a colleague's typing notice shows without a new one, in milliseconds.
    const TYPING_SHOWN_MS: u32 = 4_000;
    /// How often durations on screen (time on site, time on a page) are brought up to date.
    const NOW_EVERY_MS: u32 = 5_000;

    /// Connects the socket and the send pump; loads timelines as conversations are opened;
    /// marks what is on screen as read; tells colleagues what this agent views; alerts.
    pub fn start(desk: DeskState, online: RwSignal<bool>) {
        let data = desk.data;
        let socket = StoredValue::new_local(None::<LiveSocket>);
        browser::pump(desk.outgoing, socket, data);
        leptos::task::spawn_local(async move {
            match crate::api::load_templates().await {
                Ok(book) => desk.templates.set(book.templates),
                Err(e) => desk.problem.set(Some(e.code().to_owned())),
            }
        });
        // After hydration: the server rendered without knowing the browser's answers.
        Effect::new(move |_| {
            desk.permission
                .set(alerts::notification_permission().map(str::to_owned));
            desk.visible.set(alerts::page_visible());
            alerts::on_visibility_change(move |visible| desk.visible.set(visible));
            alerts::unlock_audio_on_first_interaction();
        });

        // Timelines of every conversation opened in the main view or a box.
        Effect::new(move |_| {
            for id in desk.on_screen_or_minimized() {
                if data.with_untracked(|d| d.timelines.contains_key(&id)) {
                    continue;
                }
                data.update(|d| d.watch_timeline(id));
                leptos::task::spawn_local(async move {
                    match conversation(id).await {
                        Ok(detail) => data.update(|d| d.load_timeline(detail)),
                        Err(e) if e.code() == "not_found" => {
                            desk.unreachable.update(|ids| {
                                ids.insert(id);
                            });
                        }
                        Err(e) => desk.problem.set(Some(e.code().to_owned())),
                    }
                });
            }
        });

        // What is on screen in a visible page is read.
        Effect::new(move |_| {
            if !desk.visible.get() {
                return;
            }
            for id in desk.on_screen() {
                let newest = data.with(|d| (d.unread_count(id) > 0).then(|| d.newest_seen(id)));
                if let Some(Some(up_to)) = newest {
                    data.update(|d| d.read(id, up_to));
                    leptos::task::spawn_local(async move {
                        if let Err(e) = mark_read(id, up_to).await {
                            desk.problem.set(Some(e.code().to_owned()));
                        }
                    });
                }
            }
        });

        // The online table's rows while it, the master popup or a profile is on screen (again
        // after every reconnect); the count comes regardless.
        let wants_rows = Memo::new(move |_| {
            desk.table_open.get() || desk.master_open.get() || desk.profile.get().is_some()
        });
        Effect::new(move |_| {
            let on = wants_rows.get();
            if online.get() {
                desk.outgoing.frame(ClientFrame::WatchVisitors { on });
            }
            if !on {
                desk.online.update(|t| t.forget());
            }
        });
        // Durations on screen count up, while the workspace is on screen.
        Effect::new(move |_| {
            let clock = StoredValue::new_local(Some(gloo_timers::callback::Interval::new(
                NOW_EVERY_MS,
                move || desk.now.set(crate::ui::clock::now_millis()),
            )));
            on_cleanup(move || clock.update_value(|clock| drop(clock.take())));
        });

        // Colleagues see what this agent views (again after every reconnect): the conversations
        // on screen that this agent may open (known to the store, not refused).
        Effect::new(move |_| {
            let conversation_ids: Vec<i64> = desk
                .on_screen()
                .into_iter()
                .filter(|id| data.with(|d| d.conversations.contains_key(id)))
                .collect();
            if online.get() {
                desk.outgoing
                    .frame(ClientFrame::Viewing { conversation_ids });
            }
        });

        let i18n = use_i18n();
        Effect::new(move |_| {
            let hooks =
                browser::store_hooks(data, None, online, desk.problem, move |frame, live| {
                    on_frame(desk, i18n, frame, live);
                });
            socket.set_value(Some(LiveSocket::connect("/ws/agent", hooks)));
        });
    }

    fn on_frame(
        desk: DeskState,
        i18n: leptos_i18n::I18nContext<Locale>,
        frame: &ServerFrame,
        live: bool,
    ) {
        match frame {
            ServerFrame::Viewers {
                conversation_id,
                agents,
            } => desk.data.update(|d| {
                d.viewers.insert(*conversation_id, agents.clone());
            }),
            ServerFrame::Typing {
                conversation_id,
                agent,
            } => show_typing(desk, *conversation_id, agent.clone()),
            ServerFrame::VisitorTyping {
                conversation_id,
                draft,
            } => show_visitor_typing(desk, *conversation_id, draft.clone()),
            ServerFrame::OnlineVisitors { visitors } => {
                desk.online.update(|t| t.load(visitors.clone()));
            }
            ServerFrame::OnlineChanges {
                changed,
                left,
                online,
            } => {
                desk.online.update(|t| t.apply(changed, left, *online));
                touch_visitors(
                    desk,
                    changed
                        .iter()
                        .map(|r| r.visitor_id)
                        .chain(left.iter().copied()),
                );
            }
            ServerFrame::Event { event, .. } => {
                if let Event::VisitorUpdated { visitor_id, label } = event {
                    desk.online.update(|t| t.rename(*visitor_id, label));
                    touch_visitors(desk, [*visitor_id]);
                }
                if let (true, Event::TicketOpened { ticket_id, subject }) = (live, event) {
                    if desk.sound_on.get_untracked() {
                        alerts::chime();
                    }
                    crate::ui::toasts::show(
                        desk,
                        crate::ui::toasts::ToastAbout::Ticket(*ticket_id),
                        t_string!(i18n, notify_new_ticket, id = *ticket_id).to_string(),
                        subject.clone(),
                    );
                }
                if let Event::VisitorBlocked { visitor_id, .. }
                | Event::VisitorUnblocked { visitor_id } = event
                {
                    touch_visitors(desk, [*visitor_id]);
                }
                if let Event::MessagePosted { message } = event
                    && matches!(
                        message.system,
                        Some(crate::model::SystemLine::PageViewed { .. })
                    )
                    && let Some(visitor_id) = desk.data.with_untracked(|d| {
                        d.conversations
                            .get(&message.conversation_id)
                            .map(|c| c.visitor_id)
                    })
                {
                    touch_visitors(desk, [visitor_id]);
                }
                if let Event::MessagePosted { message } = event
                    && message.author == crate::model::Author::Visitor
                {
                    desk.visitor_typing.update(|t| {
                        t.remove(&message.conversation_id);
                    });
                }
                if let Event::MessagePosted { message } = event {
                    desk.typing.update(|t| {
                        if t.get(&message.conversation_id)
                            .is_some_and(|a| matches!(&message.author, crate::model::Author::Agent { id, .. } if *id == a.id))
                        {
                            t.remove(&message.conversation_id);
                        }
                    });
                }
                if live {
                    alert(desk, i18n, event);
                }
            }
            _ => {}
        }
    }

    /// Marks visitors as changed, so their open profile or side panel reloads.
    fn touch_visitors(desk: DeskState, ids: impl IntoIterator<Item = i64>) {
        let watched: Vec<i64> = ids
            .into_iter()
            .filter(|id| {
                desk.visitor_versions.with_untracked(|v| v.contains_key(id))
                    || desk.profile.get_untracked() == Some(*id)
                    || desk
                        .data
                        .with_untracked(|d| d.conversations.values().any(|c| c.visitor_id == *id))
            })
            .collect();
        if watched.is_empty() {
            return;
        }
        desk.visitor_versions.update(|versions| {
            for id in watched {
                *versions.entry(id).or_default() += 1;
            }
        });
    }

    fn show_typing(desk: DeskState, conversation_id: i64, agent: crate::model::AgentRef) {
        let agent_id = agent.id;
        desk.typing.update(|t| {
            t.insert(conversation_id, agent);
        });
        let stamp = js_sys::Date::now();
        LAST_TYPING.with(|last| {
            last.borrow_mut().insert(conversation_id, stamp);
        });
        gloo_timers::callback::Timeout::new(TYPING_SHOWN_MS, move || {
            let latest = LAST_TYPING.with(|last| last.borrow().get(&conversation_id).copied());
            if latest == Some(stamp) {
                desk.typing.update(|t| {
                    if t.get(&conversation_id).is_some_and(|a| a.id == agent_id) {
                        t.remove(&conversation_id);
                    }
                });
            }
        })
        .forget();
    }

    /// Shows that a visitor types (and what, when previewed) until they stop for a while or
    /// clear their text.
    fn show_visitor_typing(desk: DeskState, conversation_id: i64, draft: Option<String>) {
        if draft.as_deref().is_some_and(|d| d.trim().is_empty()) {
            desk.visitor_typing.update(|t| {
                t.remove(&conversation_id);
            });
            return;
        }
        desk.visitor_typing.update(|t| {
            t.insert(conversation_id, draft);
        });
        let stamp = js_sys::Date::now();
        LAST_VISITOR_TYPING.with(|last| {
            last.borrow_mut().insert(conversation_id, stamp);
        });
        gloo_timers::callback::Timeout::new(TYPING_SHOWN_MS, move || {
            let latest =
                LAST_VISITOR_TYPING.with(|last| last.borrow().get(&conversation_id).copied());
            if latest == Some(stamp) {
                desk.visitor_typing.update(|t| {
                    t.remove(&conversation_id);
                });
            }
        })
        .forget();
    }

    thread_local! {
        /// When the newest typing notice of each conversation arrived.
        static LAST_TYPING: std::cell::RefCell<std::collections::HashMap<i64, f64>> =
            std::cell::RefCell::default();
        /// When the newest visitor typing notice of each conversation arrived.
        static LAST_VISITOR_TYPING: std::cell::RefCell<std::collections::HashMap<i64, f64>> =
            std::cell::RefCell::default();
    }

    fn alert(desk: DeskState, i18n: leptos_i18n::I18nContext<Locale>, event: &Event) {
        let Some(alert) = desk.data.try_update(|d| d.alert_for(event)).flatten() else {
            return;
        };
        let in_view = desk.visible.get_untracked()
            && desk.on_screen_untracked().contains(&alert.conversation_id);
        if in_view {
            return;
        }
        if desk.sound_on.get_untracked() {
            alerts::chime();
        }
        let title = match alert.kind {
            AlertKind::NewConversation => t_string!(
                i18n,
                notify_new_conversation,
                visitor = alert.visitor_label.clone()
            )
            .to_string(),
            AlertKind::NewMessage => t_string!(
                i18n,
                notify_new_message,
                visitor = alert.visitor_label.clone()
            )
            .to_string(),
            AlertKind::AssignedToYou => t_string!(
                i18n,
                notify_assigned_to_you,
                visitor = alert.visitor_label.clone()
            )
            .to_string(),
        };
        let id = alert.conversation_id;
        crate::ui::toasts::show(
            desk,
            crate::ui::toasts::ToastAbout::Conversation(id),
            title.clone(),
            alert.preview.clone(),
        );
        alerts::notify_desktop(
            &title,
            &alert.preview,
            &format!("conversation-{id}"),
            move || desk.show(id),
        );
    }
}
