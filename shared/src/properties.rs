//! Property tests (proptest) over what reads input from anyone on the internet: the socket
//! frame decoder, the agents' markdown formatter, the search query builder and the page
//! report's checks. Each property holds for every input the generator makes; the test
//! command runs 256 cases each, and a longer run is
//! `PROPTEST_CASES=100000 cargo test -p switchboard-shared properties`. A failing case is
//! kept under `proptest-regressions/` and replayed first from then on.

use proptest::prelude::*;

use crate::format::{self, Block, Inline, Mark};
use crate::protocol::{ClientFrame, PageReport};
use crate::search::{MAX_QUERY_CHARS, MAX_QUERY_WORDS, query_words};
use crate::tracking::{MAX_TITLE_CHARS, MAX_URL_CHARS, validate_page};

/// Text as people (and attackers) type it: any characters, markup, quotes, controls.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\\n]{0,200}",
        "[*_`\\[\\]()<>\"':/#\\-\\d. a-zA-Z\\n]{0,120}",
    ]
}

/// Frames a client may send, with any text in their fields.
fn frame() -> impl Strategy<Value = ClientFrame> {
    prop_oneof![
        (
            proptest::option::of(text()),
            proptest::option::of(any::<i64>()),
            proptest::option::of(text())
        )
            .prop_map(|(token, after, inbox)| ClientFrame::Hello {
                token,
                after,
                inbox
            }),
        (
            text(),
            proptest::option::of(any::<i64>()),
            text(),
            proptest::collection::vec(any::<i64>(), 0..4),
            any::<bool>()
        )
            .prop_map(|(client_id, conversation_id, body, attachments, note)| {
                ClientFrame::Send {
                    client_id,
                    conversation_id,
                    body,
                    attachments,
                    note,
                }
            }),
        Just(ClientFrame::Ping),
        proptest::collection::vec(any::<i64>(), 0..30)
            .prop_map(|conversation_ids| ClientFrame::Viewing { conversation_ids }),
        (
            proptest::option::of(any::<i64>()),
            proptest::option::of(text()),
            any::<bool>()
        )
            .prop_map(|(conversation_id, draft, note)| ClientFrame::Typing {
                conversation_id,
                draft,
                note
            }),
        any::<i64>().prop_map(|up_to| ClientFrame::Read { up_to }),
        (text(), text(), text(), proptest::option::of(text())).prop_map(
            |(url, title, referrer, language)| ClientFrame::PageView(PageReport {
                url,
                title,
                referrer,
                screen: None,
                language,
                time_zone: None,
            })
        ),
        any::<bool>().prop_map(|on| ClientFrame::WatchVisitors { on }),
    ]
}

/// Every link the formatter makes, wherever it is nested.
fn links(blocks: &[Block]) -> Vec<String> {
    fn inline(items: &[Inline], out: &mut Vec<String>) {
        for item in items {
            match item {
                Inline::Link { href, children } => {
                    out.push(href.clone());
                    inline(children, out);
                }
                Inline::Strong(children) | Inline::Emphasis(children) => inline(children, out),
                Inline::Text(_) | Inline::Code(_) | Inline::Break => {}
            }
        }
    }
    let mut out = Vec::new();
    for block in blocks {
        match block {
            Block::Paragraph(items) => inline(items, &mut out),
            Block::List { items, .. } => {
                for item in items {
                    out.extend(links(item));
                }
            }
            Block::Code(_) => {}
        }
    }
    out
}

proptest! {
    #[test]
    fn the_frame_decoder_takes_anything_without_panicking(raw in text()) {
        let _ = serde_json::from_str::<ClientFrame>(&raw);
        let wrapped = format!("{{\"type\":\"send\",\"client_id\":\"a\",\"body\":{raw}}}");
        let _ = serde_json::from_str::<ClientFrame>(&wrapped);
    }

    #[test]
    fn every_frame_survives_the_wire(frame in frame()) {
        let json = serde_json::to_string(&frame).expect("encodes");
        let back: ClientFrame = serde_json::from_str(&json).expect("decodes");
        prop_assert_eq!(back, frame);
    }

    #[test]
    fn the_formatter_only_ever_links_to_safe_addresses(message in text()) {
        let blocks = format::parse(&message);
        for href in links(&blocks) {
            let lower = href.to_ascii_lowercase();
            prop_assert!(
                lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"),
                "unsafe link {href:?} from {message:?}"
            );
            prop_assert!(!href.chars().any(|c| c.is_whitespace() || c.is_control()));
        }
    }

    #[test]
    fn toolbar_marks_keep_the_selection_inside_the_text(
        message in text(),
        start in 0usize..300,
        end in 0usize..300,
        mark in prop_oneof![
            Just(Mark::Bold), Just(Mark::Italic), Just(Mark::Code), Just(Mark::Link), Just(Mark::List)
        ],
    ) {
        let (changed, new_start, new_end) = format::apply_mark(&message, start, end, mark);
        let length = changed.chars().count();
        prop_assert!(new_start <= new_end && new_end <= length);
        let utf16 = format::utf16_from_chars(&changed, new_end);
        prop_assert_eq!(format::chars_from_utf16(&changed, utf16), new_end);
    }

    #[test]
    fn search_words_are_letters_and_digits_only(typed in text()) {
        match query_words(&typed) {
            None => prop_assert!(
                typed.chars().take(MAX_QUERY_CHARS).all(|c| !c.is_alphanumeric())
            ),
            Some(words) => {
                prop_assert!(!words.is_empty() && words.len() <= MAX_QUERY_WORDS);
                for word in &words {
                    prop_assert!(!word.is_empty() && word.chars().all(char::is_alphanumeric));
                }
            }
        }
    }

    #[test]
    fn page_reports_are_web_addresses_within_their_limits(
        url in prop_oneof![text(), "https?://[a-z.]{1,20}/[ -~]{0,40}"],
        title in text(),
        referrer in text(),
    ) {
        if let Ok(page) = validate_page(&url, &title, &referrer) {
            let lower = page.url.to_ascii_lowercase();
            prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"));
            prop_assert!(page.url.chars().count() <= MAX_URL_CHARS);
            prop_assert!(!page.url.chars().any(char::is_control));
            if title.split_whitespace().next().is_some() {
                prop_assert!(page.title.chars().count() <= MAX_TITLE_CHARS);
            } else {
                prop_assert_eq!(page.title.as_str(), crate::tracking::path_of(&page.url));
            }
            prop_assert!(
                page.referrer.is_empty()
                    || page.referrer.to_ascii_lowercase().starts_with("http")
            );
        }
    }
}
