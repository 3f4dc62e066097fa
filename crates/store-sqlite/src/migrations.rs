//! Embedded migrations, applied in order at start, each in its own
//! transaction and recorded by name. The PostgreSQL backend keeps a folder
//! with the same names in the same order (a test compares them).

use rusqlite::{params, Connection, OptionalExtension};

/// Every migration, oldest first: (name, SQL).
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (
        "0002_search_merge_gdpr",
        include_str!("../migrations/0002_search_merge_gdpr.sql"),
    ),
    (
        "0003_merge_audits",
        include_str!("../migrations/0003_merge_audits.sql"),
    ),
    (
        "0004_blocked_emails_as_holders",
        include_str!("../migrations/0004_blocked_emails_as_holders.sql"),
    ),
    ("0005_access", include_str!("../migrations/0005_access.sql")),
    (
        "0006_webhooks",
        include_str!("../migrations/0006_webhooks.sql"),
    ),
    ("0007_lists", include_str!("../migrations/0007_lists.sql")),
    (
        "0008_list_conversions",
        include_str!("../migrations/0008_list_conversions.sql"),
    ),
    ("0009_faults", include_str!("../migrations/0009_faults.sql")),
    (
        "0010_snapshots",
        include_str!("../migrations/0010_snapshots.sql"),
    ),
    (
        "0011_request_journal",
        include_str!("../migrations/0011_request_journal.sql"),
    ),
    (
        "0012_imports_exports",
        include_str!("../migrations/0012_imports_exports.sql"),
    ),
];

/// Applies the migrations the database lacks. When the database records a
/// migration this binary does not know (a newer Spoke wrote it), applies
/// nothing and returns those names.
pub fn apply(conn: &mut Connection) -> rusqlite::Result<Vec<String>> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            name TEXT PRIMARY KEY,
            applied_at INTEGER NOT NULL
        )",
    )?;
    let applied: Vec<String> = conn
        .prepare("SELECT name FROM schema_migrations ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let unknown: Vec<String> = applied
        .into_iter()
        .filter(|name| !MIGRATIONS.iter().any(|(known, _)| known == name))
        .collect();
    if !unknown.is_empty() {
        return Ok(unknown);
    }
    for (name, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let applied: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM schema_migrations WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if applied.is_none() {
            tracing::info!(migration = name, "applying migration");
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                params![name, spoke_domain::time::Timestamp::now().millis()],
            )?;
        }
        tx.commit()?;
    }
    Ok(Vec::new())
}
