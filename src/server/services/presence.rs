//! Agents' presence: chosen, kept by open workspaces, and their sound setting.

use crate::error::AppError;
use crate::model::{AgentRef, Me, Presence};
use crate::protocol::Event;
use crate::rules::{self, TimerKind};
use crate::server::connections::ConnectionId;
use crate::server::state::AppState;
use crate::server::store::{PresenceState, WriteTx, now_millis};

use super::*;

/// Sets what the agent chose in the top bar; colleagues see it at once (they are connected,
/// since they chose it).
pub async fn set_presence(state: &AppState, agent: &Me, chosen: Presence) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let before = tx
        .presence(agent.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let after = PresenceState {
        chosen,
        shown: chosen,
    };
    save_presence(&mut tx, agent.id, before, after).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Turns the agent's notification sounds on or off (remembered for their next sign-in).
pub async fn set_sound(state: &AppState, agent: &Me, on: bool) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    tx.set_sound_on(agent.id, on).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// A workspace connection opened: the agent is present again (as they chose) and their grace
/// period, if one was running, is over.
pub async fn agent_connected(state: &AppState, agent: &Me) -> Result<ConnectionId, AppError> {
    let (connection, first) = state.connections.open(AgentRef {
        id: agent.id,
        name: agent.name.clone(),
    });
    if first {
        crate::server::cluster::note_agent_socket(state, agent.id).await;
        let mut tx = state.store.write().await?;
        tx.cancel_timer(TimerKind::AgentOffline, agent.id).await?;
        if let Some(before) = tx.presence(agent.id).await? {
            let after = PresenceState {
                shown: before.chosen,
                ..before
            };
            save_presence(&mut tx, agent.id, before, after).await?;
        }
        tx.commit(&state.hub).await?;
    }
    Ok(connection)
}

/// A workspace connection closed: when it was the agent's last one, the grace period starts.
pub async fn agent_disconnected(
    state: &AppState,
    connection: ConnectionId,
) -> Result<(), AppError> {
    let Some((agent_id, true)) = state.connections.close(connection) else {
        return Ok(());
    };
    crate::server::cluster::note_agent_socket(state, agent_id).await;
    let mut tx = state.store.write().await?;
    let secs = tx
        .offline_after(agent_id)
        .await?
        .unwrap_or(state.settings.offline_after_secs);
    schedule(
        &mut tx,
        TimerKind::AgentOffline,
        agent_id,
        now_millis(),
        secs,
        true,
    )
    .await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// At start-up nobody is connected yet: every agent shown present starts the grace period
/// (those who reconnect in time keep their presence).
pub async fn start_presence_grace(state: &AppState) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    tx.schedule_offline_for_present_agents(now_millis(), state.settings.offline_after_secs)
        .await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The agent's "turn off online mode" time in minutes, and the most they may choose.
pub async fn presence_settings(
    state: &AppState,
    agent: &Me,
) -> Result<crate::snapshot::PresenceSettings, AppError> {
    let secs = state
        .store
        .offline_after(agent.id)
        .await?
        .unwrap_or(state.settings.offline_after_secs);
    Ok(crate::snapshot::PresenceSettings {
        offline_after_minutes: (secs + 59) / 60,
        max_minutes: state.settings.offline_after_max_minutes,
    })
}

/// Sets the agent's own "turn off online mode" time (1 minute up to the server's most).
pub async fn set_offline_after(state: &AppState, agent: &Me, minutes: i64) -> Result<(), AppError> {
    let secs = rules::offline_after_secs(minutes, state.settings.offline_after_max_minutes)?;
    let mut tx = state.store.write().await?;
    tx.set_offline_after(agent.id, secs).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

pub(super) async fn save_presence(
    tx: &mut WriteTx,
    agent_id: i64,
    before: PresenceState,
    after: PresenceState,
) -> Result<(), AppError> {
    if before == after {
        return Ok(());
    }
    tx.set_presence(agent_id, after).await?;
    if before.shown != after.shown {
        tx.append_team_event(Event::PresenceChanged {
            agent_id,
            presence: after.shown,
        })
        .await?;
    }
    Ok(())
}
