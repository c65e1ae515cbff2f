//! The Reports page's figures: supervisors for the inboxes they belong to, admins for all;
//! operators see none.

use crate::error::AppError;
use crate::model::{AgentRef, Me, Role};
use crate::reports::{self, ReportRequest, ReportView, Scope};
use crate::server::services;
use crate::server::state::AppState;

/// The report the agent asked for, computed from what was recorded in the period.
pub async fn report(
    state: &AppState,
    agent: &Me,
    request: &ReportRequest,
) -> Result<ReportView, AppError> {
    if agent.role == Role::Operator {
        return Err(AppError::Forbidden);
    }
    let (day_starts, first_weekday) = days_in_zone(request)?;
    let visible = services::visible_inbox_ids(state, agent).await?;
    let inboxes = match request.inbox {
        Some(inbox) if visible.contains(&inbox) => Some(vec![inbox]),
        Some(_) => return Err(AppError::not_found("inbox")),
        // An admin's report counts every inbox.
        None if agent.role == Role::Admin => None,
        None => Some(visible.clone()),
    };
    let scope = Scope {
        day_starts,
        first_weekday,
        inboxes,
        agent: request.agent,
        now: crate::server::store::now_millis(),
    };
    let records = state.store.report_records(scope.from(), scope.to()).await?;
    let mut report = reports::report(&records, &scope);
    let accounts = state.store.agent_accounts().await?;
    // A supervisor's table shows the members of their inboxes only.
    if agent.role != Role::Admin {
        report.agents.retain(|row| {
            accounts.iter().any(|a| {
                a.id == row.agent && a.inbox_ids.iter().any(|inbox| visible.contains(inbox))
            })
        });
    }
    let agents = report
        .agents
        .iter()
        .filter_map(|row| {
            accounts
                .iter()
                .find(|a| a.id == row.agent)
                .map(|a| AgentRef {
                    id: a.id,
                    name: a.name.clone(),
                })
        })
        .collect();
    Ok(ReportView { report, agents })
}

/// The midnights that start each day asked for in the asker's zone (its own daylight saving
/// changes included), then the end of the last day; and the first day's weekday (Monday 0).
pub fn days_in_zone(request: &ReportRequest) -> Result<(Vec<i64>, usize), AppError> {
    let (_, count) = request.days()?;
    let zone = if request.time_zone.is_empty() {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::get(&request.time_zone)
            .map_err(|_| AppError::invalid("time_zone", "a time zone such as Europe/Madrid"))?
    };
    let first: jiff::civil::Date = request
        .from
        .parse()
        .map_err(|_| AppError::invalid("from", "a date such as 2026-11-30"))?;
    let mut starts = Vec::with_capacity(count + 1);
    for day in 0..=count {
        let date = i64::try_from(day)
            .ok()
            .and_then(|day| first.checked_add(jiff::Span::new().days(day)).ok())
            .ok_or_else(|| AppError::invalid("to", "a date such as 2026-11-30"))?;
        let midnight = date
            .to_zoned(zone.clone())
            .map_err(|_| AppError::invalid("to", "a date such as 2026-11-30"))?;
        starts.push(midnight.timestamp().as_millisecond());
    }
    let weekday = usize::try_from(first.weekday().to_monday_zero_offset()).unwrap_or(0);
    Ok((starts, weekday))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_the_zones_midnights_across_a_change_of_time() {
        // Madrid leaves summer time on Sunday 2026-10-25: that day has 25 hours.
        let request = ReportRequest {
            from: "2026-10-24".into(),
            to: "2026-10-26".into(),
            time_zone: "Europe/Madrid".into(),
            ..ReportRequest::default()
        };
        let (starts, weekday) = days_in_zone(&request).expect("days");
        assert_eq!(weekday, 5, "a Saturday");
        let hour = 3_600_000;
        // 2026-10-24 00:00 in Madrid is 2026-10-23 22:00 UTC.
        assert_eq!(starts[0], 1_792_792_800_000);
        assert_eq!(starts[1] - starts[0], 24 * hour);
        assert_eq!(starts[2] - starts[1], 25 * hour);
        assert_eq!(starts[3] - starts[2], 24 * hour);
        let utc = ReportRequest {
            time_zone: String::new(),
            ..request.clone()
        };
        assert_eq!(days_in_zone(&utc).expect("utc").0[0], 1_792_800_000_000);
        let nowhere = ReportRequest {
            time_zone: "Mars/Olympus".into(),
            ..request
        };
        assert!(days_in_zone(&nowhere).is_err());
    }
}
