//! Event webhooks: an admin adds endpoints to an inbox, each for chosen events; what happens in
//! the inbox reaches them signed with their own secret, through the outbox (retried when a
//! receiver fails), and the delivery log shows each delivery and sends one again.

use std::sync::Arc;

use axum::http::StatusCode;
use switchboard::model::Ticket;
use switchboard::server::webhook;
use switchboard::webhooks::{DeliveryStatus, NewWebhookEndpoint, WebhookDelivery};

use crate::common::{Agent, Posts, TestServer, acked, eventually, receiver, refused, send};

/// The posts a receiver accepted (the last of each delivery), each checked against the
/// endpoint's secret: the event names and bodies, in the order of their deliveries.
fn verified(posts: &Posts, secret: &str) -> Vec<serde_json::Value> {
    let posts = posts.lock().expect("lock").clone();
    let mut by_delivery: std::collections::BTreeMap<i64, serde_json::Value> =
        std::collections::BTreeMap::new();
    for (headers, body) in posts {
        let header = |name: &str| headers[name].to_str().expect("header").to_owned();
        let timestamp: u64 = header(webhook::TIMESTAMP_HEADER).parse().expect("seconds");
        let delivery: i64 = header(webhook::DELIVERY_HEADER).parse().expect("id");
        let text = std::str::from_utf8(&body).expect("utf-8");
        assert_eq!(
            header(webhook::SIGNATURE_HEADER),
            webhook::sign(
                secret,
                webhook::signed_payload(timestamp, delivery, text).as_bytes()
            ),
            "signed with the endpoint's own secret"
        );
        by_delivery.insert(delivery, serde_json::from_str(text).expect("json"));
    }
    by_delivery.into_values().collect()
}

fn names(bodies: &[serde_json::Value]) -> Vec<String> {
    bodies
        .iter()
        .map(|b| b["event"].as_str().expect("event").to_owned())
        .collect()
}

async fn add_endpoint(
    agent: &Agent,
    inbox_id: i64,
    url: &str,
    events: &[&str],
) -> Result<NewWebhookEndpoint, serde_json::Value> {
    let inbox = inbox_id.to_string();
    let keys: Vec<String> = (0..events.len()).map(|i| format!("events[{i}]")).collect();
    let mut form: Vec<(&str, &str)> = vec![("inbox_id", &inbox), ("url", url)];
    form.extend(keys.iter().map(String::as_str).zip(events.iter().copied()));
    agent.call("add_webhook_endpoint", &form).await
}

async fn log(agent: &Agent, inbox_id: i64) -> Vec<WebhookDelivery> {
    agent
        .call("webhook_deliveries", &[("inbox_id", &inbox_id.to_string())])
        .await
        .expect("deliveries")
}

