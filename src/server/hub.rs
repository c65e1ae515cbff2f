//! Fan-out of committed events to connected sockets: one `tokio::sync::broadcast` channel per
//! topic, created when the first subscriber arrives and dropped with the last one. Slow
//! subscribers that fall behind are told so (`Lagged`) and replay from the events table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::protocol::Event;

/// How many events a team or inbox topic buffers for a slow subscriber before it lags and
/// must replay.
pub(crate) const TOPIC_CAPACITY: usize = 1024;

/// The same for one visitor's topic. A visitor hears only their own conversation, a few events
/// a minute, while a channel's whole ring is allocated with it: at 1,024 slots it was most of
/// what an idle visitor's socket cost (`bench idle`: 40 of 54 KiB).
pub(crate) const VISITOR_TOPIC_CAPACITY: usize = 16;

/// Who an event is for: the agents of an inbox, the whole team, or one visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every agent socket that may see this inbox.
    Inbox(i64),
    /// Every agent socket (team-wide events such as presence).
    Team,
    /// The sockets of one visitor (their tabs).
    Visitor(i64),
}

impl Topic {
    /// How many events this topic's channel holds for a subscriber that falls behind.
    fn capacity(self) -> usize {
        match self {
            Topic::Inbox(_) | Topic::Team => TOPIC_CAPACITY,
            Topic::Visitor(_) => VISITOR_TOPIC_CAPACITY,
        }
    }
}

/// An event as committed to the `events` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Monotonic id (the table's primary key).
    pub id: i64,
    /// When it was committed (milliseconds since the epoch).
    pub at: i64,
    /// The inbox of the conversation it concerns; `None` for a team-wide event.
    pub inbox_id: Option<i64>,
    /// The visitor of that conversation.
    pub visitor_id: Option<i64>,
    /// Whether that visitor may see it.
    pub for_visitor: bool,
    /// What changed.
    pub event: Event,
}

impl StoredEvent {
    /// The topics this event is published to.
    pub fn topics(&self) -> impl Iterator<Item = Topic> + use<> {
        let visitor = self
            .visitor_id
            .filter(|_| self.for_visitor)
            .map(Topic::Visitor);
        let agents = self.inbox_id.map_or(Topic::Team, Topic::Inbox);
        std::iter::once(agents).chain(visitor)
    }
}

/// The registry of topics. Cheap to clone; all clones share the channels.
#[derive(Clone)]
pub struct Hub {
    /// Live channels by topic. A std mutex: it is held only for map operations, never across
    /// an await.
    topics: Arc<Mutex<HashMap<Topic, broadcast::Sender<Arc<StoredEvent>>>>>,
    /// Every event, for the server's own followers (the online visitors table).
    all: broadcast::Sender<Arc<StoredEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            topics: Arc::default(),
            all: broadcast::channel(TOPIC_CAPACITY).0,
        }
    }
}

impl Hub {
    /// A hub with no topics.
    pub fn new() -> Hub {
        Hub::default()
    }

    /// Starts receiving every event published from now on, whatever its topic.
    pub fn subscribe_all(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.all.subscribe()
    }

