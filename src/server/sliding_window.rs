//! Events counted per key over a sliding window: once a key has had `max` events within the
//! window, it waits until its oldest one leaves it. Pure bookkeeping, with the time passed in,
//! behind the sign-in limits and the visitor limits.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How many events a key may have within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Events allowed in the window.
    pub max: usize,
    /// The sliding window.
    pub window: Duration,
}

impl Limit {
    /// `max` events per `seconds`.
    pub const fn per(max: usize, seconds: u64) -> Limit {
        Limit {
            max,
            window: Duration::from_secs(seconds),
        }
    }
}

/// Beyond this many keys the old ones are swept out (a flood of keys cannot grow it without
/// bound).
const MAX_KEYS: usize = 100_000;

/// The events of each key, oldest first (pure bookkeeping; the time is passed in).
#[derive(Debug, Default)]
pub struct SlidingWindow {
    by_key: HashMap<String, VecDeque<Instant>>,
}

impl SlidingWindow {
    /// How long `key` must still wait at `now`; `None` when it may try.
    pub fn wait(&mut self, key: &str, limit: Limit, now: Instant) -> Option<Duration> {
        let times = self.by_key.get_mut(key)?;
        forget_old(times, limit.window, now);
        if times.is_empty() {
            self.by_key.remove(key);
            return None;
        }
        let oldest = *times.front()?;
        (times.len() >= limit.max).then(|| limit.window.saturating_sub(now - oldest))
    }

    /// Counts an event of `key` at `now`.
    pub fn record(&mut self, key: &str, limit: Limit, now: Instant) {
        if self.by_key.len() >= MAX_KEYS && !self.by_key.contains_key(key) {
            self.by_key.retain(|_, times| {
                forget_old(times, limit.window, now);
                !times.is_empty()
            });
        }
        let times = self.by_key.entry(key.to_owned()).or_default();
        forget_old(times, limit.window, now);
        times.push_back(now);
        while times.len() > limit.max {
            times.pop_front();
        }
    }

    /// Forgets the events of `key`.
    pub fn clear(&mut self, key: &str) {
        self.by_key.remove(key);
    }
}

/// Drops the events older than the window.
fn forget_old(times: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while times.front().is_some_and(|t| now - *t >= window) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit::per(3, 60);

    #[test]
    fn a_key_waits_once_it_reaches_the_limit_until_its_oldest_event_leaves_the_window() {
        let start = Instant::now();
        let mut window = SlidingWindow::default();
        for second in 0..2 {
            window.record("k", LIMIT, start + Duration::from_secs(second));
        }
        assert_eq!(
            window.wait("k", LIMIT, start + Duration::from_secs(2)),
            None
        );
        window.record("k", LIMIT, start + Duration::from_secs(10));
        assert_eq!(
            window.wait("k", LIMIT, start + Duration::from_secs(20)),
            Some(Duration::from_secs(40))
        );
        assert_eq!(window.wait("other", LIMIT, start), None);
        // The first failure leaves the window at 60 s: one more try is allowed.
        assert_eq!(
            window.wait("k", LIMIT, start + Duration::from_secs(60)),
            None
        );
        window.clear("k");
        assert_eq!(
            window.wait("k", LIMIT, start + Duration::from_secs(61)),
            None
        );
    }
}
