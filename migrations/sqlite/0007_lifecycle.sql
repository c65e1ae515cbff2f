-- Agents leave and come back: an account is active, disabled (keeps its history, cannot sign
-- in) or deleted (its messages stay under the name they were written with). Raising
-- session_version ends every session of the account (sessions carry the version they began
-- with).
ALTER TABLE agents ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'disabled', 'deleted'));
ALTER TABLE agents ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;

-- A disabled inbox's widget says the chat is unavailable; agents keep its history.
ALTER TABLE inboxes ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

-- Who did what when, for admins: account and inbox changes. Names are copied so an entry
-- still reads after its actor or subject is gone.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    actor_name TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at DESC, id DESC);
