//! The two realtime sockets, `/ws/agent` (session cookie) and `/ws/visitor` (token in the
//! first frame). Both speak [`crate::protocol`]: hello, replay of what the client missed,
//! ready, then live events and sends. The connection loop is generic over a frame sink and
//! stream, so it does not depend on axum's socket type.

use std::time::Duration;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::broadcast;
use tower_sessions::Session;

use crate::error::AppError;
use crate::model::{AgentRef, Me};
use crate::protocol::{ClientFrame, Event, ServerFrame};
use crate::rules::{self, Replay};
use crate::server::auth;
use crate::server::client_info::ClientInfo;
use crate::server::connections::{AgentSignal, ConnectionId};
use crate::server::hub::{Feed, RecvError, StoredEvent, Topic, try_recv_skipping};
use crate::server::online::{Changes, TabId};
use crate::server::services;
use crate::server::state::AppState;
use crate::server::store::Visitor;
use crate::server::store::now_millis;
use crate::server::visitors;

/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(15);
/// How many events one replay query reads.
const REPLAY_PAGE: i64 = 500;
/// A reconnecting client further behind than this many events reloads a snapshot instead.
pub const MAX_REPLAY: i64 = 5_000;
/// Largest frame accepted (a 10,000-character message in JSON fits easily).
const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Most conversations one connection may report on screen (main view and chat boxes).
const MAX_VIEWING: usize = 20;

/// Who is on the other end of a socket.
enum Peer {
    /// A signed-in agent (known before the upgrade).
    Agent(Me),
    /// A widget or the loader's tracker; it proves who it is with its token in `Hello`.
    Visitor(ClientInfo),
}

/// A frame from the client, or why it could not be read.
pub type Incoming = Result<ClientFrame, AppError>;

/// `GET /ws/agent`: upgrades a signed-in agent's connection.
pub async fn agent_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin socket refused").into_response();
    }
    match auth::current_agent(&state, &session).await {
        Ok(agent) => upgrade(ws, state, Peer::Agent(agent)),
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
    }
}

/// `GET /ws/visitor`: upgrades a widget's or tracker's connection; it authenticates in its
/// first frame.
pub async fn visitor_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin socket refused").into_response();
    }
    let client = ClientInfo::from_request(
        &headers,
        Some(peer),
        state.settings.client_ip_header.as_deref(),
    );
    upgrade(ws, state, Peer::Visitor(client))
}

fn upgrade(ws: WebSocketUpgrade, state: AppState, peer: Peer) -> Response {
    ws.max_message_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| serve_socket(socket, state, peer))
}

async fn serve_socket(socket: WebSocket, state: AppState, peer: Peer) {
    let (sink, stream) = socket.split();
    let to_visitor = matches!(peer, Peer::Visitor(_));
    let sink = Box::pin(sink.with(move |frame: ServerFrame| async move {
        let frame = if to_visitor {
            formatted_for_visitor(frame)
        } else {
            frame
        };
        let text =
            serde_json::to_string(&frame).map_err(|_| axum::Error::new(AppError::Internal))?;
        Ok::<_, axum::Error>(WsMessage::Text(text.into()))
    }));
    let stream = Box::pin(
        stream
            .take_while(|message| {
                futures::future::ready(!matches!(message, Ok(WsMessage::Close(_)) | Err(_)))
            })
            .filter_map(|message| async move {
                match message {
                    Ok(WsMessage::Text(text)) => Some(decode_frame(&text)),
                    Ok(WsMessage::Binary(_)) => Some(Err(AppError::BadFrame {
                        reason: "binary frames are not part of the protocol".into(),
                    })),
                    _ => None,
                }
            }),
    );
    // An agent's open workspace keeps them present; closing the last one starts the grace
    // period towards offline.
    let connection = match &peer {
        Peer::Agent(agent) => match services::agent_connected(&state, agent).await {
            Ok(connection) => Some(connection),
            Err(e) => {
                tracing::error!("cannot register the connection: {e}");
                return;
            }
        },
        Peer::Visitor(_) => None,
    };
    if let Err(e) = run_connection(sink, stream, state.clone(), peer, connection).await {
        tracing::debug!("socket ended: {e}");
    }
    if let Some(connection) = connection
        && let Err(e) = services::agent_disconnected(&state, connection).await
    {
        tracing::error!("cannot unregister the connection: {e}");
    }
}

