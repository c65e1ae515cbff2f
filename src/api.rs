//! Server functions: the commands and queries of the pages. Each one finds out who asks (the
//! agent's session, or the visitor's own token), calls one service, and returns. Messages are
//! sent over the sockets instead (see [`crate::protocol`]).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{
    AgentAccount, AuditEntry, Contact, ContactDetail, ConversationDetail, ConversationSummary,
    HistoryFilter, HistoryRow, Inbox, InboxContents, SearchResults, Template, Ticket,
    TicketComment, TicketDetail, VisitorBlock, VisitorProfile,
};
pub use crate::snapshot::{
    AdminOverview, BlockNotice, HistoryOptions, PresenceSettings, SignInState, TemplateBook,
    Webhook, WidgetSnapshot, WorkspaceSnapshot,
};

#[cfg(feature = "ssr")]
use crate::server::services::{
    self, blocking, chat_details, contacts, history, lifecycle, templates, tickets, transcripts,
    visitors,
};
#[cfg(feature = "ssr")]
use crate::server::{auth, state::AppState};

#[cfg(feature = "ssr")]
fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| {
            tracing::error!("session layer missing: {e}");
            AppError::Internal
        })
}

#[cfg(feature = "ssr")]
async fn agent() -> Result<(AppState, crate::model::Me), AppError> {
    let state = state()?;
    let me = auth::current_agent(&state, &session().await?).await?;
    Ok((state, me))
}

/// Who is here: decides between the setup page, the sign-in page and the workspace.
#[server(endpoint = "who_is_here")]
pub async fn who_is_here() -> Result<SignInState, AppError> {
    let state = state()?;
    if state.store.agent_count().await? == 0 {
        return Ok(SignInState::NeedsSetup);
    }
    match auth::current_agent(&state, &session().await?).await {
        Ok(me) => Ok(SignInState::SignedIn(me)),
        Err(AppError::Unauthenticated) => Ok(SignInState::SignedOut),
        Err(e) => Err(e),
    }
}

/// Creates the first admin and signs them in. Refused once any agent exists, and without the
/// setup token when the server asks for one.
#[server(endpoint = "setup_admin")]
pub async fn setup_admin(
    name: String,
    email: String,
    password: String,
    #[server(default)] token: String,
) -> Result<(), AppError> {
    let state = state()?;
    services::check_setup_token(&state, &token)?;
    let me = services::setup_first_admin(&state, &name, &email, &password).await?;
    auth::sign_in(&session().await?, me.id, 0).await
}

/// Signs an agent in.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let ip = client_ip(&state).await;
    let (me, version) = services::authenticate(&state, ip, &email, &password).await?;
    auth::sign_in(&session().await?, me.id, version).await
}

/// Signs the current agent out: this session ends and the sockets opened with it close.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    auth::sign_out(&state()?, &session().await?).await
}

/// The signed-in agent's "turn off online mode" time and its limit.
#[server(endpoint = "load_presence_settings")]
pub async fn load_presence_settings() -> Result<PresenceSettings, AppError> {
    let (state, me) = agent().await?;
    services::presence_settings(&state, &me).await
}

/// Sets the signed-in agent's "turn off online mode" time, in minutes.
#[server(endpoint = "set_offline_after")]
pub async fn set_offline_after(minutes: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    services::set_offline_after(&state, &me, minutes).await
}

/// Changes the signed-in agent's password (their current one required). Their other sessions
/// end; this one goes on.
#[server(endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    let session = session().await?;
    let id = session.id().map(|id| id.to_string());
    let version =
        lifecycle::change_own_password(&state, &me, id.as_deref(), &current, &new).await?;
    auth::keep_session(&session, version).await
}

