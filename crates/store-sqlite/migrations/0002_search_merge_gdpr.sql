-- Creation times never decrease within a portal, so contact id order is
-- also createdate order (search sorts on it without reading values).
ALTER TABLE portals ADD COLUMN last_created_at INTEGER NOT NULL DEFAULT 0;

-- A merged-away contact keeps its row (state 2) so its id resolves to the
-- contact it was merged into.
ALTER TABLE contacts ADD COLUMN merged_into INTEGER;
CREATE INDEX contacts_merged_into ON contacts (portal_id, merged_into)
    WHERE merged_into IS NOT NULL;

-- Emails whose contact was asked to be forgotten before it existed (GDPR
-- delete of an unknown email): no contact may take them.
CREATE TABLE blocked_emails (
    portal_id  INTEGER NOT NULL,
    email      TEXT    NOT NULL,
    blocked_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, email)
) WITHOUT ROWID;
