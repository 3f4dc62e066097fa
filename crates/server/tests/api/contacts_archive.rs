use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn delete_archives_with_204_and_no_body() {
    let app = spawn().await;
    let id = app.create(json!({"email": "gone@example.com"})).await;
    let path = format!("/crm/v3/objects/contacts/{id}");
    let reply = app.delete(&path).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.text, "");
    app.get(&path).await.error(StatusCode::NOT_FOUND);
    // Archiving again is not an error.
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn archived_contacts_are_read_with_archived_true() {
    let app = spawn().await;
    let id = app.create(json!({"email": "old@example.com"})).await;
    let path = format!("/crm/v3/objects/contacts/{id}");
    app.delete(&path).await;
    let reply = app.get(&format!("{path}?archived=true")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.redacted();
    assert_eq!(body["archived"], true);
    assert_eq!(body["archivedAt"], "<time>");
    let by_email = app
        .get("/crm/v3/objects/contacts/old@example.com?idProperty=email&archived=true")
        .await;
    assert_eq!(by_email.json()["id"], id);
}

#[tokio::test]
async fn archiving_frees_the_email() {
    let app = spawn().await;
    let id = app.create(json!({"email": "reuse@example.com"})).await;
    app.delete(&format!("/crm/v3/objects/contacts/{id}")).await;
    let again = app.create(json!({"email": "reuse@example.com"})).await;
    assert_ne!(again, id);
}

#[tokio::test]
async fn deleting_an_unknown_contact_is_404() {
    let app = spawn().await;
    app.delete("/crm/v3/objects/contacts/77")
        .await
        .error(StatusCode::NOT_FOUND);
}
