#![cfg(target_os = "linux")]
//! A full disk under SQLite. The server's file-size limit is lowered to one
//! byte while it runs (`prlimit`, as `ulimit -f` would): every write SQLite
//! makes fails as on a disk with no room left. Writes answer HubSpot's 5xx
//! body and leave nothing half written, reads go on being served, and once
//! the limit is lifted writes succeed again, with no restart; after a
//! restart the database opens clean and holds exactly what was
//! acknowledged.

#[path = "support/process.rs"]
mod process;

use process::{start_with, Running};
use reqwest::{Client, StatusCode};
use rustix::process::{getrlimit, prlimit, Pid, Resource, Rlimit};
use serde_json::{json, Value};

const TOKEN: &str = "pat-na1-00000000-disk-full-token-000-000000000001";

fn start(dir: &str) -> Running {
    start_with(
        &["--data-dir", dir, "--log", "warn"],
        &[("SPOKE_BOOTSTRAP_TOKEN", TOKEN)],
    )
}

/// Sets the soft file-size limit of the running server.
fn limit_file_size(app: &Running, bytes: Option<u64>) {
    let pid = Pid::from_raw(app.child.id() as i32).unwrap();
    let hard = getrlimit(Resource::Fsize).maximum;
    prlimit(
        Some(pid),
        Resource::Fsize,
        Rlimit {
            current: bytes,
            maximum: hard,
        },
    )
    .expect("prlimit on our own child");
}

fn batch(tag: &str) -> (Vec<String>, Value) {
    let emails: Vec<String> = (0..10).map(|i| format!("{tag}-{i}@disk.io")).collect();
    let inputs: Vec<Value> = emails
        .iter()
        .map(|e| json!({"properties": {"email": e, "firstname": tag}}))
        .collect();
    (emails, json!({ "inputs": inputs }))
}

async fn send(
    client: &Client,
    method: reqwest::Method,
    url: String,
    body: Value,
) -> (StatusCode, Value) {
    let response = client
        .request(method, url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The emails of `emails` the server finds.
async fn found(client: &Client, base: &str, emails: &[String]) -> Vec<String> {
    let (status, body) = send(
        client,
        reqwest::Method::POST,
        format!("{base}/crm/v3/objects/contacts/batch/read"),
        json!({
            "idProperty": "email",
            "inputs": emails.iter().map(|e| json!({"id": e})).collect::<Vec<_>>(),
            "properties": ["email"],
        }),
    )
    .await;
    assert!(status.is_success(), "{status}: {body}");
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["properties"]["email"].as_str().unwrap().to_string())
        .collect()
}

/// Sends the batch of `tag` to batch/create: its emails, the status and body.
async fn create_batch(
    client: &Client,
    contacts: &str,
    tag: &str,
) -> (Vec<String>, StatusCode, Value) {
    let (emails, body) = batch(tag);
    let (status, answer) = send(
        client,
        reqwest::Method::POST,
        format!("{contacts}/batch/create"),
        body,
    )
    .await;
    (emails, status, answer)
}

fn assert_hubspot_5xx(what: &str, status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
    assert_eq!(body["status"], "error", "{what}: {body}");
    assert_eq!(body["category"], "SERVICE_UNAVAILABLE", "{what}: {body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("disk is full")),
        "{what}: {body}"
    );
    assert!(
        body["correlationId"]
            .as_str()
            .is_some_and(|c| c.len() == 36),
        "{what}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_writes_whole_serves_reads_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_str().unwrap();
    let app = start(dir_path);
    let base = app.base.clone();
    let client = Client::new();
    let contacts = format!("{base}/crm/v3/objects/contacts");
    let post = reqwest::Method::POST;

    let (before, status, created) = create_batch(&client, &contacts, "before").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let first_id = created["results"][0]["id"].as_str().unwrap().to_string();

    limit_file_size(&app, Some(1));
    let mut refused = Vec::new();
    for round in 0..3 {
        let (emails, status, answer) =
            create_batch(&client, &contacts, &format!("during{round}")).await;
        assert_hubspot_5xx("batch/create", status, &answer);
        refused.extend(emails);

        let (status, answer) = send(
            &client,
            post.clone(),
            contacts.clone(),
            json!({"properties": {"email": format!("single{round}@disk.io")}}),
        )
        .await;
        assert_hubspot_5xx("create", status, &answer);
        refused.push(format!("single{round}@disk.io"));

        let (status, answer) = send(
            &client,
            reqwest::Method::PATCH,
            format!("{contacts}/{first_id}"),
            json!({"properties": {"firstname": "changed"}}),
        )
        .await;
        assert_hubspot_5xx("update", status, &answer);

        // Reads are served meanwhile, and show nothing of the failed writes.
        let (status, contact) = send(
            &client,
            reqwest::Method::GET,
            format!("{contacts}/{first_id}?properties=firstname"),
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{contact}");
        assert_eq!(contact["properties"]["firstname"], "before");
        let (status, search) = send(
            &client,
            post.clone(),
            format!("{contacts}/search"),
            json!({"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": format!("during{round}")}]}]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{search}");
        assert_eq!(search["total"], 0, "{search}");
    }
    assert!(
        found(&client, &base, &refused).await.is_empty(),
        "a refused write landed"
    );

    // Room again: the same server writes, without a restart.
    limit_file_size(&app, getrlimit(Resource::Fsize).current);
    let (after, status, answer) = create_batch(&client, &contacts, "after").await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = send(
        &client,
        reqwest::Method::PATCH,
        format!("{contacts}/{first_id}"),
        json!({"properties": {"firstname": "changed"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // After a restart: what was acknowledged, and nothing else.
    let (stopped, stderr) = app.terminate();
    assert!(stopped, "{stderr}");
    let app = start(dir_path);
    let acknowledged: Vec<String> = before.iter().chain(&after).cloned().collect();
    let mut back = found(&client, &app.base, &acknowledged).await;
    back.sort();
    let mut expected = acknowledged.clone();
    expected.sort();
    assert_eq!(back, expected);
    assert!(found(&client, &app.base, &refused).await.is_empty());
    let (_, contact) = send(
        &client,
        reqwest::Method::GET,
        format!(
            "{}/crm/v3/objects/contacts/{first_id}?properties=firstname",
            app.base
        ),
        Value::Null,
    )
    .await;
    assert_eq!(contact["properties"]["firstname"], "changed");
}
