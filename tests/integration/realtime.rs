//! The realtime path end to end against the real router on 127.0.0.1:0, with plain WebSocket
//! clients speaking the JSON protocol.

use crate::common::{Socket, TestServer, acked, eventually, refused, send};
use serde_json::json;
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
    acked(&mut ana_socket).await;
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
    // The visitor sends faster than a person could: the per-socket limit is off here.
    let server = TestServer::start_with(|config| config.messages_per_second = 0).await;
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
        acked(&mut visitor).await;
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
        assert_eq!(visitor.refusal().await, code);
    }
    visitor.send_text("{not json").await;
    assert_eq!(visitor.refusal().await, "bad_frame");
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
    assert_eq!(
        server
            .call_anonymous("widget_start", &[("key", "nope")])
            .await,
        (404, json!({"error": "unknown_inbox"}))
    );
    let ana = server.sign_in(&team.ana.email).await;
    let err = refused(
        ana.call::<ConversationSummary>("accept_conversation", &[("id", "999999")])
            .await,
        "not_found",
    );
    assert_eq!(err["what"], "conversation");
    // A malformed argument is the caller's bad input (400), not a network failure.
    let (status, body) = ana.call_raw("accept_conversation", &[("id", "abc")]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid", "{body}");
    assert_eq!(body["field"], "arguments", "{body}");
}

#[tokio::test]
async fn callers_without_a_session_or_token_are_refused() {
    let server = TestServer::start().await;
    let team = server.team().await;

    for (name, form) in [
        ("load_workspace", vec![]),
        ("load_admin", vec![]),
        ("accept_conversation", vec![("id", "1")]),
    ] {
        assert_eq!(
            server.call_anonymous(name, &form).await,
            (401, json!({"error": "unauthenticated"})),
            "{name}"
        );
    }

    // The agent socket needs a session before the upgrade.
    let url = format!("ws://{}/ws/agent", server.addr);
    assert_eq!(Socket::upgrade_status(&url, &[]).await, 401);

    // The visitor socket needs a valid token in its hello.
    let mut socket = server.visitor_socket("not-a-token", None).await;
    let answer = socket.next().await;
    assert!(
        matches!(answer, ServerFrame::Refused { ref code, .. } if code == "unauthenticated"),
        "{answer:?}"
    );

    // Wrong passwords are refused with a clear error.
    assert_eq!(
        server
            .call_anonymous(
                "sign_in",
                &[("email", &team.ana.email), ("password", "wrong password")],
            )
            .await,
        (401, json!({"error": "wrong_credentials"}))
    );

    // An operator is refused admin work.
    let ana = server.sign_in(&team.ana.email).await;
    assert_eq!(
        ana.call_raw("create_inbox", &[("name", "Mine now")]).await,
        (403, json!({"error": "forbidden"}))
    );
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
    // The visitor's send is acknowledged, so its events are published: none was for Olga.
    olga_socket.assert_nothing_waiting().await;
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

#[tokio::test]
async fn a_send_retried_on_a_new_socket_is_stored_once() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut first = server.visitor_socket(&token, None).await;
    let (_, ready) = first.until_ready().await;
    first
        .send(&send("retry-me", None, "sent once, retried"))
        .await;
    // The send is committed, but the connection dies before its ack is read.
    let store = server.running.state.store.clone();
    let stored: (i64, i64) = eventually("the send was stored", || async {
        sqlx::query_as("SELECT id, conversation_id FROM messages WHERE client_id = 'retry-me'")
            .fetch_optional(store.pool())
            .await
            .expect("messages")
    })
    .await;
    drop(first);

    // The widget reconnects from what it had applied and sends again with the same id.
    let mut second = server.visitor_socket(&token, Some(ready)).await;
    let (replayed, _) = second.until_ready().await;
    let posted: Vec<i64> = replayed
        .iter()
        .filter_map(|(_, event)| match event {
            Event::MessagePosted { message } => Some(message.id),
            _ => None,
        })
        .collect();
    assert_eq!(posted, vec![stored.0], "the replay carries it once");
    second
        .send(&send("retry-me", None, "sent once, retried"))
        .await;
    let again = acked(&mut second).await;
    assert_eq!((again.id, again.conversation_id), stored);
    let messages = store.messages(stored.1).await.expect("messages");
    assert_eq!(messages.len(), 1, "{messages:?}");
    // The retry published nothing new either.
    second
        .assert_none_waiting(|f| matches!(f, ServerFrame::Event { .. }))
        .await;
}

