//! The SQL of automatic assignment: the queue of an inbox, the members who could take from it,
//! and whose turn it is. Each read works on the pool (a look before writing) and inside a
//! write (where the hand-over is decided).

use sqlx::any::AnyRow;

use super::row::RowExt;
use super::{Store, StoreResult, WriteTx};
use crate::auto_assign::Candidate;

/// The oldest conversation of an inbox waiting for an agent, and who let it go last (the
/// timer took it from them, or they unassigned it): not them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// The conversation.
    pub conversation_id: i64,
    /// Its last assignee, if it had one.
    pub released_by: Option<i64>,
}

/// What the rule needs: the oldest waiting conversation, the candidates and the turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// The oldest waiting conversation, if any.
    pub waiting: Option<Waiting>,
    /// The inbox's active members shown online and not on their way offline, with their open
    /// conversations in every inbox.
    pub candidates: Vec<Candidate>,
    /// Who the inbox gave its last conversation to.
    pub last: Option<i64>,
}

async fn queue(connection: &mut sqlx::AnyConnection, inbox_id: i64) -> StoreResult<Queue> {
    let waiting = sqlx::query(
        "SELECT id, released_by FROM conversations WHERE inbox_id = $1 AND status = 'unassigned' \
         ORDER BY id LIMIT 1",
    )
    .bind(inbox_id)
    .fetch_optional(&mut *connection)
    .await?
    .map(|row: AnyRow| {
        Ok::<_, super::StoreError>(Waiting {
            conversation_id: row.col("id")?,
            released_by: row.col("released_by")?,
        })
    })
    .transpose()?;
    let rows = sqlx::query(
        "SELECT a.id, (SELECT COUNT(*) FROM conversations c \
         WHERE c.assignee_id = a.id AND c.status = 'assigned') AS open \
         FROM agents a JOIN inbox_agents m ON m.agent_id = a.id \
         WHERE m.inbox_id = $1 AND a.state = 'active' AND a.presence = 'online' \
         AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.kind = 'agent_offline' \
         AND t.subject_id = a.id)",
    )
    .bind(inbox_id)
    .fetch_all(&mut *connection)
    .await?;
    let candidates = rows
        .iter()
        .map(|row| {
            Ok(Candidate {
                agent_id: row.col("id")?,
                open: row.col("open")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let last: Option<Option<i64>> =
        sqlx::query_scalar("SELECT auto_assign_last FROM inboxes WHERE id = $1")
            .bind(inbox_id)
            .fetch_optional(&mut *connection)
            .await?;
    Ok(Queue {
        waiting,
        candidates,
        last: last.flatten(),
    })
}

impl Store {
    /// An inbox's queue as it stands (read outside the writer).
    pub async fn assignment_queue(&self, inbox_id: i64) -> StoreResult<Queue> {
        let mut connection = self.pool.acquire().await?;
        queue(&mut connection, inbox_id).await
    }

    /// The inboxes that assign automatically.
    pub async fn auto_assign_inboxes(&self) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM inboxes WHERE auto_assign IS NOT NULL ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

impl WriteTx {
    /// An inbox's queue, read inside the write that decides.
    pub async fn assignment_queue(&mut self, inbox_id: i64) -> StoreResult<Queue> {
        queue(&mut self.tx, inbox_id).await
    }

    /// Notes who the inbox gave its last conversation to (the next turn starts after them).
    pub async fn set_auto_assign_last(&mut self, inbox_id: i64, agent_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE inboxes SET auto_assign_last = $1 WHERE id = $2")
            .bind(agent_id)
            .bind(inbox_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
