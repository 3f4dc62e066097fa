//! Deleting a portal removes every row that belongs to it, in every table
//! of the schema (read from PostgreSQL's catalogue).

use spoke_domain::store::Store;
use spoke_store_postgres::testing::TestDatabase;
use spoke_store_postgres::{PostgresOptions, PostgresStore};
use std::sync::Arc;

async fn rows_of(url: &str, portal: i64) -> Vec<(String, i64)> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'portal_id' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() >= 10, "{tables:?}");
    let mut rows = Vec::new();
    for table in tables {
        let n: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM \"{table}\" WHERE portal_id = $1"),
                &[&portal],
            )
            .await
            .unwrap()
            .get(0);
        rows.push((table, n));
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_portal_has_no_row_left_in_any_table() {
    let Some(database) =
        TestDatabase::create("a_deleted_portal_has_no_row_left_in_any_table").await
    else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(
        PostgresStore::open(&PostgresOptions {
            url: database.url.clone(),
            pool_size: 4,
        })
        .await
        .unwrap(),
    );
    let (full, other) = spoke_store_tests::a_portal_in_every_table(&store).await;
    let before = rows_of(&database.url, full.0).await;
    let filled: Vec<&str> = before
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, _)| t.as_str())
        .collect();
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
        "rate_usage",
        "portals",
    ] {
        assert!(filled.contains(&table), "no {table} rows in {before:?}");
    }
    assert!(store.delete_portal(full).await.unwrap());
    let after = rows_of(&database.url, full.0).await;
    assert!(after.iter().all(|(_, n)| *n == 0), "{after:?}");
    assert!(rows_of(&database.url, other.0)
        .await
        .iter()
        .any(|(t, n)| t == "contacts" && *n == 1));
}
