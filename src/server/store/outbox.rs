//! The SQL of the outbox (emails and webhook posts waiting to leave).

use super::row::RowExt;

use super::{Store, StoreError, StoreResult, WriteTx, decode_error, now_millis};
use crate::model::Millis;
use crate::server::outbox::Item;

/// An item of the outbox as the worker reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Database id (also the webhook's delivery id).
    pub id: i64,
    /// What to deliver.
    pub item: Item,
    /// Failed attempts so far.
    pub attempts: i64,
    /// When it was queued.
    pub created_at: Millis,
    /// When it was delivered, if it was.
    pub sent_at: Option<Millis>,
    /// Why the last attempt failed, if one did.
    pub last_error: Option<String>,
}

const OUTBOX_COLUMNS: &str =
    "SELECT id, payload, attempts, created_at, sent_at, last_error FROM outbox";

impl Store {
    /// Items due for an attempt at `now`, oldest first, but for receivers being sent to now
    /// (emails when `skip_mail`, and the event endpoints `skip_endpoints`).
    pub async fn due_outbox(
        &self,
        now: Millis,
        limit: i64,
        skip_mail: bool,
        skip_endpoints: &[i64],
    ) -> StoreResult<Vec<OutboxRow>> {
        let mut skip = String::new();
        if skip_mail {
            skip.push_str(" AND kind <> 'email'");
        }
        if !skip_endpoints.is_empty() {
            // Numbers only, so written into the statement.
            let ids: Vec<String> = skip_endpoints.iter().map(i64::to_string).collect();
            skip.push_str(&format!(
                " AND (endpoint_id IS NULL OR endpoint_id NOT IN ({}))",
                ids.join(", ")
            ));
        }
        let rows = sqlx::query(&format!(
            "{OUTBOX_COLUMNS} WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1\
             {skip} ORDER BY next_attempt_at, id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// When the next item falls due, if any waits.
    pub async fn next_outbox_due(&self) -> StoreResult<Option<Millis>> {
        sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    /// Every item, oldest first (tests and diagnostics).
    pub async fn outbox(&self) -> StoreResult<Vec<OutboxRow>> {
        let rows = sqlx::query(&format!("{OUTBOX_COLUMNS} ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// An inbox's webhook address and secret, if it has one.
    pub async fn webhook(&self, inbox_id: i64) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT webhook_url, webhook_secret FROM inboxes WHERE id = $1 \
             AND webhook_url IS NOT NULL AND webhook_secret IS NOT NULL",
        )
        .bind(inbox_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.col(0)?, row.col(1)?))).transpose()
    }

    /// Every inbox's webhook address and secret (the admin page).
    pub async fn webhooks(&self) -> StoreResult<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT id, webhook_url, webhook_secret FROM inboxes \
             WHERE webhook_url IS NOT NULL AND webhook_secret IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.col(0)?, row.col(1)?, row.col(2)?)))
            .collect()
    }
}

