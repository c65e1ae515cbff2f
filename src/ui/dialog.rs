//! What every dialog of the workspace does: its close button takes the focus when it opens,
//! Escape closes it wherever the focus is, and the focus returns to what opened it.

use leptos::html::Button;
use leptos::prelude::*;

/// Sets up the calling dialog component; returns the node reference for its close button.
pub fn dialog_focus(close: impl Fn() + Send + Sync + 'static) -> NodeRef<Button> {
    #[cfg(feature = "hydrate")]
    crate::ui::browser::dialog_keys(close);
    #[cfg(not(feature = "hydrate"))]
    let _ = close;
    let close_button = NodeRef::<Button>::new();
    // `autofocus` only works on page load.
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });
    close_button
}
