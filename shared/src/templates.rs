//! Canned replies: what a valid template is, how the composer finds one after `/`, and how its
//! placeholders are filled in.

use crate::error::AppError;
use crate::model::{Role, Template};

/// The longest template title, in characters.
const MAX_TITLE_CHARS: usize = 100;
/// The longest shortcut, in characters.
const MAX_SHORTCUT_CHARS: usize = 32;

/// A template's fields, checked: a title, a shortcut of lower-case letters, digits, `-` and
/// `_` (a leading `/` is dropped), and a body.
pub fn validate(
    title: &str,
    shortcut: &str,
    body: &str,
) -> Result<(String, String, String), AppError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::invalid("title", "1 to 100 characters"));
    }
    let shortcut = shortcut.trim().trim_start_matches('/').to_lowercase();
    let shortcut_ok = (1..=MAX_SHORTCUT_CHARS).contains(&shortcut.chars().count())
        && shortcut
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !shortcut_ok {
        return Err(AppError::invalid(
            "shortcut",
            "1 to 32 letters, digits, - or _",
        ));
    }
    let body = crate::rules::validate_body(body)?;
    Ok((title.to_owned(), shortcut, body))
}

/// Whether an agent may share templates with an inbox (of theirs): supervisors and admins.
/// Anyone may keep personal ones.
pub fn may_share(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Admin)
}

/// What placeholders are filled with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placeholders {
    /// The visitor's name, if they gave one.
    pub visitor_name: Option<String>,
    /// The visitor's email, if known.
    pub visitor_email: Option<String>,
    /// The agent's name.
    pub agent_name: String,
    /// The inbox's name.
    pub inbox_name: String,
}

/// Fills `{visitor.name}`, `{visitor.email}`, `{agent.name}` and `{inbox.name}`. A visitor
/// field that is not known is left out (with the space before it, so "Hello {visitor.name}!"
/// becomes "Hello!"); unknown placeholders stay as written.
pub fn fill(body: &str, values: &Placeholders) -> String {
    let mut out = body.to_owned();
    for (key, value) in [
        ("{agent.name}", Some(values.agent_name.as_str())),
        ("{inbox.name}", Some(values.inbox_name.as_str())),
        ("{visitor.name}", values.visitor_name.as_deref()),
        ("{visitor.email}", values.visitor_email.as_deref()),
    ] {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(value) => out = out.replace(key, value),
            None => {
                out = out.replace(&format!(" {key}"), "");
                out = out.replace(key, "");
            }
        }
    }
    out
}

/// The templates that match what was typed after `/`: shortcuts that start with it first,
/// then titles that contain it (case does not matter).
pub fn matching<'a>(templates: &'a [Template], query: &str) -> Vec<&'a Template> {
    let query = query.to_lowercase();
    let mut by_shortcut: Vec<&Template> = templates
        .iter()
        .filter(|t| t.shortcut.starts_with(&query))
        .collect();
    by_shortcut.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
    let by_title = templates
        .iter()
        .filter(|t| !t.shortcut.starts_with(&query) && t.title.to_lowercase().contains(&query));
    by_shortcut.into_iter().chain(by_title).collect()
}

/// When the word that ends at `cursor` (a character offset) starts with `/` at the start of the
/// text or after a space, the offset of that `/` and what follows it: the composer then offers
/// templates.
pub fn slash_query(text: &str, cursor: usize) -> Option<(usize, String)> {
    let before: Vec<char> = text.chars().take(cursor).collect();
    let word_start = before
        .iter()
        .rposition(|c| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let word: String = before[word_start..].iter().collect();
    let query = word.strip_prefix('/')?;
    (!query.contains('/')).then(|| (word_start, query.to_owned()))
}

/// Puts a template's filled text in place of the `/query` typed from `start` to `cursor`;
/// returns the new text and where the cursor goes (after the inserted text).
pub fn insert(text: &str, start: usize, cursor: usize, filled: &str) -> (String, usize) {
    let chars: Vec<char> = text.chars().collect();
    let cursor = cursor.min(chars.len());
    let start = start.min(cursor);
    let before: String = chars[..start].iter().collect();
    let after: String = chars[cursor..].iter().collect();
    (
        format!("{before}{filled}{after}"),
        start + filled.chars().count(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::invalid_field;
    use crate::model::TemplateScope;

    fn template(id: i64, title: &str, shortcut: &str) -> Template {
        Template {
            id,
            title: title.into(),
            shortcut: shortcut.into(),
            body: String::new(),
            scope: TemplateScope::Personal { agent_id: 1 },
        }
    }

    #[test]
    fn templates_are_validated() {
        assert_eq!(
            validate(" Greeting ", "/Hello", "Hi {visitor.name}! "),
            Ok((
                "Greeting".into(),
                "hello".into(),
                "Hi {visitor.name}!".into()
            ))
        );
        assert_eq!(invalid_field(validate("", "hi", "x")), "title");
        assert_eq!(invalid_field(validate("T", "two words", "x")), "shortcut");
        assert_eq!(invalid_field(validate("T", "", "x")), "shortcut");
        assert_eq!(validate("T", "hi", "  "), Err(AppError::EmptyMessage));
        assert_eq!(
            invalid_field(validate(&"t".repeat(101), "hi", "x")),
            "title"
        );
        assert!(!may_share(Role::Operator));
        assert!(may_share(Role::Supervisor) && may_share(Role::Admin));
    }

    #[test]
    fn placeholders_are_filled_and_missing_ones_left_out() {
        let values = Placeholders {
            visitor_name: Some("Lucía".into()),
            visitor_email: None,
            agent_name: "Ana".into(),
            inbox_name: "Northwind".into(),
        };
        assert_eq!(
            fill(
                "Hello {visitor.name}, I am {agent.name} from {inbox.name}. {unknown}",
                &values
            ),
            "Hello Lucía, I am Ana from Northwind. {unknown}"
        );
        let anonymous = Placeholders {
            visitor_name: None,
            ..values
        };
        assert_eq!(fill("Hello {visitor.name}!", &anonymous), "Hello!");
        assert_eq!(fill("{visitor.email}", &anonymous), "");
    }

    #[test]
    fn shortcuts_match_before_titles() {
        let all = vec![
            template(1, "Refund policy", "refund"),
            template(2, "Opening hours", "hours"),
            template(3, "Hello", "hi"),
        ];
        let ids = |q: &str| matching(&all, q).iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(ids("h"), vec![3, 2]);
        assert_eq!(ids("o"), vec![1, 2, 3]);
        assert_eq!(ids("REF"), vec![1]);
        assert_eq!(ids("policy"), vec![1]);
        assert_eq!(ids(""), vec![3, 2, 1]);
        assert!(ids("zzz").is_empty());
    }

    #[test]
    fn a_slash_word_opens_the_list() {
        assert_eq!(slash_query("/", 1), Some((0, String::new())));
        assert_eq!(slash_query("thanks /ref", 11), Some((7, "ref".into())));
        assert_eq!(slash_query("and/or", 6), None);
        assert_eq!(slash_query("/ref more", 9), None);
        assert_eq!(slash_query("/a/b", 4), None);
        assert_eq!(
            insert("thanks /ref", 7, 11, "Our policy"),
            ("thanks Our policy".into(), 17)
        );
    }
}
