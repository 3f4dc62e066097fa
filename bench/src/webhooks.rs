//! Webhook delivery: contacts written through batch/create into a portal
//! whose installed app has three subscriptions, delivered to a receiver in
//! this process; beside the same ingest into a portal without any, in the
//! same run, interleaved.

use crate::ingest::batch_body;
use crate::load::{self, call, median, Call, Stop};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the receiver saw.
#[derive(Default)]
pub struct Seen {
    pub events: AtomicU64,
    /// Distinct event ids (a redelivery is counted once here).
    pub distinct: Mutex<std::collections::HashSet<u64>>,
    requests: AtomicU64,
    /// Write-to-delivery latency of every event, in ms (occurredAt to
    /// arrival).
    pub latencies: Mutex<Vec<f64>>,
    last_arrival: Mutex<Option<Instant>>,
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

/// A minimal HTTP/1.1 receiver on a thread of its own (so that it does not
/// slow the load generator): reads each request (framed by
/// Content-Length), records its events, answers 200 with no body.
pub fn receiver(seen: Arc<Seen>) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, Arc::clone(&seen)));
            }
        });
    });
    rx.recv().expect("the receiver starts")
}

async fn serve(mut stream: TcpStream, seen: Arc<Seen>) {
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let arrived = now_ms();
        if let Ok(events) =
            serde_json::from_slice::<Vec<serde_json::Value>>(&buffer[head_end..head_end + length])
        {
            let mut latencies = seen.latencies.lock().unwrap();
            let mut distinct = seen.distinct.lock().unwrap();
            for event in &events {
                if let Some(at) = event["occurredAt"].as_f64() {
                    latencies.push(arrived - at);
                }
                if let Some(id) = event["eventId"].as_u64() {
                    distinct.insert(id);
                }
            }
            seen.events
                .fetch_add(events.len() as u64, Ordering::Relaxed);
            seen.requests.fetch_add(1, Ordering::Relaxed);
            *seen.last_arrival.lock().unwrap() = Some(Instant::now());
        }
        buffer.drain(..head_end + length);
        if stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
    }
}

pub async fn admin(addr: SocketAddr, admin: &str, c: Call) -> serde_json::Value {
    let (status, body) = call(addr, admin, c).await.expect("Spoke answers");
    assert!(
        (200..300).contains(&status),
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null)
}

pub fn json(value: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&value).unwrap()
}

/// A portal; its access token.
pub async fn portal(addr: SocketAddr, admin_token: &str, name: &str) -> String {
    let created = admin(
        addr,
        admin_token,
        Call::post(
            "/_spoke/v1/portals",
            json(serde_json::json!({"name": name})),
        ),
    )
    .await;
    created["accessToken"].as_str().unwrap().to_string()
}

pub async fn ingest(addr: SocketAddr, token: &str, contacts: u64, offset: u64) -> f64 {
    let batch = 100;
    let started = Instant::now();
    let stats = load::run(
        addr,
        token,
        4,
        Stop::Count(contacts / batch),
        201,
        move |seq| {
            Call::post(
                "/crm/v3/objects/contacts/batch/create",
                batch_body(offset + seq * batch, batch),
            )
        },
    )
    .await;
    assert_eq!(stats.errors, 0, "ingest failed");
    (stats.requests * batch) as f64 / started.elapsed().as_secs_f64()
}

/// A public app installed in `portal_id`, delivering the events of
/// `subscriptions` to `receiver`.
pub async fn install_app(
    addr: SocketAddr,
    admin_token: &str,
    portal_id: u64,
    receiver: SocketAddr,
    subscriptions: &[serde_json::Value],
) {
    let app = admin(
        addr,
        admin_token,
        Call::post(
            "/_spoke/v1/apps",
            json(serde_json::json!({"name": "bench", "redirectUris": ["http://localhost/cb"], "scopes": ["oauth"]})),
        ),
    )
    .await;
    admin(
        addr,
        admin_token,
        Call::post(
            "/_spoke/v1/oauth/authorize",
            json(serde_json::json!({"clientId": app["clientId"], "portalId": portal_id, "redirectUri": "http://localhost/cb"})),
        ),
    )
    .await;
    let hooks = format!(
        "/webhooks/v3/{}/{{}}?hapikey={}",
        app["appId"],
        app["developerApiKey"].as_str().unwrap()
    );
    let path = |rest: &str| hooks.replace("{}", rest);
    admin(
        addr,
        admin_token,
        Call::put(
            path("settings"),
            json(serde_json::json!({"targetUrl": format!("http://{receiver}/hook"), "throttling": {"maxConcurrentRequests": 10}})),
        ),
    )
    .await;
    for body in subscriptions {
        admin(
            addr,
            admin_token,
            Call::post(path("subscriptions"), json(body.clone())),
        )
        .await;
    }
}

