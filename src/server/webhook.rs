//! Tickets posted to an inbox's webhook: the JSON body, its HMAC-SHA256 signature over
//! `timestamp.delivery.body`, and one delivery attempt: to a public address only (checked
//! after DNS resolution, on every delivery, and the connection pinned to the checked address),
//! never following a redirect. The outbox retries what fails.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::Ticket;

/// The header carrying `sha256=<hex of HMAC-SHA256(secret, "TIMESTAMP.DELIVERY.BODY")>`.
pub const SIGNATURE_HEADER: &str = "x-switchboard-signature";
/// The header carrying the time of sending, in seconds since 1970 (a receiver rejects old
/// ones, so a captured delivery cannot be replayed later).
pub const TIMESTAMP_HEADER: &str = "x-switchboard-timestamp";
/// The header carrying the delivery's id (the same on every retry, so a receiver can skip
/// a duplicate).
pub const DELIVERY_HEADER: &str = "x-switchboard-delivery";
/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// What is signed: the timestamp, the delivery id and the body, joined by dots.
pub fn signed_payload(timestamp: u64, delivery_id: i64, body: &str) -> String {
    format!("{timestamp}.{delivery_id}.{body}")
}

/// The signature of bytes with a secret, as the signature header carries it.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The JSON a receiver gets for a new ticket.
pub fn ticket_created_body(ticket: &Ticket, inbox_name: &str) -> String {
    serde_json::json!({
        "event": "ticket.created",
        "ticket": {
            "id": ticket.id,
            "subject": ticket.subject,
            "body": ticket.body,
            "requester_email": ticket.requester_email,
            "status": ticket.status.as_str(),
            "assignee": ticket.assignee.as_ref().map(|a| &a.name),
            "conversation_id": ticket.conversation_id,
            "created_at": ticket.created_at,
            "inbox": { "id": ticket.inbox_id, "name": inbox_name },
        }
    })
    .to_string()
}

/// Whether an address is on the public internet: not loopback, private, shared (CGNAT),
/// link-local (where cloud metadata lives), unique-local, multicast or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// Where a delivery may connect: the receiver's address after DNS resolution, refused when
/// it is not public (unless the admin trusts the host).
async fn destination(url: &reqwest::Url, trusted: &[String]) -> Result<SocketAddr, String> {
    let host = url.host_str().ok_or("webhook: no host")?;
    let port = url.port_or_known_default().ok_or("webhook: no port")?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|e| format!("webhook: {host} does not resolve: {e}"))?
        .collect();
    let trusted_host = trusted.iter().any(|t| t.eq_ignore_ascii_case(bare));
    if let Some(private) = addresses.iter().find(|a| !is_public(a.ip()))
        && !trusted_host
    {
        return Err(format!(
            "webhook: {host} resolves to {}, which is not a public address",
            private.ip()
        ));
    }
    addresses
        .first()
        .copied()
        .ok_or_else(|| format!("webhook: {host} has no address"))
}

/// Posts a body to a receiver; any 2xx answer counts as delivered (a redirect does not).
pub async fn deliver(
    url: &str,
    trusted: &[String],
    secret: &str,
    delivery_id: i64,
    body: &str,
) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("webhook: {e}"))?;
    let address = destination(&parsed, trusted).await?;
    // Pinned to the address just checked, so a second lookup cannot lead elsewhere.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(parsed.host_str().unwrap_or_default(), address)
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| format!("webhook client: {e}"))?;
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let signature = sign(
        secret,
        signed_payload(timestamp, delivery_id, body).as_bytes(),
    );
    let response = client
        .post(parsed)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(DELIVERY_HEADER, delivery_id.to_string())
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| format!("webhook: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(
            sign("other", b"what do ya want for nothing?"),
            sign("Jefe", b"what do ya want for nothing?")
        );
    }

    #[test]
    fn only_public_addresses_receive_webhooks() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
        assert_eq!(signed_payload(1700000000, 7, "{}"), "1700000000.7.{}");
        // The README's receiver (Python's hmac) computes the same.
        assert_eq!(
            sign("k", signed_payload(1, 2, "{}").as_bytes()),
            "sha256=d2faf6951d6c40b563f05d59ac51efdda592805accb74560faf9aaad0eb296d8"
        );
    }
}
