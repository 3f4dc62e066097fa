-- Lists that become static on a schedule, and the history of list sizes
-- and edits (`schedule-conversion`, `size-and-edits-history`).

-- The conversion asked for (HubSpot's JSON), when, and when it was done.
ALTER TABLE lists ADD COLUMN conversion TEXT;
ALTER TABLE lists ADD COLUMN conversion_requested_at INTEGER;
ALTER TABLE lists ADD COLUMN converted_at INTEGER;
-- When a contact last joined or left the list (set with its size, in the
-- same statement, so it costs writers nothing more).
ALTER TABLE lists ADD COLUMN members_changed_at INTEGER;

-- kind 'size': the list's size at `at` (a point each time the list worker
-- sees it changed); kind 'edit': its filters were edited at `at`.
CREATE TABLE list_history (
    portal_id INTEGER NOT NULL,
    list_id   INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    size      INTEGER,
    PRIMARY KEY (portal_id, list_id, kind, at)
) WITHOUT ROWID;
