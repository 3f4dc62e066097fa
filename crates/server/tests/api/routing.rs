use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_trailing_slash_routes_the_same() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts/",
            json!({"properties": {"firstname": "S"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let id = reply.json()["id"].as_str().unwrap().to_string();
    for path in [
        format!("/crm/v3/objects/contacts/{id}/"),
        format!("/crm/objects/2026-03/contacts/{id}/"),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::OK, "{path}");
    }
    let list = app.get("/crm/v3/objects/contacts/?limit=1").await;
    assert_eq!(list.json()["results"][0]["id"], id);
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = spawn().await;
    let reply = app.get("/crm/v3/contactz").await;
    assert_eq!(
        reply.error(StatusCode::NOT_FOUND),
        json!({
            "status": "error",
            "message": "resource not found: no route for GET /crm/v3/contactz",
            "correlationId": "<correlationId>",
            "category": "OBJECT_NOT_FOUND"
        })
    );
}

#[tokio::test]
async fn a_hubspot_api_spoke_does_not_serve_says_so() {
    let app = spawn().await;
    for (path, api) in [
        ("/crm/v3/objects/companies/12", "companies"),
        ("/crm/v3/objects/widgets", "CRM objects other than contacts"),
        (
            "/crm/v4/associations/contacts/companies/batch/read",
            "associations",
        ),
        ("/crm/v3/owners", "owners"),
    ] {
        let reply = app.get(path).await;
        let body = reply.error(StatusCode::NOT_FOUND);
        assert_eq!(body["category"], "OBJECT_NOT_FOUND");
        assert_eq!(
            body["message"],
            format!(
                "Spoke does not implement this HubSpot API ({api}): GET {path}. It serves contacts (v3, 2026-03 and v1), properties, lists, imports, exports, webhooks, OAuth and account details."
            )
        );
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = spawn().await;
    let reply = app
        .send(Method::PUT, "/crm/v3/objects/contacts/1", None)
        .await;
    assert_eq!(
        reply.error(StatusCode::METHOD_NOT_ALLOWED),
        json!({
            "status": "error",
            "message": "HTTP method PUT is not supported by /crm/v3/objects/contacts/1",
            "correlationId": "<correlationId>",
            "category": "VALIDATION_ERROR"
        })
    );
}

#[tokio::test]
async fn every_response_carries_a_correlation_id_header() {
    let app = spawn().await;
    let ok = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.correlation_header.map(|h| h.len()), Some(36));
}

#[tokio::test]
async fn the_openapi_document_holds_what_spoke_serves() {
    let app = spawn().await;
    let reply = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let doc: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.0.1");
    assert_eq!(doc["servers"][0]["url"], "/");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths["/crm/v3/objects/contacts"]["post"].is_object());
    assert!(paths["/crm/v3/lists"]["post"].is_object());
    assert!(
        !paths.keys().any(|p| p.starts_with("/crm/v4/associations")),
        "only what is served"
    );
    // Every reference resolves inside the document.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/").skip(1) {
        let reference = reference.split('"').next().unwrap();
        let (kind, name) = reference.split_once('/').unwrap();
        assert!(
            doc["components"][kind][name].is_object(),
            "#/components/{reference} is missing"
        );
    }
}
