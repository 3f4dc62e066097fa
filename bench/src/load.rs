//! A closed-loop HTTP/1.1 load generator: N keep-alive connections, each
//! sending its next request as soon as the previous answer is read.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// One request to send.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<Bytes>,
}

impl Call {
    pub fn get(path: impl Into<String>) -> Call {
        Call {
            method: Method::GET,
            path: path.into(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: Vec<u8>) -> Call {
        Call {
            method: Method::POST,
            path: path.into(),
            body: Some(Bytes::from(body)),
        }
    }
}

/// What one run measured.
#[derive(Clone, Debug)]
pub struct RunStats {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Sorted latencies, microseconds.
    pub latencies_us: Vec<u32>,
}

impl RunStats {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let idx = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[idx] as f64 / 1000.0
    }
}

/// When a run ends.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    After(Duration),
    /// After this many calls in all.
    Count(u64),
}

/// Sends calls produced by `next` (given a sequence number shared by all
/// connections, from 0) over `connections` connections until `stop`.
/// A response with a status other than `expect` counts as an error.
pub async fn run<F>(
    addr: SocketAddr,
    token: &str,
    connections: usize,
    stop: Stop,
    expect: u16,
    next: F,
) -> RunStats
where
    F: Fn(u64) -> Call + Send + Sync + 'static,
{
    let next = Arc::new(next);
    let auth = Arc::new(format!("Bearer {token}"));
    let sequence = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let (deadline, total) = match stop {
        Stop::After(d) => (started + d, u64::MAX),
        Stop::Count(n) => (started + Duration::from_secs(24 * 3600), n),
    };
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let next = Arc::clone(&next);
        let auth = Arc::clone(&auth);
        let sequence = Arc::clone(&sequence);
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).ok();
            let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
                .await
                .expect("handshake");
            tokio::spawn(conn);
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let seq = sequence.fetch_add(1, Ordering::Relaxed);
                if seq >= total {
                    break;
                }
                let call = next(seq);
                let body = call.body.unwrap_or_default();
                let request = Request::builder()
                    .method(call.method)
                    .uri(call.path)
                    .header("host", "bench")
                    .header("authorization", auth.as_str())
                    .header("content-type", "application/json")
                    .body(Full::new(body))
                    .expect("request");
                let sent = Instant::now();
                match sender.send_request(request).await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.into_body().collect().await;
                        latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        if status != expect {
                            errors += 1;
                        }
                    }
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.expect("load task");
        latencies_us.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies_us.sort_unstable();
    RunStats {
        requests: latencies_us.len() as u64,
        errors,
        elapsed,
        latencies_us,
    }
}

/// The median of some figures.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