    /// Starts receiving the events of `topic` published from now on.
    pub fn subscribe(&self, topic: Topic) -> Subscription {
        let mut topics = self.lock();
        let sender = topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(topic.capacity()).0);
        Subscription {
            receiver: Some(sender.subscribe()),
            topic,
            hub: self.clone(),
        }
    }

    /// Publishes a committed event to each of its topics that has subscribers. Callers publish
    /// in commit order (the store's writer lock guarantees it), so every channel is in id order.
    pub fn publish(&self, event: Arc<StoredEvent>) {
        // An error only means nobody follows everything right now.
        let _ = self.all.send(Arc::clone(&event));
        let topics = self.lock();
        for topic in event.topics() {
            if let Some(sender) = topics.get(&topic) {
                // An error only means nobody listens right now; the last unsubscribe removes it.
                let _ = sender.send(Arc::clone(&event));
            }
        }
    }

    /// How many topics have a channel now (for tests and diagnostics).
    pub fn topic_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<Topic, broadcast::Sender<Arc<StoredEvent>>>> {
        // A poisoned map is still a consistent map: every operation on it is a single call.
        self.topics
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A live subscription to one topic; dropping it removes the topic when it was the last one.
pub struct Subscription {
    /// `Some` until drop, so the receiver can be dropped before the count is checked.
    receiver: Option<broadcast::Receiver<Arc<StoredEvent>>>,
    /// The topic, to clean up on drop.
    topic: Topic,
    /// The hub it belongs to.
    hub: Hub,
}

impl Subscription {
    /// Waits for the next event; `Err(Lagged)` when this subscriber fell behind and must replay.
    pub async fn recv(&mut self) -> Result<Arc<StoredEvent>, RecvError> {
        let Some(receiver) = self.receiver.as_mut() else {
            return Err(RecvError::Closed);
        };
        receiver.recv().await.map_err(|e| match e {
            broadcast::error::RecvError::Lagged(_) => RecvError::Lagged,
            broadcast::error::RecvError::Closed => RecvError::Closed,
        })
    }

    /// Takes an event that is already waiting, without waiting.
    pub fn try_recv(&mut self) -> Result<Option<Arc<StoredEvent>>, RecvError> {
        let Some(receiver) = self.receiver.as_mut() else {
            return Err(RecvError::Closed);
        };
        match receiver.try_recv() {
            Ok(event) => Ok(Some(event)),
            Err(broadcast::error::TryRecvError::Empty) => Ok(None),
            Err(broadcast::error::TryRecvError::Lagged(_)) => Err(RecvError::Lagged),
            Err(broadcast::error::TryRecvError::Closed) => Err(RecvError::Closed),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut topics = self.hub.lock();
        drop(self.receiver.take());
        if topics
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            topics.remove(&self.topic);
        }
    }
}

/// A value already waiting on a channel of momentary signals (typing, viewing), without
/// waiting for one. A receiver that fell behind skips what it missed: signals only matter
/// while they are fresh.
pub fn try_recv_skipping<T: Clone>(receiver: &mut broadcast::Receiver<T>) -> Option<T> {
    loop {
        match receiver.try_recv() {
            Ok(value) => return Some(value),
            Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
            Err(_) => return None,
        }
    }
}

/// Why a subscription yielded no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Events were dropped for this subscriber: replay from the table.
    Lagged,
    /// The channel is gone (only at shutdown).
    Closed,
}

/// Several subscriptions read as one stream in id order (an agent belongs to several inboxes).
pub struct Feed {
    /// One subscription per topic.
    subscriptions: Vec<Subscription>,
}

impl Feed {
    /// Subscribes to every topic given.
    pub fn new(hub: &Hub, topics: impl IntoIterator<Item = Topic>) -> Feed {
        Feed {
            subscriptions: topics.into_iter().map(|t| hub.subscribe(t)).collect(),
        }
    }

    /// Waits until at least one event is waiting, then returns every waiting event sorted by
    /// id. Because publishing happens in commit order, an event seen on one channel implies
    /// every earlier event is already in its own channel, so the batch is in global order.
    pub async fn next_batch(&mut self) -> Result<Vec<Arc<StoredEvent>>, RecvError> {
        if self.subscriptions.is_empty() {
            std::future::pending::<()>().await;
        }
        let first = {
            let waits = self
                .subscriptions
                .iter_mut()
                .map(|s| Box::pin(s.recv()))
                .collect::<Vec<_>>();
            futures::future::select_all(waits).await.0?
        };
        self.drain_into(vec![first])
    }

    /// Every event already waiting, in id order, without waiting for more (often none).
    pub fn waiting(&mut self) -> Result<Vec<Arc<StoredEvent>>, RecvError> {
        self.drain_into(Vec::new())
    }

