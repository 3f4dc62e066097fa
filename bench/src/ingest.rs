//! Ingest through `batch/create`; its reference, the raw SQLite insert
//! rate, is in `raw_sqlite.rs`.

use crate::data;
use crate::load::{self, Call, Stop};
use crate::memory::PeakRss;
use crate::Target;
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
    let meter = crate::cpu::Meter::start(target.server_pid, target.postgres);
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
    let cpu = meter.per(stats.requests * batch).describe("contact");
    println!(
        "ingest: {} contacts in {:.1} s = {:.0} contacts/s ({} per request, {connections} connections); request p50 {:.1} ms, p99 {:.1} ms; server peak RSS {:.0} MiB;{cpu}",
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

pub fn pause() -> Duration {
    Duration::from_secs(2)
}
