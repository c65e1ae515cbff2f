//! Tracking: page views (visits, the page feed in the chat, the online table), leaving, and
//! the ticker that sends the online table's changes once a second.

use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;

use crate::error::AppError;
use crate::model::SystemLine;
use crate::protocol::{Event, PageReport};
use crate::server::client_info::{self, ClientInfo};
use crate::server::online::TabId;
use crate::server::services::system_line;
use crate::server::state::AppState;
use crate::server::store::{NewPageView, NewVisit, Visitor, now_millis};
use crate::tracking;

/// How often the online table's changes are sent (and departures swept).
pub const TICK: Duration = Duration::from_secs(1);
/// Every this many ticks, the visits of everyone on the site are marked as seen now.
const SEEN_EVERY_TICKS: u32 = 60;

/// A visitor opened a page. Starts a visit after a long absence, records the page (a repeat
/// of the page they are on is not a new view), tells the team in an open conversation, and
/// puts the visitor's row in the online table as reported by their tab `tab`.
pub async fn page_viewed(
    state: &AppState,
    visitor: &Visitor,
    client: &ClientInfo,
    report: &PageReport,
    tab: TabId,
) -> Result<(), AppError> {
    let mut page = tracking::validate_page(&report.url, &report.title, &report.referrer)?;
    let env = tracking::clean_environment(
        report.screen.as_deref(),
        report.language.as_deref(),
        report.time_zone.as_deref(),
    );
    let on_site = state.online.is_on_site(visitor.id);
    // A page of a visit that goes on is written with the others waiting; whatever the lane
    // hands back is written here.
    if let Some(row) = state
        .page_lane
        .record(visitor, page.clone(), env.clone(), on_site)
        .await
    {
        if let Some(row) = row {
            state.online.arrive(row, tab, report);
        }
        return Ok(());
    }
    // Whatever the tracker sent, only what the inbox keeps is stored.
    let kept = state
        .store
        .inbox(visitor.inbox_id)
        .await?
        .map(|inbox| inbox.kept_query_params)
        .unwrap_or_default();
    page.url = tracking::kept_address(&page.url, &kept);
    page.referrer = tracking::kept_address(&page.referrer, "");
    let now = now_millis();
    let mut tx = state.store.write().await?;
    let facts = tx.visit_facts(visitor.id).await?;
    let new_visit = tracking::starts_new_visit(
        facts.last_seen_at,
        on_site,
        now,
        state.settings.visit_gap_ms,
    );
    let (visit_id, new_page) = match facts.visit_id {
        Some(visit_id) if !new_visit => (
            visit_id,
            facts.open_page_url.as_deref() != Some(page.url.as_str()),
        ),
        _ => {
            let software = client_info::parse_user_agent(&client.user_agent);
            let (city, country) = match (&state.geoip, client.ip) {
                (Some(geoip), Some(ip)) => geoip.locate(ip),
                _ => (None, None),
            };
            let ip = client.ip.map(|ip| {
                if state.settings.truncate_ips {
                    tracking::truncate_ip(ip)
                } else {
                    ip
                }
            });
            let visit_id = tx
                .insert_visit(NewVisit {
                    visitor_id: visitor.id,
                    at: now,
                    landing: &page,
                    ip: ip.map(|ip| ip.to_string()),
                    user_agent: &client.user_agent,
                    browser: software.browser,
                    os: software.os,
                    device: software.device,
                    city,
                    country,
                })
                .await?;
            (visit_id, true)
        }
    };
    if new_page {
        let view = NewPageView {
            visit_id,
            visitor_id: visitor.id,
            page: &page,
        };
        tx.record_page_views(&[view], now).await?;
        if let Some(conversation) = tx.open_conversation_of(visitor.id).await? {
            system_line(
                &mut tx,
                &conversation,
                SystemLine::PageViewed {
                    title: page.title.clone(),
                    url: page.url.clone(),
                },
            )
            .await?;
        }
    } else {
        tx.touch_current_visits(&[(visit_id, visitor.id)], now)
            .await?;
    }
    if env != tracking::Environment::default() {
        tx.set_environments(&[(visitor.id, &env)]).await?;
    }
    tx.commit(&state.hub).await?;
    if let Some(row) = state.store.online_row(visitor.id).await? {
        state.online.arrive(row, tab, report);
    }
    Ok(())
}

/// Ends every page left open by a process that is gone: of everyone not on the site now
/// (nobody, at the start of the only node).
pub async fn end_open_page_views(state: &AppState) -> Result<(), AppError> {
    let on_site = state.online.everyone();
    let mut tx = state.store.write().await?;
    tx.end_open_page_views_but(&on_site).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Starts the ticker: once a second it lets visitors whose grace period is over leave (their
/// page ends when their last tab closed) and broadcasts the table's changes; between ticks it
/// refreshes the rows of visitors whose chat or details changed.
pub fn start_ticker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = state.hub.subscribe_all();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks = 0u32;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let gone = state.online.sweep(now_millis(), state.settings.visitor_grace_ms);
                    for (visitor_id, at) in gone {
                        if let Err(e) = record_departure(&state, visitor_id, at).await {
                            tracing::error!(visitor_id, "cannot record a departure: {e}");
                        }
                    }
                    state.online.take_changes();
                    ticks = ticks.wrapping_add(1);
                    if ticks.is_multiple_of(SEEN_EVERY_TICKS)
                        && let Err(e) = mark_present_seen(&state).await
                    {
                        tracing::error!("cannot mark visitors as seen: {e}");
                    }
                }
                event = events.recv() => match event {
                    Ok(event) => {
                        let about_visitor = matches!(
                            event.event,
                            Event::ConversationOpened { .. }
                                | Event::ConversationClosed { .. }
                                | Event::VisitorUpdated { .. }
                        );
                        if let (true, Some(visitor_id)) = (about_visitor, event.visitor_id)
                            && state.online.is_on_site(visitor_id)
                        {
                            refresh_rows(&state, &[visitor_id]).await;
                        }
                    }
                    // Some changes were missed: every row is read again.
                    Err(RecvError::Lagged(_)) => refresh_rows(&state, &state.online.present()).await,
                    Err(RecvError::Closed) => return,
                },
            }
        }
    })
}

/// Reads the rows of these visitors again (their name or chats changed).
async fn refresh_rows(state: &AppState, visitor_ids: &[i64]) {
    for visitor_id in visitor_ids {
        match state.store.online_row(*visitor_id).await {
            Ok(Some(row)) => state.online.refresh(row),
            Ok(None) => {}
            Err(e) => tracing::error!(visitor_id, "cannot refresh a row: {e}"),
        }
    }
}

/// Marks the visits of everyone with a tab open as seen now.
async fn mark_present_seen(state: &AppState) -> Result<(), AppError> {
    let present = state.online.present();
    if present.is_empty() {
        return Ok(());
    }
    let mut tx = state.store.write().await?;
    tx.touch_latest_visits(&present, now_millis()).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Ends a visitor's visit at `at` (their page view ends), unless they are back on the site.
pub async fn record_departure(state: &AppState, visitor_id: i64, at: i64) -> Result<(), AppError> {
    if state.online.is_on_site(visitor_id) {
        // They came back meanwhile: the visit goes on.
        return Ok(());
    }
    let mut tx = state.store.write().await?;
    tx.visitor_left(visitor_id, at).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}
