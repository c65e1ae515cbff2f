//! The life of one connection, whatever carries it: [`greet`] (hello, who the client is),
//! [`catch_up`] (the replay of what it missed, then ready), and [`live`] (events, signals and
//! the client's frames until either side closes). Generic over a frame sink and stream, so
//! tests drive it through channels.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::broadcast;

use crate::error::AppError;
use crate::model::Me;
use crate::protocol::{ClientFrame, ServerFrame};
use crate::rules::{self, Replay};
use crate::server::client_info::ClientInfo;
use crate::server::connections::{AgentSignal, ConnectionId, EndNotice};
use crate::server::hub::{Feed, RecvError, StoredEvent, Topic, try_recv_skipping};
use crate::server::online::Changes;
use crate::server::services;
use crate::server::state::AppState;
use crate::server::store::{StoreError, Visitor};
use crate::server::visitor_limits::FrameBudget;
use crate::server::visitor_signals::Subscription;

use super::frames::handle_frame;
use super::tab::TabGuard;
use super::table_watch::TableWatch;
use super::{Caller, Incoming};

/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(15);
/// How many events one replay query reads.
const REPLAY_PAGE: i64 = 500;
/// A reconnecting client further behind than this many events reloads a snapshot instead.
const MAX_REPLAY: i64 = 5_000;

/// What goes out on a socket: a protocol frame, or a transport ping asking the client's
/// browser to show it is still there (its pong counts as a word from the client).
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "passed straight to the sink one at a time, never stored in bulk"
)]
pub(super) enum Outgoing {
    /// A frame of the protocol.
    Frame(ServerFrame),
    /// A WebSocket ping.
    Ping,
    /// The WebSocket closing handshake (the server ends the connection).
    Close,
    /// The closing handshake of a server that is stopping (code 1012): reconnect shortly.
    Restart,
}

/// Why a connection ended before either side closed it.
#[derive(Debug)]
pub(super) enum SocketError {
    /// No hello within [`HELLO_TIMEOUT`].
    NoHello,
    /// Writing to the client failed: it went away.
    Gone(String),
    /// The database failed while reading events.
    Store(StoreError),
}

impl std::fmt::Display for SocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketError::NoHello => f.write_str("no hello in time"),
            SocketError::Gone(e) => write!(f, "the client went away: {e}"),
            SocketError::Store(e) => write!(f, "database: {e}"),
        }
    }
}

impl From<StoreError> for SocketError {
    fn from(e: StoreError) -> Self {
        SocketError::Store(e)
    }
}

/// The client on a connection, once its hello proved who it is.
pub(super) enum Subscriber {
    /// An agent and the inboxes they may see.
    Agent {
        /// The agent.
        agent: Me,
        /// Inboxes whose events they receive.
        inbox_ids: Vec<i64>,
        /// This connection in the registry (what it views).
        connection: Option<ConnectionId>,
    },
    /// A visitor: the widget, or the loader's tracker that reports pages.
    Visitor {
        /// The visitor.
        visitor: Visitor,
        /// Their address and user agent.
        client: ClientInfo,
        /// Counts this socket as an open tab once it reports a page.
        tab: TabGuard,
    },
}

impl Subscriber {
    /// The hub topics whose events this client receives.
    fn topics(&self) -> Vec<Topic> {
        match self {
            Subscriber::Agent { inbox_ids, .. } => inbox_ids
                .iter()
                .copied()
                .map(Topic::Inbox)
                .chain([Topic::Team])
                .collect(),
            Subscriber::Visitor { visitor, .. } => vec![Topic::Visitor(visitor.id)],
        }
    }

    /// The frame to forward for a colleague's signal, if this agent may see it and it is not
    /// their own typing.
    fn wants(&self, signal: &AgentSignal) -> Option<ServerFrame> {
        match self {
            Subscriber::Agent {
                agent, inbox_ids, ..
            } if inbox_ids.contains(&signal.inbox_id) && signal.from_agent != agent.id => {
                Some(signal.frame.clone())
            }
            _ => None,
        }
    }

    fn is_agent(&self) -> bool {
        matches!(self, Subscriber::Agent { .. })
    }
}

