//! Faults with the server as a process of its own (the `switchboard` binary of this build):
//! killed with SIGKILL while visitors send, restarted on the same data directory, then stopped
//! with SIGTERM; two such processes on one PostgreSQL database, one of them killed; and a
//! reconnect storm, a thousand workspace tabs dropping and resuming at
//! once, ten times, while messages flow, with the server's memory read from `/proc`. Clients
//! behave as the widget and the workspace do: they reconnect, resume from the last event they
//! saw and send again what was not acknowledged, with the same client id.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use switchboard::protocol::{ClientFrame, Event, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::PASSWORD;

const ADMIN: &str = "admin@example.com";
const VISITORS: usize = 20;
const MESSAGES: usize = 30;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The server binary on a fixed loopback port and a data directory that outlives it.
struct Process {
    child: Child,
}

impl Process {
    /// Starts the binary on `port` with `dir` and waits until it listens.
    fn start(dir: &Path, port: u16) -> Process {
        // Through a shell that ignores SIGXFSZ (kept across its exec), so a file-size limit
        // set later makes writes fail as a full disk does instead of killing the process.
        let mut child = Command::new("sh")
            .args([
                "-c",
                "trap '' XFSZ; exec \"$0\"",
                env!("CARGO_BIN_EXE_switchboard"),
            ])
            .env("SWITCHBOARD_LISTEN", format!("127.0.0.1:{port}"))
            .env("SWITCHBOARD_DATA_DIR", dir)
            .envs(
                std::fs::read_to_string(dir.join("postgres-url"))
                    .map(|url| ("SWITCHBOARD_DATABASE_URL", url)),
            )
            .env("SWITCHBOARD_LOG", "warn,switchboard::server=info")
            .env("SWITCHBOARD_ADMIN_EMAIL", ADMIN)
            .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
            // Every simulated visitor comes from 127.0.0.1, as fast as it can.
            .env("SWITCHBOARD_NEW_VISITORS_PER_MINUTE", "0")
            .env("SWITCHBOARD_SOCKETS_PER_ADDRESS", "0")
            .env("SWITCHBOARD_MESSAGES_PER_SECOND", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let (listening, heard) = std::sync::mpsc::channel();
        for output in [
            child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let listening = listening.clone();
            // Read to the end, so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(output).lines().map_while(Result::ok) {
                    if line.contains("listening on http://") {
                        let _ = listening.send(());
                    }
                }
            });
        }
        heard
            .recv_timeout(Duration::from_secs(60))
            .expect("the server listens within 60 s");
        Process { child }
    }

    /// Its resident memory, in KiB (`/proc/PID/status`).
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .expect("VmRSS")
    }

    /// Lets its files grow no further than `bytes` (`None`: no limit again): every write past
    /// the limit fails, as on a full disk.
    fn limit_file_size(&self, bytes: Option<u64>) {
        let soft = bytes.map_or("unlimited".to_owned(), |b| b.to_string());
        let status = Command::new("prlimit")
            .args([
                "--pid",
                &self.child.id().to_string(),
                &format!("--fsize={soft}:unlimited"),
            ])
            .status()
            .expect("prlimit");
        assert!(status.success(), "prlimit");
    }

    /// SIGKILL: no chance to finish anything.
    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }

    /// SIGTERM, then its exit status (within 20 s).
    fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
        for _ in 0..200 {
            if let Some(exit) = self.child.try_wait().expect("wait") {
                return exit;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("still running 20 s after SIGTERM");
    }
}

