//! An inbox's pre-chat form and departments, edited on its page: whether the form is off,
//! optional or required, the visitor's name and email, the inbox's own questions (in English
//! and Spanish), and which inboxes visitors choose between.

use leptos::prelude::*;

use crate::i18n::*;
use crate::model::Inbox;
use crate::ui::errors::ErrorNote;

use super::widget_save::WidgetSave;
use crate::widget_settings::{ChatForm, FieldKind, FormField, FormMode, WidgetSettings};

/// One question as the editor holds it while typed.
#[derive(Clone, Copy)]
struct Draft {
    /// Stable across edits, so the list keeps each row's inputs.
    key: usize,
    kind: RwSignal<FieldKind>,
    label_en: RwSignal<String>,
    label_es: RwSignal<String>,
    /// A select's choices, comma-separated.
    options: RwSignal<String>,
}

impl Draft {
    fn new(key: usize, field: &FormField) -> Draft {
        Draft {
            key,
            kind: RwSignal::new(field.kind),
            label_en: RwSignal::new(field.label_en.clone()),
            label_es: RwSignal::new(field.label_es.clone()),
            options: RwSignal::new(field.options.join(", ")),
        }
    }

    /// The question as saved; its name in the form follows its place (`q1`, `q2`…), since
    /// answers are kept with their label.
    fn field(&self, place: usize) -> FormField {
        FormField {
            id: format!("q{}", place + 1),
            kind: self.kind.get_untracked(),
            label_en: self.label_en.get_untracked(),
            label_es: self.label_es.get_untracked(),
            options: self
                .options
                .get_untracked()
                .split(',')
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
        }
    }
}

/// The pre-chat form and departments of `inbox`; `inboxes` are those offered as departments.
/// `saved` is the inbox's widget settings as the server kept them, shared with the page's
/// other widget sections (each saves the whole).
#[component]
pub fn PreChatForm(
    inbox: Inbox,
    inboxes: Vec<Inbox>,
    saved: StoredValue<WidgetSettings>,
) -> impl IntoView {
    let i18n = use_i18n();
    let save = WidgetSave::new(inbox.id, saved);
    let error = save.error();
    let mode = RwSignal::new(inbox.widget.form.mode);
    let ask_name = RwSignal::new(inbox.widget.form.ask_name);
    let ask_email = RwSignal::new(inbox.widget.form.ask_email);
    let next_key = StoredValue::new(inbox.widget.form.fields.len());
    let drafts = RwSignal::new(
        inbox
            .widget
            .form
            .fields
            .iter()
            .enumerate()
            .map(|(key, field)| Draft::new(key, field))
            .collect::<Vec<_>>(),
    );
    let departments = RwSignal::new(inbox.widget.departments.clone());
    let inbox_id = inbox.id;
    let heading_id = format!("pre-chat-{inbox_id}");
    let labelled_by = heading_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.save(|settings| {
            settings.form = ChatForm {
                mode: mode.get_untracked(),
                ask_name: ask_name.get_untracked(),
                ask_email: ask_email.get_untracked(),
                fields: drafts
                    .get_untracked()
                    .iter()
                    .enumerate()
                    .map(|(place, draft)| draft.field(place))
                    .collect(),
            };
            settings.departments = departments.get_untracked();
        });
    };
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        let blank = FormField {
            id: String::new(),
            kind: FieldKind::Text,
            label_en: String::new(),
            label_es: String::new(),
            options: Vec::new(),
        };
        drafts.update(|list| list.push(Draft::new(key, &blank)));
    };
    let mode_option = move |value: FormMode, label: String| {
        view! { <option value=value.as_str() selected=move || mode.get() == value>{label}</option> }
    };
    let department_boxes = inboxes
        .into_iter()
        .map(|other| {
            let id = other.id;
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || departments.with(|d| d.contains(&id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            departments.update(|d| {
                                d.retain(|x| *x != id);
                                if on {
                                    d.push(id);
                                }
                            });
                        }
                    />
                    {other.name}
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="pre-chat" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, prechat_heading)} " · " {inbox.name}</h4>
            <label>
                {t!(i18n, prechat_mode)}
                <select on:change=move |ev| {
                    if let Some(chosen) = FormMode::parse(&event_target_value(&ev)) {
                        mode.set(chosen);
                    }
                }>
                    {mode_option(FormMode::Off, t_string!(i18n, prechat_off).to_string())}
                    {mode_option(FormMode::Optional, t_string!(i18n, prechat_optional).to_string())}
                    {mode_option(FormMode::Required, t_string!(i18n, prechat_required).to_string())}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || ask_name.get() on:change=move |ev| ask_name.set(event_target_checked(&ev)) />
                {t!(i18n, prechat_ask_name)}
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || ask_email.get() on:change=move |ev| ask_email.set(event_target_checked(&ev)) />
                {t!(i18n, prechat_ask_email)}
            </label>
            <For
                each=move || drafts.get().into_iter().enumerate()
                key=|(place, draft)| (*place, draft.key)
                children=move |(place, draft)| view! { <QuestionEditor place draft drafts /> }
            />
            <p>
                <button type="button" on:click=add>{t!(i18n, prechat_add_question)}</button>
            </p>
            <fieldset class="departments">
                <legend>{t!(i18n, departments_legend)}</legend>
                <p class="hint">{t!(i18n, departments_hint)}</p>
                {department_boxes}
            </fieldset>
            <ErrorNote error />
            <Show when=move || save.done()>
                <p role="status">{t!(i18n, prechat_saved)}</p>
            </Show>
            <button type="submit" disabled=move || save.pending()>
                {t!(i18n, save_prechat)}
            </button>
        </form>
    }
}

