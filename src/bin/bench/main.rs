//! Load benchmark: starts a release Switchboard on 127.0.0.1 (its own temporary database) and
//! drives it over real HTTP and WebSockets — as a process of its own (`chat`, `idle`: the
//! server's CPU and memory read from `/proc`) or inside this one (`browse`, `search`, and
//! `chat --in-process`).
//!
//! - `bench chat --visitors 200 --messages 25`: N visitors send messages; reports committed
//!   messages per second and visitor-to-agent delivery latency (only acknowledged messages
//!   count).
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
mod faults;
mod idle;
mod process;
mod search;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use switchboard::protocol::{ClientFrame, Event, ServerFrame};
use switchboard::server::config::Config;
use switchboard::server::services;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Benchmark settings.
#[derive(Debug, Parser)]
#[command(about = "Switchboard load benchmark (loopback only)")]
enum Scenario {
    /// Visitors send messages as fast as they are acknowledged (or paced).
    Chat(ChatArgs),
    /// Visitors browse; one agent watches the online visitors table.
    Browse(browse::BrowseArgs),
    /// Visitors hold their sockets open quietly: memory per socket, idle CPU.
    Idle(idle::IdleArgs),
    /// Visitors send while the server is killed with SIGKILL and restarted: nothing lost.
    Faults(faults::FaultsArgs),
    /// Full-text search over generated messages.
    Search(search::SearchArgs),
}

/// Settings of the chat scenario.
#[derive(Debug, clap::Args)]
struct ChatArgs {
    /// Concurrent visitors, each with its own WebSocket.
    #[arg(long, default_value_t = 100)]
    visitors: usize,
    /// Messages each visitor sends (each waits for the previous one's acknowledgement).
    #[arg(long, default_value_t = 20)]
    messages: usize,
    /// Pause between a visitor's messages, in milliseconds (0: as fast as acknowledged).
    #[arg(long, default_value_t = 0)]
    pause_ms: u64,
    /// Visitors connected besides the senders, each with a tracker socket that stays quiet
    /// (the load of a busy site where most visitors only browse).
    #[arg(long, default_value_t = 0)]
    connected: usize,
    /// Run the server inside this process (as before) instead of as a process of its own.
    #[arg(long)]
    in_process: bool,
    /// The server binary to start (default: `switchboard` beside this benchmark).
    #[arg(long)]
    server_binary: Option<std::path::PathBuf>,
}

/// The server a scenario drives: inside this process, or a process of its own.
enum Target {
    InProcess(Box<Bench>),
    Process(process::ServerProcess),
}

impl Target {
    fn urls(&self) -> (&str, &str, &str) {
        match self {
            Target::InProcess(b) => (&b.base, &b.ws_base, &b.inbox.key),
            Target::Process(p) => (&p.base, &p.ws_base, &p.inbox_key),
        }
    }

    fn usage(&self) -> Option<process::Usage> {
        match self {
            Target::InProcess(_) => None,
            Target::Process(p) => p.usage(),
        }
    }

    async fn stop(self) {
        match self {
            Target::InProcess(b) => b.stop().await,
            Target::Process(p) => p.stop(),
        }
    }
}

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

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
        let (mut agent, _) = tokio_tungstenite::connect_async(request).await?;
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
        Scenario::Chat(args) => chat(args).await,
        Scenario::Browse(args) => browse::run(args).await,
        Scenario::Idle(args) => idle::run(args).await,
        Scenario::Faults(args) => faults::run(args).await,
        Scenario::Search(args) => search::run(args).await,
    }
}