/// An agent's message reaches the widget parsed into blocks (its bundle carries no parser).
fn formatted_for_visitor(frame: ServerFrame) -> ServerFrame {
    match frame {
        ServerFrame::Event {
            id,
            at,
            event: Event::MessagePosted { message },
        } => ServerFrame::Event {
            id,
            at,
            event: Event::MessagePosted {
                message: message.formatted_for_visitor(),
            },
        },
        other => other,
    }
}

/// Parses one text frame of the protocol.
pub fn decode_frame(text: &str) -> Incoming {
    serde_json::from_str(text).map_err(|e| AppError::BadFrame {
        reason: e.to_string(),
    })
}

/// The whole life of a connection: hello, replay, ready, then live traffic until either side
/// closes. Returns when the connection is over.
async fn run_connection<S, R>(
    mut sink: S,
    stream: R,
    state: AppState,
    peer: Peer,
    connection: Option<ConnectionId>,
) -> Result<(), String>
where
    S: Sink<ServerFrame> + Unpin,
    S::Error: std::fmt::Display,
    R: Stream<Item = Incoming> + Unpin,
{
    let mut stream = stream;
    let hello = tokio::time::timeout(HELLO_TIMEOUT, stream.next())
        .await
        .map_err(|_| "no hello in time".to_owned())?;
    let (token, after, inbox) = match hello {
        Some(Ok(ClientFrame::Hello {
            token,
            after,
            inbox,
        })) => (token, after, inbox),
        Some(Ok(_)) => {
            refuse(
                &mut sink,
                None,
                &AppError::BadFrame {
                    reason: "the first frame must be hello".into(),
                },
            )
            .await?;
            return Ok(());
        }
        Some(Err(e)) => {
            refuse(&mut sink, None, &e).await?;
            return Ok(());
        }
        None => return Ok(()),
    };

    let who = match (peer, token) {
        (Peer::Agent(agent), _) => match services::visible_inbox_ids(&state, &agent).await {
            Ok(inbox_ids) => Who::Agent {
                agent,
                inbox_ids,
                connection,
            },
            Err(e) => {
                refuse(&mut sink, None, &e).await?;
                return Ok(());
            }
        },
        (Peer::Visitor(client), token) => {
            let found = match (inbox, token) {
                (Some(key), token) => services::visitor_for_widget(&state, &key, token.as_deref())
                    .await
                    .map(|(_, visitor, new_token)| (visitor, new_token)),
                (None, Some(token)) => services::visitor_by_token(&state, &token)
                    .await
                    .map(|visitor| (visitor, None)),
                (None, None) => Err(AppError::Unauthenticated),
            };
            match found {
                Ok((visitor, new_token)) => {
                    if let Some(token) = new_token {
                        send(&mut sink, ServerFrame::Welcome { token }).await?;
                    }
                    Who::Visitor {
                        tab: TabGuard::new(&state, &visitor, &client),
                        visitor,
                        client,
                    }
                }
                Err(e) => {
                    refuse(&mut sink, None, &e).await?;
                    return Ok(());
                }
            }
        }
    };

    // Subscribe before reading the replay, so nothing committed in between is missed; the id
    // filter drops what the replay already sent.
    let mut feed = Feed::new(&state.hub, who.topics());
    let mut signals = matches!(who, Who::Agent { .. }).then(|| state.connections.subscribe());
    let mut batches = matches!(who, Who::Agent { .. }).then(|| state.online.subscribe());
    let mut visitor_signals = match &who {
        Who::Visitor { visitor, .. } => Some(state.visitor_signals.subscribe(visitor.id)),
        Who::Agent { .. } => None,
    };
    let mut table = TableWatch::default();
    let newest = state
        .store
        .last_event_id()
        .await
        .map_err(|e| e.to_string())?;
    let oldest = state
        .store
        .oldest_event_id()
        .await
        .map_err(|e| e.to_string())?;
    let after = after.unwrap_or(newest);
    if rules::replay_decision(after, oldest, newest, MAX_REPLAY) == Replay::Resync {
        send(&mut sink, ServerFrame::Resync).await?;
        return Ok(());
    }
    let mut last_sent = replay(&mut sink, &state, &who, after).await?;
    // The retention may have pruned events of the gap while they were being replayed: the
    // client would then miss some, so it reloads instead.
    let oldest_now = state
        .store
        .oldest_event_id()
        .await
        .map_err(|e| e.to_string())?;
    if rules::pruned_past(after, oldest_now) {
        send(&mut sink, ServerFrame::Resync).await?;
        return Ok(());
    }
    send(
        &mut sink,
        ServerFrame::Ready {
            last_event_id: last_sent.max(newest),
        },
    )
    .await?;
    loop {
        tokio::select! {
            batch = feed.next_batch() => {
                match forward_events(&mut sink, &state, &who, batch, last_sent).await? {
                    Some(sent) => last_sent = sent,
                    None => return Ok(()),
                }
            },
            frame = next_visitor_signal(&mut visitor_signals) => send(&mut sink, frame).await?,
            signal = next_signal(&mut signals) => {
                if let Some(frame) = who.wants(&signal) {
                    send(&mut sink, frame).await?;
                }
            },
            batch = next_batch(&mut batches) => {
                if let Who::Agent { inbox_ids, .. } = &who {
                    let frame = match batch {
                        Some(batch) => table.changes(&batch, inbox_ids),
                        None => table.reload(&state, inbox_ids),
                    };
                    if let Some(frame) = frame {
                        send(&mut sink, frame).await?;
                    }
                }
            },
            incoming = stream.next() => match incoming {
                None => return Ok(()),
                Some(Err(e)) => refuse(&mut sink, None, &e).await?,
                Some(Ok(ClientFrame::Ping)) => {
                    // What is already waiting goes first: a pong follows everything that was
                    // on its way, so clients (and tests) can use a ping as a barrier.
                    let waiting = feed.waiting();
                    match forward_events(&mut sink, &state, &who, waiting, last_sent).await? {
                        Some(sent) => last_sent = sent,
                        None => return Ok(()),
                    }
                    while let Some(signal) = signals.as_mut().and_then(try_recv_skipping) {
                        if let Some(frame) = who.wants(&signal) {
                            send(&mut sink, frame).await?;
                        }
                    }
                    while let Some(frame) = visitor_signals.as_mut().and_then(|s| s.try_next()) {
                        send(&mut sink, frame).await?;
                    }
                    send(&mut sink, ServerFrame::Pong).await?;
                }
                Some(Ok(ClientFrame::WatchVisitors { on })) => match &who {
                    Who::Agent { inbox_ids, .. } => {
                        table.watching = on;
                        if let Some(frame) = table.reload(&state, inbox_ids) {
                            send(&mut sink, frame).await?;
                        }
                    }
                    Who::Visitor { .. } => refuse(&mut sink, None, &AppError::Forbidden).await?,
                },
                Some(Ok(frame)) => handle_frame(&mut sink, &state, &who, frame).await?,
            },
        }
    }
}

