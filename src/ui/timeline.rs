//! The message timeline of a conversation, shared by the workspace and the widget: bubbles
//! with names, pictures or initials, times in the reader's zone, date separators, files, read
//! receipts, and internal notes set apart. It is an ARIA `log` region, so screen readers
//! announce new messages politely.

use std::collections::BTreeSet;

use leptos::html::Div;
use leptos::prelude::*;

use crate::i18n::*;
use crate::live::{PendingSend, SendStatus};
use crate::model::{Attachment, Author, EarlierConversation, Message, SystemLine, initials};
use crate::ui::clock;
use crate::ui::formatted::Formatted;
use crate::ui::icons::{Glyph, Icon};
use leptos_i18n::I18nContext;

/// Who is reading the timeline (an agent: the visitor's timeline is the widget's own,
/// `widget/`): decides which messages are "mine".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// An agent with this id.
    Agent(i64),
}

impl Viewer {
    fn wrote(self, author: &Author) -> bool {
        let Viewer::Agent(me) = self;
        matches!(author, Author::Agent { id, .. } if *id == me)
    }
}

/// Messages an agent has ticked to copy (and, later, to make a ticket of).
#[derive(Clone, Copy)]
pub struct Selection {
    /// Whether the checkboxes show.
    pub on: Signal<bool>,
    /// The ticked message ids.
    pub ids: RwSignal<BTreeSet<i64>>,
}

/// What a timeline row needs besides its message.
#[derive(Clone, Copy)]
struct RowContext {
    viewer: Viewer,
    /// The visitor's name as the agent knows it (their initials).
    visitor_label: Signal<String>,
    selection: Option<Selection>,
}

