//! Accounts and inboxes over time, against the real router on 127.0.0.1:0: admins edit,
//! disable, reset and delete agents, agents change their own password, inboxes are renamed,
//! switched off and deleted; whatever ends a session closes its sockets at once, and every
//! change is in the audit log.

use serde_json::json;
use switchboard::model::{AccountState, AgentAccount, AuditEntry, ConversationStatus};
use switchboard::protocol::ServerFrame;

use crate::common::{Agent, PASSWORD, Socket, TestServer, acked, send};

/// Signs in with any password; the status and the error code, if refused.
async fn try_sign_in(server: &TestServer, email: &str, password: &str) -> (u16, Option<String>) {
    let response = reqwest::Client::new()
        .post(server.url("/api/sign_in"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sign in");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (status, body["error"].as_str().map(str::to_owned))
}

/// Whether the client's session still opens the workspace.
async fn signed_in(agent: &Agent) -> bool {
    agent
        .call::<serde_json::Value>("load_workspace", &[])
        .await
        .is_ok()
}

/// An agent socket after its replay.
async fn ready_socket(agent: &Agent) -> Socket {
    let mut socket = agent.socket(None).await;
    socket.until_ready().await;
    socket
}

/// Reads the socket until the server refuses it as signed out and closes it.
async fn ends_signed_out(socket: &mut Socket) {
    assert_eq!(socket.refusal().await, "unauthenticated");
    let end = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        futures::StreamExt::next(&mut socket.stream),
    )
    .await
    .expect("the socket ends");
    assert!(
        matches!(
            end,
            None | Some(Err(_)) | Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)))
        ),
        "closed, got {end:?}"
    );
}

async fn accounts(admin: &Agent) -> Vec<AgentAccount> {
    admin
        .call::<serde_json::Value>("load_admin", &[])
        .await
        .map(|overview| serde_json::from_value(overview["agents"].clone()).expect("agents"))
        .expect("overview")
}

async fn audit(admin: &Agent) -> Vec<AuditEntry> {
    admin.call("load_audit_log", &[]).await.expect("audit log")
}

#[tokio::test]
async fn disabling_an_agent_signs_them_out_everywhere_and_requeues_their_chats() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    let mut ana_socket = ready_socket(&ana).await;
    // Ana has taken a visitor's conversation.
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v1", None, "hello")).await;
    let conversation_id = acked(&mut visitor).await.conversation_id;
    ana.call::<serde_json::Value>(
        "accept_conversation",
        &[("id", &conversation_id.to_string())],
    )
    .await
    .expect("accept");
    // And a ticket she made (its maker takes care of it at first).
    let ticket: serde_json::Value = ana
        .call(
            "create_ticket",
            &[
                ("conversation_id", &conversation_id.to_string()),
                ("subject", "Follow up"),
                ("requester_email", "kim@example.com"),
            ],
        )
        .await
        .expect("ticket");
    assert_eq!(ticket["assignee"]["id"], team.ana.id);
    let ticket_id = ticket["id"].to_string();

    let ana_id = team.ana.id.to_string();
    admin
        .call::<()>(
            "set_agent_enabled",
            &[("agent_id", &ana_id), ("enabled", "false")],
        )
        .await
        .expect("disable");
    ends_signed_out(&mut ana_socket).await;
    assert!(!signed_in(&ana).await, "her session ended");
    assert_eq!(
        try_sign_in(&server, "ana@example.com", PASSWORD).await,
        (403, Some("account_disabled".into()))
    );
    // A wrong password says nothing about the account.
    assert_eq!(
        try_sign_in(&server, "ana@example.com", "not her password").await,
        (401, Some("wrong_credentials".into()))
    );
    let detail = admin.detail(conversation_id).await;
    assert_eq!(detail.summary.status, ConversationStatus::Unassigned);
    // Her ticket is nobody's now, and she is not offered as its assignee.
    let ticket: serde_json::Value = admin
        .call("ticket", &[("id", &ticket_id)])
        .await
        .expect("ticket");
    assert!(ticket["ticket"]["assignee"].is_null(), "{ticket}");
    let offered = ticket["assignable"].as_array().expect("assignable");
    assert!(
        offered.iter().all(|a| a["id"] != team.ana.id),
        "{offered:?}"
    );
    assert!(!offered.is_empty(), "Ben is still offered");
    assert!(detail.summary.assignee.is_none());
    let colleagues = server
        .running
        .state
        .store
        .colleagues()
        .await
        .expect("colleagues");
    assert!(colleagues.iter().all(|c| c.id != team.ana.id));
    let listed = accounts(&admin).await;
    let ana_account = listed.iter().find(|a| a.id == team.ana.id).expect("listed");
    assert_eq!(ana_account.state, AccountState::Disabled);

    // Enabled again, she signs in as before.
    admin
        .call::<()>(
            "set_agent_enabled",
            &[("agent_id", &ana_id), ("enabled", "true")],
        )
        .await
        .expect("enable");
    assert_eq!(
        try_sign_in(&server, "ana@example.com", PASSWORD).await.0,
        200
    );
    let actions: Vec<String> = audit(&admin).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions[..2], ["agent_enabled", "agent_disabled"]);
}

