//! Business hours and availability: when the widget takes chats, what it offers instead (the
//! offline form), and what a visitor's offline message becomes (a ticket the team hears of).

use reqwest::StatusCode;
use serde_json::json;
use switchboard::model::Ticket;
use switchboard::protocol::{Event, ServerFrame};

use crate::common::{TestServer, acked, send};
use crate::pre_chat::{profile, set_settings, snapshot_flag, visitor_id};

/// Hours switched on with no opening time at all: closed whenever the test runs.
fn always_closed() -> serde_json::Value {
    json!({"hours": {"enabled": true, "time_zone": "Europe/Madrid", "week": []}})
}

#[tokio::test]
async fn outside_business_hours_new_chats_are_refused_and_the_offline_form_is_offered() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    // A visitor who is chatting before the hours close keeps their chat.
    let chatting = server.visitor_token(&team.inbox).await;
    let mut their_widget = server.visitor_socket(&chatting, None).await;
    their_widget.until_ready().await;
    their_widget.send(&send("before", None, "Hello")).await;
    acked(&mut their_widget).await;

    // A time zone that does not exist changes nothing.
    let mut unknown = always_closed();
    unknown["hours"]["time_zone"] = json!("Mars/Olympus");
    let refused = set_settings(&root, &team.inbox, &unknown)
        .await
        .expect_err("refused");
    assert_eq!(refused["field"], "time_zone");
    let open = server.widget_page(&team.inbox, "").await;
    assert!(
        !open.contains("id=\"sb-away\""),
        "no offline form while always open"
    );

    set_settings(&root, &team.inbox, &always_closed())
        .await
        .expect("saved");
    let newcomer = server.visitor_token(&team.inbox).await;
    assert!(snapshot_flag(&server, &team.inbox, "offline", &newcomer).await);
    let closed = server.widget_page(&team.inbox, "").await;
    assert!(
        closed.contains("<section id=\"sb-away\" class=\"prechat\">"),
        "shown: {closed}"
    );
    assert!(
        closed.contains("We&#x27;re away right now") || closed.contains("We're away right now")
    );
    assert!(
        closed.contains("<form id=\"sb-composer\" hidden"),
        "{closed}"
    );
    let mut widget = server.visitor_socket(&newcomer, None).await;
    widget.until_ready().await;
    widget.send(&send("late", None, "Anyone there?")).await;
    assert_eq!(widget.refusal().await, "unavailable");

    // The one already chatting is not offline, and goes on.
    assert!(!snapshot_flag(&server, &team.inbox, "offline", &chatting).await);
    their_widget
        .send(&send("after", None, "Still there?"))
        .await;
    acked(&mut their_widget).await;
}

#[tokio::test]
async fn with_nobody_online_chats_wait_for_the_team_unless_the_inbox_says_otherwise() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    let token = server.visitor_token(&team.inbox).await;
    // By default a chat waits for whoever comes online.
    assert!(!snapshot_flag(&server, &team.inbox, "offline", &token).await);

    set_settings(
        &root,
        &team.inbox,
        &json!({"away": {"chat_when_nobody_online": false, "message_en": "Back at nine."}}),
    )
    .await
    .expect("saved");
    assert!(snapshot_flag(&server, &team.inbox, "offline", &token).await);
    assert!(
        server
            .widget_page(&team.inbox, "")
            .await
            .contains("Back at nine.")
    );

    // Ana opens her workspace: someone is online, chats are taken.
    let ana = server.sign_in("ana@example.com").await;
    let mut desk = ana.socket(None).await;
    desk.until_ready().await;
    assert!(!snapshot_flag(&server, &team.inbox, "offline", &token).await);
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    widget.send(&send("first", None, "Hi Ana")).await;
    acked(&mut widget).await;
}

