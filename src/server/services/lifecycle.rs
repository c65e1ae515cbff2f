//! Accounts and inboxes change over time: admins edit agents, reset their passwords, disable and
//! delete them; agents change their own password; inboxes are renamed, switched off and
//! deleted. Each change is audited, and whatever ends an agent's sessions also closes their
//! open sockets at once.

use crate::error::AppError;
use crate::model::{
    AccountState, AgentAccount, AuditDetail, AuditEntry, Inbox, InboxContents, Me, Role, SystemLine,
};
use crate::protocol::Event;
use crate::rules::{self, TimerKind};
use crate::server::auth;
use crate::server::connections::Sessions;
use crate::server::state::AppState;
use crate::server::store::WriteTx;

use super::conversations::{conversation_in, system_line};
use super::messages::post_event;
use super::team::require_admin;

/// How many audit entries the admin page shows.
const AUDIT_PAGE: i64 = 200;

/// An account's fields as an admin edits them.
pub struct AgentChanges<'a> {
    /// Display name.
    pub name: &'a str,
    /// Sign-in email.
    pub email: &'a str,
    /// What they may do.
    pub role: Role,
    /// Inboxes they belong to.
    pub inbox_ids: &'a [i64],
}

/// Whether a change keeps an active admin on the team: it removes one when it takes an active
/// admin away (demoted, disabled, deleted) and they are the last.
pub fn keeps_an_admin(active_admins: i64, removes_an_admin: bool) -> Result<(), AppError> {
    if removes_an_admin && active_admins <= 1 {
        Err(AppError::LastAdmin)
    } else {
        Ok(())
    }
}

/// Changes an account's name, email, role and inboxes. Admins only. Their open workspaces
/// reload, so a new role or inbox list applies at once (an admin editing themselves sees it
/// at their next reload).
pub async fn update_agent(
    state: &AppState,
    actor: &Me,
    agent_id: i64,
    changes: AgentChanges<'_>,
) -> Result<AgentAccount, AppError> {
    require_admin(actor)?;
    let name = rules::validate_name(changes.name)?;
    let email = rules::validate_email(changes.email)?;
    let mut inbox_ids = changes.inbox_ids.to_vec();
    inbox_ids.sort_unstable();
    inbox_ids.dedup();
    let mut tx = state.store.write().await?;
    let (before, account_state) = account(&mut tx, agent_id).await?;
    let demoted = before.role == Role::Admin && changes.role != Role::Admin;
    keeps_an_admin(
        tx.active_admin_count().await?,
        demoted && account_state == AccountState::Active,
    )?;
    if tx.count_inboxes(&inbox_ids).await? != inbox_ids.len() as i64 {
        return Err(AppError::not_found("inbox"));
    }
    match tx.update_agent(agent_id, &name, &email, changes.role).await {
        Err(e) if e.is_unique_violation() => return Err(AppError::EmailTaken),
        other => other?,
    }
    tx.set_agent_inboxes(agent_id, &inbox_ids).await?;
    let detail = AuditDetail::Account {
        name: name.clone(),
        email: email.clone(),
        role: changes.role,
    };
    tx.audit(actor, "agent_updated", &before.name, &detail)
        .await?;
    tx.commit(&state.hub).await?;
    if agent_id != actor.id {
        state.connections.rescope(agent_id);
    }
    Ok(AgentAccount {
        id: agent_id,
        name,
        email,
        role: changes.role,
        inbox_ids,
        state: account_state,
    })
}

/// Gives an account a new password and ends every session it has, and its API tokens (what
/// an admin does when an account may be in other hands). Admins only.
pub async fn reset_password(
    state: &AppState,
    actor: &Me,
    agent_id: i64,
    password: &str,
) -> Result<(), AppError> {
    require_admin(actor)?;
    rules::validate_password(password)?;
    let hash = auth::hash_password(password.to_owned()).await?;
    let mut tx = state.store.write().await?;
    let (agent, _) = account(&mut tx, agent_id).await?;
    tx.set_password_hash(agent_id, &hash).await?;
    tx.delete_api_tokens_of(agent_id).await?;
    tx.audit(actor, "password_reset", &agent.name, &AuditDetail::Nothing)
        .await?;
    tx.commit(&state.hub).await?;
    state.connections.end(agent_id, Sessions::All);
    Ok(())
}

