//! Momentary frames for a visitor's open sockets (an agent typing a reply). Not logged, not
//! replayed: they only matter while the visitor is connected. One broadcast channel per
//! visitor with a socket open, created on subscribe and dropped with the last subscriber.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::protocol::ServerFrame;
use crate::server::relay::{News, Relay};

/// How many signals a visitor's socket may fall behind by before it skips some. A channel's
/// ring is allocated whole, so it holds `Arc`s (8 bytes a slot, not a 256-byte frame).
const CAPACITY: usize = 16;

/// The registry. Cheap to clone; all clones share it.
#[derive(Clone, Default)]
pub struct VisitorSignals {
    /// A channel per visitor with a socket open; a std mutex held only for map operations.
    channels: Arc<Mutex<HashMap<i64, broadcast::Sender<Arc<ServerFrame>>>>>,
    /// News for the other nodes of a cluster (where the visitor's sockets may be).
    relay: Relay,
}

/// A visitor socket's subscription; leaving unsubscribes.
pub struct Subscription {
    /// The channel's receiving end (`None` once dropped).
    receiver: Option<broadcast::Receiver<Arc<ServerFrame>>>,
    /// Whose.
    visitor_id: i64,
    /// The registry, to drop the channel with its last subscriber.
    signals: VisitorSignals,
}

impl VisitorSignals {
    /// Starts receiving the signals for a visitor.
    pub fn subscribe(&self, visitor_id: i64) -> Subscription {
        let receiver = self
            .lock()
            .entry(visitor_id)
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .subscribe();
        Subscription {
            receiver: Some(receiver),
            visitor_id,
            signals: self.clone(),
        }
    }

    /// Sends a frame to every open socket of a visitor, on any node (nothing when none is
    /// open).
    pub fn send(&self, visitor_id: i64, frame: ServerFrame) {
        if self.relay.is_connected() {
            self.relay.send(News::VisitorSignal {
                visitor_id,
                frame: frame.clone(),
            });
        }
        self.deliver(visitor_id, frame);
    }

    /// Sends a frame to the visitor's open sockets on this node.
    pub fn deliver(&self, visitor_id: i64, frame: ServerFrame) {
        if let Some(sender) = self.lock().get(&visitor_id) {
            let _ = sender.send(Arc::new(frame));
        }
    }

    /// News for the other nodes of a cluster.
    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, broadcast::Sender<Arc<ServerFrame>>>> {
        self.channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Subscription {
    /// The next signal; skips what a slow socket missed (signals are momentary). Never
    /// resolves once the registry is gone.
    pub async fn next(&mut self) -> ServerFrame {
        let Some(receiver) = self.receiver.as_mut() else {
            return std::future::pending().await;
        };
        loop {
            match receiver.recv().await {
                Ok(frame) => return Arc::unwrap_or_clone(frame),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return std::future::pending().await,
            }
        }
    }

    /// A signal already waiting, without waiting for one (skips what a slow socket missed).
    pub fn try_next(&mut self) -> Option<ServerFrame> {
        self.receiver
            .as_mut()
            .and_then(crate::server::hub::try_recv_skipping)
            .map(Arc::unwrap_or_clone)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut channels = self.signals.lock();
        if channels
            .get(&self.visitor_id)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            channels.remove(&self.visitor_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn signals_reach_the_visitor_and_channels_go_with_the_last_socket() {
        let signals = VisitorSignals::default();
        let mut first = signals.subscribe(1);
        let second = signals.subscribe(1);
        let mut other = signals.subscribe(2);
        signals.send(1, ServerFrame::Pong);
        assert_eq!(first.next().await, ServerFrame::Pong);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), other.next())
                .await
                .is_err()
        );
        drop(second);
        assert_eq!(signals.lock().len(), 2);
        drop(first);
        drop(other);
        assert!(signals.lock().is_empty());
        // Nobody listening: nothing happens.
        signals.send(1, ServerFrame::Pong);
    }
}
