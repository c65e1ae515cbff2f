//! The SQL of files: uploads, their attachment to messages, who may read them, and agents'
//! pictures.

use super::row::RowExt;

use super::{Store, StoreResult, WriteTx, decode_error, now_millis};
use crate::model::Attachment;

/// Who uploaded a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploader {
    /// A visitor, from the widget.
    Visitor(i64),
    /// An agent, from the workspace.
    Agent(i64),
}

impl Uploader {
    fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Uploader::Visitor(id) => (Some(id), None),
            Uploader::Agent(id) => (None, Some(id)),
        }
    }
}

/// An uploaded file to record (its bytes are already on disk).
pub struct NewFile<'a> {
    /// The inbox it was uploaded in (its policy applied).
    pub inbox_id: i64,
    /// Who uploaded it.
    pub uploader: Uploader,
    /// Its cleaned name.
    pub name: &'a str,
    /// Its type.
    pub content_type: &'a str,
    /// Its size in bytes.
    pub size: i64,
    /// Where its bytes are, under the files folder.
    pub storage_key: &'a str,
    /// The address it came from (visitors), for the per-address allowance.
    pub ip: Option<&'a str>,
}

/// Whose allowances an upload counts against.
#[derive(Debug, Clone, Copy)]
pub struct UploadOf<'a> {
    /// Who uploads.
    pub uploader: Uploader,
    /// From which address (visitors).
    pub ip: Option<&'a str>,
    /// Into which conversation (a visitor without one: `None`).
    pub conversation_id: Option<i64>,
}

/// Bytes already counted against each upload allowance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UploadUse {
    /// By this visitor since the hour began.
    pub visitor_hour: i64,
    /// From this address since the hour began.
    pub address_hour: i64,
    /// In this conversation: files sent in it and the uploader's files not sent yet.
    pub conversation: i64,
}

async fn upload_use<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    of: UploadOf<'_>,
    since: i64,
) -> StoreResult<UploadUse> {
    let (visitor_id, agent_id) = of.uploader.columns();
    let row = sqlx::query(
        "SELECT COALESCE((SELECT CAST(SUM(size) AS BIGINT) FROM files WHERE visitor_id = $1 AND created_at >= $2), 0) \
         AS visitor_hour, \
         COALESCE((SELECT CAST(SUM(size) AS BIGINT) FROM files WHERE uploader_ip = $3 AND created_at >= $2), 0) \
         AS address_hour, \
         COALESCE((SELECT CAST(SUM(f.size) AS BIGINT) FROM files f JOIN messages m ON m.id = f.message_id \
         WHERE m.conversation_id = $4), 0) + COALESCE((SELECT CAST(SUM(size) AS BIGINT) FROM files \
         WHERE message_id IS NULL AND visitor_id IS NOT DISTINCT FROM $1 AND agent_id IS NOT DISTINCT FROM $5), 0) AS conversation",
    )
    .bind(visitor_id)
    .bind(since)
    .bind(of.ip)
    .bind(of.conversation_id)
    .bind(agent_id)
    .fetch_one(executor)
    .await?;
    Ok(UploadUse {
        visitor_hour: row.col("visitor_hour")?,
        address_hour: row.col("address_hour")?,
        conversation: row.col("conversation")?,
    })
}

/// A stored file with what decides who may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// The attachment as messages show it.
    pub attachment: Attachment,
    /// The inbox it belongs to.
    pub inbox_id: i64,
    /// Who uploaded it.
    pub uploader: Uploader,
    /// The conversation of the message it was sent with (`None` until it is sent).
    pub conversation_id: Option<i64>,
    /// That conversation's visitor.
    pub conversation_visitor_id: Option<i64>,
    /// Whether it was sent with an internal note (never for the visitor).
    pub in_note: bool,
    /// Where its bytes are.
    pub storage_key: String,
}