/// The whole life of a connection. Returns when it is over.
pub(super) async fn run_connection<S, R>(
    mut sink: S,
    mut stream: R,
    state: &AppState,
    caller: Caller,
    connection: Option<ConnectionId>,
    ended: Option<Arc<EndNotice>>,
) -> Result<(), SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
    R: Stream<Item = Incoming> + Unpin,
{
    // The greeting and the replay run in boxes of their own: a future is as large as its
    // largest state, and a socket's task keeps its size for as long as the socket is open.
    // Inline, these database steps made every idle socket's task 7.4 KB (see `live`).
    let greeting = Box::pin(greet(&mut sink, &mut stream, state, caller, connection)).await?;
    let Some((who, after)) = greeting else {
        return Ok(());
    };
    // Subscribe before reading the replay, so nothing committed in between is missed; the id
    // filter drops what the replay already sent.
    let feed = Feed::new(&state.hub, who.topics());
    let Some(last_sent) = Box::pin(catch_up(&mut sink, state, &who, after)).await? else {
        return Ok(());
    };
    live(sink, stream, state, &who, feed, last_sent, ended).await
}

/// How long a stopping server waits for a client to take its closing frame.
const RESTART_SEND_WITHIN: Duration = Duration::from_secs(1);

/// Tells the client the server is stopping (close code 1012: reconnect shortly). A client
/// that does not take the frame in time is left: the stop does not wait for it.
async fn say_restart<S>(sink: &mut S) -> Result<(), SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
{
    match tokio::time::timeout(RESTART_SEND_WITHIN, sink.send(Outgoing::Restart)).await {
        Ok(sent) => sent.map_err(|e| SocketError::Gone(e.to_string())),
        Err(_) => Err(SocketError::Gone("did not take the closing frame".into())),
    }
}

/// Reads the hello and finds out who the client is: the agent known from the session, or the
/// visitor behind the hello's token (a new visitor, welcomed with a token, for a widget
/// without one), and the last event id it has. `None` when the client was refused or left.
async fn greet<S, R>(
    sink: &mut S,
    stream: &mut R,
    state: &AppState,
    caller: Caller,
    connection: Option<ConnectionId>,
) -> Result<Option<(Subscriber, Option<i64>)>, SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
    R: Stream<Item = Incoming> + Unpin,
{
    let hello = tokio::select! {
        hello = tokio::time::timeout(HELLO_TIMEOUT, stream.next()) => {
            hello.map_err(|_| SocketError::NoHello)?
        },
        () = state.shutdown.stopping() => {
            say_restart(sink).await?;
            return Ok(None);
        },
    };
    let (token, after, inbox) = match hello {
        Some(Ok(ClientFrame::Hello {
            token,
            after,
            inbox,
        })) => (token, after, inbox),
        Some(Ok(_)) => {
            let e = AppError::BadFrame {
                reason: "the first frame must be hello".into(),
            };
            refuse(sink, None, &e).await?;
            return Ok(None);
        }
        Some(Err(e)) => {
            refuse(sink, None, &e).await?;
            return Ok(None);
        }
        None => return Ok(None),
    };
    let found = match caller {
        Caller::Agent(agent, ..) => {
            services::visible_inbox_ids(state, &agent)
                .await
                .map(|inbox_ids| Subscriber::Agent {
                    agent,
                    inbox_ids,
                    connection,
                })
        }
        Caller::Visitor(client) => {
            let visitor = match (inbox, token) {
                (Some(key), token) => {
                    services::visitor_for_widget(state, &key, token.as_deref(), client.ip)
                        .await
                        .map(|(_, visitor, new_token)| (visitor, new_token))
                }
                (None, Some(token)) => services::visitor_by_token(state, &token)
                    .await
                    .map(|visitor| (visitor, None)),
                (None, None) => Err(AppError::Unauthenticated),
            };
            match visitor {
                Ok((visitor, new_token)) => {
                    if let Some(token) = new_token {
                        send(sink, ServerFrame::Welcome { token }).await?;
                    }
                    Ok(Subscriber::Visitor {
                        tab: TabGuard::new(state, &visitor, &client),
                        visitor,
                        client,
                    })
                }
                Err(e) => Err(e),
            }
        }
    };
    match found {
        Ok(who) => Ok(Some((who, after))),
        Err(e) => {
            refuse(sink, None, &e).await?;
            Ok(None)
        }
    }
}

