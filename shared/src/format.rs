//! Agents' formatting: a small markdown (bold, italic, code, links, lists) parsed with
//! pulldown-cmark into a tree of plain data that the UI turns into elements one by one. No
//! message is ever turned into HTML: markup, script and unknown syntax come out as text, and
//! only http, https and mailto links survive.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

/// A block of a formatted message. It travels to the widget already parsed (see
/// [`crate::model::Message::formatted`]), so the widget's bundle carries no parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// A paragraph of inline content.
    Paragraph(Vec<Inline>),
    /// A bulleted or numbered list; each item is a list of blocks.
    List {
        /// Numbered from this number, or bulleted (`None`).
        start: Option<u64>,
        /// The items.
        items: Vec<Vec<Block>>,
    },
    /// Preformatted code, shown as typed.
    Code(String),
}

/// Inline content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Bold.
    Strong(Vec<Inline>),
    /// Italic.
    Emphasis(Vec<Inline>),
    /// Code within a line.
    Code(String),
    /// A link to a safe address (opened in a new tab).
    Link {
        /// http, https or mailto only.
        href: String,
        /// What is shown.
        children: Vec<Inline>,
    },
    /// A line break (every new line of the message is kept).
    Break,
}

/// Where an inline element is being collected.
enum Open {
    /// A container of blocks (the message, a list item) with inline content not yet in a
    /// paragraph (tight list items carry text directly).
    Blocks(Vec<Block>, Vec<Inline>),
    Paragraph(Vec<Inline>),
    /// A heading: shown as a bold paragraph.
    Heading(Vec<Inline>),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    /// A link; `None` when its address is not safe (its text stays, as text).
    Link(Option<String>, Vec<Inline>),
    List(Option<u64>, Vec<Vec<Block>>),
    CodeBlock(String),
}

/// Parses an agent's message into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut stack = vec![Open::Blocks(Vec::new(), Vec::new())];
    for event in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(tag) => stack.push(match tag {
                Tag::Paragraph => Open::Paragraph(Vec::new()),
                Tag::Heading { .. } => Open::Heading(Vec::new()),
                Tag::Strong => Open::Strong(Vec::new()),
                Tag::Emphasis => Open::Emphasis(Vec::new()),
                Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                    Open::Link(safe_href(&dest_url), Vec::new())
                }
                Tag::List(start) => Open::List(start, Vec::new()),
                Tag::Item => Open::Blocks(Vec::new(), Vec::new()),
                Tag::CodeBlock(_) => Open::CodeBlock(String::new()),
                // Quotes, strikethrough and the rest keep their content, unformatted.
                _ => continue,
            }),
            Event::End(tag) => {
                if !closes_open(tag) {
                    continue;
                }
                let Some(open) = stack.pop() else { break };
                match open {
                    Open::Paragraph(inlines) => push_block(&mut stack, Block::Paragraph(inlines)),
                    Open::Heading(inlines) => {
                        push_block(&mut stack, Block::Paragraph(vec![Inline::Strong(inlines)]));
                    }
                    Open::Strong(inlines) => push_inline(&mut stack, Inline::Strong(inlines)),
                    Open::Emphasis(inlines) => push_inline(&mut stack, Inline::Emphasis(inlines)),
                    Open::Link(Some(href), children) => {
                        push_inline(&mut stack, Inline::Link { href, children });
                    }
                    Open::Link(None, children) => {
                        for child in children {
                            push_inline(&mut stack, child);
                        }
                    }
                    Open::List(start, items) => {
                        push_block(&mut stack, Block::List { start, items })
                    }
                    Open::CodeBlock(code) => {
                        push_block(
                            &mut stack,
                            Block::Code(code.trim_end_matches('\n').to_owned()),
                        );
                    }
                    Open::Blocks(blocks, pending) => {
                        let item = finish(blocks, pending);
                        if let Some(Open::List(_, items)) = stack.last_mut() {
                            items.push(item);
                        }
                    }
                }
            }
            Event::Text(text) => match stack.last_mut() {
                Some(Open::CodeBlock(code)) => code.push_str(&text),
                _ => {
                    for inline in autolink(&text) {
                        push_inline(&mut stack, inline);
                    }
                }
            },
            Event::Code(code) => push_inline(&mut stack, Inline::Code(code.to_string())),
            // Markup is shown as the visitor would read it: as text.
            Event::Html(html) | Event::InlineHtml(html) => {
                push_inline(&mut stack, Inline::Text(html.to_string()));
            }
            Event::SoftBreak | Event::HardBreak => push_inline(&mut stack, Inline::Break),
            _ => {}
        }
    }
    match stack.into_iter().next() {
        Some(Open::Blocks(blocks, pending)) => finish(blocks, pending),
        _ => Vec::new(),
    }
}

