//! The SQL of event webhooks: each inbox's endpoints, the deliveries queued for them in the
//! outbox (in the transaction of the change they tell of), and the admin's delivery log.

use sqlx::any::AnyRow;

use super::row::RowExt;
use super::{Store, StoreResult, WriteTx, now_millis};
use crate::model::Millis;
use crate::protocol::Event;
use crate::server::outbox::Item;
use crate::server::webhook_events;
use crate::webhooks::{
    DeliveryStatus, Topic, WebhookDelivery, WebhookEndpoint, parse_topics_text, topics_text,
};

const ENDPOINT_COLUMNS: &str =
    "SELECT id, inbox_id, url, topics, created_at FROM webhook_endpoints";

impl Store {
    /// Every inbox's endpoints, oldest first (the admin page).
    pub async fn webhook_endpoints(&self) -> StoreResult<Vec<WebhookEndpoint>> {
        let rows = sqlx::query(&format!("{ENDPOINT_COLUMNS} ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(endpoint_from_row).collect()
    }

    /// Where an endpoint's deliveries go and the secret they are signed with, if it is still
    /// there.
    pub async fn webhook_endpoint_target(&self, id: i64) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query("SELECT url, secret FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((row.col(0)?, row.col(1)?))).transpose()
    }

    /// The newest deliveries to an inbox's endpoints, newest first.
    pub async fn webhook_deliveries(
        &self,
        inbox_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let rows = sqlx::query(
            "SELECT o.id, o.endpoint_id, e.url, o.topic, o.attempts, o.last_error, o.created_at, \
             o.sent_at, o.failed_at FROM outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id \
             WHERE e.inbox_id = $1 ORDER BY o.id DESC LIMIT $2",
        )
        .bind(inbox_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }
}

impl WriteTx {
    /// Adds an endpoint to an inbox.
    pub async fn insert_webhook_endpoint(
        &mut self,
        inbox_id: i64,
        url: &str,
        secret: &str,
        topics: &[Topic],
    ) -> StoreResult<WebhookEndpoint> {
        let row = sqlx::query(
            "INSERT INTO webhook_endpoints (inbox_id, url, secret, topics, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id, inbox_id, url, topics, created_at",
        )
        .bind(inbox_id)
        .bind(url)
        .bind(secret)
        .bind(topics_text(topics))
        .bind(now_millis())
        .fetch_one(&mut *self.tx)
        .await?;
        self.endpoints_seen.clear();
        endpoint_from_row(&row)
    }

    /// How many endpoints an inbox has.
    pub async fn count_webhook_endpoints(&mut self, inbox_id: i64) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE inbox_id = $1")
                .bind(inbox_id)
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    /// An endpoint's address, read in the transaction, if it is there.
    pub async fn webhook_endpoint_url(&mut self, id: i64) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT url FROM webhook_endpoints WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    /// Removes an endpoint; whether there was one. Its deliveries still waiting are given up;
    /// the rows stay, unmarked (out of the log), so no delivery id is ever handed out twice.
    pub async fn delete_webhook_endpoint(&mut self, id: i64) -> StoreResult<bool> {
        sqlx::query(
            "UPDATE outbox SET failed_at = $1, last_error = 'the endpoint was removed' \
             WHERE endpoint_id = $2 AND sent_at IS NULL AND failed_at IS NULL",
        )
        .bind(now_millis())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.endpoints_seen.clear();
        Ok(done.rows_affected() > 0)
    }

    /// Queues a delivery's body again as a new delivery, due now; its id, or `None` when there
    /// is no such delivery of an endpoint.
    pub async fn resend_webhook_delivery(&mut self, id: i64) -> StoreResult<Option<i64>> {
        let now = now_millis();
        let new_id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO outbox (kind, payload, endpoint_id, topic, next_attempt_at, created_at) \
             SELECT kind, payload, endpoint_id, topic, $1, $2 FROM outbox \
             WHERE id = $3 AND endpoint_id IS NOT NULL RETURNING id",
        )
        .bind(now)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        if new_id.is_some() {
            self.outbox_changed = true;
        }
        Ok(new_id)
    }

    /// Queues, for each endpoint of `inbox_id` subscribed to `topic`, a delivery of `data`.
    pub async fn queue_webhook(
        &mut self,
        inbox_id: i64,
        topic: Topic,
        data: serde_json::Value,
    ) -> StoreResult<()> {
        let at = now_millis();
        for (endpoint_id, topics) in self.endpoints_of(inbox_id).await? {
            if topics.contains(&topic) {
                let body = webhook_events::body(topic, inbox_id, at, data.clone());
                self.enqueue(&Item::Event {
                    endpoint_id,
                    topic,
                    body,
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Queues the deliveries these events of the log make, each with its inbox, at `at`.
    /// Events no receiver hears of cost nothing; the others one look at their inbox's
    /// endpoints per transaction.
    pub(super) async fn queue_event_webhooks(
        &mut self,
        at: Millis,
        events: &[(Option<i64>, &Event)],
    ) -> StoreResult<()> {
        let heard: Vec<(i64, Topic, &Event)> = events
            .iter()
            .filter_map(|(inbox, event)| {
                Some(((*inbox)?, webhook_events::topic_of(event)?, *event))
            })
            .collect();
        if heard.is_empty() {
            return Ok(());
        }
        let mut deliveries = Vec::new();
        for (inbox, topic, event) in heard {
            let subscribed: Vec<i64> = self
                .endpoints_of(inbox)
                .await?
                .into_iter()
                .filter(|(_, topics)| topics.contains(&topic))
                .map(|(id, _)| id)
                .collect();
            if subscribed.is_empty() {
                continue;
            }
            let data = match event {
                Event::VisitorUpdated { visitor_id, .. } => self.visitor_data(*visitor_id).await?,
                other => webhook_events::data_of(other),
            };
            let Some(data) = data else { continue };
            let body = webhook_events::body(topic, inbox, at, data);
            for endpoint_id in subscribed {
                deliveries.push(Item::Event {
                    endpoint_id,
                    topic,
                    body: body.clone(),
                });
            }
        }
        self.enqueue_all(&deliveries).await
    }

    /// An inbox's endpoints and what each hears of, read once per transaction (a visitor's
    /// first message appends two events that both look).
    async fn endpoints_of(&mut self, inbox_id: i64) -> StoreResult<Vec<(i64, Vec<Topic>)>> {
        if let Some(known) = self.endpoints_seen.get(&inbox_id) {
            return Ok(known.clone());
        }
        let rows = sqlx::query("SELECT id, topics FROM webhook_endpoints WHERE inbox_id = $1")
            .bind(inbox_id)
            .fetch_all(&mut *self.tx)
            .await?;
        let endpoints = rows
            .iter()
            .map(|row| {
                let topics: String = row.col(1)?;
                Ok((row.col(0)?, parse_topics_text(&topics)))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.endpoints_seen.insert(inbox_id, endpoints.clone());
        Ok(endpoints)
    }

    /// What a receiver reads of a visitor, as they are in the transaction.
    async fn visitor_data(&mut self, visitor_id: i64) -> StoreResult<Option<serde_json::Value>> {
        let row = sqlx::query("SELECT name, email, phone FROM visitors WHERE id = $1")
            .bind(visitor_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|row| {
            Ok(webhook_events::visitor_data(
                visitor_id,
                row.col(0)?,
                row.col(1)?,
                row.col(2)?,
            ))
        })
        .transpose()
    }
}

fn endpoint_from_row(row: &AnyRow) -> StoreResult<WebhookEndpoint> {
    let topics: String = row.col("topics")?;
    Ok(WebhookEndpoint {
        id: row.col("id")?,
        inbox_id: row.col("inbox_id")?,
        url: row.col("url")?,
        topics: parse_topics_text(&topics),
        created_at: row.col("created_at")?,
    })
}

fn delivery_from_row(row: &AnyRow) -> StoreResult<WebhookDelivery> {
    let topic: String = row.col("topic")?;
    Ok(WebhookDelivery {
        id: row.col("id")?,
        endpoint_id: row.col("endpoint_id")?,
        url: row.col("url")?,
        topic: Topic::parse(&topic)
            .ok_or_else(|| sqlx::Error::Decode(format!("event {topic}").into()))?,
        status: DeliveryStatus::of(
            row.col("sent_at")?,
            row.col("failed_at")?,
            row.col("attempts")?,
        ),
        attempts: row.col("attempts")?,
        last_error: row.col("last_error")?,
        created_at: row.col("created_at")?,
    })
}
