//! The widget's one state and how the page follows it. Every change goes through [`update`],
//! which changes the state and then redraws what depends on it; nothing else touches the page.

use std::cell::RefCell;
use std::collections::HashMap;

use switchboard_shared::live::{Draft, WidgetData};
use switchboard_shared::model::{Author, FilePolicy};
use switchboard_shared::protocol::{ClientFrame, Event, VisitorFrame};
use switchboard_shared::snapshot::BlockNotice;
use switchboard_shared::widget_text::{WidgetText, fill};
use web_sys::{Element, HtmlElement};

use crate::browser::{self, LiveSocket, SocketHooks};
use crate::composer::Composer;
use crate::dom::{self, append, by_id, el, show, text_el};
use crate::timeline::{self, Rows};

/// How long an agent's typing notice shows without a new one, in milliseconds.
const TYPING_SHOWN_MS: i32 = 4_000;

/// Everything the widget knows.
pub struct Chat {
    /// The strings, in the visitor's language.
    pub text: WidgetText,
    /// Conversations, messages and sends in flight.
    pub data: WidgetData,
    /// The visitor's secret token (files are sent and read with it).
    pub token: Option<String>,
    /// What the inbox accepts as files.
    pub policy: Option<FilePolicy>,
    /// Whether agents see what the visitor types before sending.
    pub typing_preview: bool,
    /// The snapshot has arrived (the message box waits for it).
    loaded: bool,
    /// The socket is connected and has replayed what was missed.
    online: bool,
    /// A form (pre-chat or offline) shows instead of the message box.
    asking: bool,
    /// The last error code to show.
    problem: Option<String>,
    /// The visitor asked for a new chat after the last one ended.
    restarted: bool,
    /// The agent typing now, and when that was last heard.
    typist: Option<(String, f64)>,
    /// The chat is open on the host page, and the page on screen.
    shown: bool,
    visible: bool,
    /// The newest team message reported read.
    reported: i64,
    socket: Option<LiveSocket>,
    /// Addresses of files read with the token, by attachment id.
    files: HashMap<i64, String>,
    /// The timeline needs drawing again.
    dirty: bool,
    /// The message box and its files.
    pub composer: Composer,
    page: Page,
}

/// The page's parts the server painted.
struct Page {
    log: Element,
    banner: HtmlElement,
    typing: Element,
    notice: Element,
}

thread_local! {
    static CHAT: RefCell<Option<Chat>> = const { RefCell::new(None) };
}

/// Changes the state with `change`, then redraws the page from it.
pub fn update(change: impl FnOnce(&mut Chat)) {
    CHAT.with(|cell| {
        if let Some(chat) = cell.borrow_mut().as_mut() {
            change(chat);
            chat.settle();
        }
    });
}

/// Reads the page the server painted and starts the widget.
pub fn start() {
    let Some(root) = by_id::<HtmlElement>("sb-widget") else {
        return;
    };
    let key = root.get_attribute("data-key").unwrap_or_default();
    let text: WidgetText = root
        .get_attribute("data-text")
        .and_then(|json| crate::http::decode(&json))
        .unwrap_or_default();
    let (Some(log), Some(banner), Some(typing), Some(notice)) = (
        by_id::<Element>("sb-log"),
        by_id::<HtmlElement>("sb-banner"),
        by_id::<Element>("sb-typing"),
        by_id::<Element>("sb-notice"),
    ) else {
        return;
    };
    let Some(composer) = Composer::find() else {
        return;
    };
    let locale = text.locale.clone();
    CHAT.with(|cell| {
        *cell.borrow_mut() = Some(Chat {
            text,
            data: WidgetData::default(),
            token: None,
            policy: None,
            typing_preview: false,
            loaded: false,
            asking: ["sb-form", "sb-away"]
                .iter()
                .any(|id| by_id::<HtmlElement>(id).is_some_and(|painted| !painted.hidden())),
            online: true,
            problem: None,
            restarted: false,
            typist: None,
            shown: true,
            visible: browser::page_visible(),
            reported: 0,
            socket: None,
            files: HashMap::new(),
            dirty: true,
            composer,
            page: Page {
                log,
                banner,
                typing,
                notice,
            },
        });
    });
    crate::composer::listen();
    listen_to_page();
    wasm_bindgen_futures::spawn_local(load(key, locale));
}

