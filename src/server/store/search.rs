//! The SQL of finding conversations: full-text search (FTS5 on SQLite, tsvector on PostgreSQL)
//! over messages and visitors, and the chat logs' filtered history.

use super::row::RowExt;

use super::{Store, StoreResult, conversation_columns, conversation_from_row, decode_error};
use crate::model::{ConversationSummary, HistoryFilter, HistoryRow, MessageHit, visitor_label};
use crate::search::{self, Piece};

/// A visitor whose name or email matched, with the matched words marked.
pub struct VisitorMatch {
    /// The visitor.
    pub visitor_id: i64,
    /// Their name and email joined, the words found marked.
    pub marked: Vec<Piece>,
}

impl Store {
    /// Messages with every one of `words` (the last as a prefix) in conversations of these
    /// inboxes (of one conversation, if given), newest first, the words marked.
    pub async fn search_messages(
        &self,
        words: &[String],
        inbox_ids: &[i64],
        conversation_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<MessageHit>> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let search = self.backend.message_text_search();
        let id = search.id;
        // Within one conversation, the index is read only over the range of its message ids
        // (a seek, not a walk through every match of the database).
        let scope = if conversation_id.is_some() {
            format!(
                "AND m.conversation_id = $3 \
                 AND {id} >= (SELECT MIN(id) FROM messages WHERE conversation_id = $3) \
                 AND {id} <= (SELECT MAX(id) FROM messages WHERE conversation_id = $3)"
            )
        } else {
            "AND $3 IS NULL".to_owned()
        };
        let rows = sqlx::query(&format!(
            "SELECT m.id, m.conversation_id, m.author_kind, m.author_name, m.created_at, m.note, \
             m.body, v.id AS visitor_id, v.name AS visitor_name \
             FROM {from} \
             JOIN conversations c ON c.id = m.conversation_id JOIN visitors v ON v.id = c.visitor_id \
             WHERE {matches} AND c.inbox_id IN ({ids2}) \
             {scope} ORDER BY {id} DESC LIMIT $4",
            from = search.from,
            matches = search.matches,
            ids2 = self.backend.ids(2),
        ))
        .bind(self.backend.text_query(words))
        .bind(ids)
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.col("author_kind")?;
                let visitor_id: i64 = row.col("visitor_id")?;
                let visitor_name: Option<String> = row.col("visitor_name")?;
                let body: String = row.col("body")?;
                Ok(MessageHit {
                    message_id: row.col("id")?,
                    conversation_id: row.col("conversation_id")?,
                    visitor_label: visitor_label(visitor_id, visitor_name.as_deref()),
                    author: (kind == "agent")
                        .then(|| row.col::<Option<String>, _>("author_name"))
                        .transpose()?
                        .flatten(),
                    created_at: row.col("created_at")?,
                    note: row.col("note")?,
                    snippet: search::snippet(&body, words, search::SNIPPET_WORDS),
                })
            })
            .collect()
    }

    /// Visitors with every one of `words` (the last as a prefix) in their name or email,
    /// most recent first, the words marked.
    pub async fn search_visitors(
        &self,
        words: &[String],
        limit: i64,
    ) -> StoreResult<Vec<VisitorMatch>> {
        let search = self.backend.visitor_text_search();
        let rows = sqlx::query(&format!(
            "SELECT v.id, v.name, v.email FROM {from} WHERE {matches} ORDER BY {id} DESC LIMIT $2",
            from = search.from,
            matches = search.matches,
            id = search.id,
        ))
        .bind(self.backend.text_query(words))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let name: Option<String> = row.col("name")?;
                let email: Option<String> = row.col("email")?;
                let mut marked = Vec::new();
                for part in [name, email].into_iter().flatten() {
                    if part.is_empty() {
                        continue;
                    }
                    if !marked.is_empty() {
                        marked.push(Piece {
                            text: " · ".to_owned(),
                            matched: false,
                        });
                    }
                    marked.extend(search::highlight(&part, words));
                }
                Ok(VisitorMatch {
                    visitor_id: row.col("id")?,
                    marked,
                })
            })
            .collect()
    }

    /// Conversations of these visitors in these inboxes, newest first.
    pub async fn conversations_of_visitors(
        &self,
        visitor_ids: &[i64],
        inbox_ids: &[i64],
        limit: i64,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let visitors = serde_json::to_string(visitor_ids).map_err(decode_error)?;
        let inboxes = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let rows = sqlx::query(&format!(
            "{conversation_columns} WHERE c.visitor_id IN ({ids1}) \
             AND c.inbox_id IN ({ids2}) ORDER BY c.id DESC LIMIT $3",
            ids1 = self.backend.ids(1),
            ids2 = self.backend.ids(2),
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(visitors)
        .bind(inboxes)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// Conversations of a contact's visitors in these inboxes, newest first.
    pub async fn conversations_of_contact(
        &self,
        contact_id: i64,
        inbox_ids: &[i64],
        limit: i64,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let inboxes = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let rows = sqlx::query(&format!(
            "{conversation_columns} WHERE v.contact_id = $1 \
             AND c.inbox_id IN ({ids2}) ORDER BY c.id DESC LIMIT $3",
            ids2 = self.backend.ids(2),
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(contact_id)
        .bind(inboxes)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// The chat logs: conversations of these inboxes matching the filter, newest first, with
    /// their length.
    pub async fn history(
        &self,
        inbox_ids: &[i64],
        filter: &HistoryFilter,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<HistoryRow>> {
        let inboxes = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let visitor = filter
            .visitor
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let pattern = visitor.map(|v| {
            format!(
                "%{}%",
                v.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let scores = filter
            .rating
            .as_deref()
            .and_then(crate::rules::rating_scores);
        let rows = sqlx::query(&format!(
            "SELECT x.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = x.id \
             AND m.author_kind <> 'system' AND m.note = FALSE) AS message_count, \
             (SELECT closed_at FROM conversations WHERE id = x.id) AS closed_at FROM ( \
             {conversation_columns} WHERE c.inbox_id IN ({ids1}) \
             AND ($2 IS NULL OR c.inbox_id = $2) \
             AND ($3 IS NULL OR c.assignee_id = $3 OR EXISTS (SELECT 1 FROM messages m \
             WHERE m.conversation_id = c.id AND m.author_agent_id = $3)) \
             AND ($4 IS NULL OR c.status = $4) \
             AND ($5 IS NULL OR c.created_at >= $5) AND ($6 IS NULL OR c.created_at < $6) \
             AND ($7 IS NULL OR EXISTS (SELECT 1 FROM conversation_labels cl \
             JOIN labels l ON l.id = cl.label_id WHERE cl.conversation_id = c.id \
             AND lower(l.name) = lower($7))) \
             AND ($8 IS NULL OR v.name {like} $8 ESCAPE '\\' OR v.email {like} $8 ESCAPE '\\' \
             OR '#' || v.id = $9) \
             AND ($12 IS NULL OR EXISTS (SELECT 1 FROM ratings r WHERE r.conversation_id = c.id \
             AND r.score BETWEEN $12 AND $13)) \
             AND ($14 IS NULL OR c.id < $14) \
             ORDER BY c.id DESC LIMIT $10 OFFSET $11) x ORDER BY x.id DESC",
            ids1 = self.backend.ids(1),
            like = self.backend.like(),
            conversation_columns = conversation_columns(self.backend)
        ))
        .bind(inboxes)
        .bind(filter.inbox_id)
        .bind(filter.agent_id)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.label.as_deref())
        .bind(pattern)
        .bind(visitor)
        .bind(limit)
        .bind(offset)
        .bind(scores.map(|(low, _)| low))
        .bind(scores.map(|(_, high)| high))
        .bind(filter.before)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HistoryRow {
                    summary: conversation_from_row(row)?,
                    messages: row.col("message_count")?,
                    closed_at: row.col("closed_at")?,
                })
            })
            .collect()
    }

    /// Fills the database with `conversations` conversations of `per_conversation` generated
    /// messages each, in one inbox (the search benchmark). Returns how many messages exist.
    #[cfg(feature = "bench")]
    pub async fn seed_search_data(
        &self,
        inbox_id: i64,
        conversations: i64,
        per_conversation: i64,
    ) -> StoreResult<i64> {
        const WORDS: &str = r#"["order","refund","delivery","parcel","invoice","password","account","login","broken","screen","price","discount","shipping","address","payment","card","late","cancel","return","warranty","size","colour","stock","email","phone","help","thanks","hello","problem","update","tracking","courier","label","receipt","subscription","plan","upgrade","error","crash","slow","missing","damaged","exchange","voucher","coupon","store","opening","hours","weekend","holiday"]"#;
        let mut tx = self.pool.begin().await?;
        let now = super::now_millis();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO visitors (inbox_id, token_hash, name, email, created_at, last_seen_at) \
             SELECT $2, 'bench-' || i || '-' || $3, 'Visitor ' || i, 'visitor' || i || '@example.com', $3, $3 FROM n",
        )
        .bind(conversations)
        .bind(inbox_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO conversations (inbox_id, visitor_id, status, created_at, last_message_at, closed_at) \
             SELECT $2, v.id, 'closed', $3, $3, $3 FROM visitors v WHERE v.token_hash LIKE 'bench-%-' || $3",
        )
        .bind(conversations)
        .bind(inbox_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1), \
             w(k, word) AS (SELECT key, value FROM json_each($2)) \
             INSERT INTO messages (conversation_id, author_kind, author_name, body, created_at) \
             SELECT c.id, CASE WHEN n.i % 2 = 0 THEN 'visitor' ELSE 'agent' END, \
             CASE WHEN n.i % 2 = 0 THEN NULL ELSE 'Agent' END, \
             (SELECT word FROM w WHERE k = (c.id * 7 + n.i * 13) % 50) || ' ' || \
             (SELECT word FROM w WHERE k = (c.id * 11 + n.i * 3) % 50) || ' my ' || \
             (SELECT word FROM w WHERE k = (c.id + n.i * 17) % 50) || ' number ' || (c.id * 31 + n.i) || \
             ' is ' || (SELECT word FROM w WHERE k = (c.id * 3 + n.i * 29) % 50) || ' please', \
             $3 FROM conversations c CROSS JOIN n WHERE c.inbox_id = $4 AND c.created_at = $3",
        )
        .bind(per_conversation)
        .bind(WORDS)
        .bind(now)
        .bind(inbox_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        sqlx::query_scalar("SELECT COUNT(*) FROM messages")
            .fetch_one(&self.pool)
            .await
            .map_err(super::StoreError::from)
    }
}
