-- Portals, tokens, property definitions, contacts, their history and the
-- outbox of change events. Every row belongs to a portal.

CREATE TABLE portals (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    is_default      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    -- Contact ids are allocated from here, monotonically per portal.
    next_contact_id INTEGER NOT NULL DEFAULT 1
);

-- Tokens are stored as their SHA-256 digest, never in clear.
CREATE TABLE access_tokens (
    token_hash BLOB    PRIMARY KEY,
    portal_id  INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE property_groups (
    portal_id  INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    definition TEXT    NOT NULL, -- JSON
    PRIMARY KEY (portal_id, name)
) WITHOUT ROWID;

CREATE TABLE properties (
    portal_id  INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    definition TEXT    NOT NULL, -- JSON
    PRIMARY KEY (portal_id, name)
) WITHOUT ROWID;

-- A contact's rowid is its key, portal_id * 2^40 + id: a read by id is one
-- B-tree descent, a portal's contacts in id order are one rowid range, and
-- the primary key makes (portal, id) unique without a second index.
CREATE TABLE contacts (
    key         INTEGER PRIMARY KEY,
    portal_id   INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    state       INTEGER NOT NULL DEFAULT 0, -- 0 active, 1 archived
    properties  TEXT    NOT NULL,           -- JSON object of set values
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    archived_at INTEGER
);
CREATE INDEX contacts_archived ON contacts (key) WHERE state = 1;

-- Values that identify one active contact: email and every hasUniqueValue
-- property, lowercased. The primary key is the uniqueness rule.
CREATE TABLE unique_values (
    portal_id  INTEGER NOT NULL,
    property   TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    contact_id INTEGER NOT NULL,
    PRIMARY KEY (portal_id, property, value)
) WITHOUT ROWID;

-- One row per write to a contact: property history is folded from these.
CREATE TABLE contact_changes (
    id                 INTEGER PRIMARY KEY,
    portal_id          INTEGER NOT NULL,
    contact_id         INTEGER NOT NULL,
    kind               TEXT    NOT NULL,
    occurred_at        INTEGER NOT NULL,
    source_type        TEXT    NOT NULL,
    source_id          TEXT,
    source_label       TEXT,
    updated_by_user_id INTEGER,
    changed_values     TEXT    NOT NULL -- JSON object; '' marks a cleared value
);
CREATE INDEX contact_changes_by_contact ON contact_changes (portal_id, contact_id, id);

-- Change events, written in the transaction of the change they describe and
-- delivered later (webhooks). AUTOINCREMENT: ids are never reused, so a
-- delivery cursor never skips an event.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id   INTEGER NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    occurred_at INTEGER NOT NULL,
    change_id   INTEGER, -- contact_changes.id holding the changed values
    payload     TEXT    NOT NULL DEFAULT '{}'
);
