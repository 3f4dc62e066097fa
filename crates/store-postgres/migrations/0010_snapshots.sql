-- Named snapshots of a portal's state. Their rows live in tables created
-- beside each table of portal data when a first snapshot needs them
-- (`snapshot__<table>`, with a `snapshot_id` column); this table names
-- them and keeps the portal's id counters at the time.

CREATE TABLE portal_snapshots (
    portal_id       BIGINT NOT NULL,
    name            TEXT    NOT NULL,
    id              BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    contacts        BIGINT NOT NULL,
    next_contact_id BIGINT NOT NULL,
    last_created_at BIGINT NOT NULL,
    PRIMARY KEY (portal_id, name)
);
