//! Time without a time library: the unit every moment is kept in, and a moment written in
//! UTC, as the server writes times (emails, tickets, pages before the browser's own clock
//! takes over).

/// Milliseconds since the Unix epoch, UTC. One unit everywhere so the wire and the database agree.
pub type Millis = i64;

/// A moment as `2026-11-22 14:05 UTC` (the server's way of writing times: emails, SSR).
pub fn utc_text(at: Millis) -> String {
    let (year, month, day) = civil_date(at);
    let rest = at.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// The UTC calendar date of a moment: year, month (1–12), day (1–31). Add an offset to the
/// moment first for a date in another zone.
pub fn civil_date(at: Millis) -> (i64, i64, i64) {
    let days = at.div_euclid(86_400_000);
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
    (year, month, day)
}

/// Midnight UTC starting a `YYYY-MM-DD` date, or `None` when the text is not a real date.
pub fn date_start_utc(date: &str) -> Option<Millis> {
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let start = (era * 146_097 + doe - 719_468) * 86_400_000;
    // 2026-02-31 is not a date: it would come back as another one.
    (civil_date(start) == (year, month, day)).then_some(start)
}

/// The UTC date of a moment as `YYYY-MM-DD`.
pub fn date_text(at: Millis) -> String {
    let (year, month, day) = civil_date(at);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
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
        assert_eq!(utc_text(-60_000), "1969-12-31 23:59 UTC");
        assert_eq!(civil_date(1_795_305_600_000), (2026, 11, 22));
        assert_eq!(date_start_utc("2026-11-22"), Some(1_795_305_600_000));
        assert_eq!(date_start_utc("1970-01-01"), Some(0));
        assert_eq!(date_start_utc("2000-03-01"), Some(951_868_800_000));
        assert_eq!(date_start_utc("2026-02-31"), None);
        assert_eq!(date_start_utc("2026-13-01"), None);
        assert_eq!(date_start_utc("soon"), None);
        assert_eq!(date_start_utc(""), None);
        assert_eq!(date_text(1_795_305_600_000 + 3_600_000), "2026-11-22");
    }
}
