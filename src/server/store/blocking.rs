//! The SQL of blocks (visitors and IP ranges barred from an inbox).

use super::row::RowExt;
use sqlx::any::AnyRow;

use super::{Store, StoreError, StoreResult, WriteTx};
use crate::model::{Millis, VisitorBlock, visitor_label};

const BLOCK_COLUMNS: &str = "SELECT b.id, b.inbox_id, b.visitor_id, v.name AS visitor_name, b.ip_range, \
     b.reason, a.name AS created_by, b.created_at, b.until FROM blocks b \
     LEFT JOIN visitors v ON v.id = b.visitor_id LEFT JOIN agents a ON a.id = b.created_by";

/// "In force at $1": not lifted, and forever or not over yet. Every query it is part of binds
/// the moment first.
const IN_FORCE: &str = "b.lifted_at IS NULL AND (b.until IS NULL OR b.until > $1)";

/// A block to record, validated by the caller.
pub struct NewBlock<'a> {
    /// The inbox it applies to.
    pub inbox_id: i64,
    /// The visitor, if the block names one.
    pub visitor_id: Option<i64>,
    /// The address or range, normalised.
    pub ip_range: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// Who.
    pub created_by: i64,
    /// When.
    pub at: Millis,
    /// When it ends (`None`: forever).
    pub until: Option<Millis>,
}

impl Store {
    /// The blocks of these inboxes in force at `now`, newest first.
    pub async fn blocks_in_force(
        &self,
        inbox_ids: &[i64],
        now: Millis,
    ) -> StoreResult<Vec<VisitorBlock>> {
        let ids = serde_json::to_string(inbox_ids).map_err(super::decode_error)?;
        let rows = sqlx::query(&format!(
            "{BLOCK_COLUMNS} WHERE b.inbox_id IN ({ids2}) AND {IN_FORCE} \
             ORDER BY b.id DESC",
            ids2 = self.backend.ids(2)
        ))
        .bind(now)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(block_from_row).collect()
    }

    /// The block in force on a visitor at `now` (the latest, if several), ignoring IP blocks.
    pub async fn visitor_block(
        &self,
        visitor_id: i64,
        now: Millis,
    ) -> StoreResult<Option<VisitorBlock>> {
        let row = sqlx::query(&format!(
            "{BLOCK_COLUMNS} WHERE b.visitor_id = $2 AND {IN_FORCE} ORDER BY b.id DESC LIMIT 1"
        ))
        .bind(now)
        .bind(visitor_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(block_from_row).transpose()
    }

    /// The IP blocks of an inbox in force at `now` (matched against an address by the caller).
    pub async fn ip_blocks(&self, inbox_id: i64, now: Millis) -> StoreResult<Vec<VisitorBlock>> {
        let rows = sqlx::query(&format!(
            "{BLOCK_COLUMNS} WHERE b.inbox_id = $2 AND b.ip_range IS NOT NULL AND {IN_FORCE} \
             ORDER BY b.id DESC"
        ))
        .bind(now)
        .bind(inbox_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(block_from_row).collect()
    }

    /// One block, lifted or not.
    pub async fn block(&self, id: i64) -> StoreResult<Option<VisitorBlock>> {
        let row = sqlx::query(&format!("{BLOCK_COLUMNS} WHERE b.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(block_from_row).transpose()
    }
}

impl WriteTx {
    /// The blocks in force at `now` that name one of these visitors or are IP blocks of one of
    /// these inboxes, newest first: what a batch of sends is checked against, in one statement.
    pub async fn blocks_for_senders(
        &mut self,
        visitor_ids: &[i64],
        inbox_ids: &[i64],
        now: Millis,
    ) -> StoreResult<Vec<VisitorBlock>> {
        let rows = sqlx::query(&format!(
            "{BLOCK_COLUMNS} WHERE {IN_FORCE} AND (b.visitor_id IN ({ids2}) \
             OR (b.ip_range IS NOT NULL AND b.inbox_id IN ({ids3}))) \
             ORDER BY b.id DESC",
            ids2 = self.backend.ids(2),
            ids3 = self.backend.ids(3)
        ))
        .bind(now)
        .bind(serde_json::to_string(visitor_ids).map_err(super::decode_error)?)
        .bind(serde_json::to_string(inbox_ids).map_err(super::decode_error)?)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(block_from_row).collect()
    }

    /// Records a block.
    pub async fn insert_block(&mut self, new: NewBlock<'_>) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO blocks (inbox_id, visitor_id, ip_range, reason, created_by, created_at, until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.inbox_id)
        .bind(new.visitor_id)
        .bind(new.ip_range)
        .bind(new.reason)
        .bind(new.created_by)
        .bind(new.at)
        .bind(new.until)
        .fetch_one(&mut *self.tx)
        .await.map_err(StoreError::from)
    }

    /// Lifts a block by hand; returns whether it was in force.
    pub async fn lift_block(&mut self, id: i64, by: i64, now: Millis) -> StoreResult<bool> {
        let done = sqlx::query(&format!(
            "UPDATE blocks AS b SET lifted_at = $1, lifted_by = $2 WHERE b.id = $3 AND {IN_FORCE}"
        ))
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn block_from_row(row: &AnyRow) -> StoreResult<VisitorBlock> {
    let visitor_id: Option<i64> = row.col("visitor_id")?;
    let visitor_name: Option<String> = row.col("visitor_name")?;
    Ok(VisitorBlock {
        id: row.col("id")?,
        inbox_id: row.col("inbox_id")?,
        visitor_id,
        visitor_label: visitor_id.map(|id| visitor_label(id, visitor_name.as_deref())),
        ip_range: row.col("ip_range")?,
        reason: row.col("reason")?,
        created_by: row.col("created_by")?,
        created_at: row.col("created_at")?,
        until: row.col("until")?,
    })
}
