//! The REST API against the real router: personal access tokens and who they let in, every
//! operation with its refusals, pages by cursor, the per-token limit, and the contract: every
//! answer these tests get is checked against the schema the OpenAPI document gives for it.

use std::sync::Mutex;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Agent, TestServer, acked, send};

/// Calls the API with a token and keeps every answer for the contract check.
struct Api {
    base: String,
    http: reqwest::Client,
    seen: Mutex<Vec<(String, String, u16, Value)>>,
}

impl Api {
    fn new(server: &TestServer) -> Api {
        Api {
            base: server.url(""),
            http: reqwest::Client::new(),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// `method` on `path` (under `/api/v1`, the operation's template in `template`) with
    /// `token`; the status and the JSON body.
    async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/api/v1{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("answer");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        self.seen.lock().expect("lock").push((
            method.as_str().to_lowercase(),
            format!("/api/v1{template}"),
            status,
            body.clone(),
        ));
        (status, body)
    }

    async fn get(&self, token: &str, template: &str, path: &str) -> (u16, Value) {
        self.call(Some(token), Method::GET, template, path, None)
            .await
    }

    async fn post(&self, token: &str, template: &str, path: &str, body: Value) -> (u16, Value) {
        self.call(Some(token), Method::POST, template, path, Some(body))
            .await
    }
}

/// A token of `agent`'s with this scope: its secret.
async fn token(agent: &Agent, scope: &str) -> String {
    let made: Value = agent
        .call("create_api_token", &[("name", "Tests"), ("scope", scope)])
        .await
        .expect("token");
    made["secret"].as_str().expect("secret").to_owned()
}

/// A visitor of the inbox writes `text`: the conversation's id.
async fn conversation(server: &TestServer, inbox: &switchboard::model::Inbox, text: &str) -> i64 {
    let visitor = server.visitor_token(inbox).await;
    let mut socket = server.visitor_socket(&visitor, None).await;
    socket.until_ready().await;
    socket.send(&send("v-1", None, text)).await;
    acked(&mut socket).await.conversation_id
}

#[tokio::test]
async fn tokens_are_made_listed_and_revoked_and_only_their_secret_lets_in() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let api = Api::new(&server);
    let ana = server.sign_in(&team.ana.email).await;
    let made: Value = ana
        .call(
            "create_api_token",
            &[("name", "  CRM sync "), ("scope", "read")],
        )
        .await
        .expect("made");
    let secret = made["secret"].as_str().expect("secret");
    assert!(
        secret.starts_with("sbp_") && secret.len() == 4 + 64,
        "{secret}"
    );
    assert_eq!(made["token"]["name"], "CRM sync");
    let listed: Value = ana.call("api_tokens", &[]).await.expect("list");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert!(
        !listed.to_string().contains(secret),
        "the list never holds a secret"
    );
    let (status, inboxes) = api.get(secret, "/inboxes", "/inboxes").await;
    assert_eq!(status, 200, "{inboxes}");
    assert_eq!(inboxes[0]["name"], team.inbox.name);
    crate::common::eventually("its use is noted", || async {
        let listed: Value = ana.call("api_tokens", &[]).await.expect("list");
        listed[0]["last_used_at"].is_i64().then_some(())
    })
    .await;
    // A browser session is not a token.
    let cookie_only = ana
        .http
        .get(server.url("/api/v1/inboxes"))
        .send()
        .await
        .expect("answer");
    assert_eq!(cookie_only.status().as_u16(), 401);

    // Bad names and scopes change nothing.
    for (name, scope) in [("", "read"), ("x", "admin")] {
        let error = ana
            .call::<Value>("create_api_token", &[("name", name), ("scope", scope)])
            .await
            .expect_err("refused");
        assert_eq!(error["error"], "invalid");
    }
    // Another agent cannot revoke it; its owner can, and then it lets nobody in.
    let id = made["token"]["id"].as_i64().expect("id").to_string();
    let ben = server.sign_in(&team.ben.email).await;
    let refused = ben
        .call::<Value>("revoke_api_token", &[("id", &id)])
        .await
        .expect_err("not his");
    assert_eq!(refused["error"], "not_found");
    let _: () = ana
        .call("revoke_api_token", &[("id", &id)])
        .await
        .expect("revoked");
    let (status, body) = api.get(secret, "/inboxes", "/inboxes").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthenticated"))
    );

