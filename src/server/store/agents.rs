//! Agents: accounts, credentials, presence and their sound setting.

use super::row::RowExt;
use sqlx::any::AnyRow;

use crate::model::{AccountState, AgentAccount, Colleague, Me, Millis, Presence, Role};

use super::*;

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
    /// Whether the account may sign in.
    pub state: AccountState,
    /// The version new sessions carry (raised to end every session).
    pub session_version: i64,
}

fn account_state(row: &AnyRow) -> StoreResult<AccountState> {
    let state: String = row.col("state")?;
    AccountState::parse(&state)
        .ok_or_else(|| sqlx::Error::Decode(format!("account state {state}").into()).into())
}

pub(super) fn me_from_row(row: &AnyRow) -> StoreResult<Me> {
    let role: String = row.col("role")?;
    Ok(Me {
        id: row.col("id")?,
        name: row.col("name")?,
        email: row.col("email")?,
        role: Role::parse(&role)
            .ok_or_else(|| sqlx::Error::Decode(format!("role {role}").into()))?,
    })
}

async fn offline_after<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    agent_id: i64,
) -> StoreResult<Option<i64>> {
    let secs: Option<Option<i64>> =
        sqlx::query_scalar("SELECT offline_after_secs FROM agents WHERE id = $1")
            .bind(agent_id)
            .fetch_optional(executor)
            .await?;
    Ok(secs.flatten())
}

pub(super) fn parse_presence(value: &str) -> StoreResult<Presence> {
    Presence::parse(value)
        .ok_or_else(|| sqlx::Error::Decode(format!("presence {value}").into()))
        .map_err(StoreError::from)
}

/// Whether an active member of an inbox is shown Online.
const SOMEONE_ONLINE: &str = "SELECT EXISTS (SELECT 1 FROM inbox_agents m \
     JOIN agents a ON a.id = m.agent_id \
     WHERE m.inbox_id = $1 AND a.presence = 'online' AND a.state = 'active')";

impl Store {
    /// Whether an active member of the inbox is shown Online.
    pub async fn someone_online(&self, inbox_id: i64) -> StoreResult<bool> {
        Ok(sqlx::query(SOMEONE_ONLINE)
            .bind(inbox_id)
            .fetch_one(&self.pool)
            .await?
            .col(0)?)
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
        let row = sqlx::query(
            "SELECT id, name, email, role, password_hash, state, session_version FROM agents \
             WHERE email = $1 AND state <> 'deleted'",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Credentials {
                password_hash: row.col("password_hash")?,
                agent: me_from_row(&row)?,
                state: account_state(&row)?,
                session_version: row.col("session_version")?,
            })
        })
        .transpose()
    }

    /// The password hash of an active agent (to check their current password).
    pub async fn password_hash(&self, id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM agents WHERE id = $1 AND state = 'active'")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// The active agent with this id (disabled and former agents are nobody now).
    pub async fn agent(&self, id: i64) -> StoreResult<Option<Me>> {
        let row = sqlx::query(
            "SELECT id, name, email, role FROM agents WHERE id = $1 AND state = 'active'",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(me_from_row).transpose()
    }

    /// The active agent with this id and the session version their sessions must carry.
    pub async fn agent_session(&self, id: i64) -> StoreResult<Option<(Me, i64)>> {
        let row = sqlx::query(
            "SELECT id, name, email, role, session_version FROM agents \
             WHERE id = $1 AND state = 'active'",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((me_from_row(&row)?, row.col("session_version")?)))
            .transpose()
    }

    /// The name of any agent, former ones included (their pictures still show beside old
    /// replies).
    pub async fn agent_name(&self, id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT name FROM agents WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// Every agent account with its inboxes, by name.
    pub async fn agent_accounts(&self) -> StoreResult<Vec<AgentAccount>> {
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.name, a.email, a.role, a.state, \
             {inbox_ids} AS inbox_ids \
             FROM agents a ORDER BY a.state = 'deleted', lower(a.name)",
            inbox_ids = self
                .backend
                .json_array_of("inbox_id", "FROM inbox_agents WHERE agent_id = a.id")
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let me = me_from_row(row)?;
                let inbox_ids: String = row.col("inbox_ids")?;
                Ok(AgentAccount {
                    id: me.id,
                    name: me.name,
                    email: me.email,
                    role: me.role,
                    inbox_ids: serde_json::from_str(&inbox_ids).map_err(decode_error)?,
                    state: account_state(row)?,
                })
            })
            .collect()
    }

    /// Every active agent with their presence and inboxes, by name.
    pub async fn colleagues(&self) -> StoreResult<Vec<Colleague>> {
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.name, a.presence, \
             {inbox_ids} AS inbox_ids \
             FROM agents a WHERE a.state = 'active' ORDER BY lower(a.name), a.id",
            inbox_ids = self
                .backend
                .json_array_of("inbox_id", "FROM inbox_agents WHERE agent_id = a.id")
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let presence: String = row.col("presence")?;
                let inbox_ids: String = row.col("inbox_ids")?;
                Ok(Colleague {
                    id: row.col("id")?,
                    name: row.col("name")?,
                    presence: parse_presence(&presence)?,
                    inbox_ids: serde_json::from_str(&inbox_ids).map_err(decode_error)?,
                })
            })
            .collect()
    }

    /// [`WriteTx::offline_after`], outside a transaction.
    pub async fn offline_after(&self, agent_id: i64) -> StoreResult<Option<i64>> {
        offline_after(&self.pool, agent_id).await
    }

    /// Whether the agent's workspace plays sounds.
    pub async fn sound_on(&self, agent_id: i64) -> StoreResult<bool> {
        let row = sqlx::query("SELECT sound_on FROM agents WHERE id = $1")
            .bind(agent_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.col(0)).transpose()?.unwrap_or(true))
    }
}

