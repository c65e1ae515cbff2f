//! The realtime wire protocol of `/ws/agent` and `/ws/visitor`: JSON text frames, one tagged
//! enum per direction, shared by the server, the WASM client, the tests and the benchmark.
//!
//! A client connects, sends [`ClientFrame::Hello`] with the id of the last event it applied,
//! receives every event it missed (or [`ServerFrame::Resync`] when the gap is too old), then
//! [`ServerFrame::Ready`], then live events. Events carry the monotonic id of the `events`
//! table row written in the same transaction as the change.

use crate::model::{AgentRef, ConversationSummary, Message, Millis, OnlineVisitor, Presence};
use serde::{Deserialize, Serialize};

/// Something that changed, as every reader of the change needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A visitor started a new conversation (it is unassigned).
    ConversationOpened {
        /// The new conversation.
        conversation: ConversationSummary,
    },
    /// A message (from the visitor, an agent, or the system) was committed.
    MessagePosted {
        /// The committed message.
        message: Message,
    },
    /// The conversation's assignee changed (`None`: back to unassigned).
    ConversationAssigned {
        /// Which conversation.
        conversation_id: i64,
        /// Its new assignee.
        assignee: Option<AgentRef>,
    },
    /// The conversation ended.
    ConversationClosed {
        /// Which conversation.
        conversation_id: i64,
    },
    /// An agent has read a conversation up to a message (their unread count drops).
    ConversationRead {
        /// Which conversation.
        conversation_id: i64,
        /// Who read it.
        agent_id: i64,
        /// The newest message id they have seen.
        up_to: i64,
    },
    /// What colleagues see of an agent changed (team-wide).
    PresenceChanged {
        /// Which agent.
        agent_id: i64,
        /// Their presence now.
        presence: Presence,
    },
    /// The other side read a conversation's messages up to a message.
    MessagesSeen {
        /// Which conversation.
        conversation_id: i64,
        /// Who read: the visitor (agents' messages are read) or the assignee (the visitor's).
        reader: Reader,
        /// The newest message id read.
        up_to: i64,
        /// When.
        at: Millis,
    },
    /// A visitor was blocked (the widget stops sending; agents see it on the profile).
    VisitorBlocked {
        /// Which visitor.
        visitor_id: i64,
        /// When the block ends by itself (`None`: it does not).
        until: Option<Millis>,
    },
    /// A visitor's block was lifted by hand.
    VisitorUnblocked {
        /// Which visitor.
        visitor_id: i64,
    },
    /// A conversation moved to another inbox (written to both inboxes; agents only).
    ConversationMoved {
        /// The conversation as it is now (its new inbox and assignee).
        conversation: ConversationSummary,
    },
    /// A conversation's labels changed (agents only).
    ConversationLabeled {
        /// Which conversation.
        conversation_id: i64,
        /// Its labels now.
        labels: Vec<String>,
    },
    /// A ticket was opened without an agent (a visitor's offline message): the inbox's agents
    /// are told.
    TicketOpened {
        /// Its number.
        ticket_id: i64,
        /// Its subject.
        subject: String,
    },
    /// An agent edited a visitor's profile (name, email, phone, notes).
    VisitorUpdated {
        /// Which visitor.
        visitor_id: i64,
        /// Their name or label now, as lists show it.
        label: String,
    },
}

impl Event {
    /// The conversation the event is about, if it is about one.
    pub fn conversation_id(&self) -> Option<i64> {
        match self {
            Event::ConversationOpened { conversation }
            | Event::ConversationMoved { conversation } => Some(conversation.id),
            Event::MessagePosted { message } => Some(message.conversation_id),
            Event::ConversationAssigned {
                conversation_id, ..
            }
            | Event::ConversationClosed { conversation_id }
            | Event::ConversationRead {
                conversation_id, ..
            }
            | Event::MessagesSeen {
                conversation_id, ..
            }
            | Event::ConversationLabeled {
                conversation_id, ..
            } => Some(*conversation_id),
            Event::PresenceChanged { .. }
            | Event::VisitorUpdated { .. }
            | Event::TicketOpened { .. }
            | Event::VisitorBlocked { .. }
            | Event::VisitorUnblocked { .. } => None,
        }
    }
}

