//! An agent's formatted message as elements. Built node by node from [`crate::format`]'s tree
//! (never through HTML), so nothing in a message can become markup or script; links open in a
//! new tab without giving the page they open any hold on this one.

use leptos::prelude::*;

use crate::format::{Block, Inline};

/// The message text of an agent, formatted.
#[component]
pub fn Formatted(
    /// The text as written.
    text: String,
) -> impl IntoView {
    blocks(crate::format::parse(&text))
}

fn blocks(blocks: Vec<Block>) -> AnyView {
    blocks
        .into_iter()
        .map(|block| match block {
            Block::Paragraph(inlines) => view! { <p>{inlines_view(inlines)}</p> }.into_any(),
            Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
            Block::List { start: None, items } => {
                view! { <ul>{items.into_iter().map(|item| view! { <li>{self::blocks(item)}</li> }).collect_view()}</ul> }
                    .into_any()
            }
            Block::List {
                start: Some(start),
                items,
            } => view! {
                <ol start=start.to_string()>
                    {items.into_iter().map(|item| view! { <li>{self::blocks(item)}</li> }).collect_view()}
                </ol>
            }
            .into_any(),
        })
        .collect_view()
        .into_any()
}

fn inlines_view(inlines: Vec<Inline>) -> AnyView {
    inlines
        .into_iter()
        .map(|inline| match inline {
            Inline::Text(text) => text.into_any(),
            Inline::Strong(children) => {
                view! { <strong>{inlines_view(children)}</strong> }.into_any()
            }
            Inline::Emphasis(children) => view! { <em>{inlines_view(children)}</em> }.into_any(),
            Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
            Inline::Link { href, children } => view! {
                <a href=href target="_blank" rel="noopener noreferrer">{inlines_view(children)}</a>
            }
            .into_any(),
            Inline::Break => view! { <br /> }.into_any(),
        })
        .collect_view()
        .into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn html(text: &str) -> String {
        // Without the hydration markers.
        view! { <Formatted text=text.to_owned() /> }
            .to_html()
            .replace("<!>", "")
    }

    /// The tags of an HTML string (text between them is escaped, so it cannot hold one).
    fn tags(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .filter_map(|rest| {
                rest.split_once('>')
                    .map(|(tag, _)| tag.to_ascii_lowercase())
            })
            .collect()
    }

    #[test]
    fn formatting_becomes_elements() {
        let out = html("**bold** *it* `x`\n- a\n- [b](https://b.example)");
        assert!(out.contains("<strong>bold</strong>"), "{out}");
        assert!(out.contains("<em>it</em>"), "{out}");
        assert!(out.contains("<code>x</code>"), "{out}");
        assert!(out.contains("<ul>"), "{out}");
        assert!(
            out.contains(
                r#"<a href="https://b.example" target="_blank" rel="noopener noreferrer">b</a>"#
            ),
            "{out}"
        );
    }

    /// Payloads from the usual XSS cheat sheets: none may come out as markup, handler or
    /// script address.
    #[test]
    fn no_payload_of_the_corpus_becomes_markup() {
        let corpus = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "\"><script>alert(document.cookie)</script>",
            "<a href=\"javascript:alert(1)\">click</a>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](  javascript:alert(1) )",
            "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[click](vbscript:msgbox(1))",
            "![x](javascript:alert(1))",
            "![x](https://evil.example/pixel.png)",
            "<body onload=alert(1)>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "`<script>`",
            "```\n<script>alert(1)</script>\n```",
            "<<script>script>alert(1)<</script>/script>",
            "**<img src=x onerror=alert(1)>**",
            "https://a.example/\"onmouseover=\"alert(1)",
            "javascript:alert(1)",
            "<style>body{display:none}</style>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ];
        let allowed = [
            "p", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "br",
        ];
        for payload in corpus {
            let out = html(payload);
            for tag in tags(&out) {
                let mut words = tag.trim_start_matches('/').split_whitespace();
                let name = words.next().unwrap_or_default();
                assert!(allowed.contains(&name), "{payload} gave <{tag}> in {out}");
                for attribute in words {
                    assert!(!attribute.starts_with("on"), "{payload} gave <{tag}>");
                    if let Some(href) = attribute.strip_prefix("href=\"") {
                        assert!(
                            href.starts_with("https://")
                                || href.starts_with("http://")
                                || href.starts_with("mailto:"),
                            "{payload} gave <{tag}>"
                        );
                    }
                }
                if name == "a" && !tag.starts_with('/') {
                    assert!(tag.contains("rel=\"noopener noreferrer\""), "{out}");
                    assert!(tag.contains("target=\"_blank\""), "{out}");
                }
            }
        }
    }
}
