//! Read receipts, typing, internal notes and files against the real router on 127.0.0.1:0:
//! each reaches exactly the sockets and people it is for.

use crate::common::{Agent, Socket, TestServer, acked, send, upload};
use switchboard::files::UPLOAD_HEADER;
use switchboard::model::{Attachment, Inbox, Message};
use switchboard::protocol::{ClientFrame, Event, Reader, ServerFrame};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A visitor of `inbox` with a ready socket who wrote a first message; their token, socket and
/// conversation id.
async fn visitor_writes(server: &TestServer, inbox: &Inbox, text: &str) -> (String, Socket, i64) {
    let token = server.visitor_token(inbox).await;
    let mut socket = server.visitor_socket(&token, None).await;
    socket.until_ready().await;
    socket.send(&send("first", None, text)).await;
    let message = acked(&mut socket).await;
    (token, socket, message.conversation_id)
}

/// Sue supervises a second inbox and nothing else; signed in.
async fn sue(server: &TestServer, team: &crate::common::Team) -> Agent {
    server.other_inbox_with_sue(team).await;
    server.sign_in("sue@example.com").await
}

async fn accept(agent: &Agent, id: i64) {
    agent
        .call::<serde_json::Value>("accept_conversation", &[("id", &id.to_string())])
        .await
        .expect("accepted");
}

/// Whether a frame is about conversation `id`.
fn mentions(frame: &ServerFrame, id: i64) -> bool {
    match frame {
        ServerFrame::Event { event, .. } => event.conversation_id() == Some(id),
        ServerFrame::Typing {
            conversation_id, ..
        }
        | ServerFrame::VisitorTyping {
            conversation_id, ..
        } => *conversation_id == id,
        _ => false,
    }
}

async fn widget_messages(server: &TestServer, inbox: &Inbox, token: &str) -> Vec<Message> {
    let (status, snapshot) = server
        .call_anonymous("widget_start", &[("key", &inbox.key), ("token", token)])
        .await;
    assert_eq!(status, 200, "{snapshot}");
    serde_json::from_value(snapshot["messages"].clone()).expect("messages")
}

#[tokio::test]
async fn read_receipts_reach_both_sides_and_survive_a_reload() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let sue = sue(&server, &team).await;
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    let mut sue_socket = sue.socket(None).await;
    sue_socket.until_ready().await;
    let (token, mut visitor, id) = visitor_writes(&server, &team.inbox, "Hello?").await;
    accept(&ana, id).await;
    ana_socket
        .send(&send("reply-1", Some(id), "Hi, how can I help?"))
        .await;
    let reply = acked(&mut ana_socket).await;
    // Replying means having read: the visitor's question is seen.
    let seen = visitor
        .until(|frame| match frame {
            ServerFrame::Event {
                event:
                    Event::MessagesSeen {
                        reader: Reader::Team,
                        up_to,
                        ..
                    },
                ..
            } => Some(up_to),
            _ => None,
        })
        .await;
    assert_eq!(seen, reply.id);

    // The visitor has the reply on screen: Ana sees the double tick, with the time.
    visitor.send(&ClientFrame::Read { up_to: reply.id }).await;
    let (up_to, at) = ana_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event:
                    Event::MessagesSeen {
                        reader: Reader::Visitor,
                        up_to,
                        at,
                        ..
                    },
                ..
            } => Some((up_to, at)),
            _ => None,
        })
        .await;
    assert_eq!(up_to, reply.id);
    let stored = ana.detail(id).await;
    let reread = stored
        .messages
        .iter()
        .find(|m| m.id == reply.id)
        .expect("reply");
    assert_eq!(reread.read_at, Some(at));
    // Reading again changes nothing (and says nothing).
    visitor.send(&ClientFrame::Read { up_to: reply.id }).await;

    // The visitor writes; the assignee reads it: the visitor sees "Seen".
    visitor
        .send(&send("second", None, "My order is late"))
        .await;
    let question = acked(&mut visitor).await;
    ana.call::<()>(
        "mark_read",
        &[("id", &id.to_string()), ("up_to", &question.id.to_string())],
    )
    .await
    .expect("read");
    let seen = visitor
        .until(|frame| match frame {
            ServerFrame::Event {
                event:
                    Event::MessagesSeen {
                        reader: Reader::Team,
                        up_to,
                        ..
                    },
                ..
            } => Some(up_to),
            _ => None,
        })
        .await;
    assert_eq!(seen, question.id);
    let messages = widget_messages(&server, &team.inbox, &token).await;
    assert!(
        messages
            .iter()
            .filter(|m| m.id <= question.id && m.system.is_none())
            .all(|m| m.read_at.is_some()),
        "{messages:?}"
    );

    // Sue, outside the inbox, heard none of it (every event above was published before its
    // answer came); another visitor cannot mark these read.
    sue_socket.assert_none_waiting(|f| mentions(f, id)).await;
    let (_, mut stranger, _) = visitor_writes(&server, &team.inbox, "Me too").await;
    stranger.send(&ClientFrame::Read { up_to: reply.id }).await;
    assert_eq!(stranger.refusal().await, "not_found");
}

