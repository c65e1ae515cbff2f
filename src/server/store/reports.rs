//! The SQL of the Reports page: each event that says something to the reports
//! ([`Happening::of_event`]) leaves a small row in `report_records`, written in the event's
//! transaction and never pruned with the log; a report reads back the rows of the
//! conversations started in its period, the agents' presence, and the ratings.

use super::row::RowExt;
use sqlx::any::AnyRow;

use crate::model::{Millis, Presence};
use crate::reports::{Happening, Record};

use super::*;

/// How a happening is stored: its kind, conversation, agent and presence.
fn columns(
    happening: &Happening,
) -> (&'static str, Option<i64>, Option<i64>, Option<&'static str>) {
    match happening {
        Happening::Opened {
            conversation,
            assignee,
            ..
        } => ("opened", Some(*conversation), *assignee, None),
        Happening::VisitorWrote { conversation } => {
            ("visitor_wrote", Some(*conversation), None, None)
        }
        Happening::AgentWrote {
            conversation,
            agent,
        } => ("agent_wrote", Some(*conversation), Some(*agent), None),
        Happening::Assigned {
            conversation,
            agent,
        } => ("assigned", Some(*conversation), *agent, None),
        Happening::Closed { conversation } => ("closed", Some(*conversation), None, None),
        Happening::Rated { conversation, .. } => ("rated", Some(*conversation), None, None),
        Happening::PresenceChanged { agent, presence } => {
            ("presence", None, Some(*agent), Some(presence.as_str()))
        }
    }
}

/// A stored row as a record; `None` for a row this version does not know.
fn record_from_row(row: &AnyRow) -> StoreResult<Option<Record>> {
    let kind: String = row.col("kind")?;
    let conversation: Option<i64> = row.col("conversation_id")?;
    let inbox: Option<i64> = row.col("inbox_id")?;
    let agent: Option<i64> = row.col("agent_id")?;
    let presence: Option<String> = row.col("presence")?;
    let score: Option<i64> = row.col("score")?;
    let what = match (kind.as_str(), conversation) {
        ("opened", Some(conversation)) => inbox.map(|inbox| Happening::Opened {
            conversation,
            inbox,
            assignee: agent,
        }),
        ("visitor_wrote", Some(conversation)) => Some(Happening::VisitorWrote { conversation }),
        ("agent_wrote", Some(conversation)) => agent.map(|agent| Happening::AgentWrote {
            conversation,
            agent,
        }),
        ("assigned", Some(conversation)) => Some(Happening::Assigned {
            conversation,
            agent,
        }),
        ("closed", Some(conversation)) => Some(Happening::Closed { conversation }),
        ("rated", Some(conversation)) => score.map(|score| Happening::Rated {
            conversation,
            score,
        }),
        ("presence", None) => agent
            .zip(presence.as_deref().and_then(Presence::parse))
            .map(|(agent, presence)| Happening::PresenceChanged { agent, presence }),
        _ => None,
    };
    let at: Millis = row.col("at")?;
    Ok(what.map(|what| Record { at, what }))
}

impl Store {
    /// What a report of `[from, to)` reads, in time order: everything recorded of the
    /// conversations started then (to this day), their ratings (after what happened in the
    /// same millisecond), the agents' presence changes then, and each agent's last change
    /// before (what they showed when the period began).
    pub async fn report_records(&self, from: Millis, to: Millis) -> StoreResult<Vec<Record>> {
        let rows = sqlx::query(
            "WITH started AS (SELECT conversation_id FROM report_records \
             WHERE kind = 'opened' AND at >= $1 AND at < $2) \
             SELECT at, id, kind, conversation_id, inbox_id, agent_id, presence, \
             CAST(NULL AS BIGINT) AS score FROM report_records \
             WHERE conversation_id IN (SELECT conversation_id FROM started) \
             UNION ALL \
             SELECT at, id, kind, conversation_id, inbox_id, agent_id, presence, \
             CAST(NULL AS BIGINT) FROM report_records \
             WHERE kind = 'presence' AND at >= $1 AND at < $2 \
             UNION ALL \
             SELECT r.at, r.id, r.kind, r.conversation_id, r.inbox_id, r.agent_id, r.presence, \
             CAST(NULL AS BIGINT) FROM report_records r \
             WHERE r.id IN (SELECT MAX(p.id) FROM report_records p \
             WHERE p.kind = 'presence' AND p.at < $1 GROUP BY p.agent_id) \
             UNION ALL \
             SELECT created_at, CAST(9223372036854775807 AS BIGINT), 'rated', conversation_id, \
             CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS TEXT), score FROM ratings \
             WHERE conversation_id IN (SELECT conversation_id FROM started) \
             ORDER BY 1, 2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            records.extend(record_from_row(row)?);
        }
        Ok(records)
    }
}

impl WriteTx {
    /// Records what these events say to the reports, with the inbox of each, at `at`.
    pub(super) async fn record_for_reports(
        &mut self,
        at: Millis,
        events: &[(Option<i64>, &crate::protocol::Event)],
    ) -> StoreResult<()> {
        let rows: Vec<serde_json::Value> = events
            .iter()
            .filter_map(|(inbox, event)| {
                let happening = Happening::of_event(event)?;
                let (kind, conversation, agent, presence) = columns(&happening);
                let inbox = match happening {
                    Happening::Opened { inbox, .. } => Some(inbox),
                    _ => *inbox,
                };
                Some(serde_json::json!([
                    kind,
                    conversation,
                    inbox,
                    agent,
                    presence
                ]))
            })
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        sqlx::query(&format!(
            "INSERT INTO report_records (at, kind, conversation_id, inbox_id, agent_id, presence) \
             SELECT $1, j.value ->> 0, CAST(j.value ->> 1 AS BIGINT), CAST(j.value ->> 2 AS BIGINT), \
             CAST(j.value ->> 3 AS BIGINT), j.value ->> 4 FROM {rows2} ORDER BY j.key",
            rows2 = self.backend.json_rows(2)
        ))
        .bind(at)
        .bind(serde_json::to_string(&rows).map_err(decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
