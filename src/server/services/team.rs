//! Setting up and running the team: the first admin, signing in, inboxes and agents, inbox settings, the demo inbox.

use crate::error::AppError;
use crate::model::{AgentAccount, Inbox, Me, Role};
use crate::rules::{self};
use crate::server::auth;
use crate::server::state::AppState;
use crate::server::store::WriteTx;

/// Name of the inbox `--demo` creates.
pub const DEMO_INBOX_NAME: &str = "Demo website";

/// Creates the first admin; refused once any agent exists.
pub async fn setup_first_admin(
    state: &AppState,
    name: &str,
    email: &str,
    password: &str,
) -> Result<Me, AppError> {
    let name = rules::validate_name(name)?;
    let email = rules::validate_email(email)?;
    rules::validate_password(password)?;
    // Refused before any hashing: a closed setup costs a caller nothing to ask again.
    if state.store.agent_count().await? > 0 {
        return Err(AppError::SetupDone);
    }
    let hash = auth::hash_password(password.to_owned()).await?;
    let mut tx = state.store.write().await?;
    if tx.agent_count().await? > 0 {
        return Err(AppError::SetupDone);
    }
    let id = tx.insert_agent(&name, &email, &hash, Role::Admin).await?;
    tx.commit(&state.hub).await?;
    tracing::info!(%email, "first admin created");
    Ok(Me {
        id,
        name,
        email,
        role: Role::Admin,
    })
}

/// Whether the caller may set this server up: when the server asks for a setup token (it
/// listens beyond loopback), the token printed in its log must come with the form.
pub fn check_setup_token(state: &AppState, given: &str) -> Result<(), AppError> {
    match &state.settings.setup_token {
        Some(expected) if !auth::same_secret(expected, given.trim()) => {
            Err(AppError::SetupTokenNeeded)
        }
        _ => Ok(()),
    }
}

/// The agent with these credentials and the session version their session carries. Unknown
/// emails and wrong passwords look the same; a disabled account says so, to its right
/// password only. An address or account that failed too often lately is refused before any
/// hashing.
pub async fn authenticate(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    email: &str,
    password: &str,
) -> Result<(Me, i64), AppError> {
    let email = email.trim().to_lowercase();
    state.sign_in_guard.check(ip, &email)?;
    let credentials = state.store.credentials(&email).await?;
    let hash = credentials
        .as_ref()
        .map_or(auth::DUMMY_HASH.to_owned(), |c| c.password_hash.clone());
    let matches = auth::verify_password(password.to_owned(), hash).await?;
    match credentials {
        Some(credentials) if matches => {
            state.sign_in_guard.succeeded(&email);
            if credentials.state != crate::model::AccountState::Active {
                return Err(AppError::AccountDisabled);
            }
            Ok((credentials.agent, credentials.session_version))
        }
        _ => {
            state.sign_in_guard.failed(ip, &email);
            Err(AppError::WrongCredentials)
        }
    }
}

/// Creates an inbox with a fresh widget key. Admins only.
pub async fn create_inbox(state: &AppState, actor: &Me, name: &str) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let name = rules::validate_name(name)?;
    let mut tx = state.store.write().await?;
    let inbox = tx
        .insert_inbox(&name, &auth::random_token(12), false)
        .await?;
    tx.audit(
        actor,
        "inbox_created",
        &name,
        &crate::model::AuditDetail::Nothing,
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(inbox)
}

/// Creates an agent account with a role and inboxes. Admins only.
pub async fn create_agent(
    state: &AppState,
    actor: &Me,
    new: NewAgent<'_>,
) -> Result<AgentAccount, AppError> {
    require_admin(actor)?;
    let name = rules::validate_name(new.name)?;
    let email = rules::validate_email(new.email)?;
    rules::validate_password(new.password)?;
    let hash = auth::hash_password(new.password.to_owned()).await?;
    let mut inbox_ids = new.inbox_ids.to_vec();
    inbox_ids.sort_unstable();
    inbox_ids.dedup();
    let mut tx = state.store.write().await?;
    if tx.count_inboxes(&inbox_ids).await? != inbox_ids.len() as i64 {
        return Err(AppError::not_found("inbox"));
    }
    let id = match tx.insert_agent(&name, &email, &hash, new.role).await {
        Ok(id) => id,
        Err(e) if e.is_unique_violation() => return Err(AppError::EmailTaken),
        Err(e) => return Err(e.into()),
    };
    tx.set_agent_inboxes(id, &inbox_ids).await?;
    let detail = crate::model::AuditDetail::Account {
        name: name.clone(),
        email: email.clone(),
        role: new.role,
    };
    tx.audit(actor, "agent_created", &name, &detail).await?;
    tx.commit(&state.hub).await?;
    Ok(AgentAccount {
        id,
        name,
        email,
        role: new.role,
        inbox_ids,
        state: crate::model::AccountState::Active,
    })
}