#[tokio::test]
async fn typing_reaches_only_the_right_sockets() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let sue = sue(&server, &team).await;
    let admin = server.sign_in("root@example.com").await;
    let (_, mut visitor, id) = visitor_writes(&server, &team.inbox, "Hello?").await;
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    let mut sue_socket = sue.socket(None).await;
    sue_socket.until_ready().await;
    let typing = |draft: &str| ClientFrame::Typing {
        conversation_id: None,
        draft: Some(draft.into()),
        note: false,
    };

    // Previews are off by default: agents learn that the visitor types, not what.
    visitor.send(&typing("Hel")).await;
    let draft = ana_socket
        .until(|frame| match frame {
            ServerFrame::VisitorTyping {
                conversation_id,
                draft,
            } if conversation_id == id => Some(draft),
            _ => None,
        })
        .await;
    assert_eq!(draft, None);
    admin
        .call::<serde_json::Value>(
            "set_inbox_chat_settings",
            &[
                ("inbox_id", &team.inbox.id.to_string()),
                ("max_file_bytes", "4194304"),
                ("allowed_file_types", "image/*"),
                ("typing_preview", "true"),
            ],
        )
        .await
        .expect("settings");
    visitor.send(&typing("Hello th")).await;
    let draft = ana_socket
        .until(|frame| match frame {
            ServerFrame::VisitorTyping { draft, .. } => Some(draft),
            _ => None,
        })
        .await;
    assert_eq!(draft.as_deref(), Some("Hello th"));
    // The signal went to every agent socket at once: Ana has it, so Sue's had it too.
    sue_socket.assert_none_waiting(|f| mentions(f, id)).await;

    // The assignee's reply typing reaches the visitor; a note's, or a colleague's, does not.
    accept(&ana, id).await;
    let agent_typing = |note: bool| ClientFrame::Typing {
        conversation_id: Some(id),
        draft: None,
        note,
    };
    ana_socket.send(&agent_typing(true)).await;
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    ben_socket.send(&agent_typing(false)).await;
    let heard_ben = ana_socket
        .until(|frame| match frame {
            ServerFrame::Typing { agent, .. } => Some(agent.name),
            _ => None,
        })
        .await;
    assert_eq!(heard_ben, "Ben");
    // Ana's own socket has handled her note's typing once it answers her ping; then whatever
    // either of them caused is already with the visitor's socket.
    ana_socket.frames_until_pong().await;
    visitor
        .assert_none_waiting(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    ana_socket.send(&agent_typing(false)).await;
    let typist = visitor
        .until(|frame| match frame {
            ServerFrame::Typing { agent, .. } => Some(agent.name),
            _ => None,
        })
        .await;
    assert_eq!(typist, "Ana");
}