/// Who read messages of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reader {
    /// The visitor read the team's messages.
    Visitor,
    /// The assignee read the visitor's messages.
    Team,
}

impl Reader {
    /// Whether a message by `author` is one this reader reads (the other side's).
    pub fn reads(self, author: &crate::model::Author) -> bool {
        matches!(
            (self, author),
            (Reader::Visitor, crate::model::Author::Agent { .. })
                | (Reader::Team, crate::model::Author::Visitor)
        )
    }
}

/// A frame a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame of every connection.
    Hello {
        /// The visitor's secret token (visitor socket only; agents use their session cookie).
        #[serde(default)]
        token: Option<String>,
        /// The id of the last event the client applied; events after it are replayed.
        #[serde(default)]
        after: Option<i64>,
        /// The widget key (visitor socket only): with it, a missing or unknown token makes a
        /// new visitor of that inbox, whose token comes back in [`ServerFrame::Welcome`].
        #[serde(default)]
        inbox: Option<String>,
    },
    /// Post a message. Sending the same `client_id` again stores it once.
    Send {
        /// Client-generated idempotency id (1–64 characters).
        client_id: String,
        /// The conversation to post in (agents). A visitor omits it: their open conversation,
        /// or a new one.
        #[serde(default)]
        conversation_id: Option<i64>,
        /// The text (may be empty when files are attached).
        body: String,
        /// Files uploaded before (`POST /files`) to send with it.
        #[serde(default)]
        attachments: Vec<i64>,
        /// An internal note (agents only): never sent to the visitor.
        #[serde(default)]
        note: bool,
    },
    /// Keeps the connection alive through proxies; answered with [`ServerFrame::Pong`]. The
    /// pong comes after every event and signal that was already waiting for this socket when
    /// the ping was read, so a client can use it as a barrier ("nothing more is on its way").
    Ping,
    /// The conversations this agent connection has on screen now (the main view and open chat
    /// boxes); colleagues see who is viewing (agents only; replaces the previous list).
    Viewing {
        /// Conversation ids, at most 20.
        conversation_ids: Vec<i64>,
    },
    /// The sender is typing (send at most every second or two): an agent in a conversation,
    /// or the visitor in their current one.
    Typing {
        /// The conversation (agents).
        #[serde(default)]
        conversation_id: Option<i64>,
        /// What the visitor has typed so far, when their inbox shows agents a preview.
        #[serde(default)]
        draft: Option<String>,
        /// An agent writing an internal note: colleagues see it, the visitor does not.
        #[serde(default)]
        note: bool,
    },
    /// The visitor has read the team's messages up to this one (the chat is open and on
    /// screen).
    Read {
        /// The newest message id on screen.
        up_to: i64,
    },
    /// The visitor opened a page of the host site (visitor socket, sent by the loader's tracker
    /// on every page and in-page navigation). The first one of a connection also tells what
    /// the browser says about itself.
    PageView(PageReport),
    /// Start (`true`) or stop receiving the online visitors table (agents only): the whole
    /// table first, then coalesced changes.
    WatchVisitors {
        /// Whether to receive it.
        on: bool,
    },
}

