//! The outbox: emails and webhook posts written in the same transaction as the change that
//! causes them, then delivered by a background worker that retries with backoff. A restart or
//! a server that is down loses nothing: the rows wait in the database.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::Millis;
use crate::server::mailer::Email;
use crate::server::state::AppState;
use crate::server::store::{OutboxRow, now_millis};
use crate::server::webhook;
use crate::webhooks::Topic;

/// The longest wait between two attempts.
const MAX_WAIT_MS: Millis = 5 * 60_000;
/// After this long an item is given up (and kept, marked failed, for the record).
const GIVE_UP_AFTER_MS: Millis = 24 * 3_600_000;
/// How many due items one pass takes.
const BATCH: i64 = 20;
/// How many receivers are sent to at once.
const MAX_PARALLEL: usize = 8;

/// Something to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// An email, ready to send.
    Email(Email),
    /// A JSON body for an inbox's webhook (signed with the inbox's secret when sent).
    Webhook {
        /// Whose webhook.
        inbox_id: i64,
        /// The JSON text.
        body: String,
    },
    /// An event for one of an inbox's event webhook endpoints (signed with its secret when
    /// sent).
    Event {
        /// Which endpoint.
        endpoint_id: i64,
        /// Which event.
        topic: Topic,
        /// The JSON text.
        body: String,
    },
}

impl Item {
    /// The stored kind (`email` or `webhook`).
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Email(_) => "email",
            Item::Webhook { .. } | Item::Event { .. } => "webhook",
        }
    }
}

/// When to try again after `attempts` failed attempts of an item created at `created_at`:
/// `first_ms` after the first failure, then twice as long each time, at most five minutes
/// apart; `None` once it has been failing for a day (give up).
pub fn next_attempt(
    created_at: Millis,
    attempts: u32,
    now: Millis,
    first_ms: Millis,
) -> Option<Millis> {
    if now - created_at >= GIVE_UP_AFTER_MS {
        return None;
    }
    let doublings = attempts.saturating_sub(1).min(20);
    let wait = first_ms.saturating_mul(1 << doublings).min(MAX_WAIT_MS);
    Some(now + wait)
}

/// Starts the worker: starts the deliveries of due items, then sleeps until the next one is
/// due, a commit queues one, or a receiver's deliveries are done.
pub fn start(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let in_flight = InFlight::default();
        // The deliveries under way: stopping the worker (dropping this) stops them too.
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            // In a cluster, one node at a time delivers.
            state.chores.my_turn().await;
            // After a failure (the database, or a row that no longer reads), here or in a
            // delivery, wait a little rather than spin on the item that is still due.
            let (started, failed) = match start_due(&state, &in_flight, &mut tasks).await {
                Ok(started) => (started, in_flight.take_failure()),
                Err(e) => {
                    tracing::error!("outbox: {e}");
                    (0, true)
                }
            };
            let wait = match state.store.next_outbox_due().await {
                Ok(Some(due)) => {
                    Duration::from_millis(u64::try_from(due - now_millis()).unwrap_or(0))
                }
                Ok(None) => Duration::from_secs(3600),
                Err(e) => {
                    tracing::error!("outbox: {e}");
                    Duration::from_secs(5)
                }
            };
            let wait = if failed {
                wait.max(Duration::from_secs(5))
            } else if started == 0 && in_flight.any() {
                // What is due waits for a receiver already being sent to.
                wait.max(Duration::from_millis(500))
            } else {
                wait
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = state.store.outbox_changed() => {}
                () = in_flight.done.notified() => {}
            }
        }
    })
}

/// Whom an item goes to: the mail server, an inbox's ticket webhook, or an event endpoint.
/// One receiver's items are delivered in turn; different receivers side by side, so one that
/// is slow or down holds up only its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Receiver {
    Mail,
    TicketWebhook(i64),
    Endpoint(i64),
}

fn receiver_of(item: &Item) -> Receiver {
    match item {
        Item::Email(_) => Receiver::Mail,
        Item::Webhook { inbox_id, .. } => Receiver::TicketWebhook(*inbox_id),
        Item::Event { endpoint_id, .. } => Receiver::Endpoint(*endpoint_id),
    }
}

