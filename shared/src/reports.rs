//! How the team is doing, from what happened: the figures of the Reports page, computed from
//! a history of records (read from the event log), so they can be recomputed at any time.
//!
//! Definitions (every figure counts the conversations *started* in the period, of the chosen
//! inbox, and with an agent chosen, those that agent replied in or was assigned):
//! - **answered**: a team member replied (notes do not count); **missed**: closed without a
//!   team reply; the rest are still waiting.
//! - **first response**: from the start to the first team reply; **wait**: from the start to
//!   the first assignment to an agent; **duration**: from the start to the close. A
//!   conversation an agent started (proactive chat) counts as started and, once they wrote,
//!   answered, but has no first response or wait: no visitor waited.
//! - **messages per conversation**: visitor and team messages, over the conversations started.
//! - **busiest hours**: conversations started by weekday (Monday first) and hour, in the
//!   reader's time zone (days start at its midnights, so a period across a change to or from
//!   summer time keeps whole days; on the day of the change itself, the hours after it are
//!   counted from midnight as they pass, one early or late).
//! - per agent: **handled**, the conversations they replied in; **first response**, where
//!   they gave the first team reply; **handling time**, from their assignment to the close or
//!   to the next assignment, averaged over the stretches that ended; **online** and **away**,
//!   the time their presence showed it within the period.

use std::collections::{BTreeMap, BTreeSet};

use crate::calendar::Millis;
use crate::model::Presence;

/// Something that happened, as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    /// A conversation started: by the visitor, or by an agent (proactive chat), who is then
    /// its assignee from the start.
    Opened {
        /// Which.
        conversation: i64,
        /// Its inbox.
        inbox: i64,
        /// The agent who started it, if one did.
        assignee: Option<i64>,
    },
    /// The visitor wrote.
    VisitorWrote {
        /// In which conversation.
        conversation: i64,
    },
    /// A team member replied (not a note).
    AgentWrote {
        /// In which conversation.
        conversation: i64,
        /// Who.
        agent: i64,
    },
    /// The conversation got an assignee, or lost it (`None`).
    Assigned {
        /// Which.
        conversation: i64,
        /// Who, if anyone.
        agent: Option<i64>,
    },
    /// The conversation ended.
    Closed {
        /// Which.
        conversation: i64,
    },
    /// The visitor rated the conversation.
    Rated {
        /// Which.
        conversation: i64,
        /// 1 to 5.
        score: i64,
    },
    /// An agent's presence changed.
    PresenceChanged {
        /// Whose.
        agent: i64,
        /// To what.
        presence: Presence,
    },
}

impl Happening {
    /// What a logged event says for the reports, if anything: a conversation started,
    /// someone wrote (a team note or a system line is not a reply), the assignee changed, a
    /// conversation closed, an agent's presence changed.
    pub fn of_event(event: &crate::protocol::Event) -> Option<Happening> {
        use crate::model::Author;
        use crate::protocol::Event;
        match event {
            Event::ConversationOpened { conversation } => Some(Happening::Opened {
                conversation: conversation.id,
                inbox: conversation.inbox_id,
                assignee: conversation.assignee.as_ref().map(|a| a.id),
            }),
            // A move keeps the assignee only when they belong to the new inbox.
            Event::ConversationMoved { conversation } => Some(Happening::Assigned {
                conversation: conversation.id,
                agent: conversation.assignee.as_ref().map(|a| a.id),
            }),
            Event::MessagePosted { message } if !message.note => match &message.author {
                Author::Visitor => Some(Happening::VisitorWrote {
                    conversation: message.conversation_id,
                }),
                Author::Agent { id, .. } => Some(Happening::AgentWrote {
                    conversation: message.conversation_id,
                    agent: *id,
                }),
                Author::System => None,
            },
            Event::ConversationAssigned {
                conversation_id,
                assignee,
            } => Some(Happening::Assigned {
                conversation: *conversation_id,
                agent: assignee.as_ref().map(|a| a.id),
            }),
            Event::ConversationClosed { conversation_id } => Some(Happening::Closed {
                conversation: *conversation_id,
            }),
            Event::PresenceChanged { agent_id, presence } => Some(Happening::PresenceChanged {
                agent: *agent_id,
                presence: *presence,
            }),
            _ => None,
        }
    }
}

