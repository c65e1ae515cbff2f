//! The message box of the widget and the workspace: Enter sends, Shift+Enter starts a new line.
//! Files come with the paperclip, a drop or a paste, each uploaded at once with its progress.
//! Agents also get a formatting toolbar, internal notes, and templates after `/`.

use leptos::html::Textarea;
use leptos::prelude::*;

use crate::format::{Mark, chars_from_utf16, utf16_from_chars};
use crate::i18n::*;
use crate::live::Draft;
use crate::model::{Attachment, FilePolicy, Template};
use crate::templates::Placeholders;
use crate::ui::errors::error_text;

/// Where the composer's files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    /// `/files?…` without the name.
    pub url: String,
    /// The visitor's token (the widget); agents use their session.
    pub bearer: Option<String>,
    /// What the inbox accepts (checked here first, for an immediate answer).
    pub policy: FilePolicy,
}

/// What only agents have in the composer.
#[derive(Clone, Copy)]
pub struct AgentTools {
    /// Whether they may reply (the assignee of an open conversation); else only notes.
    pub can_reply: Signal<bool>,
    /// The templates they may use.
    pub templates: Signal<Vec<Template>>,
    /// What template placeholders are filled with.
    pub placeholders: Signal<Placeholders>,
}

/// A file being uploaded or ready to send.
#[derive(Debug, Clone, PartialEq)]
struct Upload {
    key: u32,
    name: String,
    progress: f64,
    done: Option<Attachment>,
}

