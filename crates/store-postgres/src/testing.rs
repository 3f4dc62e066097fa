//! Test support: a database of its own for each test, as a fresh schema
//! of the server named by `SPOKE_TEST_DATABASE_URL`, dropped afterwards.
//! Without the variable, tests that need PostgreSQL say so and skip.

/// The variable naming the PostgreSQL server tests may use.
pub const TEST_DATABASE_URL: &str = "SPOKE_TEST_DATABASE_URL";

/// A schema of the test server, dropped when this is.
pub struct TestDatabase {
    /// A URL whose connections use the schema.
    pub url: String,
    base: String,
    schema: String,
}

impl TestDatabase {
    /// A fresh schema, or `None` (after saying so, loudly) when no test
    /// server is configured.
    pub async fn create(test: &str) -> Option<TestDatabase> {
        let Ok(base) = std::env::var(TEST_DATABASE_URL) else {
            // Straight to the process's stderr, past the test harness's
            // capture: a skipped test must be seen.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!(
                    "*** SKIPPED {test}: it needs PostgreSQL; set {TEST_DATABASE_URL} (e.g. postgres://postgres@127.0.0.1/test) to run it\n"
                )
                .as_bytes(),
            );
            return None;
        };
        let schema = format!(
            "spoke_test_{}",
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..16)
                .unwrap_or("x")
        );
        let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL} is set but cannot be reached: {e}"));
        let driver = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("the test schema is created");
        drop(client);
        let _ = driver.await;
        let separator = if base.contains('?') { '&' } else { '?' };
        // The application name marks the test's connections, so that the
        // drop can end those a server left open (a background worker
        // mid-transaction when the test's runtime stopped polling it).
        let url =
            format!("{base}{separator}options=-csearch_path%3D{schema}&application_name={schema}");
        Some(TestDatabase { url, base, schema })
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (base, schema) = (self.base.clone(), self.schema.clone());
        // Drop may run inside a runtime: use a thread with one of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
                    .await
                    .ok()?;
                tokio::spawn(connection);
                client
                    .execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                         WHERE application_name = $1 AND pid <> pg_backend_pid()",
                        &[&schema],
                    )
                    .await
                    .ok()?;
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("note: test schema {} was not dropped", self.schema);
        }
    }
}
