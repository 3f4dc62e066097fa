-- Lists that become static on a schedule, and the history of list sizes
-- and edits (`schedule-conversion`, `size-and-edits-history`).

-- The conversion asked for (HubSpot's JSON), when, and when it was done.
ALTER TABLE lists
    ADD COLUMN conversion TEXT,
    ADD COLUMN conversion_requested_at BIGINT,
    ADD COLUMN converted_at BIGINT;
-- When a contact last joined or left the list through this shard (set with
-- the shard's size, in the same statement); the list's last change is the
-- latest of its shards'.
ALTER TABLE list_sizes ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;

-- kind 'size': the list's size at `at` (a point each time the list worker
-- sees it changed); kind 'edit': its filters were edited at `at`.
CREATE TABLE list_history (
    portal_id BIGINT NOT NULL,
    list_id   BIGINT NOT NULL,
    kind      TEXT   NOT NULL,
    at        BIGINT NOT NULL,
    size      BIGINT,
    PRIMARY KEY (portal_id, list_id, kind, at)
);
