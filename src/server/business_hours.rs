//! Whether an inbox is within its business hours at a moment: the moment in the inbox's time
//! zone (jiff, with the zone database built in, so daylight saving changes are the zone's own),
//! then the plain rule [`BusinessHours::open_at`].

use crate::model::Millis;
use crate::widget_settings::BusinessHours;

/// Whether `name` is a time zone this server knows.
pub fn known_zone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok()
}

/// The weekday (0 Monday … 6 Sunday), minute of the day and `YYYY-MM-DD` date of `at` in the
/// time zone `name`; `None` for an unknown zone or a moment out of range.
pub fn local_moment(name: &str, at: Millis) -> Option<(u8, u16, String)> {
    let zone = jiff::tz::TimeZone::get(name).ok()?;
    let local = jiff::Timestamp::from_millisecond(at).ok()?.to_zoned(zone);
    let weekday = u8::try_from(local.weekday().to_monday_zero_offset()).ok()?;
    let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).ok()?;
    Some((weekday, minute, local.date().to_string()))
}

/// Whether the hours are open at `at` (hours switched off always are; a zone this server does
/// not know counts as open rather than turning every visitor away).
pub fn open_at(hours: &BusinessHours, at: Millis) -> bool {
    if !hours.enabled {
        return true;
    }
    local_moment(&hours.time_zone, at)
        .is_none_or(|(weekday, minute, date)| hours.open_at(weekday, minute, &date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widget_settings::OpenSpan;

    /// Milliseconds of a UTC moment written `YYYY-MM-DDTHH:MM:SSZ`.
    fn utc(text: &str) -> Millis {
        text.parse::<jiff::Timestamp>()
            .expect("a moment")
            .as_millisecond()
    }

    fn madrid_nine_to_five() -> BusinessHours {
        BusinessHours {
            enabled: true,
            time_zone: "Europe/Madrid".to_owned(),
            week: (0..5)
                .map(|day| OpenSpan {
                    day,
                    from: 9 * 60,
                    to: 17 * 60,
                })
                .collect(),
            holidays: vec!["2026-12-25".to_owned()],
        }
    }

    #[test]
    fn the_hours_follow_the_zones_daylight_saving_change() {
        let hours = madrid_nine_to_five();
        // Friday 27 March 2026, winter time (UTC+1): 08:30 UTC is 09:30 in Madrid.
        assert!(open_at(&hours, utc("2026-03-27T08:30:00Z")));
        assert!(
            !open_at(&hours, utc("2026-03-27T07:30:00Z")),
            "08:30 in Madrid"
        );
        // Clocks go forward on Sunday 29 March. On Monday 30 March (UTC+2) 07:30 UTC is
        // already 09:30 in Madrid, and 15:30 UTC is 17:30, closed.
        assert!(open_at(&hours, utc("2026-03-30T07:30:00Z")));
        assert!(!open_at(&hours, utc("2026-03-30T15:30:00Z")));
        // And back on Sunday 25 October: on Monday 26 October 08:30 UTC is 09:30 again.
        assert!(open_at(&hours, utc("2026-10-26T08:30:00Z")));
        assert!(!open_at(&hours, utc("2026-10-26T07:30:00Z")));
    }

    #[test]
    fn a_holiday_is_the_zones_own_day() {
        let hours = madrid_nine_to_five();
        // 24 December at 23:30 UTC is already the 25th in Madrid: closed (and at night).
        assert_eq!(
            local_moment("Europe/Madrid", utc("2026-12-24T23:30:00Z")),
            Some((4, 30, "2026-12-25".to_owned()))
        );
        assert!(
            !open_at(&hours, utc("2026-12-25T10:00:00Z")),
            "a holiday on a Friday"
        );
        assert!(
            open_at(&hours, utc("2026-12-24T10:00:00Z")),
            "the day before"
        );
    }

    #[test]
    fn unknown_zones_are_refused_by_the_check_and_read_as_open() {
        assert!(known_zone("America/Mexico_City") && known_zone("UTC"));
        assert!(!known_zone("Mars/Olympus"));
        let mut hours = madrid_nine_to_five();
        hours.time_zone = "Mars/Olympus".to_owned();
        assert!(open_at(&hours, utc("2026-12-26T03:00:00Z")));
    }
}
