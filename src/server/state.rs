//! What every handler and server function shares: options, the store, the hub, the settings.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::server::client_info::GeoIp;
use crate::server::connections::Connections;
use crate::server::hub::Hub;
use crate::server::online::OnlineVisitors;
use crate::server::store::Store;
use crate::server::visitor_signals::VisitorSignals;

/// Shared application state, handed to axum handlers as state and to server functions as
/// context. One pointer to what it holds: every open socket's task keeps a clone, and as the
/// fields themselves (536 bytes) it was a large part of what an idle socket cost.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// Shares `shared` with every handler.
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What the application state holds.
pub struct Shared {
    /// Leptos' rendering options (site root, output name, address).
    pub leptos_options: LeptosOptions,
    /// The database.
    pub store: Store,
    /// Fan-out of committed events.
    pub hub: Hub,
    /// Visitors' plain messages, written in batches.
    pub message_lane: crate::server::services::message_lane::MessageLane,
    /// Page views of visits that go on, written in batches.
    pub page_lane: crate::server::services::page_lane::PageLane,
    /// Open workspace connections (presence, who is viewing and typing).
    pub connections: Connections,
    /// Visitors on the site now (the online visitors table).
    pub online: OnlineVisitors,
    /// Momentary frames for visitors' sockets (an agent typing).
    pub visitor_signals: VisitorSignals,
    /// The SMTP server transcripts go through, when one is configured.
    pub mailer: Option<crate::server::mailer::Mailer>,
    /// The GeoIP database, when one is configured.
    pub geoip: Option<Arc<GeoIp>>,
    /// Run-time settings that handlers need.
    pub settings: Arc<Settings>,
    /// Failed sign-ins per address and account.
    pub sign_in_guard: Arc<crate::server::sign_in_guard::SignInGuard>,
    /// New visitors, sockets and frames per address and socket.
    pub visitor_limits: Arc<crate::server::visitor_limits::VisitorLimits>,
    /// The inboxes whose waiting conversations to give out soon.
    pub auto_assign: Arc<crate::server::auto_assigner::AutoAssigner>,
    /// Requests per API token per minute.
    pub api_limits: Arc<crate::server::rest::limits::ApiLimits>,
    /// The stop signal the sockets watch, and the sockets a graceful stop waits for.
    pub shutdown: crate::server::shutdown::Shutdown,
    /// This process's name among the nodes of a cluster (random, new at each start).
    pub node_id: String,
    /// Whether this node runs the timers, the outbox and the other chores now.
    pub chores: crate::server::cluster::Chores,
}

/// Run-time settings derived from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Serve the demo website at `/demo`.
    pub demo: bool,
    /// Mark the session cookie `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Seconds without an open workspace before an agent is shown offline.
    pub offline_after_secs: i64,
    /// The longest offline time an agent may choose, in minutes.
    pub offline_after_max_minutes: i64,
    /// Absence after which a page view starts a new visit, in milliseconds.
    pub visit_gap_ms: i64,
    /// How long a visitor whose last tab closed stays online, in milliseconds.
    pub visitor_grace_ms: i64,
    /// Store IP addresses truncated.
    pub truncate_ips: bool,
    /// The proxy header that carries the visitor's address, if trusted.
    pub client_ip_header: Option<String>,
    /// Where uploaded files and agents' pictures are kept (`files/` in the data directory).
    pub files_dir: std::path::PathBuf,
    /// Wait before the first retry of a failed email or webhook, in milliseconds.
    pub retry_after_ms: i64,
    /// How long the event log is kept, in milliseconds.
    pub keep_events_ms: i64,
    /// The one-time token `/setup` asks for, when the server listens beyond loopback and
    /// nobody has set it up yet.
    pub setup_token: Option<String>,
    /// Webhook hosts reached over plain http and at private addresses (an internal helpdesk).
    pub webhook_trusted_hosts: Vec<String>,
    /// How long a socket may stay silent (pings unanswered) before it is closed.
    pub socket_idle: std::time::Duration,
    /// Upload allowances and the free-space floor.
    pub uploads: UploadLimits,
}

/// What uploads may take: bytes per visitor per hour and per conversation (0: no limit), and
/// the free space the data directory's disk keeps.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Bytes one visitor may upload per hour.
    pub per_visitor_hour: i64,
    /// Bytes the visitors at one address may upload per hour.
    pub per_address_hour: i64,
    /// Bytes one conversation may hold.
    pub per_conversation: i64,
    /// Bytes that must stay free on the disk.
    pub disk_floor: u64,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
