//! The message box: Enter sends, Shift+Enter starts a new line.

use leptos::html::Textarea;
use leptos::prelude::*;

use crate::i18n::*;

/// A labelled text area with a send button.
#[component]
pub fn Composer(
    /// The accessible name of the text area.
    #[prop(into)]
    label: Signal<String>,
    /// Called with the text when the user sends (never blank).
    on_send: Callback<String>,
    /// Whether sending is impossible right now.
    #[prop(into, optional)]
    disabled: Signal<bool>,
    /// Called on every keystroke that changes the text (typing notices).
    #[prop(optional)]
    on_typing: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let input = NodeRef::<Textarea>::new();
    let submit = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() || disabled.get_untracked() {
            return;
        }
        on_send.run(body);
        text.set(String::new());
        if let Some(input) = input.get_untracked() {
            input.set_value("");
            let _ = input.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <textarea
                node_ref=input
                rows="2"
                maxlength="10000"
                aria-label=move || label.get()
                placeholder=move || label.get()
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    if let Some(on_typing) = on_typing {
                        on_typing.run(());
                    }
                }
                on:keydown=on_keydown
                disabled=move || disabled.get()
            ></textarea>
            <button type="submit" disabled=move || disabled.get()>
                {t!(i18n, send)}
            </button>
        </form>
    }
}
