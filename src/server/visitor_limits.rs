//! Limits on what anyone on the internet can make the server do before an agent ever sees
//! them: new visitors per address per minute, sockets open per address at once, and frames
//! per socket per second by kind (messages, page views, typing, the rest). Each refusal is a
//! clear error (`rate_limited`, HTTP 429 or a refused frame) and stores nothing. A limit of
//! 0 turns that limit off (the load benchmark, which plays every visitor from one address).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::error::AppError;
use crate::protocol::ClientFrame;
use crate::server::sliding_window::{Limit, SlidingWindow};

/// Frames a socket may send per second, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Messages and notes (`send`).
    pub messages: usize,
    /// Page reports of the tracker.
    pub page_views: usize,
    /// Typing notices (clients send at most one every 1.5 s).
    pub typing: usize,
    /// Everything else (pings, reads, viewing, the table).
    pub other: usize,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            messages: 5,
            page_views: 5,
            typing: 5,
            other: 20,
        }
    }
}

impl FrameLimits {
    /// The kind of a frame and its limit per second.
    fn of(&self, frame: &ClientFrame) -> (&'static str, usize) {
        match frame {
            ClientFrame::Send { .. } => ("messages", self.messages),
            ClientFrame::PageView(_) => ("page views", self.page_views),
            ClientFrame::Typing { .. } => ("typing", self.typing),
            _ => ("other", self.other),
        }
    }
}

/// One socket's frames of the last second.
#[derive(Debug)]
pub struct FrameBudget {
    limits: FrameLimits,
    sent: SlidingWindow,
}

impl FrameBudget {
    /// A fresh budget.
    pub fn new(limits: FrameLimits) -> FrameBudget {
        FrameBudget {
            limits,
            sent: SlidingWindow::default(),
        }
    }

    /// Whether `frame` may be handled at `now` (it is then counted).
    pub fn allow(&mut self, frame: &ClientFrame, now: Instant) -> bool {
        let (kind, max) = self.limits.of(frame);
        if max == 0 {
            return true;
        }
        let limit = Limit::per(max, 1);
        if self.sent.wait(kind, limit, now).is_some() {
            return false;
        }
        self.sent.record(kind, limit, now);
        true
    }
}

/// The limits of one server, with what they count.
#[derive(Debug)]
pub struct VisitorLimits {
    /// New visitors one address may start per minute.
    pub new_per_minute: usize,
    /// Sockets one address may hold open at once.
    pub sockets_per_address: usize,
    /// Frames per socket per second.
    pub frames: FrameLimits,
    new_visitors: Mutex<SlidingWindow>,
    open_sockets: Mutex<HashMap<IpAddr, usize>>,
    offline_messages: Mutex<SlidingWindow>,
}

/// Offline messages one visitor may leave an hour (each is a ticket and an email).
pub const OFFLINE_PER_VISITOR_HOUR: usize = 3;
/// Offline messages one address may leave an hour, whatever visitors it starts.
pub const OFFLINE_PER_ADDRESS_HOUR: usize = 20;

impl VisitorLimits {
    /// Limits with these numbers.
    pub fn new(new_per_minute: usize, sockets_per_address: usize, frames: FrameLimits) -> Self {
        VisitorLimits {
            new_per_minute,
            sockets_per_address,
            frames,
            new_visitors: Mutex::new(SlidingWindow::default()),
            open_sockets: Mutex::new(HashMap::new()),
            offline_messages: Mutex::new(SlidingWindow::default()),
        }
    }

    /// Whether `visitor_id` (from `ip`) may leave another offline message now: at most
    /// [`OFFLINE_PER_VISITOR_HOUR`] a visitor and [`OFFLINE_PER_ADDRESS_HOUR`] an address, so
    /// the form cannot make the server mail anyone without end. Counted by [`Self::left_offline_message`].
    pub fn may_leave_offline_message(
        &self,
        visitor_id: i64,
        ip: Option<IpAddr>,
    ) -> Result<(), AppError> {
        let now = Instant::now();
        let mut window = lock(&self.offline_messages);
        for (key, limit) in offline_keys(visitor_id, ip) {
            if window.wait(&key, limit, now).is_some() {
                return Err(AppError::RateLimited);
            }
        }
        Ok(())
    }

