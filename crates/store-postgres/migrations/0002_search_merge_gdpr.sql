-- Search runs in PostgreSQL, on indexes it maintains:
-- * terms: every search term of an active contact (its values, their words,
--   numbers, and which properties it has; see src/search/terms.rs) in a GIN
--   index, so filter groups of equality, token and presence tests are one
--   index scan;
-- * contact_numbers: number, date and datetime values in a B-tree, for
--   ranges and sorting;
-- * creation and modification times of active contacts in B-trees (the
--   createdate and lastmodifieddate filters, sorts and the recent listings).
ALTER TABLE contacts ADD COLUMN merged_into BIGINT;
ALTER TABLE contacts ADD COLUMN terms TSVECTOR;
CREATE INDEX contacts_merged_into ON contacts (portal_id, merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX contacts_terms ON contacts USING gin (terms);
CREATE INDEX contacts_active_created ON contacts (portal_id, created_at, contact_id) WHERE state = 0;
CREATE INDEX contacts_active_modified ON contacts (portal_id, updated_at, contact_id) WHERE state = 0;

CREATE TABLE contact_numbers (
    portal_id  BIGINT           NOT NULL,
    property   TEXT             NOT NULL,
    contact_id BIGINT           NOT NULL,
    value      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (portal_id, property, contact_id)
);
CREATE INDEX contact_numbers_by_value ON contact_numbers (portal_id, property, value, contact_id);
