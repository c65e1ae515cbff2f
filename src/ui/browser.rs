//! Browser-only plumbing (built with `hydrate` only): the reconnecting WebSocket, random ids,
//! local storage, and messages to the page that embeds the widget.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

use crate::protocol::{ClientFrame, ServerFrame};

/// Delay before the first reconnect attempt; it doubles up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: u32 = 500;
/// Longest delay between reconnect attempts.
const MAX_BACKOFF_MS: u32 = 8_000;

/// What the page does with its socket's life.
pub struct SocketHooks {
    /// Builds the hello frame for each (re)connection, with the last applied event id.
    pub hello: Box<dyn Fn() -> ClientFrame>,
    /// Called with every frame received.
    pub on_frame: Box<dyn Fn(ServerFrame)>,
    /// Called with `true` when connected (after hello), `false` when the connection is lost.
    pub on_status: Box<dyn Fn(bool)>,
}

/// A WebSocket that reconnects by itself with backoff.
#[derive(Clone)]
pub struct LiveSocket {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    /// `/ws/agent` or `/ws/visitor`.
    path: &'static str,
    hooks: Rc<SocketHooks>,
    socket: Option<WebSocket>,
    backoff_ms: u32,
    /// Closures kept alive while the socket uses them.
    closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    message_closure: Option<Closure<dyn FnMut(MessageEvent)>>,
}

impl LiveSocket {
    /// Connects to `path` on this page's host and keeps reconnecting until the page goes away.
    pub fn connect(path: &'static str, hooks: SocketHooks) -> LiveSocket {
        let socket = LiveSocket {
            inner: Rc::new(RefCell::new(Inner {
                path,
                hooks: Rc::new(hooks),
                socket: None,
                backoff_ms: FIRST_BACKOFF_MS,
                closures: Vec::new(),
                message_closure: None,
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
        if socket.ready_state() != WebSocket::OPEN {
            return false;
        }
        match serde_json::to_string(frame) {
            Ok(text) => socket.send_with_str(&text).is_ok(),
            Err(_) => false,
        }
    }

    fn open(&self) {
        let url = {
            let path = self.inner.borrow().path;
            let Some(location) = web_sys::window().map(|w| w.location()) else {
                return;
            };
            let scheme = match location.protocol().as_deref() {
                Ok("https:") => "wss",
                _ => "ws",
            };
            format!("{scheme}://{}{path}", location.host().unwrap_or_default())
        };
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
                let hello = (hooks.hello)();
                this.send(&hello);
            })
        };
        let on_message = {
            let hooks = Rc::clone(&hooks);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                if let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) {
                    if matches!(frame, ServerFrame::Ready { .. }) {
                        (hooks.on_status)(true);
                    }
                    (hooks.on_frame)(frame);
                }
            })
        };
        let on_close = {
            let this = self.clone();
            let hooks = Rc::clone(&hooks);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                (hooks.on_status)(false);
                this.inner.borrow_mut().socket = None;
                this.schedule_reconnect();
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut inner = self.inner.borrow_mut();
        inner.socket = Some(socket);
        inner.closures = vec![on_open, on_close];
        inner.message_closure = Some(on_message);
    }

    fn schedule_reconnect(&self) {
        let delay = {
            let mut inner = self.inner.borrow_mut();
            let delay = inner.backoff_ms;
            inner.backoff_ms = (delay * 2).min(MAX_BACKOFF_MS);
            delay
        };
        let this = self.clone();
        gloo_timers::callback::Timeout::new(delay, move || this.open()).forget();
    }
}

/// What every dialog does while it is on screen: Escape closes it wherever the focus is, and
/// when it goes the focus returns to the control that opened it.
pub fn dialog_keys(close: impl Fn() + 'static) {
    use leptos::prelude::*;
    let opener = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    let opener = StoredValue::new_local(opener);
    let escape =
        leptos::leptos_dom::helpers::window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                close();
            }
        });
    on_cleanup(move || {
        escape.remove();
        opener.update_value(|opener| {
            if let Some(element) = opener.take() {
                // After the dialog has left the page (removing it would take the focus along).
                gloo_timers::callback::Timeout::new(0, move || {
                    let _ = element.focus();
                })
                .forget();
            }
        });
    });
}

/// A random id for an outgoing message (works without a secure context, unlike randomUUID).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The browser's storage: the tab's own (kept across reloads) or the browser's.
fn storage(tab_only: bool) -> Option<web_sys::Storage> {
    let window = web_sys::window()?;
    let storage = if tab_only {
        window.session_storage()
    } else {
        window.local_storage()
    };
    storage.ok().flatten()
}

/// What this browser keeps under `key` (the agent's layout choices), if anything.
pub fn remembered(key: &str) -> Option<String> {
    storage(false)?.get_item(key).ok()?
}

