//! All SQL lives here. Reads go through [`Store`]; every change goes through a [`WriteTx`],
//! which writes the domain rows and their `events` rows in one transaction and, after commit,
//! publishes the events in commit order.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::model::{
    AgentAccount, AgentRef, Author, ConversationStatus, ConversationSummary, Inbox, Me, Message,
    Millis, Role, SystemLine, visitor_label,
};
use crate::protocol::Event;
use crate::server::hub::{Hub, StoredEvent};

/// The store's error: a database failure (mapped to `AppError::Internal` at the service edge).
pub type StoreResult<T> = Result<T, sqlx::Error>;

/// Handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// The connection pool.
    pool: SqlitePool,
    /// Serialises write transactions, so event ids are committed and published in order and
    /// SQLite never answers "database is locked".
    writer: Arc<Mutex<()>>,
}

/// An agent with their password hash, for signing in only.
pub struct Credentials {
    /// The agent.
    pub agent: Me,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// A visitor as the server needs to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    /// Database id.
    pub id: i64,
    /// The inbox whose widget they use.
    pub inbox_id: i64,
    /// Name, if they gave one.
    pub name: Option<String>,
}

/// The current time in milliseconds since the epoch.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

const CONVERSATION_COLUMNS: &str = "SELECT c.id, c.inbox_id, c.visitor_id, v.name AS visitor_name, c.status, \
     c.assignee_id, a.name AS assignee_name, c.created_at, c.last_message_at, c.preview \
     FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
     LEFT JOIN agents a ON a.id = c.assignee_id";

const MESSAGE_COLUMNS: &str = "SELECT id, conversation_id, author_kind, author_agent_id, author_name, body, system, \
     client_id, created_at FROM messages";

const EVENT_COLUMNS: &str =
    "SELECT id, inbox_id, visitor_id, for_visitor, payload, created_at FROM events";

