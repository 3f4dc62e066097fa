//! Sends claimed deliveries to apps' targets, signed as HubSpot signs them,
//! and records each attempt with its outcome and the next retry.

use super::pause_or_stop;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use spoke_domain::webhooks::retry::{parse_retry_after, MAX_RETRIES, TIMEOUT};
use spoke_domain::webhooks::store::{AttemptOutcome, ClaimedDelivery};
use spoke_domain::webhooks::{signature, RetryPolicy};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Semaphore};

/// Requests in flight from one node, across every app and portal.
const MAX_IN_FLIGHT: usize = 256;
/// How long a claim holds: the 5 s timeout and room to record the answer.
const LEASE: Duration = Duration::from_secs(10);
const IDLE: Duration = Duration::from_millis(20);
/// How much of a receiver's answer is kept with the attempt.
const EXCERPT_BYTES: usize = 512;

/// Which targets a delivery may reach.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetPolicy {
    /// Any address, localhost included (the sandbox default).
    #[default]
    Any,
    /// Only public addresses: loopback, private, link-local and other
    /// special ranges are refused, after name resolution.
    PublicOnly,
}

pub async fn run(
    store: Arc<dyn Store>,
    retry: RetryPolicy,
    targets: TargetPolicy,
    mut stopped: watch::Receiver<bool>,
) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(%err, "cannot build the webhook HTTP client; webhooks are not sent");
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    loop {
        let free = slots.available_permits();
        let mut pause = IDLE;
        if free > 0 {
            let now = Timestamp::now();
            let lease_until = Timestamp::from_stored(now.millis() + LEASE.as_millis() as i64);
            match store.claim_deliveries(now, lease_until, free).await {
                Ok(claimed) => {
                    if !claimed.is_empty() {
                        pause = Duration::ZERO;
                    }
                    for delivery in claimed {
                        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                            break;
                        };
                        let (store, client) = (Arc::clone(&store), client.clone());
                        tokio::spawn(async move {
                            send(&*store, &client, retry, targets, delivery).await;
                            drop(permit);
                        });
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, "claiming webhook deliveries failed; trying again");
                    pause = Duration::from_secs(1);
                }
            }
        }
        if pause_or_stop(&mut stopped, pause).await {
            // Let the sends in flight record their answers.
            let _ = slots.acquire_many(MAX_IN_FLIGHT as u32).await;
            return;
        }
    }
}

/// One attempt at one delivery.
async fn send(
    store: &dyn Store,
    client: &reqwest::Client,
    retry: RetryPolicy,
    targets: TargetPolicy,
    delivery: ClaimedDelivery,
) {
    let started = Instant::now();
    let at = Timestamp::now();
    let outcome = match attempt(client, targets, &delivery).await {
        Ok((status, retry_after, excerpt)) => {
            let delivered = (200..300).contains(&status);
            let retry_after = if status == 429 { retry_after } else { None };
            outcome(
                at,
                started,
                retry,
                &delivery,
                Some(status),
                excerpt,
                None,
                delivered,
                retry_after,
            )
        }
        Err(error) => outcome(
            at,
            started,
            retry,
            &delivery,
            None,
            None,
            Some(error),
            false,
            None,
        ),
    };
    let delivered = outcome.delivered;
    match store
        .finish_attempt(delivery.id, delivery.claim, delivery.attempt, outcome)
        .await
    {
        Ok(true) => tracing::debug!(
            delivery = delivery.id,
            attempt = delivery.attempt,
            delivered,
            "webhook attempt recorded"
        ),
        Ok(false) => tracing::warn!(
            delivery = delivery.id,
            "a webhook delivery's claim lapsed before its answer was recorded; it will be sent again"
        ),
        Err(err) => tracing::warn!(%err, delivery = delivery.id, "cannot record a webhook attempt"),
    }
}

#[allow(clippy::too_many_arguments)]
fn outcome(
    at: Timestamp,
    started: Instant,
    retry: RetryPolicy,
    delivery: &ClaimedDelivery,
    status_code: Option<u16>,
    response_excerpt: Option<String>,
    error: Option<String>,
    delivered: bool,
    retry_after: Option<Duration>,
) -> AttemptOutcome {
    let next_attempt_at = if delivered || delivery.attempt >= MAX_RETRIES {
        None
    } else {
        retry
            .delay(delivery.attempt + 1, jitter(), retry_after)
            .map(|d| Timestamp::from_stored(Timestamp::now().millis() + d.as_millis() as i64))
    };
    AttemptOutcome {
        at,
        status_code,
        latency_ms: started.elapsed().as_millis() as i64,
        response_excerpt,
        error,
        delivered,
        next_attempt_at,
    }
}

/// Sends the request: the receiver's status, its `Retry-After` and the
/// start of its answer; or why there was no answer.
async fn attempt(
    client: &reqwest::Client,
    targets: TargetPolicy,
    delivery: &ClaimedDelivery,
) -> Result<(u16, Option<Duration>, Option<String>), String> {
    if targets == TargetPolicy::PublicOnly {
        check_public(&delivery.url).await?;
    }
    let mut events = delivery.events.clone();
    for event in &mut events {
        event.attempt_number = delivery.attempt;
    }
    let body = serde_json::to_vec(&events).map_err(|e| e.to_string())?;
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static("Spoke webhooks (HubSpot-compatible)"),
    );
    if let Some(secret) = &delivery.secret {
        let timestamp = Timestamp::now().millis();
        let v1 = signature::v1(secret, &body);
        let v3 = signature::v3(secret, "POST", &delivery.url, &body, timestamp);
        for (name, value) in [
            ("x-hubspot-signature", v1),
            ("x-hubspot-signature-version", "v1".to_string()),
            ("x-hubspot-signature-v3", v3),
            ("x-hubspot-request-timestamp", timestamp.to_string()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
    let mut response = client
        .post(&delivery.url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut excerpt = Vec::new();
    while excerpt.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(err) => return Err(describe(err)),
        }
    }
    excerpt.truncate(EXCERPT_BYTES);
    let excerpt = (!excerpt.is_empty()).then(|| String::from_utf8_lossy(&excerpt).into_owned());
    Ok((status, retry_after, excerpt))
}

fn describe(err: reqwest::Error) -> String {
    if err.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if err.is_connect() {
        "cannot connect to the target".to_string()
    } else {
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(inner) = source {
            text.push_str(": ");
            text.push_str(&inner.to_string());
            source = inner.source();
        }
        text
    }
}

/// Refuses a target whose host is, or resolves to, a non-public address.
async fn check_public(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad target URL: {e}"))?;
    let host = parsed.host_str().unwrap_or("").to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .map(|a| a.ip())
            .collect(),
    };
    match addresses
        .iter()
        .find(|ip| !spoke_domain::webhooks::targets::is_public(**ip))
    {
        Some(ip) => Err(format!(
            "target refused: {host} is {ip}, not a public address (--webhook-public-targets-only)"
        )),
        None => Ok(()),
    }
}

/// A number in `[0, 1)` to spread retries.
fn jitter() -> f64 {
    (spoke_domain::webhooks::store::new_claim() % 1_000_000) as f64 / 1_000_000.0
}
