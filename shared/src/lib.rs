//! What the server, the agent workspace and the visitor widget share: the model, the wire
//! protocol, the snapshots pages start from, and the rules (plain functions). No Leptos, no
//! database: the widget's small bundle is built from this crate and little else.

pub mod api_tokens;
pub mod auto_assign;
pub mod blocking;
pub mod calendar;
pub mod csv;
pub mod error;
pub mod files;
pub mod format;
pub mod live;
pub mod model;
pub mod online_table;
#[cfg(test)]
mod properties;
pub mod protocol;
pub mod reports;
pub mod rules;
pub mod search;
pub mod snapshot;
pub mod templates;
pub mod tracking;
pub mod transcript;
pub mod units;
pub mod webhooks;
pub mod widget_settings;
pub mod widget_text;
