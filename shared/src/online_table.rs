//! The online visitors table as the agent's browser keeps it: the whole table of the agent's
//! inboxes, updated by the server's coalesced changes, filtered by inbox and page, sorted and
//! cut into pages. Plain data, so the rules are unit-tested without a browser.

use std::collections::HashMap;

use crate::model::OnlineVisitor;

/// Rows shown per page of the table.
pub const PAGE_SIZE: usize = 50;

/// The table and the online count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OnlineTable {
    /// Rows by visitor id (only while the agent watches the table).
    pub rows: HashMap<i64, OnlineVisitor>,
    /// How many visitors of the agent's inboxes are online (always kept).
    pub count: usize,
    /// Whether `rows` holds the whole table (a snapshot arrived since watching began).
    pub loaded: bool,
}

/// What the agent narrows the table to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableFilter {
    /// Only visitors of this inbox.
    pub inbox_id: Option<i64>,
    /// Only visitors whose page title or address contains this (case-insensitive).
    pub page: String,
}

impl OnlineTable {
    /// Replaces the table with a snapshot.
    pub fn load(&mut self, visitors: Vec<OnlineVisitor>) {
        self.count = visitors.len();
        self.rows = visitors.into_iter().map(|v| (v.visitor_id, v)).collect();
        self.loaded = true;
    }

    /// Applies a batch of changes.
    /// Departures apply first: a visitor who left and came back within one batch stays.
    pub fn apply(&mut self, changed: &[OnlineVisitor], left: &[i64], online: usize) {
        for id in left {
            self.rows.remove(id);
        }
        for row in changed {
            self.rows.insert(row.visitor_id, row.clone());
        }
        self.count = online;
    }

    /// Forgets the rows (the agent stopped watching); the count stays.
    pub fn forget(&mut self) {
        self.rows.clear();
        self.loaded = false;
    }

    /// A visitor's name or label changed (profile edit).
    pub fn rename(&mut self, visitor_id: i64, label: &str) {
        if let Some(row) = self.rows.get_mut(&visitor_id) {
            label.clone_into(&mut row.label);
        }
    }

    /// The rows that pass the filter: chatting visitors first, then the newest arrivals.
    pub fn filtered(&self, filter: &TableFilter) -> Vec<OnlineVisitor> {
        let needle = filter.page.trim().to_lowercase();
        let mut rows: Vec<OnlineVisitor> = self
            .rows
            .values()
            .filter(|row| filter.inbox_id.is_none_or(|id| row.inbox_id == id))
            .filter(|row| {
                needle.is_empty()
                    || row.page_title.to_lowercase().contains(&needle)
                    || row.page_url.to_lowercase().contains(&needle)
            })
            .cloned()
            .collect();
        rows.sort_by(|a, b| {
            b.chatting
                .cmp(&a.chatting)
                .then(b.since.cmp(&a.since))
                .then(b.visitor_id.cmp(&a.visitor_id))
        });
        rows
    }
}

/// One page of rows and where it sits: (first shown, last shown, total), 1-based for people;
/// a page past the end shows the last one.
pub fn page_of<T: Clone>(rows: &[T], page: usize) -> (Vec<T>, usize, usize, usize) {
    let total = rows.len();
    if total == 0 {
        return (Vec::new(), 0, 0, 0);
    }
    let last_page = (total - 1) / PAGE_SIZE;
    let page = page.min(last_page);
    let start = page * PAGE_SIZE;
    let end = (start + PAGE_SIZE).min(total);
    (rows[start..end].to_vec(), start + 1, end, total)
}

/// How many pages `total` rows make (at least one).
pub fn page_count(total: usize) -> usize {
    total.div_ceil(PAGE_SIZE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, inbox_id: i64, title: &str, since: i64, chatting: bool) -> OnlineVisitor {
        OnlineVisitor {
            visitor_id: id,
            inbox_id,
            label: format!("#{id}"),
            location: None,
            page_url: format!("https://shop.example/{}", title.to_lowercase()),
            page_title: title.to_owned(),
            visits: 1,
            chats: 0,
            chatting,
            since,
        }
    }

    #[test]
    fn changes_update_the_table_and_the_count() {
        let mut table = OnlineTable::default();
        table.load(vec![
            row(1, 1, "Home", 10, false),
            row(2, 1, "Home", 20, false),
        ]);
        assert_eq!(table.count, 2);
        table.apply(
            &[
                row(1, 1, "Pricing", 10, false),
                row(3, 2, "Home", 30, false),
            ],
            &[2],
            2,
        );
        assert_eq!(table.count, 2);
        assert_eq!(table.rows.len(), 2);
        assert!(!table.rows.contains_key(&2));
        assert_eq!(table.rows[&1].page_title, "Pricing");
        table.apply(&[row(3, 2, "Back", 30, false)], &[3], 2);
        assert_eq!(
            table.rows[&3].page_title, "Back",
            "left and came back in one batch"
        );
        table.rename(1, "Ana");
        assert_eq!(table.rows[&1].label, "Ana");
        table.forget();
        assert!(table.rows.is_empty() && !table.loaded);
        assert_eq!(table.count, 2, "the menu count survives");
    }

    #[test]
    fn filters_by_inbox_and_page_and_sorts_chatting_then_newest() {
        let mut table = OnlineTable::default();
        table.load(vec![
            row(1, 1, "Home", 10, false),
            row(2, 1, "Pricing", 30, false),
            row(3, 2, "Pricing", 20, true),
            row(4, 1, "Pricing plans", 5, true),
        ]);
        let all: Vec<i64> = table
            .filtered(&TableFilter::default())
            .iter()
            .map(|r| r.visitor_id)
            .collect();
        assert_eq!(all, vec![3, 4, 2, 1]);
        let inbox_one: Vec<i64> = table
            .filtered(&TableFilter {
                inbox_id: Some(1),
                page: "PRICING".into(),
            })
            .iter()
            .map(|r| r.visitor_id)
            .collect();
        assert_eq!(inbox_one, vec![4, 2]);
    }

    #[test]
    fn pages_cut_the_rows() {
        let rows: Vec<usize> = (0..120).collect();
        let (first, from, to, total) = page_of(&rows, 0);
        assert_eq!((first.len(), from, to, total), (50, 1, 50, 120));
        let (last, from, to, _) = page_of(&rows, 2);
        assert_eq!((last.len(), from, to), (20, 101, 120));
        let (past, from, _, _) = page_of(&rows, 9);
        assert_eq!(
            (past.len(), from),
            (20, 101),
            "past the end shows the last page"
        );
        assert_eq!(page_of::<usize>(&[], 0).3, 0);
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(120), 3);
    }
}