#[tokio::test]
async fn chosen_events_reach_each_endpoint_signed_retried_and_sent_again() {
    let server = TestServer::start_with(|config| {
        config.retry_after = 1;
        config.webhook_trusted_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    let team = server.team().await;
    let inbox = team.inbox.id;
    let ana = server.sign_in("ana@example.com").await;
    let root = server.sign_in("root@example.com").await;
    // The CRM hears of everything and fails its first post; the bot only of messages.
    let (crm_url, crm_posts) = receiver(1).await;
    let (bot_url, bot_posts) = receiver(0).await;
    let all = [
        "conversation.created",
        "conversation.assigned",
        "conversation.closed",
        "message.created",
        "visitor.updated",
        "ticket.created",
        "ticket.updated",
        "rating.created",
    ];

    // Admins only, a real address, known events, at least one, an inbox that exists.
    refused(add_endpoint(&ana, inbox, &crm_url, &all).await, "forbidden");
    let wrong = |field: &'static str| {
        move |answer: Result<NewWebhookEndpoint, serde_json::Value>| {
            assert_eq!(refused(answer, "invalid")["field"], field);
        }
    };
    wrong("webhook_url")(add_endpoint(&root, inbox, "ftp://crm.example.com", &all).await);
    wrong("webhook_url")(add_endpoint(&root, inbox, "", &all).await);
    wrong("events")(add_endpoint(&root, inbox, &crm_url, &[]).await);
    wrong("events")(add_endpoint(&root, inbox, &crm_url, &["message.deleted"]).await);
    refused(
        add_endpoint(&root, 9_999, &crm_url, &all).await,
        "not_found",
    );
    assert!(log(&root, inbox).await.is_empty(), "nothing was added");

    let crm = add_endpoint(&root, inbox, &crm_url, &all)
        .await
        .expect("crm");
    assert!(crm.secret.starts_with("whsec_") && crm.secret.len() > 40);
    assert_eq!(crm.endpoint.topics.len(), 8);
    let bot = add_endpoint(&root, inbox, &bot_url, &["message.created"])
        .await
        .expect("bot");
    assert_ne!(crm.secret, bot.secret);
    // Another inbox's events go nowhere near them.
    let other = server.other_inbox_with_sue(&team).await;

    // A conversation: opened with a message, taken, answered, a note, the visitor's profile,
    // a ticket made and changed and commented, closed, rated.
    let token = server.visitor_token(&team.inbox).await;
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    widget.send(&send("w1", None, "My parcel never came")).await;
    let first = acked(&mut widget).await;
    let id = first.conversation_id.to_string();
    ana.call::<serde_json::Value>("accept_conversation", &[("id", &id)])
        .await
        .expect("accepted");
    let mut desk = ana.socket(None).await;
    desk.until_ready().await;
    desk.send(&send("a1", Some(first.conversation_id), "Let me check"))
        .await;
    acked(&mut desk).await;
    let mut note = send("a2", Some(first.conversation_id), "Courier is slow");
    if let switchboard::protocol::ClientFrame::Send { note: n, .. } = &mut note {
        *n = true;
    }
    desk.send(&note).await;
    acked(&mut desk).await;
    let visitor_id = ana.detail(first.conversation_id).await.summary.visitor_id;
    ana.call::<()>(
        "update_visitor",
        &[
            ("id", &visitor_id.to_string()),
            ("name", "Kim"),
            ("email", "kim@example.com"),
            ("phone", ""),
            ("notes", "Prefers email"),
        ],
    )
    .await
    .expect("profile");
    let ticket: Ticket = ana
        .call(
            "create_ticket",
            &[
                ("conversation_id", &id),
                ("subject", "Lost parcel"),
                ("message_ids[0]", &first.id.to_string()),
            ],
        )
        .await
        .expect("ticket");
    let ticket_id = ticket.id.to_string();
    ana.call::<Ticket>(
        "update_ticket",
        &[("id", &ticket_id), ("status", "pending")],
    )
    .await
    .expect("pending");
    // The same again changes nothing: no event.
    ana.call::<Ticket>(
        "update_ticket",
        &[("id", &ticket_id), ("status", "pending")],
    )
    .await
    .expect("still pending");
    ana.call::<serde_json::Value>(
        "comment_ticket",
        &[("id", &ticket_id), ("body", "Asked the courier")],
    )
    .await
    .expect("comment");
    ana.call::<()>("close_conversation", &[("id", &id)])
        .await
        .expect("closed");
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "rating",
            &[("token", &token), ("conversation_id", &id), ("score", "5")],
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER);
    let (_, mut stranger, _) = {
        let token = server.visitor_token(&other).await;
        let mut socket = server.visitor_socket(&token, None).await;
        socket.until_ready().await;
        socket.send(&send("o1", None, "Other inbox")).await;
        let message = acked(&mut socket).await;
        (token, socket, message)
    };
    stranger.send(&send("o2", None, "Still here")).await;
    acked(&mut stranger).await;

    // The CRM got every event once, in order, after its first post failed and was retried.
    let expected = [
        "conversation.created",
        "message.created",
        "conversation.assigned",
        "message.created",
        "visitor.updated",
        "ticket.created",
        "ticket.updated",
        "ticket.updated",
        "conversation.closed",
        "rating.created",
    ];
    let crm_bodies = eventually("the CRM got every event", || async {
        let posts = crm_posts.lock().expect("lock").len();
        let bodies = verified(&crm_posts, &crm.secret);
        (bodies.len() == expected.len() && posts == expected.len() + 1).then_some(bodies)
    })
    .await;
    assert_eq!(names(&crm_bodies), expected);
    assert!(crm_bodies.iter().all(|b| b["inbox_id"] == inbox));
    let data = |n: usize| &crm_bodies[n]["data"];
    assert_eq!(data(0)["conversation"]["id"], first.conversation_id);
    assert_eq!(data(1)["message"]["body"], "My parcel never came");
    assert_eq!(data(1)["message"]["author"]["kind"], "visitor");
    assert_eq!(data(2)["assignee"]["name"], "Ana");
    assert_eq!(data(3)["message"]["author"]["name"], "Ana");
    assert_eq!(data(4)["visitor"]["name"], "Kim");
    assert_eq!(data(4)["visitor"]["email"], "kim@example.com");
    assert_eq!(data(5)["ticket"]["subject"], "Lost parcel");
    assert_eq!(data(6)["ticket"]["status"], "pending");
    assert_eq!(data(7)["comment"]["body"], "Asked the courier");
    assert_eq!(data(8)["conversation_id"], first.conversation_id);
    assert_eq!(data(9)["rating"]["score"], 5);
    assert!(
        !crm_bodies
            .iter()
            .any(|b| b.to_string().contains("Courier is slow")),
        "notes stay with the team"
    );
    // The bot: the two messages, nothing else, nothing of the other inbox.
    let bot_bodies = eventually("the bot got the messages", || async {
        let bodies = verified(&bot_posts, &bot.secret);
        (bodies.len() >= 2).then_some(bodies)
    })
    .await;
    assert_eq!(names(&bot_bodies), ["message.created", "message.created"]);

    // The log: every delivery, newest first, delivered; the first after one failure.
    let deliveries = eventually("the log shows them delivered", || async {
        let deliveries = log(&root, inbox).await;
        deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Delivered)
            .then_some(deliveries)
    })
    .await;
    assert_eq!(deliveries.len(), expected.len() + 2);
    let oldest = deliveries.last().expect("one");
    assert_eq!(oldest.url, crm_url);
    assert_eq!(oldest.topic.as_str(), "conversation.created");
    assert_eq!(oldest.attempts, 1, "failed once");
    assert!(
        deliveries[..deliveries.len() - 1]
            .iter()
            .all(|d| d.attempts == 0)
    );
    // Nothing of the other inbox was queued for anyone.
    let queued = server.running.state.store.outbox().await.expect("outbox");
    for row in &queued {
        if let switchboard::server::outbox::Item::Event { body, .. } = &row.item {
            let body: serde_json::Value = serde_json::from_str(body).expect("json");
            assert_eq!(body["inbox_id"], inbox, "{body}");
        }
    }
    assert!(log(&root, other.id).await.is_empty());
    refused(
        ana.call::<Vec<WebhookDelivery>>("webhook_deliveries", &[("inbox_id", &inbox.to_string())])
            .await,
        "forbidden",
    );

    // Sent again: a new delivery of the same body.
    refused(
        ana.call::<i64>("resend_webhook_delivery", &[("id", &oldest.id.to_string())])
            .await,
        "forbidden",
    );
    refused(
        root.call::<i64>("resend_webhook_delivery", &[("id", "9999")])
            .await,
        "not_found",
    );
    let again: i64 = root
        .call("resend_webhook_delivery", &[("id", &oldest.id.to_string())])
        .await
        .expect("resent");
    assert!(again > oldest.id);
    let crm_bodies = eventually("the CRM got it again", || async {
        let bodies = verified(&crm_posts, &crm.secret);
        (bodies.len() == expected.len() + 1).then_some(bodies)
    })
    .await;
    assert_eq!(crm_bodies.last(), crm_bodies.first(), "the same body");

    // Removed: its deliveries leave the log and nothing more is sent to it.
    refused(
        ana.call::<()>(
            "remove_webhook_endpoint",
            &[("id", &bot.endpoint.id.to_string())],
        )
        .await,
        "forbidden",
    );
    root.call::<()>(
        "remove_webhook_endpoint",
        &[("id", &bot.endpoint.id.to_string())],
    )
    .await
    .expect("removed");
    refused(
        root.call::<()>(
            "remove_webhook_endpoint",
            &[("id", &bot.endpoint.id.to_string())],
        )
        .await,
        "not_found",
    );
    assert!(log(&root, inbox).await.iter().all(|d| d.url == crm_url));
    widget.send(&send("w2", None, "Any news?")).await;
    acked(&mut widget).await;
    // The chat had ended: a new conversation with its first message.
    let crm_bodies = eventually("the CRM heard of the new chat", || async {
        let bodies = verified(&crm_posts, &crm.secret);
        (bodies.len() == expected.len() + 3).then_some(bodies)
    })
    .await;
    assert_eq!(
        names(&crm_bodies[expected.len() + 1..]),
        ["conversation.created", "message.created"]
    );
    assert_eq!(
        verified(&bot_posts, &bot.secret).len(),
        2,
        "the bot heard no more"
    );
    // Both changes are in the audit log.
    let audit: serde_json::Value = root.call("load_audit_log", &[]).await.expect("audit");
    let actions: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "webhook_added").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "webhook_removed").count(),
        1,
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_inbox_has_at_most_ten_endpoints() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    for n in 0..10 {
        add_endpoint(
            &root,
            team.inbox.id,
            &format!("https://hooks{n}.example.com/in"),
            &["message.created"],
        )
        .await
        .expect("added");
    }
    let answer = add_endpoint(
        &root,
        team.inbox.id,
        "https://hooks10.example.com/in",
        &["message.created"],
    )
    .await;
    assert_eq!(refused(answer, "invalid")["field"], "webhook_endpoints");
    let overview: serde_json::Value = root.call("load_admin", &[]).await.expect("overview");
    assert_eq!(
        overview["webhook_endpoints"].as_array().map(Vec::len),
        Some(10)
    );
}

