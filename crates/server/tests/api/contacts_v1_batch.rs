//! Legacy `POST /contacts/v1/contact/batch/`: all or nothing, 202 with no
//! body, every failing input named when refused.

use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn item(key: &str, id: Value, pairs: &[(&str, &str)]) -> Value {
    json!({
        key: id,
        "properties": pairs
            .iter()
            .map(|(p, v)| json!({ "property": p, "value": v }))
            .collect::<Vec<_>>()
    })
}

#[tokio::test]
async fn a_batch_creates_and_updates_by_email_and_vid() {
    let app = spawn().await;
    let ada = app.create(json!({ "email": "ada@example.com" })).await;
    let reply = app
        .post(
            "/contacts/v1/contact/batch/?auditId=nightly-sync",
            json!([
                item("email", json!("bob@example.com"), &[("firstname", "Bob")]),
                // An existing contact by email: updated.
                item("email", json!("ADA@example.com"), &[("firstname", "Ada")]),
                // By vid, given as a number or a string.
                item(
                    "vid",
                    json!(ada.parse::<i64>().unwrap()),
                    &[("lastname", "Lovelace")]
                ),
                item("vid", json!(ada), &[("city", "London")]),
                // The same new email twice: the second input updates the first's contact.
                item("email", json!("cy@example.com"), &[("firstname", "Cy")]),
                item("email", json!("cy@example.com"), &[("lastname", "Young")]),
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.text, "");

    let body = app
        .get("/contacts/v1/contact/email/ada@example.com/profile")
        .await
        .json();
    assert_eq!(body["vid"].to_string(), ada);
    for (name, value) in [
        ("firstname", "Ada"),
        ("lastname", "Lovelace"),
        ("city", "London"),
    ] {
        assert_eq!(body["properties"][name]["value"], value, "{name}");
    }
    // The audit id is the source id of the batch's writes.
    let version = &body["properties"]["firstname"]["versions"][0];
    assert_eq!(version["source-type"], "API");
    assert_eq!(version["source-id"], "nightly-sync");

    let all = app
        .get("/contacts/v1/lists/all/contacts/all?property=email&property=lastname")
        .await
        .json();
    let emails: Vec<&str> = all["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["properties"]["email"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["ada@example.com", "bob@example.com", "cy@example.com"]
    );
    assert_eq!(
        all["contacts"][2]["properties"]["lastname"]["value"],
        "Young"
    );
}

#[tokio::test]
async fn one_bad_input_refuses_the_whole_batch_naming_each_failure() {
    let app = spawn().await;
    app.create(json!({ "email": "taken@example.com" })).await;
    let reply = app
        .post(
            "/contacts/v1/contact/batch",
            json!([
                item("email", json!("fine@example.com"), &[("firstname", "Fine")]),
                item("email", json!("bad@nowhere"), &[]),
                item("email", json!("ok@example.com"), &[("property_name", "x")]),
                json!({ "properties": [] }),
                item("vid", json!(999), &[("firstname", "Nobody")]),
            ]),
        )
        .await;
    let body = reply.v1_error(StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "status": "error",
            "message": "Errors found processing batch update",
            "correlationId": "<id>",
            "invalidEmails": ["bad@nowhere"],
            "failureMessages": [
                { "index": 1, "error": { "status": "error", "message": "Email address bad@nowhere is invalid" } },
                { "index": 2, "propertyValidationResult": {
                    "isValid": false,
                    "message": "Property \"property_name\" does not exist",
                    "error": "PROPERTY_DOESNT_EXIST",
                    "name": "property_name",
                } },
                { "index": 3, "error": { "status": "error", "message": "You need to supply a vid or email for the contact." } },
            ],
            "requestId": "<id>",
        })
    );
    // Input 4 (an unknown vid) fails only once the others are valid; the
    // store reports it and still nothing is written.
    let reply = app
        .post(
            "/contacts/v1/contact/batch",
            json!([
                item("email", json!("fine@example.com"), &[("firstname", "Fine")]),
                item("vid", json!(999), &[("firstname", "Nobody")]),
                // Taking another contact's email by vid: a conflict.
                item("vid", json!(1), &[("email", "fine@example.com")]),
            ]),
        )
        .await;
    let body = reply.v1_error(StatusCode::BAD_REQUEST);
    let indexes: Vec<i64> = body["failureMessages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["index"].as_i64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 2]);
    let all = app.get("/contacts/v1/lists/all/contacts/all").await.json();
    assert_eq!(
        all["contacts"].as_array().unwrap().len(),
        1,
        "nothing written"
    );
    app.get("/contacts/v1/contact/email/fine@example.com/profile")
        .await
        .v1_error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_batch_holds_at_most_1000_contacts() {
    let app = spawn().await;
    let items = |n: usize| -> Value {
        (0..n)
            .map(|i| {
                item(
                    "email",
                    json!(format!("c{i}@example.com")),
                    &[("firstname", "C")],
                )
            })
            .collect()
    };
    let reply = app.post("/contacts/v1/contact/batch", items(1001)).await;
    let body = reply.v1_error(StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("1000"), "{body}");
    let reply = app.post("/contacts/v1/contact/batch", items(1000)).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let total = app
        .post("/crm/v3/objects/contacts/search", json!({ "limit": 1 }))
        .await
        .json()["total"]
        .clone();
    assert_eq!(total, 1000);
    // The body must be the array form.
    let reply = app
        .post("/contacts/v1/contact/batch", json!({ "inputs": [] }))
        .await;
    reply.v1_error(StatusCode::BAD_REQUEST);
}
