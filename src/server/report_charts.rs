//! The Reports page's charts, drawn by the server as SVG: conversations per day and the
//! busiest hours. The browser downloads no chart code; colours come from the page's theme
//! (classes styled in `style/main.css`), and every bar and cell has a title with its figures.

use std::fmt::Write;

use crate::calendar::{Millis, civil_date};
use crate::i18n::{Locale, td_string};
use crate::reports::{Charts, Report};
use crate::server::markup::escape;

/// Both charts of a report whose first day starts at midnight UTC `first_day` (the day's
/// date, whatever the reader's zone), in `locale`.
pub fn charts(report: &Report, first_day: Millis, locale: Locale) -> Charts {
    Charts {
        daily: daily(report, first_day, locale),
        busiest: busiest(report, locale),
    }
}

/// The width every chart is drawn at; the page scales it to its column.
const WIDTH: f64 = 720.0;
const DAY: Millis = 86_400_000;

/// The label of the date whose midnight UTC is `at`.
fn day_label(at: Millis, locale: Locale) -> String {
    let (_, month, day) = civil_date(at);
    td_string!(locale, report_date, month = month, day = day).to_string()
}

/// Conversations per day: a bar per day, answered, missed and still open stacked.
fn daily(report: &Report, first_day: Millis, locale: Locale) -> String {
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 40.0;
    const TOP: f64 = 34.0;
    const BOTTOM: f64 = 22.0;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let days = report.daily.len().max(1);
    let most = report.daily.iter().map(|d| d.started).max().unwrap_or(0);
    // Up to four steps of a round size.
    let tick = round_step(most.div_ceil(4));
    let top = tick * most.div_ceil(tick).max(1);
    let scale = plot_height / top as f64;
    let step = (WIDTH - LEFT - 8.0) / days as f64;
    let bar = (step * 0.7).max(1.0);
    let title = td_string!(locale, report_daily_chart).to_string();
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(&title)
    );
    // The legend, along the top.
    let mut x = LEFT;
    for (class, words) in [
        ("answered", td_string!(locale, report_answered).to_string()),
        ("missed", td_string!(locale, report_missed).to_string()),
        ("open", td_string!(locale, report_still_open).to_string()),
    ] {
        let _ = write!(
            svg,
            r#"<rect class="{class}" x="{x}" y="6" width="12" height="12" rx="2"/><text class="label" x="{}" y="16">{}</text>"#,
            x + 16.0,
            escape(&words)
        );
        x += 28.0 + 7.0 * words.chars().count() as f64;
    }
    // The scale.
    for value in (0..=top).step_by(tick) {
        let y = TOP + plot_height - value as f64 * scale;
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="label" x="{}" y="{:.1}" text-anchor="end">{value}</text>"#,
            WIDTH - 8.0,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let label_every = days.div_ceil(8);
    for (i, day) in report.daily.iter().enumerate() {
        let label = day_label(first_day + i as Millis * DAY, locale);
        let x = LEFT + i as f64 * step + (step - bar) / 2.0;
        let open = day.started.saturating_sub(day.answered + day.missed);
        let words = td_string!(
            locale,
            report_day_title,
            day = &label,
            started = day.started,
            answered = day.answered,
            missed = day.missed
        )
        .to_string();
        let _ = write!(svg, "<g><title>{}</title>", escape(&words));
        // A transparent column under the bar, so the title shows on an empty day too.
        let _ = write!(
            svg,
            r#"<rect class="hit" x="{:.1}" y="{TOP}" width="{step:.1}" height="{plot_height}"/>"#,
            LEFT + i as f64 * step
        );
        let mut y = TOP + plot_height;
        for (class, count) in [
            ("answered", day.answered),
            ("missed", day.missed),
            ("open", open),
        ] {
            if count == 0 {
                continue;
            }
            let height = count as f64 * scale;
            y -= height;
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{height:.1}"/>"#
            );
        }
        svg.push_str("</g>");
        if i % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text class="label" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + bar / 2.0,
                HEIGHT - 6.0,
                escape(&label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The busiest hours: a cell per weekday and hour, darker the more conversations started.
fn busiest(report: &Report, locale: Locale) -> String {
    const LEFT: f64 = 44.0;
    const TOP: f64 = 20.0;
    const ROW: f64 = 26.0;
    const LEGEND: f64 = 30.0;
    let column = (WIDTH - LEFT - 4.0) / 24.0;
    let height = TOP + 7.0 * ROW + LEGEND;
    let most = report
        .busiest
        .iter()
        .flat_map(|day| day.iter())
        .copied()
        .max()
        .unwrap_or(0);
    let days = [
        td_string!(locale, day_monday).to_string(),
        td_string!(locale, day_tuesday).to_string(),
        td_string!(locale, day_wednesday).to_string(),
        td_string!(locale, day_thursday).to_string(),
        td_string!(locale, day_friday).to_string(),
        td_string!(locale, day_saturday).to_string(),
        td_string!(locale, day_sunday).to_string(),
    ];
    let title = td_string!(locale, report_busiest_chart).to_string();
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(&title)
    );
    for hour in (0..24).step_by(3) {
        let _ = write!(
            svg,
            r#"<text class="label" x="{:.1}" y="14" text-anchor="middle">{hour:02}</text>"#,
            LEFT + (hour as f64 + 0.5) * column
        );
    }
    for (weekday, name) in days.iter().enumerate() {
        let y = TOP + weekday as f64 * ROW;
        let short: String = name.chars().take(3).collect();
        let _ = write!(
            svg,
            r#"<text class="label" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y + ROW / 2.0 + 4.0,
            escape(&short)
        );
        for (hour, count) in report.busiest[weekday].iter().enumerate() {
            let words = td_string!(
                locale,
                report_hour_title,
                day = name,
                hour = format!("{hour:02}"),
                count = *count
            )
            .to_string();
            let _ = write!(
                svg,
                r#"<rect class="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{}" rx="2"{}><title>{}</title></rect>"#,
                if *count == 0 { "heat-none" } else { "heat" },
                LEFT + hour as f64 * column + 1.0,
                y + 1.0,
                column - 2.0,
                ROW - 2.0,
                heat_opacity(*count, most),
                escape(&words)
            );
        }
    }
    // The scale: from fewer to more.
    let y = TOP + 7.0 * ROW + 10.0;
    let fewer = td_string!(locale, report_fewer).to_string();
    let more = td_string!(locale, report_more).to_string();
    let _ = write!(
        svg,
        r#"<text class="label" x="{LEFT}" y="{:.1}">{}</text>"#,
        y + 12.0,
        escape(&fewer)
    );
    let swatches = LEFT + 10.0 + 7.0 * fewer.chars().count() as f64;
    for step in 0..5 {
        let _ = write!(
            svg,
            r#"<rect class="{}" x="{:.1}" y="{y:.1}" width="16" height="16" rx="2"{}/>"#,
            if step == 0 { "heat-none" } else { "heat" },
            swatches + step as f64 * 20.0,
            heat_opacity(step, 4)
        );
    }
    let _ = write!(
        svg,
        r#"<text class="label" x="{:.1}" y="{:.1}">{}</text></svg>"#,
        swatches + 5.0 * 20.0 + 4.0,
        y + 12.0,
        escape(&more)
    );
    svg
}

/// How strongly a cell of `count` is filled when the busiest holds `most`: from a fifth for
/// one conversation to full; nothing for none (its class gives it the faint empty colour).
fn heat_opacity(count: usize, most: usize) -> String {
    if count == 0 || most == 0 {
        return String::new();
    }
    let share = count as f64 / most as f64;
    format!(r#" fill-opacity="{:.2}""#, 0.2 + 0.8 * share)
}

/// The smallest of 1, 2, 5, 10, 20, 50… at or above `value`.
fn round_step(value: usize) -> usize {
    let mut magnitude = 1;
    loop {
        for step in [1, 2, 5] {
            let round = step * magnitude;
            if round >= value {
                return round;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::DayFigures;

    /// Monday 2026-11-30 00:00 UTC.
    const MONDAY: Millis = 1_795_996_800_000;

    fn sample() -> Report {
        let mut report = Report {
            daily: vec![
                DayFigures {
                    started: 4,
                    answered: 2,
                    missed: 1,
                },
                DayFigures::default(),
                DayFigures {
                    started: 7,
                    answered: 7,
                    missed: 0,
                },
            ],
            ..Report::default()
        };
        report.busiest[0][9] = 3;
        report.busiest[6][23] = 6;
        report
    }

    #[test]
    fn the_daily_chart_has_a_titled_column_per_day_stacked_by_outcome() {
        let svg = charts(&sample(), MONDAY, Locale::en).daily;
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"aria-label="Conversations per day""#));
        assert_eq!(svg.matches("<title>").count(), 3, "one per day");
        assert!(svg.contains("<title>11/30: 4 started, 2 answered, 1 missed</title>"));
        assert!(svg.contains("<title>12/2: 7 started, 7 answered, 0 missed</title>"));
        // The scale: steps of 2 (7 in four round steps) up to 8.
        for tick in ["0", "2", "4", "6", "8"] {
            assert!(svg.contains(&format!(">{tick}</text>")), "{tick}");
        }
        assert!(!svg.contains(">10</text>"));
        // Day 1: answered, missed and open bars; day 3: answered only (and the legend's).
        assert_eq!(svg.matches(r#"class="answered""#).count(), 3);
        assert_eq!(svg.matches(r#"class="missed""#).count(), 2);
        assert_eq!(svg.matches(r#"class="open""#).count(), 2);
        let es = charts(&sample(), MONDAY, Locale::es).daily;
        assert!(es.contains(r#"aria-label="Conversaciones por día""#));
        assert!(es.contains("<title>30/11: iniciadas 4, atendidas 2, perdidas 1</title>"));
    }

    #[test]
    fn the_heat_map_has_a_cell_per_weekday_and_hour_darker_when_busier() {
        let svg = charts(&sample(), MONDAY, Locale::en).busiest;
        assert!(svg.contains(r#"aria-label="Busiest hours""#));
        assert_eq!(svg.matches("<title>").count(), 7 * 24);
        assert!(svg.contains("<title>Monday 09:00: 3 started</title>"));
        assert!(svg.contains("<title>Sunday 23:00: 6 started</title>"));
        // The busiest cell is full; one with half as many, 0.2 + 0.8 × 0.5.
        assert!(svg.contains(r#"fill-opacity="1.00"><title>Sunday 23:00"#));
        assert!(svg.contains(r#"fill-opacity="0.60"><title>Monday 09:00"#));
        assert_eq!(
            svg.matches(r#"class="heat-none""#).count(),
            7 * 24 - 2 + 1,
            "empty cells, and the scale's first swatch"
        );
        let es = charts(&sample(), MONDAY, Locale::es).busiest;
        assert!(es.contains(">Lun</text>") && es.contains(">Dom</text>"));
    }

    #[test]
    fn scales_step_by_round_figures() {
        assert_eq!(round_step(0), 1);
        assert_eq!(round_step(1), 1);
        assert_eq!(round_step(3), 5);
        assert_eq!(round_step(7), 10);
        assert_eq!(round_step(11), 20);
        assert_eq!(round_step(499), 500);
        // An empty period still has a scale, 0 to 1.
        let empty = charts(
            &Report {
                daily: vec![DayFigures::default()],
                ..Report::default()
            },
            MONDAY,
            Locale::en,
        )
        .daily;
        assert!(empty.contains(">0</text>") && empty.contains(">1</text>"));
    }
}
