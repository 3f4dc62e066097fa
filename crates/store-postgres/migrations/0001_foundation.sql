-- Portals, tokens, property definitions, contacts, their history and the
-- outbox of change events. Every table of portal data has the portal id
-- first in its primary key, so the schema can be distributed by portal
-- (Citus); the exceptions are listed in src/catalogue.rs.

CREATE SEQUENCE portal_ids;

CREATE TABLE portals (
    portal_id       BIGINT  PRIMARY KEY DEFAULT nextval('portal_ids'),
    name            TEXT    NOT NULL,
    is_default      BOOLEAN NOT NULL DEFAULT false,
    created_at      BIGINT  NOT NULL,
    -- Contact ids are allocated from here, monotonically per portal, with
    -- creation times that never go back.
    next_contact_id BIGINT  NOT NULL DEFAULT 1,
    last_created_at BIGINT  NOT NULL DEFAULT 0,
    -- The latest creation time before the last block of ids was set
    -- aside: that block's floor (see src/contacts/ids.rs).
    block_floor     BIGINT  NOT NULL DEFAULT 0
);
-- Two nodes starting at once on an empty database make one default portal.
CREATE UNIQUE INDEX portals_one_default ON portals (is_default) WHERE is_default;

-- Tokens are stored as their SHA-256 digest, never in clear. Looked up
-- before the portal is known: a reference table.
CREATE TABLE access_tokens (
    token_hash BYTEA  PRIMARY KEY,
    portal_id  BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE property_groups (
    portal_id  BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    definition JSONB  NOT NULL,
    PRIMARY KEY (portal_id, name)
);

CREATE TABLE properties (
    portal_id  BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    definition JSONB  NOT NULL,
    PRIMARY KEY (portal_id, name)
);

-- state: 0 active, 1 archived, 2 merged into another contact.
CREATE TABLE contacts (
    portal_id   BIGINT   NOT NULL,
    contact_id  BIGINT   NOT NULL,
    state       SMALLINT NOT NULL DEFAULT 0,
    properties  JSONB    NOT NULL,
    created_at  BIGINT   NOT NULL,
    updated_at  BIGINT   NOT NULL,
    archived_at BIGINT,
    PRIMARY KEY (portal_id, contact_id)
);

-- Values that identify one active contact: email and every hasUniqueValue
-- property, lowercased. The primary key is the uniqueness rule, across
-- every node writing to this database.
CREATE TABLE unique_values (
    portal_id  BIGINT NOT NULL,
    property   TEXT   NOT NULL,
    value      TEXT   NOT NULL,
    contact_id BIGINT NOT NULL,
    PRIMARY KEY (portal_id, property, value)
);

CREATE SEQUENCE contact_change_ids;

-- One row per write to a contact: property history is folded from these.
CREATE TABLE contact_changes (
    portal_id          BIGINT NOT NULL,
    change_id          BIGINT NOT NULL,
    contact_id         BIGINT NOT NULL,
    kind               TEXT   NOT NULL,
    occurred_at        BIGINT NOT NULL,
    source_type        TEXT   NOT NULL,
    source_id          TEXT,
    source_label       TEXT,
    updated_by_user_id BIGINT,
    changed_values     JSONB  NOT NULL, -- '' marks a cleared value
    PRIMARY KEY (portal_id, change_id)
);
CREATE INDEX contact_changes_by_contact ON contact_changes (portal_id, contact_id, change_id);

CREATE SEQUENCE outbox_event_ids;

-- Change events, written in the transaction of the change they describe.
CREATE TABLE outbox (
    portal_id   BIGINT NOT NULL,
    event_id    BIGINT NOT NULL,
    object_type TEXT   NOT NULL,
    object_id   BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    occurred_at BIGINT NOT NULL,
    change_id   BIGINT, -- contact_changes.change_id holding the changed values
    payload     JSONB  NOT NULL DEFAULT '{}',
    PRIMARY KEY (portal_id, event_id)
);
CREATE INDEX outbox_by_object ON outbox (portal_id, object_type, object_id);