impl WriteTx {
    /// Whether an active member of the inbox is shown Online, read inside the transaction.
    pub async fn someone_online(&mut self, inbox_id: i64) -> StoreResult<bool> {
        Ok(sqlx::query(SOMEONE_ONLINE)
            .bind(inbox_id)
            .fetch_one(&mut *self.tx)
            .await?
            .col(0)?)
    }

    /// An agent's presence, read inside the transaction.
    pub async fn presence(&mut self, agent_id: i64) -> StoreResult<Option<PresenceState>> {
        let row = sqlx::query("SELECT chosen_presence, presence FROM agents WHERE id = $1")
            .bind(agent_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|row| {
            let chosen: String = row.col(0)?;
            let shown: String = row.col(1)?;
            Ok(PresenceState {
                chosen: parse_presence(&chosen)?,
                shown: parse_presence(&shown)?,
            })
        })
        .transpose()
    }

    /// Stores an agent's presence.
    pub async fn set_presence(&mut self, agent_id: i64, state: PresenceState) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET chosen_presence = $1, presence = $2 WHERE id = $3")
            .bind(state.chosen.as_str())
            .bind(state.shown.as_str())
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// The agent's own "turn off online mode" time, in seconds (`None`: the server's default).
    pub async fn offline_after(&mut self, agent_id: i64) -> StoreResult<Option<i64>> {
        offline_after(&mut *self.tx, agent_id).await
    }

    /// Sets the agent's own "turn off online mode" time, in seconds (checked by the caller).
    pub async fn set_offline_after(&mut self, agent_id: i64, secs: i64) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET offline_after_secs = $1 WHERE id = $2")
            .bind(secs)
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Turns an agent's sounds on or off.
    pub async fn set_sound_on(&mut self, agent_id: i64, on: bool) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET sound_on = $1 WHERE id = $2")
            .bind(on)
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// The active agent with this id, read inside the transaction.
    pub async fn agent(&mut self, id: i64) -> StoreResult<Option<Me>> {
        let row = sqlx::query(
            "SELECT id, name, email, role FROM agents WHERE id = $1 AND state = 'active'",
        )
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(me_from_row).transpose()
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
            "INSERT INTO agents (name, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now_millis())
        .fetch_one(&mut *self.tx)
        .await.map_err(StoreError::from)
    }

