//! The workspace's rules against the real router on 127.0.0.1:0: assignment and presence,
//! timers that survive a restart, unread state per agent, who is viewing and typing, and what
//! an agent outside an inbox can (not) do.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{Team, TestServer, acked, eventually, refused};
use serde_json::Value;
use switchboard::model::{
    ConversationDetail, ConversationStatus, ConversationSummary, Me, Presence, Role, SystemLine,
};
use switchboard::protocol::{ClientFrame, Event, ServerFrame};
use switchboard::rules::TimerKind;

/// Client ids for visitor sends, unique within a test binary.
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A visitor of the team's inbox ("Website") writes `text`; returns their token and the
/// conversation id.
async fn visitor_writes(server: &TestServer, key_token: Option<&str>, text: &str) -> (String, i64) {
    let inbox = server
        .running
        .state
        .store
        .inboxes()
        .await
        .expect("inboxes")
        .into_iter()
        .find(|inbox| inbox.name == "Website")
        .expect("the team's inbox");
    let token = match key_token {
        Some(token) => token.to_owned(),
        None => server.visitor_token(&inbox).await,
    };
    let mut socket = server.visitor_socket(&token, None).await;
    socket.until_ready().await;
    socket
        .send(&ClientFrame::Send {
            client_id: format!("c-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            conversation_id: None,
            body: text.into(),
            attachments: Vec::new(),
            note: false,
        })
        .await;
    let message = socket
        .until(|frame| match frame {
            ServerFrame::Ack { message, .. } => Some(message),
            _ => None,
        })
        .await;
    socket.close().await;
    (token, message.conversation_id)
}

fn lines(detail: &ConversationDetail) -> Vec<SystemLine> {
    detail
        .messages
        .iter()
        .filter_map(|m| m.system.clone())
        .collect()
}

/// Cleo, a third operator of the team's inbox, who has not signed in.
async fn cleo(server: &TestServer, team: &Team) -> Me {
    server
        .agent(
            &team.admin,
            "Cleo",
            "cleo@example.com",
            Role::Operator,
            &[team.inbox.id],
        )
        .await
}

/// When the timer of this kind and subject falls due.
async fn due_at(server: &TestServer, kind: TimerKind, subject_id: i64) -> i64 {
    server
        .running
        .state
        .store
        .timers()
        .await
        .expect("timers")
        .into_iter()
        .find(|t| t.kind == kind && t.subject_id == subject_id)
        .unwrap_or_else(|| panic!("no {kind:?} timer for {subject_id}"))
        .due_at
}

#[tokio::test]
async fn conversations_are_given_only_to_online_members_and_each_change_leaves_a_line() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let cleo = cleo(&server, &team).await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    // Ben has the workspace open: he is online. Cleo never signed in: offline.
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    let (_, id) = visitor_writes(&server, None, "Hello?").await;
    let id_text = id.to_string();
    let _: ConversationSummary = ana
        .call("accept_conversation", &[("id", &id_text)])
        .await
        .expect("accept");

    refused(
        ana.call::<ConversationSummary>(
            "assign_conversation",
            &[("id", &id_text), ("agent_id", &cleo.id.to_string())],
        )
        .await,
        "agent_not_online",
    );
    let unchanged = ana.detail(id).await;
    assert_eq!(
        unchanged.summary.assignee.as_ref().map(|a| a.id),
        Some(team.ana.id)
    );

    let given: ConversationSummary = ana
        .call(
            "assign_conversation",
            &[("id", &id_text), ("agent_id", &team.ben.id.to_string())],
        )
        .await
        .expect("Ben is online");
    assert_eq!(given.assignee.map(|a| a.id), Some(team.ben.id));
    // Ben's workspace hears of it live (after Ana's accept, which came first).
    ben_socket
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::ConversationAssigned { assignee, .. },
                ..
            } => assignee.filter(|a| a.name == "Ben"),
            _ => None,
        })
        .await;

    // Clearing the assignee puts it back to unassigned.
    let cleared: ConversationSummary = ben
        .call("assign_conversation", &[("id", &id_text)])
        .await
        .expect("clear");
    assert_eq!(cleared.status, ConversationStatus::Unassigned);
    refused(
        ben.call::<ConversationSummary>("assign_conversation", &[("id", &id_text)])
            .await,
        "not_assigned",
    );

    assert_eq!(
        lines(&ana.detail(id).await),
        vec![
            SystemLine::Accepted {
                agent: "Ana".into()
            },
            SystemLine::Assigned {
                by: "Ana".into(),
                to: "Ben".into()
            },
            SystemLine::Unassigned { by: "Ben".into() },
        ]
    );
}

