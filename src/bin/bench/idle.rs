//! The idle scenario: N visitors open a tracker socket each, report one page and then stay
//! quiet (answering the server's pings), against the server as a process of its own (sockets
//! spread over loopback source addresses, the open files limit raised to fit). Measures
//! what holding them costs the server: resident memory per socket (against the server's
//! memory before they came) and its CPU while they all sit there.

use std::time::{Duration, Instant};

use futures::StreamExt;

use super::browse::arrive;
use super::process::{self, ServerProcess};
use super::{BenchResult, next_frame};

/// Settings of the idle scenario.
#[derive(Debug, clap::Args)]
pub struct IdleArgs {
    /// Visitors holding a socket open (each is a file descriptor on both sides: above the
    /// hard `ulimit -n`, run as root).
    #[arg(long, default_value_t = 10_000)]
    sockets: usize,
    /// How long everyone sits quietly while the server's CPU is measured, in seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// The server binary to start (default: `switchboard` beside this benchmark).
    #[arg(long)]
    server_binary: Option<std::path::PathBuf>,
}

/// Runs the scenario and prints its figures.
pub async fn run(args: IdleArgs) -> BenchResult<()> {
    let binary = args
        .server_binary
        .clone()
        .unwrap_or_else(process::default_binary);
    // Each socket is a file on both sides; the server started next inherits the limit.
    allow_open_files(args.sockets as u64 + 256)?;
    let server = ServerProcess::start(&binary).await?;
    println!(
        "server {} (a process of its own) · {} idle visitor sockets for {} s",
        server.base, args.sockets, args.seconds
    );
    // The server settles after start-up before its baseline is read.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let baseline = server
        .usage()
        .ok_or("cannot read the server's /proc files")?;

    let connecting = Instant::now();
    let held = hold(&server.ws_base, &server.inbox_key, args.sockets).await?;
    let connected_in = connecting.elapsed();
    // The page views of the arrival are written and the online table settles.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = server
        .usage()
        .ok_or("cannot read the server's /proc files")?;
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let after = server
        .usage()
        .ok_or("cannot read the server's /proc files")?;
    let still_open = held.iter().filter(|task| !task.is_finished()).count();

    let per_socket =
        (after.rss_kib.saturating_sub(baseline.rss_kib) as f64 * 1024.0) / args.sockets as f64;
    println!(
        "connected:                 {} sockets in {:.1} s ({} still open at the end)",
        args.sockets,
        connected_in.as_secs_f64(),
        still_open
    );
    println!(
        "server memory:             {} MiB resident ({} MiB before the visitors, peak {} MiB)",
        after.rss_kib / 1024,
        baseline.rss_kib / 1024,
        after.peak_kib / 1024
    );
    println!("memory per idle socket:    {:.1} KiB", per_socket / 1024.0);
    println!(
        "server CPU while idle:     {:.3} cores ({:.2} s over {} s)",
        (after.cpu_secs - before.cpu_secs) / args.seconds as f64,
        after.cpu_secs - before.cpu_secs,
        args.seconds
    );
    for task in held {
        task.abort();
    }
    server.stop();
    Ok(())
}

/// Opens `sockets` tracker sockets (64 at a time), each reporting a page, and keeps them open:
/// each reads what comes (the server's pings are answered by reading) and nothing else, until
/// its task is aborted.
pub async fn hold(
    ws_base: &str,
    key: &str,
    sockets: usize,
) -> BenchResult<Vec<tokio::task::JoinHandle<()>>> {
    let mut held = Vec::with_capacity(sockets);
    let mut pending = futures::stream::iter(0..sockets)
        .map(|v| arrive(ws_base, key, v))
        .buffer_unordered(64);
    while let Some(tab) = pending.next().await {
        let mut tab = tab?;
        held.push(tokio::spawn(async move {
            while next_frame(&mut tab).await.is_some() {}
        }));
    }
    Ok(held)
}

/// Lets this process, and the server it starts, hold `files` open files: raises the hard limit
/// where it is lower (only root may) and the soft limit to it.
fn allow_open_files(files: u64) -> BenchResult<()> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    let limit = hard.max(files);
    setrlimit(Resource::RLIMIT_NOFILE, limit, limit).map_err(|e| {
        format!(
            "cannot allow {files} open files ({e}; the hard limit is {hard}): raise it with \
             `ulimit -Hn` as root (it takes CAP_SYS_RESOURCE), or ask for fewer sockets"
        )
    })?;
    Ok(())
}
