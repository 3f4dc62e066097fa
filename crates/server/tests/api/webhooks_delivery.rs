//! Delivery to a local receiver: HubSpot's event objects for every event
//! type, batches of at most 100, the concurrency cap, signatures, retries
//! (500, 429 with Retry-After, a receiver that hangs), attempt numbers,
//! order per contact, and the admin API's log and replay.

use crate::helpers::*;
use crate::receiver::{Answer, Receiver};
use crate::webhooks_api::{hook_app, HookApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use spoke_domain::webhooks::signature;
use std::collections::BTreeSet;
use std::time::Duration;

const WITHIN: Duration = Duration::from_secs(20);

/// A server whose retries take milliseconds, an app installed in its
/// default portal, and a receiver the app's settings point at.
async fn setup(max: i64) -> (TestApp, HookApp, Receiver) {
    let app = spawn_with(|config| config.workers.retry.scale = 0.001).await;
    let hooks = hook_app(&app).await;
    let receiver = Receiver::start().await;
    hooks.configure(&app, &receiver.url, max).await;
    (app, hooks, receiver)
}

fn of_type<'a>(events: &'a [Value], t: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["subscriptionType"] == t)
        .collect()
}

#[tokio::test]
async fn every_event_type_arrives_as_hubspot_sends_it() {
    let (app, hooks, receiver) = setup(10).await;
    let mut subscriptions = std::collections::BTreeMap::new();
    for t in [
        "contact.creation",
        "contact.deletion",
        "contact.merge",
        "contact.privacyDeletion",
    ] {
        subscriptions.insert(t, hooks.subscribe(&app, t, None).await);
    }
    let watched = hooks
        .subscribe(&app, "contact.propertyChange", Some("firstname"))
        .await;

    let a = app
        .create(json!({"email": "a@example.com", "firstname": "Ann"}))
        .await;
    let events = receiver.wait_for_events(2, WITHIN).await;
    let creation = of_type(&events, "contact.creation");
    assert_eq!(creation.len(), 1, "{events:?}");
    let creation = creation[0];
    assert_eq!(
        creation["objectId"],
        a.parse::<i64>().unwrap(),
        "objectId is an integer"
    );
    assert_eq!(creation["portalId"], app.portal.0);
    assert_eq!(creation["appId"], hooks.id);
    assert_eq!(
        creation["subscriptionId"],
        subscriptions["contact.creation"].parse::<i64>().unwrap()
    );
    assert_eq!(creation["changeSource"], "API");
    assert_eq!(creation["changeFlag"], "NEW");
    assert_eq!(creation["attemptNumber"], 0);
    assert!(creation["eventId"].as_i64().unwrap() > 0);
    let occurred = creation["occurredAt"].as_i64().unwrap();
    assert!(occurred > 1_700_000_000_000, "occurredAt is in ms");
    let set = of_type(&events, "contact.propertyChange");
    assert_eq!(
        set.len(),
        1,
        "a creation tells the watched properties it set"
    );
    assert_eq!(set[0]["propertyName"], "firstname");
    assert_eq!(set[0]["propertyValue"], "Ann");
    assert_eq!(set[0]["subscriptionId"], watched.parse::<i64>().unwrap());

    // A change of a property nobody watches sends nothing; a watched one
    // does.
    app.patch(
        &format!("/crm/v3/objects/contacts/{a}"),
        json!({"properties": {"city": "Oslo"}}),
    )
    .await;
    app.patch(
        &format!("/crm/v3/objects/contacts/{a}"),
        json!({"properties": {"firstname": "Anna"}}),
    )
    .await;
    let events = receiver.wait_for_events(3, WITHIN).await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[2]["propertyValue"], "Anna");

    // Merge.
    let b = app.create(json!({"email": "b@example.com"})).await;
    receiver.wait_for_events(4, WITHIN).await;
    let merged = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": a, "objectIdToMerge": b}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    let events = receiver.wait_for_events(5, WITHIN).await;
    let merge = of_type(&events, "contact.merge");
    assert_eq!(merge.len(), 1, "{events:?}");
    assert_eq!(merge[0]["primaryObjectId"], a.parse::<i64>().unwrap());
    assert_eq!(
        merge[0]["mergedObjectIds"],
        json!([b.parse::<i64>().unwrap()])
    );
    assert_eq!(merge[0]["newObjectId"], a.parse::<i64>().unwrap());
    assert_eq!(merge[0]["objectId"], a.parse::<i64>().unwrap());

    // Archive is a deletion.
    let c = app.create(json!({"email": "c@example.com"})).await;
    receiver.wait_for_events(6, WITHIN).await;
    let archived = app.delete(&format!("/crm/v3/objects/contacts/{c}")).await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    let events = receiver.wait_for_events(7, WITHIN).await;
    let deletion = of_type(&events, "contact.deletion");
    assert_eq!(deletion.len(), 1);
    assert_eq!(deletion[0]["objectId"], c.parse::<i64>().unwrap());

    // A GDPR delete is a privacy deletion and a deletion.
    let gdpr = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": a}),
        )
        .await;
    assert_eq!(gdpr.status, StatusCode::NO_CONTENT, "{}", gdpr.text);
    let events = receiver.wait_for_events(9, WITHIN).await;
    let privacy = of_type(&events, "contact.privacyDeletion");
    assert_eq!(privacy.len(), 1, "{events:?}");
    assert_eq!(privacy[0]["objectId"], a.parse::<i64>().unwrap());
    assert_eq!(of_type(&events, "contact.deletion").len(), 2);

    let ids: BTreeSet<i64> = events
        .iter()
        .map(|e| e["eventId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), events.len(), "eventIds are unique");
}

#[tokio::test]
async fn requests_are_signed_v1_and_v3_with_the_client_secret() {
    let (app, hooks, receiver) = setup(10).await;
    hooks.subscribe(&app, "contact.creation", None).await;
    app.create(json!({"email": "signed@example.com"})).await;
    let received = receiver.wait_for(WITHIN, |r| !r.is_empty()).await;
    let request = &received[0];
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("x-hubspot-signature-version"), "v1");
    assert_eq!(
        request.header("x-hubspot-signature"),
        signature::v1(&hooks.secret, &request.body)
    );
    let timestamp: i64 = request
        .header("x-hubspot-request-timestamp")
        .parse()
        .unwrap();
    let now = spoke_domain::time::Timestamp::now().millis();
    assert!(
        (now - timestamp).abs() < 60_000,
        "the timestamp is now, in ms"
    );
    assert_eq!(
        request.header("x-hubspot-signature-v3"),
        signature::v3(
            &hooks.secret,
            "POST",
            &receiver.url,
            &request.body,
            timestamp
        )
    );
    // Signed with this app's secret, not another's.
    assert_ne!(
        request.header("x-hubspot-signature"),
        signature::v1("some-other-secret", &request.body)
    );
}

