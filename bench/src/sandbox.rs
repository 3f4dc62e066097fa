//! Sandbox controls: the time to create a portal, and to snapshot, reset
//! and restore one holding N contacts (filled through batch/create), each
//! beside the median GET /health measured between them, medians over
//! rounds.

use crate::load::{call, median, Call};
use crate::webhooks::{admin, ingest, json};
use serde_json::{json as j, Value};
use std::net::SocketAddr;
use std::time::Instant;

/// Median latency of a few GET /health calls, in ms.
async fn health(addr: SocketAddr) -> f64 {
    let mut times = Vec::new();
    for _ in 0..9 {
        let started = Instant::now();
        let (status, _) = call(addr, "", Call::get("/health"))
            .await
            .expect("Spoke answers");
        assert_eq!(status, 200);
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    median(&mut times)
}

/// Time of one admin call, in ms, and its answer.
async fn timed(addr: SocketAddr, admin_token: &str, c: Call) -> (f64, Value) {
    let started = Instant::now();
    let answer = admin(addr, admin_token, c).await;
    (started.elapsed().as_secs_f64() * 1e3, answer)
}

pub async fn run(addr: SocketAddr, admin_token: &str, sizes: &[u64], rounds: usize) {
    println!("sandbox: portal create, snapshot, reset and restore, medians of {rounds} rounds, beside GET /health");
    for &size in sizes {
        let (mut creates, mut resets, mut healths) = (Vec::new(), Vec::new(), Vec::new());
        let (mut snapshots, mut restores) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            healths.push(health(addr).await);
            let (ms, created) = timed(
                addr,
                admin_token,
                Call::post(
                    "/_spoke/v1/portals",
                    json(j!({"name": format!("bench {size} {round}")})),
                ),
            )
            .await;
            creates.push(ms);
            let portal = created["portalId"].as_i64().unwrap();
            let token = created["accessToken"].as_str().unwrap().to_string();
            if size > 0 {
                ingest(addr, &token, size, 0).await;
            }
            healths.push(health(addr).await);
            let (ms, _) = timed(
                addr,
                admin_token,
                Call::post(
                    format!("/_spoke/v1/portals/{portal}/snapshots"),
                    json(j!({"name": "bench"})),
                ),
            )
            .await;
            snapshots.push(ms);
            let (ms, _) = timed(
                addr,
                admin_token,
                Call::post(format!("/_spoke/v1/portals/{portal}/reset"), json(j!({}))),
            )
            .await;
            resets.push(ms);
            healths.push(health(addr).await);
            let (ms, _) = timed(
                addr,
                admin_token,
                Call::post(
                    format!("/_spoke/v1/portals/{portal}/snapshots/bench/restore"),
                    json(j!({})),
                ),
            )
            .await;
            restores.push(ms);
        }
        let health = median(&mut healths);
        let create = median(&mut creates);
        let reset = median(&mut resets);
        let snapshot = median(&mut snapshots);
        let restore = median(&mut restores);
        println!(
            "  {size:>7} contacts: create {create:.1} ms, snapshot {snapshot:.1} ms, reset {reset:.1} ms, restore {restore:.1} ms; GET /health {health:.2} ms (restore {:.0}x /health)",
            restore / health,
        );
    }
}
