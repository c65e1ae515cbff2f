//! What Switchboard says in words, in one language, wherever it says it: the workspace's
//! pages and the server's emails both word system lines and durations here (from the
//! translation catalog), so neither imports the other.

use crate::i18n::*;
use crate::model::SystemLine;

/// What a system line says to the visitor (a transcript): how the team shares its work stays
/// the team's, so an automatic assignment reads as the agent joining.
pub fn visitor_system_line(locale: Locale, line: &SystemLine) -> String {
    match line {
        SystemLine::AutoAssigned { to, .. } => {
            td_string!(locale, system_accepted, agent = to.clone()).to_string()
        }
        other => system_line(locale, other),
    }
}

/// What a system line says in one language (the workspace's timeline, mailed transcripts).
pub fn system_line(locale: Locale, line: &SystemLine) -> String {
    match line {
        SystemLine::Accepted { agent } => {
            td_string!(locale, system_accepted, agent = agent.clone()).to_string()
        }
        SystemLine::ClosedByAgent { agent } => {
            td_string!(locale, system_closed, agent = agent.clone()).to_string()
        }
        SystemLine::Assigned { by, to } => {
            td_string!(locale, system_assigned, by = by.clone(), to = to.clone()).to_string()
        }
        SystemLine::Unassigned { by } => {
            td_string!(locale, system_unassigned, by = by.clone()).to_string()
        }
        SystemLine::AutoAssigned { to, mode } => match mode.as_str() {
            "least_busy" => {
                td_string!(locale, system_auto_assigned_least_busy, to = to.clone()).to_string()
            }
            _ => td_string!(locale, system_auto_assigned_round_robin, to = to.clone()).to_string(),
        },
        SystemLine::AutoUnassigned { agent, after_secs } => {
            let duration = duration_text(locale, *after_secs);
            td_string!(
                locale,
                system_auto_unassigned,
                agent = agent.clone(),
                duration = duration
            )
            .to_string()
        }
        SystemLine::AutoClosed { after_secs } => {
            let duration = duration_text(locale, *after_secs);
            td_string!(locale, system_auto_closed, duration = duration).to_string()
        }
        SystemLine::Moved { by, inbox } => {
            td_string!(locale, system_moved, by = by.clone(), inbox = inbox.clone()).to_string()
        }
        SystemLine::Blocked { by } => {
            td_string!(locale, system_blocked, by = by.clone()).to_string()
        }
        SystemLine::Unblocked { by } => {
            td_string!(locale, system_unblocked, by = by.clone()).to_string()
        }
        SystemLine::TicketCreated { by, ticket_id } => td_string!(
            locale,
            system_ticket_created,
            by = by.clone(),
            id = *ticket_id
        )
        .to_string(),
        SystemLine::Rated { score, comment } => {
            let rating = rating_text(locale, *score);
            if comment.is_empty() {
                td_string!(locale, system_rated, rating = rating).to_string()
            } else {
                td_string!(
                    locale,
                    system_rated_comment,
                    rating = rating,
                    comment = comment.clone()
                )
                .to_string()
            }
        }
        SystemLine::PageViewed { title, url } => td_string!(
            locale,
            system_page_viewed,
            title = title.clone(),
            path = crate::tracking::path_of(url).to_owned()
        )
        .to_string(),
    }
}

/// A rating as people say it: good (5), bad (1), or so many out of 5.
pub fn rating_text(locale: Locale, score: i64) -> String {
    match score {
        5 => td_string!(locale, rating_good).to_string(),
        1 => td_string!(locale, rating_bad).to_string(),
        n => td_string!(locale, rating_out_of_five, n = n).to_string(),
    }
}

/// A timer duration as people say it: whole minutes, else seconds.
fn duration_text(locale: Locale, secs: i64) -> String {
    if secs % 60 == 0 {
        td_string!(locale, duration_minutes, n = secs / 60).to_string()
    } else {
        td_string!(locale, duration_seconds, n = secs).to_string()
    }
}
