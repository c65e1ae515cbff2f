//! The actions of a conversation in one menu, in the main view's header and in each docked
//! chat box: close, create a ticket, view the log, send the transcript, block or unblock the
//! visitor, move to another inbox, select messages.

use leptos::prelude::*;

use crate::api::{CloseConversation, Unblock};
use crate::i18n::*;
use crate::ui::chat_details::Tool;
use crate::ui::errors::ErrorNote;
use crate::ui::profile::profile_resource;
use crate::ui::workspace::DeskState;

/// The "Actions" button and its menu. Choosing an item closes the menu; a form opens in the
/// conversation's tool panel (`tool`).
#[component]
pub fn ActionsMenu(
    /// The conversation.
    id: i64,
    /// The form the menu opens.
    tool: RwSignal<Option<Tool>>,
    /// Whether messages are being selected (the main view only).
    #[prop(optional)]
    selecting: Option<RwSignal<bool>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let data = desk.data;
    let open = RwSignal::new(false);
    let close = ServerAction::<CloseConversation>::new();
    let close_error = Signal::derive(move || close.value().get().and_then(Result::err));
    let summary = move || data.with(|d| d.conversations.get(&id).cloned());
    let can_close = move || desk.may_close(id);
    let visitor_id = Memo::new(move |_| summary().map(|c| c.visitor_id));
    let menu_id = format!(
        "actions-{id}-{}",
        if selecting.is_some() { "main" } else { "box" }
    );
    let choose = move |chosen: Tool| {
        tool.set(Some(chosen));
        open.set(false);
    };
    let button = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    keyboard(open, button);
    view! {
        <div class="actions-menu">
            <button
                type="button"
                node_ref=button
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-controls=menu_id.clone()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {t!(i18n, actions_menu)}
            </button>
            <Show when=move || open.get()>
                <ul id=menu_id.clone() class="menu-list" role="menu" aria-label=move || t_string!(i18n, actions_menu).to_string()>
                    <Show when=can_close>
                        <li role="none">
                            <button type="button" role="menuitem" on:click=move |_| {
                                close.dispatch(CloseConversation { id });
                                open.set(false);
                            }>
                                {t!(i18n, close_conversation)}
                            </button>
                        </li>
                    </Show>
                    <li role="none">
                        <button type="button" role="menuitem" on:click=move |_| choose(Tool::Ticket)>
                            {t!(i18n, create_ticket)}
                        </button>
                    </li>
                    <li role="none">
                        <button type="button" role="menuitem" on:click=move |_| choose(Tool::Transcript)>
                            {t!(i18n, send_transcript)}
                        </button>
                    </li>
                    {move || visitor_id.get().map(|visitor_id| view! { <BlockItem visitor_id on_block=move || choose(Tool::Block) open /> })}
                    <li role="none">
                        <button type="button" role="menuitem" on:click=move |_| choose(Tool::Move)>
                            {t!(i18n, move_to_inbox)}
                        </button>
                    </li>
                    {selecting.map(|selecting| view! {
                        <li role="none">
                            <button type="button" role="menuitem" on:click=move |_| {
                                selecting.update(|on| *on = !*on);
                                open.set(false);
                            }>
                                {move || if selecting.get() {
                                    t_string!(i18n, stop_selecting).to_string()
                                } else {
                                    t_string!(i18n, select_messages).to_string()
                                }}
                            </button>
                        </li>
                    })}
                    <li role="none">
                        <a role="menuitem" href=format!("/conversations/{id}/log") target="_blank" rel="noopener" on:click=move |_| open.set(false)>
                            {t!(i18n, view_log)}
                        </a>
                    </li>
                </ul>
            </Show>
            <ErrorNote error=close_error />
        </div>
    }
}

/// The menu by keyboard: it opens with the focus on its first item, arrows move between
/// items, Escape closes it and gives the focus back to its button.
#[cfg(feature = "hydrate")]
fn keyboard(open: RwSignal<bool>, button: NodeRef<leptos::html::Button>) {
    use wasm_bindgen::JsCast;
    // The items beside the button (the list comes and goes with `open`).
    let items = move || -> Vec<web_sys::HtmlElement> {
        let Some(menu) = button.get_untracked().and_then(|b| b.parent_element()) else {
            return Vec::new();
        };
        let Ok(found) = menu.query_selector_all("[role=menuitem]") else {
            return Vec::new();
        };
        (0..found.length())
            .filter_map(|i| found.get(i))
            .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
            .collect()
    };
    // Once the open menu is in the document (the next frame), its first item takes the focus.
    Effect::new(move |_| {
        if open.get() {
            leptos::prelude::request_animation_frame(move || {
                if let Some(first) = items().first() {
                    let _ = first.focus();
                }
            });
        }
    });
    let handle =
        leptos::leptos_dom::helpers::window_event_listener(leptos::ev::keydown, move |ev| {
            if !open.get_untracked() {
                return;
            }
            let step: i32 = match ev.key().as_str() {
                "Escape" => {
                    open.set(false);
                    if let Some(button) = button.get_untracked() {
                        let _ = button.focus();
                    }
                    return;
                }
                "ArrowDown" => 1,
                "ArrowUp" => -1,
                _ => return,
            };
            ev.prevent_default();
            let items = items();
            if items.is_empty() {
                return;
            }
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let at = items
                .iter()
                .position(|item| {
                    active
                        .as_ref()
                        .is_some_and(|a| a == item.unchecked_ref::<web_sys::Element>())
                })
                .map_or(0, |at| {
                    (at as i32 + step).rem_euclid(items.len() as i32) as usize
                });
            let _ = items[at].focus();
        });
    on_cleanup(move || handle.remove());
}

/// Block the visitor, or, when they are blocked, lift the block (seed 002: "click Unblock in
/// the top menu of the chat"). Read from their profile, which follows the live feed.
#[component]
fn BlockItem(
    visitor_id: i64,
    on_block: impl Fn() + Copy + Send + Sync + 'static,
    open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let profile = profile_resource(desk, visitor_id);
    let unblock = ServerAction::<Unblock>::new();
    // Read without a suspense boundary: the item is drawn (as Block) at once and switches
    // when the profile says the visitor is blocked.
    move || {
        let block = profile.get().and_then(Result::ok).and_then(|p| p.block);
        match block {
            Some(block) => view! {
                <li role="none">
                    <button type="button" role="menuitem" on:click=move |_| {
                        unblock.dispatch(Unblock { block_id: block.id });
                        open.set(false);
                    }>
                        {t!(i18n, unblock_visitor)}
                    </button>
                </li>
            }
            .into_any(),
            None => view! {
                <li role="none">
                    <button type="button" role="menuitem" on:click=move |_| on_block()>
                        {t!(i18n, block_visitor)}
                    </button>
                </li>
            }
            .into_any(),
        }
    }
}