#[tokio::test]
async fn sockets_opened_from_another_site_are_refused() {
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    let server = TestServer::start().await;
    let team = server.team().await;
    let (_, cookie) = server.sign_in_cookie(&team.ana.email).await;
    let evil = HeaderValue::from_static("https://evil.example");
    let ours = HeaderValue::from_str(&format!("http://{}", server.addr)).expect("origin");
    let agent = format!("ws://{}/ws/agent", server.addr);
    let visitor = format!("ws://{}/ws/visitor", server.addr);
    // A signed-in agent's browser on another site: the cookie goes along, the upgrade does not.
    assert_eq!(
        Socket::upgrade_status(
            &agent,
            &[("cookie", cookie.clone()), ("origin", evil.clone())]
        )
        .await,
        403
    );
    assert_eq!(
        Socket::upgrade_status(&visitor, &[("origin", evil)]).await,
        403
    );
    // The same request from Switchboard's own pages is accepted.
    assert_eq!(
        Socket::upgrade_status(&agent, &[("cookie", cookie), ("origin", ours.clone())]).await,
        101
    );
    assert_eq!(
        Socket::upgrade_status(&visitor, &[("origin", ours)]).await,
        101
    );
}

#[tokio::test]
async fn a_client_whose_missed_events_were_pruned_reloads_and_others_resume() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in(&team.ana.email).await;
    let mut agent = ana.socket(None).await;
    let (_, agent_ready) = agent.until_ready().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    let (_, visitor_ready) = visitor.until_ready().await;
    visitor.send(&send("old-1", None, "A month ago")).await;
    acked(&mut visitor).await;
    agent.close().await;
    visitor.send(&send("old-2", None, "Still there?")).await;
    let last = acked(&mut visitor).await;
    visitor.close().await;
    let newest = server
        .running
        .state
        .store
        .last_event_id()
        .await
        .expect("newest");

    // Every event is older than the 30 days kept; the timer engine prunes at start-up.
    sqlx::query("UPDATE events SET created_at = created_at - CAST(31 AS BIGINT) * 86400000")
        .execute(server.running.state.store.pool())
        .await
        .expect("age the log");
    let server = server.restart().await;
    let store = server.running.state.store.clone();
    eventually("the log was pruned", || async {
        (store.oldest_event_id().await.expect("oldest") == Some(newest)).then_some(())
    })
    .await;
    assert_eq!(
        store.last_event_id().await.expect("newest"),
        newest,
        "the newest event is kept"
    );

    // Clients that missed pruned events are told to reload, agent and visitor alike.
    let ana = server.sign_in(&team.ana.email).await;
    let mut agent = ana.socket(Some(agent_ready)).await;
    assert_eq!(agent.next().await, ServerFrame::Resync);
    let mut visitor = server.visitor_socket(&token, Some(visitor_ready)).await;
    assert_eq!(visitor.next().await, ServerFrame::Resync);
    // The snapshot they reload says where to resume, and from there they are live again.
    let snapshot: serde_json::Value = ana.call("load_workspace", &[]).await.expect("snapshot");
    let resume = snapshot["last_event_id"].as_i64().expect("an id");
    assert!(resume >= newest, "{resume} < {newest}");
    let mut agent = ana.socket(Some(resume)).await;
    let (replayed, _) = agent.until_ready().await;
    assert!(replayed.is_empty(), "{replayed:?}");
    let mut visitor = server.visitor_socket(&token, Some(resume)).await;
    visitor.until_ready().await;
    visitor.send(&send("new-1", None, "Back today")).await;
    acked(&mut visitor).await;
    let posted = agent
        .until(|frame| match frame {
            ServerFrame::Event {
                id,
                event: Event::MessagePosted { message },
                ..
            } => Some((id, message)),
            _ => None,
        })
        .await;
    assert!(posted.0 > newest);
    assert_eq!(posted.1.body, "Back today");
    assert_eq!(posted.1.conversation_id, last.conversation_id);
}

