//! Automatic assignment against the real server: off by default; in turn or to the least busy
//! among online members; never past the capacity, with the rest waiting until someone frees
//! up; a system line saying who got it and why; the manual flow alongside.

use serde_json::Value;
use switchboard::model::{ConversationStatus, ConversationSummary};

use crate::common::{Agent, TestServer, acked, eventually, send};

/// Longer than the chores node's sweep (2 s): what still waits then was not given out.
const AFTER_A_SWEEP: std::time::Duration = std::time::Duration::from_millis(2_500);

/// A visitor of the team's inbox writes: the new conversation.
async fn waiting(server: &TestServer, inbox: &switchboard::model::Inbox, text: &str) -> i64 {
    let token = server.visitor_token(inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v-1", None, text)).await;
    acked(&mut visitor).await.conversation_id
}

/// Who the conversation goes to, once it goes to someone.
async fn assignee_of(agent: &Agent, id: i64) -> String {
    eventually("the conversation is assigned", || async {
        agent.detail(id).await.summary.assignee.map(|a| a.name)
    })
    .await
}

async fn set(admin: &Agent, inbox_id: i64, mode: &str, capacity: &str) -> Result<Value, Value> {
    admin
        .call(
            "set_inbox_auto_assign",
            &[
                ("inbox_id", &inbox_id.to_string()),
                ("mode", mode),
                ("capacity", capacity),
            ],
        )
        .await
}

#[tokio::test]
async fn conversations_go_in_turn_up_to_each_capacity_and_wait_until_someone_frees_up() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    let ana = server.sign_in(&team.ana.email).await;
    let ben = server.sign_in(&team.ben.email).await;
    let mut ana_tab = ana.socket(None).await;
    ana_tab.until_ready().await;
    let mut ben_tab = ben.socket(None).await;
    ben_tab.until_ready().await;

    // Off by default: the first conversation waits for someone to accept it.
    let first = waiting(&server, &team.inbox, "First").await;
    tokio::time::sleep(AFTER_A_SWEEP).await;
    assert_eq!(
        ana.detail(first).await.summary.status,
        ConversationStatus::Unassigned
    );

    // Bad settings change nothing.
    for (mode, capacity) in [("random", "3"), ("round_robin", "0"), ("round_robin", "51")] {
        let error = set(&root, team.inbox.id, mode, capacity)
            .await
            .expect_err("refused");
        assert_eq!(error["error"], "invalid", "{mode} {capacity}");
    }
    let refused = set(&ana, team.inbox.id, "round_robin", "1")
        .await
        .expect_err("an operator");
    assert_eq!(refused["error"], "forbidden");

    // In turn, one each: the waiting one goes at once, then the next to the other agent.
    let saved = set(&root, team.inbox.id, "round_robin", "1")
        .await
        .expect("saved");
    assert_eq!(saved["auto_assign"]["mode"], "round_robin");
    let first_to = assignee_of(&ana, first).await;
    let second = waiting(&server, &team.inbox, "Second").await;
    let second_to = assignee_of(&ana, second).await;
    let mut both = vec![first_to.clone(), second_to.clone()];
    both.sort();
    assert_eq!(both, ["Ana", "Ben"], "one each");
    let detail = ana.detail(first).await;
    let line = detail
        .messages
        .iter()
        .find_map(|m| m.system.clone())
        .expect("a system line");
    assert_eq!(
        switchboard::wording::system_line(switchboard::i18n::Locale::en, &line),
        format!("Assigned automatically to {first_to}: their turn (round robin)")
    );
    // The visitor reads it as the agent joining.
    assert!(line.for_visitor());
    assert_eq!(
        switchboard::wording::visitor_system_line(switchboard::i18n::Locale::en, &line),
        format!("{first_to} joined the chat")
    );

    // Both are full: the third waits, and someone may still take it by hand.
    let third = waiting(&server, &team.inbox, "Third").await;
    tokio::time::sleep(AFTER_A_SWEEP).await;
    assert_eq!(
        ana.detail(third).await.summary.status,
        ConversationStatus::Unassigned
    );
    // Whoever had the first closes it: the third goes to them at once.
    let holder = if first_to == "Ana" { &ana } else { &ben };
    let _: () = holder
        .call("close_conversation", &[("id", &first.to_string())])
        .await
        .expect("closed");
    assert_eq!(assignee_of(&ana, third).await, first_to);

    // An agent who is away gets none; least busy picks the one with fewer open chats.
    let fourth = waiting(&server, &team.inbox, "Fourth").await;
    let _: () = ben
        .call("set_presence", &[("presence", "away")])
        .await
        .expect("away");
    set(&root, team.inbox.id, "least_busy", "5")
        .await
        .expect("saved");
    assert_eq!(assignee_of(&ana, fourth).await, "Ana", "Ben is away");
    let _: () = ben
        .call("set_presence", &[("presence", "online")])
        .await
        .expect("online");
    let fifth = waiting(&server, &team.inbox, "Fifth").await;
    // Ana holds two (third and fourth), Ben one (second): Ben.
    assert_eq!(assignee_of(&ana, fifth).await, "Ben");
    let line = ana
        .detail(fifth)
        .await
        .messages
        .iter()
        .find_map(|m| m.system.clone())
        .expect("a system line");
    assert_eq!(
        switchboard::wording::system_line(switchboard::i18n::Locale::es, &line),
        "Asignada automáticamente a Ben: tenía menos chats abiertos (menos ocupado)"
    );

    // Turned off, conversations wait again.
    set(&root, team.inbox.id, "off", "5").await.expect("off");
    let sixth = waiting(&server, &team.inbox, "Sixth").await;
    tokio::time::sleep(AFTER_A_SWEEP).await;
    let summary: ConversationSummary = ana.detail(sixth).await.summary;
    assert_eq!(summary.status, ConversationStatus::Unassigned);
}

#[tokio::test]
async fn who_let_a_conversation_go_and_who_closed_their_tab_are_not_given_it() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let root = server.sign_in("root@example.com").await;
    let ana = server.sign_in(&team.ana.email).await;
    let ben = server.sign_in(&team.ben.email).await;
    let mut ana_tab = ana.socket(None).await;
    ana_tab.until_ready().await;
    set(&root, team.inbox.id, "least_busy", "3")
        .await
        .expect("saved");

    // Ana, alone online, gets it; she lets it go; it waits rather than come back to her.
    let first = waiting(&server, &team.inbox, "First").await;
    assert_eq!(assignee_of(&ana, first).await, "Ana");
    let _: ConversationSummary = ana
        .call("assign_conversation", &[("id", &first.to_string())])
        .await
        .expect("let go");
    tokio::time::sleep(AFTER_A_SWEEP).await;
    assert_eq!(
        ana.detail(first).await.summary.status,
        ConversationStatus::Unassigned
    );
    // Ben comes online: it goes to him.
    let mut ben_tab = ben.socket(None).await;
    ben_tab.until_ready().await;
    assert_eq!(assignee_of(&ana, first).await, "Ben");

    // Ben closes his tab: while he is on his way offline he gets nothing more, though he
    // holds fewer than Ana would after this.
    drop(ben_tab);
    eventually("Ben's tab is gone", || async {
        let state = &server.running.state;
        let queue = state
            .store
            .assignment_queue(team.inbox.id)
            .await
            .expect("queue");
        (!queue.candidates.iter().any(|c| c.agent_id == team.ben.id)).then_some(())
    })
    .await;
    let second = waiting(&server, &team.inbox, "Second").await;
    assert_eq!(assignee_of(&ana, second).await, "Ana");
}
