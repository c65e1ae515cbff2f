//! The peer of `bench chat --against-socketio`: `scripts/socketio-relay`, a Socket.IO server in
//! Node.js that relays each visitor's message to the agents' room and stores nothing, run as a
//! process of its own; and the client side of its protocol (Engine.IO 4 text packets over a
//! WebSocket: `0` open, `40` connect, `42` event, `43` acknowledgement, `2`/`3` ping/pong).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::process::{Usage, usage_of};
use super::{BenchResult, WsStream, next_text};

/// The relay's folder: its script and its `package.json`.
fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/socketio-relay")
}

/// The running relay; killed when dropped.
pub struct Relay {
    child: Child,
    /// `ws://127.0.0.1:PORT/socket.io/?EIO=4&transport=websocket`.
    pub ws_url: String,
}

impl Relay {
    /// Installs the relay's packages if they are missing (`npm ci`), starts it on a free
    /// loopback port and returns once it listens.
    pub fn start() -> BenchResult<Relay> {
        let folder = folder();
        if !folder.join("node_modules/socket.io").exists() {
            let installed = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&folder)
                .status()
                .map_err(|e| format!("cannot run npm (Node.js is needed for the relay): {e}"))?;
            if !installed.success() {
                return Err(format!("npm ci in {} failed", folder.display()).into());
            }
        }
        let mut child = Command::new("node")
            .arg("relay.js")
            .current_dir(&folder)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start node: {e}"))?;
        let output = child.stdout.take().ok_or("no output from the relay")?;
        let (found, address) = mpsc::channel();
        // Read to the end, so the relay never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                if let Some(at) = line.strip_prefix("listening on ") {
                    let _ = found.send(at.trim().to_owned());
                }
            }
        });
        // Killed on drop from here on, also when it never says where it listens.
        let mut relay = Relay {
            child,
            ws_url: String::new(),
        };
        let at = address
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| "the relay did not say where it listens within 30 s")?;
        relay.ws_url = format!("ws://{at}/socket.io/?EIO=4&transport=websocket");
        Ok(relay)
    }

    /// CPU time and memory the relay has used so far.
    pub fn usage(&self) -> Option<Usage> {
        usage_of(self.child.id())
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a socket to the relay and connects it to the default namespace.
pub async fn connect(ws_url: &str) -> BenchResult<WsStream> {
    let mut socket = super::connect(ws_url).await?;
    let open = next_text(&mut socket).await.ok_or("the relay closed")?;
    if !open.starts_with('0') {
        return Err(format!("not an Engine.IO open packet: {open}").into());
    }
    socket.send(WsMessage::Text("40".into())).await?;
    loop {
        match next_text(&mut socket).await {
            Some(text) if text.starts_with("40") => return Ok(socket),
            Some(_) => {}
            None => return Err("the relay closed before connecting".into()),
        }
    }
}

/// Opens the agent's socket: connected, and in the room every message is relayed to.
pub async fn agent(ws_url: &str) -> BenchResult<WsStream> {
    let mut socket = connect(ws_url).await?;
    socket
        .send(WsMessage::Text(r#"420["join","agents"]"#.into()))
        .await?;
    loop {
        match next_text(&mut socket).await {
            Some(text) if text.starts_with("430") => return Ok(socket),
            Some(_) => {}
            None => return Err("the relay closed before the agent joined".into()),
        }
    }
}

/// Opens `sockets` connected sockets that stay quiet (answering the relay's pings) until their
/// tasks are aborted: the relay's counterpart of Switchboard's quiet visitors.
pub async fn hold(ws_url: &str, sockets: usize) -> BenchResult<Vec<tokio::task::JoinHandle<()>>> {
    let mut held = Vec::with_capacity(sockets);
    let mut pending = futures::stream::iter(0..sockets)
        .map(|_| connect(ws_url))
        .buffer_unordered(64);
    while let Some(socket) = pending.next().await {
        let mut socket = socket?;
        held.push(tokio::spawn(async move {
            while let Some(text) = next_text(&mut socket).await {
                if text == "2" && socket.send(WsMessage::Text("3".into())).await.is_err() {
                    break;
                }
            }
        }));
    }
    Ok(held)
}
