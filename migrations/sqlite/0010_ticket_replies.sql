-- A ticket comment is internal, or a reply also emailed to the requester.
ALTER TABLE ticket_comments ADD COLUMN emailed INTEGER NOT NULL DEFAULT 0;
