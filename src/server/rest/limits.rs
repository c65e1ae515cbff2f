//! Requests per API token over a sliding minute: a script gone wrong slows down (429 with
//! `Retry-After`) instead of taking the server's time from the team.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::server::sliding_window::{Limit, SlidingWindow};

/// The requests each token made in the last minute.
#[derive(Debug)]
pub struct ApiLimits {
    requests: Mutex<SlidingWindow>,
    limit: Option<Limit>,
}

impl ApiLimits {
    /// `per_minute` requests per token (0: no limit).
    pub fn new(per_minute: usize) -> ApiLimits {
        ApiLimits {
            requests: Mutex::new(SlidingWindow::default()),
            limit: (per_minute > 0).then(|| Limit::per(per_minute, 60)),
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
        // A panic while holding it cannot leave the bookkeeping half-changed in a harmful way.
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(wait) = requests.wait(&key, limit, now) {
            return Err(wait);
        }
        requests.record(&key, limit, now);
        Ok(())
    }
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
    }
}