/// A labelled text area with a send button, files and (agents) tools.
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
    #[prop(optional)]
    on_typing: Option<Callback<(String, bool)>>,
    /// Where files go (`None`: no files here yet).
    #[prop(into)]
    upload: Signal<Option<UploadTarget>>,
    /// The agents' toolbar, notes and templates.
    #[prop(optional)]
    agent: Option<AgentTools>,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let input = NodeRef::<Textarea>::new();
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let upload_error = RwSignal::new(None::<crate::error::AppError>);
    let next_key = StoredValue::new(0u32);
    let note_chosen = RwSignal::new(false);
    let can_reply = move || agent.is_none_or(|a| a.can_reply.get());
    let note = move || agent.is_some() && (note_chosen.get() || !can_reply());
    let blocked = move || disabled.get() || uploads.with(|u| u.iter().any(|u| u.done.is_none()));
    let slash = RwSignal::new(None::<(usize, String)>);
    let active = RwSignal::new(0usize);
    let dragging = RwSignal::new(false);

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
        let attachments: Vec<Attachment> = uploads
            .get_untracked()
            .into_iter()
            .filter_map(|u| u.done)
            .collect();
        if (body.trim().is_empty() && attachments.is_empty()) || blocked() {
            return;
        }
        on_send.run(Draft {
            body,
            attachments,
            note: note(),
        });
        uploads.set(Vec::new());
        slash.set(None);
        set_text(String::new(), None);
    };
    let matches = move || {
        let Some(agent) = agent else {
            return Vec::new();
        };
        let Some((_, query)) = slash.get() else {
            return Vec::new();
        };
        let templates = agent.templates.get();
        crate::templates::matching(&templates, &query)
            .into_iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
    };
    let choose = move |template: Template| {
        let Some(agent) = agent else { return };
        let Some((start, _)) = slash.get_untracked() else {
            return;
        };
        let value = text.get_untracked();
        let cursor = cursor_of(input, &value);
        let filled = crate::templates::fill(&template.body, &agent.placeholders.get_untracked());
        let (value, cursor) = crate::templates::insert(&value, start, cursor, &filled);
        slash.set(None);
        set_text(value, Some(cursor));
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let listed = matches();
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
                        choose(template);
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
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let cursor = cursor_of(input, &value);
        let query = agent.and_then(|_| crate::templates::slash_query(&value, cursor));
        if query.is_some() != slash.get_untracked().is_some() {
            active.set(0);
        }
        slash.set(query);
        text.set(value.clone());
        if let Some(on_typing) = on_typing {
            on_typing.run((value, note()));
        }
    };
    let mark = move |kind: Mark| {
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
    };
    // Files: checked here against the inbox's policy, then uploaded one by one.
    let add_files = move |files: Vec<FileInfo>| {
        let Some(target) = upload.get_untracked() else {
            return;
        };
        upload_error.set(None);
        for file in files {
            if let Err(e) = crate::files::check(&file.content_type, file.size, &target.policy) {
                upload_error.set(Some(e));
                continue;
            }
            let key = next_key.with_value(|k| *k);
            next_key.set_value(key + 1);
            uploads.update(|u| {
                u.push(Upload {
                    key,
                    name: file.name.clone(),
                    progress: 0.0,
                    done: None,
                });
            });
            file.start(&target, uploads, upload_error, key);
        }
    };
    let remove = move |key: u32| uploads.update(|u| u.retain(|item| item.key != key));
    let files_on = move || upload.with(Option::is_some) && !disabled.get();
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
            {agent.map(|agent| view! {
                <div class="composer-tools">
                    <div class="mode" role="radiogroup" aria-label=move || t_string!(i18n, composer_mode).to_string()>
                        <label>
                            <input
                                type="radio"
                                name="composer-mode"
                                prop:checked=move || !note()
                                disabled=move || !agent.can_reply.get()
                                on:change=move |_| note_chosen.set(false)
                            />
                            {t!(i18n, mode_reply)}
                        </label>
                        <label>
                            <input
                                type="radio"
                                name="composer-mode"
                                prop:checked=note
                                on:change=move |_| note_chosen.set(true)
                            />
                            {t!(i18n, mode_note)}
                        </label>
                    </div>
                    <div class="toolbar" role="toolbar" aria-label=move || t_string!(i18n, formatting).to_string()>
                        <button type="button" aria-label=move || t_string!(i18n, format_bold).to_string() on:click=move |_| mark(Mark::Bold)><b>"B"</b></button>
                        <button type="button" aria-label=move || t_string!(i18n, format_italic).to_string() on:click=move |_| mark(Mark::Italic)><i>"I"</i></button>
                        <button type="button" aria-label=move || t_string!(i18n, format_code).to_string() on:click=move |_| mark(Mark::Code)>"</>"</button>
                        <button type="button" aria-label=move || t_string!(i18n, format_link).to_string() on:click=move |_| mark(Mark::Link)>"🔗"</button>
                        <button type="button" aria-label=move || t_string!(i18n, format_list).to_string() on:click=move |_| mark(Mark::List)>"•"</button>
                    </div>
                </div>
            })}
            <Show when=move || !matches().is_empty()>
                <ul class="template-list" role="listbox" aria-label=move || t_string!(i18n, templates_label).to_string()>
                    {move || {
                        matches()
                            .into_iter()
                            .enumerate()
                            .map(|(index, template)| {
                                let shortcut = format!("/{}", template.shortcut);
                                let title = template.title.clone();
                                view! {
                                    <li
                                        role="option"
                                        aria-selected=move || (active.get() == index).to_string()
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            choose(template.clone());
                                        }
                                    >
                                        <span class="shortcut">{shortcut}</span>
                                        " "
                                        {title}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
            <textarea
                node_ref=input
                rows="2"
                maxlength="10000"
                aria-label=move || if note() { t_string!(i18n, mode_note).to_string() } else { label.get() }
                placeholder=move || if note() { t_string!(i18n, note_placeholder).to_string() } else { label.get() }
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
            <ul class="uploads" aria-label=move || t_string!(i18n, attachments_label).to_string()>
                <For each=move || uploads.get() key=|u| (u.key, u.done.is_some(), (u.progress * 20.0) as u32) let:item>
                    <li>
                        <span>{item.name.clone()}</span>
                        {match item.done {
                            Some(_) => view! {
                                <button
                                    type="button"
                                    class="icon"
                                    aria-label={
                                        let name = item.name.clone();
                                        move || t_string!(i18n, remove_file, name = name.clone()).to_string()
                                    }
                                    on:click=move |_| remove(item.key)
                                >
                                    "✕"
                                </button>
                            }
                            .into_any(),
                            None => {
                                let name = item.name.clone();
                                view! {
                                    <progress
                                        max="100"
                                        value=(item.progress * 100.0).round().to_string()
                                        aria-label=move || t_string!(i18n, uploading_file, name = name.clone()).to_string()
                                    ></progress>
                                }
                                .into_any()
                            }
                        }}
                    </li>
                </For>
            </ul>
            {move || upload_error.get().map(|e| view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> })}
            <div class="composer-actions">
                <Show when=move || upload.with(Option::is_some)>
                    <label class="attach button" class:disabled=move || !files_on()>
                        <span aria-hidden="true">"📎"</span>
                        <span class="visually-hidden">{t!(i18n, attach_files)}</span>
                        <input
                            type="file"
                            multiple
                            class="visually-hidden"
                            disabled=move || !files_on()
                            on:change=move |ev| add_files(take_chosen_files(&ev))
                        />
                    </label>
                </Show>
                <button type="submit" disabled=blocked>
                    {move || if note() { t_string!(i18n, add_note).to_string() } else { t_string!(i18n, send).to_string() }}
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

/// A file the user gave, with what the policy needs to know before it is sent.
struct FileInfo {
    name: String,
    content_type: String,
    size: i64,
    #[cfg(feature = "hydrate")]
    file: web_sys::File,
}

impl FileInfo {
    #[cfg(feature = "hydrate")]
    fn of(file: web_sys::File) -> FileInfo {
        FileInfo {
            name: file.name(),
            content_type: file.type_(),
            size: file.size() as i64,
            file,
        }
    }

    /// Uploads it, updating the composer's list as it goes.
    fn start(
        &self,
        target: &UploadTarget,
        uploads: RwSignal<Vec<Upload>>,
        problem: RwSignal<Option<crate::error::AppError>>,
        key: u32,
    ) {
        #[cfg(feature = "hydrate")]
        {
            let separator = if target.url.contains('?') { '&' } else { '?' };
            let url = format!(
                "{}{separator}name={}",
                target.url,
                String::from(js_sys::encode_uri_component(&self.name))
            );
            crate::ui::transfer::upload(
                &self.file,
                &url,
                target.bearer.as_deref(),
                move |share| {
                    uploads.update(|u| {
                        if let Some(item) = u.iter_mut().find(|i| i.key == key) {
                            item.progress = share;
                        }
                    });
                },
                move |result| match result {
                    Ok(attachment) => uploads.update(|u| {
                        if let Some(item) = u.iter_mut().find(|i| i.key == key) {
                            item.progress = 1.0;
                            item.done = Some(attachment);
                        }
                    }),
                    Err(e) => {
                        uploads.update(|u| u.retain(|i| i.key != key));
                        problem.set(Some(e));
                    }
                },
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (target, uploads, problem, key);
    }
}

/// The files of a list (from a file input, a drop or a paste).
#[cfg(feature = "hydrate")]
fn infos(list: Option<web_sys::FileList>) -> Vec<FileInfo> {
    crate::ui::transfer::files_of(list)
        .into_iter()
        .map(FileInfo::of)
        .collect()
}

/// The files chosen in a file input; the input is emptied, so choosing the same file again is
/// noticed.
fn take_chosen_files(ev: &leptos::ev::Event) -> Vec<FileInfo> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return Vec::new();
        };
        let files = infos(input.files());
        input.set_value("");
        files
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        Vec::new()
    }
}

fn dropped_files(ev: &leptos::ev::DragEvent) -> Vec<FileInfo> {
    #[cfg(feature = "hydrate")]
    {
        infos(ev.data_transfer().and_then(|d| d.files()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        Vec::new()
    }
}

fn pasted_files(ev: &leptos::ev::ClipboardEvent) -> Vec<FileInfo> {
    #[cfg(feature = "hydrate")]
    {
        infos(ev.clipboard_data().and_then(|d| d.files()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        Vec::new()
    }
}
