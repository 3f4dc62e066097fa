//! Deleting a portal removes every row that belongs to it, in every table
//! (read from the database file itself).

use spoke_domain::store::Store;
use spoke_store_sqlite::{SqliteOptions, SqliteStore};
use std::sync::Arc;

/// Rows of `portal` per table that has a `portal_id` column (and the
/// portal's own row).
fn rows_of(path: &std::path::Path, portal: i64) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND c.name = 'portal_id' ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.len() >= 10, "{tables:?}");
    let mut rows: Vec<(String, i64)> = tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(
                    &format!("SELECT count(*) FROM \"{t}\" WHERE portal_id = ?1"),
                    [portal],
                    |r| r.get(0),
                )
                .unwrap();
            (t, n)
        })
        .collect();
    let own: i64 = conn
        .query_row(
            "SELECT count(*) FROM portals WHERE id = ?1",
            [portal],
            |r| r.get(0),
        )
        .unwrap();
    rows.push(("portals".into(), own));
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_portal_has_no_row_left_in_any_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spoke.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&SqliteOptions::new(&path)).unwrap());
    let (full, other) = spoke_store_tests::a_portal_in_every_table(&store).await;
    let before = rows_of(&path, full.0);
    let filled: Vec<&str> = before
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, _)| t.as_str())
        .collect();
    // The setup reaches the tables that matter (rate counts live in memory
    // on SQLite).
    for table in [
        "contacts",
        "unique_values",
        "outbox",
        "properties",
        "property_groups",
        "private_apps",
        "access_tokens",
        "app_installs",
        "oauth_codes",
        "refresh_tokens",
        "contact_merges",
        "contact_changes",
        "portals",
    ] {
        assert!(filled.contains(&table), "no {table} rows in {before:?}");
    }
    assert!(store.delete_portal(full).await.unwrap());
    let after = rows_of(&path, full.0);
    assert!(after.iter().all(|(_, n)| *n == 0), "{after:?}");
    assert!(rows_of(&path, other.0)
        .iter()
        .any(|(t, n)| t == "contacts" && *n == 1));
}
