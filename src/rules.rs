//! The rules of the product as plain functions: who may reply or accept, what input is
//! acceptable, what to do with a reconnecting client. No I/O, so unit tests reach them directly
//! and the services call them before touching the store.

use crate::error::AppError;
use crate::model::{AgentRef, ConversationStatus, MAX_MESSAGE_CHARS, Role};

/// Checks a message body: not blank, at most [`MAX_MESSAGE_CHARS`] characters. The text is
/// kept as typed (only trailing whitespace and line ends are trimmed).
pub fn validate_body(body: &str) -> Result<String, AppError> {
    let body = body.trim_end();
    if body.trim().is_empty() {
        return Err(AppError::EmptyMessage);
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::MessageTooLong {
            max: MAX_MESSAGE_CHARS,
        });
    }
    Ok(body.to_owned())
}

/// Checks a client-generated idempotency id: 1–64 visible ASCII characters.
pub fn validate_client_id(client_id: &str) -> Result<(), AppError> {
    let ok = (1..=64).contains(&client_id.len()) && client_id.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "client_id",
            "1 to 64 visible ASCII characters",
        ))
    }
}

/// Whether `agent_id` may post in a conversation: only its assignee, and only while open.
pub fn may_reply(
    agent_id: i64,
    status: ConversationStatus,
    assignee: Option<&AgentRef>,
) -> Result<(), AppError> {
    match (status, assignee) {
        (ConversationStatus::Closed, _) => Err(AppError::ConversationClosed),
        (_, Some(assignee)) if assignee.id == agent_id => Ok(()),
        (_, assignee) => Err(AppError::NotAssignee {
            assignee: assignee.map(|a| a.name.clone()),
        }),
    }
}

/// Whether a conversation can be accepted: only while unassigned. The first accept wins;
/// later ones learn who has it.
pub fn may_accept(status: ConversationStatus, assignee: Option<&AgentRef>) -> Result<(), AppError> {
    match (status, assignee) {
        (ConversationStatus::Closed, _) => Err(AppError::ConversationClosed),
        (ConversationStatus::Unassigned, None) => Ok(()),
        (_, Some(assignee)) => Err(AppError::AlreadyAssigned {
            assignee: assignee.name.clone(),
        }),
        (ConversationStatus::Assigned, None) => Err(AppError::Internal),
    }
}

/// Whether an agent may close a conversation: its assignee, or a supervisor or admin of the
/// inbox (membership is checked separately). Closing twice is refused.
pub fn may_close(
    agent_id: i64,
    role: Role,
    status: ConversationStatus,
    assignee: Option<&AgentRef>,
) -> Result<(), AppError> {
    if status == ConversationStatus::Closed {
        return Err(AppError::ConversationClosed);
    }
    let is_assignee = assignee.is_some_and(|a| a.id == agent_id);
    if is_assignee || matches!(role, Role::Supervisor | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::NotAssignee {
            assignee: assignee.map(|a| a.name.clone()),
        })
    }
}

/// Whether an agent may see an inbox's conversations: admins see all, others their own.
pub fn may_see_inbox(role: Role, is_member: bool) -> bool {
    role == Role::Admin || is_member
}

/// What to send a client that reconnects after the event `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Send every visible event with an id greater than this one.
    From(i64),
    /// The gap is too old or too large: the client must reload a snapshot.
    Resync,
}

/// The replay decision. `oldest_kept` is the smallest id still in the events table (`None`
/// when it is empty), `newest` the largest id ever written, `max_replay` how many ids a replay
/// may span before a snapshot is cheaper.
pub fn replay_decision(
    after: i64,
    oldest_kept: Option<i64>,
    newest: i64,
    max_replay: i64,
) -> Replay {
    if after < 0 || after > newest {
        // A client from another database (or a corrupted store): start over.
        return Replay::Resync;
    }
    let pruned_away = oldest_kept.is_some_and(|oldest| after + 1 < oldest);
    if pruned_away || newest - after > max_replay {
        Replay::Resync
    } else {
        Replay::From(after)
    }
}

/// Checks a display name: 1–80 characters after trimming.
pub fn validate_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "1 to 80 characters"));
    }
    Ok(name.to_owned())
}

/// Checks an email address loosely (something@something.something), lower-cased.
pub fn validate_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(AppError::invalid(
            "email",
            "an address like name@example.com",
        ))
    }
}

