//! Visitors against the real router on 127.0.0.1:0: the loader's tracker reporting pages over
//! `/ws/visitor`, the online table agents receive (only their inboxes', coalesced), leaving
//! after the grace period, visits and profiles, the page feed in a chat, proactive chat and
//! profile edits.

use crate::common::{Socket, TestServer, acked, eventually, tracker, view_page, watch};
use serde_json::Value;
use switchboard::model::{
    Author, ConversationStatus, Inbox, OnlineVisitor, Role, SystemLine, VisitorProfile,
};
use switchboard::protocol::{ClientFrame, Event, PageReport, ServerFrame};

/// Waits for a batch in which `visitor`'s row shows `title`.
async fn row_on_page(agent: &mut Socket, title: &str) -> OnlineVisitor {
    agent
        .until(|frame| match frame {
            ServerFrame::OnlineChanges { changed, .. } => {
                changed.into_iter().find(|row| row.page_title == title)
            }
            ServerFrame::OnlineVisitors { visitors } => {
                visitors.into_iter().find(|row| row.page_title == title)
            }
            _ => None,
        })
        .await
}

async fn profile(agent: &crate::common::Agent, visitor_id: i64) -> VisitorProfile {
    agent
        .call("visitor_profile", &[("id", &visitor_id.to_string())])
        .await
        .expect("profile")
}

/// The visitor id behind a token.
async fn visitor_id(server: &TestServer, token: &str) -> i64 {
    switchboard::server::services::visitor_by_token(&server.running.state, token)
        .await
        .expect("visitor")
        .id
}

#[tokio::test]
async fn pages_reach_the_agents_of_the_visitors_inbox_only() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let state = &server.running.state;
    let other = switchboard::server::services::create_inbox(state, &team.admin, "Other")
        .await
        .expect("inbox");
    server
        .agent(
            &team.admin,
            "Otto",
            "otto@example.com",
            Role::Operator,
            &[other.id],
        )
        .await;
    let ana = server.sign_in("ana@example.com").await;
    let otto = server.sign_in("otto@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    let mut otto_socket = otto.socket(None).await;
    assert!(watch(&mut ana_socket).await.is_empty());
    assert!(watch(&mut otto_socket).await.is_empty());

    let (mut website_tab, website_token) = tracker(&server, &team.inbox, None).await;
    view_page(&mut website_tab, "/pricing", "Pricing").await;
    let (mut other_tab, _) = tracker(&server, &other, None).await;
    view_page(&mut other_tab, "/other", "Other shop").await;

    let row = row_on_page(&mut ana_socket, "Pricing").await;
    assert_eq!(row.visitor_id, visitor_id(&server, &website_token).await);
    assert_eq!(row.location.as_deref(), Some("Madrid, Europe"));
    assert_eq!((row.visits, row.chats, row.chatting), (1, 0, false));
    // Otto sees his inbox's visitor; neither ever receives the other inbox's row.
    let other_row = row_on_page(&mut otto_socket, "Other shop").await;
    assert_eq!(other_row.inbox_id, other.id);

    view_page(&mut website_tab, "/delivery", "Delivery").await;
    let moved = row_on_page(&mut ana_socket, "Delivery").await;
    assert_eq!(moved.visitor_id, row.visitor_id);
    view_page(&mut other_tab, "/other/2", "Other page two").await;
    // Once its page is recorded, a later page of Ana's inbox is the marker: the ticker sends
    // changes in the order they were made, so by the marker's batch the other inbox's change
    // has been through every agent socket.
    other_tab.assert_nothing_waiting().await;
    view_page(&mut website_tab, "/marker", "Marker").await;
    let mut frames = Vec::new();
    ana_socket
        .until(|frame| {
            let marker = matches!(&frame, ServerFrame::OnlineChanges { changed, .. }
                if changed.iter().any(|row| row.page_title == "Marker"));
            frames.push(frame);
            marker.then_some(())
        })
        .await;
    for frame in &frames {
        match frame {
            ServerFrame::OnlineChanges {
                changed, online, ..
            } => {
                assert!(
                    changed.iter().all(|r| r.inbox_id == team.inbox.id),
                    "{changed:?}"
                );
                assert_eq!(*online, 1, "only her inbox's visitor counts");
            }
            ServerFrame::OnlineVisitors { visitors } => {
                assert!(visitors.iter().all(|r| r.inbox_id == team.inbox.id));
            }
            _ => {}
        }
    }
    // Only visitors report pages, and only agents watch the table.
    ana_socket
        .send(&ClientFrame::PageView(PageReport {
            url: "https://shop.example/".into(),
            ..PageReport::default()
        }))
        .await;
    let refused = ana_socket.refusal().await;
    assert_eq!(refused, "forbidden");
    website_tab
        .send(&ClientFrame::WatchVisitors { on: true })
        .await;
    let refused = website_tab.refusal().await;
    assert_eq!(refused, "forbidden");
    // The other inbox's visitor stays unknown to Ana.
    let hidden = ana
        .call::<Value>(
            "visitor_profile",
            &[("id", &other_row.visitor_id.to_string())],
        )
        .await
        .expect_err("not hers");
    assert_eq!(hidden["error"], "not_found");
}

