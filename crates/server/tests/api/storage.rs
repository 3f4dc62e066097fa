//! What lands on disk.

use crate::helpers::spawn;
use serde_json::json;

#[tokio::test]
async fn tokens_are_stored_hashed_never_in_clear() {
    let app = spawn().await;
    app.create(json!({"email": "x@example.com"})).await;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&app.data_dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let needle = app.token.as_bytes();
        if bytes.windows(needle.len()).any(|w| w == needle) {
            found.push(path);
        }
    }
    assert!(found.is_empty(), "token in clear in {found:?}");
    // The store does hold the contact (so the scan looked at real data).
    let db = std::fs::read(app.data_dir.join("spoke.db")).unwrap();
    let wal = std::fs::read(app.data_dir.join("spoke.db-wal")).unwrap_or_default();
    let needle = b"x@example.com";
    assert!(
        db.windows(needle.len()).any(|w| w == needle)
            || wal.windows(needle.len()).any(|w| w == needle)
    );
}
