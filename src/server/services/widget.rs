//! What an inbox's widget asks before a chat: its settings (admins write them), a visitor's
//! answers to the pre-chat form (name, email, the inbox's own questions, the department),
//! whether it takes chats now (business hours, someone online), and the offline form.

use std::collections::BTreeMap;

use crate::error::AppError;
use crate::model::{Inbox, Me};
use crate::protocol::Event;
use crate::server::state::AppState;
use crate::server::store::{FormSubmission, Visitor, now_millis};
use crate::widget_settings::{self, AnswerProblem, WidgetSettings};

use super::team::{commit_inbox, require_admin};

/// Replaces what an inbox's widget asks and shows (`json`: a [`WidgetSettings`] document).
/// Admins only; a document that does not read, or whose parts are wrong, changes nothing.
pub async fn set_widget_settings(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    json: &str,
) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let given: WidgetSettings = serde_json::from_str(json)
        .map_err(|_| AppError::invalid("settings", "a settings document"))?;
    let known: Vec<i64> = state.store.inboxes().await?.iter().map(|i| i.id).collect();
    let (hours, away) = widget_settings::validate_hours(
        &given.hours,
        &given.away,
        crate::server::business_hours::known_zone,
    )?;
    let settings = WidgetSettings {
        form: widget_settings::validate_form(&given.form)?,
        departments: widget_settings::validate_departments(&given.departments, &known)?,
        hours,
        away,
        look: widget_settings::validate_look(&given.look)?,
        rating: given.rating,
    };
    let mut tx = state.store.write().await?;
    tx.set_widget_settings(inbox_id, &settings).await?;
    commit_inbox(state, tx, inbox_id).await
}

/// The departments an inbox's widget offers now: those it lists that exist and take chats,
/// as (id, name).
pub async fn departments_offered(
    state: &AppState,
    inbox: &Inbox,
) -> Result<Vec<(i64, String)>, AppError> {
    let all = state.store.inboxes().await?;
    Ok(inbox
        .widget
        .departments
        .iter()
        .filter_map(|id| all.iter().find(|i| i.id == *id && !i.disabled))
        .map(|i| (i.id, i.name.clone()))
        .collect())
}

/// Whether the inbox's widget takes live chats now: within its business hours, and a member of
/// it or of a department it offers Online, unless chats may wait for the team. (A chat then
/// starts only where someone is, see `messages::starting_inbox`.)
pub async fn takes_chats(state: &AppState, inbox: &Inbox) -> Result<bool, AppError> {
    let within = crate::server::business_hours::open_at(&inbox.widget.hours, now_millis());
    if !within {
        return Ok(false);
    }
    if inbox.widget.away.chat_when_nobody_online {
        return Ok(true);
    }
    let offered = departments_offered(state, inbox).await?;
    for id in std::iter::once(inbox.id).chain(offered.iter().map(|(id, _)| *id)) {
        if state.store.someone_online(id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The inbox behind a widget key and the visitor behind the token posted with a form, checked
/// against each other and against blocks.
pub(super) async fn widget_visitor(
    state: &AppState,
    key: &str,
    input: &BTreeMap<String, String>,
    ip: Option<std::net::IpAddr>,
) -> Result<(Inbox, Visitor), AppError> {
    let inbox = super::widget_inbox(state, key).await?;
    let token = input
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthenticated)?;
    let visitor = super::visitor_by_token(state, token).await?;
    if visitor.inbox_id != inbox.id {
        return Err(AppError::Unauthenticated);
    }
    super::blocking::check(state, &visitor, ip).await?;
    Ok((inbox, visitor))
}

/// A visitor's message from the offline form, while the inbox takes no chats and within the
/// visitor's and their address's hourly allowance: it becomes a ticket of the inbox (the
/// requester is emailed its number, the inbox's agents are told at once), and the name and
/// email given fill in the visitor's profile where it has none. Wrong answers come back by
/// field, and nothing is kept.
pub async fn leave_message(
    state: &AppState,
    key: &str,
    input: &BTreeMap<String, String>,
    locale: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<Result<i64, BTreeMap<String, AnswerProblem>>, AppError> {
    let (inbox, visitor) = widget_visitor(state, key, input, ip).await?;
    // Only while the chat is closed: the form is not a way to mail anyone at any time.
    if takes_chats(state, &inbox).await? {
        return Err(AppError::invalid(
            "offline",
            "the chat is open: write to us there",
        ));
    }
    state
        .visitor_limits
        .may_leave_offline_message(visitor.id, ip)?;
    let message = match widget_settings::check_offline_message(input) {
        Ok(message) => message,
        Err(problems) => return Ok(Err(problems)),
    };
    let id = super::tickets::open_from_offline_message(state, &inbox, &visitor, &message, locale)
        .await?;
    state.visitor_limits.left_offline_message(visitor.id, ip);
    Ok(Ok(id))
}

/// A visitor's pre-chat form, posted from the widget with their token, once. The answers are
/// kept on the visitor (a name and an email given update their profile, and agents see the
/// change live; an email typed by a visitor never links them to a contact, since nobody
/// checked it is theirs) and the department chosen is where their next conversation starts.
/// Wrong answers come back by field, and nothing is kept.
pub async fn submit_form(
    state: &AppState,
    key: &str,
    input: &BTreeMap<String, String>,
    locale: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<Result<(), BTreeMap<String, AnswerProblem>>, AppError> {
    let (inbox, visitor) = widget_visitor(state, key, input, ip).await?;
    // Answered once: posting again changes nothing (what the team wrote since stays).
    if state.store.form_answered(visitor.id).await? {
        return Ok(Ok(()));
    }
    let offered: Vec<i64> = departments_offered(state, &inbox)
        .await?
        .iter()
        .map(|(id, _)| *id)
        .collect();
    let checked = match widget_settings::check_answers(&inbox.widget.form, &offered, input, locale)
    {
        Ok(checked) => checked,
        Err(problems) => return Ok(Err(problems)),
    };
    let mut tx = state.store.write().await?;
    tx.save_form_answers(
        visitor.id,
        &FormSubmission {
            name: checked.name.as_deref(),
            email: checked.email.as_deref(),
            department: checked.department,
            answers: &checked.answers,
        },
        now_millis(),
    )
    .await?;
    let name = checked.name.as_deref().or(visitor.name.as_deref());
    tx.append_event(
        visitor.inbox_id,
        visitor.id,
        false,
        Event::VisitorUpdated {
            visitor_id: visitor.id,
            label: crate::model::visitor_label(visitor.id, name),
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(Ok(()))
}
