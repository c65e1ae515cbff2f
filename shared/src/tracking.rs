//! The rules of page tracking, as plain functions: what a page report may contain, when a new
//! visit starts, how long a page was viewed, how IP addresses are kept, and where a visitor is
//! from when only their time zone is known.

use std::net::IpAddr;

use crate::error::AppError;
use crate::model::Millis;

/// Longest page or referrer address kept.
pub const MAX_URL_CHARS: usize = 2_048;
/// Longest page title kept (longer ones are cut).
pub const MAX_TITLE_CHARS: usize = 200;

/// A page report from the loader, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's address (http or https).
    pub url: String,
    /// Its title, or its path when it has none.
    pub title: String,
    /// Where the visitor came from (empty when unknown or not a web address).
    pub referrer: String,
}

/// Checks a page report: the address must be a web address; the title is trimmed and cut;
/// a referrer that is not a web address is dropped.
pub fn validate_page(url: &str, title: &str, referrer: &str) -> Result<Page, AppError> {
    let url = url.trim();
    if !is_web_address(url) {
        return Err(AppError::invalid("url", "must be an http or https address"));
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Err(AppError::invalid("url", "too long"));
    }
    let flat: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = if flat.is_empty() {
        path_of(url).to_owned()
    } else {
        flat.chars().take(MAX_TITLE_CHARS).collect()
    };
    let referrer = referrer.trim();
    let referrer = if is_web_address(referrer) && referrer.chars().count() <= MAX_URL_CHARS {
        referrer.to_owned()
    } else {
        String::new()
    };
    Ok(Page {
        url: url.to_owned(),
        title,
        referrer,
    })
}

fn is_web_address(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && value
            .split_once("://")
            .is_some_and(|(_, host)| !host.is_empty() && !host.starts_with(['/', '?', '#']))
        && !value.chars().any(char::is_control)
}

/// The path (with query and fragment) of a web address: what the page feed shows after the
/// title.
pub fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    match rest.find(['/', '?', '#']) {
        Some(at) => &rest[at..],
        None => "/",
    }
}

/// What the browser tells about itself, checked: anything malformed is dropped, not refused
/// (a page view is still worth recording).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// Screen size, "1920x1080".
    pub screen: Option<String>,
    /// Preferred language, "es-ES".
    pub language: Option<String>,
    /// IANA time zone, "Europe/Madrid".
    pub time_zone: Option<String>,
}

/// Keeps the well-formed parts of a browser's report about itself.
pub fn clean_environment(
    screen: Option<&str>,
    language: Option<&str>,
    time_zone: Option<&str>,
) -> Environment {
    let screen = screen.map(str::trim).filter(|s| {
        s.split_once('x').is_some_and(|(w, h)| {
            [w, h]
                .iter()
                .all(|n| (1..=5).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
        })
    });
    let language = language.map(str::trim).filter(|l| {
        (2..=35).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let time_zone = time_zone.map(str::trim).filter(|z| {
        (1..=64).contains(&z.len())
            && z.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'))
    });
    Environment {
        screen: screen.map(str::to_owned),
        language: language.map(str::to_owned),
        time_zone: time_zone.map(str::to_owned),
    }
}

/// Whether a page view starts a new visit: the visitor's first page ever, or the first after
/// `gap_ms` of absence. A visitor with a tab on the site now (or within the leaving grace
/// period) is never absent.
pub fn starts_new_visit(
    last_seen_at: Option<Millis>,
    on_site_now: bool,
    now: Millis,
    gap_ms: Millis,
) -> bool {
    match last_seen_at {
        None => true,
        Some(_) if on_site_now => false,
        Some(last) => now.saturating_sub(last) >= gap_ms,
    }
}

/// How long a page was viewed: until the next page (or the visitor leaving), or until now
/// for the page they are on.
pub fn time_spent(started_at: Millis, ended_at: Option<Millis>, now: Millis) -> Millis {
    ended_at.unwrap_or(now).saturating_sub(started_at).max(0)
}

/// An address as stored when IPs are kept truncated: the last octet of IPv4, the last 80 bits
/// of IPv6 zeroed (enough for a rough location, not to single out a home).
pub fn truncate_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            IpAddr::from([a, b, c, 0])
        }
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            for segment in segments.iter_mut().skip(3) {
                *segment = 0;
            }
            IpAddr::from(segments)
        }
    }
}

