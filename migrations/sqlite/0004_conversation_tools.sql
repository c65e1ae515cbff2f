-- Conversations, part two: internal notes, read receipts, files, templates, avatars and the
-- per-inbox settings that go with them.

-- 1 for an internal note: agents only, never sent to the visitor.
ALTER TABLE messages ADD COLUMN note INTEGER NOT NULL DEFAULT 0;
-- When the other side read it: the visitor (agents' messages) or the assignee (the visitor's).
ALTER TABLE messages ADD COLUMN read_at INTEGER;

-- Largest file accepted in a conversation, and the kinds of files accepted (MIME types or
-- "type/*", comma-separated).
ALTER TABLE inboxes ADD COLUMN max_file_bytes INTEGER NOT NULL DEFAULT 4194304
    CHECK (max_file_bytes > 0);
ALTER TABLE inboxes ADD COLUMN allowed_file_types TEXT NOT NULL DEFAULT
    'image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain, text/csv, application/zip, application/msword, application/vnd.openxmlformats-officedocument.*, application/vnd.oasis.opendocument.*';
-- 1: agents see what the visitor is typing before they send it.
ALTER TABLE inboxes ADD COLUMN typing_preview INTEGER NOT NULL DEFAULT 0;

-- An agent's picture: a file under the data directory's avatars/ folder, and its type.
ALTER TABLE agents ADD COLUMN avatar_key TEXT;
ALTER TABLE agents ADD COLUMN avatar_type TEXT;

-- Files attached to messages. Uploaded first (message_id NULL, only the uploader can use it),
-- then sent with a message. The bytes live under the data directory's files/ folder.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    inbox_id     INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    -- The uploader: a visitor, or an agent (exactly one is set).
    visitor_id   INTEGER REFERENCES visitors (id) ON DELETE CASCADE,
    agent_id     INTEGER REFERENCES agents (id) ON DELETE CASCADE,
    message_id   INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    storage_key  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    CHECK ((visitor_id IS NULL) <> (agent_id IS NULL))
);
CREATE INDEX files_by_message ON files (message_id);

-- Canned replies: personal (owner_id) or shared with an inbox (inbox_id).
CREATE TABLE templates (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    shortcut   TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    owner_id   INTEGER REFERENCES agents (id) ON DELETE CASCADE,
    inbox_id   INTEGER REFERENCES inboxes (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    CHECK ((owner_id IS NULL) <> (inbox_id IS NULL))
);
CREATE INDEX templates_by_owner ON templates (owner_id);
CREATE INDEX templates_by_inbox ON templates (inbox_id);