/// Sets `true` when dropped: a receiver's request that ended without an answer.
struct Dropped(Arc<std::sync::atomic::AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_receiver_that_does_not_answer_holds_up_only_its_own_deliveries() {
    let server = TestServer::start_with(|config| {
        config.webhook_trusted_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    // A receiver that takes each post and never answers it.
    let gave_up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (flag, count) = (Arc::clone(&gave_up), Arc::clone(&started));
    let stuck = axum::Router::new().route(
        "/events",
        axum::routing::post(move || {
            let (flag, count) = (Arc::clone(&flag), Arc::clone(&count));
            async move {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _held = Dropped(flag);
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let stuck_url = format!("http://{}/events", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, stuck).await;
    });
    let (url, posts) = receiver(0).await;
    add_endpoint(&root, team.inbox.id, &stuck_url, &["message.created"])
        .await
        .expect("stuck");
    let working = add_endpoint(&root, team.inbox.id, &url, &["message.created"])
        .await
        .expect("working");

    let token = server.visitor_token(&team.inbox).await;
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    for n in 0..3 {
        widget
            .send(&send(&format!("m{n}"), None, &format!("Message {n}")))
            .await;
        acked(&mut widget).await;
    }
    eventually("the working receiver got all three", || async {
        (verified(&posts, &working.secret).len() == 3).then_some(())
    })
    .await;
    assert!(
        started.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the stuck receiver was tried"
    );
    assert!(
        !gave_up.load(std::sync::atomic::Ordering::SeqCst),
        "the working receiver did not wait for the stuck one to time out"
    );
}
