//! Every call is counted against the caller's allowances; HubSpot's
//! rate-limit headers go on every response but search's.

use super::authenticate::recorded;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use spoke_domain::access::limits::{Admission, BURST_INTERVAL_MS};
use spoke_domain::error::LimitPolicy;
use spoke_domain::time::Timestamp;
use spoke_domain::Error;

pub const DAILY: &str = "x-hubspot-ratelimit-daily";
pub const DAILY_REMAINING: &str = "x-hubspot-ratelimit-daily-remaining";
pub const INTERVAL: &str = "x-hubspot-ratelimit-interval-milliseconds";
pub const MAX: &str = "x-hubspot-ratelimit-max";
pub const REMAINING: &str = "x-hubspot-ratelimit-remaining";

pub async fn count_call(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some((caller, endpoint)) = recorded(&request) else {
        return ApiError::from(Error::internal(
            "rate limiting without an authenticated caller",
        ))
        .into_response();
    };
    let admission = match state
        .access
        .admit(&caller, endpoint.class, Timestamp::now())
        .await
    {
        Ok(admission) => admission,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let mut response = match &admission.refused {
        Some(policy) => {
            crate::metrics::rate_limited(match policy {
                LimitPolicy::TenSecondly { .. } => "ten_secondly",
                LimitPolicy::Daily => "daily",
                LimitPolicy::Secondly => "secondly",
            });
            ApiError::from(Error::RateLimited(policy.clone())).into_response()
        }
        None => next.run(request).await,
    };
    add_headers(response.headers_mut(), &admission);
    response
}

fn add_headers(headers: &mut HeaderMap, admission: &Admission) {
    let mut put = |name: &'static str, value: u64| {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    };
    if let Some(daily) = admission.daily {
        put(DAILY, daily.max);
        put(DAILY_REMAINING, daily.remaining);
    }
    if let Some(burst) = admission.ten_secondly {
        put(INTERVAL, BURST_INTERVAL_MS as u64);
        put(MAX, burst.max);
        put(REMAINING, burst.remaining);
    }
}
