//! Checkpoints run on their own thread: commits only append to the
//! write-ahead log, and the log's pages reach the database file without a
//! writer doing it.

use spoke_domain::access::secrets::digest as token_hash;
use spoke_domain::contact::{ChangeSource, ContactWrite, PropertyChanges};
use spoke_domain::store::{BatchMode, ContactOp, ContactStore, PortalStore};
use spoke_domain::time::Timestamp;
use spoke_store_sqlite::{SqliteOptions, SqliteStore};
use std::path::Path;
use std::time::{Duration, Instant};

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn create(n: usize) -> ContactOp {
    let mut changes = PropertyChanges::default();
    changes.set("email".into(), Some(format!("contact{n}@example.com")));
    changes.set("firstname".into(), Some(format!("First{n}")));
    changes.set("company".into(), Some(format!("Company number {n}")));
    ContactOp::Create(ContactWrite {
        changes,
        source: ChangeSource::api(),
        at: Timestamp::now(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_reaches_the_database_file_off_the_writers_path() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spoke.db");
    let store = SqliteStore::open(&SqliteOptions::new(&db)).unwrap();
    let portal = store
        .ensure_default_portal(Some(token_hash("t")), token_hash("u"))
        .await
        .unwrap()
        .portal;
    let before = size(&db);
    // Well past the checkpoint threshold (1,000 frames), well short of the
    // writer's own backstop (20,000).
    for batch in 0..40 {
        let ops = (0..100).map(|i| create(batch * 100 + i)).collect();
        store
            .apply(portal, ops, BatchMode::AllOrNothing)
            .await
            .unwrap();
    }
    let wal = dir.path().join("spoke.db-wal");
    assert!(size(&wal) >= 1_000 * 4096, "the log crossed the threshold");
    assert!(
        size(&wal) < 20_000 * 4096,
        "the writer's backstop never ran"
    );
    // So only the checkpoint thread can have copied pages into the file.
    let deadline = Instant::now() + Duration::from_secs(30);
    while size(&db) < before + 1_000_000 {
        assert!(Instant::now() < deadline, "no checkpoint ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(store);
    assert!(!wal.exists(), "a clean close removes the log");
}
