//! Every string the widget's code shows once the page is painted, in the visitor's language.
//! The server fills it from the translation catalog and puts it in the widget's page, so the
//! widget's small bundle carries no catalog of its own. Strings that name something hold a
//! `{name}`-style placeholder that [`fill`] replaces.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The widget's strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetText {
    /// The language tag dates and times are written in (`en`, `es`).
    pub locale: String,
    /// The timeline's accessible name.
    pub timeline_label: String,
    /// "You", above the visitor's own messages.
    pub author_you: String,
    /// A message of the visitor's, seen from elsewhere.
    pub author_visitor: String,
    /// Under the visitor's messages.
    pub status_sent: String,
    /// Under the last one the team read.
    pub status_seen: String,
    /// A send on its way.
    pub status_sending: String,
    /// A send that failed.
    pub status_failed: String,
    /// The button that sends it again.
    pub retry: String,
    /// Day separators.
    pub today: String,
    /// Day separators.
    pub yesterday: String,
    /// `{name}` is typing.
    pub typing: String,
    /// The banner while the socket is down.
    pub reconnecting: String,
    /// The chat has ended.
    pub ended: String,
    /// The button that starts another.
    pub new_chat: String,
    /// The visitor is blocked.
    pub blocked: String,
    /// Until `{date}`.
    pub blocked_until: String,
    /// A file's link: `{name}`.
    pub download_file: String,
    /// Removes `{name}` from the files to send.
    pub remove_file: String,
    /// `{name}` is on its way.
    pub uploading_file: String,
    /// The file is larger than `{size}`.
    pub file_too_large: String,
    /// Files of type `{kind}` are refused.
    pub file_type: String,
    /// System lines, by kind, with their placeholders.
    pub system: BTreeMap<String, String>,
    /// `{n}` minutes, `{n}` seconds (timer durations in system lines).
    pub minutes: String,
    /// See `minutes`.
    pub seconds: String,
    /// What an error code means to the visitor.
    pub errors: BTreeMap<String, String>,
    /// For any other code.
    pub error_other: String,
}

impl WidgetText {
    /// The visitor's text for an error code.
    pub fn error(&self, code: &str) -> &str {
        self.errors.get(code).unwrap_or(&self.error_other)
    }
}

/// Replaces each `{name}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_by_name_and_others_left() {
        assert_eq!(
            fill("{by} assigned {to}", &[("to", "Ana"), ("by", "Ben")]),
            "Ben assigned Ana"
        );
        assert_eq!(fill("{name} is typing…", &[]), "{name} is typing…");
        assert_eq!(
            fill("Remove {name}", &[("name", "{a}.png")]),
            "Remove {a}.png"
        );
    }

    #[test]
    fn unknown_error_codes_get_the_general_text() {
        let text = WidgetText {
            errors: [("blocked".to_owned(), "Blocked".to_owned())].into(),
            error_other: "Something went wrong".into(),
            ..WidgetText::default()
        };
        assert_eq!(text.error("blocked"), "Blocked");
        assert_eq!(text.error("nope"), "Something went wrong");
    }
}
