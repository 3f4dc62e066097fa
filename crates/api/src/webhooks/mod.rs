//! HubSpot's webhooks v3 management API: an app's settings and
//! subscriptions, reached with the app's developer API key (`?hapikey=`).

use crate::batch_response::BatchResponse;
use crate::error::{ApiError, StandardError};
use crate::extract::{JsonBody, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use spoke_domain::access::oauth::App;
use spoke_domain::ids::AppId;
use spoke_domain::time::Timestamp;
use spoke_domain::webhooks::{Settings, Subscription};
use spoke_domain::Error;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/webhooks/v3/{app_id}/settings",
            get(show_settings).put(put_settings).delete(delete_settings),
        )
        .route(
            "/webhooks/v3/{app_id}/subscriptions",
            get(list_subscriptions).post(create_subscription),
        )
        .route(
            "/webhooks/v3/{app_id}/subscriptions/batch/update",
            post(batch_update),
        )
        .route(
            "/webhooks/v3/{app_id}/subscriptions/{subscription_id}",
            get(show_subscription)
                .patch(patch_subscription)
                .delete(delete_subscription),
        )
}

/// The app of the path, once the developer API key opens it.
async fn app(state: &AppState, app_id: &str, query: Option<&str>) -> Result<App, ApiError> {
    let id = app_id
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Error::invalid(format!("appId must be a positive integer, got '{app_id}'."))
        })?;
    let params = QueryParams::parse(query);
    Ok(state
        .webhooks
        .app_for_key(AppId(id), params.get("hapikey"))
        .await?)
}

fn subscription_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::invalid(format!(
            "subscriptionId must be a positive integer, got '{text}'."
        ))
        .into()
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThrottlingBody {
    max_concurrent_requests: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SettingsBody {
    target_url: String,
    throttling: ThrottlingBody,
    created_at: String,
    updated_at: String,
}

impl From<Settings> for SettingsBody {
    fn from(s: Settings) -> Self {
        SettingsBody {
            target_url: s.target_url,
            throttling: ThrottlingBody {
                max_concurrent_requests: s.max_concurrent_requests,
                period: s.period,
            },
            created_at: s.created_at.to_iso(),
            updated_at: s.updated_at.to_iso(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionBody {
    id: String,
    event_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    property_name: Option<String>,
    active: bool,
    created_at: String,
    updated_at: String,
}

impl From<Subscription> for SubscriptionBody {
    fn from(s: Subscription) -> Self {
        SubscriptionBody {
            id: s.id.to_string(),
            event_type: s.event_type.as_str(),
            property_name: s.property_name,
            active: s.active,
            created_at: s.created_at.to_iso(),
            updated_at: s.updated_at.to_iso(),
        }
    }
}

async fn show_settings(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    let settings = state.webhooks.settings(app.id).await?;
    Ok(json(StatusCode::OK, &SettingsBody::from(settings)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettingsChange {
    target_url: Option<String>,
    throttling: Option<ThrottlingChange>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThrottlingChange {
    max_concurrent_requests: Option<i64>,
    period: Option<String>,
}

async fn put_settings(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<SettingsChange>,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    let Some(target_url) = body.target_url else {
        return Err(Error::invalid_field("targetUrl", "targetUrl is required.").into());
    };
    let Some(throttling) = body.throttling else {
        return Err(Error::invalid_field("throttling", "throttling is required.").into());
    };
    let Some(max) = throttling.max_concurrent_requests else {
        return Err(Error::invalid_field(
            "throttling.maxConcurrentRequests",
            "throttling.maxConcurrentRequests is required.",
        )
        .into());
    };
    let settings = state
        .webhooks
        .put_settings(app.id, &target_url, max, throttling.period.as_deref())
        .await?;
    Ok(json(StatusCode::OK, &SettingsBody::from(settings)))
}

async fn delete_settings(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    state.webhooks.delete_settings(app.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize)]
struct SubscriptionList {
    results: Vec<SubscriptionBody>,
}

async fn list_subscriptions(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    let results = state.webhooks.subscriptions(app.id).await?;
    Ok(json(
        StatusCode::OK,
        &SubscriptionList {
            results: results.into_iter().map(SubscriptionBody::from).collect(),
        },
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionCreate {
    event_type: Option<String>,
    property_name: Option<String>,
    active: Option<bool>,
}

async fn create_subscription(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<SubscriptionCreate>,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    let Some(event_type) = body.event_type else {
        return Err(Error::invalid_field("eventType", "eventType is required.").into());
    };
    let created = state
        .webhooks
        .create_subscription(
            app.id,
            &event_type,
            body.property_name.as_deref(),
            body.active.unwrap_or(false),
        )
        .await?;
    Ok(json(StatusCode::CREATED, &SubscriptionBody::from(created)))
}

async fn show_subscription(
    State(state): State<AppState>,
    Path((app_id, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    let found = state
        .webhooks
        .subscription(app.id, subscription_id(&id)?)
        .await?;
    Ok(json(StatusCode::OK, &SubscriptionBody::from(found)))
}

#[derive(Deserialize)]
struct SubscriptionPatch {
    active: Option<bool>,
}

async fn patch_subscription(
    State(state): State<AppState>,
    Path((app_id, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<SubscriptionPatch>,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    let id = subscription_id(&id)?;
    let changed = match body.active {
        Some(active) => state.webhooks.set_active(app.id, id, active).await?,
        None => state.webhooks.subscription(app.id, id).await?,
    };
    Ok(json(StatusCode::OK, &SubscriptionBody::from(changed)))
}

async fn delete_subscription(
    State(state): State<AppState>,
    Path((app_id, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let app = app(&state, &app_id, query.as_deref()).await?;
    state
        .webhooks
        .delete_subscription(app.id, subscription_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct BatchUpdate {
    inputs: Option<Vec<BatchUpdateInput>>,
}

#[derive(Deserialize)]
struct BatchUpdateInput {
    id: Option<serde_json::Value>,
    active: Option<bool>,
}

async fn batch_update(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<BatchUpdate>,
) -> Result<Response, ApiError> {
    let started = Timestamp::now();
    let app = app(&state, &app_id, query.as_deref()).await?;
    let inputs = body
        .inputs
        .ok_or_else(|| Error::invalid_field("inputs", "inputs is required."))?;
    let mut changes = Vec::with_capacity(inputs.len());
    for (n, input) in inputs.iter().enumerate() {
        let id = match &input.id {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.parse::<i64>().ok(),
            _ => None,
        };
        let (Some(id), Some(active)) = (id.filter(|i| *i > 0), input.active) else {
            return Err(Error::invalid_field(
                &format!("inputs[{n}]"),
                format!("inputs[{n}] needs an integer id and a boolean active."),
            )
            .into());
        };
        changes.push((id, active));
    }
    let (done, missing) = state.webhooks.set_active_batch(app.id, &changes).await?;
    let errors = missing
        .into_iter()
        .map(|id| StandardError {
            status: "error",
            category: "SUBSCRIPTION_ID_NOT_FOUND",
            message: format!("Failed to find subscriptions by id `{id}`."),
            context: BTreeMap::from([("ids".to_string(), vec![id.to_string()])]),
            errors: Vec::new(),
            links: BTreeMap::new(),
        })
        .collect();
    Ok(BatchResponse::respond(
        done.into_iter().map(SubscriptionBody::from).collect(),
        errors,
        started,
        StatusCode::OK,
    ))
}
