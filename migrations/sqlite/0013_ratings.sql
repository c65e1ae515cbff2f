-- A visitor's rating of an ended conversation: one per conversation (the primary key), a
-- score from 1 to 5 (good is 5, bad is 1 on an inbox that asks good or bad) and a comment.
CREATE TABLE ratings (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