#[tokio::test]
async fn a_note_never_reaches_the_visitor() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let (token, mut visitor, id) = visitor_writes(&server, &team.inbox, "Hello?").await;
    accept(&ana, id).await;
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;

    // Ben is not the assignee and may still leave a note.
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    ben_socket
        .send(&ClientFrame::Send {
            client_id: "note-1".into(),
            conversation_id: Some(id),
            body: "Secret: VIP customer, offer the refund".into(),
            attachments: Vec::new(),
            note: true,
        })
        .await;
    let note = acked(&mut ben_socket).await;
    assert!(note.note);
    let seen_by_ana = ana_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } => Some(message),
            _ => None,
        })
        .await;
    assert_eq!(seen_by_ana.id, note.id);
    assert!(
        ana.detail(id)
            .await
            .messages
            .iter()
            .any(|m| m.id == note.id && m.note)
    );

    // Not live, not in the snapshot, not in a replay from the start, not in the preview.
    visitor
        .assert_none_waiting(|f| format!("{f:?}").contains("Secret"))
        .await;
    let messages = widget_messages(&server, &team.inbox, &token).await;
    assert!(!messages.iter().any(|m| m.note || m.body.contains("Secret")));
    let (_, body) = server
        .call_anonymous(
            "widget_start",
            &[("key", &team.inbox.key), ("token", &token)],
        )
        .await;
    assert!(!body.to_string().contains("Secret"), "{body}");
    let mut replayed = server.visitor_socket(&token, Some(0)).await;
    let (events, _) = replayed.until_ready().await;
    assert!(!format!("{events:?}").contains("Secret"));
    assert!(!events.is_empty());

    // A note is not the team's answer: the visitor is still waiting for Ana.
    let timers = server.running.state.store.timers().await.expect("timers");
    assert!(
        timers
            .iter()
            .any(|t| t.subject_id == id && t.kind == switchboard::rules::TimerKind::AssigneeIdle),
        "{timers:?}"
    );
    // A visitor cannot leave a note.
    visitor
        .send(&ClientFrame::Send {
            client_id: "sneaky".into(),
            conversation_id: None,
            body: "am I a note?".into(),
            attachments: Vec::new(),
            note: true,
        })
        .await;
    assert_eq!(visitor.refusal().await, "forbidden");
}

async fn download(
    server: &TestServer,
    who: Result<Option<&str>, &Agent>,
    id: i64,
) -> reqwest::Response {
    let path = server.url(&format!("/files/{id}"));
    match who {
        Ok(Some(token)) => reqwest::Client::new().get(path).bearer_auth(token),
        Ok(None) => reqwest::Client::new().get(path),
        Err(agent) => agent.http.get(path),
    }
    .send()
    .await
    .expect("download")
}

fn stored_files(server: &TestServer) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&server.dir.path().join("files"))
}

#[tokio::test]
async fn files_are_served_only_to_those_who_may_see_their_conversation() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let sue = sue(&server, &team).await;
    let (token, mut visitor, id) = visitor_writes(&server, &team.inbox, "Look at this").await;
    accept(&ana, id).await;

    // The visitor sends a picture (no text needed).
    let (status, body) = upload(&server, Ok(&token), "shot.png", PNG.to_vec()).await;
    assert_eq!(status, 201, "{body}");
    let picture: Attachment = serde_json::from_value(body).expect("attachment");
    assert!(picture.is_image());
    visitor
        .send(&ClientFrame::Send {
            client_id: "pic".into(),
            conversation_id: None,
            body: String::new(),
            attachments: vec![picture.id],
            note: false,
        })
        .await;
    let sent = acked(&mut visitor).await;
    assert_eq!(sent.attachments, vec![picture.clone()]);
    assert_eq!(ana.detail(id).await.summary.preview, "📎 shot.png");

    let response = download(&server, Err(&ana), picture.id).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-security-policy").contains("sandbox"));
    assert!(header("content-disposition").starts_with("inline; filename=\"shot.png\""));
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), PNG);

    // Another visitor, an agent of another inbox, and nobody get nothing.
    let stranger = server.visitor_token(&team.inbox).await;
    assert_eq!(
        download(&server, Ok(Some(&stranger)), picture.id)
            .await
            .status(),
        404
    );
    assert_eq!(download(&server, Err(&sue), picture.id).await.status(), 404);
    assert_eq!(download(&server, Ok(None), picture.id).await.status(), 401);
    assert_eq!(
        download(&server, Ok(Some(&token)), picture.id)
            .await
            .status(),
        200
    );

    // The assignee sends a document: a download for the visitor, never shown inline.
    let (status, body) = upload(
        &server,
        Err((&ana, id)),
        "invoice.pdf",
        b"%PDF-1.4".to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let pdf: Attachment = serde_json::from_value(body).expect("attachment");
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    ana_socket
        .send(&ClientFrame::Send {
            client_id: "pdf".into(),
            conversation_id: Some(id),
            body: "Your invoice".into(),
            attachments: vec![pdf.id],
            note: false,
        })
        .await;
    acked(&mut ana_socket).await;
    let response = download(&server, Ok(Some(&token)), pdf.id).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment;")
    );

    // A file sent with a note stays with the team; nobody sends someone else's upload.
    let (_, body) = upload(&server, Err((&ana, id)), "notes.txt", b"internal".to_vec()).await;
    let internal: Attachment = serde_json::from_value(body).expect("attachment");
    ana_socket
        .send(&ClientFrame::Send {
            client_id: "note".into(),
            conversation_id: Some(id),
            body: "For the team".into(),
            attachments: vec![internal.id],
            note: true,
        })
        .await;
    acked(&mut ana_socket).await;
    assert_eq!(
        download(&server, Ok(Some(&token)), internal.id)
            .await
            .status(),
        404
    );
    assert_eq!(
        download(&server, Err(&ana), internal.id).await.status(),
        200
    );
    let (_, stranger_body) = upload(&server, Ok(&stranger), "mine.png", PNG.to_vec()).await;
    let theirs: Attachment = serde_json::from_value(stranger_body).expect("attachment");
    // Not sent yet: only its uploader may read it.
    assert_eq!(
        download(&server, Ok(Some(&stranger)), theirs.id)
            .await
            .status(),
        200
    );
    assert_eq!(
        download(&server, Ok(Some(&token)), theirs.id)
            .await
            .status(),
        404
    );
    assert_eq!(download(&server, Err(&ana), theirs.id).await.status(), 404);
    visitor
        .send(&ClientFrame::Send {
            client_id: "steal".into(),
            conversation_id: None,
            body: "look".into(),
            attachments: vec![theirs.id],
            note: false,
        })
        .await;
    assert_eq!(visitor.refusal().await, "not_found");
}