impl Drop for Process {
    /// A test that fails leaves no server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data directory (and on PostgreSQL a database of its own), a free port, and the
/// server's HTTP and WebSocket addresses on it.
async fn fresh_site() -> (tempfile::TempDir, u16, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::common::database_url_in(dir.path()).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let ws_base = format!("ws://127.0.0.1:{port}");
    (dir, port, base, ws_base)
}

/// A free loopback port (the listener that found it is closed again).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The admin of a fresh server, signed in, with the inbox they made.
struct Admin {
    /// Their HTTP client (cookie jar).
    http: reqwest::Client,
    /// Their session cookie, for sockets.
    cookie: HeaderValue,
    /// The inbox's widget key.
    key: String,
}

impl Admin {
    async fn sign_in(base: &str) -> Admin {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .build()
            .expect("client");
        let signed_in = http
            .post(format!("{base}/api/sign_in"))
            .form(&[("email", ADMIN), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign in");
        assert!(signed_in.status().is_success());
        let inbox: serde_json::Value = http
            .post(format!("{base}/api/create_inbox"))
            .form(&[("name", "Website")])
            .send()
            .await
            .expect("create inbox")
            .json()
            .await
            .expect("an inbox");
        let key = inbox["key"].as_str().expect("its key").to_owned();
        let cookie = jar
            .cookies(&base.parse().expect("url"))
            .expect("a session cookie");
        Admin { http, cookie, key }
    }
}

/// A new visitor of the inbox: their token.
async fn visitor_token(http: &reqwest::Client, base: &str, key: &str) -> String {
    let started: serde_json::Value = http
        .post(format!("{base}/api/widget_start"))
        .form(&[("key", key)])
        .send()
        .await
        .expect("widget_start")
        .json()
        .await
        .expect("a snapshot");
    started["new_token"].as_str().expect("a token").to_owned()
}

/// The client ids of a conversation's messages as the database holds them, read over HTTP
/// by the signed-in `http`.
async fn stored_client_ids(
    http: &reqwest::Client,
    base: &str,
    conversation_id: i64,
) -> Vec<String> {
    let detail: switchboard::model::ConversationDetail = http
        .post(format!("{base}/api/conversation"))
        .form(&[("id", conversation_id.to_string())])
        .send()
        .await
        .expect("conversation")
        .json()
        .await
        .expect("its detail");
    detail
        .messages
        .into_iter()
        .filter_map(|m| m.client_id)
        .collect()
}

/// Opens a socket and says hello; `None` while the server is down.
async fn connect(url: &str, cookie: Option<&HeaderValue>, hello: &ClientFrame) -> Option<Ws> {
    let mut request = url.into_client_request().expect("request");
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.clone());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.ok()?;
    let hello = serde_json::to_string(hello).expect("json");
    ws.send(WsMessage::Text(hello.into())).await.ok()?;
    Some(ws)
}

/// The next frame, or the server's closing code when the socket ended (`None`: without a
/// closing frame); a socket silent for 30 s counts as gone.
async fn read(ws: &mut Ws) -> Result<ServerFrame, Option<CloseCode>> {
    loop {
        // A liveness bound, not a speed test: in the reconnect storm, 1,000 tabs catch up at
        // once on two cores shared with the other tests.
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(WsMessage::Text(text)))) => {
                return Ok(serde_json::from_str(&text).expect("a protocol frame"));
            }
            Ok(Some(Ok(WsMessage::Close(frame)))) => return Err(frame.map(|f| f.code)),
            Ok(Some(Ok(_))) => {}
            _ => return Err(None),
        }
    }
}

/// What the clients saw.
#[derive(Default)]
struct Seen {
    /// Send frames written, retries included.
    sent: AtomicUsize,
    /// Client ids acknowledged, and the conversation each went to.
    acked: Mutex<HashMap<String, i64>>,
    /// The agent's `message_posted` events: (event id, client id), in arrival order.
    delivered: Mutex<Vec<(i64, String)>>,
    /// How the server closed the agent's sockets.
    agent_closes: Mutex<Vec<Option<CloseCode>>>,
}

