//! The open workspace connections, in memory: how many each agent has (an agent with none
//! starts the grace period towards offline), which conversations each has on screen, and the
//! signals colleagues exchange about them (who is viewing, who is typing). Signals are not
//! logged or replayed: they only matter while both sides are connected. In a cluster the
//! signals, who views what and ended sessions go to the other nodes through the [`Relay`],
//! and theirs come back here.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::model::AgentRef;
use crate::protocol::ServerFrame;
use crate::server::relay::{News, Relay, SessionChoice};

/// How many signals a slow agent socket may fall behind by before it skips some.
const SIGNAL_CAPACITY: usize = 256;

/// Identifies one open workspace connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(u64);

/// A frame for the agents who may see an inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSignal {
    /// The inbox of the conversation it is about.
    pub inbox_id: i64,
    /// The agent it comes from (a connection does not hear its own typing).
    pub from_agent: i64,
    /// What to send.
    pub frame: ServerFrame,
}

/// The registry. Cheap to clone; all clones share it.
#[derive(Clone)]
pub struct Connections {
    /// The registry's state; a std mutex held only for map updates, never across an await.
    inner: Arc<Mutex<Inner>>,
    /// Fan-out of signals to every agent socket, which filters by inbox.
    signals: broadcast::Sender<Arc<AgentSignal>>,
    /// News for the other nodes of a cluster.
    relay: Relay,
}

#[derive(Default)]
struct Inner {
    /// The next connection id.
    next_id: u64,
    /// Open connections per agent.
    open: HashMap<i64, usize>,
    /// Each connection: its agent and the conversations (with their inbox) it has on screen.
    viewing: HashMap<ConnectionId, (AgentRef, Vec<(i64, i64)>)>,
    /// Each connection's session and how to end it when that session (or every session of its
    /// agent) ends.
    endings: HashMap<ConnectionId, Ending>,
    /// Who views what on the other nodes of a cluster: by node, each conversation's inbox and
    /// viewers there.
    remote_viewers: HashMap<String, HashMap<i64, (i64, Vec<AgentRef>)>>,
}

/// How an open connection is ended from outside: its agent, the session it was opened with,
/// and the notice its socket waits on.
struct Ending {
    agent_id: i64,
    session: Option<String>,
    notice: Arc<EndNotice>,
}

/// Tells an agent's socket to end: their session ended (the client signs in again), or what
/// they may see changed (the client reloads its view).
#[derive(Default)]
pub struct EndNotice {
    notify: tokio::sync::Notify,
    signed_out: std::sync::atomic::AtomicBool,
}

impl EndNotice {
    /// Waits for the notice; `true` when the session ended, `false` when only the agent's
    /// view must reload.
    pub async fn ended(&self) -> bool {
        self.notify.notified().await;
        self.signed_out.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn send(&self, signed_out: bool) {
        if signed_out {
            self.signed_out
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        // A stored permit: the socket sees it even if it is not waiting right now.
        self.notify.notify_one();
    }
}

/// Which of an agent's sessions a change ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sessions<'a> {
    /// Every one.
    All,
    /// This one (signing out).
    Only(&'a str),
    /// Every one but this (a password changed on it).
    AllBut(&'a str),
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            inner: Arc::default(),
            signals: broadcast::channel(SIGNAL_CAPACITY).0,
            relay: Relay::default(),
        }
    }
}

impl Connections {
    /// Registers a new connection of `agent`; `true` when it is their only one.
    pub fn open(&self, agent: AgentRef) -> (ConnectionId, bool) {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = ConnectionId(inner.next_id);
        let count = inner.open.entry(agent.id).or_default();
        *count += 1;
        let first = *count == 1;
        inner.viewing.insert(id, (agent, Vec::new()));
        (id, first)
    }

    /// Remembers the session a connection was opened with; the notice returned fires when
    /// that session ends (sign-out) or every session of the agent does (password change,
    /// disabled account), and the socket then closes.
    pub fn ended_notice(
        &self,
        id: ConnectionId,
        agent_id: i64,
        session: Option<String>,
    ) -> Arc<EndNotice> {
        let notice = Arc::new(EndNotice::default());
        self.lock().endings.insert(
            id,
            Ending {
                agent_id,
                session,
                notice: notice.clone(),
            },
        );
        notice
    }

