//! The visitor's message box: Enter sends, Shift+Enter starts a new line; files come with the
//! paperclip, a drop or a paste, are checked against the inbox's policy at once, and are
//! uploaded with their progress. What the visitor types is announced to the team (at most
//! every 1.5 s, the last of a burst when the pause is over).

use switchboard_shared::live::Draft;
use switchboard_shared::model::Attachment;
use switchboard_shared::protocol::ClientFrame;
use switchboard_shared::widget_text::{WidgetText, fill};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use crate::chat::{Chat, update};
use crate::dom::{self, append, attr, by_id, el, show, text_el};
use crate::http::Refusal;

/// The least time between two typing notices, in milliseconds.
const TYPING_EVERY_MS: f64 = 1_500.0;

/// A file being uploaded or ready to send.
struct Upload {
    key: u32,
    name: String,
    progress: f64,
    done: Option<Attachment>,
}

/// The message box's elements and what it holds.
pub struct Composer {
    form: HtmlElement,
    input: HtmlTextAreaElement,
    send: HtmlButtonElement,
    attach: HtmlElement,
    files: HtmlInputElement,
    list: Element,
    error: HtmlElement,
    uploads: Vec<Upload>,
    next_key: u32,
    upload_error: Option<String>,
    /// When the last typing notice went out, and whether a later one waits.
    typing_sent_at: f64,
    typing_held: Option<ClientFrame>,
}

impl Composer {
    /// The box the server painted.
    pub fn find() -> Option<Composer> {
        Some(Composer {
            form: by_id("sb-composer")?,
            input: by_id("sb-message")?,
            send: by_id("sb-send")?,
            attach: by_id("sb-attach")?,
            files: by_id("sb-files")?,
            list: by_id("sb-uploads")?,
            error: by_id("sb-upload-error")?,
            uploads: Vec::new(),
            next_key: 0,
            upload_error: None,
            typing_sent_at: 0.0,
            typing_held: None,
        })
    }

    /// Shows the box when `shown`, usable once the chat has loaded.
    pub fn draw(&self, shown: bool, loaded: bool, files_on: bool, text: &WidgetText) {
        show(&self.form, shown);
        self.input.set_disabled(!loaded);
        let uploading = self.uploads.iter().any(|u| u.done.is_none());
        self.send.set_disabled(!loaded || uploading);
        show(&self.attach, files_on);
        self.files.set_disabled(!files_on);
        self.list.set_text_content(None);
        for upload in &self.uploads {
            let item = el("li", "");
            append(&item, &text_el("span", "", &upload.name));
            if upload.done.is_some() {
                let remove = text_el("button", "icon", "✕");
                attr(&remove, "type", "button");
                attr(
                    &remove,
                    "aria-label",
                    &fill(&text.remove_file, &[("name", &upload.name)]),
                );
                attr(&remove, "data-remove", &upload.key.to_string());
                append(&item, &remove);
            } else {
                let progress = el("progress", "");
                attr(&progress, "max", "100");
                attr(
                    &progress,
                    "value",
                    &((upload.progress * 100.0).round() as u32).to_string(),
                );
                attr(
                    &progress,
                    "aria-label",
                    &fill(&text.uploading_file, &[("name", &upload.name)]),
                );
                append(&item, &progress);
            }
            append(&self.list, &item);
        }
        self.error.set_text_content(self.upload_error.as_deref());
        show(&self.error, self.upload_error.is_some());
    }

    fn take_draft(&mut self) -> Option<Draft> {
        let body = self.input.value().trim().to_owned();
        let attachments: Vec<Attachment> =
            self.uploads.iter().filter_map(|u| u.done.clone()).collect();
        if body.is_empty() && attachments.is_empty() {
            return None;
        }
        self.input.set_value("");
        self.uploads.clear();
        self.upload_error = None;
        Some(Draft {
            body,
            attachments,
            note: false,
        })
    }
}

