//! The store against a real SQLite file in a temporary directory and, for what the two
//! databases are asked differently (`on_both`), against a fresh database on the throwaway
//! PostgreSQL of the test command.

use switchboard::model::{Author, Role};
use switchboard::protocol::Event;
use switchboard::server::hub::{Hub, Topic};
use switchboard::server::store::{BatchBounds, NewMessage, Store, StoreError};

async fn open(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    Store::open(&url).await.expect("store opens")
}

/// Adds the agent Ana and commits.
async fn add_ana(store: &Store) {
    let mut tx = store.write().await.expect("tx");
    tx.insert_agent("Ana", "ana@example.com", "hash", Role::Operator)
        .await
        .expect("insert");
    tx.commit(&Hub::new()).await.expect("commit");
}

/// Checks that Ana, added by [`add_ana`], is there and the only agent.
async fn ana_is_kept(store: &Store) {
    assert_eq!(store.agent_count().await.expect("count"), 1);
    let credentials = store
        .credentials("ana@example.com")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(credentials.agent.role, Role::Operator);
}

/// Runs `test` on a fresh store in a SQLite file, then on one in a fresh PostgreSQL database.
async fn on_both<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("dir");
    test(open(&dir).await).await;
    let url = crate::common::postgres_database().await;
    test(
        Store::open(&url)
            .await
            .expect("the store opens on PostgreSQL"),
    )
    .await;
}

#[tokio::test]
async fn a_postgresql_database_is_migrated_once_and_keeps_its_data() {
    let url = crate::common::postgres_database().await;
    {
        let store = Store::open(&url).await.expect("store opens");
        add_ana(&store).await;
        store.close().await;
    }
    ana_is_kept(&Store::open(&url).await.expect("store opens again")).await;
}

#[tokio::test]
async fn the_database_is_a_wal_file_that_keeps_its_data() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let store = open(&dir).await;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
        add_ana(&store).await;
    }
    assert!(dir.path().join("test.db").exists());
    ana_is_kept(&open(&dir).await).await;
}

#[tokio::test]
async fn a_dropped_transaction_stores_and_publishes_nothing() {
    on_both(a_dropped_transaction_on).await;
}

async fn a_dropped_transaction_on(store: Store) {
    let hub = Hub::new();
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    tx.commit(&hub).await.expect("commit");

    let mut subscription = hub.subscribe(Topic::Inbox(inbox.id));
    {
        let mut tx = store.write().await.expect("tx");
        let visitor = tx
            .insert_visitor(inbox.id, "token-hash")
            .await
            .expect("visitor");
        let conversation = tx
            .insert_conversation(&visitor, visitor.inbox_id, 1)
            .await
            .expect("conversation");
        tx.append_event(
            inbox.id,
            visitor.id,
            true,
            Event::ConversationClosed {
                conversation_id: conversation,
            },
        )
        .await
        .expect("event");
        // dropped without commit
    }
    assert_eq!(store.last_event_id().await.expect("id"), 0);
    assert!(
        store
            .visitor_by_token_hash("token-hash")
            .await
            .expect("query")
            .is_none()
    );
    assert_eq!(subscription.try_recv().map(|e| e.is_none()), Ok(true));
}

#[tokio::test]
async fn events_are_committed_in_order_with_their_rows() {
    on_both(events_in_order_on).await;
}

