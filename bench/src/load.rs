//! A closed-loop HTTP/1.1 load generator: N keep-alive connections, each
//! sending its next request as soon as the previous answer is read.
//!
//! The client is deliberately minimal (requests written from bytes,
//! responses framed by Content-Length) because it shares the machine's
//! cores with the server it measures: every microsecond it spends is taken
//! from the server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request to send.
#[derive(Clone)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Vec<u8>>,
}

impl Call {
    pub fn get(path: impl Into<String>) -> Call {
        Call {
            method: "GET",
            path: path.into(),
            body: None,
        }
    }

    pub fn put(path: impl Into<String>, body: Vec<u8>) -> Call {
        Call {
            method: "PUT",
            path: path.into(),
            body: Some(body),
        }
    }

    pub fn post(path: impl Into<String>, body: Vec<u8>) -> Call {
        Call {
            method: "POST",
            path: path.into(),
            body: Some(body),
        }
    }

    pub fn encode(&self, auth: &str, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nhost: bench\r\nauthorization: ");
        out.extend_from_slice(auth.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(body) = &self.body {
            out.extend_from_slice(b"content-type: application/json\r\ncontent-length: ");
            out.extend_from_slice(body.len().to_string().as_bytes());
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(body);
        } else {
            out.extend_from_slice(b"\r\n");
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

/// A keep-alive connection reading responses framed by Content-Length.
pub struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends one request and returns the response's status code.
    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<u16> {
        self.exchange_keeping(request, false)
            .await
            .map(|(status, _)| status)
    }

    /// Sends one request; returns the status and, when asked, the body.
    pub async fn exchange_keeping(
        &mut self,
        request: &[u8],
        keep: bool,
    ) -> std::io::Result<(u16, Vec<u8>)> {
        self.stream.write_all(request).await?;
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).map_err(|_| bad("head"))?;
                let status: u16 = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("status"))?;
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let total = end + 4 + length;
                while self.buf.len() < total {
                    self.fill().await?;
                }
                let body = if keep {
                    self.buf[end + 4..total].to_vec()
                } else {
                    Vec::new()
                };
                self.buf.drain(..total);
                return Ok((status, body));
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        let len = self.buf.len();
        self.buf.resize(len + 8192, 0);
        let n = self.stream.read(&mut self.buf[len..]).await?;
        self.buf.truncate(len + n);
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// One POST with a JSON body; the JSON answer when it is a 200.
pub async fn fetch_json(
    addr: SocketAddr,
    token: &str,
    path: &str,
    body: &serde_json::Value,
) -> Option<serde_json::Value> {
    let mut conn = Connection::open(addr).await.ok()?;
    let mut request = Vec::new();
    Call::post(path, serde_json::to_vec(body).ok()?)
        .encode(&format!("Bearer {token}"), &mut request);
    match conn.exchange_keeping(&request, true).await.ok()? {
        (200, bytes) => serde_json::from_slice(&bytes).ok(),
        _ => None,
    }
}

/// One call with a bearer token; the status and body.
pub async fn call(addr: SocketAddr, token: &str, call: Call) -> Option<(u16, Vec<u8>)> {
    let mut conn = Connection::open(addr).await.ok()?;
    let mut request = Vec::new();
    call.encode(&format!("Bearer {token}"), &mut request);
    conn.exchange_keeping(&request, true).await.ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
            let mut conn = Connection::open(addr).await.expect("connect");
            let mut latencies = Vec::with_capacity(1 << 16);
            let mut errors = 0u64;
            let mut request = Vec::with_capacity(1024);
            while Instant::now() < deadline {
                let seq = sequence.fetch_add(1, Ordering::Relaxed);
                if seq >= total {
                    break;
                }
                next(seq).encode(&auth, &mut request);
                let sent = Instant::now();
                match conn.exchange(&request).await {
                    Ok(status) => {
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
