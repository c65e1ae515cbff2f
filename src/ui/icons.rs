//! The workspace's icons, drawn as inline SVG in the text's colour: emoji depend on the
//! fonts a machine has (where none has them, they are empty boxes). An icon is decoration:
//! the control around it carries the accessible name.

use leptos::prelude::*;

/// Which icon to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    /// A cross: close, remove.
    Close,
    /// Two chain links: a link.
    Link,
    /// A speech bubble: chats.
    Chat,
    /// An eye: browsing, viewing.
    Eye,
    /// A sheet with a folded corner: a file.
    File,
    /// A paperclip: attach files.
    Paperclip,
    /// A pencil: edit.
    Pencil,
    /// A bin: delete.
    Trash,
    /// Two arrows apart: enlarge.
    Expand,
    /// A bar: make smaller.
    Minimize,
    /// A window: bring back to its size.
    Restore,
    /// A window with a box at its foot: open as a docked chat box.
    Dock,
}

impl Glyph {
    /// The icon's outline, on a 24-unit grid.
    fn path(self) -> &'static str {
        match self {
            Glyph::Close => "M6 6l12 12M18 6L6 18",
            Glyph::Link => {
                "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"
            }
            Glyph::Chat => "M4 5h16v11H9l-5 4z",
            Glyph::Eye => {
                "M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"
            }
            Glyph::File => "M6 2h8l4 4v16H6zM14 2v4h4",
            Glyph::Paperclip => {
                "M8.5 12.5l6.4-6.4a2.6 2.6 0 0 1 3.7 3.7l-7.8 7.8a4.2 4.2 0 0 1-6-6l7.1-7.1"
            }
            Glyph::Pencil => "M4 20h4L19 9l-4-4L4 16zM13 7l4 4",
            Glyph::Trash => "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
            Glyph::Expand => "M14 4h6v6M10 20H4v-6M20 4l-7 7M4 20l7-7",
            Glyph::Minimize => "M5 18h14",
            Glyph::Restore => "M5 5h14v14H5zM5 9h14",
            Glyph::Dock => "M3 4h18v16H3zM12 14h7v6h-7z",
        }
    }
}

/// An icon, hidden from assistive technology (its control is named instead).
#[component]
pub fn Icon(
    /// Which icon.
    glyph: Glyph,
) -> impl IntoView {
    view! {
        <svg
            class="icon-glyph"
            viewBox="0 0 24 24"
            width="16"
            height="16"
            aria-hidden="true"
            focusable="false"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
        >
            <path d=glyph.path() />
        </svg>
    }
}
