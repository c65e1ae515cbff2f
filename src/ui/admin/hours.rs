//! An inbox's business hours and what visitors get when nobody answers, edited on its page:
//! the weekly hours in a time zone, holidays, whether chats may wait when nobody is online,
//! and the inbox's own away words (English and Spanish).

use leptos::prelude::*;

use crate::i18n::*;
use crate::model::Inbox;
use crate::ui::errors::ErrorNote;

use super::widget_save::WidgetSave;
use crate::widget_settings::{Away, BusinessHours, OpenSpan, WidgetSettings};

/// One weekday's row: open or not, from and to as `HH:MM`.
#[derive(Clone, Copy)]
struct Day {
    open: RwSignal<bool>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

fn clock(minute: u16) -> String {
    let minute = minute.min(23 * 60 + 59);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Minutes of `HH:MM`; 23:59 is the end of the day (a time field cannot say 24:00).
fn minutes(text: &str) -> u16 {
    let (h, m) = text.split_once(':').unwrap_or(("0", "0"));
    let minute = h.parse::<u16>().unwrap_or(0) * 60 + m.parse::<u16>().unwrap_or(0);
    if minute == 23 * 60 + 59 {
        24 * 60
    } else {
        minute
    }
}

/// The business hours and away settings of `inbox`. `saved` is the inbox's widget settings as
/// the server kept them, shared with the page's other widget sections (each saves the whole).
#[component]
pub fn HoursForm(inbox: Inbox, saved: StoredValue<WidgetSettings>) -> impl IntoView {
    let i18n = use_i18n();
    let save = WidgetSave::new(inbox.id, saved);
    let error = save.error();
    let hours = &inbox.widget.hours;
    let away = &inbox.widget.away;
    let enabled = RwSignal::new(hours.enabled);
    let zone = RwSignal::new(hours.time_zone.clone());
    let fresh = hours.week.is_empty();
    let days: [Day; 7] = std::array::from_fn(|day| {
        let span = hours.week.iter().find(|s| usize::from(s.day) == day);
        Day {
            // Never set: Monday to Friday, nine to five.
            open: RwSignal::new(span.is_some() || (fresh && day < 5)),
            from: RwSignal::new(clock(span.map_or(9 * 60, |s| s.from))),
            to: RwSignal::new(clock(span.map_or(17 * 60, |s| s.to))),
        }
    });
    let holidays = RwSignal::new(hours.holidays.join(", "));
    let waits = RwSignal::new(away.chat_when_nobody_online);
    let message_en = RwSignal::new(away.message_en.clone());
    let message_es = RwSignal::new(away.message_es.clone());
    let inbox_id = inbox.id;
    let heading_id = format!("hours-{inbox_id}");
    let labelled_by = heading_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let week = days
            .iter()
            .zip(0u8..)
            .filter(|(d, _)| d.open.get_untracked())
            .map(|(d, day)| OpenSpan {
                day,
                from: minutes(&d.from.get_untracked()),
                to: minutes(&d.to.get_untracked()),
            })
            .collect();
        save.save(|settings| {
            settings.hours = BusinessHours {
                enabled: enabled.get_untracked(),
                time_zone: zone.get_untracked(),
                week,
                holidays: holidays
                    .get_untracked()
                    .split(',')
                    .map(|d| d.trim().to_owned())
                    .filter(|d| !d.is_empty())
                    .collect(),
            };
            settings.away = Away {
                chat_when_nobody_online: waits.get_untracked(),
                message_en: message_en.get_untracked(),
                message_es: message_es.get_untracked(),
            };
        });
    };
    let day_names = move || {
        [
            t_string!(i18n, day_monday),
            t_string!(i18n, day_tuesday),
            t_string!(i18n, day_wednesday),
            t_string!(i18n, day_thursday),
            t_string!(i18n, day_friday),
            t_string!(i18n, day_saturday),
            t_string!(i18n, day_sunday),
        ]
    };
    let rows = days
        .into_iter()
        .enumerate()
        .map(|(index, day)| {
            let name = move || day_names()[index].to_string();
            view! {
                <div class="day-hours">
                    <label class="check">
                        <input type="checkbox" prop:checked=move || day.open.get() on:change=move |ev| day.open.set(event_target_checked(&ev)) />
                        {name}
                    </label>
                    <label>
                        {move || t_string!(i18n, day_opens, day = name()).to_string()}
                        <input type="time" prop:value=move || day.from.get() disabled=move || !day.open.get() on:input=move |ev| day.from.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {move || t_string!(i18n, day_closes, day = name()).to_string()}
                        <input type="time" prop:value=move || day.to.get() disabled=move || !day.open.get() on:input=move |ev| day.to.set(event_target_value(&ev)) />
                    </label>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="hours" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, hours_heading)} " · " {inbox.name}</h4>
            <label class="check">
                <input type="checkbox" prop:checked=move || enabled.get() on:change=move |ev| enabled.set(event_target_checked(&ev)) />
                {t!(i18n, hours_enabled)}
            </label>
            <label>
                {t!(i18n, hours_time_zone)}
                <input type="text" required placeholder="Europe/Madrid" prop:value=move || zone.get() on:input=move |ev| zone.set(event_target_value(&ev)) />
            </label>
            <fieldset class="week">
                <legend>{t!(i18n, hours_week)}</legend>
                {rows}
            </fieldset>
            <label>
                {t!(i18n, hours_holidays)}
                <input type="text" placeholder="2026-12-25, 2027-01-01" prop:value=move || holidays.get() on:input=move |ev| holidays.set(event_target_value(&ev)) />
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || waits.get() on:change=move |ev| waits.set(event_target_checked(&ev)) />
                {t!(i18n, hours_chats_wait)}
            </label>
            <label>
                {t!(i18n, away_message_en)}
                <textarea rows="2" maxlength="500" prop:value=move || message_en.get() on:input=move |ev| message_en.set(event_target_value(&ev))></textarea>
            </label>
            <label>
                {t!(i18n, away_message_es)}
                <textarea rows="2" maxlength="500" prop:value=move || message_es.get() on:input=move |ev| message_es.set(event_target_value(&ev))></textarea>
            </label>
            <ErrorNote error />
            <Show when=move || save.done()>
                <p role="status">{t!(i18n, hours_saved)}</p>
            </Show>
            <button type="submit" disabled=move || save.pending()>
                {t!(i18n, save_hours)}
            </button>
        </form>
    }
}
