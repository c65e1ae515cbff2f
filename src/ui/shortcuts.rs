//! The workspace's keyboard shortcuts and the `?` overlay that lists them. Single keys act only
//! while the agent is not typing in a field and never with Ctrl, ⌘ or Alt held, so the
//! browser's and the system's own shortcuts stay theirs.

use leptos::prelude::*;

use crate::i18n::*;
use crate::ui::icons::{Glyph, Icon};
use crate::ui::workspace::DeskState;

/// What a key press outside a text field asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// The next conversation in the list.
    Next,
    /// The previous conversation in the list.
    Previous,
    /// Write a reply in the open conversation.
    Reply,
    /// Write an internal note in the open conversation.
    Note,
    /// Open the open conversation's actions menu.
    Actions,
    /// Close the open conversation.
    Close,
    /// Show or hide the list of shortcuts.
    Help,
}

/// A key press, as the shortcuts read it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Press<'a> {
    /// `KeyboardEvent.key`.
    pub key: &'a str,
    /// Ctrl, ⌘ or Alt held.
    pub modified: bool,
    /// The focus is in a text field (input, text area, select, editable content).
    pub typing: bool,
}

/// The shortcut a key press means, if any.
pub fn shortcut_of(press: Press) -> Option<Shortcut> {
    if press.typing || press.modified {
        return None;
    }
    Some(match press.key {
        "j" => Shortcut::Next,
        "k" => Shortcut::Previous,
        "r" => Shortcut::Reply,
        "n" => Shortcut::Note,
        "a" => Shortcut::Actions,
        "C" => Shortcut::Close,
        "?" => Shortcut::Help,
        _ => return None,
    })
}

/// The conversation `forward` (or back) from `current` in `list`: the first (or last) when
/// none of the list is open, and nothing past either end.
pub fn neighbour(list: &[i64], current: Option<i64>, forward: bool) -> Option<i64> {
    let at = current.and_then(|id| list.iter().position(|c| *c == id));
    let next = match (at, forward) {
        (None, true) => 0,
        (None, false) => list.len().checked_sub(1)?,
        (Some(at), true) => at + 1,
        (Some(at), false) => at.checked_sub(1)?,
    };
    list.get(next).copied()
}

/// Listens for the shortcuts while the workspace is on screen. `listed` is the conversation
/// list as shown (view, inbox and label filters applied).
#[cfg(feature = "hydrate")]
pub fn listen(desk: DeskState, listed: Signal<Vec<i64>>) {
    use leptos::leptos_dom::helpers::window_event_listener;
    let help = desk.shortcuts_open;
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let press = Press {
            key: &ev.key(),
            modified: ev.ctrl_key() || ev.meta_key() || ev.alt_key(),
            typing: typing_in_field(),
        };
        let Some(shortcut) = shortcut_of(press) else {
            return;
        };
        // A dialog in front (a profile, the list itself) keeps the keys for itself.
        if desk.profile.get_untracked().is_some()
            || (help.get_untracked() && shortcut != Shortcut::Help)
        {
            return;
        }
        ev.prevent_default();
        let open = desk.selected.get_untracked();
        match shortcut {
            Shortcut::Next | Shortcut::Previous => {
                let forward = shortcut == Shortcut::Next;
                if let Some(id) = listed.with_untracked(|list| neighbour(list, open, forward)) {
                    desk.show(id);
                }
            }
            Shortcut::Reply => desk.compose.set(Some(false)),
            Shortcut::Note => desk.compose.set(Some(true)),
            Shortcut::Actions => click(".conversation-header .actions-menu > button"),
            Shortcut::Close => {
                if let Some(id) = open.filter(|id| desk.may_close(*id)) {
                    leptos::task::spawn_local(async move {
                        if let Err(e) = crate::api::close_conversation(id).await {
                            desk.problem.set(Some(e.code().to_owned()));
                        }
                    });
                }
            }
            Shortcut::Help => help.update(|on| *on = !*on),
        }
    });
    on_cleanup(move || handle.remove());
}

/// Whether the focus is in something that takes typed text.
#[cfg(feature = "hydrate")]
fn typing_in_field() -> bool {
    let Some(active) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
    else {
        return false;
    };
    let tag = active.tag_name().to_ascii_lowercase();
    let editable = active.get_attribute("contenteditable").is_some();
    let text_input = tag == "input"
        && !matches!(
            active.get_attribute("type").as_deref(),
            Some("checkbox" | "radio" | "button" | "submit")
        );
    text_input || tag == "textarea" || tag == "select" || editable
}