fn token_key(key: &str) -> String {
    format!("switchboard.visitor.{key}")
}

/// Loads the snapshot, then connects the socket.
async fn load(key: String, locale: String) {
    let stored = browser::storage_get(&token_key(&key));
    let snapshot = match crate::http::widget_start(&key, stored.as_deref(), &locale).await {
        Ok(snapshot) => snapshot,
        Err(e) => {
            update(|chat| chat.problem = Some(e.error));
            return;
        }
    };
    let token = match (&snapshot.new_token, stored) {
        (Some(new), _) => {
            browser::storage_set(&token_key(&key), new);
            new.clone()
        }
        (None, Some(stored)) => stored,
        (None, None) => return,
    };
    show_painted("sb-form", snapshot.ask_form, &token);
    show_painted("sb-away", snapshot.offline, &token);
    update(|chat| {
        chat.asking = snapshot.ask_form || snapshot.offline;
        chat.token = Some(token.clone());
        chat.policy = Some(snapshot.files.clone());
        chat.typing_preview = snapshot.typing_preview;
        chat.data = WidgetData::from_snapshot(
            snapshot.conversations,
            snapshot.messages,
            snapshot.last_event_id,
        );
        chat.data.blocked = snapshot.blocked;
        chat.loaded = true;
        chat.dirty = true;
    });
    let hooks = SocketHooks {
        hello: Box::new(move || ClientFrame::Hello {
            token: Some(token.clone()),
            after: Some(CHAT.with(|cell| {
                cell.borrow()
                    .as_ref()
                    .map_or(0, |chat| chat.data.last_event_id)
            })),
            inbox: None,
        }),
        on_frame: Box::new(|frame| update(|chat| chat.on_frame(frame))),
        on_lost: Box::new(|| {
            update(|chat| {
                chat.online = false;
                chat.data.unsent.fail_in_flight();
                chat.dirty = true;
            });
        }),
    };
    let socket = LiveSocket::connect(hooks);
    update(|chat| chat.socket = Some(socket));
}

/// A form the server painted (the pre-chat form `sb-form`, the offline form in `sb-away`), if
/// the inbox has it: shown instead of the message box (see [`Chat::draw`]) when `ask`, and
/// posted with the visitor's token.
fn show_painted(id: &str, ask: bool, token: &str) {
    let Some(form) = by_id::<HtmlElement>(id) else {
        return;
    };
    show(&form, ask);
    if let Ok(Some(input)) = form.query_selector("[name=token]") {
        dom::attr(&input, "value", token);
    }
    if let Ok(Some(button)) = form.query_selector("button") {
        let _ = button.remove_attribute("disabled");
    }
}

impl Chat {
    fn on_frame(&mut self, frame: VisitorFrame) {
        match frame {
            VisitorFrame::Event { id, event } => {
                if let Event::MessagePosted { message } = &event
                    && matches!(message.author, Author::Agent { .. })
                {
                    self.typist = None;
                }
                self.data.apply(id, &event);
                self.dirty = true;
                // An agent started a chat (a proactive one, allowed at any hour): the message
                // box replaces whatever form was asked.
                if self.asking && self.data.current().is_some() && !self.data.ended() {
                    self.asking = false;
                    for form in ["sb-form", "sb-away"] {
                        if let Some(form) = by_id::<HtmlElement>(form) {
                            show(&form, false);
                        }
                    }
                }
            }
            VisitorFrame::Passed { id } => {
                self.data.last_event_id = self.data.last_event_id.max(id);
            }
            VisitorFrame::Ack { message, .. } => {
                self.data.acknowledge(&message);
                self.dirty = true;
            }
            VisitorFrame::Refused { client_id, code } => {
                if let Some(client_id) = client_id {
                    self.data.unsent.fail(&client_id, &code);
                    self.dirty = true;
                }
                // Refused as blocked (an IP block the widget was not told about): say so.
                if code == "blocked" {
                    self.data.blocked.get_or_insert(BlockNotice { until: None });
                }
                self.problem = Some(code);
            }
            VisitorFrame::Resync => browser::reload(),
            VisitorFrame::Ready { .. } => {
                self.problem = None;
                self.online = true;
                // Told again after every reconnect: a frame sent before it was ready is lost.
                self.reported = 0;
            }
            VisitorFrame::Typing { agent } => {
                let at = browser::now();
                self.typist = Some((agent.name, at));
                browser::after(TYPING_SHOWN_MS, move || {
                    update(|chat| {
                        if chat.typist.as_ref().is_some_and(|(_, since)| *since == at) {
                            chat.typist = None;
                        }
                    });
                });
            }
            _ => {}
        }
    }