/// Keeps `value` under `key` in this browser (best effort: private modes may refuse).
pub fn remember(key: &str, value: &str) {
    if let Some(storage) = storage(false) {
        let _ = storage.set_item(key, value);
    }
}

/// What this tab keeps under `key` (it survives a reload, not the tab).
pub fn remembered_in_tab(key: &str) -> Option<String> {
    storage(true)?.get_item(key).ok()?
}

/// Keeps `value` under `key` for this tab.
pub fn remember_in_tab(key: &str, value: &str) {
    if let Some(storage) = storage(true) {
        let _ = storage.set_item(key, value);
    }
}

/// The window's width in CSS pixels (0 when unknown).
pub fn window_width() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .unwrap_or(0.0)
}

/// Runs `change` once the page drawn by the server is live: after every pending task, so a
/// signal it sets redraws the page instead of racing its hydration (the workspace hydrates
/// inside a suspense boundary, asynchronously).
pub fn after_hydration(change: impl FnOnce() + 'static) {
    gloo_timers::callback::Timeout::new(0, change).forget();
}

/// Reloads the page (a snapshot after the server said the gap was too old).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Navigates to another page of Switchboard with a full load.
pub fn go(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
}

/// The least time between two typing notices for the same conversation, in milliseconds.
const TYPING_EVERY_MS: f64 = 1_500.0;

/// Starts the pump that hands queued requests to the socket: each new text gets a client id
/// and an unsent entry; a send the socket cannot take right now is marked failed at once.
/// Typing notices are thinned out to one every [`TYPING_EVERY_MS`] per conversation; the last
/// one of a burst is sent when the pause is over, so a preview ends on what was typed.
pub fn pump<T: LiveStore + Send + Sync + 'static>(
    outgoing: crate::ui::outgoing::Outgoing,
    socket: leptos::prelude::StoredValue<Option<LiveSocket>, leptos::prelude::LocalStorage>,
    data: leptos::prelude::RwSignal<T>,
) {
    use crate::ui::outgoing::Request;
    use leptos::prelude::*;
    let typing =
        StoredValue::new_local(std::collections::HashMap::<Option<i64>, TypingState>::new());
    Effect::new(move |_| {
        for request in outgoing.drain() {
            let pending = match request {
                Request::Typing {
                    conversation_id,
                    draft,
                    note,
                } => {
                    let frame = ClientFrame::Typing {
                        conversation_id,
                        draft,
                        note,
                    };
                    throttle_typing(socket, typing, conversation_id, frame);
                    continue;
                }
                Request::Frame(frame) => {
                    socket.with_value(|s| s.as_ref().map(|s| s.send(&frame)));
                    continue;
                }
                Request::Text {
                    conversation_id,
                    draft,
                } => {
                    let client_id = random_id();
                    data.update(|d| d.unsent().push(client_id.clone(), conversation_id, draft));
                    data.with_untracked(|d| d.unsent_ref().items.last().cloned())
                }
                Request::Retry { client_id } => {
                    data.try_update(|d| d.unsent().retry(&client_id)).flatten()
                }
            };
            let Some(pending) = pending else { continue };
            let frame = ClientFrame::Send {
                client_id: pending.client_id.clone(),
                conversation_id: pending.conversation_id,
                body: pending.body,
                attachments: pending.attachments.iter().map(|a| a.id).collect(),
                note: pending.note,
            };
            let sent = socket.with_value(|s| s.as_ref().is_some_and(|s| s.send(&frame)));
            if !sent {
                data.update(|d| d.unsent().fail(&pending.client_id, "network"));
            }
        }
    });
}

/// When the last typing notice of a conversation went out, and the newest one held back.
#[derive(Default)]
struct TypingState {
    sent_at: f64,
    held: Option<ClientFrame>,
}

fn throttle_typing(
    socket: leptos::prelude::StoredValue<Option<LiveSocket>, leptos::prelude::LocalStorage>,
    typing: leptos::prelude::StoredValue<
        std::collections::HashMap<Option<i64>, TypingState>,
        leptos::prelude::LocalStorage,
    >,
    key: Option<i64>,
    frame: ClientFrame,
) {
    use leptos::prelude::*;
    let now = js_sys::Date::now();
    let wait = typing.with_value(|t| {
        t.get(&key)
            .map_or(0.0, |state| TYPING_EVERY_MS - (now - state.sent_at))
    });
    if wait <= 0.0 {
        typing.update_value(|t| {
            let state = t.entry(key).or_default();
            state.sent_at = now;
            state.held = None;
        });
        socket.with_value(|s| s.as_ref().map(|s| s.send(&frame)));
        return;
    }
    let first_held = typing.try_update_value(|t| {
        let state = t.entry(key).or_default();
        state.held.replace(frame).is_none()
    });
    if first_held == Some(true) {
        gloo_timers::callback::Timeout::new(wait as u32, move || {
            let held = typing.try_update_value(|t| {
                t.get_mut(&key).and_then(|state| {
                    state.sent_at = js_sys::Date::now();
                    state.held.take()
                })
            });
            if let Some(Some(frame)) = held {
                socket.with_value(|s| s.as_ref().map(|s| s.send(&frame)));
            }
        })
        .forget();
    }
}

