//! Failed sign-ins, counted per IP address and per account over a sliding window: past the
//! limit, that address (or account) must wait until its oldest failure leaves the window.
//! Only failures count, so a whole office signing in every morning from one address is never
//! held up, while guessing a password is: ten guesses per quarter of an hour.
//!
//! Written here rather than with `governor`: a GCRA limiter counts every attempt and cannot
//! give a cell back when the password turns out right, which is the case that must stay free.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

/// How many failures a key may have within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureLimit {
    /// Failures allowed in the window.
    pub max: usize,
    /// The sliding window.
    pub window: Duration,
}

impl Default for FailureLimit {
    /// Ten failures per fifteen minutes.
    fn default() -> Self {
        FailureLimit {
            max: 10,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Beyond this many keys the old ones are swept out (a flood of addresses cannot grow it
/// without bound).
const MAX_KEYS: usize = 100_000;

/// The failures of each key, oldest first (pure bookkeeping; the time is passed in).
#[derive(Debug, Default)]
pub struct Failures {
    by_key: HashMap<String, VecDeque<Instant>>,
}

impl Failures {
    /// How long `key` must still wait at `now`; `None` when it may try.
    pub fn wait(&mut self, key: &str, limit: FailureLimit, now: Instant) -> Option<Duration> {
        let times = self.by_key.get_mut(key)?;
        forget_old(times, limit.window, now);
        if times.is_empty() {
            self.by_key.remove(key);
            return None;
        }
        let oldest = *times.front()?;
        (times.len() >= limit.max).then(|| limit.window.saturating_sub(now - oldest))
    }

    /// Counts a failure of `key` at `now`.
    pub fn record(&mut self, key: &str, limit: FailureLimit, now: Instant) {
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

    /// Forgets the failures of `key` (its account signed in).
    pub fn clear(&mut self, key: &str) {
        self.by_key.remove(key);
    }
}

/// Drops the failures older than the window.
fn forget_old(times: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while times.front().is_some_and(|t| now - *t >= window) {
        times.pop_front();
    }
}

/// The sign-in guard the server keeps: failures per address and per account.
#[derive(Debug, Default)]
pub struct SignInGuard {
    failures: Mutex<Failures>,
    limit: FailureLimit,
}

impl SignInGuard {
    /// A guard with this limit.
    pub fn new(limit: FailureLimit) -> SignInGuard {
        SignInGuard {
            failures: Mutex::new(Failures::default()),
            limit,
        }
    }

    /// Refuses, before any password is hashed, an address or an account that failed too
    /// often lately, saying in how many minutes it may try again.
    pub fn check(&self, ip: Option<IpAddr>, email: &str) -> Result<(), AppError> {
        let now = Instant::now();
        let mut failures = self.lock();
        let wait = keys(ip, email)
            .iter()
            .filter_map(|key| failures.wait(key, self.limit, now))
            .max();
        match wait {
            Some(wait) => Err(AppError::TooManyAttempts {
                minutes: wait.as_secs().div_ceil(60).max(1),
            }),
            None => Ok(()),
        }
    }

    /// Counts a failed sign-in against the address and the account.
    pub fn failed(&self, ip: Option<IpAddr>, email: &str) {
        let now = Instant::now();
        let mut failures = self.lock();
        for key in keys(ip, email) {
            failures.record(&key, self.limit, now);
        }
    }

    /// The account signed in: its own failures are forgotten (the address's stay).
    pub fn succeeded(&self, email: &str) {
        self.lock().clear(&account_key(email));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        // A panic while holding it cannot leave the bookkeeping half-changed in a harmful way.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn keys(ip: Option<IpAddr>, email: &str) -> Vec<String> {
    let mut keys = vec![account_key(email)];
    if let Some(ip) = ip {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: FailureLimit = FailureLimit {
        max: 3,
        window: Duration::from_secs(60),
    };

    #[test]
    fn a_key_waits_once_it_reaches_the_limit_until_its_oldest_failure_leaves_the_window() {
        let start = Instant::now();
        let mut failures = Failures::default();
        for second in 0..2 {
            failures.record("k", LIMIT, start + Duration::from_secs(second));
        }
        assert_eq!(
            failures.wait("k", LIMIT, start + Duration::from_secs(2)),
            None
        );
        failures.record("k", LIMIT, start + Duration::from_secs(10));
        assert_eq!(
            failures.wait("k", LIMIT, start + Duration::from_secs(20)),
            Some(Duration::from_secs(40))
        );
        assert_eq!(failures.wait("other", LIMIT, start), None);
        // The first failure leaves the window at 60 s: one more try is allowed.
        assert_eq!(
            failures.wait("k", LIMIT, start + Duration::from_secs(60)),
            None
        );
        failures.clear("k");
        assert_eq!(
            failures.wait("k", LIMIT, start + Duration::from_secs(61)),
            None
        );
    }

    #[test]
    fn the_guard_limits_the_account_and_the_address_and_a_success_frees_the_account() {
        let guard = SignInGuard::new(LIMIT);
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        let other_ip: IpAddr = "198.51.100.1".parse().expect("ip");
        for _ in 0..3 {
            assert_eq!(guard.check(Some(ip), "Ana@example.com"), Ok(()));
            guard.failed(Some(ip), "Ana@example.com");
        }
        let refused = AppError::TooManyAttempts { minutes: 1 };
        assert_eq!(
            guard.check(Some(ip), "ana@example.com"),
            Err(refused.clone())
        );
        // Another address is held for the account; the address is held for another account.
        assert_eq!(
            guard.check(Some(other_ip), "ana@example.com"),
            Err(refused.clone())
        );
        assert_eq!(guard.check(Some(ip), "ben@example.com"), Err(refused));
        guard.succeeded("ana@example.com");
        assert_eq!(guard.check(Some(other_ip), "ana@example.com"), Ok(()));
    }
}
