//! Both backends share one list of schema versions, and refuse a database
//! written by a newer Spoke.

use spoke_store_postgres::testing::TestDatabase;
use spoke_store_postgres::{OpenError, PostgresOptions, PostgresStore};

fn names(migrations: &[(&str, &str)]) -> Vec<String> {
    migrations.iter().map(|(n, _)| n.to_string()).collect()
}

fn folder(crate_dir: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".sql").map(str::to_string))
        .collect();
    names.sort();
    names
}

#[test]
fn both_migration_folders_hold_the_same_names_in_the_same_order() {
    let postgres = names(spoke_store_postgres::migrations::MIGRATIONS);
    let sqlite = names(spoke_store_sqlite::migrations::MIGRATIONS);
    assert_eq!(postgres, sqlite);
    assert_eq!(folder("store-postgres"), postgres, "every file is applied");
    assert_eq!(folder("store-sqlite"), sqlite, "every file is applied");
    let mut sorted = postgres.clone();
    sorted.sort();
    assert_eq!(sorted, postgres, "applied in the order of their names");
}

#[tokio::test]
async fn a_database_from_a_newer_spoke_is_refused() {
    let Some(db) = TestDatabase::create("newer schema").await else {
        return;
    };
    let options = PostgresOptions {
        url: db.url.clone(),
        pool_size: 2,
    };
    drop(PostgresStore::open(&options).await.unwrap());
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .execute(
            "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future', 0)",
            &[],
        )
        .await
        .unwrap();
    match PostgresStore::open(&options).await {
        Err(OpenError::NewerSchema { unknown }) => assert_eq!(unknown, ["9999_from_the_future"]),
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[tokio::test]
async fn two_nodes_migrating_at_once_take_turns() {
    let Some(db) = TestDatabase::create("concurrent migrations").await else {
        return;
    };
    let options = PostgresOptions {
        url: db.url.clone(),
        pool_size: 2,
    };
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let options = options.clone();
            tokio::spawn(async move { PostgresStore::open(&options).await.map(drop) })
        })
        .collect();
    for open in opens {
        open.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    let started = std::time::Instant::now();
    let err = PostgresStore::open(&PostgresOptions {
        url: "postgres://spoke:secret@127.0.0.1:1/spoke".into(),
        pool_size: 2,
    })
    .await
    .err()
    .expect("nothing listens on port 1");
    let message = err.to_string();
    assert!(matches!(err, OpenError::Unreachable(_)), "{message}");
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    assert!(started.elapsed().as_secs() < 15);
}
