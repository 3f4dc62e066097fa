//! Soak: a steady mix of reads, writes, searches and list pages, with every
//! write delivered as webhooks to a receiver in this process, for a long
//! time. Each window reports the server's resident memory, the errors, and
//! the mix's latency beside GET /health measured in the same window (the
//! machine is shared: a slow window shows in both). At the end, every
//! event the writes produced must have been delivered.

use crate::data;
use crate::ingest::batch_body;
use crate::load::{self, median, Call, Connection, Stop};
use crate::memory::rss_bytes;
use crate::webhooks::{self, Seen};
use crate::Target;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Options {
    pub seconds: u64,
    /// Mixed calls per second, over all connections.
    pub rate: f64,
    pub connections: usize,
    pub window: u64,
    /// Contacts created before the load (reads and updates pick from them).
    pub seed: u64,
    pub admin_token: String,
    /// Fail when the resident memory grew by more than this from the end of
    /// the first window to the end of the run.
    pub max_rss_growth_mib: Option<f64>,
    /// Balance creations with GDPR deletions of contacts the soak created
    /// (each at least a minute old, so its events went out first): the
    /// data set stays the same size, and RSS growth is the server's own.
    pub steady: bool,
    /// Seconds of reads at full speed before the measured windows, so the
    /// caches (SQLite's page caches, PostgreSQL's buffers) are warm.
    pub warmup: u64,
}

/// One window's measurements.
#[derive(Default)]
struct Window {
    mixed_us: Vec<u32>,
    health_us: Vec<u32>,
    errors: u64,
}

#[derive(Default)]
struct Shared {
    window: Mutex<Window>,
    errors: AtomicU64,
    /// The first few failures, to print.
    failures: Mutex<Vec<String>>,
    /// Contacts created (each gives two events: creation and firstname).
    created: AtomicU64,
    /// Contacts updated (each gives one firstname change).
    updated: AtomicU64,
    /// Contacts deleted (steady mode).
    deleted: AtomicU64,
    /// Contacts the soak created, oldest first, with when (steady mode).
    mine: Mutex<VecDeque<(Instant, String)>>,
    /// Whether creations are balanced by deletions (`Options::steady`).
    steady: bool,
}

impl Shared {
    fn record(&self, health: bool, latency: Duration, failure: Option<String>) {
        let us = latency.as_micros().min(u32::MAX as u128) as u32;
        let mut window = self.window.lock().unwrap();
        if health {
            window.health_us.push(us);
        } else {
            window.mixed_us.push(us);
        }
        if let Some(failure) = failure {
            window.errors += 1;
            self.errors.fetch_add(1, Ordering::Relaxed);
            let mut failures = self.failures.lock().unwrap();
            if failures.len() < 10 {
                failures.push(failure);
            }
        }
    }
}

