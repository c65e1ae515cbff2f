//! Automatic assignment against the real server: off by default; in turn or to the least busy
//! among online members; never past the capacity, with the rest waiting until someone frees
//! up; a system line saying who got it and why; the manual flow alongside.

use serde_json::Value;
use switchboard::model::{ConversationStatus, ConversationSummary};

use crate::common::{Agent, TestServer, acked, eventually, send};

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
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
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
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
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
    // Ana holds three (third, fourth, and by now the rest of hers), Ben one: Ben.
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
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let summary: ConversationSummary = ana.detail(sixth).await.summary;
    assert_eq!(summary.status, ConversationStatus::Unassigned);
}
