-- Faults injected on purpose (`/_spoke/v1/portals/{portalId}/faults`):
-- the portal's rules as given, and what is left of the budget of each rule
-- with a `count`, taken atomically by whichever node serves a request.

CREATE TABLE portal_faults (
    portal_id BIGINT NOT NULL PRIMARY KEY,
    faults    TEXT    NOT NULL -- JSON, rules with their full budgets
);

CREATE TABLE portal_fault_budgets (
    portal_id BIGINT NOT NULL,
    rule      BIGINT NOT NULL, -- the rule's position
    remaining BIGINT NOT NULL,
    PRIMARY KEY (portal_id, rule)
);
