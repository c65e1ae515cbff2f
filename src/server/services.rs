//! The operations of the product. Each checks the caller with the rules, then writes its rows
//! and events in one transaction (see [`crate::server::store::WriteTx`]). Server functions and
//! sockets call these and nothing below them.

use crate::error::AppError;
use crate::model::{
    AgentAccount, AgentRef, Author, ConversationDetail, ConversationStatus, ConversationSummary,
    Inbox, Me, Message, Millis, Presence, Role, SystemLine,
};
use crate::protocol::{Event, Reader};
use crate::rules::{self, AssignTarget, ConversationFacts, LastWord, TimerKind, TimerOutcome};
use crate::server::auth;
use crate::server::connections::ConnectionId;
use crate::server::state::AppState;
use crate::server::store::{
    NewMessage, PresenceState, Timer, Uploader, Visitor, WriteTx, now_millis,
};

/// How many earlier conversations of the same visitor an agent sees with a conversation.
const EARLIER_CONVERSATIONS: usize = 5;

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
        Err(e) if e.is_unique_violation() => return Err(AppError::EmailTaken),
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
    let mut earlier = Vec::new();
    let visitor_conversations = state
        .store
        .conversations_of_visitor(summary.visitor_id)
        .await?;
    // A visitor's conversations may sit in several inboxes once one is moved: only those the
    // agent may see.
    let inbox_ids = visible_inbox_ids(state, agent).await?;
    let before: Vec<_> = visitor_conversations
        .into_iter()
        .filter(|c| c.id < summary.id && inbox_ids.contains(&c.inbox_id))
        .collect();
    for conversation in before.into_iter().rev().take(EARLIER_CONVERSATIONS).rev() {
        let messages = state.store.messages(conversation.id).await?;
        earlier.push(crate::model::EarlierConversation {
            summary: conversation,
            messages,
        });
    }
    Ok(ConversationDetail {
        summary,
        messages,
        earlier,
    })
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

