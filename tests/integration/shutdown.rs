//! A graceful stop (SIGTERM): the server stops accepting, answers what it already read, tells
//! every socket to reconnect with close code 1012, commits the last writes and ends.

use std::time::Duration;

use futures::StreamExt;
use switchboard::protocol::ServerFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::{Socket, TestServer, acked, send};

/// Reads the socket up to the server's closing frame and returns its code; the messages
/// acknowledged before it (client ids) are collected into `acked`.
async fn close_code(socket: &mut Socket, acked: &mut Vec<String>) -> CloseCode {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.stream.next())
            .await
            .expect("the server closes within 10 s")
            .expect("a closing frame before the end")
            .expect("ws ok");
        match message {
            WsMessage::Close(Some(frame)) => return frame.code,
            WsMessage::Close(None) => panic!("closed without a code"),
            WsMessage::Text(text) => {
                if let Ok(ServerFrame::Ack { client_id, .. }) = serde_json::from_str(&text) {
                    acked.push(client_id);
                }
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_graceful_stop_tells_sockets_to_reconnect_and_keeps_every_acknowledged_message() {
    let (server, stop) = TestServer::start_stoppable().await;
    let team = server.team().await;
    let ana = server.sign_in(&team.ana.email).await;
    let mut agent = ana.socket(None).await;
    agent.until_ready().await;
    let token = server.visitor_token(&team.inbox).await;
    let mut visitor = server.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("first", None, "Before the stop")).await;
    let conversation_id = acked(&mut visitor).await.conversation_id;
    // A socket that has not said hello yet is told as well.
    let mut silent = Socket::connect(&format!("ws://{}/ws/visitor", server.addr), None).await;

    // Sends written to the socket just before the stop: each is either answered before the
    // closing frame or never read (the client sends it again after reconnecting).
    for n in 0..20 {
        visitor
            .send(&send(&format!("late-{n}"), None, &format!("Late {n}")))
            .await;
    }
    stop.send(()).expect("the server is running");
    let mut acked_late = Vec::new();
    assert_eq!(
        close_code(&mut visitor, &mut acked_late).await,
        CloseCode::Restart
    );
    assert_eq!(
        close_code(&mut agent, &mut Vec::new()).await,
        CloseCode::Restart
    );
    assert_eq!(
        close_code(&mut silent, &mut Vec::new()).await,
        CloseCode::Restart
    );

    let TestServer {
        addr, running, dir, ..
    } = server;
    tokio::time::timeout(Duration::from_secs(20), running.finished())
        .await
        .expect("the stop ends once every socket has");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );

    let server = TestServer::start_in(dir, |_| {}).await;
    let ana = server.sign_in(&team.ana.email).await;
    let stored: Vec<String> = ana
        .detail(conversation_id)
        .await
        .messages
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(stored.contains(&"Before the stop".to_owned()), "{stored:?}");
    for client_id in &acked_late {
        let body = client_id.replace("late-", "Late ");
        assert!(
            stored.contains(&body),
            "{client_id} acknowledged, not stored"
        );
    }
}
