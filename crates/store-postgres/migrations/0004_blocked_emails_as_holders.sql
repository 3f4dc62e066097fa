-- On SQLite this migration turns blocked emails into holders (contact id 0)
-- of unique_values. PostgreSQL kept them that way from its first migration;
-- the name stays so both backends share one list of schema versions.
SELECT 1;
