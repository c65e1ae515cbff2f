//! Shared helpers of the integration tests: a real server on 127.0.0.1:0 with its own SQLite
//! file, HTTP clients with cookie jars, and plain WebSocket clients speaking the protocol.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use serde::de::DeserializeOwned;
use switchboard::model::{Inbox, Me, Role};
use switchboard::protocol::{ClientFrame, ServerFrame};
use switchboard::server::config::Config;
use switchboard::server::services::{self, NewAgent};
use switchboard::server::{Running, spawn};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

pub const PASSWORD: &str = "correct horse battery";

/// A `send` frame of text (a visitor omits the conversation).
pub fn send(client_id: &str, conversation_id: Option<i64>, body: &str) -> ClientFrame {
    ClientFrame::Send {
        client_id: client_id.into(),
        conversation_id,
        body: body.into(),
        attachments: Vec::new(),
        note: false,
    }
}

/// The acknowledged message of the socket's pending send (a refusal fails the test).
pub async fn acked(socket: &mut Socket) -> switchboard::model::Message {
    socket
        .until(|frame| match frame {
            ServerFrame::Ack { message, .. } => Some(message),
            ServerFrame::Refused { code, .. } => panic!("refused: {code}"),
            _ => None,
        })
        .await
}

/// A running server with a temporary data directory.
pub struct TestServer {
    pub addr: SocketAddr,
    pub running: Running,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// A server with a changed configuration.
    pub async fn start_with(change: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        change(&mut config);
        let running = spawn(config).await.expect("server starts");
        TestServer {
            addr: running.addr,
            running,
            dir,
        }
    }

    /// Stops the server as a crash would, waits, and starts a new one on the same database.
    pub async fn restart_after(self, pause: Duration) -> TestServer {
        let TestServer { running, dir, .. } = self;
        running.stop().await;
        tokio::time::sleep(pause).await;
        let running = spawn(Config::for_data_dir(dir.path().to_path_buf()))
            .await
            .expect("server restarts");
        TestServer {
            addr: running.addr,
            running,
            dir,
        }
    }