#[tokio::test]
async fn an_agent_without_a_workspace_goes_offline_after_the_grace_period() {
    let server = TestServer::start_with(|config| config.offline_after = 3).await;
    let team = server.team().await;
    let cleo = cleo(&server, &team).await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    let ben_id = team.ben.id;
    let presence_of = |who: i64| {
        move |frame| match frame {
            ServerFrame::Event {
                event: Event::PresenceChanged { agent_id, presence },
                ..
            } if agent_id == who => Some(presence),
            _ => None,
        }
    };
    let presence_of_ben = presence_of(ben_id);
    assert_eq!(ana_socket.until(presence_of_ben).await, Presence::Online);

    // A short loss of connection does not flap him: his grace period starts when the server
    // sees the socket go, and he is back within it.
    ben_socket.close().await;
    let store = server.running.state.store.clone();
    eventually("his grace period started", || async {
        store
            .timers()
            .await
            .expect("timers")
            .into_iter()
            .find(|t| t.kind == TimerKind::AgentOffline && t.subject_id == ben_id)
    })
    .await;
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    // The marker: Cleo's workspace closes after Ben came back, so her grace period ends after
    // his would have, and the engine fires timers in the order they fall due. Had Ben been
    // taken offline, Ana would hear it before she hears that Cleo went offline.
    let cleo_agent = server.sign_in(&cleo.email).await;
    let mut cleo_socket = cleo_agent.socket(None).await;
    cleo_socket.until_ready().await;
    assert_eq!(
        ana_socket.until(presence_of(cleo.id)).await,
        Presence::Online
    );
    cleo_socket.close().await;
    let mut about_ben = Vec::new();
    let cleo_now = ana_socket
        .until(|frame| {
            if let Some(presence) = presence_of_ben(frame.clone()) {
                about_ben.push(presence);
            }
            presence_of(cleo.id)(frame)
        })
        .await;
    assert_eq!(cleo_now, Presence::Offline);
    assert!(about_ben.is_empty(), "Ben flapped: {about_ben:?}");

    // Gone for longer than the grace period: offline, for colleagues too.
    ben_socket.close().await;
    assert_eq!(ana_socket.until(presence_of_ben).await, Presence::Offline);

    // He chooses "away" and comes back: colleagues see his choice.
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    assert_eq!(ana_socket.until(presence_of_ben).await, Presence::Online);
    let () = ben
        .call("set_presence", &[("presence", "away")])
        .await
        .expect("away");
    assert_eq!(ana_socket.until(presence_of_ben).await, Presence::Away);
    refused(
        ben.call::<()>("set_presence", &[("presence", "asleep")])
            .await,
        "invalid",
    );
}

