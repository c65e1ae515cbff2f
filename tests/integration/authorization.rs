//! The authorization matrix against the real router on 127.0.0.1:0: every registered server
//! function, every HTTP route and every kind of socket frame, called as each of anonymous, a
//! visitor (with their own token, or someone else's), an operator of the inbox, an operator of
//! another inbox, a supervisor, an admin and a disabled agent. Each cell is either allowed
//! (whatever the answer, it is not a refusal of who asks) or refused (`unauthenticated`,
//! `forbidden`, or `not_found` for what the caller may not know exists). The server functions
//! are enumerated from the registry: one added without a row here fails the test.

use std::collections::BTreeSet;

use serde_json::Value;
use switchboard::files::UPLOAD_HEADER;
use switchboard::model::{Me, Role};
use switchboard::protocol::{ClientFrame, PageReport, ServerFrame};
use switchboard::server::services;

use crate::common::{Agent, PASSWORD, Socket, TestServer, acked, send};

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// The visitor of the conversation, with their token.
    OwnVisitor,
    /// Another visitor of the same inbox, with theirs.
    OtherVisitor,
    /// An agent disabled after signing in (their session ends with it).
    Disabled,
    /// An operator of another inbox only.
    OperatorOut,
    /// An operator of the conversation's inbox.
    OperatorIn,
    /// A supervisor of the conversation's inbox.
    Supervisor,
    Admin,
}

/// Everyone, refused callers first, so the allowed calls that change things come last.
const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::OwnVisitor,
    Who::OtherVisitor,
    Who::Disabled,
    Who::OperatorOut,
    Who::OperatorIn,
    Who::Supervisor,
    Who::Admin,
];

/// Who may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone (what it answers depends on who asks: sign-in, setup, the widget's start).
    Public,
    /// Any active agent, about themselves or the team's shared lists.
    Agents,
    /// Agents who may see the inbox: its members and admins.
    InboxAgents,
    /// Supervisors of the inbox and admins.
    Supervisors,
    Admins,
}

impl Rule {
    fn allows(self, who: Who) -> bool {
        match self {
            Rule::Public => true,
            Rule::Agents => matches!(
                who,
                Who::OperatorOut | Who::OperatorIn | Who::Supervisor | Who::Admin
            ),
            Rule::InboxAgents => matches!(who, Who::OperatorIn | Who::Supervisor | Who::Admin),
            Rule::Supervisors => matches!(who, Who::Supervisor | Who::Admin),
            Rule::Admins => who == Who::Admin,
        }
    }
}

/// Everything the calls refer to.
struct Fixture {
    server: TestServer,
    inbox: switchboard::model::Inbox,
    throwaway_inbox: i64,
    own_token: String,
    other_token: String,
    own_visitor: i64,
    other_visitor: i64,
    /// The own visitor's conversation, which nobody has taken.
    conversation: i64,
    /// The other visitor's conversation, which the calls close.
    other_conversation: i64,
    /// A message of the conversation.
    message: i64,
    /// A file the own visitor sent in the conversation.
    file: i64,
    ticket: i64,
    contact: i64,
    /// Accounts that the admin's calls edit, reset, disable and delete.
    victims: [i64; 4],
    /// Per caller: a block only they lift, and a template of their own.
    blocks: Vec<(Who, i64)>,
    templates: Vec<(Who, i64)>,
    /// Per caller: a personal access token of their own.
    tokens: Vec<(Who, i64)>,
    /// Per caller: an event webhook endpoint their call removes.
    endpoints: Vec<(Who, i64)>,
    /// A delivery to an event webhook endpoint.
    delivery: i64,
    agents: Vec<(Who, Agent)>,
    ana: Me,
}

