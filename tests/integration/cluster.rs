//! Several Switchboard nodes on one PostgreSQL database, in this process: a visitor on one
//! node and an agent on another chat live, and a client that reconnects to another node
//! resumes with every missed event once. (The same with two processes, one killed, is in
//! `faults.rs`.)

use switchboard::model::Author;
use switchboard::protocol::{Event, ServerFrame};

use crate::common::{TestServer, acked, postgres_database, send};

/// Two nodes on one fresh PostgreSQL database.
async fn two_nodes() -> (TestServer, TestServer) {
    let url = postgres_database().await;
    let first_url = url.clone();
    let a = TestServer::start_with(move |config| {
        config.database_url = Some(first_url);
        config.messages_per_second = 0;
    })
    .await;
    let b = TestServer::start_with(move |config| {
        config.database_url = Some(url);
        config.messages_per_second = 0;
    })
    .await;
    (a, b)
}

/// The message of the next `MessagePosted` event, with its event id.
async fn next_message(socket: &mut crate::common::Socket) -> (i64, switchboard::model::Message) {
    socket
        .until(|frame| match frame {
            ServerFrame::Event {
                id,
                event: Event::MessagePosted { message },
                ..
            } => Some((id, message)),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_on_one_node_and_an_agent_on_another_chat_live_and_resume_anywhere() {
    let (a, b) = two_nodes().await;
    let team = a.team().await;
    let ana = b.sign_in(&team.ana.email).await;
    let mut agent = ana.socket(None).await;
    agent.until_ready().await;

    // The visitor is on node A, the agent on node B.
    let token = a.visitor_token(&team.inbox).await;
    let mut visitor = a.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v-1", None, "Hello from A")).await;
    let first = acked(&mut visitor).await;
    let (_, heard) = next_message(&mut agent).await;
    assert_eq!(heard.body, "Hello from A");
    let conversation_id = first.conversation_id;
    let _: switchboard::model::ConversationSummary = ana
        .call("accept_conversation", &[("id", &conversation_id.to_string())])
        .await
        .expect("accepted on B");

    agent
        .send(&send("a-1", Some(conversation_id), "Hi, this is B"))
        .await;
    acked(&mut agent).await;
    let answer = visitor
        .until(|frame| match frame {
            ServerFrame::Event {
                event: Event::MessagePosted { message },
                ..
            } if matches!(message.author, Author::Agent { .. }) => Some(message),
            _ => None,
        })
        .await;
    assert_eq!(answer.body, "Hi, this is B");

    // The agent goes away from B; the visitor writes three more on A; the agent comes back
    // on A and gets exactly the missed three, in order.
    let (last_seen, _) = next_message(&mut agent).await;
    agent.close().await;
    for n in 2..5 {
        visitor
            .send(&send(&format!("v-{n}"), None, &format!("Message {n}")))
            .await;
        acked(&mut visitor).await;
    }
    let ana_on_a = a.sign_in(&team.ana.email).await;
    let mut agent = ana_on_a.socket(Some(last_seen)).await;
    let (replayed, _) = agent.until_ready().await;
    let bodies: Vec<String> = replayed
        .iter()
        .filter_map(|(_, event)| match event {
            Event::MessagePosted { message } => Some(message.body.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(bodies, vec!["Message 2", "Message 3", "Message 4"]);
    let ids: Vec<i64> = replayed.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // And live again, now the other way round: the visitor moves to B.
    visitor.close().await;
    let mut visitor = b.visitor_socket(&token, None).await;
    visitor.until_ready().await;
    visitor.send(&send("v-5", None, "Now on B")).await;
    acked(&mut visitor).await;
    let (_, heard) = next_message(&mut agent).await;
    assert_eq!(heard.body, "Now on B");
}

/// Many writes on both nodes at once: every socket on either node sees every event once, in
/// id order, whichever node committed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_both_nodes_reach_every_socket_once_in_id_order() {
    const EACH: usize = 40;
    let (a, b) = two_nodes().await;
    let team = a.team().await;
    let mut watchers = Vec::new();
    for node in [&a, &b] {
        let ana = node.sign_in(&team.ana.email).await;
        let mut socket = ana.socket(None).await;
        socket.until_ready().await;
        watchers.push(socket);
    }
    let mut visitors = Vec::new();
    for node in [&a, &b] {
        let token = node.visitor_token(&team.inbox).await;
        let mut socket = node.visitor_socket(&token, None).await;
        socket.until_ready().await;
        visitors.push(socket);
    }
    let writers = visitors.into_iter().enumerate().map(|(v, mut socket)| {
        tokio::spawn(async move {
            for n in 0..EACH {
                socket
                    .send(&send(&format!("{v}-{n}"), None, &format!("{v}/{n}")))
                    .await;
                acked(&mut socket).await;
            }
        })
    });
    for writer in futures::future::join_all(writers).await {
        writer.expect("the visitor wrote");
    }
    for watcher in &mut watchers {
        let mut seen = Vec::new();
        while seen.len() < 2 * EACH {
            let (id, message) = next_message(watcher).await;
            seen.push((id, message.body));
        }
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "in id order");
        let mut bodies: Vec<String> = seen.into_iter().map(|(_, body)| body).collect();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), 2 * EACH, "each once");
    }
}
