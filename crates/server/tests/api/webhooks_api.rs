//! The webhooks v3 management API: settings and subscriptions with the
//! app's developer API key, HubSpot's shapes, status codes and 400s.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A public app, installed in the default portal.
pub struct HookApp {
    pub id: i64,
    pub secret: String,
    pub key: String,
}

pub async fn hook_app(app: &TestApp) -> HookApp {
    let reply = app
        .admin(
            Method::POST,
            "/_spoke/v1/apps",
            Some(json!({
                "name": "Hooks",
                "redirectUris": ["http://localhost:3000/callback"],
                "scopes": ["crm.objects.contacts.read", "oauth"]
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.json();
    let installed = app
        .admin(
            Method::POST,
            "/_spoke/v1/oauth/authorize",
            Some(json!({
                "clientId": body["clientId"],
                "portalId": app.portal.0,
                "redirectUri": "http://localhost:3000/callback"
            })),
        )
        .await;
    assert_eq!(installed.status, StatusCode::OK, "{}", installed.text);
    HookApp {
        id: body["appId"].as_i64().unwrap(),
        secret: body["clientSecret"].as_str().unwrap().into(),
        key: body["developerApiKey"].as_str().unwrap().into(),
    }
}

impl HookApp {
    pub fn path(&self, rest: &str) -> String {
        format!("/webhooks/v3/{}{rest}?hapikey={}", self.id, self.key)
    }

    pub async fn call(
        &self,
        app: &TestApp,
        method: Method,
        rest: &str,
        body: Option<Value>,
    ) -> Reply {
        app.send_as(None, method, &self.path(rest), body).await
    }

    pub async fn configure(&self, app: &TestApp, url: &str, max: i64) {
        let reply = self
            .call(
                app,
                Method::PUT,
                "/settings",
                Some(json!({"targetUrl": url, "throttling": {"maxConcurrentRequests": max, "period": "SECONDLY"}})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    pub async fn subscribe(
        &self,
        app: &TestApp,
        event_type: &str,
        property: Option<&str>,
    ) -> String {
        let mut body = json!({"eventType": event_type, "active": true});
        if let Some(property) = property {
            body["propertyName"] = json!(property);
        }
        let reply = self
            .call(app, Method::POST, "/subscriptions", Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()["id"].as_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn settings_are_put_read_and_deleted() {
    let app = spawn().await;
    let hooks = hook_app(&app).await;
    let missing = hooks.call(&app, Method::GET, "/settings", None).await;
    assert_eq!(
        missing.error(StatusCode::NOT_FOUND)["category"],
        "OBJECT_NOT_FOUND"
    );

    let put = hooks
        .call(
            &app,
            Method::PUT,
            "/settings",
            Some(json!({"targetUrl": "http://localhost:9/hook", "throttling": {"maxConcurrentRequests": 10, "period": "SECONDLY"}})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let body = put.json();
    assert_eq!(body["targetUrl"], "http://localhost:9/hook");
    assert_eq!(
        body["throttling"],
        json!({"maxConcurrentRequests": 10, "period": "SECONDLY"})
    );
    assert!(is_iso_millis(body["createdAt"].as_str().unwrap()));

    let read = hooks.call(&app, Method::GET, "/settings", None).await;
    assert_eq!(read.json()["targetUrl"], "http://localhost:9/hook");

    let deleted = hooks.call(&app, Method::DELETE, "/settings", None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.text.is_empty());
    let gone = hooks.call(&app, Method::GET, "/settings", None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_developer_key_must_open_the_app() {
    let app = spawn().await;
    let hooks = hook_app(&app).await;
    let other = hook_app(&app).await;

    let none = app
        .send_as(
            None,
            Method::GET,
            &format!("/webhooks/v3/{}/subscriptions", hooks.id),
            None,
        )
        .await;
    assert_eq!(
        none.error(StatusCode::UNAUTHORIZED)["category"],
        "INVALID_AUTHENTICATION"
    );
    let wrong = app
        .send_as(
            None,
            Method::GET,
            &format!("/webhooks/v3/{}/subscriptions?hapikey=not-a-key", hooks.id),
            None,
        )
        .await;
    let body = wrong.error(StatusCode::UNAUTHORIZED);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("API key provided is invalid"));
    // Another app's key does not open this app; an unknown app is not found.
    let foreign = app
        .send_as(
            None,
            Method::GET,
            &format!(
                "/webhooks/v3/{}/subscriptions?hapikey={}",
                hooks.id, other.key
            ),
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    let unknown = app
        .send_as(
            None,
            Method::GET,
            &format!("/webhooks/v3/999999999/subscriptions?hapikey={}", hooks.key),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // A portal's private app token is not a developer key.
    let token = app
        .send(
            Method::GET,
            &format!("/webhooks/v3/{}/subscriptions", hooks.id),
            None,
        )
        .await;
    assert_eq!(token.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn subscriptions_are_created_paused_listed_patched_and_deleted() {
    let app = spawn().await;
    let hooks = hook_app(&app).await;
    let created = hooks
        .call(
            &app,
            Method::POST,
            "/subscriptions",
            Some(json!({"eventType": "contact.propertyChange", "propertyName": "email"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    let id = body["id"].as_str().expect("ids are strings").to_string();
    assert_eq!(body["eventType"], "contact.propertyChange");
    assert_eq!(body["propertyName"], "email");
    assert_eq!(body["active"], false, "created paused unless active:true");
    assert!(is_iso_millis(body["createdAt"].as_str().unwrap()));

    let creation = hooks
        .call(
            &app,
            Method::POST,
            "/subscriptions",
            Some(json!({"eventType": "contact.creation", "active": true})),
        )
        .await
        .json();
    assert_eq!(creation["active"], true);
    assert!(creation.get("propertyName").is_none());

    let list = hooks
        .call(&app, Method::GET, "/subscriptions", None)
        .await
        .json();
    let ids: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), creation["id"].as_str().unwrap()]);

    let patched = hooks
        .call(
            &app,
            Method::PATCH,
            &format!("/subscriptions/{id}"),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.json()["active"], true);
    let shown = hooks
        .call(&app, Method::GET, &format!("/subscriptions/{id}"), None)
        .await;
    assert_eq!(shown.json()["active"], true);

    let deleted = hooks
        .call(&app, Method::DELETE, &format!("/subscriptions/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = hooks
        .call(&app, Method::GET, &format!("/subscriptions/{id}"), None)
        .await;
    assert_eq!(
        again.error(StatusCode::NOT_FOUND)["category"],
        "OBJECT_NOT_FOUND"
    );
    let gone = hooks
        .call(&app, Method::DELETE, &format!("/subscriptions/{id}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn batch_update_reports_missing_ids_with_207() {
    let app = spawn().await;
    let hooks = hook_app(&app).await;
    let id = hooks.subscribe(&app, "contact.deletion", None).await;
    let all_found = hooks
        .call(
            &app,
            Method::POST,
            "/subscriptions/batch/update",
            Some(json!({"inputs": [{"id": id.parse::<i64>().unwrap(), "active": false}]})),
        )
        .await;
    assert_eq!(all_found.status, StatusCode::OK, "{}", all_found.text);
    let body = all_found.json();
    assert_eq!(body["status"], "COMPLETE");
    assert_eq!(body["results"][0]["active"], false);

    let partly = hooks
        .call(
            &app,
            Method::POST,
            "/subscriptions/batch/update",
            Some(json!({"inputs": [{"id": 4567, "active": true}, {"id": id.parse::<i64>().unwrap(), "active": true}]})),
        )
        .await;
    assert_eq!(partly.status, StatusCode::MULTI_STATUS, "{}", partly.text);
    let body = partly.json();
    assert_eq!(body["numErrors"], 1);
    assert_eq!(body["errors"][0]["category"], "SUBSCRIPTION_ID_NOT_FOUND");
    assert_eq!(
        body["errors"][0]["message"],
        "Failed to find subscriptions by id `4567`."
    );
    assert_eq!(body["results"][0]["active"], true);
}

#[tokio::test]
async fn bad_input_gets_hubspots_400() {
    let app = spawn().await;
    let hooks = hook_app(&app).await;
    let cases = [
        (
            "/subscriptions",
            json!({"eventType": "deal.creation"}),
            "eventType",
        ),
        (
            "/subscriptions",
            json!({"eventType": "contact.nonsense"}),
            "eventType",
        ),
        ("/subscriptions", json!({"active": true}), "eventType"),
        (
            "/subscriptions",
            json!({"eventType": "contact.propertyChange"}),
            "propertyName",
        ),
        (
            "/subscriptions",
            json!({"eventType": "contact.propertyChange", "propertyName": "no_such_property"}),
            "does not exist",
        ),
        (
            "/subscriptions",
            json!({"eventType": "contact.propertyChange", "propertyName": "hs_lastmodifieddate"}),
            "cannot be subscribed",
        ),
        (
            "/subscriptions",
            json!({"eventType": "contact.creation", "propertyName": "email"}),
            "only allowed",
        ),
    ];
    for (path, body, expected) in cases {
        let reply = hooks
            .call(&app, Method::POST, path, Some(body.clone()))
            .await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["category"], "VALIDATION_ERROR", "{body}");
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{body}: {error}"
        );
    }
    let settings = [
        (
            json!({"targetUrl": "ftp://example.com/x", "throttling": {"maxConcurrentRequests": 10}}),
            "http or https",
        ),
        (
            json!({"targetUrl": "example.com/x", "throttling": {"maxConcurrentRequests": 10}}),
            "http or https",
        ),
        (
            json!({"targetUrl": "https://example.com/x", "throttling": {"maxConcurrentRequests": 4}}),
            "between 5 and 100",
        ),
        (
            json!({"targetUrl": "https://example.com/x", "throttling": {"maxConcurrentRequests": 101}}),
            "between 5 and 100",
        ),
        (
            json!({"targetUrl": "https://example.com/x", "throttling": {"maxConcurrentRequests": 10, "period": "HOURLY"}}),
            "period",
        ),
        (json!({"targetUrl": "https://example.com/x"}), "throttling"),
        (
            json!({"throttling": {"maxConcurrentRequests": 10}}),
            "targetUrl",
        ),
    ];
    for (body, expected) in settings {
        let reply = hooks
            .call(&app, Method::PUT, "/settings", Some(body.clone()))
            .await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{body}: {error}"
        );
    }
    let bad_json = app
        .client
        .post(app.url(&hooks.path("/subscriptions")))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn custom_properties_of_a_portal_can_be_watched() {
    let app = spawn().await;
    let hooks = hook_app(&app).await;
    let created = app
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "favorite_color", "label": "Favorite color", "type": "string", "fieldType": "text", "groupName": "contactinformation"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    hooks
        .subscribe(&app, "contact.propertyChange", Some("favorite_color"))
        .await;
}

#[tokio::test]
async fn an_app_has_at_most_1000_subscriptions() {
    let app = spawn().await;
    let hooks = hook_app(&app).await;
    for _ in 0..1000 {
        let reply = hooks
            .call(
                &app,
                Method::POST,
                "/subscriptions",
                Some(json!({"eventType": "contact.creation"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let over = hooks
        .call(
            &app,
            Method::POST,
            "/subscriptions",
            Some(json!({"eventType": "contact.creation"})),
        )
        .await;
    let error = over.error(StatusCode::BAD_REQUEST);
    assert!(
        error["message"].as_str().unwrap().contains("1000"),
        "{error}"
    );
}

#[tokio::test]
async fn public_targets_only_refuses_private_addresses() {
    let app = spawn_with(|config| {
        config.workers.targets = spoke::workers::TargetPolicy::PublicOnly;
    })
    .await;
    let hooks = hook_app(&app).await;
    for url in [
        "http://localhost:8080/x",
        "http://127.0.0.1/x",
        "http://10.0.0.8/x",
        "http://[::1]:80/x",
    ] {
        let reply = hooks
            .call(
                &app,
                Method::PUT,
                "/settings",
                Some(json!({"targetUrl": url, "throttling": {"maxConcurrentRequests": 10}})),
            )
            .await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert!(
            error["message"].as_str().unwrap().contains("public"),
            "{url}: {error}"
        );
    }
    hooks.configure(&app, "https://example.com/hook", 10).await;
}
