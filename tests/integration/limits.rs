//! The limits on what anyone on the internet can make the server do, against the real router:
//! new visitors per address, sockets per address, frames per socket per second (`rate_limited`),
//! upload bytes per visitor and per conversation (`upload_limit`), the disk's floor
//! (`storage_full`), silent sockets, and the sweep of files nobody sent. Each refusal stores
//! nothing.

use serde_json::json;
use switchboard::protocol::ServerFrame;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::common::{Socket, TestServer, acked, send};

/// `widget_start` from `ip` (as the proxy header says), with or without a token.
async fn widget_start(
    server: &TestServer,
    ip: &str,
    key: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut form = vec![("key", key)];
    if let Some(token) = token {
        form.push(("token", token));
    }
    let response = reqwest::Client::new()
        .post(server.url("/api/widget_start"))
        .header("x-forwarded-for", ip)
        .form(&form)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn one_address_starts_so_many_new_visitors_a_minute() {
    let server = TestServer::start_with(|config| {
        config.client_ip_header = Some("x-forwarded-for".into());
        config.new_visitors_per_minute = 3;
    })
    .await;
    let team = server.team().await;
    let key = team.inbox.key.clone();
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let (status, snapshot) = widget_start(&server, "203.0.113.5", &key, None).await;
        assert_eq!(status, 200, "{snapshot}");
        tokens.push(snapshot["new_token"].as_str().expect("token").to_owned());
    }
    let visitors = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM visitors")
            .fetch_one(server.running.state.store.pool())
            .await
            .expect("count")
    };
    let before = visitors().await;
    assert_eq!(
        widget_start(&server, "203.0.113.5", &key, None).await,
        (429, json!({"error": "rate_limited"}))
    );
    assert_eq!(visitors().await, before, "nobody new was stored");
    // A known visitor from there carries on; another address starts its own.
    assert_eq!(
        widget_start(&server, "203.0.113.5", &key, Some(&tokens[0]))
            .await
            .0,
        200
    );
    assert_eq!(
        widget_start(&server, "198.51.100.2", &key, None).await.0,
        200
    );
}

#[tokio::test]
async fn one_address_holds_so_many_sockets_at_once() {
    let server = TestServer::start_with(|config| config.sockets_per_address = 2).await;
    let url = format!("ws://{}/ws/visitor", server.addr);
    let first = Socket::connect(&url, None).await;
    let _second = Socket::connect(&url, None).await;
    assert_eq!(Socket::upgrade_status(&url, &[]).await, 429);
    first.close().await;
    // The closed socket's place frees once the server has seen it go.
    crate::common::eventually("a place is free again", || async {
        let origin = HeaderValue::from_str(&format!("http://{}", server.addr)).ok()?;
        (Socket::upgrade_status(&url, &[("origin", origin)]).await == 101).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_socket_sends_so_many_messages_a_second_and_the_rest_are_refused() {
    let server = TestServer::start_with(|config| config.messages_per_second = 2).await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("m1", None, "one")).await;
    let conversation_id = acked(&mut visitor).await.conversation_id;
    for n in 2..=6 {
        visitor
            .send(&send(&format!("m{n}"), Some(conversation_id), "again"))
            .await;
    }
    let mut refused = Vec::new();
    let mut acked_ids = Vec::new();
    while refused.len() + acked_ids.len() < 5 {
        match visitor
            .until(|frame| match frame {
                ServerFrame::Ack { client_id, .. } => Some(Ok(client_id)),
                ServerFrame::Refused {
                    client_id: Some(id),
                    code,
                    ..
                } => Some(Err((id, code))),
                _ => None,
            })
            .await
        {
            Ok(id) => acked_ids.push(id),
            Err((id, code)) => {
                assert_eq!(code, "rate_limited");
                refused.push(id);
            }
        }
    }
    assert!(
        !refused.is_empty(),
        "some of five sends in a second refused"
    );
    let stored = server
        .running
        .state
        .store
        .messages(conversation_id)
        .await
        .expect("messages");
    let visitor_messages = stored
        .iter()
        .filter(|m| m.author == switchboard::model::Author::Visitor)
        .count();
    assert_eq!(
        visitor_messages,
        1 + acked_ids.len(),
        "nothing refused was stored"
    );
}

/// Posts `size` bytes as a PNG, as a visitor (their token) or as an agent into a conversation;
/// the status and the answer.
async fn upload(
    server: &TestServer,
    who: Result<&str, (&crate::common::Agent, i64)>,
    size: usize,
) -> (u16, serde_json::Value) {
    crate::common::upload(server, who, "shot.png", vec![0u8; size]).await
}

/// Files the database knows, and files in the files folder.
async fn files_kept(server: &TestServer) -> (i64, usize) {
    let rows = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM files")
        .fetch_one(server.running.state.store.pool())
        .await
        .expect("count");
    let on_disk = std::fs::read_dir(server.dir.path().join("files"))
        .expect("files folder")
        .flatten()
        .filter_map(|folder| std::fs::read_dir(folder.path()).ok())
        .map(|files| files.count())
        .sum();
    (rows, on_disk)
}

const KB: usize = 1024;

#[tokio::test]
async fn a_visitor_uploads_so_many_bytes_an_hour_and_nothing_more_is_stored() {
    let server = TestServer::start_with(|config| {
        config.upload_mb_per_visitor_hour = 1;
        config.upload_mb_per_conversation = 0;
    })
    .await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    assert_eq!(upload(&server, Ok(&token), 600 * KB).await.0, 201);
    // The second would pass the megabyte: refused part-way, and its bytes are not kept.
    let (status, body) = upload(&server, Ok(&token), 600 * KB).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("upload_limit"))
    );
    assert_eq!(files_kept(&server).await, (1, 1));
    // What is left of the hour still goes.
    assert_eq!(upload(&server, Ok(&token), 424 * KB).await.0, 201);
    let (status, body) = upload(&server, Ok(&token), 1).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("upload_limit"))
    );
    // Another visitor has their own allowance.
    let other = server.visitor_token(&team.inbox).await;
    assert_eq!(upload(&server, Ok(&other), 600 * KB).await.0, 201);
    assert_eq!(files_kept(&server).await, (3, 3));
}

