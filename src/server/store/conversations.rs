//! Conversations: their life (open, assigned, closed), previews and agents' read markers.

use super::row::RowExt;
use sqlx::any::AnyRow;

use crate::model::{AgentRef, ConversationStatus, ConversationSummary, Millis, visitor_label};
use crate::rules::LastWord;

use super::*;

/// The columns of a conversation summary, `SELECT … FROM conversations c …` (its labels as a
/// JSON array).
pub(super) fn conversation_columns(backend: Backend) -> String {
    format!(
        "SELECT c.id, c.inbox_id, c.visitor_id, v.name AS visitor_name, \
         v.email AS visitor_email, c.status, \
         c.assignee_id, a.name AS assignee_name, c.created_at, c.last_message_at, c.preview, \
         {labels} AS labels, \
         (SELECT r.score FROM ratings r WHERE r.conversation_id = c.id) AS rating \
         FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
         LEFT JOIN agents a ON a.id = c.assignee_id",
        labels = backend.json_array_of(
            "l.name",
            "FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id \
             WHERE cl.conversation_id = c.id"
        )
    )
}

/// The visitor's conversation that is not closed, read from the pool or in a transaction.
pub(super) async fn open_conversation<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    backend: Backend,
    visitor_id: i64,
) -> StoreResult<Option<ConversationSummary>> {
    let row = sqlx::query(&format!(
        "{conversation_columns} WHERE c.visitor_id = $1 AND c.status <> 'closed'",
        conversation_columns = conversation_columns(backend)
    ))
    .bind(visitor_id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(conversation_from_row).transpose()
}

pub(super) fn conversation_from_row(row: &AnyRow) -> StoreResult<ConversationSummary> {
    let status: String = row.col("status")?;
    let visitor_id: i64 = row.col("visitor_id")?;
    let visitor_name: Option<String> = row.col("visitor_name")?;
    let assignee_id: Option<i64> = row.col("assignee_id")?;
    let assignee_name: Option<String> = row.col("assignee_name")?;
    let labels: Option<String> = row.col("labels")?;
    let mut labels: Vec<String> = labels
        .map(|l| serde_json::from_str(&l))
        .transpose()
        .map_err(decode_error)?
        .unwrap_or_default();
    labels.sort_by_key(|l| l.to_lowercase());
    Ok(ConversationSummary {
        id: row.col("id")?,
        inbox_id: row.col("inbox_id")?,
        visitor_id,
        visitor_label: visitor_label(visitor_id, visitor_name.as_deref()),
        visitor_email: row.col("visitor_email")?,
        visitor_name,
        status: ConversationStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("status {status}").into()))?,
        assignee: assignee_id
            .zip(assignee_name)
            .map(|(id, name)| AgentRef { id, name }),
        created_at: row.col("created_at")?,
        last_message_at: row.col("last_message_at")?,
        preview: row.col("preview")?,
        rating: row.col("rating")?,
        labels,
    })
}

