//! `POST /_spoke/v1/portals/{portalId}/reset`: a portal emptied of what
//! its calls wrote, its access kept.

use crate::helpers::{spawn, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    app.send_as(Some(token), method, path, body).await
}

#[tokio::test]
async fn a_reset_portal_is_empty_and_keeps_its_token() {
    let app = spawn().await;
    let created = app
        .admin(
            Method::POST,
            "/_spoke/v1/portals",
            Some(json!({"name": "Per test"})),
        )
        .await
        .json();
    let id = created["portalId"].as_i64().unwrap();
    let token = created["accessToken"].as_str().unwrap().to_string();
    let reply = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/properties/contacts",
        Some(json!({"name": "favourite", "label": "Favourite", "type": "string", "fieldType": "text", "groupName": "contactinformation"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let reply = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/objects/contacts",
        Some(json!({"properties": {"email": "r@reset.io", "favourite": "tea"}})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let reply = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/lists",
        Some(json!({"name": "Mine", "objectTypeId": "0-1", "processingType": "MANUAL"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let search = json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "r@reset.io"}]}]});
    let found = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/objects/contacts/search",
        Some(search.clone()),
    )
    .await
    .json();
    assert_eq!(found["total"], 1);

    // Keeping the properties.
    let path = format!("/_spoke/v1/portals/{id}/reset");
    let reset = app
        .admin(Method::POST, &path, Some(json!({"keepProperties": true})))
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    let shown = app
        .admin(Method::GET, &format!("/_spoke/v1/portals/{id}"), None)
        .await
        .json();
    assert_eq!(reset.json(), shown);
    let listed = call(&app, &token, Method::GET, "/crm/v3/objects/contacts", None)
        .await
        .json();
    assert_eq!(listed["results"], json!([]));
    let found = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/objects/contacts/search",
        Some(search.clone()),
    )
    .await
    .json();
    assert_eq!(found["total"], 0);
    let lists = call(&app, &token, Method::GET, "/crm/v3/lists", None)
        .await
        .json();
    assert_eq!(lists["lists"], json!([]), "{lists}");
    let favourite = call(
        &app,
        &token,
        Method::GET,
        "/crm/v3/properties/contacts/favourite",
        None,
    )
    .await;
    assert_eq!(favourite.status, StatusCode::OK);
    // The email is free again.
    let reply = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/objects/contacts",
        Some(json!({"properties": {"email": "r@reset.io"}})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);

    // Without a body: the standard properties only.
    let reset = app.admin(Method::POST, &path, None).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    call(
        &app,
        &token,
        Method::GET,
        "/crm/v3/properties/contacts/favourite",
        None,
    )
    .await
    .error(StatusCode::NOT_FOUND);
    assert_eq!(
        call(
            &app,
            &token,
            Method::GET,
            "/crm/v3/properties/contacts/email",
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, &token, Method::GET, "/crm/v3/objects/contacts", None)
            .await
            .json()["results"],
        json!([])
    );

    // Refusals.
    let bad = app
        .admin(Method::POST, &path, Some(json!({"keepProperty": true})))
        .await;
    bad.error(StatusCode::BAD_REQUEST);
    let missing = app
        .admin(Method::POST, "/_spoke/v1/portals/987654/reset", None)
        .await;
    assert_eq!(
        missing.error(StatusCode::NOT_FOUND)["message"],
        "Portal 987654 does not exist."
    );
    let anonymous = app.send_as(None, Method::POST, &path, None).await;
    anonymous.error(StatusCode::UNAUTHORIZED);
    // The default portal is untouched.
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
}