async fn events_in_order_on(store: Store) {
    let hub = Hub::new();
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    let visitor = tx.insert_visitor(inbox.id, "hash").await.expect("visitor");
    let conversation_id = tx
        .insert_conversation(&visitor, visitor.inbox_id, 1)
        .await
        .expect("conversation");
    tx.commit(&hub).await.expect("commit");

    let mut subscription = hub.subscribe(Topic::Visitor(visitor.id));
    for n in 0..3 {
        let mut tx = store.write().await.expect("tx");
        let message = tx
            .insert_message(NewMessage {
                conversation_id,
                author: &Author::Visitor,
                body: &format!("hello {n}"),
                preview: &format!("hello {n}"),
                note: false,
                system: None,
                client_id: Some(&format!("c{n}")),
                dedup_key: Some(&format!("v{}:c{n}", visitor.id)),
            })
            .await
            .expect("message");
        tx.append_event(inbox.id, visitor.id, true, Event::MessagePosted { message })
            .await
            .expect("event");
        tx.commit(&hub).await.expect("commit");
    }
    let mut published = Vec::new();
    while let Ok(Some(event)) = subscription.try_recv() {
        published.push(event.id);
    }
    let replayed: Vec<i64> = store
        .visitor_events_after(visitor.id, 0, 100)
        .await
        .expect("replay")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(published, replayed);
    assert_eq!(replayed.len(), 3);
    assert!(replayed.windows(2).all(|w| w[0] < w[1]));
    let after_first = store
        .visitor_events_after(visitor.id, replayed[0], 100)
        .await
        .expect("replay");
    assert_eq!(after_first.len(), 2);
    let messages = store.messages(conversation_id).await.expect("messages");
    assert_eq!(messages.len(), 3);
    let conversation = store
        .conversation(conversation_id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(conversation.preview, "hello 2");

    // The same dedup key cannot be stored twice.
    let mut tx = store.write().await.expect("tx");
    let again = tx
        .insert_message(NewMessage {
            conversation_id,
            author: &Author::Visitor,
            body: "dup",
            preview: "dup",
            note: false,
            system: None,
            client_id: Some("c0"),
            dedup_key: Some(&format!("v{}:c0", visitor.id)),
        })
        .await;
    assert_unique_violation(again.map(|_| ()));
}

/// Group commit: the writes queued behind an open one join its batch and commit with it, once;
/// a refused write rolls back alone and its caller hears why, the others are stored, and the
/// events are published in commit order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_queued_together_commit_once_and_each_learns_its_own_outcome() {
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = format!("sqlite://{}", dir.path().join("test.db").display());
    writes_queued_together_on(&sqlite).await;
    writes_queued_together_on(&crate::common::postgres_database().await).await;
}

