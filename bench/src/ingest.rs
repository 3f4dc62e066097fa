//! Ingest through `batch/create`, beside the raw SQLite insert rate of
//! plain contact rows measured in the same run.

use crate::data;
use crate::load::{self, Call, Stop};
use crate::memory::PeakRss;
use crate::Target;
use rusqlite::{params, Connection};
use std::time::{Duration, Instant};

/// Contacts `first..first+n` as one batch/create body.
pub fn batch_body(first: u64, n: u64) -> Vec<u8> {
    let inputs: Vec<serde_json::Value> = (first..first + n)
        .map(|number| {
            let mut rng = data::Rng::new(number + 1);
            serde_json::json!({ "properties": data::contact_properties(&mut rng, number) })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "inputs": inputs })).unwrap()
}

/// Creates `total` contacts, `batch` per request over `connections`
/// connections; returns contacts per second.
pub async fn ingest(target: &Target, total: u64, batch: u64, connections: usize) -> f64 {
    let requests = total.div_ceil(batch);
    let memory = PeakRss::start(target.server_pid);
    let started = Instant::now();
    let stats = load::run(
        target.addr,
        &target.token,
        connections,
        Stop::Count(requests),
        201,
        move |seq| {
            Call::post(
                "/crm/v3/objects/contacts/batch/create",
                batch_body(seq * batch, batch),
            )
        },
    )
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(stats.errors, 0, "ingest failed");
    let rate = (stats.requests * batch) as f64 / elapsed;
    println!(
        "ingest: {} contacts in {:.1} s = {:.0} contacts/s ({} per request, {connections} connections); request p50 {:.1} ms, p99 {:.1} ms; server peak RSS {:.0} MiB",
        stats.requests * batch,
        elapsed,
        rate,
        batch,
        stats.percentile_ms(0.5),
        stats.percentile_ms(0.99),
        memory.peak_mib()
    );
    rate
}

/// Inserts plain contact rows (the same columns and JSON Spoke stores, no
/// history, no identities, no outbox, no index) into a fresh database in
/// transactions of `batch`, with the same durability as Spoke's default.
pub fn raw_sqlite_inserts(rows: u64, batch: u64) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("raw.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE contacts (key INTEGER PRIMARY KEY, portal_id INTEGER NOT NULL, id INTEGER NOT NULL,
           state INTEGER NOT NULL DEFAULT 0, properties TEXT NOT NULL, created_at INTEGER NOT NULL,
           updated_at INTEGER NOT NULL, archived_at INTEGER, merged_into INTEGER);",
    )
    .unwrap();
    let bodies: Vec<String> = (0..rows)
        .map(|n| {
            let mut rng = data::Rng::new(n + 1);
            data::contact_properties(&mut rng, n).to_string()
        })
        .collect();
    let started = Instant::now();
    for chunk in 0..rows.div_ceil(batch) {
        let tx = conn.unchecked_transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO contacts (key, portal_id, id, properties, created_at, updated_at) VALUES (?1, 1, ?2, ?3, ?4, ?4)",
                )
                .unwrap();
            for n in chunk * batch..((chunk + 1) * batch).min(rows) {
                let id = n as i64 + 1;
                stmt.execute(params![
                    (1i64 << 40) | id,
                    id,
                    bodies[n as usize],
                    1_700_000_000_000i64 + id
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    println!("raw SQLite: {rows} plain contact rows in transactions of {batch} (WAL, synchronous=FULL) = {rate:.0} rows/s");
    rate
}

pub fn pause() -> Duration {
    Duration::from_secs(2)
}