#[tokio::test]
async fn a_conversation_holds_so_many_bytes_of_files() {
    let server = TestServer::start_with(|config| {
        config.upload_mb_per_visitor_hour = 0;
        config.upload_mb_per_conversation = 1;
    })
    .await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("first", None, "hello")).await;
    let conversation_id = acked(&mut visitor).await.conversation_id;
    let ana = server.sign_in("ana@example.com").await;
    ana.call::<serde_json::Value>(
        "accept_conversation",
        &[("id", &conversation_id.to_string())],
    )
    .await
    .expect("accept");

    // The visitor's 700 KB, sent with a message, count for the conversation; the agent's
    // 400 KB would pass the megabyte.
    let (status, file) = upload(&server, Ok(&token), 700 * KB).await;
    assert_eq!(status, 201);
    visitor
        .send(&switchboard::protocol::ClientFrame::Send {
            client_id: "with-file".into(),
            conversation_id: Some(conversation_id),
            body: "a picture".into(),
            attachments: vec![file["id"].as_i64().expect("file id")],
            note: false,
        })
        .await;
    acked(&mut visitor).await;
    let (status, body) = upload(&server, Err((&ana, conversation_id)), 400 * KB).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("upload_limit"))
    );
    assert_eq!(
        upload(&server, Err((&ana, conversation_id)), 300 * KB)
            .await
            .0,
        201
    );
    assert_eq!(files_kept(&server).await, (2, 2));
}

#[tokio::test]
async fn uploads_stop_when_the_disk_is_below_its_floor() {
    // A floor no disk has: every upload is refused before a byte is written.
    let server = TestServer::start_with(|config| config.disk_floor_mb = u64::MAX / 2).await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let (status, body) = upload(&server, Ok(&token), KB).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (507, Some("storage_full"))
    );
    assert_eq!(files_kept(&server).await, (0, 0));
}

