//! After the chat, against the real router on 127.0.0.1:0: blocking on every path a visitor
//! writes through, tickets and their signed webhook (a real local HTTP listener), search with
//! access rights, labels and moving, chat logs, and contacts.

use crate::common::{Agent, Socket, TestServer, acked, eventually, receiver, refused, send};
use axum::http::StatusCode;
use switchboard::files::UPLOAD_HEADER;
use switchboard::model::{
    Contact, ContactDetail, ConversationSummary, HistoryRow, Inbox, Message, SearchResults, Ticket,
    TicketComment, TicketDetail, TicketPriority, TicketStatus, VisitorBlock, VisitorProfile,
};
use switchboard::protocol::{ClientFrame, Event, ServerFrame};
use switchboard::server::store::{NewBlock, now_millis};
use switchboard::server::webhook;

/// A new visitor of `inbox` with a ready socket who wrote `text`: token, socket, message.
async fn visitor_writes(
    server: &TestServer,
    inbox: &Inbox,
    text: &str,
) -> (String, Socket, Message) {
    let token = server.visitor_token(inbox).await;
    let mut socket = server.visitor_socket(&token, None).await;
    socket.until_ready().await;
    socket.send(&send("first", None, text)).await;
    let message = acked(&mut socket).await;
    (token, socket, message)
}

/// The widget's snapshot, asked in `locale` (the widget's language, remembered for emails).
async fn widget_snapshot(
    server: &TestServer,
    inbox: &Inbox,
    token: &str,
    locale: &str,
) -> serde_json::Value {
    let (status, snapshot) = server
        .call_anonymous(
            "widget_start",
            &[("key", &inbox.key), ("token", token), ("locale", locale)],
        )
        .await;
    assert_eq!(status, 200, "{snapshot}");
    snapshot
}

async fn accept(agent: &Agent, id: i64) {
    agent
        .call::<serde_json::Value>("accept_conversation", &[("id", &id.to_string())])
        .await
        .expect("accepted");
}

async fn conversation_count(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM conversations")
        .fetch_one(server.running.state.store.pool())
        .await
        .expect("count")
}

async fn visitor_upload(server: &TestServer, token: &str) -> u16 {
    reqwest::Client::new()
        .post(server.url("/files?name=note.txt"))
        .bearer_auth(token)
        .header(UPLOAD_HEADER, "1")
        .body("hello")
        .send()
        .await
        .expect("upload")
        .status()
        .as_u16()
}

/// A visitor's typing signal (no draft: previews are off by default).
fn typing() -> ClientFrame {
    ClientFrame::Typing {
        conversation_id: None,
        draft: None,
        note: false,
    }
}