    /// Like [`TestServer::restart_after`], with a changed configuration.
    pub async fn restart_with(
        self,
        pause: Duration,
        change: impl FnOnce(&mut Config),
    ) -> TestServer {
        let TestServer { running, dir, .. } = self;
        running.stop().await;
        tokio::time::sleep(pause).await;
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        change(&mut config);
        let running = spawn(config).await.expect("server restarts");
        TestServer {
            addr: running.addr,
            running,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// An admin, an inbox, and two operators of that inbox.
    pub async fn team(&self) -> Team {
        let state = &self.running.state;
        let admin = services::setup_first_admin(state, "Root", "root@example.com", PASSWORD)
            .await
            .expect("admin");
        let inbox = services::create_inbox(state, &admin, "Website")
            .await
            .expect("inbox");
        let ana = self
            .agent(
                &admin,
                "Ana",
                "ana@example.com",
                Role::Operator,
                &[inbox.id],
            )
            .await;
        let ben = self
            .agent(
                &admin,
                "Ben",
                "ben@example.com",
                Role::Operator,
                &[inbox.id],
            )
            .await;
        Team {
            admin,
            inbox,
            ana,
            ben,
        }
    }

    pub async fn agent(
        &self,
        admin: &Me,
        name: &str,
        email: &str,
        role: Role,
        inboxes: &[i64],
    ) -> Me {
        let account = services::create_agent(
            &self.running.state,
            admin,
            NewAgent {
                name,
                email,
                password: PASSWORD,
                role,
                inbox_ids: inboxes,
            },
        )
        .await
        .expect("agent");
        Me {
            id: account.id,
            name: account.name,
            email: account.email,
            role: account.role,
        }
    }

    /// A signed-in HTTP client for this agent.
    pub async fn sign_in(&self, email: &str) -> Agent {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .build()
            .expect("client");
        let response = http
            .post(self.url("/api/sign_in"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign in request");
        assert!(
            response.status().is_success(),
            "sign in failed: {}",
            response.status()
        );
        Agent {
            http,
            jar,
            base: self.url(""),
        }
    }

    /// Calls a server function without any session; returns status and body.
    pub async fn call_anonymous(&self, name: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = reqwest::Client::new()
            .post(self.url(&format!("/api/{name}")))
            .form(form)
            .send()
            .await
            .expect("request");
        (
            response.status().as_u16(),
            response.text().await.expect("body"),
        )
    }

    /// A new visitor of the inbox: their token from `widget_start`.
    pub async fn visitor_token(&self, inbox: &Inbox) -> String {
        let (status, body) = self
            .call_anonymous("widget_start", &[("key", &inbox.key)])
            .await;
        assert_eq!(status, 200, "{body}");
        let snapshot: serde_json::Value = serde_json::from_str(&body).expect("json");
        snapshot["new_token"]
            .as_str()
            .expect("a new token")
            .to_owned()
    }

    pub async fn visitor_socket(&self, token: &str, after: Option<i64>) -> Socket {
        let mut socket = Socket::connect(&format!("ws://{}/ws/visitor", self.addr), None).await;
        socket
            .send(&ClientFrame::Hello {
                token: Some(token.to_owned()),
                after,
                inbox: None,
            })
            .await;
        socket
    }
}

impl TestServer {
    /// A second inbox, "Other", supervised by Sue, who belongs to no other inbox.
    pub async fn other_inbox_with_sue(&self, team: &Team) -> Inbox {
        let other = services::create_inbox(&self.running.state, &team.admin, "Other")
            .await
            .expect("inbox");
        self.agent(
            &team.admin,
            "Sue",
            "sue@example.com",
            Role::Supervisor,
            &[other.id],
        )
        .await;
        other
    }
}

pub struct Team {
    pub admin: Me,
    pub inbox: Inbox,
    pub ana: Me,
    pub ben: Me,
}

/// A signed-in agent's HTTP client.
pub struct Agent {
    pub http: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
}

impl Agent {
    /// Calls a server function; Ok with the decoded value, or Err with the error body.
    pub async fn call<T: DeserializeOwned>(
        &self,
        name: &str,
        form: &[(&str, &str)],
    ) -> Result<T, serde_json::Value> {
        let response = self
            .http
            .post(format!("{}/api/{name}", self.base))
            .form(form)
            .send()
            .await
            .expect("request");
        let ok = response.status().is_success();
        let body = response.text().await.expect("body");
        if ok {
            Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{name}: {e}: {body}")))
        } else {
            Err(serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)))
        }
    }

    /// A conversation with its timeline, as this agent sees it.
    pub async fn detail(&self, id: i64) -> switchboard::model::ConversationDetail {
        self.call("conversation", &[("id", &id.to_string())])
            .await
            .expect("conversation")
    }

    /// Opens `/ws/agent` with this agent's session cookie and says hello.
    pub async fn socket(&self, after: Option<i64>) -> Socket {
        let url: reqwest::Url = self.base.parse().expect("url");
        let cookie = self.jar.cookies(&url).expect("session cookie");
        let ws_url = format!("{}/ws/agent", self.base.replacen("http", "ws", 1));
        let mut socket = Socket::connect(&ws_url, Some(cookie)).await;
        socket
            .send(&ClientFrame::Hello {
                token: None,
                after,
                inbox: None,
            })
            .await;
        socket
    }
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A plain WebSocket client speaking the JSON protocol.
pub struct Socket {
    pub stream: WsStream,
}

impl Socket {
    pub async fn connect(url: &str, cookie: Option<HeaderValue>) -> Socket {
        let mut request = url.into_client_request().expect("request");
        if let Some(cookie) = cookie {
            request.headers_mut().insert("cookie", cookie);
        }
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("ws connect");
        Socket { stream }
    }

    /// Connects with a browser's `User-Agent` (visitor sockets record it).
    pub async fn connect_with_agent(url: &str, user_agent: &str) -> Socket {
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert(
            "user-agent",
            HeaderValue::from_str(user_agent).expect("header"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("ws connect");
        Socket { stream }
    }

    /// The next protocol frame, or `None` when the socket closed.
    pub async fn next_frame(&mut self) -> Option<ServerFrame> {
        while let Some(Ok(message)) = self.stream.next().await {
            if let WsMessage::Text(text) = message {
                return serde_json::from_str(&text).ok();
            }
        }
        None
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&serde_json::to_string(frame).expect("json"))
            .await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(WsMessage::Text(text.into()))
            .await
            .expect("ws send");
    }

    /// The next protocol frame (fails the test after 10 s of silence).
    pub async fn next(&mut self) -> ServerFrame {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.stream.next())
                .await
                .expect("a frame within 10 s")
                .expect("socket open")
                .expect("ws ok");
            if let WsMessage::Text(text) = message {
                return serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("bad frame {text}: {e}"));
            }
        }
    }

    /// Frames up to and including `Ready`; returns the events (id order) and the ready id.
    pub async fn until_ready(&mut self) -> (Vec<(i64, switchboard::protocol::Event)>, i64) {
        let mut events = Vec::new();
        loop {
            match self.next().await {
                ServerFrame::Event { id, event, .. } => events.push((id, event)),
                ServerFrame::Ready { last_event_id } => return (events, last_event_id),
                other => panic!("unexpected before ready: {other:?}"),
            }
        }
    }

    /// Skips frames until one matches.
    pub async fn until<T>(&mut self, mut pick: impl FnMut(ServerFrame) -> Option<T>) -> T {
        loop {
            if let Some(found) = pick(self.next().await) {
                return found;
            }
        }
    }

    /// Skips frames until a refusal; returns its code.
    pub async fn refusal(&mut self) -> String {
        self.until(|frame| match frame {
            ServerFrame::Refused { code, .. } => Some(code),
            _ => None,
        })
        .await
    }

    /// Asserts nothing arrives for a short while.
    pub async fn assert_quiet(&mut self) {
        let waited = tokio::time::timeout(Duration::from_millis(300), self.stream.next()).await;
        assert!(waited.is_err(), "unexpected frame: {waited:?}");
    }

    /// Every frame that arrives within `millis`.
    pub async fn frames_for(&mut self, millis: u64) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(millis);
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout_at(deadline, self.stream.next()).await
        {
            if let WsMessage::Text(text) = message {
                frames.push(serde_json::from_str(&text).expect("protocol frame"));
            }
        }
        frames
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