    /// Adds every waiting event to `batch` and sorts it by id, once each.
    fn drain_into(
        &mut self,
        mut batch: Vec<Arc<StoredEvent>>,
    ) -> Result<Vec<Arc<StoredEvent>>, RecvError> {
        for subscription in &mut self.subscriptions {
            while let Some(event) = subscription.try_recv()? {
                batch.push(event);
            }
        }
        batch.sort_by_key(|event| event.id);
        batch.dedup_by_key(|event| event.id);
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, inbox_id: i64, visitor_id: i64, for_visitor: bool) -> Arc<StoredEvent> {
        Arc::new(StoredEvent {
            id,
            at: 0,
            inbox_id: Some(inbox_id),
            visitor_id: Some(visitor_id),
            for_visitor,
            event: Event::ConversationClosed { conversation_id: 1 },
        })
    }

    #[tokio::test]
    async fn topics_exist_only_while_subscribed() {
        let hub = Hub::new();
        let a = hub.subscribe(Topic::Inbox(1));
        let b = hub.subscribe(Topic::Inbox(1));
        assert_eq!(hub.topic_count(), 1);
        drop(a);
        assert_eq!(hub.topic_count(), 1);
        drop(b);
        assert_eq!(hub.topic_count(), 0);
    }

    #[tokio::test]
    async fn events_reach_inbox_and_visitor_topics() {
        let hub = Hub::new();
        let mut inbox = hub.subscribe(Topic::Inbox(1));
        let mut visitor = hub.subscribe(Topic::Visitor(7));
        let mut other = hub.subscribe(Topic::Inbox(2));
        hub.publish(event(1, 1, 7, true));
        hub.publish(event(2, 1, 7, false));
        assert_eq!(inbox.recv().await.map(|e| e.id), Ok(1));
        assert_eq!(inbox.recv().await.map(|e| e.id), Ok(2));
        assert_eq!(visitor.recv().await.map(|e| e.id), Ok(1));
        assert_eq!(visitor.try_recv().map(|e| e.map(|e| e.id)), Ok(None));
        assert_eq!(other.try_recv().map(|e| e.map(|e| e.id)), Ok(None));
    }

    #[tokio::test]
    async fn a_slow_subscriber_lags() {
        let hub = Hub::new();
        let mut slow = hub.subscribe(Topic::Inbox(1));
        for id in 0..(TOPIC_CAPACITY as i64 + 5) {
            hub.publish(event(id, 1, 7, false));
        }
        assert_eq!(slow.recv().await.map(|e| e.id), Err(RecvError::Lagged));
    }

    #[tokio::test]
    async fn a_visitor_topic_holds_few_events_and_a_slow_visitor_lags_sooner() {
        let hub = Hub::new();
        let mut visitor = hub.subscribe(Topic::Visitor(7));
        let mut inbox = hub.subscribe(Topic::Inbox(1));
        for id in 0..VISITOR_TOPIC_CAPACITY as i64 {
            hub.publish(event(id, 1, 7, true));
        }
        assert_eq!(
            visitor.recv().await.map(|e| e.id),
            Ok(0),
            "a full ring is not lag"
        );
        for id in VISITOR_TOPIC_CAPACITY as i64..VISITOR_TOPIC_CAPACITY as i64 + 2 {
            hub.publish(event(id, 1, 7, true));
        }
        assert_eq!(visitor.recv().await.map(|e| e.id), Err(RecvError::Lagged));
        assert_eq!(
            inbox.recv().await.map(|e| e.id),
            Ok(0),
            "the inbox holds more"
        );
    }

    #[tokio::test]
    async fn a_feed_merges_topics_in_id_order() {
        let hub = Hub::new();
        let mut feed = Feed::new(&hub, [Topic::Inbox(1), Topic::Inbox(2)]);
        hub.publish(event(1, 2, 7, false));
        hub.publish(event(2, 1, 8, false));
        hub.publish(event(3, 2, 7, false));
        let ids: Vec<i64> = feed
            .next_batch()
            .await
            .expect("events")
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, vec![1, 2, 3]);
    }
}
