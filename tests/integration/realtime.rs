//! The realtime path end to end against the real router on 127.0.0.1:0, with plain WebSocket
//! clients speaking the JSON protocol.

use crate::common::{TestServer, send};
use switchboard::model::{Author, ConversationSummary};
use switchboard::protocol::{ClientFrame, Event, ServerFrame};

#[tokio::test]
async fn a_visitor_message_reaches_the_agent_live() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in(&team.ana.email).await;
    let mut agent = ana.socket(None).await;
    agent.until_ready().await;

    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor
        .send(&send("c1", None, "Hello, is anyone there?"))
        .await;

    let acked = visitor
        .until(|f| match f {
            ServerFrame::Ack { client_id, message } => Some((client_id, message)),
            _ => None,
        })
        .await;
    assert_eq!(acked.0, "c1");
    assert_eq!(acked.1.author, Author::Visitor);

    let opened = agent
        .until(|f| match f {
            ServerFrame::Event {
                event: Event::ConversationOpened { conversation },
                ..
            } => Some(conversation),
            _ => None,
        })
        .await;
    assert_eq!(opened.inbox_id, team.inbox.id);
    let posted = agent
        .until(|f| match f {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } => Some(message),
            _ => None,
        })
        .await;
    assert_eq!(posted.body, "Hello, is anyone there?");
    assert_eq!(posted.conversation_id, opened.id);
}

#[tokio::test]
async fn the_assignee_replies_and_the_visitor_sees_it_but_nobody_else_may_reply() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v1", None, "I need help")).await;
    let conversation_id = visitor
        .until(|f| match f {
            ServerFrame::Ack { message, .. } => Some(message.conversation_id),
            _ => None,
        })
        .await;

    let ana = server.sign_in(&team.ana.email).await;
    let ben = server.sign_in(&team.ben.email).await;
    let id = conversation_id.to_string();
    let accepted: ConversationSummary = ana
        .call("accept_conversation", &[("id", id.as_str())])
        .await
        .expect("ana accepts");
    assert_eq!(accepted.assignee.map(|a| a.name), Some("Ana".to_owned()));

    // Ben is not the assignee: refused, and nothing is stored.
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    ben_socket
        .send(&send("b1", Some(conversation_id), "I'll take it"))
        .await;
    let refused = ben_socket
        .until(|f| match f {
            ServerFrame::Refused {
                client_id,
                code,
                message,
            } => Some((client_id, code, message)),
            _ => None,
        })
        .await;
    assert_eq!(refused.0.as_deref(), Some("b1"));
    assert_eq!(refused.1, "not_assignee");
    assert!(refused.2.contains("Ana"), "says who has it: {}", refused.2);
    // Ben's accept is refused too, naming Ana.
    let err = ben
        .call::<ConversationSummary>("accept_conversation", &[("id", id.as_str())])
        .await
        .expect_err("already taken");
    assert_eq!(err["error"], "already_assigned");
    assert_eq!(err["assignee"], "Ana");

    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    ana_socket
        .send(&send("a1", Some(conversation_id), "Hi, I'm Ana"))
        .await;
    ana_socket
        .until(|f| matches!(f, ServerFrame::Ack { .. }).then_some(()))
        .await;
    let reply = visitor
        .until(|f| match f {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } if matches!(message.author, Author::Agent { .. }) => Some(message),
            _ => None,
        })
        .await;
    assert_eq!(reply.body, "Hi, I'm Ana");

    let messages = server
        .running
        .state
        .store
        .messages(conversation_id)
        .await
        .expect("messages");
    assert!(messages.iter().all(|m| m.body != "I'll take it"));

    // Closing tells the visitor; their next message opens a new conversation.
    ana.call::<()>("close_conversation", &[("id", id.as_str())])
        .await
        .expect("close");
    visitor
        .until(|f| match f {
            ServerFrame::Event {
                event:
                    Event::ConversationClosed {
                        conversation_id: closed,
                    },
                ..
            } => (closed == conversation_id).then_some(()),
            _ => None,
        })
        .await;
    visitor.send(&send("v2", None, "One more thing")).await;
    let next = visitor
        .until(|f| match f {
            ServerFrame::Ack { message, .. } => Some(message.conversation_id),
            _ => None,
        })
        .await;
    assert_ne!(next, conversation_id);
}

