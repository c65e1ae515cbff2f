//! Ratings: a visitor rates their ended chat once, on the inbox's scale; agents see it in the
//! timeline, in the conversation and in the chat logs.

use reqwest::StatusCode;
use serde_json::json;
use switchboard::model::{HistoryRow, SystemLine};

use crate::common::{TestServer, acked, send};
use crate::pre_chat::set_settings;

#[tokio::test]
async fn a_visitor_rates_an_ended_chat_once_and_agents_see_it_everywhere() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let mut desk = ana.socket(None).await;
    desk.until_ready().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    widget.send(&send("hello", None, "Hello")).await;
    let conversation = acked(&mut widget).await.conversation_id;
    let id = conversation.to_string();
    ana.call::<serde_json::Value>("accept_conversation", &[("id", &id)])
        .await
        .expect("accepted");
    let rate = |fields: Vec<(&'static str, String)>| {
        let token = token.clone();
        let id = id.clone();
        let server = &server;
        let team = &team;
        async move {
            let mut form: Vec<(&str, String)> = vec![("token", token), ("conversation_id", id)];
            form.extend(fields);
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            server.post_widget_form(&team.inbox, "rating", &pairs).await
        }
    };

    // Not before the chat ends.
    let (status, _, _) = rate(vec![("score", "5".into())]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    ana.call::<()>("close_conversation", &[("id", &id)])
        .await
        .expect("closed");

    // Good or bad only (the default scale), and the page says what is wrong.
    let (status, html, _) = rate(vec![("score", "3".into())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choose one of the options."), "{html}");

    let (status, _, location) = rate(vec![
        ("score", "5".into()),
        ("comment", "Quick and kind".into()),
    ])
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/widget/{}?rated", team.inbox.key)));
    // Once.
    let (status, html, _) = rate(vec![("score", "1".into())]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("You have rated this chat already."), "{html}");
    // Nobody else's.
    let stranger = server.visitor_token(&team.inbox).await;
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "rating",
            &[
                ("token", &stranger),
                ("conversation_id", &id),
                ("score", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Agents: a line in the timeline (never the visitor's), the rating on the conversation,
    // and the chat logs' filter.
    let detail = ana.detail(conversation).await;
    assert_eq!(detail.summary.rating, Some(5));
    assert!(detail.messages.iter().any(|m| m.system
        == Some(SystemLine::Rated {
            score: 5,
            comment: "Quick and kind".into()
        })));
    let (status, snapshot) = server
        .call_anonymous(
            "widget_start",
            &[("key", &team.inbox.key), ("token", &token)],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(snapshot["conversations"][0]["rating"], 5);
    assert!(
        !snapshot["messages"].to_string().contains("Quick and kind"),
        "the rating line is the team's"
    );
    let good: Vec<HistoryRow> = ana
        .call("history", &[("filter[rating]", "good")])
        .await
        .expect("history");
    assert_eq!(
        good.iter().map(|r| r.summary.id).collect::<Vec<_>>(),
        vec![conversation]
    );
    let bad: Vec<HistoryRow> = ana
        .call("history", &[("filter[rating]", "bad")])
        .await
        .expect("history");
    assert!(bad.is_empty());
}

#[tokio::test]
async fn an_inbox_asks_one_to_five_or_no_rating_at_all() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    let mut desk = ana.socket(None).await;
    desk.until_ready().await;
    let ended = |text: &'static str| {
        let server = &server;
        let team = &team;
        let ana = &ana;
        async move {
            let token = server.visitor_token(&team.inbox).await;
            let mut widget = server.visitor_socket(&token, None).await;
            widget.until_ready().await;
            widget.send(&send("hello", None, text)).await;
            let id = acked(&mut widget).await.conversation_id.to_string();
            ana.call::<serde_json::Value>("accept_conversation", &[("id", &id)])
                .await
                .expect("accepted");
            ana.call::<()>("close_conversation", &[("id", &id)])
                .await
                .expect("closed");
            (token, id)
        }
    };
    set_settings(&root, &team.inbox, &json!({"rating": "five_stars"}))
        .await
        .expect("saved");
    let page = server.widget_page(&team.inbox, "").await;
    assert!(
        page.contains("id=\"sb-rating\""),
        "the rating form waits in the page"
    );
    let (token, id) = ended("First").await;
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "rating",
            &[("token", &token), ("conversation_id", &id), ("score", "3")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let okay: Vec<HistoryRow> = ana
        .call("history", &[("filter[rating]", "okay")])
        .await
        .expect("history");
    assert_eq!(okay.len(), 1);

    set_settings(&root, &team.inbox, &json!({"rating": "off"}))
        .await
        .expect("saved");
    let page = server.widget_page(&team.inbox, "").await;
    assert!(!page.contains("id=\"sb-rating\""), "no rating asked");
    let (token, id) = ended("Second").await;
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "rating",
            &[("token", &token), ("conversation_id", &id), ("score", "5")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let rated: Vec<HistoryRow> = ana
        .call("history", &[("filter[rating]", "rated")])
        .await
        .expect("history");
    assert_eq!(rated.len(), 1, "only the first");
}