/// The receivers with deliveries under way, a bell rung when one is done, and whether one
/// ended in an error (the database) since the worker last looked.
#[derive(Clone, Default)]
struct InFlight {
    busy: Arc<Mutex<BTreeSet<Receiver>>>,
    done: Arc<tokio::sync::Notify>,
    failed: Arc<AtomicBool>,
}

impl InFlight {
    fn busy(&self) -> std::sync::MutexGuard<'_, BTreeSet<Receiver>> {
        self.busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn any(&self) -> bool {
        !self.busy().is_empty()
    }

    fn take_failure(&self) -> bool {
        self.failed.swap(false, Ordering::SeqCst)
    }
}

/// A receiver's turn: when it ends, however it ends (a panic included), the receiver is free
/// again and the worker is told.
struct Turn {
    in_flight: InFlight,
    receiver: Receiver,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.in_flight.busy().remove(&self.receiver);
        self.in_flight.done.notify_one();
    }
}

/// Starts, for each receiver not already being sent to (at most [`MAX_PARALLEL`] at once),
/// the delivery of its items due now; how many receivers it started.
async fn start_due(
    state: &AppState,
    in_flight: &InFlight,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<usize, crate::error::AppError> {
    // Receivers busy before the look stay skipped even if they finish during it: the rows
    // read may be ones they have just sent.
    let busy_before = in_flight.busy().clone();
    let (skip_mail, skip_endpoints) = {
        let busy = &busy_before;
        let endpoints: Vec<i64> = busy
            .iter()
            .filter_map(|r| match r {
                Receiver::Endpoint(id) => Some(*id),
                _ => None,
            })
            .collect();
        (busy.contains(&Receiver::Mail), endpoints)
    };
    let due = state
        .store
        .due_outbox(now_millis(), BATCH, skip_mail, &skip_endpoints)
        .await?;
    let mut queues: BTreeMap<Receiver, Vec<OutboxRow>> = BTreeMap::new();
    for row in due {
        queues.entry(receiver_of(&row.item)).or_default().push(row);
    }
    let mut started = 0;
    for (receiver, rows) in queues {
        if busy_before.contains(&receiver) {
            continue;
        }
        {
            let mut busy = in_flight.busy();
            if busy.len() >= MAX_PARALLEL || !busy.insert(receiver) {
                continue;
            }
        }
        started += 1;
        let (state, in_flight) = (state.clone(), in_flight.clone());
        tasks.spawn(async move {
            let turn = Turn {
                in_flight,
                receiver,
            };
            if let Err(e) = deliver_in_turn(&state, receiver, rows).await {
                tracing::error!("outbox: {e}");
                turn.in_flight.failed.store(true, Ordering::SeqCst);
            }
        });
    }
    Ok(started)
}

/// Delivers one receiver's items in order and records the outcome of each. When one fails,
/// the receiver's other items due now wait as long as it does.
async fn deliver_in_turn(
    state: &AppState,
    receiver: Receiver,
    rows: Vec<OutboxRow>,
) -> Result<(), crate::error::AppError> {
    let mut rows = rows.into_iter();
    while let Some(row) = rows.next() {
        // Another node took over the deliveries meanwhile: it sends the rest.
        if !state.chores.mine() {
            break;
        }
        let outcome = deliver(state, &row).await;
        let now = now_millis();
        let mut tx = state.store.write().await?;
        let mut stop = false;
        match outcome {
            Ok(()) => tx.outbox_sent(row.id, now).await?,
            Err(error) => {
                let attempts = row.attempts + 1;
                let next = next_attempt(
                    row.created_at,
                    u32::try_from(attempts).unwrap_or(u32::MAX),
                    now,
                    state.settings.retry_after_ms,
                );
                tracing::warn!(id = row.id, attempts, "outbox delivery failed: {error}");
                tx.outbox_failed(row.id, attempts, next, &error, now)
                    .await?;
                if let Some(next) = next {
                    match receiver {
                        Receiver::Endpoint(endpoint_id) => {
                            tx.outbox_postpone_endpoint(endpoint_id, next).await?;
                        }
                        Receiver::Mail => tx.outbox_postpone_mail(next).await?,
                        Receiver::TicketWebhook(_) => {}
                    }
                    for later in rows.by_ref() {
                        tx.outbox_postpone(later.id, next).await?;
                    }
                    stop = true;
                }
            }
        }
        tx.commit(&state.hub).await?;
        if stop {
            break;
        }
    }
    Ok(())
}

async fn deliver(state: &AppState, row: &OutboxRow) -> Result<(), String> {
    match &row.item {
        Item::Email(email) => match &state.mailer {
            Some(mailer) => mailer.send(email).await,
            None => Err("no SMTP server is configured".into()),
        },
        Item::Webhook { inbox_id, body } => {
            let hook = state
                .store
                .webhook(*inbox_id)
                .await
                .map_err(|e| format!("database: {e}"))?;
            match hook {
                Some((url, secret)) => {
                    let trusted = &state.settings.webhook_trusted_hosts;
                    webhook::deliver(&url, trusted, &secret, row.id, body).await
                }
                // The webhook was removed since: nobody to tell.
                None => Ok(()),
            }
        }
        Item::Event {
            endpoint_id, body, ..
        } => {
            let target = state
                .store
                .webhook_endpoint_target(*endpoint_id)
                .await
                .map_err(|e| format!("database: {e}"))?;
            match target {
                Some((url, secret)) => {
                    let trusted = &state.settings.webhook_trusted_hosts;
                    webhook::deliver(&url, trusted, &secret, row.id, body).await
                }
                // Removed since: its waiting deliveries were given up with it.
                None => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_five_minutes_and_stop_after_a_day() {
        let created = 0;
        let first = 20_000;
        assert_eq!(next_attempt(created, 1, 1_000, first), Some(21_000));
        assert_eq!(next_attempt(created, 2, 1_000, first), Some(41_000));
        assert_eq!(next_attempt(created, 3, 1_000, first), Some(81_000));
        assert_eq!(
            next_attempt(created, 5, 1_000, first),
            Some(301_000),
            "capped at five minutes"
        );
        assert_eq!(
            next_attempt(created, 400, 1_000, first),
            Some(301_000),
            "no overflow"
        );
        let day = 24 * 3_600_000;
        assert_eq!(
            next_attempt(created, 9, day - 1, first),
            Some(day - 1 + 300_000)
        );
        assert_eq!(
            next_attempt(created, 9, day, first),
            None,
            "given up after a day"
        );
    }

    #[test]
    fn a_first_failure_is_retried_well_within_ten_minutes() {
        // The default: 20 s, 40 s, 80 s, 160 s, 300 s — five tries in ten minutes.
        let mut now = 0;
        let mut tries = 0;
        while now < 600_000 {
            tries += 1;
            now = next_attempt(0, tries, now, 20_000).expect("still trying");
        }
        assert!(tries >= 5, "{tries} tries in ten minutes");
    }

    #[tokio::test]
    async fn a_turn_frees_its_receiver_however_it_ends() {
        let in_flight = InFlight::default();
        in_flight.busy().insert(Receiver::Endpoint(4));
        let turn = Turn {
            in_flight: in_flight.clone(),
            receiver: Receiver::Endpoint(4),
        };
        let task = tokio::spawn(async move {
            let _turn = turn;
            panic!("a bug in a delivery");
        });
        assert!(task.await.is_err(), "it panicked");
        assert!(!in_flight.any(), "the receiver is free again");
        tokio::time::timeout(Duration::from_secs(5), in_flight.done.notified())
            .await
            .expect("the worker is told");
    }

    #[test]
    fn items_are_tagged_json() {
        let item = Item::Webhook {
            inbox_id: 3,
            body: "{}".into(),
        };
        let json = serde_json::to_string(&item).expect("json");
        assert_eq!(json, r#"{"kind":"webhook","inbox_id":3,"body":"{}"}"#);
        assert_eq!(serde_json::from_str::<Item>(&json).expect("back"), item);
        assert_eq!(item.kind(), "webhook");
        let event = Item::Event {
            endpoint_id: 5,
            topic: Topic::MessageCreated,
            body: "{}".into(),
        };
        let json = serde_json::to_string(&event).expect("json");
        assert_eq!(
            json,
            r#"{"kind":"event","endpoint_id":5,"topic":"message.created","body":"{}"}"#
        );
        assert_eq!(serde_json::from_str::<Item>(&json).expect("back"), event);
        assert_eq!(event.kind(), "webhook", "the column's kind");
    }
}
