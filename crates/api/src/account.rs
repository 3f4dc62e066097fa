//! Where an integration is: HubSpot's account details, the legacy
//! `integrations/v1/me`, and the daily usage report.

use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use spoke_domain::time::Timestamp;

/// Portals keep HubSpot's account defaults; Spoke's day is UTC's.
const TIME_ZONE: &str = "UTC";
const CURRENCY: &str = "USD";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account-info/v3/details", get(details))
        .route("/integrations/v1/me", get(me))
        .route("/integrations/v1/limit/daily", get(daily_usage))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Details {
    portal_id: i64,
    account_type: &'static str,
    time_zone: &'static str,
    company_currency: &'static str,
    additional_currencies: [&'static str; 0],
    utc_offset: &'static str,
    utc_offset_milliseconds: i64,
    ui_domain: String,
    data_hosting_location: &'static str,
}

async fn details(Authenticated(caller): Authenticated, headers: HeaderMap) -> Response {
    // The UI of this portal is this server.
    let ui_domain = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    json(
        StatusCode::OK,
        &Details {
            portal_id: caller.portal.0,
            account_type: "STANDARD",
            time_zone: TIME_ZONE,
            company_currency: CURRENCY,
            additional_currencies: [],
            utc_offset: "+00:00",
            utc_offset_milliseconds: 0,
            ui_domain,
            data_hosting_location: "na1",
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    portal_id: i64,
    time_zone: &'static str,
    currency: &'static str,
    utc_offset_milliseconds: i64,
    utc_offset: &'static str,
}

async fn me(Authenticated(caller): Authenticated) -> Response {
    json(
        StatusCode::OK,
        &Me {
            portal_id: caller.portal.0,
            time_zone: TIME_ZONE,
            currency: CURRENCY,
            utc_offset_milliseconds: 0,
            utc_offset: "+00:00",
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    name: &'static str,
    usage_limit: u64,
    current_usage: u64,
    collected_at: i64,
    fetch_status: &'static str,
    resets_at: i64,
}

async fn daily_usage(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let (limit, used, resets) = state.access.daily_usage(&caller, now).await?;
    Ok(json(
        StatusCode::OK,
        &[Usage {
            name: "api-calls-daily",
            usage_limit: limit,
            current_usage: used,
            collected_at: now.millis(),
            fetch_status: "SUCCESS",
            resets_at: resets.millis(),
        }],
    ))
}