/// Clicks the first element `selector` finds (a control the shortcut stands for).
#[cfg(feature = "hydrate")]
fn click(selector: &str) {
    use wasm_bindgen::JsCast;
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        element.click();
    }
}

/// The overlay listing the shortcuts, while `desk.shortcuts_open` (`?`, or the button in the
/// left menu).
#[component]
pub fn ShortcutsHelp() -> impl IntoView {
    let open = expect_context::<DeskState>().shortcuts_open;
    view! {
        <Show when=move || open.get()>
            <ShortcutsDialog open />
        </Show>
    }
}

#[component]
fn ShortcutsDialog(open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let close = move || open.set(false);
    let close_button = crate::ui::dialog::dialog_focus(close);
    let rows = move || {
        [
            ("j", t_string!(i18n, shortcut_next).to_string()),
            ("k", t_string!(i18n, shortcut_previous).to_string()),
            ("r", t_string!(i18n, shortcut_reply).to_string()),
            ("n", t_string!(i18n, shortcut_note).to_string()),
            ("Alt+N", t_string!(i18n, shortcut_switch).to_string()),
            ("Enter", t_string!(i18n, shortcut_send).to_string()),
            (
                "Shift+Enter",
                t_string!(i18n, shortcut_new_line).to_string(),
            ),
            ("Esc", t_string!(i18n, shortcut_leave).to_string()),
            ("a", t_string!(i18n, shortcut_actions).to_string()),
            ("Shift+C", t_string!(i18n, shortcut_close).to_string()),
            ("?", t_string!(i18n, shortcut_help).to_string()),
        ]
        .into_iter()
        .map(|(keys, what)| {
            let caps = keys
                .split('+')
                .map(|key| view! { <kbd>{key}</kbd> })
                .collect_view();
            view! {
                <dt>{caps}</dt>
                <dd>{what}</dd>
            }
        })
        .collect_view()
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| close()>
            <div
                class="dialog shortcuts-overlay"
                role="dialog"
                aria-modal="true"
                aria-labelledby="shortcuts-heading"
                on:click=|ev| ev.stop_propagation()
            >
                <header class="dialog-header">
                    <h2 id="shortcuts-heading">{t!(i18n, shortcuts_title)}</h2>
                    <button
                        type="button"
                        class="icon"
                        node_ref=close_button
                        aria-label=move || t_string!(i18n, close_dialog).to_string()
                        on:click=move |_| close()
                    >
                        <Icon glyph=Glyph::Close />
                    </button>
                </header>
                <dl class="shortcuts">{rows}</dl>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(key: &str) -> Press<'_> {
        Press {
            key,
            ..Press::default()
        }
    }

    #[test]
    fn single_keys_act_only_outside_fields_and_without_modifiers() {
        assert_eq!(shortcut_of(press("j")), Some(Shortcut::Next));
        assert_eq!(shortcut_of(press("C")), Some(Shortcut::Close));
        assert_eq!(shortcut_of(press("c")), None, "closing needs Shift");
        assert_eq!(shortcut_of(press("?")), Some(Shortcut::Help));
        assert_eq!(shortcut_of(press("x")), None);
        let typing = Press {
            typing: true,
            ..press("j")
        };
        assert_eq!(shortcut_of(typing), None);
        let with_ctrl = Press {
            modified: true,
            ..press("r")
        };
        assert_eq!(shortcut_of(with_ctrl), None);
    }

    #[test]
    fn moving_through_the_list_stops_at_its_ends() {
        let list = [4, 9, 2];
        assert_eq!(neighbour(&list, None, true), Some(4));
        assert_eq!(neighbour(&list, None, false), Some(2));
        assert_eq!(neighbour(&list, Some(4), true), Some(9));
        assert_eq!(neighbour(&list, Some(9), false), Some(4));
        assert_eq!(neighbour(&list, Some(2), true), None);
        assert_eq!(neighbour(&list, Some(4), false), None);
        assert_eq!(
            neighbour(&list, Some(77), true),
            Some(4),
            "open but not listed"
        );
        assert_eq!(neighbour(&[], None, true), None);
        assert_eq!(neighbour(&[], None, false), None);
    }
}
