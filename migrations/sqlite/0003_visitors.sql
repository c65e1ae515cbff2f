-- Visitors: what they tell us (name, email, phone), what the team writes about them (notes),
-- their browser's environment, their visits (browsing sessions) and the pages they open.

ALTER TABLE visitors ADD COLUMN phone TEXT;
ALTER TABLE visitors ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN screen TEXT;
ALTER TABLE visitors ADD COLUMN language TEXT;
ALTER TABLE visitors ADD COLUMN time_zone TEXT;
-- The first visit is kept for ever, even if old visits are pruned one day.
ALTER TABLE visitors ADD COLUMN first_visit_at INTEGER;
ALTER TABLE visitors ADD COLUMN first_landing_url TEXT;
ALTER TABLE visitors ADD COLUMN first_landing_title TEXT;
ALTER TABLE visitors ADD COLUMN visit_count INTEGER NOT NULL DEFAULT 0;

-- One browsing session: starts on the first page after a long absence.
CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    visitor_id    INTEGER NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    started_at    INTEGER NOT NULL,
    -- The last moment the visitor was known to be on the site in this visit.
    last_seen_at  INTEGER NOT NULL,
    landing_url   TEXT    NOT NULL,
    landing_title TEXT    NOT NULL,
    referrer      TEXT    NOT NULL DEFAULT '',
    -- Whole or truncated, as the server is configured (--truncate-ips).
    ip            TEXT,
    user_agent    TEXT    NOT NULL DEFAULT '',
    browser       TEXT,
    os            TEXT,
    device        TEXT,
    country       TEXT,
    city          TEXT
);
CREATE INDEX visits_by_visitor ON visits (visitor_id, id);

-- One page a visitor opened; ended_at stays NULL while it is the page they are on.
CREATE TABLE page_views (
    id         INTEGER PRIMARY KEY,
    visit_id   INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    visitor_id INTEGER NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE INDEX page_views_by_visitor ON page_views (visitor_id, id);
CREATE INDEX page_views_open ON page_views (visitor_id) WHERE ended_at IS NULL;
