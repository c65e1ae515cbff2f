//! Time as agents read it: the current time, a moment in the reader's time zone and language,
//! and a duration in words ("5 min", "1 h 20 min").

use leptos_i18n::I18nContext;

#[cfg(not(feature = "hydrate"))]
use crate::calendar::utc_text;
use crate::i18n::*;
use crate::model::Millis;

/// Milliseconds since the epoch, now.
pub fn now_millis() -> Millis {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as Millis
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A moment as date and time in the browser's time zone, in the reader's language. (On the
/// server, which does not know the reader's zone, in UTC.)
pub fn date_time(i18n: I18nContext<Locale>, at: Millis) -> String {
    #[cfg(feature = "hydrate")]
    {
        let locale = match i18n.get_locale_untracked() {
            Locale::es => "es",
            Locale::en => "en",
        };
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64))
            .to_locale_string(locale, &wasm_bindgen::JsValue::UNDEFINED)
            .into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = i18n;
        utc_text(at)
    }
}

/// The reader's offset from UTC at a moment, in minutes east (0 on the server).
pub fn offset_minutes(at: Millis) -> i64 {
    #[cfg(feature = "hydrate")]
    {
        -(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64)).get_timezone_offset()
            as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = at;
        0
    }
}

/// The reader's time zone (`Europe/Madrid`), as the browser names it; `UTC` on the server or
/// when the browser does not say.
pub fn time_zone() -> String {
    #[cfg(feature = "hydrate")]
    {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
            .unwrap_or_else(|| "UTC".to_owned())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "UTC".to_owned()
    }
}

/// The reader's calendar day of a moment, as days since 1970-01-01 in their zone.
pub fn local_day(at: Millis, offset_minutes: i64) -> i64 {
    (at + offset_minutes * 60_000).div_euclid(86_400_000)
}

/// For each moment (oldest first), whether it starts a new day in the reader's zone: where
/// the timeline puts a date separator.
pub fn day_starts(times: &[Millis]) -> Vec<bool> {
    let mut previous = None;
    times
        .iter()
        .map(|at| {
            let day = local_day(*at, offset_minutes(*at));
            let starts = previous != Some(day);
            previous = Some(day);
            starts
        })
        .collect()
}

/// The time of day of a moment ("14:05"), in the reader's zone and language.
pub fn time_of_day(i18n: I18nContext<Locale>, at: Millis) -> String {
    #[cfg(feature = "hydrate")]
    {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64))
            .to_locale_time_string_with_options(locale_tag(i18n), &options)
            .into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = i18n;
        let text = utc_text(at);
        text[11..16].to_owned()
    }
}

/// A date separator's words: "Today", "Yesterday", or the date in the reader's language.
pub fn day_label(i18n: I18nContext<Locale>, at: Millis, now: Millis) -> String {
    let day = local_day(at, offset_minutes(at));
    let today = local_day(now, offset_minutes(now));
    if day == today {
        return t_string!(i18n, today).to_string();
    }
    if day + 1 == today {
        return t_string!(i18n, yesterday).to_string();
    }
    #[cfg(feature = "hydrate")]
    {
        let options = js_sys::Object::new();
        for (key, value) in [
            ("weekday", "long"),
            ("day", "numeric"),
            ("month", "long"),
            ("year", "numeric"),
        ] {
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64))
            .to_locale_date_string(locale_tag(i18n), &options)
            .into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        utc_text(at)[..10].to_owned()
    }
}

#[cfg(feature = "hydrate")]
fn locale_tag(i18n: I18nContext<Locale>) -> &'static str {
    match i18n.get_locale_untracked() {
        Locale::es => "es",
        Locale::en => "en",
    }
}

/// A duration in words: seconds under a minute, minutes under an hour, else hours and minutes.
pub fn elapsed_text(i18n: I18nContext<Locale>, millis: Millis) -> String {
    let secs = millis.max(0) / 1000;
    if secs < 60 {
        t_string!(i18n, duration_seconds, n = secs).to_string()
    } else if secs < 3600 {
        t_string!(i18n, duration_minutes, n = secs / 60).to_string()
    } else {
        t_string!(i18n, duration_hours, h = secs / 3600, m = secs % 3600 / 60).to_string()
    }
}

#[cfg(all(test, not(feature = "hydrate")))]
mod tests {
    use super::*;

    #[test]
    fn days_follow_the_readers_zone() {
        // 2026-11-22 23:30 UTC is the 22nd in London and already the 23rd in Madrid (UTC+1).
        let late = 1_795_305_600_000 + 23 * 3_600_000 + 1_800_000;
        assert_eq!(local_day(late, 0), local_day(1_795_305_600_000, 0));
        assert_eq!(local_day(late, 60), local_day(1_795_305_600_000, 0) + 1);
        // West of UTC a moment just after midnight UTC is still the previous day.
        assert_eq!(
            local_day(1_795_305_600_000 + 60_000, -300),
            local_day(1_795_305_600_000, 0) - 1
        );
        let hour = 3_600_000;
        let start = 1_795_305_600_000;
        assert_eq!(
            day_starts(&[start, start + hour, start + 25 * hour, start + 26 * hour]),
            vec![true, false, true, false]
        );
    }
}
