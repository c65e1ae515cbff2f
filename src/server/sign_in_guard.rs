//! Failed sign-ins, counted per IP address and per account over a sliding window: past the
//! limit, that address (or account) must wait until its oldest failure leaves the window.
//! Only failures count, so a whole office signing in every morning from one address is never
//! held up, while guessing a password is: ten guesses per quarter of an hour.
//!
//! Written here rather than with `governor`: a GCRA limiter counts every attempt and cannot
//! give a cell back when the password turns out right, which is the case that must stay free.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::AppError;
use crate::server::sliding_window::{Limit, SlidingWindow};

/// Ten failures per fifteen minutes.
pub const SIGN_IN_FAILURES: Limit = Limit::per(10, 15 * 60);

/// The sign-in guard the server keeps: failures per address and per account.
#[derive(Debug)]
pub struct SignInGuard {
    failures: Mutex<SlidingWindow>,
    limit: Limit,
}

impl Default for SignInGuard {
    fn default() -> Self {
        SignInGuard::new(SIGN_IN_FAILURES)
    }
}

impl SignInGuard {
    /// A guard with this limit.
    pub fn new(limit: Limit) -> SignInGuard {
        SignInGuard {
            failures: Mutex::new(SlidingWindow::default()),
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

    fn lock(&self) -> std::sync::MutexGuard<'_, SlidingWindow> {
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

    const LIMIT: Limit = Limit::per(3, 60);

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