#[tokio::test]
async fn a_visitor_leaves_when_their_last_tab_has_been_gone_for_the_grace_period() {
    let server = TestServer::start_with(|config| config.visitor_grace = 3).await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    watch(&mut ana_socket).await;

    let (mut tab, token) = tracker(&server, &team.inbox, None).await;
    let id = visitor_id(&server, &token).await;
    view_page(&mut tab, "/", "Home").await;
    row_on_page(&mut ana_socket, "Home").await;

    // Moving to the next page of a classic site: the tab's socket closes (the server sees it
    // go: no tab open, the grace period running) and a new one opens.
    tab.close().await;
    let online = server.running.state.online.clone();
    eventually("the tab closed", || async {
        (!online.present().contains(&id)).then_some(())
    })
    .await;
    assert!(
        online.is_on_site(id),
        "still on the site during the grace period"
    );
    let (mut next_tab, _) = tracker(&server, &team.inbox, Some(&token)).await;
    view_page(&mut next_tab, "/pricing", "Pricing").await;
    row_on_page(&mut ana_socket, "Pricing").await;
    // The marker: another visitor whose tab closes after the return. Departures are swept in
    // the order their grace periods end, so had the first visitor left, Ana would hear it
    // before (or with) the marker's departure.
    let (mut marker_tab, marker_token) = tracker(&server, &team.inbox, None).await;
    let marker = visitor_id(&server, &marker_token).await;
    view_page(&mut marker_tab, "/", "Marker").await;
    row_on_page(&mut ana_socket, "Marker").await;
    marker_tab.close().await;
    let mut departures = Vec::new();
    ana_socket
        .until(|frame| match frame {
            ServerFrame::OnlineChanges { left, .. } => {
                departures.extend(left.iter().copied());
                left.contains(&marker).then_some(())
            }
            _ => None,
        })
        .await;
    assert!(
        !departures.contains(&id),
        "a visitor who came back within the grace period never left"
    );

    next_tab.close().await;
    let online = ana_socket
        .until(|frame| match frame {
            ServerFrame::OnlineChanges { left, online, .. } if left.contains(&id) => Some(online),
            _ => None,
        })
        .await;
    assert_eq!(online, 0);
    let profile = profile(&ana, id).await;
    assert!(!profile.online);
    assert!(
        profile.pages.iter().all(|p| p.ended_at.is_some()),
        "the last page ends when they left: {:?}",
        profile.pages
    );
    assert_eq!(profile.pages.len(), 2);
    assert_eq!(profile.visits.len(), 1, "one visit across both pages");
}