/// A happening and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Milliseconds since the epoch.
    pub at: Millis,
    /// What.
    pub what: Happening,
}

/// What a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The reader's midnights that start each day of the period, then the end of the last
    /// day: one more than there are days, in order.
    pub day_starts: Vec<Millis>,
    /// The weekday of the first day, 0 for Monday.
    pub first_weekday: usize,
    /// These inboxes, or all (`None`).
    pub inboxes: Option<Vec<i64>>,
    /// One agent, or the whole team.
    pub agent: Option<i64>,
    /// When the report is made: a presence still shown is counted up to now, not to the end
    /// of a period that has not ended.
    pub now: Millis,
}

impl Scope {
    /// The period's first moment.
    pub fn from(&self) -> Millis {
        self.day_starts.first().copied().unwrap_or(0)
    }

    /// The moment after the period.
    pub fn to(&self) -> Millis {
        self.day_starts.last().copied().unwrap_or(0)
    }

    /// The day of the period a moment of it falls on.
    fn day_of(&self, at: Millis) -> Option<usize> {
        let after = self.day_starts.partition_point(|start| *start <= at);
        (after >= 1 && after < self.day_starts.len()).then(|| after - 1)
    }
}

/// The middle and the 90th percentile of some durations (nearest rank), and how many there
/// were; `None` figures when there were none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Spread {
    /// How many durations.
    pub count: usize,
    /// The median, in milliseconds.
    pub p50: Option<Millis>,
    /// The 90th percentile, in milliseconds.
    pub p90: Option<Millis>,
}

impl Spread {
    /// The spread of these durations.
    pub fn of(mut values: Vec<Millis>) -> Spread {
        values.sort_unstable();
        Spread {
            count: values.len(),
            p50: nearest_rank(&values, 50),
            p90: nearest_rank(&values, 90),
        }
    }
}

/// The `percent`th percentile of sorted values by the nearest-rank method.
fn nearest_rank(sorted: &[Millis], percent: usize) -> Option<Millis> {
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Ratings given to the conversations of the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ratings {
    /// How many.
    pub count: usize,
    /// Their average score, 1 to 5.
    pub average: Option<f64>,
}

/// One agent's row of the report.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgentFigures {
    /// Who.
    pub agent: i64,
    /// Conversations they replied in.
    pub handled: usize,
    /// Their first responses.
    pub first_response: Spread,
    /// Average handling time, in milliseconds.
    pub average_handling: Option<Millis>,
    /// Time shown online within the period, in milliseconds.
    pub online: Millis,
    /// Time shown away within the period, in milliseconds.
    pub away: Millis,
}

/// One day's conversations, for the chart of the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DayFigures {
    /// Conversations started that day.
    pub started: usize,
    /// Of those, answered by the team.
    pub answered: usize,
    /// Of those, closed without a team reply.
    pub missed: usize,
}

/// The figures of a report.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// Conversations started.
    pub started: usize,
    /// Of those, answered by the team.
    pub answered: usize,
    /// Of those, closed without a team reply.
    pub missed: usize,
    /// Start to first team reply.
    pub first_response: Spread,
    /// Start to first assignment.
    pub wait: Spread,
    /// Start to close.
    pub duration: Spread,
    /// Visitor and team messages per conversation started.
    pub messages_per_conversation: Option<f64>,
    /// Ratings of the conversations started.
    pub ratings: Ratings,
    /// Conversations started by weekday (Monday first) and hour.
    pub busiest: [[usize; 24]; 7],
    /// Each day of the period (24-hour steps from its start), oldest first.
    pub daily: Vec<DayFigures>,
    /// One row per agent who replied, was assigned or showed a presence, by id.
    pub agents: Vec<AgentFigures>,
}

/// A day in milliseconds.
const DAY: Millis = 86_400_000;

/// The most days a report covers: a year and a day.
pub const MAX_DAYS: usize = 366;

