-- Personal access tokens for the REST API: the SHA-256 of each secret (never the secret),
-- what it may do, and its owner. Revoking a token deletes its row, and so does deleting its
-- account (accounts are kept as former agents, so the store deletes them).
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id     INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_by_agent ON api_tokens (agent_id);