/// A page the loader's tracker reports, with what the browser says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageReport {
    /// The page's address.
    pub url: String,
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// The address the visitor came from (`document.referrer`).
    #[serde(default)]
    pub referrer: String,
    /// Screen size, "1920x1080".
    #[serde(default)]
    pub screen: Option<String>,
    /// Browser language.
    #[serde(default)]
    pub language: Option<String>,
    /// IANA time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A frame the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// A committed change, in id order.
    Event {
        /// Monotonic id of the event; the client remembers the last one it applied.
        id: i64,
        /// When it was committed.
        at: Millis,
        /// What changed.
        event: Event,
    },
    /// The replay after `Hello` is complete; `last_event_id` is the newest event sent so far.
    Ready {
        /// Newest event id known to the server for this client (0 when none).
        last_event_id: i64,
    },
    /// The client missed too much to replay: reload a snapshot, then connect again with its id.
    Resync,
    /// A `Send` was committed (or had been already: same `client_id`).
    Ack {
        /// The client id of the send.
        client_id: String,
        /// The stored message.
        message: Message,
    },
    /// A frame was refused; nothing changed.
    Refused {
        /// The client id of the refused send, if it was one.
        client_id: Option<String>,
        /// Machine-readable reason (see [`crate::error::AppError::code`]).
        code: String,
        /// Short human-readable reason.
        message: String,
    },
    /// Answer to [`ClientFrame::Ping`].
    Pong,
    /// A new visitor's token (answer to a hello with an inbox key and no valid token); the
    /// tracker keeps it for the widget.
    Welcome {
        /// The secret token.
        token: String,
    },
    /// The whole online visitors table of the agent's inboxes (answer to
    /// [`ClientFrame::WatchVisitors`]).
    OnlineVisitors {
        /// Every visitor on the site now.
        visitors: Vec<OnlineVisitor>,
    },
    /// What changed in the online visitors table since the last frame, coalesced (at most one
    /// frame a second). Agents who do not watch the table get only the count.
    OnlineChanges {
        /// Rows that appeared or changed, whole.
        changed: Vec<OnlineVisitor>,
        /// Visitors who left.
        left: Vec<i64>,
        /// How many visitors of the agent's inboxes are online now.
        online: usize,
    },
    /// Who is viewing a conversation now (agents only; not logged, not replayed).
    Viewers {
        /// The conversation.
        conversation_id: i64,
        /// The agents who have it on screen.
        agents: Vec<AgentRef>,
    },
    /// The visitor of a conversation is typing (agents only; not logged, not replayed), with
    /// what they typed so far when the inbox shows a preview (an empty draft: they cleared it).
    VisitorTyping {
        /// The conversation.
        conversation_id: i64,
        /// The text so far, if previews are on.
        draft: Option<String>,
    },
    /// An agent is typing in a conversation: sent to colleagues, and to the visitor when it is
    /// a reply (not logged, not replayed).
    Typing {
        /// The conversation.
        conversation_id: i64,
        /// Who is typing.
        agent: AgentRef,
    },
}

/// What the visitor's widget reads of the frames its socket is sent: the [`ServerFrame`]s a
/// visitor gets, field for field; `Passed` for an event it has no use for (only its id
/// counts); `Other` for the rest (agents' frames, the tracker's welcome, pongs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorFrame {
    /// See [`ServerFrame::Event`].
    Event {
        /// Monotonic id of the event.
        id: i64,
        /// What changed.
        event: Event,
    },
    /// An event of a kind the widget does not apply (it still resumes after it).
    Passed {
        /// Monotonic id of the event.
        id: i64,
    },
    /// See [`ServerFrame::Ready`].
    Ready {
        /// Newest event id known to the server for this client.
        last_event_id: i64,
    },
    /// See [`ServerFrame::Resync`].
    Resync,
    /// See [`ServerFrame::Ack`].
    Ack {
        /// The client id of the send.
        client_id: String,
        /// The stored message.
        message: Message,
    },
    /// See [`ServerFrame::Refused`].
    Refused {
        /// The client id of the refused send, if it was one.
        client_id: Option<String>,
        /// Machine-readable reason.
        code: String,
    },
    /// See [`ServerFrame::Typing`].
    Typing {
        /// Who is typing.
        agent: AgentRef,
    },
    /// Any other frame: nothing for the widget to do.
    Other,
}

impl VisitorFrame {
    /// Reads a frame's JSON by its `type`, each part decoded straight from a
    /// `serde_json::Value`. The derived decoder of a tagged enum buffers the frame first and
    /// compiles every type inside it a second time for that buffer; in the widget's bundle
    /// that second copy weighed more than the widget's own code. `None`: not a frame.
    pub fn from_json(text: &str) -> Option<VisitorFrame> {
        use serde_json::Value;
        let mut frame: Value = serde_json::from_str(text).ok()?;
        let take = |frame: &mut Value, name: &str| frame.get_mut(name).map(Value::take);
        let text = |frame: &Value, name: &str| frame.get(name)?.as_str().map(str::to_owned);
        let number = |frame: &Value, name: &str| frame.get(name)?.as_i64();
        Some(match frame.get("type")?.as_str()? {
            "event" => {
                let id = number(&frame, "id")?;
                match visitor_event(take(&mut frame, "event")?)? {
                    Some(event) => VisitorFrame::Event { id, event },
                    None => VisitorFrame::Passed { id },
                }
            }
            "ready" => VisitorFrame::Ready {
                last_event_id: number(&frame, "last_event_id")?,
            },
            "resync" => VisitorFrame::Resync,
            "ack" => VisitorFrame::Ack {
                client_id: text(&frame, "client_id")?,
                message: serde_json::from_value(take(&mut frame, "message")?).ok()?,
            },
            "refused" => VisitorFrame::Refused {
                client_id: text(&frame, "client_id"),
                code: text(&frame, "code")?,
            },
            "typing" => VisitorFrame::Typing {
                agent: serde_json::from_value(take(&mut frame, "agent")?).ok()?,
            },
            _ => VisitorFrame::Other,
        })
    }
}

