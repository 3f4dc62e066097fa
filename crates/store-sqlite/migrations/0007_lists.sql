-- Lists of contacts: MANUAL, DYNAMIC and SNAPSHOT lists, their members and
-- their folders. Every key leads with the portal.

CREATE TABLE lists (
    portal_id          INTEGER NOT NULL,
    id                 INTEGER NOT NULL,
    name               TEXT    NOT NULL,
    name_key           TEXT    NOT NULL, -- lower(name): names are unique per portal, any case
    processing_type    TEXT    NOT NULL, -- MANUAL | DYNAMIC | SNAPSHOT
    processing_status  TEXT    NOT NULL, -- COMPLETE | PROCESSING
    version            INTEGER NOT NULL,
    filters            TEXT,             -- the filter tree (JSON), for DYNAMIC and SNAPSHOT lists
    relative_to_now    INTEGER NOT NULL DEFAULT 0, -- filters with rolling ranges
    folder_id          INTEGER NOT NULL DEFAULT 0,
    size               INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    filters_updated_at INTEGER,
    deleted_at         INTEGER,
    -- A whole-portal evaluation in progress: the last contact id it has
    -- seen, and when the evaluation started.
    evaluated_through  INTEGER,
    evaluation_started INTEGER,
    PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX lists_by_name ON lists (portal_id, name_key) WHERE deleted_at IS NULL;

CREATE TABLE list_memberships (
    portal_id  INTEGER NOT NULL,
    list_id    INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (portal_id, list_id, contact_id)
) WITHOUT ROWID;
-- Join order (`/memberships/join-order`, v1 `contacts/recent`) is sorted
-- at read time: an index for it would cost every write a third B-tree.
CREATE INDEX list_memberships_by_contact ON list_memberships (portal_id, contact_id, list_id);

CREATE TABLE list_folders (
    portal_id  INTEGER NOT NULL,
    id         INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;

-- Grows with every change of a portal's lists (created, re-filtered,
-- renamed, deleted, restored): a write reads this one row to know whether
-- the live lists it holds parsed are still the portal's.
CREATE TABLE list_generations (
    portal_id  INTEGER NOT NULL PRIMARY KEY,
    generation INTEGER NOT NULL
);
