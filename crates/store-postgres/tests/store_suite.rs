//! The shared storage suite against PostgreSQL: each case in a schema of
//! its own on the server named by SPOKE_TEST_DATABASE_URL (skipped, loudly,
//! without it).

use spoke_store_postgres::testing::TestDatabase;
use spoke_store_postgres::{PostgresOptions, PostgresStore};
use spoke_store_tests::Fixture;
use std::sync::Arc;

async fn fresh_store(test: &'static str) -> Option<Fixture> {
    let database = TestDatabase::create(test).await?;
    let store = PostgresStore::open(&PostgresOptions {
        url: database.url.clone(),
        pool_size: 8,
    })
    .await
    .unwrap_or_else(|e| panic!("the test database opens: {e}"));
    Some(Fixture::new(Arc::new(store), database))
}

spoke_store_tests::store_suite!(fresh_store);