/// One question of the form: its kind, its labels, a select's choices, and removing it.
#[component]
fn QuestionEditor(place: usize, draft: Draft, drafts: RwSignal<Vec<Draft>>) -> impl IntoView {
    let i18n = use_i18n();
    let n = place + 1;
    let kind_option = move |kind: FieldKind| {
        let label = move || match kind {
            FieldKind::Text => t_string!(i18n, kind_text),
            FieldKind::Email => t_string!(i18n, kind_email),
            FieldKind::Phone => t_string!(i18n, kind_phone),
            FieldKind::Select => t_string!(i18n, kind_select),
            FieldKind::Checkbox => t_string!(i18n, kind_checkbox),
        };
        view! { <option value=kind.as_str() selected=move || draft.kind.get() == kind>{label}</option> }
    };
    let remove = move |_| drafts.update(|list| list.retain(|d| d.key != draft.key));
    view! {
        <fieldset class="question">
            <legend>{t!(i18n, prechat_question, n = n)}</legend>
            <label>
                {t!(i18n, field_kind)}
                <select on:change=move |ev| {
                    if let Some(kind) = FieldKind::parse(&event_target_value(&ev)) {
                        draft.kind.set(kind);
                    }
                }>
                    {FieldKind::ALL.map(kind_option)}
                </select>
            </label>
            <label>
                {t!(i18n, field_label_en)}
                <input type="text" required maxlength="80" prop:value=move || draft.label_en.get() on:input=move |ev| draft.label_en.set(event_target_value(&ev)) />
            </label>
            <label>
                {t!(i18n, field_label_es)}
                <input type="text" maxlength="80" prop:value=move || draft.label_es.get() on:input=move |ev| draft.label_es.set(event_target_value(&ev)) />
            </label>
            <Show when=move || draft.kind.get() == FieldKind::Select>
                <label>
                    {t!(i18n, field_options)}
                    <input type="text" required prop:value=move || draft.options.get() on:input=move |ev| draft.options.set(event_target_value(&ev)) />
                </label>
            </Show>
            <button type="button" on:click=remove>
                {t!(i18n, prechat_remove_question, n = n)}
            </button>
        </fieldset>
    }
}