/// The signed-in agent's new password, given their current one. Every other session of theirs
/// (and its sockets) ends; returns the session version `session` goes on with.
pub async fn change_own_password(
    state: &AppState,
    me: &Me,
    session: Option<&str>,
    current: &str,
    new: &str,
) -> Result<i64, AppError> {
    rules::validate_password(new)?;
    let hash = state
        .store
        .password_hash(me.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !auth::verify_password(current.to_owned(), hash).await? {
        return Err(AppError::invalid("current_password", "wrong"));
    }
    let new_hash = auth::hash_password(new.to_owned()).await?;
    let mut tx = state.store.write().await?;
    let version = tx.set_password_hash(me.id, &new_hash).await?;
    tx.audit(me, "password_changed", &me.name, &AuditDetail::Nothing)
        .await?;
    tx.commit(&state.hub).await?;
    let others = session.map_or(Sessions::All, Sessions::AllBut);
    state.connections.end(me.id, others);
    Ok(version)
}

/// Disables an account (it keeps its history, cannot sign in, shows offline, its open
/// conversations go back to the queue and its API tokens are revoked) or enables it again.
/// Admins only; never oneself.
pub async fn set_agent_enabled(
    state: &AppState,
    actor: &Me,
    agent_id: i64,
    enabled: bool,
) -> Result<(), AppError> {
    require_admin(actor)?;
    if agent_id == actor.id {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.store.write().await?;
    let (agent, before) = account(&mut tx, agent_id).await?;
    let after = if enabled {
        AccountState::Active
    } else {
        AccountState::Disabled
    };
    if before == after {
        // Once the change that may wait in the open batch is committed.
        tx.commit(&state.hub).await?;
        return Ok(());
    }
    if !enabled {
        keeps_an_admin(tx.active_admin_count().await?, agent.role == Role::Admin)?;
        release_conversations(&mut tx, actor, agent_id).await?;
        tx.unassign_tickets_of(agent_id).await?;
        tx.delete_api_tokens_of(agent_id).await?;
        went_offline(&mut tx, agent_id).await?;
    }
    tx.set_account_state(agent_id, after).await?;
    let action = if enabled {
        "agent_enabled"
    } else {
        "agent_disabled"
    };
    tx.audit(actor, action, &agent.name, &AuditDetail::Nothing)
        .await?;
    tx.commit(&state.hub).await?;
    state.connections.end(agent_id, Sessions::All);
    Ok(())
}

/// Deletes an account: a former agent, whose messages keep the name they were written with.
/// Its open conversations go back to the queue. Admins only; never oneself.
pub async fn delete_agent(state: &AppState, actor: &Me, agent_id: i64) -> Result<(), AppError> {
    require_admin(actor)?;
    if agent_id == actor.id {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.store.write().await?;
    let (agent, account_state) = account(&mut tx, agent_id).await?;
    keeps_an_admin(
        tx.active_admin_count().await?,
        agent.role == Role::Admin && account_state == AccountState::Active,
    )?;
    release_conversations(&mut tx, actor, agent_id).await?;
    tx.unassign_tickets_of(agent_id).await?;
    went_offline(&mut tx, agent_id).await?;
    tx.forget_agent(agent_id).await?;
    let detail = AuditDetail::Email {
        email: agent.email.clone(),
    };
    tx.audit(actor, "agent_deleted", &agent.name, &detail)
        .await?;
    tx.commit(&state.hub).await?;
    state.connections.end(agent_id, Sessions::All);
    Ok(())
}

/// Renames an inbox and switches it on or off (off: its widget says the chat is unavailable).
/// Admins only.
pub async fn update_inbox(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    name: &str,
    disabled: bool,
) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let name = rules::validate_name(name)?;
    let mut tx = state.store.write().await?;
    let before = tx
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    tx.update_inbox(inbox_id, &name, disabled).await?;
    if before.name != name {
        let detail = AuditDetail::Renamed { to: name.clone() };
        tx.audit(actor, "inbox_renamed", &before.name, &detail)
            .await?;
    }
    if before.disabled != disabled {
        let action = if disabled {
            "inbox_disabled"
        } else {
            "inbox_enabled"
        };
        tx.audit(actor, action, &name, &AuditDetail::Nothing)
            .await?;
    }
    let inbox = tx
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    tx.commit(&state.hub).await?;
    Ok(inbox)
}

/// What deleting an inbox would take with it. Admins only.
pub async fn inbox_contents(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
) -> Result<InboxContents, AppError> {
    require_admin(actor)?;
    state
        .store
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    Ok(state.store.inbox_contents(inbox_id).await?)
}

/// Deletes an inbox and everything in it, once the admin has typed its name. Admins only.
/// Its members' open workspaces reload without it.
pub async fn delete_inbox(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    confirmation: &str,
) -> Result<(), AppError> {
    require_admin(actor)?;
    let contents = state.store.inbox_contents(inbox_id).await?;
    let mut tx = state.store.write().await?;
    let inbox = tx
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    if confirmation.trim() != inbox.name {
        return Err(AppError::invalid("confirmation", "type the inbox's name"));
    }
    let members = tx.inbox_member_ids(inbox_id).await?;
    tx.delete_inbox(inbox_id).await?;
    let detail = AuditDetail::Contents(contents);
    tx.audit(actor, "inbox_deleted", &inbox.name, &detail)
        .await?;
    tx.commit(&state.hub).await?;
    for agent_id in members.into_iter().filter(|id| *id != actor.id) {
        state.connections.rescope(agent_id);
    }
    Ok(())
}

/// The latest changes to accounts and inboxes, newest first. Admins only.
pub async fn audit_log(state: &AppState, actor: &Me) -> Result<Vec<AuditEntry>, AppError> {
    require_admin(actor)?;
    Ok(state.store.audit_log(AUDIT_PAGE).await?)
}

/// Any account that is not a former agent, with its state.
async fn account(tx: &mut WriteTx, agent_id: i64) -> Result<(Me, AccountState), AppError> {
    tx.account(agent_id)
        .await?
        .ok_or_else(|| AppError::not_found("agent"))
}

/// Gives the agent's open conversations back to the queue, each with a line saying who did.
async fn release_conversations(
    tx: &mut WriteTx,
    actor: &Me,
    agent_id: i64,
) -> Result<(), AppError> {
    for conversation_id in tx.open_conversations_of_assignee(agent_id).await? {
        let conversation = conversation_in(tx, conversation_id).await?;
        tx.set_assignee(conversation_id, None).await?;
        tx.cancel_timer(TimerKind::AssigneeIdle, conversation_id)
            .await?;
        post_event(
            tx,
            &conversation,
            Event::ConversationAssigned {
                conversation_id,
                assignee: None,
            },
        )
        .await?;
        system_line(
            tx,
            &conversation,
            SystemLine::Unassigned {
                by: actor.name.clone(),
            },
        )
        .await?;
    }
    Ok(())
}

/// Shows the agent offline to colleagues now (the account is going away).
async fn went_offline(tx: &mut WriteTx, agent_id: i64) -> Result<(), AppError> {
    tx.cancel_timer(TimerKind::AgentOffline, agent_id).await?;
    if let Some(before) = tx.presence(agent_id).await? {
        let offline = crate::model::Presence::Offline;
        let after = crate::server::store::PresenceState {
            chosen: offline,
            shown: offline,
        };
        super::presence::save_presence(tx, agent_id, before, after).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_active_admin_stays() {
        assert_eq!(keeps_an_admin(1, true), Err(AppError::LastAdmin));
        assert_eq!(keeps_an_admin(2, true), Ok(()));
        assert_eq!(keeps_an_admin(1, false), Ok(()));
    }
}
