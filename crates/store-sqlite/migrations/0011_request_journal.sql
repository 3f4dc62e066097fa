-- The request journal: each portal's newest calls, as its callers sent
-- them (secrets masked, bodies cut), numbered per portal.

CREATE TABLE request_journal (
    portal_id      INTEGER NOT NULL,
    id             INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    credential     TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    status         INTEGER NOT NULL,
    latency_ms     INTEGER NOT NULL,
    correlation_id TEXT    NOT NULL,
    request_body   TEXT    NOT NULL,
    response_body  TEXT    NOT NULL,
    PRIMARY KEY (portal_id, id)
) WITHOUT ROWID;
