-- Imports of contacts from files (HubSpot's /crm/v3/imports and
-- `spoke import`): each import's state and counters, and its refused rows;
-- exports' requests and the keys their download links are signed with.

CREATE TABLE imports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id       INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    file_name       TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    request         TEXT    NOT NULL,
    total_rows      INTEGER NOT NULL DEFAULT 0,
    created_objects INTEGER NOT NULL DEFAULT 0,
    updated_objects INTEGER NOT NULL DEFAULT 0,
    error_rows      INTEGER NOT NULL DEFAULT 0,
    property_values INTEGER NOT NULL DEFAULT 0,
    bytes_total     INTEGER NOT NULL,
    bytes_read      INTEGER NOT NULL DEFAULT 0,
    failure         TEXT
);
CREATE INDEX imports_by_portal ON imports (portal_id, id);

CREATE TABLE import_errors (
    portal_id     INTEGER NOT NULL,
    import_id     INTEGER NOT NULL,
    id            INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    line          INTEGER NOT NULL,
    error_type    TEXT    NOT NULL,
    message       TEXT    NOT NULL,
    invalid_value TEXT,
    column_number INTEGER,
    row_data      TEXT    NOT NULL,
    PRIMARY KEY (portal_id, import_id, id)
) WITHOUT ROWID;

CREATE TABLE exports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    portal_id  INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    request    TEXT    NOT NULL,
    link_key BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX exports_by_portal ON exports (portal_id);
