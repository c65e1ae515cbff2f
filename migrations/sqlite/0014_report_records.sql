-- What the Reports page counts, written with each event that says something to it
-- (conversation opened, a visitor's message or a team reply, an assignment, a close, an
-- agent's presence) in the same transaction. The event log is pruned after its retention;
-- these small rows stay, so a report of any period can be computed again.
CREATE TABLE report_records (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    conversation_id INTEGER,
    inbox_id        INTEGER,
    agent_id        INTEGER,
    presence        TEXT
);
CREATE INDEX report_records_by_time ON report_records (kind, at);
CREATE INDEX report_records_by_conversation ON report_records (conversation_id);
