-- Webhooks: apps' settings and subscriptions, deliveries (batches of
-- events, waiting for their lane, sent, retried) and their attempts. The
-- dispatcher's position in the outbox: one writer commits outbox ids in
-- order, so every event up to it has been turned into deliveries.

-- Webhooks are signed with the app's client secret, so it is kept in clear
-- (HubSpot shows it to the app's developer too). Apps created before this
-- migration have only its digest and send unsigned requests.
ALTER TABLE apps ADD COLUMN client_secret TEXT;

-- Events recorded before webhooks existed are not delivered.
CREATE TABLE webhook_dispatch (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
);
INSERT INTO webhook_dispatch (id, position)
SELECT 1, max(coalesce((SELECT max(id) FROM outbox), 0),
              coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0));

CREATE TABLE webhook_settings (
    app_id          INTEGER PRIMARY KEY,
    target_url      TEXT    NOT NULL,
    max_concurrent  INTEGER NOT NULL,
    period          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE webhook_subscriptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id        INTEGER NOT NULL,
    event_type    TEXT    NOT NULL,
    property_name TEXT,
    active        INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX webhook_subscriptions_by_app ON webhook_subscriptions (app_id, id);

-- One batch of events to one app's target in one portal.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id          INTEGER NOT NULL,
    portal_id       INTEGER NOT NULL,
    lane            INTEGER, -- NULL for a replay
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL, -- JSON array
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER, -- NULL: waiting for its lane
    claim           INTEGER,
    lease_until     INTEGER,
    replay_of       INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (app_id, portal_id, lane, id)
    WHERE status = 'PENDING' AND next_attempt_at IS NULL;
CREATE INDEX webhook_deliveries_busy ON webhook_deliveries (app_id, portal_id, lane)
    WHERE status IN ('SENDING', 'RETRYING');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('PENDING', 'SENDING', 'RETRYING');
CREATE INDEX webhook_deliveries_by_portal ON webhook_deliveries (portal_id, id);

CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id      INTEGER NOT NULL,
    portal_id        INTEGER NOT NULL,
    number           INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    status_code      INTEGER,
    latency_ms       INTEGER NOT NULL,
    response_excerpt TEXT,
    error            TEXT,
    delivered        INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