/// Replays what the client missed after `after` (its last event id; none for a fresh start)
/// and says ready; a client too far behind, or whose gap was pruned meanwhile, is told to
/// reload instead. Returns the last event id sent, `None` after a resync.
async fn catch_up<S>(
    sink: &mut S,
    state: &AppState,
    who: &Subscriber,
    after: Option<i64>,
) -> Result<Option<i64>, SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
{
    let newest = state.store.last_event_id().await?;
    let oldest = state.store.oldest_event_id().await?;
    let after = after.unwrap_or(newest);
    if rules::replay_decision(after, oldest, newest, MAX_REPLAY) == Replay::Resync {
        send(sink, ServerFrame::Resync).await?;
        return Ok(None);
    }
    let last_sent = replay(sink, state, who, after).await?;
    // The retention may have pruned events of the gap while they were being replayed: the
    // client would then miss some, so it reloads instead.
    let oldest_now = state.store.oldest_event_id().await?;
    if rules::pruned_past(after, oldest_now) {
        send(sink, ServerFrame::Resync).await?;
        return Ok(None);
    }
    send(
        sink,
        ServerFrame::Ready {
            last_event_id: last_sent.max(newest),
        },
    )
    .await?;
    Ok(Some(last_sent))
}

/// What a live connection wakes up for.
enum Wake {
    /// The server is stopping.
    Stopping,
    /// The agent's session ended (`true`) or what they may see changed (`false`).
    SessionEnded(bool),
    /// Time to ping the client.
    Keepalive,
    /// Committed events, or the news that the subscription fell behind.
    Events(Result<Vec<Arc<StoredEvent>>, RecvError>),
    /// A momentary frame for this visitor.
    VisitorSignal(ServerFrame),
    /// A colleague's momentary signal.
    Signal(Arc<AgentSignal>),
    /// Changes to the online table; `None` when the socket fell behind and must reload.
    Batch(Option<Arc<Changes>>),
    /// The client's next frame; `None` when it closed.
    Incoming(Option<Incoming>),
}

/// What a live connection keeps between wake-ups.
struct Live<'a> {
    state: &'a AppState,
    who: &'a Subscriber,
    feed: Feed,
    /// The last event id the client was sent.
    last_sent: i64,
    /// Colleagues' signals (agents).
    signals: Option<broadcast::Receiver<Arc<AgentSignal>>>,
    /// The online table's batches (agents).
    batches: Option<broadcast::Receiver<Arc<Changes>>>,
    /// This visitor's momentary frames (visitors).
    visitor_signals: Option<Subscription>,
    table: TableWatch,
    budget: FrameBudget,
}

/// Live traffic until either side closes: committed events, colleagues' and visitors'
/// momentary signals, the online table's batches (agents), and the client's frames.
///
/// The loop only waits; each wake-up is answered in a box of its own. A future is as large as
/// its largest state and a socket's task keeps that size while the socket is open, so
/// answering inline (database writes, replays, frames being sent) made every idle socket's
/// task several KB (`bench idle`; `an_idle_socket_waits_in_a_small_future` holds the bound).
async fn live<S, R>(
    mut sink: S,
    mut stream: R,
    state: &AppState,
    who: &Subscriber,
    feed: Feed,
    last_sent: i64,
    ended: Option<Arc<EndNotice>>,
) -> Result<(), SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
    R: Stream<Item = Incoming> + Unpin,
{
    let mut live = Live {
        state,
        who,
        feed,
        last_sent,
        signals: who.is_agent().then(|| state.connections.subscribe()),
        batches: who.is_agent().then(|| state.online.subscribe()),
        visitor_signals: match who {
            Subscriber::Visitor { visitor, .. } => {
                Some(state.visitor_signals.subscribe(visitor.id))
            }
            Subscriber::Agent { .. } => None,
        },
        table: TableWatch::default(),
        budget: FrameBudget::new(state.visitor_limits.frames),
    };
    let every = state.settings.socket_idle / 3;
    let mut keepalive = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let wake = tokio::select! {
            () = state.shutdown.stopping() => Wake::Stopping,
            signed_out = session_ended(ended.as_deref()) => Wake::SessionEnded(signed_out),
            _ = keepalive.tick() => Wake::Keepalive,
            batch = live.feed.next_batch() => Wake::Events(batch),
            frame = next_visitor_signal(&mut live.visitor_signals) => Wake::VisitorSignal(frame),
            signal = next_signal(&mut live.signals) => Wake::Signal(signal),
            batch = next_batch(&mut live.batches) => Wake::Batch(batch),
            incoming = stream.next() => Wake::Incoming(incoming),
        };
        if Box::pin(live.answer(&mut sink, wake)).await?.is_break() {
            return Ok(());
        }
    }
}

