//! The browse scenario: N visitors each keep a tracker socket open and view a page every few
//! seconds; one agent loads the workspace and watches the online visitors table. Measures the
//! table's load (workspace snapshot over HTTP, then the table's first frame over the socket)
//! and what reaches the agent while everyone browses: frames a second, rows a second, bytes a
//! second, and how long a page view takes to show in the agent's table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use switchboard::protocol::{ClientFrame, PageReport, ServerFrame};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::{Bench, BenchResult, WsStream, next_frame, next_text, send_frame};

/// Settings of the browse scenario.
#[derive(Debug, clap::Args)]
pub struct BrowseArgs {
    /// Visitors on the site at once, each with its own tracker socket.
    #[arg(long, default_value_t = 5_000)]
    visitors: usize,
    /// Average seconds between two page views of one visitor (fractions allowed).
    #[arg(long, default_value_t = 30.0)]
    page_every_secs: f64,
    /// How long everyone browses, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
}

/// When each page view was sent, by its (unique) title.
type Sent = Arc<Mutex<HashMap<String, Instant>>>;

/// Runs the scenario and prints its figures.
pub async fn run(args: BrowseArgs) -> BenchResult<()> {
    let bench = Bench::start().await?;
    println!(
        "server 127.0.0.1:{} · {} visitors browsing, a page every {} s each, for {} s",
        bench.running.addr.port(),
        args.visitors,
        args.page_every_secs,
        args.seconds
    );

    // Everyone arrives first (connecting is not what is measured).
    let connected = Instant::now();
    let mut tabs = Vec::with_capacity(args.visitors);
    let mut pending = futures::stream::iter(0..args.visitors)
        .map(|v| arrive(&bench.ws_base, &bench.inbox.key, v))
        .buffer_unordered(64);
    while let Some(tab) = pending.next().await {
        tabs.push(tab?);
    }
    drop(pending);
    // The online table is sent once a second: wait for the arrivals to be in it.
    while bench.running.state.online.count(&[bench.inbox.id]) < args.visitors {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    println!(
        "{} visitors on the site after {:.1} s",
        tabs.len(),
        connected.elapsed().as_secs_f64()
    );

    // The agent opens the workspace, then the online visitors table.
    let (http, mut agent) = bench.agent().await?;
    let loading = Instant::now();
    let snapshot = http
        .post(format!("{}/api/load_workspace", bench.base))
        .send()
        .await?
        .bytes()
        .await?;
    let workspace_ms = loading.elapsed().as_secs_f64() * 1e3;
    let watching = Instant::now();
    send_frame(&mut agent, &ClientFrame::WatchVisitors { on: true }).await?;
    let (rows, table_bytes) = loop {
        match next_text(&mut agent).await {
            Some(text) => {
                if let Ok(ServerFrame::OnlineVisitors { visitors }) = serde_json::from_str(&text) {
                    break (visitors.len(), text.len());
                }
            }
            None => return Err("the agent socket closed".into()),
        }
    };
    let table_ms = watching.elapsed().as_secs_f64() * 1e3;

    // Everyone browses; the agent counts what reaches it.
    let sent: Sent = Arc::new(Mutex::new(HashMap::new()));
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let mut browsers = Vec::with_capacity(tabs.len());
    for (v, tab) in tabs.into_iter().enumerate() {
        browsers.push(tokio::spawn(browse(
            tab,
            v,
            Duration::from_secs_f64(args.page_every_secs),
            until,
            Arc::clone(&sent),
        )));
    }
    let started = Instant::now();
    let stored_before = bench.running.state.store.page_view_count().await?;
    let (mut frames, mut changed_rows, mut bytes) = (0usize, 0usize, 0usize);
    let mut latencies = Vec::new();
    while Instant::now() < until {
        let left = until.saturating_duration_since(Instant::now());
        let Ok(Some(text)) = tokio::time::timeout(left, next_text(&mut agent)).await else {
            break;
        };
        if let Ok(ServerFrame::OnlineChanges { changed, .. }) = serde_json::from_str(&text) {
            frames += 1;
            bytes += text.len();
            changed_rows += changed.len();
            let now = Instant::now();
            let mut sent = lock(&sent);
            for row in changed {
                if let Some(at) = sent.remove(&row.page_title) {
                    latencies.push(now.duration_since(at));
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut page_views = 0;
    for browser in browsers {
        page_views += browser.await.unwrap_or(0);
    }
    // Every page view sent is committed once the count has not moved for a second.
    let mut stored = bench.running.state.store.page_view_count().await?;
    let mut committed_at = Instant::now();
    let mut still = 0;
    while still < 4 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = bench.running.state.store.page_view_count().await?;
        if now == stored {
            still += 1;
        } else {
            (stored, committed_at, still) = (now, Instant::now(), 0);
        }
    }
    let committed = stored - stored_before;
    let committing = committed_at.duration_since(started).as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index.min(latencies.len() - 1)].as_secs_f64() * 1e3
    };
    println!(
        "workspace snapshot (load_workspace):  {workspace_ms:.1} ms, {} KB",
        snapshot.len() / 1024
    );
    println!(
        "online table, watch → whole table:     {table_ms:.1} ms, {rows} rows, {} KB",
        table_bytes / 1024
    );
    println!(
        "page views sent while browsing:        {page_views} ({:.0}/s)",
        page_views as f64 / elapsed
    );
    println!(
        "page views committed:                  {committed} ({:.0}/s, the last {:.1} s after the start)",
        committed as f64 / committing,
        committing
    );
    println!(
        "update frames reaching the agent:      {:.2}/s",
        frames as f64 / elapsed
    );
    println!(
        "changed rows reaching the agent:       {:.0}/s",
        changed_rows as f64 / elapsed
    );
    println!(
        "bytes reaching the agent:              {:.1} KB/s",
        bytes as f64 / elapsed / 1024.0
    );
    println!(
        "page view → agent's table p50 / p99:   {:.0} ms / {:.0} ms ({} measured)",
        pct(0.5),
        pct(0.99),
        latencies.len()
    );
    bench.stop().await;
    Ok(())
}

/// A new visitor's tracker socket, with its first page viewed.
pub async fn arrive(ws_base: &str, key: &str, v: usize) -> BenchResult<WsStream> {
    let mut tab = connect_visitor(ws_base, v).await?;
    send_frame(
        &mut tab,
        &ClientFrame::Hello {
            token: None,
            after: None,
            inbox: Some(key.to_owned()),
        },
    )
    .await?;
    loop {
        match next_frame(&mut tab).await {
            Some(ServerFrame::Ready { .. }) => break,
            Some(_) => {}
            None => return Err("a tracker socket closed".into()),
        }
    }
    send_frame(&mut tab, &page(v, 0)).await?;
    Ok(tab)
}

/// How many sockets come from one loopback address: one address has about 28,000 ephemeral
/// ports, so 100,000 visitors come from 127.0.0.1 to 127.0.0.5.
const SOCKETS_PER_SOURCE: usize = 20_000;

/// Opens visitor `v`'s socket from its loopback source address, with a small read buffer (the
/// library's default of 128 KiB each would take this process 12 GiB at 100,000 sockets).
async fn connect_visitor(ws_base: &str, v: usize) -> BenchResult<WsStream> {
    let url = format!("{ws_base}/ws/visitor");
    let server: std::net::SocketAddr = ws_base.trim_start_matches("ws://").parse()?;
    let last = u8::try_from(1 + v / SOCKETS_PER_SOURCE).map_err(|_| "too many sockets")?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, last], 0)))?;
    let stream = socket.connect(server).await?;
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let (tab, _) = tokio_tungstenite::client_async_with_config(
        url,
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
        Some(config),
    )
    .await?;
    Ok(tab)
}

fn page(v: usize, n: usize) -> ClientFrame {
    ClientFrame::PageView(PageReport {
        url: format!("https://shop.example/products/{v}/{n}"),
        title: format!("Product {v}-{n}"),
        referrer: String::new(),
        screen: Some("1920x1080".into()),
        language: Some("en-US".into()),
        time_zone: Some("Europe/Madrid".into()),
    })
}

/// One visitor browsing until `until`: a page every `every` on average (spread so visitors do
/// not move in step); returns how many pages they viewed.
async fn browse(mut tab: WsStream, v: usize, every: Duration, until: Instant, sent: Sent) -> usize {
    let mut n = 1;
    // Visitor v's first move comes at a point spread evenly over one period.
    let offset = every.mul_f64((v % 1000) as f64 / 1000.0);
    let mut next = Instant::now() + offset;
    while next < until {
        tokio::time::sleep_until(next.into()).await;
        lock(&sent).insert(format!("Product {v}-{n}"), Instant::now());
        if send_frame(&mut tab, &page(v, n)).await.is_err() {
            break;
        }
        n += 1;
        next += every;
    }
    n - 1
}

fn lock(sent: &Sent) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
    sent.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
