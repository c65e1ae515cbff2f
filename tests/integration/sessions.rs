//! Signing in and out against the real router on 127.0.0.1:0: the first admin only once, the
//! session cookie's flags, and a signed-out cookie that opens nothing any more.

use crate::common::{PASSWORD, Socket, TestServer};
use serde_json::json;

/// How many agent accounts exist.
async fn agents(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM agents")
        .fetch_one(server.running.state.store.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn setup_makes_the_first_admin_and_is_refused_after() {
    let server = TestServer::start().await;
    let form = [
        ("name", "First"),
        ("email", "first@example.com"),
        ("password", PASSWORD),
    ];
    let (status, body) = server.call_anonymous("setup_admin", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(agents(&server).await, 1);

    // Anyone calling it again, signed in or not, is refused and creates nobody.
    let takeover = [
        ("name", "Mallory"),
        ("email", "mallory@example.com"),
        ("password", "a long enough password"),
    ];
    assert_eq!(
        server.call_anonymous("setup_admin", &takeover).await,
        (409, json!({"error": "setup_done"}))
    );
    let first = server.sign_in("first@example.com").await;
    assert_eq!(
        first.call_raw("setup_admin", &takeover).await,
        (409, json!({"error": "setup_done"}))
    );
    assert_eq!(agents(&server).await, 1);
    assert_eq!(
        server
            .call_anonymous(
                "sign_in",
                &[
                    ("email", "mallory@example.com"),
                    ("password", "a long enough password")
                ],
            )
            .await,
        (401, json!({"error": "wrong_credentials"}))
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_and_secure_when_asked() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let (set_cookie, _) = server.sign_in_cookie(&team.ana.email).await;
    let flags: Vec<String> = set_cookie
        .split(';')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect();
    assert!(flags[0].starts_with("switchboard_session="), "{set_cookie}");
    for flag in ["httponly", "samesite=lax", "path=/"] {
        assert!(flags.iter().any(|f| f == flag), "{flag}: {set_cookie}");
    }
    assert!(!flags.iter().any(|f| f == "secure"), "{set_cookie}");
    assert!(
        flags
            .iter()
            .any(|f| f.starts_with("expires=") || f.starts_with("max-age=")),
        "kept across browser restarts for its inactivity limit: {set_cookie}"
    );

    let server = server
        .restart_with(|config| config.secure_cookies = true)
        .await;
    let (set_cookie, _) = server.sign_in_cookie(&team.ana.email).await;
    assert!(
        set_cookie
            .split(';')
            .any(|part| part.trim().eq_ignore_ascii_case("secure")),
        "{set_cookie}"
    );
    assert!(
        set_cookie.starts_with("__Host-switchboard_session="),
        "the host-only prefix over HTTPS: {set_cookie}"
    );
    assert!(
        !set_cookie.to_ascii_lowercase().contains("domain="),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn a_signed_out_cookie_opens_nothing() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let (_, cookie) = server.sign_in_cookie(&team.ana.email).await;
    let with_cookie = |name: &str| {
        reqwest::Client::new()
            .post(server.url(&format!("/api/{name}")))
            .header("cookie", cookie.clone())
    };
    let socket_url = format!("ws://{}/ws/agent", server.addr);
    assert_eq!(
        with_cookie("load_workspace")
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    assert_eq!(
        Socket::upgrade_status(&socket_url, &[("cookie", cookie.clone())]).await,
        101
    );

    let signed_out = with_cookie("sign_out").send().await.expect("sign out");
    assert_eq!(signed_out.status(), 200);

    // Someone who kept a copy of the cookie gets nothing with it: not the pages' data, not
    // the socket.
    let replayed = with_cookie("load_workspace").send().await.expect("request");
    assert_eq!(replayed.status(), 401);
    assert_eq!(
        replayed.json::<serde_json::Value>().await.expect("json"),
        json!({"error": "unauthenticated"})
    );
    assert_eq!(
        Socket::upgrade_status(&socket_url, &[("cookie", cookie.clone())]).await,
        401
    );
}

/// Signs in from `ip` (as the configured proxy header says) and returns status and body.
async fn sign_in_from(
    server: &TestServer,
    ip: &str,
    email: &str,
    password: &str,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(server.url("/api/sign_in"))
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sign in request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_address_and_per_account() {
    let server = TestServer::start_with(|config| {
        config.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    let team = server.team().await;
    let wrong = "not the password at all";
    for _ in 0..10 {
        assert_eq!(
            sign_in_from(&server, "203.0.113.7", &team.ana.email, wrong).await,
            (401, json!({"error": "wrong_credentials"}))
        );
    }
    let held = (429, json!({"error": "too_many_attempts", "minutes": 15}));
    // The eleventh try is refused before its password is looked at, right or wrong.
    assert_eq!(
        sign_in_from(&server, "203.0.113.7", &team.ana.email, PASSWORD).await,
        held
    );
    // The account is held from any address; the address is held for any account.
    assert_eq!(
        sign_in_from(&server, "198.51.100.1", &team.ana.email, PASSWORD).await,
        held
    );
    assert_eq!(
        sign_in_from(&server, "203.0.113.7", &team.ben.email, PASSWORD).await,
        held
    );
    // Someone else, elsewhere, signs in as usual, and successes never count.
    for _ in 0..12 {
        assert_eq!(
            sign_in_from(&server, "198.51.100.1", &team.ben.email, PASSWORD)
                .await
                .0,
            200
        );
    }
}

#[tokio::test]
async fn a_server_that_asks_for_a_setup_token_creates_nobody_without_it() {
    let server = TestServer::start_with(|config| {
        config.setup_token = Some("one-time-token".into());
    })
    .await;
    let form = |token: &'static str| {
        [
            ("name", "First"),
            ("email", "first@example.com"),
            ("password", PASSWORD),
            ("token", token),
        ]
    };
    for token in ["", "a guess"] {
        assert_eq!(
            server.call_anonymous("setup_admin", &form(token)).await,
            (403, json!({"error": "setup_token_needed"}))
        );
    }
    assert_eq!(agents(&server).await, 0);
    let (status, body) = server
        .call_anonymous("setup_admin", &form("one-time-token"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(agents(&server).await, 1);
}

#[tokio::test]
async fn another_origin_cannot_act_with_an_agents_cookie() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let admin = server.sign_in(&team.admin.email).await;
    let inboxes = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM inboxes")
            .fetch_one(server.running.state.store.pool())
            .await
            .expect("count")
    };
    let before = inboxes().await;
    let create = |headers: &[(&'static str, &str)]| {
        let mut request = admin
            .http
            .post(server.url("/api/create_inbox"))
            .form(&[("name", "Forged")]);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let other_origin = format!("http://other.localhost:{}", server.addr.port());
    let forged: [Vec<(&'static str, &str)>; 3] = [
        vec![("sec-fetch-site", "cross-site")],
        // A sibling site: same site, another origin.
        vec![("sec-fetch-site", "same-site"), ("origin", &other_origin)],
        // A browser without fetch metadata: its Origin gives it away.
        vec![("origin", "http://evil.example")],
    ];
    for headers in &forged {
        let response = create(headers).await.expect("request");
        assert_eq!(response.status().as_u16(), 403, "{headers:?}");
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body, json!({"error": "forbidden"}));
    }
    assert_eq!(inboxes().await, before, "nothing was created");
    let own_origin = format!("http://{}", server.addr);
    let response = create(&[("sec-fetch-site", "same-origin"), ("origin", &own_origin)])
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(inboxes().await, before + 1);

    // Uploads too (the sockets: `realtime::sockets_opened_from_another_site_are_refused`).
    let upload = admin
        .http
        .post(server.url("/files"))
        .header("sec-fetch-site", "cross-site")
        .body("x")
        .send()
        .await
        .expect("upload");
    assert_eq!(upload.status().as_u16(), 403);
}
