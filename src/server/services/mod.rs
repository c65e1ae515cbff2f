//! The operations of the product. Each checks the caller with the rules, then writes its rows
//! and events in one transaction (see [`crate::server::store::WriteTx`]). Server functions and
//! sockets call these and nothing below them.
//!
//! One module per feature, named as in the store and the shared crate. The chat's core
//! (team, presence, conversations, messages, visitors, timers, snapshots) is re-exported here;
//! features whose verbs are generic are called through their module
//! (`services::tickets::list`, `services::blocking::unblock`).

pub mod api_tokens;
pub mod auto_assign;
pub mod blocking;
pub mod chat_details;
pub mod contacts;
pub mod conversations;
pub mod history;
pub mod lane;
pub mod lifecycle;
pub mod message_lane;
pub mod messages;
pub mod page_lane;
pub mod presence;
pub mod ratings;
pub mod reports;
pub mod snapshots;
pub mod team;
pub mod templates;
pub mod tickets;
pub mod timers;
pub mod tracking;
pub mod transcripts;
pub mod visitors;
pub mod webhooks;
pub mod widget;

pub use conversations::*;
pub use messages::*;
pub use presence::*;
pub use snapshots::*;
pub use team::*;
pub use timers::*;
pub use visitors::*;
