-- The last assignee who let a conversation go (unassigned it, or the timer took it back):
-- automatic assignment gives it to someone else.
ALTER TABLE conversations ADD COLUMN released_by INTEGER;