/// Changes an agent's name, email, role and inboxes. Admins only.
#[server(endpoint = "update_agent")]
pub async fn update_agent(
    agent_id: i64,
    name: String,
    email: String,
    role: String,
    #[server(default)] inbox_ids: Vec<i64>,
) -> Result<AgentAccount, AppError> {
    let (state, me) = agent().await?;
    let role = crate::model::Role::parse(&role)
        .ok_or_else(|| AppError::invalid("role", "operator, supervisor or admin"))?;
    lifecycle::update_agent(
        &state,
        &me,
        agent_id,
        lifecycle::AgentChanges {
            name: &name,
            email: &email,
            role,
            inbox_ids: &inbox_ids,
        },
    )
    .await
}

/// Gives an agent a new password and ends their sessions. Admins only.
#[server(endpoint = "reset_agent_password")]
pub async fn reset_agent_password(agent_id: i64, password: String) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    lifecycle::reset_password(&state, &me, agent_id, &password).await
}

/// Disables an agent's account (or enables it again). Admins only.
#[server(endpoint = "set_agent_enabled")]
pub async fn set_agent_enabled(agent_id: i64, enabled: bool) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    lifecycle::set_agent_enabled(&state, &me, agent_id, enabled).await
}

/// Deletes an agent's account; their conversations stay. Admins only.
#[server(endpoint = "delete_agent")]
pub async fn delete_agent(agent_id: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    lifecycle::delete_agent(&state, &me, agent_id).await
}

/// Renames an inbox and switches it on or off. Admins only.
#[server(endpoint = "update_inbox")]
pub async fn update_inbox(
    inbox_id: i64,
    name: String,
    #[server(default)] disabled: bool,
) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    lifecycle::update_inbox(&state, &me, inbox_id, &name, disabled).await
}

/// What deleting an inbox would take with it. Admins only.
#[server(endpoint = "load_inbox_contents")]
pub async fn load_inbox_contents(inbox_id: i64) -> Result<InboxContents, AppError> {
    let (state, me) = agent().await?;
    lifecycle::inbox_contents(&state, &me, inbox_id).await
}

/// Deletes an inbox with everything in it, given its name as confirmation. Admins only.
#[server(endpoint = "delete_inbox")]
pub async fn delete_inbox(inbox_id: i64, confirmation: String) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    lifecycle::delete_inbox(&state, &me, inbox_id, &confirmation).await
}

/// The latest changes to accounts and inboxes. Admins only.
#[server(endpoint = "load_audit_log")]
pub async fn load_audit_log() -> Result<Vec<AuditEntry>, AppError> {
    let (state, me) = agent().await?;
    lifecycle::audit_log(&state, &me).await
}

/// Inboxes and accounts, for the admin page. Admins only.
#[server(endpoint = "load_admin")]
pub async fn load_admin() -> Result<AdminOverview, AppError> {
    let (state, me) = agent().await?;
    let host = use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| state.leptos_options.site_addr.to_string());
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    services::admin_overview(&state, &me, format!("{scheme}://{host}")).await
}

/// Creates an inbox. Admins only.
#[server(endpoint = "create_inbox")]
pub async fn create_inbox(name: String) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    services::create_inbox(&state, &me, &name).await
}

/// Creates an agent account. Admins only.
#[server(endpoint = "create_agent")]
pub async fn create_agent(
    name: String,
    email: String,
    password: String,
    role: String,
    #[server(default)] inbox_ids: Vec<i64>,
) -> Result<AgentAccount, AppError> {
    let (state, me) = agent().await?;
    let role = crate::model::Role::parse(&role)
        .ok_or_else(|| AppError::invalid("role", "operator, supervisor or admin"))?;
    services::create_agent(
        &state,
        &me,
        services::NewAgent {
            name: &name,
            email: &email,
            password: &password,
            role,
            inbox_ids: &inbox_ids,
        },
    )
    .await
}

/// Everything the workspace starts from.
#[server(endpoint = "load_workspace")]
pub async fn load_workspace() -> Result<WorkspaceSnapshot, AppError> {
    let (state, me) = agent().await?;
    services::workspace_snapshot(&state, me).await
}