pub async fn run(addr: SocketAddr, admin_token: &str, contacts: u64, rounds: usize) {
    let seen = Arc::new(Seen::default());
    let receiver_addr = receiver(Arc::clone(&seen));
    let plain = portal(addr, admin_token, "without subscriptions").await;
    let hooked = portal(addr, admin_token, "with subscriptions").await;
    // The hooked portal is portal 3 of a fresh Spoke (1 is the default).
    install_app(
        addr,
        admin_token,
        3,
        receiver_addr,
        &[
            serde_json::json!({"eventType": "contact.creation", "active": true}),
            serde_json::json!({"eventType": "contact.propertyChange", "propertyName": "email", "active": true}),
            serde_json::json!({"eventType": "contact.propertyChange", "propertyName": "firstname", "active": true}),
        ],
    )
    .await;

    let per_round = contacts / rounds as u64;
    let (mut without, mut with, mut rates, mut p50s, mut p99s) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let offset = round as u64 * per_round;
        let base = ingest(addr, &plain, per_round, offset).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = seen.events.load(Ordering::Relaxed);
        seen.latencies.lock().unwrap().clear();
        let started = Instant::now();
        let hooked_rate = ingest(addr, &hooked, per_round, offset).await;
        let written = started.elapsed();
        // Every contact gives three events (creation, email, firstname).
        let expected = before + per_round * 3;
        let deadline = Instant::now() + Duration::from_secs(600);
        while seen.events.load(Ordering::Relaxed) < expected {
            assert!(Instant::now() < deadline, "deliveries stalled");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let last = seen.last_arrival.lock().unwrap().unwrap();
        let delivering = last.duration_since(started).as_secs_f64();
        let rate = (per_round * 3) as f64 / delivering;
        let mut latencies = seen.latencies.lock().unwrap().clone();
        latencies.sort_by(f64::total_cmp);
        let pick = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
        println!(
            "round {}: ingest without subscriptions {:.0} contacts/s, with three {:.0} contacts/s ({:.2}); {} events delivered in {:.1} s from the first write ({:.1} s writing) = {:.0} events/s; write-to-delivery p50 {:.0} ms, p99 {:.0} ms",
            round + 1,
            base,
            hooked_rate,
            hooked_rate / base,
            per_round * 3,
            delivering,
            written.as_secs_f64(),
            rate,
            pick(0.5),
            pick(0.99)
        );
        without.push(base);
        with.push(hooked_rate);
        rates.push(rate);
        p50s.push(pick(0.5));
        p99s.push(pick(0.99));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let (base, hooked) = (median(&mut without), median(&mut with));
    println!("medians over {rounds} rounds of {per_round} contacts per portal:");
    println!("  ingest without subscriptions  {base:.0} contacts/s");
    println!(
        "  ingest with three             {hooked:.0} contacts/s  ratio {:.2} (cost to writers {:.0}%)",
        hooked / base,
        (1.0 - hooked / base) * 100.0
    );
    println!(
        "  delivered                     {:.0} events/s  write-to-delivery p50 {:.0} ms  p99 {:.0} ms",
        median(&mut rates),
        median(&mut p50s),
        median(&mut p99s)
    );
    println!(
        "  requests received             {} ({:.1} events per request)",
        seen.requests.load(Ordering::Relaxed),
        seen.events.load(Ordering::Relaxed) as f64
            / seen.requests.load(Ordering::Relaxed).max(1) as f64
    );
}
