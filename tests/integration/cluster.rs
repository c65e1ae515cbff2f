//! Several Switchboard nodes on one PostgreSQL database, in this process: a visitor on one
//! node and an agent on another chat live, and a client that reconnects to another node
//! resumes with every missed event once. (The same with two processes, one killed, is in
//! `faults.rs`.)

use std::time::Duration;

use switchboard::model::{Author, Presence};
use switchboard::protocol::{ClientFrame, Event, ServerFrame};

use crate::common::{
    TestServer, acked, eventually, postgres_database, send, tracker, view_page, watch,
};

/// Two nodes on one fresh PostgreSQL database; agents go offline 3 s after their last
/// workspace closes, visitors leave the table 1 s after their last tab.
async fn two_nodes() -> (TestServer, TestServer) {
    let url = postgres_database().await;
    let node = |url: String| {
        move |config: &mut switchboard::server::config::Config| {
            config.database_url = Some(url);
            config.messages_per_second = 0;
            config.offline_after = 3;
            config.visitor_grace = 1;
        }
    };
    let a = TestServer::start_with(node(url.clone())).await;
    let b = TestServer::start_with(node(url)).await;
    (a, b)
}

/// What colleagues see of an agent now.
async fn presence_of(server: &TestServer, agent_id: i64) -> Presence {
    server
        .running
        .state
        .store
        .colleagues()
        .await
        .expect("colleagues")
        .into_iter()
        .find(|c| c.id == agent_id)
        .expect("a colleague")
        .presence
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
        .call(
            "accept_conversation",
            &[("id", &conversation_id.to_string())],
        )
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

/// An agent with a workspace on each node stays online until both close; every agent sees
/// the visitors of every node, and typing crosses nodes both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_the_online_table_and_typing_span_the_nodes() {
    let (a, b) = two_nodes().await;
    let team = a.team().await;
    let ana_a = a.sign_in(&team.ana.email).await;
    let ana_b = b.sign_in(&team.ana.email).await;
    let mut tab_a = ana_a.socket(None).await;
    tab_a.until_ready().await;
    let mut tab_b = ana_b.socket(None).await;
    let table = watch(&mut tab_b).await;
    assert!(table.is_empty());
    assert_eq!(presence_of(&a, team.ana.id).await, Presence::Online);

    // A visitor browsing on node A is in the table of Ana's workspace on node B.
    let (mut visitor, token) = tracker(&a, &team.inbox, None).await;
    view_page(&mut visitor, "/shoes", "Shoes").await;
    let row = tab_b
        .until(|frame| match frame {
            ServerFrame::OnlineChanges { changed, .. } => {
                changed.into_iter().find(|row| row.page_title == "Shoes")
            }
            _ => None,
        })
        .await;
    assert_eq!(row.inbox_id, team.inbox.id);

    // The visitor writes on A; Ana, on B, takes it and types; the visitor sees her typing,
    // and Ana's tab on A sees the visitor typing.
    let mut chat = a.visitor_socket(&token, None).await;
    chat.until_ready().await;
    chat.send(&send("v-1", None, "Hi")).await;
    let conversation_id = acked(&mut chat).await.conversation_id;
    let _: switchboard::model::ConversationSummary = ana_b
        .call(
            "accept_conversation",
            &[("id", &conversation_id.to_string())],
        )
        .await
        .expect("accepted");
    tab_b
        .send(&ClientFrame::Typing {
            conversation_id: Some(conversation_id),
            draft: None,
            note: false,
        })
        .await;
    chat.until(|frame| match frame {
        ServerFrame::Typing { agent, .. } if agent.id == team.ana.id => Some(()),
        _ => None,
    })
    .await;
    chat.send(&ClientFrame::Typing {
        conversation_id: None,
        draft: Some("Where is".into()),
        note: false,
    })
    .await;
    tab_a
        .until(|frame| match frame {
            ServerFrame::VisitorTyping {
                conversation_id: typed,
                ..
            } if typed == conversation_id => Some(()),
            _ => None,
        })
        .await;

    // The visitor closes the tab on A: they leave B's table after the grace period.
    visitor.close().await;
    chat.close().await;
    let visitor_id = row.visitor_id;
    tab_b
        .until(|frame| match frame {
            ServerFrame::OnlineChanges { left, .. } if left.contains(&visitor_id) => Some(()),
            _ => None,
        })
        .await;

    // Ana closes her tab on A: past her 3 s she is still online (her tab on B is open).
    tab_a.close().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(presence_of(&a, team.ana.id).await, Presence::Online);
    // Then the tab on B: offline 3 s later.
    tab_b.close().await;
    eventually("Ana is offline", || async {
        (presence_of(&b, team.ana.id).await == Presence::Offline).then_some(())
    })
    .await;
}

