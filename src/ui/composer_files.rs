//! The composer's files: checked against the inbox's policy, uploaded at once with their
//! progress, listed with a remove button, and sent with the next message.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::*;
use crate::model::{Attachment, FilePolicy};
use crate::ui::errors::error_text;
use crate::ui::icons::{Glyph, Icon};

/// Where the composer's files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    /// `/files?…` without the name.
    pub url: String,
    /// What the inbox accepts (checked here first, for an immediate answer).
    pub policy: FilePolicy,
}

/// A file being uploaded or ready to send.
#[derive(Debug, Clone, PartialEq)]
struct Upload {
    key: u32,
    name: String,
    progress: f64,
    done: Option<Attachment>,
}

/// The files of one composer: those uploading, those ready, and the last refusal.
#[derive(Clone, Copy)]
pub struct Uploads {
    items: RwSignal<Vec<Upload>>,
    problem: RwSignal<Option<AppError>>,
    next_key: StoredValue<u32>,
}

impl Uploads {
    /// No files yet.
    pub fn new() -> Self {
        Uploads {
            items: RwSignal::new(Vec::new()),
            problem: RwSignal::new(None),
            next_key: StoredValue::new(0),
        }
    }

    /// Whether a file is still on its way (sending waits for it).
    pub fn busy(&self) -> bool {
        self.items.with(|u| u.iter().any(|u| u.done.is_none()))
    }

    /// The files ready to go with the message.
    pub fn ready(&self) -> Vec<Attachment> {
        self.items
            .get_untracked()
            .into_iter()
            .filter_map(|u| u.done)
            .collect()
    }

    /// Forgets the files (they went with a message).
    pub fn clear(&self) {
        self.items.set(Vec::new());
    }

    /// Checks each file against `target`'s policy and uploads the ones it accepts.
    pub fn add(&self, files: Vec<FileInfo>, target: &UploadTarget) {
        self.problem.set(None);
        for file in files {
            if let Err(e) = crate::files::check(&file.content_type, file.size, &target.policy) {
                self.problem.set(Some(e));
                continue;
            }
            let key = self.next_key.with_value(|k| *k);
            self.next_key.set_value(key + 1);
            self.items.update(|u| {
                u.push(Upload {
                    key,
                    name: file.name.clone(),
                    progress: 0.0,
                    done: None,
                });
            });
            file.start(target, *self, key);
        }
    }

    fn remove(&self, key: u32) {
        self.items.update(|u| u.retain(|item| item.key != key));
    }

    #[cfg(feature = "hydrate")]
    fn update(&self, key: u32, change: impl FnOnce(&mut Upload)) {
        self.items.update(|u| {
            if let Some(item) = u.iter_mut().find(|i| i.key == key) {
                change(item);
            }
        });
    }
}

impl Default for Uploads {
    fn default() -> Self {
        Self::new()
    }
}

/// The files of a message being written, each with its progress or a remove button, and why
/// the last one was refused.
#[component]
pub fn UploadList(
    /// The composer's files.
    uploads: Uploads,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="uploads" aria-label=move || t_string!(i18n, attachments_label).to_string()>
            <For each=move || uploads.items.get() key=|u| (u.key, u.done.is_some(), (u.progress * 20.0) as u32) let:item>
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
                                on:click=move |_| uploads.remove(item.key)
                            >
                                <Icon glyph=Glyph::Close />
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
        {move || uploads.problem.get().map(|e| view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> })}
    }
}

/// A file the user gave, with what the policy needs to know before it is sent.
pub struct FileInfo {
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

    /// Uploads it, updating `uploads` as it goes.
    fn start(&self, target: &UploadTarget, uploads: Uploads, key: u32) {
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
                move |share| uploads.update(key, |item| item.progress = share),
                move |result| match result {
                    Ok(attachment) => uploads.update(key, |item| {
                        item.progress = 1.0;
                        item.done = Some(attachment);
                    }),
                    Err(e) => {
                        uploads.remove(key);
                        uploads.problem.set(Some(e));
                    }
                },
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (target, uploads, key);
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
pub fn chosen_files(ev: &leptos::ev::Event) -> Vec<FileInfo> {
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

/// The files dropped on the composer.
pub fn dropped_files(ev: &leptos::ev::DragEvent) -> Vec<FileInfo> {
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

/// The files pasted into the text area (a screenshot, usually).
pub fn pasted_files(ev: &leptos::ev::ClipboardEvent) -> Vec<FileInfo> {
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
