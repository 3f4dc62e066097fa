//! Rate limits: the burst, daily and search allowances reached and
//! recovered from, HubSpot's headers and 429 bodies, per-portal modes and
//! the server's default.

use crate::helpers::{spawn, spawn_with, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use spoke_domain::access::limits::LimitsMode;
use std::time::{Duration, Instant};

async fn set_limits(app: &TestApp, portal: i64, limits: Value) {
    let reply = app
        .admin(
            Method::PUT,
            &format!("/_spoke/v1/portals/{portal}/limits"),
            Some(limits),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

fn header(reply: &Reply, name: &str) -> Option<u64> {
    reply.header(name).map(|v| v.parse().unwrap())
}

fn limit_headers(reply: &Reply) -> [Option<u64>; 5] {
    [
        header(reply, "x-hubspot-ratelimit-max"),
        header(reply, "x-hubspot-ratelimit-remaining"),
        header(reply, "x-hubspot-ratelimit-interval-milliseconds"),
        header(reply, "x-hubspot-ratelimit-daily"),
        header(reply, "x-hubspot-ratelimit-daily-remaining"),
    ]
}

/// The 429 body, with its ids checked and redacted.
fn refusal(reply: &Reply) -> Value {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text
    );
    let mut body = reply.json();
    let id = body["correlationId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(body["requestId"], id.as_str());
    assert_eq!(reply.correlation_header.as_deref(), Some(id.as_str()));
    body["correlationId"] = "<id>".into();
    body["requestId"] = "<id>".into();
    body
}

/// The app id of the portal's bootstrap token (from the 429 group name).
fn group(app_id: &str, portal: i64) -> String {
    format!("publicapi:private_app-api-calls-ten-secondly:{app_id}:{portal}")
}

#[tokio::test]
async fn the_burst_limit_is_reached_and_rolls_back_after_ten_seconds() {
    let app = spawn().await;
    let portal = app.portal.0;
    set_limits(
        &app,
        portal,
        json!({"mode": "custom", "tenSecondly": 3, "daily": 1000}),
    )
    .await;
    let started = Instant::now();
    for remaining in [2, 1, 0] {
        let reply = app.get("/crm/v3/objects/contacts").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            limit_headers(&reply),
            [
                Some(3),
                Some(remaining),
                Some(10_000),
                Some(1000),
                Some(997 + remaining)
            ]
        );
    }
    let refused = app.get("/crm/v3/objects/contacts").await;
    let body = refusal(&refused);
    let group_name = body["groupName"].as_str().unwrap().to_string();
    let app_id = group_name.split(':').nth(2).unwrap();
    assert_eq!(
        body,
        json!({
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "<id>",
            "policyName": "TEN_SECONDLY_ROLLING",
            "groupName": group(app_id, portal),
            "requestId": "<id>"
        })
    );
    assert_eq!(
        limit_headers(&refused)[..3],
        [Some(3), Some(0), Some(10_000)]
    );
    // The same body on the v1 API.
    let v1 = app.get("/contacts/v1/lists/all/contacts/all").await;
    assert_eq!(refusal(&v1), body);

    // The window rolls: the calls of the first second leave it ten seconds
    // later.
    let recovered = loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let reply = app.get("/crm/v3/objects/contacts").await;
        if reply.status == StatusCode::OK {
            break started.elapsed();
        }
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            started.elapsed() < Duration::from_secs(13),
            "never recovered"
        );
    };
    assert!(
        recovered > Duration::from_millis(8_500),
        "recovered after {recovered:?}"
    );
}

#[tokio::test]
async fn the_daily_limit_is_shared_by_the_portals_apps_and_reported() {
    let app = spawn().await;
    let portal = app.portal.0;
    set_limits(
        &app,
        portal,
        json!({"mode": "custom", "tenSecondly": 100, "daily": 3}),
    )
    .await;
    let reader = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{portal}/private-apps"),
            Some(json!({"scopes": ["crm.objects.contacts.read"]})),
        )
        .await
        .json()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
    let second = app
        .send_as(Some(&reader), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(limit_headers(&second)[3..], [Some(3), Some(1)]);
    // A refused scope still counts as a call.
    let forbidden = app
        .send_as(
            Some(&reader),
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {}})),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(limit_headers(&forbidden)[3..], [Some(3), Some(0)]);

    // The usage report is not itself counted, so it answers when the day is spent.
    let usage = app.get("/integrations/v1/limit/daily").await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.text);
    let usage = usage.json();
    assert_eq!(usage[0]["name"], "api-calls-daily");
    assert_eq!(usage[0]["usageLimit"], 3);
    assert_eq!(usage[0]["currentUsage"], 3);
    assert_eq!(usage[0]["fetchStatus"], "SUCCESS");
    let resets = usage[0]["resetsAt"].as_i64().unwrap();
    assert_eq!(resets % 86_400_000, 0, "midnight UTC");
    assert!(resets > usage[0]["collectedAt"].as_i64().unwrap());

    for token in [app.token.as_str(), reader.as_str()] {
        let refused = app
            .send_as(Some(token), Method::GET, "/crm/v3/objects/contacts", None)
            .await;
        assert_eq!(
            refusal(&refused),
            json!({
                "status": "error",
                "message": "You have reached your daily limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "<id>",
                "policyName": "DAILY",
                "requestId": "<id>"
            })
        );
        assert_eq!(limit_headers(&refused)[3..], [Some(3), Some(0)]);
    }
    // Raising the limit lets calls through again (the day's count stays).
    set_limits(
        &app,
        portal,
        json!({"mode": "custom", "tenSecondly": 100, "daily": 5}),
    )
    .await;
    let reply = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(limit_headers(&reply)[3..], [Some(5), Some(1)]);
}