/// Whether the end tag closes something [`parse`] opened (the ones it skips are ignored).
fn closes_open(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Strong
            | TagEnd::Emphasis
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::CodeBlock
    )
}

fn finish(mut blocks: Vec<Block>, pending: Vec<Inline>) -> Vec<Block> {
    if !pending.is_empty() {
        blocks.push(Block::Paragraph(pending));
    }
    blocks
}

fn push_block(stack: &mut [Open], block: Block) {
    if let Some(Open::Blocks(blocks, pending)) = stack.last_mut() {
        if !pending.is_empty() {
            blocks.push(Block::Paragraph(std::mem::take(pending)));
        }
        blocks.push(block);
    }
}

fn push_inline(stack: &mut [Open], inline: Inline) {
    match stack.last_mut() {
        Some(
            Open::Paragraph(inlines)
            | Open::Heading(inlines)
            | Open::Strong(inlines)
            | Open::Emphasis(inlines)
            | Open::Link(_, inlines)
            | Open::Blocks(_, inlines),
        ) => inlines.push(inline),
        Some(Open::CodeBlock(code)) => {
            if let Inline::Text(text) = inline {
                code.push_str(&text);
            }
        }
        Some(Open::List(..)) | None => {}
    }
}

/// The address if it is safe to link to: http, https or mailto, nothing else (no
/// `javascript:`, no `data:`, no relative addresses).
pub fn safe_href(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let safe = ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len());
    (safe && !url.chars().any(|c| c.is_whitespace() || c.is_control())).then(|| url.to_owned())
}

/// Splits text into plain parts and links where a bare `http(s)://` address appears.
fn autolink(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        let (before, from) = rest.split_at(start);
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        let candidate = &from[..end];
        let url = candidate.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
        if !before.is_empty() {
            out.push(Inline::Text(before.to_owned()));
        }
        match safe_href(url) {
            Some(href) => out.push(Inline::Link {
                children: vec![Inline::Text(url.to_owned())],
                href,
            }),
            None => out.push(Inline::Text(url.to_owned())),
        }
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_owned()));
    }
    out
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()
}

/// The toolbar's formats: what each wraps the selection in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// `**bold**`
    Bold,
    /// `*italic*`
    Italic,
    /// `` `code` ``
    Code,
    /// `[text](https://)`
    Link,
    /// `- ` at the start of each selected line.
    List,
}

/// Applies a toolbar format to `text` with the selection `start..end` (character offsets);
/// returns the new text and the new selection.
pub fn apply_mark(text: &str, start: usize, end: usize, mark: Mark) -> (String, usize, usize) {
    let chars: Vec<char> = text.chars().collect();
    let start = start.min(chars.len());
    let end = end.clamp(start, chars.len());
    let before: String = chars[..start].iter().collect();
    let selected: String = chars[start..end].iter().collect();
    let after: String = chars[end..].iter().collect();
    let (open, close) = match mark {
        Mark::Bold => ("**", "**"),
        Mark::Italic => ("*", "*"),
        Mark::Code => ("`", "`"),
        Mark::Link => ("[", "](https://)"),
        Mark::List => {
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let head = &before[..line_start];
            let lines: String = format!("{}{selected}", &before[line_start..])
                .split('\n')
                .map(|line| format!("- {line}"))
                .collect::<Vec<_>>()
                .join("\n");
            let new_end = head.chars().count() + lines.chars().count();
            return (format!("{head}{lines}{after}"), new_end, new_end);
        }
    };
    let new_start = start + open.chars().count();
    let new_end = new_start + selected.chars().count();
    (
        format!("{before}{open}{selected}{close}{after}"),
        new_start,
        new_end,
    )
}

/// A browser's text offset (UTF-16 code units) as a character offset.
pub fn chars_from_utf16(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (index, c) in text.chars().enumerate() {
        if units >= utf16 {
            return index;
        }
        units += c.len_utf16();
    }
    text.chars().count()
}

