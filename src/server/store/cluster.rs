//! The SQL of several nodes on one PostgreSQL database: the nodes' heartbeats, which node
//! holds which agents' sockets, the bus their momentary signals travel on (NOTIFY), and the
//! lock that makes one node at a time run the cluster's chores (timers, outbox, pruning).
//! None of it is logged as events; none of it exists on SQLite, where one node runs.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection, PgPool};

use tokio::sync::mpsc;

use super::{SessionsPool, Store, StoreError, StoreResult};
use crate::model::Millis;

/// The channel the nodes' momentary signals travel on.
const BUS_CHANNEL: &str = "switchboard_bus";

/// The advisory lock held, for as long as its connection lives, by the node that runs the
/// cluster's chores (Switchboard's own key, beside the log's).
const CHORES_LOCK: i64 = 0x5b0a_4d01;

/// The database's clock in milliseconds since the epoch: what the nodes' liveness is judged
/// by, whatever each node's own clock says.
const NOW: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

/// The most a bus message may hold: PostgreSQL refuses a notice of 8,000 bytes or more.
pub const BUS_MAX_BYTES: usize = 7_900;

impl Store {
    /// The PostgreSQL pool, when the store runs on PostgreSQL.
    fn postgres(&self) -> StoreResult<&PgPool> {
        match &self.sessions {
            SessionsPool::Postgres(pool) => Ok(pool),
            SessionsPool::Sqlite(_) => Err(StoreError(sqlx::Error::Configuration(
                "several nodes need PostgreSQL".into(),
            ))),
        }
    }

    /// Whether several nodes may share this database (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.sessions, SessionsPool::Postgres(_))
    }

    /// Notes that `node` is alive now (the database's clock: nodes' clocks may differ);
    /// `true` when its row was made afresh (the first time, or after the others counted it
    /// dead and removed it).
    pub async fn node_seen(&self, node: &str) -> StoreResult<bool> {
        sqlx::query_scalar(&format!(
            "INSERT INTO nodes (id, started_at, seen_at) VALUES ($1, {NOW}, {NOW}) \
             ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at RETURNING (xmax = 0)"
        ))
        .bind(node)
        .fetch_one(self.postgres()?)
        .await
        .map_err(StoreError::from)
    }

    /// The nodes seen within the last `age` milliseconds, this one among them if it was.
    pub async fn live_nodes(&self, age: Millis) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(&format!(
            "SELECT id FROM nodes WHERE seen_at >= {NOW} - $1 ORDER BY id"
        ))
        .bind(age)
        .fetch_all(self.postgres()?)
        .await
        .map_err(StoreError::from)
    }

    /// Removes the nodes not seen for `age` milliseconds with their rows; returns each with
    /// the agents it held sockets of.
    pub async fn remove_dead_nodes(&self, age: Millis) -> StoreResult<Vec<(String, Vec<i64>)>> {
        let mut tx = self.postgres()?.begin().await?;
        let held: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT s.node_id, s.agent_id FROM agent_sockets s JOIN nodes n ON n.id = s.node_id \
             WHERE n.seen_at < {NOW} - $1 FOR UPDATE OF n"
        ))
        .bind(age)
        .fetch_all(&mut *tx)
        .await?;
        let dead: Vec<String> = sqlx::query_scalar(&format!(
            "DELETE FROM nodes WHERE seen_at < {NOW} - $1 RETURNING id"
        ))
        .bind(age)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(dead
            .into_iter()
            .map(|node| {
                let agents = held
                    .iter()
                    .filter(|(holder, _)| *holder == node)
                    .map(|(_, agent)| *agent)
                    .collect();
                (node, agents)
            })
            .collect())
    }

    /// Records whether `node` holds at least one socket of `agent`.
    pub async fn set_agent_socket(&self, node: &str, agent_id: i64, open: bool) -> StoreResult<()> {
        let query = if open {
            "INSERT INTO agent_sockets (node_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM agent_sockets WHERE node_id = $1 AND agent_id = $2"
        };
        sqlx::query(query)
            .bind(node)
            .bind(agent_id)
            .execute(self.postgres()?)
            .await?;
        Ok(())
    }

    /// How many nodes other than `node`, seen within the last `age` milliseconds, hold a
    /// socket of the agent.
    pub async fn agent_sockets_elsewhere(
        &self,
        node: &str,
        agent_id: i64,
        age: Millis,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM agent_sockets s JOIN nodes n ON n.id = s.node_id \
             WHERE s.agent_id = $1 AND s.node_id <> $2 AND n.seen_at >= {NOW} - $3"
        ))
        .bind(agent_id)
        .bind(node)
        .bind(age)
        .fetch_one(self.postgres()?)
        .await
        .map_err(StoreError::from)
    }

    /// Sends a message to every node listening on the bus (this one too).
    pub async fn bus_send(&self, message: &str) -> StoreResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(BUS_CHANNEL)
            .bind(message)
            .execute(self.postgres()?)
            .await?;
        Ok(())
    }

    /// Listens to the bus on a connection of its own: each message as it came, `None` when the
    /// connection was lost and replaced (messages in between are missed). Ends when the store
    /// closes.
    pub async fn bus_listen(&self) -> StoreResult<mpsc::UnboundedReceiver<Option<String>>> {
        let mut listener = PgListener::connect_with(self.postgres()?).await?;
        listener.listen(BUS_CHANNEL).await?;
        let (send, receive) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let passed = match listener.try_recv().await {
                    Ok(Some(notification)) => send.send(Some(notification.payload().to_owned())),
                    Ok(None) => send.send(None),
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(e) => {
                        tracing::warn!("listening to the other nodes: {e}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        send.send(None)
                    }
                };
                if passed.is_err() {
                    return;
                }
            }
        });
        Ok(receive)
    }

    /// Tries to become the node that runs the cluster's chores: `Some` while this node holds
    /// the lock (on a connection of its own, released when that connection ends, also when
    /// the process dies), `None` when another node does.
    pub async fn try_lead(&self) -> StoreResult<Option<Leadership>> {
        let mut conn = self.postgres()?.acquire().await?.detach();
        let led: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(CHORES_LOCK)
            .fetch_one(&mut conn)
            .await?;
        Ok(led.then_some(Leadership { conn }))
    }
}

/// This node runs the cluster's chores while it holds this.
pub struct Leadership {
    /// The connection holding the lock.
    conn: PgConnection,
}

impl Leadership {
    /// Whether the lock is still held (its connection answers).
    pub async fn holds(&mut self) -> bool {
        self.conn.ping().await.is_ok()
    }
}
