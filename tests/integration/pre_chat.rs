//! The pre-chat form and departments: what an admin sets, what a visitor must answer before
//! writing, where their answers go and where their conversation starts.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard::model::{Inbox, VisitorProfile};
use switchboard::protocol::{Event, ServerFrame};
use switchboard::widget_settings::FormAnswer;

use crate::common::{Agent, TestServer, acked, refused, send};

pub async fn set_settings(admin: &Agent, inbox: &Inbox, settings: &Value) -> Result<Inbox, Value> {
    admin
        .call(
            "set_widget_settings",
            &[
                ("inbox_id", &inbox.id.to_string()),
                ("settings", &settings.to_string()),
            ],
        )
        .await
}

pub async fn visitor_id(server: &TestServer, token: &str) -> i64 {
    server
        .running
        .state
        .store
        .visitor_by_token_hash(&switchboard::server::auth::token_hash(token))
        .await
        .expect("store")
        .expect("visitor")
        .id
}

/// A flag of the widget's snapshot for this visitor (`ask_form`, `offline`).
pub async fn snapshot_flag(server: &TestServer, inbox: &Inbox, flag: &str, token: &str) -> bool {
    let (status, snapshot) = server
        .call_anonymous("widget_start", &[("key", &inbox.key), ("token", token)])
        .await;
    assert_eq!(status, 200, "{snapshot}");
    snapshot[flag].as_bool().expect("a snapshot flag")
}

pub async fn profile(agent: &Agent, id: i64) -> Result<VisitorProfile, Value> {
    agent
        .call("visitor_profile", &[("id", &id.to_string())])
        .await
}

