//! The shared storage suite against SQLite.

use spoke_domain::store::Store;
use spoke_store_sqlite::{SqliteOptions, SqliteStore};
use std::sync::Arc;

async fn fresh_store() -> Arc<dyn Store> {
    // The directory must outlive the store; leaking it keeps the test
    // simple and the OS cleans the temp dir.
    let dir = tempfile::tempdir().unwrap().keep();
    let store = SqliteStore::open(&SqliteOptions::new(dir.join("spoke.db"))).unwrap();
    Arc::new(store)
}

spoke_store_tests::store_suite!(fresh_store);
