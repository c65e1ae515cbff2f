//! The timers table: the engine reads what falls due; changes schedule and cancel.

use super::row::RowExt;
use sqlx::any::AnyRow;

use crate::model::Millis;
use crate::rules::TimerKind;

use super::*;

/// A scheduled timer, as the engine reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// What it does.
    pub kind: TimerKind,
    /// The conversation or agent it concerns.
    pub subject_id: i64,
    /// When it falls due (milliseconds since the epoch).
    pub due_at: Millis,
}

pub(super) fn timer_from_row(row: &AnyRow) -> StoreResult<Timer> {
    let kind: String = row.col("kind")?;
    Ok(Timer {
        kind: TimerKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("timer {kind}").into()))?,
        subject_id: row.col("subject_id")?,
        due_at: row.col("due_at")?,
    })
}

impl Store {
    /// Timers due at `now`, earliest first.
    pub async fn due_timers(&self, now: Millis, limit: i64) -> StoreResult<Vec<Timer>> {
        let rows = sqlx::query(
            "SELECT kind, subject_id, due_at FROM timers WHERE due_at <= $1 ORDER BY due_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(timer_from_row).collect()
    }

    /// When the next timer falls due, if any is scheduled.
    pub async fn next_timer_due(&self) -> StoreResult<Option<Millis>> {
        sqlx::query_scalar("SELECT MIN(due_at) FROM timers")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// Every scheduled timer (tests and diagnostics).
    pub async fn timers(&self) -> StoreResult<Vec<Timer>> {
        let rows = sqlx::query("SELECT kind, subject_id, due_at FROM timers ORDER BY due_at")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(timer_from_row).collect()
    }
}

impl WriteTx {
    /// Schedules a timer. With `replace`, an existing timer of the same kind and subject is
    /// moved to the new time; without, an existing one is kept (its wait started earlier).
    pub async fn schedule_timer(&mut self, timer: Timer, replace: bool) -> StoreResult<()> {
        let sql = if replace {
            "INSERT INTO timers (kind, subject_id, due_at) VALUES ($1, $2, $3) \
             ON CONFLICT (kind, subject_id) DO UPDATE SET due_at = excluded.due_at"
        } else {
            "INSERT INTO timers (kind, subject_id, due_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        };
        sqlx::query(sql)
            .bind(timer.kind.as_str())
            .bind(timer.subject_id)
            .bind(timer.due_at)
            .execute(&mut *self.tx)
            .await?;
        self.timers_changed = true;
        Ok(())
    }

    /// Removes a timer (no-op when none is scheduled).
    pub async fn cancel_timer(&mut self, kind: TimerKind, subject_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM timers WHERE kind = $1 AND subject_id = $2")
            .bind(kind.as_str())
            .bind(subject_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Schedules timers in the order given, each kept where one of its kind and subject is
    /// already running (the batch form of [`WriteTx::schedule_timer`] without `replace`).
    pub async fn schedule_timers(&mut self, timers: &[Timer]) -> StoreResult<()> {
        if timers.is_empty() {
            return Ok(());
        }
        let rows: Vec<(&str, i64, Millis)> = timers
            .iter()
            .map(|t| (t.kind.as_str(), t.subject_id, t.due_at))
            .collect();
        sqlx::query(&format!(
            "INSERT INTO timers (kind, subject_id, due_at) \
             SELECT j.value ->> 0, CAST(j.value ->> 1 AS BIGINT), CAST(j.value ->> 2 AS BIGINT) \
             FROM {rows1} WHERE true ORDER BY j.key ON CONFLICT DO NOTHING",
            rows1 = self.backend.json_rows(1)
        ))
        .bind(serde_json::to_string(&rows).map_err(decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        self.timers_changed = true;
        Ok(())
    }

    /// Removes the timers of one kind for these subjects (those not scheduled are skipped).
    pub async fn cancel_timers(&mut self, kind: TimerKind, subject_ids: &[i64]) -> StoreResult<()> {
        if subject_ids.is_empty() {
            return Ok(());
        }
        sqlx::query(&format!(
            "DELETE FROM timers WHERE kind = $1 AND subject_id IN ({ids2})",
            ids2 = self.backend.ids(2)
        ))
        .bind(kind.as_str())
        .bind(serde_json::to_string(subject_ids).map_err(decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The timer of this kind and subject, read inside the transaction (it may have moved
    /// since the engine listed it).
    pub async fn timer(&mut self, kind: TimerKind, subject_id: i64) -> StoreResult<Option<Timer>> {
        let row = sqlx::query(
            "SELECT kind, subject_id, due_at FROM timers WHERE kind = $1 AND subject_id = $2",
        )
        .bind(kind.as_str())
        .bind(subject_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(timer_from_row).transpose()
    }
}