/// The committed messages, then the viewer's own sends still in flight or failed.
#[component]
pub fn Timeline(
    /// Committed messages, oldest first.
    #[prop(into)]
    messages: Signal<Vec<Message>>,
    /// The viewer's sends not yet committed.
    #[prop(into)]
    pending: Signal<Vec<PendingSend>>,
    /// Who reads.
    viewer: Viewer,
    /// Retry a failed send (by client id).
    on_retry: Callback<String>,
    /// The visitor's name, for their initials (agents' timelines).
    #[prop(into, optional)]
    visitor_label: Signal<String>,
    /// Checkboxes to select messages (the workspace's main view).
    #[prop(default = None)]
    selection: Option<Selection>,
) -> impl IntoView {
    let i18n = use_i18n();
    let list = NodeRef::<Div>::new();
    Effect::new(move |_| {
        let _ = (messages.with(Vec::len), pending.with(Vec::len));
        if let Some(list) = list.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    let context = RowContext {
        viewer,
        visitor_label,
        selection,
    };
    let rows = move || {
        let messages = messages.get();
        let times: Vec<_> = messages.iter().map(|m| m.created_at).collect();
        messages
            .into_iter()
            .zip(clock::day_starts(&times))
            .collect::<Vec<_>>()
    };
    view! {
        // The `log` box scrolls; the messages inside are a list.
        <div class="timeline" role="log" aria-live="polite" aria-label=move || t_string!(i18n, timeline_label).to_string() node_ref=list>
            <ol class="messages">
            <For
                each=rows
                key=|(message, new_day)| (message.id, *new_day, message.read_at)
                let:row
            >
                <Row message=row.0 new_day=row.1 context />
            </For>
            <For
                each=move || pending.get()
                key=|item| (item.client_id.clone(), item.status.clone())
                let:item
            >
                <PendingItem item on_retry />
            </For>
            </ol>
        </div>
    }
}

/// The visitor's earlier conversations, folded, above the current one (agents only).
#[component]
pub fn History(
    /// Earlier conversations, oldest first.
    #[prop(into)]
    earlier: Signal<Vec<EarlierConversation>>,
    /// Who reads.
    viewer: Viewer,
) -> impl IntoView {
    let i18n = use_i18n();
    let context = RowContext {
        viewer,
        visitor_label: Signal::default(),
        selection: None,
    };
    move || {
        let earlier = earlier.get();
        (!earlier.is_empty()).then(|| {
            view! {
                <section class="history" aria-label=move || t_string!(i18n, earlier_conversations).to_string()>
                    {earlier
                        .into_iter()
                        .map(|conversation| {
                            let id = conversation.summary.id;
                            let times: Vec<_> = conversation.messages.iter().map(|m| m.created_at).collect();
                            view! {
                                <details>
                                    <summary>{move || t_string!(i18n, earlier_conversation, id = id).to_string()}</summary>
                                    <ol class="messages earlier">
                                        {conversation
                                            .messages
                                            .into_iter()
                                            .zip(clock::day_starts(&times))
                                            .map(|(message, new_day)| view! { <Row message new_day context /> })
                                            .collect_view()}
                                    </ol>
                                </details>
                            }
                        })
                        .collect_view()}
                </section>
            }
        })
    }
}

/// What a system line says, in the reader's language.
pub fn system_text(i18n: I18nContext<Locale>, line: &SystemLine) -> String {
    crate::wording::system_line(i18n.get_locale(), line)
}

/// Who wrote a message, as the reader names them.
fn author_name(i18n: I18nContext<Locale>, author: &Author, mine: bool) -> String {
    match author {
        _ if mine => t_string!(i18n, author_you).to_string(),
        Author::Agent { name, .. } => name.clone(),
        Author::Visitor | Author::System => t_string!(i18n, author_visitor).to_string(),
    }
}

/// One timeline row, with the date separator before it when it starts a new day.
#[component]
fn Row(message: Message, new_day: bool, context: RowContext) -> impl IntoView {
    let i18n = use_i18n();
    let at = message.created_at;
    let separator = new_day.then(|| {
        view! {
            <li class="day">
                {move || clock::day_label(i18n, at, clock::now_millis())}
            </li>
        }
    });
    view! {
        {separator}
        <MessageItem message context />
    }
}

#[component]
fn MessageItem(message: Message, context: RowContext) -> impl IntoView {
    let i18n = use_i18n();
    let at = message.created_at;
    let time = move || clock::time_of_day(i18n, at);
    let full_time = move || clock::date_time(i18n, at);
    if let Some(line) = message.system.clone() {
        let quiet = matches!(line, SystemLine::PageViewed { .. });
        let text = move || system_text(i18n, &line);
        return view! {
            <li class="message system" class:quiet=quiet>
                {text}
                " "
                <time class="time" title=full_time>{time}</time>
            </li>
        }
        .into_any();
    }
    let viewer = context.viewer;
    let mine = viewer.wrote(&message.author);
    let author = message.author.clone();
    let name = {
        let author = author.clone();
        move || author_name(i18n, &author, mine)
    };
    let side = match &message.author {
        Author::Visitor => "visitor",
        _ => "agent",
    };
    let avatar = (!mine).then(|| match &author {
        Author::Agent { id, name } => view! {
            <span class="avatar" aria-hidden="true">
                {initials(name)}
                <img src=format!("/avatars/{id}") alt="" />
            </span>
        }
        .into_any(),
        _ => {
            let label = context.visitor_label;
            view! { <span class="avatar visitor" aria-hidden="true">{move || initials(&label.get())}</span> }
                .into_any()
        }
    });
    let body = match &message.author {
        Author::Agent { .. } if !message.body.is_empty() => {
            view! { <div class="body formatted"><Formatted text=message.body.clone() /></div> }
                .into_any()
        }
        _ if message.body.is_empty() => ().into_any(),
        _ => view! { <p class="body plain">{message.body.clone()}</p> }.into_any(),
    };
    let receipt = receipt(i18n, &message);
    let select = context.selection.map(|selection| {
        let id = message.id;
        let label = {
            let name = name.clone();
            move || t_string!(i18n, select_message, name = name(), time = time()).to_string()
        };
        view! {
            <Show when=move || selection.on.get()>
                <input
                    type="checkbox"
                    class="select"
                    aria-label=label.clone()
                    prop:checked=move || selection.ids.with(|ids| ids.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selection.ids.update(|ids| {
                            if on {
                                ids.insert(id);
                            } else {
                                ids.remove(&id);
                            }
                        });
                    }
                />
            </Show>
        }
    });
    let note = message.note;
    view! {
        <li class=format!("message {side}") class:mine=mine class:note=note>
            {select}
            {avatar}
            <div class="bubble">
                <div class="meta">
                    <span class="author">{name}</span>
                    " "
                    <time class="time" title=full_time>{time}</time>
                    {note.then(|| view! { <span class="badge note-badge">{t!(i18n, note_badge)}</span> })}
                </div>
                {body}
                <Attachments attachments=message.attachments.clone() />
                {receipt}
            </div>
        </li>
    }
    .into_any()
}

/// The status under a message of the team's: ✓, or ✓✓ once the visitor has read it (with the
/// time).
fn receipt(i18n: I18nContext<Locale>, message: &Message) -> AnyView {
    match &message.author {
        Author::Agent { .. } if !message.note => match message.read_at {
            Some(read_at) => {
                let when = move || {
                    t_string!(i18n, read_at, time = clock::date_time(i18n, read_at)).to_string()
                };
                view! {
                    <span class="receipt read" title=when aria-label=when>"✓✓"</span>
                }
                .into_any()
            }
            None => view! {
                <span class="receipt" title=move || t_string!(i18n, status_sent).to_string() aria-label=move || t_string!(i18n, status_sent).to_string()>
                    "✓"
                </span>
            }
            .into_any(),
        },
        _ => ().into_any(),
    }
}

/// A message's files: pictures shown (opening full size in a new tab), others as downloads.
#[component]
pub fn Attachments(attachments: Vec<Attachment>) -> impl IntoView {
    (!attachments.is_empty()).then(|| {
        view! {
            <ul class="attachments">
                {attachments.into_iter().map(|a| view! { <li><AttachmentLink attachment=a /></li> }).collect_view()}
            </ul>
        }
    })
}

#[component]
fn AttachmentLink(attachment: Attachment) -> impl IntoView {
    let i18n = use_i18n();
    let address = attachment.url();
    let name = attachment.name.clone();
    let size = crate::units::size_text(attachment.size);
    if attachment.is_image() {
        let alt = name.clone();
        let picture = address.clone();
        view! {
            <a href=address target="_blank" rel="noopener noreferrer" download=name.clone()>
                <img class="preview" src=picture alt=alt />
            </a>
        }
        .into_any()
    } else {
        let label = {
            let name = name.clone();
            move || t_string!(i18n, download_file, name = name.clone()).to_string()
        };
        view! {
            <a class="file" href=address download=name.clone() aria-label=label>
                <Icon glyph=Glyph::File /> " "
                {name.clone()}
                <span class="size">{format!(" ({size})")}</span>
            </a>
        }
        .into_any()
    }
}

#[component]
fn PendingItem(item: PendingSend, on_retry: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let client_id = item.client_id.clone();
    let status = match item.status {
        SendStatus::Sending => {
            view! { <span class="status">{t!(i18n, status_sending)}</span> }.into_any()
        }
        SendStatus::Failed(_) => view! {
            <span class="status failed">{t!(i18n, status_failed)}</span>
            <button type="button" class="retry" on:click=move |_| on_retry.run(client_id.clone())>
                {t!(i18n, retry)}
            </button>
        }
        .into_any(),
    };
    let files: Vec<String> = item.attachments.iter().map(|a| a.name.clone()).collect();
    view! {
        <li class="message mine pending" class:note=item.note>
            <div class="bubble">
                <span class="author">{t!(i18n, author_you)}</span>
                <p class="body plain">{item.body}</p>
                {(!files.is_empty()).then(|| view! { <p class="files"><Icon glyph=Glyph::Paperclip /> " " {files.join(", ")}</p> })}
                {status}
            </div>
        </li>
    }
}
