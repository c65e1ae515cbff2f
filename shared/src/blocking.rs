//! Blocking rules: how long a block lasts and which addresses an IP block covers (whether a
//! block is still in force is one SQL condition in the store, `IN_FORCE`). Shared so the block dialog checks an address as the server does.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::Millis;

/// The longest reason kept with a block.
pub const MAX_REASON_CHARS: usize = 500;

/// How long a block lasts, as the block dialog offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockLength {
    /// One hour.
    Hour,
    /// 24 hours.
    Day,
    /// 7 days.
    Week,
    /// Until someone lifts it.
    Forever,
}

impl BlockLength {
    /// Every choice, in the order the dialog lists them.
    pub const ALL: [BlockLength; 4] = [
        BlockLength::Hour,
        BlockLength::Day,
        BlockLength::Week,
        BlockLength::Forever,
    ];

    /// The stable name used in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockLength::Hour => "hour",
            BlockLength::Day => "day",
            BlockLength::Week => "week",
            BlockLength::Forever => "forever",
        }
    }

    /// Parses a form value; `None` for anything else.
    pub fn parse(value: &str) -> Option<BlockLength> {
        Self::ALL
            .into_iter()
            .find(|length| length.as_str() == value)
    }

    /// When a block made at `now` ends by itself (`None`: never).
    pub fn until(self, now: Millis) -> Option<Millis> {
        const HOUR: Millis = 3_600_000;
        match self {
            BlockLength::Hour => Some(now + HOUR),
            BlockLength::Day => Some(now + 24 * HOUR),
            BlockLength::Week => Some(now + 7 * 24 * HOUR),
            BlockLength::Forever => None,
        }
    }
}

/// An address or range an IP block covers. A bare address covers itself alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange(IpNet);

impl IpRange {
    /// Parses `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`. The range is normalised to its
    /// network address, so `203.0.113.7/24` reads back as `203.0.113.0/24`.
    pub fn parse(text: &str) -> Result<IpRange, AppError> {
        let text = text.trim();
        let invalid = || AppError::invalid("ip", "an IP address or a CIDR range (203.0.113.0/24)");
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(IpRange(IpNet::from(address)));
        }
        let net: IpNet = text.parse().map_err(|_| invalid())?;
        // A range of a quarter of the internet or more is a mistake, not a block.
        let shortest = match net {
            IpNet::V4(_) => 8,
            IpNet::V6(_) => 16,
        };
        if net.prefix_len() < shortest {
            return Err(invalid());
        }
        Ok(IpRange(net.trunc()))
    }

    /// Whether `address` is in the range (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.0.contains(&address)
    }

    /// Whether the range covers more than one address (the dialog warns about shared networks
    /// either way; a range makes it likelier).
    pub fn is_range(&self) -> bool {
        self.0.prefix_len() < self.0.max_prefix_len()
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_range() {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{}", self.0.addr())
        }
    }
}

/// Checks a block's reason: required, at most [`MAX_REASON_CHARS`].
pub fn validate_reason(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "required"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid("reason", "at most 500 characters"));
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_end_when_chosen() {
        let now = 1_000_000;
        assert_eq!(BlockLength::Hour.until(now), Some(now + 3_600_000));
        assert_eq!(BlockLength::Day.until(now), Some(now + 86_400_000));
        assert_eq!(BlockLength::Week.until(now), Some(now + 604_800_000));
        assert_eq!(BlockLength::Forever.until(now), None);
        for length in BlockLength::ALL {
            assert_eq!(BlockLength::parse(length.as_str()), Some(length));
        }
        assert_eq!(BlockLength::parse("year"), None);
    }

    #[test]
    fn cidr_ranges_cover_their_addresses_only() {
        let range = IpRange::parse("203.0.113.0/24").expect("range");
        assert!(range.contains("203.0.113.0".parse().expect("ip")));
        assert!(range.contains("203.0.113.255".parse().expect("ip")));
        assert!(!range.contains("203.0.114.1".parse().expect("ip")));
        assert!(range.contains("::ffff:203.0.113.9".parse().expect("mapped")));
        let single = IpRange::parse(" 198.51.100.7 ").expect("address");
        assert!(single.contains("198.51.100.7".parse().expect("ip")));
        assert!(!single.contains("198.51.100.8".parse().expect("ip")));
        assert_eq!(single.to_string(), "198.51.100.7");
        assert!(!single.is_range());
        let six = IpRange::parse("2001:db8::/32").expect("v6");
        assert!(six.contains("2001:db8:1::5".parse().expect("ip")));
        assert!(!six.contains("2001:db9::1".parse().expect("ip")));
        assert!(!six.contains("203.0.113.1".parse().expect("ip")));
        assert_eq!(
            IpRange::parse("203.0.113.77/24")
                .expect("host bits")
                .to_string(),
            "203.0.113.0/24"
        );
    }

    #[test]
    fn nonsense_and_huge_ranges_are_refused() {
        for bad in [
            "",
            "example.com",
            "300.1.1.1",
            "10.0.0.0/33",
            "0.0.0.0/0",
            "10.0.0.0/7",
            "::/0",
        ] {
            assert!(IpRange::parse(bad).is_err(), "{bad}");
        }
        assert!(IpRange::parse("10.0.0.0/8").is_ok());
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(validate_reason("  spam  ").expect("ok"), "spam");
        assert!(validate_reason(" ").is_err());
        assert!(validate_reason(&"x".repeat(501)).is_err());
    }
}