#[tokio::test]
async fn a_blocked_visitor_is_refused_on_every_path_until_unblocked() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (token, mut visitor, first) = visitor_writes(&server, &team.inbox, "spam spam").await;
    let visitor_id = server
        .running
        .state
        .store
        .conversation(first.conversation_id)
        .await
        .expect("read")
        .expect("conversation")
        .visitor_id;
    let id = visitor_id.to_string();
    // Before the block, Ana sees the visitor typing.
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    visitor.send(&typing()).await;
    let typing_in = ana_socket
        .until(|frame| match frame {
            ServerFrame::VisitorTyping {
                conversation_id, ..
            } => Some(conversation_id),
            _ => None,
        })
        .await;
    assert_eq!(typing_in, first.conversation_id);

    // Bad input changes nothing.
    let error = ana
        .call::<VisitorBlock>(
            "block_visitor",
            &[("visitor_id", &id), ("length", "hour"), ("reason", " ")],
        )
        .await
        .expect_err("a reason is required");
    assert_eq!(error["field"], "reason");
    let error = ana
        .call::<VisitorBlock>(
            "block_visitor",
            &[
                ("visitor_id", &id),
                ("length", "hour"),
                ("reason", "spam"),
                ("ip", "not an ip"),
            ],
        )
        .await
        .expect_err("a bad address");
    assert_eq!(error["field"], "ip");
    assert_eq!(
        refused(
            ana.call::<VisitorBlock>(
                "block_visitor",
                &[("visitor_id", &id), ("length", "year"), ("reason", "x")]
            )
            .await,
            "invalid"
        )["field"],
        "length"
    );
    assert!(
        server
            .running
            .state
            .store
            .visitor_block(visitor_id, now_millis())
            .await
            .expect("read")
            .is_none()
    );

    // An agent of another inbox may not block them (and learns nothing).
    server.other_inbox_with_sue(&team).await;
    let sue = server.sign_in("sue@example.com").await;
    refused(
        sue.call::<VisitorBlock>(
            "block_visitor",
            &[("visitor_id", &id), ("length", "hour"), ("reason", "spam")],
        )
        .await,
        "not_found",
    );

    let block: VisitorBlock = ana
        .call(
            "block_visitor",
            &[("visitor_id", &id), ("length", "day"), ("reason", "spam")],
        )
        .await
        .expect("blocked");
    let day = 24 * 3_600_000;
    let until = block.until.expect("a day");
    assert!((until - now_millis() - day).abs() < 60_000, "ends in a day");
    assert_eq!(block.reason, "spam");

    // The widget hears it at once, and every way of writing is refused.
    let until_told = visitor
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::VisitorBlocked { until, .. },
                ..
            } => Some(until),
            _ => None,
        })
        .await;
    assert_eq!(until_told, Some(until));
    visitor.send(&send("second", None, "more spam")).await;
    assert_eq!(visitor.refusal().await, "blocked");
    // Typing goes nowhere: once the visitor's socket has handled it (its pong), Ana's socket
    // has had everything it caused, and that is nothing.
    visitor.send(&typing()).await;
    visitor.assert_nothing_waiting().await;
    ana_socket
        .assert_none_waiting(|f| matches!(f, ServerFrame::VisitorTyping { .. }))
        .await;
    assert_eq!(visitor_upload(&server, &token).await, 403);
    let snapshot = widget_snapshot(&server, &team.inbox, &token, "es").await;
    assert_eq!(snapshot["blocked"]["until"], until);
    let locale = server.running.state.store.visitor_locale(visitor_id).await;
    assert_eq!(
        locale.expect("read"),
        None,
        "a blocked visitor changes nothing"
    );
    assert!(
        snapshot["blocked"].get("reason").is_none(),
        "the reason stays the team's"
    );
    // After their conversation closes, a new one is refused too (and a new socket as well).
    accept(&ana, first.conversation_id).await;
    ana.call::<()>(
        "close_conversation",
        &[("id", &first.conversation_id.to_string())],
    )
    .await
    .expect("closed");
    let before = conversation_count(&server).await;
    let mut again = server.visitor_socket(&token, None).await;
    again.until_ready().await;
    again.send(&send("third", None, "new chat")).await;
    assert_eq!(again.refusal().await, "blocked");
    assert_eq!(
        conversation_count(&server).await,
        before,
        "no conversation opened"
    );
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE author_kind = 'visitor'")
            .fetch_one(server.running.state.store.pool())
            .await
            .expect("count");
    assert_eq!(stored, 1, "only the message before the block");

    // Agents see the block on the profile; lifting it lets the visitor write again.
    let profile: serde_json::Value = ana
        .call("visitor_profile", &[("id", &id)])
        .await
        .expect("profile");
    assert_eq!(profile["block"]["id"], block.id);
    ana.call::<()>("unblock", &[("block_id", &block.id.to_string())])
        .await
        .expect("unblocked");
    again
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::VisitorUnblocked { .. },
                ..
            } => Some(()),
            _ => None,
        })
        .await;
    again.send(&send("fourth", None, "sorry")).await;
    acked(&mut again).await;
    assert_eq!(visitor_upload(&server, &token).await, 201);
    let snapshot = widget_snapshot(&server, &team.inbox, &token, "es").await;
    assert!(snapshot["blocked"].is_null());
    let locale = server.running.state.store.visitor_locale(visitor_id).await;
    assert_eq!(locale.expect("read").as_deref(), Some("es"));
}

#[tokio::test]
async fn an_ip_block_covers_its_range_and_blocks_end_at_their_time() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (_, _, first) = visitor_writes(&server, &team.inbox, "hi").await;
    let state = &server.running.state;
    let visitor_id = state
        .store
        .conversation(first.conversation_id)
        .await
        .expect("read")
        .expect("conversation")
        .visitor_id;
    // The tests connect from 127.0.0.1: a range around it blocks every visitor from there.
    let block: VisitorBlock = ana
        .call(
            "block_visitor",
            &[
                ("visitor_id", &visitor_id.to_string()),
                ("length", "forever"),
                ("reason", "abuse"),
                ("ip", "127.0.0.77/8"),
            ],
        )
        .await
        .expect("blocked");
    assert_eq!(block.ip_range.as_deref(), Some("127.0.0.0/8"));
    assert_eq!(block.until, None, "forever");

    let other_token = server.visitor_token(&team.inbox).await;
    let snapshot = widget_snapshot(&server, &team.inbox, &other_token, "en").await;
    assert!(
        snapshot["blocked"].is_object(),
        "the same network is blocked: {snapshot}"
    );
    let mut other = server.visitor_socket(&other_token, None).await;
    other.until_ready().await;
    other.send(&send("x", None, "hello")).await;
    assert_eq!(other.refusal().await, "blocked");
    assert_eq!(visitor_upload(&server, &other_token).await, 403);

    // Another inbox's widget is not blocked by it.
    let elsewhere = server.other_inbox_with_sue(&team).await;
    let (_, _, message) = visitor_writes(&server, &elsewhere, "hello there").await;
    assert!(message.id > 0);

    // Admins list the blocks in force; operators may not.
    let admin = server.sign_in("root@example.com").await;
    let listed: Vec<VisitorBlock> = admin.call("blocks", &[]).await.expect("list");
    assert_eq!(
        listed.iter().map(|b| b.id).collect::<Vec<_>>(),
        vec![block.id]
    );
    refused(
        ana.call::<Vec<VisitorBlock>>("blocks", &[]).await,
        "forbidden",
    );

    // A block whose time is over is not in force any more, and leaves the list.
    admin
        .call::<()>("unblock", &[("block_id", &block.id.to_string())])
        .await
        .expect("lifted");
    let mut tx = state.store.write().await.expect("tx");
    let now = now_millis();
    tx.insert_block(NewBlock {
        inbox_id: team.inbox.id,
        visitor_id: Some(visitor_id),
        ip_range: None,
        reason: "short",
        created_by: team.admin.id,
        at: now - 3_700_000,
        until: Some(now - 100_000),
    })
    .await
    .expect("insert");
    tx.commit(&state.hub).await.expect("commit");
    assert!(
        state
            .store
            .visitor_block(visitor_id, now_millis())
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        admin
            .call::<Vec<VisitorBlock>>("blocks", &[])
            .await
            .expect("list")
            .is_empty()
    );
    other.send(&send("y", None, "hello again")).await;
    acked(&mut other).await;
}

