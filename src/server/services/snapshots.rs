//! What each screen starts from: the workspace, the widget and the admin page each load one
//! snapshot, then follow the live events after its `last_event_id`. What a visitor may not see
//! (agent-only lines, labels) is left out here, not in the layer that sends it.

use crate::error::AppError;
use crate::model::{Me, Message, Role};
use crate::server::state::AppState;
use crate::snapshot::{AdminOverview, BlockNotice, Webhook, WidgetSnapshot, WorkspaceSnapshot};

use super::{blocking, remember_locale, visible_inboxes, visitor_for_widget};

/// Everything an agent's workspace starts from: their inboxes, the latest conversations in
/// them, the team, unread counts and the number of visitors on the site.
pub async fn workspace_snapshot(state: &AppState, me: Me) -> Result<WorkspaceSnapshot, AppError> {
    let last_event_id = state.store.last_event_id().await?;
    let inboxes = visible_inboxes(state, &me).await?;
    let ids: Vec<i64> = inboxes.iter().map(|i| i.id).collect();
    let conversations = state.store.conversations_of_inboxes(&ids, 100).await?;
    let team = state.store.colleagues().await?;
    let unread = state.store.unread_for(me.id, &ids).await?;
    let sound_on = state.store.sound_on(me.id).await?;
    let online_visitors = state.online.count(&ids);
    Ok(WorkspaceSnapshot {
        online_visitors,
        me,
        inboxes,
        conversations,
        team,
        unread,
        sound_on,
        last_event_id,
    })
}

/// The widget's start: the visitor behind `token` (or a new one) in the inbox of `key`, their
/// conversations and the messages a visitor may see, and whether they are blocked (checked
/// against their address `ip` too). `locale` is the widget's language, kept for their emails.
pub async fn widget_snapshot(
    state: &AppState,
    key: &str,
    token: Option<&str>,
    locale: Option<String>,
    ip: Option<std::net::IpAddr>,
) -> Result<WidgetSnapshot, AppError> {
    let last_event_id = state.store.last_event_id().await?;
    let (inbox, visitor, new_token) = visitor_for_widget(state, key, token, ip).await?;
    let blocked = blocking::in_force(state, &visitor, ip)
        .await?
        .map(|block| BlockNotice { until: block.until });
    // A blocked visitor changes nothing, not even their language.
    if let (Some(locale), None) = (locale, &blocked) {
        remember_locale(state, &visitor, &locale).await?;
    }
    let messages = state
        .store
        .messages_of_visitor(visitor.id)
        .await?
        .into_iter()
        .filter(|m| m.system.as_ref().is_none_or(|line| line.for_visitor()))
        .map(Message::formatted_for_visitor)
        .collect();
    let mut conversations = state.store.conversations_of_visitor(visitor.id).await?;
    for conversation in &mut conversations {
        conversation.labels.clear();
    }
    let departments = super::widget::departments_offered(state, &inbox).await?;
    let chatting = conversations
        .iter()
        .any(|c| c.status != crate::model::ConversationStatus::Closed);
    let offline = !chatting && !super::widget::takes_chats(state, &inbox).await?;
    let ask_form = !chatting
        && !offline
        && inbox.widget.asks_before_chat(departments.len())
        && !state.store.form_answered(visitor.id).await?;
    Ok(WidgetSnapshot {
        ask_form,
        offline,
        new_token,
        conversations,
        messages,
        files: inbox.files,
        typing_preview: inbox.typing_preview,
        blocked,
        last_event_id,
    })
}

/// The admin page: inboxes, accounts and webhooks. Admins only. `site_url` is where this
/// server is reached from the admin's browser (the widget snippet points there).
pub async fn admin_overview(
    state: &AppState,
    me: &Me,
    site_url: String,
) -> Result<AdminOverview, AppError> {
    if me.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    Ok(AdminOverview {
        inboxes: state.store.inboxes().await?,
        agents: state.store.agent_accounts().await?,
        site_url,
        webhooks: state
            .store
            .webhooks()
            .await?
            .into_iter()
            .map(|(inbox_id, url, secret)| Webhook {
                inbox_id,
                url,
                secret,
            })
            .collect(),
        webhook_endpoints: state.store.webhook_endpoints().await?,
    })
}