impl Fixture {
    async fn new() -> Fixture {
        let server = TestServer::start().await;
        let team = server.team().await;
        let state = &server.running.state;
        let admin = &team.admin;
        let other = services::create_inbox(state, admin, "Other")
            .await
            .expect("inbox");
        let throwaway = services::create_inbox(state, admin, "Throwaway")
            .await
            .expect("inbox");
        server
            .agent(
                admin,
                "Sue",
                "sue@example.com",
                Role::Supervisor,
                &[team.inbox.id],
            )
            .await;
        server
            .agent(
                admin,
                "Olga",
                "olga@example.com",
                Role::Operator,
                &[other.id],
            )
            .await;
        let dan = server
            .agent(
                admin,
                "Dan",
                "dan@example.com",
                Role::Operator,
                &[team.inbox.id],
            )
            .await;
        let mut victims = [0; 4];
        for (n, victim) in victims.iter_mut().enumerate() {
            *victim = server
                .agent(
                    admin,
                    &format!("Victim {n}"),
                    &format!("victim{n}@example.com"),
                    Role::Operator,
                    &[other.id],
                )
                .await
                .id;
        }
        let mut agents = vec![
            (Who::OperatorIn, server.sign_in("ana@example.com").await),
            (Who::OperatorOut, server.sign_in("olga@example.com").await),
            (Who::Supervisor, server.sign_in("sue@example.com").await),
            (Who::Admin, server.sign_in("root@example.com").await),
            (Who::Disabled, server.sign_in("dan@example.com").await),
        ];
        services::lifecycle::set_agent_enabled(state, admin, dan.id, false)
            .await
            .expect("disabled");

        // An endpoint hearing of tickets: the ticket below makes a delivery to send again.
        services::webhooks::add(
            state,
            admin,
            team.inbox.id,
            "https://hooks.example.com/tickets",
            &["ticket.created".to_owned()],
        )
        .await
        .expect("endpoint");
        let (own_token, own_visitor, conversation, message, file) =
            visitor_with_file(&server, &team.inbox).await;
        let (other_token, other_visitor, other_conversation, _, _) =
            visitor_with_file(&server, &team.inbox).await;
        let admin_client = &agents[3].1;
        let ticket: Value = admin_client
            .call(
                "create_ticket",
                &[
                    ("conversation_id", &conversation.to_string()),
                    ("subject", "Broken"),
                    ("requester_email", "vera@example.com"),
                ],
            )
            .await
            .expect("ticket");
        let contact: Value = admin_client
            .call(
                "save_contact",
                &[("visitor_id", &own_visitor.to_string()), ("name", "Vera")],
            )
            .await
            .expect("contact");
        let mut blocks = Vec::new();
        let mut templates = Vec::new();
        let mut tokens = Vec::new();
        let mut endpoints = Vec::new();
        for (who, agent) in &agents {
            if *who == Who::Disabled {
                continue;
            }
            let token = server.visitor_token(&team.inbox).await;
            let visitor = services::visitor_by_token(state, &token)
                .await
                .expect("visitor");
            let block: Value = admin_client
                .call(
                    "block_visitor",
                    &[
                        ("visitor_id", &visitor.id.to_string()),
                        ("length", "day"),
                        ("reason", "spam"),
                    ],
                )
                .await
                .expect("block");
            blocks.push((*who, block["id"].as_i64().expect("block id")));
            let template: Value = agent
                .call(
                    "save_template",
                    &[
                        ("title", "Hi"),
                        ("shortcut", &format!("hi{}", templates.len())),
                        ("body", "Hello"),
                    ],
                )
                .await
                .expect("template");
            templates.push((*who, template["id"].as_i64().expect("template id")));
            let token: Value = agent
                .call("create_api_token", &[("name", "CRM"), ("scope", "read")])
                .await
                .expect("token");
            tokens.push((*who, token["token"]["id"].as_i64().expect("token id")));
            let endpoint = services::webhooks::add(
                state,
                admin,
                team.inbox.id,
                &format!("https://hooks{}.example.com/in", endpoints.len()),
                &["message.created".to_owned()],
            )
            .await
            .expect("endpoint");
            endpoints.push((*who, endpoint.endpoint.id));
        }
        let delivery = state
            .store
            .webhook_deliveries(team.inbox.id, 1)
            .await
            .expect("log")
            .first()
            .expect("the ticket's delivery")
            .id;
        agents.sort_by_key(|(who, _)| EVERYONE.iter().position(|w| w == who));
        Fixture {
            inbox: team.inbox,
            throwaway_inbox: throwaway.id,
            own_token,
            other_token,
            own_visitor,
            other_visitor,
            conversation,
            other_conversation,
            message,
            file,
            ticket: ticket["id"].as_i64().expect("ticket id"),
            contact: contact["id"].as_i64().expect("contact id"),
            victims,
            blocks,
            templates,
            tokens,
            endpoints,
            delivery,
            agents,
            ana: team.ana,
            server,
        }
    }