#[tokio::test]
async fn timers_fire_after_a_restart_with_their_system_lines() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let inbox_id = team.inbox.id.to_string();
    refused(
        admin
            .call::<Value>(
                "set_inbox_timers",
                &[
                    ("inbox_id", &inbox_id),
                    ("assignee_idle_secs", "1"),
                    ("visitor_idle_secs", "3"),
                ],
            )
            .await,
        "invalid",
    );
    let ana = server.sign_in("ana@example.com").await;
    refused(
        ana.call::<Value>(
            "set_inbox_timers",
            &[
                ("inbox_id", &inbox_id),
                ("assignee_idle_secs", "3"),
                ("visitor_idle_secs", "3"),
            ],
        )
        .await,
        "forbidden",
    );
    let _: Value = admin
        .call(
            "set_inbox_timers",
            &[
                ("inbox_id", &inbox_id),
                ("assignee_idle_secs", "3"),
                ("visitor_idle_secs", "3"),
            ],
        )
        .await
        .expect("timers set");

    // The visitor waits for Ana; the server goes down before her 3 seconds are up and stays
    // down until they are.
    let (token, id) = visitor_writes(&server, None, "Anyone there?").await;
    let _: ConversationSummary = ana
        .call("accept_conversation", &[("id", &id.to_string())])
        .await
        .expect("accept");
    let due = due_at(&server, TimerKind::AssigneeIdle, id).await;
    let server = server.restart_after_time(due).await;
    let store = server.running.state.store.clone();
    eventually("unassigned by its timer", || async {
        store
            .conversation(id)
            .await
            .expect("read")
            .filter(|c| c.status == ConversationStatus::Unassigned)
    })
    .await;
    let ana = server.sign_in("ana@example.com").await;
    assert!(
        lines(&ana.detail(id).await).contains(&SystemLine::AutoUnassigned {
            agent: "Ana".into(),
            after_secs: 3
        })
    );

    // Ana takes it again and answers; the visitor goes quiet; down again past the time; closed.
    let _: ConversationSummary = ana
        .call("accept_conversation", &[("id", &id.to_string())])
        .await
        .expect("accept again");
    let mut socket = ana.socket(None).await;
    socket.until_ready().await;
    socket
        .send(&ClientFrame::Send {
            client_id: "reply-1".into(),
            conversation_id: Some(id),
            body: "Here I am!".into(),
            attachments: Vec::new(),
            note: false,
        })
        .await;
    acked(&mut socket).await;
    socket.close().await;
    let due = due_at(&server, TimerKind::VisitorIdle, id).await;
    let server = server.restart_after_time(due).await;
    let store = server.running.state.store.clone();
    eventually("closed by its timer", || async {
        store
            .conversation(id)
            .await
            .expect("read")
            .filter(|c| c.status == ConversationStatus::Closed)
    })
    .await;
    let ana = server.sign_in("ana@example.com").await;
    let closed = ana.detail(id).await;
    assert_eq!(
        lines(&closed).last(),
        Some(&SystemLine::AutoClosed { after_secs: 3 })
    );
    assert!(
        store
            .timers()
            .await
            .expect("timers")
            .iter()
            .all(|t| t.subject_id != id)
    );

    // The visitor sees that it closed, but not how the team shared out its work.
    let (status, body) = server
        .call_anonymous(
            "widget_start",
            &[("key", &team.inbox.key), ("token", &token)],
        )
        .await;
    assert_eq!(status, 200);
    let body = body.to_string();
    assert!(body.contains("auto_closed"), "{body}");
    assert!(!body.contains("auto_unassigned"), "{body}");
}

#[tokio::test]
async fn unread_state_is_per_agent_and_survives_a_reload() {
    let server = TestServer::start().await;
    let _team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let (token, id) = visitor_writes(&server, None, "First").await;
    visitor_writes(&server, Some(&token), "Second!").await;
    let unread = |snapshot: &Value| {
        snapshot["unread"]
            .as_array()
            .map(|pairs| pairs.iter().filter(|p| p[0] == id).count())
            .unwrap_or(0)
    };
    let ana_start: Value = ana.call("load_workspace", &[]).await.expect("snapshot");
    assert_eq!(unread(&ana_start), 2);

    let mut ana_other_device = ana.socket(None).await;
    ana_other_device.until_ready().await;
    let newest = ana.detail(id).await.messages.last().expect("messages").id;
    let () = ana
        .call(
            "mark_read",
            &[("id", &id.to_string()), ("up_to", &newest.to_string())],
        )
        .await
        .expect("read");
    let read = ana_other_device
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::ConversationRead { up_to, .. },
                ..
            } => Some(up_to),
            _ => None,
        })
        .await;
    assert_eq!(read, newest);
    let ana_again: Value = ana.call("load_workspace", &[]).await.expect("snapshot");
    assert_eq!(unread(&ana_again), 0);
    let ben_start: Value = ben.call("load_workspace", &[]).await.expect("snapshot");
    assert_eq!(unread(&ben_start), 2);

    refused(
        ana.call::<()>(
            "mark_read",
            &[
                ("id", &id.to_string()),
                ("up_to", &(newest + 100).to_string()),
            ],
        )
        .await,
        "invalid",
    );
}