/// The mix, by sequence number: 40% GET by id, 15% create, 15% update,
/// 15% search, 15% list page. Steady, the creations' share is half
/// creations and half deletions.
fn mixed_call(seq: u64, seed: u64, steady: bool) -> (Call, u16, Op) {
    let mut rng = data::Rng::new(seq + 11);
    let id = 1 + rng.below(seed);
    match seq % 20 {
        8..=10 if steady && (seq / 20) % 2 == 1 => (Call::get(String::new()), 204, Op::Delete),
        0..=7 => (
            Call::get(format!(
                "/crm/v3/objects/contacts/{id}?properties=email,firstname,lastname"
            )),
            200,
            Op::Read,
        ),
        8..=10 => {
            let body = serde_json::json!({"properties": {
                "email": format!("soak-{seq}@soak.example"),
                "firstname": format!("Soak{seq}"),
                "lastname": data::LAST_NAMES[rng.below(data::LAST_NAMES.len() as u64) as usize],
            }});
            (
                Call::post("/crm/v3/objects/contacts", webhooks::json(body)),
                201,
                Op::Create,
            )
        }
        11..=13 => {
            let body = serde_json::json!({"properties": {"firstname": format!("Updated{seq}")}});
            (
                Call {
                    method: "PATCH",
                    path: format!("/crm/v3/objects/contacts/{id}"),
                    body: Some(webhooks::json(body)),
                },
                200,
                Op::Update,
            )
        }
        14..=16 => {
            let last = data::LAST_NAMES[rng.below(data::LAST_NAMES.len() as u64) as usize];
            let body = serde_json::json!({
                "filterGroups": [{"filters": [{"propertyName": "lastname", "operator": "EQ", "value": last}]}],
                "properties": ["email", "firstname"],
                "limit": 10,
            });
            (
                Call::post("/crm/v3/objects/contacts/search", webhooks::json(body)),
                200,
                Op::Read,
            )
        }
        _ => (
            Call::get(format!("/crm/v3/objects/contacts?limit=10&after={id}")),
            200,
            Op::Read,
        ),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Read,
    Create,
    Update,
    /// A GDPR deletion of a contact the soak created a minute or more ago.
    Delete,
}

/// The GDPR deletion of the oldest contact the soak created, once it is a
/// minute old; a GET by id of a seeded contact while none is.
fn deletion(shared: &Shared, seq: u64, seed: u64) -> (Call, u16, Op) {
    let mut mine = shared.mine.lock().unwrap();
    match mine.front() {
        Some((at, _)) if at.elapsed() >= Duration::from_secs(60) => {
            let (_, id) = mine.pop_front().expect("front");
            let body = serde_json::json!({"objectId": id});
            (
                Call::post("/crm/v3/objects/contacts/gdpr-delete", webhooks::json(body)),
                204,
                Op::Delete,
            )
        }
        _ => {
            let id = 1 + data::Rng::new(seq + 11).below(seed);
            (
                Call::get(format!("/crm/v3/objects/contacts/{id}")),
                200,
                Op::Read,
            )
        }
    }
}

/// The id in a creation's answer.
fn created_id(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("id")?.as_str().map(str::to_owned)
}

/// Sends calls at `per_second` on one connection until `until`.
async fn worker(
    target: Target,
    shared: Arc<Shared>,
    sequence: Arc<AtomicU64>,
    seed: u64,
    per_second: f64,
    until: Instant,
    health: bool,
) {
    let steady = shared.steady;
    let auth = format!("Bearer {}", target.token);
    let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connection: Option<Connection> = None;
    let mut request = Vec::with_capacity(1024);
    loop {
        interval.tick().await;
        if Instant::now() >= until {
            return;
        }
        let (call, expect, op) = if health {
            (Call::get("/health"), 200, Op::Read)
        } else {
            let seq = sequence.fetch_add(1, Ordering::Relaxed);
            match mixed_call(seq, seed, steady) {
                (_, _, Op::Delete) => deletion(&shared, seq, seed),
                call => call,
            }
        };
        call.encode(&auth, &mut request);
        let sent = Instant::now();
        if connection.is_none() {
            connection = Connection::open(target.addr).await.ok();
        }
        let answer = match connection.as_mut() {
            Some(c) => c.exchange_keeping(&request, true).await,
            None => Err(std::io::ErrorKind::ConnectionRefused.into()),
        };
        let latency = sent.elapsed();
        let failure = match answer {
            Ok((status, body)) if status == expect => {
                match op {
                    Op::Create => {
                        shared.created.fetch_add(1, Ordering::Relaxed);
                        if steady {
                            if let Some(id) = created_id(&body) {
                                shared.mine.lock().unwrap().push_back((Instant::now(), id));
                            }
                        }
                    }
                    Op::Update => {
                        shared.updated.fetch_add(1, Ordering::Relaxed);
                    }
                    Op::Delete => {
                        shared.deleted.fetch_add(1, Ordering::Relaxed);
                    }
                    Op::Read => {}
                }
                None
            }
            Ok((status, body)) => Some(format!(
                "{} {} -> {status}: {}",
                call.method,
                call.path,
                String::from_utf8_lossy(&body)
            )),
            Err(e) => {
                connection = None;
                Some(format!("{} {} -> {e}", call.method, call.path))
            }
        };
        shared.record(health, latency, failure);
    }
}

fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0
}

