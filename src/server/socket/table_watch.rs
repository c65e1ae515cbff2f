//! What an agent socket has sent of the online visitors table, so each batch of changes
//! becomes at most one frame with only this agent's share.

use crate::protocol::ServerFrame;
use crate::server::online::Changes;
use crate::server::state::AppState;

/// What an agent socket has sent of the online visitors table.
#[derive(Default)]
pub(super) struct TableWatch {
    /// Whether the agent watches the table (else only the count is sent).
    pub(super) watching: bool,
    /// The last batch the client has (in the snapshot or sent).
    seen_seq: u64,
    /// The last count sent.
    count: Option<usize>,
}

impl TableWatch {
    /// The frame for a batch: this agent's share of the changes, or only a new count.
    pub(super) fn changes(&mut self, batch: &Changes, inbox_ids: &[i64]) -> Option<ServerFrame> {
        let online = batch.count(inbox_ids);
        if self.watching {
            if batch.seq <= self.seen_seq {
                return None;
            }
            self.seen_seq = batch.seq;
            let changed: Vec<_> = batch
                .changed
                .iter()
                .filter(|row| inbox_ids.contains(&row.inbox_id))
                .cloned()
                .collect();
            let left: Vec<i64> = batch
                .left
                .iter()
                .filter(|(inbox_id, _)| inbox_ids.contains(inbox_id))
                .map(|(_, visitor_id)| *visitor_id)
                .collect();
            if changed.is_empty() && left.is_empty() && self.count == Some(online) {
                return None;
            }
            self.count = Some(online);
            Some(ServerFrame::OnlineChanges {
                changed,
                left,
                online,
            })
        } else {
            self.count_if_changed(online)
        }
    }

    /// A frame with only the count, when it differs from the last one sent.
    fn count_if_changed(&mut self, online: usize) -> Option<ServerFrame> {
        (self.count != Some(online)).then(|| {
            self.count = Some(online);
            ServerFrame::OnlineChanges {
                changed: Vec::new(),
                left: Vec::new(),
                online,
            }
        })
    }

    /// The whole table (watching) or the count, after a watch request or a lag.
    pub(super) fn reload(&mut self, state: &AppState, inbox_ids: &[i64]) -> Option<ServerFrame> {
        if self.watching {
            let (seq, visitors) = state.online.snapshot(inbox_ids);
            self.seen_seq = seq;
            self.count = Some(visitors.len());
            Some(ServerFrame::OnlineVisitors { visitors })
        } else {
            self.count_if_changed(state.online.count(inbox_ids))
        }
    }
}
