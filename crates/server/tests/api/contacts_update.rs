use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn patch_updates_and_an_empty_string_clears() {
    let app = spawn().await;
    let id = app
        .create(json!({"firstname": "Ann", "city": "Oslo", "email": "a@example.com"}))
        .await;
    let path = format!("/crm/v3/objects/contacts/{id}");
    let before = app.get(&path).await.json();
    let reply = app
        .patch(
            &path,
            json!({"properties": {"firstname": "Anna", "city": ""}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.redacted(),
        json!({
            "id": id,
            "properties": {
                "createdate": "<time>",
                "email": "a@example.com",
                "firstname": "Anna",
                "hs_object_id": id,
                "lastmodifieddate": "<time>"
            },
            "createdAt": "<time>",
            "updatedAt": "<time>",
            "archived": false
        })
    );
    let after = app
        .get(&format!("{path}?properties=city,firstname"))
        .await
        .json();
    assert_eq!(after["properties"]["city"], json!(null));
    assert_eq!(after["properties"]["firstname"], "Anna");
    assert!(after["updatedAt"].as_str() >= before["updatedAt"].as_str());
}

#[tokio::test]
async fn patch_by_email() {
    let app = spawn().await;
    let id = app.create(json!({"email": "b@example.com"})).await;
    let reply = app
        .patch(
            "/crm/v3/objects/contacts/B@example.com?idProperty=email",
            json!({"properties": {"lastname": "Bee"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["id"], id);
}

#[tokio::test]
async fn changing_email_to_one_in_use_is_409_and_writes_nothing() {
    let app = spawn().await;
    let first = app.create(json!({"email": "first@example.com"})).await;
    let second = app.create(json!({"email": "second@example.com"})).await;
    let path = format!("/crm/v3/objects/contacts/{second}");
    let reply = app
        .patch(
            &path,
            json!({"properties": {"firstname": "Changed", "email": "FIRST@example.com"}}),
        )
        .await;
    let body = reply.error(StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        format!("Contact already exists. Existing ID: {first}")
    );
    assert_eq!(body["context"], json!({"existingId": [first]}));
    let now = app
        .get(&format!("{path}?properties=firstname,email"))
        .await
        .json();
    assert_eq!(now["properties"]["firstname"], json!(null));
    assert_eq!(now["properties"]["email"], "second@example.com");
}

#[tokio::test]
async fn a_contact_may_keep_its_own_email_in_another_case() {
    let app = spawn().await;
    let id = app.create(json!({"email": "own@example.com"})).await;
    let reply = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"email": "OWN@example.com"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn a_freed_email_can_be_taken_by_another_contact() {
    let app = spawn().await;
    let first = app.create(json!({"email": "moving@example.com"})).await;
    app.patch(
        &format!("/crm/v3/objects/contacts/{first}"),
        json!({"properties": {"email": "moved@example.com"}}),
    )
    .await;
    app.create(json!({"email": "moving@example.com"})).await;
}

#[tokio::test]
async fn patching_an_unknown_or_archived_contact_is_404() {
    let app = spawn().await;
    let reply = app
        .patch(
            "/crm/v3/objects/contacts/42",
            json!({"properties": {"firstname": "x"}}),
        )
        .await;
    reply.error(StatusCode::NOT_FOUND);
    let id = app.create(json!({})).await;
    app.delete(&format!("/crm/v3/objects/contacts/{id}")).await;
    let reply = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"firstname": "x"}}),
        )
        .await;
    reply.error(StatusCode::NOT_FOUND);
}