#[tokio::test]
async fn an_offline_message_becomes_one_ticket_that_the_inboxs_agents_hear_of() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    set_settings(&root, &team.inbox, &always_closed())
        .await
        .expect("saved");
    let ana = server.sign_in("ana@example.com").await;
    let mut desk = ana.socket(None).await;
    desk.until_ready().await;
    let token = server.visitor_token(&team.inbox).await;
    let id = visitor_id(&server, &token).await;

    // Wrong answers: the form again with them, and no ticket.
    let (status, html, _) = server
        .post_widget_form(
            &team.inbox,
            "offline",
            &[
                ("token", &token),
                ("name", "Carla"),
                ("email", "carla@"),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Enter an email address like name@example.com."),
        "{html}"
    );
    assert!(html.contains("Please fill this in."), "the message");
    let none: Vec<Ticket> = ana.call("tickets", &[]).await.expect("tickets");
    assert!(none.is_empty());

    let (status, _, location) = server
        .post_widget_form(
            &team.inbox,
            "offline",
            &[
                ("token", &token),
                ("name", "Carla Ruiz"),
                ("email", "carla@example.com"),
                ("message", "Can you deliver on Saturday?"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/widget/{}?sent", team.inbox.key)));
    assert!(
        server
            .widget_page(&team.inbox, "?sent")
            .await
            .contains("Thanks! We got your message")
    );

    let (ticket_id, subject) = desk
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::TicketOpened { ticket_id, subject },
                ..
            } => Some((ticket_id, subject)),
            _ => None,
        })
        .await;
    assert_eq!(subject, "Message from Carla Ruiz");
    let tickets: Vec<Ticket> = ana.call("tickets", &[]).await.expect("tickets");
    assert_eq!(tickets.len(), 1, "one ticket");
    let ticket = &tickets[0];
    assert_eq!(ticket.id, ticket_id);
    assert_eq!(ticket.inbox_id, team.inbox.id);
    assert_eq!(ticket.requester_email, "carla@example.com");
    assert_eq!(ticket.body, "Can you deliver on Saturday?");
    assert_eq!(
        (ticket.conversation_id, ticket.assignee.clone()),
        (None, None)
    );
    // The visitor's profile has the name and email they gave.
    let profile = profile(&ana, id).await.expect("profile");
    assert_eq!(profile.name.as_deref(), Some("Carla Ruiz"));
    assert_eq!(profile.email.as_deref(), Some("carla@example.com"));
    // Another inbox's token is not this inbox's visitor.
    let other = server.other_inbox_with_sue(&team).await;
    let stranger = server.visitor_token(&other).await;
    let (status, _, _) = server
        .post_widget_form(
            &team.inbox,
            "offline",
            &[
                ("token", &stranger),
                ("email", "eve@example.com"),
                ("message", "Hi"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let still: Vec<Ticket> = ana.call("tickets", &[]).await.expect("tickets");
    assert_eq!(still.len(), 1);
}

#[tokio::test]
async fn the_offline_form_takes_messages_only_while_closed_and_so_many_an_hour() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    let token = server.visitor_token(&team.inbox).await;
    let message = |n: usize| {
        let token = token.clone();
        let server = &server;
        let team = &team;
        async move {
            let text = format!("Question number {n}");
            server
                .post_widget_form(
                    &team.inbox,
                    "offline",
                    &[
                        ("token", &token),
                        ("email", "kim@example.com"),
                        ("message", &text),
                    ],
                )
                .await
                .0
        }
    };
    // Open (always, by default): the form is not a way to mail anyone.
    assert_eq!(message(0).await, StatusCode::BAD_REQUEST);

    set_settings(&root, &team.inbox, &always_closed())
        .await
        .expect("saved");
    for n in 1..=3 {
        assert_eq!(message(n).await, StatusCode::SEE_OTHER, "message {n}");
    }
    assert_eq!(
        message(4).await,
        StatusCode::TOO_MANY_REQUESTS,
        "three an hour"
    );
    let ana = server.sign_in("ana@example.com").await;
    let tickets: Vec<Ticket> = ana.call("tickets", &[]).await.expect("tickets");
    assert_eq!(tickets.len(), 3);
}

#[tokio::test]
async fn when_chats_may_not_wait_a_chat_starts_only_in_a_department_where_someone_is_online() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    let root = server.sign_in("root@example.com").await;
    set_settings(
        &root,
        &team.inbox,
        &json!({"departments": [team.inbox.id, other.id], "away": {"chat_when_nobody_online": false}}),
    )
    .await
    .expect("saved");
    // Sue (Other) is online; nobody of the widget's own inbox is.
    let sue = server.sign_in("sue@example.com").await;
    let mut desk = sue.socket(None).await;
    desk.until_ready().await;
    let choose = |department: i64| {
        let server = &server;
        let team = &team;
        async move {
            let token = server.visitor_token(&team.inbox).await;
            assert!(!snapshot_flag(server, &team.inbox, "offline", &token).await);
            let chosen = department.to_string();
            server
                .post_widget_form(
                    &team.inbox,
                    "form",
                    &[("token", &token), ("department", &chosen)],
                )
                .await;
            let mut widget = server.visitor_socket(&token, None).await;
            widget.until_ready().await;
            widget.send(&send("first", None, "Hello")).await;
            widget
        }
    };
    let mut nobody_there = choose(team.inbox.id).await;
    assert_eq!(nobody_there.refusal().await, "unavailable");
    let mut sue_there = choose(other.id).await;
    let message = acked(&mut sue_there).await;
    assert_eq!(
        sue.detail(message.conversation_id).await.summary.inbox_id,
        other.id
    );
}
