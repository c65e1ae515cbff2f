//! In-page notifications: a new conversation or a message for the agent that is not on screen,
//! or a ticket a visitor left while nobody could chat, shows a toast with its preview and an
//! Open button (seed 002: "pop-up notifications with message previews"), whether or not the
//! browser allows desktop notifications.

use leptos::prelude::*;

use crate::i18n::*;
use crate::ui::icons::{Glyph, Icon};
use crate::ui::workspace::DeskState;

/// How many toasts show at once (the oldest goes first).
const MOST_SHOWN: usize = 3;
/// How long a toast stays, in milliseconds.
#[cfg(feature = "hydrate")]
const SHOWN_MS: u32 = 10_000;

/// What a toast is about, and what its Open button opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastAbout {
    /// A conversation, opened in the workspace.
    Conversation(i64),
    /// A ticket (a visitor's offline message), opened on its page.
    Ticket(i64),
}

/// One notification on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// Tells toasts apart.
    pub key: u64,
    /// What it is about.
    pub about: ToastAbout,
    /// What happened ("New message from …").
    pub title: String,
    /// The beginning of the message.
    pub preview: String,
}

/// Shows a toast; it goes by itself after a while. A newer toast about the same thing replaces
/// the older one.
pub fn show(desk: DeskState, about: ToastAbout, title: String, preview: String) {
    let key = desk.toast_keys.get_value() + 1;
    desk.toast_keys.set_value(key);
    desk.toasts.update(|toasts| {
        toasts.retain(|t| t.about != about);
        toasts.push(Toast {
            key,
            about,
            title,
            preview,
        });
        let extra = toasts.len().saturating_sub(MOST_SHOWN);
        toasts.drain(..extra);
    });
    #[cfg(feature = "hydrate")]
    gloo_timers::callback::Timeout::new(SHOWN_MS, move || dismiss(desk, key)).forget();
}

/// Takes a toast away.
fn dismiss(desk: DeskState, key: u64) {
    desk.toasts.update(|toasts| toasts.retain(|t| t.key != key));
}

/// The stack of toasts, at the bottom right of the workspace.
#[component]
pub fn Toasts() -> impl IntoView {
    let i18n = use_i18n();
    let desk = expect_context::<DeskState>();
    let navigate = StoredValue::new(leptos_router::hooks::use_navigate());
    view! {
        <section class="toasts" aria-label=move || t_string!(i18n, toasts_label).to_string() aria-live="polite">
            <For each=move || desk.toasts.get() key=|t| t.key let:toast>
                <div class="toast" role="status">
                    <strong>{toast.title.clone()}</strong>
                    <p>{toast.preview.clone()}</p>
                    <div class="toast-actions">
                        <button
                            type="button"
                            class="primary"
                            on:click=move |_| {
                                match toast.about {
                                    ToastAbout::Conversation(id) => desk.show(id),
                                    ToastAbout::Ticket(id) => {
                                        navigate.with_value(|go| go(&format!("/tickets/{id}"), Default::default()));
                                    }
                                }
                                dismiss(desk, toast.key);
                            }
                        >
                            {t!(i18n, toast_open)}
                        </button>
                        <button
                            type="button"
                            class="icon"
                            aria-label=move || t_string!(i18n, toast_dismiss).to_string()
                            on:click=move |_| dismiss(desk, toast.key)
                        >
                            <Icon glyph=Glyph::Close />
                        </button>
                    </div>
                </div>
            </For>
        </section>
    }
}
