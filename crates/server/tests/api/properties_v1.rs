//! Legacy `/properties/v1/contacts/...` over raw HTTP, in v1 shapes.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn v1_error(reply: &crate::helpers::Reply, status: StatusCode) -> Value {
    reply.v1_error(status)
}

#[tokio::test]
async fn the_property_list_is_a_bare_array_of_v1_definitions() {
    let app = spawn().await;
    let body = app.get("/properties/v1/contacts/properties").await.json();
    let all = body.as_array().expect("a bare array");
    let email = all.iter().find(|p| p["name"] == "email").unwrap();
    for field in [
        "name",
        "label",
        "description",
        "groupName",
        "type",
        "fieldType",
        "options",
        "deleted",
        "formField",
        "displayOrder",
        "readOnlyValue",
        "readOnlyDefinition",
        "hidden",
        "mutableDefinitionNotDeletable",
        "favorited",
        "favoritedOrder",
        "calculated",
        "externalOptions",
        "displayMode",
        "showCurrencySymbol",
        "hubspotDefined",
        "createdUserId",
        "updatedUserId",
        "searchableInGlobalSearch",
        "hasUniqueValue",
        "numberDisplayHint",
        "textDisplayHint",
        "optionsAreMutable",
        "referencedObjectType",
        "isCustomizedDefault",
        "currencyPropertyName",
        "createdAt",
        "updatedAt",
    ] {
        assert!(email.get(field).is_some(), "{field} missing");
    }
    assert_eq!(email["hubspotDefined"], true);
    assert_eq!(email["deleted"], false);
    assert!(email["createdAt"].is_i64(), "ms timestamps");
    // The trailing-slash form routes the same.
    assert_eq!(
        app.get("/properties/v1/contacts/properties/").await.json(),
        body
    );
}

#[tokio::test]
async fn create_get_update_and_delete_a_property() {
    let app = spawn().await;
    let reply = app
        .post(
            "/properties/v1/contacts/properties",
            json!({"name": "shoe_size", "label": "Shoe size", "description": "EU", "groupName": "contactinformation",
                   "type": "number", "fieldType": "number", "formField": true}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let created = reply.json();
    assert_eq!(created["name"], "shoe_size");
    assert_eq!(
        created["hubspotDefined"],
        Value::Null,
        "custom properties say null"
    );
    let fetched = app
        .get("/properties/v1/contacts/properties/named/shoe_size")
        .await
        .json();
    assert_eq!(fetched["label"], "Shoe size");
    let reply = app
        .send(
            Method::PUT,
            "/properties/v1/contacts/properties/named/shoe_size",
            Some(json!({"label": "Shoe size (EU)", "groupName": "contactinformation", "type": "number", "fieldType": "number"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["label"], "Shoe size (EU)");
    let reply = app
        .delete("/properties/v1/contacts/properties/named/shoe_size")
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app
        .get("/properties/v1/contacts/properties/named/shoe_size")
        .await;
    v1_error(&reply, StatusCode::NOT_FOUND);
    let reply = app
        .delete("/properties/v1/contacts/properties/named/shoe_size")
        .await;
    v1_error(&reply, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn creating_an_existing_name_is_a_v1_409() {
    let app = spawn().await;
    let reply = app
        .post(
            "/properties/v1/contacts/properties",
            json!({"name": "email", "label": "Email", "groupName": "contactinformation", "type": "string", "fieldType": "text"}),
        )
        .await;
    let body = v1_error(&reply, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "A property named \"email\" exists already."
    );
}

#[tokio::test]
async fn invalid_definitions_and_bodies_get_v1_errors() {
    let app = spawn().await;
    let reply = app
        .post("/properties/v1/contacts/properties", json!({"name": "x", "label": "X", "groupName": "contactinformation", "type": "bogus", "fieldType": "text"}))
        .await;
    v1_error(&reply, StatusCode::BAD_REQUEST);
    let reply = app
        .raw(Method::POST, "/properties/v1/contacts/properties", "{nope")
        .await;
    v1_error(&reply, StatusCode::BAD_REQUEST);
    let reply = app
        .send_as(
            None,
            Method::GET,
            "/properties/v1/contacts/properties",
            None,
        )
        .await;
    v1_error(&reply, StatusCode::UNAUTHORIZED);
    let reply = app.get("/properties/v1/contacts/nothing-here").await;
    v1_error(&reply, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn groups_list_with_their_properties_on_request() {
    let app = spawn().await;
    let plain = app.get("/properties/v1/contacts/groups").await.json();
    let first = &plain.as_array().unwrap()[0];
    assert_eq!(
        first,
        &json!({"name": "contactinformation", "displayName": "Contact information", "displayOrder": 0, "hubspotDefined": true})
    );
    let with = app
        .get("/properties/v1/contacts/groups?includeProperties=true")
        .await
        .json();
    let contact_info = &with.as_array().unwrap()[0];
    let names: Vec<&str> = contact_info["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"email") && names.contains(&"firstname"));
    assert!(
        !names.contains(&"hs_lead_status"),
        "that one is in sales_properties"
    );
}

#[tokio::test]
async fn create_update_and_delete_a_group() {
    let app = spawn().await;
    let reply = app
        .post(
            "/properties/v1/contacts/groups",
            json!({"name": "colors", "displayName": "Colors", "displayOrder": 3}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"name": "colors", "displayName": "Colors", "displayOrder": 3, "hubspotDefined": false})
    );
    let reply = app
        .send(
            Method::PUT,
            "/properties/v1/contacts/groups/named/colors",
            Some(json!({"displayName": "Colours"})),
        )
        .await;
    assert_eq!(reply.json()["displayName"], "Colours");
    let reply = app
        .delete("/properties/v1/contacts/groups/named/colors")
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app.get("/properties/v1/contacts/groups/named/colors").await;
    v1_error(&reply, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn v1_and_v3_see_the_same_definitions() {
    let app = spawn().await;
    app.post(
        "/properties/v1/contacts/properties",
        json!({"name": "via_v1", "label": "Via v1", "groupName": "contactinformation", "type": "string", "fieldType": "text"}),
    )
    .await;
    let v3 = app.get("/crm/v3/properties/contacts/via_v1").await;
    assert_eq!(v3.status, StatusCode::OK);
    app.delete("/crm/v3/properties/contacts/via_v1").await;
    let reply = app
        .get("/properties/v1/contacts/properties/named/via_v1")
        .await;
    v1_error(&reply, StatusCode::NOT_FOUND);
}
