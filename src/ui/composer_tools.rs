//! The agent's tools above the message box: reply or internal note, the formatting toolbar,
//! and the templates that match what follows `/`.

use leptos::prelude::*;

use crate::format::Mark;
use crate::i18n::*;
use crate::model::Template;
use crate::ui::icons::{Glyph, Icon};

/// Reply to the visitor or write an internal note (only notes when the agent may not reply).
#[component]
pub fn ModeSwitch(
    /// Whether the agent may reply.
    can_reply: Signal<bool>,
    /// Whether the box writes a note now.
    note: Signal<bool>,
    /// The agent's own choice of a note.
    note_chosen: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="mode" role="radiogroup" aria-label=move || t_string!(i18n, composer_mode).to_string()>
            <label>
                <input
                    type="radio"
                    name="composer-mode"
                    prop:checked=move || !note.get()
                    disabled=move || !can_reply.get()
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
    }
}

/// Bold, italic, code, link and list around the selection.
#[component]
pub fn FormattingBar(
    /// Called with the mark to apply.
    on_mark: Callback<Mark>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="toolbar" role="toolbar" aria-label=move || t_string!(i18n, formatting).to_string()>
            <button type="button" aria-label=move || t_string!(i18n, format_bold).to_string() on:click=move |_| on_mark.run(Mark::Bold)><b>"B"</b></button>
            <button type="button" aria-label=move || t_string!(i18n, format_italic).to_string() on:click=move |_| on_mark.run(Mark::Italic)><i>"I"</i></button>
            <button type="button" aria-label=move || t_string!(i18n, format_code).to_string() on:click=move |_| on_mark.run(Mark::Code)>"</>"</button>
            <button type="button" aria-label=move || t_string!(i18n, format_link).to_string() on:click=move |_| on_mark.run(Mark::Link)><Icon glyph=Glyph::Link /></button>
            <button type="button" aria-label=move || t_string!(i18n, format_list).to_string() on:click=move |_| on_mark.run(Mark::List)>"•"</button>
        </div>
    }
}

/// The templates matching what the agent typed after `/`, the active one marked; a click (or
/// Enter in the text area) chooses one.
#[component]
pub fn TemplateList(
    /// The matching templates, best first.
    matches: Signal<Vec<Template>>,
    /// The index of the highlighted one.
    active: RwSignal<usize>,
    /// Called with the chosen template.
    on_choose: Callback<Template>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || !matches.with(Vec::is_empty)>
            <ul class="template-list" role="listbox" aria-label=move || t_string!(i18n, templates_label).to_string()>
                {move || {
                    matches
                        .get()
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
                                        on_choose.run(template.clone());
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
    }
}
