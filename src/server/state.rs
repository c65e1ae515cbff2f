//! What every handler and server function shares: options, the store, the hub, the settings.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::server::hub::Hub;
use crate::server::store::Store;

/// Shared application state, handed to axum handlers as state and to server functions as
/// context. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Leptos' rendering options (site root, output name, address).
    pub leptos_options: LeptosOptions,
    /// The database.
    pub store: Store,
    /// Fan-out of committed events.
    pub hub: Hub,
    /// Run-time settings that handlers need.
    pub settings: Arc<Settings>,
}

/// Run-time settings derived from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Serve the demo website at `/demo`.
    pub demo: bool,
    /// Mark the session cookie `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
