//! The visitor's chat in the browser: the code behind `/widget/:key`, a bundle of its own so a
//! visitor downloads only this (the agent workspace's bundle is another).
//!
//! The server paints the page (header, welcome, an empty timeline, a disabled message box) and
//! puts the strings this code shows in it, in the visitor's language. [`start`] then finds the
//! visitor by the token in this origin's storage, loads their conversations, goes live on
//! `/ws/visitor`, and keeps the page drawn from one state ([`chat::Chat`]): the shared crate's
//! `WidgetData` (the same store and rules the workspace's code is tested with) plus what only
//! the page knows. Built on web-sys directly, without a UI framework: the same widget in
//! Leptos weighed four times as much (BENCHMARKS.md).

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod chat;
#[cfg(target_arch = "wasm32")]
mod composer;
#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(target_arch = "wasm32")]
mod timeline;

/// Browser entry point, called by the page's module script once the bundle is loaded.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start() {
    chat::start();
}
