//! `…/batch/create|read|update|upsert|archive`.

use crate::helpers::{spawn, TestApp};
use crate::properties::create_property;
use reqwest::StatusCode;
use serde_json::{json, Value};

const BATCH: &str = "/crm/v3/objects/contacts/batch";

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn count(app: &TestApp) -> usize {
    app.get("/crm/v3/objects/contacts?limit=100").await.json()["results"]
        .as_array()
        .unwrap()
        .len()
}

fn assert_standard_error(e: &Value) {
    for field in [
        "status", "category", "message", "context", "errors", "links",
    ] {
        assert!(!e[field].is_null(), "{field} missing from {e}");
    }
    assert_eq!(e["status"], "error");
}

#[tokio::test]
async fn batch_create_is_201_with_every_contact() {
    let app = spawn().await;
    let reply = app
        .post(
            &format!("{BATCH}/create"),
            json!({"inputs": [
                {"properties": {"email": "a@example.com", "firstname": "A"}},
                {"properties": {"email": "b@example.com"}, "associations": []}
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.redacted();
    assert_eq!(body["status"], "COMPLETE");
    assert_eq!(body["startedAt"], "<time>");
    assert_eq!(ids(&body), ["1", "2"]);
    assert_eq!(body["results"][0]["properties"]["firstname"], "A");
    assert!(body.get("errors").is_none());
}

#[tokio::test]
async fn without_trace_ids_one_failure_fails_the_whole_batch() {
    let app = spawn().await;
    let existing = app.create(json!({"email": "taken@example.com"})).await;
    let reply = app
        .post(
            &format!("{BATCH}/create"),
            json!({"inputs": [
                {"properties": {"email": "fresh@example.com"}},
                {"properties": {"email": "TAKEN@example.com"}}
            ]}),
        )
        .await;
    let body = reply.error(StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        format!("Contact already exists. Existing ID: {existing}")
    );
    assert_eq!(count(&app).await, 1, "nothing of the batch was written");
    let reply = app
        .post(
            &format!("{BATCH}/create"),
            json!({"inputs": [{"properties": {"firstname": "ok"}}, {"properties": {"nope": "x"}}]}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["errors"][0]["code"],
        "PROPERTY_DOESNT_EXIST"
    );
    assert_eq!(count(&app).await, 1);
    let next = app.create(json!({})).await;
    assert_eq!(next, "2", "failed batches consumed no ids");
}

#[tokio::test]
async fn with_trace_ids_each_input_succeeds_or_fails_alone_with_207() {
    let app = spawn().await;
    let existing = app.create(json!({"email": "taken@example.com"})).await;
    let reply = app
        .post(
            &format!("{BATCH}/create"),
            json!({"inputs": [
                {"properties": {"email": "one@example.com"}, "objectWriteTraceId": "t1"},
                {"properties": {"email": "taken@example.com"}, "objectWriteTraceId": "t2"},
                {"properties": {"email": "not-an-email"}, "objectWriteTraceId": "t3"},
                {"properties": {"email": "one@example.com"}, "objectWriteTraceId": "t4"}
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["numErrors"], 3);
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    let created = body["results"][0]["id"].as_str().unwrap().to_string();
    let errors = body["errors"].as_array().unwrap();
    for e in errors {
        assert_standard_error(e);
    }
    assert_eq!(errors[0]["category"], "CONFLICT");
    assert_eq!(
        errors[0]["context"],
        json!({"existingId": [existing], "objectWriteTraceId": ["t2"]})
    );
    assert_eq!(errors[1]["category"], "VALIDATION_ERROR");
    assert_eq!(errors[1]["context"], json!({"objectWriteTraceId": ["t3"]}));
    // A duplicate inside the batch conflicts with the input that came first.
    assert_eq!(errors[2]["context"]["existingId"], json!([created]));
    assert_eq!(count(&app).await, 2);
}

#[tokio::test]
async fn duplicate_emails_in_an_all_or_nothing_batch_are_refused() {
    let app = spawn().await;
    let reply = app
        .post(
            &format!("{BATCH}/create"),
            json!({"inputs": [{"properties": {"email": "d@example.com"}}, {"properties": {"email": "D@example.com"}}]}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["message"],
        "Duplicate emails found in batch input: [d@example.com]. Emails must be unique"
    );
    assert_eq!(count(&app).await, 0);
}

#[tokio::test]
async fn batch_limits_use_hubspots_words() {
    let app = spawn().await;
    let inputs: Vec<Value> = (0..101).map(|_| json!({"properties": {}})).collect();
    let reply = app
        .post(&format!("{BATCH}/create"), json!({"inputs": inputs}))
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["message"],
        "The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again"
    );
    let inputs: Vec<Value> = (1..=51).map(|i| json!({"id": i.to_string()})).collect();
    let reply = app
        .post(
            &format!("{BATCH}/read"),
            json!({"inputs": inputs, "propertiesWithHistory": ["email"]}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["message"],
        "The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again"
    );
}

#[tokio::test]
async fn batch_read_by_id_and_email_names_the_missing() {
    let app = spawn().await;
    let a = app
        .create(json!({"email": "a@example.com", "firstname": "A"}))
        .await;
    let b = app
        .create(json!({"email": "b@example.com", "firstname": "B"}))
        .await;
    let reply = app
        .post(
            &format!("{BATCH}/read"),
            json!({"inputs": [{"id": b}, {"id": "404"}, {"id": a}], "properties": ["firstname"], "propertiesWithHistory": ["firstname"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{}", reply.text);
    let body = reply.json();
    assert_eq!(ids(&body), [b.clone(), a.clone()]);
    assert_eq!(body["results"][0]["properties"]["firstname"], "B");
    assert_eq!(
        body["results"][0]["propertiesWithHistory"]["firstname"][0]["value"],
        "B"
    );
    let error = &body["errors"][0];
    assert_standard_error(error);
    assert_eq!(error["category"], "OBJECT_NOT_FOUND");
    assert_eq!(
        error["message"],
        "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
    );
    assert_eq!(error["context"], json!({"ids": ["404"]}));
    let reply = app
        .post(
            &format!("{BATCH}/read"),
            json!({"idProperty": "email", "inputs": [{"id": "A@example.com"}], "properties": []}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(ids(&reply.json()), [a]);
}

#[tokio::test]
async fn batch_update_by_id_and_email() {
    let app = spawn().await;
    let a = app.create(json!({"email": "a@example.com"})).await;
    let b = app.create(json!({"email": "b@example.com"})).await;
    let reply = app
        .post(
            &format!("{BATCH}/update"),
            json!({"inputs": [
                {"id": a, "properties": {"firstname": "Ann"}},
                {"id": "B@example.com", "idProperty": "email", "properties": {"firstname": "Bo"}}
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(ids(&body), [a.clone(), b.clone()]);
    assert_eq!(body["results"][1]["properties"]["firstname"], "Bo");
}

#[tokio::test]
async fn batch_update_never_silently_skips_a_missing_contact() {
    let app = spawn().await;
    let a = app.create(json!({"email": "a@example.com"})).await;
    let reply = app
        .post(
            &format!("{BATCH}/update"),
            json!({"inputs": [
                {"id": a, "properties": {"firstname": "Ann"}},
                {"id": "ghost@example.com", "idProperty": "email", "properties": {"firstname": "G"}}
            ]}),
        )
        .await;
    let body = reply.error(StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "No contact with email \"ghost@example.com\" exists."
    );
    let now = app
        .get(&format!(
            "/crm/v3/objects/contacts/{a}?properties=firstname"
        ))
        .await
        .json();
    assert_eq!(
        now["properties"]["firstname"],
        Value::Null,
        "nothing written"
    );
    let reply = app
        .post(
            &format!("{BATCH}/update"),
            json!({"inputs": [
                {"id": a, "properties": {"firstname": "Ann"}, "objectWriteTraceId": "x"},
                {"id": "999", "properties": {"firstname": "G"}, "objectWriteTraceId": "y"}
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS);
    assert_eq!(reply.json()["errors"][0]["category"], "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn duplicate_ids_in_a_batch_are_refused() {
    let app = spawn().await;
    let a = app.create(json!({"email": "a@example.com"})).await;
    let reply = app
        .post(
            &format!("{BATCH}/update"),
            json!({"inputs": [{"id": a, "properties": {}}, {"id": a, "properties": {}}]}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["message"],
        format!("Duplicate IDs found in batch input: [{a}]. IDs must be unique")
    );
}

#[tokio::test]
async fn batch_upsert_creates_or_updates_and_says_which() {
    let app = spawn().await;
    let existing = app
        .create(json!({"email": "old@example.com", "firstname": "Old"}))
        .await;
    let reply = app
        .post(
            &format!("{BATCH}/upsert"),
            json!({"inputs": [
                {"id": "OLD@example.com", "idProperty": "email", "properties": {"firstname": "Updated"}},
                {"id": "new@example.com", "idProperty": "email", "properties": {"firstname": "New"}}
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["id"], existing);
    assert_eq!(results[0]["new"], false);
    assert_eq!(results[0]["properties"]["firstname"], "Updated");
    assert_eq!(results[1]["new"], true);
    assert_eq!(results[1]["properties"]["email"], "new@example.com");
    for r in results {
        for field in [
            "id",
            "properties",
            "createdAt",
            "updatedAt",
            "archived",
            "new",
        ] {
            assert!(r.get(field).is_some(), "{field}");
        }
    }
}

#[tokio::test]
async fn batch_upsert_by_a_unique_custom_property() {
    let app = spawn().await;
    create_property(
        &app,
        json!({"name": "external_id", "label": "External id", "type": "string", "fieldType": "text",
               "groupName": "contactinformation", "hasUniqueValue": true}),
    )
    .await;
    let upsert = |first: &str| json!({"inputs": [{"id": "X-1", "idProperty": "external_id", "properties": {"firstname": first}}]});
    let reply = app.post(&format!("{BATCH}/upsert"), upsert("One")).await;
    let first = reply.json()["results"][0].clone();
    assert_eq!(first["new"], true);
    let reply = app.post(&format!("{BATCH}/upsert"), upsert("Two")).await;
    let second = reply.json()["results"][0].clone();
    assert_eq!(second["new"], false);
    assert_eq!(second["id"], first["id"]);
    let reply = app
        .post(
            &format!("{BATCH}/upsert"),
            json!({"inputs": [{"id": "a@example.com", "idProperty": "email", "properties": {"email": "b@example.com"}}]}),
        )
        .await;
    reply.error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn batch_archive_is_204_and_skips_unknown_ids() {
    let app = spawn().await;
    let a = app.create(json!({})).await;
    let b = app.create(json!({})).await;
    let reply = app
        .post(
            &format!("{BATCH}/archive"),
            json!({"inputs": [{"id": a}, {"id": "999"}, {"id": "junk"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.text, "");
    let remaining = app.get("/crm/v3/objects/contacts").await.json();
    assert_eq!(ids(&remaining), [b]);
}

#[tokio::test]
async fn the_date_versioned_batch_paths_work_the_same() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/objects/2026-03/contacts/batch/create",
            json!({"inputs": [{"properties": {"email": "v@example.com"}}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let reply = app
        .post(
            "/crm/objects/2026-03/contacts/batch/read",
            json!({"inputs": [{"id": "1"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}