/// What a supervisor asks for: the days of a period in their time zone, an inbox or all they
/// may see, an agent or the team.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReportRequest {
    /// The first day, `YYYY-MM-DD`.
    pub from: String,
    /// The last day (included), `YYYY-MM-DD`.
    pub to: String,
    /// The time zone whose days and hours are counted (`Europe/Madrid`); UTC when empty.
    #[serde(default)]
    pub time_zone: String,
    /// One inbox, or every one the asker may see.
    #[serde(default)]
    pub inbox: Option<i64>,
    /// One agent, or the whole team.
    #[serde(default)]
    pub agent: Option<i64>,
}

impl ReportRequest {
    /// Checks the days (real dates, the last not before the first, at most 366 of them) and
    /// the zone's name (at most 64 characters; the server checks that it names a zone), and
    /// gives midnight UTC of the first day and how many days there are.
    pub fn days(&self) -> Result<(Millis, usize), crate::error::AppError> {
        use crate::calendar::date_start_utc;
        use crate::error::AppError;
        let from = date_start_utc(&self.from)
            .ok_or_else(|| AppError::invalid("from", "a date such as 2026-11-30"))?;
        let to = date_start_utc(&self.to)
            .ok_or_else(|| AppError::invalid("to", "a date such as 2026-11-30"))?;
        if to < from {
            return Err(AppError::invalid("to", "on or after the first day"));
        }
        let days = usize::try_from((to - from) / DAY + 1).unwrap_or(usize::MAX);
        if days > MAX_DAYS {
            return Err(AppError::invalid("to", "at most 366 days after the first"));
        }
        if self.time_zone.chars().count() > 64 {
            return Err(AppError::invalid(
                "time_zone",
                "a time zone such as Europe/Madrid",
            ));
        }
        Ok((from, days))
    }
}

/// A report with the names of the agents in its rows.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportView {
    /// The figures.
    pub report: Report,
    /// Who the rows' agents are.
    pub agents: Vec<crate::model::AgentRef>,
}

/// A report's charts as SVG markup, drawn by the server in the reader's language.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Charts {
    /// Conversations per day.
    pub daily: String,
    /// The busiest hours.
    pub busiest: String,
}

/// What the Reports page shows: the figures, the agents' names and the charts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportPage {
    /// The figures and names.
    pub view: ReportView,
    /// The charts.
    pub charts: Charts,
}

/// What the report keeps of one conversation.
#[derive(Default)]
struct Life {
    opened: Millis,
    first_reply: Option<(Millis, i64)>,
    first_assigned: Option<Millis>,
    /// Started by an agent: the visitor waited for nobody.
    proactive: bool,
    closed: Option<Millis>,
    messages: usize,
    repliers: BTreeSet<i64>,
    assignees: BTreeSet<i64>,
    score: Option<i64>,
    /// The current assignee and since when.
    holder: Option<(i64, Millis)>,
    /// Each assignee's stretches that ended (assignment to close or reassignment).
    stretches: Vec<(i64, Millis)>,
}

