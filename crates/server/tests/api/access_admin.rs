//! The sandbox admin API (`/_spoke/v1`): portals, private apps, API keys,
//! public apps and limits, with their exact shapes, and its refusals.

use crate::helpers::{spawn, ADMIN_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn the_admin_api_needs_the_admin_token() {
    let app = spawn().await;
    let cases = [
        (None, "The sandbox admin API needs the admin token"),
        (
            Some("wrong-admin-token-000000"),
            "The admin token is not valid",
        ),
        // A portal's own token is not the admin's.
        (Some(app.token.as_str()), "The admin token is not valid"),
    ];
    for (token, message) in cases {
        let reply = app
            .send_as(token, Method::GET, "/_spoke/v1/portals", None)
            .await;
        let body = reply.error(StatusCode::UNAUTHORIZED);
        assert_eq!(body["category"], "INVALID_AUTHENTICATION", "{body}");
        assert!(
            body["message"].as_str().unwrap().starts_with(message),
            "{body}"
        );
    }
    // The admin token is not a portal credential either.
    let reply = app
        .send_as(
            Some(ADMIN_TOKEN),
            Method::GET,
            "/crm/v3/objects/contacts",
            None,
        )
        .await;
    reply.error(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn portals_are_created_listed_shown_and_deleted() {
    let app = spawn().await;
    let created = app
        .admin(
            Method::POST,
            "/_spoke/v1/portals",
            Some(json!({"name": "Acme test", "tier": "professional"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    assert_eq!(keys(&body), ["accessToken", "name", "portalId", "tier"]);
    assert_eq!(body["name"], "Acme test");
    assert_eq!(body["tier"], "professional");
    let id = body["portalId"].as_i64().unwrap();
    let token = body["accessToken"].as_str().unwrap().to_string();
    assert!(token.starts_with("pat-na1-"), "{token}");

    // The new portal is empty, has HubSpot's standard properties, and its
    // token holds every scope.
    let contacts = app
        .send_as(Some(&token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(contacts.json()["results"], json!([]));
    let email = app
        .send_as(
            Some(&token),
            Method::GET,
            "/crm/v3/properties/contacts/email",
            None,
        )
        .await;
    assert_eq!(email.status, StatusCode::OK);
    let write = app
        .send_as(
            Some(&token),
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {"email": "a@acme.example"}})),
        )
        .await;
    assert_eq!(write.status, StatusCode::CREATED, "{}", write.text);

    // Without a body: a generated name and the free tier.
    let plain = app.admin(Method::POST, "/_spoke/v1/portals", None).await;
    assert_eq!(plain.status, StatusCode::CREATED);
    let plain = plain.json();
    assert_eq!(plain["name"], format!("Portal {}", plain["portalId"]));
    assert_eq!(plain["tier"], "free");

    let list = app
        .admin(Method::GET, "/_spoke/v1/portals", None)
        .await
        .json();
    let results = list["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(
        keys(&results[0]),
        ["createdAt", "isDefault", "name", "portalId", "tier"]
    );
    assert_eq!(results[0]["portalId"], app.portal.0);
    assert_eq!(results[0]["isDefault"], true);
    assert_eq!(results[1]["portalId"], id);
    assert!(results.iter().all(|p| p.get("accessToken").is_none()));

    let shown = app
        .admin(Method::GET, &format!("/_spoke/v1/portals/{id}"), None)
        .await;
    assert_eq!(shown.json(), results[1]);

    let deleted = app
        .admin(Method::DELETE, &format!("/_spoke/v1/portals/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(deleted.text, "");
    let gone = app
        .send_as(Some(&token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    gone.error(StatusCode::UNAUTHORIZED);
    for method in [Method::GET, Method::DELETE] {
        let missing = app
            .admin(method, &format!("/_spoke/v1/portals/{id}"), None)
            .await;
        let body = missing.error(StatusCode::NOT_FOUND);
        assert_eq!(body["message"], format!("Portal {id} does not exist."));
    }
    // The default portal is untouched.
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn bad_admin_bodies_get_400_with_the_field() {
    let app = spawn().await;
    let cases = [
        (
            "/_spoke/v1/portals",
            json!({"tier": "gold"}),
            "tier must be one of free, starter, professional, enterprise; not \"gold\".",
        ),
        (
            "/_spoke/v1/portals",
            json!({"name": "  "}),
            "name must not be empty.",
        ),
        (
            "/_spoke/v1/portals",
            json!({"nmae": "typo"}),
            "unknown field `nmae`",
        ),
        (
            "/_spoke/v1/portals/1/private-apps",
            json!({"name": "x"}),
            "scopes is required",
        ),
        (
            "/_spoke/v1/portals/1/private-apps",
            json!({"scopes": ["Not A Scope"]}),
            "\"Not A Scope\" is not a scope",
        ),
        (
            "/_spoke/v1/portals/1/private-apps",
            json!({"scopes": []}),
            "A private app needs at least one scope.",
        ),
        (
            "/_spoke/v1/apps",
            json!({"scopes": ["oauth"]}),
            "An OAuth app needs at least one redirect URL.",
        ),
        (
            "/_spoke/v1/apps",
            json!({"scopes": ["oauth"], "redirectUris": ["/relative"]}),
            "\"/relative\" is not a redirect URL",
        ),
        (
            "/_spoke/v1/apps",
            json!({"redirectUris": ["http://localhost/cb"]}),
            "An OAuth app needs at least one required scope.",
        ),
        (
            "/_spoke/v1/apps",
            json!({"scopes": ["oauth"], "redirectUris": ["http://localhost/cb"], "accessTokenTtlSeconds": 0}),
            "accessTokenTtlSeconds must be between 1 and 86400, not 0.",
        ),
    ];
    for (path, body, message) in cases {
        let reply = app.admin(Method::POST, path, Some(body.clone())).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["category"], "VALIDATION_ERROR");
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{body}: {error}"
        );
    }
    let reply = app.admin(Method::GET, "/_spoke/v1/portals/abc", None).await;
    assert!(reply.error(StatusCode::BAD_REQUEST)["message"]
        .as_str()
        .unwrap()
        .contains("\"abc\" is not a portal id"));
    let reply = app
        .admin(
            Method::POST,
            "/_spoke/v1/portals/424242/private-apps",
            Some(json!({"scopes": ["oauth"]})),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::NOT_FOUND)["message"],
        "Portal 424242 does not exist."
    );
}

#[tokio::test]
async fn private_apps_hold_their_scopes_until_deleted() {
    let app = spawn().await;
    let portal = app.portal.0;
    let created = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{portal}/private-apps"),
            Some(json!({"name": "Reader", "scopes": ["crm.objects.contacts.read", "oauth"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    assert_eq!(keys(&body), ["accessToken", "appId", "scopes"]);
    assert_eq!(
        body["scopes"],
        json!(["crm.objects.contacts.read", "oauth"])
    );
    let token = body["accessToken"].as_str().unwrap().to_string();
    let app_id = body["appId"].as_i64().unwrap();
    let read = app
        .send_as(Some(&token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(read.status, StatusCode::OK);

    let deleted = app
        .admin(
            Method::DELETE,
            &format!("/_spoke/v1/portals/{portal}/private-apps/{app_id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = app
        .send_as(Some(&token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    after.error(StatusCode::UNAUTHORIZED);
    let again = app
        .admin(
            Method::DELETE,
            &format!("/_spoke/v1/portals/{portal}/private-apps/{app_id}"),
            None,
        )
        .await;
    assert_eq!(
        again.error(StatusCode::NOT_FOUND)["message"],
        format!("Portal {portal} has no private app {app_id}.")
    );
}

#[tokio::test]
async fn an_api_key_works_as_hapikey_on_v1_and_v3_until_rotated() {
    let app = spawn().await;
    let id = app.create(json!({"email": "key@example.com"})).await;
    let path = format!("/_spoke/v1/portals/{}/api-key", app.portal.0);
    let first = app.admin(Method::PUT, &path, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let first = first.json();
    assert_eq!(keys(&first), ["apiKey"]);
    let key = first["apiKey"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 36);
    for path in [
        format!("/crm/v3/objects/contacts/{id}"),
        "/crm/v3/properties/contacts/email".to_string(),
        format!("/contacts/v1/contact/vid/{id}/profile"),
        "/properties/v1/contacts/properties/named/email".to_string(),
        "/integrations/v1/limit/daily".to_string(),
    ] {
        let reply = app
            .send_as(None, Method::GET, &format!("{path}?hapikey={key}"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    }
    // A write with the key.
    let created = app
        .send_as(
            None,
            Method::POST,
            &format!("/crm/v3/objects/contacts?hapikey={key}"),
            Some(json!({"properties": {"email": "viakey@example.com"}})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);

    let second = app.admin(Method::PUT, &path, None).await.json();
    let rotated = second["apiKey"].as_str().unwrap();
    assert_ne!(rotated, key);
    let old = app
        .send_as(
            None,
            Method::GET,
            &format!("/crm/v3/objects/contacts?hapikey={key}"),
            None,
        )
        .await;
    let body = old.error(StatusCode::UNAUTHORIZED);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("The API key provided is invalid."));
    // On v1 paths the refusal takes the v1 shape.
    let old_v1 = app
        .send_as(
            None,
            Method::GET,
            &format!("/contacts/v1/contact/vid/{id}/profile?hapikey={key}"),
            None,
        )
        .await;
    old_v1.v1_error(StatusCode::UNAUTHORIZED);
    // A key is not a bearer token, nor a token a key.
    let as_bearer = app
        .send_as(Some(rotated), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    as_bearer.error(StatusCode::UNAUTHORIZED);
    let token_as_key = app
        .send_as(
            None,
            Method::GET,
            &format!("/crm/v3/objects/contacts?hapikey={}", app.token),
            None,
        )
        .await;
    token_as_key.error(StatusCode::UNAUTHORIZED);

    let deleted = app.admin(Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = app
        .send_as(
            None,
            Method::GET,
            &format!("/crm/v3/objects/contacts?hapikey={rotated}"),
            None,
        )
        .await;
    after.error(StatusCode::UNAUTHORIZED);
    let again = app.admin(Method::DELETE, &path, None).await;
    assert_eq!(
        again.error(StatusCode::NOT_FOUND)["message"],
        format!("Portal {} has no API key.", app.portal.0)
    );
}

#[tokio::test]
async fn public_apps_are_created_with_their_secrets_once() {
    let app = spawn().await;
    let created = app
        .admin(
            Method::POST,
            "/_spoke/v1/apps",
            Some(json!({
                "name": "Connector",
                "redirectUris": ["http://localhost:3000/callback"],
                "scopes": ["crm.objects.contacts.read", "oauth"],
                "optionalScopes": ["crm.objects.contacts.write"],
                "accessTokenTtlSeconds": 600
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    assert_eq!(
        keys(&body),
        ["appId", "clientId", "clientSecret", "developerApiKey"]
    );
    for key in ["clientId", "clientSecret", "developerApiKey"] {
        assert_eq!(body[key].as_str().unwrap().len(), 36, "{key}");
    }
    assert!(body["appId"].as_i64().unwrap() > 0);
    // The developer API key is stored only as its digest. The client
    // secret is kept too: webhooks are signed with it, as at HubSpot.
    assert!(app
        .stored_in_clear(body["developerApiKey"].as_str().unwrap())
        .await
        .is_empty());
}

#[tokio::test]
async fn limits_are_set_and_shown_in_force() {
    let app = spawn().await;
    let path = format!("/_spoke/v1/portals/{}/limits", app.portal.0);
    let shown = app.admin(Method::GET, &path, None).await;
    assert_eq!(
        shown.json(),
        json!({"mode": "off", "tenSecondly": null, "daily": null, "searchPerSecond": null})
    );
    let hubspot = app
        .admin(Method::PUT, &path, Some(json!({"mode": "hubspot"})))
        .await;
    assert_eq!(
        hubspot.json(),
        json!({"mode": "hubspot", "tenSecondly": 100, "daily": 250000, "searchPerSecond": 5})
    );
    let custom = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"mode": "custom", "tenSecondly": 7})),
        )
        .await;
    assert_eq!(
        custom.json(),
        json!({"mode": "custom", "tenSecondly": 7, "daily": 250000, "searchPerSecond": 5})
    );
    assert_eq!(
        app.admin(Method::GET, &path, None).await.json(),
        custom.json()
    );
    for (body, message) in [
        (
            json!({"mode": "fast"}),
            "mode must be off, hubspot or custom; not \"fast\".",
        ),
        (
            json!({"mode": "hubspot", "daily": 5}),
            "daily applies only to mode \"custom\"",
        ),
        (
            json!({"mode": "custom", "tenSecondly": 0}),
            "tenSecondly must be between 1 and",
        ),
        (json!({"tenSecondly": 5}), "missing field `mode`"),
    ] {
        let reply = app.admin(Method::PUT, &path, Some(body.clone())).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{body}: {error}"
        );
    }
    let missing = app
        .admin(
            Method::PUT,
            "/_spoke/v1/portals/424242/limits",
            Some(json!({"mode": "off"})),
        )
        .await;
    missing.error(StatusCode::NOT_FOUND);
}