    // No token, a made-up one, or a disabled agent's: 401 with the Bearer challenge.
    let (status, _) = api
        .call(None, Method::GET, "/inboxes", "/inboxes", None)
        .await;
    assert_eq!(status, 401);
    let answer = reqwest::get(server.url("/api/v1/inboxes"))
        .await
        .expect("answer");
    assert_eq!(answer.headers()["www-authenticate"], "Bearer");
    let (status, _) = api.get("sbp_0000", "/inboxes", "/inboxes").await;
    assert_eq!(status, 401);
    let bens = token(&ben, "write").await;
    let root = server.sign_in("root@example.com").await;
    // An admin's password reset revokes the account's tokens.
    let anas = token(&ana, "read").await;
    let _: () = root
        .call(
            "reset_agent_password",
            &[
                ("agent_id", &team.ana.id.to_string()),
                ("password", "a brand new secret 42"),
            ],
        )
        .await
        .expect("reset");
    let (status, _) = api.get(&anas, "/inboxes", "/inboxes").await;
    assert_eq!(status, 401, "a reset revokes the tokens");
    let _: () = root
        .call(
            "set_agent_enabled",
            &[("agent_id", &team.ben.id.to_string()), ("enabled", "false")],
        )
        .await
        .expect("disabled");
    let (status, _) = api.get(&bens, "/inboxes", "/inboxes").await;
    assert_eq!(status, 401, "a disabled agent's token does nothing");
    contract(&server, &api).await;
}

