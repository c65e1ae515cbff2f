//! Time as agents read it: the current time, a moment in the reader's time zone and language,
//! and a duration in words ("5 min", "1 h 20 min").

use leptos_i18n::I18nContext;

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

#[cfg(not(feature = "hydrate"))]
fn utc_text(at: Millis) -> String {
    let secs = at.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
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
    fn utc_dates_are_civil_dates() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(
            utc_text(1_795_305_600_000 + 3_723_000),
            "2026-11-22 01:02 UTC"
        );
        assert_eq!(utc_text(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
