//! What the page wants sent on its socket. Components push requests here (it is `Copy` and
//! `Send`, usable from any event handler); the browser-only socket pump drains it, gives each
//! new message its client id and tracks it in the store's unsent. This keeps the `!Send`
//! `WebSocket` out of component state, where server rendering would trip on it.

use leptos::prelude::*;

/// One thing to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A new message (agents name the conversation; the visitor's goes to their current one).
    Text {
        /// Target conversation.
        conversation_id: Option<i64>,
        /// What to send.
        draft: crate::live::Draft,
    },
    /// Send a failed message again, with its original client id.
    Retry {
        /// The client id of the failed send.
        client_id: String,
    },
    /// Tell the other side that the user is typing (the pump thins these out): an agent in a
    /// conversation (a note only to colleagues), or the visitor with what they typed so far.
    Typing {
        /// The conversation typed in (agents).
        conversation_id: Option<i64>,
        /// The visitor's text so far (sent only when their inbox shows previews).
        draft: Option<String>,
        /// An agent writing a note.
        note: bool,
    },
    /// Any other frame, sent as is when the socket is open (dropped otherwise).
    Frame(crate::protocol::ClientFrame),
}

/// A queue of requests with a trigger that wakes the pump.
#[derive(Clone, Copy)]
pub struct Outgoing {
    /// Requests not yet handed to the socket.
    queue: StoredValue<Vec<Request>>,
    /// Notified on every push.
    pushed: Trigger,
}

impl Outgoing {
    /// An empty queue owned by the current reactive scope.
    pub fn new() -> Outgoing {
        Outgoing {
            queue: StoredValue::new(Vec::new()),
            pushed: Trigger::new(),
        }
    }

    /// Queues a new message.
    pub fn text(&self, conversation_id: Option<i64>, draft: crate::live::Draft) {
        self.push(Request::Text {
            conversation_id,
            draft,
        });
    }

    /// Queues a retry of a failed message.
    pub fn retry(&self, client_id: String) {
        self.push(Request::Retry { client_id });
    }

    /// Queues a typing notice.
    pub fn typing(&self, conversation_id: Option<i64>, draft: Option<String>, note: bool) {
        self.push(Request::Typing {
            conversation_id,
            draft,
            note,
        });
    }

    /// Queues a frame.
    pub fn frame(&self, frame: crate::protocol::ClientFrame) {
        self.push(Request::Frame(frame));
    }

    fn push(&self, request: Request) {
        self.queue.update_value(|queue| queue.push(request));
        self.pushed.notify();
    }

    /// Takes every queued request (and subscribes the caller to future pushes).
    pub fn drain(&self) -> Vec<Request> {
        self.pushed.track();
        self.queue
            .try_update_value(std::mem::take)
            .unwrap_or_default()
    }
}

impl Default for Outgoing {
    fn default() -> Self {
        Outgoing::new()
    }
}
