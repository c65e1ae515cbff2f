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
use tokio::sync::{Mutex, Notify, OwnedMutexGuard};

use crate::model::{
    AgentAccount, AgentRef, Author, Colleague, ConversationStatus, ConversationSummary, Inbox, Me,
    Message, Millis, Presence, Role, SystemLine, visitor_label,
};
use crate::protocol::Event;
use crate::rules::{LastWord, TimerKind};
use crate::server::hub::{Hub, StoredEvent};

mod blocks;
mod contacts;
mod files;
mod labels;
mod outbox;
mod search;
mod templates;
mod tickets;
mod visitors;
pub use blocks::NewBlock;
pub use contacts::ContactFields;
pub use files::{FileRecord, NewFile, Uploader};
pub use outbox::OutboxRow;
pub use templates::NewTemplate;
pub use tickets::NewTicket;
pub use visitors::{NewVisit, VisitFacts};

/// What the store's functions return.
pub type StoreResult<T> = Result<T, StoreError>;

/// The store's error: a database failure (mapped to `AppError::Internal` at the service edge).
/// The store's own type, so the rest of the server never names the database library.
#[derive(Debug)]
pub struct StoreError(pub sqlx::Error);

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError(e)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// Whether a unique constraint refused the write (an email or a name already taken).
    pub fn is_unique_violation(&self) -> bool {
        matches!(&self.0, sqlx::Error::Database(e) if e.is_unique_violation())
    }
}

impl From<StoreError> for crate::error::AppError {
    fn from(e: StoreError) -> Self {
        tracing::error!("database: {e}");
        crate::error::AppError::Internal
    }
}

/// Handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// The connection pool.
    pool: SqlitePool,
    /// Serialises write transactions, so event ids are committed and published in order and
    /// SQLite never answers "database is locked".
    writer: Arc<Mutex<()>>,
    /// Woken after a commit that changed the timer schedule, so the engine re-reads it.
    timers_changed: Arc<Notify>,
    /// Woken after a commit that queued something in the outbox, so the worker sends it.
    outbox_changed: Arc<Notify>,
}

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

/// An agent's presence: what they chose, and what colleagues see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceState {
    /// Chosen in the top bar.
    pub chosen: Presence,
    /// Shown to colleagues (offline after the grace period without a connection).
    pub shown: Presence,
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

/// What mailing a visitor needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailFacts {
    /// Their email, if they gave one.
    pub email: Option<String>,
    /// The widget's language ("en", "es"), if known.
    pub locale: Option<String>,
}

/// The current time in milliseconds since the epoch.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

const CONVERSATION_COLUMNS: &str = "SELECT c.id, c.inbox_id, c.visitor_id, v.name AS visitor_name, \
     v.email AS visitor_email, c.status, \
     c.assignee_id, a.name AS assignee_name, c.created_at, c.last_message_at, c.preview, \
     (SELECT json_group_array(l.name) FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id \
     WHERE cl.conversation_id = c.id) AS labels \
     FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
     LEFT JOIN agents a ON a.id = c.assignee_id";

const MESSAGE_COLUMNS: &str = "SELECT id, conversation_id, author_kind, author_agent_id, author_name, body, system, \
     client_id, created_at, note, read_at, \
     (SELECT json_group_array(json_object('id', f.id, 'name', f.name, 'content_type', f.content_type, \
     'size', f.size)) FROM files f WHERE f.message_id = messages.id) AS attachments FROM messages";

