//! Everything that runs only on the server: configuration, store, hub, services, sockets and
//! the HTTP router. Gated once, here (`#[cfg(feature = "ssr")] pub mod server;` in lib.rs).

pub mod auth;
pub mod auto_assigner;
pub mod business_hours;
pub mod client_info;
pub mod cluster;
pub mod config;
pub mod connections;
pub mod csrf;
pub mod demo;
pub mod file_sweep;
pub mod files;
pub mod headers;
pub mod hub;
pub mod mailer;
pub mod markup;
pub mod online;
pub mod open_files;
pub mod outbox;
pub mod relay;
pub mod report_charts;
pub mod report_export;
pub mod rest;
pub mod router;
pub mod services;
pub mod session_store;
pub mod shutdown;
pub mod sign_in_guard;
pub mod sliding_window;
pub mod socket;
pub mod state;
pub mod store;
pub mod timers;
pub mod tracker;
pub mod visitor_limits;
pub mod visitor_signals;
pub mod webhook;
pub mod webhook_events;
pub mod widget_page;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::error::AppError;
use config::Config;
use hub::Hub;
use state::{AppState, Settings};
use store::Store;

/// Bytes in a megabyte, as the upload flags count them.
const MEGABYTE: i64 = 1024 * 1024;

/// A start-up failure (bad configuration, unreachable database, port in use).
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Opens the store and prepares the state: migrations, the admin from the environment, the
/// demo inbox.
pub async fn prepare(config: &Config) -> Result<AppState, StartError> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let files_dir = config.data_dir.join("files");
    std::fs::create_dir_all(&files_dir)?;
    let url = config.database_url();
    let store = Store::open(&url).await?;
    let mut leptos_options = leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| {
            leptos::config::LeptosOptions::builder()
                .output_name("switchboard")
                .build()
        });
    leptos_options.site_addr = config.listen;
    leptos_options.site_root = config.site_root.to_string_lossy().as_ref().into();
    // cargo-leptos names the bundles after their content and writes the names beside the
    // binary; without that file (a test binary) the plain names are used.
    leptos_options.hash_files = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&*leptos_options.hash_file)))
        .is_some_and(|path| path.exists());
    let setup_token = if store.agent_count().await? > 0 || config.admin_email.is_some() {
        None
    } else {
        config
            .setup_token
            .clone()
            .or_else(|| (!config.listen.ip().is_loopback()).then(|| auth::random_token(16)))
    };
    let hub = Hub::new();
    // On PostgreSQL every node's events reach this node's sockets, in id order.
    store.follow(&hub).await?;
    let shared = store.is_shared();
    let message_lane = services::message_lane::MessageLane::start(
        services::message_lane::MessageWrites,
        store.clone(),
        hub.clone(),
    );
    let visit_gap_ms = config.visit_gap * 60_000;
    let page_lane = services::page_lane::PageLane::start(
        services::page_lane::PageWrites { visit_gap_ms },
        store.clone(),
        hub.clone(),
    );
    let state = AppState::new(state::Shared {
        leptos_options,
        store,
        hub,
        message_lane,
        page_lane,
        connections: connections::Connections::default(),
        online: online::OnlineVisitors::default(),
        visitor_signals: visitor_signals::VisitorSignals::default(),
        shutdown: shutdown::Shutdown::default(),
        node_id: auth::random_token(8),
        chores: if shared {
            cluster::Chores::elected()
        } else {
            cluster::Chores::always()
        },
        mailer: mailer::Mailer::from_config(config)?,
        geoip: match &config.geoip_db {
            Some(path) => Some(Arc::new(client_info::GeoIp::open(path)?)),
            None => None,
        },
        settings: Arc::new(Settings {
            demo: config.demo,
            secure_cookies: config.secure_cookies,
            offline_after_secs: config.offline_after,
            offline_after_max_minutes: config.offline_after_max_minutes,
            visit_gap_ms,
            visitor_grace_ms: config.visitor_grace * 1_000,
            truncate_ips: config.truncate_ips,
            client_ip_header: config.client_ip_header.clone(),
            files_dir,
            retry_after_ms: config.retry_after * 1_000,
            keep_events_ms: config.keep_events_days * 86_400_000,
            setup_token,
            webhook_trusted_hosts: config
                .webhook_trusted_hosts
                .iter()
                .map(|host| host.trim().to_owned())
                .filter(|host| !host.is_empty())
                .collect(),
            socket_idle: std::time::Duration::from_secs(config.socket_idle_seconds),
            uploads: state::UploadLimits {
                per_visitor_hour: config
                    .upload_mb_per_visitor_hour
                    .max(0)
                    .saturating_mul(MEGABYTE),
                per_address_hour: config
                    .upload_mb_per_address_hour
                    .max(0)
                    .saturating_mul(MEGABYTE),
                per_conversation: config
                    .upload_mb_per_conversation
                    .max(0)
                    .saturating_mul(MEGABYTE),
                disk_floor: config.disk_floor_mb.saturating_mul(MEGABYTE as u64),
            },
        }),
        sign_in_guard: Arc::new(sign_in_guard::SignInGuard::default()),
        api_limits: Arc::new(rest::limits::ApiLimits::new(config.api_requests_per_minute)),
        auto_assign: Arc::new(auto_assigner::AutoAssigner::default()),
        visitor_limits: Arc::new(visitor_limits::VisitorLimits::new(
            config.new_visitors_per_minute,
            config.sockets_per_address,
            visitor_limits::FrameLimits {
                messages: config.messages_per_second,
                page_views: config.messages_per_second,
                typing: config.messages_per_second,
                other: if config.messages_per_second == 0 {
                    0
                } else {
                    visitor_limits::FrameLimits::default().other
                },
            },
        )),
    });
    if let (Some(token), None) = (&state.settings.setup_token, &config.setup_token) {
        tracing::warn!(
            "nobody has set this server up yet: open /setup?token={token} to create the first admin"
        );
    }
    // Nobody is on the site of a new process: pages left open end where their visit was last
    // seen. In a cluster the node that runs the chores does it once it has heard from the
    // others (their visitors are still on the site).
    if !shared {
        services::tracking::end_open_page_views(&state).await?;
    }
    // Nobody is connected to a new process: whoever was shown present starts the grace period
    // (in a cluster, those connected to another node stay present when it ends).
    services::start_presence_grace(&state).await?;
    if let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) {
        match services::setup_first_admin(&state, &config.admin_name, email, password).await {
            Ok(_) | Err(AppError::SetupDone) => {}
            Err(e) => return Err(format!("SWITCHBOARD_ADMIN_*: {e}").into()),
        }
    }
    if state.mailer.is_none() {
        tracing::info!(
            "no SMTP server configured (SWITCHBOARD_SMTP_HOST): transcripts are not emailed"
        );
    }
    if config.demo {
        let inbox = services::ensure_demo_inbox(&state).await?;
        tracing::info!(key = %inbox.key, "demo inbox ready; demo website at /demo");
    }
    Ok(state)
}

