//! Requests per API token over a sliding minute: a script gone wrong slows down (429 with
//! `Retry-After`) instead of taking the server's time from the team. And failed tokens per
//! address, counted before any is looked up: guessing costs the guesser, not the database.
//! Both are counted per node (a cluster of N nodes allows N times as many).

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::server::sliding_window::{Limit, SlidingWindow};

/// Wrong tokens one address may present per minute.
pub const FAILURES_PER_ADDRESS: Limit = Limit::per(30, 60);

/// The requests each token made in the last minute, and the wrong tokens each address gave.
#[derive(Debug)]
pub struct ApiLimits {
    requests: Mutex<SlidingWindow>,
    limit: Option<Limit>,
    failures: Mutex<SlidingWindow>,
}

impl ApiLimits {
    /// `per_minute` requests per token (0: no limit).
    pub fn new(per_minute: usize) -> ApiLimits {
        ApiLimits {
            requests: Mutex::new(SlidingWindow::default()),
            limit: (per_minute > 0).then(|| Limit::per(per_minute, 60)),
            failures: Mutex::new(SlidingWindow::default()),
        }
    }

    /// How long an address that gave too many wrong tokens must wait before trying again.
    pub fn failing(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        let Some(ip) = ip else { return Ok(()) };
        match lock(&self.failures).wait(&ip.to_string(), FAILURES_PER_ADDRESS, Instant::now()) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Counts a wrong token from an address.
    pub fn failed(&self, ip: Option<IpAddr>) {
        if let Some(ip) = ip {
            lock(&self.failures).record(&ip.to_string(), FAILURES_PER_ADDRESS, Instant::now());
        }
    }

    /// Counts a request of token `id`, or says how long it must wait first (the request is
    /// then not counted).
    pub fn admit(&self, id: i64) -> Result<(), Duration> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let key = id.to_string();
        let now = Instant::now();
        let mut requests = lock(&self.requests);
        if let Some(wait) = requests.wait(&key, limit, now) {
            return Err(wait);
        }
        requests.record(&key, limit, now);
        Ok(())
    }
}

fn lock(window: &Mutex<SlidingWindow>) -> std::sync::MutexGuard<'_, SlidingWindow> {
    // A panic while holding it cannot leave the bookkeeping half-changed in a harmful way.
    window
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_has_its_own_minute() {
        let limits = ApiLimits::new(2);
        assert!(limits.admit(1).is_ok());
        assert!(limits.admit(1).is_ok());
        let wait = limits.admit(1).expect_err("third in a minute");
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50));
        assert!(limits.admit(2).is_ok(), "another token");
        let free = ApiLimits::new(0);
        assert!((0..1000).all(|_| free.admit(1).is_ok()));
        // Thirty wrong tokens from one address, then it waits; another address does not.
        let here = Some(IpAddr::from([192, 0, 2, 1]));
        for _ in 0..30 {
            assert!(limits.failing(here).is_ok());
            limits.failed(here);
        }
        assert!(limits.failing(here).is_err());
        assert!(limits.failing(Some(IpAddr::from([192, 0, 2, 2]))).is_ok());
    }
}