#[tokio::test]
async fn every_operation_works_refuses_what_it_should_and_answers_as_documented() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let other = server.other_inbox_with_sue(&team).await;
    let api = Api::new(&server);
    let ana = server.sign_in(&team.ana.email).await;
    // Ana is online (a tab open), so conversations may be given to her.
    let mut tab = ana.socket(None).await;
    tab.until_ready().await;
    let write = token(&ana, "write").await;
    let read = token(&ana, "read").await;
    let first = conversation(&server, &team.inbox, "First question").await;
    let second = conversation(&server, &team.inbox, "Second question").await;
    let third = conversation(&server, &team.inbox, "Third question").await;
    let elsewhere = conversation(&server, &other, "Not Ana's inbox").await;

    // The team.
    let (status, agents) = api.get(&read, "/agents", "/agents").await;
    assert_eq!(status, 200);
    let ana_row = agents
        .as_array()
        .and_then(|all| all.iter().find(|a| a["name"] == "Ana"))
        .expect("Ana");
    assert_eq!(ana_row["presence"], "online");
    let (_, inboxes) = api.get(&read, "/inboxes", "/inboxes").await;
    assert_eq!(inboxes.as_array().map(Vec::len), Some(1), "hers only");

    // Pages of two, newest first, then the last one; another inbox's is not there.
    let (status, page) = api
        .get(&read, "/conversations", "/conversations?limit=2")
        .await;
    assert_eq!(status, 200, "{page}");
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|c| c["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    assert_eq!(ids(&page), vec![third, second]);
    let cursor = page["next_cursor"].as_str().expect("more").to_owned();
    let (_, last) = api
        .get(
            &read,
            "/conversations",
            &format!("/conversations?limit=2&cursor={cursor}"),
        )
        .await;
    assert_eq!(ids(&last), vec![first]);
    assert!(last["next_cursor"].is_null());
    assert_eq!(page["items"][0]["status"], "unassigned");
    for wrong in ["limit=0", "limit=500", "cursor=abc", "status=lost"] {
        let (status, body) = api
            .get(&read, "/conversations", &format!("/conversations?{wrong}"))
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid")),
            "{wrong}"
        );
    }
    let (status, _) = api
        .get(
            &read,
            "/conversations",
            &format!("/conversations?inbox_id={}", other.id),
        )
        .await;
    assert_eq!(status, 404, "another inbox");
    let (status, _) = api
        .get(
            &read,
            "/conversations/{id}",
            &format!("/conversations/{elsewhere}"),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = api
        .get(&read, "/conversations/{id}", "/conversations/zero")
        .await;
    assert_eq!(status, 400);

    // A read-only token changes nothing.
    let (status, body) = api
        .post(
            &read,
            "/conversations/{id}/assign",
            &format!("/conversations/{first}/assign"),
            json!({ "agent_id": team.ana.id }),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, _) = api
        .call(
            Some(&read),
            Method::PUT,
            "/conversations/{id}/labels",
            &format!("/conversations/{first}/labels"),
            Some(json!({ "labels": ["x"] })),
        )
        .await;
    assert_eq!(status, 403, "a read-only token's PUT");
    // A body without the assignee, or with a field the operation does not know, changes
    // nothing.
    for wrong in [json!({}), json!({ "agentId": team.ana.id })] {
        let (status, body) = api
            .post(
                &write,
                "/conversations/{id}/assign",
                &format!("/conversations/{first}/assign"),
                wrong,
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid")),
            "{body}"
        );
    }
    let (_, still) = api
        .get(
            &read,
            "/conversations/{id}",
            &format!("/conversations/{first}"),
        )
        .await;
    assert_eq!(still["status"], "unassigned");

    // Replying before holding it is refused; assigned to Ana, she replies and notes.
    let path = format!("/conversations/{first}/messages");
    let (status, body) = api
        .post(
            &write,
            "/conversations/{id}/messages",
            &path,
            json!({ "body": "Hello!" }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, assigned) = api
        .post(
            &write,
            "/conversations/{id}/assign",
            &format!("/conversations/{first}/assign"),
            json!({ "agent_id": team.ana.id }),
        )
        .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["assignee"]["name"], "Ana");
    let (status, reply) = api
        .post(
            &write,
            "/conversations/{id}/messages",
            &path,
            json!({ "body": "Hello! It ships today.", "client_id": "crm-1" }),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["author"]["kind"], "agent");
    let (_, again) = api
        .post(
            &write,
            "/conversations/{id}/messages",
            &path,
            json!({ "body": "Hello! It ships today.", "client_id": "crm-1" }),
        )
        .await;
    assert_eq!(again["id"], reply["id"], "the same client id writes once");
    // The same id for a message elsewhere is a mistake, not a retry.
    let (status, body) = api
        .post(
            &write,
            "/conversations/{id}/notes",
            &format!("/conversations/{second}/notes"),
            json!({ "body": "Hello! It ships today.", "client_id": "crm-1" }),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("client_id")),
        "{body}"
    );
    let (status, note) = api
        .post(
            &write,
            "/conversations/{id}/notes",
            &format!("/conversations/{first}/notes"),
            json!({ "body": "VIP customer" }),
        )
        .await;
    assert_eq!((status, note["note"].as_bool()), (201, Some(true)));
    for wrong in [json!({ "body": "" }), json!({ "text": "no body" })] {
        let (status, body) = api
            .post(
                &write,
                "/conversations/{id}/notes",
                &format!("/conversations/{first}/notes"),
                wrong,
            )
            .await;
        assert_eq!(status, 400, "{body}");
    }
    // The messages, a page at a time, oldest first: the visitor's, Switchboard's line, the
    // reply and the note.
    let (_, messages) = api
        .get(
            &read,
            "/conversations/{id}/messages",
            &format!("{path}?limit=2"),
        )
        .await;
    assert_eq!(messages["items"][0]["body"], "First question");
    assert_eq!(messages["items"][0]["author"]["kind"], "visitor");
    let cursor = messages["next_cursor"].as_str().expect("more").to_owned();
    let (_, rest) = api
        .get(
            &read,
            "/conversations/{id}/messages",
            &format!("{path}?cursor={cursor}"),
        )
        .await;
    let bodies: Vec<&str> = rest["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|m| m["body"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(bodies.last(), Some(&"VIP customer"), "{rest}");
    assert!(rest["next_cursor"].is_null());

    // Labels, then the close.
    let (status, labelled) = api
        .call(
            Some(&write),
            Method::PUT,
            "/conversations/{id}/labels",
            &format!("/conversations/{first}/labels"),
            Some(json!({ "labels": ["billing", "vip"] })),
        )
        .await;
    assert_eq!(status, 200, "{labelled}");
    assert_eq!(labelled["labels"], json!(["billing", "vip"]));
    let (_, filtered) = api
        .get(&read, "/conversations", "/conversations?label=vip")
        .await;
    assert_eq!(ids(&filtered), vec![first]);
    let (status, closed) = api
        .post(
            &write,
            "/conversations/{id}/close",
            &format!("/conversations/{first}/close"),
            json!({}),
        )
        .await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
    let (_, closed_only) = api
        .get(&read, "/conversations", "/conversations?status=closed")
        .await;
    assert_eq!(ids(&closed_only), vec![first]);
    let (status, _) = api
        .post(
            &write,
            "/conversations/{id}/assign",
            &format!("/conversations/{elsewhere}/assign"),
            json!({ "agent_id": null }),
        )
        .await;
    assert_eq!(status, 404, "another inbox's conversation");
    let unknown = reqwest::Client::new()
        .get(server.url("/api/v1/nothing-here"))
        .bearer_auth(&read)
        .send()
        .await
        .expect("answer");
    assert_eq!(unknown.status().as_u16(), 404);
    let body: Value = unknown.json().await.expect("json, not a page");
    assert_eq!(body["error"], "not_found");

    // A chat started with a visitor on the site; one who is not there cannot be written to.
    let (mut tab, browsing) = crate::common::tracker(&server, &team.inbox, None).await;
    crate::common::view_page(&mut tab, "/shoes", "Shoes").await;
    let on_site = switchboard::server::services::visitor_by_token(&server.running.state, &browsing)
        .await
        .expect("visitor")
        .id;
    crate::common::eventually("the visitor is on the site", || async {
        server
            .running
            .state
            .online
            .is_on_site(on_site)
            .then_some(())
    })
    .await;
    let (status, started) = api
        .post(
            &write,
            "/conversations",
            "/conversations",
            json!({ "visitor_id": on_site, "body": "Hi! Can I help you find a size?" }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["conversation"]["assignee"]["name"], "Ana");
    assert_eq!(
        started["message"]["body"],
        "Hi! Can I help you find a size?"
    );
    let (status, body) = api
        .post(
            &write,
            "/conversations",
            "/conversations",
            json!({ "visitor_id": closed["visitor"]["id"], "body": "Hello?" }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("visitor_not_online")),
        "{body}"
    );

    // Tickets: one made from the closed conversation, changed, commented.
    let (status, ticket) = api
        .post(
            &write,
            "/tickets",
            "/tickets",
            json!({ "conversation_id": first, "subject": "Refund", "requester_email": "buyer@example.com" }),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["status"], "open");
    let number = ticket["id"].as_i64().expect("id");
    let (status, _) = api
        .post(
            &write,
            "/tickets",
            "/tickets",
            json!({ "conversation_id": elsewhere, "subject": "Not hers" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, changed) = api
        .call(
            Some(&write),
            Method::PATCH,
            "/tickets/{id}",
            &format!("/tickets/{number}"),
            Some(json!({ "status": "pending", "assignee_id": team.ana.id, "priority": "high" })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["status"].as_str(), changed["priority"].as_str()),
        (Some("pending"), Some("high"))
    );
    let (status, _) = api
        .call(
            Some(&write),
            Method::PATCH,
            "/tickets/{id}",
            &format!("/tickets/{number}"),
            Some(json!({ "status": "lost" })),
        )
        .await;
    assert_eq!(status, 400);
    let (status, comment) = api
        .post(
            &write,
            "/tickets/{id}/comments",
            &format!("/tickets/{number}/comments"),
            json!({ "body": "Refund approved" }),
        )
        .await;
    assert_eq!((status, comment["author"].as_str()), (201, Some("Ana")));
    let (status, _) = api
        .post(
            &write,
            "/tickets/{id}/comments",
            &format!("/tickets/{number}/comments"),
            json!({ "body": "By email", "to_requester": true }),
        )
        .await;
    assert_eq!(status, 503, "no mail set up on this server");
    let (_, detail) = api
        .get(&read, "/tickets/{id}", &format!("/tickets/{number}"))
        .await;
    assert_eq!(detail["comments"][0]["body"], "Refund approved");
    let (_, pending) = api.get(&read, "/tickets", "/tickets?status=pending").await;
    assert_eq!(pending[0]["id"], number);

    // The visitor of the first conversation: read, given a name, saved as a contact.
    let visitor = closed["visitor"]["id"].as_i64().expect("visitor");
    let (status, changed) = api
        .call(
            Some(&write),
            Method::PATCH,
            "/visitors/{id}",
            &format!("/visitors/{visitor}"),
            Some(json!({ "name": "Marta Ruiz", "email": "marta@example.com" })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["name"].as_str(), changed["notes"].as_str()),
        (Some("Marta Ruiz"), Some(""))
    );
    let (_, read_back) = api
        .get(&read, "/visitors/{id}", &format!("/visitors/{visitor}"))
        .await;
    assert_eq!(read_back["email"], "marta@example.com");
    assert_eq!(read_back["conversation_ids"], json!([first]));
    let (status, _) = api
        .call(
            Some(&write),
            Method::PATCH,
            "/visitors/{id}",
            &format!("/visitors/{visitor}"),
            Some(json!({ "email": "not an email" })),
        )
        .await;
    assert_eq!(status, 400);
    let _: Value = ana
        .call(
            "save_contact",
            &[
                ("visitor_id", &visitor.to_string()),
                ("name", "Marta Ruiz"),
                ("email", "marta@example.com"),
            ],
        )
        .await
        .expect("contact");
    let (_, found) = api.get(&read, "/contacts", "/contacts?query=marta").await;
    let contact = found[0]["id"].as_i64().expect("contact");

    // A chat started by contact: with whichever of their visitors is on the site. Marta's is
    // not; the visitor browsing shoes, saved as Rui, is (the chat started with them above).
    let start = |body: Value| api.post(&write, "/conversations", "/conversations", body);
    let (status, body) = start(json!({ "contact_id": contact, "body": "Hello Marta" })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("visitor_not_online")),
        "{body}"
    );
    let _: Value = ana
        .call(
            "save_contact",
            &[("visitor_id", &on_site.to_string()), ("name", "Rui Costa")],
        )
        .await
        .expect("contact");
    let (_, found) = api.get(&read, "/contacts", "/contacts?query=costa").await;
    let rui = found[0]["id"].as_i64().expect("contact");
    let (status, by_contact) = start(json!({ "contact_id": rui, "body": "Size 42 is back" })).await;
    assert_eq!(status, 201, "{by_contact}");
    assert_eq!(
        by_contact["conversation"]["id"], started["conversation"]["id"],
        "the chat already open with Rui's visitor"
    );
    assert_eq!(by_contact["conversation"]["visitor"]["id"], on_site);
    for wrong in [
        json!({ "contact_id": rui, "visitor_id": on_site, "body": "Both" }),
        json!({ "body": "Neither" }),
    ] {
        let (status, body) = start(wrong).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid")),
            "{body}"
        );
    }
    let (status, _) = start(json!({ "contact_id": 999_999, "body": "Nobody" })).await;
    assert_eq!(status, 404);
    let (status, _) = api
        .get(&read, "/contacts/{id}", &format!("/contacts/{contact}"))
        .await;
    assert_eq!(status, 200);
    let (status, updated) = api
        .call(
            Some(&write),
            Method::PATCH,
            "/contacts/{id}",
            &format!("/contacts/{contact}"),
            Some(json!({ "company": "Ruiz SL" })),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        (updated["company"].as_str(), updated["name"].as_str()),
        (Some("Ruiz SL"), Some("Marta Ruiz"))
    );
    let (status, _) = api.get(&read, "/contacts/{id}", "/contacts/999999").await;
    assert_eq!(status, 404);

    // Every operation of the document was called here, so each answer below is checked.
    let document = serde_json::to_value(switchboard::server::rest::document()).expect("json");
    let called: std::collections::BTreeSet<(String, String)> = api
        .seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(method, path, _, _)| (method.clone(), path.clone()))
        .collect();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            assert!(
                called.contains(&(method.clone(), path.clone())),
                "{method} {path} has no test"
            );
        }
    }
    contract(&server, &api).await;
}

