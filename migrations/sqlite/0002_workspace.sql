-- Workspace: presence, per-inbox timer settings, per-agent read state, the timer table, and
-- team-wide events (presence) beside inbox events.

-- What the agent chose in the top bar, and what colleagues see: the chosen status while a
-- workspace connection is open (or closed for less than the grace period), else offline.
ALTER TABLE agents ADD COLUMN chosen_presence TEXT NOT NULL DEFAULT 'online'
    CHECK (chosen_presence IN ('online', 'away', 'offline'));
ALTER TABLE agents ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline'
    CHECK (presence IN ('online', 'away', 'offline'));
-- Whether the workspace plays a sound for new conversations and messages.
ALTER TABLE agents ADD COLUMN sound_on INTEGER NOT NULL DEFAULT 1;

-- Timer durations in seconds; 0 turns the timer off.
ALTER TABLE inboxes ADD COLUMN assignee_idle_secs INTEGER NOT NULL DEFAULT 900
    CHECK (assignee_idle_secs >= 0);
ALTER TABLE inboxes ADD COLUMN visitor_idle_secs INTEGER NOT NULL DEFAULT 900
    CHECK (visitor_idle_secs >= 0);

-- How far each agent has read each conversation (visitor messages after it are unread).
CREATE TABLE conversation_reads (
    agent_id             INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    conversation_id      INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    last_read_message_id INTEGER NOT NULL,
    PRIMARY KEY (agent_id, conversation_id)
);

-- The timer engine's schedule: at most one timer of a kind per subject (a conversation or an
-- agent). Kept in the database so a restart loses nothing.
CREATE TABLE timers (
    kind       TEXT    NOT NULL CHECK (kind IN ('assignee_idle', 'visitor_idle', 'agent_offline')),
    subject_id INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    PRIMARY KEY (kind, subject_id)
);
CREATE INDEX timers_by_due ON timers (due_at);

-- Events may now be team-wide (inbox_id NULL): SQLite cannot drop NOT NULL in place.
CREATE TABLE events_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL for team-wide events (an agent's presence).
    inbox_id        INTEGER,
    conversation_id INTEGER,
    visitor_id      INTEGER,
    for_visitor     INTEGER NOT NULL,
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
INSERT INTO events_new (id, inbox_id, conversation_id, visitor_id, for_visitor, payload, created_at)
    SELECT id, inbox_id, conversation_id, visitor_id, for_visitor, payload, created_at FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_by_inbox ON events (inbox_id, id);
CREATE INDEX events_by_visitor ON events (visitor_id, id) WHERE for_visitor = 1;
CREATE INDEX events_team ON events (id) WHERE inbox_id IS NULL;