/// One conversation with its timeline, if the agent may see it.
#[server(endpoint = "conversation")]
pub async fn conversation(id: i64) -> Result<ConversationDetail, AppError> {
    let (state, me) = agent().await?;
    services::conversation_detail(&state, &me, id).await
}

/// Takes an unassigned conversation.
#[server(endpoint = "accept_conversation")]
pub async fn accept_conversation(id: i64) -> Result<ConversationSummary, AppError> {
    let (state, me) = agent().await?;
    services::accept(&state, &me, id).await
}

/// Ends a conversation.
#[server(endpoint = "close_conversation")]
pub async fn close_conversation(id: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    services::close(&state, &me, id).await
}

/// Gives a conversation to an online colleague of its inbox (`agent_id`), or clears its
/// assignee (no `agent_id`).
#[server(endpoint = "assign_conversation")]
pub async fn assign_conversation(
    id: i64,
    #[server(default)] agent_id: Option<i64>,
) -> Result<ConversationSummary, AppError> {
    let (state, me) = agent().await?;
    services::assign(&state, &me, id, agent_id).await
}

/// Records that the agent has read a conversation up to a message.
#[server(endpoint = "mark_read")]
pub async fn mark_read(id: i64, up_to: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    services::mark_read(&state, &me, id, up_to).await
}

/// Sets the agent's presence (online, away or offline).
#[server(endpoint = "set_presence")]
pub async fn set_presence(presence: String) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    let presence = crate::model::Presence::parse(&presence)
        .ok_or_else(|| AppError::invalid("presence", "online, away or offline"))?;
    services::set_presence(&state, &me, presence).await
}

/// Turns the agent's notification sounds on or off.
#[server(endpoint = "set_sound")]
pub async fn set_sound(on: bool) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    services::set_sound(&state, &me, on).await
}

/// Sets an inbox's timers, in seconds (0 turns one off). Admins only.
#[server(endpoint = "set_inbox_timers")]
pub async fn set_inbox_timers(
    inbox_id: i64,
    assignee_idle_secs: i64,
    visitor_idle_secs: i64,
) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    services::set_inbox_timers(&state, &me, inbox_id, assignee_idle_secs, visitor_idle_secs).await
}

/// Sets how an inbox gives out waiting conversations (`off`, `round_robin`, `least_busy`) and
/// the open conversations per agent. Admins only.
#[server(endpoint = "set_inbox_auto_assign")]
pub async fn set_inbox_auto_assign(
    inbox_id: i64,
    mode: String,
    capacity: i64,
) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    let mode = match mode.as_str() {
        "off" | "" => None,
        word => Some(
            crate::auto_assign::AssignMode::parse(word)
                .ok_or_else(|| AppError::invalid("mode", "off, round_robin or least_busy"))?,
        ),
    };
    services::auto_assign::set(&state, &me, inbox_id, mode, capacity).await
}

/// Sets the query parameters an inbox keeps in the page addresses it records. Admins only.
#[server(endpoint = "set_inbox_privacy")]
pub async fn set_inbox_privacy(
    inbox_id: i64,
    #[server(default)] kept_query_params: String,
) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    services::set_inbox_privacy(&state, &me, inbox_id, &kept_query_params).await
}

/// Sets what files an inbox accepts and whether agents see a preview of what visitors type.
/// Admins only.
#[server(endpoint = "set_inbox_chat_settings")]
pub async fn set_inbox_chat_settings(
    inbox_id: i64,
    max_file_bytes: i64,
    allowed_file_types: String,
    #[server(default)] typing_preview: bool,
) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    services::set_inbox_chat_settings(
        &state,
        &me,
        inbox_id,
        max_file_bytes,
        &allowed_file_types,
        typing_preview,
    )
    .await
}

/// The templates the agent may use: their own and those shared with their inboxes.
#[server(endpoint = "templates")]
pub async fn load_templates() -> Result<TemplateBook, AppError> {
    let (state, me) = agent().await?;
    Ok(TemplateBook {
        templates: templates::list(&state, &me).await?,
        inboxes: services::visible_inboxes(&state, &me).await?,
        may_share: crate::templates::may_share(me.role),
    })
}

