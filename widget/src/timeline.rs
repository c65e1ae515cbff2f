//! The visitor's timeline drawn into the list inside the page's `log` box: day separators,
//! bubbles with the agent's initials and picture, formatted replies (built node by node from
//! the tree the server parsed, never through HTML), files, "Sent"/"Seen" under the visitor's messages, and
//! their sends still on the way.

use std::collections::HashMap;

use switchboard_shared::format::{Block, Inline};
use switchboard_shared::live::{PendingSend, SendStatus};
use switchboard_shared::model::{Attachment, Author, Message, SystemLine, initials};
use switchboard_shared::widget_text::{WidgetText, fill};
use web_sys::Element;

use crate::dom::{append, append_text, attr, el, text_el};

/// What the timeline is drawn from.
pub struct Rows<'a> {
    /// Committed messages, oldest first.
    pub messages: &'a [Message],
    /// The visitor's sends not committed yet.
    pub pending: &'a [PendingSend],
    /// The visitor's message the team has read last ("Seen").
    pub seen: Option<i64>,
    /// Addresses of files already read with the visitor's token, by attachment id.
    pub files: &'a HashMap<i64, String>,
}

/// Replaces the list's rows.
pub fn draw(list: &Element, rows: &Rows<'_>, text: &WidgetText) {
    list.set_text_content(None);
    let mut previous_day = None;
    let today = day_of(crate::browser::now());
    for message in rows.messages {
        let day = day_of(message.created_at as f64);
        if previous_day != Some(day) {
            let separator = text_el(
                "li",
                "day",
                &day_label(day, today, message.created_at, text),
            );
            append(list, &separator);
            previous_day = Some(day);
        }
        append(list, &message_row(message, rows, text));
    }
    for item in rows.pending {
        append(list, &pending_row(item, text));
    }
    // The list sits in the scrolling `log` box: show its end.
    let scroller = list.parent_element().unwrap_or_else(|| list.clone());
    scroller.set_scroll_top(scroller.scroll_height());
}

/// The local calendar day of a time, as days since the epoch in the browser's zone.
fn day_of(at: f64) -> i64 {
    let date = js_sys::Date::new(&at.into());
    let offset_ms = date.get_timezone_offset() * 60_000.0;
    ((at - offset_ms) / 86_400_000.0).floor() as i64
}

