//! Several Switchboard nodes on one PostgreSQL database, behind a load balancer without sticky
//! sessions. The event log is shared through the database ([`crate::server::store`] follows
//! it). What each node holds in memory is shared here:
//!
//! - **News** from the registries ([`crate::server::relay`]): typing and viewing signals,
//!   frames for a visitor's sockets, ended sessions and each node's share of the online
//!   visitors table travel as PostgreSQL notices on one channel; a node that starts (or
//!   missed notices) says hello and every node tells it its share again.
//! - **Liveness**: each node notes itself in `nodes` every [`HEARTBEAT`]; a node not seen for
//!   [`DEAD_AFTER_MS`] is dead. Its visitors leave the other nodes' tables, and what it had
//!   on screen is forgotten.
//! - **Agents' sockets**: a node notes which agents it holds a socket of, so an agent with a
//!   tab on each of two nodes is online until both close.
//! - **Chores**: one node at a time (the holder of an advisory lock on a connection of its
//!   own, released when that node dies) runs the timers, the outbox, pruning and the files
//!   sweep, and removes dead nodes.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use crate::error::AppError;
use crate::model::Millis;
use crate::rules::TimerKind;
use crate::server::connections::AgentSignal;
use crate::server::relay::News;
use crate::server::state::AppState;
use crate::server::store::{BUS_MAX_BYTES, Leadership, Timer, now_millis};

/// How often a node notes that it is alive and looks for nodes that are not.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// How long a node may go unseen before the others count it dead.
pub const DEAD_AFTER_MS: Millis = 10_000;

/// How often a node that does not run the chores tries to take them over.
const LEAD_RETRY: Duration = Duration::from_secs(2);

/// News as it travels between nodes: who sent it, and what.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The sending node.
    node: String,
    /// What it says.
    news: News,
}

/// Whether this node runs the cluster's chores now. On one node (SQLite) it always does.
#[derive(Clone)]
pub struct Chores {
    /// `true` while this node runs them.
    running: watch::Receiver<bool>,
    /// Changes it (kept by the node that elects itself).
    set: std::sync::Arc<watch::Sender<bool>>,
}

impl Chores {
    /// This node runs the chores (it is the only one).
    pub fn always() -> Chores {
        let (set, running) = watch::channel(true);
        Chores {
            running,
            set: std::sync::Arc::new(set),
        }
    }

    /// This node runs the chores once it is elected.
    pub fn elected() -> Chores {
        let (set, running) = watch::channel(false);
        Chores {
            running,
            set: std::sync::Arc::new(set),
        }
    }

    /// Whether this node runs the chores now.
    pub fn mine(&self) -> bool {
        *self.running.borrow()
    }

