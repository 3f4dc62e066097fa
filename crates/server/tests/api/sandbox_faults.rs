//! `/_spoke/v1/portals/{portalId}/faults`: HubSpot's transient errors,
//! latency and search lag on purpose, and nothing written by a call an
//! injected error answered.

use crate::helpers::{spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn set(app: &TestApp, faults: Value) -> Value {
    let reply = app
        .admin(
            Method::PUT,
            &format!("/_spoke/v1/portals/{}/faults", app.portal.0),
            Some(faults),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

async fn shown(app: &TestApp) -> Value {
    app.admin(
        Method::GET,
        &format!("/_spoke/v1/portals/{}/faults", app.portal.0),
        None,
    )
    .await
    .json()
}

#[tokio::test]
async fn each_fault_kind_answers_with_hubspots_body_and_writes_nothing() {
    let app = spawn().await;
    assert_eq!(shown(&app).await, json!({"rules": [], "searchLagMs": 0}));
    // Two reads fail with 503, then the rule is spent.
    let answer = set(
        &app,
        json!({"rules": [{"method": "GET", "path": "/crm/v3/objects/contacts*", "status": 503, "count": 2}]}),
    )
    .await;
    assert_eq!(
        answer,
        json!({"rules": [{"method": "GET", "path": "/crm/v3/objects/contacts*", "status": 503, "rate": 1.0, "latencyMs": 0, "count": 2}], "searchLagMs": 0})
    );
    for _ in 0..2 {
        let body = app
            .get("/crm/v3/objects/contacts")
            .await
            .error(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["category"], "SERVICE_UNAVAILABLE");
        assert!(body["message"].as_str().unwrap().contains("injected"));
    }
    assert_eq!(shown(&app).await["rules"], json!([]));
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );

    // A write answered with an injected error wrote nothing.
    set(&app, json!({"rules": [{"method": "POST", "status": 500}]})).await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "never@faults.io"}}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::INTERNAL_SERVER_ERROR)["category"],
        "INTERNAL_ERROR"
    );
    // Reads are not chosen by a POST rule.
    let listed = app.get("/crm/v3/objects/contacts").await.json();
    assert_eq!(listed["results"], json!([]));

    // Every kind, in each family's shape.
    for (status, category) in [
        (502, "SERVICE_UNAVAILABLE"),
        (504, "SERVICE_UNAVAILABLE"),
        (423, "LOCKED"),
    ] {
        set(
            &app,
            json!({"rules": [{"path": "/crm/v3/*", "status": status}]}),
        )
        .await;
        let body = app
            .get("/crm/v3/objects/contacts")
            .await
            .error(StatusCode::from_u16(status).unwrap());
        assert_eq!(body["category"], category);
    }
    set(&app, json!({"rules": [{"status": 429}]})).await;
    let reply = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let body = reply.json();
    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    assert_eq!(
        body["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    set(
        &app,
        json!({"rules": [{"path": "/contacts/v1/*", "status": 503}]}),
    )
    .await;
    let body = app
        .get("/contacts/v1/lists/all/contacts/all")
        .await
        .v1_error(StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["message"].as_str().unwrap().contains("injected"));

    // Latency alone: the call waits, then runs.
    set(&app, json!({"rules": [{"latencyMs": 300}]})).await;
    let started = Instant::now();
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(300));

    // A rate hits about that share.
    set(&app, json!({"rules": [{"status": 503, "rate": 0.5}]})).await;
    let mut hit = 0;
    for _ in 0..200 {
        if app.get("/crm/v3/objects/contacts").await.status == StatusCode::SERVICE_UNAVAILABLE {
            hit += 1;
        }
    }
    assert!((50..150).contains(&hit), "{hit} of 200");

    // Cleared.
    let cleared = app
        .admin(
            Method::DELETE,
            &format!("/_spoke/v1/portals/{}/faults", app.portal.0),
            None,
        )
        .await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert_eq!(shown(&app).await, json!({"rules": [], "searchLagMs": 0}));
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_search_lag_hides_fresh_writes_from_search_only() {
    let app = spawn().await;
    set(&app, json!({"searchLagMs": 1500})).await;
    let id = app
        .create(json!({"email": "lag@faults.io", "firstname": "Lagging"}))
        .await;
    let search = json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": "lag@faults.io"}]}]});
    let found = app
        .post("/crm/v3/objects/contacts/search", search.clone())
        .await
        .json();
    assert_eq!(found["total"], 0, "{found}");
    let everything = app
        .post("/crm/v3/objects/contacts/search", json!({}))
        .await
        .json();
    assert_eq!(everything["total"], 0, "{everything}");
    let v1 = app.get("/contacts/v1/search/query?q=lagging").await.json();
    assert_eq!(v1["total"], 0, "{v1}");
    // Reads by id see it at once.
    assert_eq!(
        app.get(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let found = app
        .post("/crm/v3/objects/contacts/search", search)
        .await
        .json();
    assert_eq!(found["total"], 1, "{found}");
    let v1 = app.get("/contacts/v1/search/query?q=lagging").await.json();
    assert_eq!(v1["total"], 1, "{v1}");
}

#[tokio::test]
async fn bad_fault_bodies_and_portals_are_refused() {
    let app = spawn().await;
    let path = format!("/_spoke/v1/portals/{}/faults", app.portal.0);
    for (body, field) in [
        (json!({"rules": [{"status": 418}]}), "rules[0].status"),
        (
            json!({"rules": [{"status": 503, "rate": 2}]}),
            "rules[0].rate",
        ),
        (json!({"rules": [{"method": "GET"}]}), "rules[0]"),
        (json!({"searchLagMs": "soon"}), "searchLagMs"),
        (json!({"rule": []}), "rule"),
    ] {
        let reply = app.admin(Method::PUT, &path, Some(body.clone())).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["errors"][0]["in"], field, "{body}: {error}");
    }
    // Nothing was set by the refused bodies.
    assert_eq!(shown(&app).await, json!({"rules": [], "searchLagMs": 0}));
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let body = (method == Method::PUT).then(|| json!({}));
        let reply = app
            .admin(method, "/_spoke/v1/portals/987654/faults", body)
            .await;
        assert_eq!(
            reply.error(StatusCode::NOT_FOUND)["message"],
            "Portal 987654 does not exist."
        );
    }
    app.send_as(None, Method::GET, &path, None)
        .await
        .error(StatusCode::UNAUTHORIZED);
}