fn day_label(day: i64, today: i64, at: i64, text: &WidgetText) -> String {
    if day == today {
        return text.today.clone();
    }
    if day + 1 == today {
        return text.yesterday.clone();
    }
    let options = js_sys::Object::new();
    for (key, value) in [("day", "numeric"), ("month", "long"), ("year", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    js_sys::Date::new(&(at as f64).into())
        .to_locale_date_string(&text.locale, &options)
        .into()
}

/// Hours and minutes in the visitor's language.
fn time_of_day(at: i64, locale: &str) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
    js_sys::Date::new(&(at as f64).into())
        .to_locale_time_string_with_options(locale, &options)
        .into()
}

/// Date and time in the visitor's language (titles, the end of a block).
pub fn date_time(at: i64, locale: &str) -> String {
    js_sys::Date::new(&(at as f64).into())
        .to_locale_string(locale, &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}

fn time_el(at: i64, text: &WidgetText) -> Element {
    let time = text_el("time", "time", &time_of_day(at, &text.locale));
    attr(&time, "title", &date_time(at, &text.locale));
    time
}

fn message_row(message: &Message, rows: &Rows<'_>, text: &WidgetText) -> Element {
    if let Some(line) = &message.system {
        let quiet = matches!(line, SystemLine::PageViewed { .. });
        let row = el(
            "li",
            if quiet {
                "message system quiet"
            } else {
                "message system"
            },
        );
        append_text(&row, &system_text(line, text));
        append_text(&row, " ");
        append(&row, &time_el(message.created_at, text));
        return row;
    }
    let mine = message.author == Author::Visitor;
    let row = el(
        "li",
        if mine {
            "message visitor mine"
        } else {
            "message agent"
        },
    );
    if let Author::Agent { id, name } = &message.author {
        let avatar = text_el("span", "avatar", &initials(name));
        attr(&avatar, "aria-hidden", "true");
        let picture = el("img", "");
        attr(&picture, "src", &format!("/avatars/{id}"));
        attr(&picture, "alt", "");
        // Without a picture the server draws the initials (never a broken image).
        append(&avatar, &picture);
        append(&row, &avatar);
    }
    let bubble = el("div", "bubble");
    let meta = el("div", "meta");
    let author = match &message.author {
        _ if mine => text.author_you.as_str(),
        Author::Agent { name, .. } => name.as_str(),
        _ => text.author_visitor.as_str(),
    };
    append(&meta, &text_el("span", "author", author));
    append_text(&meta, " ");
    append(&meta, &time_el(message.created_at, text));
    append(&bubble, &meta);
    if !message.body.is_empty() {
        match &message.formatted {
            Some(formatted) => {
                let body = el("div", "body formatted");
                blocks(&body, formatted);
                append(&bubble, &body);
            }
            None => append(&bubble, &text_el("p", "body plain", &message.body)),
        }
    }
    if !message.attachments.is_empty() {
        let list = el("ul", "attachments");
        for attachment in &message.attachments {
            let item = el("li", "");
            append(&item, &attachment_link(attachment, rows.files, text));
            append(&list, &item);
        }
        append(&bubble, &list);
    }
    if mine {
        let status = if rows.seen == Some(message.id) {
            &text.status_seen
        } else {
            &text.status_sent
        };
        append(&bubble, &text_el("span", "status", status));
    }
    append(&row, &bubble);
    row
}

fn attachment_link(
    attachment: &Attachment,
    files: &HashMap<i64, String>,
    text: &WidgetText,
) -> Element {
    let link = el("a", if attachment.is_image() { "" } else { "file" });
    if let Some(address) = files.get(&attachment.id) {
        attr(&link, "href", address);
    }
    attr(&link, "download", &attachment.name);
    if attachment.is_image() {
        attr(&link, "target", "_blank");
        attr(&link, "rel", "noopener noreferrer");
        let picture = el("img", "preview");
        if let Some(address) = files.get(&attachment.id) {
            attr(&picture, "src", address);
        }
        attr(&picture, "alt", &attachment.name);
        append(&link, &picture);
    } else {
        attr(
            &link,
            "aria-label",
            &fill(&text.download_file, &[("name", &attachment.name)]),
        );
        append_text(&link, &attachment.name);
        let size = switchboard_shared::units::size_text(attachment.size);
        append(&link, &text_el("span", "size", &format!(" ({size})")));
    }
    link
}

fn pending_row(item: &PendingSend, text: &WidgetText) -> Element {
    let row = el("li", "message mine pending");
    let bubble = el("div", "bubble");
    append(&bubble, &text_el("span", "author", &text.author_you));
    append(&bubble, &text_el("p", "body plain", &item.body));
    if !item.attachments.is_empty() {
        let names: Vec<&str> = item.attachments.iter().map(|a| a.name.as_str()).collect();
        append(&bubble, &text_el("p", "files", &names.join(", ")));
    }
    match &item.status {
        SendStatus::Sending => append(&bubble, &text_el("span", "status", &text.status_sending)),
        SendStatus::Failed(_) => {
            append(
                &bubble,
                &text_el("span", "status failed", &text.status_failed),
            );
            let retry = text_el("button", "retry", &text.retry);
            attr(&retry, "type", "button");
            attr(&retry, "data-retry", &item.client_id);
            append(&bubble, &retry);
        }
    }
    append(&row, &bubble);
    row
}

/// What a system line says, in the visitor's language.
fn system_text(line: &SystemLine, text: &WidgetText) -> String {
    let template = |kind: &str| text.system.get(kind).cloned().unwrap_or_default();
    let duration = |secs: i64| {
        if secs % 60 == 0 {
            fill(&text.minutes, &[("n", &(secs / 60).to_string())])
        } else {
            fill(&text.seconds, &[("n", &secs.to_string())])
        }
    };
    match line {
        SystemLine::Accepted { agent } | SystemLine::AutoAssigned { to: agent, .. } => {
            fill(&template("accepted"), &[("agent", agent)])
        }
        SystemLine::ClosedByAgent { agent } => fill(&template("closed"), &[("agent", agent)]),
        SystemLine::Assigned { by, to } => fill(&template("assigned"), &[("by", by), ("to", to)]),
        SystemLine::Unassigned { by } => fill(&template("unassigned"), &[("by", by)]),
        SystemLine::AutoUnassigned { agent, after_secs } => fill(
            &template("auto_unassigned"),
            &[("agent", agent), ("duration", &duration(*after_secs))],
        ),
        SystemLine::AutoClosed { after_secs } => fill(
            &template("auto_closed"),
            &[("duration", &duration(*after_secs))],
        ),
        SystemLine::Moved { by, inbox } => {
            fill(&template("moved"), &[("by", by), ("inbox", inbox)])
        }
        SystemLine::Blocked { by } => fill(&template("blocked"), &[("by", by)]),
        SystemLine::Unblocked { by } => fill(&template("unblocked"), &[("by", by)]),
        SystemLine::TicketCreated { by, ticket_id } => fill(
            &template("ticket_created"),
            &[("by", by), ("id", &ticket_id.to_string())],
        ),
        // Agents only: never sent to the widget.
        SystemLine::Rated { .. } => String::new(),
        SystemLine::PageViewed { title, url } => fill(
            &template("page_viewed"),
            &[
                ("title", title),
                ("path", switchboard_shared::tracking::path_of(url)),
            ],
        ),
    }
}

fn blocks(parent: &Element, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::Paragraph(inlines) => {
                let p = el("p", "");
                self::inlines(&p, inlines);
                append(parent, &p);
            }
            Block::Code(code) => {
                let pre = el("pre", "");
                append(&pre, &text_el("code", "", code));
                append(parent, &pre);
            }
            Block::List { start, items } => {
                let list = el(if start.is_some() { "ol" } else { "ul" }, "");
                if let Some(start) = start {
                    attr(&list, "start", &start.to_string());
                }
                for item in items {
                    let li = el("li", "");
                    self::blocks(&li, item);
                    append(&list, &li);
                }
                append(parent, &list);
            }
        }
    }
}

fn inlines(parent: &Element, inlines: &[Inline]) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => append_text(parent, text),
            Inline::Strong(children) => wrap(parent, "strong", children),
            Inline::Emphasis(children) => wrap(parent, "em", children),
            Inline::Code(code) => append(parent, &text_el("code", "", code)),
            Inline::Link { href, children } => {
                let link = el("a", "");
                attr(&link, "href", href);
                attr(&link, "target", "_blank");
                attr(&link, "rel", "noopener noreferrer");
                self::inlines(&link, children);
                append(parent, &link);
            }
            Inline::Break => append(parent, &el("br", "")),
        }
    }
}

fn wrap(parent: &Element, tag: &str, children: &[Inline]) {
    let element = el(tag, "");
    inlines(&element, children);
    append(parent, &element);
}