#[tokio::test]
async fn tickets_need_an_email_and_reach_the_webhook_signed_and_retried() {
    // The helpdesk listens on loopback over plain http: a host the admin must trust.
    let server = TestServer::start_with(|config| {
        config.retry_after = 1;
        config.webhook_trusted_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let admin = server.sign_in("root@example.com").await;
    let (hook_url, received) = receiver(1).await;
    assert_eq!(
        refused(
            admin
                .call::<Option<switchboard::api::Webhook>>(
                    "set_webhook",
                    &[("inbox_id", &team.inbox.id.to_string()), ("url", "ftp://x")]
                )
                .await,
            "invalid"
        )["field"],
        "webhook_url"
    );
    // Admins only.
    refused(
        ana.call::<Option<switchboard::api::Webhook>>(
            "set_webhook",
            &[("inbox_id", &team.inbox.id.to_string()), ("url", &hook_url)],
        )
        .await,
        "forbidden",
    );
    let hook: switchboard::api::Webhook = admin
        .call::<Option<switchboard::api::Webhook>>(
            "set_webhook",
            &[("inbox_id", &team.inbox.id.to_string()), ("url", &hook_url)],
        )
        .await
        .expect("set")
        .expect("a webhook");
    assert_eq!(hook.secret.len(), 48);

    let (_, mut visitor, first) =
        visitor_writes(&server, &team.inbox, "My parcel never came").await;
    let conversation_id = first.conversation_id;
    accept(&ana, conversation_id).await;
    let mut socket = ana.socket(None).await;
    socket.until_ready().await;
    socket
        .send(&send("r1", Some(conversation_id), "Sorry, let me check"))
        .await;
    let reply = acked(&mut socket).await;
    visitor
        .send(&send("second", None, "Order 4417, thanks"))
        .await;
    let second = acked(&mut visitor).await;
    let id = conversation_id.to_string();

    // No email: the agent must give one; nothing is made meanwhile.
    let error = ana
        .call::<Ticket>(
            "create_ticket",
            &[("conversation_id", &id), ("subject", "Lost parcel")],
        )
        .await
        .expect_err("no requester");
    assert_eq!(error["field"], "requester_email");
    let error = ana
        .call::<Ticket>(
            "create_ticket",
            &[
                ("conversation_id", &id),
                ("subject", " "),
                ("requester_email", "kim@example.com"),
            ],
        )
        .await
        .expect_err("no subject");
    assert_eq!(error["field"], "subject");
    let none: Vec<Ticket> = ana.call("tickets", &[]).await.expect("list");
    assert!(none.is_empty());

    // From two chosen messages; the email is kept on the visitor.
    let ticket: Ticket = ana
        .call(
            "create_ticket",
            &[
                ("conversation_id", &id),
                ("subject", "Lost parcel"),
                ("message_ids[0]", &first.id.to_string()),
                ("message_ids[1]", &second.id.to_string()),
                ("requester_email", "kim@example.com"),
            ],
        )
        .await
        .expect("ticket");
    assert_eq!(ticket.status, TicketStatus::Open);
    assert_eq!(ticket.requester_email, "kim@example.com");
    assert_eq!(ticket.assignee.as_ref().map(|a| a.id), Some(team.ana.id));
    assert!(ticket.body.contains("My parcel never came") && ticket.body.contains("Order 4417"));
    assert!(
        !ticket.body.contains(&reply.body),
        "only the chosen messages"
    );
    let detail = ana.detail(conversation_id).await;
    assert_eq!(
        detail.summary.visitor_email.as_deref(),
        Some("kim@example.com")
    );
    // A message of another conversation cannot be chosen.
    let (_, _, stranger) = visitor_writes(&server, &team.inbox, "other").await;
    assert_eq!(
        refused(
            ana.call::<Ticket>(
                "create_ticket",
                &[
                    ("conversation_id", &id),
                    ("subject", "x"),
                    ("message_ids[0]", &stranger.id.to_string())
                ]
            )
            .await,
            "not_found"
        )["what"],
        "message"
    );

    // The helpdesk failed once, then got it: the same body, signed with the inbox's secret.
    let posts = eventually("the webhook retried", || async {
        let posts = received.lock().expect("lock").clone();
        (posts.len() >= 2).then_some(posts)
    })
    .await;
    assert_eq!(posts[0].1, posts[1].1, "a retry posts the same body");
    let (headers, body) = &posts[1];
    let header = |name: &str| headers[name].to_str().expect("header").to_owned();
    let timestamp: u64 = header(webhook::TIMESTAMP_HEADER).parse().expect("seconds");
    let delivery: i64 = header(webhook::DELIVERY_HEADER).parse().expect("id");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(now.abs_diff(timestamp) < 60, "sent now: {timestamp}");
    // What a receiver checks: the signature covers the time, the delivery and the body.
    let body_text = std::str::from_utf8(body).expect("utf-8");
    assert_eq!(
        header(webhook::SIGNATURE_HEADER),
        webhook::sign(
            &hook.secret,
            webhook::signed_payload(timestamp, delivery, body_text).as_bytes()
        )
    );
    assert_eq!(
        headers[webhook::DELIVERY_HEADER],
        posts[0].0[webhook::DELIVERY_HEADER]
    );
    let json: serde_json::Value = serde_json::from_slice(body).expect("json");
    assert_eq!(json["event"], "ticket.created");
    assert_eq!(json["ticket"]["id"], ticket.id);
    assert_eq!(json["ticket"]["subject"], "Lost parcel");
    assert_eq!(json["ticket"]["requester_email"], "kim@example.com");
    // The helpdesk has answered; the outbox marks the delivery done right after.
    let outbox = eventually("the outbox marked it sent", || async {
        let outbox = server.running.state.store.outbox().await.expect("outbox");
        outbox
            .iter()
            .all(|row| row.sent_at.is_some())
            .then_some(outbox)
    })
    .await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].attempts, 1);

    // The Tickets page: list, detail, comment, status and assignee.
    let listed: Vec<Ticket> = ana
        .call("tickets", &[("status", "open")])
        .await
        .expect("open");
    assert_eq!(listed.len(), 1);
    let comment: TicketComment = ana
        .call(
            "comment_ticket",
            &[
                ("id", &ticket.id.to_string()),
                ("body", "Asked the courier"),
            ],
        )
        .await
        .expect("comment");
    assert_eq!(comment.author, "Ana");
    assert_eq!(
        refused(
            ana.call::<TicketComment>(
                "comment_ticket",
                &[("id", &ticket.id.to_string()), ("body", "")]
            )
            .await,
            "invalid"
        )["field"],
        "comment"
    );
    let updated: Ticket = ana
        .call(
            "update_ticket",
            &[
                ("id", &ticket.id.to_string()),
                ("status", "pending"),
                ("assignee_id", &team.ben.id.to_string()),
            ],
        )
        .await
        .expect("updated");
    assert_eq!(updated.status, TicketStatus::Pending);
    assert_eq!(updated.assignee.map(|a| a.name).as_deref(), Some("Ben"));
    let detail: TicketDetail = ana
        .call("ticket", &[("id", &ticket.id.to_string())])
        .await
        .expect("detail");
    assert_eq!(detail.comments.len(), 1);
    assert!(
        ana.call::<Vec<Ticket>>("tickets", &[("status", "open")])
            .await
            .expect("open")
            .is_empty()
    );
    refused(
        ana.call::<Vec<Ticket>>("tickets", &[("status", "nonsense")])
            .await,
        "invalid",
    );

    // Agents of other inboxes see none of it.
    server.other_inbox_with_sue(&team).await;
    let sue = server.sign_in("sue@example.com").await;
    assert!(
        sue.call::<Vec<Ticket>>("tickets", &[])
            .await
            .expect("list")
            .is_empty()
    );
    refused(
        sue.call::<TicketDetail>("ticket", &[("id", &ticket.id.to_string())])
            .await,
        "not_found",
    );
    refused(
        sue.call::<TicketComment>(
            "comment_ticket",
            &[("id", &ticket.id.to_string()), ("body", "hi")],
        )
        .await,
        "not_found",
    );
}

