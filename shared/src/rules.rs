//! The rules of the product as plain functions: who may reply or accept, what input is
//! acceptable, what to do with a reconnecting client. No I/O, so unit tests reach them directly
//! and the services call them before touching the store.

use crate::error::AppError;
use crate::model::{AgentRef, ConversationStatus, MAX_MESSAGE_CHARS, Millis, Presence, Role};

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

/// Checks a message's text given how many files come with it: files may go without text,
/// text alone must not be blank.
pub fn validate_message(body: &str, files: usize) -> Result<String, AppError> {
    if files > MAX_FILES_PER_MESSAGE {
        return Err(AppError::invalid(
            "attachments",
            "at most 10 files per message",
        ));
    }
    if files > 0 && body.trim().is_empty() {
        return Ok(String::new());
    }
    validate_body(body)
}

/// The most files one message may carry.
pub const MAX_FILES_PER_MESSAGE: usize = 10;

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

/// Whether an agent may take a new conversation (accept one, start one): only while their
/// chosen status is Online. An Away agent goes on answering the conversations they have.
pub fn may_take_new(chosen: Presence) -> Result<(), AppError> {
    match chosen {
        Presence::Online => Ok(()),
        Presence::Away | Presence::Offline => Err(AppError::NotOnline),
    }
}

/// An agent's chosen "turn off online mode" time, in seconds: whole minutes from 1 up to the
/// most the server allows.
pub fn offline_after_secs(minutes: i64, max_minutes: i64) -> Result<i64, AppError> {
    if (1..=max_minutes).contains(&minutes) {
        Ok(minutes * 60)
    } else {
        Err(AppError::invalid(
            "offline_after",
            &format!("from 1 to {max_minutes} minutes"),
        ))
    }
}

/// An inbox's ticket types as the admin typed them, cleaned: comma-separated names of 1 to 40
/// characters, at most 12, each once (empty: none offered).
pub fn ticket_types(typed: &str) -> Result<Vec<String>, AppError> {
    let mut types: Vec<String> = Vec::new();
    for name in typed.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name.chars().count() > 40 {
            return Err(AppError::invalid(
                "ticket_types",
                "at most 40 characters each",
            ));
        }
        if !types.iter().any(|t| t.eq_ignore_ascii_case(name)) {
            types.push(name.to_owned());
        }
    }
    if types.len() > 12 {
        return Err(AppError::invalid("ticket_types", "at most 12 types"));
    }
    Ok(types)
}

/// A new ticket's type: one of its inbox's types (their spelling), or none; a type the inbox
/// does not list is refused.
pub fn ticket_kind(chosen: Option<&str>, types: &[String]) -> Result<Option<String>, AppError> {
    match chosen.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(chosen) => types
            .iter()
            .find(|t| t.eq_ignore_ascii_case(chosen))
            .cloned()
            .map(Some)
            .ok_or_else(|| AppError::invalid("kind", "one of the inbox's ticket types")),
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

/// A colleague a conversation would be given to, as the assign rule needs to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignTarget {
    /// The colleague.
    pub agent: AgentRef,
    /// Whether they belong to the conversation's inbox.
    pub is_member: bool,
    /// What colleagues see of them now.
    pub presence: Presence,
}

/// Whether a conversation may be given to `target`, or its assignee cleared (`None`). Any
/// agent of the inbox may assign; the new assignee must be an online member of the inbox.
pub fn may_assign(
    status: ConversationStatus,
    current: Option<&AgentRef>,
    target: Option<&AssignTarget>,
) -> Result<(), AppError> {
    if status == ConversationStatus::Closed {
        return Err(AppError::ConversationClosed);
    }
    match target {
        None if current.is_none() => Err(AppError::NotAssigned),
        None => Ok(()),
        Some(target) if !target.is_member => Err(AppError::not_found("agent")),
        Some(target) if current.is_some_and(|c| c.id == target.agent.id) => {
            Err(AppError::AlreadyAssigned {
                assignee: target.agent.name.clone(),
            })
        }
        Some(target) if target.presence != Presence::Online => Err(AppError::AgentNotOnline {
            agent: target.agent.name.clone(),
        }),
        Some(_) => Ok(()),
    }
}

