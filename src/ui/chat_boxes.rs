//! The dock at the bottom of the workspace: the master chat button (the agent's active chats
//! and the visitors online, opening a list of both), the counter of new unassigned conversations (a click takes the
//! longest-waiting one), and the docked chat boxes, each minimized, restored, maximized into
//! the main view, or closed.

use leptos::prelude::*;

use crate::api::accept_conversation;
use crate::i18n::*;
use crate::online_table::TableFilter;
use crate::ui::actions_menu::ActionsMenu;
use crate::ui::conversation::ConversationView;
use crate::ui::icons::{Glyph, Icon};
use crate::ui::visitors::{status_icon, status_text};
use crate::ui::workspace::DeskState;

/// A conversation open as a docked chat box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChatBox {
    /// The conversation.
    pub id: i64,
    /// Only its title bar shows.
    pub minimized: bool,
}

impl ChatBox {
    /// The open boxes as a tab keeps them across a reload: `12,7m` (`m`: minimized).
    pub fn write_all(boxes: &[ChatBox]) -> String {
        boxes
            .iter()
            .map(|b| format!("{}{}", b.id, if b.minimized { "m" } else { "" }))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The boxes [`ChatBox::write_all`] wrote; what cannot be read is left out.
    pub fn read_all(text: &str) -> Vec<ChatBox> {
        let mut boxes: Vec<ChatBox> = Vec::new();
        for item in text.split(',') {
            let (id, minimized) = match item.strip_suffix('m') {
                Some(id) => (id, true),
                None => (item, false),
            };
            if let Ok(id) = id.parse::<i64>()
                && id > 0
                && !boxes.iter().any(|b| b.id == id)
            {
                boxes.push(ChatBox { id, minimized });
            }
        }
        boxes
    }
}

/// The bottom dock.
#[component]
pub fn Dock() -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let data = desk.data;
    let my_id = desk.agent_id;
    let list_open = desk.master_open;
    let active = move || data.with(|d| d.mine(my_id));
    let waiting = move || data.with(|d| d.unassigned());
    let take_next = move |_| {
        let Some(next) = waiting().first().map(|c| c.id) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match accept_conversation(next).await {
                Ok(_) => desk.show(next),
                Err(e) => desk.problem.set(Some(e.code().to_owned())),
            }
        });
    };
    view! {
        <div class="dock">
            <div class="dock-controls">
                <button
                    type="button"
                    class="master"
                    aria-expanded=move || list_open.get().to_string()
                    aria-controls="active-chats"
                    aria-label=move || {
                        t_string!(
                            i18n, master_label, chats = active().len(), visitors = desk.online.with(|t| t.count)
                        )
                        .to_string()
                    }
                    on:click=move |_| list_open.update(|open| *open = !*open)
                >
                    <Icon glyph=Glyph::Chat /> " "
                    {move || active().len()}
                    <span class="master-visitors">
                        <Icon glyph=Glyph::Eye /> " " {move || desk.online.with(|t| t.count)}
                    </span>
                </button>
                <Show when=move || !waiting().is_empty()>
                    <button
                        type="button"
                        class="take-next"
                        aria-label=move || t_string!(i18n, take_next_label, count = waiting().len()).to_string()
                        on:click=take_next
                    >
                        {move || t_string!(i18n, take_next, count = waiting().len()).to_string()}
                    </button>
                </Show>
                <Show when=move || list_open.get()>
                    <div class="active-chats" id="active-chats">
                        <h2>{t!(i18n, active_chats)}</h2>
                        <ul aria-label=move || t_string!(i18n, active_chats).to_string()>
                            <For each=active key=|c| c.id let:conversation>
                                <li>
                                    <button
                                        type="button"
                                        on:click=move |_| {
                                            desk.open_box(conversation.id);
                                            list_open.set(false);
                                        }
                                    >
                                        {conversation.visitor_label.clone()}
                                        <span class="preview">{conversation.preview.clone()}</span>
                                    </button>
                                </li>
                            </For>
                        </ul>
                        <Show when=move || active().is_empty()>
                            <p class="empty">{t!(i18n, no_active_chats)}</p>
                        </Show>
                        <VisitorsOnline close=move || list_open.set(false) />
                    </div>
                </Show>
            </div>
            <For each=move || desk.boxes.get() key=|b| b.id let:chat_box>
                <DockedBox id=chat_box.id />
            </For>
        </div>
    }
    .into_any()
}

/// How many visitors the master popup lists (the Visitors view shows them all).
const POPUP_VISITORS: usize = 30;

