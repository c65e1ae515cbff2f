//! What the server learns about a visitor's browser from the connection itself: the address
//! (from the peer, or from a proxy's header when configured), the user agent parsed into
//! browser, OS and device with `woothee`, and, when a GeoIP database is configured, the city
//! and country of the address with `maxminddb`.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use axum::http::HeaderMap;

/// The connection facts of a visitor socket, taken at the upgrade.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The visitor's address (whole; truncation happens when it is stored).
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl ClientInfo {
    /// Reads the address and user agent of a request. `ip_header` names a header set by a
    /// trusted reverse proxy (`X-Forwarded-For`, `X-Real-IP`); its last address is the one the
    /// proxy saw. Without it, the peer address is the visitor's.
    pub fn from_request(
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
        ip_header: Option<&str>,
    ) -> ClientInfo {
        let forwarded = ip_header
            .and_then(|name| headers.get(name))
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .and_then(|last| last.trim().parse::<IpAddr>().ok());
        let user_agent = headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(512)
            .collect();
        ClientInfo {
            ip: forwarded.or(peer.map(|p| p.ip())),
            user_agent,
        }
    }
}

/// A user agent as the profile shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Software {
    /// Browser and version, "Chrome 120.0.0.0".
    pub browser: Option<String>,
    /// Operating system, "Windows 10", "Mac OSX", "Android 14".
    pub os: Option<String>,
    /// Device kind, one of `pc`, `smartphone`, `mobilephone`, `appliance`, `crawler`, `misc`
    /// (translated when shown).
    pub device: Option<String>,
}

/// Parses a user agent; unknown parts are `None`.
pub fn parse_user_agent(user_agent: &str) -> Software {
    let known = |value: &str| (!value.is_empty() && value != "UNKNOWN").then(|| value.to_owned());
    let Some(result) = woothee::parser::Parser::new().parse(user_agent) else {
        return Software::default();
    };
    let browser = known(result.name).map(|name| match known(result.version) {
        Some(version) => format!("{name} {version}"),
        None => name,
    });
    let os = known(result.os).map(|os| match known(&result.os_version) {
        Some(version)
            if !os.contains(&version)
                && version.chars().next().is_some_and(|c| c.is_ascii_digit()) =>
        {
            format!("{os} {version}")
        }
        _ => os,
    });
    Software {
        browser,
        os,
        device: known(result.category),
    }
}

/// A MaxMind-format database (GeoLite2 City, GeoIP2 City, DB-IP City Lite), loaded once.
pub struct GeoIp {
    reader: maxminddb::Reader<Vec<u8>>,
}

impl GeoIp {
    /// Loads the database file.
    pub fn open(path: &Path) -> Result<GeoIp, String> {
        maxminddb::Reader::open_readfile(path)
            .map(|reader| GeoIp { reader })
            .map_err(|e| format!("GeoIP database {}: {e}", path.display()))
    }

    /// The English city and country names of an address, where the database knows them.
    pub fn locate(&self, ip: IpAddr) -> (Option<String>, Option<String>) {
        let Ok(result) = self.reader.lookup(ip) else {
            return (None, None);
        };
        match result.decode::<maxminddb::geoip2::City>() {
            Ok(Some(city)) => (
                city.city.names.english.map(str::to_owned),
                city.country.names.english.map(str::to_owned),
            ),
            _ => (None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_become_browser_os_and_device() {
        let chrome = parse_user_agent(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/120.0.0.0 Safari/537.36",
        );
        assert_eq!(chrome.browser.as_deref(), Some("Chrome 120.0.0.0"));
        assert_eq!(chrome.os.as_deref(), Some("Windows 10"));
        assert_eq!(chrome.device.as_deref(), Some("pc"));

        let iphone = parse_user_agent(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 \
             (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        );
        assert_eq!(iphone.device.as_deref(), Some("smartphone"));
        assert!(
            iphone
                .browser
                .as_deref()
                .is_some_and(|b| b.starts_with("Safari"))
        );
        assert!(
            iphone
                .os
                .as_deref()
                .is_some_and(|o| o.starts_with("iPhone"))
        );

        assert_eq!(parse_user_agent(""), Software::default());
    }

    #[test]
    fn the_address_is_the_peer_unless_a_proxy_header_is_trusted() {
        let peer: SocketAddr = "10.0.0.2:5000".parse().expect("addr");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.9".parse().expect("header"),
        );
        headers.insert("user-agent", "curl/8.0".parse().expect("header"));
        let direct = ClientInfo::from_request(&headers, Some(peer), None);
        assert_eq!(
            direct.ip,
            Some(peer.ip()),
            "the header is ignored unless configured"
        );
        assert_eq!(direct.user_agent, "curl/8.0");
        let proxied = ClientInfo::from_request(&headers, Some(peer), Some("x-forwarded-for"));
        assert_eq!(proxied.ip, Some("203.0.113.9".parse().expect("ip")));
        headers.insert("x-forwarded-for", "garbage".parse().expect("header"));
        let garbage = ClientInfo::from_request(&headers, Some(peer), Some("x-forwarded-for"));
        assert_eq!(garbage.ip, Some(peer.ip()));
    }
}