/// Computes a report from `records` (in time order, or not: they are sorted), which should
/// hold the history of the conversations started in the period and, for presence, at least
/// each agent's last change before it.
pub fn report(records: &[Record], scope: &Scope) -> Report {
    let mut records: Vec<&Record> = records.iter().collect();
    records.sort_by_key(|r| r.at);
    let mut lives: BTreeMap<i64, Life> = BTreeMap::new();
    let mut presence: BTreeMap<i64, (Presence, Millis)> = BTreeMap::new();
    let mut shown: BTreeMap<i64, (Millis, Millis)> = BTreeMap::new();
    for record in records {
        let at = record.at;
        match &record.what {
            Happening::Opened {
                conversation,
                inbox,
                assignee,
            } => {
                let in_scope = (scope.from()..scope.to()).contains(&at)
                    && scope
                        .inboxes
                        .as_ref()
                        .is_none_or(|wanted| wanted.contains(inbox));
                if in_scope {
                    lives.insert(
                        *conversation,
                        Life {
                            opened: at,
                            proactive: assignee.is_some(),
                            assignees: assignee.iter().copied().collect(),
                            holder: assignee.map(|agent| (agent, at)),
                            ..Life::default()
                        },
                    );
                }
            }
            Happening::VisitorWrote { conversation } => {
                if let Some(life) = lives.get_mut(conversation) {
                    life.messages += 1;
                }
            }
            Happening::AgentWrote {
                conversation,
                agent,
            } => {
                if let Some(life) = lives.get_mut(conversation) {
                    life.messages += 1;
                    life.repliers.insert(*agent);
                    life.first_reply.get_or_insert((at, *agent));
                }
            }
            Happening::Assigned {
                conversation,
                agent,
            } => {
                if let Some(life) = lives.get_mut(conversation) {
                    // Told again who already holds it (a move within their inboxes): the
                    // stretch goes on.
                    if life
                        .holder
                        .is_some_and(|(holder, _)| Some(holder) == *agent)
                    {
                        continue;
                    }
                    if let Some((holder, since)) = life.holder.take() {
                        life.stretches.push((holder, at - since));
                    }
                    if let Some(agent) = agent {
                        life.first_assigned.get_or_insert(at);
                        life.assignees.insert(*agent);
                        life.holder = Some((*agent, at));
                    }
                }
            }
            Happening::Closed { conversation } => {
                if let Some(life) = lives.get_mut(conversation) {
                    life.closed.get_or_insert(at);
                    if let Some((holder, since)) = life.holder.take() {
                        life.stretches.push((holder, at - since));
                    }
                }
            }
            Happening::Rated {
                conversation,
                score,
            } => {
                if let Some(life) = lives.get_mut(conversation) {
                    life.score = Some(*score);
                }
            }
            Happening::PresenceChanged {
                agent,
                presence: now,
            } => {
                if let Some((before, since)) = presence.insert(*agent, (*now, at)) {
                    add_shown(&mut shown, *agent, before, since, at, scope);
                }
            }
        }
    }
    for (agent, (last, since)) in &presence {
        add_shown(&mut shown, *agent, *last, *since, scope.to(), scope);
    }
    if let Some(agent) = scope.agent {
        lives.retain(|_, life| life.repliers.contains(&agent) || life.assignees.contains(&agent));
    }
    figures(&lives, &shown, scope)
}

/// Adds the time `agent` showed `presence` from `since` to `until`, within the period.
fn add_shown(
    shown: &mut BTreeMap<i64, (Millis, Millis)>,
    agent: i64,
    presence: Presence,
    since: Millis,
    until: Millis,
    scope: &Scope,
) {
    let within = until.min(scope.to()).min(scope.now) - since.max(scope.from());
    if within <= 0 || presence == Presence::Offline {
        return;
    }
    let (online, away) = shown.entry(agent).or_default();
    match presence {
        Presence::Online => *online += within,
        Presence::Away => *away += within,
        Presence::Offline => {}
    }
}