/// An event a visitor applies, read by its `type` (see [`VisitorFrame::from_json`]);
/// `Some(None)` for a kind the widget has no use for.
fn visitor_event(mut event: serde_json::Value) -> Option<Option<Event>> {
    use serde_json::{Value, from_value};
    fn part<T: serde::de::DeserializeOwned>(event: &mut Value, name: &str) -> Option<T> {
        from_value(event.get_mut(name).map(Value::take).unwrap_or(Value::Null)).ok()
    }
    let kind = event.get("type")?.as_str()?.to_owned();
    Some(Some(match kind.as_str() {
        "conversation_opened" => Event::ConversationOpened {
            conversation: part(&mut event, "conversation")?,
        },
        "message_posted" => Event::MessagePosted {
            message: part(&mut event, "message")?,
        },
        "conversation_assigned" => Event::ConversationAssigned {
            conversation_id: part(&mut event, "conversation_id")?,
            assignee: part(&mut event, "assignee")?,
        },
        "conversation_closed" => Event::ConversationClosed {
            conversation_id: part(&mut event, "conversation_id")?,
        },
        "messages_seen" => Event::MessagesSeen {
            conversation_id: part(&mut event, "conversation_id")?,
            reader: part(&mut event, "reader")?,
            up_to: part(&mut event, "up_to")?,
            at: part(&mut event, "at")?,
        },
        "visitor_blocked" => Event::VisitorBlocked {
            visitor_id: part(&mut event, "visitor_id")?,
            until: part(&mut event, "until")?,
        },
        "visitor_unblocked" => Event::VisitorUnblocked {
            visitor_id: part(&mut event, "visitor_id")?,
        },
        _ => return Some(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_visitor(frame: &ServerFrame) -> VisitorFrame {
        let json = serde_json::to_string(frame).expect("serialisable");
        VisitorFrame::from_json(&json).expect("a visitor frame")
    }

    #[test]
    fn the_widget_reads_every_frame_a_visitor_gets_and_skips_the_rest() {
        let agent = AgentRef {
            id: 2,
            name: "Ana".into(),
        };
        let closed = Event::ConversationClosed { conversation_id: 4 };
        assert_eq!(
            as_visitor(&ServerFrame::Event {
                id: 9,
                at: 1,
                event: closed.clone()
            }),
            VisitorFrame::Event {
                id: 9,
                event: closed
            }
        );
        assert_eq!(
            as_visitor(&ServerFrame::Ready { last_event_id: 3 }),
            VisitorFrame::Ready { last_event_id: 3 }
        );
        assert_eq!(as_visitor(&ServerFrame::Resync), VisitorFrame::Resync);
        assert_eq!(
            as_visitor(&ServerFrame::Refused {
                client_id: Some("c1".into()),
                code: "blocked".into(),
                message: "Blocked".into(),
            }),
            VisitorFrame::Refused {
                client_id: Some("c1".into()),
                code: "blocked".into()
            }
        );
        assert_eq!(
            as_visitor(&ServerFrame::Typing {
                conversation_id: 4,
                agent: agent.clone()
            }),
            VisitorFrame::Typing {
                agent: agent.clone()
            }
        );
        let mut message = Message::plain(
            5,
            crate::model::Author::Agent {
                id: 2,
                name: "Ana".into(),
            },
            "**Hi**",
            7,
        )
        .formatted_for_visitor();
        message.attachments.push(crate::model::Attachment {
            id: 3,
            name: "a.png".into(),
            content_type: "image/png".into(),
            size: 10,
        });
        let closed_line = Message {
            system: Some(crate::model::SystemLine::AutoClosed { after_secs: 60 }),
            ..Message::plain(6, crate::model::Author::System, "", 8)
        };
        let conversation = ConversationSummary {
            id: 4,
            inbox_id: 1,
            visitor_id: 9,
            visitor_label: "#9".into(),
            visitor_name: None,
            visitor_email: None,
            status: crate::model::ConversationStatus::Assigned,
            assignee: Some(agent.clone()),
            created_at: 1,
            last_message_at: 7,
            preview: "Hi".into(),
            rating: None,
            labels: Vec::new(),
        };
        for event in [
            Event::MessagePosted {
                message: message.clone(),
            },
            Event::MessagePosted {
                message: closed_line,
            },
            Event::ConversationOpened { conversation },
            Event::ConversationAssigned {
                conversation_id: 4,
                assignee: None,
            },
            Event::MessagesSeen {
                conversation_id: 4,
                reader: Reader::Team,
                up_to: 5,
                at: 9,
            },
            Event::VisitorBlocked {
                visitor_id: 9,
                until: Some(99),
            },
            Event::VisitorBlocked {
                visitor_id: 9,
                until: None,
            },
            Event::VisitorUnblocked { visitor_id: 9 },
        ] {
            assert_eq!(
                as_visitor(&ServerFrame::Event {
                    id: 10,
                    at: 1,
                    event: event.clone()
                }),
                VisitorFrame::Event { id: 10, event }
            );
        }
        assert_eq!(
            as_visitor(&ServerFrame::Event {
                id: 11,
                at: 1,
                event: Event::ConversationLabeled {
                    conversation_id: 4,
                    labels: vec!["vip".into()],
                },
            }),
            VisitorFrame::Passed { id: 11 }
        );
        assert_eq!(
            as_visitor(&ServerFrame::Ack {
                client_id: "c1".into(),
                message: message.clone(),
            }),
            VisitorFrame::Ack {
                client_id: "c1".into(),
                message
            }
        );
        assert_eq!(VisitorFrame::from_json("not json"), None);
        assert_eq!(VisitorFrame::from_json(r#"{"no":"type"}"#), None);
        for other in [
            ServerFrame::Pong,
            ServerFrame::Welcome { token: "t".into() },
            ServerFrame::Viewers {
                conversation_id: 4,
                agents: vec![agent],
            },
            ServerFrame::OnlineChanges {
                changed: Vec::new(),
                left: vec![1],
                online: 0,
            },
        ] {
            assert_eq!(as_visitor(&other), VisitorFrame::Other, "{other:?}");
        }
    }

    #[test]
    fn frames_are_tagged_json() {
        let hello: ClientFrame =
            serde_json::from_str(r#"{"type":"hello","after":12}"#).expect("valid hello");
        assert_eq!(
            hello,
            ClientFrame::Hello {
                token: None,
                after: Some(12),
                inbox: None,
            }
        );
        let json =
            serde_json::to_string(&ServerFrame::Ready { last_event_id: 3 }).expect("serialisable");
        assert_eq!(json, r#"{"type":"ready","last_event_id":3}"#);
        let closed = ServerFrame::Event {
            id: 9,
            at: 1,
            event: Event::ConversationClosed { conversation_id: 4 },
        };
        let json = serde_json::to_string(&closed).expect("serialisable");
        assert_eq!(
            json,
            r#"{"type":"event","id":9,"at":1,"event":{"type":"conversation_closed","conversation_id":4}}"#
        );
    }

    #[test]
    fn page_views_are_flat_objects() {
        let frame: ClientFrame = serde_json::from_str(
            r#"{"type":"page_view","url":"https://a.example/","title":"A","time_zone":"UTC"}"#,
        )
        .expect("valid page view");
        assert_eq!(
            frame,
            ClientFrame::PageView(PageReport {
                url: "https://a.example/".into(),
                title: "A".into(),
                time_zone: Some("UTC".into()),
                ..PageReport::default()
            })
        );
    }

    #[test]
    fn unknown_frames_are_rejected() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"drop_tables"}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>("not json").is_err());
    }
}
