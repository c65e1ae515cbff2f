//! Event webhooks: the events another system may subscribe to, per inbox and per endpoint,
//! the rules of an endpoint's subscription, and what the admin sees of endpoints and of their
//! deliveries.

use serde::{Deserialize, Serialize};

use crate::calendar::Millis;
use crate::error::AppError;

/// How many endpoints one inbox may have.
pub const MAX_ENDPOINTS_PER_INBOX: usize = 10;

/// Something that happened, as a receiver subscribes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Topic {
    /// A conversation started (a visitor wrote in, or an agent started a chat).
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    /// A conversation was given to an agent, or back to nobody.
    #[serde(rename = "conversation.assigned")]
    ConversationAssigned,
    /// A conversation ended.
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    /// The visitor or an agent wrote a message (notes and Switchboard's lines are not sent).
    #[serde(rename = "message.created")]
    MessageCreated,
    /// An agent changed a visitor's name, email, phone or notes.
    #[serde(rename = "visitor.updated")]
    VisitorUpdated,
    /// A ticket was made (from a conversation, or a visitor's offline message).
    #[serde(rename = "ticket.created")]
    TicketCreated,
    /// A ticket's status, assignee or priority changed, or it got a comment.
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    /// A visitor rated their ended chat.
    #[serde(rename = "rating.created")]
    RatingCreated,
}

impl Topic {
    /// Every topic, in the order the admin page lists them.
    pub const ALL: [Topic; 8] = [
        Topic::ConversationCreated,
        Topic::ConversationAssigned,
        Topic::ConversationClosed,
        Topic::MessageCreated,
        Topic::VisitorUpdated,
        Topic::TicketCreated,
        Topic::TicketUpdated,
        Topic::RatingCreated,
    ];

    /// Its name, as a receiver reads it in `event` and the database keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::ConversationCreated => "conversation.created",
            Topic::ConversationAssigned => "conversation.assigned",
            Topic::ConversationClosed => "conversation.closed",
            Topic::MessageCreated => "message.created",
            Topic::VisitorUpdated => "visitor.updated",
            Topic::TicketCreated => "ticket.created",
            Topic::TicketUpdated => "ticket.updated",
            Topic::RatingCreated => "rating.created",
        }
    }

    /// The topic a name names.
    pub fn parse(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The topics an admin chose, checked: at least one, each known, no repeats (sorted).
pub fn validate_topics(names: &[String]) -> Result<Vec<Topic>, AppError> {
    let mut topics = Vec::with_capacity(names.len());
    for name in names {
        let topic = Topic::parse(name.trim())
            .ok_or_else(|| AppError::invalid("events", "events Switchboard sends"))?;
        topics.push(topic);
    }
    topics.sort_unstable();
    topics.dedup();
    if topics.is_empty() {
        return Err(AppError::invalid("events", "at least one event"));
    }
    Ok(topics)
}

/// How a subscription is kept in one text column: each name between commas
/// (`,message.created,ticket.created,`), so "is this endpoint subscribed" is one `LIKE`.
pub fn topics_text(topics: &[Topic]) -> String {
    let mut text = String::from(",");
    for topic in topics {
        text.push_str(topic.as_str());
        text.push(',');
    }
    text
}

/// The topics of a kept subscription (names no longer known are left out).
pub fn parse_topics_text(text: &str) -> Vec<Topic> {
    text.split(',').filter_map(Topic::parse).collect()
}

/// An endpoint as the admin page lists it (the secret is shown once, when it is made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// Database id.
    pub id: i64,
    /// Whose events it receives.
    pub inbox_id: i64,
    /// Where they are posted.
    pub url: String,
    /// What it receives.
    pub topics: Vec<Topic>,
    /// When it was added.
    pub created_at: Millis,
}

/// An endpoint just added: its signing secret, to copy now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhookEndpoint {
    /// The HMAC-SHA256 key of its signatures.
    pub secret: String,
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not tried yet.
    Waiting,
    /// Failed, and will be tried again.
    Retrying,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after a day of failures.
    Failed,
}

impl DeliveryStatus {
    /// The status of a delivery from its record: when it was sent, given up, and how many
    /// attempts failed.
    pub fn of(sent_at: Option<Millis>, failed_at: Option<Millis>, attempts: i64) -> Self {
        match (sent_at, failed_at) {
            (Some(_), _) => DeliveryStatus::Delivered,
            (None, Some(_)) => DeliveryStatus::Failed,
            (None, None) if attempts > 0 => DeliveryStatus::Retrying,
            (None, None) => DeliveryStatus::Waiting,
        }
    }
}

/// One delivery of an event to an endpoint, for the admin's delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// Its id (the receiver's `X-Switchboard-Delivery`).
    pub id: i64,
    /// Which endpoint.
    pub endpoint_id: i64,
    /// The endpoint's address.
    pub url: String,
    /// Which event.
    pub topic: Topic,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Failed attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed, if one did.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: Millis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_named_as_receivers_read_them() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
            assert_eq!(
                serde_json::to_string(&topic).expect("json"),
                format!("\"{}\"", topic.as_str())
            );
        }
        assert_eq!(Topic::parse("message.deleted"), None);
    }

    #[test]
    fn a_subscription_needs_known_events_and_at_least_one() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            validate_topics(&names(&[
                "ticket.created",
                " message.created",
                "ticket.created"
            ])),
            Ok(vec![Topic::MessageCreated, Topic::TicketCreated]),
            "trimmed, sorted, once each"
        );
        for wrong in [names(&[]), names(&["message.created", "message.deleted"])] {
            match validate_topics(&wrong) {
                Err(AppError::Invalid { field, .. }) => assert_eq!(field, "events"),
                other => panic!("{wrong:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn subscriptions_are_kept_between_commas() {
        let topics = [Topic::MessageCreated, Topic::RatingCreated];
        let text = topics_text(&topics);
        assert_eq!(text, ",message.created,rating.created,");
        assert_eq!(parse_topics_text(&text), topics);
        assert_eq!(
            parse_topics_text(",gone.event,ticket.updated,"),
            [Topic::TicketUpdated]
        );
    }

    #[test]
    fn a_delivery_reads_as_delivered_failed_retrying_or_waiting() {
        assert_eq!(
            DeliveryStatus::of(Some(5), None, 2),
            DeliveryStatus::Delivered
        );
        assert_eq!(DeliveryStatus::of(None, Some(5), 9), DeliveryStatus::Failed);
        assert_eq!(DeliveryStatus::of(None, None, 1), DeliveryStatus::Retrying);
        assert_eq!(DeliveryStatus::of(None, None, 0), DeliveryStatus::Waiting);
    }
}