#[tokio::test]
async fn a_killed_socket_resumes_with_every_missed_event_exactly_once() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in(&team.ana.email).await;
    let mut agent = ana.socket(None).await;
    let (_, ready_id) = agent.until_ready().await;

    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("m0", None, "first")).await;
    let last_seen = agent
        .until(|f| match f {
            ServerFrame::Event {
                id,
                event: Event::MessagePosted { .. },
                ..
            } => Some(id),
            _ => None,
        })
        .await;
    assert!(last_seen > ready_id);

    // The agent's connection dies mid-stream (no close handshake).
    drop(agent);
    for n in 1..=5 {
        visitor
            .send(&send(&format!("m{n}"), None, &format!("missed {n}")))
            .await;
        visitor
            .until(|f| matches!(f, ServerFrame::Ack { .. }).then_some(()))
            .await;
    }

    let mut agent = ana.socket(Some(last_seen)).await;
    let (replayed, _) = agent.until_ready().await;
    let ids: Vec<i64> = replayed.iter().map(|(id, _)| *id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "in order, no duplicates");
    assert!(ids.iter().all(|id| *id > last_seen));
    let bodies: Vec<String> = replayed
        .iter()
        .filter_map(|(_, e)| match e {
            Event::MessagePosted { message } => Some(message.body.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        bodies,
        (1..=5).map(|n| format!("missed {n}")).collect::<Vec<_>>()
    );

    // And it is live again afterwards, without repeating anything.
    visitor.send(&send("m6", None, "live again")).await;
    let (id, body) = agent
        .until(|f| match f {
            ServerFrame::Event {
                id,
                event: Event::MessagePosted { message },
                ..
            } => Some((id, message.body)),
            _ => None,
        })
        .await;
    assert_eq!(body, "live again");
    assert!(id > *ids.last().expect("replayed some"));
}

#[tokio::test]
async fn a_retried_send_is_stored_once() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        visitor
            .send(&send("same-id", None, "only once please"))
            .await;
        ids.push(
            visitor
                .until(|f| match f {
                    ServerFrame::Ack { message, .. } => Some((message.id, message.conversation_id)),
                    _ => None,
                })
                .await,
        );
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let messages = server
        .running
        .state
        .store
        .messages(ids[0].1)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;

    let cases = [
        (send("e1", None, "   \n "), "empty_message"),
        (send("e2", None, &"x".repeat(10_001)), "message_too_long"),
        (send("", None, "no id"), "invalid"),
    ];
    for (frame, code) in cases {
        visitor.send(&frame).await;
        let refused = visitor
            .until(|f| match f {
                ServerFrame::Refused { code, .. } => Some(code),
                _ => None,
            })
            .await;
        assert_eq!(refused, code);
    }
    visitor.send_text("{not json").await;
    let refused = visitor
        .until(|f| match f {
            ServerFrame::Refused { code, .. } => Some(code),
            _ => None,
        })
        .await;
    assert_eq!(refused, "bad_frame");
    // The connection survives and still answers.
    visitor.send(&ClientFrame::Ping).await;
    assert_eq!(visitor.next().await, ServerFrame::Pong);
    let visitor_row = server
        .running
        .state
        .store
        .visitor_by_token_hash(&switchboard::server::auth::token_hash(&token))
        .await
        .expect("query")
        .expect("visitor");
    let conversations = server
        .running
        .state
        .store
        .conversations_of_visitor(visitor_row.id)
        .await
        .expect("query");
    assert!(conversations.is_empty(), "nothing was created");

    // Unknown widget keys and unknown conversations get clear errors.
    let (status, body) = server
        .call_anonymous("widget_start", &[("key", "nope")])
        .await;
    assert_ne!(status, 200);
    assert!(body.contains("unknown_inbox"), "{body}");
    let ana = server.sign_in(&team.ana.email).await;
    let err = ana
        .call::<ConversationSummary>("accept_conversation", &[("id", "999999")])
        .await
        .expect_err("unknown id");
    assert_eq!(err["error"], "not_found");
    let err = ana
        .call::<ConversationSummary>("accept_conversation", &[("id", "abc")])
        .await
        .expect_err("malformed id");
    assert!(err.is_object() || err.is_string());
}

