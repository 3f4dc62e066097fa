//! The shared storage suite against SQLite.

use spoke_store_sqlite::{SqliteOptions, SqliteStore};
use spoke_store_tests::Fixture;
use std::sync::Arc;

async fn fresh_store(_test: &'static str) -> Option<Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&SqliteOptions::new(dir.path().join("spoke.db"))).unwrap();
    Some(Fixture::new(Arc::new(store), dir))
}

spoke_store_tests::store_suite!(fresh_store);