/// Remembers the widget's language for a visitor ("en" or "es"; anything else is ignored).
pub async fn remember_locale(
    state: &AppState,
    visitor: &Visitor,
    locale: &str,
) -> Result<(), AppError> {
    if !matches!(locale, "en" | "es")
        || state.store.visitor_locale(visitor.id).await?.as_deref() == Some(locale)
    {
        return Ok(());
    }
    let mut tx = state.store.write().await?;
    tx.set_visitor_locale(visitor.id, locale).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The visitor behind a token (sockets and widget calls), or `Unauthenticated`.
pub async fn visitor_by_token(state: &AppState, token: &str) -> Result<Visitor, AppError> {
    state
        .store
        .visitor_by_token_hash(&auth::token_hash(token))
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Posts a visitor's message in their open conversation, opening one when there is none; a
/// blocked visitor (or address) is refused. A repeated `client_id` returns the stored message
/// and changes nothing.
pub async fn post_visitor_message(
    state: &AppState,
    visitor: &Visitor,
    ip: Option<std::net::IpAddr>,
    client_id: &str,
    body: &str,
    attachments: &[i64],
) -> Result<Message, AppError> {
    crate::server::blocks::check(state, visitor, ip).await?;
    rules::validate_client_id(client_id)?;
    let body = rules::validate_message(body, attachments.len())?;
    let dedup_key = format!("v{}:{client_id}", visitor.id);
    let mut tx = state.store.write().await?;
    if let Some(existing) = tx.message_by_dedup_key(&dedup_key).await? {
        return Ok(existing);
    }
    let conversation = match tx.open_conversation_of(visitor.id).await? {
        Some(conversation) => conversation,
        None => {
            let id = tx.insert_conversation(visitor, now_millis()).await?;
            let opened = conversation_in(&mut tx, id).await?;
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
    let mut message = tx
        .insert_message(NewMessage {
            conversation_id: conversation.id,
            author: &Author::Visitor,
            body: &body,
            preview: &body,
            note: false,
            system: None,
            client_id: Some(client_id),
            dedup_key: Some(&dedup_key),
        })
        .await?;
    attach(
        &mut tx,
        &mut message,
        &conversation,
        Uploader::Visitor(visitor.id),
        attachments,
    )
    .await?;
    // The visitor spoke: they are not idle, and an assignee now owes them an answer (the wait
    // counts from their first unanswered message, so a timer already running is kept).
    tx.cancel_timer(TimerKind::VisitorIdle, conversation.id)
        .await?;
    if conversation.status == ConversationStatus::Assigned {
        let inbox = inbox_of(&mut tx, &conversation).await?;
        schedule(
            &mut tx,
            TimerKind::AssigneeIdle,
            conversation.id,
            message.created_at,
            inbox.assignee_idle_secs,
            false,
        )
        .await?;
    }
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

/// What an agent sends in a conversation.
pub struct AgentPost<'a> {
    /// The conversation.
    pub conversation_id: i64,
    /// The sender's idempotency id.
    pub client_id: &'a str,
    /// The text (may be empty with files).
    pub body: &'a str,
    /// Files uploaded before, to send with it.
    pub attachments: &'a [i64],
    /// An internal note instead of a reply.
    pub note: bool,
}

/// Posts an agent's reply (only the assignee of an open conversation may) or an internal note
/// (anyone who may see the conversation; never sent to the visitor, and it starts or stops no
/// timer).
pub async fn post_agent_message(
    state: &AppState,
    agent: &Me,
    post: AgentPost<'_>,
) -> Result<Message, AppError> {
    let AgentPost {
        conversation_id,
        client_id,
        body,
        attachments,
        note,
    } = post;
    rules::validate_client_id(client_id)?;
    let body = rules::validate_message(body, attachments.len())?;
    conversation_for_agent(state, agent, conversation_id).await?;
    let dedup_key = format!("a{}:{client_id}", agent.id);
    let mut tx = state.store.write().await?;
    if let Some(existing) = tx.message_by_dedup_key(&dedup_key).await? {
        return Ok(existing);
    }
    let conversation = conversation_in(&mut tx, conversation_id).await?;
    if !note {
        rules::may_reply(
            agent.id,
            conversation.status,
            conversation.assignee.as_ref(),
        )?;
    }
    let author = Author::Agent {
        id: agent.id,
        name: agent.name.clone(),
    };
    let mut message = tx
        .insert_message(NewMessage {
            conversation_id,
            author: &author,
            body: &body,
            preview: &body,
            note,
            system: None,
            client_id: Some(client_id),
            dedup_key: Some(&dedup_key),
        })
        .await?;
    attach(
        &mut tx,
        &mut message,
        &conversation,
        Uploader::Agent(agent.id),
        attachments,
    )
    .await?;
    if note {
        tx.append_event(
            conversation.inbox_id,
            conversation.visitor_id,
            false,
            Event::MessagePosted {
                message: message.clone(),
            },
        )
        .await?;
        tx.commit(&state.hub).await?;
        return Ok(message);
    }
    // The team answered: the assignee is not idle; now the visitor's silence counts.
    tx.cancel_timer(TimerKind::AssigneeIdle, conversation_id)
        .await?;
    let inbox = inbox_of(&mut tx, &conversation).await?;
    schedule(
        &mut tx,
        TimerKind::VisitorIdle,
        conversation_id,
        message.created_at,
        inbox.visitor_idle_secs,
        true,
    )
    .await?;
    // Writing in a conversation means having read it.
    mark_read_in(&mut tx, agent.id, &conversation, message.id).await?;
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

/// Sends uploaded files with a message: every id must be a file the sender uploaded in the
/// conversation's inbox and has not sent yet. A message of files only shows the first name in
/// lists.
async fn attach(
    tx: &mut WriteTx,
    message: &mut Message,
    conversation: &ConversationSummary,
    uploader: Uploader,
    file_ids: &[i64],
) -> Result<(), AppError> {
    if file_ids.is_empty() {
        return Ok(());
    }
    let mut ids = file_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let attached = tx
        .attach_files(message.id, conversation.inbox_id, uploader, &ids)
        .await?;
    if attached.len() != ids.len() {
        return Err(AppError::not_found("file"));
    }
    if message.body.is_empty()
        && !message.note
        && let Some(first) = attached.first()
    {
        tx.set_preview(conversation.id, &format!("📎 {}", first.name))
            .await?;
    }
    message.attachments = attached;
    Ok(())
}

/// The visitor has read the team's messages up to `up_to` (a message of their own
/// conversation): agents see the double tick. Reading again changes nothing.
pub async fn visitor_read(state: &AppState, visitor: &Visitor, up_to: i64) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let message = tx
        .message(up_to)
        .await?
        .ok_or_else(|| AppError::not_found("message"))?;
    let conversation = conversation_in(&mut tx, message.conversation_id).await?;
    if conversation.visitor_id != visitor.id || message.note {
        return Err(AppError::not_found("message"));
    }
    let at = now_millis();
    if tx
        .mark_seen(conversation.id, Reader::Visitor, up_to, at)
        .await?
        > 0
    {
        post_event(
            &mut tx,
            &conversation,
            Event::MessagesSeen {
                conversation_id: conversation.id,
                reader: Reader::Visitor,
                up_to,
                at,
            },
        )
        .await?;
        tx.commit(&state.hub).await?;
    }
    Ok(())
}

/// The assignee has read the visitor's messages up to `up_to`: the visitor sees "Seen".
async fn seen_by_team(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    up_to: i64,
) -> Result<(), AppError> {
    let at = now_millis();
    if up_to > 0
        && tx
            .mark_seen(conversation.id, Reader::Team, up_to, at)
            .await?
            > 0
    {
        post_event(
            tx,
            conversation,
            Event::MessagesSeen {
                conversation_id: conversation.id,
                reader: Reader::Team,
                up_to,
                at,
            },
        )
        .await?;
    }
    Ok(())
}

/// A new assignee has read what they read before taking the conversation.
async fn assignee_has_read(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    agent_id: i64,
) -> Result<(), AppError> {
    let marker = tx.read_marker(agent_id, conversation.id).await?;
    seen_by_team(tx, conversation, marker).await
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
    let conversation = conversation_in(&mut tx, conversation_id).await?;
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
    start_assignee_clock(&mut tx, &conversation).await?;
    assignee_has_read(&mut tx, &conversation, agent.id).await?;
    let updated = conversation_in(&mut tx, conversation_id).await?;
    tx.commit(&state.hub).await?;
    Ok(updated)
}

/// Ends a conversation: its assignee, or a supervisor or admin of its inbox.
pub async fn close(state: &AppState, agent: &Me, conversation_id: i64) -> Result<(), AppError> {
    conversation_for_agent(state, agent, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let conversation = conversation_in(&mut tx, conversation_id).await?;
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
    close_in(&mut tx, &conversation, state.mailer.is_some()).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Gives a conversation to a colleague (`Some`), or clears its assignee (`None`). Any agent who
/// may see the conversation may; the new assignee must be an online member of its inbox.
pub async fn assign(
    state: &AppState,
    actor: &Me,
    conversation_id: i64,
    to: Option<i64>,
) -> Result<ConversationSummary, AppError> {
    conversation_for_agent(state, actor, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let conversation = conversation_in(&mut tx, conversation_id).await?;
    let target = match to {
        Some(agent_id) => {
            let agent = tx
                .agent(agent_id)
                .await?
                .ok_or_else(|| AppError::not_found("agent"))?;
            let presence = tx
                .presence(agent_id)
                .await?
                .map_or(Presence::Offline, |p| p.shown);
            Some(AssignTarget {
                agent: AgentRef {
                    id: agent.id,
                    name: agent.name,
                },
                is_member: tx.is_member(conversation.inbox_id, agent_id).await?,
                presence,
            })
        }
        None => None,
    };
    rules::may_assign(
        conversation.status,
        conversation.assignee.as_ref(),
        target.as_ref(),
    )?;
    let assignee = target.map(|t| t.agent);
    tx.set_assignee(conversation_id, assignee.as_ref().map(|a| a.id))
        .await?;
    post_event(
        &mut tx,
        &conversation,
        Event::ConversationAssigned {
            conversation_id,
            assignee: assignee.clone(),
        },
    )
    .await?;
    let line = match &assignee {
        Some(to) => SystemLine::Assigned {
            by: actor.name.clone(),
            to: to.name.clone(),
        },
        None => SystemLine::Unassigned {
            by: actor.name.clone(),
        },
    };
    system_line(&mut tx, &conversation, line).await?;
    if let Some(assignee) = &assignee {
        start_assignee_clock(&mut tx, &conversation).await?;
        assignee_has_read(&mut tx, &conversation, assignee.id).await?;
    } else {
        tx.cancel_timer(TimerKind::AssigneeIdle, conversation_id)
            .await?;
    }
    let updated = conversation_in(&mut tx, conversation_id).await?;
    tx.commit(&state.hub).await?;
    Ok(updated)
}

/// Records that the agent has read a conversation up to a message (their unread count for it
/// drops on every device).
pub async fn mark_read(
    state: &AppState,
    agent: &Me,
    conversation_id: i64,
    up_to: i64,
) -> Result<(), AppError> {
    let conversation = conversation_for_agent(state, agent, conversation_id).await?;
    let mut tx = state.store.write().await?;
    let newest = tx.newest_message_id(conversation_id).await?;
    if up_to <= 0 || up_to > newest {
        return Err(AppError::invalid(
            "up_to",
            "a message id of the conversation",
        ));
    }
    mark_read_in(&mut tx, agent.id, &conversation, up_to).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Sets what the agent chose in the top bar; colleagues see it at once (they are connected,
/// since they chose it).
pub async fn set_presence(state: &AppState, agent: &Me, chosen: Presence) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let before = tx
        .presence(agent.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let after = PresenceState {
        chosen,
        shown: chosen,
    };
    save_presence(&mut tx, agent.id, before, after).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Turns the agent's notification sounds on or off (remembered for their next sign-in).
pub async fn set_sound(state: &AppState, agent: &Me, on: bool) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    tx.set_sound_on(agent.id, on).await?;
    tx.commit(&state.hub).await?;
    Ok(())
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

/// Commits a change of an inbox's settings and returns the inbox as it is now. An unknown
/// inbox is not found, and its transaction (which changed nothing) is dropped.
async fn commit_inbox(state: &AppState, mut tx: WriteTx, inbox_id: i64) -> Result<Inbox, AppError> {
    let inbox = tx
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    tx.commit(&state.hub).await?;
    Ok(inbox)
}

/// The visitor is typing in their open conversation: its inbox and the frame for its agents
/// (with the draft only when the inbox shows previews). `None` when they have no open
/// conversation (nobody to tell) or are blocked.
pub async fn visitor_typing(
    state: &AppState,
    visitor: &Visitor,
    ip: Option<std::net::IpAddr>,
    draft: Option<String>,
) -> Result<Option<(i64, crate::protocol::ServerFrame)>, AppError> {
    if crate::server::blocks::in_force(state, visitor, ip)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(conversation) = state.store.open_conversation_of(visitor.id).await? else {
        return Ok(None);
    };
    let inbox = state
        .store
        .inbox(conversation.inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    let draft = draft
        .filter(|_| inbox.typing_preview)
        .map(|d| d.chars().take(crate::model::MAX_MESSAGE_CHARS).collect());
    Ok(Some((
        inbox.id,
        crate::protocol::ServerFrame::VisitorTyping {
            conversation_id: conversation.id,
            draft,
        },
    )))
}

/// A workspace connection opened: the agent is present again (as they chose) and their grace
/// period, if one was running, is over.
pub async fn agent_connected(state: &AppState, agent: &Me) -> Result<ConnectionId, AppError> {
    let (connection, first) = state.connections.open(AgentRef {
        id: agent.id,
        name: agent.name.clone(),
    });
    if first {
        let mut tx = state.store.write().await?;
        tx.cancel_timer(TimerKind::AgentOffline, agent.id).await?;
        if let Some(before) = tx.presence(agent.id).await? {
            let after = PresenceState {
                shown: before.chosen,
                ..before
            };
            save_presence(&mut tx, agent.id, before, after).await?;
        }
        tx.commit(&state.hub).await?;
    }
    Ok(connection)
}

/// A workspace connection closed: when it was the agent's last one, the grace period starts.
pub async fn agent_disconnected(
    state: &AppState,
    connection: ConnectionId,
) -> Result<(), AppError> {
    let Some((agent_id, true)) = state.connections.close(connection) else {
        return Ok(());
    };
    let mut tx = state.store.write().await?;
    schedule(
        &mut tx,
        TimerKind::AgentOffline,
        agent_id,
        now_millis(),
        state.settings.offline_after_secs,
        true,
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// At start-up nobody is connected yet: every agent shown present starts the grace period
/// (those who reconnect in time keep their presence).
pub async fn start_presence_grace(state: &AppState) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    if let Some(due) = rules::due_at(now_millis(), state.settings.offline_after_secs) {
        tx.schedule_offline_for_present_agents(due).await?;
    }
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Deletes the events older than the retention (`keep_events_ms` before `now`) in batches,
/// each its own transaction so writers are held up briefly; returns how many went. Clients
/// that missed pruned events are told to reload (`rules::replay_decision`).
pub async fn prune_events(state: &AppState, now: Millis) -> Result<u64, AppError> {
    const BATCH: i64 = 5_000;
    let before = now.saturating_sub(state.settings.keep_events_ms);
    let mut pruned = 0;
    loop {
        let mut tx = state.store.write().await?;
        let done = tx.prune_events(before, BATCH).await?;
        tx.commit(&state.hub).await?;
        pruned += done;
        if done < BATCH as u64 {
            return Ok(pruned);
        }
    }
}

/// Fires one due timer at `now`: re-reads it and the facts it depends on in one transaction,
/// lets the rules decide, and records what happened with a system line saying why.
pub async fn fire_timer(state: &AppState, timer: Timer, now: Millis) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let Some(current) = tx.timer(timer.kind, timer.subject_id).await? else {
        return Ok(());
    };
    if timer.kind == TimerKind::AgentOffline {
        let open = state.connections.open_count(timer.subject_id);
        match rules::presence_timer_outcome(current.due_at, now, open) {
            TimerOutcome::NotYet => return Ok(()),
            TimerOutcome::GoOffline => {
                if let Some(before) = tx.presence(timer.subject_id).await? {
                    let after = PresenceState {
                        shown: Presence::Offline,
                        ..before
                    };
                    save_presence(&mut tx, timer.subject_id, before, after).await?;
                }
            }
            _ => {}
        }
        tx.cancel_timer(timer.kind, timer.subject_id).await?;
        tx.commit(&state.hub).await?;
        return Ok(());
    }
    let Some(conversation) = tx.conversation(timer.subject_id).await? else {
        tx.cancel_timer(timer.kind, timer.subject_id).await?;
        tx.commit(&state.hub).await?;
        return Ok(());
    };
    let facts = ConversationFacts {
        status: conversation.status,
        last_word: tx.last_word(conversation.id).await?,
    };
    let outcome = rules::conversation_timer_outcome(timer.kind, current.due_at, now, facts);
    if outcome == TimerOutcome::NotYet {
        return Ok(());
    }
    tx.cancel_timer(timer.kind, timer.subject_id).await?;
    let inbox = inbox_of(&mut tx, &conversation).await?;
    match outcome {
        TimerOutcome::Unassign => {
            tx.set_assignee(conversation.id, None).await?;
            post_event(
                &mut tx,
                &conversation,
                Event::ConversationAssigned {
                    conversation_id: conversation.id,
                    assignee: None,
                },
            )
            .await?;
            let line = SystemLine::AutoUnassigned {
                agent: conversation
                    .assignee
                    .as_ref()
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                after_secs: inbox.assignee_idle_secs,
            };
            system_line(&mut tx, &conversation, line).await?;
        }
        TimerOutcome::Close => {
            let line = SystemLine::AutoClosed {
                after_secs: inbox.visitor_idle_secs,
            };
            system_line(&mut tx, &conversation, line).await?;
            close_in(&mut tx, &conversation, state.mailer.is_some()).await?;
        }
        _ => {}
    }
    tx.commit(&state.hub).await?;
    Ok(())
}

async fn save_presence(
    tx: &mut WriteTx,
    agent_id: i64,
    before: PresenceState,
    after: PresenceState,
) -> Result<(), AppError> {
    if before == after {
        return Ok(());
    }
    tx.set_presence(agent_id, after).await?;
    if before.shown != after.shown {
        tx.append_team_event(Event::PresenceChanged {
            agent_id,
            presence: after.shown,
        })
        .await?;
    }
    Ok(())
}

async fn mark_read_in(
    tx: &mut WriteTx,
    agent_id: i64,
    conversation: &ConversationSummary,
    up_to: i64,
) -> Result<(), AppError> {
    if conversation
        .assignee
        .as_ref()
        .is_some_and(|a| a.id == agent_id)
    {
        seen_by_team(tx, conversation, up_to).await?;
    }
    if tx.mark_read(agent_id, conversation.id, up_to).await? {
        tx.append_event(
            conversation.inbox_id,
            conversation.visitor_id,
            false,
            Event::ConversationRead {
                conversation_id: conversation.id,
                agent_id,
                up_to,
            },
        )
        .await?;
    }
    Ok(())
}

/// A new assignee owes a waiting visitor an answer: their clock starts now.
async fn start_assignee_clock(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
) -> Result<(), AppError> {
    if tx.last_word(conversation.id).await? == LastWord::Visitor {
        let inbox = inbox_of(tx, conversation).await?;
        schedule(
            tx,
            TimerKind::AssigneeIdle,
            conversation.id,
            now_millis(),
            inbox.assignee_idle_secs,
            true,
        )
        .await?;
    }
    Ok(())
}

/// Closes a conversation inside a transaction; with `mail` (an SMTP server is configured) the
/// visitor's transcript is queued when they gave an email.
async fn close_in(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    mail: bool,
) -> Result<(), AppError> {
    tx.close_conversation(conversation.id, now_millis()).await?;
    if mail {
        crate::server::transcripts::queue_in(tx, conversation, None).await?;
    }
    tx.cancel_timer(TimerKind::AssigneeIdle, conversation.id)
        .await?;
    tx.cancel_timer(TimerKind::VisitorIdle, conversation.id)
        .await?;
    post_event(
        tx,
        conversation,
        Event::ConversationClosed {
            conversation_id: conversation.id,
        },
    )
    .await
}

async fn schedule(
    tx: &mut WriteTx,
    kind: TimerKind,
    subject_id: i64,
    from: Millis,
    secs: i64,
    replace: bool,
) -> Result<(), AppError> {
    match rules::due_at(from, secs) {
        Some(due_at) => {
            tx.schedule_timer(
                Timer {
                    kind,
                    subject_id,
                    due_at,
                },
                replace,
            )
            .await?;
        }
        None => tx.cancel_timer(kind, subject_id).await?,
    }
    Ok(())
}

/// A conversation read inside the transaction (it may have changed since it was checked).
async fn conversation_in(tx: &mut WriteTx, id: i64) -> Result<ConversationSummary, AppError> {
    tx.conversation(id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation"))
}

async fn inbox_of(tx: &mut WriteTx, conversation: &ConversationSummary) -> Result<Inbox, AppError> {
    tx.inbox(conversation.inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))
}

pub(super) async fn system_line(
    tx: &mut WriteTx,
    conversation: &ConversationSummary,
    line: SystemLine,
) -> Result<(), AppError> {
    let message = tx
        .insert_message(NewMessage {
            conversation_id: conversation.id,
            author: &Author::System,
            body: "",
            preview: "",
            note: false,
            system: Some(&line),
            client_id: None,
            dedup_key: None,
        })
        .await?;
    tx.append_event(
        conversation.inbox_id,
        conversation.visitor_id,
        line.for_visitor(),
        Event::MessagePosted { message },
    )
    .await?;
    Ok(())
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