#[tokio::test]
async fn a_required_form_is_answered_before_the_first_message_and_its_answers_reach_the_team() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    set_settings(
        &root,
        &team.inbox,
        &json!({"form": {"mode": "required", "fields": [
            {"id": "order", "kind": "text", "label_en": "Order number", "label_es": "Número de pedido"},
            {"id": "size", "kind": "select", "label_en": "Size", "options": ["Small", "Large"]},
        ]}}),
    )
    .await
    .expect("saved");
    let token = server.visitor_token(&team.inbox).await;
    let id = visitor_id(&server, &token).await;
    assert!(snapshot_flag(&server, &team.inbox, "ask_form", &token).await);

    // Writing before answering is refused, and opens no conversation.
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    widget.send(&send("early", None, "hello?")).await;
    assert_eq!(widget.refusal().await, "form_needed");

    // Missing and malformed answers: the page again, each problem by its field, the answers
    // kept in it, and nothing saved.
    let (status, html, _) = server
        .post_widget_form(
            &team.inbox,
            "form",
            &[
                ("token", &token),
                ("name", "Carla"),
                ("email", "carla@"),
                ("size", "Huge"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Enter an email address like name@example.com."),
        "{html}"
    );
    assert!(html.contains("Please fill this in."), "the order number");
    assert!(html.contains("Choose one of the options."), "the size");
    assert!(html.contains("value=\"Carla\""), "what was typed stays");
    assert!(!html.contains(&token), "the token is not painted back");
    let unchanged = profile(&ana, id).await.expect("profile");
    assert_eq!((unchanged.name, unchanged.answers), (None, vec![]));
    assert!(snapshot_flag(&server, &team.inbox, "ask_form", &token).await);

    // Answered: back to the chat, the profile and the online table follow at once.
    let mut agent_socket = ana.socket(None).await;
    agent_socket.until_ready().await;
    let (status, _, location) = server
        .post_widget_form(
            &team.inbox,
            "form",
            &[
                ("token", &token),
                ("name", " Carla Ruiz "),
                ("email", "Carla@Example.com"),
                ("order", "A-17"),
                ("size", "Large"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/widget/{}", team.inbox.key)));
    let label = agent_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::VisitorUpdated { visitor_id, label },
                ..
            } if visitor_id == id => Some(label),
            _ => None,
        })
        .await;
    assert_eq!(label, "Carla Ruiz");
    let answered = profile(&ana, id).await.expect("profile");
    assert_eq!(answered.name.as_deref(), Some("Carla Ruiz"));
    assert_eq!(answered.email.as_deref(), Some("carla@example.com"));
    assert_eq!(
        answered.answers,
        vec![
            FormAnswer {
                label: "Order number".into(),
                value: "A-17".into()
            },
            FormAnswer {
                label: "Size".into(),
                value: "Large".into()
            },
        ]
    );
    // Not asked again, and posting again changes nothing.
    assert!(!snapshot_flag(&server, &team.inbox, "ask_form", &token).await);
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "form",
            &[
                ("token", &token),
                ("name", "Someone Else"),
                ("email", "else@example.com"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let kept = profile(&ana, id).await.expect("profile");
    assert_eq!(kept.name.as_deref(), Some("Carla Ruiz"));
    assert_eq!(kept.contact, None, "a typed email links to no contact");
    widget.send(&send("first", None, "My parcel is late")).await;
    let message = acked(&mut widget).await;
    let opened = ana.detail(message.conversation_id).await;
    assert_eq!(opened.summary.inbox_id, team.inbox.id);
}

#[tokio::test]
async fn a_chosen_department_is_where_the_conversation_starts_and_its_team_sees_the_visitor() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    let root = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    let sue = server.sign_in("sue@example.com").await;
    // No form, only a choice between two departments.
    set_settings(
        &root,
        &team.inbox,
        &json!({"departments": [team.inbox.id, other.id]}),
    )
    .await
    .expect("saved");
    let token = server.visitor_token(&team.inbox).await;
    let id = visitor_id(&server, &token).await;
    assert!(snapshot_flag(&server, &team.inbox, "ask_form", &token).await);
    let page = server.widget_page(&team.inbox, "").await;
    assert!(
        page.contains(&format!("<option value=\"{}\">Other", other.id)),
        "{page}"
    );
    assert!(
        !page.contains("name=\"email\""),
        "no form fields, only the department"
    );

    // A department not offered is refused.
    let (status, html, _) = server
        .post_widget_form(
            &team.inbox,
            "form",
            &[("token", &token), ("department", "999")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choose one of the options."));

    let department = other.id.to_string();
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "form",
            &[("token", &token), ("department", &department)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    widget
        .send(&send("first", None, "Question about billing"))
        .await;
    let message = acked(&mut widget).await;

    // The conversation is the department's: Sue sees it and the visitor, Ana neither.
    let opened = sue.detail(message.conversation_id).await;
    assert_eq!(opened.summary.inbox_id, other.id);
    let seen = profile(&sue, id).await.expect("Sue sees the visitor");
    assert_eq!(seen.department.as_deref(), Some("Other"));
    // Reading is all: blocking stays with the widget's own inbox, which Sue is not in.
    refused(
        sue.call::<Value>(
            "block_visitor",
            &[
                ("visitor_id", &id.to_string()),
                ("length", "hour"),
                ("reason", "spam"),
            ],
        )
        .await,
        "not_found",
    );
    refused(
        ana.call::<Value>(
            "conversation",
            &[("id", &message.conversation_id.to_string())],
        )
        .await,
        "not_found",
    );
}

#[tokio::test]
async fn a_switched_off_department_is_no_longer_offered_and_chats_start_in_the_widgets_inbox() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    let root = server.sign_in("root@example.com").await;
    set_settings(&root, &team.inbox, &json!({"departments": [other.id]}))
        .await
        .expect("saved");
    let token = server.visitor_token(&team.inbox).await;
    let department = other.id.to_string();
    server
        .post_widget_form(
            &team.inbox,
            "form",
            &[("token", &token), ("department", &department)],
        )
        .await;
    root.call::<Inbox>(
        "update_inbox",
        &[
            ("inbox_id", &department),
            ("name", "Other"),
            ("disabled", "true"),
        ],
    )
    .await
    .expect("switched off");

    // Nothing is offered now, so nothing is asked of a new visitor.
    let newcomer = server.visitor_token(&team.inbox).await;
    assert!(!snapshot_flag(&server, &team.inbox, "ask_form", &newcomer).await);
    // The visitor who chose it chats in the widget's own inbox.
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    widget.send(&send("first", None, "Hello")).await;
    let message = acked(&mut widget).await;
    let ana = server.sign_in("ana@example.com").await;
    assert_eq!(
        ana.detail(message.conversation_id).await.summary.inbox_id,
        team.inbox.id
    );
}

#[tokio::test]
async fn the_form_is_refused_with_another_inboxs_token_and_an_admins_settings_are_checked() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    let root = server.sign_in("root@example.com").await;
    set_settings(&root, &team.inbox, &json!({"form": {"mode": "optional"}}))
        .await
        .expect("saved");

    // A token of another inbox's widget is not this inbox's visitor.
    let stranger = server.visitor_token(&other).await;
    let (status, html, _) = server
        .post_widget_form(
            &team.inbox,
            "form",
            &[("token", &stranger), ("name", "Eve")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("role=\"alert\""), "{html}");
    let (status, _, _) = server
        .post_widget_form(&team.inbox, "form", &[("name", "Eve")])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no token at all");

    // An optional form may be sent empty.
    let token = server.visitor_token(&team.inbox).await;
    let (status, _, _) = server
        .post_widget_form(&team.inbox, "form", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!snapshot_flag(&server, &team.inbox, "ask_form", &token).await);

    // Wrong settings change nothing.
    for bad in [
        json!({"form": {"mode": "sometimes"}}),
        json!({"form": {"mode": "required", "fields": [{"id": "Bad Id", "kind": "text", "label_en": "X"}]}}),
        json!({"form": {"mode": "required", "fields": [{"id": "size", "kind": "select", "label_en": "Size"}]}}),
        json!({"departments": [999]}),
    ] {
        let error = set_settings(&root, &team.inbox, &bad)
            .await
            .expect_err("refused");
        assert_eq!(error["error"], "invalid", "{bad}");
    }
    let (status, _) = root
        .call_raw(
            "set_widget_settings",
            &[
                ("inbox_id", &team.inbox.id.to_string()),
                ("settings", "not json"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    let kept = server
        .running
        .state
        .store
        .inbox(team.inbox.id)
        .await
        .expect("store")
        .expect("inbox");
    assert_eq!(
        kept.widget.form.mode,
        switchboard::widget_settings::FormMode::Optional
    );
}