/// Creates (no `id`) or changes a template: personal, or shared with an inbox (`inbox_id`,
/// supervisors and admins).
#[server(endpoint = "save_template")]
pub async fn save_template(
    #[server(default)] id: Option<i64>,
    title: String,
    shortcut: String,
    body: String,
    #[server(default)] inbox_id: Option<i64>,
) -> Result<Template, AppError> {
    let (state, me) = agent().await?;
    templates::save(&state, &me, id, (&title, &shortcut, &body), inbox_id).await
}

/// Deletes a template the agent manages.
#[server(endpoint = "delete_template")]
pub async fn delete_template(id: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    templates::delete(&state, &me, id).await
}

/// Everything the team knows about a visitor (the profile and the conversation's side panel).
#[server(endpoint = "visitor_profile")]
pub async fn load_visitor_profile(id: i64) -> Result<VisitorProfile, AppError> {
    let (state, me) = agent().await?;
    visitors::visitor_profile(&state, &me, id).await
}

/// Saves a visitor's name, email, phone and the team's notes (empty clears a field).
#[server(endpoint = "update_visitor")]
pub async fn update_visitor(
    id: i64,
    name: String,
    email: String,
    phone: String,
    notes: String,
) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    visitors::update_visitor(&state, &me, id, &name, &email, &phone, &notes).await
}

/// Starts a chat with a visitor on the site (or resumes their open one) with a first message;
/// returns the conversation's id.
#[server(endpoint = "start_chat")]
pub async fn start_chat(visitor_id: i64, client_id: String, body: String) -> Result<i64, AppError> {
    let (state, me) = agent().await?;
    visitors::start_proactive_chat(&state, &me, visitor_id, &client_id, &body)
        .await
        .map(|(conversation_id, _)| conversation_id)
}

/// The widget's start: the visitor behind `token` (or a new one), their conversations, and
/// whether they are blocked. `locale` is the widget's language (their emails use it).
#[server(endpoint = "widget_start")]
pub async fn widget_start(
    key: String,
    token: Option<String>,
    #[server(default)] locale: Option<String>,
) -> Result<WidgetSnapshot, AppError> {
    let state = state()?;
    let ip = client_ip(&state).await;
    services::widget_snapshot(&state, &key, token.as_deref(), locale, ip).await
}

/// The address of whoever calls a server function (for IP blocks and sign-in limits).
#[cfg(feature = "ssr")]
async fn client_ip(state: &AppState) -> Option<std::net::IpAddr> {
    use axum::extract::ConnectInfo;
    let peer = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(peer)| peer);
    let parts = use_context::<http::request::Parts>()?;
    crate::server::client_info::ClientInfo::from_request(
        &parts.headers,
        peer,
        state.settings.client_ip_header.as_deref(),
    )
    .ip
}

/// Blocks a visitor for an hour, a day, a week or for good (`length`: hour, day, week,
/// forever), with a reason, and optionally their IP address or range too.
#[server(endpoint = "block_visitor")]
pub async fn block_visitor(
    visitor_id: i64,
    length: String,
    reason: String,
    #[server(default)] ip: Option<String>,
) -> Result<VisitorBlock, AppError> {
    let (state, me) = agent().await?;
    let length = crate::blocking::BlockLength::parse(&length)
        .ok_or_else(|| AppError::invalid("length", "hour, day, week or forever"))?;
    blocking::block_visitor(
        &state,
        &me,
        visitor_id,
        blocking::BlockRequest {
            length,
            reason: &reason,
            ip: ip.as_deref(),
        },
    )
    .await
}

/// Lifts a block.
#[server(endpoint = "unblock")]
pub async fn unblock(block_id: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    blocking::unblock(&state, &me, block_id).await
}

/// Every block in force. Admins only.
#[server(endpoint = "blocks")]
pub async fn load_blocks() -> Result<Vec<VisitorBlock>, AppError> {
    let (state, me) = agent().await?;
    blocking::list(&state, &me).await
}

