//! What an event webhook posts: which workspace events a receiver hears of, and the JSON of
//! each, in the REST API's shapes (so a receiver and an API client read the same objects):
//!
//! ```json
//! {"event": "message.created", "inbox_id": 1, "created_at": 1764950000000,
//!  "data": {"message": {...}}}
//! ```

use serde_json::{Value, json};

use crate::model::{Millis, SystemLine, Ticket, TicketComment};
use crate::protocol::Event;
use crate::server::rest::schema::{
    ApiAgentRef, ApiConversation, ApiMessage, ApiTicket, ApiTicketComment,
};
use crate::webhooks::Topic;

/// The topic of an event from the event log, if receivers hear of it: a conversation opened,
/// assigned or closed, a visitor's or agent's message (not a note, not a line Switchboard
/// wrote, except a rating), a visitor's profile edited.
pub fn topic_of(event: &Event) -> Option<Topic> {
    match event {
        Event::ConversationOpened { .. } => Some(Topic::ConversationCreated),
        Event::ConversationAssigned { .. } => Some(Topic::ConversationAssigned),
        Event::ConversationClosed { .. } => Some(Topic::ConversationClosed),
        Event::MessagePosted { message } => match &message.system {
            Some(SystemLine::Rated { .. }) => Some(Topic::RatingCreated),
            Some(_) => None,
            None if message.note => None,
            None => Some(Topic::MessageCreated),
        },
        Event::VisitorUpdated { .. } => Some(Topic::VisitorUpdated),
        _ => None,
    }
}

/// What a receiver reads in `data` for an event of the log. A visitor's edit is read from the
/// database instead ([`visitor_data`]): the event carries only their label.
pub fn data_of(event: &Event) -> Option<Value> {
    match event {
        Event::ConversationOpened { conversation } => Some(json!({
            "conversation": ApiConversation::from(conversation.clone()),
        })),
        Event::ConversationAssigned {
            conversation_id,
            assignee,
        } => Some(json!({
            "conversation_id": conversation_id,
            "assignee": assignee.as_ref().map(|a| ApiAgentRef { id: a.id, name: a.name.clone() }),
        })),
        Event::ConversationClosed { conversation_id } => {
            Some(json!({ "conversation_id": conversation_id }))
        }
        Event::MessagePosted { message } => match &message.system {
            Some(SystemLine::Rated { score, comment }) => Some(json!({
                "rating": {
                    "conversation_id": message.conversation_id,
                    "score": score,
                    "comment": comment,
                    "created_at": message.created_at,
                },
            })),
            _ => Some(json!({ "message": ApiMessage::from(message.clone()) })),
        },
        _ => None,
    }
}

/// What a receiver reads of a visitor whose profile an agent edited.
pub fn visitor_data(
    visitor_id: i64,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
) -> Value {
    json!({
        "visitor": { "id": visitor_id, "name": name, "email": email, "phone": phone },
    })
}

/// What a receiver reads of a ticket made or changed (with the comment that changed it).
pub fn ticket_data(ticket: Ticket, comment: Option<TicketComment>) -> Value {
    let mut data = json!({ "ticket": ApiTicket::from(ticket) });
    if let Some(comment) = comment {
        data["comment"] = json!(ApiTicketComment::from(comment));
    }
    data
}

/// The body posted: the event's name, its inbox, when it happened and its data.
pub fn body(topic: Topic, inbox_id: i64, at: Millis, data: Value) -> String {
    json!({
        "event": topic.as_str(),
        "inbox_id": inbox_id,
        "created_at": at,
        "data": data,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentRef, Author, Message};

    fn message(author: Author, note: bool, system: Option<SystemLine>) -> Event {
        let mut message = Message::plain(7, author, "Where is my parcel?", 1_000);
        message.conversation_id = 3;
        message.note = note;
        message.system = system;
        Event::MessagePosted { message }
    }

    #[test]
    fn receivers_hear_of_messages_but_not_notes_or_lines_switchboard_writes() {
        let ana = Author::Agent {
            id: 2,
            name: "Ana".into(),
        };
        let written = message(Author::Visitor, false, None);
        assert_eq!(topic_of(&written), Some(Topic::MessageCreated));
        let data = data_of(&written).expect("data");
        assert_eq!(data["message"]["body"], "Where is my parcel?");
        assert_eq!(data["message"]["author"]["kind"], "visitor");
        assert_eq!(data["message"]["conversation_id"], 3);
        assert_eq!(
            topic_of(&message(ana.clone(), false, None)),
            Some(Topic::MessageCreated)
        );
        assert_eq!(topic_of(&message(ana, true, None)), None, "a note");
        let joined = SystemLine::Accepted {
            agent: "Ana".into(),
        };
        assert_eq!(
            topic_of(&message(Author::System, false, Some(joined))),
            None
        );
        let rated = message(
            Author::System,
            false,
            Some(SystemLine::Rated {
                score: 5,
                comment: "Quick!".into(),
            }),
        );
        assert_eq!(topic_of(&rated), Some(Topic::RatingCreated));
        let data = data_of(&rated).expect("data");
        assert_eq!(data["rating"]["score"], 5);
        assert_eq!(data["rating"]["comment"], "Quick!");
        assert_eq!(data["rating"]["conversation_id"], 3);
    }

    #[test]
    fn assignments_name_the_agent_or_nobody() {
        let to_ana = Event::ConversationAssigned {
            conversation_id: 3,
            assignee: Some(AgentRef {
                id: 2,
                name: "Ana".into(),
            }),
        };
        assert_eq!(topic_of(&to_ana), Some(Topic::ConversationAssigned));
        let data = data_of(&to_ana).expect("data");
        assert_eq!(data["assignee"]["name"], "Ana");
        assert_eq!(data["conversation_id"], 3);
        let to_nobody = Event::ConversationAssigned {
            conversation_id: 3,
            assignee: None,
        };
        assert_eq!(data_of(&to_nobody).expect("data")["assignee"], Value::Null);
        let closed = Event::ConversationClosed { conversation_id: 3 };
        assert_eq!(topic_of(&closed), Some(Topic::ConversationClosed));
        let read = Event::ConversationRead {
            conversation_id: 3,
            agent_id: 2,
            up_to: 7,
        };
        assert_eq!(
            topic_of(&read),
            None,
            "reading is not an event receivers hear of"
        );
    }

    #[test]
    fn a_body_names_its_event_inbox_and_time() {
        let body: Value = serde_json::from_str(&body(
            Topic::ConversationClosed,
            4,
            99,
            json!({"conversation_id": 3}),
        ))
        .expect("json");
        assert_eq!(
            body,
            json!({"event": "conversation.closed", "inbox_id": 4, "created_at": 99,
                   "data": {"conversation_id": 3}})
        );
    }
}
