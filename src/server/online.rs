//! The visitors on the site now, in memory: one row per visitor with a tab open (or gone for
//! less than the leaving grace period), and the changes since the last batch. A ticker takes
//! the changes once a second and broadcasts them as one batch, so an agent watching 5,000
//! browsing visitors gets one frame a second rather than one per page view. In a cluster each
//! node keeps the rows of the visitors connected to it and hands its changes, once a second,
//! to the [`Relay`]; the other nodes' rows come back and are shown with this node's.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::model::{Millis, OnlineVisitor};
use crate::protocol::PageReport;
use crate::server::relay::{News, Relay};

/// How many batches a slow agent socket may fall behind by before it reloads the table.
const BATCH_CAPACITY: usize = 64;

/// One batch of changes, for every agent socket (each keeps what its inboxes may see).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Increases by one per batch; a table snapshot carries the last one taken.
    pub seq: u64,
    /// Rows that appeared or changed, whole.
    pub changed: Vec<OnlineVisitor>,
    /// Visitors who left, as (inbox id, visitor id).
    pub left: Vec<(i64, i64)>,
    /// Visitors online per inbox after the batch.
    pub counts: HashMap<i64, usize>,
}

impl Changes {
    /// How many visitors of these inboxes are online.
    pub fn count(&self, inbox_ids: &[i64]) -> usize {
        inbox_ids.iter().filter_map(|id| self.counts.get(id)).sum()
    }
}

/// The registry. Cheap to clone; all clones share it.
#[derive(Clone)]
pub struct OnlineVisitors {
    /// A std mutex held only for map updates, never across an await.
    inner: Arc<Mutex<Inner>>,
    /// Fan-out of batches to every agent socket.
    batches: broadcast::Sender<Arc<Changes>>,
    /// News for the other nodes of a cluster.
    relay: Relay,
}

#[derive(Default)]
struct Inner {
    visitors: HashMap<i64, Entry>,
    /// Visitors whose row changed since the last batch.
    changed: BTreeSet<i64>,
    /// Visitors who left since the last batch.
    left: Vec<(i64, i64)>,
    /// The last batch taken.
    seq: u64,
    /// The last tab id given out.
    last_tab: TabId,
    /// Orders page reports across tabs.
    reports: u64,
    /// The rows of the other nodes of a cluster, by node.
    remote: HashMap<String, HashMap<i64, OnlineVisitor>>,
    /// This node's visitors whose row changed since the last batch, for the other nodes.
    relay_changed: BTreeSet<i64>,
    /// This node's visitors who left since the last batch, for the other nodes.
    relay_left: Vec<i64>,
}

impl Inner {
    /// A visitor's row, from this node or (when they have no tab here) another.
    fn merged_row(&self, visitor_id: i64) -> Option<&OnlineVisitor> {
        self.visitors
            .get(&visitor_id)
            .map(|e| &e.row)
            .or_else(|| self.remote.values().find_map(|rows| rows.get(&visitor_id)))
    }

    /// Every visitor on the site, each once: this node's rows, then the others'.
    fn merged_rows(&self) -> impl Iterator<Item = &OnlineVisitor> {
        let mut seen = std::collections::HashSet::new();
        self.visitors
            .values()
            .map(|e| &e.row)
            .chain(self.remote.values().flat_map(|rows| rows.values()))
            .filter(move |row| seen.insert(row.visitor_id))
    }

    /// A visitor left one node's share: on the site no more, or still (with another row).
    fn gone_from_one_node(&mut self, inbox_id: i64, visitor_id: i64) {
        if self.merged_row(visitor_id).is_some() {
            self.changed.insert(visitor_id);
        } else {
            self.changed.remove(&visitor_id);
            self.left.push((inbox_id, visitor_id));
        }
    }
}

/// Identifies one tab (tracker socket) of a visitor.
pub type TabId = u64;

struct Entry {
    row: OnlineVisitor,
    /// Open tabs (sockets that reported a page): the page each is on, and when it reported
    /// it (in report order), so closing the tab viewed last brings back another's page.
    tabs: Vec<(TabId, u64, PageReport)>,
    /// When the last tab closed; `None` while one is open.
    gone_since: Option<Millis>,
}

impl Default for OnlineVisitors {
    fn default() -> Self {
        OnlineVisitors {
            inner: Arc::default(),
            batches: broadcast::channel(BATCH_CAPACITY).0,
            relay: Relay::default(),
        }
    }
}

impl OnlineVisitors {
    /// Whether the visitor is on the site (a tab open on any node, or gone for less than the
    /// grace period).
    pub fn is_on_site(&self, visitor_id: i64) -> bool {
        self.lock().merged_row(visitor_id).is_some()
    }

