//! All SQL lives here. Reads go through [`Store`]; every change goes through a [`WriteTx`],
//! which writes the domain rows and their `events` rows together and, after commit, publishes
//! the events in commit order. Writes commit in groups ([`writer`]).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor, PgPool, SqlitePool};
use tokio::sync::{Mutex, Notify};

use crate::model::Millis;
use crate::protocol::Event;
use crate::server::hub::{Hub, StoredEvent};

mod agents;
mod api_tokens;
mod audit;
mod auto_assign;
mod blocking;
mod cluster;
mod contacts;
mod conversations;
mod dialect;
mod events;
mod files;
mod follower;
mod inboxes;
mod labels;
mod messages;
mod outbox;
mod reports;
mod row;
use row::RowExt;
mod search;
mod templates;
mod tickets;
mod timers;
mod visitors;
mod webhook_endpoints;
mod writer;
pub use agents::{Credentials, PresenceState};
pub use api_tokens::TokenHolder;
pub use auto_assign::{Queue, Waiting};
pub use blocking::NewBlock;
pub use cluster::{BUS_MAX_BYTES, Leadership};
pub use contacts::ContactFields;
use conversations::{conversation_columns, conversation_from_row};
pub use events::ConversationEvent;
pub use files::{FileRecord, NewFile, UploadOf, UploadUse, Uploader};
pub use messages::{NewMessage, NewVisitorMessage};
pub use outbox::OutboxRow;
pub use templates::NewTemplate;
pub use tickets::NewTicket;
pub use timers::Timer;
pub use visitors::{FormSubmission, NewPageView, NewVisit, VisitFacts};
pub use writer::BatchBounds;

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

impl StoreError {
    /// Whether the database could not be written to disk: the disk is full, the file may
    /// not grow, it went read-only, or the device failed. Nothing was saved; the same write
    /// can succeed once there is room again.
    pub fn is_out_of_storage(&self) -> bool {
        match &self.0 {
            sqlx::Error::Io(e) => e.kind() == std::io::ErrorKind::StorageFull,
            sqlx::Error::Database(e)
                if e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some() =>
            {
                // PostgreSQL's SQLSTATE: disk_full, io_error, read_only_sql_transaction.
                e.code()
                    .is_some_and(|code| matches!(code.as_ref(), "53100" | "58030" | "25006"))
            }
            sqlx::Error::Database(e) => e
                .code()
                .and_then(|code| code.parse::<i32>().ok())
                // The primary code of SQLite's extended one: SQLITE_READONLY, SQLITE_IOERR,
                // SQLITE_FULL; not the I/O errors of reading or of memory (IOERR_READ,
                // IOERR_SHORT_READ, IOERR_NOMEM), which more room would not cure.
                .is_some_and(|code| {
                    matches!(code & 0xff, 8 | 10 | 13) && !matches!(code, 266 | 522 | 3082)
                }),
            _ => false,
        }
    }
}

impl From<StoreError> for crate::error::AppError {
    fn from(e: StoreError) -> Self {
        tracing::error!("database: {e}");
        if e.is_out_of_storage() {
            crate::error::AppError::StorageFull
        } else {
            crate::error::AppError::Internal
        }
    }
}

/// What every SQLite connection is set to: foreign keys enforced, and a write that finds the
/// database busy waits up to 10 s instead of failing.
const SQLITE_SETTINGS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000";

/// The database a store runs on, from its URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file beside the server (`sqlite://…`): the default.
    Sqlite,
    /// A PostgreSQL server (`postgres://…` or `postgresql://…`), which several nodes can share.
    Postgres,
}

impl Backend {
    /// The database `url` points at; an unknown scheme is refused.
    pub fn of(url: &str) -> StoreResult<Backend> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError(sqlx::Error::Configuration(
                format!("a database URL starts with sqlite:// or postgres://, not {scheme}:")
                    .into(),
            ))),
        }
    }
}

/// The pool the session store keeps its table through: its library takes the database's
/// own pool type.
#[derive(Debug, Clone)]
pub enum SessionsPool {
    /// The SQLite file's.
    Sqlite(SqlitePool),
    /// The PostgreSQL database's.
    Postgres(PgPool),
}

