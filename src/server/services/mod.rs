//! The operations of the product. Each checks the caller with the rules, then writes its rows
//! and events in one transaction (see [`crate::server::store::WriteTx`]). Server functions and
//! sockets call these and nothing below them.

mod conversations;
mod messages;
mod presence;
mod team;
mod timers;
mod visitors;

pub use conversations::*;
pub use messages::*;
pub use presence::*;
pub use team::*;
pub use timers::*;
pub use visitors::*;