#[tokio::test]
async fn each_token_has_its_own_minute() {
    let server = TestServer::start_with(|config| config.api_requests_per_minute = 3).await;
    let team = server.team().await;
    let api = Api::new(&server);
    let ana = server.sign_in(&team.ana.email).await;
    let one = token(&ana, "read").await;
    let two = token(&ana, "read").await;
    for _ in 0..3 {
        assert_eq!(api.get(&one, "/inboxes", "/inboxes").await.0, 200);
    }
    let answer = reqwest::Client::new()
        .get(server.url("/api/v1/inboxes"))
        .bearer_auth(&one)
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status().as_u16(), 429);
    let wait: u64 = answer.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let (status, body) = api.get(&one, "/inboxes", "/inboxes").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(
        api.get(&two, "/inboxes", "/inboxes").await.0,
        200,
        "another token"
    );
    contract(&server, &api).await;
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_the_reference_page_lists_every_operation() {
    let server = TestServer::start().await;
    let document: Value = reqwest::get(server.url("/api/v1/openapi.json"))
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    assert_eq!(
        document["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let page = reqwest::get(server.url("/api/v1/reference"))
        .await
        .expect("answer")
        .text()
        .await
        .expect("html");
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 7, "{paths:?}");
    for (path, item) in paths {
        for method in item.as_object().expect("item").keys() {
            assert!(
                page.contains(&format!(
                    "<span class=\"method\">{method}</span> <code>{}</code>",
                    path
                )),
                "{method} {path} on the reference page"
            );
        }
    }
    assert!(page.contains("id=\"schema-ApiConversation\""));
    assert!(
        !page.contains("<script"),
        "no script, nothing from elsewhere"
    );
}

/// The contract: every answer the test got matches the schema the document gives for its
/// operation and status; and every operation of the document was called at least once
/// across the tests (checked by the test that calls them all).
async fn contract(server: &TestServer, api: &Api) {
    let document: Value = reqwest::get(server.url("/api/v1/openapi.json"))
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    let seen = api.seen.lock().expect("lock").clone();
    assert!(!seen.is_empty());
    for (method, path, status, body) in &seen {
        let operation = &document["paths"][path][method];
        assert!(
            operation.is_object(),
            "{method} {path} is not in the document"
        );
        let response = &operation["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {path} answered {status}, which the document does not list"
        );
        let mut schema = response["content"]["application/json"]["schema"].clone();
        assert!(schema.is_object(), "{method} {path} {status}: no schema");
        schema["components"] = document["components"].clone();
        let validator = jsonschema::validator_for(&schema).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {errors:?}\n{body}"
        );
    }
}

#[test]
fn the_contract_check_catches_an_answer_of_the_wrong_shape() {
    let document = serde_json::to_value(switchboard::server::rest::document()).expect("json");
    let mut schema = document["paths"]["/api/v1/conversations"]["get"]["responses"]["200"]
        ["content"]["application/json"]["schema"]
        .clone();
    schema["components"] = document["components"].clone();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    assert!(validator.is_valid(&json!({ "items": [], "next_cursor": null })));
    // A conversation's id as text, and one with no visitor: both caught through the $ref.
    assert!(!validator.is_valid(&json!({ "items": [{ "id": "7" }], "next_cursor": null })));
    assert!(!validator.is_valid(&json!({ "items": 5 })));
}
