-- After the chat: blocks, tickets and their webhook, the mail and webhook outbox, labels,
-- contacts, and full-text search over messages and visitors.

-- A ban on a visitor, or an IP address or range, in one inbox, until a time or forever.
CREATE TABLE blocks (
    id         INTEGER PRIMARY KEY,
    inbox_id   INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    visitor_id INTEGER REFERENCES visitors (id) ON DELETE CASCADE,
    -- An address or a CIDR range ("203.0.113.0/24"), when the network is blocked too.
    ip_range   TEXT,
    reason     TEXT    NOT NULL,
    created_by INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    -- NULL: forever.
    until      INTEGER,
    -- Set when an agent lifts it by hand.
    lifted_at  INTEGER,
    lifted_by  INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    CHECK (visitor_id IS NOT NULL OR ip_range IS NOT NULL)
);
CREATE INDEX blocks_by_visitor ON blocks (visitor_id) WHERE lifted_at IS NULL;
CREATE INDEX blocks_by_inbox ON blocks (inbox_id) WHERE lifted_at IS NULL;

-- The language the widget spoke to the visitor ("en", "es"): their emails use it.
ALTER TABLE visitors ADD COLUMN locale TEXT;

-- Where new tickets of an inbox are posted (signed with the secret), if anywhere.
ALTER TABLE inboxes ADD COLUMN webhook_url TEXT;
ALTER TABLE inboxes ADD COLUMN webhook_secret TEXT;

-- A follow-up item made from a conversation (all of it or chosen messages).
CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    inbox_id        INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    requester_email TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'closed')),
    assignee_id     INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    created_by      INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX tickets_by_inbox ON tickets (inbox_id, status, id);
CREATE INDEX tickets_by_conversation ON tickets (conversation_id);

CREATE TABLE ticket_comments (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    agent_id    INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    author_name TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (ticket_id, id);

-- What must leave the server (emails, webhook posts), written in the transaction of the change
-- that causes it, so a restart or an unreachable server loses nothing.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('email', 'webhook')),
    -- JSON of the server's outbox::Item.
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    sent_at         INTEGER,
    -- Set when it was given up (after a day of failures).
    failed_at       INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Labels, created on the fly, shared by every inbox.
CREATE TABLE labels (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);
CREATE TABLE conversation_labels (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    label_id        INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, label_id)
);
CREATE INDEX conversation_labels_by_label ON conversation_labels (label_id);

-- A person the team keeps on record; visitors (same person, same email) link to it.
CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    email      TEXT,
    phone      TEXT,
    company    TEXT,
    notes      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX contacts_by_email ON contacts (email COLLATE NOCASE);
ALTER TABLE visitors ADD COLUMN contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL;
CREATE INDEX visitors_by_contact ON visitors (contact_id);
CREATE INDEX visitors_by_email ON visitors (email COLLATE NOCASE);

-- Chat logs filter conversations by agent and by date.
CREATE INDEX conversations_by_assignee ON conversations (assignee_id, created_at);
CREATE INDEX conversations_by_created ON conversations (created_at);

-- Full-text search: message text (notes included; agents only ever search) and visitors'
-- names and emails. External-content tables kept in step by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages WHERE body <> '';
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.body <> '' BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.body <> '' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;

CREATE VIRTUAL TABLE visitors_fts USING fts5 (
    name, email, content = 'visitors', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO visitors_fts (rowid, name, email)
    SELECT id, COALESCE(name, ''), COALESCE(email, '') FROM visitors;
CREATE TRIGGER visitors_fts_insert AFTER INSERT ON visitors BEGIN
    INSERT INTO visitors_fts (rowid, name, email)
        VALUES (new.id, COALESCE(new.name, ''), COALESCE(new.email, ''));
END;
CREATE TRIGGER visitors_fts_update AFTER UPDATE OF name, email ON visitors BEGIN
    INSERT INTO visitors_fts (visitors_fts, rowid, name, email)
        VALUES ('delete', old.id, COALESCE(old.name, ''), COALESCE(old.email, ''));
    INSERT INTO visitors_fts (rowid, name, email)
        VALUES (new.id, COALESCE(new.name, ''), COALESCE(new.email, ''));
END;
CREATE TRIGGER visitors_fts_delete AFTER DELETE ON visitors BEGIN
    INSERT INTO visitors_fts (visitors_fts, rowid, name, email)
        VALUES ('delete', old.id, COALESCE(old.name, ''), COALESCE(old.email, ''));
END;
