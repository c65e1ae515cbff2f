//! The store against a real SQLite file in a temporary directory.

use switchboard::model::{Author, Role};
use switchboard::protocol::Event;
use switchboard::server::hub::{Hub, Topic};
use switchboard::server::store::{NewMessage, Store};

async fn open(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    Store::open(&url).await.expect("store opens")
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
        let mut tx = store.write().await.expect("tx");
        tx.insert_agent("Ana", "ana@example.com", "hash", Role::Operator)
            .await
            .expect("insert");
        tx.commit(&Hub::new()).await.expect("commit");
    }
    assert!(dir.path().join("test.db").exists());
    let reopened = open(&dir).await;
    assert_eq!(reopened.agent_count().await.expect("count"), 1);
    let credentials = reopened
        .credentials("ana@example.com")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(credentials.agent.role, Role::Operator);
}

#[tokio::test]
async fn a_dropped_transaction_stores_and_publishes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
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
            .insert_conversation(&visitor, 1)
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
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let hub = Hub::new();
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    let visitor = tx.insert_visitor(inbox.id, "hash").await.expect("visitor");
    let conversation_id = tx
        .insert_conversation(&visitor, 1)
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

/// Asserts that a write was refused by a UNIQUE constraint (not for any other reason).
#[track_caller]
fn assert_unique_violation(result: Result<(), sqlx::Error>) {
    match result {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
        other => panic!("expected a unique violation, got {other:?}"),
    }
}

#[tokio::test]
async fn a_visitor_has_at_most_one_open_conversation() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let mut tx = store.write().await.expect("tx");
    let inbox = tx.insert_inbox("Web", "key1", false).await.expect("inbox");
    let visitor = tx.insert_visitor(inbox.id, "hash").await.expect("visitor");
    tx.insert_conversation(&visitor, 1).await.expect("first");
    assert_unique_violation(tx.insert_conversation(&visitor, 2).await.map(|_| ()));
}
