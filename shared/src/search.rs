//! Search rules: what a person types becomes the words to find (every one must appear, the
//! last as a prefix), and a found text comes back as pieces with those words marked (text,
//! never HTML). The database finds the rows; these rules say which words to mark, the same
//! way whichever database found them.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The longest search accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// The most words a search looks for (more are ignored).
pub const MAX_QUERY_WORDS: usize = 12;

/// How many words of a message a search result shows around what matched.
pub const SNIPPET_WORDS: usize = 16;

/// The words to find in what was typed: runs of letters and digits, at most
/// [`MAX_QUERY_WORDS`]. Anything else (quotes, `OR`'s meaning, `*`, `:`) separates words, so
/// no query syntax typed by someone reaches the database. `None` when nothing searchable was
/// typed.
pub fn query_words(typed: &str) -> Option<Vec<String>> {
    let words: Vec<String> = typed
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_QUERY_WORDS)
        .map(str::to_owned)
        .collect();
    (!words.is_empty()).then_some(words)
}

/// A piece of a search result's text: matched (highlighted) or not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    /// The text.
    pub text: String,
    /// Whether it matched the search.
    pub matched: bool,
}

/// A word as the search compares it: lower case, without diacritics ("Café" is "cafe"), as
/// the full-text indexes fold them.
fn folded(word: &str) -> String {
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A word of a text: its byte range and whether it matches one of the words searched for.
struct Token {
    start: usize,
    end: usize,
    matched: Option<usize>,
}

/// The words of `text` (runs of letters, digits and the marks on them), each checked against
/// the folded search words (the last one matches as a prefix).
fn tokens(text: &str, words: &[String]) -> Vec<Token> {
    let words: Vec<String> = words.iter().map(|w| folded(w)).collect();
    let matches = |token: &str| {
        let token = folded(token);
        words.iter().enumerate().position(|(i, word)| {
            !word.is_empty()
                && if i + 1 == words.len() {
                    token.starts_with(word.as_str())
                } else {
                    token == *word
                }
        })
    };
    let is_word_char = |c: char| c.is_alphanumeric() || is_combining_mark(c);
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, is_word_char(c) && at < text.len()) {
            (None, true) => start = Some(at),
            (Some(from), false) => {
                out.push(Token {
                    start: from,
                    end: at,
                    matched: matches(&text[from..at]),
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Adds `text` to `out`, joining it to the last piece when that is of the same kind.
fn push(out: &mut Vec<Piece>, text: &str, matched: bool) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if last.matched == matched => last.text.push_str(text),
        _ => out.push(Piece {
            text: text.to_owned(),
            matched,
        }),
    }
}

/// `text[from..to]` as pieces, its matched words marked.
fn marked(text: &str, tokens: &[Token], from: usize, to: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = from;
    for token in tokens {
        if token.matched.is_none() || token.start < from || token.end > to {
            continue;
        }
        push(&mut out, &text[at..token.start], false);
        push(&mut out, &text[token.start..token.end], true);
        at = token.end;
    }
    push(&mut out, &text[at..to], false);
    out
}

/// The whole of `text` with the searched-for words marked (a visitor's name or email).
pub fn highlight(text: &str, words: &[String]) -> Vec<Piece> {
    marked(text, &tokens(text, words), 0, text.len())
}

/// At most `length` words of `text` around what matched, marked, with "…" where the text was
/// cut: the stretch holding the most different searched-for words (the first such), with its
/// matches in the middle.
pub fn snippet(text: &str, words: &[String], length: usize) -> Vec<Piece> {
    let tokens = tokens(text, words);
    if tokens.len() <= length || length == 0 {
        return marked(text, &tokens, 0, text.len());
    }
    let distinct = |window: &[Token]| {
        let mut seen: Vec<usize> = window.iter().filter_map(|t| t.matched).collect();
        seen.sort_unstable();
        seen.dedup();
        (
            seen.len(),
            window.iter().filter(|t| t.matched.is_some()).count(),
        )
    };
    let mut best = 0;
    let mut best_score = distinct(&tokens[..length]);
    for first in 1..=tokens.len() - length {
        let score = distinct(&tokens[first..first + length]);
        if score > best_score {
            best = first;
            best_score = score;
        }
    }
    let window = &tokens[best..best + length];
    let hits: Vec<usize> = window
        .iter()
        .enumerate()
        .filter(|(_, t)| t.matched.is_some())
        .map(|(i, _)| best + i)
        .collect();
    let first = match (hits.first(), hits.last()) {
        (Some(&low), Some(&high)) => low
            .saturating_sub((length - (high - low + 1)) / 2)
            .min(tokens.len() - length),
        _ => best,
    };
    let last = first + length - 1;
    let from = if first == 0 { 0 } else { tokens[first].start };
    let to = if last + 1 == tokens.len() {
        text.len()
    } else {
        tokens[last].end
    };
    let mut out = Vec::new();
    if first > 0 {
        push(&mut out, "…", false);
    }
    for piece in marked(text, &tokens, from, to) {
        push(&mut out, &piece.text, piece.matched);
    }
    if last + 1 < tokens.len() {
        push(&mut out, "…", false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    /// The pieces written as text with the matches in brackets.
    fn shown(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| {
                if p.matched {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn typed_text_becomes_words() {
        assert_eq!(query_words("refund"), Some(words(&["refund"])));
        assert_eq!(
            query_words("  Late  delivery, order#12 "),
            Some(words(&["Late", "delivery", "order", "12"]))
        );
        assert_eq!(
            query_words("ana@example.com"),
            Some(words(&["ana", "example", "com"]))
        );
        assert_eq!(
            query_words("\"x\" NEAR(y)* a:b"),
            Some(words(&["x", "NEAR", "y", "a", "b"]))
        );
        assert_eq!(query_words("café"), Some(words(&["café"])));
        assert_eq!(query_words("   "), None);
        assert_eq!(query_words("*:^\"()"), None);
        assert_eq!(
            query_words("a b c d e f g h i j k l m n").map(|w| w.len()),
            Some(MAX_QUERY_WORDS)
        );
    }

    #[test]
    fn matches_are_marked_case_and_accents_aside_the_last_word_as_a_prefix() {
        assert_eq!(
            shown(&highlight(
                "Where is my Parcel? It is late",
                &words(&["parcel", "la"])
            )),
            "Where is my [Parcel]? It is [late]"
        );
        assert_eq!(
            shown(&highlight("Ana Ortiz · ana@example.com", &words(&["ana"]))),
            "[Ana] Ortiz · [ana]@example.com"
        );
        assert_eq!(
            shown(&highlight("Un café, José", &words(&["cafe", "JOSE"]))),
            "Un [café], [José]"
        );
        // Only the last word is a prefix.
        assert_eq!(
            shown(&highlight(
                "parcels for the parcel",
                &words(&["parcel", "for"])
            )),
            "parcels [for] the [parcel]"
        );
        assert_eq!(shown(&highlight("", &words(&["a"]))), "");
        assert_eq!(
            shown(&highlight("<b>plain</b>", &words(&["x"]))),
            "<b>plain</b>"
        );
    }

    #[test]
    fn a_snippet_is_the_stretch_with_the_most_words_found_centred_and_cut_with_ellipses() {
        let text = "one two three four five six seven eight nine ten refund eleven twelve \
                    thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty.";
        assert_eq!(
            shown(&snippet(text, &words(&["refund"]), 5)),
            "…nine ten [refund] eleven twelve…"
        );
        // A short text is shown whole.
        assert_eq!(
            shown(&snippet("My refund, please.", &words(&["refund"]), 5)),
            "My [refund], please."
        );
        // Both words beat one word twice.
        let text = "refund a b c refund d e f g h i j k l refund order m n o";
        assert_eq!(
            shown(&snippet(text, &words(&["refund", "order"]), 4)),
            "…l [refund] [order] m…"
        );
        // At the start, nothing is cut before; at the end, the rest of the text stays.
        assert_eq!(
            shown(&snippet(
                "Refund me now, a b c d e f",
                &words(&["refund"]),
                3
            )),
            "[Refund] me now…"
        );
        assert_eq!(
            shown(&snippet("a b c d e f my refund!", &words(&["refund"]), 3)),
            "…f my [refund]!"
        );
    }
}
