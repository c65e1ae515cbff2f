//! Load benchmark: starts a release Switchboard on 127.0.0.1 (its own temporary database) and
//! drives it over real HTTP and WebSockets — as a process of its own (`chat`, `idle`: the
//! server's CPU and memory read from `/proc`) or inside this one (`browse`, `search`, and
//! `chat --in-process`).
//!
//! - `bench chat --visitors 200 --messages 25`: N visitors send messages; reports committed
//!   messages per second and visitor-to-agent delivery latency (only acknowledged messages
//!   count); `--against-socketio` runs the same messages through a Socket.IO relay too.
//! - `bench browse --visitors 5000 --seconds 60`: N visitors browse (one page view every few
//!   seconds each); reports how long an agent's online visitors table takes to load, and how
//!   many update frames and rows a second reach the agent, with page-to-agent latency.
//! - `bench idle --sockets 10000 --seconds 30`: N visitors hold a socket open and say nothing;
//!   reports the server's resident memory per socket and its CPU while they sit there.
//! - `bench faults --visitors 200 --messages 50 --kills 3`: visitors send while the server is
//!   killed with SIGKILL and restarted; reports sent, acknowledged, stored, delivered,
//!   duplicates and lost.
//! - `bench search --messages 1000000`: generates that many messages, then searches them over
//!   HTTP as the search box does; reports p50/p99 latency by kind of query.
// The server it starts renders the whole app; its view types nest deeper than 128 in release.
#![recursion_limit = "256"]

mod browse;
mod chat;
mod faults;
mod idle;
mod process;
mod search;
mod socketio;

use std::sync::Arc;

use clap::Parser;
use futures::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use switchboard::protocol::{ClientFrame, ServerFrame};
use switchboard::server::config::Config;
use switchboard::server::services;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Benchmark settings.
#[derive(Debug, Parser)]
#[command(about = "Switchboard load benchmark (loopback only)")]
enum Scenario {
    /// Visitors send messages as fast as they are acknowledged (or paced).
    Chat(chat::ChatArgs),
    /// Visitors browse; one agent watches the online visitors table.
    Browse(browse::BrowseArgs),
    /// Visitors hold their sockets open quietly: memory per socket, idle CPU.
    Idle(idle::IdleArgs),
    /// Visitors send while the server is killed with SIGKILL and restarted: nothing lost.
    Faults(faults::FaultsArgs),
    /// Full-text search over generated messages.
    Search(search::SearchArgs),
}

/// The benchmark's error.
type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A server with an admin (who is the agent) and one inbox.
struct Bench {
    running: switchboard::server::Running,
    dir: std::path::PathBuf,
    inbox: switchboard::model::Inbox,
    base: String,
    ws_base: String,
}

const PASSWORD: &str = "benchmark password";

impl Bench {
    async fn start() -> BenchResult<Bench> {
        let dir = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        // Every simulated visitor comes from this one address, as fast as it can: the limits
        // meant for the open internet are off.
        let mut config = Config::for_data_dir(dir.clone());
        // A PostgreSQL database when the environment names one.
        config.database_url = std::env::var("SWITCHBOARD_DATABASE_URL").ok();
        config.new_visitors_per_minute = 0;
        config.sockets_per_address = 0;
        config.messages_per_second = 0;
        let running = switchboard::server::spawn(config).await?;
        let state = &running.state;
        let admin =
            services::setup_first_admin(state, "Bench", "bench@example.com", PASSWORD).await?;
        let inbox = services::create_inbox(state, &admin, "Bench").await?;
        let base = format!("http://{}", running.addr);
        let ws_base = format!("ws://{}", running.addr);
        Ok(Bench {
            running,
            dir,
            inbox,
            base,
            ws_base,
        })
    }

    async fn stop(self) {
        self.running.stop().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Signs the agent in; returns their HTTP client and their `/ws/agent` socket, ready.
    async fn agent(&self) -> BenchResult<(reqwest::Client, WsStream)> {
        agent(&self.base, &self.ws_base).await
    }
}

/// Opens a WebSocket the way a browser does: each frame sent at once (no Nagle delay).
async fn connect(
    request: impl tokio_tungstenite::tungstenite::client::IntoClientRequest + Unpin,
) -> BenchResult<WsStream> {
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
    Ok(socket)
}

/// Signs the benchmark's agent in over HTTP; returns the client and its cookie jar.
async fn sign_in(base: &str) -> BenchResult<(reqwest::Client, Arc<Jar>)> {
    let jar = Arc::new(Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .build()?;
    let signed = http
        .post(format!("{base}/api/sign_in"))
        .form(&[("email", "bench@example.com"), ("password", PASSWORD)])
        .send()
        .await?;
    if !signed.status().is_success() {
        return Err(format!("sign in: {}", signed.status()).into());
    }
    Ok((http, jar))
}

/// Signs the benchmark's agent in on the server at `base`; returns their HTTP client and their
/// `/ws/agent` socket, ready.
async fn agent(base: &str, ws_base: &str) -> BenchResult<(reqwest::Client, WsStream)> {
    {
        let (http, jar) = sign_in(base).await?;
        let cookie = jar.cookies(&base.parse()?).ok_or("no session cookie")?;
        let mut request = format!("{ws_base}/ws/agent").into_client_request()?;
        request.headers_mut().insert("cookie", cookie);
        let mut agent = connect(request).await?;
        send_frame(
            &mut agent,
            &ClientFrame::Hello {
                token: None,
                after: None,
                inbox: None,
            },
        )
        .await?;
        loop {
            match next_frame(&mut agent).await {
                Some(ServerFrame::Ready { .. }) => break,
                Some(_) => {}
                None => return Err("the agent socket closed".into()),
            }
        }
        Ok((http, agent))
    }
}

/// A client WebSocket.
type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send_frame(socket: &mut WsStream, frame: &ClientFrame) -> BenchResult<()> {
    socket
        .send(WsMessage::Text(serde_json::to_string(frame)?.into()))
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    match Scenario::parse() {
        Scenario::Chat(args) => chat::run(args).await,
        Scenario::Browse(args) => browse::run(args).await,
        Scenario::Idle(args) => idle::run(args).await,
        Scenario::Faults(args) => faults::run(args).await,
        Scenario::Search(args) => search::run(args).await,
    }
}

/// The next protocol frame, or `None` when the socket closed.
async fn next_frame<S>(socket: &mut S) -> Option<ServerFrame>
where
    S: futures::Stream<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match socket.next().await? {
            Ok(WsMessage::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(WsMessage::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The next text frame, raw, or `None` when the socket closed.
async fn next_text<S>(socket: &mut S) -> Option<String>
where
    S: futures::Stream<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match socket.next().await? {
            Ok(WsMessage::Text(text)) => return Some(text.to_string()),
            Ok(WsMessage::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}
