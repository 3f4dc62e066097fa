-- Lists of contacts: MANUAL, DYNAMIC and SNAPSHOT lists, their members and
-- their folders. Every key leads with the portal.

CREATE TABLE lists (
    portal_id          BIGINT  NOT NULL,
    id                 BIGINT  NOT NULL,
    name               TEXT    NOT NULL,
    name_key           TEXT    NOT NULL, -- lower(name): names are unique per portal, any case
    processing_type    TEXT    NOT NULL, -- MANUAL | DYNAMIC | SNAPSHOT
    processing_status  TEXT    NOT NULL, -- COMPLETE | PROCESSING
    version            BIGINT  NOT NULL,
    filters            TEXT,             -- the filter tree (JSON), for DYNAMIC and SNAPSHOT lists
    relative_to_now    BOOLEAN NOT NULL DEFAULT false, -- filters with rolling ranges
    folder_id          BIGINT  NOT NULL DEFAULT 0,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    filters_updated_at BIGINT,
    deleted_at         BIGINT,
    -- A whole-portal evaluation in progress: the last contact id it has
    -- seen, and when the evaluation started.
    evaluated_through  BIGINT,
    evaluation_started BIGINT,
    PRIMARY KEY (portal_id, id)
);
CREATE UNIQUE INDEX lists_by_name ON lists (portal_id, name_key) WHERE deleted_at IS NULL;

CREATE TABLE list_memberships (
    portal_id  BIGINT  NOT NULL,
    list_id    BIGINT  NOT NULL,
    contact_id BIGINT  NOT NULL,
    added_at   BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, list_id, contact_id)
);
-- Join order (`/memberships/join-order`, v1 `contacts/recent`) is sorted
-- at read time: an index for it would cost every write a third B-tree.
CREATE INDEX list_memberships_by_contact ON list_memberships (portal_id, contact_id, list_id);

CREATE TABLE list_folders (
    portal_id  BIGINT  NOT NULL,
    id         BIGINT  NOT NULL,
    name       TEXT    NOT NULL,
    parent_id  BIGINT  NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (portal_id, id)
);

-- A list's size, in shards: each writing transaction adds its changes to
-- one shard it picks at random, so concurrent writers of the members of
-- one list do not queue on one row; the size is the sum of the shards.
CREATE TABLE list_sizes (
    portal_id BIGINT   NOT NULL,
    list_id   BIGINT   NOT NULL,
    shard     SMALLINT NOT NULL,
    size      BIGINT   NOT NULL,
    PRIMARY KEY (portal_id, list_id, shard)
);

-- Grows with every change of a portal's lists (created, re-filtered,
-- renamed, deleted, restored): a write reads this one row to know whether
-- the live lists it holds parsed are still the portal's.
CREATE TABLE list_generations (
    portal_id  BIGINT NOT NULL PRIMARY KEY,
    generation BIGINT NOT NULL
);
