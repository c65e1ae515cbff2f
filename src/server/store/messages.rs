//! Messages: stored once per idempotency key, read receipts.

use super::row::RowExt;
use sqlx::any::AnyRow;

use crate::model::{Author, Message, Millis, SystemLine};

use super::*;

/// The columns of a message, `SELECT … FROM messages` (its files as a JSON array).
pub(super) fn message_columns(backend: Backend) -> String {
    format!(
        "SELECT id, conversation_id, author_kind, author_agent_id, author_name, body, system, \
         client_id, created_at, note, read_at, {attachments} AS attachments FROM messages",
        attachments = backend.json_array_of(
            &backend.json_object(
                "'id', f.id, 'name', f.name, 'content_type', f.content_type, 'size', f.size"
            ),
            "FROM files f WHERE f.message_id = messages.id"
        )
    )
}

/// A message to store.
pub struct NewMessage<'a> {
    /// Where it goes.
    pub conversation_id: i64,
    /// Who wrote it.
    pub author: &'a Author,
    /// The validated text.
    pub body: &'a str,
    /// What conversation lists show of it (the text, or the name of a file sent alone).
    pub preview: &'a str,
    /// An internal note (agents only).
    pub note: bool,
    /// What a system line says.
    pub system: Option<&'a SystemLine>,
    /// The sender's idempotency id.
    pub client_id: Option<&'a str>,
    /// The sender-scoped idempotency key (unique).
    pub dedup_key: Option<&'a str>,
}

/// A plain visitor message (text only) to store with others in one statement.
pub struct NewVisitorMessage<'a> {
    /// The visitor's open conversation.
    pub conversation_id: i64,
    /// The validated text.
    pub body: &'a str,
    /// The visitor's idempotency id.
    pub client_id: &'a str,
    /// The visitor-scoped idempotency key (unique).
    pub dedup_key: &'a str,
}

pub(super) fn message_from_row(row: &AnyRow) -> StoreResult<Message> {
    let kind: String = row.col("author_kind")?;
    let author = match kind.as_str() {
        "visitor" => Author::Visitor,
        "agent" => Author::Agent {
            id: row.col::<Option<i64>, _>("author_agent_id")?.unwrap_or(0),
            name: row
                .col::<Option<String>, _>("author_name")?
                .unwrap_or_default(),
        },
        _ => Author::System,
    };
    let system: Option<String> = row.col("system")?;
    let attachments: Option<String> = row.col("attachments")?;
    Ok(Message {
        id: row.col("id")?,
        conversation_id: row.col("conversation_id")?,
        author,
        body: row.col("body")?,
        system: system
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(decode_error)?,
        client_id: row.col("client_id")?,
        created_at: row.col("created_at")?,
        note: row.col("note")?,
        read_at: row.col("read_at")?,
        attachments: attachments
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(decode_error)?
            .unwrap_or_default(),
        formatted: None,
    })
}

