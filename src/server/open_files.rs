//! How many files, sockets included, the server may hold open. Every connected visitor is a
//! socket, and many systems start a process with a soft limit of 1,024 although its hard limit
//! allows far more: left there, a node would refuse visitors past about a thousand. At start
//! the server raises its soft limit to the hard one (as Go's runtime does for every program)
//! and says what it got; raising the hard limit is the administrator's (`LimitNOFILE=` in a
//! systemd unit, `ulimit -Hn`).

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Raises the soft limit on open files to the hard limit; returns the limit now in force.
pub fn raise_to_hard_limit() -> std::io::Result<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    }
    Ok(hard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_ends_at_the_hard_one() {
        let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("limits");
        assert_eq!(raise_to_hard_limit().expect("raised"), hard);
        assert_eq!(
            getrlimit(Resource::RLIMIT_NOFILE).expect("limits"),
            (hard, hard)
        );
    }
}
