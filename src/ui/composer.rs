//! The agent's message box: Enter sends, Shift+Enter starts a new line, Alt+N switches between
//! reply and note, Escape leaves it. Files come with the
//! paperclip, a drop or a paste ([`crate::ui::composer_files`]); the tools above it switch to
//! internal notes, format the selection, and insert templates after `/`
//! ([`crate::ui::composer_tools`]).

use leptos::html::Textarea;
use leptos::prelude::*;

use crate::format::{Mark, chars_from_utf16, utf16_from_chars};
use crate::i18n::*;
use crate::live::Draft;
use crate::model::Template;
use crate::templates::Placeholders;
use crate::ui::composer_files::{
    UploadList, UploadTarget, Uploads, chosen_files, dropped_files, pasted_files,
};
use crate::ui::composer_tools::{FormattingBar, ModeSwitch, TemplateList};
use crate::ui::icons::{Glyph, Icon};

/// What the agent may do in this conversation's composer.
#[derive(Clone, Copy)]
pub struct AgentTools {
    /// Whether they may reply (the assignee of an open conversation); else only notes.
    pub can_reply: Signal<bool>,
    /// The templates they may use.
    pub templates: Signal<Vec<Template>>,
    /// What template placeholders are filled with.
    pub placeholders: Signal<Placeholders>,
}

