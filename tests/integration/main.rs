//! The integration tests, one binary: the store against a real SQLite file, then the real
//! router on 127.0.0.1:0 driven over HTTP and WebSocket. One binary links the server once
//! instead of once per file, which saves minutes and gigabytes on the 2-core CI machine.

mod common;

mod after_chat;
mod api;
mod authorization;
mod auto_assign;
mod cluster;
mod conversation_tools;
mod faults;
mod lanes;
mod lifecycle;
mod limits;
mod offline;
mod pre_chat;
mod ratings;
mod realtime;
mod reports;
mod sessions;
mod shutdown;
mod store;
mod transcripts;
mod visitors;
mod webhooks;
mod widget;
mod wire;
mod workspace;