    fn agent(&self, who: Who) -> Option<&Agent> {
        self.agents.iter().find(|(w, _)| *w == who).map(|(_, a)| a)
    }

    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::OwnVisitor => Some(&self.own_token),
            Who::OtherVisitor => Some(&self.other_token),
            _ => None,
        }
    }

    fn per_caller(list: &[(Who, i64)], who: Who, fallback: i64) -> String {
        list.iter()
            .find(|(w, _)| *w == who)
            .map_or(fallback, |(_, id)| *id)
            .to_string()
    }
}

/// A new visitor who wrote a first message with a file: token, visitor id, conversation,
/// message and file.
async fn visitor_with_file(
    server: &TestServer,
    inbox: &switchboard::model::Inbox,
) -> (String, i64, i64, i64, i64) {
    let token = server.visitor_token(inbox).await;
    let visitor = services::visitor_by_token(&server.running.state, &token)
        .await
        .expect("visitor");
    let file: Value = reqwest::Client::new()
        .post(server.url("/files?name=shot.png"))
        .bearer_auth(&token)
        .header(UPLOAD_HEADER, "1")
        .body(vec![0u8; 64])
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("attachment");
    let file = file["id"].as_i64().expect("file id");
    let mut socket = server.visitor_socket(&token, None).await;
    socket.until_ready().await;
    socket
        .send(&ClientFrame::Send {
            client_id: "first".into(),
            conversation_id: None,
            body: "hello".into(),
            attachments: vec![file],
            note: false,
        })
        .await;
    let message = acked(&mut socket).await;
    (token, visitor.id, message.conversation_id, message.id, file)
}

