//! Shared helpers of the integration tests: a real server on 127.0.0.1:0 with its own
//! database (a SQLite file, or with `SWITCHBOARD_TEST_DATABASE=postgres` a database of its own
//! on the throwaway PostgreSQL), HTTP clients with cookie jars, and plain WebSocket clients
//! speaking the protocol.

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

/// The URL of a fresh, empty database on the throwaway PostgreSQL that `scripts/test.sh`
/// starts (its address in `SWITCHBOARD_TEST_POSTGRES`).
pub async fn postgres_database() -> String {
    use sqlx::{Connection, Executor};
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let admin = std::env::var("SWITCHBOARD_TEST_POSTGRES").expect(
        "SWITCHBOARD_TEST_POSTGRES is not set: run scripts/test.sh, which starts a throwaway \
         PostgreSQL for these tests",
    );
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("the test PostgreSQL answers");
    // Copied as files, not through the write-ahead log: half the disk a copy takes.
    conn.execute(format!("CREATE DATABASE {name} STRATEGY = FILE_COPY").as_str())
        .await
        .expect("a database is created");
    let (server, _) = admin.rsplit_once('/').expect("the URL names a database");
    format!("{server}/{name}")
}

/// Whether the servers of this run use PostgreSQL (`SWITCHBOARD_TEST_DATABASE=postgres`,
/// which `scripts/test.sh` sets for its second run of these tests) rather than SQLite.
pub fn on_postgres() -> bool {
    std::env::var("SWITCHBOARD_TEST_DATABASE").is_ok_and(|db| db == "postgres")
}

/// The database URL of a server on data directory `dir`: none on SQLite (the server's file in
/// the directory); on PostgreSQL, a database made for the directory the first time, its URL
/// kept in the directory so a server restarted on it finds the same one.
pub async fn database_url_in(dir: &std::path::Path) -> Option<String> {
    if !on_postgres() {
        return None;
    }
    let file = dir.join("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&file) {
        return Some(url);
    }
    let url = postgres_database().await;
    std::fs::write(&file, &url).expect("the database's URL is kept");
    Some(url)
}

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

/// The acknowledged message of the socket's latest send, skipping the answers to earlier
/// ones (a refusal of it fails the test).
pub async fn acked(socket: &mut Socket) -> switchboard::model::Message {
    let latest = socket.last_send.clone().expect("a send to acknowledge");
    socket
        .until(|frame| match frame {
            ServerFrame::Ack { client_id, message } if client_id == latest => Some(message),
            ServerFrame::Refused {
                client_id: Some(refused),
                code,
                ..
            } if refused == latest => panic!("{latest} refused: {code}"),
            _ => None,
        })
        .await
}

/// Asserts that a server function refused with `code` (the `error` of its JSON body) and
/// returns the body, for further checks (the field, who has it).
#[track_caller]
pub fn refused<T: std::fmt::Debug>(
    result: Result<T, serde_json::Value>,
    code: &str,
) -> serde_json::Value {
    let error = result.expect_err(&format!("refused with {code}"));
    assert_eq!(error["error"], code, "{error}");
    error
}

/// Sends a request; returns its status and its body as JSON (a body that is not JSON fails
/// the test: every answer of a server function is).
async fn status_and_json(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {e}: {text}"));
    (status, body)
}

