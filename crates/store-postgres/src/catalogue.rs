//! Which tables are not per portal. Every other table keeps the portal id
//! first in its primary key and is only ever queried for one portal, so the
//! schema can be distributed by portal (Citus) without a rewrite; these
//! would be Citus reference tables. A test reads the database's catalogue
//! and fails on any table that breaks the rule and is not listed here.

/// Tables whose rows are not (or not only) one portal's, with the reason.
pub const REFERENCE_TABLES: &[(&str, &str)] = &[
    (
        "access_tokens",
        "looked up by token hash before the portal is known",
    ),
    (
        "apps",
        "public OAuth apps are server-wide, as a developer account's are",
    ),
    (
        "oauth_codes",
        "looked up by code digest before the portal is known",
    ),
    (
        "refresh_tokens",
        "looked up by token digest before the portal is known",
    ),
    ("admin_tokens", "the sandbox admin's, not a portal's"),
    (
        "admin_sessions",
        "the sandbox admin's browser sessions, not a portal's",
    ),
    ("schema_migrations", "migration bookkeeping"),
    (
        "exports",
        "looked up by id from a signed download link before the portal is known",
    ),
    (
        "webhook_settings",
        "an app's, server-wide: its subscriptions apply to every portal that installs it",
    ),
    (
        "webhook_subscriptions",
        "an app's, server-wide: its subscriptions apply to every portal that installs it",
    ),
];

/// Source files whose statements may span portals, with the reason: the
/// background workers that turn every portal's outbox into deliveries and
/// send them (the rows they write still carry their portal).
pub const CROSS_PORTAL_FILES: &[(&str, &str)] = &[
    (
        "webhooks.rs",
        "the webhook dispatcher reads every portal's outbox, oldest first, and prunes it",
    ),
    (
        "retention.rs",
        "the retention worker finds the contacts archived past their period, and the old calls of the request journal, in every portal",
    ),
    (
        "list_processing.rs",
        "the list worker finds the lists of every portal that are being evaluated",
    ),
];