impl Store {
    /// Every message of a conversation, oldest first.
    pub async fn messages(&self, conversation_id: i64) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(&format!(
            "{message_columns} WHERE conversation_id = $1 ORDER BY id",
            message_columns = message_columns(self.backend)
        ))
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Up to `limit` messages of a conversation after the one with id `after`, oldest first.
    pub async fn messages_after(
        &self,
        conversation_id: i64,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(&format!(
            "{message_columns} WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            message_columns = message_columns(self.backend)
        ))
        .bind(conversation_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Every message of a visitor's conversations, oldest first.
    pub async fn messages_of_visitor(&self, visitor_id: i64) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(&format!(
            "{message_columns} WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = $1) \
             AND note = FALSE ORDER BY id", message_columns = message_columns(self.backend)))
        .bind(visitor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }
}

impl WriteTx {
    /// The message a sender already stored under this dedup key, if any.
    pub async fn message_by_dedup_key(&mut self, dedup_key: &str) -> StoreResult<Option<Message>> {
        let row = sqlx::query(&format!(
            "{message_columns} WHERE dedup_key = $1",
            message_columns = message_columns(self.backend)
        ))
        .bind(dedup_key)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// Which of these dedup keys already name a stored message: the retries among a batch of
    /// sends, found with one statement.
    pub async fn stored_dedup_keys(
        &mut self,
        keys: &[&str],
    ) -> StoreResult<std::collections::HashSet<String>> {
        let keys = serde_json::to_string(keys).map_err(decode_error)?;
        let found: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT dedup_key FROM messages WHERE dedup_key IN ({keys})",
            keys = self.backend.texts(1)
        ))
        .bind(keys)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(found.into_iter().collect())
    }

    /// Stores visitors' text messages in the order given and bumps each conversation's last
    /// activity: what [`WriteTx::insert_message`] does for one, in two statements for all.
    pub async fn insert_visitor_messages(
        &mut self,
        new: &[NewVisitorMessage<'_>],
    ) -> StoreResult<Vec<Message>> {
        let at = now_millis();
        let rows: Vec<serde_json::Value> = new
            .iter()
            .map(|m| {
                serde_json::json!({
                    "c": m.conversation_id,
                    "b": m.body,
                    "i": m.client_id,
                    "k": m.dedup_key,
                })
            })
            .collect();
        let rows = serde_json::to_string(&rows).map_err(decode_error)?;
        // RETURNING lists rows in no promised order: the unique dedup key tells them apart.
        let stored: Vec<(i64, String)> = sqlx::query_as(&format!(
            "INSERT INTO messages (conversation_id, author_kind, body, client_id, dedup_key, \
             created_at, note) \
             SELECT CAST(j.value ->> 'c' AS BIGINT), 'visitor', j.value ->> 'b', j.value ->> 'i', \
             j.value ->> 'k', $1, FALSE FROM {rows2} ORDER BY j.key RETURNING id, dedup_key",
            rows2 = self.backend.json_rows(2)
        ))
        .bind(at)
        .bind(rows)
        .fetch_all(&mut *self.tx)
        .await?;
        let ids: std::collections::HashMap<String, i64> =
            stored.into_iter().map(|(id, key)| (key, id)).collect();
        // Each conversation shows its last message of the batch.
        let mut last = std::collections::BTreeMap::new();
        for m in new {
            last.insert(m.conversation_id, crate::model::preview_of(m.body));
        }
        let previews: Vec<(i64, String)> = last.into_iter().collect();
        sqlx::query(&format!(
            "UPDATE conversations SET last_message_at = $1, preview = j.value ->> 1 \
             FROM {rows2} WHERE conversations.id = CAST(j.value ->> 0 AS BIGINT)",
            rows2 = self.backend.json_rows(2)
        ))
        .bind(at)
        .bind(serde_json::to_string(&previews).map_err(decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        new.iter()
            .map(|m| {
                let id = ids.get(m.dedup_key).copied().ok_or_else(|| {
                    StoreError(sqlx::Error::Protocol(format!(
                        "message {} was not stored",
                        m.dedup_key
                    )))
                })?;
                Ok(Message {
                    id,
                    conversation_id: m.conversation_id,
                    author: Author::Visitor,
                    body: m.body.to_owned(),
                    system: None,
                    client_id: Some(m.client_id.to_owned()),
                    created_at: at,
                    note: false,
                    read_at: None,
                    attachments: Vec::new(),
                    formatted: None,
                })
            })
            .collect()
    }

    /// Stores a message and bumps its conversation's last activity.
    pub async fn insert_message(&mut self, new: NewMessage<'_>) -> StoreResult<Message> {
        let at = now_millis();
        let (kind, agent_id, agent_name) = match new.author {
            Author::Visitor => ("visitor", None, None),
            Author::Agent { id, name } => ("agent", Some(*id), Some(name.as_str())),
            Author::System => ("system", None, None),
        };
        let system = new
            .system
            .map(serde_json::to_string)
            .transpose()
            .map_err(decode_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, author_kind, author_agent_id, author_name, body, system, \
             client_id, dedup_key, created_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(new.conversation_id)
        .bind(kind)
        .bind(agent_id)
        .bind(agent_name)
        .bind(new.body)
        .bind(system)
        .bind(new.client_id)
        .bind(new.dedup_key)
        .bind(at)
        .bind(new.note)
        .fetch_one(&mut *self.tx)
        .await?;
        // Lists show the conversation's last exchange; the visitor sees it too, so never a note.
        if new.system.is_none() && !new.note {
            sqlx::query(
                "UPDATE conversations SET last_message_at = $1, preview = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(crate::model::preview_of(new.preview))
            .bind(new.conversation_id)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(Message {
            id,
            conversation_id: new.conversation_id,
            author: new.author.clone(),
            body: new.body.to_owned(),
            system: new.system.cloned(),
            client_id: new.client_id.map(str::to_owned),
            created_at: at,
            note: new.note,
            read_at: None,
            attachments: Vec::new(),
            formatted: None,
        })
    }

    /// Every message of a conversation, oldest first, read inside the transaction.
    pub async fn messages(&mut self, conversation_id: i64) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(&format!(
            "{message_columns} WHERE conversation_id = $1 ORDER BY id",
            message_columns = message_columns(self.backend)
        ))
        .bind(conversation_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// The message with this id, read inside the transaction.
    pub async fn message(&mut self, id: i64) -> StoreResult<Option<Message>> {
        let row = sqlx::query(&format!(
            "{message_columns} WHERE id = $1",
            message_columns = message_columns(self.backend)
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// The newest message id of a conversation (0 when it has none).
    pub async fn newest_message_id(&mut self, conversation_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = $1")
            .bind(conversation_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(StoreError::from)
    }

    /// Records that one side read the other side's messages of a conversation up to `up_to`
    /// (notes and system lines aside). Returns how many messages became read.
    pub async fn mark_seen(
        &mut self,
        conversation_id: i64,
        reader: crate::protocol::Reader,
        up_to: i64,
        at: Millis,
    ) -> StoreResult<u64> {
        let author_kind = match reader {
            crate::protocol::Reader::Visitor => "agent",
            crate::protocol::Reader::Team => "visitor",
        };
        let done = sqlx::query(
            "UPDATE messages SET read_at = $1 WHERE conversation_id = $2 AND author_kind = $3 \
             AND note = FALSE AND id <= $4 AND read_at IS NULL",
        )
        .bind(at)
        .bind(conversation_id)
        .bind(author_kind)
        .bind(up_to)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }
}
