//! Switchboard: self-hosted live chat for support teams.
//!
//! One crate, two builds: `ssr` (the server binary: axum, sqlx, sockets) and `hydrate` (the
//! browser: the same Leptos components, made interactive). Shared modules hold the types, the
//! wire protocol and the rules; `server` holds everything that runs only on the server.
// Leptos view types nest deeply; the workspace header needs more than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod ui;
pub mod wording;

// The model, the wire protocol and the rules live in their own crate (`shared/`), which the
// widget uses too; they keep their paths here.
pub use switchboard_shared::{
    api_tokens, auto_assign, blocking, calendar, csv, error, files, format, live, model,
    online_table, protocol, reports, rules, search, snapshot, templates, tracking, transcript,
    units, webhooks, widget_settings, widget_text,
};

#[cfg(feature = "ssr")]
pub mod server;

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

/// Browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(ui::app::App);
}
