//! `GET /reports/{table}.csv`: each table of the Reports page as a CSV download, for the same
//! period, inbox and agent, with headers in the reader's language. Durations are whole
//! seconds and dates are `YYYY-MM-DD`, so a spreadsheet can compute with them.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::calendar::{Millis, date_text};
use crate::csv::{self, Cell};
use crate::error::AppError;
use crate::i18n::{Locale, td_string};
use crate::reports::{ReportRequest, ReportView};
use crate::server::services;
use crate::server::state::AppState;

/// What the page's download links carry: the report's request and the reader's language.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    from: String,
    to: String,
    #[serde(default)]
    tz: String,
    inbox: Option<i64>,
    agent: Option<i64>,
    #[serde(default)]
    lang: String,
}

/// The tables a report has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Summary,
    Daily,
    Hours,
    Agents,
}

impl Table {
    fn from_file(name: &str) -> Option<Table> {
        match name {
            "summary.csv" => Some(Table::Summary),
            "daily.csv" => Some(Table::Daily),
            "hours.csv" => Some(Table::Hours),
            "agents.csv" => Some(Table::Agents),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Table::Summary => "summary",
            Table::Daily => "daily",
            Table::Hours => "hours",
            Table::Agents => "agents",
        }
    }
}

/// `GET /reports/{table}.csv`: the table as an attachment; the same refusals as the page
/// (signed out, an operator, another inbox, a bad period), as JSON.
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    Path(file): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Response {
    match export(&state, &session, &file, query).await {
        Ok(response) => response,
        Err(e) => {
            let status =
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(e)).into_response()
        }
    }
}

