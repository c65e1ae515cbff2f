//! Automatic assignment: an inbox may give each waiting conversation to one of its online
//! members instead of waiting for someone to accept it: in turn (round robin) or to whoever
//! has the fewest open conversations (least busy), never beyond each agent's capacity. The
//! rule is here; when it runs is the server's.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How an inbox picks the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignMode {
    /// Each online member in turn, by id, after the one who got the last.
    RoundRobin,
    /// The online member with the fewest open conversations (in turn among equals).
    LeastBusy,
}

impl AssignMode {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignMode::RoundRobin => "round_robin",
            AssignMode::LeastBusy => "least_busy",
        }
    }

    /// The mode a stored or typed word names.
    pub fn parse(word: &str) -> Option<AssignMode> {
        match word {
            "round_robin" => Some(AssignMode::RoundRobin),
            "least_busy" => Some(AssignMode::LeastBusy),
            _ => None,
        }
    }
}

/// An inbox's automatic assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoAssign {
    /// How it picks; `None`: off (the default), conversations wait for someone to accept.
    pub mode: Option<AssignMode>,
    /// The most open conversations an agent is given automatically (they may still accept
    /// more themselves).
    pub capacity: i64,
}

impl Default for AutoAssign {
    fn default() -> Self {
        AutoAssign {
            mode: None,
            capacity: DEFAULT_CAPACITY,
        }
    }
}

/// Open conversations per agent unless the inbox says otherwise.
pub const DEFAULT_CAPACITY: i64 = 3;
/// The most an inbox may set.
pub const MAX_CAPACITY: i64 = 50;

/// A capacity an admin typed: 1 to 50.
pub fn valid_capacity(capacity: i64) -> Result<i64, AppError> {
    if (1..=MAX_CAPACITY).contains(&capacity) {
        Ok(capacity)
    } else {
        Err(AppError::invalid("capacity", "1 to 50"))
    }
}

/// An online member of the inbox and how many open conversations they have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The agent.
    pub agent_id: i64,
    /// Their open (assigned, not closed) conversations, in every inbox.
    pub open: i64,
}

/// Who gets the next waiting conversation, or nobody when every candidate is at capacity.
/// `last` is who got the previous one in this inbox (the turn goes on after them).
pub fn pick(
    mode: AssignMode,
    candidates: &[Candidate],
    capacity: i64,
    last: Option<i64>,
) -> Option<i64> {
    let mut free: Vec<Candidate> = candidates
        .iter()
        .copied()
        .filter(|c| c.open < capacity)
        .collect();
    // In turn: by id, starting after the last one served.
    free.sort_by_key(|c| (last.is_some_and(|last| c.agent_id <= last), c.agent_id));
    match mode {
        AssignMode::RoundRobin => free.first().map(|c| c.agent_id),
        AssignMode::LeastBusy => free
            .iter()
            .enumerate()
            .min_by_key(|(turn, c)| (c.open, *turn))
            .map(|(_, c)| c.agent_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(open: &[(i64, i64)]) -> Vec<Candidate> {
        open.iter()
            .map(|&(agent_id, open)| Candidate { agent_id, open })
            .collect()
    }

    #[test]
    fn round_robin_goes_in_turn_and_skips_whoever_is_full() {
        let three = team(&[(3, 0), (1, 0), (2, 0)]);
        assert_eq!(pick(AssignMode::RoundRobin, &three, 3, None), Some(1));
        assert_eq!(pick(AssignMode::RoundRobin, &three, 3, Some(1)), Some(2));
        assert_eq!(pick(AssignMode::RoundRobin, &three, 3, Some(2)), Some(3));
        assert_eq!(
            pick(AssignMode::RoundRobin, &three, 3, Some(3)),
            Some(1),
            "wraps"
        );
        // The last one left the inbox: the turn goes on from where they were.
        assert_eq!(pick(AssignMode::RoundRobin, &three, 3, Some(9)), Some(1));
        let two_full = team(&[(1, 3), (2, 1), (3, 3)]);
        assert_eq!(pick(AssignMode::RoundRobin, &two_full, 3, Some(2)), Some(2));
        assert_eq!(
            pick(AssignMode::RoundRobin, &team(&[(1, 3)]), 3, None),
            None
        );
        assert_eq!(pick(AssignMode::RoundRobin, &[], 3, None), None);
    }

    #[test]
    fn least_busy_takes_the_fewest_open_and_in_turn_among_equals() {
        let team_now = team(&[(1, 2), (2, 0), (3, 1)]);
        assert_eq!(pick(AssignMode::LeastBusy, &team_now, 3, None), Some(2));
        let equal = team(&[(1, 1), (2, 1), (3, 1)]);
        assert_eq!(pick(AssignMode::LeastBusy, &equal, 3, Some(1)), Some(2));
        assert_eq!(pick(AssignMode::LeastBusy, &equal, 3, Some(3)), Some(1));
        assert_eq!(
            pick(AssignMode::LeastBusy, &equal, 1, None),
            None,
            "all full"
        );
    }

    #[test]
    fn modes_and_capacities_are_checked() {
        assert_eq!(
            AssignMode::parse("round_robin"),
            Some(AssignMode::RoundRobin)
        );
        assert_eq!(AssignMode::parse("least_busy"), Some(AssignMode::LeastBusy));
        assert_eq!(AssignMode::parse("random"), None);
        assert!(valid_capacity(1).is_ok() && valid_capacity(50).is_ok());
        assert!(valid_capacity(0).is_err() && valid_capacity(51).is_err());
        assert_eq!(
            AutoAssign::default().mode,
            None,
            "off unless an admin turns it on"
        );
    }
}
