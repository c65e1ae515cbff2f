//! The event log: appended in the transaction of each change, replayed to sockets that reconnect, pruned after the retention.

use super::row::RowExt;
use sqlx::any::AnyRow;

use crate::model::Millis;
use crate::protocol::Event;
use crate::server::hub::StoredEvent;

use super::*;

/// An event of one conversation, to append with others.
pub struct ConversationEvent {
    /// The conversation's inbox (whose agents receive it).
    pub inbox_id: i64,
    /// The conversation's visitor.
    pub visitor_id: i64,
    /// Whether the visitor receives it too.
    pub for_visitor: bool,
    /// What happened.
    pub event: Event,
}

pub(super) const EVENT_COLUMNS: &str =
    "SELECT id, inbox_id, visitor_id, for_visitor, payload, created_at FROM events";

pub(super) fn event_from_row(row: &AnyRow) -> StoreResult<StoredEvent> {
    let payload: String = row.col("payload")?;
    Ok(StoredEvent {
        id: row.col("id")?,
        at: row.col("created_at")?,
        inbox_id: row.col("inbox_id")?,
        visitor_id: row.col("visitor_id")?,
        for_visitor: row.col("for_visitor")?,
        event: serde_json::from_str(&payload).map_err(decode_error)?,
    })
}

impl Store {
    /// The id of the newest event (0 when there is none). Read it *before* a snapshot: replaying
    /// events after it onto the snapshot converges, because applying an event is idempotent.
    pub async fn last_event_id(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// The smallest event id still kept, `None` when the log is empty.
    pub async fn oldest_event_id(&self) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT MIN(id) FROM events")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// Up to `limit` events of these inboxes after `after`, in id order.
    pub async fn inbox_events_after(
        &self,
        inbox_ids: &[i64],
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let rows = sqlx::query(&format!(
            "{EVENT_COLUMNS} WHERE id > $1 AND (inbox_id IS NULL OR inbox_id IN ({ids2})) \
             ORDER BY id LIMIT $3",
            ids2 = self.backend.ids(2)
        ))
        .bind(after)
        .bind(ids)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Up to `limit` events a visitor may see after `after`, in id order.
    pub async fn visitor_events_after(
        &self,
        visitor_id: i64,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query(&format!(
            "{EVENT_COLUMNS} WHERE visitor_id = $1 AND for_visitor = TRUE AND id > $2 ORDER BY id LIMIT $3"
        ))
        .bind(visitor_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}

impl WriteTx {
    /// Appends an event about a conversation of `inbox_id`/`visitor_id`.
    pub async fn append_event(
        &mut self,
        inbox_id: i64,
        visitor_id: i64,
        for_visitor: bool,
        event: Event,
    ) -> StoreResult<()> {
        self.append(Some(inbox_id), Some(visitor_id), for_visitor, event)
            .await
    }

    /// Appends events of conversations in the order given, with one statement: what
    /// [`WriteTx::append_event`] does for one.
    pub async fn append_events(&mut self, events: Vec<ConversationEvent>) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let at = now_millis();
        let mut rows = Vec::with_capacity(events.len());
        for e in &events {
            rows.push(serde_json::json!({
                "i": e.inbox_id,
                "c": e.event.conversation_id(),
                "v": e.visitor_id,
                "f": e.for_visitor,
                "p": serde_json::to_string(&e.event).map_err(decode_error)?,
            }));
        }
        let rows = serde_json::to_string(&rows).map_err(decode_error)?;
        // The rows go in in the order given (ORDER BY) and ids only grow (AUTOINCREMENT), so
        // the ids, sorted, are the events' in that order; RETURNING lists them in none.
        let mut ids: Vec<i64> = sqlx::query_scalar(&format!(
            "INSERT INTO events (inbox_id, conversation_id, visitor_id, for_visitor, payload, created_at) \
             SELECT CAST(j.value ->> 'i' AS BIGINT), CAST(j.value ->> 'c' AS BIGINT), \
             CAST(j.value ->> 'v' AS BIGINT), CAST(j.value ->> 'f' AS BOOLEAN), j.value ->> 'p', $1 \
             FROM {rows2} ORDER BY j.key RETURNING id",
            rows2 = self.backend.json_rows(2)
        ))
        .bind(at)
        .bind(rows)
        .fetch_all(&mut *self.tx)
        .await?;
        if ids.len() != events.len() {
            return Err(StoreError(sqlx::Error::Protocol(format!(
                "{} of {} events were stored",
                ids.len(),
                events.len()
            ))));
        }
        let said: Vec<(Option<i64>, &Event)> = events
            .iter()
            .map(|e| (Some(e.inbox_id), &e.event))
            .collect();
        self.record_for_reports(at, &said).await?;
        self.queue_event_webhooks(at, &said).await?;
        ids.sort_unstable();
        for (id, e) in ids.into_iter().zip(events) {
            self.events.push(StoredEvent {
                id,
                at,
                inbox_id: Some(e.inbox_id),
                visitor_id: Some(e.visitor_id),
                for_visitor: e.for_visitor,
                event: e.event,
            });
        }
        Ok(())
    }

    /// Appends an event every agent receives (presence).
    pub async fn append_team_event(&mut self, event: Event) -> StoreResult<()> {
        self.append(None, None, false, event).await
    }

    /// Deletes up to `limit` of the oldest events, those before the first event written at or
    /// after `before`, always keeping the newest event (so the newest id ever written stays
    /// readable). Only a leading run of ids goes, even if the clock once stepped back: a
    /// replay never meets a hole in the middle. Both lookups walk ids from the oldest, so the
    /// work is proportional to what is pruned, not to the size of the log. Returns how many
    /// went.
    pub async fn prune_events(&mut self, before: Millis, limit: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT $1) \
             AND id < COALESCE( \
                 (SELECT id FROM events WHERE created_at >= $2 ORDER BY id LIMIT 1), \
                 (SELECT MAX(id) FROM events))",
        )
        .bind(limit)
        .bind(before)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }
}
