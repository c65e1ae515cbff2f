//! Search rules: what a person types becomes a safe full-text query, and the matched words the
//! database marks come back as text pieces to highlight (never as HTML).

/// Marks the start of a matched word in a snippet (a control character no text contains).
pub const MATCH_START: char = '\u{2}';
/// Marks the end of a matched word in a snippet.
pub const MATCH_END: char = '\u{3}';

/// The longest search accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The FTS5 query for what was typed: every word must appear, the last one as a prefix (so
/// results follow typing). Words are quoted, so FTS syntax (`OR`, `NEAR`, `*`, `"`, `:`) typed
/// by someone is searched as text. `None` when nothing searchable was typed.
pub fn fts_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(12)
        .map(str::to_owned)
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                if i == last {
                    format!("\"{word}\"*")
                } else {
                    format!("\"{word}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A piece of a search result's text: matched (highlighted) or not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    /// The text.
    pub text: String,
    /// Whether it matched the search.
    pub matched: bool,
}

/// Splits a snippet marked with [`MATCH_START`]/[`MATCH_END`] into pieces. Stray marks are
/// dropped; adjacent pieces of the same kind are joined.
pub fn pieces(snippet: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut matched = false;
    let mut current = String::new();
    let flush = |text: &mut String, matched: bool, out: &mut Vec<Piece>| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.matched == matched => last.text.push_str(text),
            _ => out.push(Piece {
                text: text.clone(),
                matched,
            }),
        }
        text.clear();
    };
    for c in snippet.chars() {
        match c {
            MATCH_START => {
                flush(&mut current, matched, &mut out);
                matched = true;
            }
            MATCH_END => {
                flush(&mut current, matched, &mut out);
                matched = false;
            }
            c => current.push(c),
        }
    }
    flush(&mut current, matched, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_and_the_last_is_a_prefix() {
        assert_eq!(fts_query("refund"), Some("\"refund\"*".into()));
        assert_eq!(
            fts_query("  Late  delivery, order#12 "),
            Some("\"Late\" \"delivery\" \"order\" \"12\"*".into())
        );
        assert_eq!(
            fts_query("ana@example.com"),
            Some("\"ana\" \"example\" \"com\"*".into())
        );
    }

    #[test]
    fn fts_syntax_is_searched_as_text() {
        assert_eq!(fts_query("a OR b"), Some("\"a\" \"OR\" \"b\"*".into()));
        assert_eq!(
            fts_query("\"x\" NEAR(y)*"),
            Some("\"x\" \"NEAR\" \"y\"*".into())
        );
        assert_eq!(fts_query("   "), None);
        assert_eq!(fts_query("*:^\"()"), None);
        assert_eq!(fts_query("café"), Some("\"café\"*".into()));
    }

    #[test]
    fn snippets_become_pieces() {
        let snippet =
            format!("my {MATCH_START}refund{MATCH_END} for {MATCH_START}order{MATCH_END}");
        assert_eq!(
            pieces(&snippet),
            vec![
                Piece {
                    text: "my ".into(),
                    matched: false
                },
                Piece {
                    text: "refund".into(),
                    matched: true
                },
                Piece {
                    text: " for ".into(),
                    matched: false
                },
                Piece {
                    text: "order".into(),
                    matched: true
                },
            ]
        );
        assert_eq!(
            pieces("<b>plain</b>"),
            vec![Piece {
                text: "<b>plain</b>".into(),
                matched: false
            }]
        );
        assert!(pieces("").is_empty());
        let joined = format!("{MATCH_START}a{MATCH_END}{MATCH_START}b{MATCH_END}");
        assert_eq!(
            pieces(&joined),
            vec![Piece {
                text: "ab".into(),
                matched: true
            }]
        );
    }
}