#[tokio::test]
async fn callers_without_a_session_or_token_are_refused() {
    let server = TestServer::start().await;
    let team = server.team().await;

    for name in ["load_workspace", "load_admin"] {
        let (status, body) = server.call_anonymous(name, &[]).await;
        assert_ne!(status, 200, "{name}");
        assert!(body.contains("unauthenticated"), "{name}: {body}");
    }
    let (_, body) = server
        .call_anonymous("accept_conversation", &[("id", "1")])
        .await;
    assert!(body.contains("unauthenticated"), "{body}");

    // The agent socket needs a session before the upgrade.
    let url = format!("ws://{}/ws/agent", server.addr);
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let result =
        tokio_tungstenite::connect_async(url.into_client_request().expect("request")).await;
    assert!(result.is_err(), "upgrade refused without a session");

    // The visitor socket needs a valid token in its hello.
    let mut socket = server.visitor_socket("not-a-token", None).await;
    let refused = socket.next().await;
    assert!(
        matches!(refused, ServerFrame::Refused { ref code, .. } if code == "unauthenticated"),
        "{refused:?}"
    );

    // Wrong passwords are refused with a clear error.
    let (status, body) = server
        .call_anonymous(
            "sign_in",
            &[("email", &team.ana.email), ("password", "wrong password")],
        )
        .await;
    assert_ne!(status, 200);
    assert!(body.contains("wrong_credentials"), "{body}");

    // An operator is refused admin work.
    let ana = server.sign_in(&team.ana.email).await;
    let err = ana
        .call::<serde_json::Value>("create_inbox", &[("name", "Mine now")])
        .await
        .expect_err("operators cannot create inboxes");
    assert_eq!(err["error"], "forbidden");
}

#[tokio::test]
async fn an_agent_outside_the_inbox_sees_nothing_of_it() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other_inbox =
        switchboard::server::services::create_inbox(&server.running.state, &team.admin, "Other")
            .await
            .expect("inbox");
    let outsider = server
        .agent(
            &team.admin,
            "Olga",
            "olga@example.com",
            switchboard::model::Role::Operator,
            &[other_inbox.id],
        )
        .await;
    let olga = server.sign_in(&outsider.email).await;
    let mut olga_socket = olga.socket(None).await;
    olga_socket.until_ready().await;

    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("x1", None, "secret")).await;
    let conversation_id = visitor
        .until(|f| match f {
            ServerFrame::Ack { message, .. } => Some(message.conversation_id),
            _ => None,
        })
        .await;
    olga_socket.assert_quiet().await;
    let id = conversation_id.to_string();
    let err = olga
        .call::<serde_json::Value>("conversation", &[("id", id.as_str())])
        .await
        .expect_err("not visible");
    assert_eq!(err["error"], "not_found");
    let err = olga
        .call::<serde_json::Value>("accept_conversation", &[("id", id.as_str())])
        .await
        .expect_err("not visible");
    assert_eq!(err["error"], "not_found");
}

#[tokio::test]
async fn concurrent_accepts_have_exactly_one_winner() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("r1", None, "race")).await;
    let conversation_id = visitor
        .until(|f| match f {
            ServerFrame::Ack { message, .. } => Some(message.conversation_id),
            _ => None,
        })
        .await;
    let mut agents = Vec::new();
    for n in 0..8 {
        let me = server
            .agent(
                &team.admin,
                &format!("Agent {n}"),
                &format!("agent{n}@example.com"),
                switchboard::model::Role::Operator,
                &[team.inbox.id],
            )
            .await;
        agents.push(server.sign_in(&me.email).await);
    }
    let id = conversation_id.to_string();
    let form = [("id", id.as_str())];
    let results = futures::future::join_all(
        agents
            .iter()
            .map(|agent| agent.call::<ConversationSummary>("accept_conversation", &form)),
    )
    .await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e["error"] == "already_assigned")
    );
}

#[tokio::test]
async fn a_client_too_far_ahead_is_told_to_resync() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in(&team.ana.email).await;
    let mut agent = ana.socket(Some(1_000_000)).await;
    assert_eq!(agent.next().await, ServerFrame::Resync);
}
