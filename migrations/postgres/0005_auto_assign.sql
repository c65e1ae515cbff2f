-- Automatic assignment per inbox (as migrations/sqlite/0016_auto_assign.sql).
ALTER TABLE inboxes ADD COLUMN auto_assign TEXT;
ALTER TABLE inboxes ADD COLUMN agent_capacity BIGINT NOT NULL DEFAULT 3;
ALTER TABLE inboxes ADD COLUMN auto_assign_last BIGINT;