/// A visitor sending `MESSAGES` messages one after the other, each acknowledged before the
/// next; through a crash it reconnects (to the next of `ws_urls`, as a load balancer would
/// send it to another node) and sends the unacknowledged one again.
async fn visitor(ws_urls: Vec<String>, token: String, n: usize, seen: Arc<Seen>) {
    let hello = ClientFrame::Hello {
        token: Some(token),
        after: None,
        inbox: None,
    };
    let mut socket: Option<Ws> = None;
    let mut attempts = 0;
    for m in 0..MESSAGES {
        let client_id = format!("v{n}-{m}");
        'retry: loop {
            let ws = match socket.as_mut() {
                Some(ws) => ws,
                None => {
                    let ws_url = &ws_urls[attempts % ws_urls.len()];
                    attempts += 1;
                    match connect(ws_url, None, &hello).await {
                        Some(ws) => socket.insert(ws),
                        None => {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    }
                }
            };
            let frame = crate::common::send(&client_id, None, &format!("Message {client_id}"));
            let text = serde_json::to_string(&frame).expect("json");
            seen.sent.fetch_add(1, Ordering::Relaxed);
            if ws.send(WsMessage::Text(text.into())).await.is_err() {
                socket = None;
                continue;
            }
            loop {
                match read(ws).await {
                    Ok(ServerFrame::Ack {
                        client_id: id,
                        message,
                    }) if id == client_id => {
                        seen.acked
                            .lock()
                            .expect("lock")
                            .insert(id, message.conversation_id);
                        break 'retry;
                    }
                    Ok(ServerFrame::Refused { code, .. }) => panic!("refused: {code}"),
                    Ok(_) => {}
                    Err(_) => {
                        socket = None;
                        // The same node again first (a restart), then the next.
                        attempts += 1;
                        continue 'retry;
                    }
                }
            }
        }
    }
}

