use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn get_by_id_returns_the_default_properties() {
    let app = spawn().await;
    let id = app
        .create(json!({"email": "a@example.com", "firstname": "Ann", "city": "Oslo"}))
        .await;
    let reply = app.get(&format!("/crm/v3/objects/contacts/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.redacted(),
        json!({
            "id": id,
            "properties": {
                "createdate": "<time>",
                "email": "a@example.com",
                "firstname": "Ann",
                "hs_object_id": id,
                "lastmodifieddate": "<time>"
            },
            "createdAt": "<time>",
            "updatedAt": "<time>",
            "archived": false
        })
    );
}

#[tokio::test]
async fn named_properties_come_back_null_when_unset_and_unknown_ones_are_ignored() {
    let app = spawn().await;
    let id = app
        .create(json!({"firstname": "Ann", "city": "Oslo"}))
        .await;
    for query in [
        "properties=city&properties=jobtitle&properties=nope",
        "properties=city,jobtitle,nope",
    ] {
        let reply = app
            .get(&format!("/crm/v3/objects/contacts/{id}?{query}"))
            .await;
        assert_eq!(
            reply.redacted()["properties"],
            json!({
                "city": "Oslo",
                "createdate": "<time>",
                "hs_object_id": id,
                "jobtitle": null,
                "lastmodifieddate": "<time>"
            }),
            "{query}"
        );
    }
}

#[tokio::test]
async fn get_by_email_is_case_insensitive() {
    let app = spawn().await;
    let id = app.create(json!({"email": "mixed@example.com"})).await;
    let reply = app
        .get("/crm/v3/objects/contacts/MIXED%40Example.com?idProperty=email")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["id"], id);
    let missing = app
        .get("/crm/v3/objects/contacts/nobody@example.com?idProperty=email")
        .await;
    missing.error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn id_property_must_be_a_unique_property() {
    let app = spawn().await;
    app.create(json!({"firstname": "Ann"})).await;
    let reply = app
        .get("/crm/v3/objects/contacts/Ann?idProperty=firstname")
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["in"], "idProperty");
    let reply = app.get("/crm/v3/objects/contacts/x?idProperty=nope").await;
    reply.error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_unknown_contact_is_404_object_not_found() {
    let app = spawn().await;
    let reply = app.get("/crm/v3/objects/contacts/999").await;
    assert_eq!(
        reply.error(StatusCode::NOT_FOUND),
        json!({
            "status": "error",
            "message": "resource not found",
            "correlationId": "<correlationId>",
            "category": "OBJECT_NOT_FOUND"
        })
    );
    let reply = app.get("/crm/v3/objects/contacts/abc").await;
    assert_eq!(
        reply.error(StatusCode::NOT_FOUND)["message"],
        "Object not found.  objectId are usually numeric."
    );
}

#[tokio::test]
async fn history_is_newest_first_with_source_and_timestamp() {
    let app = spawn().await;
    let id = app.create(json!({"firstname": "One"})).await;
    let path = format!("/crm/v3/objects/contacts/{id}");
    app.patch(&path, json!({"properties": {"firstname": "Two"}}))
        .await;
    app.patch(&path, json!({"properties": {"firstname": ""}}))
        .await;
    let reply = app
        .get(&format!(
            "{path}?propertiesWithHistory=firstname&propertiesWithHistory=hs_object_id,nope"
        ))
        .await;
    let body = reply.redacted();
    assert_eq!(
        body["propertiesWithHistory"],
        json!({
            "firstname": [
                {"value": "", "timestamp": "<time>", "sourceType": "API"},
                {"value": "Two", "timestamp": "<time>", "sourceType": "API"},
                {"value": "One", "timestamp": "<time>", "sourceType": "API"}
            ],
            "hs_object_id": [
                {"value": id, "timestamp": "<time>", "sourceType": "CALCULATED"}
            ]
        })
    );
    let raw = reply.json();
    let times: Vec<&str> = raw["propertiesWithHistory"]["firstname"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["timestamp"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
}

#[tokio::test]
async fn the_date_versioned_path_serves_the_same_contacts() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/objects/2026-03/contacts",
            json!({"properties": {"email": "v@example.com"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let v3 = app.get(&format!("/crm/v3/objects/contacts/{id}")).await;
    let dated = app
        .get(&format!("/crm/objects/2026-03/contacts/{id}"))
        .await;
    assert_eq!(v3.json(), dated.json());
    let list = app.get("/crm/objects/2026-03/contacts").await;
    assert_eq!(list.json()["results"][0]["id"], id);
}