#[tokio::test]
async fn search_finds_words_highlighted_within_what_the_agent_may_see() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let other = server.other_inbox_with_sue(&team).await;
    let sue = server.sign_in("sue@example.com").await;
    let (_, _, mine) = visitor_writes(&server, &team.inbox, "Where is my parcel? It is late").await;
    let (_, _, second) = visitor_writes(&server, &team.inbox, "A parcel question too").await;
    let (_, _, theirs) = visitor_writes(&server, &other, "My parcel arrived broken").await;

    let found: SearchResults = ana
        .call("search", &[("query", "parcel")])
        .await
        .expect("search");
    let ids: Vec<i64> = found.messages.iter().map(|m| m.message_id).collect();
    assert_eq!(
        ids,
        vec![second.id, mine.id],
        "newest first, never another inbox's"
    );
    let hit = &found.messages[1];
    assert!(
        hit.snippet
            .iter()
            .any(|p| p.matched && p.text.eq_ignore_ascii_case("parcel"))
    );
    assert!(
        hit.snippet
            .iter()
            .any(|p| !p.matched && p.text.contains("Where is my"))
    );
    // Every word must be there; the last one counts as a prefix.
    let found: SearchResults = ana
        .call("search", &[("query", "parcel lat")])
        .await
        .expect("search");
    assert_eq!(
        found
            .messages
            .iter()
            .map(|m| m.message_id)
            .collect::<Vec<_>>(),
        vec![mine.id]
    );
    let found: SearchResults = sue
        .call("search", &[("query", "parcel")])
        .await
        .expect("search");
    assert_eq!(
        found
            .messages
            .iter()
            .map(|m| m.message_id)
            .collect::<Vec<_>>(),
        vec![theirs.id]
    );

    // Within one conversation.
    let found: SearchResults = ana
        .call(
            "search",
            &[
                ("query", "parcel"),
                ("conversation_id", &mine.conversation_id.to_string()),
            ],
        )
        .await
        .expect("search");
    assert_eq!(
        found
            .messages
            .iter()
            .map(|m| m.message_id)
            .collect::<Vec<_>>(),
        vec![mine.id]
    );
    refused(
        sue.call::<SearchResults>(
            "search",
            &[
                ("query", "parcel"),
                ("conversation_id", &mine.conversation_id.to_string()),
            ],
        )
        .await,
        "not_found",
    );

    // Visitors by name and email.
    let visitor_id = ana.detail(mine.conversation_id).await.summary.visitor_id;
    ana.call::<()>(
        "update_visitor",
        &[
            ("id", &visitor_id.to_string()),
            ("name", "Zelda Quist"),
            ("email", "zq@example.org"),
            ("phone", ""),
            ("notes", ""),
        ],
    )
    .await
    .expect("named");
    let found: SearchResults = ana
        .call("search", &[("query", "zelda")])
        .await
        .expect("search");
    assert_eq!(found.conversations.len(), 1);
    assert_eq!(found.conversations[0].summary.id, mine.conversation_id);
    assert!(
        found.conversations[0]
            .matched
            .iter()
            .any(|p| p.matched && p.text == "Zelda")
    );
    let found: SearchResults = ana
        .call("search", &[("query", "zq@example")])
        .await
        .expect("search");
    assert_eq!(found.conversations.len(), 1);
    let found: SearchResults = sue
        .call("search", &[("query", "zelda")])
        .await
        .expect("search");
    assert!(found.conversations.is_empty());

    // Search syntax typed by someone is searched as text; nothing is no result, not an error.
    let found: SearchResults = ana
        .call("search", &[("query", "\"parcel OR (*")])
        .await
        .expect("search");
    assert!(found.messages.is_empty());
    let found: SearchResults = ana
        .call("search", &[("query", "  ")])
        .await
        .expect("search");
    assert!(found.messages.is_empty() && found.conversations.is_empty());
    assert_eq!(
        refused(
            ana.call::<SearchResults>("search", &[("query", &"x".repeat(201))])
                .await,
            "invalid"
        )["field"],
        "query"
    );
}

