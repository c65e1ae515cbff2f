//! The operations of the product. Each checks the caller with the rules, then writes its rows
//! and events in one transaction (see [`crate::server::store::WriteTx`]). Server functions and
//! sockets call these and nothing below them.

use crate::error::AppError;
use crate::model::{
    AgentAccount, AgentRef, Author, ConversationDetail, ConversationSummary, Inbox, Me, Message,
    Role, SystemLine,
};
use crate::protocol::Event;
use crate::rules;
use crate::server::auth;
use crate::server::state::AppState;
use crate::server::store::{NewMessage, Visitor, WriteTx, now_millis};

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

/// The agent with these credentials. Unknown emails and wrong passwords look the same.
pub async fn authenticate(state: &AppState, email: &str, password: &str) -> Result<Me, AppError> {
    let email = email.trim().to_lowercase();
    let credentials = state.store.credentials(&email).await?;
    let hash = credentials
        .as_ref()
        .map_or(auth::DUMMY_HASH.to_owned(), |c| c.password_hash.clone());
    let matches = auth::verify_password(password.to_owned(), hash).await?;
    match credentials {
        Some(credentials) if matches => Ok(credentials.agent),
        _ => Err(AppError::WrongCredentials),
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
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::EmailTaken);
        }
        Err(e) => return Err(e.into()),
    };
    tx.set_agent_inboxes(id, &inbox_ids).await?;
    tx.commit(&state.hub).await?;
    Ok(AgentAccount {
        id,
        name,
        email,
        role: new.role,
        inbox_ids,
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

/// A conversation the agent may see (else `NotFound`, so ids of other inboxes leak nothing).
pub async fn conversation_for_agent(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
) -> Result<ConversationSummary, AppError> {
    let conversation = state
        .store
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    let inbox_ids = visible_inbox_ids(state, agent).await?;
    if rules::may_see_inbox(agent.role, inbox_ids.contains(&conversation.inbox_id)) {
        Ok(conversation)
    } else {
        Err(AppError::not_found("conversation"))
    }
}

/// A conversation with its timeline, for an agent who may see it.
pub async fn conversation_detail(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
) -> Result<ConversationDetail, AppError> {
    let summary = conversation_for_agent(state, agent, conversation_id).await?;
    let messages = state.store.messages(conversation_id).await?;
    Ok(ConversationDetail { summary, messages })
}

/// The visitor behind a widget token of this inbox, or a new visitor (and their new token)
/// when the token is missing or unknown.
pub async fn visitor_for_widget(
    state: &AppState,
    key: &str,
    token: Option<&str>,
) -> Result<(Inbox, Visitor, Option<String>), AppError> {
    let inbox = state
        .store
        .inbox_by_key(key)
        .await?
        .ok_or(AppError::UnknownInbox)?;
    let known = match token {
        Some(token) => {
            state
                .store
                .visitor_by_token_hash(&auth::token_hash(token))
                .await?
        }
        None => None,
    };
    if let Some(visitor) = known.filter(|v| v.inbox_id == inbox.id) {
        return Ok((inbox, visitor, None));
    }
    let token = auth::random_token(32);
    let mut tx = state.store.write().await?;
    let visitor = tx
        .insert_visitor(inbox.id, &auth::token_hash(&token))
        .await?;
    tx.commit(&state.hub).await?;
    Ok((inbox, visitor, Some(token)))
}

/// The visitor behind a token (sockets and widget calls), or `Unauthenticated`.
pub async fn visitor_by_token(state: &AppState, token: &str) -> Result<Visitor, AppError> {
    state
        .store
        .visitor_by_token_hash(&auth::token_hash(token))
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Posts a visitor's message in their open conversation, opening one when there is none.
/// A repeated `client_id` returns the stored message and changes nothing.
pub async fn post_visitor_message(
    state: &AppState,
    visitor: &Visitor,
    client_id: &str,
    body: &str,
) -> Result<Message, AppError> {
    rules::validate_client_id(client_id)?;
    let body = rules::validate_body(body)?;
    let dedup_key = format!("v{}:{client_id}", visitor.id);
    let mut tx = state.store.write().await?;
    if let Some(existing) = tx.message_by_dedup_key(&dedup_key).await? {
        return Ok(existing);
    }
    let conversation = match tx.open_conversation_of(visitor.id).await? {
        Some(conversation) => conversation,
        None => {
            let id = tx.insert_conversation(visitor, now_millis()).await?;
            let opened = tx
                .conversation(id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation"))?;
            tx.append_event(
                visitor.inbox_id,
                visitor.id,
                true,
                Event::ConversationOpened {
                    conversation: opened.clone(),
                },
            )
            .await?;
            opened
        }
    };
    let message = tx
        .insert_message(NewMessage {
            conversation_id: conversation.id,
            author: &Author::Visitor,
            body: &body,
            system: None,
            client_id: Some(client_id),
            dedup_key: Some(&dedup_key),
        })
        .await?;
    post_event(
        &mut tx,
        &conversation,
        Event::MessagePosted {
            message: message.clone(),
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(message)
}

/// Posts an agent's reply. Only the assignee of an open conversation may.
pub async fn post_agent_message(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
    client_id: &str,
    body: &str,
) -> Result<Message, AppError> {
    rules::validate_client_id(client_id)?;
    let body = rules::validate_body(body)?;
    conversation_for_agent(state, agent, conversation_id).await?;
    let dedup_key = format!("a{}:{client_id}", agent.id);
    let mut tx = state.store.write().await?;
    if let Some(existing) = tx.message_by_dedup_key(&dedup_key).await? {
        return Ok(existing);
    }
    let conversation = tx
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    rules::may_reply(
        agent.id,
        conversation.status,
        conversation.assignee.as_ref(),
    )?;
    let author = Author::Agent {
        id: agent.id,
        name: agent.name.clone(),
    };
    let message = tx
        .insert_message(NewMessage {
            conversation_id,
            author: &author,
            body: &body,
            system: None,
            client_id: Some(client_id),
            dedup_key: Some(&dedup_key),
        })
        .await?;
    post_event(
        &mut tx,
        &conversation,
        Event::MessagePosted {
            message: message.clone(),
        },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(message)
}

/// Takes an unassigned conversation. Of concurrent accepts exactly one wins; the others are
/// told who has it.
pub async fn accept(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
) -> Result<ConversationSummary, AppError> {
    conversation_for_agent(state, agent, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let conversation = tx
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    rules::may_accept(conversation.status, conversation.assignee.as_ref())?;
    tx.set_assignee(conversation_id, Some(agent.id)).await?;
    let assignee = AgentRef {
        id: agent.id,
        name: agent.name.clone(),
    };
    post_event(
        &mut tx,
        &conversation,
        Event::ConversationAssigned {
            conversation_id,
            assignee: Some(assignee),
        },
    )
    .await?;
    system_line(
        &mut tx,
        &conversation,
        SystemLine::Accepted {
            agent: agent.name.clone(),
        },
    )
    .await?;
    let updated = tx
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    tx.commit(&state.hub).await?;
    Ok(updated)
}

/// Ends a conversation: its assignee, or a supervisor or admin of its inbox.
pub async fn close(state: &AppState, agent: &Me, conversation_id: i64) -> Result<(), AppError> {
    conversation_for_agent(state, agent, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let conversation = tx
        .conversation(conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))?;
    rules::may_close(
        agent.id,
        agent.role,
        conversation.status,
        conversation.assignee.as_ref(),
    )?;
    system_line(
        &mut tx,
        &conversation,
        SystemLine::ClosedByAgent {
            agent: agent.name.clone(),
        },
    )
    .await?;
    tx.close_conversation(conversation_id, now_millis()).await?;
    post_event(
        &mut tx,
        &conversation,
        Event::ConversationClosed { conversation_id },
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

async fn system_line(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    line: SystemLine,
) -> Result<(), AppError> {
    let message = tx
        .insert_message(NewMessage {
            conversation_id: conversation.id,
            author: &Author::System,
            body: "",
            system: Some(&line),
            client_id: None,
            dedup_key: None,
        })
        .await?;
    post_event(tx, conversation, Event::MessagePosted { message }).await
}

async fn post_event(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    event: Event,
) -> Result<(), AppError> {
    tx.append_event(conversation.inbox_id, conversation.visitor_id, true, event)
        .await?;
    Ok(())
}

fn require_admin(actor: &Me) -> Result<(), AppError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