#[tokio::test]
async fn visits_profiles_and_the_first_visit_are_recorded() {
    let server = TestServer::start_with(|config| {
        config.visitor_grace = 1;
        config.truncate_ips = true;
    })
    .await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (mut tab, token) = tracker(&server, &team.inbox, None).await;
    let id = visitor_id(&server, &token).await;
    view_page(&mut tab, "/", "Home").await;
    view_page(&mut tab, "/", "Home").await; // the same page again is not a new view
    view_page(&mut tab, "/pricing", "Pricing").await;
    tab.send(&ClientFrame::Ping).await;
    tab.until(|frame| matches!(frame, ServerFrame::Pong).then_some(()))
        .await;

    let first = profile(&ana, id).await;
    assert_eq!(first.visits.len(), 1);
    let visit = &first.visits[0];
    assert_eq!(visit.landing_title, "Home");
    // The referrer without its query (it may be another page of the site, with its tokens).
    assert_eq!(visit.referrer, "https://search.example/");
    assert_eq!(visit.ip.as_deref(), Some("127.0.0.0"), "stored truncated");
    assert_eq!(visit.browser.as_deref(), Some("Chrome 120.0.0.0"));
    assert_eq!(visit.os.as_deref(), Some("Windows 10"));
    assert_eq!(visit.device.as_deref(), Some("pc"));
    assert_eq!(visit.pages, 2);
    assert_eq!(first.screen.as_deref(), Some("1920x1080"));
    assert_eq!(first.language.as_deref(), Some("es-ES"));
    assert_eq!(first.time_zone.as_deref(), Some("Europe/Madrid"));
    assert_eq!(first.first_landing_title.as_deref(), Some("Home"));
    let titles: Vec<&str> = first.pages.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, vec!["Pricing", "Home"], "newest first");
    assert!(first.pages[0].ended_at.is_none(), "the page they are on");
    assert!(first.pages[1].ended_at.is_some());
    assert!(first.online);

    // A malformed page is refused and changes nothing.
    tab.send(&ClientFrame::PageView(PageReport {
        url: "javascript:alert(1)".into(),
        title: "x".into(),
        ..PageReport::default()
    }))
    .await;
    let refused = tab.refusal().await;
    assert_eq!(refused, "invalid");
    assert_eq!(profile(&ana, id).await.pages.len(), 2);

    // They leave, and come back after more than the visit gap (their visit is made older).
    tab.close().await;
    let online = server.running.state.online.clone();
    eventually("they left", || async {
        (!online.is_on_site(id)).then_some(())
    })
    .await;
    // Their departure is written after they leave the table: aged before it, the visit
    // would be seen again at the departure.
    eventually("their departure is recorded", || async {
        profile(&ana, id)
            .await
            .pages
            .iter()
            .all(|page| page.ended_at.is_some())
            .then_some(())
    })
    .await;
    sqlx::query("UPDATE visits SET started_at = started_at - 7200000, last_seen_at = last_seen_at - 7200000")
        .execute(server.running.state.store.pool())
        .await
        .expect("age the visit");
    let (mut again, _) = tracker(&server, &team.inbox, Some(&token)).await;
    view_page(&mut again, "/delivery", "Delivery").await;
    again.send(&ClientFrame::Ping).await;
    again
        .until(|frame| matches!(frame, ServerFrame::Pong).then_some(()))
        .await;
    let second = profile(&ana, id).await;
    assert_eq!(second.visits.len(), 2, "a new visit after the gap");
    assert_eq!(second.visits[0].landing_title, "Delivery");
    assert_eq!(
        second.first_landing_title.as_deref(),
        Some("Home"),
        "kept for ever"
    );
    assert_eq!(second.first_visit_at, first.first_visit_at);
}