    /// Counts an offline message that was kept.
    pub fn left_offline_message(&self, visitor_id: i64, ip: Option<IpAddr>) {
        let now = Instant::now();
        let mut window = lock(&self.offline_messages);
        for (key, limit) in offline_keys(visitor_id, ip) {
            window.record(&key, limit, now);
        }
    }

    /// Counts a new visitor from `ip`, or refuses one over the limit (nothing is created).
    pub fn new_visitor(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = ip.filter(|_| self.new_per_minute > 0) else {
            return Ok(());
        };
        let limit = Limit::per(self.new_per_minute, 60);
        let now = Instant::now();
        let mut window = lock(&self.new_visitors);
        let key = ip.to_string();
        if window.wait(&key, limit, now).is_some() {
            return Err(AppError::RateLimited);
        }
        window.record(&key, limit, now);
        Ok(())
    }

    /// A place for one more socket from `ip`, held until the slot is dropped; `None` when the
    /// address has all it may have.
    pub fn open_socket(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<SocketSlot> {
        let ip = ip.filter(|_| self.sockets_per_address > 0);
        if let Some(ip) = ip {
            let mut open = lock(&self.open_sockets);
            let count = open.entry(ip).or_default();
            if *count >= self.sockets_per_address {
                return None;
            }
            *count += 1;
        }
        Some(SocketSlot {
            limits: Arc::clone(self),
            ip,
        })
    }
}

/// One open socket counted against its address; the count goes down when it is dropped.
#[derive(Debug)]
pub struct SocketSlot {
    limits: Arc<VisitorLimits>,
    ip: Option<IpAddr>,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let Some(ip) = self.ip else {
            return;
        };
        let mut open = lock(&self.limits.open_sockets);
        if let Some(count) = open.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// The windows an offline message counts in: its visitor's and its address's.
fn offline_keys(visitor_id: i64, ip: Option<IpAddr>) -> Vec<(String, Limit)> {
    let mut keys = vec![(
        format!("v{visitor_id}"),
        Limit::per(OFFLINE_PER_VISITOR_HOUR, 3_600),
    )];
    if let Some(ip) = ip {
        keys.push((
            format!("a{ip}"),
            Limit::per(OFFLINE_PER_ADDRESS_HOUR, 3_600),
        ));
    }
    keys
}

/// The counts stay usable after a panic elsewhere: at worst one count is off by one.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn typing() -> ClientFrame {
        ClientFrame::Typing {
            conversation_id: None,
            draft: None,
            note: false,
        }
    }

    #[test]
    fn each_kind_of_frame_has_its_own_budget_per_second() {
        let limits = FrameLimits {
            messages: 2,
            page_views: 2,
            typing: 1,
            other: 3,
        };
        let mut budget = FrameBudget::new(limits);
        let start = Instant::now();
        assert!(budget.allow(&typing(), start));
        assert!(
            !budget.allow(&typing(), start),
            "one typing notice a second"
        );
        assert!(budget.allow(&ClientFrame::Ping, start), "another kind");
        assert!(budget.allow(&typing(), start + Duration::from_secs(1)));
    }

    #[test]
    fn an_address_gets_so_many_new_visitors_and_sockets() {
        let limits = Arc::new(VisitorLimits::new(2, 1, FrameLimits::default()));
        let ip: IpAddr = "203.0.113.9".parse().expect("ip");
        assert_eq!(limits.new_visitor(Some(ip)), Ok(()));
        assert_eq!(limits.new_visitor(Some(ip)), Ok(()));
        assert_eq!(limits.new_visitor(Some(ip)), Err(AppError::RateLimited));
        assert_eq!(
            limits.new_visitor(None),
            Ok(()),
            "no address known: not counted"
        );
        let slot = limits.open_socket(Some(ip)).expect("a first socket");
        assert!(
            limits.open_socket(Some(ip)).is_none(),
            "one socket per address here"
        );
        drop(slot);
        assert!(
            limits.open_socket(Some(ip)).is_some(),
            "its place is free again"
        );
        let off = Arc::new(VisitorLimits::new(0, 0, FrameLimits::default()));
        for _ in 0..100 {
            assert_eq!(off.new_visitor(Some(ip)), Ok(()));
            std::mem::forget(off.open_socket(Some(ip)).expect("no limit"));
        }
    }
}
