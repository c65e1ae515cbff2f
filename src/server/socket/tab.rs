//! A visitor socket as an open tab of the site: counted in the online table from its first
//! page report until the socket ends, however it ends.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::server::client_info::ClientInfo;
use crate::server::online::TabId;
use crate::server::services::tracking;
use crate::server::state::AppState;
use crate::server::store::{Visitor, now_millis};

/// Makes a visitor socket an open tab of the site from its first page report until it ends
/// (on drop, however the connection ends). Boxed: the connection's state stays small.
pub(super) struct TabGuard(Box<Tab>);

struct Tab {
    state: AppState,
    visitor: Visitor,
    client: ClientInfo,
    id: TabId,
    open: AtomicBool,
}

impl TabGuard {
    /// A new tab of `visitor`, not counted until its first page.
    pub(super) fn new(state: &AppState, visitor: &Visitor, client: &ClientInfo) -> TabGuard {
        TabGuard(Box::new(Tab {
            state: state.clone(),
            visitor: visitor.clone(),
            client: client.clone(),
            id: state.online.new_tab(),
            open: AtomicBool::new(false),
        }))
    }

    /// Counts the socket as an open tab (its first page was recorded).
    pub(super) fn mark_open(&self) {
        self.0.open.store(true, Ordering::SeqCst);
    }

    /// This tab's id in the online table.
    pub(super) fn id(&self) -> TabId {
        self.0.id
    }
}

impl Drop for TabGuard {
    fn drop(&mut self) {
        let tab = &self.0;
        if !tab.open.load(Ordering::SeqCst) {
            return;
        }
        // Closing the tab viewed last puts the visitor back on the page of another one.
        if let Some((other, page)) =
            tab.state
                .online
                .tab_closed(tab.visitor.id, tab.id, now_millis())
        {
            let (state, visitor, client) =
                (tab.state.clone(), tab.visitor.clone(), tab.client.clone());
            // Counted with the sockets: a graceful stop commits it before closing the store.
            let shutdown = state.shutdown.clone();
            tokio::spawn(shutdown.track(async move {
                if let Err(e) = tracking::page_viewed(&state, &visitor, &client, &page, other).await
                {
                    tracing::debug!("cannot go back to another tab's page: {e}");
                }
            }));
        }
    }
}