#[tokio::test]
async fn pages_show_in_the_agents_timeline_and_never_in_the_visitors() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    let (mut tab, token) = tracker(&server, &team.inbox, None).await;
    view_page(&mut tab, "/", "Home").await;
    // The widget (a second socket of the visitor) opens a conversation.
    let mut widget = server.visitor_socket(&token, None).await;
    widget.until_ready().await;
    widget
        .send(&ClientFrame::Send {
            client_id: "hello-1".into(),
            conversation_id: None,
            body: "Hi, a question about delivery".into(),
            attachments: Vec::new(),
            note: false,
        })
        .await;
    acked(&mut widget).await;
    view_page(&mut tab, "/pricing", "Pricing").await;
    let line = ana_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } if message.system.is_some() => message.system,
            _ => None,
        })
        .await;
    assert_eq!(
        line,
        SystemLine::PageViewed {
            title: "Pricing".into(),
            url: "https://shop.example/pricing".into()
        }
    );
    // The visitor's sockets never see it, live or in their snapshot.
    widget.send(&ClientFrame::Ping).await;
    let seen = widget
        .until(|frame| match frame {
            ServerFrame::Pong => Some(false),
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } if message.system.is_some() => Some(true),
            _ => None,
        })
        .await;
    assert!(!seen, "the page line reached the visitor");
    let (status, body) = server
        .call_anonymous(
            "widget_start",
            &[("key", &team.inbox.key), ("token", &token)],
        )
        .await;
    assert_eq!(status, 200);
    assert!(!body.to_string().contains("page_viewed"), "{body}");
}

#[tokio::test]
async fn an_agent_starts_a_chat_with_a_visitor_on_the_site() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (mut tab, token) = tracker(&server, &team.inbox, None).await;
    let id = visitor_id(&server, &token).await;
    view_page(&mut tab, "/pricing", "Pricing").await;
    // The socket answers a ping after the page before it is recorded: the visitor is on the site.
    tab.send(&ClientFrame::Ping).await;
    tab.until(|frame| matches!(frame, ServerFrame::Pong).then_some(()))
        .await;

    let bad: Value = ana
        .call::<Value>(
            "start_chat",
            &[
                ("visitor_id", &id.to_string()),
                ("client_id", "p-1"),
                ("body", "  "),
            ],
        )
        .await
        .expect_err("an empty message");
    assert_eq!(bad["error"], "empty_message");
    assert!(
        profile(&ana, id).await.conversations.is_empty(),
        "nothing created"
    );

    let conversation_id: i64 = ana
        .call(
            "start_chat",
            &[
                ("visitor_id", &id.to_string()),
                ("client_id", "p-2"),
                ("body", "Hello! Can I help with the plans?"),
            ],
        )
        .await
        .expect("chat started");
    // The tracker hears the agent's message (and opens the widget with it).
    let message = tab
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } => Some(message),
            _ => None,
        })
        .await;
    assert_eq!(message.conversation_id, conversation_id);
    assert!(matches!(message.author, Author::Agent { ref name, .. } if name == "Ana"));
    let summary = &profile(&ana, id).await.conversations[0];
    assert_eq!(summary.status, ConversationStatus::Assigned);
    assert_eq!(
        summary.assignee.as_ref().map(|a| a.name.as_str()),
        Some("Ana")
    );

    // Resuming their open chat posts in it; nobody else's chat is taken.
    let again: i64 = ana
        .call(
            "start_chat",
            &[
                ("visitor_id", &id.to_string()),
                ("client_id", "p-3"),
                ("body", "Still there?"),
            ],
        )
        .await
        .expect("resumed");
    assert_eq!(again, conversation_id);
    let ben = server.sign_in("ben@example.com").await;
    let refused: Value = ben
        .call::<Value>(
            "start_chat",
            &[
                ("visitor_id", &id.to_string()),
                ("client_id", "p-4"),
                ("body", "Hi"),
            ],
        )
        .await
        .expect_err("Ana has it");
    assert_eq!(refused["error"], "not_assignee");

    // A visitor who is not on the site cannot be called.
    let gone_token = server.visitor_token(&team.inbox).await;
    let gone = visitor_id(&server, &gone_token).await;
    let offline: Value = ana
        .call::<Value>(
            "start_chat",
            &[
                ("visitor_id", &gone.to_string()),
                ("client_id", "p-5"),
                ("body", "Hi"),
            ],
        )
        .await
        .expect_err("not on the site");
    assert_eq!(offline["error"], "visitor_not_online");
}

