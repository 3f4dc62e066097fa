-- Named snapshots of a portal's state. Their rows live in tables created
-- beside each table of portal data when a first snapshot needs them
-- (`snapshot__<table>`, with a `snapshot_id` column); this table names
-- them and keeps the portal's id counters at the time.

CREATE TABLE portal_snapshots (
    portal_id       INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    id              INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    contacts        INTEGER NOT NULL,
    next_contact_id INTEGER NOT NULL,
    last_created_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, name)
) WITHOUT ROWID;
