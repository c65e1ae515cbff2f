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
    request.validate()?;
    let visible = services::visible_inbox_ids(state, agent).await?;
    let inboxes = match request.inbox {
        Some(inbox) if visible.contains(&inbox) => Some(vec![inbox]),
        Some(_) => return Err(AppError::not_found("inbox")),
        // An admin's report counts every inbox.
        None if agent.role == Role::Admin => None,
        None => Some(visible.clone()),
    };
    let records = state.store.report_records(request.from, request.to).await?;
    let mut report = reports::report(
        &records,
        &Scope {
            from: request.from,
            to: request.to,
            inboxes,
            agent: request.agent,
            utc_offset_minutes: request.utc_offset_minutes,
            now: crate::server::store::now_millis(),
        },
    );
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
