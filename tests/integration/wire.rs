//! How responses travel: pages and server-function answers compressed on the fly, static
//! files served precompressed by the browser's `Accept-Encoding`, and cache headers that let a
//! browser keep a hashed bundle for a year but ask again for every page.

use std::io::Read;

use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};

use crate::common::TestServer;

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("gzip body");
    text
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut plain)
        .expect("brotli body");
    plain
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn pages_are_compressed_and_never_stored() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();

    let response = client
        .get(server.url("/login"))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("br"));
    // An agent's page is never stored (it may hold what only they may see).
    assert_eq!(
        header(&response, CACHE_CONTROL).as_deref(),
        Some("no-store")
    );
    let html = unbrotli(&response.bytes().await.expect("body"));
    assert!(String::from_utf8_lossy(&html).contains("<html"));

    let response = client
        .get(server.url("/login"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("page");
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("gzip"));
    assert!(gunzip(&response.bytes().await.expect("body")).contains("<html"));

    // A client that accepts nothing gets the page as it is.
    let response = client.get(server.url("/login")).send().await.expect("page");
    assert_eq!(header(&response, CONTENT_ENCODING), None);
    assert!(response.text().await.expect("body").contains("<html"));
}

#[tokio::test]
async fn server_function_answers_are_compressed_and_refusals_keep_their_status() {
    let server = TestServer::start().await;
    let team = server.team().await;
    let client = reqwest::Client::new();

    let response = client
        .post(server.url("/api/widget_start"))
        .header(ACCEPT_ENCODING, "gzip")
        .form(&[("key", team.inbox.key.as_str())])
        .send()
        .await
        .expect("widget_start");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("gzip"));
    let snapshot: serde_json::Value =
        serde_json::from_str(&gunzip(&response.bytes().await.expect("body"))).expect("json");
    assert!(snapshot["new_token"].is_string(), "{snapshot}");

    // The status of a refusal is set before the body is compressed.
    let response = client
        .post(server.url("/api/sign_in"))
        .header(ACCEPT_ENCODING, "gzip")
        .form(&[
            ("email", "root@example.com"),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .expect("sign_in");
    assert_eq!(response.status(), 401);
    let bytes = response.bytes().await.expect("body");
    let body = match bytes.starts_with(&[0x1f, 0x8b]) {
        true => gunzip(&bytes),
        false => String::from_utf8_lossy(&bytes).into_owned(),
    };
    assert!(body.contains("wrong_credentials"), "{body}");
}

#[tokio::test]
async fn bundles_are_served_precompressed_and_kept_for_a_year() {
    let site = tempfile::tempdir().expect("site dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    let wasm = b"\0asm pretend bundle ".repeat(100);
    std::fs::write(pkg.join("switchboard.AbC123.wasm"), &wasm).expect("wasm");
    let mut brotli_wasm = Vec::new();
    brotli::BrotliCompress(
        &mut &wasm[..],
        &mut brotli_wasm,
        &brotli::enc::BrotliEncoderParams::default(),
    )
    .expect("compress");
    std::fs::write(pkg.join("switchboard.AbC123.wasm.br"), &brotli_wasm).expect("wasm.br");
    std::fs::write(site.path().join("widget.js"), "/* loader */".repeat(20)).expect("loader");
    let root = site.path().to_path_buf();
    let server = TestServer::start_with(move |config| config.site_root = root).await;
    let client = reqwest::Client::new();

    let response = client
        .get(server.url("/pkg/switchboard.AbC123.wasm"))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .expect("bundle");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("br"));
    assert_eq!(
        header(&response, CACHE_CONTROL).as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let body = response.bytes().await.expect("body");
    assert_eq!(
        &body[..],
        &brotli_wasm[..],
        "the precompressed file, as built"
    );
    assert_eq!(unbrotli(&body), wasm);

    // No precompressed gzip file, and WASM is not compressed on the fly: served as it is.
    let response = client
        .get(server.url("/pkg/switchboard.AbC123.wasm"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("bundle");
    assert_eq!(header(&response, CONTENT_ENCODING), None);
    assert_eq!(&response.bytes().await.expect("body")[..], &wasm[..]);

    // The loader keeps its name (site owners paste it): an hour, compressed on the fly.
    let response = client
        .get(server.url("/widget.js"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("loader");
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, CACHE_CONTROL).as_deref(),
        Some("public, max-age=3600")
    );
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("gzip"));

    // A missing bundle is not cached.
    let response = client
        .get(server.url("/pkg/switchboard.Missing.wasm"))
        .send()
        .await
        .expect("missing");
    assert_eq!(response.status(), 404);
    assert_ne!(
        header(&response, CACHE_CONTROL).as_deref(),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn pages_carry_a_policy_with_their_nonce_and_only_the_widget_may_be_framed() {
    let server = TestServer::start_with(|config| config.demo = true).await;
    let client = reqwest::Client::new();

    let response = client.get(server.url("/login")).send().await.expect("page");
    let policy = header(&response, reqwest::header::CONTENT_SECURITY_POLICY).expect("a policy");
    assert_eq!(
        header(&response, reqwest::header::X_FRAME_OPTIONS).as_deref(),
        Some("DENY")
    );
    assert_eq!(
        header(&response, reqwest::header::REFERRER_POLICY).as_deref(),
        Some("strict-origin-when-cross-origin")
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("connect-src 'self';"), "{policy}");
    // The nonce the policy names is the one on the page's inline scripts, and differs per answer.
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce")
        .to_owned();
    let html = response.text().await.expect("body");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    let again = client.get(server.url("/login")).send().await.expect("page");
    assert!(
        !header(&again, reqwest::header::CONTENT_SECURITY_POLICY)
            .expect("a policy")
            .contains(&nonce)
    );

    // The widget is framed by the customer's site; the demo shop is not framed.
    let key = server
        .running
        .state
        .store
        .inboxes()
        .await
        .expect("inboxes")
        .first()
        .expect("the demo inbox")
        .key
        .clone();
    let widget = client
        .get(server.url(&format!("/widget/{key}")))
        .send()
        .await
        .expect("widget");
    assert_eq!(header(&widget, reqwest::header::X_FRAME_OPTIONS), None);
    let policy = header(&widget, reqwest::header::CONTENT_SECURITY_POLICY).expect("a policy");
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    let demo = client.get(server.url("/demo")).send().await.expect("demo");
    assert_eq!(
        header(&demo, reqwest::header::X_FRAME_OPTIONS).as_deref(),
        Some("DENY")
    );

    // API answers are never stored.
    let api = client
        .post(server.url("/api/who_is_here"))
        .send()
        .await
        .expect("api");
    assert_eq!(header(&api, CACHE_CONTROL).as_deref(), Some("no-store"));
}