/// A slow consumer: an agent whose client stops reading. The others are not held up; its
/// socket ends once it has taken nothing for the idle time (the server keeps no growing
/// queue for it), and it resumes from the last event it read with every message once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_slows_nobody_and_is_dropped_then_resumes() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    const MESSAGES: usize = 800;
    let server = TestServer::start_with(|config| {
        config.messages_per_second = 0;
        config.socket_idle_seconds = 5;
    })
    .await;
    let team = server.team().await;
    let ana = server.sign_in(&team.ana.email).await;
    let ben = server.sign_in(&team.ben.email).await;

    let hello = ClientFrame::Hello {
        token: None,
        after: None,
        inbox: None,
    };
    let (mut stalled, ready) = slow_reader(&server, "agent", Some(ana.cookie()), &hello).await;
    let mut last_read = Some(ready);
    // From here Ana's client reads nothing.

    let mut colleague = ben.socket(None).await;
    colleague.until_ready().await;
    let colleague_reads = tokio::spawn(async move {
        let mut posted = 0;
        while posted < MESSAGES {
            if let ServerFrame::Event {
                event: Event::MessagePosted { .. },
                ..
            } = colleague.next().await
            {
                posted += 1;
            }
        }
        colleague
    });
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    send_large(&mut visitor, MESSAGES).await;
    colleague_reads
        .await
        .expect("Ben's socket got every message while Ana's client read nothing");

    // The server gives up on Ana's socket (her only connection) while her client still
    // reads nothing.
    let state = server.running.state.clone();
    eventually("Ana's stalled socket ended by the server", || {
        let open = state.connections.open_count(team.ana.id);
        async move { (open == 0).then_some(()) }
    })
    .await;

    // Ana's client reads again: what was already on its way, then the end of the socket.
    let mut seen = std::collections::HashSet::new();
    let ended = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(30), stalled.next()).await {
            Ok(Some(Ok(WsMessage::Text(text)))) => {
                if let ServerFrame::Event { id, event, .. } =
                    serde_json::from_str(&text).expect("frame")
                {
                    assert!(last_read.is_none_or(|last| id > last), "in order");
                    last_read = Some(id);
                    if let Event::MessagePosted { message } = event {
                        assert!(seen.insert(message.id), "once");
                    }
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => break true,
            Err(_) => break false,
        }
    };
    assert!(
        ended,
        "the server ended the socket of the client that stopped reading"
    );
    assert!(
        seen.len() < MESSAGES,
        "the socket ended before everything reached it ({} of {MESSAGES})",
        seen.len()
    );

    // It comes back and resumes from the last event it read: the rest, each once.
    let mut resumed = ana.socket(last_read).await;
    let (replayed, _) = resumed.until_ready().await;
    for (_, event) in replayed {
        if let Event::MessagePosted { message } = event {
            assert!(seen.insert(message.id), "once");
        }
    }
    assert_eq!(seen.len(), MESSAGES);
}

#[tokio::test]
async fn a_visitor_tab_that_falls_behind_its_small_ring_gets_every_message_once_in_order() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    // A visitor's topic holds 16 events. One tab sends 400 messages of 9 KB while the other
    // reads nothing through a 4 KB receive buffer: the reader's task blocks on its socket, its
    // subscription falls behind, and what it missed comes from the table.
    const MESSAGES: usize = 400;
    let server = TestServer::start_with(|config| config.messages_per_second = 0).await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let hello = ClientFrame::Hello {
        token: Some(token.clone()),
        after: None,
        inbox: None,
    };
    let (mut behind, _) = slow_reader(&server, "visitor", None, &hello).await;

    let mut sender = server.visitor_socket(&token, None).await;
    sender.until_ready().await;
    send_large(&mut sender, MESSAGES).await;

    let (mut last, mut bodies) = (0, Vec::new());
    while bodies.len() < MESSAGES {
        let next = tokio::time::timeout(std::time::Duration::from_secs(30), behind.next()).await;
        let Ok(Some(Ok(WsMessage::Text(text)))) = next else {
            assert!(
                matches!(next, Ok(Some(Ok(_)))),
                "the tab's socket stays open"
            );
            continue;
        };
        if let ServerFrame::Event { id, event, .. } = serde_json::from_str(&text).expect("frame") {
            assert!(id > last, "in order, once");
            last = id;
            if let Event::MessagePosted { message } = event {
                let n = message
                    .body
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                bodies.push(n.parse::<usize>().expect("a number"));
            }
        }
    }
    assert_eq!(bodies, (0..MESSAGES).collect::<Vec<_>>());
}

/// A client with a 4 KB receive buffer, so the server's side of its socket fills after a few
/// MB it does not read: opens `/ws/{path}` (with `cookie`), says `hello` and reads to ready.
/// Returns the socket and the ready's last event id.
async fn slow_reader(
    server: &TestServer,
    path: &str,
    cookie: Option<tokio_tungstenite::tungstenite::http::HeaderValue>,
    hello: &ClientFrame,
) -> (
    tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    i64,
) {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    tcp.set_recv_buffer_size(4096).expect("buffer size");
    let stream = tcp.connect(server.addr).await.expect("connect");
    let mut request = format!("ws://{}/ws/{path}", server.addr)
        .into_client_request()
        .expect("request");
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie);
    }
    let (mut socket, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("upgrade");
    let hello = serde_json::to_string(hello).expect("json");
    socket
        .send(WsMessage::Text(hello.into()))
        .await
        .expect("hello");
    loop {
        let message = socket.next().await.expect("open").expect("ws ok");
        if let WsMessage::Text(text) = message
            && let ServerFrame::Ready { last_event_id } =
                serde_json::from_str(&text).expect("frame")
        {
            return (socket, last_event_id);
        }
    }
}

/// Sends `count` messages of some 9 KB each ("0 xxx…", "1 xxx…", …), each acknowledged.
async fn send_large(visitor: &mut Socket, count: usize) {
    let filler = "x".repeat(9_000);
    for n in 0..count {
        visitor
            .send(&send(&format!("m{n}"), None, &format!("{n} {filler}")))
            .await;
        acked(visitor).await;
    }
}
