//! The SQL of templates (canned replies).

use super::row::RowExt;
use sqlx::any::AnyRow;

use super::{Store, StoreResult, WriteTx, decode_error, now_millis};
use crate::model::{Template, TemplateScope};

const TEMPLATE_COLUMNS: &str =
    "SELECT id, title, shortcut, body, owner_id, inbox_id FROM templates";

/// A template's fields, validated by the caller.
pub struct NewTemplate<'a> {
    /// What the list shows.
    pub title: &'a str,
    /// Typed after `/`.
    pub shortcut: &'a str,
    /// The text with placeholders.
    pub body: &'a str,
    /// Personal or shared with an inbox.
    pub scope: TemplateScope,
}

impl NewTemplate<'_> {
    fn columns(&self) -> (Option<i64>, Option<i64>) {
        match self.scope {
            TemplateScope::Personal { agent_id } => (Some(agent_id), None),
            TemplateScope::Inbox { inbox_id } => (None, Some(inbox_id)),
        }
    }
}

impl Store {
    /// The templates an agent may use: their own and those shared with these inboxes, by
    /// shortcut.
    pub async fn templates_for(
        &self,
        agent_id: i64,
        inbox_ids: &[i64],
    ) -> StoreResult<Vec<Template>> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let rows = sqlx::query(&format!(
            "{TEMPLATE_COLUMNS} WHERE owner_id = $1 OR inbox_id IN ({ids2}) \
             ORDER BY shortcut, id",
            ids2 = self.backend.ids(2)
        ))
        .bind(agent_id)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(template_from_row).collect()
    }

    /// One template.
    pub async fn template(&self, id: i64) -> StoreResult<Option<Template>> {
        let row = sqlx::query(&format!("{TEMPLATE_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(template_from_row).transpose()
    }
}

impl WriteTx {
    /// Creates a template.
    pub async fn insert_template(&mut self, new: &NewTemplate<'_>) -> StoreResult<Template> {
        let (owner_id, inbox_id) = new.columns();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO templates (title, shortcut, body, owner_id, inbox_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(new.title)
        .bind(new.shortcut)
        .bind(new.body)
        .bind(owner_id)
        .bind(inbox_id)
        .bind(now_millis())
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(Template {
            id,
            title: new.title.to_owned(),
            shortcut: new.shortcut.to_owned(),
            body: new.body.to_owned(),
            scope: new.scope,
        })
    }

    /// Replaces a template's fields and scope.
    pub async fn update_template(&mut self, id: i64, new: &NewTemplate<'_>) -> StoreResult<()> {
        let (owner_id, inbox_id) = new.columns();
        sqlx::query(
            "UPDATE templates SET title = $1, shortcut = $2, body = $3, owner_id = $4, inbox_id = $5 \
             WHERE id = $6",
        )
        .bind(new.title)
        .bind(new.shortcut)
        .bind(new.body)
        .bind(owner_id)
        .bind(inbox_id)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Deletes a template.
    pub async fn delete_template(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM templates WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

fn template_from_row(row: &AnyRow) -> StoreResult<Template> {
    let owner_id: Option<i64> = row.col("owner_id")?;
    let inbox_id: Option<i64> = row.col("inbox_id")?;
    let scope = match (owner_id, inbox_id) {
        (Some(agent_id), _) => TemplateScope::Personal { agent_id },
        (None, Some(inbox_id)) => TemplateScope::Inbox { inbox_id },
        (None, None) => return Err(sqlx::Error::Decode("template without scope".into()).into()),
    };
    Ok(Template {
        id: row.col("id")?,
        title: row.col("title")?,
        shortcut: row.col("shortcut")?,
        body: row.col("body")?,
        scope,
    })
}