#[tokio::test]
async fn signing_out_closes_that_sessions_sockets_only() {
    let server = TestServer::start().await;
    server.team().await;
    let laptop = server.sign_in("ana@example.com").await;
    let phone = server.sign_in("ana@example.com").await;
    let mut on_laptop = ready_socket(&laptop).await;
    let mut on_phone = ready_socket(&phone).await;
    laptop.call::<()>("sign_out", &[]).await.expect("sign out");
    ends_signed_out(&mut on_laptop).await;
    assert!(!signed_in(&laptop).await);
    // The phone's session and socket go on.
    assert!(signed_in(&phone).await);
    on_phone
        .assert_none_waiting(|f| matches!(f, ServerFrame::Refused { .. }))
        .await;
}

#[tokio::test]
async fn an_agent_changes_their_password_with_the_current_one() {
    let server = TestServer::start().await;
    server.team().await;
    let here = server.sign_in("ben@example.com").await;
    let elsewhere = server.sign_in("ben@example.com").await;
    let mut elsewhere_socket = ready_socket(&elsewhere).await;
    let new_password = "a brand new secret";
    let refused = here
        .call::<()>(
            "change_password",
            &[("current", "not my password"), ("new", new_password)],
        )
        .await
        .expect_err("wrong current password");
    assert_eq!(
        refused,
        json!({"error": "invalid", "field": "current_password", "reason": "wrong"})
    );
    assert_eq!(
        try_sign_in(&server, "ben@example.com", PASSWORD).await.0,
        200,
        "nothing changed"
    );
    here.call::<()>(
        "change_password",
        &[("current", PASSWORD), ("new", new_password)],
    )
    .await
    .expect("changed");
    // This session goes on; the other one ends with its socket.
    assert!(signed_in(&here).await);
    ends_signed_out(&mut elsewhere_socket).await;
    assert!(!signed_in(&elsewhere).await);
    assert_eq!(
        try_sign_in(&server, "ben@example.com", PASSWORD).await.0,
        401
    );
    assert_eq!(
        try_sign_in(&server, "ben@example.com", new_password)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn admins_edit_accounts_and_reset_passwords_and_keep_an_admin() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    let mut ana_socket = ready_socket(&ana).await;
    let ana_id = team.ana.id.to_string();
    let inbox = team.inbox.id.to_string();

    // Operators cannot touch accounts.
    let refused = ana
        .call::<AgentAccount>(
            "update_agent",
            &[
                ("agent_id", &ana_id),
                ("name", "Ana"),
                ("email", "ana@example.com"),
                ("role", "admin"),
            ],
        )
        .await
        .expect_err("forbidden");
    assert_eq!(refused["error"], "forbidden");

    // Another account's email is taken; a good edit changes name, role and inboxes, and her
    // workspace reloads with them.
    let taken = admin
        .call::<AgentAccount>(
            "update_agent",
            &[
                ("agent_id", &ana_id),
                ("name", "Ana"),
                ("email", "ben@example.com"),
                ("role", "operator"),
            ],
        )
        .await
        .expect_err("taken");
    assert_eq!(taken["error"], "email_taken");
    let edited: AgentAccount = admin
        .call(
            "update_agent",
            &[
                ("agent_id", &ana_id),
                ("name", "Ana María"),
                ("email", "ana.maria@example.com"),
                ("role", "supervisor"),
                ("inbox_ids[0]", &inbox),
            ],
        )
        .await
        .expect("edited");
    assert_eq!(
        (edited.name.as_str(), edited.role, edited.inbox_ids.clone()),
        (
            "Ana María",
            switchboard::model::Role::Supervisor,
            vec![team.inbox.id]
        )
    );
    // Her workspace reloads to see what a supervisor sees; she stays signed in.
    ana_socket
        .until(|frame| matches!(frame, ServerFrame::Resync).then_some(()))
        .await;
    assert!(signed_in(&ana).await);

    // The only admin cannot be demoted, disabled or deleted, and not by themselves either.
    let root = team.admin.id.to_string();
    let demote = admin
        .call::<AgentAccount>(
            "update_agent",
            &[
                ("agent_id", &root),
                ("name", "Root"),
                ("email", "root@example.com"),
                ("role", "operator"),
            ],
        )
        .await
        .expect_err("last admin");
    assert_eq!(demote["error"], "last_admin");
    let own = admin
        .call::<()>("delete_agent", &[("agent_id", &root)])
        .await
        .expect_err("not oneself");
    assert_eq!(own["error"], "forbidden");

    // A reset password ends her sessions; the new one signs in.
    let ana_again = server.sign_in("ana.maria@example.com").await;
    admin
        .call::<()>(
            "reset_agent_password",
            &[("agent_id", &ana_id), ("password", "given by the admin")],
        )
        .await
        .expect("reset");
    assert!(!signed_in(&ana_again).await);
    assert_eq!(
        try_sign_in(&server, "ana.maria@example.com", "given by the admin")
            .await
            .0,
        200
    );
    let short = admin
        .call::<()>(
            "reset_agent_password",
            &[("agent_id", &ana_id), ("password", "short")],
        )
        .await
        .expect_err("too short");
    assert_eq!(short["field"], "password");
    let actions: Vec<String> = audit(&admin).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions[..2], ["password_reset", "agent_updated"]);
}