    /// Ends the open connections of an agent's sessions: one session (`Only`), all but one
    /// (`AllBut`, after a password change on it), or all. Returns how many were told.
    pub fn end(&self, agent_id: i64, sessions: Sessions<'_>) -> usize {
        self.relay_ending(agent_id, sessions, true);
        self.tell(agent_id, sessions, true)
    }

    /// Tells every open connection of an agent that what they may see changed (a new role or
    /// inboxes): their clients reload their view. Returns how many were told.
    pub fn rescope(&self, agent_id: i64) -> usize {
        self.relay_ending(agent_id, Sessions::All, false);
        self.tell(agent_id, Sessions::All, false)
    }

    /// The same ending for the agent's connections on the other nodes.
    fn relay_ending(&self, agent_id: i64, sessions: Sessions<'_>, signed_out: bool) {
        let sessions = match sessions {
            Sessions::All => SessionChoice::All,
            Sessions::Only(s) => SessionChoice::Only(s.to_owned()),
            Sessions::AllBut(s) => SessionChoice::AllBut(s.to_owned()),
        };
        self.relay.send(News::EndConnections {
            agent_id,
            sessions,
            signed_out,
        });
    }

    /// Ends or reloads an agent's connections on this node, as another node asked.
    pub fn end_as_asked(&self, agent_id: i64, sessions: &SessionChoice, signed_out: bool) {
        let sessions = match sessions {
            SessionChoice::All => Sessions::All,
            SessionChoice::Only(s) => Sessions::Only(s),
            SessionChoice::AllBut(s) => Sessions::AllBut(s),
        };
        self.tell(agent_id, sessions, signed_out);
    }

    fn tell(&self, agent_id: i64, sessions: Sessions<'_>, signed_out: bool) -> usize {
        let inner = self.lock();
        let mut told = 0;
        for ending in inner.endings.values() {
            let session = ending.session.as_deref();
            let chosen = match sessions {
                Sessions::All => true,
                Sessions::Only(s) => session == Some(s),
                Sessions::AllBut(s) => session != Some(s),
            };
            if ending.agent_id == agent_id && chosen {
                ending.notice.send(signed_out);
                told += 1;
            }
        }
        told
    }

    /// Forgets a connection (and what it was viewing); returns its agent's id and `true` when
    /// it was their last one.
    pub fn close(&self, id: ConnectionId) -> Option<(i64, bool)> {
        self.set_viewing(id, Vec::new());
        let mut inner = self.lock();
        inner.endings.remove(&id);
        let (agent, _) = inner.viewing.remove(&id)?;
        let last = match inner.open.get_mut(&agent.id) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            _ => {
                inner.open.remove(&agent.id);
                true
            }
        };
        Some((agent.id, last))
    }

    /// How many connections the agent has open.
    pub fn open_count(&self, agent_id: i64) -> usize {
        self.lock().open.get(&agent_id).copied().unwrap_or(0)
    }

    /// Replaces what a connection has on screen, as (conversation id, inbox id) pairs, and tells
    /// colleagues the new viewers of every conversation that gained or lost this connection.
    pub fn set_viewing(&self, id: ConnectionId, conversations: Vec<(i64, i64)>) {
        let changed: Vec<(i64, i64)> = {
            let mut inner = self.lock();
            let Some((_, current)) = inner.viewing.get_mut(&id) else {
                return;
            };
            let before = std::mem::replace(current, conversations.clone());
            before
                .iter()
                .filter(|c| !conversations.contains(c))
                .chain(conversations.iter().filter(|c| !before.contains(c)))
                .copied()
                .collect()
        };
        for (conversation_id, inbox_id) in changed {
            if self.relay.is_connected() {
                self.relay.send(News::Viewers {
                    conversation_id,
                    inbox_id,
                    agents: self.local_viewers(conversation_id),
                });
            }
            self.announce_viewers(conversation_id, inbox_id);
        }
    }