/// Makes a ticket from a conversation: all of it, or the chosen `message_ids`. The requester is
/// the visitor's email, or `requester_email` when they gave none.
#[server(endpoint = "create_ticket")]
pub async fn create_ticket(
    conversation_id: i64,
    subject: String,
    #[server(default)] message_ids: Vec<i64>,
    #[server(default)] requester_email: Option<String>,
    #[server(default)] inbox_id: Option<i64>,
    #[server(default)] priority: Option<String>,
    #[server(default)] kind: Option<String>,
) -> Result<Ticket, AppError> {
    let (state, me) = agent().await?;
    tickets::create(
        &state,
        &me,
        tickets::TicketRequest {
            conversation_id,
            subject: &subject,
            message_ids: &message_ids,
            requester_email: requester_email.as_deref(),
            inbox_id,
            priority: parse_priority(priority.as_deref())?.unwrap_or_default(),
            kind: kind.as_deref(),
        },
    )
    .await
}

/// A priority from a form (`None` when not given).
#[cfg(feature = "ssr")]
fn parse_priority(
    priority: Option<&str>,
) -> Result<Option<crate::model::TicketPriority>, AppError> {
    priority
        .filter(|p| !p.is_empty())
        .map(|p| {
            crate::model::TicketPriority::parse(p)
                .ok_or_else(|| AppError::invalid("priority", "low, normal, high or urgent"))
        })
        .transpose()
}

/// Sets the ticket types an inbox offers (comma-separated). Admins only.
#[server(endpoint = "set_inbox_ticket_types")]
pub async fn set_inbox_ticket_types(
    inbox_id: i64,
    #[server(default)] ticket_types: String,
) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    services::set_inbox_ticket_types(&state, &me, inbox_id, &ticket_types).await
}

/// Replaces what an inbox's widget asks and shows (`settings`: the JSON of a
/// `WidgetSettings` document). Admins only.
#[server(endpoint = "set_widget_settings")]
pub async fn set_widget_settings(inbox_id: i64, settings: String) -> Result<Inbox, AppError> {
    let (state, me) = agent().await?;
    services::widget::set_widget_settings(&state, &me, inbox_id, &settings).await
}

/// The tickets of the agent's inboxes, optionally of one status (open, pending, closed).
#[server(endpoint = "tickets")]
pub async fn load_tickets(
    #[server(default)] status: Option<String>,
) -> Result<Vec<Ticket>, AppError> {
    let (state, me) = agent().await?;
    let status = status
        .filter(|s| !s.is_empty())
        .map(|s| {
            crate::model::TicketStatus::parse(&s)
                .ok_or_else(|| AppError::invalid("status", "open, pending or closed"))
        })
        .transpose()?;
    tickets::list(&state, &me, status).await
}

/// A ticket with its comments.
#[server(endpoint = "ticket")]
pub async fn load_ticket(id: i64) -> Result<TicketDetail, AppError> {
    let (state, me) = agent().await?;
    tickets::detail(&state, &me, id).await
}

/// Changes a ticket's status and assignee (none: nobody).
#[server(endpoint = "update_ticket")]
pub async fn update_ticket(
    id: i64,
    status: String,
    #[server(default)] assignee_id: Option<i64>,
    #[server(default)] priority: Option<String>,
) -> Result<Ticket, AppError> {
    let (state, me) = agent().await?;
    let status = crate::model::TicketStatus::parse(&status)
        .ok_or_else(|| AppError::invalid("status", "open, pending or closed"))?;
    let priority = parse_priority(priority.as_deref())?;
    tickets::update(&state, &me, id, status, assignee_id, priority).await
}

/// Adds a comment to a ticket.
#[server(endpoint = "comment_ticket")]
pub async fn comment_ticket(
    id: i64,
    body: String,
    #[server(default)] to_requester: bool,
) -> Result<TicketComment, AppError> {
    let (state, me) = agent().await?;
    tickets::comment(&state, &me, id, &body, to_requester).await
}

