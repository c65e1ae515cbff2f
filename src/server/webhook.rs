//! Tickets posted to an inbox's webhook: the JSON body, its HMAC-SHA256 signature, and one
//! delivery attempt. The outbox retries what fails.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::Ticket;

/// The header carrying `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub const SIGNATURE_HEADER: &str = "x-switchboard-signature";
/// The header carrying the delivery's id (the same on every retry, so a receiver can skip
/// a duplicate).
pub const DELIVERY_HEADER: &str = "x-switchboard-delivery";
/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The signature of a body with a secret, as the signature header carries it.
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

/// Posts a body to a receiver; any 2xx answer counts as delivered.
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    delivery_id: i64,
    body: &str,
) -> Result<(), String> {
    let response = client
        .post(url)
        .timeout(TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, sign(secret, body.as_bytes()))
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
}
