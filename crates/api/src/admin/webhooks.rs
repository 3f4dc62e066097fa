//! What Spoke sent to apps' webhook targets: every delivery with its
//! attempts, replays, and the stream of attempts `spoke webhooks tail`
//! follows.

use super::portal_id;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::wire::json;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use spoke_domain::ids::AppId;
use spoke_domain::time::Timestamp;
use spoke_domain::webhooks::store::{Attempt, Delivery, DeliveryFilter, DeliveryStatus};
use spoke_domain::webhooks::WebhookEvent;
use spoke_domain::Error;

const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptBody {
    id: i64,
    attempt_number: u32,
    at: String,
    status_code: Option<u16>,
    latency_ms: i64,
    response_excerpt: Option<String>,
    error: Option<String>,
    delivered: bool,
}

impl From<Attempt> for AttemptBody {
    fn from(a: Attempt) -> Self {
        AttemptBody {
            id: a.id,
            attempt_number: a.number,
            at: a.at.to_iso(),
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            response_excerpt: a.response_excerpt,
            error: a.error,
            delivered: a.delivered,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryBody {
    id: i64,
    app_id: i64,
    portal_id: i64,
    url: String,
    status: &'static str,
    events: Vec<WebhookEvent>,
    attempts: Vec<AttemptBody>,
    next_retry_at: Option<String>,
    replay_of: Option<i64>,
    created_at: String,
    updated_at: String,
}

impl From<Delivery> for DeliveryBody {
    fn from(d: Delivery) -> Self {
        DeliveryBody {
            id: d.id,
            app_id: d.app.0,
            portal_id: d.portal.0,
            url: d.url,
            status: d.status.as_str(),
            events: d.events,
            attempts: d.attempts.into_iter().map(AttemptBody::from).collect(),
            next_retry_at: d.next_attempt_at.map(Timestamp::to_iso),
            replay_of: d.replay_of,
            created_at: d.created_at.to_iso(),
            updated_at: d.updated_at.to_iso(),
        }
    }
}

#[derive(Serialize)]
struct Next {
    after: String,
}

#[derive(Serialize)]
struct Paging {
    next: Next,
}

#[derive(Serialize)]
struct DeliveryPage {
    results: Vec<DeliveryBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paging: Option<Paging>,
}

/// A time filter: ms since the epoch or ISO-8601.
fn time(params: &QueryParams, key: &str) -> Result<Option<Timestamp>, ApiError> {
    let Some(text) = params.get(key) else {
        return Ok(None);
    };
    text.parse::<i64>()
        .ok()
        .and_then(Timestamp::from_millis)
        .or_else(|| Timestamp::parse_iso(text))
        .map(Some)
        .ok_or_else(|| {
            Error::invalid_field(
                key,
                format!(
                    "{key} must be milliseconds since the epoch or an ISO-8601 time, got '{text}'."
                ),
            )
            .into()
        })
}

fn positive(params: &QueryParams, key: &str) -> Result<Option<i64>, ApiError> {
    let Some(text) = params.get(key) else {
        return Ok(None);
    };
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or_else(|| {
            Error::invalid_field(
                key,
                format!("{key} must be a positive integer, got '{text}'."),
            )
            .into()
        })
}

/// `GET /_spoke/v1/portals/{portalId}/webhook-deliveries`: newest first;
/// filters `appId`, `status`, `since`, `until`; paging with `limit` (at
/// most 100) and `after`.
pub async fn list(
    State(state): State<AppState>,
    Path(portal): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let portal = portal_id(&portal)?;
    // 404 for a portal that does not exist.
    state.access.portal(portal).await?;
    let params = QueryParams::parse(query.as_deref());
    let status = match params.get("status") {
        None => None,
        Some(text) => Some(DeliveryStatus::parse(text).ok_or_else(|| {
            let known: Vec<&str> = DeliveryStatus::ALL.iter().map(|s| s.as_str()).collect();
            Error::invalid_field(
                "status",
                format!("status must be one of {}, got '{text}'.", known.join(", ")),
            )
        })?),
    };
    let limit = positive(&params, "limit")?
        .map_or(DEFAULT_PAGE, |n| n as usize)
        .min(MAX_PAGE);
    let filter = DeliveryFilter {
        portal: Some(portal),
        app: positive(&params, "appId")?.map(AppId),
        status,
        since: time(&params, "since")?,
        until: time(&params, "until")?,
        before: positive(&params, "after")?,
        limit: limit + 1,
    };
    let mut found = state.webhooks.deliveries(&filter).await?;
    let more = found.len() > limit;
    found.truncate(limit);
    let paging = more.then(|| Paging {
        next: Next {
            after: found.last().map_or(0, |d| d.id).to_string(),
        },
    });
    Ok(json(
        StatusCode::OK,
        &DeliveryPage {
            results: found.into_iter().map(DeliveryBody::from).collect(),
            paging,
        },
    ))
}

/// `POST /_spoke/v1/webhook-deliveries/{deliveryId}/replay`: the same
/// events (same `eventId`s) sent again as a new delivery, to the app's
/// current target.
pub async fn replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::invalid_field(
            "deliveryId",
            format!("\"{id}\" is not a delivery id: delivery ids are positive integers."),
        )
    })?;
    let replay = state.webhooks.replay(id).await?;
    Ok(json(StatusCode::CREATED, &DeliveryBody::from(replay)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttemptEntry {
    delivery_id: i64,
    app_id: i64,
    portal_id: i64,
    url: String,
    #[serde(flatten)]
    attempt: AttemptBody,
}

#[derive(Serialize)]
struct AttemptPage {
    results: Vec<AttemptEntry>,
}

/// `GET /_spoke/v1/webhook-attempts?after=ID`: attempts oldest first,
/// every portal (what `spoke webhooks tail` polls).
pub async fn attempts(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(query.as_deref());
    let after = match params.get("after") {
        Some("0") | None => 0,
        Some(_) => positive(&params, "after")?.unwrap_or(0),
    };
    let limit = positive(&params, "limit")?
        .map_or(MAX_PAGE, |n| n as usize)
        .min(MAX_PAGE);
    let found = state.webhooks.attempts_after(after, limit).await?;
    Ok(json(
        StatusCode::OK,
        &AttemptPage {
            results: found
                .into_iter()
                .map(|(attempt, app, portal, url)| AttemptEntry {
                    delivery_id: attempt.delivery,
                    app_id: app.0,
                    portal_id: portal.0,
                    url,
                    attempt: attempt.into(),
                })
                .collect(),
        },
    ))
}