    /// Waits until this node runs the chores.
    pub async fn my_turn(&self) {
        let mut running = self.running.clone();
        // An error only means the sender is gone: the node is stopping.
        if running.wait_for(|mine| *mine).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Joins the cluster when the database is shared (PostgreSQL): notes this node, connects the
/// registries' relays to the other nodes, says hello, and keeps the heartbeat and the
/// election going. Returns the tasks that do it (none on SQLite).
pub async fn join(state: &AppState) -> Result<Vec<tokio::task::JoinHandle<()>>, AppError> {
    if !state.store.is_shared() {
        return Ok(Vec::new());
    }
    let node = state.node_id.clone();
    state.store.node_seen(&node).await?;
    let heard = state.store.bus_listen().await?;
    let (news, outgoing) = mpsc::unbounded_channel();
    state.connections.relay().connect(news.clone());
    state.visitor_signals.relay().connect(news.clone());
    state.online.relay().connect(news.clone());
    let tasks = vec![
        tokio::spawn(send_news(state.clone(), outgoing)),
        tokio::spawn(hear_news(state.clone(), heard, news.clone())),
        tokio::spawn(heartbeat(state.clone())),
        tokio::spawn(elect(state.clone())),
    ];
    let _ = news.send(News::Hello);
    Ok(tasks)
}

/// How many sockets an agent has open on the other live nodes (0 on one node).
pub async fn sockets_elsewhere(state: &AppState, agent_id: i64) -> Result<usize, AppError> {
    if !state.store.is_shared() {
        return Ok(0);
    }
    let count = state
        .store
        .agent_sockets_elsewhere(&state.node_id, agent_id, DEAD_AFTER_MS)
        .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// Notes for the other nodes whether this node holds a socket of the agent now. A connect
/// and a disconnect of the same agent may write at once and land in either order, so it
/// writes until the row says what the count says. A failure is only logged: the socket works
/// without it (the other nodes may then count none here, and a grace period ends sooner).
pub async fn note_agent_socket(state: &AppState, agent_id: i64) {
    if !state.store.is_shared() {
        return;
    }
    for _ in 0..3 {
        let open = state.connections.open_count(agent_id) > 0;
        if let Err(e) = state
            .store
            .set_agent_socket(&state.node_id, agent_id, open)
            .await
        {
            tracing::warn!(
                agent_id,
                "cannot note an agent's socket for the other nodes: {e}"
            );
            return;
        }
        if (state.connections.open_count(agent_id) > 0) == open {
            return;
        }
    }
}

/// Sends this node's news to the others, each notice under PostgreSQL's size limit.
async fn send_news(state: AppState, mut outgoing: mpsc::UnboundedReceiver<News>) {
    while let Some(news) = outgoing.recv().await {
        for notice in encode(&state.node_id, news) {
            if let Err(e) = state.store.bus_send(&notice).await {
                tracing::warn!("cannot tell the other nodes: {e}");
            }
        }
    }
}

/// News as notices of at most [`BUS_MAX_BYTES`]: a long list of online rows is split; a
/// single piece too long for one notice (a typing preview of a very long text) is dropped,
/// as a momentary signal may be.
fn encode(node: &str, news: News) -> Vec<String> {
    let envelope = Envelope {
        node: node.to_owned(),
        news,
    };
    let Ok(text) = serde_json::to_string(&envelope) else {
        return Vec::new();
    };
    if text.len() <= BUS_MAX_BYTES {
        return vec![text];
    }
    match envelope.news {
        // Split in two smaller parts until the notices fit (rows first, then departures); a
        // single row too long for a notice is dropped (its node sends it again when it
        // changes).
        News::Online {
            mut changed,
            mut left,
        } if changed.len() + left.len() > 1 => {
            let second = if changed.len() > 1 {
                News::Online {
                    changed: changed.split_off(changed.len() / 2),
                    left: Vec::new(),
                }
            } else if changed.is_empty() {
                News::Online {
                    changed: Vec::new(),
                    left: left.split_off(left.len() / 2),
                }
            } else {
                News::Online {
                    changed: Vec::new(),
                    left: std::mem::take(&mut left),
                }
            };
            let mut notices = encode(node, News::Online { changed, left });
            notices.extend(encode(node, second));
            notices
        }
        _ => {
            tracing::debug!("news too long for a notice ({} bytes), dropped", text.len());
            Vec::new()
        }
    }
}

/// Hands the other nodes' news to this node's registries.
async fn hear_news(
    state: AppState,
    mut heard: mpsc::UnboundedReceiver<Option<String>>,
    news: mpsc::UnboundedSender<News>,
) {
    while let Some(notice) = heard.recv().await {
        let Some(notice) = notice else {
            // Notices were missed while the connection was replaced: what the other nodes had
            // is forgotten and asked for again (their answers arrive before the table's next
            // batch goes out, so their visitors do not seem to leave).
            for node in state.online.nodes_heard() {
                state.online.forget_node(&node);
            }
            for node in state.connections.nodes_heard() {
                state.connections.forget_node(&node);
            }
            let _ = news.send(News::Hello);
            continue;
        };
        let envelope: Envelope = match serde_json::from_str(&notice) {
            Ok(envelope) => envelope,
            Err(e) => {
                tracing::warn!("news from another node that does not read: {e}");
                continue;
            }
        };
        if envelope.node == state.node_id {
            continue;
        }
        let node = envelope.node;
        match envelope.news {
            News::AgentSignal {
                inbox_id,
                from_agent,
                frame,
            } => state.connections.deliver(AgentSignal {
                inbox_id,
                from_agent,
                frame,
            }),
            News::Viewers {
                conversation_id,
                inbox_id,
                agents,
            } => state
                .connections
                .viewers_elsewhere(&node, conversation_id, inbox_id, agents),
            News::VisitorSignal { visitor_id, frame } => {
                state.visitor_signals.deliver(visitor_id, frame);
            }
            News::EndConnections {
                agent_id,
                sessions,
                signed_out,
            } => state
                .connections
                .end_as_asked(agent_id, &sessions, signed_out),
            News::Online { changed, left } => {
                state.online.changes_elsewhere(&node, changed, &left);
            }
            News::Hello => {
                let _ = news.send(News::Online {
                    changed: state.online.local_rows(),
                    left: Vec::new(),
                });
                state.connections.relay_viewing();
            }
        }
    }
}

/// Notes this node alive; forgets what nodes no longer alive had (their visitors leave the
/// table, their viewers go); and, on the node that runs the chores, removes dead nodes and
/// starts the grace period of the agents they held.
async fn heartbeat(state: AppState) {
    let started = tokio::time::Instant::now();
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pages_ended = false;
    loop {
        beat.tick().await;
        if let Err(e) = beat_once(&state).await {
            tracing::warn!("cluster heartbeat: {e}");
        }
        // Pages left open by nodes that are gone end once the nodes alive have had time to
        // say who is on the site, and a node that died before this one started counts as
        // dead.
        let heard_all = started.elapsed() >= Duration::from_millis(DEAD_AFTER_MS.unsigned_abs());
        if !pages_ended && heard_all && state.chores.mine() {
            pages_ended = true;
            if let Err(e) = crate::server::services::tracking::end_open_page_views(&state).await {
                tracing::warn!("cannot end the pages of nodes gone: {e}");
            }
        }
    }
}

async fn beat_once(state: &AppState) -> Result<(), AppError> {
    let now = now_millis();
    if state.store.node_seen(&state.node_id).await? {
        // The others counted this node dead (it was slow to say it was alive) and removed
        // its rows: they are written again, and its share of the table and its viewers sent.
        tracing::warn!(
            node = state.node_id,
            "the other nodes had counted this one dead"
        );
        for agent_id in state.connections.local_agents() {
            note_agent_socket(state, agent_id).await;
        }
        state.online.relay().send(News::Online {
            changed: state.online.local_rows(),
            left: Vec::new(),
        });
        state.connections.relay_viewing();
    }
    let live = state.store.live_nodes(DEAD_AFTER_MS).await?;
    let mut heard = state.online.nodes_heard();
    heard.extend(state.connections.nodes_heard());
    heard.sort();
    heard.dedup();
    for node in heard.iter().filter(|node| !live.contains(node)) {
        tracing::warn!(
            node,
            "a node stopped answering; its visitors leave the table"
        );
        state.connections.forget_node(node);
        let gone = state.online.forget_node(node);
        if state.chores.mine() {
            for visitor_id in gone {
                crate::server::services::tracking::record_departure(state, visitor_id, now).await?;
            }
        }
    }
    if state.chores.mine() {
        for (node, agents) in state.store.remove_dead_nodes(DEAD_AFTER_MS).await? {
            tracing::warn!(node, agents = agents.len(), "removed a dead node");
            start_grace(state, &agents, now).await?;
        }
    }
    Ok(())
}

/// The agents a dead node held sockets of start their grace period towards offline, as when
/// their last socket closes (those connected elsewhere keep their presence when it ends).
async fn start_grace(state: &AppState, agents: &[i64], now: Millis) -> Result<(), AppError> {
    if agents.is_empty() {
        return Ok(());
    }
    let mut tx = state.store.write().await?;
    for agent_id in agents {
        let secs = tx
            .offline_after(*agent_id)
            .await?
            .unwrap_or(state.settings.offline_after_secs);
        tx.schedule_timer(
            Timer {
                kind: TimerKind::AgentOffline,
                subject_id: *agent_id,
                due_at: now + secs * 1_000,
            },
            false,
        )
        .await?;
    }
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Takes the chores when no node runs them, and gives them up when the lock's connection is
/// lost.
async fn elect(state: AppState) {
    loop {
        let leadership = match state.store.try_lead().await {
            Ok(leadership) => leadership,
            Err(e) => {
                tracing::warn!("cannot take part in the election: {e}");
                None
            }
        };
        if let Some(mut leadership) = leadership {
            tracing::info!(
                node = state.node_id,
                "this node runs the timers and the outbox"
            );
            let _ = state.chores.set.send(true);
            hold(&mut leadership).await;
            let _ = state.chores.set.send(false);
            tracing::warn!(node = state.node_id, "this node no longer runs the chores");
        }
        tokio::time::sleep(LEAD_RETRY).await;
    }
}

/// Returns when the lock is no longer held.
async fn hold(leadership: &mut Leadership) {
    loop {
        tokio::time::sleep(LEAD_RETRY).await;
        if !leadership.holds().await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OnlineVisitor;

    fn row(visitor_id: i64) -> OnlineVisitor {
        OnlineVisitor {
            visitor_id,
            inbox_id: 1,
            label: format!("#{visitor_id}"),
            location: None,
            page_url: format!("https://shop.example/{}", "p".repeat(200)),
            page_title: "A page".into(),
            visits: 1,
            chats: 0,
            chatting: false,
            since: 0,
        }
    }

    #[test]
    fn news_goes_in_notices_under_the_limit_and_nothing_is_lost() {
        let rows: Vec<OnlineVisitor> = (0..500).map(row).collect();
        let left: Vec<i64> = (1_000..1_200).collect();
        let notices = encode(
            "node-a",
            News::Online {
                changed: rows.clone(),
                left: left.clone(),
            },
        );
        assert!(notices.len() > 1);
        let mut changed = Vec::new();
        let mut gone = Vec::new();
        for notice in &notices {
            assert!(notice.len() <= BUS_MAX_BYTES, "{}", notice.len());
            let envelope: Envelope = serde_json::from_str(notice).expect("reads");
            assert_eq!(envelope.node, "node-a");
            let News::Online {
                changed: c,
                left: l,
            } = envelope.news
            else {
                panic!("online news");
            };
            changed.extend(c);
            gone.extend(l);
        }
        assert_eq!(changed, rows);
        assert_eq!(gone, left);

        // One row too long for a notice, with a departure: the departure goes, the row is
        // dropped.
        let mut huge = row(1);
        huge.page_url = "😀".repeat(2_048);
        let notices = encode(
            "node-a",
            News::Online {
                changed: vec![huge],
                left: vec![2],
            },
        );
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("\"left\":[2]"));

        // A signal too long for any notice is dropped, not sent broken.
        let long = News::AgentSignal {
            inbox_id: 1,
            from_agent: 0,
            frame: crate::protocol::ServerFrame::VisitorTyping {
                conversation_id: 1,
                draft: Some("x".repeat(BUS_MAX_BYTES)),
            },
        };
        assert!(encode("node-a", long).is_empty());
    }
}
