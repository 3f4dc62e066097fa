//! Embedded migrations, applied in order at start, each in its own
//! transaction and recorded by name, under an advisory lock so that nodes
//! starting at the same moment take turns. The SQLite backend keeps a
//! folder with the same names in the same order (a test compares them).

use tokio_postgres::Client;

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

/// The lock every node takes around migrations (per schema, so several
/// Spoke databases can share one PostgreSQL database in schemas of their
/// own).
const LOCK: &str = "hashtext('spoke-migrations:' || current_schema())";

/// Applies the migrations the database lacks. When the database records a
/// migration this binary does not know (a newer Spoke wrote it), applies
/// nothing and returns those names.
pub async fn apply(client: &mut Client) -> Result<Vec<String>, tokio_postgres::Error> {
    client
        .batch_execute(&format!("SELECT pg_advisory_lock({LOCK})"))
        .await?;
    let applied = apply_locked(client).await;
    let unlocked = client
        .batch_execute(&format!("SELECT pg_advisory_unlock({LOCK})"))
        .await;
    let applied = applied?;
    unlocked?;
    Ok(applied)
}

async fn apply_locked(client: &mut Client) -> Result<Vec<String>, tokio_postgres::Error> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                name       TEXT PRIMARY KEY,
                applied_at BIGINT NOT NULL
            )",
        )
        .await?;
    let applied: Vec<String> = client
        .query("SELECT name FROM schema_migrations ORDER BY name", &[])
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let unknown: Vec<String> = applied
        .iter()
        .filter(|name| !MIGRATIONS.iter().any(|(known, _)| known == name))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Ok(unknown);
    }
    for (name, sql) in MIGRATIONS {
        if applied.iter().any(|a| a == name) {
            continue;
        }
        tracing::info!(migration = name, "applying migration");
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)",
            &[name, &spoke_domain::time::Timestamp::now().millis()],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Vec::new())
}
