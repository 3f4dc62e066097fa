//! Custom properties of every type, through contact writes and reads.

use crate::helpers::spawn;
use crate::properties::create_property;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn def(name: &str, ty: &str, field: &str) -> Value {
    json!({"name": name, "label": name, "type": ty, "fieldType": field, "groupName": "contactinformation"})
}

#[tokio::test]
async fn a_custom_property_of_each_type_round_trips_through_contacts() {
    let app = spawn().await;
    let mut colors = def("colors", "enumeration", "checkbox");
    colors["options"] = json!([
        {"label": "Red", "value": "red", "hidden": false},
        {"label": "Green", "value": "green", "hidden": false},
        {"label": "Blue", "value": "blue", "hidden": false}
    ]);
    let mut size = def("size", "enumeration", "select");
    size["options"] = json!([{"label": "S", "value": "s", "hidden": false}, {"label": "L", "value": "l", "hidden": false}]);
    for body in [
        def("nickname", "string", "text"),
        def("notes", "string", "textarea"),
        def("score", "number", "number"),
        def("vip", "bool", "booleancheckbox"),
        def("birthday", "date", "date"),
        def("last_seen", "datetime", "date"),
        def("pager", "phone_number", "phonenumber"),
        colors,
        size,
    ] {
        create_property(&app, body).await;
    }
    // Create, with inputs in the forms clients send.
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {
                "nickname": "Ace", "notes": "line one\nline two", "score": 12.50, "vip": true,
                "birthday": "1990-07-04", "last_seen": "1700000000000", "pager": "+1 555 0199",
                "colors": "red;blue", "size": "s"
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let names = "nickname,notes,score,vip,birthday,last_seen,pager,colors,size";
    let read = app
        .get(&format!("/crm/v3/objects/contacts/{id}?properties={names}"))
        .await
        .json();
    let expected = json!({
        "nickname": "Ace", "notes": "line one\nline two", "score": "12.5", "vip": "true",
        "birthday": "1990-07-04", "last_seen": "2023-11-14T22:13:20.000Z", "pager": "+1 555 0199",
        "colors": "red;blue", "size": "s"
    });
    for (k, v) in expected.as_object().unwrap() {
        assert_eq!(&read["properties"][k], v, "{k}");
    }
    // Update every one.
    let reply = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {
                "nickname": "", "score": "-3", "vip": "false", "birthday": 631152000000i64,
                "last_seen": "2024-02-29T12:00:00+01:00", "colors": "green", "size": "l", "notes": "x"
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let read = app
        .get(&format!("/crm/v3/objects/contacts/{id}?properties={names}"))
        .await
        .json();
    let expected = json!({
        "nickname": null, "notes": "x", "score": "-3", "vip": "false", "birthday": "1990-01-01",
        "last_seen": "2024-02-29T11:00:00.000Z", "pager": "+1 555 0199", "colors": "green", "size": "l"
    });
    for (k, v) in expected.as_object().unwrap() {
        assert_eq!(&read["properties"][k], v, "{k}");
    }
}

#[tokio::test]
async fn custom_values_are_validated_by_type() {
    let app = spawn().await;
    create_property(&app, def("score", "number", "number")).await;
    create_property(&app, def("vip", "bool", "booleancheckbox")).await;
    create_property(&app, def("birthday", "date", "date")).await;
    let mut size = def("size", "enumeration", "select");
    size["options"] = json!([{"label": "S", "value": "s", "hidden": false}]);
    create_property(&app, size).await;
    for (name, value, code) in [
        ("score", json!("many"), "INVALID_LONG"),
        ("vip", json!("yes"), "INVALID_BOOLEAN"),
        ("birthday", json!("1579179660000"), "INVALID_DATE"),
        ("birthday", json!("04/07/1990"), "INVALID_DATE"),
        ("size", json!("xl"), "INVALID_OPTION"),
    ] {
        let reply = app
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {name: value}}),
            )
            .await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST)["errors"][0]["code"],
            code,
            "{name}={value}"
        );
    }
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"birthday": "1579179660000"}}),
        )
        .await;
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "1579179660000 is at 13:1:0.0 UTC, not midnight!"
    );
}