    /// Sends a frame; `false` when the socket cannot take it now.
    pub fn send(&self, frame: &ClientFrame) -> bool {
        self.socket.as_ref().is_some_and(|s| s.send(frame))
    }

    /// Queues the visitor's message and sends it.
    pub fn send_draft(&mut self, draft: Draft) {
        self.restarted = false;
        let client_id = browser::random_id();
        self.data.unsent.push(client_id.clone(), None, draft);
        self.send_pending(&client_id);
    }

    /// Sends a failed message again (same client id, so it is stored once).
    pub fn retry(&mut self, client_id: &str) {
        if self.data.unsent.retry(client_id).is_some() {
            self.send_pending(client_id);
        }
    }

    fn send_pending(&mut self, client_id: &str) {
        self.dirty = true;
        let Some(pending) = self
            .data
            .unsent
            .items
            .iter()
            .find(|p| p.client_id == client_id)
            .cloned()
        else {
            return;
        };
        let frame = ClientFrame::Send {
            client_id: pending.client_id.clone(),
            conversation_id: None,
            body: pending.body,
            attachments: pending.attachments.iter().map(|a| a.id).collect(),
            note: false,
        };
        if !self.send(&frame) {
            self.data.unsent.fail(client_id, "network");
        }
    }

    /// Whether the visitor may write now.
    pub fn can_write(&self) -> bool {
        self.loaded && !self.asking && !self.ended() && self.data.blocked.is_none()
    }

    fn ended(&self) -> bool {
        self.data.ended() && !self.restarted
    }

    /// After every change: report what was read, fetch new files, redraw.
    fn settle(&mut self) {
        if self.shown
            && self.visible
            && self.online
            && self.socket.is_some()
            && let Some(up_to) = self.data.newest_unread_from_team()
            && self.reported < up_to
            && self.send(&ClientFrame::Read { up_to })
        {
            self.reported = up_to;
        }
        self.fetch_files();
        self.draw();
    }

    /// Reads the files of new messages with the visitor's token.
    fn fetch_files(&mut self) {
        let Some(token) = self.token.clone() else {
            return;
        };
        for message in self.data.messages.values() {
            for attachment in &message.attachments {
                if self.files.contains_key(&attachment.id) {
                    continue;
                }
                let id = attachment.id;
                // Marked at once so it is asked for once; the address follows.
                self.files.insert(id, String::new());
                crate::http::blob_url(&attachment.url(), &token, move |address| {
                    update(|chat| {
                        chat.files.insert(id, address.unwrap_or_default());
                        chat.dirty = true;
                    });
                });
            }
        }
    }

    fn draw(&mut self) {
        let text = &self.text;
        show(&self.page.banner, !self.online);
        let typing = self
            .typist
            .as_ref()
            .map(|(name, _)| fill(&text.typing, &[("name", name)]));
        self.page.typing.set_text_content(typing.as_deref());
        if self.dirty {
            self.dirty = false;
            let messages = self.data.timeline();
            let files: HashMap<i64, String> = self
                .files
                .iter()
                .filter(|(_, address)| !address.is_empty())
                .map(|(id, address)| (*id, address.clone()))
                .collect();
            timeline::draw(
                &self.page.log,
                &Rows {
                    messages: &messages,
                    pending: &self.data.unsent.items,
                    seen: self.data.seen(),
                    files: &files,
                },
                text,
            );
        }
        self.draw_notice();
        self.draw_rating();
        // Before the snapshot: as painted (hidden behind a pre-chat form, else shown).
        let shown = !self.asking && (self.can_write() || !self.loaded);
        self.composer
            .draw(shown, self.loaded, self.policy.is_some(), text);
    }

