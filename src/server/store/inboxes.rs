//! Inboxes: their settings and their members.

use super::row::RowExt;
use sqlx::any::AnyRow;

use crate::model::{Inbox, InboxContents};

use super::*;

pub(super) const INBOX_COLUMNS: &str = "SELECT i.id, i.name, i.key, i.assignee_idle_secs, i.visitor_idle_secs, \
     i.max_file_bytes, i.allowed_file_types, i.typing_preview, i.kept_query_params, i.disabled, i.ticket_types, i.widget_settings, \
     i.auto_assign, i.agent_capacity FROM inboxes i";

pub(super) fn inbox_from_row(row: &AnyRow) -> StoreResult<Inbox> {
    Ok(Inbox {
        id: row.col("id")?,
        name: row.col("name")?,
        key: row.col("key")?,
        assignee_idle_secs: row.col("assignee_idle_secs")?,
        visitor_idle_secs: row.col("visitor_idle_secs")?,
        files: crate::files::FilePolicy {
            max_bytes: row.col("max_file_bytes")?,
            allowed_types: row.col("allowed_file_types")?,
        },
        typing_preview: row.col("typing_preview")?,
        kept_query_params: row.col("kept_query_params")?,
        disabled: row.col("disabled")?,
        ticket_types: row.col("ticket_types")?,
        // A document this version cannot read (written by a newer one) counts as defaults.
        widget: serde_json::from_str(row.col::<String, _>("widget_settings")?.as_str())
            .unwrap_or_default(),
        auto_assign: crate::auto_assign::AutoAssign {
            mode: row
                .col::<Option<String>, _>("auto_assign")?
                .as_deref()
                .and_then(crate::auto_assign::AssignMode::parse),
            capacity: row.col("agent_capacity")?,
        },
    })
}

impl Store {
    /// Every inbox, by name.
    pub async fn inboxes(&self) -> StoreResult<Vec<Inbox>> {
        let rows = sqlx::query(&format!("{INBOX_COLUMNS} ORDER BY lower(i.name), i.id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(inbox_from_row).collect()
    }

    /// The inboxes an agent belongs to, by name.
    pub async fn inboxes_of(&self, agent_id: i64) -> StoreResult<Vec<Inbox>> {
        let rows = sqlx::query(&format!(
            "{INBOX_COLUMNS} JOIN inbox_agents m ON m.inbox_id = i.id \
             WHERE m.agent_id = $1 ORDER BY lower(i.name), i.id"
        ))
        .bind(agent_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbox_from_row).collect()
    }

    /// The inbox with this widget key.
    pub async fn inbox_by_key(&self, key: &str) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!("{INBOX_COLUMNS} WHERE i.key = $1"))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// The demo inbox, if `--demo` created one.
    pub async fn demo_inbox(&self) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!(
            "{INBOX_COLUMNS} WHERE i.is_demo = TRUE ORDER BY i.id LIMIT 1"
        ))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// The inbox with this id.
    pub async fn inbox(&self, id: i64) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!("{INBOX_COLUMNS} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }
}

impl Store {
    /// How much an inbox holds.
    pub async fn inbox_contents(&self, id: i64) -> StoreResult<InboxContents> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM conversations WHERE inbox_id = $1) AS conversations, \
             (SELECT COUNT(*) FROM visitors WHERE inbox_id = $1) AS visitors, \
             (SELECT COUNT(*) FROM tickets WHERE inbox_id = $1) AS tickets",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(InboxContents {
            conversations: row.col("conversations")?,
            visitors: row.col("visitors")?,
            tickets: row.col("tickets")?,
        })
    }
}