/// Polls `check` until it gives a value, for work that happens in the background (the timer
/// engine, the outbox, a socket's end); fails the test, naming `what`, after 20 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within 20 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
        TestServer::start_in(tempfile::tempdir().expect("temp dir"), change).await
    }

    /// A server that stops gracefully (as on SIGTERM) when the sender is used or dropped.
    pub async fn start_stoppable() -> (TestServer, tokio::sync::oneshot::Sender<()>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.database_url = database_url_in(dir.path()).await;
        let running = switchboard::server::serve(config, async move {
            let _ = stopped.await;
        })
        .await
        .expect("server starts");
        let server = TestServer {
            addr: running.addr,
            running,
            dir,
        };
        (server, stop)
    }

    /// A server on a data directory an earlier one left.
    pub async fn start_in(dir: tempfile::TempDir, change: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.database_url = database_url_in(dir.path()).await;
        change(&mut config);
        let running = spawn(config).await.expect("server starts");
        TestServer {
            addr: running.addr,
            running,
            dir,
        }
    }

    /// Stops the server as a crash would and starts a new one on the same database.
    pub async fn restart(self) -> TestServer {
        self.restart_with(|_| {}).await
    }

    /// Like [`TestServer::restart`], with a changed configuration.
    pub async fn restart_with(self, change: impl FnOnce(&mut Config)) -> TestServer {
        self.running.stop().await;
        TestServer::start_in(self.dir, change).await
    }

    /// Stops the server as a crash would, stays down until the wall clock has passed `at`
    /// (milliseconds since the epoch: a time read from the data, such as a timer's due
    /// time), and starts it again on the same database.
    pub async fn restart_after_time(self, at: i64) -> TestServer {
        self.running.stop().await;
        let wait = at + 1 - switchboard::server::store::now_millis();
        if let Ok(millis) = u64::try_from(wait) {
            tokio::time::sleep(Duration::from_millis(millis)).await;
        }
        TestServer::start_in(self.dir, |_| {}).await
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

    /// The raw `Set-Cookie` and the session cookie of signing in with `email`.
    pub async fn sign_in_cookie(&self, email: &str) -> (String, HeaderValue) {
        let response = reqwest::Client::new()
            .post(self.url("/api/sign_in"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign in request");
        assert!(response.status().is_success(), "{}", response.status());
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie")
            .to_owned();
        let pair = set_cookie.split(';').next().expect("name=value").to_owned();
        (set_cookie, HeaderValue::from_str(&pair).expect("cookie"))
    }

    /// Calls a server function without any session; returns the status and the JSON body.
    pub async fn call_anonymous(
        &self,
        name: &str,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        status_and_json(
            reqwest::Client::new()
                .post(self.url(&format!("/api/{name}")))
                .form(form),
        )
        .await
    }

    /// A new visitor of the inbox: their token from `widget_start`.
    pub async fn visitor_token(&self, inbox: &Inbox) -> String {
        let (status, snapshot) = self
            .call_anonymous("widget_start", &[("key", &inbox.key)])
            .await;
        assert_eq!(status, 200, "{snapshot}");
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
    /// The widget's page of an inbox (`query`: `?sent`, `?rated` or empty), as HTML.
    pub async fn widget_page(&self, inbox: &Inbox, query: &str) -> String {
        reqwest::get(self.url(&format!("/widget/{}{query}", inbox.key)))
            .await
            .expect("page")
            .text()
            .await
            .expect("html")
    }

    /// Posts one of the widget page's forms (`form`: the pre-chat form, `offline`) as the page
    /// does, without following the answer's redirect; returns the status, the body and where
    /// it redirects.
    pub async fn post_widget_form(
        &self,
        inbox: &Inbox,
        which: &str,
        fields: &[(&str, &str)],
    ) -> (reqwest::StatusCode, String, Option<String>) {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .post(self.url(&format!("/widget/{}/{which}", inbox.key)))
            .form(fields)
            .send()
            .await
            .expect("form posted");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, response.text().await.expect("body"), location)
    }

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
        let (status, body) = self.call_raw(name, form).await;
        if (200..300).contains(&status) {
            Ok(serde_json::from_value(body.clone())
                .unwrap_or_else(|e| panic!("{name}: {e}: {body}")))
        } else {
            Err(body)
        }
    }

    /// Calls a server function; returns the HTTP status and the JSON body.
    pub async fn call_raw(&self, name: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        status_and_json(
            self.http
                .post(format!("{}/api/{name}", self.base))
                .form(form),
        )
        .await
    }

    /// A conversation with its timeline, as this agent sees it.
    pub async fn detail(&self, id: i64) -> switchboard::model::ConversationDetail {
        self.call("conversation", &[("id", &id.to_string())])
            .await
            .expect("conversation")
    }

    /// The session cookie, as a request header.
    pub fn cookie(&self) -> HeaderValue {
        let url: reqwest::Url = self.base.parse().expect("url");
        self.jar.cookies(&url).expect("session cookie")
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
    /// The client id of the latest `Send`, whose answer [`acked`] waits for.
    last_send: Option<String>,
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
        Socket {
            stream,
            last_send: None,
        }
    }

    /// Tries an upgrade with these headers; returns 101 when it is accepted, else the HTTP
    /// status of the refusal.
    pub async fn upgrade_status(url: &str, headers: &[(&'static str, HeaderValue)]) -> u16 {
        let mut request = url.into_client_request().expect("request");
        for (name, value) in headers {
            request.headers_mut().insert(*name, value.clone());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((_, response)) => response.status().as_u16(),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                response.status().as_u16()
            }
            Err(e) => panic!("the upgrade failed without an HTTP answer: {e}"),
        }
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
        Socket {
            stream,
            last_send: None,
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        if let ClientFrame::Send { client_id, .. } = frame {
            self.last_send = Some(client_id.clone());
        }
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

    /// Sends a ping and returns every frame that came before its pong. The server answers a
    /// ping only after forwarding what was already waiting for this socket, so once whatever
    /// might have caused a frame has finished (its ack, its HTTP answer, or a pong on the
    /// socket that sent it), the frames returned are all it could have caused here: a check
    /// that something did *not* arrive needs no quiet window.
    pub async fn frames_until_pong(&mut self) -> Vec<ServerFrame> {
        self.send(&ClientFrame::Ping).await;
        let mut frames = Vec::new();
        loop {
            match self.next().await {
                ServerFrame::Pong => return frames,
                frame => frames.push(frame),
            }
        }
    }

    /// Asserts that no frame waiting for this socket is `unwanted` (see
    /// [`Socket::frames_until_pong`]).
    pub async fn assert_none_waiting(&mut self, unwanted: impl Fn(&ServerFrame) -> bool) {
        let frames = self.frames_until_pong().await;
        assert!(
            !frames.iter().any(unwanted),
            "unexpected frames: {frames:?}"
        );
    }

    /// Asserts that nothing at all was waiting for this socket.
    pub async fn assert_nothing_waiting(&mut self) {
        self.assert_none_waiting(|_| true).await;
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// Uploads `bytes` as `name`, as a visitor (bearer token) or an agent (their client, into a
/// conversation).
pub async fn upload(
    server: &TestServer,
    who: Result<&str, (&Agent, i64)>,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, serde_json::Value) {
    let request = match who {
        Ok(token) => reqwest::Client::new()
            .post(server.url(&format!("/files?name={name}")))
            .bearer_auth(token),
        Err((agent, conversation_id)) => agent.http.post(server.url(&format!(
            "/files?name={name}&conversation_id={conversation_id}"
        ))),
    };
    let response = request
        .header(switchboard::files::UPLOAD_HEADER, "1")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/// A tracker tab of a visitor: the hello with the inbox key (a new visitor without `token`);
/// returns the socket, ready, and the visitor's token.
pub async fn tracker(
    server: &TestServer,
    inbox: &switchboard::model::Inbox,
    token: Option<&str>,
) -> (Socket, String) {
    let mut socket =
        Socket::connect_with_agent(&format!("ws://{}/ws/visitor", server.addr), CHROME).await;
    socket
        .send(&ClientFrame::Hello {
            token: token.map(str::to_owned),
            after: None,
            inbox: Some(inbox.key.clone()),
        })
        .await;
    let mut token = token.map(str::to_owned);
    loop {
        match socket.next().await {
            ServerFrame::Welcome { token: new } => token = Some(new),
            ServerFrame::Ready { .. } => break,
            ServerFrame::Event { .. } => {}
            other => panic!("unexpected before ready: {other:?}"),
        }
    }
    (socket, token.expect("a token"))
}

/// A tracker tab reports a page of the test shop.
pub async fn view_page(socket: &mut Socket, path: &str, title: &str) {
    socket
        .send(&ClientFrame::PageView(switchboard::protocol::PageReport {
            url: format!("https://shop.example{path}"),
            title: title.into(),
            referrer: "https://search.example/?q=coffee".into(),
            screen: Some("1920x1080".into()),
            language: Some("es-ES".into()),
            time_zone: Some("Europe/Madrid".into()),
        }))
        .await;
}

/// Waits for the agent socket to be ready, asks for the online table and returns it.
pub async fn watch(agent: &mut Socket) -> Vec<switchboard::model::OnlineVisitor> {
    agent.until_ready().await;
    agent.send(&ClientFrame::WatchVisitors { on: true }).await;
    agent
        .until(|frame| match frame {
            ServerFrame::OnlineVisitors { visitors } => Some(visitors),
            _ => None,
        })
        .await
}

/// What a webhook receiver got: the headers and the body of each post, in order.
pub type Posts = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, axum::body::Bytes)>>>;

/// A local HTTP receiver standing in for a helpdesk, a CRM or a bot: records every post to
/// its address; answers 500 to the first `failures`, then 200.
pub async fn receiver(failures: usize) -> (String, Posts) {
    let received: Posts = Posts::default();
    let seen = std::sync::Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let seen = std::sync::Arc::clone(&seen);
                async move {
                    let mut seen = seen.lock().expect("lock");
                    seen.push((headers, body));
                    if seen.len() <= failures {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hooks", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, received)
}