async fn writes_queued_together_on(url: &str) {
    let bounds = BatchBounds {
        max_writes: 1_000,
        max_wait: std::time::Duration::from_secs(60),
    };
    let store = Store::open_with(url, bounds).await.expect("store opens");
    let hub = Hub::new();
    let mut tx = store.write().await.expect("tx");
    tx.insert_agent("Taken", "taken@example.com", "hash", Role::Operator)
        .await
        .expect("agent");
    tx.commit(&hub).await.expect("commit");
    let mut published = hub.subscribe_all();
    let commits_before = store.commits().await;

    // The first write holds the connection while forty more queue behind it; every fifth
    // of them is refused (its email is taken) and dropped.
    let mut first = store.write().await.expect("tx");
    let first_id = first
        .insert_agent("First", "first@example.com", "hash", Role::Operator)
        .await
        .expect("agent");
    first
        .append_team_event(Event::PresenceChanged {
            agent_id: first_id,
            presence: switchboard::model::Presence::Online,
        })
        .await
        .expect("event");
    let writers: Vec<_> = (0..40)
        .map(|n| {
            let store = store.clone();
            let hub = hub.clone();
            tokio::spawn(async move {
                let email = if n % 5 == 0 {
                    "taken@example.com".to_owned()
                } else {
                    format!("agent{n}@example.com")
                };
                let mut tx = store.write().await?;
                let id = tx
                    .insert_agent(&format!("Agent {n}"), &email, "hash", Role::Operator)
                    .await?;
                tx.append_team_event(Event::PresenceChanged {
                    agent_id: id,
                    presence: switchboard::model::Presence::Online,
                })
                .await?;
                tx.commit(&hub).await?;
                Ok::<i64, StoreError>(id)
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit(&hub).await.expect("commit");
    let mut stored = vec![first_id];
    for (n, writer) in writers.into_iter().enumerate() {
        match writer.await.expect("task") {
            Ok(id) => {
                assert_ne!(n % 5, 0, "write {n} was refused");
                stored.push(id);
            }
            Err(e) => {
                assert_eq!(n % 5, 0, "write {n}: {e}");
                assert!(e.is_unique_violation(), "{e}");
            }
        }
    }
    assert_eq!(stored.len(), 33);
    assert_eq!(
        store.commits().await - commits_before,
        1,
        "one commit for the batch"
    );
    assert_eq!(store.agent_count().await.expect("count"), 34);

    let mut events = Vec::new();
    while let Ok(event) = published.try_recv() {
        events.push(event);
    }
    assert_eq!(events.len(), 33);
    assert!(events.windows(2).all(|w| w[0].id < w[1].id), "commit order");
    assert_eq!(
        store.last_event_id().await.expect("id"),
        events.last().map_or(0, |e| e.id)
    );
    let mut announced: Vec<i64> = events
        .iter()
        .map(|e| match &e.event {
            Event::PresenceChanged { agent_id, .. } => *agent_id,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    announced.sort_unstable();
    stored.sort_unstable();
    assert_eq!(announced, stored);
}

/// Asserts that a write was refused by a UNIQUE constraint (not for any other reason).
#[track_caller]
fn assert_unique_violation(result: Result<(), StoreError>) {
    match result {
        Err(e) if e.is_unique_violation() => {}
        other => panic!("expected a unique violation, got {other:?}"),
    }
}

#[tokio::test]
async fn a_visitor_has_at_most_one_open_conversation() {
    on_both(at_most_one_open_conversation_on).await;
}

async fn at_most_one_open_conversation_on(store: Store) {
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    let visitor = tx.insert_visitor(inbox.id, "hash").await.expect("visitor");
    tx.insert_conversation(&visitor, visitor.inbox_id, 1)
        .await
        .expect("first");
    assert_unique_violation(
        tx.insert_conversation(&visitor, visitor.inbox_id, 2)
            .await
            .map(|_| ()),
    );
}

#[tokio::test]
async fn pruning_removes_only_a_leading_run_of_old_events_and_keeps_the_newest() {
    on_both(pruning_on).await;
}

async fn pruning_on(store: Store) {
    let hub = Hub::new();
    // Six events written at these times (the fourth after the clock stepped back).
    let times = [1_000, 2_000, 9_000, 3_000, 9_500, 4_000];
    let mut tx = store.write().await.expect("tx");
    for agent_id in 0..times.len() as i64 {
        tx.append_team_event(Event::PresenceChanged {
            agent_id,
            presence: switchboard::model::Presence::Online,
        })
        .await
        .expect("event");
    }
    let ids: Vec<i64> = tx
        .commit(&hub)
        .await
        .expect("commit")
        .iter()
        .map(|e| e.id)
        .collect();
    for (id, at) in ids.iter().zip(times) {
        sqlx::query("UPDATE events SET created_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(store.pool())
            .await
            .expect("set the time");
    }
    let kept = || async {
        sqlx::query_scalar::<_, i64>("SELECT id FROM events ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("ids")
    };
    let prune = |before: i64, limit: i64| {
        let store = store.clone();
        let hub = hub.clone();
        async move {
            let mut tx = store.write().await.expect("tx");
            let pruned = tx.prune_events(before, limit).await.expect("prune");
            tx.commit(&hub).await.expect("commit");
            pruned
        }
    };

    // Older than 5,000: the first two go; the fourth stays, since a newer one precedes it.
    assert_eq!(prune(5_000, 1).await, 1, "at most the limit");
    assert_eq!(prune(5_000, 100).await, 1);
    assert_eq!(kept().await, ids[2..].to_vec());
    // Everything older than the future: all but the newest event.
    assert_eq!(prune(100_000, 100).await, 3);
    assert_eq!(kept().await, vec![ids[5]]);
    assert_eq!(store.last_event_id().await.expect("newest"), ids[5]);
    assert_eq!(prune(100_000, 100).await, 0);
}

#[tokio::test]
async fn a_list_of_ids_in_one_parameter_finds_those_rows() {
    on_both(ids_in_one_parameter_on).await;
}

async fn ids_in_one_parameter_on(store: Store) {
    let hub = Hub::new();
    let mut tx = store.write().await.expect("tx");
    let web = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    let shop = tx.insert_inbox("Shop", "key2", true).await.expect("inbox");
    tx.insert_inbox("Other", "key3", false)
        .await
        .expect("inbox");
    let found = tx
        .inboxes_by_id(&[web.id, shop.id, 999])
        .await
        .expect("inboxes");
    assert_eq!(found.len(), 2);
    assert_eq!(found[&shop.id].name, "Shop");
    assert_eq!(
        tx.count_inboxes(&[web.id, shop.id, 999])
            .await
            .expect("count"),
        2
    );
    // A NULL compared with IS DISTINCT FROM, which both databases read.
    let visitor = tx.insert_visitor(web.id, "hash").await.expect("visitor");
    tx.set_visitor_locale(visitor.id, "es")
        .await
        .expect("locale");
    tx.set_visitor_locale(visitor.id, "es")
        .await
        .expect("again");
    assert_eq!(
        tx.mail_facts(visitor.id).await.expect("facts").locale,
        Some("es".to_owned())
    );
    tx.commit(&hub).await.expect("commit");
}

#[tokio::test]
async fn a_data_directory_with_a_space_in_its_path_opens() {
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path().join("my data");
    std::fs::create_dir(&folder).expect("folder");
    let url = format!("sqlite://{}", folder.join("test.db").display());
    let store = Store::open(&url).await.expect("store opens");
    add_ana(&store).await;
    ana_is_kept(&store).await;
    store.close().await;
    assert!(folder.join("test.db").exists());
}

#[tokio::test]
async fn postgresql_errors_are_told_apart_a_taken_email_from_a_read_only_database() {
    use sqlx::{Connection, Executor};
    let url = crate::common::postgres_database().await;
    let store = Store::open(&url).await.expect("store opens");
    add_ana(&store).await;
    // A taken email is refused for what it is, not as a full disk.
    let mut tx = store.write().await.expect("tx");
    let taken = tx
        .insert_agent("Ana", "ana@example.com", "hash", Role::Operator)
        .await
        .expect_err("the email is taken");
    assert!(taken.is_unique_violation() && !taken.is_out_of_storage());
    drop(tx);
    store.close().await;

    // The same path as the store's own errors (through the Any driver), on a session that
    // may not write: what PostgreSQL says when a database went read-only.
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    conn.execute("SET default_transaction_read_only = on")
        .await
        .expect("read-only from now on");
    let refused = conn
        .execute("INSERT INTO labels (name, created_at) VALUES ('x', 0)")
        .await
        .expect_err("a read-only session takes no write");
    let refused = StoreError(refused);
    assert!(refused.is_out_of_storage(), "{refused}");
    assert!(!refused.is_unique_violation());
}

#[tokio::test]
async fn search_finds_every_word_case_and_accents_aside_and_marks_them() {
    on_both(search_on).await;
}

async fn search_on(store: Store) {
    use switchboard::rules::VisitorEdit;
    use switchboard::search::Piece;
    let hub = Hub::new();
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    let other = tx
        .insert_inbox("Other", "key2", false)
        .await
        .expect("inbox");
    let mut said = Vec::new();
    for (inbox_id, token, body) in [
        (inbox.id, "t1", "Un café, por favor"),
        (inbox.id, "t2", "My PARCEL is late"),
        (inbox.id, "t3", "Two parcels arrived"),
        (other.id, "t4", "Another parcel elsewhere"),
    ] {
        let visitor = tx.insert_visitor(inbox_id, token).await.expect("visitor");
        let conversation_id = tx
            .insert_conversation(&visitor, inbox_id, 1)
            .await
            .expect("conversation");
        let message = tx
            .insert_message(NewMessage {
                conversation_id,
                author: &Author::Visitor,
                body,
                preview: body,
                note: false,
                system: None,
                client_id: None,
                dedup_key: None,
            })
            .await
            .expect("message");
        said.push((visitor.id, message.id));
    }
    tx.update_visitor(
        said[0].0,
        &VisitorEdit {
            name: Some("José Núñez".into()),
            email: Some("jose.nunez@example.com".into()),
            phone: None,
            notes: String::new(),
        },
    )
    .await
    .expect("named");
    tx.commit(&hub).await.expect("commit");

    let words = |typed: &str| switchboard::search::query_words(typed).expect("words");
    let found = |typed: &'static str| {
        let store = store.clone();
        let inboxes = vec![inbox.id];
        async move {
            store
                .search_messages(&words(typed), &inboxes, None, 50)
                .await
                .expect("search")
        }
    };
    let shown = |pieces: &[Piece]| -> String {
        pieces
            .iter()
            .map(|p| {
                if p.matched {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    };

    // Accents and case aside, the last word a prefix, newest first, one inbox only.
    let hits = found("CAFE").await;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].message_id, said[0].1);
    assert_eq!(shown(&hits[0].snippet), "Un [café], por favor");
    let hits = found("parc").await;
    assert_eq!(
        hits.iter().map(|h| h.message_id).collect::<Vec<_>>(),
        vec![said[2].1, said[1].1]
    );
    assert_eq!(shown(&hits[1].snippet), "My [PARCEL] is late");
    // Every word must be there; only the last is a prefix.
    let hits = found("parcel la").await;
    assert_eq!(
        hits.iter().map(|h| h.message_id).collect::<Vec<_>>(),
        vec![said[1].1]
    );
    assert_eq!(shown(&hits[0].snippet), "My [PARCEL] is [late]");
    assert!(
        found("parcel arrived").await.is_empty(),
        "parcels is not parcel"
    );
    // Query syntax typed is only text.
    assert!(found("café OR late").await.is_empty());

    // Visitors by the words of their name and email.
    for typed in ["nunez", "jose example", "EXAMPLE.co"] {
        let matched = store
            .search_visitors(&words(typed), 10)
            .await
            .expect("search");
        assert_eq!(
            matched.iter().map(|m| m.visitor_id).collect::<Vec<_>>(),
            vec![said[0].0],
            "{typed}"
        );
    }
    let matched = store
        .search_visitors(&words("jose"), 10)
        .await
        .expect("search");
    assert_eq!(
        shown(&matched[0].marked),
        "[José] Núñez · [jose].nunez@example.com"
    );
}

#[tokio::test]
async fn a_writer_whose_postgresql_session_ended_connects_again() {
    let url = crate::common::postgres_database().await;
    let store = Store::open(&url).await.expect("store opens");
    add_ana(&store).await;
    // Every other session of the database ends, the writer's among them, as when PostgreSQL
    // restarts or an administrator ends them.
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(store.pool())
    .await
    .expect("sessions ended");
    assert!(!ended.is_empty());
    let mut tx = store
        .write()
        .await
        .expect("a write begins on a new connection");
    tx.insert_agent("Ben", "ben@example.com", "hash", Role::Operator)
        .await
        .expect("insert");
    tx.commit(&Hub::new()).await.expect("commit");
    assert_eq!(store.agent_count().await.expect("count"), 2);
}

#[tokio::test]
async fn a_postgresql_connection_may_be_encrypted() {
    let url = format!(
        "{}?sslmode=require",
        crate::common::postgres_database().await
    );
    let store = Store::open(&url).await.expect("store opens over TLS");
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(store.pool())
            .await
            .expect("the connection's state");
    assert!(encrypted);
    add_ana(&store).await;
    ana_is_kept(&store).await;
}

#[tokio::test]
async fn what_the_reports_count_is_recorded_with_the_events_and_read_back_by_period() {
    on_both(report_records_on).await;
}

async fn report_records_on(store: Store) {
    use switchboard::model::{AgentRef, Presence};
    use switchboard::reports::Happening;
    let hub = Hub::new();
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(5));
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    let ana = tx
        .insert_agent("Ana", "ana@example.com", "hash", Role::Operator)
        .await
        .expect("agent");
    // Before the period: Ana goes away, then online; an earlier conversation starts.
    for presence in [Presence::Away, Presence::Online] {
        tx.append_team_event(Event::PresenceChanged {
            agent_id: ana,
            presence,
        })
        .await
        .expect("presence");
    }
    let early = tx.insert_visitor(inbox.id, "early").await.expect("visitor");
    let early_id = tx
        .insert_conversation(&early, inbox.id, 1)
        .await
        .expect("conversation");
    let summary = tx
        .conversation(early_id)
        .await
        .expect("read")
        .expect("found");
    tx.append_event(
        inbox.id,
        early.id,
        true,
        Event::ConversationOpened {
            conversation: summary,
        },
    )
    .await
    .expect("event");
    tx.commit(&hub).await.expect("commit");
    pause().await;
    let from = switchboard::server::store::now_millis();
    pause().await;

    // In the period: a conversation opened, a question, Ana assigned, her reply, a note, the
    // close, a rating; Ana goes away.
    let mut tx = store.write().await.expect("tx");
    let visitor = tx.insert_visitor(inbox.id, "later").await.expect("visitor");
    let id = tx
        .insert_conversation(&visitor, inbox.id, 1)
        .await
        .expect("conversation");
    let summary = tx.conversation(id).await.expect("read").expect("found");
    tx.append_event(
        inbox.id,
        visitor.id,
        true,
        Event::ConversationOpened {
            conversation: summary,
        },
    )
    .await
    .expect("event");
    let as_ana = Author::Agent {
        id: ana,
        name: "Ana".into(),
    };
    for (author, body, note) in [
        (&Author::Visitor, "Where is my parcel?", false),
        (&as_ana, "On its way", false),
        (&as_ana, "Check the courier", true),
    ] {
        if author == &as_ana && !note {
            tx.append_event(
                inbox.id,
                visitor.id,
                true,
                Event::ConversationAssigned {
                    conversation_id: id,
                    assignee: Some(AgentRef {
                        id: ana,
                        name: "Ana".into(),
                    }),
                },
            )
            .await
            .expect("event");
        }
        let message = tx
            .insert_message(NewMessage {
                conversation_id: id,
                author,
                body,
                preview: body,
                note,
                system: None,
                client_id: None,
                dedup_key: None,
            })
            .await
            .expect("message");
        // The visitor's through the batch form the message lane uses.
        if author == &Author::Visitor {
            tx.append_events(vec![switchboard::server::store::ConversationEvent {
                inbox_id: inbox.id,
                visitor_id: visitor.id,
                for_visitor: true,
                event: Event::MessagePosted { message },
            }])
            .await
            .expect("events");
        } else {
            tx.append_event(
                inbox.id,
                visitor.id,
                !note,
                Event::MessagePosted { message },
            )
            .await
            .expect("event");
        }
    }
    tx.append_event(
        inbox.id,
        visitor.id,
        true,
        Event::ConversationClosed {
            conversation_id: id,
        },
    )
    .await
    .expect("event");
    let at = switchboard::server::store::now_millis();
    assert!(tx.insert_rating(id, 4, "", at).await.expect("rated"));
    pause().await;
    tx.append_team_event(Event::PresenceChanged {
        agent_id: ana,
        presence: Presence::Away,
    })
    .await
    .expect("presence");
    tx.commit(&hub).await.expect("commit");
    pause().await;
    let to = switchboard::server::store::now_millis();

    let records = store.report_records(from, to).await.expect("records");
    let said: Vec<Happening> = records.into_iter().map(|r| r.what).collect();
    assert_eq!(
        said,
        vec![
            // Ana's last presence before the period.
            Happening::PresenceChanged {
                agent: ana,
                presence: Presence::Online
            },
            Happening::Opened {
                conversation: id,
                inbox: inbox.id,
                assignee: None
            },
            Happening::VisitorWrote { conversation: id },
            Happening::Assigned {
                conversation: id,
                agent: Some(ana)
            },
            Happening::AgentWrote {
                conversation: id,
                agent: ana
            },
            Happening::Closed { conversation: id },
            Happening::Rated {
                conversation: id,
                score: 4
            },
            Happening::PresenceChanged {
                agent: ana,
                presence: Presence::Away
            },
        ],
        "not the note, not the conversation started before"
    );
}
