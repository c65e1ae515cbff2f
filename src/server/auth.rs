//! Credentials: argon2 password hashes, visitor tokens, and the agent behind a session.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use crate::error::AppError;
use crate::model::Me;
use crate::server::state::AppState;

/// Session key holding the signed-in agent's id.
const AGENT_ID_KEY: &str = "agent_id";
/// The session key of the account's session version when the session began.
const VERSION_KEY: &str = "session_version";

/// How many password hashes run at once: each takes 19 MiB and a core for a while (on
/// purpose), so a burst of sign-ins waits its turn instead of exhausting memory and CPU.
const HASHES_AT_ONCE: usize = 2;

/// The turns for [`HASHES_AT_ONCE`].
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHES_AT_ONCE);

/// Waits for a turn to hash.
async fn hashing_turn() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    HASHING
        .acquire()
        .await
        .map_err(|e| internal("hashing turn", e))
}

/// Hashes a password with argon2id and a random salt (off the async runtime, one of
/// [`HASHES_AT_ONCE`]: it is slow on purpose).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let _turn = hashing_turn().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::rng().random::<[u8; 16]>())
            .map_err(|e| internal("salt", e))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| internal("hash", e))
    })
    .await
    .map_err(|e| internal("hash task", e))?
}

/// Whether `password` matches the stored PHC `hash`.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    let _turn = hashing_turn().await?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| internal("stored hash", e))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| internal("verify task", e))?
}

/// A hash to verify against when no account matches, so a wrong email takes as long as a
/// wrong password.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7Gk0NYsdsFqGS4bY4hT3dSJLq9Q6bS4vZ7zYb0Ww3xQ";

/// Whether two secrets are the same, compared as SHA-256 digests (so the time taken says
/// nothing about how much of a guess was right).
pub fn same_secret(expected: &str, given: &str) -> bool {
    Sha256::digest(expected.as_bytes()) == Sha256::digest(given.as_bytes())
}

/// A new random secret (32 bytes, URL-safe hex), for visitor tokens and inbox keys.
pub fn random_token(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// The SHA-256 of a visitor token, which is what the database keeps.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records the signed-in agent in the session (a new session id, against fixation) with the
/// account's session version: raising it ends this session.
pub async fn sign_in(session: &Session, agent_id: i64, version: i64) -> Result<(), AppError> {
    session
        .cycle_id()
        .await
        .map_err(|e| internal("session cycle", e))?;
    session
        .insert(AGENT_ID_KEY, agent_id)
        .await
        .map_err(|e| internal("session insert", e))?;
    session
        .insert(VERSION_KEY, version)
        .await
        .map_err(|e| internal("session insert", e))
}

/// Forgets the session entirely and closes the sockets opened with it.
pub async fn sign_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    let agent_id: Option<i64> = session.get(AGENT_ID_KEY).await.ok().flatten();
    let session_id = session.id().map(|id| id.to_string());
    session
        .flush()
        .await
        .map_err(|e| internal("session flush", e))?;
    if let (Some(agent_id), Some(session_id)) = (agent_id, session_id) {
        state.connections.end(
            agent_id,
            crate::server::connections::Sessions::Only(&session_id),
        );
    }
    Ok(())
}

/// Keeps this session signed in after the account's session version was raised (a password
/// changed on it), where every other session ends.
pub async fn keep_session(session: &Session, version: i64) -> Result<(), AppError> {
    session
        .insert(VERSION_KEY, version)
        .await
        .map_err(|e| internal("session insert", e))
}

/// The agent signed in on this session, or `Unauthenticated`: also when the account was
/// disabled or deleted, or its sessions were ended (the session's version is older).
pub async fn current_agent(state: &AppState, session: &Session) -> Result<Me, AppError> {
    current_agent_version(state, session)
        .await
        .map(|(me, _)| me)
}

/// [`current_agent`] with the session version it was checked against (a socket checks it
/// again once it is registered, so an ending in between is not missed).
pub async fn current_agent_version(
    state: &AppState,
    session: &Session,
) -> Result<(Me, i64), AppError> {
    let id: Option<i64> = session
        .get(AGENT_ID_KEY)
        .await
        .map_err(|e| internal("session read", e))?;
    let Some(id) = id else {
        return Err(AppError::Unauthenticated);
    };
    let version: i64 = session
        .get(VERSION_KEY)
        .await
        .map_err(|e| internal("session read", e))?
        .unwrap_or(0);
    match state.store.agent_session(id).await? {
        Some((me, current)) if current == version => Ok((me, version)),
        _ => Err(AppError::Unauthenticated),
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::error!("{what}: {e}");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse".into()).await.expect("hash");
        assert!(
            verify_password("correct horse".into(), hash.clone())
                .await
                .expect("verify")
        );
        assert!(
            !verify_password("wrong horse".into(), hash)
                .await
                .expect("verify")
        );
        assert!(
            !verify_password("x".into(), DUMMY_HASH.into())
                .await
                .expect("dummy")
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token(32));
        assert_eq!(token_hash("abc").len(), 64);
        assert_eq!(token_hash("abc"), token_hash("abc"));
    }
}
