//! `GET`/`DELETE /_spoke/v1/portals/{portalId}/requests`: the calls a
//! portal received, with their answers, secrets masked.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn the_journal_shows_each_call_and_hides_secrets() {
    let app = spawn().await;
    let path = format!("/_spoke/v1/portals/{}/requests", app.portal.0);
    let journal = |query: &str| {
        let app = &app;
        let path = format!("{path}{query}");
        async move {
            let reply = app.admin(Method::GET, &path, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply.json()["results"].as_array().unwrap().clone()
        }
    };
    assert!(journal("").await.is_empty());
    let created = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "journal@x.io"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let missing = app.get("/crm/v3/objects/contacts/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let key = app
        .admin(
            Method::PUT,
            &format!("/_spoke/v1/portals/{}/api-key", app.portal.0),
            None,
        )
        .await
        .json()["apiKey"]
        .as_str()
        .unwrap()
        .to_string();
    let by_key = app
        .send_as(
            None,
            Method::GET,
            &format!("/contacts/v1/lists/all/contacts/all?count=1&hapikey={key}"),
            None,
        )
        .await;
    assert_eq!(by_key.status, StatusCode::OK, "{}", by_key.text);

    let all = journal("").await;
    assert_eq!(all.len(), 3, "{all:?}");
    // Newest first, each with its answer.
    assert_eq!(
        all[0]["path"],
        "/contacts/v1/lists/all/contacts/all?count=1&hapikey=***"
    );
    assert_eq!(all[0]["credential"], "api_key");
    assert_eq!(all[1]["status"], 404);
    assert_eq!(
        all[1]["correlationId"],
        missing.correlation_header.clone().unwrap().as_str()
    );
    let create = &all[2];
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/crm/v3/objects/contacts");
    assert_eq!(create["status"], 201);
    assert!(create["credential"]
        .as_str()
        .unwrap()
        .starts_with("private_app:"));
    assert!(create["requestBody"]
        .as_str()
        .unwrap()
        .contains("journal@x.io"));
    assert!(create["responseBody"]
        .as_str()
        .unwrap()
        .contains("journal@x.io"));
    assert!(create["latencyMs"].is_u64());
    assert!(create["at"].as_str().unwrap().ends_with('Z'));
    let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    // No secret anywhere.
    let text = Value::Array(all.clone()).to_string();
    assert!(!text.contains(&key), "the API key leaked: {text}");
    assert!(!text.contains(crate::helpers::TOKEN), "the token leaked");

    // Filters.
    assert_eq!(journal("?status=404").await.len(), 1);
    assert_eq!(journal("?path=/contacts/v1").await.len(), 1);
    let id = missing.correlation_header.unwrap();
    assert_eq!(
        journal(&format!("?correlationId={id}")).await[0]["status"],
        404
    );
    assert_eq!(journal(&format!("?after={}", ids[1])).await.len(), 1);
    assert_eq!(journal("?limit=2").await.len(), 2);
    for bad in ["?limit=0", "?limit=5000", "?status=x", "?after=y"] {
        app.admin(Method::GET, &format!("{path}{bad}"), None)
            .await
            .error(StatusCode::BAD_REQUEST);
    }

    // An injected fault is a call too.
    app.admin(
        Method::PUT,
        &format!("/_spoke/v1/portals/{}/faults", app.portal.0),
        Some(json!({"rules": [{"status": 503, "count": 1}]})),
    )
    .await;
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(journal("?limit=1").await[0]["status"], 503);

    let cleared = app.admin(Method::DELETE, &path, None).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert!(journal("").await.is_empty());
    app.admin(Method::GET, "/_spoke/v1/portals/987654/requests", None)
        .await
        .error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn with_the_journal_off_no_call_is_kept() {
    let app = crate::helpers::spawn_with(|config| config.request_journal = false).await;
    app.post(
        "/crm/v3/objects/contacts",
        json!({"properties": {"email": "unjournaled@x.io"}}),
    )
    .await;
    let kept = app
        .admin(
            Method::GET,
            &format!("/_spoke/v1/portals/{}/requests", app.portal.0),
            None,
        )
        .await
        .json();
    assert_eq!(kept["results"], json!([]));
}

#[tokio::test]
async fn calls_older_than_the_retention_are_pruned() {
    use spoke_domain::time::Timestamp;
    let app = spawn().await;
    app.get("/crm/v3/objects/contacts").await;
    let path = format!("/_spoke/v1/portals/{}/requests", app.portal.0);
    let mut listed = serde_json::Value::Null;
    for _ in 0..100 {
        listed = app.admin(Method::GET, &path, None).await.json();
        if !listed["results"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(listed["results"].as_array().unwrap().len(), 1, "{listed}");
    let hour_ago = Timestamp::from_stored(Timestamp::now().millis() - 3_600_000);
    assert_eq!(app.store.prune_journal(hour_ago).await.unwrap(), 0);
    let later = Timestamp::from_stored(Timestamp::now().millis() + 1_000);
    assert!(app.store.prune_journal(later).await.unwrap() >= 1);
    let listed = app.admin(Method::GET, &path, None).await.json();
    assert_eq!(listed["results"], serde_json::json!([]));
}
