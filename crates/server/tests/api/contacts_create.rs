use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn create_returns_201_with_every_set_property() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {
                "email": "Jane.Doe@Example.com",
                "firstname": "Jane",
                "lastname": "Doe",
                "lifecyclestage": "lead",
                "phone": "+1 555 0100"
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/json;charset=utf-8")
    );
    assert_eq!(
        reply.redacted(),
        json!({
            "id": "1",
            "properties": {
                "createdate": "<time>",
                "email": "jane.doe@example.com",
                "firstname": "Jane",
                "hs_object_id": "1",
                "lastmodifieddate": "<time>",
                "lastname": "Doe",
                "lifecyclestage": "lead",
                "phone": "+1 555 0100"
            },
            "createdAt": "<time>",
            "updatedAt": "<time>",
            "archived": false
        })
    );
    let body = reply.json();
    assert_eq!(body["createdAt"], body["properties"]["createdate"]);
}

#[tokio::test]
async fn ids_are_numeric_strings_allocated_in_order() {
    let app = spawn().await;
    let a = app.create(json!({})).await;
    let b = app.create(json!({"firstname": "B"})).await;
    assert_eq!((a.as_str(), b.as_str()), ("1", "2"));
}

#[tokio::test]
async fn numbers_and_booleans_are_accepted_for_string_properties() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"zip": 12345, "company": true, "city": null}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let props = &reply.json()["properties"];
    assert_eq!(props["zip"], "12345");
    assert_eq!(props["company"], "true");
    assert!(props.get("city").is_none());
}

#[tokio::test]
async fn a_duplicate_email_is_409_with_the_existing_id_in_any_case() {
    let app = spawn().await;
    let id = app.create(json!({"email": "dup@example.com"})).await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "DUP@example.COM", "firstname": "Other"}}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::CONFLICT),
        json!({
            "status": "error",
            "message": format!("Contact already exists. Existing ID: {id}"),
            "correlationId": "<correlationId>",
            "category": "CONFLICT",
            "context": {"existingId": [id]}
        })
    );
    // Nothing was written: the next contact gets the next id.
    assert_eq!(app.create(json!({})).await, "2");
}

#[tokio::test]
async fn associations_are_refused_rather_than_dropped() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {}, "associations": [{"to": {"id": "1"}, "types": []}]}),
        )
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(body["category"], "VALIDATION_ERROR");
    assert_eq!(body["errors"][0]["in"], "associations");
}
