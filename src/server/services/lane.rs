//! Write lanes. sqlx hands every SQLite statement to the connection's thread and back, so a
//! write of ten statements costs ten round trips whatever its size, and one node writing its
//! most frequent requests one at a time tops out at about a thousand a second. A lane takes
//! every request of one kind waiting, writes the batch with a fixed handful of statements in
//! one savepoint of the writer, and answers each request after the commit. A request the lane
//! does not take (anything unusual) is handed back to its caller once the batch's statements
//! have run, to be written the ordinary way, one at a time, with the same rules and the same
//! outcome. When a batch fails, or its commit does, every request in it is handed back the
//! same way: a failed commit leaves nothing behind, so each is tried once more on its own and
//! its caller hears that attempt's outcome.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::server::hub::Hub;
use crate::server::store::{Store, StoreResult, WriteTx};

/// Most requests written in one batch.
const MAX_BATCH: usize = 256;

/// What one kind of lane writes.
pub trait LaneWrites: Send + Sync + 'static {
    /// One request.
    type Item: Send + 'static;
    /// What a request the lane took is answered with, once committed.
    type Answer: Send + 'static;

    /// Writes the requests of `batch` it takes in `tx`, and returns them as (index in the
    /// batch, answer) in the order of the batch; the others are handed back.
    fn write<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        batch: &'a [Self::Item],
    ) -> impl Future<Output = StoreResult<Vec<(usize, Self::Answer)>>> + Send + 'a;
}

/// A request waiting, with where its answer goes (`None`: take the ordinary path).
type Waiting<W> = (
    <W as LaneWrites>::Item,
    oneshot::Sender<Option<<W as LaneWrites>::Answer>>,
);

/// Where requests queue for a lane's task. Cheap to clone.
pub struct Lane<W: LaneWrites> {
    /// The lane's queue.
    queue: mpsc::UnboundedSender<Waiting<W>>,
    /// Batches taken from the queue so far.
    batches: Arc<AtomicU64>,
}

impl<W: LaneWrites> Clone for Lane<W> {
    fn clone(&self) -> Self {
        Lane {
            queue: self.queue.clone(),
            batches: Arc::clone(&self.batches),
        }
    }
}

impl<W: LaneWrites> Lane<W> {
    /// Starts the lane's task, which writes through `store` and publishes on `hub`; it ends
    /// when the last handle is dropped.
    pub fn start(writes: W, store: Store, hub: Hub) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(writes, store, hub, waiting, Arc::clone(&batches)));
        Lane { queue, batches }
    }

    /// Writes `item` with the others waiting and returns its answer once committed (its
    /// events published); `None` when it must take the ordinary path instead.
    pub async fn submit(&self, item: W::Item) -> Option<W::Answer> {
        let (answer, outcome) = oneshot::channel();
        self.queue.send((item, answer)).ok()?;
        outcome.await.ok().flatten()
    }

    /// How many batches the lane has taken from its queue, written or handed back (tests check
    /// that waiting requests shared one).
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }
}

/// Takes everything waiting, up to a batch, and writes it; again while anything comes.
async fn run<W: LaneWrites>(
    writes: W,
    store: Store,
    hub: Hub,
    mut waiting: mpsc::UnboundedReceiver<Waiting<W>>,
    batches: Arc<AtomicU64>,
) {
    let mut batch = Vec::new();
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_batch(&writes, &store, &hub, std::mem::take(&mut batch)).await;
        batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// Writes one batch in one savepoint of the writer. The requests it does not take are handed
/// back once its statements have run; the others hear their outcome after the commit, which a task of its own
/// waits for so the next batch can start meanwhile.
async fn write_batch<W: LaneWrites>(writes: &W, store: &Store, hub: &Hub, batch: Vec<Waiting<W>>) {
    // A caller that went away is not written for (as on the ordinary path).
    let (items, answers): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .filter(|(_, answer)| !answer.is_closed())
        .unzip();
    if items.is_empty() {
        return;
    }
    let mut tx = match store.write().await {
        Ok(tx) => tx,
        Err(e) => {
            // The store refuses writes (closed, or failing): the ordinary path says so.
            tracing::warn!("write lane: a batch of {} fell back: {e}", items.len());
            return;
        }
    };
    let taken = match writes.write(&mut tx, &items).await {
        Ok(taken) => taken,
        Err(e) => {
            // Dropping the write rolls it back; each request is retried on its own.
            tracing::warn!("write lane: a batch of {} fell back: {e}", items.len());
            return;
        }
    };
    let mut values: Vec<Option<W::Answer>> = answers.iter().map(|_| None).collect();
    for (index, value) in taken {
        if let Some(slot) = values.get_mut(index) {
            *slot = Some(value);
        }
    }
    let mut done = Vec::new();
    for (answer, value) in answers.into_iter().zip(values) {
        match value {
            Some(value) => done.push((answer, value)),
            // Dropping the answer hands the request back now.
            None => drop(answer),
        }
    }
    if done.is_empty() {
        return;
    }
    let hub = hub.clone();
    tokio::spawn(async move {
        let committed = tx.commit(&hub).await.is_ok();
        for (answer, value) in done {
            // An error only means the caller went away.
            let _ = answer.send(committed.then_some(value));
        }
    });
}
