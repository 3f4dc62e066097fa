//! Property batch endpoints.

use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::json;

fn def(name: &str) -> serde_json::Value {
    json!({"name": name, "label": name, "type": "string", "fieldType": "text", "groupName": "contactinformation"})
}

#[tokio::test]
async fn batch_create_is_201_when_every_input_succeeds() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/properties/contacts/batch/create",
            json!({"inputs": [def("one"), def("two")]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.redacted();
    assert_eq!(body["status"], "COMPLETE");
    assert_eq!(body["startedAt"], "<time>");
    assert_eq!(body["completedAt"], "<time>");
    let names: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["one", "two"]);
    assert!(body.get("errors").is_none() && body.get("numErrors").is_none());
}

#[tokio::test]
async fn batch_create_is_207_with_a_standard_error_per_refused_input() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/properties/contacts/batch/create",
            json!({"inputs": [def("fine"), def("email"), {"name": "broken", "label": "B", "type": "nope", "fieldType": "text", "groupName": "contactinformation"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["numErrors"], 2);
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    let errors = body["errors"].as_array().unwrap();
    for e in errors {
        for field in [
            "status", "category", "message", "context", "errors", "links",
        ] {
            assert!(!e[field].is_null(), "{field} missing in {e}");
        }
    }
    assert_eq!(errors[0]["category"], "OBJECT_ALREADY_EXISTS");
    assert_eq!(errors[0]["context"], json!({"name": ["email"]}));
    assert_eq!(errors[1]["category"], "VALIDATION_ERROR");
    assert_eq!(errors[1]["errors"][0]["in"], "type");
    // The good input was kept.
    assert_eq!(
        app.get("/crm/v3/properties/contacts/fine").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn batch_read_is_207_naming_missing_properties() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/properties/contacts/batch/read",
            json!({"inputs": [{"name": "email"}, {"name": "ghost"}], "archived": false, "dataSensitivity": "non_sensitive"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS);
    let body = reply.json();
    assert_eq!(body["results"][0]["name"], "email");
    assert_eq!(body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(body["errors"][0]["context"], json!({"names": ["ghost"]}));
    let all_found = app
        .post(
            "/crm/v3/properties/contacts/batch/read",
            json!({"inputs": [{"name": "email"}]}),
        )
        .await;
    assert_eq!(all_found.status, StatusCode::OK);
}

#[tokio::test]
async fn batch_archive_is_204_and_refuses_hubspot_defined_names_whole() {
    let app = spawn().await;
    app.post(
        "/crm/v3/properties/contacts/batch/create",
        json!({"inputs": [def("a1"), def("a2")]}),
    )
    .await;
    let reply = app
        .post(
            "/crm/v3/properties/contacts/batch/archive",
            json!({"inputs": [{"name": "a1"}, {"name": "email"}]}),
        )
        .await;
    reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/crm/v3/properties/contacts/a1").await.status,
        StatusCode::OK,
        "nothing archived"
    );
    let reply = app
        .post(
            "/crm/v3/properties/contacts/batch/archive",
            json!({"inputs": [{"name": "a1"}, {"name": "a2"}, {"name": "unknown"}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.text, "");
    for name in ["a1", "a2"] {
        app.get(&format!("/crm/v3/properties/contacts/{name}"))
            .await
            .error(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn batches_above_100_inputs_are_refused_with_hubspots_text() {
    let app = spawn().await;
    let inputs: Vec<_> = (0..101).map(|i| def(&format!("p{i}"))).collect();
    let reply = app
        .post(
            "/crm/v3/properties/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["message"],
        "The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again"
    );
    app.get("/crm/v3/properties/contacts/p0")
        .await
        .error(StatusCode::NOT_FOUND);
}