/// Opens a SQLite file (creating it and switching it to write-ahead logging the first time),
/// migrates it and returns the reading pool, the sessions' pool and the writing connection.
async fn open_sqlite(url: &str) -> StoreResult<(AnyPool, SessionsPool, AnyConnection)> {
    // Created and switched to write-ahead logging once: the mode stays with the file.
    let mut file = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    if file.get_filename().is_relative() {
        let absolute =
            std::path::absolute(file.get_filename()).map_err(|e| StoreError(sqlx::Error::Io(e)))?;
        file = file.filename(absolute);
    }
    file.connect().await?.close().await?;
    // The `Any` connections read a URL again: one written by the options themselves, with
    // the path absolute and escaped, names the same file whatever the path holds.
    let url = file.to_url_lossy().to_string();
    let url = url.as_str();
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(SQLITE_SETTINGS).await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    let sessions = SqlitePool::connect_with(
        SqliteConnectOptions::from_str(url)?
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10)),
    )
    .await?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .map_err(|e| StoreError(e.into()))?;
    // Every write commits on this connection, and FULL syncs each commit to disk: an
    // acknowledgement survives a power cut, not only a crash of the process. One sync
    // serves a whole batch of writes.
    let mut writer = AnyConnection::connect(url).await?;
    writer.execute(SQLITE_SETTINGS).await?;
    writer.execute("PRAGMA synchronous = FULL").await?;
    Ok((pool, SessionsPool::Sqlite(sessions), writer))
}

/// Connects to a PostgreSQL database, migrates it and returns the reading pool, the
/// sessions' pool and the writing connection. Commits are durable by PostgreSQL's own
/// default (`synchronous_commit = on`).
async fn open_postgres(url: &str) -> StoreResult<(AnyPool, SessionsPool, AnyConnection)> {
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .connect(url)
        .await?;
    let sessions = PgPool::connect(url).await?;
    sqlx::migrate!("./migrations/postgres")
        .run(&pool)
        .await
        .map_err(|e| StoreError(e.into()))?;
    let writer = writer::connect_postgres_writer(url).await?;
    Ok((pool, SessionsPool::Postgres(sessions), writer))
}

/// Handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// The database it runs on.
    backend: Backend,
    /// The connection pool, for reads.
    pool: AnyPool,
    /// The pool the session store keeps its own table through.
    sessions: SessionsPool,
    /// The one connection that writes: write transactions take turns on it and commit in
    /// groups, so event ids are committed and published in order and SQLite never answers
    /// "database is locked".
    writer: Arc<Mutex<writer::Writer>>,
    /// Woken after a commit that changed the timer schedule, so the engine re-reads it.
    timers_changed: Arc<Notify>,
    /// Woken after a commit that queued something in the outbox, so the worker sends it.
    outbox_changed: Arc<Notify>,
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

impl Store {
    /// Opens (creating if needed) the database at `url`, in WAL mode with foreign keys on, and
    /// applies the migrations in `migrations/sqlite/`.
    pub async fn open(url: &str) -> StoreResult<Store> {
        Store::open_with(url, BatchBounds::default()).await
    }

