//! The browser around the widget: its reconnecting socket, local storage, timers, random ids,
//! and messages to the page that embeds it.

use std::cell::RefCell;
use std::rc::Rc;

use switchboard_shared::protocol::{ClientFrame, VisitorFrame};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

/// Delay before the first reconnect attempt; it doubles up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i32 = 500;
/// Longest delay between reconnect attempts.
const MAX_BACKOFF_MS: i32 = 8_000;

/// What the widget does with its socket's life.
pub struct SocketHooks {
    /// The hello frame for each (re)connection.
    pub hello: Box<dyn Fn() -> ClientFrame>,
    /// Every frame received.
    pub on_frame: Box<dyn Fn(VisitorFrame)>,
    /// `false` when the connection is lost (the `ready` frame says it is back).
    pub on_lost: Box<dyn Fn()>,
}

/// `/ws/visitor`, reconnecting by itself with backoff.
#[derive(Clone)]
pub struct LiveSocket {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    hooks: Rc<SocketHooks>,
    socket: Option<WebSocket>,
    backoff_ms: i32,
}

impl LiveSocket {
    /// Connects and keeps reconnecting until the page goes away.
    pub fn connect(hooks: SocketHooks) -> LiveSocket {
        let socket = LiveSocket {
            inner: Rc::new(RefCell::new(Inner {
                hooks: Rc::new(hooks),
                socket: None,
                backoff_ms: FIRST_BACKOFF_MS,
            })),
        };
        socket.open();
        socket
    }

    /// Sends a frame; `false` when the socket is not open (the caller marks the send failed).
    pub fn send(&self, frame: &ClientFrame) -> bool {
        let inner = self.inner.borrow();
        let Some(socket) = inner.socket.as_ref() else {
            return false;
        };
        socket.ready_state() == WebSocket::OPEN
            && serde_json::to_string(frame).is_ok_and(|text| socket.send_with_str(&text).is_ok())
    }

    fn open(&self) {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let scheme = match location.protocol().as_deref() {
            Ok("https:") => "wss",
            _ => "ws",
        };
        let url = format!(
            "{scheme}://{}/ws/visitor",
            location.host().unwrap_or_default()
        );
        let Ok(socket) = WebSocket::new(&url) else {
            self.schedule_reconnect();
            return;
        };
        let hooks = Rc::clone(&self.inner.borrow().hooks);
        let on_open = {
            let this = self.clone();
            let hooks = Rc::clone(&hooks);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                this.inner.borrow_mut().backoff_ms = FIRST_BACKOFF_MS;
                this.send(&(hooks.hello)());
            })
        };
        let on_message = {
            let hooks = Rc::clone(&hooks);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(frame) = event
                    .data()
                    .as_string()
                    .and_then(|text| VisitorFrame::from_json(&text))
                {
                    (hooks.on_frame)(frame);
                }
            })
        };
        let on_close = {
            let this = self.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                (hooks.on_lost)();
                this.inner.borrow_mut().socket = None;
                this.schedule_reconnect();
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // One socket at a time for the page's life: its handlers live as long.
        on_open.forget();
        on_message.forget();
        on_close.forget();
        self.inner.borrow_mut().socket = Some(socket);
    }

    fn schedule_reconnect(&self) {
        let delay = {
            let mut inner = self.inner.borrow_mut();
            let delay = inner.backoff_ms;
            inner.backoff_ms = (delay * 2).min(MAX_BACKOFF_MS);
            delay
        };
        let this = self.clone();
        after(delay, move || this.open());
    }
}

/// Runs `then` once after `ms` milliseconds.
pub fn after(ms: i32, then: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let closure = Closure::once_into_js(then);
    let _ =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(closure.unchecked_ref(), ms);
}

/// Milliseconds since the epoch, the browser's clock.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// A random id for an outgoing message (works without a secure context, unlike randomUUID).
pub fn random_id() -> String {
    (0..16)
        .map(|_| format!("{:02x}", (js_sys::Math::random() * 256.0) as u8))
        .collect()
}

/// Reads a value from this origin's local storage.
pub fn storage_get(key: &str) -> Option<String> {
    web_sys::window()?
        .local_storage()
        .ok()??
        .get_item(key)
        .ok()?
}

/// Writes a value to this origin's local storage (ignored when storage is unavailable).
pub fn storage_set(key: &str, value: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// Asks the page embedding the widget to do something (`switchboard:minimize`).
pub fn post_to_host(kind: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(Some(parent)) = window.parent() {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &kind.into());
        let _ = parent.post_message(&message, "*");
    }
}

/// Reloads the page (the server said the gap since the last event is too old to replay).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Whether the page is on screen (not a background tab).
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}