impl Live<'_> {
    /// Answers one wake-up; `Break` when the connection is over.
    async fn answer<S>(&mut self, sink: &mut S, wake: Wake) -> Result<ControlFlow<()>, SocketError>
    where
        S: Sink<Outgoing> + Unpin,
        S::Error: std::fmt::Display,
    {
        let (state, who) = (self.state, self.who);
        match wake {
            Wake::Stopping => {
                // Between frames: whatever the client sent before was answered.
                say_restart(sink).await?;
                return Ok(ControlFlow::Break(()));
            }
            Wake::SessionEnded(signed_out) => {
                // Signed out (the client hears why, and its reconnection is refused until it
                // signs in again), or what the agent may see changed (the client reloads).
                if signed_out {
                    refuse(sink, None, &AppError::Unauthenticated).await?;
                } else {
                    send(sink, ServerFrame::Resync).await?;
                }
                sink.send(Outgoing::Close)
                    .await
                    .map_err(|e| SocketError::Gone(e.to_string()))?;
                return Ok(ControlFlow::Break(()));
            }
            Wake::Keepalive => {
                sink.send(Outgoing::Ping)
                    .await
                    .map_err(|e| SocketError::Gone(e.to_string()))?;
            }
            Wake::Events(batch) => {
                match forward_events(sink, state, who, batch, self.last_sent).await? {
                    Some(sent) => self.last_sent = sent,
                    None => return Ok(ControlFlow::Break(())),
                }
            }
            Wake::VisitorSignal(frame) => send(sink, frame).await?,
            Wake::Signal(signal) => {
                if let Some(frame) = who.wants(&signal) {
                    send(sink, frame).await?;
                }
            }
            Wake::Batch(batch) => {
                if let Subscriber::Agent { inbox_ids, .. } = who {
                    let frame = match batch {
                        Some(batch) => self.table.changes(&batch, inbox_ids),
                        None => self.table.reload(state, inbox_ids),
                    };
                    if let Some(frame) = frame {
                        send(sink, frame).await?;
                    }
                }
            }
            Wake::Incoming(None) => return Ok(ControlFlow::Break(())),
            Wake::Incoming(Some(Err(e))) => refuse(sink, None, &e).await?,
            Wake::Incoming(Some(Ok(ClientFrame::Ping))) => {
                // What is already waiting goes first: a pong follows everything that was on
                // its way, so clients (and tests) can use a ping as a barrier.
                let waiting = self.feed.waiting();
                match forward_events(sink, state, who, waiting, self.last_sent).await? {
                    Some(sent) => self.last_sent = sent,
                    None => return Ok(ControlFlow::Break(())),
                }
                while let Some(signal) = self.signals.as_mut().and_then(try_recv_skipping) {
                    if let Some(frame) = who.wants(&signal) {
                        send(sink, frame).await?;
                    }
                }
                while let Some(frame) = self.visitor_signals.as_mut().and_then(|s| s.try_next()) {
                    send(sink, frame).await?;
                }
                send(sink, ServerFrame::Pong).await?;
            }
            Wake::Incoming(Some(Ok(ClientFrame::WatchVisitors { on }))) => match who {
                Subscriber::Agent { inbox_ids, .. } => {
                    self.table.watching = on;
                    if let Some(frame) = self.table.reload(state, inbox_ids) {
                        send(sink, frame).await?;
                    }
                }
                Subscriber::Visitor { .. } => refuse(sink, None, &AppError::Forbidden).await?,
            },
            Wake::Incoming(Some(Ok(frame)))
                if !self.budget.allow(&frame, std::time::Instant::now()) =>
            {
                // Over its kind's budget this second: refused, nothing stored.
                let client_id = match frame {
                    ClientFrame::Send { client_id, .. } => Some(client_id),
                    _ => None,
                };
                refuse(sink, client_id, &AppError::RateLimited).await?;
            }
            Wake::Incoming(Some(Ok(frame))) => handle_frame(sink, state, who, frame).await?,
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// Resolves when the connection must end (never for visitors): `true` when its session
/// ended, `false` when the agent's view must reload.
async fn session_ended(ended: Option<&EndNotice>) -> bool {
    match ended {
        Some(notice) => notice.ended().await,
        None => std::future::pending().await,
    }
}

/// The next batch of online table changes for an agent socket (a visitor's never resolves);
/// `None` when the socket fell behind and must reload.
async fn next_batch(
    batches: &mut Option<broadcast::Receiver<Arc<Changes>>>,
) -> Option<Arc<Changes>> {
    let Some(receiver) = batches.as_mut() else {
        return std::future::pending().await;
    };
    match receiver.recv().await {
        Ok(batch) => Some(batch),
        Err(broadcast::error::RecvError::Lagged(_)) => None,
        Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
    }
}

/// Sends the events of a batch the client does not have yet, or replays from the table when
/// the subscription fell behind; returns the last id sent, or `None` when the hub is gone.
async fn forward_events<S>(
    sink: &mut S,
    state: &AppState,
    who: &Subscriber,
    batch: Result<Vec<Arc<StoredEvent>>, RecvError>,
    mut last_sent: i64,
) -> Result<Option<i64>, SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
{
    match batch {
        Ok(events) => {
            for event in events {
                if event.id > last_sent {
                    send(sink, event_frame(&event)).await?;
                    last_sent = event.id;
                }
            }
            Ok(Some(last_sent))
        }
        Err(RecvError::Lagged) => replay(sink, state, who, last_sent).await.map(Some),
        Err(RecvError::Closed) => Ok(None),
    }
}

/// The next signal for an agent socket (a visitor's never resolves). A socket that fell behind
/// skips what it missed: signals are momentary.
async fn next_signal(
    signals: &mut Option<broadcast::Receiver<Arc<AgentSignal>>>,
) -> Arc<AgentSignal> {
    let Some(receiver) = signals.as_mut() else {
        return std::future::pending().await;
    };
    loop {
        match receiver.recv().await {
            Ok(signal) => return signal,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return std::future::pending().await,
        }
    }
}

/// The next momentary frame for a visitor socket (an agent's never resolves).
async fn next_visitor_signal(subscription: &mut Option<Subscription>) -> ServerFrame {
    match subscription.as_mut() {
        Some(subscription) => subscription.next().await,
        None => std::future::pending().await,
    }
}

/// Sends every stored event after `after` that this client may see; returns the last id sent
/// (or `after`).
async fn replay<S>(
    sink: &mut S,
    state: &AppState,
    who: &Subscriber,
    after: i64,
) -> Result<i64, SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
{
    let mut last = after;
    loop {
        let page = match who {
            Subscriber::Agent { inbox_ids, .. } => {
                state
                    .store
                    .inbox_events_after(inbox_ids, last, REPLAY_PAGE)
                    .await?
            }
            Subscriber::Visitor { visitor, .. } => {
                state
                    .store
                    .visitor_events_after(visitor.id, last, REPLAY_PAGE)
                    .await?
            }
        };
        let full = page.len() as i64 == REPLAY_PAGE;
        for event in page {
            last = event.id;
            send(sink, event_frame(&event)).await?;
        }
        if !full {
            return Ok(last);
        }
    }
}

fn event_frame(event: &StoredEvent) -> ServerFrame {
    ServerFrame::Event {
        id: event.id,
        at: event.at,
        event: event.event.clone(),
    }
}

/// Writes one frame to the client.
pub(super) async fn send<S>(sink: &mut S, frame: ServerFrame) -> Result<(), SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
{
    sink.send(Outgoing::Frame(frame))
        .await
        .map_err(|e| SocketError::Gone(e.to_string()))
}

/// Tells the client what was refused and why (`client_id` names the refused send).
pub(super) async fn refuse<S>(
    sink: &mut S,
    client_id: Option<String>,
    error: &AppError,
) -> Result<(), SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
{
    send(
        sink,
        ServerFrame::Refused {
            client_id,
            code: error.code().to_owned(),
            message: error.to_string(),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection fed by channels: frames in through an unbounded one, frames out through
    /// one that holds a single frame, so the connection blocks as soon as the client stops
    /// reading (as a slow network would).
    fn connect(
        state: &AppState,
        agent: &Me,
    ) -> (
        futures::channel::mpsc::UnboundedSender<Incoming>,
        futures::channel::mpsc::Receiver<Outgoing>,
    ) {
        let (incoming, stream) = futures::channel::mpsc::unbounded::<Incoming>();
        let (sink, outgoing) = futures::channel::mpsc::channel::<Outgoing>(0);
        let hello = ClientFrame::Hello {
            token: None,
            after: None,
            inbox: None,
        };
        incoming.unbounded_send(Ok(hello)).expect("hello");
        let (state, agent) = (state.clone(), agent.clone());
        tokio::spawn(async move {
            run_connection(
                sink,
                stream,
                &state,
                Caller::Agent(agent, None, 0),
                None,
                None,
            )
            .await
        });
        (incoming, outgoing)
    }

    /// The next frame the connection sends, past pings (failing the test after 10 s of
    /// silence).
    async fn next_frame(outgoing: &mut futures::channel::mpsc::Receiver<Outgoing>) -> ServerFrame {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), outgoing.next())
                .await
                .expect("a frame within 10 s")
                .expect("the connection is open");
            if let Outgoing::Frame(frame) = next {
                return frame;
            }
        }
    }

    #[tokio::test]
    async fn an_idle_socket_waits_in_a_small_future() {
        // A socket's task is as large as its connection's largest state, for as long as the
        // socket is open. With its database steps inline it was 5,600 bytes in this (debug)
        // build, 7,400 in release: most of what an idle visitor's socket cost.
        let dir = tempfile::tempdir().expect("dir");
        let config = crate::server::config::Config::for_data_dir(dir.path().to_path_buf());
        let state = crate::server::prepare(&config).await.expect("state");
        let (_incoming, stream) = futures::channel::mpsc::unbounded::<Incoming>();
        let (sink, _outgoing) = futures::channel::mpsc::channel::<Outgoing>(0);
        let caller = Caller::Visitor(crate::server::client_info::ClientInfo::default());
        let connection = run_connection(sink, stream, &state, caller, None, None);
        let bytes = std::mem::size_of_val(&connection);
        assert!(bytes <= 2048, "a connection's future is {bytes} bytes");
        assert_eq!(
            std::mem::size_of::<AppState>(),
            8,
            "the state is one pointer"
        );
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_gets_every_event_once_in_order() {
        let dir = tempfile::tempdir().expect("dir");
        let config = crate::server::config::Config::for_data_dir(dir.path().to_path_buf());
        let state = crate::server::prepare(&config).await.expect("state");
        let admin =
            services::setup_first_admin(&state, "Root", "root@example.com", "a long secret 123")
                .await
                .expect("admin");
        let (incoming, mut outgoing) = connect(&state, &admin);
        loop {
            match next_frame(&mut outgoing).await {
                ServerFrame::Ready { .. } => break,
                ServerFrame::Event { .. } => {}
                other => panic!("before ready: {other:?}"),
            }
        }

        // More events than a topic holds are committed while the client reads nothing: its
        // subscription lags, and what it missed comes from the table.
        let mut tx = state.store.write().await.expect("tx");
        for n in 0..crate::server::hub::TOPIC_CAPACITY + 100 {
            let presence = if n % 2 == 0 {
                crate::model::Presence::Away
            } else {
                crate::model::Presence::Online
            };
            tx.append_team_event(crate::protocol::Event::PresenceChanged {
                agent_id: admin.id,
                presence,
            })
            .await
            .expect("event");
        }
        let committed: Vec<i64> = tx
            .commit(&state.hub)
            .await
            .expect("commit")
            .iter()
            .map(|event| event.id)
            .collect();
        let mut received = Vec::new();
        while received.len() < committed.len() {
            match next_frame(&mut outgoing).await {
                ServerFrame::Event { id, .. } => received.push(id),
                other => panic!("unexpected: {other:?}"),
            }
        }
        assert_eq!(received, committed, "every event, once, in order");
        // Nothing more was on its way, and the connection still answers.
        incoming
            .unbounded_send(Ok(ClientFrame::Ping))
            .expect("ping");
        assert_eq!(next_frame(&mut outgoing).await, ServerFrame::Pong);
    }
}