#[tokio::test]
async fn labels_moving_and_chat_logs() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let other = server.other_inbox_with_sue(&team).await;
    let sue = server.sign_in("sue@example.com").await;
    let mut ben_socket = server.sign_in("ben@example.com").await.socket(None).await;
    ben_socket.until_ready().await;
    let (_, mut first_socket, first) = visitor_writes(&server, &team.inbox, "Refund please").await;
    let (_, _, second) = visitor_writes(&server, &team.inbox, "Hello").await;
    let id = first.conversation_id.to_string();

    let labeled: ConversationSummary = ana
        .call(
            "set_labels",
            &[
                ("conversation_id", &id),
                ("labels[0]", " VIP "),
                ("labels[1]", "vip"),
                ("labels[2]", "Refund"),
            ],
        )
        .await
        .expect("labels");
    assert_eq!(labeled.labels, vec!["Refund", "VIP"]);
    let told = ben_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::ConversationLabeled { labels, .. },
                ..
            } => Some(labels),
            _ => None,
        })
        .await;
    assert_eq!(told, vec!["Refund", "VIP"]);
    refused(
        ana.call::<ConversationSummary>(
            "set_labels",
            &[("conversation_id", &id), ("labels[0]", "a,b")],
        )
        .await,
        "invalid",
    );
    let all: Vec<String> = ana.call("labels", &[]).await.expect("labels");
    assert_eq!(all, vec!["Refund", "VIP"]);
    refused(
        sue.call::<ConversationSummary>(
            "set_labels",
            &[("conversation_id", &id), ("labels[0]", "x")],
        )
        .await,
        "not_found",
    );

    // Chat logs, filtered.
    accept(&ana, second.conversation_id).await;
    ana.call::<()>(
        "close_conversation",
        &[("id", &second.conversation_id.to_string())],
    )
    .await
    .expect("closed");
    let rows: Vec<HistoryRow> = ana.call("history", &[]).await.expect("history");
    assert_eq!(
        rows.iter().map(|r| r.summary.id).collect::<Vec<_>>(),
        vec![second.conversation_id, first.conversation_id]
    );
    assert_eq!(rows[0].messages, 1);
    assert!(rows[0].closed_at.is_some() && rows[1].closed_at.is_none());
    let by_label: Vec<HistoryRow> = ana
        .call("history", &[("filter[label]", "vip")])
        .await
        .expect("history");
    assert_eq!(
        by_label.iter().map(|r| r.summary.id).collect::<Vec<_>>(),
        vec![first.conversation_id]
    );
    for page in ["-1", &i64::MAX.to_string()] {
        let error = ana
            .call::<Vec<HistoryRow>>("history", &[("page", page)])
            .await
            .expect_err("no such page");
        assert_eq!(error["error"], "invalid", "{error}");
    }
    let closed: Vec<HistoryRow> = ana
        .call("history", &[("filter[status]", "closed")])
        .await
        .expect("history");
    assert_eq!(closed.len(), 1);
    let by_agent: Vec<HistoryRow> = ana
        .call("history", &[("filter[agent_id]", &team.ana.id.to_string())])
        .await
        .expect("history");
    assert_eq!(
        by_agent.iter().map(|r| r.summary.id).collect::<Vec<_>>(),
        vec![second.conversation_id]
    );
    let future = (now_millis() + 60_000).to_string();
    let none: Vec<HistoryRow> = ana
        .call("history", &[("filter[from]", &future)])
        .await
        .expect("history");
    assert!(none.is_empty());
    let by_visitor: Vec<HistoryRow> = ana
        .call(
            "history",
            &[(
                "filter[visitor]",
                &format!("#{}", rows[1].summary.visitor_id),
            )],
        )
        .await
        .expect("history");
    assert_eq!(by_visitor.len(), 1);
    assert!(
        sue.call::<Vec<HistoryRow>>("history", &[])
            .await
            .expect("history")
            .is_empty()
    );
    assert_eq!(
        refused(
            sue.call::<Vec<HistoryRow>>(
                "history",
                &[("filter[inbox_id]", &team.inbox.id.to_string())]
            )
            .await,
            "not_found"
        )["what"],
        "inbox"
    );

    // Moving to another inbox: its agents get it, the old inbox's lose it.
    // Ana cannot see the other inbox.
    refused(
        ana.call::<ConversationSummary>(
            "move_conversation",
            &[
                ("conversation_id", &id),
                ("inbox_id", &other.id.to_string()),
            ],
        )
        .await,
        "not_found",
    );
    let admin = server.sign_in("root@example.com").await;
    let moved: ConversationSummary = admin
        .call(
            "move_conversation",
            &[
                ("conversation_id", &id),
                ("inbox_id", &other.id.to_string()),
            ],
        )
        .await
        .expect("moved");
    assert_eq!(moved.inbox_id, other.id);
    let event = ben_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::ConversationMoved { conversation },
                ..
            } => Some(conversation),
            _ => None,
        })
        .await;
    assert_eq!(event.inbox_id, other.id);
    refused(
        ana.call::<serde_json::Value>("conversation", &[("id", &id)])
            .await,
        "not_found",
    );
    assert_eq!(
        sue.detail(first.conversation_id).await.summary.labels,
        vec!["Refund", "VIP"]
    );

    // The visitor comes back to Ana's inbox: the moved conversation stays out of her view of
    // them, in the new conversation's earlier chats and in the profile.
    admin
        .call::<serde_json::Value>("close_conversation", &[("id", &id)])
        .await
        .expect("closed");
    first_socket.send(&send("again", None, "Back again")).await;
    let again = acked(&mut first_socket).await;
    assert_ne!(again.conversation_id, first.conversation_id);
    let detail = ana.detail(again.conversation_id).await;
    assert!(
        detail
            .earlier
            .iter()
            .all(|e| e.summary.id != first.conversation_id),
        "{:?}",
        detail.earlier
    );
    let profile: VisitorProfile = ana
        .call("visitor_profile", &[("id", &moved.visitor_id.to_string())])
        .await
        .expect("profile");
    let ids: Vec<i64> = profile.conversations.iter().map(|c| c.id).collect();
    assert!(ids.contains(&again.conversation_id), "{ids:?}");
    assert!(!ids.contains(&first.conversation_id), "{ids:?}");
    let admin_view: VisitorProfile = admin
        .call("visitor_profile", &[("id", &moved.visitor_id.to_string())])
        .await
        .expect("profile");
    assert_eq!(admin_view.conversations.len(), 2);
}