#[tokio::test]
async fn the_sweep_deletes_unsent_uploads_and_orphaned_bytes_after_an_hour() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    let (_, sent) = upload(&server, Ok(&token), KB).await;
    visitor
        .send(&switchboard::protocol::ClientFrame::Send {
            client_id: "with-file".into(),
            conversation_id: None,
            body: "a picture".into(),
            attachments: vec![sent["id"].as_i64().expect("file id")],
            note: false,
        })
        .await;
    acked(&mut visitor).await;
    let (_, unsent) = upload(&server, Ok(&token), KB).await;
    // Bytes no row knows (a conversation deleted, a crash between writing and recording).
    let stray = server.dir.path().join("files").join("zz").join("stray");
    std::fs::create_dir_all(stray.parent().expect("folder")).expect("folder");
    std::fs::write(&stray, b"left behind").expect("stray");
    assert_eq!(files_kept(&server).await, (2, 3));

    let state = &server.running.state;
    let now = switchboard::server::store::now_millis();
    // Within the hour, nothing goes: an upload may still be on its way into a message.
    let swept = switchboard::server::file_sweep::sweep(state, now)
        .await
        .expect("sweep");
    assert_eq!((swept.unsent, swept.orphans), (0, 0));
    assert_eq!(files_kept(&server).await, (2, 3));
    // Past it, the unsent upload and the stray bytes go; the sent file stays and downloads.
    let later = now + 2 * 3_600_000;
    let swept = switchboard::server::file_sweep::sweep(state, later)
        .await
        .expect("sweep");
    assert_eq!((swept.unsent, swept.orphans), (1, 1));
    assert_eq!(files_kept(&server).await, (1, 1));
    assert!(!stray.exists());
    let download = |id: i64| {
        reqwest::Client::new()
            .get(server.url(&format!("/files/{id}")))
            .bearer_auth(&token)
            .send()
    };
    let kept = download(sent["id"].as_i64().expect("id"))
        .await
        .expect("download");
    assert_eq!(kept.status(), 200);
    assert_eq!(kept.bytes().await.expect("bytes").len(), KB);
    let gone = download(unsent["id"].as_i64().expect("id"))
        .await
        .expect("download");
    assert_eq!(gone.status(), 404);
}

#[tokio::test]
async fn a_socket_that_answers_no_ping_is_closed_and_one_that_reads_stays() {
    let server = TestServer::start_with(|config| config.socket_idle_seconds = 3).await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut silent = server.visitor_socket(&token, None).await;
    silent.until_ready().await;
    let mut reading = server.visitor_socket(&token, None).await;
    reading.until_ready().await;

    // The reading client answers the server's pings (its WebSocket library does, as browsers
    // do) while the silent one reads nothing, so it answers none.
    let read_for = async {
        let until = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while let Ok(message) =
            tokio::time::timeout_at(until, futures::StreamExt::next(&mut reading.stream)).await
        {
            assert!(
                matches!(message, Some(Ok(_))),
                "the reading socket stays open: {message:?}"
            );
        }
    };
    read_for.await;
    assert!(reading.frames_until_pong().await.is_empty());

    // The silent one was closed: what it finds is (at most) pings, then the end.
    loop {
        let message = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            futures::StreamExt::next(&mut silent.stream),
        )
        .await
        .expect("the server ended the silent socket");
        match message {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Ping(_))) => {}
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | None | Some(Err(_)) => {
                break;
            }
            other => panic!("unexpected on the silent socket: {other:?}"),
        }
    }
}

#[tokio::test]
async fn uploads_sent_side_by_side_cannot_share_one_allowance() {
    let server = TestServer::start_with(|config| {
        config.upload_mb_per_visitor_hour = 1;
        config.upload_mb_per_conversation = 0;
    })
    .await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    // Four uploads of 400 KB at once: each alone fits the megabyte, two together fill it.
    let answers =
        futures::future::join_all((0..4).map(|_| upload(&server, Ok(&token), 400 * KB))).await;
    let stored = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(stored, 2, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(status, _)| *status != 201)
            .all(|(status, body)| *status == 429 && body["error"] == "upload_limit")
    );
    assert_eq!(files_kept(&server).await, (2, 2));
}

#[tokio::test]
async fn one_address_uploads_so_many_bytes_an_hour_however_many_visitors_it_starts() {
    let server = TestServer::start_with(|config| {
        config.client_ip_header = Some("x-forwarded-for".into());
        config.upload_mb_per_visitor_hour = 0;
        config.upload_mb_per_address_hour = 1;
        config.upload_mb_per_conversation = 0;
    })
    .await;
    let team = server.team().await;
    let from = |ip: &'static str, token: String| {
        let server = &server;
        async move {
            let response = reqwest::Client::new()
                .post(server.url("/files?name=shot.png"))
                .bearer_auth(token)
                .header("x-forwarded-for", ip)
                .header(switchboard::files::UPLOAD_HEADER, "1")
                .body(vec![0u8; 600 * KB])
                .send()
                .await
                .expect("upload");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, body["error"].as_str().map(str::to_owned))
        }
    };
    let first = server.visitor_token(&team.inbox).await;
    let second = server.visitor_token(&team.inbox).await;
    assert_eq!(from("203.0.113.7", first).await.0, 201);
    // A fresh visitor at the same address shares its allowance; another address has its own.
    assert_eq!(
        from("203.0.113.7", second.clone()).await,
        (429, Some("upload_limit".into()))
    );
    assert_eq!(from("198.51.100.2", second).await.0, 201);
}
