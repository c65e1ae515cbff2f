//! The kill -9 scenario at length (the test command runs a short one): visitors send
//! continuously against the release server as a process of its own, which is killed with
//! SIGKILL several times mid-stream and restarted on the same data. Visitors reconnect and send
//! their unacknowledged message again with the same client id; the agent resumes from the last
//! event it saw. Reports what the clients and the database saw: sent, acknowledged, stored,
//! delivered, duplicates and lost (both must be 0), and how long each restart took.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::SinkExt;
use reqwest::cookie::CookieStore;
use switchboard::protocol::{ClientFrame, Event, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::process::{self, ServerProcess};
use super::{BenchResult, WsStream, next_frame};

/// Settings of the faults scenario.
#[derive(Debug, clap::Args)]
pub struct FaultsArgs {
    /// Visitors sending at once, each waiting for the acknowledgement of its last message.
    #[arg(long, default_value_t = 200)]
    visitors: usize,
    /// Messages each visitor sends.
    #[arg(long, default_value_t = 50)]
    messages: usize,
    /// How many times the server is killed, spread evenly over the run.
    #[arg(long, default_value_t = 3)]
    kills: usize,
    /// The server binary to start (default: `switchboard` beside this benchmark).
    #[arg(long)]
    server_binary: Option<std::path::PathBuf>,
}

/// What the clients saw.
#[derive(Default)]
struct Seen {
    /// Send frames written, retries included.
    sent: AtomicUsize,
    /// Client ids acknowledged, with the conversation each went to.
    acked: Mutex<HashMap<String, i64>>,
    /// Client ids of the agent's `message_posted` events, in arrival order.
    delivered: Mutex<Vec<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Opens a socket and says hello; `None` while the server is down.
async fn connect(url: &str, cookie: Option<&HeaderValue>, hello: &ClientFrame) -> Option<WsStream> {
    let mut request = url.into_client_request().ok()?;
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.clone());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.ok()?;
    let hello = serde_json::to_string(hello).ok()?;
    ws.send(WsMessage::Text(hello.into())).await.ok()?;
    Some(ws)
}

/// The next frame; `None` when the socket ended or stayed silent for 10 s.
async fn read(ws: &mut WsStream) -> Option<ServerFrame> {
    tokio::time::timeout(Duration::from_secs(10), next_frame(ws))
        .await
        .ok()
        .flatten()
}

/// One visitor: `messages` messages, each acknowledged before the next, through crashes.
async fn visitor(url: String, token: String, n: usize, messages: usize, seen: Arc<Seen>) {
    let hello = ClientFrame::Hello {
        token: Some(token),
        after: None,
        inbox: None,
    };
    let mut socket: Option<WsStream> = None;
    for m in 0..messages {
        let client_id = format!("v{n}-{m}");
        let Ok(text) = serde_json::to_string(&ClientFrame::Send {
            client_id: client_id.clone(),
            conversation_id: None,
            body: format!("Message {m} from visitor {n}"),
            attachments: Vec::new(),
            note: false,
        }) else {
            return;
        };
        'retry: loop {
            let ws = match socket.as_mut() {
                Some(ws) => ws,
                None => match connect(&url, None, &hello).await {
                    Some(ws) => socket.insert(ws),
                    None => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            seen.sent.fetch_add(1, Ordering::Relaxed);
            if ws.send(WsMessage::Text(text.clone().into())).await.is_err() {
                socket = None;
                continue;
            }
            loop {
                match read(ws).await {
                    Some(ServerFrame::Ack {
                        client_id: id,
                        message,
                    }) if id == client_id => {
                        lock(&seen.acked).insert(id, message.conversation_id);
                        break 'retry;
                    }
                    Some(ServerFrame::Refused { code, .. }) => {
                        eprintln!("visitor {n}: {client_id} refused: {code}");
                        return;
                    }
                    Some(_) => {}
                    None => {
                        socket = None;
                        continue 'retry;
                    }
                }
            }
        }
    }
}

/// The agent: every `message_posted`, resuming after each crash from the last event it saw.
async fn agent(url: String, cookie: HeaderValue, seen: Arc<Seen>, finished: Arc<AtomicBool>) {
    // From the first event on (a hello without `after` gets live events only).
    let mut last = Some(0);
    while !finished.load(Ordering::SeqCst) {
        let hello = ClientFrame::Hello {
            token: None,
            after: last,
            inbox: None,
        };
        let Some(mut ws) = connect(&url, Some(&cookie), &hello).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        while let Some(frame) = read(&mut ws).await {
            if let ServerFrame::Event { id, event, .. } = frame {
                last = Some(id);
                if let Event::MessagePosted { message } = event {
                    lock(&seen.delivered).push(message.client_id.unwrap_or_default());
                }
            }
            if finished.load(Ordering::SeqCst) {
                return;
            }
        }
    }
}

/// Runs the scenario and prints its figures.
pub async fn run(args: FaultsArgs) -> BenchResult<()> {
    let binary = args
        .server_binary
        .clone()
        .unwrap_or_else(process::default_binary);
    let mut server = ServerProcess::start(&binary).await?;
    let total = args.visitors * args.messages;
    println!(
        "server {} (a process of its own) · {} visitors × {} messages · killed {} times",
        server.base, args.visitors, args.messages, args.kills
    );
    let (http, jar) = super::sign_in(&server.base).await?;
    let cookie = jar
        .cookies(&server.base.parse()?)
        .ok_or("no session cookie")?;
    let seen = Arc::new(Seen::default());
    let finished = Arc::new(AtomicBool::new(false));
    let listener = tokio::spawn(agent(
        format!("{}/ws/agent", server.ws_base),
        cookie,
        Arc::clone(&seen),
        Arc::clone(&finished),
    ));
    // Tokens first, so every visitor starts sending at once.
    let mut tokens = Vec::with_capacity(args.visitors);
    for _ in 0..args.visitors {
        let snapshot: serde_json::Value = http
            .post(format!("{}/api/widget_start", server.base))
            .form(&[("key", server.inbox_key.as_str())])
            .send()
            .await?
            .json()
            .await?;
        tokens.push(snapshot["new_token"].as_str().ok_or("no token")?.to_owned());
    }
    let started = Instant::now();
    let visitors: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(n, token)| {
            tokio::spawn(visitor(
                format!("{}/ws/visitor", server.ws_base),
                token,
                n,
                args.messages,
                Arc::clone(&seen),
            ))
        })
        .collect();

    for k in 1..=args.kills {
        let due = total * k / (args.kills + 1);
        while lock(&seen.acked).len() < due {
            if visitors.iter().all(|v| v.is_finished()) {
                return Err("the visitors stopped before the kills (a refusal above?)".into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let killed = Instant::now();
        server.crash_and_restart()?;
        println!(
            "kill {k}: at {} acknowledged, listening again after {:.2} s",
            lock(&seen.acked).len(),
            killed.elapsed().as_secs_f64()
        );
    }
    for visitor in visitors {
        visitor.await?;
    }
    let elapsed = started.elapsed();
    let acked = lock(&seen.acked).clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let delivered: HashSet<String> = lock(&seen.delivered).iter().cloned().collect();
        if acked.keys().all(|id| delivered.contains(id)) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    finished.store(true, Ordering::SeqCst);
    listener.abort();

    let mut stored: HashMap<String, usize> = HashMap::new();
    for conversation_id in acked.values().collect::<HashSet<_>>() {
        let detail: switchboard::model::ConversationDetail = http
            .post(format!("{}/api/conversation", server.base))
            .form(&[("id", conversation_id.to_string())])
            .send()
            .await?
            .json()
            .await?;
        for message in detail.messages {
            if let Some(id) = message.client_id {
                *stored.entry(id).or_default() += 1;
            }
        }
    }
    let delivered = lock(&seen.delivered).clone();
    let mut per_id: HashMap<&String, usize> = HashMap::new();
    for id in &delivered {
        *per_id.entry(id).or_default() += 1;
    }
    let duplicates =
        per_id.values().filter(|&&n| n > 1).count() + stored.values().filter(|&&n| n > 1).count();
    let lost = acked.keys().filter(|id| !stored.contains_key(*id)).count()
        + acked.keys().filter(|id| !per_id.contains_key(id)).count();
    println!(
        "sent:          {} (retries included)",
        seen.sent.load(Ordering::Relaxed)
    );
    println!("acknowledged:  {} of {total}", acked.len());
    println!("stored:        {}", stored.len());
    println!("delivered:     {}", delivered.len());
    println!("duplicates:    {duplicates}");
    println!("lost:          {lost}");
    println!("elapsed:       {:.1} s", elapsed.as_secs_f64());
    server.stop();
    if duplicates > 0 || lost > 0 || acked.len() < total {
        return Err("messages were lost or doubled".into());
    }
    Ok(())
}