    /// A visitor's row as it is now, if they are on the site.
    pub fn row(&self, visitor_id: i64) -> Option<OnlineVisitor> {
        self.lock().merged_row(visitor_id).cloned()
    }

    /// A new tab id.
    pub fn new_tab(&self) -> TabId {
        let mut inner = self.lock();
        inner.last_tab += 1;
        inner.last_tab
    }

    /// Puts a visitor's fresh row in the table after `tab` reported `page` (the tab counts as
    /// open from its first report).
    pub fn arrive(&self, row: OnlineVisitor, tab: TabId, page: &PageReport) {
        let mut inner = self.lock();
        inner.reports += 1;
        let order = inner.reports;
        let id = row.visitor_id;
        let entry = inner.visitors.entry(id).or_insert_with(|| Entry {
            row: row.clone(),
            tabs: Vec::new(),
            gone_since: None,
        });
        entry.row = row;
        entry.tabs.retain(|(other, _, _)| *other != tab);
        entry.tabs.push((tab, order, page.clone()));
        entry.gone_since = None;
        // Back before their departure was sent: they never left.
        inner.left.retain(|(_, visitor)| *visitor != id);
        inner.changed.insert(id);
        if self.relay.is_connected() {
            inner.relay_left.retain(|visitor| *visitor != id);
            inner.relay_changed.insert(id);
        }
    }

    /// Takes a visitor's new name and chat figures from a fresh row, if they are on the site
    /// (their page stays as the latest page view set it: the row may have been read before
    /// it).
    pub fn refresh(&self, row: OnlineVisitor) {
        let mut inner = self.lock();
        let id = row.visitor_id;
        if let Some(entry) = inner.visitors.get_mut(&id) {
            let current = &mut entry.row;
            let before = current.clone();
            current.label = row.label;
            current.visits = row.visits;
            current.chats = row.chats;
            current.chatting = row.chatting;
            if *current != before {
                inner.changed.insert(id);
                if self.relay.is_connected() {
                    inner.relay_changed.insert(id);
                }
            }
        }
    }

    /// The visitors with a tab open now.
    pub fn present(&self) -> Vec<i64> {
        self.lock()
            .visitors
            .iter()
            .filter(|(_, entry)| !entry.tabs.is_empty())
            .map(|(id, _)| *id)
            .collect()
    }

    /// One of the visitor's tabs closed; with the last one, the grace period starts. When it
    /// was the tab they viewed last and another one shows a different page, returns that tab
    /// and its page: the visitor is back on it.
    pub fn tab_closed(
        &self,
        visitor_id: i64,
        tab: TabId,
        now: Millis,
    ) -> Option<(TabId, PageReport)> {
        let mut inner = self.lock();
        let entry = inner.visitors.get_mut(&visitor_id)?;
        let latest = |tabs: &[(TabId, u64, PageReport)]| {
            tabs.iter().max_by_key(|(_, order, _)| *order).cloned()
        };
        let closed_was_latest = latest(&entry.tabs).filter(|(id, _, _)| *id == tab);
        entry.tabs.retain(|(id, _, _)| *id != tab);
        if entry.tabs.is_empty() {
            entry.gone_since = Some(now);
            return None;
        }
        let (_, _, closed_page) = closed_was_latest?;
        latest(&entry.tabs)
            .filter(|(_, _, page)| page.url != closed_page.url)
            .map(|(id, _, page)| (id, page))
    }

    /// Removes the visitors whose last tab closed at least `grace_ms` ago; returns them with
    /// the moment they left.
    pub fn sweep(&self, now: Millis, grace_ms: Millis) -> Vec<(i64, Millis)> {
        let mut inner = self.lock();
        let gone: Vec<(i64, i64, Millis)> = inner
            .visitors
            .iter()
            .filter_map(|(id, entry)| {
                entry
                    .gone_since
                    .filter(|since| now.saturating_sub(*since) >= grace_ms)
                    .map(|since| (*id, entry.row.inbox_id, since))
            })
            .collect();
        let relayed = self.relay.is_connected();
        for (visitor_id, inbox_id, _) in &gone {
            inner.visitors.remove(visitor_id);
            inner.gone_from_one_node(*inbox_id, *visitor_id);
            if relayed {
                inner.relay_changed.remove(visitor_id);
                inner.relay_left.push(*visitor_id);
            }
        }
        gone.into_iter().map(|(id, _, since)| (id, since)).collect()
    }

