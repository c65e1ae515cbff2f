//! An inbox's automatic assignment on its admin page: off, in turn or to the least busy, and
//! how many open conversations each agent is given.

use leptos::prelude::*;

use crate::api::SetInboxAutoAssign;
use crate::auto_assign::AssignMode;
use crate::i18n::*;
use crate::model::Inbox;
use crate::ui::errors::ErrorNote;

/// The form.
#[component]
pub fn AutoAssignForm(inbox: Inbox) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetInboxAutoAssign>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let mode = RwSignal::new(
        inbox
            .auto_assign
            .mode
            .map_or("off", AssignMode::as_str)
            .to_owned(),
    );
    let capacity = RwSignal::new(inbox.auto_assign.capacity.to_string());
    let inbox_id = inbox.id;
    let heading_id = format!("auto-assign-{inbox_id}");
    let labelled_by = heading_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetInboxAutoAssign {
            inbox_id,
            mode: mode.get_untracked(),
            capacity: capacity.get_untracked().trim().parse().unwrap_or(0),
        });
    };
    let choice = move |value: &'static str| {
        view! {
            <label class="check">
                <input
                    type="radio"
                    name=format!("auto-assign-mode-{inbox_id}")
                    value=value
                    prop:checked=move || mode.get() == value
                    on:change=move |_| mode.set(value.to_owned())
                />
                {move || match value {
                    "round_robin" => t_string!(i18n, auto_assign_round_robin).to_string(),
                    "least_busy" => t_string!(i18n, auto_assign_least_busy).to_string(),
                    _ => t_string!(i18n, auto_assign_off).to_string(),
                }}
            </label>
        }
    };
    view! {
        <form class="auto-assign" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, auto_assign_heading)} " · " {inbox.name}</h4>
            <p class="hint">{t!(i18n, auto_assign_intro)}</p>
            <fieldset>
                <legend>{t!(i18n, auto_assign_mode)}</legend>
                {choice("off")}
                {choice("round_robin")}
                {choice("least_busy")}
            </fieldset>
            <label>
                {t!(i18n, auto_assign_capacity)}
                <input
                    type="number"
                    min="1"
                    max="50"
                    required
                    prop:value=move || capacity.get()
                    on:input=move |ev| capacity.set(event_target_value(&ev))
                />
            </label>
            <ErrorNote error />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p role="status">{t!(i18n, auto_assign_saved)}</p>
            </Show>
            <button type="submit" disabled=move || action.pending().get()>
                {t!(i18n, auto_assign_save)}
            </button>
        </form>
    }
}