#[tokio::test]
async fn profile_edits_are_checked_and_reach_colleagues_live() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    let token = server.visitor_token(&team.inbox).await;
    let id = visitor_id(&server, &token).await;
    let id_text = id.to_string();

    let bad = ana
        .call::<Value>(
            "update_visitor",
            &[
                ("id", &id_text),
                ("name", "Ana"),
                ("email", "nope"),
                ("phone", ""),
                ("notes", ""),
            ],
        )
        .await
        .expect_err("a bad email");
    assert_eq!(bad["field"], "email");
    assert_eq!(profile(&ana, id).await.name, None, "nothing changed");

    ana.call::<()>(
        "update_visitor",
        &[
            ("id", &id_text),
            ("name", "Carla Ruiz"),
            ("email", "carla@example.com"),
            ("phone", "+34 600 000 000"),
            ("notes", "Prefers Spanish"),
        ],
    )
    .await
    .expect("saved");
    let label = ben_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::VisitorUpdated { visitor_id, label },
                ..
            } if visitor_id == id => Some(label),
            _ => None,
        })
        .await;
    assert_eq!(label, "Carla Ruiz");
    let saved = profile(&ben, id).await;
    assert_eq!(saved.email.as_deref(), Some("carla@example.com"));
    assert_eq!(saved.phone.as_deref(), Some("+34 600 000 000"));
    assert_eq!(saved.notes, "Prefers Spanish");
    // The visitor's own socket never hears about the team's notes.
    let mut widget = server.visitor_socket(&token, Some(0)).await;
    let (events, _) = widget.until_ready().await;
    assert!(
        events
            .iter()
            .all(|(_, e)| !matches!(e, Event::VisitorUpdated { .. })),
        "{events:?}"
    );
}

/// A MaxMind-format city database that places `network` in `city`, `country`.
fn city_database(path: &std::path::Path, network: &str, city: &str, country: &str) {
    let mut writer = mmdb_writer::Writer::new("GeoLite2-City");
    let record = serde_json::json!({
        "city": { "names": { "en": city } },
        "country": { "names": { "en": country } },
    });
    writer
        .insert(network.parse::<ipnet::IpNet>().expect("network"), &record)
        .expect("insert");
    std::fs::write(path, writer.to_bytes().expect("database")).expect("write");
}

#[tokio::test]
async fn locations_come_from_the_geoip_database_when_one_is_configured() {
    let geo = tempfile::tempdir().expect("dir");
    let path = geo.path().join("city.mmdb");
    city_database(&path, "127.0.0.0/8", "Testville", "Testland");
    let server = TestServer::start_with(|config| config.geoip_db = Some(path.clone())).await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    watch(&mut ana_socket).await;
    let (mut tab, token) = tracker(&server, &team.inbox, None).await;
    view_page(&mut tab, "/", "Home").await;
    let row = row_on_page(&mut ana_socket, "Home").await;
    assert_eq!(
        row.location.as_deref(),
        Some("Testville, Testland"),
        "not the time zone"
    );
    let visit = &profile(&ana, visitor_id(&server, &token).await)
        .await
        .visits[0];
    assert_eq!(visit.location.as_deref(), Some("Testville, Testland"));
    assert_eq!(visit.ip.as_deref(), Some("127.0.0.1"), "whole by default");
}

#[tokio::test]
async fn a_late_departure_does_not_end_the_page_of_a_return_and_presence_keeps_visits_seen() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (mut tab, token) = tracker(&server, &team.inbox, None).await;
    let id = visitor_id(&server, &token).await;
    view_page(&mut tab, "/", "Home").await;
    tab.send(&ClientFrame::Ping).await;
    tab.until(|frame| matches!(frame, ServerFrame::Pong).then_some(()))
        .await;
    let state = &server.running.state;
    let opened = profile(&ana, id).await.pages[0].started_at;

    // A departure recorded for a moment before this page opened leaves the page open.
    let mut tx = state.store.write().await.expect("tx");
    tx.visitor_left(id, opened - 60_000).await.expect("left");
    tx.commit(&state.hub).await.expect("commit");
    assert_eq!(profile(&ana, id).await.pages[0].ended_at, None);

    // Being on the site keeps the visit seen, so a restart ends the page where they were.
    let later = opened + 120_000;
    let mut tx = state.store.write().await.expect("tx");
    tx.touch_latest_visits(&[id], later).await.expect("seen");
    tx.commit(&state.hub).await.expect("commit");
    assert_eq!(profile(&ana, id).await.visits[0].last_seen_at, later);
    tab.close().await;
    let server = server.restart().await;
    let ana = server.sign_in("ana@example.com").await;
    // At once on SQLite; on PostgreSQL once a node that stopped counts as dead.
    let page = eventually("the page ends", || async {
        let page = profile(&ana, id).await.pages[0].clone();
        page.ended_at.is_some().then_some(page)
    })
    .await;
    assert_eq!(
        page.ended_at,
        Some(later),
        "ended at the last moment they were seen"
    );
}

