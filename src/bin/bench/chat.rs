//! The chat scenario: visitors send messages, each waiting for the previous one's
//! acknowledgement (or paced), and one agent receives them. Reports committed messages a
//! second and the visitor-to-agent latency of acknowledged messages. With `--against-socketio`
//! the same generator then drives a Socket.IO relay in the same run, and the two are compared.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::SinkExt;
use switchboard::protocol::{ClientFrame, Event, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::process::{self, Usage};
use super::socketio::{self, Relay};
use super::{Bench, BenchResult, WsStream, agent, idle, next_frame, next_text};

/// Settings of the chat scenario.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
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
    /// Then run the same messages through a Socket.IO relay (`scripts/socketio-relay`, Node.js)
    /// and compare the two.
    #[arg(long)]
    against_socketio: bool,
    /// The server binary to start (default: `switchboard` beside this benchmark).
    #[arg(long)]
    server_binary: Option<std::path::PathBuf>,
    /// Also post every message to an event webhook endpoint (`message.created`) served by this
    /// process, and report when the deliveries were all received.
    #[arg(long)]
    webhook: bool,
    /// Server processes on one PostgreSQL database (`SWITCHBOARD_DATABASE_URL`): visitors are
    /// spread over them in turn, the agent is on the last one.
    #[arg(long, default_value_t = 1)]
    nodes: usize,
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

    /// The `http://` and `ws://` addresses of every node.
    fn nodes(&self) -> Vec<(String, String)> {
        match self {
            Target::InProcess(b) => vec![(b.base.clone(), b.ws_base.clone())],
            Target::Process(p) => p.nodes(),
        }
    }

    fn usage(&self) -> Option<Usage> {
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

/// How a run speaks to its server: Switchboard's protocol, or Socket.IO's.
#[derive(Debug, Clone, Copy)]
enum Protocol {
    Switchboard,
    SocketIo,
}

/// What a visitor heard after sending.
enum Heard {
    /// Its message was acknowledged.
    Ack,
    /// Its message was refused.
    Refused,
    /// The server pinged (Socket.IO's pings are packets the client must answer).
    Ping,
    /// Anything else.
    Other,
}

/// The relayed message of the Socket.IO run: the visitor's client id and the text.
#[derive(serde::Serialize, serde::Deserialize)]
struct Relayed {
    id: String,
    body: String,
}

impl Protocol {
    /// The frame that sends message `client_id`, the `seq`-th of its visitor.
    fn send(self, client_id: &str, body: String, seq: usize) -> BenchResult<String> {
        Ok(match self {
            Protocol::Switchboard => serde_json::to_string(&ClientFrame::Send {
                client_id: client_id.to_owned(),
                conversation_id: None,
                body,
                attachments: Vec::new(),
                note: false,
            })?,
            Protocol::SocketIo => {
                let relayed = Relayed {
                    id: client_id.to_owned(),
                    body,
                };
                format!("42{seq}{}", serde_json::to_string(&("message", relayed))?)
            }
        })
    }

    /// What a visitor's frame says about their `seq`-th message.
    fn heard(self, text: &str, seq: usize) -> Heard {
        match self {
            Protocol::Switchboard => match serde_json::from_str(text) {
                Ok(ServerFrame::Ack { .. }) => Heard::Ack,
                Ok(ServerFrame::Refused { .. }) => Heard::Refused,
                _ => Heard::Other,
            },
            Protocol::SocketIo if text == "2" => Heard::Ping,
            Protocol::SocketIo => {
                let ack = text
                    .strip_prefix("43")
                    .and_then(|rest| rest.strip_prefix(&seq.to_string()))
                    .is_some_and(|rest| rest.starts_with('['));
                if ack { Heard::Ack } else { Heard::Other }
            }
        }
    }

    /// The client id of the message an agent's frame delivers, if it delivers one.
    fn delivered(self, text: &str) -> Option<String> {
        match self {
            Protocol::Switchboard => match serde_json::from_str(text) {
                Ok(ServerFrame::Event {
                    event: Event::MessagePosted { message },
                    ..
                }) => message.client_id,
                _ => None,
            },
            Protocol::SocketIo => {
                let (name, relayed): (String, Relayed) =
                    serde_json::from_str(text.strip_prefix("42")?).ok()?;
                (name == "message").then_some(relayed.id)
            }
        }
    }
}

/// Serves a receiver on 127.0.0.1 counting the posts it gets, and subscribes it to the inbox's
/// messages (the benchmark's agent is an admin).
async fn webhook_receiver(
    http: &reqwest::Client,
    base: &str,
    inbox_id: i64,
) -> BenchResult<Arc<std::sync::atomic::AtomicUsize>> {
    let received = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/events",
        axum::routing::post(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { axum::http::StatusCode::OK }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/events", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let added = http
        .post(format!("{base}/api/add_webhook_endpoint"))
        .form(&[
            ("inbox_id", inbox_id.to_string().as_str()),
            ("url", url.as_str()),
            ("events[0]", "message.created"),
        ])
        .send()
        .await?;
    if !added.status().is_success() {
        return Err(format!("adding the endpoint: {}", added.text().await?).into());
    }
    println!("webhook: every message is posted to {url}");
    Ok(received)
}

/// When each message was sent, by client id, until the agent receives it.
type Sent = Arc<Mutex<HashMap<String, Instant>>>;

fn lock(sent: &Sent) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
    sent.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A delivery slower than this counts as slow in the report of when slow ones happened.
const SLOW: Duration = Duration::from_millis(10);

/// How late this process's own timers fire while the messages run: a 1 ms sleep, again and
/// again, until `done`. When the generator itself stalls, its latencies include the stall.
async fn lateness(done: Arc<std::sync::atomic::AtomicBool>) -> Vec<Duration> {
    let mut late = Vec::new();
    while !done.load(std::sync::atomic::Ordering::Relaxed) {
        let asked = Instant::now() + Duration::from_millis(1);
        tokio::time::sleep_until(asked.into()).await;
        late.push(Instant::now().saturating_duration_since(asked));
    }
    late.sort_unstable();
    late
}

/// A stretch of the run in which slow deliveries were sent, each less than 50 ms after the
/// one before.
struct Burst {
    /// When its first slow message was sent, from the run's start.
    from: Duration,
    /// When its last slow message was sent.
    to: Duration,
    /// How many slow messages it holds.
    count: usize,
    /// The slowest of them.
    worst: Duration,
}

/// The bursts of deliveries slower than `slow`, the most slow messages first, from each message's send time
/// (from the run's start) and latency.
fn bursts(sent_at: &[Duration], latencies: &[Duration], slow: Duration) -> Vec<Burst> {
    let mut slow_ones: Vec<(Duration, Duration)> = sent_at
        .iter()
        .zip(latencies)
        .filter(|(_, latency)| **latency > slow)
        .map(|(at, latency)| (*at, *latency))
        .collect();
    slow_ones.sort_unstable();
    let mut bursts: Vec<Burst> = Vec::new();
    for (at, latency) in slow_ones {
        match bursts.last_mut() {
            Some(b) if at.saturating_sub(b.to) < Duration::from_millis(50) => {
                b.to = at;
                b.count += 1;
                b.worst = b.worst.max(latency);
            }
            _ => bursts.push(Burst {
                from: at,
                to: at,
                count: 1,
                worst: latency,
            }),
        }
    }
    bursts.sort_unstable_by_key(|b| std::cmp::Reverse(b.count));
    bursts
}

/// What one run measured.
struct Figures {
    total: usize,
    acked: usize,
    /// Send-to-agent latency of each delivered message, sorted.
    latencies: Vec<Duration>,
    /// When the slow deliveries were sent, grouped, most slow messages first.
    slow: Vec<Burst>,
    /// How late the generator's own 1 ms timers fired during the run, sorted.
    lag: Vec<Duration>,
    elapsed: Duration,
    /// The server's use before and after the run, when it is a process of its own.
    usage: Option<(Usage, Usage)>,
}

impl Figures {
    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index.min(self.latencies.len() - 1)]
    }

    fn print(&self) {
        let ms = |p: f64| self.percentile(p).as_secs_f64() * 1e3;
        println!(
            "acknowledged messages:             {} of {}",
            self.acked, self.total
        );
        println!(
            "delivered to the agent:            {}",
            self.latencies.len()
        );
        println!(
            "elapsed:                           {:.2} s",
            self.elapsed.as_secs_f64()
        );
        println!(
            "sustained throughput:              {:.0} messages/s",
            self.throughput()
        );
        println!("visitor→agent latency p50:         {:.2} ms", ms(0.50));
        println!("visitor→agent latency p90:         {:.2} ms", ms(0.90));
        println!("visitor→agent latency p99:         {:.2} ms", ms(0.99));
        println!("visitor→agent latency max:         {:.2} ms", ms(1.0));
        let slow: usize = self.slow.iter().map(|b| b.count).sum();
        println!(
            "slower than {} ms:                 {slow} messages, sent in {} bursts",
            SLOW.as_millis(),
            self.slow.len()
        );
        for b in self.slow.iter().take(3) {
            println!(
                "  {} sent {:.2}–{:.2} s into the run, slowest {:.1} ms",
                b.count,
                b.from.as_secs_f64(),
                b.to.as_secs_f64(),
                b.worst.as_secs_f64() * 1e3
            );
        }
        let late = |p: f64| {
            let i = ((self.lag.len() as f64 - 1.0) * p).round() as usize;
            self.lag.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        println!(
            "generator's own timer lateness:    p50 {:.2}, p99 {:.2}, max {:.2} ms",
            late(0.5),
            late(0.99),
            late(1.0)
        );
        if let Some((before, after)) = self.usage {
            println!(
                "server CPU:                        {:.2} cores ({:.1} s over the run)",
                (after.cpu_secs - before.cpu_secs) / self.elapsed.as_secs_f64(),
                after.cpu_secs - before.cpu_secs
            );
            println!(
                "server memory:                     {} MiB resident ({} MiB before, peak {} MiB)",
                after.rss_kib / 1024,
                before.rss_kib / 1024,
                after.peak_kib / 1024
            );
        }
    }
}

/// Runs the scenario and prints its figures.
pub async fn run(args: ChatArgs) -> BenchResult<()> {
    let target = if args.in_process {
        Target::InProcess(Box::new(Bench::start().await?))
    } else {
        let binary = args
            .server_binary
            .clone()
            .unwrap_or_else(process::default_binary);
        Target::Process(process::ServerProcess::start_nodes(&binary, args.nodes).await?)
    };
    let (base, ws_base, key) = target.urls();
    println!(
        "server {base} ({}, {}) · {} visitors × {} messages{}",
        if args.in_process {
            "in this process"
        } else {
            "a process of its own"
        },
        database_kind(),
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
    let nodes = target.nodes();
    if nodes.len() > 1 {
        println!(
            "{} nodes on {}: visitors spread over them, the agent on the last",
            nodes.len(),
            database_kind()
        );
    }
    let (agent_base, agent_ws) = nodes.last().ok_or("no node")?;
    let (http, agent) = agent(agent_base, agent_ws).await?;
    let received = match (&target, args.webhook) {
        (_, false) => None,
        (Target::InProcess(_), true) => {
            return Err("--webhook needs the server as a process".into());
        }
        (Target::Process(server), true) => {
            Some(webhook_receiver(&http, agent_base, server.inbox_id).await?)
        }
    };
    let started = Instant::now();
    // The visitors: tokens and sockets first, so connecting is not measured as messaging.
    let mut visitors = Vec::with_capacity(args.visitors);
    for n in 0..args.visitors {
        let (base, ws_base) = &nodes[n % nodes.len()];
        visitors.push(visitor(base, ws_base, key).await?);
    }
    first_messages(Protocol::Switchboard, &mut visitors).await?;
    let ours = messages(Protocol::Switchboard, visitors, agent, &args, || {
        target.usage()
    })
    .await?;
    ours.print();
    if let Some(received) = received {
        // Every message, the visitors' first ones included, makes one delivery.
        let expected = ours.acked + args.visitors;
        let deadline = Instant::now() + Duration::from_secs(300);
        while received.load(std::sync::atomic::Ordering::SeqCst) < expected
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let count = received.load(std::sync::atomic::Ordering::SeqCst);
        let took = started.elapsed();
        println!(
            "webhook: {count} of {expected} deliveries received, the last {:.2} s after the first \
             message was sent ({:.0} deliveries/s; the messages took {:.2} s)",
            took.as_secs_f64(),
            count as f64 / took.as_secs_f64(),
            ours.elapsed.as_secs_f64()
        );
    }
    for tab in quiet {
        tab.abort();
    }
    target.stop().await;

    if args.against_socketio {
        let relay = Relay::start()?;
        println!(
            "\nthe same against a Socket.IO relay (Node.js {}, a process of its own, storing nothing)",
            node_version()
        );
        let quiet = socketio::hold(&relay.ws_url, args.connected).await?;
        let agent = socketio::agent(&relay.ws_url).await?;
        let mut visitors = Vec::with_capacity(args.visitors);
        for _ in 0..args.visitors {
            visitors.push(socketio::connect(&relay.ws_url).await?);
        }
        first_messages(Protocol::SocketIo, &mut visitors).await?;
        let theirs = messages(Protocol::SocketIo, visitors, agent, &args, || relay.usage()).await?;
        theirs.print();
        for tab in quiet {
            tab.abort();
        }
        let p99 = |f: &Figures| f.percentile(0.99).as_secs_f64() * 1e3;
        println!("\nSwitchboard against the relay, same generator, same run:");
        println!(
            "throughput:  {:.0} against {:.0} messages/s ({:.2}× the relay's)",
            ours.throughput(),
            theirs.throughput(),
            ours.throughput() / theirs.throughput()
        );
        println!(
            "p99 latency: {:.2} against {:.2} ms ({:.2}× the relay's)",
            p99(&ours),
            p99(&theirs),
            p99(&ours) / p99(&theirs)
        );
    }
    Ok(())
}

/// `node --version`, for the report.
fn node_version() -> String {
    std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "?".to_owned(), |v| v.trim().to_owned())
}

/// A new visitor of the inbox `key`: their token, then their socket, ready.
async fn visitor(base: &str, ws_base: &str, key: &str) -> BenchResult<WsStream> {
    let snapshot: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/widget_start"))
        .form(&[("key", key)])
        .send()
        .await?
        .json()
        .await?;
    let token = snapshot["new_token"].as_str().ok_or("no token")?.to_owned();
    let mut socket = super::connect(format!("{ws_base}/ws/visitor")).await?;
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
        match next_frame(&mut socket).await {
            Some(ServerFrame::Ready { .. }) => return Ok(socket),
            Some(_) => {}
            None => return Err("a visitor's socket closed before ready".into()),
        }
    }
}

/// Every visitor says hello first, all at once, each waiting for its acknowledgement; the
/// run measures the messages that follow. A visitor's first message opens their conversation,
/// which is other work than a message (routing, the opening itself) and has its figure here:
/// counted in with the messages, a paced run would start with every conversation of the run
/// opening in its first pause.
async fn first_messages(protocol: Protocol, visitors: &mut [WsStream]) -> BenchResult<()> {
    let started = Instant::now();
    let said = futures::future::join_all(visitors.iter_mut().enumerate().map(
        |(v, socket)| async move {
            let text = protocol
                .send(&format!("v{v}-hello"), format!("Hello from visitor {v}"), 0)
                .ok()?;
            socket.send(WsMessage::Text(text.into())).await.ok()?;
            loop {
                match protocol.heard(&next_text(socket).await?, 0) {
                    Heard::Ack => return Some(()),
                    Heard::Refused => return None,
                    Heard::Ping => socket.send(WsMessage::Text("3".into())).await.ok()?,
                    Heard::Other => {}
                }
            }
        },
    ))
    .await;
    let acked = said.iter().flatten().count();
    let took = started.elapsed().as_secs_f64();
    println!(
        "first messages (not in the figures below): {acked} of {} acknowledged in {took:.2} s, \
         {:.0} a second",
        visitors.len(),
        acked as f64 / took
    );
    if acked < visitors.len() {
        return Err("a visitor's first message was not acknowledged".into());
    }
    Ok(())
}

/// The message run itself, the same whatever the server: every visitor sends its messages,
/// each waiting for the previous one's acknowledgement (and the pause, if any), while the agent
/// receives them. `usage` reads the server's use before and after.
async fn messages(
    protocol: Protocol,
    visitors: Vec<WsStream>,
    mut agent: WsStream,
    args: &ChatArgs,
    usage: impl Fn() -> Option<Usage>,
) -> BenchResult<Figures> {
    let total = visitors.len() * args.messages;
    let sent: Sent = Arc::new(Mutex::new(HashMap::with_capacity(total)));
    let before = usage();
    let started = Instant::now();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lag = tokio::spawn(lateness(Arc::clone(&done)));
    let receiver = {
        let sent = Arc::clone(&sent);
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(total);
            let mut sent_at = Vec::with_capacity(total);
            let mut last_delivery = Instant::now();
            while latencies.len() < total {
                // Gives up 30 s after the last delivery (pings do not count): a message that
                // was refused or never sent does not hold the run.
                let quiet_until =
                    tokio::time::Instant::from_std(last_delivery) + Duration::from_secs(30);
                let Ok(Some(text)) =
                    tokio::time::timeout_at(quiet_until, next_text(&mut agent)).await
                else {
                    break;
                };
                if matches!(protocol, Protocol::SocketIo)
                    && text == "2"
                    && agent.send(WsMessage::Text("3".into())).await.is_err()
                {
                    break;
                }
                if let Some(client_id) = protocol.delivered(&text)
                    && let Some(at) = lock(&sent).remove(&client_id)
                {
                    last_delivery = Instant::now();
                    latencies.push(last_delivery.duration_since(at));
                    sent_at.push(at.duration_since(started));
                }
            }
            (latencies, sent_at, last_delivery)
        })
    };

    let count = visitors.len();
    let mut senders = Vec::with_capacity(count);
    for (v, mut socket) in visitors.into_iter().enumerate() {
        let sent = Arc::clone(&sent);
        let messages = args.messages;
        let pause = Duration::from_millis(args.pause_ms);
        // Paced visitors start spread over one pause, so sends arrive evenly (at visitors /
        // pause a second) rather than in a burst of every visitor at once each round.
        let offset = pause.mul_f64(v as f64 / count as f64);
        senders.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut acked = 0usize;
            for m in 0..messages {
                let client_id = format!("v{v}-m{m}");
                let body = format!("Benchmark message {m} from visitor {v}");
                let Ok(text) = protocol.send(&client_id, body, m) else {
                    break;
                };
                lock(&sent).insert(client_id, Instant::now());
                if socket.send(WsMessage::Text(text.into())).await.is_err() {
                    break;
                }
                loop {
                    let Some(text) = next_text(&mut socket).await else {
                        return acked;
                    };
                    match protocol.heard(&text, m) {
                        Heard::Ack => {
                            acked += 1;
                            break;
                        }
                        Heard::Refused => return acked,
                        Heard::Ping => {
                            if socket.send(WsMessage::Text("3".into())).await.is_err() {
                                return acked;
                            }
                        }
                        Heard::Other => {}
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
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (latencies, sent_at, finished) = receiver.await?;
    let lag = lag.await?;
    let slow = bursts(&sent_at, &latencies, SLOW);
    let mut latencies = latencies;
    latencies.sort_unstable();
    Ok(Figures {
        total,
        acked,
        latencies,
        slow,
        lag,
        elapsed: finished.duration_since(started),
        usage: before.zip(usage()),
    })
}

/// The database the servers run on, as the figures name it.
fn database_kind() -> &'static str {
    match std::env::var("SWITCHBOARD_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => "PostgreSQL",
        _ => "SQLite",
    }
}
