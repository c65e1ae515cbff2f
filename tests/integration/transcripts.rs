//! Transcripts by email through a real SMTP server (mailin-embedded, on 127.0.0.1): sent when
//! a conversation closes, in the widget's language, with the whole conversation; kept in the
//! outbox while the SMTP server is down, through a restart, and sent once it is up.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Agent, TestServer, acked, eventually, refused, send};
use mailin_embedded::{Handler, Response, Server, response};
use switchboard::protocol::ClientFrame;
use switchboard::server::config::{Config, SmtpTls};

/// What the SMTP server received: one raw message (headers and body) per email.
type Inbox = Arc<Mutex<Vec<String>>>;

#[derive(Clone)]
struct Collector {
    inbox: Inbox,
    current: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.current.clear();
        response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let raw = decode_quoted_printable(&String::from_utf8_lossy(&self.current));
        self.inbox.lock().expect("lock").push(raw);
        response::OK
    }
}

/// Undoes quoted-printable (what lettre uses for long or non-ASCII lines).
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        if let (b'=', Some(byte)) = (bytes[i], hex) {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SMTP server on a port of its own (bound to 127.0.0.1:0 and handed over, so no other
/// process can take it in between); returns its port and what it receives.
fn smtp_server() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (port, serve_smtp(listener))
}

/// Serves SMTP on `listener` in a thread; returns what it receives.
fn serve_smtp(listener: TcpListener) -> Inbox {
    let inbox: Inbox = Arc::default();
    let mut server = Server::new(Collector {
        inbox: Arc::clone(&inbox),
        current: Vec::new(),
    });
    server.with_tcp_listener(listener).with_num_threads(2);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    inbox
}

/// A port where the mail server is down: every connection is closed at once. It keeps its
/// listener, so the mail server can come up on the same port later.
struct DownMailServer {
    listener: Arc<TcpListener>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl DownMailServer {
    fn start() -> (u16, DownMailServer) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let listener = Arc::new(listener);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (accepting, stopping) = (Arc::clone(&listener), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
                match accepting.accept() {
                    Ok((connection, _)) => drop(connection),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        (
            port,
            DownMailServer {
                listener,
                stop,
                thread,
            },
        )
    }

    /// The mail server comes up on the same port; returns what it receives.
    fn come_up(self) -> Inbox {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().expect("refusing thread");
        let listener = Arc::into_inner(self.listener).expect("the only owner");
        listener.set_nonblocking(false).expect("blocking");
        serve_smtp(listener)
    }
}

fn mail_config(port: u16) -> impl Fn(&mut Config) + Clone {
    move |config: &mut Config| {
        config.smtp_host = Some("127.0.0.1".into());
        config.smtp_port = port;
        config.smtp_tls = SmtpTls::None;
        config.mail_from = "Support <support@example.com>".into();
        config.retry_after = 1;
    }
}

async fn wait_for_mail(inbox: &Inbox, count: usize) -> Vec<String> {
    eventually("the email arrived", || async {
        let mails = inbox.lock().expect("lock").clone();
        (mails.len() >= count).then_some(mails)
    })
    .await
}

/// A visitor (widget in `locale`) with an email chats with Ana, who replies, notes and closes.
async fn chat_and_close(server: &TestServer, locale: &str) -> (Agent, i64) {
    let team = server.team().await;
    let (status, body) = server
        .call_anonymous(
            "widget_start",
            &[("key", &team.inbox.key), ("locale", locale)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["new_token"].as_str().expect("token").to_owned();
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v1", None, "Where is my parcel?")).await;
    let first = acked(&mut visitor).await;
    let id = first.conversation_id;
    let ana = server.sign_in("ana@example.com").await;
    let visitor_id = ana.detail(id).await.summary.visitor_id;
    ana.call::<()>(
        "update_visitor",
        &[
            ("id", &visitor_id.to_string()),
            ("name", "Kim"),
            ("email", "kim@example.com"),
            ("phone", ""),
            ("notes", ""),
        ],
    )
    .await
    .expect("email given");
    ana.call::<serde_json::Value>("accept_conversation", &[("id", &id.to_string())])
        .await
        .expect("accepted");
    let mut socket = ana.socket(None).await;
    socket.until_ready().await;
    socket
        .send(&send("a1", Some(id), "It ships today, tracking 4417."))
        .await;
    acked(&mut socket).await;
    socket
        .send(&ClientFrame::Send {
            client_id: "n1".into(),
            conversation_id: Some(id),
            body: "internal: refund if late".into(),
            attachments: Vec::new(),
            note: true,
        })
        .await;
    acked(&mut socket).await;
    ana.call::<()>("close_conversation", &[("id", &id.to_string())])
        .await
        .expect("closed");
    (ana, id)
}

#[tokio::test]
async fn a_closed_conversation_is_emailed_in_the_widgets_language() {
    let (port, mails) = smtp_server();
    let server = TestServer::start_with(mail_config(port)).await;
    let (ana, id) = chat_and_close(&server, "es").await;
    let mail = wait_for_mail(&mails, 1).await.remove(0);
    assert!(mail.contains("To: kim@example.com"), "{mail}");
    assert!(
        mail.contains("From: Support <support@example.com>"),
        "{mail}"
    );
    assert!(mail.contains("Where is my parcel?"), "{mail}");
    assert!(
        mail.contains("Ana: It ships today, tracking 4417."),
        "{mail}"
    );
    assert!(
        mail.contains("Ana se unió al chat") || mail.contains("Aquí tienes"),
        "Spanish: {mail}"
    );
    assert!(
        !mail.contains("refund if late"),
        "notes stay internal: {mail}"
    );
    // The SMTP server has the mail; the outbox marks it sent once the session has ended.
    eventually("the outbox marked it sent", || async {
        let outbox = server.running.state.store.outbox().await.expect("outbox");
        outbox.iter().all(|row| row.sent_at.is_some()).then_some(())
    })
    .await;

    // By hand, to another address.
    ana.call::<()>(
        "send_transcript",
        &[
            ("conversation_id", &id.to_string()),
            ("email", "boss@example.com"),
        ],
    )
    .await
    .expect("sent");
    let mails = wait_for_mail(&mails, 2).await;
    assert!(mails[1].contains("To: boss@example.com"));
    assert_eq!(
        refused(
            ana.call::<()>(
                "send_transcript",
                &[("conversation_id", &id.to_string()), ("email", "nope")]
            )
            .await,
            "invalid"
        )["field"],
        "email"
    );
}

#[tokio::test]
async fn mail_waits_for_a_server_that_is_down_even_through_a_restart() {
    let (port, down) = DownMailServer::start();
    let change = mail_config(port);
    let server = TestServer::start_with(change.clone()).await;
    let (_, _) = chat_and_close(&server, "en").await;
    // The mail server hangs up on every connection: attempts fail and are recorded.
    let failed = eventually("an attempt was made", || async {
        let outbox = server.running.state.store.outbox().await.expect("outbox");
        assert_eq!(outbox.len(), 1);
        (outbox[0].attempts >= 1).then(|| outbox[0].clone())
    })
    .await;
    assert!(failed.sent_at.is_none());
    assert!(failed.last_error.is_some());
    let server = server.restart_with(change).await;
    let mails = down.come_up();
    let mail = wait_for_mail(&mails, 1).await.remove(0);
    assert!(mail.contains("Where is my parcel?"), "{mail}");
    assert!(
        mail.contains("Your conversation with Website"),
        "English: {mail}"
    );
    eventually("the outbox marked it sent", || async {
        let outbox = server.running.state.store.outbox().await.expect("outbox");
        outbox[0].sent_at.is_some().then_some(())
    })
    .await;
    assert_eq!(mails.lock().expect("lock").len(), 1, "sent once");
}

#[tokio::test]
async fn without_smtp_nothing_is_queued_and_sending_by_hand_says_why() {
    let server = TestServer::start().await;
    let (ana, id) = chat_and_close(&server, "en").await;
    assert!(
        server
            .running
            .state
            .store
            .outbox()
            .await
            .expect("outbox")
            .is_empty()
    );
    let error = ana
        .call::<()>(
            "send_transcript",
            &[
                ("conversation_id", &id.to_string()),
                ("email", "kim@example.com"),
            ],
        )
        .await
        .expect_err("no SMTP");
    assert_eq!(error["error"], "mail_not_configured");
    // A ticket opens without an email; a reply by email says why it cannot go, and is not
    // saved; an internal comment is.
    let ticket: serde_json::Value = ana
        .call(
            "create_ticket",
            &[("conversation_id", &id.to_string()), ("subject", "Late")],
        )
        .await
        .expect("ticket");
    let ticket_id = ticket["id"].as_i64().expect("id").to_string();
    let error = ana
        .call::<serde_json::Value>(
            "comment_ticket",
            &[
                ("id", &ticket_id),
                ("body", "On its way"),
                ("to_requester", "true"),
            ],
        )
        .await
        .expect_err("no SMTP");
    assert_eq!(error["error"], "mail_not_configured");
    ana.call::<serde_json::Value>(
        "comment_ticket",
        &[("id", &ticket_id), ("body", "Internal")],
    )
    .await
    .expect("internal comment");
    let detail: serde_json::Value = ana
        .call("ticket", &[("id", &ticket_id)])
        .await
        .expect("ticket");
    assert_eq!(detail["comments"].as_array().map(Vec::len), Some(1));
    assert!(
        server
            .running
            .state
            .store
            .outbox()
            .await
            .expect("outbox")
            .is_empty()
    );
}

#[tokio::test]
async fn a_ticket_tells_its_requester_its_number_and_replies_reach_them_by_email() {
    let (port, mails) = smtp_server();
    let server = TestServer::start_with(mail_config(port)).await;
    let (ana, id) = chat_and_close(&server, "en").await;
    // The closed chat's transcript is the first email.
    wait_for_mail(&mails, 1).await;
    let ticket: serde_json::Value = ana
        .call(
            "create_ticket",
            &[
                ("conversation_id", &id.to_string()),
                ("subject", "Parcel late"),
            ],
        )
        .await
        .expect("ticket");
    let number = ticket["id"].as_i64().expect("ticket id");
    let opened = wait_for_mail(&mails, 2).await.remove(1);
    assert!(opened.contains("To: kim@example.com"), "{opened}");
    assert!(
        opened.contains(&format!("Subject: [Ticket #{number}] Parcel late")),
        "{opened}"
    );
    assert!(opened.contains("Where is my parcel?"), "{opened}");
    assert!(
        !opened.contains("refund if late"),
        "notes stay internal: {opened}"
    );

    // An internal comment stays internal; a reply goes to the requester, once.
    let ticket_id = number.to_string();
    let internal: serde_json::Value = ana
        .call(
            "comment_ticket",
            &[("id", &ticket_id), ("body", "Carrier says Tuesday")],
        )
        .await
        .expect("comment");
    assert_eq!(internal["emailed"], false);
    let reply: serde_json::Value = ana
        .call(
            "comment_ticket",
            &[
                ("id", &ticket_id),
                ("body", "Your parcel arrives on Tuesday."),
                ("to_requester", "true"),
            ],
        )
        .await
        .expect("reply");
    assert_eq!(reply["emailed"], true);
    let replied = wait_for_mail(&mails, 3).await.remove(2);
    assert!(replied.contains("To: kim@example.com"), "{replied}");
    assert!(
        replied.contains("Your parcel arrives on Tuesday."),
        "{replied}"
    );
    assert!(replied.contains("Ana"), "{replied}");
    eventually("the outbox sent all three once", || async {
        let outbox = server.running.state.store.outbox().await.ok()?;
        (outbox.len() == 3 && outbox.iter().all(|row| row.sent_at.is_some())).then_some(())
    })
    .await;
    assert_eq!(mails.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn an_offline_message_is_confirmed_to_the_visitor_by_one_email_with_its_ticket_number() {
    let (port, mails) = smtp_server();
    let server = TestServer::start_with(mail_config(port)).await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    crate::pre_chat::set_settings(
        &root,
        &team.inbox,
        &serde_json::json!({"hours": {"enabled": true, "time_zone": "UTC", "week": []}}),
    )
    .await
    .expect("closed");
    let token = server.visitor_token(&team.inbox).await;
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "offline",
            &[
                ("token", &token),
                ("email", "kim@example.com"),
                ("message", "Do you ship to the Canaries?"),
            ],
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER);
    let mail = wait_for_mail(&mails, 1).await.remove(0);
    assert!(mail.contains("To: kim@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: [Ticket #1] Message from kim@example.com"),
        "{mail}"
    );
    assert!(mail.contains("Do you ship to the Canaries?"), "{mail}");
    // Once: one item in the outbox, delivered.
    let outbox = eventually("the email is marked sent", || async {
        let rows = server.running.state.store.outbox().await.expect("outbox");
        rows.iter().all(|row| row.sent_at.is_some()).then_some(rows)
    })
    .await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(mails.lock().expect("lock").len(), 1);
}
