//! Validation of values by type, and the error body of every bad input.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn an_unknown_property_is_400_property_doesnt_exist() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "ok@example.com", "favourite_colour": "blue"}}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST),
        json!({
            "status": "error",
            "message": "Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"favourite_colour\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"favourite_colour\"}]",
            "correlationId": "<correlationId>",
            "category": "VALIDATION_ERROR",
            "errors": [{
                "message": "Property \"favourite_colour\" does not exist",
                "code": "PROPERTY_DOESNT_EXIST",
                "context": {"propertyName": ["favourite_colour"]}
            }]
        })
    );
    // Nothing was written.
    let list = app.get("/crm/v3/objects/contacts").await.json();
    assert_eq!(list["results"], json!([]));
}

#[tokio::test]
async fn read_only_properties_refuse_writes() {
    let app = spawn().await;
    for name in [
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
        "hs_additional_emails",
    ] {
        let reply = app
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {name: "1"}}),
            )
            .await;
        let body = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["code"], "READ_ONLY_VALUE", "{name}");
        assert_eq!(
            body["errors"][0]["message"],
            format!("\"{name}\" is a read only property; its value cannot be set.")
        );
    }
}

#[tokio::test]
async fn values_are_validated_by_type() {
    let app = spawn().await;
    let cases = [
        ("email", json!("not-an-email"), "INVALID_EMAIL", "Email address not-an-email is invalid"),
        (
            "lifecyclestage",
            json!("Lead"),
            "INVALID_OPTION",
            "Lead was not one of the allowed options: [subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist, other]",
        ),
        (
            "hs_lead_status",
            json!("new"),
            "INVALID_OPTION",
            "new was not one of the allowed options: [NEW, OPEN, IN_PROGRESS, OPEN_DEAL, UNQUALIFIED, ATTEMPTED_TO_CONTACT, CONNECTED, BAD_TIMING]",
        ),
        (
            "closedate",
            json!("next tuesday"),
            "INVALID_DATE",
            "next tuesday is not a valid datetime: use ISO 8601 or milliseconds since the epoch.",
        ),
        (
            "firstname",
            json!({"nested": true}),
            "INVALID_VALUE",
            "The value of \"firstname\" must be a string, a number or a boolean, not an object or array.",
        ),
    ];
    for (name, value, code, message) in cases {
        let reply = app
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {name: value}}),
            )
            .await;
        let body = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["code"], code, "{name}");
        assert_eq!(body["errors"][0]["message"], message, "{name}");
    }
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.json()["results"],
        json!([])
    );
}

#[tokio::test]
async fn datetimes_are_normalised_to_iso() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"closedate": "1572406217883"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(
        reply.json()["properties"]["closedate"],
        "2019-10-30T03:30:17.883Z"
    );
}

#[tokio::test]
async fn every_problem_of_a_write_is_reported_and_nothing_is_written() {
    let app = spawn().await;
    let id = app.create(json!({"firstname": "Keep"})).await;
    let reply = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {
                "firstname": "Changed",
                "email": "bad",
                "lifecyclestage": "nope",
                "unknown": "x"
            }}),
        )
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["INVALID_EMAIL", "INVALID_OPTION", "PROPERTY_DOESNT_EXIST"]
    );
    let now = app
        .get(&format!("/crm/v3/objects/contacts/{id}"))
        .await
        .json();
    assert_eq!(now["properties"]["firstname"], "Keep");
}

#[tokio::test]
async fn malformed_json_is_400_with_the_position() {
    let app = spawn().await;
    let reply = app
        .raw(
            Method::POST,
            "/crm/v3/objects/contacts",
            "{\"properties\": {",
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST),
        json!({
            "status": "error",
            "message": "Invalid input JSON on line 1, column 16: EOF while parsing an object",
            "correlationId": "<correlationId>",
            "category": "VALIDATION_ERROR"
        })
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_400() {
    let app = spawn().await;
    for body in ["{}", "[]", "{\"properties\": []}", "", "   "] {
        let reply = app
            .raw(Method::POST, "/crm/v3/objects/contacts", body)
            .await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["category"], "VALIDATION_ERROR", "{body:?}");
    }
    let reply = app
        .raw(Method::POST, "/crm/v3/objects/contacts", "{}")
        .await;
    assert_eq!(
        reply.json()["message"],
        "Invalid input JSON on line 1, column 2: missing field `properties`"
    );
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn().await;
    let huge = format!(
        "{{\"properties\": {{\"firstname\": \"{}\"}}}}",
        "x".repeat(5 * 1024 * 1024)
    );
    let reply = app
        .raw(Method::POST, "/crm/v3/objects/contacts", &huge)
        .await;
    let body = reply.error(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["category"], "VALIDATION_ERROR");
}

#[tokio::test]
async fn an_overlong_value_is_refused() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"message": "x".repeat(65_537)}}),
        )
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["code"], "VALUE_TOO_LONG");
}
