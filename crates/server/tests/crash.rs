//! Crash safety: Spoke killed with SIGKILL in the middle of a batch ingest,
//! twenty times over, on each backend. Every write that was acknowledged
//! (its 201 answered) before the kill is there after the restart, and the
//! database opens clean each time.

#[path = "support/process.rs"]
mod process;

use process::{start_with, Running};
use serde_json::{json, Value};
use spoke_store_postgres::testing::TestDatabase;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "pat-na1-00000000-crash-token-0000-000000000001";
const ROUNDS: usize = 20;
const WRITERS: usize = 4;
const BATCH: usize = 10;

fn start(database: &[&str]) -> Running {
    let mut args = database.to_vec();
    args.extend(["--log", "warn"]);
    start_with(&args, &[("SPOKE_BOOTSTRAP_TOKEN", TOKEN)])
}

/// Writers that batch-create contacts until stopped; the emails of every
/// batch answered 201.
fn write_until_killed(base: &str, round: usize, acknowledged: &Arc<Mutex<Vec<String>>>) {
    for writer in 0..WRITERS {
        let (base, acknowledged) = (base.to_string(), Arc::clone(acknowledged));
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for batch in 0.. {
                let emails: Vec<String> = (0..BATCH)
                    .map(|i| format!("r{round}-w{writer}-b{batch}-{i}@crash.io"))
                    .collect();
                let inputs: Vec<Value> = emails
                    .iter()
                    .map(|e| json!({"properties": {"email": e}}))
                    .collect();
                let sent = client
                    .post(format!("{base}/crm/v3/objects/contacts/batch/create"))
                    .bearer_auth(TOKEN)
                    .json(&json!({ "inputs": inputs }))
                    .send()
                    .await;
                match sent {
                    Ok(reply) if reply.status().as_u16() == 201 => {
                        acknowledged.lock().unwrap().extend(emails);
                    }
                    // The server is gone: this batch may or may not have
                    // landed, and is not counted.
                    _ => return,
                }
            }
        });
    }
}

/// The acknowledged emails that the restarted server does not find.
async fn missing(base: &str, emails: &[String]) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut missing = Vec::new();
    for chunk in emails.chunks(100) {
        let reply = client
            .post(format!("{base}/crm/v3/objects/contacts/batch/read"))
            .bearer_auth(TOKEN)
            .json(&json!({
                "idProperty": "email",
                "inputs": chunk.iter().map(|e| json!({"id": e})).collect::<Vec<_>>(),
                "properties": ["email"],
            }))
            .send()
            .await
            .unwrap();
        let body: Value = reply.json().await.unwrap();
        let found: Vec<String> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["properties"]["email"].as_str().unwrap().to_string())
            .collect();
        missing.extend(chunk.iter().filter(|e| !found.contains(e)).cloned());
    }
    missing
}

async fn rounds(database: &[&str]) {
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut app = start(database);
    for round in 0..ROUNDS {
        write_until_killed(&app.base, round, &acknowledged);
        // Somewhere between 50 and 450 ms into the writes.
        let pause = 50 + (round * 97) % 400;
        tokio::time::sleep(Duration::from_millis(pause as u64)).await;
        app.child.kill().unwrap(); // SIGKILL
        app.child.wait().unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        app = start(database);
        let emails = acknowledged.lock().unwrap().clone();
        let lost = missing(&app.base, &emails).await;
        assert!(
            lost.is_empty(),
            "round {round}: {} of {} acknowledged contacts lost, e.g. {:?}",
            lost.len(),
            emails.len(),
            &lost[..lost.len().min(5)]
        );
    }
    let total = acknowledged.lock().unwrap().len();
    assert!(
        total >= ROUNDS * BATCH,
        "the writers wrote too little to prove anything: {total}"
    );
    eprintln!("crash: {ROUNDS} SIGKILLs, {total} acknowledged contacts, none lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_ingest_loses_no_acknowledged_write_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    rounds(&["--data-dir", dir.path().to_str().unwrap()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_ingest_loses_no_acknowledged_write_on_postgres() {
    let Some(db) = TestDatabase::create("crash").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    rounds(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database-url",
        &db.url,
    ])
    .await;
}