fn mib(bytes: Option<u64>) -> f64 {
    bytes.map_or(f64::NAN, |b| b as f64 / (1024.0 * 1024.0))
}

/// What one window measured, kept for the summary.
struct Row {
    rss_mib: f64,
    mixed_p99: f64,
    health_p99: f64,
}

pub async fn run(target: &Target, options: Options) {
    let seen = Arc::new(Seen::default());
    let receiver = webhooks::receiver(Arc::clone(&seen));
    // The target's portal is the default portal of a fresh Spoke: portal 1,
    // its contact ids from 1.
    webhooks::install_app(
        target.addr,
        &options.admin_token,
        1,
        receiver,
        &[
            serde_json::json!({"eventType": "contact.creation", "active": true}),
            serde_json::json!({"eventType": "contact.propertyChange", "propertyName": "firstname", "active": true}),
        ],
    )
    .await;
    let seeding = load::run(
        target.addr,
        &target.token,
        2,
        Stop::Count(options.seed.div_ceil(100)),
        201,
        |seq| {
            Call::post(
                "/crm/v3/objects/contacts/batch/create",
                batch_body(seq * 100, 100),
            )
        },
    )
    .await;
    assert_eq!(seeding.errors, 0, "seeding failed");
    let seeded = seeding.requests * 100;
    let expected = |shared: &Shared| {
        2 * (seeded + shared.created.load(Ordering::Relaxed))
            + shared.updated.load(Ordering::Relaxed)
    };
    let delivered = || seen.distinct.lock().unwrap().len() as u64;
    let shared = Arc::new(Shared {
        steady: options.steady,
        ..Shared::default()
    });
    wait_delivered(&delivered, expected(&shared), Duration::from_secs(300)).await;
    if options.warmup > 0 {
        let before = mib(target.server_pid.and_then(rss_bytes));
        let seed = seeded.max(1);
        let warm = load::run(
            target.addr,
            &target.token,
            options.connections,
            Stop::After(Duration::from_secs(options.warmup)),
            200,
            move |seq| match seq % 4 {
                3 => Call::post(
                    "/crm/v3/objects/contacts/search",
                    webhooks::json(serde_json::json!({
                        "filterGroups": [{"filters": [{"propertyName": "lastname", "operator": "EQ",
                            "value": data::LAST_NAMES[(seq / 4) as usize % data::LAST_NAMES.len()]}]}],
                        "limit": 10,
                    })),
                ),
                _ => Call::get(format!(
                    "/crm/v3/objects/contacts/{}?properties=email,firstname,lastname",
                    1 + data::Rng::new(seq).below(seed)
                )),
            },
        )
        .await;
        assert_eq!(warm.errors, 0, "warm-up reads failed");
        println!(
            "warm-up: {} reads at full speed in {} s; RSS {before:.1} MiB before, {:.1} MiB after",
            warm.requests,
            options.warmup,
            mib(target.server_pid.and_then(rss_bytes))
        );
    }
    println!(
        "soak: {} s at {} mixed calls/s on {} connections (40% GET by id, {}, 15% update, 15% search, 15% list page) and GET /health at {} /s, over {seeded} seeded contacts; webhooks for creations and firstname changes to a receiver in this process",
        options.seconds,
        options.rate,
        options.connections,
        if options.steady {
            "7.5% create, 7.5% GDPR delete of a contact created a minute before"
        } else {
            "15% create"
        },
        options.rate / 4.0
    );
    println!(
        "{:>6} {:>8} {:>7} {:>9} {:>9} {:>11} {:>9} {:>10}",
        "t (s)", "calls", "errors", "p50 ms", "p99 ms", "health p99", "RSS MiB", "undeliv."
    );

    let started = Instant::now();
    let until = started + Duration::from_secs(options.seconds);
    let sequence = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..options.connections {
        workers.push(tokio::spawn(worker(
            target.clone(),
            Arc::clone(&shared),
            Arc::clone(&sequence),
            seeded,
            options.rate / options.connections as f64,
            until,
            false,
        )));
    }
    workers.push(tokio::spawn(worker(
        target.clone(),
        Arc::clone(&shared),
        Arc::clone(&sequence),
        seeded,
        options.rate / 4.0,
        until,
        true,
    )));

    let mut rows = Vec::new();
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(options.window),
        Duration::from_secs(options.window),
    );
    while Instant::now() < until {
        tick.tick().await;
        let mut window = std::mem::take(&mut *shared.window.lock().unwrap());
        window.mixed_us.sort_unstable();
        window.health_us.sort_unstable();
        let rss_mib = mib(target.server_pid.and_then(rss_bytes));
        let row = Row {
            rss_mib,
            mixed_p99: percentile_ms(&window.mixed_us, 0.99),
            health_p99: percentile_ms(&window.health_us, 0.99),
        };
        println!(
            "{:>6} {:>8} {:>7} {:>9.2} {:>9.2} {:>11.2} {:>9.1} {:>10}",
            started.elapsed().as_secs(),
            window.mixed_us.len(),
            window.errors,
            percentile_ms(&window.mixed_us, 0.5),
            row.mixed_p99,
            row.health_p99,
            row.rss_mib,
            expected(&shared).saturating_sub(delivered())
        );
        rows.push(row);
    }
    for worker in workers {
        worker.await.expect("soak worker");
    }
    let wanted = expected(&shared);
    wait_delivered(&delivered, wanted, Duration::from_secs(120)).await;
    let got = delivered();

    let half = rows.len() / 2;
    let (first, second) = rows.split_at(half.max(1).min(rows.len()));
    let med = |rows: &[Row], f: fn(&Row) -> f64| {
        let mut values: Vec<f64> = rows.iter().map(f).filter(|v| !v.is_nan()).collect();
        median(&mut values)
    };
    let rss_first = rows.first().map_or(f64::NAN, |r| r.rss_mib);
    let rss_last = rows.last().map_or(f64::NAN, |r| r.rss_mib);
    let rss_max = rows.iter().map(|r| r.rss_mib).fold(f64::NAN, f64::max);
    let errors = shared.errors.load(Ordering::Relaxed);
    println!(
        "summary over {} windows of {} s:",
        rows.len(),
        options.window
    );
    println!(
        "  calls                 {} mixed ({} creates, {} updates, {} deletes), errors {errors}",
        sequence.load(Ordering::Relaxed),
        shared.created.load(Ordering::Relaxed),
        shared.updated.load(Ordering::Relaxed),
        shared.deleted.load(Ordering::Relaxed)
    );
    println!(
        "  resident memory       {rss_first:.1} MiB after the first window, {rss_last:.1} MiB at the end (max {rss_max:.1}): {:+.1} MiB",
        rss_last - rss_first
    );
    println!(
        "  p99, median of windows  first half {:.2} ms (health {:.2} ms), second half {:.2} ms (health {:.2} ms)",
        med(first, |r| r.mixed_p99),
        med(first, |r| r.health_p99),
        med(second, |r| r.mixed_p99),
        med(second, |r| r.health_p99)
    );
    println!(
        "  webhook events        {wanted} expected, {got} distinct delivered ({} deliveries in all)",
        seen.events.load(Ordering::Relaxed)
    );
    let mut failed = Vec::new();
    if errors > 0 {
        failed.push(format!("{errors} calls failed"));
        for failure in shared.failures.lock().unwrap().iter() {
            println!("  failure: {failure}");
        }
    }
    if got < wanted {
        failed.push(format!("{} events never delivered", wanted - got));
    }
    if let Some(limit) = options.max_rss_growth_mib {
        if rss_last - rss_first > limit {
            failed.push(format!(
                "resident memory grew {:.1} MiB (limit {limit} MiB)",
                rss_last - rss_first
            ));
        }
    }
    if !failed.is_empty() {
        println!("soak FAILED: {}", failed.join("; "));
        std::process::exit(1);
    }
    println!("soak passed");
}

async fn wait_delivered(delivered: &impl Fn() -> u64, wanted: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    while delivered() < wanted && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
