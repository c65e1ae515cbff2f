//! Switchboard: self-hosted live chat for support teams.
//!
//! One crate, two builds: `ssr` (the server binary: axum, sqlx, sockets) and `hydrate` (the
//! browser: the same Leptos components, made interactive). Shared modules hold the types, the
//! wire protocol and the rules; `server` holds everything that runs only on the server.
// Leptos view types nest deeply; the workspace header needs more than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod blocking;
pub mod error;
pub mod files;
pub mod format;
pub mod live;
pub mod model;
pub mod online_table;
pub mod protocol;
pub mod rules;
pub mod search;
pub mod templates;
pub mod tracking;
pub mod transcript;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

/// Browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(ui::app::App);
}