/// The authenticated peer of a connection.
enum Who {
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
        /// Who.
        visitor: Visitor,
        /// Their address and user agent.
        client: ClientInfo,
        /// Counts this socket as an open tab once it reports a page.
        tab: TabGuard,
    },
}

/// Makes a visitor socket an open tab of the site from its first page report until it ends
/// (on drop, however the connection ends). Boxed: the connection's state stays small.
struct TabGuard(Box<Tab>);

struct Tab {
    state: AppState,
    visitor: Visitor,
    client: ClientInfo,
    id: TabId,
    open: AtomicBool,
}

impl TabGuard {
    fn new(state: &AppState, visitor: &Visitor, client: &ClientInfo) -> TabGuard {
        TabGuard(Box::new(Tab {
            state: state.clone(),
            visitor: visitor.clone(),
            client: client.clone(),
            id: state.online.new_tab(),
            open: AtomicBool::new(false),
        }))
    }

    /// Counts the socket as an open tab (its first page was recorded).
    fn mark_open(&self) {
        self.0.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for TabGuard {
    fn drop(&mut self) {
        let tab = &self.0;
        if !tab.open.load(Ordering::SeqCst) {
            return;
        }
        // Closing the tab viewed last puts the visitor back on the page of another one.
        if let Some((other, page)) =
            tab.state
                .online
                .tab_closed(tab.visitor.id, tab.id, now_millis())
        {
            let (state, visitor, client) =
                (tab.state.clone(), tab.visitor.clone(), tab.client.clone());
            tokio::spawn(async move {
                if let Err(e) = visitors::page_viewed(&state, &visitor, &client, &page, other).await
                {
                    tracing::debug!("cannot go back to another tab's page: {e}");
                }
            });
        }
    }
}

/// What an agent socket has sent of the online visitors table.
#[derive(Default)]
struct TableWatch {
    /// Whether the agent watches the table (else only the count is sent).
    watching: bool,
    /// The last batch the client has (in the snapshot or sent).
    seen_seq: u64,
    /// The last count sent.
    count: Option<usize>,
}

impl TableWatch {
    /// The frame for a batch: this agent's share of the changes, or only a new count.
    fn changes(&mut self, batch: &Changes, inbox_ids: &[i64]) -> Option<ServerFrame> {
        let online = batch.count(inbox_ids);
        if self.watching {
            if batch.seq <= self.seen_seq {
                return None;
            }
            self.seen_seq = batch.seq;
            let changed: Vec<_> = batch
                .changed
                .iter()
                .filter(|row| inbox_ids.contains(&row.inbox_id))
                .cloned()
                .collect();
            let left: Vec<i64> = batch
                .left
                .iter()
                .filter(|(inbox_id, _)| inbox_ids.contains(inbox_id))
                .map(|(_, visitor_id)| *visitor_id)
                .collect();
            if changed.is_empty() && left.is_empty() && self.count == Some(online) {
                return None;
            }
            self.count = Some(online);
            Some(ServerFrame::OnlineChanges {
                changed,
                left,
                online,
            })
        } else {
            self.count_if_changed(online)
        }
    }

    /// A frame with only the count, when it differs from the last one sent.
    fn count_if_changed(&mut self, online: usize) -> Option<ServerFrame> {
        (self.count != Some(online)).then(|| {
            self.count = Some(online);
            ServerFrame::OnlineChanges {
                changed: Vec::new(),
                left: Vec::new(),
                online,
            }
        })
    }

    /// The whole table (watching) or the count, after a watch request or a lag.
    fn reload(&mut self, state: &AppState, inbox_ids: &[i64]) -> Option<ServerFrame> {
        if self.watching {
            let (seq, visitors) = state.online.snapshot(inbox_ids);
            self.seen_seq = seq;
            self.count = Some(visitors.len());
            Some(ServerFrame::OnlineVisitors { visitors })
        } else {
            self.count_if_changed(state.online.count(inbox_ids))
        }
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

impl Who {
    fn topics(&self) -> Vec<Topic> {
        match self {
            Who::Agent { inbox_ids, .. } => inbox_ids
                .iter()
                .copied()
                .map(Topic::Inbox)
                .chain([Topic::Team])
                .collect(),
            Who::Visitor { visitor, .. } => vec![Topic::Visitor(visitor.id)],
        }
    }

    /// The frame to forward for a colleague's signal, if this agent may see it and it is not
    /// their own typing.
    fn wants(&self, signal: &AgentSignal) -> Option<ServerFrame> {
        match self {
            Who::Agent {
                agent, inbox_ids, ..
            } if inbox_ids.contains(&signal.inbox_id) && signal.from_agent != agent.id => {
                Some(signal.frame.clone())
            }
            _ => None,
        }
    }
}

/// Sends the events of a batch the client does not have yet, or replays from the table when
/// the subscription fell behind; returns the last id sent, or `None` when the hub is gone.
async fn forward_events<S>(
    sink: &mut S,
    state: &AppState,
    who: &Who,
    batch: Result<Vec<Arc<StoredEvent>>, RecvError>,
    mut last_sent: i64,
) -> Result<Option<i64>, String>
where
    S: Sink<ServerFrame> + Unpin,
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
    signals: &mut Option<broadcast::Receiver<std::sync::Arc<AgentSignal>>>,
) -> std::sync::Arc<AgentSignal> {
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

async fn handle_frame<S>(
    sink: &mut S,
    state: &AppState,
    who: &Who,
    frame: ClientFrame,
) -> Result<(), String>
where
    S: Sink<ServerFrame> + Unpin,
    S::Error: std::fmt::Display,
{
    match frame {
        // Answered by the connection loop, which holds what they need.
        ClientFrame::Ping | ClientFrame::WatchVisitors { .. } => Ok(()),
        ClientFrame::Hello { .. } => {
            refuse(
                sink,
                None,
                &AppError::BadFrame {
                    reason: "hello was already received".into(),
                },
            )
            .await
        }
        ClientFrame::Send {
            client_id,
            conversation_id,
            body,
            attachments,
            note,
        } => {
            let result = match (who, conversation_id) {
                (Who::Agent { agent, .. }, Some(conversation_id)) => {
                    services::post_agent_message(
                        state,
                        agent,
                        services::AgentPost {
                            conversation_id,
                            client_id: &client_id,
                            body: &body,
                            attachments: &attachments,
                            note,
                        },
                    )
                    .await
                }
                (Who::Agent { .. }, None) => Err(AppError::invalid("conversation_id", "required")),
                (Who::Visitor { .. }, _) if note => Err(AppError::Forbidden),
                (
                    Who::Visitor {
                        visitor, client, ..
                    },
                    _,
                ) => {
                    services::post_visitor_message(
                        state,
                        visitor,
                        client.ip,
                        &client_id,
                        &body,
                        &attachments,
                    )
                    .await
                }
            };
            match result {
                Ok(message) => send(sink, ServerFrame::Ack { client_id, message }).await,
                Err(e) => refuse(sink, Some(client_id), &e).await,
            }
        }
        ClientFrame::Viewing { conversation_ids } => match who {
            Who::Agent {
                agent,
                connection: Some(connection),
                ..
            } => match on_screen(state, agent, &conversation_ids).await {
                Ok(conversations) => {
                    state.connections.set_viewing(*connection, conversations);
                    Ok(())
                }
                Err(e) => refuse(sink, None, &e).await,
            },
            _ => refuse(sink, None, &AppError::Forbidden).await,
        },
        ClientFrame::Typing {
            conversation_id,
            draft,
            note,
        } => {
            let result = match who {
                Who::Agent { agent, .. } => agent_typing(state, agent, conversation_id, note).await,
                Who::Visitor {
                    visitor, client, ..
                } => match services::visitor_typing(state, visitor, client.ip, draft).await {
                    Ok(Some((inbox_id, frame))) => {
                        state.connections.signal(inbox_id, frame);
                        Ok(())
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                },
            };
            match result {
                Ok(()) => Ok(()),
                Err(e) => refuse(sink, None, &e).await,
            }
        }
        ClientFrame::Read { up_to } => match who {
            Who::Visitor { visitor, .. } => {
                match services::visitor_read(state, visitor, up_to).await {
                    Ok(()) => Ok(()),
                    Err(e) => refuse(sink, None, &e).await,
                }
            }
            Who::Agent { .. } => refuse(sink, None, &AppError::Forbidden).await,
        },
        ClientFrame::PageView(report) => match who {
            Who::Visitor {
                visitor,
                client,
                tab,
            } => match visitors::page_viewed(state, visitor, client, &report, tab.0.id).await {
                Ok(()) => {
                    tab.mark_open();
                    Ok(())
                }
                Err(e) => refuse(sink, None, &e).await,
            },
            Who::Agent { .. } => refuse(sink, None, &AppError::Forbidden).await,
        },
    }
}

/// The next momentary frame for a visitor socket (an agent's never resolves).
async fn next_visitor_signal(
    subscription: &mut Option<crate::server::visitor_signals::Subscription>,
) -> ServerFrame {
    match subscription.as_mut() {
        Some(subscription) => subscription.next().await,
        None => std::future::pending().await,
    }
}

/// Tells an agent's colleagues that they are typing, and the visitor too when it is the
/// assignee writing a reply.
async fn agent_typing(
    state: &AppState,
    agent: &Me,
    conversation_id: Option<i64>,
    note: bool,
) -> Result<(), AppError> {
    let conversation_id =
        conversation_id.ok_or_else(|| AppError::invalid("conversation_id", "required"))?;
    let conversation = services::conversation_for_agent(state, agent, conversation_id).await?;
    let me = AgentRef {
        id: agent.id,
        name: agent.name.clone(),
    };
    state
        .connections
        .typing(me.clone(), conversation_id, conversation.inbox_id);
    let replying = conversation
        .assignee
        .as_ref()
        .is_some_and(|a| a.id == agent.id)
        && conversation.status != crate::model::ConversationStatus::Closed;
    if replying && !note {
        state.visitor_signals.send(
            conversation.visitor_id,
            ServerFrame::Typing {
                conversation_id,
                agent: me,
            },
        );
    }
    Ok(())
}

/// Checks what an agent reports on screen: at most [`MAX_VIEWING`] conversations they may see.
/// Returns them with their inboxes.
async fn on_screen(
    state: &AppState,
    agent: &Me,
    conversation_ids: &[i64],
) -> Result<Vec<(i64, i64)>, AppError> {
    if conversation_ids.len() > MAX_VIEWING {
        return Err(AppError::invalid("conversation_ids", "at most 20"));
    }
    let mut conversations = Vec::with_capacity(conversation_ids.len());
    for id in conversation_ids {
        let conversation = services::conversation_for_agent(state, agent, *id).await?;
        if !conversations.iter().any(|(c, _)| c == id) {
            conversations.push((*id, conversation.inbox_id));
        }
    }
    Ok(conversations)
}

/// Sends every stored event after `after` that this peer may see; returns the last id sent
/// (or `after`).
async fn replay<S>(sink: &mut S, state: &AppState, who: &Who, after: i64) -> Result<i64, String>
where
    S: Sink<ServerFrame> + Unpin,
    S::Error: std::fmt::Display,
{
    let mut last = after;
    loop {
        let page = match who {
            Who::Agent { inbox_ids, .. } => {
                state
                    .store
                    .inbox_events_after(inbox_ids, last, REPLAY_PAGE)
                    .await
            }
            Who::Visitor { visitor, .. } => {
                state
                    .store
                    .visitor_events_after(visitor.id, last, REPLAY_PAGE)
                    .await
            }
        }
        .map_err(|e| e.to_string())?;
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

async fn send<S>(sink: &mut S, frame: ServerFrame) -> Result<(), String>
where
    S: Sink<ServerFrame> + Unpin,
    S::Error: std::fmt::Display,
{
    sink.send(frame).await.map_err(|e| e.to_string())
}

async fn refuse<S>(sink: &mut S, client_id: Option<String>, error: &AppError) -> Result<(), String>
where
    S: Sink<ServerFrame> + Unpin,
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

/// Browsers always send `Origin` on a WebSocket upgrade; refuse other sites (cross-site
/// WebSocket hijacking). Clients without an `Origin` (tests, the benchmark) still need a
/// session or a token.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_must_match_host() {
        let mut headers = HeaderMap::new();
        assert!(same_origin(&headers));
        headers.insert(header::HOST, "127.0.0.1:3000".parse().expect("header"));
        headers.insert(
            header::ORIGIN,
            "http://127.0.0.1:3000".parse().expect("header"),
        );
        assert!(same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            "https://evil.example".parse().expect("header"),
        );
        assert!(!same_origin(&headers));
    }

    /// A connection fed by channels: frames in through an unbounded one, frames out through
    /// one that holds a single frame, so the connection blocks as soon as the client stops
    /// reading (as a slow network would).
    fn connect(
        state: &AppState,
        agent: &Me,
    ) -> (
        futures::channel::mpsc::UnboundedSender<Incoming>,
        futures::channel::mpsc::Receiver<ServerFrame>,
    ) {
        let (incoming, stream) = futures::channel::mpsc::unbounded::<Incoming>();
        let (sink, outgoing) = futures::channel::mpsc::channel::<ServerFrame>(0);
        let hello = ClientFrame::Hello {
            token: None,
            after: None,
            inbox: None,
        };
        incoming.unbounded_send(Ok(hello)).expect("hello");
        tokio::spawn(run_connection(
            sink,
            stream,
            state.clone(),
            Peer::Agent(agent.clone()),
            None,
        ));
        (incoming, outgoing)
    }

    /// The next frame the connection sends (failing the test after 10 s of silence).
    async fn next_frame(
        outgoing: &mut futures::channel::mpsc::Receiver<ServerFrame>,
    ) -> ServerFrame {
        tokio::time::timeout(Duration::from_secs(10), outgoing.next())
            .await
            .expect("a frame within 10 s")
            .expect("the connection is open")
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

    #[test]
    fn malformed_frames_are_bad_frames() {
        assert!(matches!(decode_frame("{"), Err(AppError::BadFrame { .. })));
        assert!(decode_frame(r#"{"type":"ping"}"#).is_ok());
    }
}
