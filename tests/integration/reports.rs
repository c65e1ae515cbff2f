//! The Reports page's figures over HTTP: who may ask for what, and figures that follow what
//! the team did (the rules behind them are checked on a hand-built history in
//! `shared/src/reports.rs`).

use switchboard::model::{ConversationSummary, Role};
use switchboard::reports::ReportView;

use crate::common::{TestServer, acked, refused, send};

/// The report of the last hour up to now, of one inbox or all.
async fn last_hour(
    agent: &crate::common::Agent,
    inbox: Option<i64>,
) -> Result<ReportView, serde_json::Value> {
    let now = switchboard::server::store::now_millis();
    let from = (now - 3_600_000).to_string();
    let to = (now + 1_000).to_string();
    let inbox = inbox.map(|id| id.to_string());
    let mut form = vec![
        ("request[from]", from.as_str()),
        ("request[to]", to.as_str()),
    ];
    if let Some(inbox) = &inbox {
        form.push(("request[inbox]", inbox));
    }
    agent.call("report", &form).await
}

#[tokio::test]
async fn supervisors_see_their_inboxes_figures_and_operators_none() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    server
        .agent(
            &team.admin,
            "Sam",
            "sam@example.com",
            Role::Supervisor,
            &[team.inbox.id],
        )
        .await;

    // One conversation answered by Ana, one waiting, one in Sue's inbox.
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v-1", None, "Where is my order?")).await;
    let id = acked(&mut visitor).await.conversation_id;
    let ana = server.sign_in(&team.ana.email).await;
    let _: ConversationSummary = ana
        .call("accept_conversation", &[("id", &id.to_string())])
        .await
        .expect("accepted");
    let mut tab = ana.socket(None).await;
    tab.until_ready().await;
    tab.send(&send("a-1", Some(id), "On its way")).await;
    acked(&mut tab).await;
    for inbox in [&team.inbox, &other] {
        let token = server.visitor_token(inbox).await;
        let mut waiting = server.visitor_socket(&token, None).await;
        waiting.until_ready().await;
        waiting.send(&send("w-1", None, "Hello?")).await;
        acked(&mut waiting).await;
    }

    // Sue, of the other inbox only, opens her workspace: her presence is recorded.
    let sue = server.sign_in("sue@example.com").await;
    let mut sue_tab = sue.socket(None).await;
    sue_tab.until_ready().await;

    refused(last_hour(&ana, None).await, "forbidden");
    let sam = server.sign_in("sam@example.com").await;
    let view = last_hour(&sam, None).await.expect("Sam's report");
    assert_eq!(view.report.started, 2, "his inbox only");
    assert_eq!(view.report.answered, 1);
    assert_eq!(view.report.first_response.count, 1);
    let row = view
        .report
        .agents
        .iter()
        .find(|row| row.agent == team.ana.id)
        .expect("Ana's row");
    assert_eq!(row.handled, 1);
    assert!(view.agents.iter().any(|a| a.name == "Ana"));
    assert!(
        !view
            .report
            .agents
            .iter()
            .any(|row| row.agent == team.admin.id && view.agents.iter().all(|a| a.id != row.agent)),
        "every row is named"
    );
    refused(last_hour(&sam, Some(other.id)).await, "not_found");

    assert!(
        view.agents.iter().all(|a| a.name != "Sue"),
        "not the agents of other inboxes"
    );
    let root = server.sign_in("root@example.com").await;
    let all = last_hour(&root, None).await.expect("the admin's report");
    assert_eq!(all.report.started, 3, "every inbox");
    assert!(
        all.agents.iter().any(|a| a.name == "Sue"),
        "an admin sees all"
    );
    let theirs = last_hour(&root, Some(other.id)).await.expect("one inbox");
    assert_eq!((theirs.report.started, theirs.report.answered), (1, 0));

    // A period that ends before it starts changes nothing and says why.
    let error = root
        .call::<ReportView>("report", &[("request[from]", "10"), ("request[to]", "5")])
        .await
        .expect_err("refused");
    assert_eq!(error["error"], "invalid");
}
