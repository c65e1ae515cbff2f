//! The SQL of personal access tokens.

use sqlx::any::AnyRow;

use super::agents::me_from_row;
use super::row::RowExt;
use super::{Store, StoreResult, WriteTx, now_millis};
use crate::api_tokens::{ApiToken, TokenScope};
use crate::model::Me;

const TOKEN_COLUMNS: &str = "SELECT id, name, scope, created_at, last_used_at FROM api_tokens";

/// Who a presented secret belongs to.
pub struct TokenHolder {
    /// The token's id.
    pub token_id: i64,
    /// Its agent, active.
    pub agent: Me,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was last used.
    pub last_used_at: Option<i64>,
}

impl Store {
    /// An agent's tokens, newest first.
    pub async fn api_tokens_of(&self, agent_id: i64) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "{TOKEN_COLUMNS} WHERE agent_id = $1 ORDER BY id DESC"
        ))
        .bind(agent_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// The token whose secret hashes to `secret_hash`, with its agent, when that agent's
    /// account is active (a disabled or former agent's tokens do nothing).
    pub async fn api_token_holder(&self, secret_hash: &str) -> StoreResult<Option<TokenHolder>> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.scope, t.last_used_at, a.id, a.name, a.email, a.role \
             FROM api_tokens t JOIN agents a ON a.id = t.agent_id \
             WHERE t.secret_hash = $1 AND a.state = 'active'",
        )
        .bind(secret_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let scope: String = row.col("scope")?;
            Ok(TokenHolder {
                token_id: row.col("token_id")?,
                agent: me_from_row(&row)?,
                scope: TokenScope::parse(&scope)
                    .ok_or_else(|| sqlx::Error::Decode(format!("scope {scope}").into()))?,
                last_used_at: row.col("last_used_at")?,
            })
        })
        .transpose()
    }
}

impl WriteTx {
    /// Keeps a new token (its secret's hash) for an agent.
    pub async fn insert_api_token(
        &mut self,
        agent_id: i64,
        name: &str,
        secret_hash: &str,
        scope: TokenScope,
    ) -> StoreResult<ApiToken> {
        let created_at = now_millis();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (agent_id, name, secret_hash, scope, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(agent_id)
        .bind(name)
        .bind(secret_hash)
        .bind(scope.as_str())
        .bind(created_at)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(ApiToken {
            id,
            name: name.to_owned(),
            scope,
            created_at,
            last_used_at: None,
        })
    }

    /// How many tokens an agent holds.
    pub async fn count_api_tokens(&mut self, agent_id: i64) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE agent_id = $1")
                .bind(agent_id)
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    /// Revokes one of an agent's tokens; false when they hold none with that id.
    pub async fn delete_api_token(&mut self, agent_id: i64, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND agent_id = $2")
            .bind(id)
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Revokes every token of an agent (a password reset, a disabled account).
    pub async fn delete_api_tokens_of(&mut self, agent_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM api_tokens WHERE agent_id = $1")
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Notes that a token was used now.
    pub async fn touch_api_token(&mut self, id: i64, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

fn token_from_row(row: &AnyRow) -> StoreResult<ApiToken> {
    let scope: String = row.col("scope")?;
    Ok(ApiToken {
        id: row.col("id")?,
        name: row.col("name")?,
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| sqlx::Error::Decode(format!("scope {scope}").into()))?,
        created_at: row.col("created_at")?,
        last_used_at: row.col("last_used_at")?,
    })
}