/// The agent's socket: every `message_posted` it hears; after a crash it resumes from the
/// last event id it saw, on the next of `ws_urls` when its node is gone. Ends once `finished`
/// is set and its socket closes.
async fn agent(
    ws_urls: Vec<String>,
    cookie: HeaderValue,
    seen: Arc<Seen>,
    finished: Arc<AtomicBool>,
) {
    // From the first event on (a hello without `after` gets live events only).
    let mut last = Some(0);
    let mut attempts = 0;
    loop {
        let ws_url = &ws_urls[attempts % ws_urls.len()];
        attempts += 1;
        let hello = ClientFrame::Hello {
            token: None,
            after: last,
            inbox: None,
        };
        let Some(mut ws) = connect(ws_url, Some(&cookie), &hello).await else {
            if finished.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        loop {
            match read(&mut ws).await {
                Ok(ServerFrame::Event { id, event, .. }) => {
                    if let Some(before) = last {
                        assert!(id > before, "event {id} after {before}");
                    }
                    last = Some(id);
                    if let Event::MessagePosted { message } = event
                        && message.author == switchboard::model::Author::Visitor
                    {
                        let client_id = message.client_id.expect("a visitor's client id");
                        seen.delivered.lock().expect("lock").push((id, client_id));
                    }
                }
                Ok(_) => {}
                Err(code) => {
                    seen.agent_closes.lock().expect("lock").push(code);
                    break;
                }
            }
        }
        if finished.load(Ordering::SeqCst) {
            return;
        }
    }
}

/// Prints what a crash run counted and checks that every acknowledged message was stored
/// once and delivered to the agent once, and nothing else was.
fn each_once(
    run: &str,
    seen: &Seen,
    acked: &HashMap<String, i64>,
    acked_before_kill: usize,
    stored: &HashMap<String, usize>,
    delivered: &[(i64, String)],
) {
    let mut per_id: HashMap<&String, usize> = HashMap::new();
    for (_, id) in delivered {
        *per_id.entry(id).or_default() += 1;
    }
    let duplicates =
        per_id.values().filter(|&&n| n > 1).count() + stored.values().filter(|&&n| n > 1).count();
    let lost = acked.keys().filter(|id| !stored.contains_key(*id)).count();
    eprintln!(
        "{run}: sent {} (retries included), acked {} ({acked_before_kill} before the kill), stored {}, delivered {}, duplicates {duplicates}, lost {lost}",
        seen.sent.load(Ordering::Relaxed),
        acked.len(),
        stored.len(),
        delivered.len(),
    );
    assert_eq!(duplicates, 0, "each message stored and delivered once");
    assert_eq!(lost, 0, "every acknowledged message stored");
    assert_eq!(
        stored.len(),
        acked.len(),
        "nothing stored that was not sent"
    );
    assert_eq!(delivered.len(), acked.len(), "each delivered once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_stream_nothing_acknowledged_is_lost_or_doubled_and_sigterm_ends_cleanly() {
    let (dir, port, base, ws_base) = fresh_site().await;
    let server = Process::start(dir.path(), port);

    let Admin { http, cookie, key } = Admin::sign_in(&base).await;

    let seen = Arc::new(Seen::default());
    let finished = Arc::new(AtomicBool::new(false));
    let agent = tokio::spawn(agent(
        vec![format!("{ws_base}/ws/agent")],
        cookie,
        Arc::clone(&seen),
        Arc::clone(&finished),
    ));
    let mut visitors = Vec::new();
    for n in 0..VISITORS {
        let token = visitor_token(&http, &base, &key).await;
        visitors.push(tokio::spawn(visitor(
            vec![format!("{ws_base}/ws/visitor")],
            token,
            n,
            Arc::clone(&seen),
        )));
    }

    // Mid-stream: a third of the messages acknowledged, the rest still coming.
    crate::common::eventually("a third of the messages acknowledged", || async {
        (seen.acked.lock().expect("lock").len() >= VISITORS * MESSAGES / 3).then_some(())
    })
    .await;
    server.kill();
    let acked_before_kill = seen.acked.lock().expect("lock").len();
    assert!(acked_before_kill < VISITORS * MESSAGES, "killed mid-stream");
    let server = Process::start(dir.path(), port);

    for visitor in visitors {
        visitor
            .await
            .expect("every visitor's messages acknowledged");
    }
    let acked = seen.acked.lock().expect("lock").clone();
    assert_eq!(acked.len(), VISITORS * MESSAGES);
    crate::common::eventually("the agent has every acknowledged message", || async {
        let delivered = seen.delivered.lock().expect("lock");
        let ids: HashSet<&String> = delivered.iter().map(|(_, id)| id).collect();
        acked.keys().all(|id| ids.contains(id)).then_some(())
    })
    .await;

    // What the database holds, read by the agent over HTTP, conversation by conversation.
    let mut stored: HashMap<String, usize> = HashMap::new();
    for conversation_id in acked.values().collect::<HashSet<_>>() {
        for id in stored_client_ids(&http, &base, *conversation_id).await {
            *stored.entry(id).or_default() += 1;
        }
    }

    // SIGTERM: the agent's socket is told to reconnect, the process ends with success.
    finished.store(true, Ordering::SeqCst);
    let exit = server.terminate();
    agent.await.expect("the agent's socket ended");

    let delivered = seen.delivered.lock().expect("lock").clone();
    each_once(
        "kill -9 under load",
        &seen,
        &acked,
        acked_before_kill,
        &stored,
        &delivered,
    );
    assert!(exit.success(), "SIGTERM ends the process cleanly: {exit}");
    assert_eq!(
        seen.agent_closes.lock().expect("lock").last(),
        Some(&Some(CloseCode::Restart)),
        "the agent's socket was told to reconnect"
    );
}

/// Two processes on one PostgreSQL database (and one files directory, as a shared volume
/// would be): a visitor on node A and an agent on node B chat both ways; then, with twenty
/// visitors sending through A and the agent on B, A is killed with SIGKILL mid-stream. The
/// visitors reconnect to B and send again what was not acknowledged: every acknowledged
/// message is stored once, and the agent on B has each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_chat_across_and_one_killed_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("postgres-url"),
        crate::common::postgres_database().await,
    )
    .expect("the database's URL is kept");
    let (port_a, port_b) = (free_port(), free_port());
    let node_a = Process::start(dir.path(), port_a);
    let node_b = Process::start(dir.path(), port_b);
    let (base_a, base_b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    let (ws_a, ws_b) = (
        format!("ws://127.0.0.1:{port_a}"),
        format!("ws://127.0.0.1:{port_b}"),
    );
    let Admin { http, cookie, key } = Admin::sign_in(&base_b).await;

    // Both ways: a visitor on A writes, the agent on B answers, the visitor hears it on A.
    let hello = ClientFrame::Hello {
        token: None,
        after: Some(0),
        inbox: None,
    };
    let mut agent_ws = connect(&format!("{ws_b}/ws/agent"), Some(&cookie), &hello)
        .await
        .expect("the agent connects to B");
    let token = visitor_token(&http, &base_a, &key).await;
    let hello = ClientFrame::Hello {
        token: Some(token),
        after: None,
        inbox: None,
    };
    let mut visitor_ws = connect(&format!("{ws_a}/ws/visitor"), None, &hello)
        .await
        .expect("the visitor connects to A");
    answer_to(&mut visitor_ws, "hello", "Hello from A")
        .await
        .expect("acknowledged");
    let conversation_id = loop {
        if let ServerFrame::Event {
            event: Event::MessagePosted { message },
            ..
        } = read(&mut agent_ws).await.expect("B's socket stays open")
            && message.body == "Hello from A"
        {
            break message.conversation_id;
        }
    };
    let accepted = http
        .post(format!("{base_b}/api/accept_conversation"))
        .form(&[("id", conversation_id.to_string())])
        .send()
        .await
        .expect("accept");
    assert!(accepted.status().is_success());
    let reply = crate::common::send("reply", Some(conversation_id), "Hello from B");
    agent_ws
        .send(WsMessage::Text(
            serde_json::to_string(&reply).expect("json").into(),
        ))
        .await
        .expect("sent");
    loop {
        if let ServerFrame::Event {
            event: Event::MessagePosted { message },
            ..
        } = read(&mut visitor_ws).await.expect("A's socket stays open")
            && message.body == "Hello from B"
        {
            break;
        }
    }
    drop((agent_ws, visitor_ws));

    // The load: visitors through A (B when A is gone), the agent on B.
    let seen = Arc::new(Seen::default());
    let finished = Arc::new(AtomicBool::new(false));
    let agent = tokio::spawn(agent(
        vec![format!("{ws_b}/ws/agent"), format!("{ws_a}/ws/agent")],
        cookie,
        Arc::clone(&seen),
        Arc::clone(&finished),
    ));
    let mut visitors = Vec::new();
    for n in 0..VISITORS {
        let token = visitor_token(&http, &base_a, &key).await;
        visitors.push(tokio::spawn(visitor(
            vec![format!("{ws_a}/ws/visitor"), format!("{ws_b}/ws/visitor")],
            token,
            n,
            Arc::clone(&seen),
        )));
    }
    crate::common::eventually("a third of the messages acknowledged", || async {
        (seen.acked.lock().expect("lock").len() >= VISITORS * MESSAGES / 3).then_some(())
    })
    .await;
    node_a.kill();
    let acked_before_kill = seen.acked.lock().expect("lock").len();
    assert!(acked_before_kill < VISITORS * MESSAGES, "killed mid-stream");
    for visitor in visitors {
        visitor
            .await
            .expect("every visitor's messages acknowledged");
    }
    let acked = seen.acked.lock().expect("lock").clone();
    assert_eq!(acked.len(), VISITORS * MESSAGES);
    crate::common::eventually("the agent on B has every acknowledged message", || async {
        let delivered = seen.delivered.lock().expect("lock");
        let ids: HashSet<&String> = delivered.iter().map(|(_, id)| id).collect();
        acked.keys().all(|id| ids.contains(id)).then_some(())
    })
    .await;
    let mut stored: HashMap<String, usize> = HashMap::new();
    for conversation_id in acked.values().collect::<HashSet<_>>() {
        for id in stored_client_ids(&http, &base_b, *conversation_id).await {
            *stored.entry(id).or_default() += 1;
        }
    }
    finished.store(true, Ordering::SeqCst);
    let exit = node_b.terminate();
    agent.await.expect("the agent's socket ended");

    // The agent read the log from its start: the first visitor's "hello" is there too.
    let mut delivered = seen.delivered.lock().expect("lock").clone();
    delivered.retain(|(_, id)| id != "hello");
    each_once(
        "two nodes, A killed",
        &seen,
        &acked,
        acked_before_kill,
        &stored,
        &delivered,
    );
    assert!(exit.success(), "SIGTERM ends node B cleanly: {exit}");
}

const STORM_TABS: usize = 1_000;
const STORM_ROUNDS: usize = 10;

/// One workspace tab of the storm. Every round it catches up, listens for a while, then drops
/// its socket with every other tab at once and resumes from the last event it applied. At the
/// end it reads up to `last_id`. Returns the ids of every event it applied.
async fn storm_tab(
    ws_url: String,
    cookie: HeaderValue,
    together: Arc<tokio::sync::Barrier>,
    mut last_id: tokio::sync::watch::Receiver<Option<i64>>,
) -> Vec<i64> {
    let mut ids: Vec<i64> = Vec::new();
    let apply = |ids: &mut Vec<i64>, id: i64| {
        assert!(
            ids.last().is_none_or(|&last| id > last),
            "{id} out of order"
        );
        ids.push(id);
    };
    for round in 0..=STORM_ROUNDS {
        // From the first event on: a hello without `after` gets live events only.
        let hello = ClientFrame::Hello {
            token: None,
            after: Some(ids.last().copied().unwrap_or(0)),
            inbox: None,
        };
        let mut ws = connect(&ws_url, Some(&cookie), &hello)
            .await
            .expect("the tab reconnects");
        loop {
            match read(&mut ws).await.expect("caught up") {
                ServerFrame::Event { id, .. } => apply(&mut ids, id),
                ServerFrame::Ready { .. } => break,
                _ => {}
            }
        }
        together.wait().await;
        if round == STORM_ROUNDS {
            let last = *last_id
                .wait_for(Option::is_some)
                .await
                .expect("the last id is told");
            while ids.last().is_none_or(|&seen| Some(seen) < last) {
                if let ServerFrame::Event { id, .. } = read(&mut ws).await.expect("live") {
                    apply(&mut ids, id);
                }
            }
            return ids;
        }
        let listen_until = tokio::time::Instant::now() + Duration::from_millis(200);
        while let Ok(frame) = tokio::time::timeout_at(listen_until, read(&mut ws)).await {
            if let ServerFrame::Event { id, .. } = frame.expect("live") {
                apply(&mut ids, id);
            }
        }
        // Dropped without a closing handshake, as a lost network does.
        drop(ws);
        together.wait().await;
    }
    ids
}

/// A visitor sending a message every 50 ms until told to stop.
async fn paced_visitor(ws_url: String, token: String, n: usize, stop: Arc<AtomicBool>) {
    let hello = ClientFrame::Hello {
        token: Some(token),
        after: None,
        inbox: None,
    };
    let mut ws = connect(&ws_url, None, &hello).await.expect("connects");
    let mut m = 0;
    while !stop.load(Ordering::SeqCst) {
        let client_id = format!("p{n}-{m}");
        let frame = crate::common::send(&client_id, None, "Still there?");
        let text = serde_json::to_string(&frame).expect("json");
        ws.send(WsMessage::Text(text.into())).await.expect("sent");
        loop {
            match read(&mut ws).await.expect("open") {
                ServerFrame::Ack { client_id: id, .. } if id == client_id => break,
                ServerFrame::Refused { code, .. } => panic!("refused: {code}"),
                _ => {}
            }
        }
        m += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_storm_leaves_every_tab_with_every_event_once_and_memory_flat() {
    let (dir, port, base, ws_base) = fresh_site().await;
    let server = Process::start(dir.path(), port);
    let Admin { http, cookie, key } = Admin::sign_in(&base).await;
    let agent_url = format!("{ws_base}/ws/agent");
    let visitor_url = format!("{ws_base}/ws/visitor");

    // The reference: a tab that never drops, with every event from the first.
    let hello = ClientFrame::Hello {
        token: None,
        after: Some(0),
        inbox: None,
    };
    let mut steady = connect(&agent_url, Some(&cookie), &hello)
        .await
        .expect("connects");
    // Read all along (a socket left unread stops answering pings), up to the marker message.
    let reference_tab = tokio::spawn(async move {
        let mut ids = Vec::new();
        loop {
            if let ServerFrame::Event { id, event, .. } = read(&mut steady).await.expect("live") {
                ids.push(id);
                if let Event::MessagePosted { message } = event
                    && message.client_id.as_deref() == Some("marker")
                {
                    return (ids, id);
                }
            }
        }
    });
    let together = Arc::new(tokio::sync::Barrier::new(STORM_TABS + 1));
    let (tell_last, last_id) = tokio::sync::watch::channel(None);
    let tabs: Vec<_> = (0..STORM_TABS)
        .map(|_| {
            tokio::spawn(storm_tab(
                agent_url.clone(),
                cookie.clone(),
                Arc::clone(&together),
                last_id.clone(),
            ))
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let mut visitors = Vec::new();
    for n in 0..5 {
        let token = visitor_token(&http, &base, &key).await;
        visitors.push(tokio::spawn(paced_visitor(
            visitor_url.clone(),
            token,
            n,
            Arc::clone(&stop),
        )));
    }

    // A tab that fails never reaches the barrier: give up rather than hang.
    let all_tabs = || async {
        tokio::time::timeout(Duration::from_secs(60), together.wait())
            .await
            .expect("every tab within 60 s");
    };
    let mut memory = Vec::new();
    for _ in 0..STORM_ROUNDS {
        all_tabs().await; // every tab connected and caught up
        memory.push(server.rss_kib());
        all_tabs().await; // every tab dropped
    }
    all_tabs().await; // the last reconnection
    memory.push(server.rss_kib());
    stop.store(true, Ordering::SeqCst);
    for visitor in visitors {
        visitor.await.expect("the visitor's messages acknowledged");
    }
    // A last message marks the end; the reference tab learns its event id.
    let token = visitor_token(&http, &base, &key).await;
    let hello = ClientFrame::Hello {
        token: Some(token),
        after: None,
        inbox: None,
    };
    let mut marker = connect(&visitor_url, None, &hello).await.expect("connects");
    let frame = crate::common::send("marker", None, "The end");
    let text = serde_json::to_string(&frame).expect("json");
    marker
        .send(WsMessage::Text(text.into()))
        .await
        .expect("sent");
    let (reference, last) = reference_tab
        .await
        .expect("the reference tab reads to the marker");
    tell_last.send(Some(last)).expect("tabs listen");
    for tab in tabs {
        let ids = tab.await.expect("the tab caught up");
        let ids: Vec<i64> = ids.into_iter().filter(|&id| id <= last).collect();
        assert_eq!(ids, reference, "every event once, in order");
    }
    eprintln!(
        "reconnect storm: {STORM_TABS} tabs × {STORM_ROUNDS} rounds, {} events each; server memory with every tab connected, by round (KiB): {memory:?}",
        reference.len()
    );
    // The first rounds warm the allocator's arenas and SQLite's page caches up, in steps of a
    // few MiB (on a 30-round run: 101 MiB at the first, 120 at the tenth, 126 at the thirtieth,
    // the database growing all along). A socket that kept anything of itself after closing
    // would add at least its buffers, a few KiB, per tab and round: over the last half of the
    // rounds that is more than 2 MiB a round.
    let half = STORM_ROUNDS / 2;
    let (settled, end) = (memory[half], memory[STORM_ROUNDS]);
    let rounds = u64::try_from(STORM_ROUNDS - half).expect("few rounds");
    assert!(
        end <= settled + rounds * 2 * 1024,
        "the server's memory does not grow round after round: {memory:?}"
    );
    server.kill();
}

/// Sends `client_id` on a visitor's socket and returns the server's answer to it: `Ok` for
/// an acknowledgement, else the refusal's code.
async fn answer_to(ws: &mut Ws, client_id: &str, body: &str) -> Result<(), String> {
    let frame = crate::common::send(client_id, None, body);
    let text = serde_json::to_string(&frame).expect("json");
    ws.send(WsMessage::Text(text.into())).await.expect("sent");
    loop {
        match read(ws).await.expect("open") {
            ServerFrame::Ack { client_id: id, .. } if id == client_id => return Ok(()),
            ServerFrame::Refused {
                client_id: Some(id),
                code,
                ..
            } if id == client_id => return Err(code),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_sends_clearly_acknowledges_nothing_and_recovers() {
    // The limit is on the server process's files: PostgreSQL writes its own, so there this
    // fault is the store test of a database that refuses writes (store.rs).
    if crate::common::on_postgres() {
        eprintln!("a full disk is a SQLite file's fault: tested in the SQLite run");
        return;
    }
    let (dir, port, base, ws_base) = fresh_site().await;
    let server = Process::start(dir.path(), port);
    let Admin { http, cookie, key } = Admin::sign_in(&base).await;
    let hello = ClientFrame::Hello {
        token: None,
        after: Some(0),
        inbox: None,
    };
    let mut agent = connect(&format!("{ws_base}/ws/agent"), Some(&cookie), &hello)
        .await
        .expect("connects");
    let hello = ClientFrame::Hello {
        token: Some(visitor_token(&http, &base, &key).await),
        after: None,
        inbox: None,
    };
    let mut visitor = connect(&format!("{ws_base}/ws/visitor"), None, &hello)
        .await
        .expect("connects");
    assert_eq!(answer_to(&mut visitor, "before", "Hello").await, Ok(()));

    server.limit_file_size(Some(0));
    assert_eq!(
        answer_to(&mut visitor, "during", "Anyone there?").await,
        Err("storage_full".to_owned()),
        "refused with a clear code, not acknowledged"
    );

    server.limit_file_size(None);
    assert_eq!(
        answer_to(&mut visitor, "during", "Anyone there?").await,
        Ok(()),
        "the same message, sent again once there is room"
    );

    // The agent hears each message once; a pong says nothing more is on its way.
    let ping = serde_json::to_string(&ClientFrame::Ping).expect("json");
    agent
        .send(WsMessage::Text(ping.into()))
        .await
        .expect("ping");
    let mut heard = Vec::new();
    let mut conversation_id = None;
    loop {
        match read(&mut agent).await.expect("open") {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } => {
                conversation_id = Some(message.conversation_id);
                heard.push(message.client_id.expect("a client id"));
            }
            ServerFrame::Pong if heard.len() >= 2 => break,
            ServerFrame::Pong => {
                let ping = serde_json::to_string(&ClientFrame::Ping).expect("json");
                agent
                    .send(WsMessage::Text(ping.into()))
                    .await
                    .expect("ping");
            }
            _ => {}
        }
    }
    assert_eq!(heard, ["before", "during"]);
    let stored = stored_client_ids(&http, &base, conversation_id.expect("a conversation")).await;
    assert_eq!(stored, ["before", "during"]);
    server.kill();
}
