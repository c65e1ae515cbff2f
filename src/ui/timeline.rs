//! The message timeline of a conversation, shared by the workspace and the widget. It is an
//! ARIA `log` region, so screen readers announce new messages politely.

use leptos::html::Ol;
use leptos::prelude::*;

use crate::i18n::*;
use crate::live::{PendingSend, SendStatus};
use crate::model::{Author, EarlierConversation, Message, SystemLine};
use leptos_i18n::I18nContext;

/// Who is reading the timeline: decides which messages are "mine".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// An agent with this id.
    Agent(i64),
    /// The visitor of the conversation.
    Visitor,
}

impl Viewer {
    fn wrote(self, author: &Author) -> bool {
        match (self, author) {
            (Viewer::Agent(me), Author::Agent { id, .. }) => me == *id,
            (Viewer::Visitor, Author::Visitor) => true,
            _ => false,
        }
    }
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
) -> impl IntoView {
    let i18n = use_i18n();
    let list = NodeRef::<Ol>::new();
    Effect::new(move |_| {
        let _ = (messages.with(Vec::len), pending.with(Vec::len));
        if let Some(list) = list.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    view! {
        <ol class="timeline" role="log" aria-live="polite" aria-label=move || t_string!(i18n, timeline_label).to_string() node_ref=list>
            <For each=move || messages.get() key=|message| message.id let:message>
                <MessageItem message viewer />
            </For>
            <For
                each=move || pending.get()
                key=|item| (item.client_id.clone(), item.status.clone())
                let:item
            >
                <PendingItem item on_retry />
            </For>
        </ol>
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
    move || {
        let earlier = earlier.get();
        (!earlier.is_empty()).then(|| {
            view! {
                <section class="history" aria-label=move || t_string!(i18n, earlier_conversations).to_string()>
                    {earlier
                        .into_iter()
                        .map(|conversation| {
                            let id = conversation.summary.id;
                            view! {
                                <details>
                                    <summary>{move || t_string!(i18n, earlier_conversation, id = id).to_string()}</summary>
                                    <ol class="timeline earlier">
                                        {conversation
                                            .messages
                                            .into_iter()
                                            .map(|message| view! { <MessageItem message viewer /> })
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
    match line {
        SystemLine::Accepted { agent } => {
            t_string!(i18n, system_accepted, agent = agent.clone()).to_string()
        }
        SystemLine::ClosedByAgent { agent } => {
            t_string!(i18n, system_closed, agent = agent.clone()).to_string()
        }
        SystemLine::Assigned { by, to } => {
            t_string!(i18n, system_assigned, by = by.clone(), to = to.clone()).to_string()
        }
        SystemLine::Unassigned { by } => {
            t_string!(i18n, system_unassigned, by = by.clone()).to_string()
        }
        SystemLine::AutoUnassigned { agent, after_secs } => {
            let duration = duration_text(i18n, *after_secs);
            t_string!(
                i18n,
                system_auto_unassigned,
                agent = agent.clone(),
                duration = duration
            )
            .to_string()
        }
        SystemLine::AutoClosed { after_secs } => {
            let duration = duration_text(i18n, *after_secs);
            t_string!(i18n, system_auto_closed, duration = duration).to_string()
        }
        SystemLine::PageViewed { title, url } => t_string!(
            i18n,
            system_page_viewed,
            title = title.clone(),
            path = crate::tracking::path_of(url).to_owned()
        )
        .to_string(),
    }
}

/// A timer duration as people say it: whole minutes, else seconds.
fn duration_text(i18n: I18nContext<Locale>, secs: i64) -> String {
    if secs % 60 == 0 {
        t_string!(i18n, duration_minutes, n = secs / 60).to_string()
    } else {
        t_string!(i18n, duration_seconds, n = secs).to_string()
    }
}

#[component]
fn MessageItem(message: Message, viewer: Viewer) -> impl IntoView {
    let i18n = use_i18n();
    if let Some(line) = message.system.clone() {
        let quiet = matches!(line, crate::model::SystemLine::PageViewed { .. });
        let text = move || system_text(i18n, &line);
        return view! { <li class="message system" class:quiet=quiet>{text}</li> }.into_any();
    }
    let mine = viewer.wrote(&message.author);
    let author = message.author.clone();
    let author_label = move || match &author {
        _ if mine => t_string!(i18n, author_you).to_string(),
        Author::Agent { name, .. } => name.clone(),
        Author::Visitor | Author::System => t_string!(i18n, author_visitor).to_string(),
    };
    let side = match (&message.author, viewer) {
        (Author::Visitor, _) => "visitor",
        _ => "agent",
    };
    view! {
        <li class=format!("message {side}") class:mine=mine>
            <span class="author">{author_label}</span>
            <p class="body">{message.body.clone()}</p>
            <Show when=move || mine>
                <span class="status">{t!(i18n, status_sent)}</span>
            </Show>
        </li>
    }
    .into_any()
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
    view! {
        <li class="message mine pending">
            <span class="author">{t!(i18n, author_you)}</span>
            <p class="body">{item.body}</p>
            {status}
        </li>
    }
}
