//! What lands in storage.

use crate::helpers::spawn;
use serde_json::json;

#[tokio::test]
async fn tokens_are_stored_hashed_never_in_clear() {
    let app = spawn().await;
    app.create(json!({"email": "x@example.com"})).await;
    let found = app.stored_in_clear(&app.token).await;
    assert!(found.is_empty(), "token in clear in {found:?}");
    // The store does hold the contact (so the scan looked at real data).
    assert!(!app.stored_in_clear("x@example.com").await.is_empty());
}