#[tokio::test]
async fn a_deleted_agent_becomes_a_former_agent_and_their_messages_stay() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let ben = server.sign_in("ben@example.com").await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v1", None, "hello")).await;
    let conversation_id = acked(&mut visitor).await.conversation_id;
    ben.call::<serde_json::Value>(
        "accept_conversation",
        &[("id", &conversation_id.to_string())],
    )
    .await
    .expect("accept");
    let mut ben_socket = ready_socket(&ben).await;
    ben_socket
        .send(&send("b1", Some(conversation_id), "Ben here"))
        .await;
    acked(&mut ben_socket).await;

    admin
        .call::<()>("delete_agent", &[("agent_id", &team.ben.id.to_string())])
        .await
        .expect("deleted");
    ends_signed_out(&mut ben_socket).await;
    assert!(!signed_in(&ben).await);
    assert_eq!(
        try_sign_in(&server, "ben@example.com", PASSWORD).await,
        (401, Some("wrong_credentials".into()))
    );
    // His reply is still there under his name; the conversation is back in the queue.
    let detail = admin.detail(conversation_id).await;
    assert!(detail.messages.iter().any(|m| m.body == "Ben here"
        && matches!(&m.author, switchboard::model::Author::Agent { name, .. } if name == "Ben")));
    assert_eq!(detail.summary.status, ConversationStatus::Unassigned);
    // He is listed as a former agent, without his email, which a new account may take.
    let listed = accounts(&admin).await;
    let former = listed.iter().find(|a| a.id == team.ben.id).expect("listed");
    assert_eq!(former.state, AccountState::Deleted);
    assert!(former.inbox_ids.is_empty());
    // His initials still show beside his old replies.
    let picture = reqwest::get(server.url(&format!("/avatars/{}", team.ben.id)))
        .await
        .expect("avatar");
    assert_eq!(picture.status(), 200);
    assert!(picture.text().await.expect("svg").contains(">B</text>"));
    let again: AgentAccount = admin
        .call(
            "create_agent",
            &[
                ("name", "Ben Two"),
                ("email", "ben@example.com"),
                ("password", PASSWORD),
                ("role", "operator"),
            ],
        )
        .await
        .expect("email free again");
    assert_ne!(again.id, team.ben.id);
    // A former agent cannot be edited or deleted again.
    let gone = admin
        .call::<()>("delete_agent", &[("agent_id", &team.ben.id.to_string())])
        .await
        .expect_err("gone");
    assert_eq!(gone["error"], "not_found");
    let entry = audit(&admin)
        .await
        .into_iter()
        .find(|e| e.action == "agent_deleted")
        .expect("audited");
    assert_eq!(
        (entry.actor.as_str(), entry.subject.as_str()),
        ("Root", "Ben")
    );
}