    /// The error, the block, or the end of the chat, under the timeline.
    fn draw_notice(&self) {
        let notice = &self.page.notice;
        notice.set_text_content(None);
        let text = &self.text;
        if let Some(code) = self.problem.as_deref().filter(|code| *code != "blocked") {
            let error = text_el("p", "error", text.error(code));
            dom::attr(&error, "role", "alert");
            append(notice, &error);
        }
        if let Some(block) = &self.data.blocked {
            let blocked = el("div", "blocked");
            dom::attr(&blocked, "role", "alert");
            append(&blocked, &text_el("p", "", &text.blocked));
            if let Some(until) = block.until {
                let date = timeline::date_time(until, &text.locale);
                append(
                    &blocked,
                    &text_el("p", "", &fill(&text.blocked_until, &[("date", &date)])),
                );
            }
            append(notice, &blocked);
        } else if self.ended() {
            let ended = el("div", "ended");
            dom::attr(&ended, "role", "status");
            append(&ended, &text_el("p", "", &text.ended));
            let again = text_el("button", "", &text.new_chat);
            dom::attr(&again, "type", "button");
            dom::attr(&again, "data-new-chat", "");
            append(&ended, &again);
            append(notice, &ended);
        }
    }

    /// The rating form the server painted (if the inbox asks ratings): shown for the ended
    /// conversation until it is rated.
    fn draw_rating(&self) {
        let (Some(token), Some(current)) = (&self.token, self.data.current()) else {
            return;
        };
        let ask = self.ended() && current.rating.is_none();
        show_painted("sb-rating", ask, token);
        if let Some(input) = by_id::<Element>("sb-rating")
            .and_then(|form| form.query_selector("[name=conversation_id]").ok().flatten())
        {
            dom::attr(&input, "value", &current.id.to_string());
        }
    }

    /// The visitor starts a new chat after the last one ended.
    pub fn restart(&mut self) {
        self.restarted = true;
    }
}

/// The host page says when the chat is shown or hidden; the browser when the tab is.
fn listen_to_page() {
    let Some(window) = web_sys::window() else {
        return;
    };
    dom::on(&window, "message", |event: web_sys::MessageEvent| {
        let kind = js_sys::Reflect::get(&event.data(), &"type".into())
            .ok()
            .and_then(|v| v.as_string());
        match kind.as_deref() {
            Some("switchboard:shown") => update(|chat| chat.shown = true),
            Some("switchboard:hidden") => update(|chat| chat.shown = false),
            _ => {}
        }
    });
    if let Some(document) = dom::document() {
        dom::on(&document, "visibilitychange", |_: web_sys::Event| {
            update(|chat| chat.visible = browser::page_visible());
        });
    }
    if let Some(minimize) = by_id::<Element>("sb-minimize") {
        dom::on(&minimize, "click", |_: web_sys::Event| {
            browser::post_to_host("switchboard:minimize");
        });
    }
    if let Some(notice) = by_id::<Element>("sb-notice") {
        dom::on(&notice, "click", |event: web_sys::Event| {
            let again = event
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<Element>(t).ok())
                .is_some_and(|t| t.has_attribute("data-new-chat"));
            if again {
                update(Chat::restart);
            }
        });
    }
    if let Some(log) = by_id::<Element>("sb-log") {
        dom::on(&log, "click", |event: web_sys::Event| {
            let client_id = event
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<Element>(t).ok())
                .and_then(|t| t.get_attribute("data-retry"));
            if let Some(client_id) = client_id {
                update(|chat| chat.retry(&client_id));
            }
        });
    }
}
