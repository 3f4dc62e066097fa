//! What the request pipeline's rate limiting costs a GET: the same GETs
//! with the portal's limits off (the round's own contact GET), with a
//! custom limit too high to reach (every call counted, none refused; on
//! PostgreSQL counted for the cluster), and with HubSpot's limits (almost
//! every call refused with 429 once the portal's hundred per ten seconds
//! are spent; measured first, as the custom run's calls would fill the
//! window).

use crate::load::{call, median, Call, Stop};
use crate::{measure, report, Target};
use std::time::Duration;

/// A limit no benchmark reaches.
const UNREACHABLE: u64 = 1_000_000_000;

#[derive(Default)]
pub struct Rows {
    /// Per backend (0 SQLite, 1 PostgreSQL): custom rps, custom / off,
    /// custom p99, custom node CPU, hubspot rps, hubspot admitted.
    backends: [[Vec<f64>; 6]; 2],
}

async fn set(target: &Target, admin: &str, limits: serde_json::Value) {
    // The default portal of a fresh Spoke is portal 1.
    let (status, body) = call(
        target.addr,
        admin,
        Call::put(
            "/_spoke/v1/portals/1/limits",
            serde_json::to_vec(&limits).unwrap(),
        ),
    )
    .await
    .expect("the admin API answers");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}

impl Rows {
    #[allow(clippy::too_many_arguments)]
    pub async fn round<F>(
        &mut self,
        sqlite: &Target,
        postgres: Option<&Target>,
        admin: &str,
        connections: usize,
        duration: Duration,
        contact_call: F,
        off_sqlite: f64,
        off_postgres: Option<f64>,
    ) where
        F: Fn(u64) -> Call + Send + Sync + Copy + 'static,
    {
        let targets = [Some((sqlite, off_sqlite)), postgres.zip(off_postgres)];
        for (i, found) in targets.into_iter().enumerate() {
            let Some((target, off)) = found else { continue };
            let name = if i == 0 { "" } else { ", PostgreSQL" };
            set(target, admin, serde_json::json!({"mode": "hubspot"})).await;
            // Expect refusals: the "errors" are the calls admitted.
            let hubspot = measure(
                target,
                connections,
                Stop::After(duration),
                429,
                contact_call,
            )
            .await;
            report(&format!("limits hubspot{name}"), &hubspot);
            println!(
                "    hubspot: {} of {} calls admitted, the rest refused with 429",
                hubspot.stats.errors, hubspot.stats.requests
            );
            set(
                target,
                admin,
                serde_json::json!({"mode": "custom", "tenSecondly": UNREACHABLE, "daily": UNREACHABLE}),
            )
            .await;
            let custom = measure(
                target,
                connections,
                Stop::After(duration),
                200,
                contact_call,
            )
            .await;
            report(&format!("limits custom{name}"), &custom);
            set(target, admin, serde_json::json!({"mode": "off"})).await;
            let row = &mut self.backends[i];
            row[0].push(custom.stats.rps());
            row[1].push(custom.stats.rps() / off);
            row[2].push(custom.stats.percentile_ms(0.99));
            row[3].push(custom.cpu.node_us.unwrap_or(f64::NAN));
            row[4].push(hubspot.stats.rps());
            row[5].push(hubspot.stats.errors as f64);
        }
    }

    pub fn summary(&mut self, rounds: usize) {
        for (i, row) in self.backends.iter_mut().enumerate() {
            if row[0].is_empty() {
                continue;
            }
            let name = if i == 0 { "SQLite" } else { "PostgreSQL" };
            println!("rate limits on {name}, medians over {rounds} rounds");
            println!(
                "  limits custom (counted, never refused) {:>9.0} req/s  p99 {:>6.2} ms  node CPU {:>5.1} us/req",
                median(&mut row[0]),
                median(&mut row[2]),
                median(&mut row[3])
            );
            println!(
                "  custom / off                           {:>9.2}",
                median(&mut row[1])
            );
            println!(
                "  limits hubspot (mostly 429)            {:>9.0} req/s  admitted per run {:.0}",
                median(&mut row[4]),
                median(&mut row[5])
            );
        }
    }
}