#[tokio::test]
async fn inboxes_are_renamed_switched_off_and_deleted_after_confirmation() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in("root@example.com").await;
    let ana = server.sign_in("ana@example.com").await;
    let inbox = team.inbox.id.to_string();
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v1", None, "hello")).await;
    let conversation_id = acked(&mut visitor).await.conversation_id;

    // Off: the widget says the chat is unavailable, and no new visitor starts.
    let renamed: switchboard::model::Inbox = admin
        .call(
            "update_inbox",
            &[("inbox_id", &inbox), ("name", "Shop"), ("disabled", "true")],
        )
        .await
        .expect("updated");
    assert!(renamed.disabled && renamed.name == "Shop");
    let (status, body) = server
        .call_anonymous("widget_start", &[("key", &team.inbox.key)])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_inbox"))
    );
    // The visitor who already chats hears the same when writing or sending a file.
    visitor.send(&send("v2", None, "still there?")).await;
    assert_eq!(visitor.refusal().await, "unknown_inbox");
    let upload = reqwest::Client::new()
        .post(server.url("/files?name=a.png"))
        .bearer_auth(&token)
        .header(switchboard::files::UPLOAD_HEADER, "1")
        .body(vec![0u8; 8])
        .send()
        .await
        .expect("upload");
    assert_eq!(upload.status(), 404);
    let page = reqwest::get(server.url(&format!("/widget/{}", team.inbox.key)))
        .await
        .expect("widget page");
    assert_eq!(page.status(), 404);
    assert!(
        page.text()
            .await
            .expect("text")
            .contains("This chat is not available")
    );
    admin
        .call::<switchboard::model::Inbox>(
            "update_inbox",
            &[
                ("inbox_id", &inbox),
                ("name", "Shop"),
                ("disabled", "false"),
            ],
        )
        .await
        .expect("on again");
    assert_eq!(
        server
            .call_anonymous("widget_start", &[("key", &team.inbox.key)])
            .await
            .0,
        200
    );

    // Deleting names what goes and needs the name typed.
    let contents: serde_json::Value = admin
        .call("load_inbox_contents", &[("inbox_id", &inbox)])
        .await
        .expect("contents");
    assert_eq!(contents["conversations"], 1);
    assert_eq!(contents["visitors"], 2);
    let refused = ana
        .call::<()>(
            "delete_inbox",
            &[("inbox_id", &inbox), ("confirmation", "Shop")],
        )
        .await
        .expect_err("operators cannot");
    assert_eq!(refused["error"], "forbidden");
    let wrong = admin
        .call::<()>(
            "delete_inbox",
            &[("inbox_id", &inbox), ("confirmation", "Website")],
        )
        .await
        .expect_err("the old name");
    assert_eq!(wrong["field"], "confirmation");
    assert!(
        admin
            .call::<serde_json::Value>("conversation", &[("id", &conversation_id.to_string())])
            .await
            .is_ok()
    );
    admin
        .call::<()>(
            "delete_inbox",
            &[("inbox_id", &inbox), ("confirmation", "Shop")],
        )
        .await
        .expect("deleted");
    let gone = admin
        .call::<serde_json::Value>("conversation", &[("id", &conversation_id.to_string())])
        .await
        .expect_err("gone with its inbox");
    assert_eq!(gone["error"], "not_found");
    assert_eq!(
        server
            .call_anonymous("widget_start", &[("key", &team.inbox.key)])
            .await
            .0,
        404
    );
    let actions: Vec<String> = audit(&admin).await.into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions[..4],
        [
            "inbox_deleted",
            "inbox_enabled",
            "inbox_disabled",
            "inbox_renamed"
        ]
    );
    let refused = ana
        .call::<Vec<AuditEntry>>("load_audit_log", &[])
        .await
        .expect_err("admins only");
    assert_eq!(refused["error"], "forbidden");
}