    /// Like [`Store::open`], with other bounds on a batch of writes (tests and the benchmark).
    pub async fn open_with(url: &str, bounds: BatchBounds) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let (pool, sessions, writer) = match backend {
            Backend::Sqlite => open_sqlite(url).await?,
            Backend::Postgres => open_postgres(url).await?,
        };
        let timers_changed = Arc::new(Notify::new());
        let outbox_changed = Arc::new(Notify::new());
        let writer = writer::Writer::start(
            writer,
            (backend == Backend::Postgres).then(|| url.to_owned()),
            backend,
            bounds,
            Arc::clone(&timers_changed),
            Arc::clone(&outbox_changed),
        );
        Ok(Store {
            backend,
            pool,
            sessions,
            writer,
            timers_changed,
            outbox_changed,
        })
    }

    /// Commits the writes waiting for their batch, refuses further writes and closes the
    /// pool: the last step of a graceful shutdown.
    pub async fn close(&self) {
        writer::close(&self.writer).await;
        self.pool.close().await;
        match &self.sessions {
            SessionsPool::Sqlite(pool) => pool.close().await,
            SessionsPool::Postgres(pool) => pool.close().await,
        }
    }

    /// On PostgreSQL, where several nodes may write, starts publishing every node's events to
    /// `hub` once each in id order, this node's own batches among them
    /// ([`follower`]). On SQLite one node writes and each commit publishes its own events.
    pub async fn follow(&self, hub: &Hub) -> StoreResult<()> {
        let SessionsPool::Postgres(sessions) = &self.sessions else {
            return Ok(());
        };
        let notices = follower::listen(sessions).await?;
        let (pool, hub) = (self.pool.clone(), hub.clone());
        let (timers, outbox) = (
            Arc::clone(&self.timers_changed),
            Arc::clone(&self.outbox_changed),
        );
        writer::attach_follower(
            &self.writer,
            |newest| follower::Follower::new(pool, hub, newest, timers, outbox),
            &self.pool,
            notices,
        )
        .await
    }

    /// How many batches of writes have committed since the store opened.
    pub async fn commits(&self) -> u64 {
        writer::commits(&self.writer).await
    }

    /// The reading pool, for tests and tools that look at the rows themselves.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool of the session store, which keeps its own table in the same database.
    pub fn sessions_pool(&self) -> &SessionsPool {
        &self.sessions
    }

    /// Starts a write transaction, after the ones before it; only one runs at a time.
    pub async fn write(&self) -> StoreResult<WriteTx> {
        Ok(WriteTx {
            backend: self.backend,
            tx: writer::Writer::begin(&self.writer).await?,
            events: Vec::new(),
            timers_changed: false,
            outbox_changed: false,
            endpoints_seen: std::collections::BTreeMap::new(),
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

    /// The visitor whose token hashes to `token_hash`.
    pub async fn visitor_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<Visitor>> {
        let row = sqlx::query("SELECT id, inbox_id, name FROM visitors WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Visitor {
                id: row.col("id")?,
                inbox_id: row.col("inbox_id")?,
                name: row.col("name")?,
            })
        })
        .transpose()
    }
}

/// One write transaction. Events appended to it are published after a successful commit;
/// dropping it without commit rolls it back and publishes nothing.
pub struct WriteTx {
    /// The database it writes to.
    backend: Backend,
    /// The writing connection, this write's savepoint open on it.
    tx: writer::WriterGuard,
    /// Events written so far, to publish after commit.
    events: Vec<StoredEvent>,
    /// Whether the transaction changed the timer schedule.
    timers_changed: bool,
    /// Whether the transaction queued something in the outbox.
    outbox_changed: bool,
    /// The event webhook endpoints of inboxes looked at so far, with their events.
    endpoints_seen: std::collections::BTreeMap<i64, Vec<(i64, Vec<crate::webhooks::Topic>)>>,
}

impl WriteTx {
    /// Commits (with whatever other writes share the batch), then publishes the appended
    /// events in order. Returns them.
    pub async fn commit(self, hub: &Hub) -> StoreResult<Vec<Arc<StoredEvent>>> {
        let WriteTx {
            backend: _,
            tx,
            events,
            timers_changed,
            outbox_changed,
            endpoints_seen: _,
        } = self;
        let events: Vec<Arc<StoredEvent>> = events.into_iter().map(Arc::new).collect();
        tx.commit(hub, events.clone(), timers_changed, outbox_changed)
            .await?;
        Ok(events)
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
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(inbox_id)
        .bind(event.conversation_id())
        .bind(visitor_id)
        .bind(for_visitor)
        .bind(payload)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await?;
        self.record_for_reports(at, &[(inbox_id, &event)]).await?;
        self.queue_event_webhooks(at, &[(inbox_id, &event)]).await?;
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

    /// Creates a visitor of an inbox with the hash of their secret token.
    pub async fn insert_visitor(
        &mut self,
        inbox_id: i64,
        token_hash: &str,
    ) -> StoreResult<Visitor> {
        let now = now_millis();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (inbox_id, token_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $4) RETURNING id",
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

    /// What mailing a visitor needs: their email and the widget's language.
    pub async fn mail_facts(&mut self, visitor_id: i64) -> StoreResult<MailFacts> {
        let row = sqlx::query("SELECT email, locale FROM visitors WHERE id = $1")
            .bind(visitor_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(match row {
            Some(row) => MailFacts {
                email: row.col("email")?,
                locale: row.col("locale")?,
            },
            None => MailFacts::default(),
        })
    }

    /// Remembers the language the widget speaks to a visitor.
    pub async fn set_visitor_locale(&mut self, visitor_id: i64, locale: &str) -> StoreResult<()> {
        sqlx::query("UPDATE visitors SET locale = $1 WHERE id = $2 AND locale IS DISTINCT FROM $3")
            .bind(locale)
            .bind(visitor_id)
            .bind(locale)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

pub(super) fn decode_error(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}
