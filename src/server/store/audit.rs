//! The audit log: who changed which account or inbox, and when.

use super::row::RowExt;

use super::{Store, StoreResult, WriteTx, now_millis};
use crate::model::{AuditDetail, AuditEntry, Me};

impl WriteTx {
    /// Records a change made by `actor` in the same transaction as the change.
    pub async fn audit(
        &mut self,
        actor: &Me,
        action: &str,
        subject: &str,
        detail: &AuditDetail,
    ) -> StoreResult<()> {
        let detail = serde_json::to_string(detail).map_err(super::decode_error)?;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, subject, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now_millis())
        .bind(actor.id)
        .bind(&actor.name)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

impl Store {
    /// The latest `limit` entries of the audit log, newest first.
    pub async fn audit_log(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor_name, action, subject, detail FROM audit_log \
             ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.col("id")?,
                    at: row.col("at")?,
                    actor: row.col("actor_name")?,
                    action: row.col("action")?,
                    subject: row.col("subject")?,
                    detail: serde_json::from_str(&row.col::<String, _>("detail")?)
                        .map_err(super::decode_error)?,
                })
            })
            .collect()
    }
}
