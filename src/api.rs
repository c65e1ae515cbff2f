//! Server functions: the commands and queries of the pages. Each one finds out who asks (the
//! agent's session, or the visitor's own token), calls one service, and returns. Messages are
//! sent over the sockets instead (see [`crate::protocol`]).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{
    AgentAccount, Colleague, ConversationDetail, ConversationSummary, FilePolicy, Inbox, Me,
    Message, Template, VisitorProfile,
};

#[cfg(feature = "ssr")]
use crate::server::{auth, services, state::AppState, templates, visitors};

/// What a signed-in agent's workspace starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSnapshot {
    /// The agent.
    pub me: Me,
    /// Inboxes they may see.
    pub inboxes: Vec<Inbox>,
    /// Open conversations of those inboxes and the most recently closed ones.
    pub conversations: Vec<ConversationSummary>,
    /// Every agent with their presence (the signed-in one included).
    pub team: Vec<Colleague>,
    /// Visitor messages of open conversations this agent has not read, as
    /// (conversation id, message id).
    pub unread: Vec<(i64, i64)>,
    /// Whether this agent's workspace plays sounds.
    pub sound_on: bool,
    /// How many visitors of those inboxes are on the site now.
    pub online_visitors: usize,
    /// Events up to this id are reflected; resume the socket from it.
    pub last_event_id: i64,
}

/// What the widget starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSnapshot {
    /// A new token when the visitor is new (store it); `None` when theirs was valid.
    pub new_token: Option<String>,
    /// The visitor's conversations, oldest first.
    pub conversations: Vec<ConversationSummary>,
    /// Every message of them, oldest first.
    pub messages: Vec<Message>,
    /// What files the inbox accepts.
    pub files: FilePolicy,
    /// Whether agents see what the visitor types before sending (the widget says so).
    pub typing_preview: bool,
    /// Events up to this id are reflected; resume the socket from it.
    pub last_event_id: i64,
}

/// Where the site stands for the person asking: first run, signed out, or signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInState {
    /// No agent exists yet: `/setup` creates the first admin.
    NeedsSetup,
    /// Nobody is signed in on this browser.
    SignedOut,
    /// This agent is signed in.
    SignedIn(Me),
}

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
async fn agent() -> Result<(AppState, Me), AppError> {
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

/// Creates the first admin and signs them in. Refused once any agent exists.
#[server(endpoint = "setup_admin")]
pub async fn setup_admin(name: String, email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let me = services::setup_first_admin(&state, &name, &email, &password).await?;
    auth::sign_in(&session().await?, me.id).await
}

/// Signs an agent in.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let me = services::authenticate(&state, &email, &password).await?;
    auth::sign_in(&session().await?, me.id).await
}

/// Signs the current agent out.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    auth::sign_out(&session().await?).await
}

/// What the admin page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    /// Every inbox.
    pub inboxes: Vec<Inbox>,
    /// Every agent account.
    pub agents: Vec<AgentAccount>,
    /// This server's address as the browser reached it, for the widget snippet.
    pub site_url: String,
}

/// Inboxes and accounts, for the admin page. Admins only.
#[server(endpoint = "load_admin")]
pub async fn load_admin() -> Result<AdminOverview, AppError> {
    let (state, me) = agent().await?;
    if me.role != crate::model::Role::Admin {
        return Err(AppError::Forbidden);
    }
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
    Ok(AdminOverview {
        inboxes: state.store.inboxes().await?,
        agents: state.store.agent_accounts().await?,
        site_url: format!("{scheme}://{host}"),
    })
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
    let last_event_id = state.store.last_event_id().await?;
    let inboxes = services::visible_inboxes(&state, &me).await?;
    let ids: Vec<i64> = inboxes.iter().map(|i| i.id).collect();
    let conversations = state.store.conversations_of_inboxes(&ids, 100).await?;
    let team = state.store.colleagues().await?;
    let unread = state.store.unread_for(me.id, &ids).await?;
    let sound_on = state.store.sound_on(me.id).await?;
    let online_visitors = state.online.count(&ids);
    Ok(WorkspaceSnapshot {
        online_visitors,
        me,
        inboxes,
        conversations,
        team,
        unread,
        sound_on,
        last_event_id,
    })
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

/// The templates an agent may use, and where they may share new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateBook {
    /// Their own and those shared with their inboxes, by shortcut.
    pub templates: Vec<Template>,
    /// The inboxes they may see (a shared template names one).
    pub inboxes: Vec<Inbox>,
    /// Whether they may share templates with an inbox (supervisors and admins).
    pub may_share: bool,
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
    visitors::profile(&state, &me, id).await
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
    visitors::start_chat(&state, &me, visitor_id, &client_id, &body)
        .await
        .map(|(conversation_id, _)| conversation_id)
}

/// The name of the inbox behind a widget key (the widget's title, rendered on the server).
#[server(endpoint = "widget_inbox")]
pub async fn widget_inbox(key: String) -> Result<String, AppError> {
    let state = state()?;
    state
        .store
        .inbox_by_key(&key)
        .await?
        .map(|inbox| inbox.name)
        .ok_or(AppError::UnknownInbox)
}

/// The widget's start: the visitor behind `token` (or a new one) and their conversations.
#[server(endpoint = "widget_start")]
pub async fn widget_start(key: String, token: Option<String>) -> Result<WidgetSnapshot, AppError> {
    let state = state()?;
    let last_event_id = state.store.last_event_id().await?;
    let (inbox, visitor, new_token) =
        services::visitor_for_widget(&state, &key, token.as_deref()).await?;
    let mut messages = state.store.messages_of_visitor(visitor.id).await?;
    messages.retain(|m| m.system.as_ref().is_none_or(|line| line.for_visitor()));
    Ok(WidgetSnapshot {
        new_token,
        conversations: state.store.conversations_of_visitor(visitor.id).await?,
        messages,
        files: inbox.files,
        typing_preview: inbox.typing_preview,
        last_event_id,
    })
}
