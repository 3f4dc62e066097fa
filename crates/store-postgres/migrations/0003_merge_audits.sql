-- One row per contact merged away: what the legacy API's `merge-audits`
-- and `merged-vids` report. `canonical_id` follows later merges (as
-- contacts.merged_into does); `into_id` keeps the contact of the time.
CREATE TABLE contact_merges (
    portal_id        BIGINT NOT NULL,
    merged_id        BIGINT NOT NULL,
    into_id          BIGINT NOT NULL,
    canonical_id     BIGINT NOT NULL,
    merged_at        BIGINT NOT NULL,
    properties_moved BIGINT NOT NULL,
    PRIMARY KEY (portal_id, merged_id)
);
CREATE INDEX contact_merges_by_canonical ON contact_merges (portal_id, canonical_id);
