//! The SQL of contacts and the visitors linked to them.

use super::row::RowExt;
use sqlx::any::AnyRow;

use super::{Store, StoreError, StoreResult, WriteTx, now_millis};
use crate::model::{Contact, ContactRef, LinkedVisitor, visitor_label};

const CONTACT_COLUMNS: &str =
    "SELECT id, name, email, phone, company, notes, created_at FROM contacts";

/// A contact's fields, validated by the caller (empty optional fields are `None`).
pub struct ContactFields<'a> {
    /// Name.
    pub name: &'a str,
    /// Email.
    pub email: Option<&'a str>,
    /// Phone.
    pub phone: Option<&'a str>,
    /// Company.
    pub company: Option<&'a str>,
    /// Notes.
    pub notes: &'a str,
}

impl Store {
    /// Contacts whose name, email, phone or company contains `query` (all when empty), by name.
    pub async fn contacts(&self, query: &str, limit: i64) -> StoreResult<Vec<Contact>> {
        let pattern = format!(
            "%{}%",
            query
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = sqlx::query(&format!(
            "{CONTACT_COLUMNS} WHERE name {like} $1 ESCAPE '\\' OR email {like} $1 ESCAPE '\\' \
             OR phone {like} $1 ESCAPE '\\' OR company {like} $1 ESCAPE '\\' \
             ORDER BY lower(name), id LIMIT $2",
            like = self.backend.like()
        ))
        .bind(pattern)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(contact_from_row).collect()
    }

    /// One contact.
    pub async fn contact(&self, id: i64) -> StoreResult<Option<Contact>> {
        let row = sqlx::query(&format!("{CONTACT_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(contact_from_row).transpose()
    }

    /// The contact a visitor is linked to.
    pub async fn contact_of(&self, visitor_id: i64) -> StoreResult<Option<ContactRef>> {
        let row = sqlx::query(
            "SELECT c.id, c.name FROM contacts c JOIN visitors v ON v.contact_id = c.id WHERE v.id = $1",
        )
        .bind(visitor_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ContactRef {
                id: row.col(0)?,
                name: row.col(1)?,
            })
        })
        .transpose()
    }

    /// The visitors linked to a contact in these inboxes, most recently seen first.
    pub async fn contact_visitors(
        &self,
        contact_id: i64,
        inbox_ids: &[i64],
    ) -> StoreResult<Vec<LinkedVisitor>> {
        let ids = serde_json::to_string(inbox_ids).map_err(super::decode_error)?;
        let rows = sqlx::query(&format!(
            "SELECT id, name, email, visit_count, last_seen_at FROM visitors WHERE contact_id = $1 \
             AND inbox_id IN ({ids2}) ORDER BY last_seen_at DESC, id DESC",
            ids2 = self.backend.ids(2)
        ))
        .bind(contact_id)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.col("id")?;
                let name: Option<String> = row.col("name")?;
                Ok(LinkedVisitor {
                    visitor_id: id,
                    label: visitor_label(id, name.as_deref()),
                    email: row.col("email")?,
                    visits: row.col("visit_count")?,
                    last_seen_at: row.col("last_seen_at")?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// Saves a new contact.
    pub async fn insert_contact(&mut self, fields: &ContactFields<'_>) -> StoreResult<i64> {
        let now = now_millis();
        sqlx::query_scalar(
            "INSERT INTO contacts (name, email, phone, company, notes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(fields.name)
        .bind(fields.email)
        .bind(fields.phone)
        .bind(fields.company)
        .bind(fields.notes)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Changes a contact; returns whether it exists.
    pub async fn update_contact(
        &mut self,
        id: i64,
        fields: &ContactFields<'_>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE contacts SET name = $1, email = $2, phone = $3, company = $4, notes = $5, updated_at = $6 \
             WHERE id = $7",
        )
        .bind(fields.name)
        .bind(fields.email)
        .bind(fields.phone)
        .bind(fields.company)
        .bind(fields.notes)
        .bind(now_millis())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The contact a visitor is linked to, read inside the transaction.
    pub async fn contact_id_of(&mut self, visitor_id: i64) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT contact_id FROM visitors WHERE id = $1")
            .bind(visitor_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map(Option::flatten)
            .map_err(StoreError::from)
    }

    /// The first contact with this email (case aside).
    pub async fn contact_by_email(&mut self, email: &str) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(&format!(
            "SELECT id FROM contacts WHERE {same} ORDER BY id LIMIT 1",
            same = self.backend.equals_ignoring_case("email", 1)
        ))
        .bind(email)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Links a visitor to a contact.
    pub async fn link_visitor(&mut self, visitor_id: i64, contact_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE visitors SET contact_id = $1 WHERE id = $2")
            .bind(contact_id)
            .bind(visitor_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Links every visitor not yet linked who gave this email (case aside) to a contact.
    pub async fn link_visitors_by_email(
        &mut self,
        email: &str,
        contact_id: i64,
    ) -> StoreResult<()> {
        sqlx::query(&format!(
            "UPDATE visitors SET contact_id = $1 WHERE contact_id IS NULL AND {same}",
            same = self.backend.equals_ignoring_case("email", 2)
        ))
        .bind(contact_id)
        .bind(email)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

fn contact_from_row(row: &AnyRow) -> StoreResult<Contact> {
    Ok(Contact {
        id: row.col("id")?,
        name: row.col("name")?,
        email: row.col("email")?,
        phone: row.col("phone")?,
        company: row.col("company")?,
        notes: row.col("notes")?,
        created_at: row.col("created_at")?,
    })
}