    /// Takes what changed since the last batch and broadcasts it (and this node's share of it
    /// to the other nodes); `None` when nothing did.
    pub fn take_changes(&self) -> Option<Arc<Changes>> {
        let batch = {
            let mut inner = self.lock();
            if !inner.relay_changed.is_empty() || !inner.relay_left.is_empty() {
                let changed = std::mem::take(&mut inner.relay_changed)
                    .into_iter()
                    .filter_map(|id| inner.visitors.get(&id).map(|e| e.row.clone()))
                    .collect();
                let left = std::mem::take(&mut inner.relay_left);
                self.relay.send(News::Online { changed, left });
            }
            if inner.changed.is_empty() && inner.left.is_empty() {
                return None;
            }
            inner.seq += 1;
            let changed = std::mem::take(&mut inner.changed)
                .into_iter()
                .filter_map(|id| inner.merged_row(id).cloned())
                .collect();
            Arc::new(Changes {
                seq: inner.seq,
                changed,
                left: std::mem::take(&mut inner.left),
                counts: counts(&inner),
            })
        };
        // An error only means no agent is connected.
        let _ = self.batches.send(Arc::clone(&batch));
        Some(batch)
    }

    /// The whole table for these inboxes, with the last batch it already includes.
    pub fn snapshot(&self, inbox_ids: &[i64]) -> (u64, Vec<OnlineVisitor>) {
        let inner = self.lock();
        let rows = inner
            .merged_rows()
            .filter(|row| inbox_ids.contains(&row.inbox_id))
            .cloned()
            .collect();
        (inner.seq, rows)
    }

    /// How many visitors of these inboxes are online now.
    pub fn count(&self, inbox_ids: &[i64]) -> usize {
        self.lock()
            .merged_rows()
            .filter(|row| inbox_ids.contains(&row.inbox_id))
            .count()
    }

    /// Every visitor on the site, on any node.
    pub fn everyone(&self) -> Vec<i64> {
        self.lock()
            .merged_rows()
            .map(|row| row.visitor_id)
            .collect()
    }

    /// This node's rows (what a node that joins the cluster is told).
    pub fn local_rows(&self) -> Vec<OnlineVisitor> {
        self.lock()
            .visitors
            .values()
            .map(|e| e.row.clone())
            .collect()
    }

    /// Takes another node's changes to its share of the table; they go out with the next
    /// batch.
    pub fn changes_elsewhere(&self, node: &str, changed: Vec<OnlineVisitor>, left: &[i64]) {
        let mut inner = self.lock();
        for row in changed {
            let id = row.visitor_id;
            inner.left.retain(|(_, visitor)| *visitor != id);
            inner.changed.insert(id);
            inner
                .remote
                .entry(node.to_owned())
                .or_default()
                .insert(id, row);
        }
        for visitor_id in left {
            let removed = inner
                .remote
                .get_mut(node)
                .and_then(|rows| rows.remove(visitor_id));
            if let Some(row) = removed {
                inner.gone_from_one_node(row.inbox_id, *visitor_id);
            }
        }
    }

    /// Forgets the rows of a node that stopped: its visitors leave unless another node has
    /// them. Returns those who left.
    pub fn forget_node(&self, node: &str) -> Vec<i64> {
        let mut inner = self.lock();
        let rows = inner.remote.remove(node).unwrap_or_default();
        let mut gone = Vec::new();
        for (visitor_id, row) in rows {
            inner.gone_from_one_node(row.inbox_id, visitor_id);
            if inner.merged_row(visitor_id).is_none() {
                gone.push(visitor_id);
            }
        }
        gone
    }

    /// The nodes whose rows this node keeps.
    pub fn nodes_heard(&self) -> Vec<String> {
        self.lock().remote.keys().cloned().collect()
    }

