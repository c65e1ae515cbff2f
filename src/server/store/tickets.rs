//! The SQL of tickets and their comments.

use super::row::RowExt;
use sqlx::any::AnyRow;

use super::{Store, StoreError, StoreResult, WriteTx, now_millis};
use crate::model::{AgentRef, Ticket, TicketComment, TicketPriority, TicketStatus};

const TICKET_COLUMNS: &str = "SELECT t.id, t.inbox_id, t.conversation_id, t.subject, t.body, \
     t.requester_email, t.status, t.assignee_id, a.name AS assignee_name, t.created_at, t.updated_at, \
     t.priority, t.kind FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id";

/// A ticket to record, validated by the caller.
pub struct NewTicket<'a> {
    /// Its inbox (the conversation's).
    pub inbox_id: i64,
    /// The conversation it comes from (none: a visitor's offline message).
    pub conversation_id: Option<i64>,
    /// Subject.
    pub subject: &'a str,
    /// The chosen messages as text.
    pub body: &'a str,
    /// Who asked.
    pub requester_email: &'a str,
    /// Who made it (and takes care of it at first; none: nobody yet).
    pub created_by: Option<i64>,
    /// How urgent it is.
    pub priority: TicketPriority,
    /// Its type (one of the inbox's).
    pub kind: Option<&'a str>,
}

impl Store {
    /// Tickets of these inboxes, optionally of one status, newest first.
    pub async fn tickets(
        &self,
        inbox_ids: &[i64],
        status: Option<TicketStatus>,
        limit: i64,
    ) -> StoreResult<Vec<Ticket>> {
        let ids = serde_json::to_string(inbox_ids).map_err(super::decode_error)?;
        let rows = sqlx::query(&format!(
            "{TICKET_COLUMNS} WHERE t.inbox_id IN ({ids1}) \
             AND ($2 IS NULL OR t.status = $3) ORDER BY t.id DESC LIMIT $4",
            ids1 = self.backend.ids(1)
        ))
        .bind(ids)
        .bind(status.map(TicketStatus::as_str))
        .bind(status.map(TicketStatus::as_str))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// One ticket.
    pub async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
        let row = sqlx::query(&format!("{TICKET_COLUMNS} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }

    /// A ticket's comments, oldest first.
    pub async fn ticket_comments(&self, ticket_id: i64) -> StoreResult<Vec<TicketComment>> {
        let rows = sqlx::query(
            "SELECT id, author_name, body, created_at, emailed FROM ticket_comments \
             WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TicketComment {
                    id: row.col("id")?,
                    author: row.col("author_name")?,
                    body: row.col("body")?,
                    created_at: row.col("created_at")?,
                    emailed: row.col("emailed")?,
                })
            })
            .collect()
    }

    /// The agents of an inbox, by name (who a ticket can be given to).
    pub async fn inbox_members(&self, inbox_id: i64) -> StoreResult<Vec<AgentRef>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name FROM agents a JOIN inbox_agents m ON m.agent_id = a.id \
             WHERE m.inbox_id = $1 AND a.state = 'active' ORDER BY lower(a.name), a.id",
        )
        .bind(inbox_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AgentRef {
                    id: row.col(0)?,
                    name: row.col(1)?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// Records a ticket, open, given to its maker.
    pub async fn insert_ticket(&mut self, new: NewTicket<'_>) -> StoreResult<i64> {
        let now = now_millis();
        sqlx::query_scalar(
            "INSERT INTO tickets (inbox_id, conversation_id, subject, body, requester_email, status, \
             assignee_id, created_by, created_at, updated_at, priority, kind) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(new.inbox_id)
        .bind(new.conversation_id)
        .bind(new.subject)
        .bind(new.body)
        .bind(new.requester_email)
        .bind(new.created_by)
        .bind(new.created_by)
        .bind(now)
        .bind(now)
        .bind(new.priority.as_str())
        .bind(new.kind)
        .fetch_one(&mut *self.tx)
        .await.map_err(StoreError::from)
    }

    /// One ticket, read inside the transaction.
    pub async fn ticket(&mut self, id: i64) -> StoreResult<Option<Ticket>> {
        let row = sqlx::query(&format!("{TICKET_COLUMNS} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(ticket_from_row).transpose()
    }

    /// Sets a ticket's status, assignee and priority.
    pub async fn update_ticket(
        &mut self,
        id: i64,
        status: TicketStatus,
        assignee_id: Option<i64>,
        priority: TicketPriority,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE tickets SET status = $1, assignee_id = $2, priority = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(assignee_id)
        .bind(priority.as_str())
        .bind(now_millis())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Adds a comment to a ticket.
    pub async fn insert_ticket_comment(
        &mut self,
        ticket_id: i64,
        author: &AgentRef,
        body: &str,
        emailed: bool,
    ) -> StoreResult<TicketComment> {
        let now = now_millis();
        let id = sqlx::query_scalar(
            "INSERT INTO ticket_comments (ticket_id, agent_id, author_name, body, created_at, \
             emailed) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(ticket_id)
        .bind(author.id)
        .bind(&author.name)
        .bind(body)
        .bind(now)
        .bind(emailed)
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(ticket_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(TicketComment {
            id,
            author: author.name.clone(),
            body: body.to_owned(),
            created_at: now,
            emailed,
        })
    }

    /// Gives a visitor the name and email of their offline message where their profile has
    /// none (what the team wrote stays).
    pub async fn fill_in_visitor(
        &mut self,
        visitor_id: i64,
        name: Option<&str>,
        email: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE visitors SET name = COALESCE(name, $1), email = COALESCE(email, $2) WHERE id = $3",
        )
        .bind(name)
        .bind(email)
        .bind(visitor_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Sets a visitor's email (a ticket's requester, filled in by the agent).
    pub async fn set_visitor_email(&mut self, visitor_id: i64, email: &str) -> StoreResult<()> {
        sqlx::query("UPDATE visitors SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(visitor_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

fn ticket_from_row(row: &AnyRow) -> StoreResult<Ticket> {
    let status: String = row.col("status")?;
    let priority: String = row.col("priority")?;
    let assignee_id: Option<i64> = row.col("assignee_id")?;
    let assignee_name: Option<String> = row.col("assignee_name")?;
    Ok(Ticket {
        id: row.col("id")?,
        inbox_id: row.col("inbox_id")?,
        conversation_id: row.col("conversation_id")?,
        subject: row.col("subject")?,
        body: row.col("body")?,
        requester_email: row.col("requester_email")?,
        status: TicketStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("ticket status {status}").into()))?,
        assignee: assignee_id
            .zip(assignee_name)
            .map(|(id, name)| AgentRef { id, name }),
        created_at: row.col("created_at")?,
        updated_at: row.col("updated_at")?,
        priority: TicketPriority::parse(&priority)
            .ok_or_else(|| sqlx::Error::Decode(format!("ticket priority {priority}").into()))?,
        kind: row.col("kind")?,
    })
}
