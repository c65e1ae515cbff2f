//! The Reports page's figures over HTTP: who may ask for what, and figures that follow what
//! the team did (the rules behind them are checked on a hand-built history in
//! `shared/src/reports.rs`).

use switchboard::model::{ConversationSummary, Role};
use switchboard::reports::{ReportPage, ReportView};

use crate::common::{TestServer, acked, refused, send};

/// The UTC days of the last hour: today, from yesterday just after midnight.
fn today() -> (String, String) {
    use switchboard::calendar::date_text;
    let now = switchboard::server::store::now_millis();
    (date_text(now - 3_600_000), date_text(now))
}

/// The report of the last hour up to now, of one inbox or all.
async fn last_hour(
    agent: &crate::common::Agent,
    inbox: Option<i64>,
) -> Result<ReportView, serde_json::Value> {
    last_hour_page(agent, inbox, "en")
        .await
        .map(|page| page.view)
}

/// [`last_hour`] with its charts, worded in `language`.
async fn last_hour_page(
    agent: &crate::common::Agent,
    inbox: Option<i64>,
    language: &str,
) -> Result<ReportPage, serde_json::Value> {
    let (from, to) = today();
    let inbox = inbox.map(|id| id.to_string());
    let mut form = vec![
        ("request[from]", from.as_str()),
        ("request[to]", to.as_str()),
        ("language", language),
    ];
    if let Some(inbox) = &inbox {
        form.push(("request[inbox]", inbox));
    }
    agent.call("report", &form).await
}

/// Ana's inbox with Sam its supervisor, another inbox with Sue, and one conversation Ana
/// accepted and answered (her tab stays open with it).
struct Answered {
    team: crate::common::Team,
    other: switchboard::model::Inbox,
    ana: crate::common::Agent,
    tab: crate::common::Socket,
}

async fn answered_by_ana(server: &TestServer) -> Answered {
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
    Answered {
        team,
        other,
        ana,
        tab,
    }
}

#[tokio::test]
async fn supervisors_see_their_inboxes_figures_and_operators_none() {
    let server = TestServer::start().await;
    let Answered {
        team,
        other,
        ana,
        tab: _tab,
    } = answered_by_ana(&server).await;
    // Besides Ana's answered conversation: one waiting, and one in Sue's inbox.
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
    // The charts come drawn, in the asker's language.
    let page = last_hour_page(&sam, None, "es")
        .await
        .expect("Sam's charts");
    assert!(
        page.charts
            .daily
            .contains(r#"aria-label="Conversaciones por día""#)
    );
    assert!(
        page.charts
            .daily
            .contains("iniciadas 2, atendidas 1, perdidas 0")
    );
    assert_eq!(page.charts.busiest.matches("<title>").count(), 7 * 24);

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
        .call::<ReportPage>(
            "report",
            &[
                ("request[from]", "2026-11-30"),
                ("request[to]", "2026-11-29"),
            ],
        )
        .await
        .expect_err("refused");
    assert_eq!(error["error"], "invalid");
}

#[tokio::test]
async fn every_table_downloads_as_csv_for_those_who_may_see_it() {
    let server = TestServer::start().await;
    let Answered {
        other,
        ana,
        tab: _tab,
        ..
    } = answered_by_ana(&server).await;
    // Sue, of the other inbox only, comes online: her presence is recorded.
    let sue = server.sign_in("sue@example.com").await;
    let mut sue_tab = sue.socket(None).await;
    sue_tab.until_ready().await;
    let root = server.sign_in("root@example.com").await;

    let (from, to) = today();
    let period = format!("from={from}&to={to}&tz=UTC");
    let get = |agent: &crate::common::Agent, path: String| {
        let request = agent.http.get(server.url(&path));
        async move {
            let response = request.send().await.expect("response");
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.text().await.expect("body");
            (status, headers, body)
        }
    };

    let sam = server.sign_in("sam@example.com").await;
    let (status, headers, body) = get(&sam, format!("/reports/agents.csv?{period}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"switchboard-agents-"),
        "{disposition}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some(
            "\u{feff}Agent,Conversations handled,First response (median) (seconds),\
             Average handling time (seconds),Time online (seconds),Time away (seconds)"
        )
    );
    assert!(
        lines.any(|line| line.starts_with("Ana,1,")),
        "Ana handled one: {body}"
    );
    assert!(!body.contains("Sue"), "not another inbox's agent: {body}");
    let (_, _, all) = get(&root, format!("/reports/agents.csv?{period}")).await;
    assert!(
        all.contains("\r\nSue,0,"),
        "an admin's table has her: {all}"
    );

    let (status, _, body) = get(&sam, format!("/reports/summary.csv?{period}&lang=es")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Conversaciones iniciadas,1\r\n"), "{body}");
    assert!(body.contains("Atendidas,1\r\n"), "{body}");
    let (_, _, body) = get(&sam, format!("/reports/daily.csv?{period}")).await;
    assert!(
        (2..=3).contains(&body.lines().count()),
        "a header and the one or two days: {body}"
    );
    let (_, _, body) = get(&sam, format!("/reports/hours.csv?{period}")).await;
    assert_eq!(body.lines().count(), 1 + 7 * 24);

    // Refusals, as the page's: an operator, another inbox, a bad period or table, no session.
    let (status, _, body) = get(&ana, format!("/reports/agents.csv?{period}")).await;
    assert_eq!((status, body.contains("forbidden")), (403, true), "{body}");
    let (status, _, _) = get(
        &sam,
        format!("/reports/agents.csv?{period}&inbox={}", other.id),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, body) = get(
        &sam,
        "/reports/agents.csv?from=2026-11-30&to=2026-11-29".to_owned(),
    )
    .await;
    assert_eq!((status, body.contains("invalid")), (400, true), "{body}");
    let (status, _, body) = get(&sam, "/reports/agents.csv?from=soon".to_owned()).await;
    assert_eq!((status, body.contains("invalid")), (400, true), "{body}");
    let (status, _, body) = get(
        &sam,
        format!("/reports/agents.csv?from={from}&to={to}&tz=Mars/Base"),
    )
    .await;
    assert_eq!((status, body.contains("invalid")), (400, true), "{body}");
    let (status, _, _) = get(&sam, format!("/reports/secrets.csv?{period}")).await;
    assert_eq!(status, 404);
    let anonymous = reqwest::get(server.url(&format!("/reports/agents.csv?{period}")))
        .await
        .expect("response");
    assert_eq!(anonymous.status().as_u16(), 401);
}
