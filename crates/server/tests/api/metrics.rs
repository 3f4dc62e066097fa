//! `GET /metrics`: Prometheus' text format, requests by route template (no
//! ids) and status, database time, rate-limit rejections and the gauges.
//! The recorder is the process's, shared by every test: counts are checked
//! to be there, not to be exact.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn metrics_count_requests_by_route_and_time_the_database() {
    let app = spawn().await;
    let id = app.create(json!({"email": "metrics@x.io"})).await;
    let reply = app.get(&format!("/crm/v3/objects/contacts/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    assert!(metrics
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    let has = |needle: &str| {
        assert!(
            text.lines()
                .any(|l| l.starts_with(needle) || l.contains(needle)),
            "no {needle} in:\n{text}"
        )
    };
    has(
        r#"spoke_http_requests_total{method="GET",route="/crm/v3/objects/contacts/{contact_id}",status="200"}"#,
    );
    has(
        r#"spoke_http_requests_total{method="POST",route="/crm/v3/objects/contacts",status="201"}"#,
    );
    has("spoke_http_request_duration_seconds_bucket{");
    has(r#"operation="write""#);
    has("spoke_database_seconds_bucket{");
    assert!(
        !text.contains(&format!("/contacts/{id}\"")),
        "ids stay out of the metrics"
    );
}

#[tokio::test]
async fn rate_limit_rejections_and_the_gauges_are_there() {
    let app = spawn().await;
    let reply = app
        .admin(
            Method::PUT,
            &format!("/_spoke/v1/portals/{}/limits", app.portal.0),
            Some(json!({"mode": "custom", "tenSecondly": 1, "daily": 1000})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    app.get("/crm/v3/objects/contacts").await;
    let refused = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        r#"spoke_rate_limit_rejections_total{policy="ten_secondly"}"#,
        "spoke_webhook_queue_depth",
        "spoke_webhook_lag_seconds",
        "spoke_webhook_undispatched_events",
        "spoke_list_evaluation_backlog",
    ] {
        assert!(text.contains(needle), "no {needle} in:\n{text}");
    }
}