    /// Tells this node's agents who views a conversation now.
    fn announce_viewers(&self, conversation_id: i64, inbox_id: i64) {
        let agents = self.viewers(conversation_id);
        self.broadcast(AgentSignal {
            inbox_id,
            from_agent: 0,
            frame: ServerFrame::Viewers {
                conversation_id,
                agents,
            },
        });
    }

    /// The agents who have a conversation on screen, on any node, by name, each once.
    pub fn viewers(&self, conversation_id: i64) -> Vec<AgentRef> {
        let inner = self.lock();
        let remote = inner
            .remote_viewers
            .values()
            .filter_map(|conversations| conversations.get(&conversation_id))
            .flat_map(|(_, agents)| agents);
        by_name(local_viewers_in(&inner, conversation_id).chain(remote))
    }

    /// The agents who have a conversation on screen on this node, by name, each once.
    fn local_viewers(&self, conversation_id: i64) -> Vec<AgentRef> {
        by_name(local_viewers_in(&self.lock(), conversation_id))
    }

    /// Tells the other nodes every conversation on screen on this node, with its viewers
    /// (for a node that joins the cluster, or after this one was counted dead).
    pub fn relay_viewing(&self) {
        let conversations: BTreeMap<i64, i64> = self
            .lock()
            .viewing
            .values()
            .flat_map(|(_, conversations)| conversations.iter().copied())
            .collect();
        for (conversation_id, inbox_id) in conversations {
            self.relay.send(News::Viewers {
                conversation_id,
                inbox_id,
                agents: self.local_viewers(conversation_id),
            });
        }
    }

    /// The agents with a connection open on this node.
    pub fn local_agents(&self) -> Vec<i64> {
        self.lock().open.keys().copied().collect()
    }

    /// Takes who views a conversation on another node, and tells this node's agents.
    pub fn viewers_elsewhere(
        &self,
        node: &str,
        conversation_id: i64,
        inbox_id: i64,
        agents: Vec<AgentRef>,
    ) {
        {
            let mut inner = self.lock();
            let conversations = inner.remote_viewers.entry(node.to_owned()).or_default();
            if agents.is_empty() {
                conversations.remove(&conversation_id);
            } else {
                conversations.insert(conversation_id, (inbox_id, agents));
            }
        }
        self.announce_viewers(conversation_id, inbox_id);
    }

    /// Forgets what a node that stopped had on screen, and tells this node's agents.
    pub fn forget_node(&self, node: &str) {
        let gone = self.lock().remote_viewers.remove(node).unwrap_or_default();
        for (conversation_id, (inbox_id, _)) in gone {
            self.announce_viewers(conversation_id, inbox_id);
        }
    }

    /// The nodes whose viewers this node keeps.
    pub fn nodes_heard(&self) -> Vec<String> {
        self.lock().remote_viewers.keys().cloned().collect()
    }

    /// Tells colleagues that `agent` is typing in a conversation.
    pub fn typing(&self, agent: AgentRef, conversation_id: i64, inbox_id: i64) {
        self.send(AgentSignal {
            inbox_id,
            from_agent: agent.id,
            frame: ServerFrame::Typing {
                conversation_id,
                agent,
            },
        });
    }

    /// Sends a frame from the visitor's side (their typing) to the agents of an inbox.
    pub fn signal(&self, inbox_id: i64, frame: ServerFrame) {
        self.send(AgentSignal {
            inbox_id,
            from_agent: 0,
            frame,
        });
    }