#[tokio::test]
async fn contacts_gather_the_same_persons_visitors() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (_, _, first) = visitor_writes(&server, &team.inbox, "hi").await;
    let (_, _, later) = visitor_writes(&server, &team.inbox, "hi again").await;
    let first_visitor = ana.detail(first.conversation_id).await.summary.visitor_id;
    let later_visitor = ana.detail(later.conversation_id).await.summary.visitor_id;

    // A name is required.
    assert_eq!(
        refused(
            ana.call::<Contact>(
                "save_contact",
                &[
                    ("visitor_id", &first_visitor.to_string()),
                    ("name", ""),
                    ("email", "kim@example.com")
                ]
            )
            .await,
            "invalid"
        )["field"],
        "name"
    );
    let contact: Contact = ana
        .call(
            "save_contact",
            &[
                ("visitor_id", &first_visitor.to_string()),
                ("name", "Kim Lee"),
                ("email", "Kim@Example.com"),
                ("phone", "+34 600 000 000"),
                ("company", "Acme"),
                ("notes", "Prefers email"),
            ],
        )
        .await
        .expect("saved");
    assert_eq!(contact.email.as_deref(), Some("kim@example.com"));
    // The same person comes back as a new visitor and gives the same email: linked.
    ana.call::<()>(
        "update_visitor",
        &[
            ("id", &later_visitor.to_string()),
            ("name", "Kim"),
            ("email", "KIM@example.com"),
            ("phone", ""),
            ("notes", ""),
        ],
    )
    .await
    .expect("updated");
    let detail: ContactDetail = ana
        .call("contact", &[("id", &contact.id.to_string())])
        .await
        .expect("contact");
    let mut linked: Vec<i64> = detail.visitors.iter().map(|v| v.visitor_id).collect();
    linked.sort_unstable();
    assert_eq!(linked, vec![first_visitor, later_visitor]);
    assert_eq!(detail.conversations.len(), 2);
    let profile: serde_json::Value = ana
        .call("visitor_profile", &[("id", &later_visitor.to_string())])
        .await
        .expect("profile");
    assert_eq!(profile["contact"]["id"], contact.id);

    let found: Vec<Contact> = ana
        .call("contacts", &[("query", "acme")])
        .await
        .expect("contacts");
    assert_eq!(found.len(), 1);
    assert!(
        ana.call::<Vec<Contact>>("contacts", &[("query", "nobody")])
            .await
            .expect("contacts")
            .is_empty()
    );
    let changed: Contact = ana
        .call(
            "update_contact",
            &[
                ("id", &contact.id.to_string()),
                ("name", "Kim Lee"),
                ("company", "Acme Ltd"),
            ],
        )
        .await
        .expect("changed");
    assert_eq!(changed.company.as_deref(), Some("Acme Ltd"));

    // An agent of another inbox sees the contact but none of its visitors or chats.
    server.other_inbox_with_sue(&team).await;
    let sue = server.sign_in("sue@example.com").await;
    let detail: ContactDetail = sue
        .call("contact", &[("id", &contact.id.to_string())])
        .await
        .expect("contact");
    assert!(detail.visitors.is_empty() && detail.conversations.is_empty());
    refused(
        sue.call::<Contact>(
            "save_contact",
            &[("visitor_id", &first_visitor.to_string()), ("name", "X")],
        )
        .await,
        "not_found",
    );
}

