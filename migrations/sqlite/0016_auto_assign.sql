-- Automatic assignment per inbox: off (NULL), 'round_robin' or 'least_busy'; the most open
-- conversations an agent is given automatically; and who got the last one (the turn).
ALTER TABLE inboxes ADD COLUMN auto_assign TEXT;
ALTER TABLE inboxes ADD COLUMN agent_capacity INTEGER NOT NULL DEFAULT 3;
ALTER TABLE inboxes ADD COLUMN auto_assign_last INTEGER;
