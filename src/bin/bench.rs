//! Load benchmark: starts a release Switchboard on 127.0.0.1 (its own temporary database),
//! connects N visitors and one agent over real WebSockets, has every visitor send messages,
//! and reports sustained committed messages per second and visitor-to-agent delivery latency.
//!
//! `cargo run --release --features bench --bin bench -- --visitors 200 --messages 25`
//! Only messages the server acknowledged (committed) are counted.

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
struct Args {
    /// Concurrent visitors, each with its own WebSocket.
    #[arg(long, default_value_t = 100)]
    visitors: usize,
    /// Messages each visitor sends (each waits for the previous one's acknowledgement).
    #[arg(long, default_value_t = 20)]
    messages: usize,
    /// Pause between a visitor's messages, in milliseconds (0: as fast as acknowledged).
    #[arg(long, default_value_t = 0)]
    pause_ms: u64,
}

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let running = switchboard::server::spawn(Config::for_data_dir(dir.clone())).await?;
    let state = &running.state;
    let password = "benchmark password";
    let admin = services::setup_first_admin(state, "Bench", "bench@example.com", password).await?;
    let inbox = services::create_inbox(state, &admin, "Bench").await?;
    let base = format!("http://{}", running.addr);
    let ws_base = format!("ws://{}", running.addr);
    println!(
        "server 127.0.0.1:{} · {} visitors × {} messages",
        running.addr.port(),
        args.visitors,
        args.messages
    );

    // The agent.
    let jar = Arc::new(Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .build()?;
    let signed = http
        .post(format!("{base}/api/sign_in"))
        .form(&[("email", "bench@example.com"), ("password", password)])
        .send()
        .await?;
    if !signed.status().is_success() {
        return Err(format!("sign in: {}", signed.status()).into());
    }
    let cookie = jar.cookies(&base.parse()?).ok_or("no session cookie")?;
    let mut request = format!("{ws_base}/ws/agent").into_client_request()?;
    request.headers_mut().insert("cookie", cookie);
    let (mut agent, _) = tokio_tungstenite::connect_async(request).await?;
    agent
        .send(WsMessage::Text(
            serde_json::to_string(&ClientFrame::Hello {
                token: None,
                after: None,
            })?
            .into(),
        ))
        .await?;
    loop {
        if let Some(ServerFrame::Ready { .. }) = next_frame(&mut agent).await {
            break;
        }
    }

    // The visitors: tokens and sockets first, so connecting is not measured as messaging.
    let mut visitors = Vec::with_capacity(args.visitors);
    for _ in 0..args.visitors {
        let snapshot: serde_json::Value = reqwest::Client::new()
            .post(format!("{base}/api/widget_start"))
            .form(&[("key", inbox.key.as_str())])
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
        senders.push(tokio::spawn(async move {
            let mut acked = 0usize;
            for m in 0..messages {
                let client_id = format!("v{v}-m{m}");
                let frame = ClientFrame::Send {
                    client_id: client_id.clone(),
                    conversation_id: None,
                    body: format!("Benchmark message {m} from visitor {v}"),
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
        "visitor→agent latency p99:         {:.2} ms",
        pct(0.99).as_secs_f64() * 1e3
    );
    println!(
        "visitor→agent latency max:         {:.2} ms",
        pct(1.0).as_secs_f64() * 1e3
    );
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn lock(sent: &Sent) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
    sent.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

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