/// A visitor writes, `agent` makes a ticket of it (the inbox's webhook is due a post), and the
/// outbox's first failed delivery says why.
async fn first_delivery_error(server: &TestServer, inbox: &Inbox, agent: &Agent) -> String {
    let (_, _, first) = visitor_writes(server, inbox, "Where is my order?").await;
    accept(agent, first.conversation_id).await;
    let _: Ticket = agent
        .call(
            "create_ticket",
            &[
                ("conversation_id", &first.conversation_id.to_string()),
                ("subject", "Order"),
                ("requester_email", "lee@example.com"),
            ],
        )
        .await
        .expect("ticket");
    eventually("a failed delivery", || async {
        let outbox = server.running.state.store.outbox().await.expect("outbox");
        outbox.first().and_then(|row| row.last_error.clone())
    })
    .await
}

#[tokio::test]
async fn webhooks_go_only_over_https_to_public_addresses() {
    let server = TestServer::start_with(|config| config.retry_after = 1).await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    let inbox_id = team.inbox.id.to_string();
    // Plain http to a host nobody trusts is refused when saved.
    let (plain, _) = receiver(0).await;
    refused(
        admin
            .call::<Option<switchboard::api::Webhook>>(
                "set_webhook",
                &[("inbox_id", &inbox_id), ("url", &plain)],
            )
            .await,
        "invalid",
    );
    // An https address that resolves to this machine is refused at every delivery.
    let _: Option<switchboard::api::Webhook> = admin
        .call(
            "set_webhook",
            &[("inbox_id", &inbox_id), ("url", "https://localhost:9/hook")],
        )
        .await
        .expect("saved: https");
    let error = first_delivery_error(&server, &team.inbox, &ana).await;
    assert!(error.contains("not a public address"), "{error}");
}