/// The workspace counter (and the tab title's number): an operator counts their conversations
/// with unread messages, a supervisor every unassigned conversation, an admin (who does both)
/// the sum.
pub fn workspace_count(role: Role, unread_mine: usize, unassigned: usize) -> usize {
    match role {
        Role::Operator => unread_mine,
        Role::Supervisor => unassigned,
        Role::Admin => unread_mine + unassigned,
    }
}

/// The browser tab's title: the workspace counter in front when something needs attention,
/// so it shows in a background tab ("(3) Switchboard").
pub fn tab_title(count: usize, name: &str) -> String {
    if count == 0 {
        name.to_owned()
    } else {
        format!("({count}) {name}")
    }
}

/// What the timer engine runs. One row per kind and subject in the `timers` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    /// The assignee left a waiting visitor unanswered (subject: a conversation).
    AssigneeIdle,
    /// The visitor stopped answering the team (subject: a conversation).
    VisitorIdle,
    /// An agent has had no workspace open for the grace period (subject: an agent).
    AgentOffline,
}

impl TimerKind {
    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::AssigneeIdle => "assignee_idle",
            TimerKind::VisitorIdle => "visitor_idle",
            TimerKind::AgentOffline => "agent_offline",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(value: &str) -> Option<TimerKind> {
        [
            TimerKind::AssigneeIdle,
            TimerKind::VisitorIdle,
            TimerKind::AgentOffline,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == value)
    }
}

/// Who spoke last in a conversation, system lines aside: it says who is waiting for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastWord {
    /// Nobody has written yet.
    Nobody,
    /// The visitor: they wait for the team.
    Visitor,
    /// An agent: the team waits for the visitor.
    Team,
}

/// What a conversation looks like when one of its timers falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationFacts {
    /// Where it is in its life.
    pub status: ConversationStatus,
    /// Who spoke last.
    pub last_word: LastWord,
}

/// What a due timer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerOutcome {
    /// Not due yet: keep it.
    NotYet,
    /// Take the conversation from its assignee (back to unassigned).
    Unassign,
    /// Close the conversation.
    Close,
    /// Show the agent as offline.
    GoOffline,
    /// The situation changed since it was scheduled: drop the timer, do nothing.
    Nothing,
}

/// When a timer started at `from` falls due, or `None` when its duration is 0 (off).
pub fn due_at(from: Millis, secs: i64) -> Option<Millis> {
    (secs > 0).then(|| from.saturating_add(secs.saturating_mul(1000)))
}

/// Decides what a conversation timer does at `now`. Facts are read when it fires, so a
/// conversation answered or closed meanwhile is left alone.
pub fn conversation_timer_outcome(
    kind: TimerKind,
    due_at: Millis,
    now: Millis,
    facts: ConversationFacts,
) -> TimerOutcome {
    if now < due_at {
        return TimerOutcome::NotYet;
    }
    match kind {
        TimerKind::AssigneeIdle
            if facts.status == ConversationStatus::Assigned
                && facts.last_word == LastWord::Visitor =>
        {
            TimerOutcome::Unassign
        }
        TimerKind::VisitorIdle
            if facts.status != ConversationStatus::Closed && facts.last_word == LastWord::Team =>
        {
            TimerOutcome::Close
        }
        _ => TimerOutcome::Nothing,
    }
}

/// Decides what an agent's offline timer does at `now`, given how many workspace connections
/// they have open: any open connection keeps them as they are.
pub fn presence_timer_outcome(
    due_at: Millis,
    now: Millis,
    open_connections: usize,
) -> TimerOutcome {
    if now < due_at {
        TimerOutcome::NotYet
    } else if open_connections == 0 {
        TimerOutcome::GoOffline
    } else {
        TimerOutcome::Nothing
    }
}

