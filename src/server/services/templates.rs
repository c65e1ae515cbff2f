//! Templates (canned replies): an agent lists the ones they may use, and saves or deletes
//! their own; shared ones belong to an inbox and are managed by its supervisors and admins.

use crate::error::AppError;
use crate::model::{Me, Template, TemplateScope};
use crate::server::services;
use crate::server::state::AppState;
use crate::server::store::NewTemplate;

/// The templates an agent may use: their own and those of their inboxes.
pub async fn list(state: &AppState, agent: &Me) -> Result<Vec<Template>, AppError> {
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    Ok(state.store.templates_for(agent.id, &inbox_ids).await?)
}

/// Creates (`id` none) or replaces a template. Personal when `inbox_id` is none; shared with an
/// inbox otherwise, which only a supervisor or admin of that inbox may do.
pub async fn save(
    state: &AppState,
    agent: &Me,
    id: Option<i64>,
    fields: (&str, &str, &str),
    inbox_id: Option<i64>,
) -> Result<Template, AppError> {
    let (title, shortcut, body) = crate::templates::validate(fields.0, fields.1, fields.2)?;
    let scope = match inbox_id {
        Some(inbox_id) => {
            may_share(state, agent, inbox_id).await?;
            TemplateScope::Inbox { inbox_id }
        }
        None => TemplateScope::Personal { agent_id: agent.id },
    };
    if let Some(id) = id {
        editable(state, agent, id).await?;
    }
    let new = NewTemplate {
        title: &title,
        shortcut: &shortcut,
        body: &body,
        scope,
    };
    let mut tx = state.store.write().await?;
    let template = match id {
        Some(id) => {
            tx.update_template(id, &new).await?;
            Template {
                id,
                title: title.clone(),
                shortcut: shortcut.clone(),
                body: body.clone(),
                scope,
            }
        }
        None => tx.insert_template(&new).await?,
    };
    tx.commit(&state.hub).await?;
    Ok(template)
}

/// Deletes a template the agent may manage.
pub async fn delete(state: &AppState, agent: &Me, id: i64) -> Result<(), AppError> {
    editable(state, agent, id).await?;
    let mut tx = state.store.write().await?;
    tx.delete_template(id).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// A template the agent may change: their own, or one shared with an inbox they supervise.
/// Others' personal templates are not found.
async fn editable(state: &AppState, agent: &Me, id: i64) -> Result<Template, AppError> {
    let template = state
        .store
        .template(id)
        .await?
        .ok_or_else(|| AppError::not_found("template"))?;
    match template.scope {
        TemplateScope::Personal { agent_id } if agent_id == agent.id => Ok(template),
        TemplateScope::Personal { .. } => Err(AppError::not_found("template")),
        TemplateScope::Inbox { inbox_id } => {
            may_share(state, agent, inbox_id).await?;
            Ok(template)
        }
    }
}

/// Only supervisors and admins share templates, in inboxes they may see.
async fn may_share(state: &AppState, agent: &Me, inbox_id: i64) -> Result<(), AppError> {
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    if !inbox_ids.contains(&inbox_id) {
        return Err(AppError::not_found("inbox"));
    }
    if crate::templates::may_share(agent.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