impl Store {
    /// One conversation.
    pub async fn conversation(&self, id: i64) -> StoreResult<Option<ConversationSummary>> {
        let row = sqlx::query(&format!(
            "{conversation_columns} WHERE c.id = $1",
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// The open conversations of these inboxes (longest-waiting first), then up to
    /// `closed_limit` most recently closed ones.
    pub async fn conversations_of_inboxes(
        &self,
        inbox_ids: &[i64],
        closed_limit: i64,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let open = sqlx::query(&format!(
            "{conversation_columns} WHERE c.inbox_id IN ({ids1}) \
             AND c.status <> 'closed' ORDER BY c.created_at, c.id",
            ids1 = self.backend.ids(1),
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        let closed = sqlx::query(&format!(
            "{conversation_columns} WHERE c.inbox_id IN ({ids1}) \
             AND c.status = 'closed' ORDER BY c.closed_at DESC, c.id DESC LIMIT $2",
            ids1 = self.backend.ids(1),
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(&ids)
        .bind(closed_limit)
        .fetch_all(&self.pool)
        .await?;
        open.iter()
            .chain(closed.iter())
            .map(conversation_from_row)
            .collect()
    }

    /// Every conversation of a visitor, oldest first.
    pub async fn conversations_of_visitor(
        &self,
        visitor_id: i64,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let rows = sqlx::query(&format!(
            "{conversation_columns} WHERE c.visitor_id = $1 ORDER BY c.id",
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(visitor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// The visitor's conversation that is not closed, if any.
    pub async fn open_conversation_of(
        &self,
        visitor_id: i64,
    ) -> StoreResult<Option<ConversationSummary>> {
        open_conversation(&self.pool, self.backend, visitor_id).await
    }

    /// The visitor messages of open conversations in these inboxes that the agent has not read,
    /// as (conversation id, message id) pairs.
    pub async fn unread_for(
        &self,
        agent_id: i64,
        inbox_ids: &[i64],
    ) -> StoreResult<Vec<(i64, i64)>> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let rows = sqlx::query(&format!(
            "SELECT m.conversation_id, m.id FROM conversations c \
             JOIN messages m ON m.conversation_id = c.id AND m.author_kind = 'visitor' \
             LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.agent_id = $1 \
             WHERE c.inbox_id IN ({ids2}) AND c.status <> 'closed' \
             AND m.id > COALESCE(r.last_read_message_id, 0) ORDER BY m.id",
            ids2 = self.backend.ids(2)
        ))
        .bind(agent_id)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.col(0)?, row.col(1)?)))
            .collect()
    }
}

impl WriteTx {
    /// One conversation, read inside the transaction.
    pub async fn conversation(&mut self, id: i64) -> StoreResult<Option<ConversationSummary>> {
        let row = sqlx::query(&format!(
            "{conversation_columns} WHERE c.id = $1",
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// The visitor's conversation that is not closed, if any, read inside the transaction.
    pub async fn open_conversation_of(
        &mut self,
        visitor_id: i64,
    ) -> StoreResult<Option<ConversationSummary>> {
        open_conversation(&mut *self.tx, self.backend, visitor_id).await
    }

    /// The open conversations of these visitors, by visitor (one statement for a batch).
    pub async fn open_conversations_of(
        &mut self,
        visitor_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, ConversationSummary>> {
        let ids = serde_json::to_string(visitor_ids).map_err(decode_error)?;
        let rows = sqlx::query(&format!(
            "{conversation_columns} WHERE c.visitor_id IN ({ids1}) \
             AND c.status <> 'closed'",
            ids1 = self.backend.ids(1),
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(ids)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| conversation_from_row(row).map(|c| (c.visitor_id, c)))
            .collect()
    }

    /// Opens an unassigned conversation for a visitor in `inbox_id` (their widget's, or the
    /// department they chose).
    pub async fn insert_conversation(
        &mut self,
        visitor: &Visitor,
        inbox_id: i64,
        at: Millis,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO conversations (inbox_id, visitor_id, status, created_at, last_message_at) \
             VALUES ($1, $2, 'unassigned', $3, $4) RETURNING id",
        )
        .bind(inbox_id)
        .bind(visitor.id)
        .bind(at)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Keeps a visitor's rating of a conversation; `false` (and nothing changes) when it was
    /// rated already.
    pub async fn insert_rating(
        &mut self,
        conversation_id: i64,
        score: i64,
        comment: &str,
        at: Millis,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO ratings (conversation_id, score, comment, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (conversation_id) DO NOTHING",
        )
        .bind(conversation_id)
        .bind(score)
        .bind(comment)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets what conversation lists show of a conversation's last message.
    pub async fn set_preview(&mut self, conversation_id: i64, preview: &str) -> StoreResult<()> {
        sqlx::query("UPDATE conversations SET preview = $1 WHERE id = $2")
            .bind(crate::model::preview_of(preview))
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// The open conversations assigned to an agent.
    pub async fn open_conversations_of_assignee(&mut self, agent_id: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM conversations WHERE assignee_id = $1 AND status = 'assigned' ORDER BY id",
        )
        .bind(agent_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Sets a conversation's assignee and status.
    pub async fn set_assignee(
        &mut self,
        conversation_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<()> {
        let status = if assignee.is_some() {
            ConversationStatus::Assigned
        } else {
            ConversationStatus::Unassigned
        };
        // Who lets it go is remembered: automatic assignment gives it to someone else.
        sqlx::query(
            "UPDATE conversations SET assignee_id = $1, status = $2, \
             released_by = CASE WHEN $1 IS NULL THEN assignee_id ELSE released_by END \
             WHERE id = $3 AND status <> 'closed'",
        )
        .bind(assignee)
        .bind(status.as_str())
        .bind(conversation_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Closes a conversation.
    pub async fn close_conversation(
        &mut self,
        conversation_id: i64,
        at: Millis,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE conversations SET status = 'closed', closed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Records that an agent has read a conversation up to a message; never moves backwards.
    /// Returns whether the marker moved.
    pub async fn mark_read(
        &mut self,
        agent_id: i64,
        conversation_id: i64,
        up_to: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO conversation_reads (agent_id, conversation_id, last_read_message_id) \
             VALUES ($1, $2, $3) ON CONFLICT (agent_id, conversation_id) DO UPDATE \
             SET last_read_message_id = excluded.last_read_message_id \
             WHERE excluded.last_read_message_id > conversation_reads.last_read_message_id",
        )
        .bind(agent_id)
        .bind(conversation_id)
        .bind(up_to)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How far an agent has read a conversation (0: not at all).
    pub async fn read_marker(&mut self, agent_id: i64, conversation_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COALESCE(MAX(last_read_message_id), 0) FROM conversation_reads \
             WHERE agent_id = $1 AND conversation_id = $2",
        )
        .bind(agent_id)
        .bind(conversation_id)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Who spoke last in a conversation, system lines aside.
    pub async fn last_word(&mut self, conversation_id: i64) -> StoreResult<LastWord> {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT author_kind FROM messages WHERE conversation_id = $1 AND author_kind <> 'system' \
             AND note = FALSE ORDER BY id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(match kind.as_deref() {
            None => LastWord::Nobody,
            Some("visitor") => LastWord::Visitor,
            Some(_) => LastWord::Team,
        })
    }
}
