//! `/crm/v3/properties/{objectType}`: definitions.

use crate::helpers::{spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub async fn create_property(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/crm/v3/properties/contacts", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()
}

const PROPERTY_FIELDS: [&str; 30] = [
    "updatedAt",
    "createdAt",
    "archivedAt",
    "name",
    "label",
    "type",
    "fieldType",
    "description",
    "groupName",
    "options",
    "createdUserId",
    "updatedUserId",
    "referencedObjectType",
    "displayOrder",
    "calculated",
    "externalOptions",
    "archived",
    "hasUniqueValue",
    "hidden",
    "hubspotDefined",
    "showCurrencySymbol",
    "modificationMetadata",
    "formField",
    "dataSensitivity",
    "sensitiveDataCategories",
    "calculationFormula",
    "currencyPropertyName",
    "numberDisplayHint",
    "textDisplayHint",
    "dateDisplayHint",
];

fn assert_full_property(p: &Value) {
    for field in PROPERTY_FIELDS {
        assert!(p.get(field).is_some(), "{field} missing from {p}");
    }
    for required in [
        "name",
        "label",
        "type",
        "fieldType",
        "groupName",
        "description",
        "options",
    ] {
        assert!(!p[required].is_null(), "{required} is null in {p}");
    }
    for flag in ["archivable", "readOnlyDefinition", "readOnlyValue"] {
        assert!(
            p["modificationMetadata"][flag].is_boolean(),
            "{flag} in {p}"
        );
    }
}

#[tokio::test]
async fn every_standard_property_is_listed_in_full() {
    let app = spawn().await;
    let body = app.get("/crm/v3/properties/contacts").await.json();
    let results = body["results"].as_array().unwrap();
    assert!(results.len() >= 19);
    for p in results {
        assert_full_property(p);
    }
    let email = results.iter().find(|p| p["name"] == "email").unwrap();
    assert_eq!(email["type"], "string");
    assert_eq!(email["fieldType"], "text");
    assert_eq!(email["hubspotDefined"], true);
    assert_eq!(
        email["modificationMetadata"],
        json!({"archivable": false, "readOnlyDefinition": true, "readOnlyOptions": true, "readOnlyValue": false})
    );
    let stage = results
        .iter()
        .find(|p| p["name"] == "lifecyclestage")
        .unwrap();
    assert_eq!(stage["type"], "enumeration");
    assert_eq!(
        stage["options"][1],
        json!({"label": "Lead", "value": "lead", "displayOrder": 1, "hidden": false, "description": ""})
    );
    let id = results
        .iter()
        .find(|p| p["name"] == "hs_object_id")
        .unwrap();
    assert_eq!(id["modificationMetadata"]["readOnlyValue"], true);
}

#[tokio::test]
async fn the_object_type_may_be_contacts_contact_or_0_1() {
    let app = spawn().await;
    for object_type in ["contacts", "contact", "0-1"] {
        let reply = app
            .get(&format!("/crm/v3/properties/{object_type}/email"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{object_type}");
    }
    let reply = app.get("/crm/v3/properties/widgets/email").await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Unable to infer object type from: widgets");
}

#[tokio::test]
async fn create_returns_201_with_the_whole_definition() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/properties/contacts",
            json!({
                "name": "favorite_color",
                "label": "Favorite color",
                "type": "enumeration",
                "fieldType": "select",
                "groupName": "contactinformation",
                "options": [
                    {"label": "Red", "value": "red", "hidden": false},
                    {"label": "Blue", "value": "blue", "hidden": false, "displayOrder": 5, "description": "sky"}
                ]
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.redacted();
    assert_full_property(&body);
    assert_eq!(
        body,
        json!({
            "updatedAt": "<time>", "createdAt": "<time>", "archivedAt": null,
            "name": "favorite_color", "label": "Favorite color", "type": "enumeration",
            "fieldType": "select", "description": "", "groupName": "contactinformation",
            "options": [
                {"label": "Red", "value": "red", "displayOrder": 0, "hidden": false, "description": ""},
                {"label": "Blue", "value": "blue", "displayOrder": 5, "hidden": false, "description": "sky"}
            ],
            "createdUserId": null, "updatedUserId": null, "referencedObjectType": null,
            "displayOrder": -1, "calculated": false, "externalOptions": false, "archived": false,
            "hasUniqueValue": false, "hidden": false, "hubspotDefined": false,
            "showCurrencySymbol": null,
            "modificationMetadata": {"archivable": true, "readOnlyDefinition": false, "readOnlyOptions": false, "readOnlyValue": false},
            "formField": true, "dataSensitivity": "non_sensitive", "sensitiveDataCategories": null,
            "calculationFormula": null, "currencyPropertyName": null, "numberDisplayHint": null,
            "textDisplayHint": null, "dateDisplayHint": null
        })
    );
    let fetched = app.get("/crm/v3/properties/contacts/favorite_color").await;
    assert_eq!(fetched.json(), reply.json());
}

#[tokio::test]
async fn creating_an_existing_name_is_409() {
    let app = spawn().await;
    let def = json!({"name": "code", "label": "Code", "type": "string", "fieldType": "text", "groupName": "contactinformation"});
    create_property(&app, def.clone()).await;
    let reply = app.post("/crm/v3/properties/contacts", def).await;
    assert_eq!(
        reply.error(StatusCode::CONFLICT),
        json!({
            "status": "error",
            "message": "A property named \"code\" exists already.",
            "correlationId": "<correlationId>",
            "category": "OBJECT_ALREADY_EXISTS"
        })
    );
    let reply = app
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "email", "label": "E", "type": "string", "fieldType": "text", "groupName": "contactinformation"}),
        )
        .await;
    reply.error(StatusCode::CONFLICT);
}

#[tokio::test]
async fn each_invalid_definition_is_400_naming_the_field_and_writes_nothing() {
    let app = spawn().await;
    let base = json!({"name": "p", "label": "P", "type": "string", "fieldType": "text", "groupName": "contactinformation"});
    let with = |patch: Value| {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let cases = [
        (with(json!({"label": null})), "label"),
        (with(json!({"type": null})), "type"),
        (with(json!({"name": null})), "name"),
        (with(json!({"type": "text"})), "type"),
        (with(json!({"fieldType": "dropdown"})), "fieldType"),
        (with(json!({"type": "number"})), "fieldType"),
        (
            with(json!({"options": [{"label": "A", "value": "a", "hidden": false}]})),
            "options",
        ),
        (
            with(
                json!({"type": "enumeration", "fieldType": "radio", "options": [
                    {"label": "A", "value": "a", "hidden": false},
                    {"label": "B", "value": "a", "hidden": false}
                ]}),
            ),
            "options[1].value",
        ),
        (with(json!({"groupName": "nowhere"})), "groupName"),
        (with(json!({"name": "Bad Name"})), "name"),
        (with(json!({"name": "hs_custom"})), "name"),
        (
            with(json!({"type": "enumeration", "fieldType": "select", "hasUniqueValue": true})),
            "hasUniqueValue",
        ),
        (
            with(json!({"numberDisplayHint": "loud"})),
            "numberDisplayHint",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post("/crm/v3/properties/contacts", body.clone()).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["category"], "VALIDATION_ERROR", "{body}");
        let fields: Vec<&str> = error["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["in"].as_str().unwrap())
            .collect();
        assert_eq!(fields, [field], "{body}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let names: Vec<String> = app.get("/crm/v3/properties/contacts").await.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!names.contains(&"p".to_string()), "nothing was written");
}

#[tokio::test]
async fn update_changes_a_custom_definition() {
    let app = spawn().await;
    create_property(
        &app,
        json!({"name": "tier", "label": "Tier", "type": "enumeration", "fieldType": "radio", "groupName": "contactinformation",
               "options": [{"label": "Gold", "value": "gold", "hidden": false}]}),
    )
    .await;
    let reply = app
        .patch(
            "/crm/v3/properties/contacts/tier",
            json!({"label": "Customer tier", "description": "How much they spend",
                   "options": [{"label": "Gold", "value": "gold", "hidden": false}, {"label": "Silver", "value": "silver", "hidden": true}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["label"], "Customer tier");
    assert_eq!(body["description"], "How much they spend");
    assert_eq!(body["options"][1]["value"], "silver");
    assert_eq!(body["options"][1]["hidden"], true);
    assert!(body["updatedAt"].as_str() >= body["createdAt"].as_str());
}

#[tokio::test]
async fn hubspot_defined_properties_cannot_be_redefined_or_archived() {
    let app = spawn().await;
    let reply = app
        .patch(
            "/crm/v3/properties/contacts/email",
            json!({"label": "E-mail"}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["message"],
        "\"email\" is a HubSpot-defined property; its definition cannot be changed."
    );
    let reply = app.delete("/crm/v3/properties/contacts/firstname").await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["message"],
        "\"firstname\" is a HubSpot-defined property and cannot be archived."
    );
    let email = app.get("/crm/v3/properties/contacts/email").await.json();
    assert_eq!(email["label"], "Email");
}

#[tokio::test]
async fn unknown_properties_are_404() {
    let app = spawn().await;
    for method in [Method::GET, Method::DELETE] {
        let reply = app
            .send(method, "/crm/v3/properties/contacts/nope", None)
            .await;
        let body = reply.error(StatusCode::NOT_FOUND);
        assert_eq!(body["category"], "OBJECT_NOT_FOUND");
    }
    let reply = app
        .patch("/crm/v3/properties/contacts/nope", json!({"label": "x"}))
        .await;
    reply.error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn archiving_hides_the_property_unless_archived_is_asked_for() {
    let app = spawn().await;
    create_property(
        &app,
        json!({"name": "legacy_code", "label": "Legacy", "type": "string", "fieldType": "text", "groupName": "contactinformation"}),
    )
    .await;
    let reply = app.delete("/crm/v3/properties/contacts/legacy_code").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.text, "");
    app.get("/crm/v3/properties/contacts/legacy_code")
        .await
        .error(StatusCode::NOT_FOUND);
    let names = |body: Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        !names(app.get("/crm/v3/properties/contacts").await.json()).contains(&"legacy_code".into())
    );
    let archived = app
        .get("/crm/v3/properties/contacts?archived=true")
        .await
        .json();
    assert_eq!(names(archived.clone()), ["legacy_code"]);
    assert_eq!(archived["results"][0]["archived"], true);
    assert!(archived["results"][0]["archivedAt"].is_string());
    let one = app
        .get("/crm/v3/properties/contacts/legacy_code?archived=true")
        .await;
    assert_eq!(one.status, StatusCode::OK);
    // Its name stays taken, as at HubSpot.
    let reply = app
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "legacy_code", "label": "Again", "type": "string", "fieldType": "text", "groupName": "contactinformation"}),
        )
        .await;
    let body = reply.error(StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().unwrap().contains("archived"),
        "{body}"
    );
}

#[tokio::test]
async fn list_filters_by_name_and_sensitivity() {
    let app = spawn().await;
    let body = app
        .get("/crm/v3/properties/contacts?properties=email,firstname")
        .await
        .json();
    let names: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["email", "firstname"]);
    let sensitive = app
        .get("/crm/v3/properties/contacts?dataSensitivity=sensitive")
        .await
        .json();
    assert_eq!(sensitive["results"], json!([]));
}