impl WriteTx {
    /// Renames an inbox and switches it on or off.
    pub async fn update_inbox(&mut self, id: i64, name: &str, disabled: bool) -> StoreResult<()> {
        sqlx::query("UPDATE inboxes SET name = $1, disabled = $2 WHERE id = $3")
            .bind(name)
            .bind(disabled)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes an inbox with everything in it (conversations, messages, visitors, tickets,
    /// files' records: their bytes go with the next sweep), its timers and its events.
    pub async fn delete_inbox(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM timers WHERE kind IN ('assignee_idle', 'visitor_idle') \
             AND subject_id IN (SELECT id FROM conversations WHERE inbox_id = $1)",
        )
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM events WHERE inbox_id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        // The reports' rows go too: a later inbox or conversation may get the same id again
        // (SQLite reuses the largest), and must not inherit them.
        sqlx::query(
            "DELETE FROM report_records WHERE conversation_id IN \
             (SELECT id FROM conversations WHERE inbox_id = $1)",
        )
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM inboxes WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.timers_changed = true;
        Ok(())
    }

    /// Whether the agent belongs to the inbox (and may work: a disabled account does not).
    pub async fn is_member(&mut self, inbox_id: i64, agent_id: i64) -> StoreResult<bool> {
        Ok(sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM inbox_agents m JOIN agents a ON a.id = m.agent_id \
             WHERE m.inbox_id = $1 AND m.agent_id = $2 AND a.state = 'active')",
        )
        .bind(inbox_id)
        .bind(agent_id)
        .fetch_one(&mut *self.tx)
        .await?
        .col(0)?)
    }

    /// The inbox with this id, read inside the transaction.
    pub async fn inbox(&mut self, id: i64) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!("{INBOX_COLUMNS} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// These inboxes, by id (one statement for a batch).
    pub async fn inboxes_by_id(
        &mut self,
        ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, Inbox>> {
        let ids = serde_json::to_string(ids).map_err(super::decode_error)?;
        let rows = sqlx::query(&format!(
            "{INBOX_COLUMNS} WHERE i.id IN ({ids1})",
            ids1 = self.backend.ids(1)
        ))
        .bind(ids)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| inbox_from_row(row).map(|inbox| (inbox.id, inbox)))
            .collect()
    }

    /// Replaces what an inbox's widget asks and shows (checked by the caller).
    pub async fn set_widget_settings(
        &mut self,
        inbox_id: i64,
        settings: &crate::widget_settings::WidgetSettings,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(settings).map_err(super::decode_error)?;
        sqlx::query("UPDATE inboxes SET widget_settings = $1 WHERE id = $2")
            .bind(json)
            .bind(inbox_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Sets how an inbox assigns automatically.
    pub async fn set_inbox_auto_assign(
        &mut self,
        inbox_id: i64,
        auto_assign: crate::auto_assign::AutoAssign,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE inboxes SET auto_assign = $1, agent_capacity = $2 WHERE id = $3")
            .bind(auto_assign.mode.map(|m| m.as_str()))
            .bind(auto_assign.capacity)
            .bind(inbox_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Sets an inbox's timer durations (seconds, validated by the caller).
    pub async fn set_inbox_timers(
        &mut self,
        inbox_id: i64,
        assignee_idle_secs: i64,
        visitor_idle_secs: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inboxes SET assignee_idle_secs = $1, visitor_idle_secs = $2 WHERE id = $3",
        )
        .bind(assignee_idle_secs)
        .bind(visitor_idle_secs)
        .bind(inbox_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Adds an agent to an inbox (no-op when already a member).
    pub async fn add_inbox_member(&mut self, inbox_id: i64, agent_id: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO inbox_agents (inbox_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(inbox_id)
        .bind(agent_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// How many of these inbox ids exist.
    pub async fn count_inboxes(&mut self, inbox_ids: &[i64]) -> StoreResult<i64> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM inboxes WHERE id IN ({ids1})",
            ids1 = self.backend.ids(1)
        ))
        .bind(ids)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Creates an inbox.
    pub async fn insert_inbox(
        &mut self,
        name: &str,
        key: &str,
        is_demo: bool,
    ) -> StoreResult<Inbox> {
        let row = sqlx::query(
            "INSERT INTO inboxes (name, key, is_demo, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, name, key, assignee_idle_secs, visitor_idle_secs, max_file_bytes, \
             allowed_file_types, typing_preview, kept_query_params, disabled, ticket_types, widget_settings, \
             auto_assign, agent_capacity",
        )
        .bind(name)
        .bind(key)
        .bind(is_demo)
        .bind(now_millis())
        .fetch_one(&mut *self.tx)
        .await?;
        inbox_from_row(&row)
    }

    /// Sets the query parameters an inbox keeps in page addresses (checked by the caller).
    pub async fn set_inbox_kept_query_params(
        &mut self,
        inbox_id: i64,
        kept: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE inboxes SET kept_query_params = $1 WHERE id = $2")
            .bind(kept)
            .bind(inbox_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Sets the ticket types an inbox offers (cleaned by the caller).
    pub async fn set_inbox_ticket_types(&mut self, inbox_id: i64, types: &str) -> StoreResult<()> {
        sqlx::query("UPDATE inboxes SET ticket_types = $1 WHERE id = $2")
            .bind(types)
            .bind(inbox_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Sets an inbox's file policy and typing preview (validated by the caller).
    pub async fn set_inbox_chat_settings(
        &mut self,
        inbox_id: i64,
        files: &crate::files::FilePolicy,
        typing_preview: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inboxes SET max_file_bytes = $1, allowed_file_types = $2, typing_preview = $3 \
             WHERE id = $4",
        )
        .bind(files.max_bytes)
        .bind(&files.allowed_types)
        .bind(typing_preview)
        .bind(inbox_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