/// Where a visitor probably is, from their time zone: "Europe/Madrid" → "Madrid, Europe",
/// "America/Argentina/Buenos_Aires" → "Buenos Aires, America". `None` for zones that name no
/// place ("UTC", "Etc/GMT+3").
pub fn location_from_time_zone(time_zone: &str) -> Option<String> {
    let mut parts = time_zone.split('/');
    let region = parts.next()?;
    let place = parts.next_back()?;
    if region.eq_ignore_ascii_case("etc") || place.is_empty() || region.is_empty() {
        return None;
    }
    Some(format!("{}, {region}", place.replace('_', " ")))
}

/// A location from a GeoIP lookup: "City, Country", or whichever of the two is known.
pub fn location_from_geoip(city: Option<&str>, country: Option<&str>) -> Option<String> {
    match (
        city.filter(|c| !c.is_empty()),
        country.filter(|c| !c.is_empty()),
    ) {
        (Some(city), Some(country)) => Some(format!("{city}, {country}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

/// How many query parameter names an inbox may keep.
pub const MAX_KEPT_PARAMS: usize = 20;

/// An inbox's list of query parameters kept in page addresses, checked and written one way
/// (`utm_*, ref`): names of letters, digits, `_`, `-` and `.`, each optionally ending in `*`
/// (every name with that beginning). Empty: no query is kept.
pub fn parse_kept_params(text: &str) -> Result<String, AppError> {
    let names: Vec<&str> = text
        .split([',', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    if names.len() > MAX_KEPT_PARAMS {
        return Err(AppError::invalid("kept_query_params", "too many names"));
    }
    for name in &names {
        let stem = name.strip_suffix('*').unwrap_or(name);
        let fine = !stem.is_empty()
            && stem.len() <= 40
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !fine {
            return Err(AppError::invalid(
                "kept_query_params",
                "not a parameter name",
            ));
        }
    }
    Ok(names.join(", "))
}

/// A page address as it is kept: never its fragment, and of its query only the parameters
/// `kept` names (the inbox's list from [`parse_kept_params`]); tokens and personal data often
/// travel in both.
pub fn kept_address(url: &str, kept: &str) -> String {
    let url = url.split('#').next().unwrap_or_default();
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let patterns: Vec<&str> = kept
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let keeps = |name: &str| {
        patterns
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(stem) => name.starts_with(stem),
                None => name == *pattern,
            })
    };
    let pairs: Vec<&str> = query
        .split('&')
        .filter(|pair| keeps(pair.split('=').next().unwrap_or_default()))
        .collect();
    if pairs.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", pairs.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::invalid_field;

    const MINUTE: Millis = 60_000;

    #[test]
    fn a_visit_starts_on_the_first_page_after_the_gap() {
        let gap = 30 * MINUTE;
        let last = 1_000 * MINUTE;
        assert!(starts_new_visit(None, false, last, gap), "first page ever");
        assert!(!starts_new_visit(Some(last), false, last + gap - 1, gap));
        assert!(starts_new_visit(Some(last), false, last + gap, gap));
        assert!(starts_new_visit(Some(last), false, last + 2 * gap, gap));
        assert!(
            !starts_new_visit(Some(last), true, last + 2 * gap, gap),
            "a tab still on the site keeps the visit going"
        );
    }

    #[test]
    fn time_spent_runs_to_the_next_page_or_now() {
        assert_eq!(time_spent(1_000, Some(61_000), 999_999), 60_000);
        assert_eq!(time_spent(1_000, None, 31_000), 30_000);
        assert_eq!(time_spent(5_000, Some(4_000), 9_000), 0, "never negative");
    }

    #[test]
    fn ips_are_truncated_to_a_network() {
        let v4: IpAddr = "203.0.113.77".parse().expect("ip");
        assert_eq!(
            truncate_ip(v4),
            "203.0.113.0".parse::<IpAddr>().expect("ip")
        );
        let v6: IpAddr = "2001:db8:85a3:1234:5678:8a2e:370:7334".parse().expect("ip");
        assert_eq!(
            truncate_ip(v6),
            "2001:db8:85a3::".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn pages_must_be_web_addresses() {
        let page = validate_page(
            "https://shop.example/pricing?x=1",
            "  Pricing \n plans ",
            "",
        )
        .expect("valid");
        assert_eq!(page.title, "Pricing plans");
        assert_eq!(
            invalid_field(validate_page("javascript:alert(1)", "x", "")),
            "url"
        );
        assert_eq!(invalid_field(validate_page("https://", "x", "")), "url");
        let long = format!("https://a.example/{}", "a".repeat(3000));
        assert_eq!(invalid_field(validate_page(&long, "x", "")), "url");
        let untitled = validate_page("https://a.example/docs#intro", "", "ftp://x").expect("valid");
        assert_eq!(untitled.title, "/docs#intro");
        assert_eq!(untitled.referrer, "", "a non-web referrer is dropped");
        let long = validate_page("https://a.example/", &"t".repeat(500), "https://b.example/")
            .expect("valid");
        assert_eq!(long.title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(long.referrer, "https://b.example/");
    }

    #[test]
    fn the_path_follows_the_host() {
        assert_eq!(path_of("https://a.example/pricing"), "/pricing");
        assert_eq!(path_of("https://a.example"), "/");
        assert_eq!(path_of("https://a.example?q=1"), "?q=1");
        assert_eq!(path_of("http://a.example:8080/a/b#c"), "/a/b#c");
    }

    #[test]
    fn environment_keeps_only_well_formed_values() {
        let env = clean_environment(Some("1920x1080"), Some("es-ES"), Some("Europe/Madrid"));
        assert_eq!(env.screen.as_deref(), Some("1920x1080"));
        assert_eq!(env.language.as_deref(), Some("es-ES"));
        assert_eq!(env.time_zone.as_deref(), Some("Europe/Madrid"));
        let bad = clean_environment(Some("big"), Some("<script>"), Some("../../etc"));
        assert_eq!(bad, Environment::default());
    }

    #[test]
    fn location_comes_from_the_time_zone_or_geoip() {
        assert_eq!(
            location_from_time_zone("Europe/Madrid").as_deref(),
            Some("Madrid, Europe")
        );
        assert_eq!(
            location_from_time_zone("America/Argentina/Buenos_Aires").as_deref(),
            Some("Buenos Aires, America")
        );
        assert_eq!(location_from_time_zone("UTC"), None);
        assert_eq!(location_from_time_zone("Etc/GMT+3"), None);
        assert_eq!(
            location_from_geoip(Some("Linköping"), Some("Sweden")).as_deref(),
            Some("Linköping, Sweden")
        );
        assert_eq!(
            location_from_geoip(None, Some("Sweden")).as_deref(),
            Some("Sweden")
        );
        assert_eq!(location_from_geoip(Some(""), None), None);
    }

    #[test]
    fn an_address_keeps_no_fragment_and_only_the_query_the_inbox_names() {
        let url = "https://shop.example/cart?token=s3cret&utm_source=news&ref=ad#reset=abc";
        assert_eq!(kept_address(url, ""), "https://shop.example/cart");
        assert_eq!(
            kept_address(url, "utm_*, ref"),
            "https://shop.example/cart?utm_source=news&ref=ad"
        );
        assert_eq!(kept_address(url, "utm"), "https://shop.example/cart");
        assert_eq!(
            kept_address("https://a.example/#x", "*"),
            "https://a.example/"
        );
        assert_eq!(
            parse_kept_params(" utm_* ref,,gclid "),
            Ok("utm_*, ref, gclid".into())
        );
        assert_eq!(parse_kept_params(""), Ok(String::new()));
        assert!(parse_kept_params("a=b").is_err());
        assert!(parse_kept_params("*").is_err());
        assert!(parse_kept_params(&"x ".repeat(21)).is_err());
    }
}
