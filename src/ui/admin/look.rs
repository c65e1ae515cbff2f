//! How an inbox's widget looks, edited on its page with a live preview: the accent colour (the
//! text on it is whichever of white and black reads better, with its contrast shown), the
//! side, the launcher's label, the title, the greeting (English and Spanish), agents'
//! pictures and the rating asked when a chat ends. The loader reads it from the server, so a site needs no new snippet.

use leptos::prelude::*;

use crate::i18n::*;
use crate::model::Inbox;
use crate::ui::errors::ErrorNote;

use super::widget_save::WidgetSave;
use crate::widget_settings::{Look, RatingScale, STANDARD_COLOR, Side, WidgetSettings, ink_on};

/// The look of `inbox`'s widget. `saved` is its widget settings as the server kept them,
/// shared with the page's other widget sections (each saves the whole).
#[component]
pub fn LookForm(inbox: Inbox, saved: StoredValue<WidgetSettings>) -> impl IntoView {
    let i18n = use_i18n();
    let save = WidgetSave::new(inbox.id, saved);
    let error = save.error();
    let look = &inbox.widget.look;
    let color = RwSignal::new(look.color.clone());
    let side = RwSignal::new(look.side);
    let launcher = RwSignal::new(look.launcher.clone());
    let title = RwSignal::new(look.title.clone());
    let greeting_en = RwSignal::new(look.greeting_en.clone());
    let greeting_es = RwSignal::new(look.greeting_es.clone());
    let avatars = RwSignal::new(look.avatars);
    let rating = RwSignal::new(inbox.widget.rating);
    let inbox_id = inbox.id;
    let inbox_name = StoredValue::new(inbox.name.clone());
    let heading_id = format!("look-{inbox_id}");
    let labelled_by = heading_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.save(|settings| {
            settings.look = Look {
                color: color.get_untracked(),
                side: side.get_untracked(),
                launcher: launcher.get_untracked(),
                title: title.get_untracked(),
                greeting_en: greeting_en.get_untracked(),
                greeting_es: greeting_es.get_untracked(),
                avatars: avatars.get_untracked(),
            };
            settings.rating = rating.get_untracked();
        });
    };
    // The preview: what a visitor would see, as typed.
    let ink = move || color.with(|c| ink_on(c).map_or("#ffffff", |(ink, _)| ink));
    let contrast = move || {
        color.with(|c| {
            ink_on(c).map(|(ink, ratio)| {
                let ink = if ink == "#ffffff" {
                    t_string!(i18n, look_ink_white)
                } else {
                    t_string!(i18n, look_ink_black)
                };
                t_string!(
                    i18n,
                    look_contrast,
                    ink = ink,
                    ratio = format!("{ratio:.1}")
                )
                .to_string()
            })
        })
    };
    let accent = move || format!("background:{};color:{}", color.get(), ink());
    let shown_title = move || {
        let typed = title.get();
        if typed.trim().is_empty() {
            inbox_name.get_value()
        } else {
            typed
        }
    };
    let shown_greeting = move || {
        let typed = greeting_en.get();
        if typed.trim().is_empty() {
            t_string!(i18n, widget_welcome).to_string()
        } else {
            typed
        }
    };
    let scale_option = move |value: RatingScale, label: String| {
        view! { <option value=value.as_str() selected=move || rating.get() == value>{label}</option> }
    };
    let side_option = move |value: Side, label: String| {
        let name = if value == Side::Left { "left" } else { "right" };
        view! { <option value=name selected=move || side.get() == value>{label}</option> }
    };
    view! {
        <form class="look" on:submit=submit aria-labelledby=labelled_by>
            <h4 id=heading_id>{t!(i18n, look_heading)} " · " {inbox.name.clone()}</h4>
            <div class="look-fields">
                <div>
                    <label>
                        {t!(i18n, look_color)}
                        <input type="color" prop:value=move || color.get() on:input=move |ev| color.set(event_target_value(&ev)) />
                    </label>
                    <p class="hint" role="status">{contrast}</p>
                    <label>
                        {t!(i18n, look_side)}
                        <select on:change=move |ev| {
                            side.set(if event_target_value(&ev) == "left" { Side::Left } else { Side::Right });
                        }>
                            {side_option(Side::Right, t_string!(i18n, look_right).to_string())}
                            {side_option(Side::Left, t_string!(i18n, look_left).to_string())}
                        </select>
                    </label>
                    <label>
                        {t!(i18n, look_launcher)}
                        <input type="text" maxlength="40" prop:value=move || launcher.get() on:input=move |ev| launcher.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {t!(i18n, look_title)}
                        <input type="text" maxlength="60" placeholder=inbox.name.clone() prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {t!(i18n, look_greeting_en)}
                        <textarea rows="2" maxlength="300" prop:value=move || greeting_en.get() on:input=move |ev| greeting_en.set(event_target_value(&ev))></textarea>
                    </label>
                    <label>
                        {t!(i18n, look_greeting_es)}
                        <textarea rows="2" maxlength="300" prop:value=move || greeting_es.get() on:input=move |ev| greeting_es.set(event_target_value(&ev))></textarea>
                    </label>
                    <label>
                        {t!(i18n, look_rating)}
                        <select on:change=move |ev| {
                            if let Some(scale) = RatingScale::parse(&event_target_value(&ev)) {
                                rating.set(scale);
                            }
                        }>
                            {scale_option(RatingScale::GoodBad, t_string!(i18n, look_rating_good_bad).to_string())}
                            {scale_option(RatingScale::FiveStars, t_string!(i18n, look_rating_five).to_string())}
                            {scale_option(RatingScale::Off, t_string!(i18n, look_rating_off).to_string())}
                        </select>
                    </label>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || avatars.get() on:change=move |ev| avatars.set(event_target_checked(&ev)) />
                        {t!(i18n, look_avatars)}
                    </label>
                </div>
                <figure class="look-preview" aria-label=move || t_string!(i18n, look_preview).to_string()>
                    <div class="preview-chat" class:left=move || side.get() == Side::Left>
                        <div class="preview-header" style=accent>{shown_title}</div>
                        <p class="preview-greeting">{shown_greeting}</p>
                    </div>
                    <span class="preview-launcher" class:left=move || side.get() == Side::Left style=accent>
                        "✉"
                        <Show when=move || !launcher.with(|l| l.trim().is_empty())>
                            " " {move || launcher.get()}
                        </Show>
                    </span>
                </figure>
            </div>
            <ErrorNote error />
            <Show when=move || save.done()>
                <p role="status">{t!(i18n, look_saved)}</p>
            </Show>
            <button type="submit" disabled=move || save.pending()>{t!(i18n, save_look)}</button>
            <button type="button" on:click=move |_| color.set(STANDARD_COLOR.to_owned())>
                {t!(i18n, look_standard_color)}
            </button>
        </form>
    }
}