/// Wires the box's events.
pub fn listen() {
    let Some(form) = by_id::<Element>("sb-composer") else {
        return;
    };
    dom::on(&form, "submit", |event: web_sys::Event| {
        event.prevent_default();
        update(send);
    });
    dom::on(&form, "keydown", |event: web_sys::KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            update(send);
        }
    });
    dom::on(&form, "input", |_: web_sys::Event| update(typing));
    dom::on(&form, "change", |event: web_sys::Event| {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            .filter(|input| input.type_() == "file")
        else {
            return;
        };
        let files = files_of(input.files());
        input.set_value("");
        update(|chat| add_files(chat, files));
    });
    dom::on(&form, "paste", |event: web_sys::ClipboardEvent| {
        let files = files_of(event.clipboard_data().and_then(|d| d.files()));
        if !files.is_empty() {
            event.prevent_default();
            update(|chat| add_files(chat, files));
        }
    });
    dom::on(&form, "dragover", |event: web_sys::DragEvent| {
        event.prevent_default()
    });
    dom::on(&form, "drop", |event: web_sys::DragEvent| {
        event.prevent_default();
        let files = files_of(event.data_transfer().and_then(|d| d.files()));
        update(|chat| add_files(chat, files));
    });
    dom::on(&form, "click", |event: web_sys::Event| {
        let key = event
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.get_attribute("data-remove"))
            .and_then(|key| key.parse::<u32>().ok());
        if let Some(key) = key {
            update(|chat| chat.composer.uploads.retain(|u| u.key != key));
        }
    });
}

fn send(chat: &mut Chat) {
    if !chat.can_write() || chat.composer.uploads.iter().any(|u| u.done.is_none()) {
        return;
    }
    if let Some(draft) = chat.composer.take_draft() {
        chat.send_draft(draft);
    }
}

/// Tells the team the visitor is typing (with the text, when the inbox shows it).
fn typing(chat: &mut Chat) {
    let draft = chat.typing_preview.then(|| chat.composer.input.value());
    let frame = ClientFrame::Typing {
        conversation_id: None,
        draft,
        note: false,
    };
    let now = crate::browser::now();
    let wait = TYPING_EVERY_MS - (now - chat.composer.typing_sent_at);
    if wait <= 0.0 {
        chat.composer.typing_sent_at = now;
        chat.composer.typing_held = None;
        chat.send(&frame);
        return;
    }
    if chat.composer.typing_held.replace(frame).is_none() {
        crate::browser::after(wait as i32, || {
            update(|chat| {
                if let Some(frame) = chat.composer.typing_held.take() {
                    chat.composer.typing_sent_at = crate::browser::now();
                    chat.send(&frame);
                }
            });
        });
    }
}

/// Checks each file against the inbox's policy and uploads those it accepts.
fn add_files(chat: &mut Chat, files: Vec<web_sys::File>) {
    let (Some(policy), Some(token)) = (chat.policy.clone(), chat.token.clone()) else {
        return;
    };
    chat.composer.upload_error = None;
    for file in files {
        let size = file.size() as i64;
        if let Err(refusal) = switchboard_shared::files::check(&file.type_(), size, &policy) {
            chat.composer.upload_error = Some(refusal_text(&refusal.into(), &chat.text));
            continue;
        }
        let key = chat.composer.next_key;
        chat.composer.next_key += 1;
        chat.composer.uploads.push(Upload {
            key,
            name: file.name(),
            progress: 0.0,
            done: None,
        });
        crate::http::upload(
            &file,
            &token,
            move |share| {
                update(|chat| {
                    if let Some(upload) = chat.composer.uploads.iter_mut().find(|u| u.key == key) {
                        upload.progress = share;
                    }
                });
            },
            move |result| {
                update(|chat| match result {
                    Ok(attachment) => {
                        if let Some(upload) =
                            chat.composer.uploads.iter_mut().find(|u| u.key == key)
                        {
                            upload.done = Some(attachment);
                        }
                    }
                    Err(refusal) => {
                        chat.composer.uploads.retain(|u| u.key != key);
                        chat.composer.upload_error = Some(refusal_text(&refusal, &chat.text));
                    }
                });
            },
        );
    }
}

/// What the visitor is told when a file is refused.
fn refusal_text(refusal: &Refusal, text: &WidgetText) -> String {
    match (&refusal.max_bytes, &refusal.content_type) {
        (Some(max_bytes), _) => fill(
            &text.file_too_large,
            &[("size", &switchboard_shared::units::size_text(*max_bytes))],
        ),
        (None, Some(kind)) => fill(&text.file_type, &[("kind", kind)]),
        (None, None) => text.error(&refusal.error).to_owned(),
    }
}

/// The files of a file input, a drop or a paste.
fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default()
}
