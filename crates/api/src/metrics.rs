//! Prometheus metrics at `GET /metrics`, with the `metrics` facade and its
//! Prometheus exporter: requests by route and status with latency
//! histograms (recorded by [`crate::request_context`]), database time
//! (recorded by the stores), webhook queue depth and lag and the list
//! evaluation backlog (set by the server's gauge worker), rate-limit
//! rejections (recorded by the pipeline). Like `/health`, it takes no
//! credential and holds no personal data: routes are their templates
//! (`/crm/v3/objects/contacts/{id}`), never the ids in a path.

use crate::AppState;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Latency buckets, in seconds (every `*_seconds` histogram).
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (once: every server of a process, as in
/// the tests, shares it); the handle that renders it.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .ok()?
                .install_recorder();
            match recorder {
                Ok(handle) => {
                    drain_histograms(handle.clone());
                    Some(handle)
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot install the metrics recorder; /metrics is empty");
                    None
                }
            }
        })
        .clone()
}

/// The exporter keeps each histogram sample until it is folded into the
/// buckets, which happens at a scrape or an upkeep: without either, memory
/// grows with every request (the soak found it). A thread of its own folds
/// them every few seconds, whether anyone scrapes or not.
fn drain_histograms(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(5));
            handle.run_upkeep();
        });
    if let Err(err) = spawned {
        tracing::warn!(%err, "cannot start the metrics upkeep thread");
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

async fn render() -> Response {
    match install() {
        Some(handle) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// One answered request.
pub fn request(method: &Method, route: &str, status: u16, seconds: f64) {
    let (method, route) = (method.to_string(), route.to_string());
    metrics::counter!(
        "spoke_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(
        "spoke_http_request_duration_seconds",
        "method" => method,
        "route" => route
    )
    .record(seconds);
}

/// A call refused by a rate limit (`policy`: ten_secondly, daily,
/// secondly).
pub fn rate_limited(policy: &'static str) {
    metrics::counter!("spoke_rate_limit_rejections_total", "policy" => policy).increment(1);
}