/// A server listening in the background.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its state, to inspect the store or the hub.
    pub state: AppState,
    /// The serving task: ends when the shutdown future given to [`serve`] resolves.
    pub task: tokio::task::JoinHandle<()>,
    /// The timer engine.
    pub timers: tokio::task::JoinHandle<()>,
    /// The online visitors ticker.
    pub online: tokio::task::JoinHandle<()>,
    /// The outbox worker (emails, webhooks).
    pub outbox: tokio::task::JoinHandle<()>,
    /// Automatic assignment.
    pub assigner: tokio::task::JoinHandle<()>,
    /// In a cluster, the tasks that keep this node in it.
    pub cluster: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Waits until serving has ended (after the shutdown future): requests answered, every
    /// socket told to reconnect and ended, for at most [`STOP_WITHIN`] from the stop. Then
    /// stops the background work, commits the last writes and closes the database.
    pub async fn finished(mut self) {
        let served = tokio::select! {
            _ = &mut self.task => true,
            () = self.state.shutdown.stopping() => false,
        };
        let deadline = tokio::time::Instant::now() + STOP_WITHIN;
        if !served
            && tokio::time::timeout_at(deadline, &mut self.task)
                .await
                .is_err()
        {
            tracing::warn!("requests still open {STOP_WITHIN:?} after the stop; stopping anyway");
            self.task.abort();
        }
        // Also when serving ended on its own (an error): the sockets stop with it.
        self.state.shutdown.begin();
        if tokio::time::timeout_at(deadline, self.state.shutdown.sockets_ended())
            .await
            .is_err()
        {
            tracing::warn!("sockets still open {STOP_WITHIN:?} after the stop; stopping anyway");
        }
        if tokio::time::timeout(STOP_WITHIN, self.close())
            .await
            .is_err()
        {
            tracing::warn!("the database did not close within {STOP_WITHIN:?}");
        }
    }

    /// Stops serving and firing timers at once (a crash, as far as the database can tell).
    pub async fn stop(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
        self.close().await;
    }

    async fn close(self) {
        let Running {
            state,
            timers,
            online,
            outbox,
            assigner,
            cluster,
            ..
        } = self;
        for work in [timers, online, outbox, assigner]
            .into_iter()
            .chain(cluster)
        {
            work.abort();
            let _ = work.await;
        }
        state.store.close().await;
    }
}

/// Prepares the state, binds the configured address and serves in a background task until
/// `shutdown` resolves: the one start-up of production ([`run`]), tests and the benchmark.
pub async fn serve(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, StartError> {
    let state = prepare(&config).await?;
    let app = router::build(state.clone()).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    // Chat frames are small and each is awaited by someone: sent at once, not held back by
    // Nagle's algorithm until the previous one is acknowledged (up to a delayed ACK, 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot send without delay on a connection: {e}");
        }
    });
    tracing::info!("Switchboard listening on http://{addr}");
    let timers = timers::start(state.clone());
    let online = services::tracking::start_ticker(state.clone());
    let outbox = outbox::start(state.clone());
    let assigner = auto_assigner::start(state.clone());
    let cluster = cluster::join(&state).await?;
    let stop = state.shutdown.clone();
    let shutdown = async move {
        shutdown.await;
        stop.begin();
    };
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        {
            tracing::error!("server stopped: {e}");
        }
    });
    Ok(Running {
        addr,
        state,
        task,
        timers,
        online,
        outbox,
        assigner,
        cluster,
    })
}

/// Serves until stopped (tests and the benchmark stop it with [`Running::stop`]).
pub async fn spawn(config: Config) -> Result<Running, StartError> {
    serve(config, std::future::pending()).await
}

/// How long a graceful stop may take before the process ends anyway.
const STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs Switchboard until Ctrl-C or SIGTERM, then stops gracefully: no new connections,
/// requests and writes in flight finished, sockets told to reconnect (close code 1012), the
/// last writes committed; the waiting bounded by [`STOP_WITHIN`].
pub async fn run(config: Config) -> Result<(), StartError> {
    match open_files::raise_to_hard_limit() {
        Ok(limit) => tracing::info!("up to {limit} open files and sockets"),
        Err(e) => tracing::warn!("cannot raise the open files limit: {e}"),
    }
    serve(config, shutdown_signal()).await?.finished().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