/// A new agent account's fields, as the admin typed them.
pub struct NewAgent<'a> {
    /// Display name.
    pub name: &'a str,
    /// Sign-in email.
    pub email: &'a str,
    /// Initial password.
    pub password: &'a str,
    /// What they may do.
    pub role: Role,
    /// Inboxes they belong to.
    pub inbox_ids: &'a [i64],
}

/// Makes sure the demo inbox exists and every agent belongs to it; returns it.
pub async fn ensure_demo_inbox(state: &AppState) -> Result<Inbox, AppError> {
    let mut tx = state.store.write().await?;
    let inbox = match state.store.demo_inbox().await? {
        Some(inbox) => inbox,
        None => {
            tx.insert_inbox(DEMO_INBOX_NAME, &auth::random_token(12), true)
                .await?
        }
    };
    for agent_id in tx.agent_ids().await? {
        tx.add_inbox_member(inbox.id, agent_id).await?;
    }
    tx.commit(&state.hub).await?;
    Ok(inbox)
}

/// The ids of the inboxes an agent may see (admins: all).
pub async fn visible_inbox_ids(state: &AppState, agent: &Me) -> Result<Vec<i64>, AppError> {
    Ok(visible_inboxes(state, agent)
        .await?
        .into_iter()
        .map(|inbox| inbox.id)
        .collect())
}

/// The inboxes an agent may see (admins: all).
pub async fn visible_inboxes(state: &AppState, agent: &Me) -> Result<Vec<Inbox>, AppError> {
    Ok(if agent.role == Role::Admin {
        state.store.inboxes().await?
    } else {
        state.store.inboxes_of(agent.id).await?
    })
}

/// Changes an inbox's timer durations (seconds; 0 turns a timer off). Admins only. Timers
/// already running keep their due time; new ones use the new durations.
pub async fn set_inbox_timers(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    assignee_idle_secs: i64,
    visitor_idle_secs: i64,
) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let assignee_idle_secs = rules::validate_timer_secs("assignee_idle", assignee_idle_secs)?;
    let visitor_idle_secs = rules::validate_timer_secs("visitor_idle", visitor_idle_secs)?;
    let mut tx = state.store.write().await?;
    tx.set_inbox_timers(inbox_id, assignee_idle_secs, visitor_idle_secs)
        .await?;
    commit_inbox(state, tx, inbox_id).await
}

/// Changes what an inbox accepts as files and whether agents see a preview of what the visitor
/// types. Admins only.
pub async fn set_inbox_chat_settings(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    max_file_bytes: i64,
    allowed_file_types: &str,
    typing_preview: bool,
) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let policy = crate::files::validate_policy(max_file_bytes, allowed_file_types)?;
    let mut tx = state.store.write().await?;
    tx.set_inbox_chat_settings(inbox_id, &policy, typing_preview)
        .await?;
    commit_inbox(state, tx, inbox_id).await
}

/// Sets the query parameters an inbox keeps in the page addresses it records. Admins only.
pub async fn set_inbox_privacy(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    kept_query_params: &str,
) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let kept = crate::tracking::parse_kept_params(kept_query_params)?;
    let mut tx = state.store.write().await?;
    tx.set_inbox_kept_query_params(inbox_id, &kept).await?;
    commit_inbox(state, tx, inbox_id).await
}

/// Sets the ticket types an inbox offers (comma-separated; empty: none). Admins only.
pub async fn set_inbox_ticket_types(
    state: &AppState,
    actor: &Me,
    inbox_id: i64,
    typed: &str,
) -> Result<Inbox, AppError> {
    require_admin(actor)?;
    let types = rules::ticket_types(typed)?.join(", ");
    let mut tx = state.store.write().await?;
    tx.set_inbox_ticket_types(inbox_id, &types).await?;
    commit_inbox(state, tx, inbox_id).await
}

/// Commits a change of an inbox's settings and returns the inbox as it is now. An unknown
/// inbox is not found, and its transaction (which changed nothing) is dropped.
pub(super) async fn commit_inbox(
    state: &AppState,
    mut tx: WriteTx,
    inbox_id: i64,
) -> Result<Inbox, AppError> {
    let inbox = tx
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    tx.commit(&state.hub).await?;
    Ok(inbox)
}

pub(super) fn require_admin(actor: &Me) -> Result<(), AppError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
