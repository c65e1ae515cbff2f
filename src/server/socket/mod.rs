//! The two realtime sockets, `/ws/agent` (session cookie) and `/ws/visitor` (token in the
//! first frame). Both speak [`crate::protocol`]: hello, replay of what the client missed,
//! ready, then live events and sends. This module upgrades the HTTP request and turns axum's
//! socket into frames; [`connection`] runs the connection, [`frames`] answers what the client
//! asks.

mod connection;
mod deadline;
mod frames;
mod tab;
mod table_watch;

use std::net::SocketAddr;

use axum::extract::ws::{
    CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade, close_code,
};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use tower_sessions::Session;

use crate::error::AppError;
use crate::model::Me;
use crate::protocol::{ClientFrame, Event, ServerFrame};
use crate::server::auth;
use crate::server::client_info::ClientInfo;
use crate::server::connections::{self, Sessions};
use crate::server::services;
use crate::server::state::AppState;

use connection::{Outgoing, run_connection};

/// Largest frame accepted (a 10,000-character message in JSON fits easily).
const MAX_FRAME_BYTES: usize = 64 * 1024;

/// The read buffer a socket keeps (allocated at once and zero-filled on the first read).
/// tungstenite's default, 128 KiB, was most of what an idle socket cost (`bench idle`: 178 KiB
/// each). Frames are small (a page view is some 400 bytes); a larger one is read into a buffer
/// reserved for its whole length, in reads of this size.
const READ_BUFFER_BYTES: usize = 1024;

/// Who knocked, as far as the upgrade request tells; the hello says the rest.
enum Caller {
    /// A signed-in agent (known from the session cookie), their session's id, and the
    /// session version it was checked against.
    Agent(Me, Option<String>, i64),
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
) -> Response {
    match auth::current_agent_version(&state, &session).await {
        Ok((agent, version)) => {
            let session_id = session.id().map(|id| id.to_string());
            upgrade(ws, state, Caller::Agent(agent, session_id, version), None)
        }
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
    }
}

/// `GET /ws/visitor`: upgrades a widget's or tracker's connection; it authenticates in its
/// first frame. One address holds so many sockets at once (429 beyond).
pub async fn visitor_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let client = ClientInfo::from_request(
        &headers,
        Some(peer),
        state.settings.client_ip_header.as_deref(),
    );
    let Some(slot) = state.visitor_limits.open_socket(client.ip) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(AppError::RateLimited),
        )
            .into_response();
    };
    upgrade(ws, state, Caller::Visitor(client), Some(slot))
}

/// Accepts the upgrade with the frame size limit and serves the socket (holding its place
/// among its address's sockets, if it counts, until it ends).
fn upgrade(
    ws: WebSocketUpgrade,
    state: AppState,
    caller: Caller,
    slot: Option<crate::server::visitor_limits::SocketSlot>,
) -> Response {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .on_upgrade(move |socket| {
            let shutdown = state.shutdown.clone();
            let serve = serve_socket(socket, state, caller);
            shutdown.track(async move {
                serve.await;
                drop(slot);
            })
        })
}

/// Serves an upgraded socket: JSON text frames in and out (agents' replies formatted for a
/// visitor), the connection registered for an agent while it lasts.
///
/// The socket is split and wrapped before the returned future starts, so the future does not
/// also carry the unsplit socket for as long as the connection lasts.
fn serve_socket(
    socket: WebSocket,
    state: AppState,
    caller: Caller,
) -> impl std::future::Future<Output = ()> {
    let (sink, stream) = socket.split();
    let to_visitor = matches!(caller, Caller::Visitor(_));
    let sink = Box::pin(sink.with(move |out: Outgoing| async move {
        let frame = match out {
            Outgoing::Ping => return Ok(WsMessage::Ping(Default::default())),
            Outgoing::Close => return Ok(WsMessage::Close(None)),
            Outgoing::Restart => {
                return Ok(WsMessage::Close(Some(CloseFrame {
                    code: close_code::RESTART,
                    reason: "restarting".into(),
                })));
            }
            Outgoing::Frame(frame) if to_visitor => formatted_for_visitor(frame),
            Outgoing::Frame(frame) => frame,
        };
        let text =
            serde_json::to_string(&frame).map_err(|_| axum::Error::new(AppError::Internal))?;
        Ok::<_, axum::Error>(WsMessage::Text(text.into()))
    }));
    // A client that takes no frame for as long as it may stay silent is gone: its socket
    // ends (it resumes from its last event when it comes back).
    let sink = deadline::Deadline::new(sink, state.settings.socket_idle);
    let stream = Box::pin(
        until_silent(stream, state.settings.socket_idle)
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
    async move {
        // An agent's open workspace keeps them present; closing the last one starts the grace
        // period towards offline. In a box: its database steps would otherwise size the
        // socket's task for as long as it is open (see `connection::live`).
        let (connection, ended) = match &caller {
            Caller::Agent(agent, session, version) => {
                match Box::pin(register_agent(&state, agent, session, *version)).await {
                    Some((connection, ended)) => (Some(connection), Some(ended)),
                    None => return,
                }
            }
            Caller::Visitor(_) => (None, None),
        };
        if let Err(e) = run_connection(sink, stream, &state, caller, connection, ended).await {
            tracing::debug!("socket ended: {e}");
        }
        if let Some(connection) = connection
            && let Err(e) = Box::pin(services::agent_disconnected(&state, connection)).await
        {
            tracing::error!("cannot unregister the connection: {e}");
        }
    }
}

/// Registers an agent's new connection; returns it and the notice that ends it, or `None`
/// when it cannot be registered.
async fn register_agent(
    state: &AppState,
    agent: &Me,
    session: &Option<String>,
    version: i64,
) -> Option<(
    connections::ConnectionId,
    std::sync::Arc<connections::EndNotice>,
)> {
    match services::agent_connected(state, agent).await {
        Ok(connection) => {
            let ended = state
                .connections
                .ended_notice(connection, agent.id, session.clone());
            // The account may have changed between the upgrade and now: a session ended then
            // would otherwise go unnoticed.
            let current = state.store.agent_session(agent.id).await;
            if !matches!(current, Ok(Some((_, now))) if now == version) {
                state.connections.end(agent.id, Sessions::All);
            }
            Some((connection, ended))
        }
        Err(e) => {
            tracing::error!("cannot register the connection: {e}");
            None
        }
    }
}

/// The client's messages (pongs included) until it closes, or stays silent for `idle`: then
/// the stream ends and the connection with it (a vanished peer, or one that never answers the
/// pings, does not hold its socket forever).
fn until_silent<S, T>(stream: S, idle: std::time::Duration) -> impl futures::Stream<Item = T>
where
    S: futures::Stream<Item = T> + Unpin,
{
    futures::stream::unfold(stream, move |mut stream| async move {
        match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(item)) => Some((item, stream)),
            Ok(None) => None,
            Err(_) => {
                tracing::debug!("socket closed: silent for {idle:?}");
                None
            }
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_frames_are_bad_frames() {
        assert!(matches!(decode_frame("{"), Err(AppError::BadFrame { .. })));
        assert!(decode_frame(r#"{"type":"ping"}"#).is_ok());
    }
}
