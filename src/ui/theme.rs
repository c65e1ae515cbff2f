//! Light and dark: pages follow the system's setting unless the agent chose one. The choice is
//! a cookie, so the server draws `<html data-theme>` right from the first byte (no flash of
//! the other theme); the stylesheet does the rest.

use leptos::prelude::*;

use crate::i18n::*;

/// The cookie that keeps an agent's choice in their browser.
pub const COOKIE: &str = "switchboard-theme";

/// An agent's choice of colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Whatever the system prefers (`prefers-color-scheme`).
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// Every choice, in the order the picker lists them.
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// Its name in the cookie and the picker.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// A name back to a choice (anything else follows the system).
    pub fn parse(text: &str) -> Theme {
        Theme::ALL
            .into_iter()
            .find(|theme| theme.as_str() == text)
            .unwrap_or(Theme::System)
    }

    /// The choice a `Cookie` header carries.
    pub fn from_cookies(header: &str) -> Theme {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map_or(Theme::System, |(_, value)| Theme::parse(value.trim()))
    }

    /// The `data-theme` attribute of `<html>` (none: the system decides).
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

/// The choice in force: on the server from the request's cookie, in the browser from the
/// page (so both draw the picker alike).
pub fn current() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|value| value.to_str().ok())
                    .map(Theme::from_cookies)
            })
            .unwrap_or(Theme::System)
    }
    #[cfg(not(feature = "ssr"))]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|html| html.get_attribute("data-theme"))
            .map_or(Theme::System, |value| Theme::parse(&value))
    }
}

/// Applies a choice to the page at once and keeps it for a year.
#[cfg(feature = "hydrate")]
fn apply(theme: Theme) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(html) = document.document_element() {
        let _ = match theme.attribute() {
            Some(value) => html.set_attribute("data-theme", value),
            None => html.remove_attribute("data-theme"),
        };
    }
    if let Ok(document) = document.dyn_into::<web_sys::HtmlDocument>() {
        let cookie = match theme {
            Theme::System => format!("{COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"),
            chosen => format!(
                "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                chosen.as_str()
            ),
        };
        let _ = document.set_cookie(&cookie);
    }
}

/// The picker in the workspace's left menu: system, light or dark.
#[component]
pub fn ThemePicker() -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(current());
    let name = move |theme: Theme| match theme {
        Theme::System => t_string!(i18n, theme_system).to_string(),
        Theme::Light => t_string!(i18n, theme_light).to_string(),
        Theme::Dark => t_string!(i18n, theme_dark).to_string(),
    };
    view! {
        <label class="theme-picker">
            {t!(i18n, theme_label)}
            <select
                prop:value=move || chosen.get().as_str()
                on:change=move |ev| {
                    let theme = Theme::parse(&event_target_value(&ev));
                    chosen.set(theme);
                    #[cfg(feature = "hydrate")]
                    apply(theme);
                }
            >
                {Theme::ALL
                    .into_iter()
                    .map(|theme| {
                        view! {
                            <option value=theme.as_str() selected=move || chosen.get() == theme>
                                {move || name(theme)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_carries_the_choice_and_anything_else_follows_the_system() {
        assert_eq!(
            Theme::from_cookies("a=1; switchboard-theme=dark"),
            Theme::Dark
        );
        assert_eq!(
            Theme::from_cookies("switchboard-theme=light;x=y"),
            Theme::Light
        );
        assert_eq!(
            Theme::from_cookies("switchboard-theme=purple"),
            Theme::System
        );
        assert_eq!(
            Theme::from_cookies("other-switchboard-theme=dark"),
            Theme::System
        );
        assert_eq!(Theme::from_cookies(""), Theme::System);
        assert_eq!(Theme::Dark.attribute(), Some("dark"));
        assert_eq!(Theme::System.attribute(), None);
    }
}