/// Sets where an inbox's new tickets are posted (empty removes it). Admins only.
#[server(endpoint = "set_webhook")]
pub async fn set_webhook(inbox_id: i64, url: String) -> Result<Option<Webhook>, AppError> {
    let (state, me) = agent().await?;
    Ok(tickets::set_webhook(&state, &me, inbox_id, &url)
        .await?
        .map(|hook| Webhook {
            inbox_id: hook.inbox_id,
            url: hook.url,
            secret: hook.secret,
        }))
}

/// Adds an event webhook endpoint to an inbox for the chosen events (`events[0]=...`); the
/// answer holds its signing secret, shown once. Admins only.
#[server(endpoint = "add_webhook_endpoint")]
pub async fn add_webhook_endpoint(
    inbox_id: i64,
    url: String,
    #[server(default)] events: Vec<String>,
) -> Result<crate::webhooks::NewWebhookEndpoint, AppError> {
    let (state, me) = agent().await?;
    services::webhooks::add(&state, &me, inbox_id, &url, &events).await
}

/// An inbox's event webhook endpoints (never their secrets). Admins only.
#[server(endpoint = "webhook_endpoints")]
pub async fn load_webhook_endpoints(
    inbox_id: i64,
) -> Result<Vec<crate::webhooks::WebhookEndpoint>, AppError> {
    let (state, me) = agent().await?;
    services::webhooks::endpoints(&state, &me, inbox_id).await
}

/// Removes an event webhook endpoint. Admins only.
#[server(endpoint = "remove_webhook_endpoint")]
pub async fn remove_webhook_endpoint(id: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    services::webhooks::remove(&state, &me, id).await
}

/// The newest deliveries to an inbox's event webhook endpoints. Admins only.
#[server(endpoint = "webhook_deliveries")]
pub async fn webhook_deliveries(
    inbox_id: i64,
) -> Result<Vec<crate::webhooks::WebhookDelivery>, AppError> {
    let (state, me) = agent().await?;
    services::webhooks::deliveries(&state, &me, inbox_id).await
}

/// Sends a delivery of an event webhook again, as a new delivery; its id. Admins only.
#[server(endpoint = "resend_webhook_delivery")]
pub async fn resend_webhook_delivery(id: i64) -> Result<i64, AppError> {
    let (state, me) = agent().await?;
    services::webhooks::resend(&state, &me, id).await
}

/// Emails a conversation's transcript to an address (the visitor's, usually).
#[server(endpoint = "send_transcript")]
pub async fn send_transcript(conversation_id: i64, email: String) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    transcripts::send_by_hand(&state, &me, conversation_id, &email).await
}

/// Replaces a conversation's labels (new names create labels).
#[server(endpoint = "set_labels")]
pub async fn set_labels(
    conversation_id: i64,
    #[server(default)] labels: Vec<String>,
) -> Result<ConversationSummary, AppError> {
    let (state, me) = agent().await?;
    chat_details::set_labels(&state, &me, conversation_id, &labels).await
}

/// Every label in use, by name.
#[server(endpoint = "labels")]
pub async fn load_labels() -> Result<Vec<String>, AppError> {
    let (state, _) = agent().await?;
    Ok(state.store.labels().await?)
}

/// Moves a conversation to another inbox (department).
#[server(endpoint = "move_conversation")]
pub async fn move_conversation(
    conversation_id: i64,
    inbox_id: i64,
) -> Result<ConversationSummary, AppError> {
    let (state, me) = agent().await?;
    chat_details::move_to_inbox(&state, &me, conversation_id, inbox_id).await
}

/// Full-text search: in one conversation (`conversation_id`), or across everything the agent
/// may see.
#[server(endpoint = "search")]
pub async fn search(
    query: String,
    #[server(default)] conversation_id: Option<i64>,
) -> Result<SearchResults, AppError> {
    let (state, me) = agent().await?;
    history::search(&state, &me, &query, conversation_id).await
}

