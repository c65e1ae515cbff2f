//! What this node's in-memory registries tell the other nodes of a cluster: momentary signals
//! (typing, viewing), ended sessions, and the node's share of the online visitors table. The
//! registries hand their news to a [`Relay`]; on one node (SQLite) nobody listens and it costs
//! a check. [`crate::server::cluster`] sends it over the database and hands the other nodes'
//! news back to the registries.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::model::{AgentRef, OnlineVisitor};
use crate::protocol::ServerFrame;

/// News for the other nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum News {
    /// A frame for the agents who may see an inbox (an agent or a visitor typing).
    AgentSignal {
        /// The inbox of the conversation it is about.
        inbox_id: i64,
        /// The agent it comes from (0: the visitor's side).
        from_agent: i64,
        /// What to send.
        frame: ServerFrame,
    },
    /// The agents who have a conversation on screen on the sending node.
    Viewers {
        /// The conversation.
        conversation_id: i64,
        /// Its inbox.
        inbox_id: i64,
        /// Who, by name.
        agents: Vec<AgentRef>,
    },
    /// A frame for a visitor's sockets (an agent typing a reply).
    VisitorSignal {
        /// Whose.
        visitor_id: i64,
        /// What to send.
        frame: ServerFrame,
    },
    /// An agent's connections end (their session ended) or reload (what they see changed).
    EndConnections {
        /// Whose.
        agent_id: i64,
        /// Which of their sessions.
        sessions: SessionChoice,
        /// Whether the session ended (else only the view reloads).
        signed_out: bool,
    },
    /// Rows of the sending node's share of the online table that appeared or changed, and
    /// visitors who left it.
    Online {
        /// Whole rows.
        changed: Vec<OnlineVisitor>,
        /// Visitor ids.
        left: Vec<i64>,
    },
    /// A node started (or missed news): every node sends its share of the online table and
    /// who views what again.
    Hello,
}

/// Which of an agent's sessions news is about ([`crate::server::connections::Sessions`],
/// owned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "which", content = "session", rename_all = "snake_case")]
pub enum SessionChoice {
    /// Every one.
    All,
    /// This one.
    Only(String),
    /// Every one but this.
    AllBut(String),
}

/// Where a registry hands its news; nowhere until a cluster connects it. Cheap to clone.
#[derive(Clone, Default)]
pub struct Relay {
    /// Set once, when the node joins a cluster.
    to: Arc<OnceLock<mpsc::UnboundedSender<News>>>,
}

impl Relay {
    /// Sends news to the other nodes, if this node has any.
    pub fn send(&self, news: News) {
        if let Some(to) = self.to.get() {
            // An error only means the node is stopping.
            let _ = to.send(news);
        }
    }

    /// Whether news goes anywhere (so a registry can skip preparing it).
    pub fn is_connected(&self) -> bool {
        self.to.get().is_some()
    }

    /// Connects the relay; news goes to `to` from now on. A second call changes nothing.
    pub fn connect(&self, to: mpsc::UnboundedSender<News>) {
        let _ = self.to.set(to);
    }
}
