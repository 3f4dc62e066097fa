//! Scopes: a valid credential without the scope an endpoint needs gets
//! HubSpot's 403 `MISSING_SCOPES`, with the scope it needs; 401 stays for
//! credentials that are missing, unknown, expired or revoked.

use crate::helpers::{spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn private_app(app: &TestApp, scopes: &[&str]) -> String {
    let reply = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{}/private-apps", app.portal.0),
            Some(json!({"name": "Limited", "scopes": scopes})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()["accessToken"].as_str().unwrap().to_string()
}

fn missing(scope: &str) -> Value {
    json!({
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        "correlationId": "<correlationId>",
        "category": "MISSING_SCOPES",
        "errors": [{
            "message": "One or more of the following scopes are required.",
            "context": {"requiredGranularScopes": [scope]}
        }],
        "links": {"scopes": "https://developers.hubspot.com/scopes"}
    })
}

/// Every write of the contacts and properties APIs (v3, date-versioned and
/// v1), with the scope HubSpot names for it.
fn writes(id: &str) -> Vec<(Method, String, Value, &'static str)> {
    let contact = json!({"properties": {"email": "new@example.com"}});
    let batch = json!({"inputs": [{"properties": {"email": "b@example.com"}}]});
    let mut out = Vec::new();
    for prefix in ["/crm/v3/objects/contacts", "/crm/objects/2026-03/contacts"] {
        let w = "crm.objects.contacts.write";
        out.push((Method::POST, prefix.to_string(), contact.clone(), w));
        out.push((Method::PATCH, format!("{prefix}/{id}"), contact.clone(), w));
        out.push((Method::DELETE, format!("{prefix}/{id}"), Value::Null, w));
        out.push((
            Method::POST,
            format!("{prefix}/batch/create"),
            batch.clone(),
            w,
        ));
        out.push((
            Method::POST,
            format!("{prefix}/batch/update"),
            json!({"inputs": [{"id": id, "properties": {"firstname": "x"}}]}),
            w,
        ));
        out.push((Method::POST, format!("{prefix}/batch/upsert"), json!({"inputs": [{"id": "u@example.com", "idProperty": "email", "properties": {"firstname": "x"}}]}), w));
        out.push((
            Method::POST,
            format!("{prefix}/batch/archive"),
            json!({"inputs": [{"id": id}]}),
            w,
        ));
        out.push((
            Method::POST,
            format!("{prefix}/merge"),
            json!({"primaryObjectId": id, "objectIdToMerge": "2"}),
            w,
        ));
        out.push((
            Method::POST,
            format!("{prefix}/gdpr-delete"),
            json!({"objectId": id}),
            w,
        ));
    }
    let s = "crm.schemas.contacts.write";
    let property = json!({"name": "p", "label": "P", "type": "string", "fieldType": "text", "groupName": "contactinformation"});
    out.push((
        Method::POST,
        "/crm/v3/properties/contacts".into(),
        property.clone(),
        s,
    ));
    out.push((
        Method::PATCH,
        "/crm/v3/properties/contacts/firstname".into(),
        json!({"label": "F"}),
        s,
    ));
    out.push((
        Method::DELETE,
        "/crm/v3/properties/contacts/firstname".into(),
        Value::Null,
        s,
    ));
    out.push((
        Method::POST,
        "/crm/v3/properties/contacts/batch/create".into(),
        json!({"inputs": [property]}),
        s,
    ));
    out.push((
        Method::POST,
        "/crm/v3/properties/contacts/batch/archive".into(),
        json!({"inputs": [{"name": "firstname"}]}),
        s,
    ));
    out.push((
        Method::POST,
        "/crm/v3/properties/contacts/groups".into(),
        json!({"name": "g", "label": "G"}),
        s,
    ));
    out.push((
        Method::PATCH,
        "/crm/v3/properties/contacts/groups/contactinformation".into(),
        json!({"label": "G"}),
        s,
    ));
    out.push((
        Method::DELETE,
        "/crm/v3/properties/contacts/groups/contactinformation".into(),
        Value::Null,
        s,
    ));
    out
}

fn v1_writes(id: &str) -> Vec<(Method, String, Value, &'static str)> {
    let props = json!({"properties": [{"property": "firstname", "value": "x"}]});
    let w = "crm.objects.contacts.write";
    let s = "crm.schemas.contacts.write";
    vec![
        (
            Method::POST,
            "/contacts/v1/contact".into(),
            props.clone(),
            w,
        ),
        (
            Method::POST,
            format!("/contacts/v1/contact/vid/{id}/profile"),
            props.clone(),
            w,
        ),
        (
            Method::POST,
            "/contacts/v1/contact/createOrUpdate/email/x@example.com".into(),
            props.clone(),
            w,
        ),
        (
            Method::DELETE,
            format!("/contacts/v1/contact/vid/{id}"),
            Value::Null,
            w,
        ),
        (
            Method::POST,
            "/contacts/v1/contact/batch".into(),
            json!([{"email": "y@example.com", "properties": []}]),
            w,
        ),
        (
            Method::POST,
            format!("/contacts/v1/contact/merge-vids/{id}"),
            json!({"vidToMerge": 2}),
            w,
        ),
        (
            Method::PUT,
            format!("/contacts/v1/secondary-email/{id}/email/z@example.com"),
            Value::Null,
            w,
        ),
        (
            Method::POST,
            "/properties/v1/contacts/properties".into(),
            json!({"name": "q", "label": "Q", "type": "string", "fieldType": "text", "groupName": "contactinformation"}),
            s,
        ),
        (
            Method::PUT,
            "/properties/v1/contacts/properties/named/firstname".into(),
            json!({"label": "F"}),
            s,
        ),
        (
            Method::DELETE,
            "/properties/v1/contacts/properties/named/firstname".into(),
            Value::Null,
            s,
        ),
        (
            Method::POST,
            "/properties/v1/contacts/groups".into(),
            json!({"name": "g1", "displayName": "G"}),
            s,
        ),
    ]
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: &Value,
) -> crate::helpers::Reply {
    let body = (!body.is_null()).then(|| body.clone());
    app.send_as(Some(token), method, path, body).await
}

#[tokio::test]
async fn a_read_only_app_gets_403_on_every_write() {
    let app = spawn().await;
    let id = app
        .create(json!({"email": "keep@example.com", "firstname": "Kept"}))
        .await;
    let reader = private_app(
        &app,
        &["crm.objects.contacts.read", "crm.schemas.contacts.read"],
    )
    .await;
    for (method, path, body, scope) in writes(&id) {
        let reply = send(&app, &reader, method.clone(), &path, &body).await;
        assert_eq!(
            reply.error(StatusCode::FORBIDDEN),
            missing(scope),
            "{method} {path}"
        );
    }
    for (method, path, body, scope) in v1_writes(&id) {
        let reply = send(&app, &reader, method.clone(), &path, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            reply.text
        );
        let mut got = reply.json();
        assert_eq!(got["requestId"], got["correlationId"]);
        got["correlationId"] = "<correlationId>".into();
        got.as_object_mut().unwrap().remove("requestId");
        assert_eq!(got, missing(scope), "{method} {path}");
    }
    // Nothing was written.
    let kept = app
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=firstname"
        ))
        .await;
    assert_eq!(kept.json()["properties"]["firstname"], "Kept");
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.json()["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get("/crm/v3/properties/contacts/firstname")
            .await
            .status,
        StatusCode::OK
    );

    // Reads are allowed.
    for path in [
        format!("/crm/v3/objects/contacts/{id}"),
        "/crm/v3/objects/contacts".to_string(),
        "/crm/v3/properties/contacts".to_string(),
        format!("/contacts/v1/contact/vid/{id}/profile"),
        "/properties/v1/contacts/properties".to_string(),
    ] {
        let reply = app.send_as(Some(&reader), Method::GET, &path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    }
    for path in [
        "/crm/v3/objects/contacts/search",
        "/crm/v3/objects/contacts/batch/read",
    ] {
        let body = if path.ends_with("search") {
            json!({})
        } else {
            json!({"inputs": [{"id": id}]})
        };
        let reply = app
            .send_as(Some(&reader), Method::POST, path, Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    }
}

#[tokio::test]
async fn each_api_asks_for_its_own_scope() {
    let app = spawn().await;
    let writer = private_app(&app, &["crm.objects.contacts.write"]).await;
    // Write does not imply read, as in HubSpot's specs.
    let reply = app
        .send_as(Some(&writer), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(
        reply.error(StatusCode::FORBIDDEN),
        missing("crm.objects.contacts.read")
    );
    // Property definitions are readable with any contacts scope.
    let reply = app
        .send_as(
            Some(&writer),
            Method::GET,
            "/crm/v3/properties/contacts/email",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let created = app
        .send_as(
            Some(&writer),
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {"email": "w@example.com"}})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);

    let lists_only = private_app(&app, &["crm.lists.read"]).await;
    let reply = app
        .send_as(
            Some(&lists_only),
            Method::GET,
            "/crm/v3/properties/contacts",
            None,
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::FORBIDDEN),
        missing("crm.schemas.contacts.read")
    );
    // Account details need no particular scope.
    let reply = app
        .send_as(
            Some(&lists_only),
            Method::GET,
            "/account-info/v3/details",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    // The legacy `contacts` scope opens the contacts and properties APIs.
    let legacy = private_app(&app, &["contacts"]).await;
    for (method, path, body) in [
        (Method::GET, "/contacts/v1/lists/all/contacts/all", None),
        (Method::GET, "/crm/v3/objects/contacts", None),
        (
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {"email": "l@example.com"}})),
        ),
        (Method::GET, "/properties/v1/contacts/properties", None),
    ] {
        let reply = app.send_as(Some(&legacy), method.clone(), path, body).await;
        assert!(reply.status.is_success(), "{method} {path}: {}", reply.text);
    }
}

#[tokio::test]
async fn unknown_paths_still_answer_404_not_401() {
    let app = spawn().await;
    let reply = app
        .send_as(None, Method::GET, "/crm/v3/objects/widgets", None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}
