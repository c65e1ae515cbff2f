//! What a client asks for after hello, one function per kind of frame. Each returns the
//! service's outcome; [`handle_frame`] sends the answer, or the refusal (the connection goes
//! on after a refusal).

use futures::Sink;

use crate::error::AppError;
use crate::model::{AgentRef, Me, Message};
use crate::protocol::{ClientFrame, PageReport, ServerFrame};
use crate::server::services::{self, tracking};
use crate::server::state::AppState;

use super::connection::{Outgoing, SocketError, Subscriber, refuse, send};

/// Most conversations one connection may report on screen (main view and chat boxes).
const MAX_VIEWING: usize = 20;

/// Does what a frame asks and answers it: an ack for a send, a refusal for anything refused.
/// Pings and watch requests are answered by the connection loop, which holds what they need.
pub(super) async fn handle_frame<S>(
    sink: &mut S,
    state: &AppState,
    who: &Subscriber,
    frame: ClientFrame,
) -> Result<(), SocketError>
where
    S: Sink<Outgoing> + Unpin,
    S::Error: std::fmt::Display,
{
    let (client_id, outcome) = match frame {
        ClientFrame::Ping | ClientFrame::WatchVisitors { .. } => return Ok(()),
        ClientFrame::Hello { .. } => (
            None,
            Err(AppError::BadFrame {
                reason: "hello was already received".into(),
            }),
        ),
        ClientFrame::Send {
            client_id,
            conversation_id,
            body,
            attachments,
            note,
        } => {
            let post = Post {
                conversation_id,
                client_id: &client_id,
                body: &body,
                attachments: &attachments,
                note,
            };
            let outcome = on_send(state, who, post).await.map(|message| {
                Some(ServerFrame::Ack {
                    client_id: client_id.clone(),
                    message,
                })
            });
            (Some(client_id), outcome)
        }
        ClientFrame::Viewing { conversation_ids } => (
            None,
            on_viewing(state, who, &conversation_ids)
                .await
                .map(|()| None),
        ),
        ClientFrame::Typing {
            conversation_id,
            draft,
            note,
        } => (
            None,
            on_typing(state, who, conversation_id, draft, note)
                .await
                .map(|()| None),
        ),
        ClientFrame::Read { up_to } => (None, on_read(state, who, up_to).await.map(|()| None)),
        ClientFrame::PageView(report) => {
            (None, on_page_view(state, who, &report).await.map(|()| None))
        }
    };
    match outcome {
        Ok(Some(answer)) => send(sink, answer).await,
        Ok(None) => Ok(()),
        Err(e) => refuse(sink, client_id, &e).await,
    }
}

/// A message as a `send` frame carries it.
struct Post<'a> {
    conversation_id: Option<i64>,
    client_id: &'a str,
    body: &'a str,
    attachments: &'a [i64],
    note: bool,
}

/// A message (or an agent's note): agents name the conversation, a visitor writes in theirs.
async fn on_send(state: &AppState, who: &Subscriber, post: Post<'_>) -> Result<Message, AppError> {
    match (who, post.conversation_id) {
        (Subscriber::Agent { agent, .. }, Some(conversation_id)) => {
            services::post_agent_message(
                state,
                agent,
                services::AgentPost {
                    conversation_id,
                    client_id: post.client_id,
                    body: post.body,
                    attachments: post.attachments,
                    note: post.note,
                },
            )
            .await
        }
        (Subscriber::Agent { .. }, None) => Err(AppError::invalid("conversation_id", "required")),
        (Subscriber::Visitor { .. }, _) if post.note => Err(AppError::Forbidden),
        (
            Subscriber::Visitor {
                visitor, client, ..
            },
            _,
        ) => {
            services::post_visitor_message(
                state,
                visitor,
                client.ip,
                post.client_id,
                post.body,
                post.attachments,
            )
            .await
        }
    }
}

/// An agent's workspace reports the conversations on screen (colleagues see who is viewing).
async fn on_viewing(
    state: &AppState,
    who: &Subscriber,
    conversation_ids: &[i64],
) -> Result<(), AppError> {
    let Subscriber::Agent {
        agent,
        connection: Some(connection),
        ..
    } = who
    else {
        return Err(AppError::Forbidden);
    };
    let conversations = on_screen(state, agent, conversation_ids).await?;
    state.connections.set_viewing(*connection, conversations);
    Ok(())
}

/// Someone is typing: an agent's colleagues (and the visitor, for the assignee's reply) are
/// told; a visitor's draft goes to the team as a preview when the inbox shows one.
async fn on_typing(
    state: &AppState,
    who: &Subscriber,
    conversation_id: Option<i64>,
    draft: Option<String>,
    note: bool,
) -> Result<(), AppError> {
    match who {
        Subscriber::Agent { agent, .. } => agent_typing(state, agent, conversation_id, note).await,
        Subscriber::Visitor {
            visitor, client, ..
        } => {
            if let Some((inbox_id, frame)) =
                services::visitor_typing(state, visitor, client.ip, draft).await?
            {
                state.connections.signal(inbox_id, frame);
            }
            Ok(())
        }
    }
}

/// A visitor has read the team's messages up to `up_to` (the team sees the receipt).
async fn on_read(state: &AppState, who: &Subscriber, up_to: i64) -> Result<(), AppError> {
    match who {
        Subscriber::Visitor { visitor, .. } => services::visitor_read(state, visitor, up_to).await,
        Subscriber::Agent { .. } => Err(AppError::Forbidden),
    }
}

/// A visitor's tab opened a page; from then on the socket counts as an open tab.
async fn on_page_view(
    state: &AppState,
    who: &Subscriber,
    report: &PageReport,
) -> Result<(), AppError> {
    match who {
        Subscriber::Visitor {
            visitor,
            client,
            tab,
        } => {
            tracking::page_viewed(state, visitor, client, report, tab.id()).await?;
            tab.mark_open();
            Ok(())
        }
        Subscriber::Agent { .. } => Err(AppError::Forbidden),
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