    /// Any account with this id (disabled ones too; not former agents) and its state.
    pub async fn account(&mut self, id: i64) -> StoreResult<Option<(Me, AccountState)>> {
        let row = sqlx::query(
            "SELECT id, name, email, role, state FROM agents WHERE id = $1 AND state <> 'deleted'",
        )
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|row| Ok((me_from_row(&row)?, account_state(&row)?)))
            .transpose()
    }

    /// How many active admins there are (the last one cannot be demoted, disabled or deleted).
    pub async fn active_admin_count(&mut self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM agents WHERE role = 'admin' AND state = 'active'")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(StoreError::from)
    }

    /// Changes an account's name, email and role; the caller has validated them.
    pub async fn update_agent(
        &mut self,
        id: i64,
        name: &str,
        email: &str,
        role: Role,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE agents SET name = $1, email = $2, role = $3 WHERE id = $4")
            .bind(name)
            .bind(email)
            .bind(role.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Replaces an agent's password hash and ends every session they have; returns the new
    /// session version.
    pub async fn set_password_hash(&mut self, id: i64, hash: &str) -> StoreResult<i64> {
        sqlx::query_scalar(
            "UPDATE agents SET password_hash = $1, session_version = session_version + 1 \
             WHERE id = $2 RETURNING session_version",
        )
        .bind(hash)
        .bind(id)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(StoreError::from)
    }

    /// Enables or disables an account, ending its sessions.
    pub async fn set_account_state(&mut self, id: i64, state: AccountState) -> StoreResult<()> {
        sqlx::query(
            "UPDATE agents SET state = $1, session_version = session_version + 1 WHERE id = $2",
        )
        .bind(state.as_str())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Makes an account a former agent: no sign-in, no email (free for someone else), no
    /// picture (the files sweep deletes its bytes), no inboxes, no sessions, no API tokens; its
    /// messages keep their names.
    pub async fn forget_agent(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE agents SET state = 'deleted', email = 'former-' || id || '@invalid', \
             password_hash = '!', avatar_key = NULL, avatar_type = NULL, \
             session_version = session_version + 1 WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM inbox_agents WHERE agent_id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.delete_api_tokens_of(id).await?;
        Ok(())
    }

    /// Takes an agent's open tickets off them (they are leaving).
    pub async fn unassign_tickets_of(&mut self, agent_id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE tickets SET assignee_id = NULL WHERE assignee_id = $1 AND status <> 'closed'",
        )
        .bind(agent_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The agents who belong to an inbox.
    pub async fn inbox_member_ids(&mut self, inbox_id: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT agent_id FROM inbox_agents WHERE inbox_id = $1")
            .bind(inbox_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(StoreError::from)
    }

    /// Replaces the inboxes an agent belongs to.
    pub async fn set_agent_inboxes(&mut self, agent_id: i64, inbox_ids: &[i64]) -> StoreResult<()> {
        sqlx::query("DELETE FROM inbox_agents WHERE agent_id = $1")
            .bind(agent_id)
            .execute(&mut *self.tx)
            .await?;
        for inbox_id in inbox_ids {
            sqlx::query("INSERT INTO inbox_agents (inbox_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(inbox_id)
                .bind(agent_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Every active agent's id.
    pub async fn agent_ids(&mut self) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT id FROM agents WHERE state = 'active'")
            .fetch_all(&mut *self.tx)
            .await
            .map_err(StoreError::from)
    }

    /// Schedules the offline timer of every agent shown as present who has none, each after
    /// their own time (`default_secs` for those who chose none): at start-up nobody is
    /// connected to a fresh process.
    pub async fn schedule_offline_for_present_agents(
        &mut self,
        now: Millis,
        default_secs: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO timers (kind, subject_id, due_at) \
             SELECT 'agent_offline', id, $1 + COALESCE(offline_after_secs, $2) * 1000 FROM agents \
             WHERE presence <> 'offline' AND state = 'active' ON CONFLICT DO NOTHING",
        )
        .bind(now)
        .bind(default_secs)
        .execute(&mut *self.tx)
        .await?;
        self.timers_changed = true;
        Ok(())
    }
}