#[tokio::test]
async fn uploads_over_the_limit_or_of_a_refused_type_store_nothing() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let token = server.visitor_token(&team.inbox).await;
    let files = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM files")
            .fetch_one(server.running.state.store.pool())
            .await
            .expect("count")
    };

    // The default limit is 4 MB: one byte more is refused with a clear message.
    let (status, body) = upload(&server, Ok(&token), "big.png", vec![0; 4 * 1024 * 1024 + 1]).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"], "file_too_large");
    assert_eq!(body["max_bytes"], 4 * 1024 * 1024);
    let (status, body) = upload(&server, Ok(&token), "page.html", b"<script>".to_vec()).await;
    assert_eq!(status, 415);
    assert_eq!(body["error"], "file_type_not_allowed");
    assert_eq!(files().await, 0);
    assert_eq!(stored_files(&server), 0);

    // Without the upload header (a form on another site), nothing either.
    let response = reqwest::Client::new()
        .post(server.url("/files?name=a.png"))
        .bearer_auth(&token)
        .body(PNG.to_vec())
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 403);

    // Exactly 4 MB is fine; an admin lowers the limit to 1 KB and 2 KB is refused.
    let (status, _) = upload(&server, Ok(&token), "big.png", vec![0; 4 * 1024 * 1024]).await;
    assert_eq!(status, 201);
    admin
        .call::<serde_json::Value>(
            "set_inbox_chat_settings",
            &[
                ("inbox_id", &team.inbox.id.to_string()),
                ("max_file_bytes", "1024"),
                ("allowed_file_types", "image/png"),
            ],
        )
        .await
        .expect("settings");
    let (status, body) = upload(&server, Ok(&token), "two.png", vec![0; 2048]).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["max_bytes"], 1024);
    assert_eq!(files().await, 1);
    assert_eq!(stored_files(&server), 1);
    // A bad policy is refused and changes nothing.
    let refused = admin
        .call::<serde_json::Value>(
            "set_inbox_chat_settings",
            &[
                ("inbox_id", &team.inbox.id.to_string()),
                ("max_file_bytes", "0"),
                ("allowed_file_types", "image/png"),
            ],
        )
        .await
        .expect_err("refused");
    assert_eq!(refused["error"], "invalid");
}

