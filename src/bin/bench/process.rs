//! The server under load as a process of its own: the release `switchboard` binary (beside
//! this one unless told otherwise) on 127.0.0.1:0 with a temporary data directory, so the load
//! generator's work is not counted as the server's. What the server uses is read from its
//! `/proc` files: CPU time (user + system) and resident memory, now and at its peak.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::{BenchResult, PASSWORD};

/// A running server process and where to reach it.
pub struct ServerProcess {
    child: Child,
    /// The binary, to start it again.
    binary: PathBuf,
    dir: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// `ws://127.0.0.1:PORT`.
    pub ws_base: String,
    /// The widget key of its one inbox.
    pub inbox_key: String,
    /// Its one inbox's id.
    pub inbox_id: i64,
    /// More nodes on the same database (PostgreSQL), each a process of its own.
    others: Vec<(Child, String)>,
}

/// What the server process has used so far.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// CPU seconds, user and system.
    pub cpu_secs: f64,
    /// Resident memory now, in KiB.
    pub rss_kib: u64,
    /// The most resident memory so far, in KiB.
    pub peak_kib: u64,
}

impl ServerProcess {
    /// Starts `binary` with the admin the benchmark signs in as and the open-internet limits
    /// off (every simulated visitor comes from 127.0.0.1), then makes its inbox.
    pub async fn start(binary: &Path) -> BenchResult<ServerProcess> {
        ServerProcess::start_nodes(binary, 1).await
    }

    /// Like [`ServerProcess::start`], with `nodes` processes on one database: the
    /// `SWITCHBOARD_DATABASE_URL` of this benchmark's environment, which they inherit (a fresh
    /// PostgreSQL database for more than one).
    pub async fn start_nodes(binary: &Path, nodes: usize) -> BenchResult<ServerProcess> {
        if nodes > 1 && std::env::var_os("SWITCHBOARD_DATABASE_URL").is_none() {
            return Err("several nodes need SWITCHBOARD_DATABASE_URL=postgres://…".into());
        }
        let dir =
            std::env::temp_dir().join(format!("switchboard-bench-server-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (child, base) = spawn(binary, &dir, "127.0.0.1:0")?;
        let ws_base = base.replacen("http://", "ws://", 1);
        let (http, _) = super::sign_in(&base).await?;
        let inbox: serde_json::Value = http
            .post(format!("{base}/api/create_inbox"))
            .form(&[("name", "Bench")])
            .send()
            .await?
            .json()
            .await?;
        let inbox_key = inbox["key"].as_str().ok_or("no inbox key")?.to_owned();
        let inbox_id = inbox["id"].as_i64().ok_or("no inbox id")?;
        let mut others = Vec::new();
        for _ in 1..nodes {
            others.push(spawn(binary, &dir, "127.0.0.1:0")?);
        }
        Ok(ServerProcess {
            child,
            binary: binary.to_path_buf(),
            dir,
            base,
            ws_base,
            inbox_key,
            inbox_id,
            others,
        })
    }

    /// The `http://` and `ws://` addresses of every node, the first one's first.
    pub fn nodes(&self) -> Vec<(String, String)> {
        std::iter::once(self.base.clone())
            .chain(self.others.iter().map(|(_, base)| base.clone()))
            .map(|base| {
                let ws_base = base.replacen("http://", "ws://", 1);
                (base, ws_base)
            })
            .collect()
    }

    /// Kills the server with SIGKILL (nothing in flight is finished) and starts it again on
    /// the same data directory and port; returns once it listens.
    pub fn crash_and_restart(&mut self) -> BenchResult<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let listen = self.base.trim_start_matches("http://").to_owned();
        self.child = spawn(&self.binary, &self.dir, &listen)?.0;
        Ok(())
    }

    /// CPU time and memory so far, of every node together.
    pub fn usage(&self) -> Option<Usage> {
        let mut total = usage_of(self.child.id())?;
        for (child, _) in &self.others {
            let more = usage_of(child.id())?;
            total.cpu_secs += more.cpu_secs;
            total.rss_kib += more.rss_kib;
            total.peak_kib += more.peak_kib;
        }
        Some(total)
    }

    /// Kills the server and removes its data.
    pub fn stop(mut self) {
        for (mut child, _) in self.others.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What process `pid` has used so far, from `/proc/PID/stat` and `/proc/PID/status`.
pub fn usage_of(pid: u32) -> Option<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) in its parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    Some(Usage {
        cpu_secs: ticks / clock_ticks_per_second(),
        rss_kib: kib("VmRSS:")?,
        peak_kib: kib("VmHWM:")?,
    })
}

/// Starts `binary` on `listen` with `dir`; returns it and its `http://` address once it
/// listens.
fn spawn(binary: &Path, dir: &Path, listen: &str) -> BenchResult<(Child, String)> {
    let mut child = Command::new(binary)
        .env("SWITCHBOARD_LISTEN", listen)
        .env("SWITCHBOARD_DATA_DIR", dir)
        .env("SWITCHBOARD_LOG", "warn,switchboard::server=info")
        .env("SWITCHBOARD_ADMIN_EMAIL", "bench@example.com")
        .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
        .env("SWITCHBOARD_ADMIN_NAME", "Bench")
        .env("SWITCHBOARD_NEW_VISITORS_PER_MINUTE", "0")
        .env("SWITCHBOARD_SOCKETS_PER_ADDRESS", "0")
        .env("SWITCHBOARD_MESSAGES_PER_SECOND", "0")
        // The `--webhook` receiver listens on this machine.
        .env("SWITCHBOARD_WEBHOOK_TRUSTED_HOSTS", "127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let (found, address) = mpsc::channel();
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
        let found = found.clone();
        // Read to the end, so a chatty server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let url = line[at + "listening on ".len()..].trim().to_owned();
                    let _ = found.send(url);
                }
            }
        });
    }
    let base = address
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "the server did not say where it listens within 60 s")?;
    Ok((child, base))
}

/// The kernel's clock ticks a second (`getconf CLK_TCK`; 100 on Linux when it cannot be asked).
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

/// The release server binary beside this benchmark's own.
pub fn default_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("switchboard")))
        .unwrap_or_else(|| PathBuf::from("target/release/switchboard"))
}
