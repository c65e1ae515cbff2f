//! The write lanes against a real database (a SQLite file, or PostgreSQL in that run): messages and page views waiting together are
//! written in one batch with the effects the ordinary path has for each, and the requests a
//! lane cannot take are handed back.

use std::time::Duration;

use switchboard::model::{Author, ConversationStatus, Role};
use switchboard::protocol::Event;
use switchboard::rules::TimerKind;
use switchboard::server::hub::Hub;
use switchboard::server::services::message_lane::{MessageLane, MessageWrites};
use switchboard::server::services::page_lane::{PageLane, PageWrites};
use switchboard::server::store::{
    BatchBounds, NewBlock, NewMessage, NewPageView, NewVisit, Store, Timer, Visitor, now_millis,
};
use switchboard::tracking::{Environment, Page};

/// Seconds an assignee may leave a visitor waiting in the test inbox.
const ASSIGNEE_IDLE_SECS: i64 = 120;

/// A store whose commits wait for its queue to empty, so a test's writes share one or two.
async fn open(dir: &tempfile::TempDir) -> Store {
    let url = crate::common::database_url_in(dir.path())
        .await
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("test.db").display()));
    let bounds = BatchBounds {
        max_writes: 1_000,
        max_wait: Duration::from_secs(60),
    };
    Store::open_with(&url, bounds).await.expect("store opens")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_waiting_together_share_a_batch_and_the_unusual_ones_are_handed_back() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let hub = Hub::new();

    // Thirty visitors with an open conversation (the first ten assigned, each with a visitor
    // idle timer running), one without a conversation, one in a switched-off inbox, one
    // blocked, one writing from a blocked network, and one message stored before under the
    // client id "old".
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    tx.set_inbox_timers(inbox.id, ASSIGNEE_IDLE_SECS, 300)
        .await
        .expect("timers");
    let off = tx.insert_inbox("Off", "key2", false).await.expect("inbox");
    let agent = tx
        .insert_agent("Ana", "ana@example.com", "hash", Role::Operator)
        .await
        .expect("agent");
    let mut visitors = Vec::new();
    for n in 0..30 {
        let visitor = tx
            .insert_visitor(inbox.id, &format!("token-{n}"))
            .await
            .expect("visitor");
        let conversation = tx
            .insert_conversation(&visitor, inbox.id, 1)
            .await
            .expect("conversation");
        if n < 10 {
            tx.set_assignee(conversation, Some(agent))
                .await
                .expect("assign");
        }
        if n == 3 {
            // The assignee already owes an answer: that wait is kept.
            tx.schedule_timer(
                Timer {
                    kind: TimerKind::AssigneeIdle,
                    subject_id: conversation,
                    due_at: 7,
                },
                true,
            )
            .await
            .expect("timer");
        }
        tx.schedule_timer(
            Timer {
                kind: TimerKind::VisitorIdle,
                subject_id: conversation,
                due_at: 5,
            },
            true,
        )
        .await
        .expect("timer");
        visitors.push((visitor, conversation));
    }
    let mut blocked = Vec::new();
    for token in ["token-blocked", "token-behind"] {
        let visitor = tx.insert_visitor(inbox.id, token).await.expect("visitor");
        tx.insert_conversation(&visitor, inbox.id, 1)
            .await
            .expect("conversation");
        blocked.push(visitor);
    }
    for (visitor_id, ip_range) in [(Some(blocked[0].id), None), (None, Some("203.0.113.0/24"))] {
        tx.insert_block(NewBlock {
            inbox_id: inbox.id,
            visitor_id,
            ip_range,
            reason: "spam",
            created_by: agent,
            at: 1,
            until: None,
        })
        .await
        .expect("block");
    }
    let newcomer = tx
        .insert_visitor(inbox.id, "token-new")
        .await
        .expect("visitor");
    let switched_off = tx
        .insert_visitor(off.id, "token-off")
        .await
        .expect("visitor");
    tx.insert_conversation(&switched_off, off.id, 1)
        .await
        .expect("conversation");
    tx.update_inbox(off.id, "Off", true).await.expect("disable");
    let (first_visitor, first_conversation) = (visitors[0].0.clone(), visitors[0].1);
    let old_key = format!("v{}:old", first_visitor.id);
    tx.insert_message(NewMessage {
        conversation_id: first_conversation,
        author: &Author::Visitor,
        body: "sent before",
        preview: "sent before",
        note: false,
        system: None,
        client_id: Some("old"),
        dedup_key: Some(&old_key),
    })
    .await
    .expect("message");
    tx.commit(&hub).await.expect("commit");

    let lane = MessageLane::start(MessageWrites, store.clone(), hub.clone());
    let mut published = hub.subscribe_all();
    // Holding the writer makes every send queue in the lane before any is written.
    let hold = store.write().await.expect("tx");
    let send =
        |visitor: &switchboard::server::store::Visitor, ip: &str, client_id: &str, body: &str| {
            let lane = lane.clone();
            let visitor = visitor.clone();
            let ip = ip.parse().ok();
            let (client_id, body) = (client_id.to_owned(), body.to_owned());
            tokio::spawn(async move { lane.post(&visitor, ip, &client_id, body).await })
        };
    let plain: Vec<_> = visitors
        .iter()
        .enumerate()
        .map(|(n, (visitor, _))| {
            send(
                visitor,
                "198.51.100.9",
                &format!("m{n}"),
                &format!("hello {n}"),
            )
        })
        .collect();
    let retry = send(&first_visitor, "198.51.100.9", "old", "sent before");
    let twice = [
        send(&visitors[1].0, "198.51.100.9", "twice", "once only"),
        send(&visitors[1].0, "198.51.100.9", "twice", "once only"),
    ];
    let more = send(&visitors[2].0, "198.51.100.9", "more", "and more");
    let opening = send(&newcomer, "198.51.100.9", "first", "opens a chat");
    let refused = send(&switched_off, "198.51.100.9", "off", "nobody reads");
    let barred = [
        send(&blocked[0], "198.51.100.9", "b", "let me in"),
        send(&blocked[1], "203.0.113.7", "b", "let me in"),
    ];
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(hold);

    let mut stored = Vec::new();
    for (n, sent) in plain.into_iter().enumerate() {
        let message = sent.await.expect("task").expect("the lane takes it");
        assert_eq!(message.body, format!("hello {n}"));
        assert_eq!(message.client_id.as_deref(), Some(format!("m{n}").as_str()));
        assert_eq!(message.conversation_id, visitors[n].1);
        assert_eq!(message.author, Author::Visitor);
        stored.push(message);
    }
    assert!(
        retry.await.expect("task").is_none(),
        "a retry is answered by the ordinary path"
    );
    let [a, b] = twice;
    let twice: Vec<_> = [a.await.expect("task"), b.await.expect("task")]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(twice.len(), 1, "the same client id is stored once");
    stored.extend(twice);
    let more = more
        .await
        .expect("task")
        .expect("a second message of one visitor");
    assert_eq!(more.conversation_id, visitors[2].1);
    stored.push(more);
    assert!(
        opening.await.expect("task").is_none(),
        "a first message is handed back"
    );
    assert!(
        refused.await.expect("task").is_none(),
        "a switched-off inbox is handed back"
    );
    for (sent, visitor) in barred.into_iter().zip(&blocked) {
        assert!(
            sent.await.expect("task").is_none(),
            "a blocked sender is handed back"
        );
        let conversation = store
            .open_conversation_of(visitor.id)
            .await
            .expect("read")
            .expect("open");
        assert!(
            store
                .messages(conversation.id)
                .await
                .expect("messages")
                .is_empty(),
            "nothing of a blocked sender is stored"
        );
    }
    assert!(
        lane.batches() <= 2,
        "{} messages took {} batches",
        stored.len(),
        lane.batches()
    );

    // Published after the commit, once each, in id order, and the same as what was stored.
    let mut events = Vec::new();
    while let Ok(event) = published.try_recv() {
        events.push(event);
    }
    assert_eq!(events.len(), stored.len());
    assert!(events.windows(2).all(|w| w[0].id < w[1].id), "event order");
    let mut posted: Vec<_> = events
        .iter()
        .map(|e| match &e.event {
            Event::MessagePosted { message } => {
                assert!(e.for_visitor);
                assert_eq!(e.inbox_id, Some(inbox.id));
                let (visitor, _) = visitors
                    .iter()
                    .find(|(_, c)| *c == message.conversation_id)
                    .expect("a conversation of the test");
                assert_eq!(e.visitor_id, Some(visitor.id));
                message.clone()
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(
        posted.windows(2).all(|w| w[0].id < w[1].id),
        "messages are published in the order they were stored"
    );
    posted.sort_by_key(|m| m.id);
    stored.sort_by_key(|m| m.id);
    assert_eq!(posted, stored);
    assert_eq!(
        store.last_event_id().await.expect("id"),
        events.last().map_or(0, |e| e.id)
    );

    // In the database: each message once, the conversations' previews, and the timers the
    // ordinary path leaves (no visitor idle timer; an assignee idle timer where assigned).
    let timers = store.timers().await.expect("timers");
    for (n, (_, conversation)) in visitors.iter().enumerate() {
        let messages = store.messages(*conversation).await.expect("messages");
        let mine: Vec<_> = messages
            .iter()
            .filter(|m| m.body == format!("hello {n}"))
            .collect();
        assert_eq!(mine.len(), 1, "conversation {n}");
        let summary = store
            .conversation(*conversation)
            .await
            .expect("read")
            .expect("found");
        let last = messages.last().expect("a message");
        assert_eq!(summary.last_message_at, last.created_at);
        assert_eq!(summary.preview, last.body);
        assert!(
            !timers
                .iter()
                .any(|t| t.kind == TimerKind::VisitorIdle && t.subject_id == *conversation),
            "the visitor spoke in conversation {n}"
        );
        let wait = timers
            .iter()
            .find(|t| t.kind == TimerKind::AssigneeIdle && t.subject_id == *conversation);
        if n == 3 {
            assert_eq!(wait.map(|t| t.due_at), Some(7), "a running wait is kept");
        } else if n < 10 {
            assert_eq!(summary.status, ConversationStatus::Assigned);
            assert_eq!(
                wait.map(|t| t.due_at),
                Some(mine[0].created_at + ASSIGNEE_IDLE_SECS * 1000),
                "conversation {n}"
            );
        } else {
            assert!(wait.is_none(), "conversation {n} has no assignee");
        }
    }
    assert_eq!(
        store
            .messages(visitors[1].1)
            .await
            .expect("messages")
            .iter()
            .filter(|m| m.client_id.as_deref() == Some("twice"))
            .count(),
        1
    );
}

/// A page as the tracker reports it, checked.
fn page(url: &str) -> Page {
    Page {
        url: url.to_owned(),
        title: "Shop".to_owned(),
        referrer: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_visits_that_go_on_share_a_batch_and_the_others_are_handed_back() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let hub = Hub::new();
    let landing = page("https://shop.example/a");
    let now = now_millis();
    // The visits began a minute ago: within the visit gap, so the pages continue them.
    let began = now - 60_000;

    // Twenty visitors in a visit that goes on, on page /a; one who never visited; one on
    // page /a with an open conversation.
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    tx.set_inbox_kept_query_params(inbox.id, "ref")
        .await
        .expect("kept");
    let mut visiting = Vec::new();
    for n in 0..22 {
        let visitor = tx
            .insert_visitor(inbox.id, &format!("token-{n}"))
            .await
            .expect("visitor");
        if n == 20 {
            visiting.push((visitor, 0));
            continue;
        }
        let visit = tx
            .insert_visit(NewVisit {
                visitor_id: visitor.id,
                at: began,
                landing: &landing,
                ip: None,
                user_agent: "test",
                browser: None,
                os: None,
                device: None,
                city: None,
                country: None,
            })
            .await
            .expect("visit");
        let first = NewPageView {
            visit_id: visit,
            visitor_id: visitor.id,
            page: &landing,
        };
        tx.record_page_views(&[first], began).await.expect("page");
        if n == 21 {
            tx.insert_conversation(&visitor, inbox.id, began)
                .await
                .expect("conversation");
        }
        visiting.push((visitor, visit));
    }
    tx.commit(&hub).await.expect("commit");
    let (newcomer, chatting) = (visiting[20].0.clone(), visiting[21].0.clone());

    let lane = PageLane::start(
        PageWrites {
            visit_gap_ms: 30 * 60_000,
        },
        store.clone(),
        hub.clone(),
    );
    let hold = store.write().await.expect("tx");
    let view = |visitor: &Visitor, url: &str, screen: Option<&str>| {
        let lane = lane.clone();
        let visitor = visitor.clone();
        let environment = Environment {
            screen: screen.map(str::to_owned),
            ..Environment::default()
        };
        let page = page(url);
        tokio::spawn(async move { lane.record(&visitor, page, environment, true).await })
    };
    // The lane takes the first request alone and waits for the writer with it; everything
    // after queues for one batch.
    let first_visit = view(&newcomer, "https://shop.example/a", None);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Visitors 0..10 open /b (with a query the inbox keeps in part and a fragment), visitor 0
    // twice at once; 10..20 report /a again; the newcomer and the chatting visitor open a
    // page too.
    let opened = "https://shop.example/b?ref=news&utm=x#top";
    let twice = [
        view(&visiting[0].0, opened, Some("1280x720")),
        view(&visiting[0].0, opened, Some("1280x720")),
    ];
    let moved: Vec<_> = visiting[1..10]
        .iter()
        .map(|(v, _)| view(v, opened, Some("1280x720")))
        .collect();
    let stayed: Vec<_> = visiting[10..20]
        .iter()
        .map(|(v, _)| view(v, "https://shop.example/a", None))
        .collect();
    let in_chat = view(&chatting, "https://shop.example/b", None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(hold);

    let kept = "https://shop.example/b?ref=news";
    let [a, b] = twice;
    let twice: Vec<_> = [a.await.expect("task"), b.await.expect("task")]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(twice.len(), 1, "one page of a visitor per batch");
    let mut rows = twice;
    for sent in moved {
        rows.push(sent.await.expect("task").expect("the lane takes it"));
    }
    for ((visitor, visit), row) in visiting[..10].iter().zip(rows) {
        let row = row.expect("a row");
        assert_eq!(row.visitor_id, visitor.id);
        assert_eq!(row.page_url, kept, "only the query the inbox keeps");
        let pages = store.recent_pages(visitor.id).await.expect("pages");
        assert_eq!(pages.len(), 2, "visitor {}", visitor.id);
        assert_eq!(pages[0].url, kept);
        assert_eq!(pages[0].ended_at, None, "the page they are on");
        assert!(pages[1].ended_at.is_some(), "the page they left ends");
        let visits = store.visits_of(visitor.id).await.expect("visits");
        assert_eq!(visits.len(), 1, "the visit goes on");
        assert_eq!(visits[0].id, *visit);
        assert!(visits[0].last_seen_at >= now, "seen again");
        let profile = store
            .visitor_profile(visitor.id)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(profile.screen.as_deref(), Some("1280x720"));
    }
    for ((visitor, _), sent) in visiting[10..20].iter().zip(stayed) {
        let row = sent
            .await
            .expect("task")
            .expect("the lane takes it")
            .expect("a row");
        assert_eq!(row.page_url, "https://shop.example/a");
        let pages = store.recent_pages(visitor.id).await.expect("pages");
        assert_eq!(pages.len(), 1, "the same page is not a new view");
        assert_eq!(pages[0].ended_at, None);
        let visits = store.visits_of(visitor.id).await.expect("visits");
        assert!(visits[0].last_seen_at >= now, "seen again");
    }
    assert!(
        first_visit.await.expect("task").is_none(),
        "a page that starts a visit"
    );
    assert!(
        in_chat.await.expect("task").is_none(),
        "a new page in a conversation"
    );
    assert!(lane.batches() <= 2, "{} batches", lane.batches());
    // What the lane handed back it left alone.
    assert!(
        store
            .recent_pages(newcomer.id)
            .await
            .expect("pages")
            .is_empty()
    );
    assert_eq!(
        store.recent_pages(chatting.id).await.expect("pages").len(),
        1
    );
}
