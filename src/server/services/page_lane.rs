//! The page lane: a visitor opening a page in their current visit is the most frequent write
//! of a busy site, so the page views waiting together are written as one batch (see
//! [`super::lane`]). A page that starts a visit (it records where the visitor comes from), a
//! new page of a visitor in an open conversation (it leaves a line there), a second page of
//! the same visitor in one batch, or a failed batch take the ordinary path.

use std::collections::HashSet;

use crate::model::OnlineVisitor;
use crate::server::store::{NewPageView, StoreResult, Visitor, WriteTx, now_millis};
use crate::tracking::{self, Environment, Page};

use super::lane::{Lane, LaneWrites};

/// The lane of page views.
pub type PageLane = Lane<PageWrites>;

/// A page view waiting for the lane.
pub struct PageView {
    /// Whose.
    visitor: Visitor,
    /// The page, checked (the inbox's query rules not yet applied).
    page: Page,
    /// What the browser said about itself, cleaned.
    environment: Environment,
    /// Whether another tab of theirs was on the site when it was reported.
    on_site: bool,
}

/// How the lane writes page views.
pub struct PageWrites {
    /// Absence after which a page view starts a new visit, in milliseconds.
    pub visit_gap_ms: i64,
}

impl LaneWrites for PageWrites {
    type Item = PageView;
    /// The visitor's row of the online table, as the page left it.
    type Answer = Option<OnlineVisitor>;

    fn write<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        batch: &'a [PageView],
    ) -> impl Future<Output = StoreResult<Vec<(usize, Option<OnlineVisitor>)>>> + Send + 'a {
        write(tx, batch, self.visit_gap_ms)
    }
}

impl PageLane {
    /// Records a page a visitor opened with the others waiting, and returns their row of the
    /// online table once committed. `None` when this one must take the ordinary path.
    pub async fn record(
        &self,
        visitor: &Visitor,
        page: Page,
        environment: Environment,
        on_site: bool,
    ) -> Option<Option<OnlineVisitor>> {
        self.submit(PageView {
            visitor: visitor.clone(),
            page,
            environment,
            on_site,
        })
        .await
    }
}

/// A page view the lane takes.
struct Taken {
    /// Its index in the batch.
    index: usize,
    /// The visit it continues.
    visit_id: i64,
    /// The page as stored.
    page: Page,
    /// Whether it is another page than the one the visitor is on.
    new_page: bool,
}

/// The page views of the batch the lane takes, with their rows, written in `tx`; the rest it
/// leaves for the ordinary path.
async fn write(
    tx: &mut WriteTx,
    batch: &[PageView],
    visit_gap_ms: i64,
) -> StoreResult<Vec<(usize, Option<OnlineVisitor>)>> {
    let now = now_millis();
    let visitor_ids: Vec<i64> = batch.iter().map(|v| v.visitor.id).collect();
    let inbox_ids: Vec<i64> = batch
        .iter()
        .map(|v| v.visitor.inbox_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let inboxes = tx.inboxes_by_id(&inbox_ids).await?;
    let facts = tx.visit_facts_of(&visitor_ids).await?;

    let mut seen = HashSet::new();
    let mut taken = Vec::new();
    for (index, view) in batch.iter().enumerate() {
        // One page per visitor and batch: a second one is written after it, the ordinary way.
        if !seen.insert(view.visitor.id) {
            continue;
        }
        let (Some(inbox), Some(facts)) = (
            inboxes.get(&view.visitor.inbox_id),
            facts.get(&view.visitor.id),
        ) else {
            continue;
        };
        let new_visit =
            tracking::starts_new_visit(facts.last_seen_at, view.on_site, now, visit_gap_ms);
        // A new visit records where the visitor comes from: the ordinary path does that.
        let Some(visit_id) = facts.visit_id.filter(|_| !new_visit) else {
            continue;
        };
        let mut page = view.page.clone();
        page.url = tracking::kept_address(&page.url, &inbox.kept_query_params);
        let new_page = facts.open_page_url.as_deref() != Some(page.url.as_str());
        taken.push(Taken {
            index,
            visit_id,
            page,
            new_page,
        });
    }
    // A new page of a visitor in an open conversation also goes in the conversation as a
    // line, with its event: the ordinary path writes those.
    let moving: Vec<i64> = taken
        .iter()
        .filter(|t| t.new_page)
        .map(|t| batch[t.index].visitor.id)
        .collect();
    if !moving.is_empty() {
        let chatting = tx.open_conversations_of(&moving).await?;
        taken.retain(|t| !(t.new_page && chatting.contains_key(&batch[t.index].visitor.id)));
    }
    if taken.is_empty() {
        return Ok(Vec::new());
    }

    let views: Vec<NewPageView> = taken
        .iter()
        .filter(|t| t.new_page)
        .map(|t| NewPageView {
            visit_id: t.visit_id,
            visitor_id: batch[t.index].visitor.id,
            page: &t.page,
        })
        .collect();
    tx.record_page_views(&views, now).await?;
    let repeats: Vec<(i64, i64)> = taken
        .iter()
        .filter(|t| !t.new_page)
        .map(|t| (t.visit_id, batch[t.index].visitor.id))
        .collect();
    tx.touch_current_visits(&repeats, now).await?;
    let environments: Vec<(i64, &Environment)> = taken
        .iter()
        .map(|t| &batch[t.index])
        .filter(|v| v.environment != Environment::default())
        .map(|v| (v.visitor.id, &v.environment))
        .collect();
    tx.set_environments(&environments).await?;

    let taken_ids: Vec<i64> = taken.iter().map(|t| batch[t.index].visitor.id).collect();
    let mut rows: std::collections::HashMap<i64, OnlineVisitor> = tx
        .online_rows(&taken_ids)
        .await?
        .into_iter()
        .map(|row| (row.visitor_id, row))
        .collect();
    Ok(taken
        .iter()
        .map(|t| (t.index, rows.remove(&batch[t.index].visitor.id)))
        .collect())
}