const INBOX_COLUMNS: &str = "SELECT i.id, i.name, i.key, i.assignee_idle_secs, i.visitor_idle_secs, \
     i.max_file_bytes, i.allowed_file_types, i.typing_preview FROM inboxes i";

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
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError(e.into()))?;
        Ok(Store {
            pool,
            writer: Arc::new(Mutex::new(())),
            timers_changed: Arc::new(Notify::new()),
            outbox_changed: Arc::new(Notify::new()),
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
            timer_wakeup: Arc::clone(&self.timers_changed),
            timers_changed: false,
            outbox_wakeup: Arc::clone(&self.outbox_changed),
            outbox_changed: false,
            _guard: guard,
        })
    }

    /// Resolves after a commit changed the timer schedule (the engine waits on it).
    pub async fn timers_changed(&self) {
        self.timers_changed.notified().await;
    }

    /// Resolves after a commit queued something in the outbox (the worker waits on it).
    pub async fn outbox_changed(&self) {
        self.outbox_changed.notified().await;
    }

    /// How many agent accounts exist (zero means first-run setup).
    pub async fn agent_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM agents")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
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
        let rows = sqlx::query(&format!(
            "{INBOX_COLUMNS} ORDER BY i.name COLLATE NOCASE, i.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbox_from_row).collect()
    }

    /// The inboxes an agent belongs to, by name.
    pub async fn inboxes_of(&self, agent_id: i64) -> StoreResult<Vec<Inbox>> {
        let rows = sqlx::query(&format!(
            "{INBOX_COLUMNS} JOIN inbox_agents m ON m.inbox_id = i.id \
             WHERE m.agent_id = ? ORDER BY i.name COLLATE NOCASE, i.id"
        ))
        .bind(agent_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbox_from_row).collect()
    }

    /// The inbox with this widget key.
    pub async fn inbox_by_key(&self, key: &str) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!("{INBOX_COLUMNS} WHERE i.key = ?"))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// The demo inbox, if `--demo` created one.
    pub async fn demo_inbox(&self) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!(
            "{INBOX_COLUMNS} WHERE i.is_demo = 1 ORDER BY i.id LIMIT 1"
        ))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// The inbox with this id.
    pub async fn inbox(&self, id: i64) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!("{INBOX_COLUMNS} WHERE i.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// Every agent with their presence and inboxes, by name.
    pub async fn colleagues(&self) -> StoreResult<Vec<Colleague>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name, a.presence, \
             (SELECT json_group_array(inbox_id) FROM inbox_agents WHERE agent_id = a.id) AS inbox_ids \
             FROM agents a ORDER BY a.name COLLATE NOCASE, a.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let presence: String = row.try_get("presence")?;
                let inbox_ids: String = row.try_get("inbox_ids")?;
                Ok(Colleague {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    presence: parse_presence(&presence)?,
                    inbox_ids: serde_json::from_str(&inbox_ids).map_err(decode_error)?,
                })
            })
            .collect()
    }

    /// Whether the agent's workspace plays sounds.
    pub async fn sound_on(&self, agent_id: i64) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT sound_on FROM agents WHERE id = ?")
            .bind(agent_id)
            .fetch_optional(&self.pool)
            .await
            .map(|on| on.unwrap_or(true))
            .map_err(StoreError::from)
    }

    /// The visitor messages of open conversations in these inboxes that the agent has not read,
    /// as (conversation id, message id) pairs.
    pub async fn unread_for(
        &self,
        agent_id: i64,
        inbox_ids: &[i64],
    ) -> StoreResult<Vec<(i64, i64)>> {
        let ids = serde_json::to_string(inbox_ids).map_err(decode_error)?;
        let rows = sqlx::query(
            "SELECT m.conversation_id, m.id FROM conversations c \
             JOIN messages m ON m.conversation_id = c.id AND m.author_kind = 'visitor' \
             LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.agent_id = ? \
             WHERE c.inbox_id IN (SELECT value FROM json_each(?)) AND c.status <> 'closed' \
             AND m.id > COALESCE(r.last_read_message_id, 0) ORDER BY m.id",
        )
        .bind(agent_id)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }

    /// Timers due at `now`, earliest first.
    pub async fn due_timers(&self, now: Millis, limit: i64) -> StoreResult<Vec<Timer>> {
        let rows = sqlx::query(
            "SELECT kind, subject_id, due_at FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?",
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

    /// The visitor's conversation that is not closed, if any.
    pub async fn open_conversation_of(
        &self,
        visitor_id: i64,
    ) -> StoreResult<Option<ConversationSummary>> {
        open_conversation(&self.pool, visitor_id).await
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
             AND note = 0 ORDER BY id"
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
            "{EVENT_COLUMNS} WHERE id > ? AND (inbox_id IS NULL OR inbox_id IN (SELECT value FROM json_each(?))) \
             ORDER BY id LIMIT ?"
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
    /// The store's timer wake-up, notified after commit when the schedule changed.
    timer_wakeup: Arc<Notify>,
    /// Whether the transaction changed the timer schedule.
    timers_changed: bool,
    /// The store's outbox wake-up, notified after commit when something was queued.
    outbox_wakeup: Arc<Notify>,
    /// Whether the transaction queued something in the outbox.
    outbox_changed: bool,
    /// Held until the events are published.
    _guard: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Commits, then publishes the appended events in order. Returns them.
    pub async fn commit(self, hub: &Hub) -> StoreResult<Vec<StoredEvent>> {
        let WriteTx {
            tx,
            events,
            timer_wakeup,
            timers_changed,
            outbox_wakeup,
            outbox_changed,
            _guard,
        } = self;
        tx.commit().await?;
        for event in &events {
            hub.publish(Arc::new(event.clone()));
        }
        if timers_changed {
            timer_wakeup.notify_one();
        }
        if outbox_changed {
            outbox_wakeup.notify_one();
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
        self.append(Some(inbox_id), Some(visitor_id), for_visitor, event)
            .await
    }

    /// Appends an event every agent receives (presence).
    pub async fn append_team_event(&mut self, event: Event) -> StoreResult<()> {
        self.append(None, None, false, event).await
    }

    async fn append(
        &mut self,
        inbox_id: Option<i64>,
        visitor_id: Option<i64>,
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
            visitor_id,
            for_visitor,
            event,
        });
        Ok(())
    }

    /// Schedules a timer. With `replace`, an existing timer of the same kind and subject is
    /// moved to the new time; without, an existing one is kept (its wait started earlier).
    pub async fn schedule_timer(&mut self, timer: Timer, replace: bool) -> StoreResult<()> {
        let sql = if replace {
            "INSERT INTO timers (kind, subject_id, due_at) VALUES (?, ?, ?) \
             ON CONFLICT (kind, subject_id) DO UPDATE SET due_at = excluded.due_at"
        } else {
            "INSERT OR IGNORE INTO timers (kind, subject_id, due_at) VALUES (?, ?, ?)"
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

    /// Deletes up to `limit` of the oldest events, those before the first event written at or
    /// after `before`, always keeping the newest event (so the newest id ever written stays
    /// readable). Only a leading run of ids goes, even if the clock once stepped back: a
    /// replay never meets a hole in the middle. Both lookups walk ids from the oldest, so the
    /// work is proportional to what is pruned, not to the size of the log. Returns how many
    /// went.
    pub async fn prune_events(&mut self, before: Millis, limit: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?) \
             AND id < COALESCE( \
                 (SELECT id FROM events WHERE created_at >= ? ORDER BY id LIMIT 1), \
                 (SELECT MAX(id) FROM events))",
        )
        .bind(limit)
        .bind(before)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }

    /// Removes a timer (no-op when none is scheduled).
    pub async fn cancel_timer(&mut self, kind: TimerKind, subject_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM timers WHERE kind = ? AND subject_id = ?")
            .bind(kind.as_str())
            .bind(subject_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// The timer of this kind and subject, read inside the transaction (it may have moved
    /// since the engine listed it).
    pub async fn timer(&mut self, kind: TimerKind, subject_id: i64) -> StoreResult<Option<Timer>> {
        let row = sqlx::query(
            "SELECT kind, subject_id, due_at FROM timers WHERE kind = ? AND subject_id = ?",
        )
        .bind(kind.as_str())
        .bind(subject_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(timer_from_row).transpose()
    }

    /// Schedules the offline timer of every agent shown as present who has none (at start-up:
    /// nobody is connected to a fresh process).
    pub async fn schedule_offline_for_present_agents(&mut self, due_at: Millis) -> StoreResult<()> {
        sqlx::query(
            "INSERT OR IGNORE INTO timers (kind, subject_id, due_at) \
             SELECT 'agent_offline', id, ? FROM agents WHERE presence <> 'offline'",
        )
        .bind(due_at)
        .execute(&mut *self.tx)
        .await?;
        self.timers_changed = true;
        Ok(())
    }

    /// Who spoke last in a conversation, system lines aside.
    pub async fn last_word(&mut self, conversation_id: i64) -> StoreResult<LastWord> {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT author_kind FROM messages WHERE conversation_id = ? AND author_kind <> 'system' \
             AND note = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(match kind.as_deref() {
            None => LastWord::Nobody,
            Some("visitor") => LastWord::Visitor,
            Some(_) => LastWord::Team,
        })
    }

    /// An agent's presence, read inside the transaction.
    pub async fn presence(&mut self, agent_id: i64) -> StoreResult<Option<PresenceState>> {
        let row = sqlx::query("SELECT chosen_presence, presence FROM agents WHERE id = ?")
            .bind(agent_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|row| {
            let chosen: String = row.try_get(0)?;
            let shown: String = row.try_get(1)?;
            Ok(PresenceState {
                chosen: parse_presence(&chosen)?,
                shown: parse_presence(&shown)?,
            })
        })
        .transpose()
    }

    /// Stores an agent's presence.
    pub async fn set_presence(&mut self, agent_id: i64, state: PresenceState) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET chosen_presence = ?, presence = ? WHERE id = ?")
            .bind(state.chosen.as_str())
            .bind(state.shown.as_str())
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Turns an agent's sounds on or off.
    pub async fn set_sound_on(&mut self, agent_id: i64, on: bool) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET sound_on = ? WHERE id = ?")
            .bind(on)
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Whether the agent belongs to the inbox.
    pub async fn is_member(&mut self, inbox_id: i64, agent_id: i64) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM inbox_agents WHERE inbox_id = ? AND agent_id = ?)",
        )
        .bind(inbox_id)
        .bind(agent_id)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// The agent with this id, read inside the transaction.
    pub async fn agent(&mut self, id: i64) -> StoreResult<Option<Me>> {
        let row = sqlx::query("SELECT id, name, email, role FROM agents WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(me_from_row).transpose()
    }

    /// The inbox with this id, read inside the transaction.
    pub async fn inbox(&mut self, id: i64) -> StoreResult<Option<Inbox>> {
        let row = sqlx::query(&format!("{INBOX_COLUMNS} WHERE i.id = ?"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(inbox_from_row).transpose()
    }

    /// Sets an inbox's timer durations (seconds, validated by the caller).
    pub async fn set_inbox_timers(
        &mut self,
        inbox_id: i64,
        assignee_idle_secs: i64,
        visitor_idle_secs: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inboxes SET assignee_idle_secs = ?, visitor_idle_secs = ? WHERE id = ?",
        )
        .bind(assignee_idle_secs)
        .bind(visitor_idle_secs)
        .bind(inbox_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Records that an agent has read a conversation up to a message; never moves backwards.
    /// Returns whether the marker moved.
    pub async fn mark_read(
        &mut self,
        agent_id: i64,
        conversation_id: i64,
        up_to: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO conversation_reads (agent_id, conversation_id, last_read_message_id) \
             VALUES (?, ?, ?) ON CONFLICT (agent_id, conversation_id) DO UPDATE \
             SET last_read_message_id = excluded.last_read_message_id \
             WHERE excluded.last_read_message_id > last_read_message_id",
        )
        .bind(agent_id)
        .bind(conversation_id)
        .bind(up_to)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The newest message id of a conversation (0 when it has none).
    pub async fn newest_message_id(&mut self, conversation_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ?")
            .bind(conversation_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(StoreError::from)
    }

    /// How many agent accounts exist, inside the transaction (first-run setup races).
    pub async fn agent_count(&mut self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM agents")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(StoreError::from)
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
        .await.map_err(StoreError::from)
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
        .map_err(StoreError::from)
    }

    /// Every agent id.
    pub async fn agent_ids(&mut self) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT id FROM agents")
            .fetch_all(&mut *self.tx)
            .await
            .map_err(StoreError::from)
    }

    /// Creates an inbox.
    pub async fn insert_inbox(
        &mut self,
        name: &str,
        key: &str,
        is_demo: bool,
    ) -> StoreResult<Inbox> {
        let row = sqlx::query(
            "INSERT INTO inboxes (name, key, is_demo, created_at) VALUES (?, ?, ?, ?) \
             RETURNING id, name, key, assignee_idle_secs, visitor_idle_secs, max_file_bytes, \
             allowed_file_types, typing_preview",
        )
        .bind(name)
        .bind(key)
        .bind(is_demo)
        .bind(now_millis())
        .fetch_one(&mut *self.tx)
        .await?;
        inbox_from_row(&row)
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

    /// The visitor's conversation that is not closed, if any, read inside the transaction.
    pub async fn open_conversation_of(
        &mut self,
        visitor_id: i64,
    ) -> StoreResult<Option<ConversationSummary>> {
        open_conversation(&mut *self.tx, visitor_id).await
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
        .map_err(StoreError::from)
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
             client_id, dedup_key, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            sqlx::query("UPDATE conversations SET last_message_at = ?, preview = ? WHERE id = ?")
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
            "{MESSAGE_COLUMNS} WHERE conversation_id = ? ORDER BY id"
        ))
        .bind(conversation_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// What mailing a visitor needs: their email and the widget's language.
    pub async fn mail_facts(&mut self, visitor_id: i64) -> StoreResult<MailFacts> {
        let row = sqlx::query("SELECT email, locale FROM visitors WHERE id = ?")
            .bind(visitor_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(match row {
            Some(row) => MailFacts {
                email: row.try_get("email")?,
                locale: row.try_get("locale")?,
            },
            None => MailFacts::default(),
        })
    }

    /// Remembers the language the widget speaks to a visitor.
    pub async fn set_visitor_locale(&mut self, visitor_id: i64, locale: &str) -> StoreResult<()> {
        sqlx::query("UPDATE visitors SET locale = ? WHERE id = ? AND locale IS NOT ?")
            .bind(locale)
            .bind(visitor_id)
            .bind(locale)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Sets what conversation lists show of a conversation's last message.
    pub async fn set_preview(&mut self, conversation_id: i64, preview: &str) -> StoreResult<()> {
        sqlx::query("UPDATE conversations SET preview = ? WHERE id = ?")
            .bind(crate::model::preview_of(preview))
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
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
            "UPDATE messages SET read_at = ? WHERE conversation_id = ? AND author_kind = ? \
             AND note = 0 AND id <= ? AND read_at IS NULL",
        )
        .bind(at)
        .bind(conversation_id)
        .bind(author_kind)
        .bind(up_to)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }

    /// The message with this id, read inside the transaction.
    pub async fn message(&mut self, id: i64) -> StoreResult<Option<Message>> {
        let row = sqlx::query(&format!("{MESSAGE_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// How far an agent has read a conversation (0: not at all).
    pub async fn read_marker(&mut self, agent_id: i64, conversation_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COALESCE(MAX(last_read_message_id), 0) FROM conversation_reads \
             WHERE agent_id = ? AND conversation_id = ?",
        )
        .bind(agent_id)
        .bind(conversation_id)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Sets an inbox's file policy and typing preview (validated by the caller).
    pub async fn set_inbox_chat_settings(
        &mut self,
        inbox_id: i64,
        files: &crate::model::FilePolicy,
        typing_preview: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inboxes SET max_file_bytes = ?, allowed_file_types = ?, typing_preview = ? \
             WHERE id = ?",
        )
        .bind(files.max_bytes)
        .bind(&files.allowed_types)
        .bind(typing_preview)
        .bind(inbox_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
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

/// The visitor's conversation that is not closed, read from the pool or in a transaction.
async fn open_conversation<'e>(
    executor: impl sqlx::Executor<'e, Database = Sqlite>,
    visitor_id: i64,
) -> StoreResult<Option<ConversationSummary>> {
    let row = sqlx::query(&format!(
        "{CONVERSATION_COLUMNS} WHERE c.visitor_id = ? AND c.status <> 'closed'"
    ))
    .bind(visitor_id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(conversation_from_row).transpose()
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
        assignee_idle_secs: row.try_get("assignee_idle_secs")?,
        visitor_idle_secs: row.try_get("visitor_idle_secs")?,
        files: crate::model::FilePolicy {
            max_bytes: row.try_get("max_file_bytes")?,
            allowed_types: row.try_get("allowed_file_types")?,
        },
        typing_preview: row.try_get("typing_preview")?,
    })
}

fn parse_presence(value: &str) -> StoreResult<Presence> {
    Presence::parse(value)
        .ok_or_else(|| sqlx::Error::Decode(format!("presence {value}").into()))
        .map_err(StoreError::from)
}

fn timer_from_row(row: &SqliteRow) -> StoreResult<Timer> {
    let kind: String = row.try_get("kind")?;
    Ok(Timer {
        kind: TimerKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("timer {kind}").into()))?,
        subject_id: row.try_get("subject_id")?,
        due_at: row.try_get("due_at")?,
    })
}

fn conversation_from_row(row: &SqliteRow) -> StoreResult<ConversationSummary> {
    let status: String = row.try_get("status")?;
    let visitor_id: i64 = row.try_get("visitor_id")?;
    let visitor_name: Option<String> = row.try_get("visitor_name")?;
    let assignee_id: Option<i64> = row.try_get("assignee_id")?;
    let assignee_name: Option<String> = row.try_get("assignee_name")?;
    let labels: Option<String> = row.try_get("labels")?;
    let mut labels: Vec<String> = labels
        .map(|l| serde_json::from_str(&l))
        .transpose()
        .map_err(decode_error)?
        .unwrap_or_default();
    labels.sort_by_key(|l| l.to_lowercase());
    Ok(ConversationSummary {
        id: row.try_get("id")?,
        inbox_id: row.try_get("inbox_id")?,
        visitor_id,
        visitor_label: visitor_label(visitor_id, visitor_name.as_deref()),
        visitor_email: row.try_get("visitor_email")?,
        visitor_name,
        status: ConversationStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("status {status}").into()))?,
        assignee: assignee_id
            .zip(assignee_name)
            .map(|(id, name)| AgentRef { id, name }),
        created_at: row.try_get("created_at")?,
        last_message_at: row.try_get("last_message_at")?,
        preview: row.try_get("preview")?,
        labels,
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
    let attachments: Option<String> = row.try_get("attachments")?;
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
        note: row.try_get("note")?,
        read_at: row.try_get("read_at")?,
        attachments: attachments
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(decode_error)?
            .unwrap_or_default(),
        formatted: None,
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