#[tokio::test]
async fn batches_hold_at_most_100_events_and_concurrency_is_capped() {
    let (app, hooks, receiver) = setup(5).await;
    receiver.slow_down(Duration::from_millis(150));
    hooks.subscribe(&app, "contact.creation", None).await;
    let mut ids = BTreeSet::new();
    for round in 0..6 {
        let inputs: Vec<Value> = (0..100)
            .map(|n| json!({"properties": {"email": format!("c{round}-{n}@example.com")}}))
            .collect();
        let reply = app
            .post(
                "/crm/v3/objects/contacts/batch/create",
                json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        for result in reply.json()["results"].as_array().unwrap() {
            ids.insert(result["id"].as_str().unwrap().parse::<i64>().unwrap());
        }
    }
    let events = receiver.wait_for_events(600, Duration::from_secs(60)).await;
    let got: BTreeSet<i64> = events
        .iter()
        .map(|e| e["objectId"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids, "every creation arrives");
    let received = receiver.received();
    assert!(received.iter().all(|r| r.events().len() <= 100));
    assert!(
        received.iter().any(|r| r.events().len() > 1),
        "events are batched"
    );
    let most = receiver.most_in_flight();
    assert!(
        most <= 5,
        "at most maxConcurrentRequests in flight, saw {most}"
    );
    assert!(most >= 2, "lanes are sent side by side, saw {most}");
}

#[tokio::test]
async fn one_contacts_events_arrive_in_commit_order() {
    let (app, hooks, receiver) = setup(5).await;
    receiver.slow_down(Duration::from_millis(5));
    hooks
        .subscribe(&app, "contact.propertyChange", Some("jobtitle"))
        .await;
    let ids = [
        app.create(json!({"email": "o1@example.com"})).await,
        app.create(json!({"email": "o2@example.com"})).await,
    ];
    for n in 0..30 {
        for id in &ids {
            app.patch(
                &format!("/crm/v3/objects/contacts/{id}"),
                json!({"properties": {"jobtitle": format!("v{n}")}}),
            )
            .await;
        }
    }
    let events = receiver.wait_for_events(60, WITHIN).await;
    for id in &ids {
        let values: Vec<String> = events
            .iter()
            .filter(|e| e["objectId"] == id.parse::<i64>().unwrap())
            .map(|e| e["propertyValue"].as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = (0..30).map(|n| format!("v{n}")).collect();
        assert_eq!(values, expected);
    }
}

#[tokio::test]
async fn failures_are_retried_with_attempt_numbers_counting_up() {
    let (app, hooks, receiver) = setup(10).await;
    hooks.subscribe(&app, "contact.creation", None).await;
    receiver.answer([
        Answer::status(500),
        Answer::status(404),
        Answer::status(503),
    ]);
    let id = app.create(json!({"email": "retry@example.com"})).await;
    let received = receiver.wait_for(WITHIN, |r| r.len() >= 4).await;
    let attempts: Vec<i64> = received
        .iter()
        .map(|r| r.events()[0]["attemptNumber"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts, [0, 1, 2, 3]);
    let event_ids: BTreeSet<i64> = received
        .iter()
        .map(|r| r.events()[0]["eventId"].as_i64().unwrap())
        .collect();
    assert_eq!(event_ids.len(), 1, "a retry sends the same event");
    assert!(received
        .iter()
        .all(|r| r.events()[0]["objectId"] == id.parse::<i64>().unwrap()));

    // The log shows every attempt.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = app
        .admin(
            Method::GET,
            &format!("/_spoke/v1/portals/{}/webhook-deliveries", app.portal.0),
            None,
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let delivery = &log.json()["results"][0];
    assert_eq!(delivery["status"], "DELIVERED");
    assert_eq!(delivery["url"], receiver.url);
    assert_eq!(delivery["appId"], hooks.id);
    let codes: Vec<i64> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["statusCode"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 404, 503, 200]);
    assert_eq!(delivery["attempts"][0]["responseExcerpt"], "received");
    assert!(delivery["attempts"][0]["latencyMs"].as_i64().unwrap() >= 0);
    assert_eq!(
        delivery["events"][0]["objectId"],
        id.parse::<i64>().unwrap()
    );
    assert!(delivery["nextRetryAt"].is_null());
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let (app, hooks, receiver) = setup(10).await;
    hooks.subscribe(&app, "contact.creation", None).await;
    receiver.answer([Answer {
        status: 429,
        delay: Duration::ZERO,
        retry_after: Some(2),
    }]);
    app.create(json!({"email": "slow-down@example.com"})).await;
    let received = receiver.wait_for(WITHIN, |r| r.len() >= 2).await;
    let waited = received[1].at - received[0].at;
    assert!(
        waited >= Duration::from_millis(1900),
        "the retry waited {waited:?}, not the 2 s asked"
    );
    assert_eq!(received[1].events()[0]["attemptNumber"], 1);
}

#[tokio::test]
async fn a_receiver_that_hangs_past_5_seconds_is_retried() {
    let (app, hooks, receiver) = setup(10).await;
    hooks.subscribe(&app, "contact.creation", None).await;
    receiver.answer([Answer {
        status: 200,
        delay: Duration::from_secs(7),
        retry_after: None,
    }]);
    app.create(json!({"email": "hang@example.com"})).await;
    let received = receiver.wait_for(WITHIN, |r| r.len() >= 2).await;
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_secs(5), "{waited:?}");
    assert!(
        waited < Duration::from_secs(7),
        "the timeout is 5 s: {waited:?}"
    );
    assert_eq!(received[1].events()[0]["attemptNumber"], 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = app
        .admin(
            Method::GET,
            &format!(
                "/_spoke/v1/portals/{}/webhook-deliveries?status=DELIVERED",
                app.portal.0
            ),
            None,
        )
        .await
        .json();
    let first = &log["results"][0]["attempts"][0];
    assert!(first["statusCode"].is_null());
    assert!(first["error"].as_str().unwrap().contains("5 s"), "{first}");
}

#[tokio::test]
async fn a_delivery_gives_up_after_ten_retries() {
    let app = spawn_with(|config| config.workers.retry.scale = 0.0001).await;
    let hooks = hook_app(&app).await;
    let receiver = Receiver::start().await;
    hooks.configure(&app, &receiver.url, 10).await;
    hooks.subscribe(&app, "contact.creation", None).await;
    receiver.answer((0..20).map(|_| Answer::status(500)));
    app.create(json!({"email": "never@example.com"})).await;
    receiver
        .wait_for(Duration::from_secs(30), |r| r.len() >= 11)
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 11, "one attempt and 10 retries");
    let log = app
        .admin(
            Method::GET,
            &format!(
                "/_spoke/v1/portals/{}/webhook-deliveries?status=FAILED&appId={}",
                app.portal.0, hooks.id
            ),
            None,
        )
        .await
        .json();
    assert_eq!(log["results"][0]["attempts"].as_array().unwrap().len(), 11);
    assert!(log["results"][0]["nextRetryAt"].is_null());
}

#[tokio::test]
async fn deliveries_are_listed_paged_filtered_and_replayed() {
    let (app, hooks, receiver) = setup(10).await;
    hooks.subscribe(&app, "contact.creation", None).await;
    for n in 0..3 {
        app.create(json!({"email": format!("log{n}@example.com")}))
            .await;
        receiver.wait_for_events(n + 1, WITHIN).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let path = format!("/_spoke/v1/portals/{}/webhook-deliveries", app.portal.0);
    let page = app
        .admin(Method::GET, &format!("{path}?limit=2"), None)
        .await
        .json();
    assert_eq!(page["results"][0]["status"], "DELIVERED", "{page}");
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    let after = page["paging"]["next"]["after"]
        .as_str()
        .unwrap_or_else(|| panic!("{page}"))
        .to_string();
    let rest = app
        .admin(Method::GET, &format!("{path}?limit=2&after={after}"), None)
        .await
        .json();
    assert_eq!(rest["results"].as_array().unwrap().len(), 1);
    assert!(rest.get("paging").is_none());
    let none = app
        .admin(Method::GET, &format!("{path}?appId=1&status=FAILED"), None)
        .await
        .json();
    assert_eq!(none["results"], json!([]));
    let future = app
        .admin(
            Method::GET,
            &format!("{path}?since=2999-01-01T00:00:00Z"),
            None,
        )
        .await
        .json();
    assert_eq!(future["results"], json!([]));
    let bad = app
        .admin(Method::GET, &format!("{path}?status=LOST"), None)
        .await;
    bad.error(StatusCode::BAD_REQUEST);
    let no_portal = app
        .admin(
            Method::GET,
            "/_spoke/v1/portals/987654/webhook-deliveries",
            None,
        )
        .await;
    assert_eq!(no_portal.status, StatusCode::NOT_FOUND);
    let no_token = app.send_as(None, Method::GET, &path, None).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);

    let first = &page["results"][0];
    let replay = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/webhook-deliveries/{}/replay", first["id"]),
            None,
        )
        .await;
    assert_eq!(replay.status, StatusCode::CREATED, "{}", replay.text);
    let replayed = replay.json();
    assert_eq!(replayed["replayOf"], first["id"]);
    assert_eq!(replayed["events"], first["events"]);
    let events = receiver.wait_for_events(4, WITHIN).await;
    assert_eq!(
        events[3]["eventId"], first["events"][0]["eventId"],
        "the same events again"
    );
    let missing = app
        .admin(
            Method::POST,
            "/_spoke/v1/webhook-deliveries/99999999/replay",
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let attempts = app
        .admin(Method::GET, "/_spoke/v1/webhook-attempts?after=0", None)
        .await
        .json();
    assert!(attempts["results"].as_array().unwrap().len() >= 4);
    assert_eq!(attempts["results"][0]["url"], receiver.url);
}

#[tokio::test]
async fn paused_subscriptions_and_uninstalled_portals_get_nothing() {
    let (app, hooks, receiver) = setup(10).await;
    let id = hooks.subscribe(&app, "contact.creation", None).await;
    hooks
        .call(
            &app,
            Method::PATCH,
            &format!("/subscriptions/{id}"),
            Some(json!({"active": false})),
        )
        .await;
    app.create(json!({"email": "quiet@example.com"})).await;
    // A second portal that did not install the app.
    let other = app.second_portal().await;
    app.send_as(
        Some(&other),
        Method::POST,
        "/crm/v3/objects/contacts",
        Some(json!({"properties": {"email": "x@example.com"}})),
    )
    .await;
    hooks
        .call(
            &app,
            Method::PATCH,
            &format!("/subscriptions/{id}"),
            Some(json!({"active": true})),
        )
        .await;
    let marker = app.create(json!({"email": "marker@example.com"})).await;
    let events = receiver.wait_for_events(1, WITHIN).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events_now = receiver.events();
    assert_eq!(events_now.len(), 1, "{events_now:?}");
    assert_eq!(events[0]["objectId"], marker.parse::<i64>().unwrap());
}

#[tokio::test]
async fn finished_deliveries_are_pruned_after_the_retention_period() {
    let app = spawn_with(|config| {
        config.workers.retry.scale = 0.001;
        config.workers.retention = Duration::from_secs(1);
    })
    .await;
    let hooks = hook_app(&app).await;
    let receiver = Receiver::start().await;
    hooks.configure(&app, &receiver.url, 10).await;
    hooks.subscribe(&app, "contact.creation", None).await;
    app.create(json!({"email": "old@example.com"})).await;
    receiver.wait_for_events(1, WITHIN).await;
    let path = format!("/_spoke/v1/portals/{}/webhook-deliveries", app.portal.0);
    assert_eq!(listed(&app, &path).await, 1);
    let started = std::time::Instant::now();
    while listed(&app, &path).await > 0 {
        assert!(started.elapsed() < WITHIN, "the delivery was never pruned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn listed(app: &TestApp, path: &str) -> usize {
    app.admin(Method::GET, path, None).await.json()["results"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_hanging_target_does_not_hold_up_another_apps_deliveries() {
    let (app, stuck, stuck_receiver) = setup(5).await;
    stuck_receiver.slow_down(Duration::from_secs(7));
    stuck.subscribe(&app, "contact.creation", None).await;
    let healthy = hook_app(&app).await;
    let receiver = Receiver::start().await;
    healthy.configure(&app, &receiver.url, 5).await;
    healthy.subscribe(&app, "contact.creation", None).await;
    let started = std::time::Instant::now();
    for n in 0..20 {
        app.create(json!({"email": format!("both{n}@example.com")}))
            .await;
    }
    receiver.wait_for_events(20, WITHIN).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the healthy app got its events before the other's first timeout, not after {:?}",
        started.elapsed()
    );
    assert!(stuck_receiver
        .received()
        .iter()
        .all(|r| r.events().iter().all(|e| e["appId"] == stuck.id)));
}
