-- Tickets have a priority and, when their inbox lists ticket types, a type; an inbox lists
-- its ticket types comma-separated (empty: none offered).
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent'));
ALTER TABLE tickets ADD COLUMN kind TEXT;
ALTER TABLE inboxes ADD COLUMN ticket_types TEXT NOT NULL DEFAULT '';