/// The master popup's visitors online (seed 000), each with its status icon: watching a page
/// (eye) or chatting (bubble). A chatting visitor opens their conversation as a chat box;
/// anyone else opens their profile, where the agent can start a chat.
#[component]
fn VisitorsOnline(close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let rows = Memo::new(move |_| {
        desk.online.with(|table| {
            let mut rows = table.filtered(&TableFilter::default());
            rows.truncate(POPUP_VISITORS);
            rows
        })
    });
    let more = move || {
        desk.online
            .with(|t| t.count)
            .saturating_sub(rows.with(Vec::len))
    };
    let open = move |visitor_id: i64| {
        let conversation = desk.data.with(|d| d.open_conversation_of(visitor_id));
        match conversation {
            Some(id) => desk.open_box(id),
            None => desk.profile.set(Some(visitor_id)),
        }
        close();
    };
    view! {
        <h2>{t!(i18n, visitors_online_heading)}</h2>
        <ul class="visitors-online" aria-label=move || t_string!(i18n, visitors_online_heading).to_string()>
            <For each=move || rows.get() key=|row| (row.visitor_id, row.chatting, row.label.clone(), row.page_title.clone()) let:row>
                {
                    let id = row.visitor_id;
                    let chatting = row.chatting;
                    let (class, glyph) = status_icon(chatting);
                    let status = move || status_text(i18n, chatting);
                    view! {
                        <li>
                            <button type="button" on:click=move |_| open(id)>
                                <span class=class title=status>
                                    <Icon glyph />
                                    <span class="visually-hidden">{status}</span>
                                </span>
                                <span class="name">{row.label.clone()}</span>
                                <span class="preview">{row.page_title.clone()}</span>
                            </button>
                        </li>
                    }
                }
            </For>
        </ul>
        <Show when=move || desk.online.with(|t| t.loaded) && rows.with(Vec::is_empty)>
            <p class="empty">{t!(i18n, no_visitors)}</p>
        </Show>
        <Show when=move || { more() > 0 && desk.online.with(|t| t.loaded) }>
            <p class="more">{move || t_string!(i18n, more_visitors_online, count = more()).to_string()}</p>
        </Show>
    }
}

#[component]
fn DockedBox(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let visitor = move || {
        desk.data
            .with(|d| d.conversations.get(&id).map(|c| c.visitor_label.clone()))
            .unwrap_or_default()
    };
    let unread = move || desk.data.with(|d| d.unread_count(id));
    let minimized = move || {
        desk.boxes
            .with(|boxes| boxes.iter().any(|b| b.id == id && b.minimized))
    };
    let set_minimized = move |value: bool| {
        desk.boxes.update(|boxes| {
            for chat_box in boxes.iter_mut().filter(|b| b.id == id) {
                chat_box.minimized = value;
            }
        });
    };
    let tool = RwSignal::new(None);
    let maximize = move |_| desk.show(id);
    let close = move |_| desk.boxes.update(|boxes| boxes.retain(|b| b.id != id));
    view! {
        <section
            class="chat-box"
            class:minimized=minimized
            aria-label=move || t_string!(i18n, chat_box_label, visitor = visitor()).to_string()
        >
            <header>
                <strong>{visitor}</strong>
                <Show when=move || { unread() > 0 }>
                    <span class="badge unread">{move || t_string!(i18n, unread_badge, count = unread()).to_string()}</span>
                </Show>
                <ActionsMenu id tool />
                <Show
                    when=minimized
                    fallback=move || view! {
                        <button
                            type="button"
                            class="icon"
                            aria-label=move || t_string!(i18n, minimize_box, visitor = visitor()).to_string()
                            on:click=move |_| set_minimized(true)
                        >
                            <Icon glyph=Glyph::Minimize />
                        </button>
                    }
                >
                    <button
                        type="button"
                        class="icon"
                        aria-label=move || t_string!(i18n, restore_box, visitor = visitor()).to_string()
                        on:click=move |_| set_minimized(false)
                    >
                        <Icon glyph=Glyph::Restore />
                    </button>
                </Show>
                <button
                    type="button"
                    class="icon"
                    aria-label=move || t_string!(i18n, maximize_box, visitor = visitor()).to_string()
                    on:click=maximize
                >
                    <Icon glyph=Glyph::Expand />
                </button>
                <button
                    type="button"
                    class="icon"
                    aria-label=move || t_string!(i18n, close_box, visitor = visitor()).to_string()
                    on:click=close
                >
                    <Icon glyph=Glyph::Close />
                </button>
            </header>
            <Show when=move || !minimized()>
                <div class="chat-box-body">
                    <ConversationView id compact=true tool />
                </div>
            </Show>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_boxes_survive_a_reload_as_text() {
        let boxes = vec![
            ChatBox {
                id: 12,
                minimized: false,
            },
            ChatBox {
                id: 7,
                minimized: true,
            },
        ];
        assert_eq!(ChatBox::write_all(&boxes), "12,7m");
        assert_eq!(ChatBox::read_all("12,7m"), boxes);
        assert_eq!(ChatBox::read_all(""), Vec::new());
        assert_eq!(ChatBox::read_all("x,12,12m,-3,0"), boxes[..1].to_vec());
    }
}