#[tokio::test]
async fn search_has_its_own_limit_per_second_and_no_headers() {
    let app = spawn().await;
    set_limits(
        &app,
        app.portal.0,
        json!({"mode": "custom", "searchPerSecond": 2}),
    )
    .await;
    let search = || app.post("/crm/v3/objects/contacts/search", json!({}));
    // Wait for the start of a second, so that three searches share one.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1000 - u64::from(now.subsec_millis()))).await;
    for _ in 0..2 {
        let reply = search().await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            limit_headers(&reply),
            [None; 5],
            "search responses carry no limit headers"
        );
    }
    let refused = search().await;
    assert_eq!(
        refusal(&refused),
        json!({
            "status": "error",
            "message": "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "<id>",
            "policyName": "SECONDLY",
            "requestId": "<id>"
        })
    );
    // Search does not use the burst allowance, and the next second searches
    // again.
    let other = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(limit_headers(&other)[..2], [Some(100), Some(99)]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(search().await.status, StatusCode::OK);
}

#[tokio::test]
async fn hubspot_limits_follow_the_tier_and_oauth_tokens_have_no_daily_headers() {
    let app = spawn().await;
    set_limits(&app, app.portal.0, json!({"mode": "hubspot"})).await;
    let reply = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(
        limit_headers(&reply),
        [
            Some(100),
            Some(99),
            Some(10_000),
            Some(250_000),
            Some(249_999)
        ]
    );

    let oauth = app
        .admin(
            Method::POST,
            "/_spoke/v1/apps",
            Some(json!({"redirectUris": ["http://localhost/cb"], "scopes": ["crm.objects.contacts.read"]})),
        )
        .await
        .json();
    let code = app
        .admin(
            Method::POST,
            "/_spoke/v1/oauth/authorize",
            Some(json!({"clientId": oauth["clientId"], "portalId": app.portal.0})),
        )
        .await
        .json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let tokens = app
        .form(
            "/oauth/v1/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", oauth["clientId"].as_str().unwrap()),
                ("client_secret", oauth["clientSecret"].as_str().unwrap()),
                ("redirect_uri", "http://localhost/cb"),
                ("code", &code),
            ],
            "",
        )
        .await
        .json();
    let access = tokens["access_token"].as_str().unwrap();
    let reply = app
        .send_as(Some(access), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        limit_headers(&reply),
        [Some(110), Some(109), Some(10_000), None, None]
    );
    // The OAuth endpoints and the admin API are not limited.
    assert_eq!(
        limit_headers(&app.admin(Method::GET, "/_spoke/v1/portals", None).await),
        [None; 5]
    );

    // A professional portal has HubSpot's professional limits.
    let pro = app
        .admin(
            Method::POST,
            "/_spoke/v1/portals",
            Some(json!({"tier": "professional"})),
        )
        .await
        .json();
    set_limits(
        &app,
        pro["portalId"].as_i64().unwrap(),
        json!({"mode": "hubspot"}),
    )
    .await;
    let reply = app
        .send_as(
            pro["accessToken"].as_str(),
            Method::GET,
            "/crm/v3/objects/contacts",
            None,
        )
        .await;
    assert_eq!(
        limit_headers(&reply),
        [
            Some(190),
            Some(189),
            Some(10_000),
            Some(625_000),
            Some(624_999)
        ]
    );
}

#[tokio::test]
async fn limits_off_send_no_headers_and_the_server_default_applies_to_new_portals() {
    let off = spawn().await;
    let reply = off.get("/crm/v3/objects/contacts").await;
    assert_eq!(limit_headers(&reply), [None; 5]);

    let app = spawn_with(|c| c.rate_limits = LimitsMode::Hubspot).await;
    let reply = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(limit_headers(&reply)[0], Some(100));
    let created = app
        .admin(Method::POST, "/_spoke/v1/portals", None)
        .await
        .json();
    let token = created["accessToken"].as_str().unwrap();
    let reply = app
        .send_as(Some(token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(limit_headers(&reply)[0], Some(100));
    let shown = app
        .admin(
            Method::GET,
            &format!("/_spoke/v1/portals/{}/limits", created["portalId"]),
            None,
        )
        .await
        .json();
    assert_eq!(shown["mode"], "hubspot");
    // A portal's own mode wins over the server's.
    set_limits(&app, app.portal.0, json!({"mode": "off"})).await;
    let reply = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(limit_headers(&reply), [None; 5]);
}