#[tokio::test]
async fn a_webhook_that_redirects_is_not_followed() {
    let server = TestServer::start_with(|config| {
        config.retry_after = 1;
        config.webhook_trusted_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    // A receiver that sends every post on to an address inside the network.
    let (inside, reached) = receiver(0).await;
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let inside = inside.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [("location", inside)]) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let _: Option<switchboard::api::Webhook> = admin
        .call(
            "set_webhook",
            &[("inbox_id", &team.inbox.id.to_string()), ("url", &url)],
        )
        .await
        .expect("saved");
    let error = first_delivery_error(&server, &team.inbox, &ana).await;
    assert!(error.contains("307"), "{error}");
    assert!(
        reached.lock().expect("lock").is_empty(),
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn a_ticket_has_a_priority_a_type_of_its_inbox_and_may_go_to_another_inbox() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    let admin = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    let inbox = team.inbox.id.to_string();
    let too_long = "x".repeat(41);
    refused(
        admin
            .call::<Inbox>(
                "set_inbox_ticket_types",
                &[("inbox_id", &inbox), ("ticket_types", &too_long)],
            )
            .await,
        "invalid",
    );
    let saved: Inbox = admin
        .call(
            "set_inbox_ticket_types",
            &[
                ("inbox_id", &inbox),
                ("ticket_types", "Question, Request,question"),
            ],
        )
        .await
        .expect("types");
    assert_eq!(saved.ticket_types, "Question, Request");
    refused(
        ana.call::<Inbox>(
            "set_inbox_ticket_types",
            &[("inbox_id", &inbox), ("ticket_types", "Mine")],
        )
        .await,
        "forbidden",
    );

    let (_, _socket, message) = visitor_writes(&server, &team.inbox, "My order is late").await;
    let id = message.conversation_id.to_string();
    let ticket_form = |subject: &'static str, extra: &[(&'static str, &'static str)]| {
        let mut form = vec![
            ("conversation_id", id.clone()),
            ("subject", subject.to_owned()),
            ("requester_email", "kim@example.com".to_owned()),
        ];
        form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        form
    };
    async fn call(
        agent: &Agent,
        form: Vec<(&'static str, String)>,
    ) -> Result<Ticket, serde_json::Value> {
        let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        agent.call::<Ticket>("create_ticket", &borrowed).await
    }
    // A type the inbox does not offer, or a priority that is none, makes nothing.
    let error = call(&ana, ticket_form("Late", &[("kind", "Praise")]))
        .await
        .expect_err("unknown type");
    assert_eq!(error["field"], "kind");
    let error = call(&ana, ticket_form("Late", &[("priority", "asap")]))
        .await
        .expect_err("unknown priority");
    assert_eq!(error["field"], "priority");
    let ticket = call(
        &ana,
        ticket_form("Late", &[("kind", "request"), ("priority", "high")]),
    )
    .await
    .expect("ticket");
    assert_eq!(ticket.kind.as_deref(), Some("Request"));
    assert_eq!(ticket.priority, TicketPriority::High);
    assert_eq!(ticket.inbox_id, team.inbox.id);
    // Without a priority, normal.
    let plain = call(&ana, ticket_form("Plain", &[])).await.expect("ticket");
    assert_eq!((plain.priority, plain.kind), (TicketPriority::Normal, None));

    // Another inbox: only one the agent may see, with that inbox's types (it offers none).
    let other_id = other.id.to_string();
    let error = call(
        &ana,
        ticket_form("Elsewhere", &[])
            .into_iter()
            .chain([("inbox_id", other_id.clone())])
            .collect(),
    )
    .await
    .expect_err("not hers");
    assert_eq!(error["error"], "not_found");
    let moved = call(
        &admin,
        ticket_form("Elsewhere", &[])
            .into_iter()
            .chain([("inbox_id", other_id.clone())])
            .collect(),
    )
    .await
    .expect("to the other inbox");
    assert_eq!(moved.inbox_id, other.id);
    let error = call(
        &admin,
        ticket_form("Elsewhere", &[("kind", "Request")])
            .into_iter()
            .chain([("inbox_id", other_id)])
            .collect(),
    )
    .await
    .expect_err("not a type of that inbox");
    assert_eq!(error["field"], "kind");

    // The ticket page changes its priority; leaving it out keeps it.
    let number = ticket.id.to_string();
    let urgent: Ticket = ana
        .call(
            "update_ticket",
            &[("id", &number), ("status", "open"), ("priority", "urgent")],
        )
        .await
        .expect("updated");
    assert_eq!(urgent.priority, TicketPriority::Urgent);
    let kept: Ticket = ana
        .call("update_ticket", &[("id", &number), ("status", "pending")])
        .await
        .expect("updated");
    assert_eq!(kept.priority, TicketPriority::Urgent);
}