#[tokio::test]
async fn colleagues_of_the_inbox_see_who_is_viewing_and_typing() {
    let server = TestServer::start().await;
    let team = server.team().await;
    server.other_inbox_with_sue(&team).await;
    let (token, id) = visitor_writes(&server, None, "Hi").await;
    let ana = server.sign_in("ana@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let sue = server.sign_in("sue@example.com").await;
    let mut ana_socket = ana.socket(None).await;
    ana_socket.until_ready().await;
    let mut ben_socket = ben.socket(None).await;
    ben_socket.until_ready().await;
    let mut sue_socket = sue.socket(None).await;
    sue_socket.until_ready().await;

    ana_socket
        .send(&ClientFrame::Viewing {
            conversation_ids: vec![id],
        })
        .await;
    let viewers = ben_socket
        .until(|frame| match frame {
            ServerFrame::Viewers { agents, .. } => Some(agents),
            _ => None,
        })
        .await;
    assert_eq!(
        viewers.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["Ana"]
    );
    ana_socket
        .send(&ClientFrame::Typing {
            conversation_id: Some(id),
            draft: None,
            note: false,
        })
        .await;
    let typing = ben_socket
        .until(|frame| match frame {
            ServerFrame::Typing { agent, .. } => Some(agent),
            _ => None,
        })
        .await;
    assert_eq!(typing.name, "Ana");

    // Leaving clears it; someone outside the inbox heard none of it.
    ana_socket.close().await;
    let viewers = ben_socket
        .until(|frame| match frame {
            ServerFrame::Viewers { agents, .. } => Some(agents),
            _ => None,
        })
        .await;
    assert!(viewers.is_empty());
    sue_socket.assert_nothing_waiting().await;

    // Sue cannot report viewing a conversation she may not see; a visitor cannot at all.
    sue_socket
        .send(&ClientFrame::Viewing {
            conversation_ids: vec![id],
        })
        .await;
    let refused = sue_socket.refusal().await;
    assert_eq!(refused, "not_found");
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor
        .send(&ClientFrame::Viewing {
            conversation_ids: vec![id],
        })
        .await;
    assert_eq!(visitor.refusal().await, "forbidden");
}

#[tokio::test]
async fn an_operator_cannot_act_on_another_inbox_and_its_supervisor_can() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    let token = server.visitor_token(&other).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor
        .send(&ClientFrame::Send {
            client_id: "x".into(),
            conversation_id: None,
            body: "Over here".into(),
            attachments: Vec::new(),
            note: false,
        })
        .await;
    let id = visitor
        .until(|frame| match frame {
            ServerFrame::Ack { message, .. } => Some(message.conversation_id),
            _ => None,
        })
        .await
        .to_string();

    let ana = server.sign_in("ana@example.com").await;
    for (name, form) in [
        ("conversation", vec![("id", id.as_str())]),
        ("accept_conversation", vec![("id", id.as_str())]),
        ("close_conversation", vec![("id", id.as_str())]),
        ("assign_conversation", vec![("id", id.as_str())]),
        ("mark_read", vec![("id", id.as_str()), ("up_to", "1")]),
    ] {
        let (status, body) = ana.call_raw(name, &form).await;
        assert_eq!(
            (status, &body["error"]),
            (404, &Value::from("not_found")),
            "{name}"
        );
    }
    let ana_view: Value = ana.call("load_workspace", &[]).await.expect("snapshot");
    assert!(
        ana_view["conversations"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    let sue = server.sign_in("sue@example.com").await;
    let sue_view: Value = sue.call("load_workspace", &[]).await.expect("snapshot");
    assert_eq!(sue_view["conversations"].as_array().map(Vec::len), Some(1));
    let taken: ConversationSummary = sue
        .call("accept_conversation", &[("id", &id)])
        .await
        .expect("her inbox");
    assert_eq!(taken.assignee.map(|a| a.name), Some("Sue".into()));
    let () = sue
        .call("close_conversation", &[("id", &id)])
        .await
        .expect("close");
}

#[tokio::test]
async fn the_next_conversation_of_a_visitor_shows_the_earlier_ones() {
    let server = TestServer::start().await;
    let _team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (token, first) = visitor_writes(&server, None, "My order is late").await;
    let _: ConversationSummary = ana
        .call("accept_conversation", &[("id", &first.to_string())])
        .await
        .expect("accept");
    let () = ana
        .call("close_conversation", &[("id", &first.to_string())])
        .await
        .expect("close");
    let (_, second) = visitor_writes(&server, Some(&token), "Still late").await;
    assert_ne!(first, second);
    let shown = ana.detail(second).await;
    assert_eq!(shown.earlier.len(), 1);
    assert_eq!(shown.earlier[0].summary.id, first);
    assert_eq!(shown.earlier[0].messages[0].body, "My order is late");
}

#[tokio::test]
async fn only_online_agents_take_new_conversations_and_an_away_agent_keeps_theirs() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let (_, mine) = visitor_writes(&server, None, "first").await;
    let (_, waiting) = visitor_writes(&server, None, "second").await;
    ana.call::<Value>("accept_conversation", &[("id", &mine.to_string())])
        .await
        .expect("accepted while online");

    // Away: no new conversation, neither taken nor started with a visitor.
    let () = ana
        .call("set_presence", &[("presence", "away")])
        .await
        .expect("away");
    refused(
        ana.call::<Value>("accept_conversation", &[("id", &waiting.to_string())])
            .await,
        "not_online",
    );
    let unchanged = ana.detail(waiting).await;
    assert_eq!(unchanged.summary.status, ConversationStatus::Unassigned);
    // She still answers the one she has.
    let mut socket = ana.socket(None).await;
    socket.until_ready().await;
    socket
        .send(&ClientFrame::Send {
            client_id: "away-reply".into(),
            conversation_id: Some(mine),
            body: "Still here for you".into(),
            attachments: Vec::new(),
            note: false,
        })
        .await;
    assert_eq!(acked(&mut socket).await.body, "Still here for you");
    // Nor can anyone give her one.
    let ben = server.sign_in("ben@example.com").await;
    refused(
        ben.call::<Value>(
            "assign_conversation",
            &[
                ("id", &waiting.to_string()),
                ("agent_id", &team.ana.id.to_string()),
            ],
        )
        .await,
        "agent_not_online",
    );
    // Online again, she takes it.
    let () = ana
        .call("set_presence", &[("presence", "online")])
        .await
        .expect("online");
    ana.call::<Value>("accept_conversation", &[("id", &waiting.to_string())])
        .await
        .expect("accepted");
}

#[tokio::test]
async fn each_agent_chooses_when_they_are_shown_offline_within_the_servers_limit() {
    let server = TestServer::start_with(|config| config.offline_after_max_minutes = 30).await;
    let team = server.team().await;
    let ana = server.sign_in("ana@example.com").await;
    let settings: Value = ana
        .call("load_presence_settings", &[])
        .await
        .expect("settings");
    assert_eq!(
        settings,
        serde_json::json!({"offline_after_minutes": 15, "max_minutes": 30})
    );
    for minutes in ["0", "31"] {
        refused(
            ana.call::<()>("set_offline_after", &[("minutes", minutes)])
                .await,
            "invalid",
        );
    }
    let () = ana
        .call("set_offline_after", &[("minutes", "2")])
        .await
        .expect("saved");
    // Her last workspace closes: she goes offline after her 2 minutes, not the server's 15.
    let mut socket = ana.socket(None).await;
    socket.until_ready().await;
    socket.close().await;
    let closed_at = switchboard::server::store::now_millis();
    let due = eventually("her offline timer", || async {
        server
            .running
            .state
            .store
            .timers()
            .await
            .ok()?
            .into_iter()
            .find(|t| t.kind == TimerKind::AgentOffline && t.subject_id == team.ana.id)
            .map(|t| t.due_at)
    })
    .await;
    let after = due - closed_at;
    assert!(
        (100_000..=125_000).contains(&after),
        "due {after} ms after closing"
    );
}