/// The rule and the arguments of a server function, for a caller; `None` for a function the
/// matrix does not know (the test then fails).
fn server_function(
    f: &Fixture,
    name: &str,
    who: Who,
) -> Option<(Rule, Vec<(&'static str, String)>)> {
    let conversation = f.conversation.to_string();
    let inbox = f.inbox.id.to_string();
    let s = |v: &str| v.to_owned();
    let row = match name {
        "who_is_here" => (Rule::Public, vec![]),
        "setup_admin" => (
            Rule::Public,
            vec![
                ("name", s("Eve")),
                ("email", s("eve@example.com")),
                ("password", s(PASSWORD)),
            ],
        ),
        "sign_in" => (
            Rule::Public,
            vec![
                ("email", s("nobody@example.com")),
                ("password", s("not a password")),
            ],
        ),
        "sign_out" => (Rule::Public, vec![]),
        "widget_start" => (
            Rule::Public,
            match f.token(who) {
                Some(token) => vec![("key", f.inbox.key.clone()), ("token", s(token))],
                None => vec![("key", f.inbox.key.clone())],
            },
        ),
        "change_password" => (
            Rule::Agents,
            vec![
                ("current", s("not my password")),
                ("new", s("a new long secret")),
            ],
        ),
        "load_workspace" | "templates" | "labels" | "history_options" | "tickets" | "contacts"
        | "api_tokens" => (Rule::Agents, vec![]),
        "create_api_token" => (
            Rule::Agents,
            vec![("name", s("Shop")), ("scope", s("write"))],
        ),
        "revoke_api_token" => (
            Rule::Agents,
            vec![("id", Fixture::per_caller(&f.tokens, who, 1))],
        ),
        "set_presence" => (Rule::Agents, vec![("presence", s("online"))]),
        "set_sound" => (Rule::Agents, vec![("on", s("true"))]),
        "load_presence_settings" => (Rule::Agents, vec![]),
        "set_offline_after" => (Rule::Agents, vec![("minutes", s("15"))]),
        "save_template" => (
            Rule::Agents,
            vec![
                ("title", s("Bye")),
                ("shortcut", format!("bye{}", who as u8)),
                ("body", s("Bye")),
            ],
        ),
        "delete_template" => (
            Rule::Agents,
            vec![("id", Fixture::per_caller(&f.templates, who, 1))],
        ),
        "search" => (Rule::Agents, vec![("query", s("hello"))]),
        "history" => (Rule::Agents, vec![]),
        "report" => (
            Rule::Supervisors,
            vec![
                ("request[from]", s("2026-11-30")),
                ("request[to]", s("2026-11-30")),
                ("request[inbox]", inbox.clone()),
            ],
        ),
        "conversation" => (Rule::InboxAgents, vec![("id", conversation.clone())]),
        "accept_conversation" => (Rule::InboxAgents, vec![("id", conversation.clone())]),
        "close_conversation" => (
            Rule::Supervisors,
            vec![("id", f.other_conversation.to_string())],
        ),
        "assign_conversation" => (Rule::InboxAgents, vec![("id", conversation.clone())]),
        "mark_read" => (
            Rule::InboxAgents,
            vec![
                ("id", conversation.clone()),
                ("up_to", f.message.to_string()),
            ],
        ),
        "visitor_profile" => (Rule::InboxAgents, vec![("id", f.own_visitor.to_string())]),
        "update_visitor" => (
            Rule::InboxAgents,
            vec![
                ("id", f.other_visitor.to_string()),
                ("name", s("Walter")),
                ("email", s("")),
                ("phone", s("")),
                ("notes", s("")),
            ],
        ),
        "start_chat" => (
            Rule::InboxAgents,
            vec![
                ("visitor_id", f.own_visitor.to_string()),
                ("client_id", format!("start-{}", who as u8)),
                ("body", s("Can I help?")),
            ],
        ),
        "block_visitor" => (
            Rule::InboxAgents,
            vec![
                ("visitor_id", f.other_visitor.to_string()),
                ("length", s("hour")),
                ("reason", s("spam")),
            ],
        ),
        "unblock" => (
            Rule::InboxAgents,
            vec![(
                "block_id",
                Fixture::per_caller(&f.blocks, who, f.blocks[0].1),
            )],
        ),
        "blocks" => (Rule::Admins, vec![]),
        "create_ticket" => (
            Rule::InboxAgents,
            vec![
                ("conversation_id", conversation.clone()),
                ("subject", s("Again")),
                ("requester_email", s("vera@example.com")),
            ],
        ),
        "ticket" => (Rule::InboxAgents, vec![("id", f.ticket.to_string())]),
        "update_ticket" => (
            Rule::InboxAgents,
            vec![("id", f.ticket.to_string()), ("status", s("open"))],
        ),
        "comment_ticket" => (
            Rule::InboxAgents,
            vec![("id", f.ticket.to_string()), ("body", s("Looking"))],
        ),
        "send_transcript" => (
            Rule::InboxAgents,
            vec![
                ("conversation_id", conversation.clone()),
                ("email", s("v@example.com")),
            ],
        ),
        "set_labels" => (
            Rule::InboxAgents,
            vec![
                ("conversation_id", conversation.clone()),
                ("labels[0]", s("billing")),
            ],
        ),
        "move_conversation" => (
            Rule::InboxAgents,
            vec![
                ("conversation_id", conversation.clone()),
                ("inbox_id", inbox.clone()),
            ],
        ),
        "save_contact" => (
            Rule::InboxAgents,
            vec![
                ("visitor_id", f.own_visitor.to_string()),
                ("name", s("Vera")),
            ],
        ),
        // The address book is the team's: any agent reads and corrects a contact (the visitors
        // it links stay visible to their inboxes' agents only).
        "update_contact" => (
            Rule::Agents,
            vec![("id", f.contact.to_string()), ("name", s("Vera V."))],
        ),
        "contact" => (Rule::Agents, vec![("id", f.contact.to_string())]),
        "load_admin" | "load_audit_log" => (Rule::Admins, vec![]),
        "create_inbox" => (Rule::Admins, vec![("name", s("Made by the matrix"))]),
        "create_agent" => (
            Rule::Admins,
            vec![
                ("name", s("New")),
                ("email", s("new@example.com")),
                ("password", s(PASSWORD)),
                ("role", s("operator")),
            ],
        ),
        "update_agent" => (
            Rule::Admins,
            vec![
                ("agent_id", f.victims[0].to_string()),
                ("name", s("Victim 0")),
                ("email", s("victim0@example.com")),
                ("role", s("operator")),
            ],
        ),
        "reset_agent_password" => (
            Rule::Admins,
            vec![
                ("agent_id", f.victims[1].to_string()),
                ("password", s("a reset password")),
            ],
        ),
        "set_agent_enabled" => (
            Rule::Admins,
            vec![
                ("agent_id", f.victims[2].to_string()),
                ("enabled", s("false")),
            ],
        ),
        "delete_agent" => (Rule::Admins, vec![("agent_id", f.victims[3].to_string())]),
        "update_inbox" => (
            Rule::Admins,
            vec![("inbox_id", inbox.clone()), ("name", f.inbox.name.clone())],
        ),
        "load_inbox_contents" => (Rule::Admins, vec![("inbox_id", inbox.clone())]),
        "delete_inbox" => (
            Rule::Admins,
            vec![
                ("inbox_id", f.throwaway_inbox.to_string()),
                ("confirmation", s("Throwaway")),
            ],
        ),
        "set_inbox_timers" => (
            Rule::Admins,
            vec![
                ("inbox_id", inbox.clone()),
                ("assignee_idle_secs", s("0")),
                ("visitor_idle_secs", s("0")),
            ],
        ),
        "set_inbox_auto_assign" => (
            Rule::Admins,
            vec![
                ("inbox_id", inbox.clone()),
                ("mode", s("off")),
                ("capacity", s("3")),
            ],
        ),
        "set_inbox_privacy" => (Rule::Admins, vec![("inbox_id", inbox.clone())]),
        "set_inbox_ticket_types" => (Rule::Admins, vec![("inbox_id", inbox.clone())]),
        "set_widget_settings" => (
            Rule::Admins,
            vec![("inbox_id", inbox.clone()), ("settings", s("{}"))],
        ),
        "set_inbox_chat_settings" => (
            Rule::Admins,
            vec![
                ("inbox_id", inbox.clone()),
                ("max_file_bytes", s("4194304")),
                ("allowed_file_types", s("image/*")),
            ],
        ),
        "set_webhook" => (
            Rule::Admins,
            vec![("inbox_id", inbox.clone()), ("url", s(""))],
        ),
        "add_webhook_endpoint" => (
            Rule::Admins,
            vec![
                ("inbox_id", inbox.clone()),
                ("url", s("https://crm.example.com/in")),
                ("events[0]", s("conversation.closed")),
            ],
        ),
        "remove_webhook_endpoint" => (
            Rule::Admins,
            vec![("id", Fixture::per_caller(&f.endpoints, who, 1))],
        ),
        "webhook_deliveries" | "webhook_endpoints" => {
            (Rule::Admins, vec![("inbox_id", inbox.clone())])
        }
        "resend_webhook_delivery" => (Rule::Admins, vec![("id", f.delivery.to_string())]),
        _ => return None,
    };
    Some(row)
}

/// Whether an answer refuses who asks (rather than what they asked: a wrong password, a
/// closed setup, a conversation someone else took are answers to what was asked).
fn is_refusal(status: u16, body: &Value) -> bool {
    match body["error"].as_str() {
        Some(code) => matches!(
            code,
            "unauthenticated" | "forbidden" | "not_found" | "account_disabled" | "not_assignee"
        ),
        None => matches!(status, 401 | 403 | 404),
    }
}

/// Calls a server function as `who`: an agent's session, a visitor's token, or nothing.
async fn call(f: &Fixture, who: Who, name: &str, form: &[(&'static str, String)]) -> (u16, Value) {
    let request = match f.agent(who) {
        Some(agent) => agent.http.post(f.server.url(&format!("/api/{name}"))),
        None => {
            let request = reqwest::Client::new().post(f.server.url(&format!("/api/{name}")));
            match f.token(who) {
                Some(token) => request.bearer_auth(token),
                None => request,
            }
        }
    };
    let response = request.form(form).send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_server_function_route_and_frame_allows_exactly_whom_it_should() {
    let f = Fixture::new().await;
    let mut wrong = Vec::new();

    // HTTP routes and socket frames first: the server functions' calls end sessions.
    for who in EVERYONE {
        for (route, expected) in http_routes(&f, who).await {
            if expected != route.1 {
                wrong.push(format!(
                    "{who:?} {}: expected allowed={expected}, got {}",
                    route.0, route.1
                ));
            }
        }
        for (kind, allowed, got) in socket_frames(&f, who).await {
            if allowed != got {
                wrong.push(format!(
                    "{who:?} frame {kind}: expected allowed={allowed}, got allowed={got}"
                ));
            }
        }
    }

    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    assert!(
        registered.len() > 50,
        "the registry lists the server functions: {registered:?}"
    );
    let missing: Vec<&String> = registered
        .iter()
        .filter(|name| server_function(&f, name, Who::Admin).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "server functions missing from the authorization matrix: {missing:?}"
    );
    // sign_out ends the caller's session: it is each caller's last call.
    let mut names: Vec<&String> = registered.iter().filter(|n| *n != "sign_out").collect();
    names.push(registered.get("sign_out").expect("sign_out is registered"));
    for who in EVERYONE {
        for name in &names {
            let (rule, form) = server_function(&f, name, who).expect("listed");
            let (status, body) = call(&f, who, name, &form).await;
            let allowed = !is_refusal(status, &body);
            if allowed != rule.allows(who) {
                wrong.push(format!(
                    "{who:?} {name} ({rule:?}): expected allowed={}, got {status} {body}",
                    rule.allows(who)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cells of the matrix that are wrong:\n{}",
        wrong.join("\n")
    );
}

/// Every HTTP route besides the server functions, as `who`: (route, whether it should be
/// allowed) and whether it was.
async fn http_routes(f: &Fixture, who: Who) -> Vec<((String, bool), bool)> {
    let client = match f.agent(who) {
        Some(agent) => agent.http.clone(),
        None => reqwest::Client::new(),
    };
    let with_token = |request: reqwest::RequestBuilder| match f.token(who) {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let is_agent = Rule::Agents.allows(who);
    let sees_inbox = Rule::InboxAgents.allows(who);
    let mut cells = Vec::new();

    // The file sent in the conversation: its visitor and the agents who may see it.
    let response = with_token(client.get(f.server.url(&format!("/files/{}", f.file))))
        .send()
        .await
        .expect("download");
    cells.push((
        (
            format!("GET /files/{{id}} -> {}", response.status()),
            response.status() == 200,
        ),
        who == Who::OwnVisitor || sees_inbox,
    ));
    // An upload: a visitor into their own conversation, an agent into one they may see.
    let upload = with_token(client.post(f.server.url(&format!(
        "/files?name=a.png&conversation_id={}",
        f.conversation
    ))))
    .header(UPLOAD_HEADER, "1")
    .body(vec![0u8; 16])
    .send()
    .await
    .expect("upload");
    cells.push((
        (
            format!("POST /files -> {}", upload.status()),
            upload.status() == 201,
        ),
        matches!(who, Who::OwnVisitor | Who::OtherVisitor) || sees_inbox,
    ));
    // An agent's own picture.
    let avatar = with_token(client.post(f.server.url("/avatar?name=me.png")))
        .header(UPLOAD_HEADER, "1")
        .body(vec![0u8; 16])
        .send()
        .await
        .expect("avatar");
    cells.push((
        (
            format!("POST /avatar -> {}", avatar.status()),
            avatar.status().is_success(),
        ),
        is_agent,
    ));
    // Public: pictures beside replies, the widget's and the tracker's pages, health.
    for path in [
        format!("/avatars/{}", f.ana.id),
        format!("/widget/{}", f.inbox.key),
        format!("/track/{}", f.inbox.key),
        "/healthz".to_owned(),
    ] {
        let response = client.get(f.server.url(&path)).send().await.expect("get");
        cells.push((
            (
                format!("GET {path} -> {}", response.status()),
                response.status() == 200,
            ),
            true,
        ));
    }
    // Pages are served to anyone, but carry the team's data only for whom it is: the agents
    // page lists accounts for admins alone.
    let page = client
        .get(f.server.url("/admin/agents"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    cells.push((
        (
            "GET /admin/agents lists accounts".to_owned(),
            page.contains("victim1@example.com"),
        ),
        who == Who::Admin,
    ));
    // The agents' socket: a live session only.
    let cookie = f.agent(who).map(|agent| agent.cookie());
    let status = Socket::upgrade_status(
        &format!("ws://{}/ws/agent", f.server.addr),
        &cookie
            .into_iter()
            .map(|c| ("cookie", c))
            .collect::<Vec<_>>(),
    )
    .await;
    cells.push((
        (format!("GET /ws/agent -> {status}"), status == 101),
        is_agent,
    ));
    cells
}

/// Every kind of socket frame, as `who`: (kind, whether it should be allowed, whether it was).
async fn socket_frames(f: &Fixture, who: Who) -> Vec<(&'static str, bool, bool)> {
    let conversation = f.conversation;
    let frames = [
        ClientFrame::Ping,
        ClientFrame::Send {
            client_id: format!("frame-{}", who as u8),
            conversation_id: Some(conversation),
            body: "a note".into(),
            attachments: Vec::new(),
            note: true,
        },
        ClientFrame::Viewing {
            conversation_ids: vec![conversation],
        },
        ClientFrame::Typing {
            conversation_id: Some(conversation),
            draft: None,
            note: false,
        },
        ClientFrame::Read { up_to: f.message },
        ClientFrame::PageView(PageReport {
            url: "https://shop.example.com/".into(),
            ..PageReport::default()
        }),
        ClientFrame::WatchVisitors { on: true },
        ClientFrame::Hello {
            token: None,
            after: None,
            inbox: None,
        },
    ];
    let is_agent = Rule::Agents.allows(who);
    let sees_inbox = Rule::InboxAgents.allows(who);
    let is_visitor = matches!(who, Who::OwnVisitor | Who::OtherVisitor);
    let mut cells = Vec::new();
    for frame in frames {
        // Which kinds each side may send; adding a kind fails to compile until it is here.
        let (kind, allowed) = match &frame {
            ClientFrame::Hello { .. } => ("hello", is_agent || is_visitor),
            ClientFrame::Ping => ("ping", is_agent || is_visitor),
            // Notes are agents' (of the inbox); a visitor's send is theirs only.
            ClientFrame::Send { .. } => ("send a note", sees_inbox),
            ClientFrame::Viewing { .. } => ("viewing", sees_inbox),
            // A visitor types in their own conversation, whatever id they name.
            ClientFrame::Typing { .. } => ("typing", sees_inbox || is_visitor),
            ClientFrame::Read { .. } => ("read", who == Who::OwnVisitor),
            ClientFrame::PageView(_) => ("page view", is_visitor),
            ClientFrame::WatchVisitors { .. } => ("watch visitors", is_agent),
        };
        let got = match ready_socket(f, who).await {
            None => false,
            Some(socket) if matches!(frame, ClientFrame::Hello { .. }) => {
                socket.close().await;
                true
            }
            Some(mut socket) => {
                socket.send(&frame).await;
                let answers = socket.frames_until_pong().await;
                socket.close().await;
                !answers
                    .iter()
                    .any(|a| matches!(a, ServerFrame::Refused { .. }))
            }
        };
        cells.push((kind, allowed, got));
    }
    cells
}

/// A socket of `who` past its hello and replay, or `None` when it is refused.
async fn ready_socket(f: &Fixture, who: Who) -> Option<Socket> {
    let mut socket = match f.agent(who) {
        Some(agent) => {
            let url = format!("ws://{}/ws/agent", f.server.addr);
            if Socket::upgrade_status(&url, &[("cookie", agent.cookie())]).await != 101 {
                return None;
            }
            agent.socket(None).await
        }
        None => match f.token(who) {
            Some(token) => f.server.visitor_socket(token, None).await,
            None => {
                let mut socket =
                    Socket::connect(&format!("ws://{}/ws/visitor", f.server.addr), None).await;
                socket
                    .send(&ClientFrame::Hello {
                        token: None,
                        after: None,
                        inbox: None,
                    })
                    .await;
                socket
            }
        },
    };
    loop {
        match socket.next().await {
            ServerFrame::Ready { .. } => return Some(socket),
            ServerFrame::Refused { .. } => return None,
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_visitor_never_writes_into_someone_elses_conversation() {
    let f = Fixture::new().await;
    // The other visitor names the conversation that is not theirs: the message goes to their
    // own (a visitor's send has no say over where it goes), never into it.
    let mut socket = f.server.visitor_socket(&f.other_token, None).await;
    socket.until_ready().await;
    socket
        .send(&send("sneaky", Some(f.conversation), "let me in"))
        .await;
    let message = acked(&mut socket).await;
    assert_ne!(message.conversation_id, f.conversation);
    let stored = f
        .server
        .running
        .state
        .store
        .messages(f.conversation)
        .await
        .expect("messages");
    assert!(stored.iter().all(|m| m.body != "let me in"));
}