/// The report's figures from the conversations' lives and the agents' shown presence.
fn figures(
    lives: &BTreeMap<i64, Life>,
    shown: &BTreeMap<i64, (Millis, Millis)>,
    scope: &Scope,
) -> Report {
    let days = scope.day_starts.len().saturating_sub(1);
    let mut report = Report {
        started: lives.len(),
        daily: vec![DayFigures::default(); days],
        ..Report::default()
    };
    let mut first_responses = Vec::new();
    let mut waits = Vec::new();
    let mut durations = Vec::new();
    let mut messages = 0;
    let mut scores = Vec::new();
    for life in lives.values() {
        let index = scope.day_of(life.opened);
        let mut day = index.and_then(|day| report.daily.get_mut(day));
        if let Some(day) = day.as_deref_mut() {
            day.started += 1;
        }
        match (life.first_reply, life.closed) {
            (Some((at, _)), _) => {
                report.answered += 1;
                if let Some(day) = day {
                    day.answered += 1;
                }
                if !life.proactive {
                    first_responses.push(at - life.opened);
                }
            }
            (None, Some(_)) => {
                report.missed += 1;
                if let Some(day) = day {
                    day.missed += 1;
                }
            }
            (None, None) => {}
        }
        if let (Some(at), false) = (life.first_assigned, life.proactive) {
            waits.push(at - life.opened);
        }
        if let Some(at) = life.closed {
            durations.push(at - life.opened);
        }
        messages += life.messages;
        scores.extend(life.score);
        if let Some(index) = index {
            let since_midnight = life.opened - scope.day_starts[index];
            let hour = usize::try_from(since_midnight / 3_600_000).map_or(0, |h| h.min(23));
            report.busiest[(scope.first_weekday + index) % 7][hour] += 1;
        }
    }
    report.first_response = Spread::of(first_responses);
    report.wait = Spread::of(waits);
    report.duration = Spread::of(durations);
    report.messages_per_conversation =
        (report.started > 0).then(|| messages as f64 / report.started as f64);
    report.ratings = Ratings {
        count: scores.len(),
        average: (!scores.is_empty())
            .then(|| scores.iter().sum::<i64>() as f64 / scores.len() as f64),
    };
    let mut agents: BTreeSet<i64> = shown.keys().copied().collect();
    for life in lives.values() {
        agents.extend(&life.repliers);
        agents.extend(&life.assignees);
    }
    if let Some(agent) = scope.agent {
        agents.retain(|a| *a == agent);
    }
    report.agents = agents
        .into_iter()
        .map(|agent| {
            let firsts = lives
                .values()
                .filter(|life| !life.proactive)
                .filter_map(|life| {
                    life.first_reply
                        .filter(|(_, by)| *by == agent)
                        .map(|(at, _)| at - life.opened)
                })
                .collect();
            let stretches: Vec<Millis> = lives
                .values()
                .flat_map(|life| life.stretches.iter())
                .filter(|(holder, _)| *holder == agent)
                .map(|(_, length)| *length)
                .collect();
            let (online, away) = shown.get(&agent).copied().unwrap_or_default();
            AgentFigures {
                agent,
                handled: lives
                    .values()
                    .filter(|life| life.repliers.contains(&agent))
                    .count(),
                first_response: Spread::of(firsts),
                average_handling: (!stretches.is_empty())
                    .then(|| stretches.iter().sum::<Millis>() / stretches.len() as Millis),
                online,
                away,
            }
        })
        .collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Millis = 60_000;
    /// Monday 2026-11-30 09:00 UTC.
    const MONDAY_9: Millis = 1_796_029_200_000;
    /// Its midnight.
    const MONDAY_0: Millis = MONDAY_9 - 9 * 60 * MINUTE;

    /// The starts of `count` days of 24 hours from `first`, and the end of the last.
    fn days(first: Millis, count: i64) -> Vec<Millis> {
        (0..=count).map(|i| first + i * 24 * 60 * MINUTE).collect()
    }

    fn at(minutes: Millis, what: Happening) -> Record {
        Record {
            at: MONDAY_9 + minutes * MINUTE,
            what,
        }
    }

    /// Monday, in UTC.
    fn scope() -> Scope {
        Scope {
            day_starts: days(MONDAY_0, 1),
            first_weekday: 0,
            inboxes: None,
            agent: None,
            now: Millis::MAX,
        }
    }

    /// Ana (1) answers conversation 10 after 2 minutes; Ben (2) takes 11 after 10 minutes and
    /// hands it to Ana; 12 is closed without a reply; 13 waits; 14 is in another inbox; 15
    /// started the day before.
    fn history() -> Vec<Record> {
        use Happening::*;
        vec![
            at(
                -60,
                PresenceChanged {
                    agent: 1,
                    presence: Presence::Online,
                },
            ),
            at(
                -24 * 60,
                Opened {
                    conversation: 15,
                    inbox: 1,
                    assignee: None,
                },
            ),
            at(
                0,
                Opened {
                    conversation: 10,
                    inbox: 1,
                    assignee: None,
                },
            ),
            at(0, VisitorWrote { conversation: 10 }),
            at(
                1,
                Assigned {
                    conversation: 10,
                    agent: Some(1),
                },
            ),
            at(
                2,
                AgentWrote {
                    conversation: 10,
                    agent: 1,
                },
            ),
            at(3, VisitorWrote { conversation: 10 }),
            at(30, Closed { conversation: 10 }),
            at(
                31,
                Rated {
                    conversation: 10,
                    score: 5,
                },
            ),
            at(
                60,
                Opened {
                    conversation: 11,
                    inbox: 1,
                    assignee: None,
                },
            ),
            at(
                60,
                PresenceChanged {
                    agent: 2,
                    presence: Presence::Online,
                },
            ),
            at(
                70,
                Assigned {
                    conversation: 11,
                    agent: Some(2),
                },
            ),
            at(
                70,
                AgentWrote {
                    conversation: 11,
                    agent: 2,
                },
            ),
            at(
                80,
                Assigned {
                    conversation: 11,
                    agent: Some(1),
                },
            ),
            at(
                84,
                AgentWrote {
                    conversation: 11,
                    agent: 1,
                },
            ),
            at(100, Closed { conversation: 11 }),
            at(
                101,
                Rated {
                    conversation: 11,
                    score: 2,
                },
            ),
            at(
                120,
                PresenceChanged {
                    agent: 1,
                    presence: Presence::Away,
                },
            ),
            at(
                180,
                PresenceChanged {
                    agent: 1,
                    presence: Presence::Offline,
                },
            ),
            at(
                200,
                Opened {
                    conversation: 12,
                    inbox: 1,
                    assignee: None,
                },
            ),
            at(201, VisitorWrote { conversation: 12 }),
            at(230, Closed { conversation: 12 }),
            at(
                300,
                Opened {
                    conversation: 13,
                    inbox: 1,
                    assignee: None,
                },
            ),
            at(300, VisitorWrote { conversation: 13 }),
            at(
                400,
                Opened {
                    conversation: 14,
                    inbox: 2,
                    assignee: None,
                },
            ),
            at(
                405,
                AgentWrote {
                    conversation: 14,
                    agent: 2,
                },
            ),
            at(
                24 * 60 - 1,
                PresenceChanged {
                    agent: 2,
                    presence: Presence::Offline,
                },
            ),
        ]
    }

    #[test]
    fn logged_events_become_happenings_and_notes_and_system_lines_do_not() {
        use crate::model::{AgentRef, Author, Message};
        use crate::protocol::Event;
        let ana = Author::Agent {
            id: 1,
            name: "Ana".into(),
        };
        let reply = Message::plain(5, ana.clone(), "Hello", 10);
        assert_eq!(
            Happening::of_event(&Event::MessagePosted { message: reply }),
            Some(Happening::AgentWrote {
                conversation: 1,
                agent: 1
            })
        );
        let mut note = Message::plain(6, ana, "Between us", 10);
        note.note = true;
        assert_eq!(
            Happening::of_event(&Event::MessagePosted { message: note }),
            None
        );
        let line = Message::plain(7, Author::System, "", 10);
        assert_eq!(
            Happening::of_event(&Event::MessagePosted { message: line }),
            None
        );
        let asked = Message::plain(8, Author::Visitor, "Hi", 10);
        assert_eq!(
            Happening::of_event(&Event::MessagePosted { message: asked }),
            Some(Happening::VisitorWrote { conversation: 1 })
        );
        assert_eq!(
            Happening::of_event(&Event::ConversationAssigned {
                conversation_id: 10,
                assignee: Some(AgentRef {
                    id: 2,
                    name: "Ben".into()
                }),
            }),
            Some(Happening::Assigned {
                conversation: 10,
                agent: Some(2)
            })
        );
        assert_eq!(
            Happening::of_event(&Event::ConversationClosed {
                conversation_id: 10
            }),
            Some(Happening::Closed { conversation: 10 })
        );
        assert_eq!(
            Happening::of_event(&Event::PresenceChanged {
                agent_id: 2,
                presence: Presence::Away
            }),
            Some(Happening::PresenceChanged {
                agent: 2,
                presence: Presence::Away
            })
        );
    }

    #[test]
    fn a_request_covers_real_days_at_most_a_year() {
        let request = ReportRequest {
            from: "2026-11-30".into(),
            to: "2026-12-06".into(),
            time_zone: "Europe/Madrid".into(),
            ..ReportRequest::default()
        };
        assert_eq!(request.days().ok(), Some((MONDAY_0, 7)));
        let one_day = ReportRequest {
            to: "2026-11-30".into(),
            ..request.clone()
        };
        assert_eq!(one_day.days().ok(), Some((MONDAY_0, 1)));
        let year = ReportRequest {
            from: "2024-01-01".into(),
            to: "2024-12-31".into(),
            ..request.clone()
        };
        assert_eq!(year.days().ok().map(|(_, n)| n), Some(366));
        for wrong in [
            ReportRequest {
                to: "2026-11-29".into(),
                ..request.clone()
            },
            ReportRequest {
                to: "2027-12-01".into(),
                ..request.clone()
            },
            ReportRequest {
                from: "2026-02-30".into(),
                ..request.clone()
            },
            ReportRequest {
                from: "-9999-01-01".into(),
                ..request.clone()
            },
            ReportRequest {
                to: "soon".into(),
                ..request.clone()
            },
            ReportRequest {
                time_zone: "x".repeat(65),
                ..request.clone()
            },
        ] {
            assert!(wrong.days().is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn conversations_are_counted_answered_missed_and_waiting() {
        let report = report(&history(), &scope());
        assert_eq!(report.started, 5, "10 to 14; 15 began the day before");
        assert_eq!(report.answered, 3, "10, 11, 14");
        assert_eq!(
            report.missed, 1,
            "12 closed without a reply; 13 still waits"
        );
        let one_inbox = super::report(
            &history(),
            &Scope {
                inboxes: Some(vec![1]),
                ..scope()
            },
        );
        assert_eq!((one_inbox.started, one_inbox.answered), (4, 2));
    }

    #[test]
    fn times_are_spread_by_nearest_rank() {
        let report = report(&history(), &scope());
        // First responses: 2 (10), 10 (11), 5 (14) minutes.
        assert_eq!(
            report.first_response,
            Spread {
                count: 3,
                p50: Some(5 * MINUTE),
                p90: Some(10 * MINUTE)
            }
        );
        // Waits: 1 (10) and 10 (11) minutes.
        assert_eq!(report.wait.p50, Some(MINUTE));
        assert_eq!(report.wait.p90, Some(10 * MINUTE));
        // Durations: 30 (10), 40 (11), 30 (12) minutes.
        assert_eq!(report.duration.count, 3);
        assert_eq!(report.duration.p50, Some(30 * MINUTE));
        assert_eq!(report.duration.p90, Some(40 * MINUTE));
        assert_eq!(Spread::of(Vec::new()), Spread::default());
    }

    #[test]
    fn messages_ratings_and_busiest_hours() {
        let report = report(&history(), &scope());
        // 3 (10) + 2 (11) + 1 (12) + 1 (13) + 1 (14) over 5.
        assert_eq!(report.messages_per_conversation, Some(8.0 / 5.0));
        assert_eq!(report.ratings.count, 2);
        assert_eq!(report.ratings.average, Some(3.5));
        assert_eq!(report.busiest[0][9], 1, "Monday 09:00: conversation 10");
        assert_eq!(report.busiest[0][10], 1);
        assert_eq!(report.busiest[0][12], 1);
        assert_eq!(report.busiest[0][14], 1);
        assert_eq!(report.busiest[0][15], 1);
        // Madrid (UTC+1): the day starts an hour before UTC midnight.
        let madrid = super::report(
            &history(),
            &Scope {
                day_starts: days(MONDAY_0 - 60 * MINUTE, 1),
                ..scope()
            },
        );
        assert_eq!(madrid.busiest[0][9], 0);
        assert_eq!(
            madrid.busiest[0][10], 1,
            "conversation 10 began at 10:00 in Madrid"
        );
        assert_eq!(madrid.busiest[0][11], 1);
    }

    #[test]
    fn each_day_of_the_period_counts_its_conversations() {
        // Sunday and Monday: conversation 15 (still waiting) on the first; 10 to 14 on the
        // second. Sunday's hours count on Sunday's row of the busiest hours.
        let two_days = Scope {
            day_starts: days(MONDAY_0 - 24 * 60 * MINUTE, 2),
            first_weekday: 6,
            ..scope()
        };
        let report = report(&history(), &two_days);
        assert_eq!(
            report.daily,
            vec![
                DayFigures {
                    started: 1,
                    answered: 0,
                    missed: 0
                },
                DayFigures {
                    started: 5,
                    answered: 3,
                    missed: 1
                }
            ]
        );
        assert_eq!(report.busiest[6][9], 1, "15, Sunday 09:00");
        assert_eq!(report.busiest[0][9], 1, "10, Monday 09:00");
        // A day that is not 24 hours long (a change to summer time) is still one day.
        let short = Scope {
            day_starts: vec![MONDAY_0, MONDAY_9 + 90 * MINUTE],
            ..scope()
        };
        assert_eq!(
            super::report(&history(), &short).daily,
            vec![DayFigures {
                started: 2,
                answered: 2,
                missed: 0
            }]
        );
    }

    #[test]
    fn a_chat_an_agent_started_has_no_wait_and_a_move_ends_a_stretch_only_when_it_changes_hands() {
        use Happening::*;
        let records = vec![
            // Ben starts a chat with a browsing visitor and writes at once.
            at(
                0,
                Opened {
                    conversation: 20,
                    inbox: 1,
                    assignee: Some(2),
                },
            ),
            at(
                0,
                AgentWrote {
                    conversation: 20,
                    agent: 2,
                },
            ),
            // A move within Ben's inboxes keeps him; a move to an inbox of Ana's gives it to
            // her, and then she closes it.
            at(
                10,
                Assigned {
                    conversation: 20,
                    agent: Some(2),
                },
            ),
            at(
                20,
                Assigned {
                    conversation: 20,
                    agent: Some(1),
                },
            ),
            at(
                25,
                AgentWrote {
                    conversation: 20,
                    agent: 1,
                },
            ),
            at(50, Closed { conversation: 20 }),
        ];
        let report = report(&records, &scope());
        assert_eq!((report.started, report.answered), (1, 1));
        assert_eq!(report.first_response.count, 0, "no visitor waited");
        assert_eq!(report.wait.count, 0);
        let ben = report.agents.iter().find(|a| a.agent == 2).expect("Ben");
        assert_eq!(
            ben.average_handling,
            Some(20 * MINUTE),
            "one stretch, 0 to 20"
        );
        let ana = report.agents.iter().find(|a| a.agent == 1).expect("Ana");
        assert_eq!(ana.average_handling, Some(30 * MINUTE));
        // Nobody showed a presence: nobody has a row of it.
        assert!(report.agents.iter().all(|a| a.online == 0 && a.away == 0));
    }

    #[test]
    fn an_agent_always_offline_has_no_row() {
        let records = vec![at(
            -10,
            Happening::PresenceChanged {
                agent: 9,
                presence: Presence::Offline,
            },
        )];
        assert!(report(&records, &scope()).agents.is_empty());
    }

    #[test]
    fn each_agent_has_a_row() {
        let report = report(&history(), &scope());
        let ana = &report.agents[0];
        assert_eq!(ana.agent, 1);
        assert_eq!(ana.handled, 2, "10 and 11");
        assert_eq!(
            ana.first_response.count, 1,
            "only 10's first reply was hers"
        );
        // Her stretches: 10 from minute 1 to 30 (29), 11 from 80 to 100 (20).
        assert_eq!(ana.average_handling, Some((29 + 20) * MINUTE / 2));
        // Online from 08:00 to 11:00 (minute 120), away to 12:00.
        assert_eq!(ana.online, 180 * MINUTE);
        assert_eq!(ana.away, 60 * MINUTE);
        let ben = &report.agents[1];
        assert_eq!((ben.agent, ben.handled), (2, 2), "11 and 14");
        assert_eq!(ben.average_handling, Some(10 * MINUTE), "11 from 70 to 80");
        // Online from 10:00 to the end of the day (he went offline the next morning).
        assert_eq!(ben.online, 14 * 60 * MINUTE);
        // A period from 09:00: Ana, online since before it, counts from its start.
        let from_nine = super::report(
            &history(),
            &Scope {
                day_starts: days(MONDAY_9, 1),
                ..scope()
            },
        );
        assert_eq!(from_nine.agents[0].online, 120 * MINUTE);
        // Asked for at minute 150 of a period that ends tomorrow: Ben has been online 90
        // minutes, not until the end.
        let early = super::report(
            &history(),
            &Scope {
                now: MONDAY_9 + 150 * MINUTE,
                ..scope()
            },
        );
        assert_eq!(early.agents[1].online, 90 * MINUTE);
        assert_eq!(early.agents[0].away, 30 * MINUTE);

        let only_ben = super::report(
            &history(),
            &Scope {
                agent: Some(2),
                ..scope()
            },
        );
        assert_eq!(
            only_ben.started, 2,
            "the conversations he replied in or was given"
        );
        assert_eq!(only_ben.agents.len(), 1);
    }
}
