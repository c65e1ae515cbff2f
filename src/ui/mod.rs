//! The Leptos components of every page: the agent workspace, the admin page, the sign-in and
//! setup pages, and the widget.

pub mod actions_menu;
pub mod address;
pub mod admin;
pub mod agent_page;
pub mod api_tokens;
pub mod app;
pub mod auth_pages;
pub mod chat_boxes;
pub mod chat_details;
pub mod chat_logs;
pub mod clock;
pub mod composer;
pub mod composer_files;
pub mod composer_tools;
pub mod contacts_page;
pub mod conversation;
pub mod dialog;
pub mod errors;
pub mod formatted;
pub mod icons;
pub mod log_page;
pub mod outgoing;
pub mod password_field;
pub mod profile;
pub mod reports_page;
pub mod search_box;
pub mod settings;
pub mod shortcuts;
pub mod theme;
pub mod tickets_page;
pub mod timeline;
pub mod toasts;
pub mod visitors;
pub mod workspace;

#[cfg(feature = "hydrate")]
pub mod alerts;
#[cfg(feature = "hydrate")]
pub mod browser;
#[cfg(feature = "hydrate")]
pub mod transfer;
