-- Event webhooks: each inbox may post chosen events to several endpoints. An endpoint keeps
-- its signing secret (needed to sign, so not hashed) and its events between commas
-- (",message.created,ticket.created,"). Its deliveries go through the outbox, marked with the
-- endpoint and the event, so the admin's delivery log is a query of the outbox. Removing an
-- endpoint gives up its waiting deliveries and unmarks them, but keeps the rows: an outbox id
-- is a receiver's delivery id, and SQLite would hand a deleted highest id out again.
CREATE TABLE webhook_endpoints (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    inbox_id   INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    topics     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_inbox ON webhook_endpoints (inbox_id);

ALTER TABLE outbox ADD COLUMN endpoint_id INTEGER REFERENCES webhook_endpoints(id) ON DELETE SET NULL;
ALTER TABLE outbox ADD COLUMN topic TEXT;
CREATE INDEX outbox_by_endpoint ON outbox (endpoint_id, id) WHERE endpoint_id IS NOT NULL;
