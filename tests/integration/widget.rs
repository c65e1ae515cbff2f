//! The widget's page and what its small bundle is sent: the page painted in the visitor's
//! language with the strings its code shows and the names of its own bundle (never the
//! workspace's), and agents' replies already parsed into blocks for visitors only.

use reqwest::header::ACCEPT_LANGUAGE;
use switchboard::format::{Block, Inline};
use switchboard::model::{Author, ConversationSummary, Message};
use switchboard::protocol::{Event, ServerFrame};
use switchboard::widget_text::WidgetText;

use crate::common::{TestServer, acked, send};

/// The `data-text` attribute of the widget's page, decoded.
fn widget_text(html: &str) -> WidgetText {
    let start = html
        .find("data-text=\"")
        .expect("the page carries its strings")
        + 11;
    let end = start + html[start..].find('"').expect("closing quote");
    let json = html[start..end]
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).expect("the strings as JSON")
}

#[tokio::test]
async fn the_page_is_painted_in_the_visitors_language_with_its_own_bundle() {
    let site = tempfile::tempdir().expect("site dir");
    std::fs::write(
        site.path().join("widget-bundle.txt"),
        "js: widget.abc.js\nwasm: widget.abc.wasm\n",
    )
    .expect("bundle names");
    let root = site.path().to_path_buf();
    let server = TestServer::start_with(move |config| config.site_root = root).await;
    let team = server.team().await;
    let client = reqwest::Client::new();
    let url = server.url(&format!("/widget/{}", team.inbox.key));

    let response = client
        .get(&url)
        .header(ACCEPT_LANGUAGE, "es-ES,es;q=0.9")
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("html");
    assert!(html.contains("<html lang=\"es\""), "{html}");
    assert!(html.contains("Escribe tu mensaje"), "painted in Spanish");
    assert!(html.contains("/pkg/widget.abc.js") && html.contains("/pkg/widget.abc.wasm"));
    assert!(
        !html.contains("/pkg/switchboard"),
        "a visitor never loads the workspace's bundle"
    );
    let text = widget_text(&html);
    assert_eq!(text.locale, "es");
    assert_eq!(text.status_seen, "Visto");
    assert!(text.typing.contains("{name}"), "{}", text.typing);
    assert!(
        text.system["closed"].contains("{agent}"),
        "{:?}",
        text.system
    );

    let english = client.get(&url).send().await.expect("page");
    let html = english.text().await.expect("html");
    assert!(html.contains("Type your message"));
    assert_eq!(widget_text(&html).status_seen, "Seen");

    let unknown = client
        .get(server.url("/widget/no-such-key"))
        .send()
        .await
        .expect("page");
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown
            .text()
            .await
            .expect("html")
            .contains("not available")
    );
}

#[tokio::test]
async fn agents_replies_reach_the_visitor_parsed_and_agents_get_the_text_alone() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v1", None, "Hi *there*")).await;
    let conversation_id = acked(&mut visitor).await.conversation_id;
    let ana = server.sign_in(&team.ana.email).await;
    let _: ConversationSummary = ana
        .call(
            "accept_conversation",
            &[("id", conversation_id.to_string().as_str())],
        )
        .await
        .expect("accepted");
    let mut agent = ana.socket(None).await;
    agent.until_ready().await;
    agent
        .send(&send("a1", Some(conversation_id), "**Sure**, see below"))
        .await;
    let reply = acked(&mut agent).await;
    assert_eq!(reply.formatted, None, "agents get the text");

    let expected = vec![Block::Paragraph(vec![
        Inline::Strong(vec![Inline::Text("Sure".into())]),
        Inline::Text(", see below".into()),
    ])];
    let live = visitor
        .until(|f| match f {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } if matches!(message.author, Author::Agent { .. }) => Some(message),
            _ => None,
        })
        .await;
    assert_eq!(live.formatted.as_ref(), Some(&expected));

    let (status, snapshot) = server
        .call_anonymous(
            "widget_start",
            &[("key", &team.inbox.key), ("token", &token)],
        )
        .await;
    assert_eq!(status, 200, "{snapshot}");
    let messages: Vec<Message> =
        serde_json::from_value(snapshot["messages"].clone()).expect("messages");
    let visitors_own = messages.iter().find(|m| m.author == Author::Visitor);
    assert_eq!(
        visitors_own.map(|m| m.formatted.clone()),
        Some(None),
        "the visitor's own text stays plain"
    );
    let agents = messages
        .iter()
        .find(|m| matches!(m.author, Author::Agent { .. }));
    assert_eq!(agents.and_then(|m| m.formatted.clone()), Some(expected));
}

#[tokio::test]
async fn an_inboxs_look_reaches_the_chat_page_and_the_tracker_without_a_new_snippet() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    let get = |path: String| async move {
        reqwest::get(path)
            .await
            .expect("page")
            .text()
            .await
            .expect("html")
    };
    let tracker = server.url(&format!("/track/{}", team.inbox.key));
    let chat = server.url(&format!("/widget/{}", team.inbox.key));
    assert!(
        get(tracker.clone())
            .await
            .contains("&quot;color&quot;:&quot;#2f5bea&quot;")
    );

    // A colour that is not one is refused, and nothing changes.
    let refused = crate::pre_chat::set_settings(
        &root,
        &team.inbox,
        &serde_json::json!({"look": {"color": "yellowish"}}),
    )
    .await
    .expect_err("refused");
    assert_eq!(refused["field"], "color");

    crate::pre_chat::set_settings(
        &root,
        &team.inbox,
        &serde_json::json!({"look": {
            "color": "#FFD500", "side": "left", "launcher": "Talk to us",
            "title": "Northwind help", "greeting_en": "Hi! Coffee questions?",
            "greeting_es": "¡Hola! ¿Dudas sobre café?", "avatars": false,
        }}),
    )
    .await
    .expect("saved");
    let tracker_page = get(tracker).await;
    for part in [
        "&quot;color&quot;:&quot;#ffd500&quot;",
        // Dark text reads on yellow.
        "&quot;ink&quot;:&quot;#000000&quot;",
        "&quot;side&quot;:&quot;left&quot;",
        "&quot;label&quot;:&quot;Talk to us&quot;",
    ] {
        assert!(tracker_page.contains(part), "{part}: {tracker_page}");
    }
    let page = get(chat.clone()).await;
    assert!(
        page.contains("--accent:#ffd500;--accent-strong:#ffd500;--accent-ink:#000000"),
        "{page}"
    );
    assert!(page.contains("class=\"widget no-avatars\""));
    assert!(page.contains("Northwind help") && page.contains("Hi! Coffee questions?"));
    let spanish = reqwest::Client::new()
        .get(&chat)
        .header(ACCEPT_LANGUAGE, "es")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(spanish.contains("¡Hola! ¿Dudas sobre café?"));
}

#[test]
fn the_loader_a_site_pastes_stays_under_five_kilobytes_gzipped() {
    use std::io::Write;
    let loader = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/public/widget.js"))
        .expect("the loader");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&loader).expect("gzip");
    let bytes = gzip.finish().expect("gzip").len();
    assert!(bytes < 5_000, "the loader is {bytes} bytes gzipped");
}