/// A labelled text area with a send button, files and the agent's tools.
#[component]
pub fn Composer(
    /// The accessible name of the text area.
    #[prop(into)]
    label: Signal<String>,
    /// Called with what to send (never empty).
    on_send: Callback<Draft>,
    /// Whether sending is impossible right now.
    #[prop(into, optional)]
    disabled: Signal<bool>,
    /// Called on every change of the text, with the text and whether it is a note.
    on_typing: Callback<(String, bool)>,
    /// Where files go (`None`: no files here yet).
    #[prop(into)]
    upload: Signal<Option<UploadTarget>>,
    /// Notes, templates and what they are filled with.
    tools: AgentTools,
    /// Where the keyboard asks this box for the focus (`Some(true)`: to write a note); the
    /// box clears it. The main view's composer only.
    summoned: Option<RwSignal<Option<bool>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let input = NodeRef::<Textarea>::new();
    let uploads = Uploads::new();
    let note_chosen = RwSignal::new(false);
    let note = Signal::derive(move || note_chosen.get() || !tools.can_reply.get());
    let blocked = move || disabled.get() || uploads.busy();
    let slash = RwSignal::new(None::<(usize, String)>);
    let active = RwSignal::new(0usize);
    let dragging = RwSignal::new(false);
    if let Some(summoned) = summoned {
        Effect::new(move |_| {
            let Some(want_note) = summoned.get() else {
                return;
            };
            summoned.set(None);
            note_chosen.set(want_note);
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        });
    }

    let set_text = move |value: String, cursor_chars: Option<usize>| {
        if let Some(input) = input.get_untracked() {
            input.set_value(&value);
            if let Some(cursor) = cursor_chars {
                let at = utf16_from_chars(&value, cursor) as u32;
                let _ = input.set_selection_range(at, at);
            }
            let _ = input.focus();
        }
        text.set(value);
    };
    let submit = move || {
        let body = text.get_untracked();
        let attachments = uploads.ready();
        if (body.trim().is_empty() && attachments.is_empty()) || blocked() {
            return;
        }
        on_send.run(Draft {
            body,
            attachments,
            note: note.get_untracked(),
        });
        uploads.clear();
        slash.set(None);
        set_text(String::new(), None);
    };
    let matches = Signal::derive(move || {
        let Some((_, query)) = slash.get() else {
            return Vec::new();
        };
        let templates = tools.templates.get();
        crate::templates::matching(&templates, &query)
            .into_iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
    });
    let choose = Callback::new(move |template: Template| {
        let Some((start, _)) = slash.get_untracked() else {
            return;
        };
        let value = text.get_untracked();
        let cursor = cursor_of(input, &value);
        let filled = crate::templates::fill(&template.body, &tools.placeholders.get_untracked());
        let (value, cursor) = crate::templates::insert(&value, start, cursor, &filled);
        slash.set(None);
        set_text(value, Some(cursor));
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let listed = matches.get_untracked();
        if !listed.is_empty() {
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + 1) % listed.len());
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + listed.len() - 1) % listed.len());
                    return;
                }
                "Enter" | "Tab" => {
                    ev.prevent_default();
                    if let Some(template) = listed.get(active.get_untracked()).cloned() {
                        choose.run(template);
                    }
                    return;
                }
                "Escape" => {
                    slash.set(None);
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        } else if ev.alt_key() && ev.code() == "KeyN" && tools.can_reply.get_untracked() {
            // Alt+N switches between reply and note without leaving the text.
            ev.prevent_default();
            note_chosen.update(|on| *on = !*on);
        } else if ev.key() == "Escape" {
            // Escape leaves the text, so the single-key shortcuts work again.
            if let Some(input) = input.get_untracked() {
                let _ = input.blur();
            }
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let cursor = cursor_of(input, &value);
        let query = crate::templates::slash_query(&value, cursor);
        if query.is_some() != slash.get_untracked().is_some() {
            active.set(0);
        }
        slash.set(query);
        text.set(value.clone());
        on_typing.run((value, note.get_untracked()));
    };
    let on_mark = Callback::new(move |kind: Mark| {
        let value = text.get_untracked();
        let (start, end) = selection_of(input, &value);
        let (value, start, end) = crate::format::apply_mark(&value, start, end, kind);
        set_text(value.clone(), None);
        if let Some(input) = input.get_untracked() {
            let _ = input.set_selection_range(
                utf16_from_chars(&value, start) as u32,
                utf16_from_chars(&value, end) as u32,
            );
        }
    });
    let files_on = move || upload.with(Option::is_some) && !disabled.get();
    let add_files = move |files| {
        if let Some(target) = upload.get_untracked() {
            uploads.add(files, &target);
        }
    };
    view! {
        <form
            class="composer"
            class:note=note
            class:dragging=move || dragging.get()
            on:submit=move |ev| { ev.prevent_default(); submit(); }
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if files_on() {
                    ev.prevent_default();
                    dragging.set(true);
                }
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                dragging.set(false);
                if files_on() {
                    ev.prevent_default();
                    add_files(dropped_files(&ev));
                }
            }
        >
            <div class="composer-tools">
                <ModeSwitch can_reply=tools.can_reply note note_chosen />
                <FormattingBar on_mark />
            </div>
            <TemplateList matches active on_choose=choose />
            <textarea
                node_ref=input
                rows="2"
                maxlength="10000"
                aria-label=move || if note.get() { t_string!(i18n, mode_note).to_string() } else { label.get() }
                placeholder=move || if note.get() { t_string!(i18n, note_placeholder).to_string() } else { label.get() }
                prop:value=move || text.get()
                on:input=on_input
                on:keydown=on_keydown
                on:paste=move |ev: leptos::ev::ClipboardEvent| {
                    let files = pasted_files(&ev);
                    if !files.is_empty() && files_on() {
                        ev.prevent_default();
                        add_files(files);
                    }
                }
                disabled=move || disabled.get()
            ></textarea>
            <UploadList uploads />
            <div class="composer-actions">
                <Show when=move || upload.with(Option::is_some)>
                    <label class="attach button" class:disabled=move || !files_on()>
                        <Icon glyph=Glyph::Paperclip />
                        <span class="visually-hidden">{t!(i18n, attach_files)}</span>
                        <input
                            type="file"
                            multiple
                            class="visually-hidden"
                            disabled=move || !files_on()
                            on:change=move |ev| add_files(chosen_files(&ev))
                        />
                    </label>
                </Show>
                <button type="submit" disabled=blocked>
                    {move || if note.get() { t_string!(i18n, add_note).to_string() } else { t_string!(i18n, send).to_string() }}
                </button>
            </div>
        </form>
    }
}

/// The cursor of the text area as a character offset (the end when unknown).
fn cursor_of(input: NodeRef<Textarea>, value: &str) -> usize {
    selection_of(input, value).1
}

/// The selection of the text area as character offsets.
fn selection_of(input: NodeRef<Textarea>, value: &str) -> (usize, usize) {
    let end = value.chars().count();
    #[cfg(feature = "hydrate")]
    if let Some(input) = input.get_untracked() {
        let start = input.selection_start().ok().flatten().unwrap_or(0) as usize;
        let stop = input.selection_end().ok().flatten().unwrap_or(0) as usize;
        return (
            chars_from_utf16(value, start),
            chars_from_utf16(value, stop),
        );
    }
    let _ = (input, chars_from_utf16);
    (end, end)
}