/// A node that stops without a word: another runs the timers from then on, its visitors
/// leave the table, its agents go offline, and nothing it acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_dies_leaves_its_work_to_the_others() {
    let (a, b) = two_nodes().await;
    let team = a.team().await;
    // Node A was first: it runs the chores.
    eventually("node A runs the chores", || async {
        a.running.state.chores.mine().then_some(())
    })
    .await;
    assert!(!b.running.state.chores.mine());

    let ben = b.sign_in(&team.ben.email).await;
    let mut watcher = ben.socket(None).await;
    watch(&mut watcher).await;
    let ana = a.sign_in(&team.ana.email).await;
    let mut tab = ana.socket(None).await;
    tab.until_ready().await;
    let (mut visitor, token) = tracker(&a, &team.inbox, None).await;
    view_page(&mut visitor, "/cart", "Cart").await;
    let row = watcher
        .until(|frame| match frame {
            ServerFrame::OnlineChanges { changed, .. } => {
                changed.into_iter().find(|row| row.page_title == "Cart")
            }
            _ => None,
        })
        .await;
    let mut chat = a.visitor_socket(&token, None).await;
    chat.until_ready().await;
    chat.send(&send("v-1", None, "Before the crash")).await;
    let kept = acked(&mut chat).await;

    // Node A dies (its sockets go with it, unclosed).
    a.running.stop().await;
    drop((visitor, chat, tab));

    // B takes the chores, the visitor leaves B's table, Ana goes offline.
    eventually("node B runs the chores", || async {
        b.running.state.chores.mine().then_some(())
    })
    .await;
    let visitor_id = row.visitor_id;
    watcher
        .until(|frame| match frame {
            ServerFrame::OnlineChanges { left, .. } if left.contains(&visitor_id) => Some(()),
            _ => None,
        })
        .await;
    eventually("Ana is offline", || async {
        (presence_of(&b, team.ana.id).await == Presence::Offline).then_some(())
    })
    .await;

    // What A acknowledged is there, once.
    let detail = ben.detail(kept.conversation_id).await;
    let bodies: Vec<&str> = detail
        .messages
        .iter()
        .filter(|m| m.author == Author::Visitor)
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies, vec!["Before the crash"]);
}

/// A timer scheduled through one node fires once, on the node that runs the chores, and
/// every node's agents see what it did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_fires_once_whichever_node_scheduled_it() {
    let (a, b) = two_nodes().await;
    let team = a.team().await;
    eventually("node A runs the chores", || async {
        a.running.state.chores.mine().then_some(())
    })
    .await;
    let admin = b.sign_in("root@example.com").await;
    let _: serde_json::Value = admin
        .call(
            "set_inbox_timers",
            &[
                ("inbox_id", &team.inbox.id.to_string()),
                ("assignee_idle_secs", "3"),
                ("visitor_idle_secs", "0"),
            ],
        )
        .await
        .expect("timers set");
    let token = a.visitor_token(&team.inbox).await;
    let mut chat = a.visitor_socket(&token, None).await;
    chat.until_ready().await;
    chat.send(&send("v-1", None, "Anyone?")).await;
    let id = acked(&mut chat).await.conversation_id;
    // Ana takes it on node B, which schedules the timer; node A fires it.
    let ana = b.sign_in(&team.ana.email).await;
    let _: switchboard::model::ConversationSummary = ana
        .call("accept_conversation", &[("id", &id.to_string())])
        .await
        .expect("accepted");
    let unassigned = |detail: &switchboard::model::ConversationDetail| {
        detail
            .messages
            .iter()
            .filter(|m| {
                matches!(
                    m.system,
                    Some(switchboard::model::SystemLine::AutoUnassigned { .. })
                )
            })
            .count()
    };
    eventually("unassigned by its timer", || async {
        (unassigned(&ana.detail(id).await) == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        unassigned(&ana.detail(id).await),
        1,
        "once, not once a node"
    );
}
