-- The last assignee who let a conversation go (as migrations/sqlite/0017_released_by.sql).
ALTER TABLE conversations ADD COLUMN released_by BIGINT;