/// A client store fed by a socket: the workspace's or the widget's.
pub trait LiveStore {
    /// The unsent, to change it.
    fn unsent(&mut self) -> &mut crate::live::Unsent;
    /// The unsent, to read it.
    fn unsent_ref(&self) -> &crate::live::Unsent;
    /// Applies an event (idempotent).
    fn apply(&mut self, id: i64, event: &crate::protocol::Event);
    /// Records a committed message of one's own (an `Ack`).
    fn acknowledge(&mut self, message: &crate::model::Message);
    /// The newest event applied, to resume from.
    fn last_applied(&self) -> i64;
}

macro_rules! live_store {
    ($store:ty) => {
        impl LiveStore for $store {
            fn unsent(&mut self) -> &mut crate::live::Unsent {
                &mut self.unsent
            }
            fn unsent_ref(&self) -> &crate::live::Unsent {
                &self.unsent
            }
            fn apply(&mut self, id: i64, event: &crate::protocol::Event) {
                <$store>::apply(self, id, event);
            }
            fn acknowledge(&mut self, message: &crate::model::Message) {
                <$store>::acknowledge(self, message);
            }
            fn last_applied(&self) -> i64 {
                self.last_event_id
            }
        }
    };
}
live_store!(crate::live::WorkspaceData);

/// The socket hooks every page uses: hello with the last applied event, events and
/// acknowledgements into the store, refusals onto the failed send and the page's notice, a
/// reload when the server says the gap is too old, and in-flight sends failed on disconnect.
/// `also` sees every frame after that, with `true` once the replay is over (live traffic).
pub fn store_hooks<T: LiveStore + Send + Sync + 'static>(
    data: leptos::prelude::RwSignal<T>,
    token: Option<String>,
    online: leptos::prelude::RwSignal<bool>,
    problem: leptos::prelude::RwSignal<Option<String>>,
    also: impl Fn(&ServerFrame, bool) + 'static,
) -> SocketHooks {
    use leptos::prelude::*;
    let live = Rc::new(std::cell::Cell::new(false));
    let live_on_status = Rc::clone(&live);
    let is_agent = token.is_none();
    SocketHooks {
        hello: Box::new(move || ClientFrame::Hello {
            token: token.clone(),
            after: Some(data.with_untracked(|d| d.last_applied())),
            inbox: None,
        }),
        on_frame: Box::new(move |frame| {
            store_frame(data, problem, &frame);
            if matches!(frame, ServerFrame::Ready { .. }) {
                live.set(true);
            }
            also(&frame, live.get());
        }),
        on_status: Box::new(move |up| {
            online.set(up);
            if !up {
                live_on_status.set(false);
                data.update(|d| d.unsent().fail_in_flight());
                // A lost connection may be an ended session (the upgrade is then refused and
                // the browser cannot tell why): a signed-out agent goes to the sign-in page.
                if is_agent {
                    leptos::task::spawn_local(async {
                        use crate::snapshot::SignInState;
                        if let Ok(SignInState::SignedOut) = crate::api::who_is_here().await {
                            go("/login");
                        }
                    });
                }
            }
        }),
    }
}

fn store_frame<T: LiveStore + Send + Sync + 'static>(
    data: leptos::prelude::RwSignal<T>,
    problem: leptos::prelude::RwSignal<Option<String>>,
    frame: &ServerFrame,
) {
    use leptos::prelude::*;
    match frame.clone() {
        ServerFrame::Event { id, event, .. } => data.update(|d| d.apply(id, &event)),
        ServerFrame::Ack { message, .. } => data.update(|d| d.acknowledge(&message)),
        ServerFrame::Refused {
            client_id, code, ..
        } => {
            if let Some(client_id) = client_id {
                data.update(|d| d.unsent().fail(&client_id, &code));
            }
            // The session ended (signed out elsewhere, password changed, account disabled):
            // the page reloads into the sign-in page.
            if code == "unauthenticated" {
                reload();
            }
            problem.set(Some(code));
        }
        ServerFrame::Resync => reload(),
        ServerFrame::Ready { .. } => problem.set(None),
        ServerFrame::Pong
        | ServerFrame::Viewers { .. }
        | ServerFrame::Typing { .. }
        | ServerFrame::VisitorTyping { .. }
        | ServerFrame::Welcome { .. }
        | ServerFrame::OnlineVisitors { .. }
        | ServerFrame::OnlineChanges { .. } => {}
    }
}