impl Store {
    /// A file with what decides who may read it.
    pub async fn file(&self, id: i64) -> StoreResult<Option<FileRecord>> {
        let row = sqlx::query(
            "SELECT f.id, f.name, f.content_type, f.size, f.inbox_id, f.visitor_id, f.agent_id, \
             f.storage_key, m.conversation_id, c.visitor_id AS conversation_visitor_id, \
             COALESCE(m.note, FALSE) AS in_note FROM files f \
             LEFT JOIN messages m ON m.id = f.message_id \
             LEFT JOIN conversations c ON c.id = m.conversation_id WHERE f.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let visitor: Option<i64> = row.col("visitor_id")?;
        let agent: Option<i64> = row.col("agent_id")?;
        let uploader = match (visitor, agent) {
            (Some(id), _) => Uploader::Visitor(id),
            (None, Some(id)) => Uploader::Agent(id),
            (None, None) => return Err(sqlx::Error::Decode("file without uploader".into()).into()),
        };
        Ok(Some(FileRecord {
            attachment: Attachment {
                id: row.col("id")?,
                name: row.col("name")?,
                content_type: row.col("content_type")?,
                size: row.col("size")?,
            },
            inbox_id: row.col("inbox_id")?,
            uploader,
            conversation_id: row.col("conversation_id")?,
            conversation_visitor_id: row.col("conversation_visitor_id")?,
            in_note: row.col("in_note")?,
            storage_key: row.col("storage_key")?,
        }))
    }

    /// What an uploader has used of their allowances since `since` (see [`UploadUse`]).
    pub async fn upload_use(&self, of: UploadOf<'_>, since: i64) -> StoreResult<UploadUse> {
        upload_use(&self.pool, of, since).await
    }

    /// Every storage key in use (files and agents' pictures): what the sweep must not delete.
    pub async fn storage_keys(&self) -> StoreResult<std::collections::HashSet<String>> {
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT storage_key FROM files UNION ALL \
             SELECT avatar_key FROM agents WHERE avatar_key IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(keys.into_iter().collect())
    }

    /// An agent's picture: where it is and its type.
    pub async fn avatar(&self, agent_id: i64) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT avatar_key, avatar_type FROM agents WHERE id = $1 AND avatar_key IS NOT NULL",
        )
        .bind(agent_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.col("avatar_key")?, row.col("avatar_type")?)))
            .transpose()
    }
}

impl WriteTx {
    /// Records an uploaded file, not yet sent with a message.
    pub async fn insert_file(&mut self, new: NewFile<'_>) -> StoreResult<Attachment> {
        let (visitor_id, agent_id) = new.uploader.columns();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO files (inbox_id, visitor_id, agent_id, name, content_type, size, storage_key, \
             created_at, uploader_ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.inbox_id)
        .bind(visitor_id)
        .bind(agent_id)
        .bind(new.name)
        .bind(new.content_type)
        .bind(new.size)
        .bind(new.storage_key)
        .bind(now_millis())
        .bind(new.ip)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(Attachment {
            id,
            name: new.name.to_owned(),
            content_type: new.content_type.to_owned(),
            size: new.size,
        })
    }

    /// Sends files with a message: only files this uploader uploaded in this inbox and has not
    /// sent yet. Returns the ones attached, in id order (fewer than asked: some were not theirs).
    pub async fn attach_files(
        &mut self,
        message_id: i64,
        inbox_id: i64,
        uploader: Uploader,
        file_ids: &[i64],
    ) -> StoreResult<Vec<Attachment>> {
        let (visitor_id, agent_id) = uploader.columns();
        let ids = serde_json::to_string(file_ids).map_err(decode_error)?;
        let rows = sqlx::query(&format!(
            "UPDATE files SET message_id = $1 WHERE id IN ({ids2}) \
             AND message_id IS NULL AND inbox_id = $3 AND visitor_id IS NOT DISTINCT FROM $4 AND agent_id IS NOT DISTINCT FROM $5 \
             RETURNING id, name, content_type, size",
            ids2 = self.backend.ids(2)
        ))
        .bind(message_id)
        .bind(ids)
        .bind(inbox_id)
        .bind(visitor_id)
        .bind(agent_id)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut attached = rows
            .iter()
            .map(|row| {
                Ok(Attachment {
                    id: row.col("id")?,
                    name: row.col("name")?,
                    content_type: row.col("content_type")?,
                    size: row.col("size")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        attached.sort_by_key(|a| a.id);
        Ok(attached)
    }

    /// [`Store::upload_use`], inside the transaction that records the upload (so uploads
    /// sent side by side cannot each spend the same allowance).
    pub async fn upload_use(&mut self, of: UploadOf<'_>, since: i64) -> StoreResult<UploadUse> {
        upload_use(&mut *self.tx, of, since).await
    }

    /// Forgets files uploaded before `before` and never sent; returns their storage keys (to
    /// delete their bytes after commit).
    pub async fn delete_unsent_files(&mut self, before: i64) -> StoreResult<Vec<String>> {
        let keys = sqlx::query_scalar(
            "DELETE FROM files WHERE message_id IS NULL AND created_at < $1 RETURNING storage_key",
        )
        .bind(before)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(keys)
    }

    /// Sets an agent's picture; returns the previous one's key (to delete its file).
    pub async fn set_avatar(
        &mut self,
        agent_id: i64,
        key: &str,
        content_type: &str,
    ) -> StoreResult<Option<String>> {
        let previous: Option<Option<String>> =
            sqlx::query_scalar("SELECT avatar_key FROM agents WHERE id = $1")
                .bind(agent_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        sqlx::query("UPDATE agents SET avatar_key = $1, avatar_type = $2 WHERE id = $3")
            .bind(key)
            .bind(content_type)
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(previous.flatten())
    }
}