    /// Starts receiving signals (every inbox: the socket filters).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<AgentSignal>> {
        self.signals.subscribe()
    }

    /// News for the other nodes of a cluster.
    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    /// Passes a signal from another node to this node's agent sockets.
    pub fn deliver(&self, signal: AgentSignal) {
        self.broadcast(signal);
    }

    /// Sends a signal to the agent sockets of every node.
    fn send(&self, signal: AgentSignal) {
        if self.relay.is_connected() {
            self.relay.send(News::AgentSignal {
                inbox_id: signal.inbox_id,
                from_agent: signal.from_agent,
                frame: signal.frame.clone(),
            });
        }
        self.broadcast(signal);
    }

    /// Sends a signal to this node's agent sockets.
    fn broadcast(&self, signal: AgentSignal) {
        // An error only means no agent socket is open.
        let _ = self.signals.send(Arc::new(signal));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every update is a few map operations; a poisoned registry is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The agents with a connection of this node that has the conversation on screen.
fn local_viewers_in(inner: &Inner, conversation_id: i64) -> impl Iterator<Item = &AgentRef> {
    inner
        .viewing
        .values()
        .filter(move |(_, conversations)| conversations.iter().any(|(c, _)| *c == conversation_id))
        .map(|(agent, _)| agent)
}

/// Agents by name, each once.
fn by_name<'a>(agents: impl Iterator<Item = &'a AgentRef>) -> Vec<AgentRef> {
    let agents: BTreeMap<(String, i64), AgentRef> = agents
        .map(|agent| ((agent.name.clone(), agent.id), agent.clone()))
        .collect();
    agents.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, name: &str) -> AgentRef {
        AgentRef {
            id,
            name: name.into(),
        }
    }

    #[tokio::test]
    async fn ending_a_session_ends_its_connections_only() {
        let connections = Connections::default();
        let (a, _) = connections.open(agent(1, "Ana"));
        let (b, _) = connections.open(agent(1, "Ana"));
        let (c, _) = connections.open(agent(2, "Ben"));
        let on_a = connections.ended_notice(a, 1, Some("s1".into()));
        let on_b = connections.ended_notice(b, 1, Some("s2".into()));
        let _on_c = connections.ended_notice(c, 2, Some("s3".into()));
        assert_eq!(connections.end(1, Sessions::Only("s1")), 1);
        // The notice is kept until the socket waits for it.
        let signed_out = tokio::time::timeout(std::time::Duration::from_secs(1), on_a.ended())
            .await
            .expect("the signed-out session's socket is told");
        assert!(signed_out);
        assert_eq!(connections.rescope(1), 2, "every connection of Ana");
        assert!(!on_b.ended().await, "a new scope is not a sign-out");
        assert_eq!(connections.end(1, Sessions::AllBut("s2")), 1);
        assert!(on_a.ended().await);
        connections.close(a);
        assert_eq!(
            connections.end(1, Sessions::All),
            1,
            "a closed connection is forgotten"
        );
        assert_eq!(connections.end(3, Sessions::All), 0);
    }

    #[test]
    fn the_last_connection_of_an_agent_is_reported() {
        let connections = Connections::default();
        let (a, first) = connections.open(agent(1, "Ana"));
        assert!(first);
        let (b, first) = connections.open(agent(1, "Ana"));
        assert!(!first);
        assert_eq!(connections.open_count(1), 2);
        assert_eq!(connections.close(a), Some((1, false)));
        assert_eq!(connections.close(b), Some((1, true)));
        assert_eq!(connections.open_count(1), 0);
        assert_eq!(connections.close(b), None);
    }

    #[test]
    fn viewers_are_announced_when_they_come_and_go() {
        let connections = Connections::default();
        let mut signals = connections.subscribe();
        let (ana, _) = connections.open(agent(1, "Ana"));
        let (ben, _) = connections.open(agent(2, "Ben"));
        connections.set_viewing(ana, vec![(10, 1)]);
        connections.set_viewing(ben, vec![(10, 1), (11, 1)]);
        assert_eq!(
            connections.viewers(10),
            vec![agent(1, "Ana"), agent(2, "Ben")]
        );
        connections.close(ben);
        assert_eq!(connections.viewers(10), vec![agent(1, "Ana")]);
        assert!(connections.viewers(11).is_empty());
        let mut last_for_10 = None;
        while let Ok(signal) = signals.try_recv() {
            if let ServerFrame::Viewers {
                conversation_id: 10,
                agents,
            } = &signal.frame
            {
                last_for_10 = Some(agents.clone());
            }
        }
        assert_eq!(last_for_10, Some(vec![agent(1, "Ana")]));
    }
}