    /// News for the other nodes of a cluster.
    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    /// Starts receiving batches.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Changes>> {
        self.batches.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every update is a few map operations; a poisoned map is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn counts(inner: &Inner) -> HashMap<i64, usize> {
    let mut counts = HashMap::new();
    for row in inner.merged_rows() {
        *counts.entry(row.inbox_id).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(visitor_id: i64, inbox_id: i64, page: &str) -> OnlineVisitor {
        OnlineVisitor {
            visitor_id,
            inbox_id,
            label: format!("#{visitor_id}"),
            location: None,
            page_url: format!("https://site.example{page}"),
            page_title: page.to_owned(),
            visits: 1,
            chats: 0,
            chatting: false,
            since: 0,
        }
    }

    fn page(path: &str) -> PageReport {
        PageReport {
            url: format!("https://site.example{path}"),
            title: path.to_owned(),
            ..PageReport::default()
        }
    }

    /// The visitor's tab `tab` reports `path`.
    fn view(online: &OnlineVisitors, visitor: i64, inbox: i64, tab: TabId, path: &str) {
        online.arrive(row(visitor, inbox, path), tab, &page(path));
    }

    #[test]
    fn page_views_are_coalesced_into_one_batch() {
        let online = OnlineVisitors::default();
        let mut batches = online.subscribe();
        view(&online, 1, 10, 1, "/a");
        view(&online, 1, 10, 1, "/b");
        view(&online, 1, 10, 1, "/c");
        view(&online, 2, 20, 2, "/a");
        let batch = online.take_changes().expect("changes");
        assert_eq!(batch.changed.len(), 2, "one row per visitor");
        assert_eq!(batch.changed[0].page_title, "/c", "the latest page wins");
        assert_eq!(batch.count(&[10]), 1);
        assert_eq!(batch.count(&[10, 20]), 2);
        assert_eq!(batches.try_recv().expect("broadcast").seq, batch.seq);
        assert!(online.take_changes().is_none(), "nothing new, no batch");
    }

    #[test]
    fn a_visitor_leaves_after_the_grace_period_of_their_last_tab() {
        let online = OnlineVisitors::default();
        view(&online, 1, 10, 1, "/a");
        view(&online, 1, 10, 2, "/a");
        online.take_changes();
        online.tab_closed(1, 1, 1_000);
        assert!(
            online.sweep(100_000, 30_000).is_empty(),
            "one tab is still open"
        );
        online.tab_closed(1, 2, 2_000);
        assert!(
            online.sweep(31_999, 30_000).is_empty(),
            "within the grace period"
        );
        assert!(online.is_on_site(1));
        assert_eq!(online.sweep(32_000, 30_000), vec![(1, 2_000)]);
        assert!(!online.is_on_site(1));
        let batch = online.take_changes().expect("the departure");
        assert_eq!(batch.left, vec![(10, 1)]);
        assert_eq!(batch.count(&[10]), 0);
    }

    #[test]
    fn closing_the_tab_viewed_last_brings_back_the_other_tabs_page() {
        let online = OnlineVisitors::default();
        view(&online, 1, 10, 1, "/a");
        view(&online, 1, 10, 2, "/b");
        view(&online, 1, 10, 3, "/b");
        assert_eq!(
            online.tab_closed(1, 1, 0),
            None,
            "an older tab: nothing changes"
        );
        assert_eq!(
            online.tab_closed(1, 3, 0),
            None,
            "the remaining tab shows the same page"
        );
        view(&online, 1, 10, 4, "/c");
        let back = online.tab_closed(1, 4, 0).expect("back on tab 2");
        assert_eq!((back.0, back.1.url.as_str()), (2, "https://site.example/b"));
        assert_eq!(online.tab_closed(1, 2, 5), None, "the last tab: leaving");
    }

    #[test]
    fn coming_back_within_the_grace_period_keeps_the_visitor() {
        let online = OnlineVisitors::default();
        view(&online, 1, 10, 1, "/a");
        online.tab_closed(1, 1, 1_000);
        view(&online, 1, 10, 2, "/b");
        assert!(online.sweep(1_000_000, 30_000).is_empty());
    }

    #[test]
    fn snapshots_hold_only_the_agents_inboxes() {
        let online = OnlineVisitors::default();
        view(&online, 1, 10, 1, "/a");
        view(&online, 2, 20, 2, "/a");
        let (seq, rows) = online.snapshot(&[20]);
        assert_eq!(seq, 0);
        assert_eq!(
            rows.iter().map(|r| r.visitor_id).collect::<Vec<_>>(),
            vec![2]
        );
        online.refresh(OnlineVisitor {
            chatting: true,
            ..row(2, 20, "/a")
        });
        online.refresh(row(3, 20, "/a"));
        let batch = online.take_changes().expect("changes");
        assert_eq!(batch.seq, 1);
        assert!(
            batch
                .changed
                .iter()
                .any(|r| r.visitor_id == 2 && r.chatting)
        );
        assert!(!online.is_on_site(3), "refresh does not add visitors");
        view(&online, 2, 20, 2, "/b");
        online.refresh(OnlineVisitor {
            chats: 1,
            ..row(2, 20, "/stale")
        });
        let row_now = online.row(2).expect("on the site");
        assert_eq!(
            (row_now.page_title.as_str(), row_now.chats),
            ("/b", 1),
            "a stale page is not taken"
        );
        let mut present = online.present();
        present.sort_unstable();
        assert_eq!(present, vec![1, 2]);
    }

    #[test]
    fn coming_back_before_the_departure_is_sent_cancels_it() {
        let online = OnlineVisitors::default();
        view(&online, 1, 10, 1, "/a");
        online.take_changes();
        online.tab_closed(1, 1, 0);
        assert_eq!(online.sweep(60_000, 30_000), vec![(1, 0)]);
        view(&online, 1, 10, 2, "/b");
        let batch = online.take_changes().expect("changes");
        assert!(batch.left.is_empty(), "{:?}", batch.left);
        assert_eq!(batch.changed.len(), 1);
        assert_eq!(online.present(), vec![1]);
    }
}