/// A character offset as the browser's (UTF-16 code units).
pub fn utf16_from_chars(text: &str, chars: usize) -> usize {
    text.chars().take(chars).map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn bold_italic_code_and_links() {
        assert_eq!(
            parse("**Hi** *there* `x` [docs](https://a.example/d)"),
            vec![Block::Paragraph(vec![
                Inline::Strong(vec![text("Hi")]),
                text(" "),
                Inline::Emphasis(vec![text("there")]),
                text(" "),
                Inline::Code("x".into()),
                text(" "),
                Inline::Link {
                    href: "https://a.example/d".into(),
                    children: vec![text("docs")],
                },
            ])]
        );
    }

    #[test]
    fn lists_and_new_lines() {
        assert_eq!(
            parse("Steps:\n- one\n- **two**\n\n1. a\n2. b"),
            vec![
                Block::Paragraph(vec![text("Steps:")]),
                Block::List {
                    start: None,
                    items: vec![
                        vec![Block::Paragraph(vec![text("one")])],
                        vec![Block::Paragraph(vec![Inline::Strong(vec![text("two")])])],
                    ],
                },
                Block::List {
                    start: Some(1),
                    items: vec![
                        vec![Block::Paragraph(vec![text("a")])],
                        vec![Block::Paragraph(vec![text("b")])],
                    ],
                },
            ]
        );
        assert_eq!(
            parse("line one\nline two"),
            vec![Block::Paragraph(vec![
                text("line one"),
                Inline::Break,
                text("line two")
            ])]
        );
    }

    #[test]
    fn bare_addresses_become_links_without_trailing_punctuation() {
        assert_eq!(
            parse("See https://a.example/x?y=1."),
            vec![Block::Paragraph(vec![
                text("See "),
                Inline::Link {
                    href: "https://a.example/x?y=1".into(),
                    children: vec![text("https://a.example/x?y=1")],
                },
                text("."),
            ])]
        );
    }

    #[test]
    fn only_safe_addresses_are_links() {
        assert_eq!(
            safe_href(" https://a.example "),
            Some("https://a.example".into())
        );
        assert_eq!(
            safe_href("MAILTO:ana@a.example"),
            Some("MAILTO:ana@a.example".into())
        );
        for unsafe_url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox(1)",
            "/relative",
            "https://",
            "java\tscript:alert(1)",
        ] {
            assert_eq!(safe_href(unsafe_url), None, "{unsafe_url}");
        }
        assert_eq!(
            parse("[click](javascript:alert(1))"),
            vec![Block::Paragraph(vec![text("click")])]
        );
    }

    fn plain(blocks: &[Block]) -> String {
        fn inline(i: &Inline) -> String {
            match i {
                Inline::Text(t) | Inline::Code(t) => t.clone(),
                Inline::Strong(c) | Inline::Emphasis(c) | Inline::Link { children: c, .. } => {
                    c.iter().map(inline).collect()
                }
                Inline::Break => "\n".into(),
            }
        }
        blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(i) => i.iter().map(inline).collect(),
                Block::Code(c) => c.clone(),
                Block::List { items, .. } => items.iter().map(|i| plain(i)).collect(),
            })
            .collect()
    }

    #[test]
    fn markup_is_text() {
        for payload in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "hello <b onmouseover=alert(1)>there</b>",
        ] {
            let blocks = parse(payload);
            assert_eq!(plain(&blocks), payload, "{blocks:?}");
            assert!(
                !format!("{blocks:?}").contains("Link"),
                "no link in {payload}"
            );
        }
    }

    #[test]
    fn toolbar_wraps_the_selection() {
        assert_eq!(
            apply_mark("say hi now", 4, 6, Mark::Bold),
            ("say **hi** now".into(), 6, 8)
        );
        assert_eq!(apply_mark("hi", 0, 2, Mark::Italic), ("*hi*".into(), 1, 3));
        assert_eq!(apply_mark("", 0, 0, Mark::Code), ("``".into(), 1, 1));
        assert_eq!(
            apply_mark("docs", 0, 4, Mark::Link),
            ("[docs](https://)".into(), 1, 5)
        );
        assert_eq!(
            apply_mark("a\nb", 0, 3, Mark::List),
            ("- a\n- b".into(), 7, 7)
        );
        assert_eq!(
            apply_mark("x\nyz", 3, 3, Mark::List),
            ("x\n- yz".into(), 5, 5)
        );
        // Offsets count characters, not bytes; the browser counts UTF-16 units.
        assert_eq!(chars_from_utf16("a😀b", 3), 2);
        assert_eq!(utf16_from_chars("a😀b", 2), 3);
        assert_eq!(chars_from_utf16("ab", 9), 2);
        assert_eq!(apply_mark("ñé", 0, 2, Mark::Bold), ("**ñé**".into(), 2, 4));
    }
}
