//! Browser-only (built with `hydrate`): the workspace's sound and desktop notifications, and
//! whether the page is visible. Browsers only let a page play sound after the person has
//! interacted with it, so the audio context is created (or resumed) on the first click or key
//! press; desktop notifications ask for permission only when the agent clicks for it.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{AudioContext, AudioContextState, Notification, NotificationOptions};

thread_local! {
    /// The page's one audio context, once an interaction allowed it.
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// Creates or resumes the audio context on the first pointer or key interaction with the page.
pub fn unlock_audio_on_first_interaction() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let unlock = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        AUDIO.with(|audio| {
            let mut audio = audio.borrow_mut();
            if audio.is_none() {
                *audio = AudioContext::new().ok();
            }
            if let Some(context) = audio.as_ref()
                && context.state() != AudioContextState::Running
            {
                let _ = context.resume();
            }
        });
    });
    for kind in ["pointerdown", "keydown"] {
        let _ = document.add_event_listener_with_callback(kind, unlock.as_ref().unchecked_ref());
    }
    // The listeners live as long as the page.
    unlock.forget();
}

/// Plays a short two-tone chime (nothing before the first interaction).
pub fn chime() {
    AUDIO.with(|audio| {
        let audio = audio.borrow();
        let Some(context) = audio.as_ref() else {
            return;
        };
        let start = context.current_time();
        for (i, frequency) in [880.0_f32, 1_320.0].into_iter().enumerate() {
            let at = start + 0.12 * i as f64;
            let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain())
            else {
                return;
            };
            oscillator.frequency().set_value(frequency);
            let volume = gain.gain();
            volume.set_value(0.0);
            let _ = volume.linear_ramp_to_value_at_time(0.2, at + 0.01);
            let _ = volume.linear_ramp_to_value_at_time(0.0, at + 0.11);
            let _ = oscillator.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&context.destination());
            let _ = oscillator.start_with_when(at);
            let _ = oscillator.stop_with_when(at + 0.12);
        }
    });
}

/// What the browser says about desktop notifications: "granted", "denied", "default", or
/// `None` when it has none.
pub fn notification_permission() -> Option<&'static str> {
    let window = web_sys::window()?;
    let supported = js_sys::Reflect::has(&window, &"Notification".into()).unwrap_or(false);
    if !supported {
        return None;
    }
    Some(match Notification::permission() {
        web_sys::NotificationPermission::Granted => "granted",
        web_sys::NotificationPermission::Denied => "denied",
        _ => "default",
    })
}

/// Asks for permission (call it from a click); `done` gets the answer.
pub fn request_notification_permission(done: impl Fn(&'static str) + 'static) {
    let Ok(promise) = Notification::request_permission() else {
        return;
    };
    let answer = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |_| {
        done(notification_permission().unwrap_or("denied"));
    });
    let _ = promise.then(&answer);
    answer.forget();
}

/// Shows a desktop notification (when permitted); clicking it focuses the workspace and calls
/// `on_click`.
pub fn notify_desktop(title: &str, body: &str, tag: &str, on_click: impl Fn() + 'static) {
    if notification_permission() != Some("granted") {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    let Ok(notification) = Notification::new_with_options(title, &options) else {
        return;
    };
    let shown = notification.clone();
    let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
        }
        on_click();
        shown.close();
    });
    notification.set_onclick(Some(click.as_ref().unchecked_ref()));
    click.forget();
}

/// Whether the page is in front of the agent (not a background tab or minimised window).
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// Calls `changed` with the new visibility whenever the page is shown or hidden.
pub fn on_visibility_change(changed: impl Fn(bool) + 'static) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| changed(page_visible()));
    let _ = document
        .add_event_listener_with_callback("visibilitychange", listener.as_ref().unchecked_ref());
    listener.forget();
}
