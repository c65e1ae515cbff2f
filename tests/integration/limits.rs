//! The limits on what anyone on the internet can make the server do, against the real router:
//! new visitors per address, sockets per address, frames per socket per second. Each
//! refusal says `rate_limited` and stores nothing.

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
