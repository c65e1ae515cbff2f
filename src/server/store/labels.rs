//! The SQL of a conversation's details: its labels and the inbox it is in.

use super::{Store, StoreError, StoreResult, WriteTx, now_millis};

impl Store {
    /// Every label name in use, by name (label pickers and filters).
    pub async fn labels(&self) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("SELECT name FROM labels ORDER BY lower(name)")
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }
}

impl WriteTx {
    /// Replaces a conversation's labels, creating the ones that do not exist yet (names are
    /// matched without regard to case; an existing label keeps its spelling).
    pub async fn set_labels(&mut self, conversation_id: i64, names: &[String]) -> StoreResult<()> {
        sqlx::query("DELETE FROM conversation_labels WHERE conversation_id = $1")
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await?;
        for name in names {
            sqlx::query(
                "INSERT INTO labels (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(name)
            .bind(now_millis())
            .execute(&mut *self.tx)
            .await?;
            sqlx::query(
                "INSERT INTO conversation_labels (conversation_id, label_id) \
                 SELECT $1, id FROM labels WHERE lower(name) = lower($2) ON CONFLICT DO NOTHING",
            )
            .bind(conversation_id)
            .bind(name)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Moves a conversation to another inbox; its assignee stays only if they belong there.
    pub async fn move_conversation(
        &mut self,
        conversation_id: i64,
        inbox_id: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE conversations SET inbox_id = $1, \
             assignee_id = CASE WHEN EXISTS (SELECT 1 FROM inbox_agents m WHERE m.inbox_id = $1 \
             AND m.agent_id = conversations.assignee_id) THEN assignee_id END, \
             status = CASE WHEN status = 'closed' THEN 'closed' \
             WHEN EXISTS (SELECT 1 FROM inbox_agents m WHERE m.inbox_id = $1 \
             AND m.agent_id = conversations.assignee_id) THEN 'assigned' ELSE 'unassigned' END \
             WHERE id = $2",
        )
        .bind(inbox_id)
        .bind(conversation_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