impl WriteTx {
    /// Queues an item, due now; the worker is woken after commit.
    pub async fn enqueue(&mut self, item: &Item) -> StoreResult<i64> {
        let now = now_millis();
        let (endpoint_id, topic) = marks(item);
        let id = sqlx::query_scalar(
            "INSERT INTO outbox (kind, payload, endpoint_id, topic, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(item.kind())
        .bind(serde_json::to_string(item).map_err(decode_error)?)
        .bind(endpoint_id)
        .bind(topic)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        self.outbox_changed = true;
        Ok(id)
    }

    /// Queues items, due now, with one statement (a batch of messages makes many
    /// deliveries); the worker is woken after commit.
    pub async fn enqueue_all(&mut self, items: &[Item]) -> StoreResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        let now = now_millis();
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            let (endpoint_id, topic) = marks(item);
            rows.push(serde_json::json!({
                "k": item.kind(),
                "p": serde_json::to_string(item).map_err(decode_error)?,
                "e": endpoint_id,
                "t": topic,
            }));
        }
        sqlx::query(&format!(
            "INSERT INTO outbox (kind, payload, endpoint_id, topic, next_attempt_at, created_at) \
             SELECT j.value ->> 'k', j.value ->> 'p', CAST(j.value ->> 'e' AS BIGINT), \
             j.value ->> 't', $1, $2 FROM {rows3} ORDER BY j.key",
            rows3 = self.backend.json_rows(3)
        ))
        .bind(now)
        .bind(now)
        .bind(serde_json::to_string(&rows).map_err(decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        self.outbox_changed = true;
        Ok(())
    }

    /// Records a delivery.
    pub async fn outbox_sent(&mut self, id: i64, at: Millis) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Moves an item's next attempt to `next` (its receiver failed just before), without
    /// counting an attempt.
    pub async fn outbox_postpone(&mut self, id: i64, next: Millis) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL \
             AND failed_at IS NULL AND next_attempt_at < $3",
        )
        .bind(next)
        .bind(id)
        .bind(next)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Moves the next attempt of every item of an event endpoint still due before `next` to
    /// `next` (the endpoint failed just now), without counting an attempt.
    pub async fn outbox_postpone_endpoint(
        &mut self,
        endpoint_id: i64,
        next: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE endpoint_id = $2 AND sent_at IS NULL \
             AND failed_at IS NULL AND next_attempt_at < $3",
        )
        .bind(next)
        .bind(endpoint_id)
        .bind(next)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Moves the next attempt of every email still due before `next` to `next` (the mail
    /// server failed just now), without counting an attempt.
    pub async fn outbox_postpone_mail(&mut self, next: Millis) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE kind = 'email' AND sent_at IS NULL \
             AND failed_at IS NULL AND next_attempt_at < $2",
        )
        .bind(next)
        .bind(next)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: retried at `next`, or given up (`None`).
    pub async fn outbox_failed(
        &mut self,
        id: i64,
        attempts: i64,
        next: Option<Millis>,
        error: &str,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = $1, next_attempt_at = COALESCE($2, next_attempt_at), \
             last_error = $3, failed_at = CASE WHEN $4 IS NULL THEN $5 END \
             WHERE id = $6 AND sent_at IS NULL AND failed_at IS NULL",
        )
        .bind(attempts)
        .bind(next)
        .bind(error)
        .bind(next)
        .bind(now)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Sets (or, with `None`, removes) an inbox's webhook address and secret.
    pub async fn set_webhook(
        &mut self,
        inbox_id: i64,
        hook: Option<(&str, &str)>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE inboxes SET webhook_url = $1, webhook_secret = $2 WHERE id = $3")
            .bind(hook.map(|h| h.0))
            .bind(hook.map(|h| h.1))
            .bind(inbox_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// An inbox's webhook secret, read inside the transaction (kept when the address changes).
    pub async fn webhook_secret(&mut self, inbox_id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT webhook_secret FROM inboxes WHERE id = $1")
            .bind(inbox_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map(Option::flatten)
            .map_err(StoreError::from)
    }
}

/// What marks an item's row: an event webhook's delivery its endpoint and event (the admin's
/// log).
fn marks(item: &Item) -> (Option<i64>, Option<&'static str>) {
    match item {
        Item::Event {
            endpoint_id, topic, ..
        } => (Some(*endpoint_id), Some(topic.as_str())),
        Item::Email(_) | Item::Webhook { .. } => (None, None),
    }
}

fn outbox_from_row(row: &sqlx::any::AnyRow) -> StoreResult<OutboxRow> {
    let payload: String = row.col("payload")?;
    Ok(OutboxRow {
        id: row.col("id")?,
        item: serde_json::from_str(&payload).map_err(decode_error)?,
        attempts: row.col("attempts")?,
        created_at: row.col("created_at")?,
        sent_at: row.col("sent_at")?,
        last_error: row.col("last_error")?,
    })
}
