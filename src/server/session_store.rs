//! Where sign-in sessions are kept: a table in the same database as everything else, through
//! `tower-sessions-sqlx-store`, which has one store type per database. This picks the one of
//! the database the server runs on.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::server::store::SessionsPool;

/// The session store of the server's database.
#[derive(Debug, Clone)]
pub enum Sessions {
    /// In the SQLite file.
    Sqlite(SqliteStore),
    /// In the PostgreSQL database.
    Postgres(PostgresStore),
}

impl Sessions {
    /// The store on `pool`, its table created if missing.
    pub async fn open(pool: &SessionsPool) -> Result<Sessions, String> {
        let sessions = match pool {
            SessionsPool::Sqlite(pool) => Sessions::Sqlite(
                SqliteStore::new(pool.clone())
                    .with_table_name("sessions")
                    .map_err(|e| format!("session table name: {e}"))?,
            ),
            SessionsPool::Postgres(pool) => Sessions::Postgres(
                PostgresStore::new(pool.clone())
                    .with_table_name("sessions")
                    .map_err(|e| format!("session table name: {e}"))?,
            ),
        };
        match &sessions {
            Sessions::Sqlite(store) => store.migrate().await,
            Sessions::Postgres(store) => store.migrate().await,
        }
        .map_err(|e| format!("session table: {e}"))?;
        Ok(sessions)
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.create(record).await,
            Sessions::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.save(record).await,
            Sessions::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(store) => store.load(id).await,
            Sessions::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.delete(id).await,
            Sessions::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.delete_expired().await,
            Sessions::Postgres(store) => store.delete_expired().await,
        }
    }
}