#[tokio::test]
async fn templates_are_personal_or_shared_by_supervisors() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let admin = server.sign_in("root@example.com").await;
    let inbox = team.inbox.id.to_string();
    let save = |title: &'static str, shortcut: &'static str, inbox_id: Option<&str>| {
        let mut form = vec![
            ("title", title),
            ("shortcut", shortcut),
            ("body", "Hi {visitor.name}"),
        ];
        if let Some(inbox_id) = inbox_id {
            form.push(("inbox_id", inbox_id));
        }
        form.into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    let call = |agent: &Agent, form: Vec<(String, String)>| {
        let agent_http = agent.http.clone();
        let url = server.url("/api/save_template");
        async move {
            let response = agent_http.post(url).form(&form).send().await.expect("save");
            let ok = response.status().is_success();
            let body: serde_json::Value = response.json().await.expect("json");
            if ok { Ok(body) } else { Err(body) }
        }
    };
    let mine = call(&ana, save("Hello", "/Hi", None))
        .await
        .expect("personal");
    assert_eq!(mine["shortcut"], "hi");
    // An operator may not share with the inbox; an admin may; bad fields change nothing.
    let refused = call(&ana, save("Hours", "hours", Some(&inbox)))
        .await
        .expect_err("operator");
    assert_eq!(refused["error"], "forbidden");
    call(&admin, save("Hours", "hours", Some(&inbox)))
        .await
        .expect("shared");
    let refused = call(&admin, save("Bad", "two words", None))
        .await
        .expect_err("invalid");
    assert_eq!(refused["error"], "invalid");

    let book = |agent: &Agent| {
        let agent_http = agent.http.clone();
        let url = server.url("/api/templates");
        async move {
            let body: serde_json::Value = agent_http
                .post(url)
                .send()
                .await
                .expect("list")
                .json()
                .await
                .expect("json");
            body["templates"]
                .as_array()
                .expect("templates")
                .iter()
                .map(|t| t["shortcut"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(book(&ana).await, ["hi", "hours"]);
    assert_eq!(book(&ben).await, ["hours"]);
    // Ben cannot change or delete Ana's template: it does not exist for him.
    let id = mine["id"].to_string();
    let refused = ben
        .call::<serde_json::Value>("delete_template", &[("id", &id)])
        .await
        .expect_err("not his");
    assert_eq!(refused["error"], "not_found");
    ana.call::<()>("delete_template", &[("id", &id)])
        .await
        .expect("deleted");
    assert_eq!(book(&ana).await, ["hours"]);
}

#[tokio::test]
async fn an_agents_picture_is_public_and_only_a_picture() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let avatar = server.url(&format!("/avatars/{}", team.ana.id));
    // Without a picture: her initials, drawn (a page never shows a broken image).
    let initials = reqwest::get(&avatar).await.expect("get");
    assert_eq!(initials.status(), 200);
    assert_eq!(initials.headers()["content-type"], "image/svg+xml");
    assert!(initials.text().await.expect("text").contains(">A</text>"));
    let nobody = server.url("/avatars/999999");
    assert_eq!(reqwest::get(&nobody).await.expect("get").status(), 404);
    let post = |name: &str, bytes: Vec<u8>| {
        ana.http
            .post(server.url(&format!("/avatar?name={name}")))
            .header(UPLOAD_HEADER, "1")
            .body(bytes)
            .send()
    };
    let refused = post("face.svg", b"<svg onload=alert(1)>".to_vec())
        .await
        .expect("post");
    assert_eq!(refused.status(), 415);
    let too_big = post("face.png", vec![0; 1024 * 1024 + 1])
        .await
        .expect("post");
    assert_eq!(too_big.status(), 413);
    assert_eq!(
        post("face.png", PNG.to_vec()).await.expect("post").status(),
        204
    );
    let response = reqwest::get(&avatar).await.expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), PNG);
    // A new picture replaces the old one on disk.
    assert_eq!(
        post("face.png", PNG.to_vec()).await.expect("post").status(),
        204
    );
    assert_eq!(stored_files(&server), 1);
    // Nobody else can set it.
    let anonymous = reqwest::Client::new()
        .post(server.url("/avatar?name=x.png"))
        .header(UPLOAD_HEADER, "1")
        .body(PNG.to_vec())
        .send()
        .await
        .expect("post");
    assert_eq!(anonymous.status(), 401);
}