async fn chat(args: ChatArgs) -> BenchResult<()> {
    let target = if args.in_process {
        Target::InProcess(Box::new(Bench::start().await?))
    } else {
        let binary = args
            .server_binary
            .clone()
            .unwrap_or_else(process::default_binary);
        Target::Process(process::ServerProcess::start(&binary).await?)
    };
    let (base, ws_base, key) = target.urls();
    println!(
        "server {base} ({}) · {} visitors × {} messages{}",
        if args.in_process {
            "in this process"
        } else {
            "a process of its own"
        },
        args.visitors,
        args.messages,
        if args.pause_ms > 0 {
            format!(", {} ms apart", args.pause_ms)
        } else {
            String::new()
        }
    );
    let quiet = idle::hold(ws_base, key, args.connected).await?;
    if args.connected > 0 {
        println!("{} quiet visitors connected", quiet.len());
    }
    let (_http, mut agent) = agent(base, ws_base).await?;
    // The visitors: tokens and sockets first, so connecting is not measured as messaging.
    let mut visitors = Vec::with_capacity(args.visitors);
    for _ in 0..args.visitors {
        let snapshot: serde_json::Value = reqwest::Client::new()
            .post(format!("{base}/api/widget_start"))
            .form(&[("key", key)])
            .send()
            .await?
            .json()
            .await?;
        let token = snapshot["new_token"].as_str().ok_or("no token")?.to_owned();
        let (mut socket, _) =
            tokio_tungstenite::connect_async(format!("{ws_base}/ws/visitor")).await?;
        socket
            .send(WsMessage::Text(
                serde_json::to_string(&ClientFrame::Hello {
                    token: Some(token),
                    after: None,
                    inbox: None,
                })?
                .into(),
            ))
            .await?;
        loop {
            if let Some(ServerFrame::Ready { .. }) = next_frame(&mut socket).await {
                break;
            }
        }
        visitors.push(socket);
    }

    let total = args.visitors * args.messages;
    let sent: Sent = Arc::new(Mutex::new(HashMap::with_capacity(total)));
    let before = target.usage();
    let started = Instant::now();
    let receiver = {
        let sent = Arc::clone(&sent);
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(total);
            while latencies.len() < total {
                match tokio::time::timeout(Duration::from_secs(30), next_frame(&mut agent)).await {
                    Ok(Some(ServerFrame::Event {
                        event: Event::MessagePosted { message },
                        ..
                    })) => {
                        let key = message.client_id.unwrap_or_default();
                        if let Some(at) = lock(&sent).remove(&key) {
                            latencies.push(at.elapsed());
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            (latencies, Instant::now())
        })
    };

    let mut senders = Vec::with_capacity(args.visitors);
    for (v, mut socket) in visitors.into_iter().enumerate() {
        let sent = Arc::clone(&sent);
        let messages = args.messages;
        let pause = Duration::from_millis(args.pause_ms);
        // Paced visitors start spread over one pause, so sends arrive evenly (at visitors /
        // pause a second) rather than in a burst of every visitor at once each round.
        let offset = pause.mul_f64(v as f64 / args.visitors as f64);
        senders.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut acked = 0usize;
            for m in 0..messages {
                let client_id = format!("v{v}-m{m}");
                let frame = ClientFrame::Send {
                    client_id: client_id.clone(),
                    conversation_id: None,
                    body: format!("Benchmark message {m} from visitor {v}"),
                    attachments: Vec::new(),
                    note: false,
                };
                let Ok(text) = serde_json::to_string(&frame) else {
                    break;
                };
                lock(&sent).insert(client_id, Instant::now());
                if socket.send(WsMessage::Text(text.into())).await.is_err() {
                    break;
                }
                loop {
                    match next_frame(&mut socket).await {
                        Some(ServerFrame::Ack { .. }) => {
                            acked += 1;
                            break;
                        }
                        Some(ServerFrame::Refused { .. }) | None => return acked,
                        Some(_) => {}
                    }
                }
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            acked
        }));
    }
    let mut acked = 0;
    for sender in senders {
        acked += sender.await.unwrap_or(0);
    }
    let (mut latencies, finished) = receiver.await?;
    let elapsed = finished.duration_since(started);
    let after = target.usage();
    latencies.sort_unstable();
    let pct = |p: f64| -> Duration {
        if latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index.min(latencies.len() - 1)]
    };
    println!("committed (acknowledged) messages: {acked} of {total}");
    println!("delivered to the agent:            {}", latencies.len());
    println!(
        "elapsed:                           {:.2} s",
        elapsed.as_secs_f64()
    );
    println!(
        "sustained throughput:              {:.0} messages/s",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "visitor→agent latency p50:         {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3
    );
    println!(
        "visitor→agent latency p90:         {:.2} ms",
        pct(0.90).as_secs_f64() * 1e3
    );
    println!(
        "visitor→agent latency p99:         {:.2} ms",
        pct(0.99).as_secs_f64() * 1e3
    );
    println!(
        "visitor→agent latency max:         {:.2} ms",
        pct(1.0).as_secs_f64() * 1e3
    );
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "server CPU:                        {:.2} cores ({:.1} s over the run)",
            (after.cpu_secs - before.cpu_secs) / elapsed.as_secs_f64(),
            after.cpu_secs - before.cpu_secs
        );
        println!(
            "server memory:                     {} MiB resident ({} MiB before, peak {} MiB)",
            after.rss_kib / 1024,
            before.rss_kib / 1024,
            after.peak_kib / 1024
        );
    }
    for tab in quiet {
        tab.abort();
    }
    target.stop().await;
    Ok(())
}

fn lock(sent: &Sent) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
    sent.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
