-- Faults injected on purpose (`/_spoke/v1/portals/{portalId}/faults`):
-- the portal's rules as given, and what is left of the budget of each rule
-- with a `count`, taken atomically by whichever node serves a request.

CREATE TABLE portal_faults (
    portal_id INTEGER NOT NULL PRIMARY KEY,
    faults    TEXT    NOT NULL -- JSON, rules with their full budgets
);

CREATE TABLE portal_fault_budgets (
    portal_id INTEGER NOT NULL,
    rule      INTEGER NOT NULL, -- the rule's position
    remaining INTEGER NOT NULL,
    PRIMARY KEY (portal_id, rule)
) WITHOUT ROWID;
