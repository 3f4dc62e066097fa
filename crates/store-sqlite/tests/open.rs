//! Opening a database: one Spoke per file, a newer schema refused, and the
//! search index built in the background while writes go on.

use spoke_domain::access::secrets::digest as token_hash;
use spoke_domain::contact::{ChangeSource, ContactWrite, PropertyChanges};
use spoke_domain::search::{FilterInput, SearchInput, SearchRequest};
use spoke_domain::store::{BatchMode, ContactOp, ContactStore, PortalStore, PropertyStore};
use spoke_domain::time::Timestamp;
use spoke_store_sqlite::{OpenError, SqliteOptions, SqliteStore};

fn create(email: String) -> ContactOp {
    let mut changes = PropertyChanges::default();
    changes.set("email".into(), Some(email));
    changes.set("firstname".into(), Some("Same".into()));
    ContactOp::Create(ContactWrite {
        changes,
        source: ChangeSource::api(),
        at: Timestamp::now(),
    })
}

#[test]
fn a_second_spoke_on_the_same_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions::new(dir.path().join("spoke.db"));
    let first = SqliteStore::open(&options).unwrap();
    let Err(err) = SqliteStore::open(&options) else {
        panic!("a second store opened the same file");
    };
    let message = err.to_string();
    assert!(matches!(err, OpenError::Locked(_)), "{message}");
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "{message}"
    );
    drop(first);
    SqliteStore::open(&options).expect("free once the first is closed");
}

#[test]
fn a_database_from_a_newer_spoke_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spoke.db");
    drop(SqliteStore::open(&SqliteOptions::new(&path)).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future', 0)",
        [],
    )
    .unwrap();
    drop(conn);
    match SqliteStore::open(&SqliteOptions::new(&path)) {
        Err(OpenError::NewerSchema { unknown }) => assert_eq!(unknown, ["9999_from_the_future"]),
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_wait_for_the_index_and_see_writes_made_while_it_was_built() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions::new(dir.path().join("spoke.db"));
    let store = SqliteStore::open(&options).unwrap();
    let portal = store
        .ensure_default_portal(Some(token_hash("t")), token_hash("u"))
        .await
        .unwrap()
        .portal;
    for batch in 0..100 {
        let ops = (0..100)
            .map(|i| create(format!("c{batch}-{i}@x.io")))
            .collect();
        store
            .apply(portal, ops, BatchMode::AllOrNothing)
            .await
            .unwrap();
    }
    drop(store);

    let store = SqliteStore::open(&options).unwrap();
    // Written at once, while the index of 10,000 contacts is being built.
    let ops = (0..50).map(|i| create(format!("late{i}@x.io"))).collect();
    store
        .apply(portal, ops, BatchMode::AllOrNothing)
        .await
        .unwrap();
    let schema = store.property_schema(portal).await.unwrap();
    let input = SearchInput {
        filter_groups: vec![vec![FilterInput {
            property_name: Some("firstname".into()),
            operator: Some("EQ".into()),
            value: Some("same".into()),
            ..FilterInput::default()
        }]],
        ..SearchInput::default()
    };
    let request = SearchRequest::validate(&input, &schema).unwrap();
    let hits = store.search(portal, request).await.unwrap();
    assert_eq!(hits.total, 10_050);
}
