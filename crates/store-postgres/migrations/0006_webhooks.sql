-- Webhooks: apps' settings and subscriptions, deliveries (batches of
-- events, waiting for their lane, sent, retried) and their attempts. The
-- outbox gains a flag: an event is dispatched (turned into deliveries)
-- exactly once, by one node at a time (an advisory lock), whatever order
-- the writers commit in.

-- Webhooks are signed with the app's client secret, so it is kept in clear
-- (HubSpot shows it to the app's developer too). Apps created before this
-- migration have only its digest and send unsigned requests.
ALTER TABLE apps ADD COLUMN client_secret TEXT;

-- Events recorded before webhooks existed are not delivered.
ALTER TABLE outbox ADD COLUMN dispatched BOOLEAN NOT NULL DEFAULT false;
UPDATE outbox SET dispatched = true;
CREATE INDEX outbox_pending ON outbox (event_id) WHERE NOT dispatched;

CREATE TABLE webhook_settings (
    app_id         BIGINT PRIMARY KEY,
    target_url     TEXT   NOT NULL,
    max_concurrent INTEGER NOT NULL,
    period         TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE webhook_subscriptions (
    id            BIGSERIAL PRIMARY KEY,
    app_id        BIGINT  NOT NULL,
    event_type    TEXT    NOT NULL,
    property_name TEXT,
    active        BOOLEAN NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX webhook_subscriptions_by_app ON webhook_subscriptions (app_id, id);

-- One batch of events to one app's target in one portal.
-- Keyed by portal first, like every table of portal data; ids are unique
-- across portals (one sequence), so a delivery is found by its id alone.
CREATE TABLE webhook_deliveries (
    portal_id       BIGINT  NOT NULL,
    id              BIGSERIAL,
    app_id          BIGINT  NOT NULL,
    lane            INTEGER, -- NULL for a replay
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL, -- JSON array
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT, -- NULL: waiting for its lane
    claim           BIGINT,
    lease_until     BIGINT,
    replay_of       BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE UNIQUE INDEX webhook_deliveries_by_id ON webhook_deliveries (id);
CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (app_id, portal_id, lane, id)
    WHERE status = 'PENDING' AND next_attempt_at IS NULL;
CREATE INDEX webhook_deliveries_busy ON webhook_deliveries (app_id, portal_id, lane)
    WHERE status IN ('SENDING', 'RETRYING');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('PENDING', 'SENDING', 'RETRYING');
CREATE INDEX webhook_deliveries_by_portal ON webhook_deliveries (portal_id, id);

CREATE TABLE webhook_attempts (
    portal_id        BIGINT  NOT NULL,
    id               BIGSERIAL,
    delivery_id      BIGINT  NOT NULL,
    number           INTEGER NOT NULL,
    at               BIGINT  NOT NULL,
    status_code      INTEGER,
    latency_ms       BIGINT  NOT NULL,
    response_excerpt TEXT,
    error            TEXT,
    delivered        BOOLEAN NOT NULL,
    PRIMARY KEY (portal_id, id)
);
CREATE UNIQUE INDEX webhook_attempts_by_id ON webhook_attempts (id);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
