use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_missing_token_is_401_with_hubspots_message() {
    let app = spawn().await;
    let reply = app
        .send_as(None, Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(
        reply.error(StatusCode::UNAUTHORIZED),
        json!({
            "status": "error",
            "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "correlationId": "<correlationId>",
            "category": "INVALID_AUTHENTICATION"
        })
    );
}

#[tokio::test]
async fn an_unknown_token_is_401() {
    let app = spawn().await;
    let reply = app
        .send_as(
            Some("pat-na1-not-a-real-token"),
            Method::GET,
            "/crm/v3/objects/contacts/1",
            None,
        )
        .await;
    let body = reply.error(StatusCode::UNAUTHORIZED);
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
}

#[tokio::test]
async fn a_malformed_authorization_header_is_401() {
    let app = spawn().await;
    let reply = app
        .client
        .get(app.url("/crm/v3/objects/contacts"))
        .header("authorization", format!("Basic {}", app.token))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(
        body["message"],
        "The Authorization header must have the form 'Bearer <access token>'."
    );
}

#[tokio::test]
async fn a_token_sees_only_its_own_portal() {
    let app = spawn().await;
    let id = app.create(json!({"email": "mine@example.com"})).await;
    let other = app.second_portal().await;
    let path = format!("/crm/v3/objects/contacts/{id}");
    let reply = app.send_as(Some(&other), Method::GET, &path, None).await;
    reply.error(StatusCode::NOT_FOUND);
    let reply = app
        .send_as(Some(&other), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(reply.json()["results"], json!([]));
    let reply = app
        .send_as(
            Some(&other),
            Method::GET,
            "/crm/v3/objects/contacts/mine@example.com?idProperty=email",
            None,
        )
        .await;
    reply.error(StatusCode::NOT_FOUND);
    let reply = app
        .send_as(
            Some(&other),
            Method::PATCH,
            &path,
            Some(json!({"properties": {"firstname": "x"}})),
        )
        .await;
    reply.error(StatusCode::NOT_FOUND);
    let reply = app.send_as(Some(&other), Method::DELETE, &path, None).await;
    reply.error(StatusCode::NOT_FOUND);
    // The other portal has its own id sequence and its own email namespace.
    let reply = app
        .send_as(
            Some(&other),
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {"email": "mine@example.com"}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["id"], "1");
    // And the first portal's contact is untouched.
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
}