/// Checks a new password: at least 8 and at most 256 characters.
pub fn validate_password(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if (8..=256).contains(&n) {
        Ok(())
    } else {
        Err(AppError::invalid("password", "8 to 256 characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ana() -> AgentRef {
        AgentRef {
            id: 1,
            name: "Ana".into(),
        }
    }

    #[test]
    fn only_the_assignee_replies_while_open() {
        let ana = ana();
        assert_eq!(
            may_reply(1, ConversationStatus::Assigned, Some(&ana)),
            Ok(())
        );
        assert_eq!(
            may_reply(2, ConversationStatus::Assigned, Some(&ana)),
            Err(AppError::NotAssignee {
                assignee: Some("Ana".into())
            })
        );
        assert_eq!(
            may_reply(2, ConversationStatus::Unassigned, None),
            Err(AppError::NotAssignee { assignee: None })
        );
        assert_eq!(
            may_reply(1, ConversationStatus::Closed, Some(&ana)),
            Err(AppError::ConversationClosed)
        );
    }

    #[test]
    fn accepting_needs_an_unassigned_conversation() {
        assert_eq!(may_accept(ConversationStatus::Unassigned, None), Ok(()));
        assert_eq!(
            may_accept(ConversationStatus::Assigned, Some(&ana())),
            Err(AppError::AlreadyAssigned {
                assignee: "Ana".into()
            })
        );
        assert_eq!(
            may_accept(ConversationStatus::Closed, None),
            Err(AppError::ConversationClosed)
        );
    }

    #[test]
    fn closing_is_for_the_assignee_or_a_supervisor() {
        let ana = ana();
        assert!(may_close(1, Role::Operator, ConversationStatus::Assigned, Some(&ana)).is_ok());
        assert!(may_close(2, Role::Operator, ConversationStatus::Assigned, Some(&ana)).is_err());
        assert!(
            may_close(
                2,
                Role::Supervisor,
                ConversationStatus::Assigned,
                Some(&ana)
            )
            .is_ok()
        );
        assert!(may_close(2, Role::Admin, ConversationStatus::Unassigned, None).is_ok());
        assert_eq!(
            may_close(1, Role::Admin, ConversationStatus::Closed, None),
            Err(AppError::ConversationClosed)
        );
    }

    #[test]
    fn bodies_are_checked() {
        assert_eq!(validate_body("  \n\t"), Err(AppError::EmptyMessage));
        assert_eq!(validate_body("hi \n"), Ok("hi".into()));
        assert_eq!(validate_body("  indented"), Ok("  indented".into()));
        assert!(validate_body(&"a".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(
            validate_body(&"a".repeat(MAX_MESSAGE_CHARS + 1)),
            Err(AppError::MessageTooLong {
                max: MAX_MESSAGE_CHARS
            })
        );
    }

    #[test]
    fn client_ids_are_short_visible_ascii() {
        assert!(validate_client_id("c-123").is_ok());
        assert!(validate_client_id("").is_err());
        assert!(validate_client_id("has space").is_err());
        assert!(validate_client_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn replay_from_a_recent_id() {
        assert_eq!(replay_decision(10, Some(1), 15, 1000), Replay::From(10));
        assert_eq!(replay_decision(0, None, 0, 1000), Replay::From(0));
        assert_eq!(replay_decision(15, Some(1), 15, 1000), Replay::From(15));
    }

    #[test]
    fn resync_when_the_gap_is_too_old_or_nonsense() {
        // Events 1..=99 were pruned; the client only knows 50.
        assert_eq!(replay_decision(50, Some(100), 200, 1000), Replay::Resync);
        // Exactly at the edge: it applied 99, the oldest kept is 100.
        assert_eq!(replay_decision(99, Some(100), 200, 1000), Replay::From(99));
        assert_eq!(replay_decision(10, Some(1), 5000, 1000), Replay::Resync);
        assert_eq!(replay_decision(20, Some(1), 15, 1000), Replay::Resync);
        assert_eq!(replay_decision(-1, Some(1), 15, 1000), Replay::Resync);
    }

    #[test]
    fn inbox_visibility() {
        assert!(may_see_inbox(Role::Admin, false));
        assert!(may_see_inbox(Role::Operator, true));
        assert!(!may_see_inbox(Role::Supervisor, false));
    }

    #[test]
    fn account_fields_are_checked() {
        assert_eq!(
            validate_email(" Ana@Example.COM "),
            Ok("ana@example.com".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.io",
            "ana@localhost",
            "a na@x.io",
            "ana@x.",
        ] {
            assert!(validate_email(bad).is_err(), "{bad} accepted");
        }
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert_eq!(validate_name("  Ana "), Ok("Ana".into()));
        assert!(validate_name("   ").is_err());
    }
}
