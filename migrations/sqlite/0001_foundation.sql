-- Foundation: accounts, inboxes, visitors, conversations, messages and the event log.
-- Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'supervisor', 'admin')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE inboxes (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    key        TEXT    NOT NULL UNIQUE,
    is_demo    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE inbox_agents (
    inbox_id INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (inbox_id, agent_id)
);
CREATE INDEX inbox_agents_by_agent ON inbox_agents (agent_id);

CREATE TABLE visitors (
    id           INTEGER PRIMARY KEY,
    inbox_id     INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    -- SHA-256 of the secret token kept in the widget's storage; the token itself is never stored.
    token_hash   TEXT    NOT NULL UNIQUE,
    name         TEXT,
    email        TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    inbox_id        INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    visitor_id      INTEGER NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    status          TEXT    NOT NULL CHECK (status IN ('unassigned', 'assigned', 'closed')),
    assignee_id     INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    preview         TEXT    NOT NULL DEFAULT '',
    closed_at       INTEGER
);
CREATE INDEX conversations_by_inbox ON conversations (inbox_id, status, last_message_at);
CREATE INDEX conversations_by_visitor ON conversations (visitor_id, id);
-- A visitor has at most one open conversation at a time.
CREATE UNIQUE INDEX conversations_one_open_per_visitor ON conversations (visitor_id) WHERE status <> 'closed';

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    author_kind     TEXT    NOT NULL CHECK (author_kind IN ('visitor', 'agent', 'system')),
    author_agent_id INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    author_name     TEXT,
    body            TEXT    NOT NULL,
    -- JSON of model::SystemLine for system lines.
    system          TEXT,
    client_id       TEXT,
    -- "v<visitor id>:<client id>" or "a<agent id>:<client id>": a retried send is stored once.
    dedup_key       TEXT    UNIQUE,
    created_at      INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- The event log: one row per committed change, written in the same transaction.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    inbox_id        INTEGER NOT NULL,
    conversation_id INTEGER,
    visitor_id      INTEGER,
    -- 1 when the conversation's visitor may see it.
    for_visitor     INTEGER NOT NULL,
    -- JSON of protocol::Event.
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX events_by_inbox ON events (inbox_id, id);
CREATE INDEX events_by_visitor ON events (visitor_id, id) WHERE for_visitor = 1;