#[tokio::test]
async fn closing_the_tab_viewed_last_brings_back_the_page_of_another_tab() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    watch(&mut ana_socket).await;
    let (mut first, token) = tracker(&server, &team.inbox, None).await;
    view_page(&mut first, "/a", "Page A").await;
    row_on_page(&mut ana_socket, "Page A").await;
    let (mut second, _) = tracker(&server, &team.inbox, Some(&token)).await;
    view_page(&mut second, "/b", "Page B").await;
    row_on_page(&mut ana_socket, "Page B").await;

    second.close().await;
    let back = row_on_page(&mut ana_socket, "Page A").await;
    assert_eq!(back.visitor_id, visitor_id(&server, &token).await);
    let pages = profile(&ana, back.visitor_id).await.pages;
    let titles: Vec<&str> = pages.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, vec!["Page A", "Page B", "Page A"]);
    assert!(pages[0].ended_at.is_none(), "on it again");
    first.close().await;
}

#[tokio::test]
async fn recorded_addresses_keep_no_fragment_and_only_the_query_the_inbox_allows() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in(&team.admin.email).await;
    let ana = server.sign_in("ana@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    watch(&mut ana_socket).await;
    let (mut tab, _) = tracker(&server, &team.inbox, None).await;
    let report = |path: &str, title: &str| {
        ClientFrame::PageView(PageReport {
            url: format!("https://shop.example{path}"),
            title: title.into(),
            referrer: "https://search.example/results?q=my+name#top".into(),
            ..PageReport::default()
        })
    };

    // By default neither the query nor the fragment is kept, nor the referrer's.
    tab.send(&report(
        "/reset?token=s3cret&utm_source=news#code=42",
        "Reset",
    ))
    .await;
    let row = row_on_page(&mut ana_socket, "Reset").await;
    assert_eq!(row.page_url, "https://shop.example/reset");
    let profile: VisitorProfile = ana
        .call("visitor_profile", &[("id", &row.visitor_id.to_string())])
        .await
        .expect("profile");
    assert_eq!(profile.visits[0].referrer, "https://search.example/results");

    // The inbox keeps its campaign parameters, and only those; bad names change nothing.
    let inbox_id = team.inbox.id.to_string();
    let refused: Result<Inbox, Value> = admin
        .call(
            "set_inbox_privacy",
            &[("inbox_id", &inbox_id), ("kept_query_params", "utm_*, a=b")],
        )
        .await;
    crate::common::refused(refused, "invalid");
    let saved: Inbox = admin
        .call(
            "set_inbox_privacy",
            &[("inbox_id", &inbox_id), ("kept_query_params", "utm_* ref")],
        )
        .await
        .expect("saved");
    assert_eq!(saved.kept_query_params, "utm_*, ref");
    let not_admin: Result<Inbox, Value> = ana
        .call(
            "set_inbox_privacy",
            &[("inbox_id", &inbox_id), ("kept_query_params", "")],
        )
        .await;
    crate::common::refused(not_admin, "forbidden");
    tab.send(&report(
        "/cart?token=s3cret&utm_source=news&ref=ad#x",
        "Cart",
    ))
    .await;
    let row = row_on_page(&mut ana_socket, "Cart").await;
    assert_eq!(
        row.page_url,
        "https://shop.example/cart?utm_source=news&ref=ad"
    );
}
