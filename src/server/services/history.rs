//! Finding conversations: the search box (full-text, within one conversation or across
//! everything the agent may see) and the chat logs (filtered history).

use crate::error::AppError;
use crate::model::{ConversationHit, HistoryFilter, HistoryRow, Me, SearchResults};
use crate::search;
use crate::server::services;
use crate::server::state::AppState;

/// How many messages a search returns.
const MESSAGE_HITS: i64 = 50;
/// How many conversations found by name or email a search returns.
const CONVERSATION_HITS: i64 = 20;
/// How many rows a page of chat logs holds.
pub const HISTORY_PAGE: i64 = 50;

/// Searches what the agent may see: with `conversation_id`, that conversation's visitor and
/// messages; otherwise visitors' names and emails and every message of their inboxes.
pub async fn search(
    state: &AppState,
    agent: &Me,
    query: &str,
    conversation_id: Option<i64>,
) -> Result<SearchResults, AppError> {
    if query.chars().count() > search::MAX_QUERY_CHARS {
        return Err(AppError::invalid("query", "at most 200 characters"));
    }
    let Some(words) = search::query_words(query) else {
        return Ok(SearchResults::default());
    };
    let inbox_ids = match conversation_id {
        Some(id) => vec![
            services::conversation_for_agent(state, agent, id)
                .await?
                .inbox_id,
        ],
        None => services::visible_inbox_ids(state, agent).await?,
    };
    let messages = state
        .store
        .search_messages(&words, &inbox_ids, conversation_id, MESSAGE_HITS)
        .await?;
    let matched = state.store.search_visitors(&words, 200).await?;
    let ids: Vec<i64> = matched.iter().map(|m| m.visitor_id).collect();
    let mut conversations: Vec<ConversationHit> = state
        .store
        .conversations_of_visitors(&ids, &inbox_ids, CONVERSATION_HITS)
        .await?
        .into_iter()
        .filter(|c| conversation_id.is_none_or(|id| c.id == id))
        .filter_map(|summary| {
            let marked = matched
                .iter()
                .find(|m| m.visitor_id == summary.visitor_id)?;
            Some(ConversationHit {
                matched: marked.marked.clone(),
                summary,
            })
        })
        .collect();
    conversations.truncate(CONVERSATION_HITS as usize);
    Ok(SearchResults {
        conversations,
        messages,
    })
}

/// A page of chat logs: conversations of the agent's inboxes matching the filter, newest
/// first.
pub async fn history(
    state: &AppState,
    agent: &Me,
    filter: &HistoryFilter,
    page: i64,
) -> Result<Vec<HistoryRow>, AppError> {
    let offset = page
        .checked_mul(HISTORY_PAGE)
        .filter(|offset| *offset >= 0)
        .ok_or_else(|| AppError::invalid("page", "0 or more"))?;
    history_rows(state, agent, filter, HISTORY_PAGE, offset).await
}

/// Up to `limit` conversations of the agent's inboxes matching the filter, newest first,
/// from `offset` (its `before` is the API's cursor).
pub async fn history_rows(
    state: &AppState,
    agent: &Me,
    filter: &HistoryFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<HistoryRow>, AppError> {
    let mut filter = filter.clone();
    filter.label = filter.label.filter(|l| !l.trim().is_empty());
    let filter = &filter;
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    if filter.inbox_id.is_some_and(|id| !inbox_ids.contains(&id)) {
        return Err(AppError::not_found("inbox"));
    }
    Ok(state
        .store
        .history(&inbox_ids, filter, limit, offset)
        .await?)
}