/// The chat logs' filter choices.
#[server(endpoint = "history_options")]
pub async fn load_history_options() -> Result<HistoryOptions, AppError> {
    let (state, me) = agent().await?;
    Ok(HistoryOptions {
        inboxes: services::visible_inboxes(&state, &me).await?,
        agents: state.store.colleagues().await?,
        labels: state.store.labels().await?,
    })
}

/// A page (50 rows) of the chat logs, newest first, filtered.
#[server(endpoint = "history")]
pub async fn load_history(
    #[server(default)] filter: HistoryFilter,
    #[server(default)] page: i64,
) -> Result<Vec<HistoryRow>, AppError> {
    let (state, me) = agent().await?;
    history::history(&state, &me, &filter, page).await
}

/// The Reports page's figures and charts for a period (supervisors: their inboxes; admins:
/// all), the charts worded in `language`.
#[server(endpoint = "report")]
pub async fn report(
    request: crate::reports::ReportRequest,
    #[server(default)] language: String,
) -> Result<crate::reports::ReportPage, AppError> {
    let (state, me) = agent().await?;
    let view = crate::server::services::reports::report(&state, &me, &request).await?;
    let (first_day, _) = request.days()?;
    let charts = crate::server::report_charts::charts(
        &view.report,
        first_day,
        crate::server::services::transcripts::locale_of(Some(&language)),
    );
    Ok(crate::reports::ReportPage { view, charts })
}

/// Saves a visitor as a contact (or updates the contact they are linked to).
#[server(endpoint = "save_contact")]
pub async fn save_contact(
    visitor_id: i64,
    name: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
    #[server(default)] company: String,
    #[server(default)] notes: String,
) -> Result<Contact, AppError> {
    let (state, me) = agent().await?;
    let form = contacts::ContactForm {
        name: &name,
        email: &email,
        phone: &phone,
        company: &company,
        notes: &notes,
    };
    contacts::save_visitor(&state, &me, visitor_id, &form).await
}

/// Changes a contact.
#[server(endpoint = "update_contact")]
pub async fn update_contact(
    id: i64,
    name: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
    #[server(default)] company: String,
    #[server(default)] notes: String,
) -> Result<Contact, AppError> {
    let (state, me) = agent().await?;
    let form = contacts::ContactForm {
        name: &name,
        email: &email,
        phone: &phone,
        company: &company,
        notes: &notes,
    };
    contacts::update(&state, &me, id, &form).await
}

/// Contacts matching `query` (name, email, phone, company), all when empty.
#[server(endpoint = "contacts")]
pub async fn load_contacts(#[server(default)] query: String) -> Result<Vec<Contact>, AppError> {
    let (state, me) = agent().await?;
    contacts::list(&state, &me, &query).await
}

/// A contact with its visitors and their chats.
#[server(endpoint = "contact")]
pub async fn load_contact(id: i64) -> Result<ContactDetail, AppError> {
    let (state, me) = agent().await?;
    contacts::detail(&state, &me, id).await
}

/// The signed-in agent's personal access tokens (never their secrets).
#[server(endpoint = "api_tokens")]
pub async fn load_api_tokens() -> Result<Vec<crate::api_tokens::ApiToken>, AppError> {
    let (state, me) = agent().await?;
    services::api_tokens::list(&state, &me).await
}

/// Makes a personal access token for the signed-in agent (`read` or `write`); the answer holds
/// its secret, shown once.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    scope: String,
) -> Result<crate::api_tokens::NewApiToken, AppError> {
    let (state, me) = agent().await?;
    let scope = crate::api_tokens::TokenScope::parse(&scope)
        .ok_or_else(|| AppError::invalid("scope", "read or write"))?;
    services::api_tokens::create(&state, &me, &name, scope).await
}

/// Revokes one of the signed-in agent's tokens: it stops working at once.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    let (state, me) = agent().await?;
    services::api_tokens::revoke(&state, &me, id).await
}