#[tokio::test]
async fn unique_values_are_enforced_across_contacts() {
    let app = spawn().await;
    let mut code = def("member_code", "string", "text");
    code["hasUniqueValue"] = json!(true);
    create_property(&app, code).await;
    let first = app.create(json!({"member_code": "ABC-1"})).await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"member_code": "abc-1"}}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::CONFLICT),
        json!({
            "status": "error",
            "message": format!("A contact with the value \"abc-1\" for the unique property \"member_code\" already exists. Existing ID: {first}"),
            "correlationId": "<correlationId>",
            "category": "CONFLICT",
            "context": {"existingId": [first], "propertyName": ["member_code"]}
        })
    );
    let second = app.create(json!({"member_code": "XYZ-2"})).await;
    let reply = app
        .patch(
            &format!("/crm/v3/objects/contacts/{second}"),
            json!({"properties": {"member_code": "ABC-1"}}),
        )
        .await;
    reply.error(StatusCode::CONFLICT);
    // A unique property identifies contacts: idProperty works with it.
    let reply = app
        .get("/crm/v3/objects/contacts/abc-1?idProperty=member_code")
        .await;
    assert_eq!(reply.json()["id"], first);
    // hasUniqueValue is fixed at creation.
    let reply = app
        .patch(
            "/crm/v3/properties/contacts/member_code",
            json!({"hasUniqueValue": false}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["errors"][0]["in"],
        "hasUniqueValue"
    );
}

#[tokio::test]
async fn an_archived_property_is_hidden_from_contacts_keeps_its_values_and_refuses_writes() {
    let app = spawn().await;
    create_property(&app, def("old_field", "string", "text")).await;
    let id = app
        .create(json!({"old_field": "kept", "firstname": "Ann"}))
        .await;
    app.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"old_field": "kept2"}}),
    )
    .await;
    assert_eq!(
        app.delete("/crm/v3/properties/contacts/old_field")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let read = app
        .get(&format!("/crm/v3/objects/contacts/{id}?properties=old_field,firstname&propertiesWithHistory=old_field"))
        .await
        .json();
    assert!(read["properties"].get("old_field").is_none(), "{read}");
    assert_eq!(read["properties"]["firstname"], "Ann");
    assert_eq!(read["propertiesWithHistory"], json!({}));
    let reply = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"old_field": "new"}}),
        )
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
    assert_eq!(
        body["errors"][0]["message"],
        "Property \"old_field\" does not exist (it is archived)"
    );
    // The value is still stored: the raw contact row keeps it.
    let stored = app
        .store
        .find_contact(
            app.portal,
            &spoke_domain::contact::ContactLookup::Id(spoke_domain::ids::ContactId(
                id.parse().unwrap(),
            )),
            false,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.properties.get("old_field").map(String::as_str),
        Some("kept2")
    );
}

#[tokio::test]
async fn a_type_change_keeps_values_that_survive_and_refuses_otherwise() {
    let app = spawn().await;
    create_property(&app, def("level", "string", "text")).await;
    let a = app.create(json!({"level": "10"})).await;
    let b = app.create(json!({"level": "7.50"})).await;
    let reply = app
        .patch(
            "/crm/v3/properties/contacts/level",
            json!({"type": "number", "fieldType": "number"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["type"], "number");
    let value = |id: &str| {
        let app = &app;
        let id = id.to_string();
        async move {
            app.get(&format!("/crm/v3/objects/contacts/{id}?properties=level"))
                .await
                .json()["properties"]["level"]
                .clone()
        }
    };
    assert_eq!(value(&a).await, "10");
    assert_eq!(value(&b).await, "7.5", "re-encoded to the number form");
    // Now one value cannot become a date.
    let reply = app
        .patch(
            "/crm/v3/properties/contacts/level",
            json!({"type": "date", "fieldType": "date"}),
        )
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["in"], "type");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("2 stored value(s) would not survive"),
        "{message}"
    );
    let def_now = app.get("/crm/v3/properties/contacts/level").await.json();
    assert_eq!(def_now["type"], "number", "nothing changed");
    assert_eq!(value(&b).await, "7.5");
}