impl Store {
    /// Opens (creating if needed) the database at `url`, in WAL mode with foreign keys on, and
    /// applies the migrations in `migrations/`.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            writer: Arc::new(Mutex::new(())),
        })
    }

    /// The pool, for the session store that keeps its own table in the same database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a write transaction; only one runs at a time.
    pub async fn write(&self) -> StoreResult<WriteTx> {
        let guard = Arc::clone(&self.writer).lock_owned().await;
        let tx = self.pool.begin().await?;
        Ok(WriteTx {
            tx,
            events: Vec::new(),
            _guard: guard,
        })
    }

    /// How many agent accounts exist (zero means first-run setup).
    pub async fn agent_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM agents")
            .fetch_one(&self.pool)
            .await
    }

    /// The account with this (lower-cased) email, with its password hash.
    pub async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let row =
            sqlx::query("SELECT id, name, email, role, password_hash FROM agents WHERE email = ?")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(Credentials {
                password_hash: row.try_get("password_hash")?,
                agent: me_from_row(&row)?,
            })
        })
        .transpose()
    }

    /// The agent with this id.
    pub async fn agent(&self, id: i64) -> StoreResult<Option<Me>> {
        let row = sqlx::query("SELECT id, name, email, role FROM agents WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(me_from_row).transpose()
    }

    /// Every agent account with its inboxes, by name.
    pub async fn agent_accounts(&self) -> StoreResult<Vec<AgentAccount>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name, a.email, a.role, \
             (SELECT json_group_array(inbox_id) FROM inbox_agents WHERE agent_id = a.id) AS inbox_ids \
             FROM agents a ORDER BY a.name COLLATE NOCASE",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let me = me_from_row(row)?;
                let inbox_ids: String = row.try_get("inbox_ids")?;
                Ok(AgentAccount {
                    id: me.id,
                    name: me.name,
                    email: me.email,
                    role: me.role,
                    inbox_ids: serde_json::from_str(&inbox_ids).map_err(decode_error)?,
                })
            })
            .collect()
    }

    /// Every inbox, by name.
    pub async fn inboxes(&self) -> StoreResult<Vec<Inbox>> {
        let rows =
            sqlx::query("SELECT id, name, key FROM inboxes ORDER BY name COLLATE NOCASE, id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(inbox_from_row).collect()
    }

    /// The inboxes an agent belongs to, by name.
    pub async fn inboxes_of(&self, agent_id: i64) -> StoreResult<Vec<Inbox>> {
        let rows = sqlx::query(
            "SELECT i.id, i.name, i.key FROM inboxes i JOIN inbox_agents m ON m.inbox_id = i.id \
             WHERE m.agent_id = ? ORDER BY i.name COLLATE NOCASE, i.id",
        )
        .bind(agent_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbox_from_row).collect()
    }

    /// The inbox with this widget key.
    pub async fn inbox_by_key(&self, key: &str) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query("SELECT id, name, key FROM inboxes WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// The demo inbox, if `--demo` created one.
    pub async fn demo_inbox(&self) -> StoreResult<Option<Inbox>> {
        let row =
            sqlx::query("SELECT id, name, key FROM inboxes WHERE is_demo = 1 ORDER BY id LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// The visitor whose token hashes to `token_hash`.
    pub async fn visitor_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<Visitor>> {
        let row = sqlx::query("SELECT id, inbox_id, name FROM visitors WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Visitor {
                id: row.try_get("id")?,
                inbox_id: row.try_get("inbox_id")?,
                name: row.try_get("name")?,
            })
        })
        .transpose()
    }

    /// One conversation.
    pub async fn conversation(&self, id: i64) -> StoreResult<Option<ConversationSummary>> {
        let row = sqlx::query(&format!("{CONVERSATION_COLUMNS} WHERE c.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// The open conversations of these inboxes (longest-waiting first), then up to
    /// `closed_limit` most recently closed ones.
    pub async fn conversations_of_inboxes(
        &self,
        inbox_ids: &[i64],
        closed_limit: i64,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let open = sqlx::query(&format!(
            "{CONVERSATION_COLUMNS} WHERE c.inbox_id IN (SELECT value FROM json_each(?)) \
             AND c.status <> 'closed' ORDER BY c.created_at, c.id"
        ))
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        let closed = sqlx::query(&format!(
            "{CONVERSATION_COLUMNS} WHERE c.inbox_id IN (SELECT value FROM json_each(?)) \
             AND c.status = 'closed' ORDER BY c.closed_at DESC, c.id DESC LIMIT ?"
        ))
        .bind(&ids)
        .bind(closed_limit)
        .fetch_all(&self.pool)
        .await?;
        open.iter()
            .chain(closed.iter())
            .map(conversation_from_row)
            .collect()
    }

    /// Every conversation of a visitor, oldest first.
    pub async fn conversations_of_visitor(
        &self,
        visitor_id: i64,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let rows = sqlx::query(&format!(
            "{CONVERSATION_COLUMNS} WHERE c.visitor_id = ? ORDER BY c.id"
        ))
        .bind(visitor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// Every message of a conversation, oldest first.
    pub async fn messages(&self, conversation_id: i64) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(&format!(
            "{MESSAGE_COLUMNS} WHERE conversation_id = ? ORDER BY id"
        ))
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Every message of a visitor's conversations, oldest first.
    pub async fn messages_of_visitor(&self, visitor_id: i64) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(&format!(
            "{MESSAGE_COLUMNS} WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?) \
             ORDER BY id"
        ))
        .bind(visitor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// The id of the newest event (0 when there is none). Read it *before* a snapshot: replaying
    /// events after it onto the snapshot converges, because applying an event is idempotent.
    pub async fn last_event_id(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .fetch_one(&self.pool)
            .await
    }

    /// The smallest event id still kept, `None` when the log is empty.
    pub async fn oldest_event_id(&self) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT MIN(id) FROM events")
            .fetch_one(&self.pool)
            .await
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
            "{EVENT_COLUMNS} WHERE inbox_id IN (SELECT value FROM json_each(?)) AND id > ? ORDER BY id LIMIT ?"
        ))
        .bind(ids)
        .bind(after)
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
            "{EVENT_COLUMNS} WHERE visitor_id = ? AND for_visitor = 1 AND id > ? ORDER BY id LIMIT ?"
        ))
        .bind(visitor_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}

/// One write transaction. Events appended to it are published after a successful commit;
/// dropping it without commit rolls everything back and publishes nothing.
pub struct WriteTx {
    /// The open transaction.
    tx: Transaction<'static, Sqlite>,
    /// Events written so far, to publish after commit.
    events: Vec<StoredEvent>,
    /// Held until the events are published.
    _guard: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Commits, then publishes the appended events in order. Returns them.
    pub async fn commit(self, hub: &Hub) -> StoreResult<Vec<StoredEvent>> {
        let WriteTx { tx, events, _guard } = self;
        tx.commit().await?;
        for event in &events {
            hub.publish(Arc::new(event.clone()));
        }
        Ok(events)
    }

    /// Appends an event about a conversation of `inbox_id`/`visitor_id`.
    pub async fn append_event(
        &mut self,
        inbox_id: i64,
        visitor_id: i64,
        for_visitor: bool,
        event: Event,
    ) -> StoreResult<()> {
        let at = now_millis();
        let payload = serde_json::to_string(&event).map_err(decode_error)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO events (inbox_id, conversation_id, visitor_id, for_visitor, payload, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(inbox_id)
        .bind(event.conversation_id())
        .bind(visitor_id)
        .bind(for_visitor)
        .bind(payload)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await?;
        self.events.push(StoredEvent {
            id,
            at,
            inbox_id,
            visitor_id: Some(visitor_id),
            for_visitor,
            event,
        });
        Ok(())
    }

    /// How many agent accounts exist, inside the transaction (first-run setup races).
    pub async fn agent_count(&mut self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM agents")
            .fetch_one(&mut *self.tx)
            .await
    }

    /// Creates an agent; the caller has validated the fields.
    pub async fn insert_agent(
        &mut self,
        name: &str,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO agents (name, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now_millis())
        .fetch_one(&mut *self.tx)
        .await
    }

    /// Replaces the inboxes an agent belongs to.
    pub async fn set_agent_inboxes(&mut self, agent_id: i64, inbox_ids: &[i64]) -> StoreResult<()> {
        sqlx::query("DELETE FROM inbox_agents WHERE agent_id = ?")
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        for inbox_id in inbox_ids {
            sqlx::query("INSERT OR IGNORE INTO inbox_agents (inbox_id, agent_id) VALUES (?, ?)")
                .bind(inbox_id)
                .bind(agent_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Adds an agent to an inbox (no-op when already a member).
    pub async fn add_inbox_member(&mut self, inbox_id: i64, agent_id: i64) -> StoreResult<()> {
        sqlx::query("INSERT OR IGNORE INTO inbox_agents (inbox_id, agent_id) VALUES (?, ?)")
            .bind(inbox_id)
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// How many of these inbox ids exist.
    pub async fn count_inboxes(&mut self, inbox_ids: &[i64]) -> StoreResult<i64> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM inboxes WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(ids)
        .fetch_one(&mut *self.tx)
        .await
    }

    /// Every agent id.
    pub async fn agent_ids(&mut self) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT id FROM agents")
            .fetch_all(&mut *self.tx)
            .await
    }

    /// Creates an inbox.
    pub async fn insert_inbox(
        &mut self,
        name: &str,
        key: &str,
        is_demo: bool,
    ) -> StoreResult<Inbox> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inboxes (name, key, is_demo, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(key)
        .bind(is_demo)
        .bind(now_millis())
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(Inbox {
            id,
            name: name.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Creates a visitor of an inbox with the hash of their secret token.
    pub async fn insert_visitor(
        &mut self,
        inbox_id: i64,
        token_hash: &str,
    ) -> StoreResult<Visitor> {
        let now = now_millis();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (inbox_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(inbox_id)
        .bind(token_hash)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(Visitor {
            id,
            inbox_id,
            name: None,
        })
    }

    /// The message a sender already stored under this dedup key, if any.
    pub async fn message_by_dedup_key(&mut self, dedup_key: &str) -> StoreResult<Option<Message>> {
        let row = sqlx::query(&format!("{MESSAGE_COLUMNS} WHERE dedup_key = ?"))
            .bind(dedup_key)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// One conversation, read inside the transaction.
    pub async fn conversation(&mut self, id: i64) -> StoreResult<Option<ConversationSummary>> {
        let row = sqlx::query(&format!("{CONVERSATION_COLUMNS} WHERE c.id = ?"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// The visitor's conversation that is not closed, if any.
    pub async fn open_conversation_of(
        &mut self,
        visitor_id: i64,
    ) -> StoreResult<Option<ConversationSummary>> {
        let row = sqlx::query(&format!(
            "{CONVERSATION_COLUMNS} WHERE c.visitor_id = ? AND c.status <> 'closed'"
        ))
        .bind(visitor_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// Opens an unassigned conversation for a visitor.
    pub async fn insert_conversation(&mut self, visitor: &Visitor, at: Millis) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO conversations (inbox_id, visitor_id, status, created_at, last_message_at) \
             VALUES (?, ?, 'unassigned', ?, ?) RETURNING id",
        )
        .bind(visitor.inbox_id)
        .bind(visitor.id)
        .bind(at)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await
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
             client_id, dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
        .fetch_one(&mut *self.tx)
        .await?;
        if new.system.is_none() {
            sqlx::query("UPDATE conversations SET last_message_at = ?, preview = ? WHERE id = ?")
                .bind(at)
                .bind(crate::model::preview_of(new.body))
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
        })
    }

    /// Sets a conversation's assignee and status.
    pub async fn set_assignee(
        &mut self,
        conversation_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<()> {
        let status = if assignee.is_some() {
            ConversationStatus::Assigned
        } else {
            ConversationStatus::Unassigned
        };
        sqlx::query("UPDATE conversations SET assignee_id = ?, status = ? WHERE id = ? AND status <> 'closed'")
            .bind(assignee)
            .bind(status.as_str())
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Closes a conversation.
    pub async fn close_conversation(
        &mut self,
        conversation_id: i64,
        at: Millis,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE conversations SET status = 'closed', closed_at = ? WHERE id = ?")
            .bind(at)
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// A message to store.
pub struct NewMessage<'a> {
    /// Where it goes.
    pub conversation_id: i64,
    /// Who wrote it.
    pub author: &'a Author,
    /// The validated text.
    pub body: &'a str,
    /// What a system line says.
    pub system: Option<&'a SystemLine>,
    /// The sender's idempotency id.
    pub client_id: Option<&'a str>,
    /// The sender-scoped idempotency key (unique).
    pub dedup_key: Option<&'a str>,
}

fn decode_error(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

fn me_from_row(row: &SqliteRow) -> StoreResult<Me> {
    let role: String = row.try_get("role")?;
    Ok(Me {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: Role::parse(&role)
            .ok_or_else(|| sqlx::Error::Decode(format!("role {role}").into()))?,
    })
}

fn inbox_from_row(row: &SqliteRow) -> StoreResult<Inbox> {
    Ok(Inbox {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        key: row.try_get("key")?,
    })
}

fn conversation_from_row(row: &SqliteRow) -> StoreResult<ConversationSummary> {
    let status: String = row.try_get("status")?;
    let visitor_id: i64 = row.try_get("visitor_id")?;
    let visitor_name: Option<String> = row.try_get("visitor_name")?;
    let assignee_id: Option<i64> = row.try_get("assignee_id")?;
    let assignee_name: Option<String> = row.try_get("assignee_name")?;
    Ok(ConversationSummary {
        id: row.try_get("id")?,
        inbox_id: row.try_get("inbox_id")?,
        visitor_id,
        visitor_label: visitor_label(visitor_id, visitor_name.as_deref()),
        status: ConversationStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("status {status}").into()))?,
        assignee: assignee_id
            .zip(assignee_name)
            .map(|(id, name)| AgentRef { id, name }),
        created_at: row.try_get("created_at")?,
        last_message_at: row.try_get("last_message_at")?,
        preview: row.try_get("preview")?,
    })
}

fn message_from_row(row: &SqliteRow) -> StoreResult<Message> {
    let kind: String = row.try_get("author_kind")?;
    let author = match kind.as_str() {
        "visitor" => Author::Visitor,
        "agent" => Author::Agent {
            id: row
                .try_get::<Option<i64>, _>("author_agent_id")?
                .unwrap_or(0),
            name: row
                .try_get::<Option<String>, _>("author_name")?
                .unwrap_or_default(),
        },
        _ => Author::System,
    };
    let system: Option<String> = row.try_get("system")?;
    Ok(Message {
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        author,
        body: row.try_get("body")?,
        system: system
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(decode_error)?,
        client_id: row.try_get("client_id")?,
        created_at: row.try_get("created_at")?,
    })
}

fn event_from_row(row: &SqliteRow) -> StoreResult<StoredEvent> {
    let payload: String = row.try_get("payload")?;
    Ok(StoredEvent {
        id: row.try_get("id")?,
        at: row.try_get("created_at")?,
        inbox_id: row.try_get("inbox_id")?,
        visitor_id: row.try_get("visitor_id")?,
        for_visitor: row.try_get("for_visitor")?,
        event: serde_json::from_str(&payload).map_err(decode_error)?,
    })
}