async fn export(
    state: &AppState,
    session: &Session,
    file: &str,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = crate::server::auth::current_agent(state, session).await?;
    let table = Table::from_file(file).ok_or_else(|| AppError::not_found("table"))?;
    let Query(query) = query.map_err(|_| {
        AppError::invalid("query", "the first and last days (from, to) as 2026-11-30")
    })?;
    let request = ReportRequest {
        from: query.from,
        to: query.to,
        time_zone: query.tz,
        inbox: query.inbox,
        agent: query.agent,
    };
    let view = services::reports::report(state, &me, &request).await?;
    let (first_day, _) = request.days()?;
    let locale = services::transcripts::locale_of(Some(&query.lang));
    let body = table_csv(table, &view, first_day, locale);
    // Both dates were read as real dates: digits and dashes only.
    let filename = format!(
        "switchboard-{}-{}-{}.csv",
        table.name(),
        request.from,
        request.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// A table of the report as CSV, headed in `locale`.
fn table_csv(table: Table, view: &ReportView, first_day: Millis, locale: Locale) -> String {
    let report = &view.report;
    let seconds =
        |figure: &str| Cell::text(td_string!(locale, report_seconds, figure = figure).to_string());
    let text = |s: &str| Cell::text(s);
    match table {
        Table::Summary => {
            let started = td_string!(locale, report_started).to_string();
            let answered = td_string!(locale, report_answered).to_string();
            let missed = td_string!(locale, report_missed).to_string();
            let first = td_string!(locale, report_first_response).to_string();
            let wait = td_string!(locale, report_wait).to_string();
            let duration = td_string!(locale, report_duration).to_string();
            let p50 = td_string!(locale, report_p50).to_string();
            let p90 = td_string!(locale, report_p90).to_string();
            let mut rows = vec![
                vec![
                    text(td_string!(locale, report_figure)),
                    text(td_string!(locale, report_value)),
                ],
                vec![text(&started), Cell::count(count(report.started))],
                vec![text(&answered), Cell::count(count(report.answered))],
                vec![text(&missed), Cell::count(count(report.missed))],
            ];
            for (name, spread) in [
                (&first, report.first_response),
                (&wait, report.wait),
                (&duration, report.duration),
            ] {
                rows.push(vec![
                    seconds(&format!("{name}, {p50}")),
                    Cell::seconds(spread.p50),
                ]);
                rows.push(vec![
                    seconds(&format!("{name}, {p90}")),
                    Cell::seconds(spread.p90),
                ]);
            }
            rows.push(vec![
                text(td_string!(locale, report_messages)),
                Cell::decimal(report.messages_per_conversation),
            ]);
            rows.push(vec![
                text(td_string!(locale, report_rating)),
                Cell::decimal(report.ratings.average),
            ]);
            rows.push(vec![
                text(td_string!(locale, report_ratings_count)),
                Cell::count(count(report.ratings.count)),
            ]);
            csv::table(rows)
        }
        Table::Daily => {
            let mut rows = vec![vec![
                text(td_string!(locale, report_day)),
                text(td_string!(locale, report_started)),
                text(td_string!(locale, report_answered)),
                text(td_string!(locale, report_missed)),
            ]];
            for (i, day) in report.daily.iter().enumerate() {
                rows.push(vec![
                    Cell::Number(date_text(first_day + i as Millis * 86_400_000)),
                    Cell::count(count(day.started)),
                    Cell::count(count(day.answered)),
                    Cell::count(count(day.missed)),
                ]);
            }
            csv::table(rows)
        }
        Table::Hours => {
            let days = [
                td_string!(locale, day_monday),
                td_string!(locale, day_tuesday),
                td_string!(locale, day_wednesday),
                td_string!(locale, day_thursday),
                td_string!(locale, day_friday),
                td_string!(locale, day_saturday),
                td_string!(locale, day_sunday),
            ];
            let mut rows = vec![vec![
                text(td_string!(locale, report_weekday)),
                text(td_string!(locale, report_hour)),
                text(td_string!(locale, report_started)),
            ]];
            for (weekday, name) in days.iter().enumerate() {
                for (hour, started) in report.busiest[weekday].iter().enumerate() {
                    rows.push(vec![
                        text(name),
                        Cell::Number(format!("{hour:02}:00")),
                        Cell::count(count(*started)),
                    ]);
                }
            }
            csv::table(rows)
        }
        Table::Agents => {
            let mut rows = vec![vec![
                text(td_string!(locale, history_agent)),
                text(td_string!(locale, report_handled)),
                seconds(td_string!(locale, report_first_response_p50)),
                seconds(td_string!(locale, report_handling)),
                seconds(td_string!(locale, report_online)),
                seconds(td_string!(locale, report_away)),
            ]];
            for row in &report.agents {
                let name = view
                    .agents
                    .iter()
                    .find(|a| a.id == row.agent)
                    .map(|a| a.name.as_str())
                    .unwrap_or_default();
                rows.push(vec![
                    text(name),
                    Cell::count(count(row.handled)),
                    Cell::seconds(row.first_response.p50),
                    Cell::seconds(row.average_handling),
                    Cell::seconds(Some(row.online)),
                    Cell::seconds(Some(row.away)),
                ]);
            }
            csv::table(rows)
        }
    }
}

/// A count as a CSV figure.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AgentRef;
    use crate::reports::{AgentFigures, DayFigures, Report, Spread};

    fn view() -> ReportView {
        let mut report = Report {
            started: 3,
            answered: 2,
            missed: 1,
            first_response: Spread {
                count: 2,
                p50: Some(90_000),
                p90: Some(600_400),
            },
            messages_per_conversation: Some(8.0 / 3.0),
            daily: vec![
                DayFigures {
                    started: 3,
                    answered: 2,
                    missed: 1,
                },
                DayFigures::default(),
            ],
            agents: vec![AgentFigures {
                agent: 7,
                handled: 2,
                first_response: Spread {
                    count: 2,
                    p50: Some(90_000),
                    p90: Some(600_400),
                },
                average_handling: None,
                online: 3_600_000,
                away: 0,
            }],
            ..Report::default()
        };
        report.busiest[1][14] = 3;
        ReportView {
            report,
            agents: vec![AgentRef {
                id: 7,
                name: "=Ana, \"lead\"".into(),
            }],
        }
    }

    /// Monday 2026-11-30, midnight UTC.
    const MONDAY: Millis = 1_795_996_800_000;

    #[test]
    fn every_table_has_translated_headers_and_figures_a_spreadsheet_can_use() {
        let summary = table_csv(Table::Summary, &view(), MONDAY, Locale::en);
        assert!(summary.starts_with("\u{feff}Figure,Value\r\nConversations started,3\r\n"));
        assert!(summary.contains("\"First response, Median (seconds)\",90\r\n"));
        assert!(summary.contains("\"First response, 90th percentile (seconds)\",600\r\n"));
        assert!(summary.contains("\"Wait for an agent, Median (seconds)\",\r\n"));
        assert!(summary.contains("Messages per conversation,2.67\r\n"));

        let daily = table_csv(Table::Daily, &view(), MONDAY, Locale::es);
        assert_eq!(
            daily,
            "\u{feff}Día,Conversaciones iniciadas,Atendidas,Perdidas\r\n\
             2026-11-30,3,2,1\r\n2026-12-01,0,0,0\r\n"
        );

        let hours = table_csv(Table::Hours, &view(), MONDAY, Locale::en);
        assert_eq!(hours.lines().count(), 1 + 7 * 24);
        assert!(hours.contains("Tuesday,14:00,3\r\n"));

        let agents = table_csv(Table::Agents, &view(), MONDAY, Locale::en);
        assert_eq!(
            agents,
            "\u{feff}Agent,Conversations handled,First response (median) (seconds),\
             Average handling time (seconds),Time online (seconds),Time away (seconds)\r\n\
             \"'=Ana, \"\"lead\"\"\",2,90,,3600,0\r\n"
        );
    }

    #[test]
    fn only_the_four_tables_are_files() {
        assert_eq!(Table::from_file("agents.csv"), Some(Table::Agents));
        assert_eq!(Table::from_file("hours.csv"), Some(Table::Hours));
        assert_eq!(Table::from_file("agents"), None);
        assert_eq!(Table::from_file("../etc/passwd"), None);
    }
}
