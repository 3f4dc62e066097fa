-- A blocked email becomes a holder of its unique value (contact id 0,
-- which no contact has): one unique key decides between a block and a new
-- contact taking the same address.
INSERT OR IGNORE INTO unique_values (portal_id, property, value, contact_id)
SELECT portal_id, 'email', email, 0 FROM blocked_emails;
DROP TABLE blocked_emails;