/// Checks a timer duration in seconds: 0 (off) or 3 seconds to 7 days.
pub fn validate_timer_secs(field: &str, secs: i64) -> Result<i64, AppError> {
    if secs == 0 || (3..=7 * 24 * 3600).contains(&secs) {
        Ok(secs)
    } else {
        Err(AppError::invalid(field, "0 (off) or 3 seconds to 7 days"))
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
    if pruned_past(after, oldest_kept) || newest - after > max_replay {
        Replay::Resync
    } else {
        Replay::From(after)
    }
}

/// Whether events right after `after` are gone from the log (`oldest_kept` is the smallest id
/// still kept): a client that applied up to `after` can no longer be brought up to date by a
/// replay.
pub fn pruned_past(after: i64, oldest_kept: Option<i64>) -> bool {
    oldest_kept.is_some_and(|oldest| after + 1 < oldest)
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

/// An agent's edit of a visitor's details, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitorEdit {
    /// Full name (`None`: anonymous).
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Notes and bio.
    pub notes: String,
}

/// Longest visitor notes accepted, in characters.
pub const MAX_NOTES_CHARS: usize = 5_000;

/// Checks an edit of a visitor's details: empty fields clear them; a name is at most 80
/// characters, an email must look like one, a phone is digits with `+ - . ( )` and spaces.
pub fn validate_visitor_edit(
    name: &str,
    email: &str,
    phone: &str,
    notes: &str,
) -> Result<VisitorEdit, AppError> {
    let name = match name.trim() {
        "" => None,
        given => Some(validate_name(given)?),
    };
    let email = match email.trim() {
        "" => None,
        given => Some(validate_email(given)?),
    };
    let phone = match phone.trim() {
        "" => None,
        given => Some(validate_phone(given)?),
    };
    let notes = notes.trim();
    if notes.chars().count() > MAX_NOTES_CHARS {
        return Err(AppError::invalid("notes", "at most 5,000 characters"));
    }
    Ok(VisitorEdit {
        name,
        email,
        phone,
        notes: notes.to_owned(),
    })
}

/// The scores a chat logs rating filter keeps, lowest and highest: `good` 4–5, `okay` 3,
/// `bad` 1–2, `rated` any; anything else keeps every conversation.
pub fn rating_scores(filter: &str) -> Option<(i64, i64)> {
    match filter {
        "good" => Some((4, 5)),
        "okay" => Some((3, 3)),
        "bad" => Some((1, 2)),
        "rated" => Some((1, 5)),
        _ => None,
    }
}

/// Checks a phone number: 3 to 20 digits with spaces and `+ - . ( )`, at most 32 characters.
pub fn validate_phone(phone: &str) -> Result<String, AppError> {
    let given = phone.trim();
    let digits = given.chars().filter(char::is_ascii_digit).count();
    let allowed = given
        .chars()
        .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
    if !allowed || !(3..=20).contains(&digits) || given.chars().count() > 32 {
        return Err(AppError::invalid("phone", "digits, spaces and + - . ( )"));
    }
    Ok(given.to_owned())
}

/// Checks a required text field: trimmed, not empty, at most `max_chars` characters.
pub fn validate_text(field: &str, text: &str, max_chars: usize) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    if text.chars().count() > max_chars {
        return Err(AppError::invalid(
            field,
            &format!("at most {max_chars} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// The most labels a conversation carries.
pub const MAX_LABELS: usize = 20;

/// Checks a conversation's labels: each 1–40 characters without commas, duplicates (case
/// aside) dropped, at most [`MAX_LABELS`], in the order given.
pub fn validate_labels(labels: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for label in labels {
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        if label.is_empty() {
            continue;
        }
        if label.chars().count() > 40 || label.contains(',') {
            return Err(AppError::invalid(
                "labels",
                "each 1 to 40 characters, no commas",
            ));
        }
        if !out.iter().any(|l| l.to_lowercase() == label.to_lowercase()) {
            out.push(label);
        }
    }
    if out.len() > MAX_LABELS {
        return Err(AppError::invalid("labels", "at most 20"));
    }
    Ok(out)
}

/// Checks a webhook address: https with a host (plain http only to a trusted host); empty
/// means none.
pub fn validate_webhook_url(url: &str, trusted: &[String]) -> Result<Option<String>, AppError> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let invalid = || AppError::invalid("webhook_url", "an https:// address");
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let https = scheme.eq_ignore_ascii_case("https");
    if !(https || scheme.eq_ignore_ascii_case("http"))
        || authority.is_empty()
        || authority.contains('@')
        || url.chars().any(char::is_whitespace)
        || url.len() > 2_000
    {
        return Err(invalid());
    }
    if !https && !is_trusted_host(authority, trusted) {
        return Err(invalid());
    }
    Ok(Some(url.to_owned()))
}

/// Whether the host of `authority` (`host[:port]`, `[v6]:port`) is one the admin trusts with
/// plain http and private addresses (`--webhook-trusted-hosts`).
pub fn is_trusted_host(authority: &str, trusted: &[String]) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
    };
    trusted.iter().any(|t| t.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::invalid_field;

    #[test]
    fn visitor_edits_are_checked_and_empty_fields_clear() {
        let edit = validate_visitor_edit(
            " Ana Pérez ",
            "Ana@Example.com",
            "+34 600 11 22 33",
            " VIP ",
        )
        .expect("valid");
        assert_eq!(edit.name.as_deref(), Some("Ana Pérez"));
        assert_eq!(edit.email.as_deref(), Some("ana@example.com"));
        assert_eq!(edit.phone.as_deref(), Some("+34 600 11 22 33"));
        assert_eq!(edit.notes, "VIP");
        assert_eq!(
            validate_visitor_edit("", "", "", "").expect("valid"),
            VisitorEdit::default()
        );
        let field =
            |email, phone, notes| invalid_field(validate_visitor_edit("", email, phone, notes));
        assert_eq!(field("not-an-email", "", ""), "email");
        assert_eq!(field("", "call me", ""), "phone");
        assert_eq!(field("", "12", ""), "phone");
        assert_eq!(field("", "", &"n".repeat(5_001)), "notes");
    }

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
    fn the_offline_time_is_whole_minutes_within_the_servers_limit() {
        assert_eq!(offline_after_secs(1, 120), Ok(60));
        assert_eq!(offline_after_secs(120, 120), Ok(7_200));
        assert_eq!(invalid_field(offline_after_secs(0, 120)), "offline_after");
        assert_eq!(invalid_field(offline_after_secs(121, 120)), "offline_after");
    }

    #[test]
    fn ticket_types_are_a_short_clean_list_and_a_ticket_takes_one_of_them() {
        let types = ticket_types(" Question, Request ,, question, Complaint ").expect("types");
        assert_eq!(types, ["Question", "Request", "Complaint"]);
        assert_eq!(ticket_types("").expect("none"), Vec::<String>::new());
        assert_eq!(invalid_field(ticket_types(&"x".repeat(41))), "ticket_types");
        let many = (0..13)
            .map(|n| format!("t{n}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(invalid_field(ticket_types(&many)), "ticket_types");
        assert_eq!(
            ticket_kind(Some("request"), &types),
            Ok(Some("Request".into()))
        );
        assert_eq!(ticket_kind(Some(" "), &types), Ok(None));
        assert_eq!(ticket_kind(None, &types), Ok(None));
        assert_eq!(invalid_field(ticket_kind(Some("Praise"), &types)), "kind");
    }

    #[test]
    fn only_online_agents_take_new_conversations() {
        assert_eq!(may_take_new(Presence::Online), Ok(()));
        assert_eq!(may_take_new(Presence::Away), Err(AppError::NotOnline));
        assert_eq!(may_take_new(Presence::Offline), Err(AppError::NotOnline));
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
        assert_eq!(
            may_close(2, Role::Operator, ConversationStatus::Assigned, Some(&ana)),
            Err(AppError::NotAssignee {
                assignee: Some("Ana".into())
            })
        );
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
    fn files_may_go_without_text_up_to_ten() {
        assert_eq!(validate_message("  ", 1), Ok(String::new()));
        assert_eq!(validate_message(" hi ", 2), Ok(" hi".into()));
        assert_eq!(validate_message("  ", 0), Err(AppError::EmptyMessage));
        assert!(validate_message("", MAX_FILES_PER_MESSAGE).is_ok());
        assert!(matches!(
            validate_message("hi", MAX_FILES_PER_MESSAGE + 1),
            Err(AppError::Invalid { .. })
        ));
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
    fn pruned_past_means_a_missed_event_is_gone() {
        assert!(!pruned_past(5, None), "an empty log lost nothing");
        assert!(
            !pruned_past(99, Some(100)),
            "applied up to just before the oldest kept"
        );
        assert!(!pruned_past(150, Some(100)));
        assert!(pruned_past(98, Some(100)), "event 99 is gone");
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

    fn target(id: i64, is_member: bool, presence: Presence) -> AssignTarget {
        AssignTarget {
            agent: AgentRef {
                id,
                name: format!("agent {id}"),
            },
            is_member,
            presence,
        }
    }

    #[test]
    fn assigning_needs_an_online_member_and_an_open_conversation() {
        let ana = ana();
        let ben = target(2, true, Presence::Online);
        assert_eq!(
            may_assign(ConversationStatus::Unassigned, None, Some(&ben)),
            Ok(())
        );
        assert_eq!(
            may_assign(ConversationStatus::Assigned, Some(&ana), Some(&ben)),
            Ok(())
        );
        assert_eq!(
            may_assign(ConversationStatus::Assigned, Some(&ana), None),
            Ok(())
        );
        assert_eq!(
            may_assign(ConversationStatus::Unassigned, None, None),
            Err(AppError::NotAssigned)
        );
        assert_eq!(
            may_assign(
                ConversationStatus::Assigned,
                Some(&ana),
                Some(&target(2, true, Presence::Away))
            ),
            Err(AppError::AgentNotOnline {
                agent: "agent 2".into()
            })
        );
        assert_eq!(
            may_assign(
                ConversationStatus::Unassigned,
                None,
                Some(&target(2, true, Presence::Offline))
            ),
            Err(AppError::AgentNotOnline {
                agent: "agent 2".into()
            })
        );
        assert_eq!(
            may_assign(
                ConversationStatus::Unassigned,
                None,
                Some(&target(2, false, Presence::Online))
            ),
            Err(AppError::not_found("agent"))
        );
        assert_eq!(
            may_assign(
                ConversationStatus::Assigned,
                Some(&ana),
                Some(&target(1, true, Presence::Online))
            ),
            Err(AppError::AlreadyAssigned {
                assignee: "agent 1".into()
            })
        );
        assert_eq!(
            may_assign(ConversationStatus::Closed, Some(&ana), Some(&ben)),
            Err(AppError::ConversationClosed)
        );
    }

    #[test]
    fn the_workspace_counter_depends_on_the_role() {
        assert_eq!(workspace_count(Role::Operator, 2, 5), 2);
        assert_eq!(workspace_count(Role::Supervisor, 2, 5), 5);
        assert_eq!(workspace_count(Role::Admin, 2, 5), 7);
        assert_eq!(workspace_count(Role::Operator, 0, 5), 0);
    }

    #[test]
    fn the_tab_title_carries_the_count() {
        assert_eq!(tab_title(0, "Switchboard"), "Switchboard");
        assert_eq!(tab_title(3, "Switchboard"), "(3) Switchboard");
    }

    #[test]
    fn timers_fall_due_after_their_duration_and_zero_turns_them_off() {
        assert_eq!(due_at(1_000, 15 * 60), Some(1_000 + 900_000));
        assert_eq!(due_at(1_000, 0), None);
        assert_eq!(validate_timer_secs("assignee_idle", 0), Ok(0));
        assert_eq!(validate_timer_secs("assignee_idle", 900), Ok(900));
        assert!(validate_timer_secs("assignee_idle", 2).is_err());
        assert!(validate_timer_secs("assignee_idle", -5).is_err());
        assert!(validate_timer_secs("assignee_idle", 8 * 24 * 3600).is_err());
        for kind in [
            TimerKind::AssigneeIdle,
            TimerKind::VisitorIdle,
            TimerKind::AgentOffline,
        ] {
            assert_eq!(TimerKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn an_idle_assignee_loses_a_waiting_visitor_only_when_due() {
        let waiting = ConversationFacts {
            status: ConversationStatus::Assigned,
            last_word: LastWord::Visitor,
        };
        // The clock is a plain number: one millisecond before, at, and after the due time.
        let due = 900_000;
        assert_eq!(
            conversation_timer_outcome(TimerKind::AssigneeIdle, due, due - 1, waiting),
            TimerOutcome::NotYet
        );
        assert_eq!(
            conversation_timer_outcome(TimerKind::AssigneeIdle, due, due, waiting),
            TimerOutcome::Unassign
        );
        let answered = ConversationFacts {
            last_word: LastWord::Team,
            ..waiting
        };
        assert_eq!(
            conversation_timer_outcome(TimerKind::AssigneeIdle, due, due + 1, answered),
            TimerOutcome::Nothing
        );
        let unassigned = ConversationFacts {
            status: ConversationStatus::Unassigned,
            ..waiting
        };
        assert_eq!(
            conversation_timer_outcome(TimerKind::AssigneeIdle, due, due + 1, unassigned),
            TimerOutcome::Nothing
        );
    }

    #[test]
    fn a_silent_visitor_is_closed_only_when_the_team_spoke_last() {
        let due = 60_000;
        let answered = ConversationFacts {
            status: ConversationStatus::Assigned,
            last_word: LastWord::Team,
        };
        assert_eq!(
            conversation_timer_outcome(TimerKind::VisitorIdle, due, due - 1, answered),
            TimerOutcome::NotYet
        );
        assert_eq!(
            conversation_timer_outcome(TimerKind::VisitorIdle, due, due, answered),
            TimerOutcome::Close
        );
        let waiting = ConversationFacts {
            last_word: LastWord::Visitor,
            ..answered
        };
        assert_eq!(
            conversation_timer_outcome(TimerKind::VisitorIdle, due, due, waiting),
            TimerOutcome::Nothing
        );
        let closed = ConversationFacts {
            status: ConversationStatus::Closed,
            ..answered
        };
        assert_eq!(
            conversation_timer_outcome(TimerKind::VisitorIdle, due, due, closed),
            TimerOutcome::Nothing
        );
    }

    #[test]
    fn an_agent_goes_offline_only_without_connections_after_the_grace_period() {
        assert_eq!(presence_timer_outcome(100, 99, 0), TimerOutcome::NotYet);
        assert_eq!(presence_timer_outcome(100, 100, 0), TimerOutcome::GoOffline);
        assert_eq!(presence_timer_outcome(100, 500, 1), TimerOutcome::Nothing);
    }

    #[test]
    fn text_fields_are_trimmed_required_and_bounded() {
        assert_eq!(
            validate_text("subject", "  Refund ", 10).expect("ok"),
            "Refund"
        );
        assert!(validate_text("subject", "   ", 10).is_err());
        assert!(matches!(
            validate_text("subject", "12345678901", 10),
            Err(AppError::Invalid { field, .. }) if field == "subject"
        ));
    }

    #[test]
    fn labels_are_cleaned_and_deduplicated() {
        let given = vec![
            " VIP ".to_owned(),
            "vip".into(),
            "late  delivery".into(),
            String::new(),
        ];
        assert_eq!(
            validate_labels(&given).expect("ok"),
            vec!["VIP", "late delivery"]
        );
        assert!(validate_labels(&["a,b".to_owned()]).is_err());
        assert!(validate_labels(&["x".repeat(41)]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("l{i}")).collect();
        assert!(validate_labels(&many).is_err());
    }

    #[test]
    fn webhook_urls_are_https_unless_their_host_is_trusted() {
        let none: &[String] = &[];
        assert_eq!(validate_webhook_url(" ", none).expect("none"), None);
        assert_eq!(
            validate_webhook_url("https://desk.example/hooks?x=1", none).expect("ok"),
            Some("https://desk.example/hooks?x=1".into())
        );
        assert!(validate_webhook_url("http://127.0.0.1:9000/in", none).is_err());
        let trusted = ["127.0.0.1".to_owned(), "::1".to_owned()];
        assert!(validate_webhook_url("http://127.0.0.1:9000/in", &trusted).is_ok());
        assert!(validate_webhook_url("http://[::1]:9000/in", &trusted).is_ok());
        assert!(validate_webhook_url("http://127.0.0.2/in", &trusted).is_err());
        for bad in [
            "ftp://x.example",
            "https://",
            "javascript:alert(1)",
            "https://u@x.example",
            "http://a b",
        ] {
            assert!(validate_webhook_url(bad, &trusted).is_err(), "{bad}");
        }
    }
}
