//! Portals, their private apps, API keys and limits.

use super::portal_id;
use crate::error::ApiError;
use crate::extract::{OptionalJson, Path};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use spoke_domain::access::limits::{InForce, LimitSettings, LimitsMode, Tier};
use spoke_domain::access::portals::PortalRecord;
use spoke_domain::access::Scopes;
use spoke_domain::ids::AppId;
use spoke_domain::Error;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewPortalBody {
    name: Option<String>,
    tier: Option<String>,
}

/// A portal as the admin API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalBody {
    portal_id: i64,
    name: String,
    tier: &'static str,
    is_default: bool,
    created_at: String,
}

impl From<&PortalRecord> for PortalBody {
    fn from(p: &PortalRecord) -> Self {
        PortalBody {
            portal_id: p.id.0,
            name: p.name.clone(),
            tier: p.tier.as_str(),
            is_default: p.is_default,
            created_at: p.created_at.to_iso(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatedPortalBody {
    pub(super) portal_id: i64,
    pub(super) name: String,
    pub(super) tier: &'static str,
    pub(super) access_token: String,
}

pub(super) fn tier(text: Option<&str>) -> Result<Tier, ApiError> {
    match text {
        None => Ok(Tier::default()),
        Some(t) => Tier::parse(t).ok_or_else(|| {
            Error::invalid_field(
                "tier",
                format!(
                    "tier must be one of free, starter, professional, enterprise; not \"{t}\"."
                ),
            )
            .into()
        }),
    }
}

pub async fn create(
    State(state): State<AppState>,
    OptionalJson(body): OptionalJson<NewPortalBody>,
) -> Result<Response, ApiError> {
    let tier = tier(body.tier.as_deref())?;
    let created = state
        .access
        .create_portal(body.name.as_deref(), tier)
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &CreatedPortalBody {
            portal_id: created.portal.id.0,
            name: created.portal.name,
            tier: created.portal.tier.as_str(),
            access_token: created.access_token,
        },
    ))
}

#[derive(Serialize)]
struct Results<T> {
    results: Vec<T>,
}

pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let portals = state.access.portals().await?;
    Ok(json(
        StatusCode::OK,
        &Results {
            results: portals.iter().map(PortalBody::from).collect(),
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let portal = state.access.portal(portal_id(&id)?).await?;
    Ok(json(StatusCode::OK, &PortalBody::from(&portal)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.access.delete_portal(portal_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResetBody {
    keep_properties: Option<bool>,
}

/// `POST /_spoke/v1/portals/{portalId}/reset` `{"keepProperties": true}`
/// (body optional): 200 with the portal.
pub async fn reset(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ResetBody>,
) -> Result<Response, ApiError> {
    let portal = state
        .access
        .reset_portal(portal_id(&id)?, body.keep_properties.unwrap_or(false))
        .await?;
    Ok(json(StatusCode::OK, &PortalBody::from(&portal)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewPrivateAppBody {
    name: Option<String>,
    scopes: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedPrivateAppBody {
    app_id: i64,
    access_token: String,
    scopes: Vec<String>,
}

pub async fn create_private_app(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<NewPrivateAppBody>,
) -> Result<Response, ApiError> {
    let portal = portal_id(&id)?;
    let Some(scopes) = body.scopes else {
        return Err(Error::invalid_field(
            "scopes",
            "scopes is required: the scopes the app's token holds, such as [\"crm.objects.contacts.read\"].",
        )
        .into());
    };
    let scopes = Scopes::parse("scopes", scopes.iter().map(String::as_str))?;
    let (app, token) = state
        .access
        .create_private_app(portal, body.name.as_deref(), scopes)
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &CreatedPrivateAppBody {
            app_id: app.id.0,
            access_token: token,
            scopes: app.scopes.iter().map(str::to_string).collect(),
        },
    ))
}

pub async fn delete_private_app(
    State(state): State<AppState>,
    Path((portal, app)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let portal = portal_id(&portal)?;
    let app = app
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(AppId)
        .ok_or_else(|| Error::NotFound(format!("Portal {portal} has no private app {app}.")))?;
    state.access.delete_private_app(portal, app).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyBody {
    api_key: String,
}

pub async fn rotate_api_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let api_key = state.access.rotate_api_key(portal_id(&id)?).await?;
    Ok(json(StatusCode::OK, &ApiKeyBody { api_key }))
}

pub async fn delete_api_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.access.delete_api_key(portal_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitsBody {
    mode: String,
    ten_secondly: Option<u64>,
    daily: Option<u64>,
    search_per_second: Option<u64>,
}

/// The limits in force (`null` where none applies).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LimitsInForce {
    mode: &'static str,
    ten_secondly: Option<u64>,
    daily: Option<u64>,
    search_per_second: Option<u64>,
}

impl From<InForce> for LimitsInForce {
    fn from(l: InForce) -> Self {
        LimitsInForce {
            mode: l.mode.as_str(),
            ten_secondly: l.ten_secondly,
            daily: l.daily,
            search_per_second: l.search_per_second,
        }
    }
}

pub async fn set_limits(
    State(state): State<AppState>,
    Path(id): Path<String>,
    crate::extract::JsonBody(body): crate::extract::JsonBody<LimitsBody>,
) -> Result<Response, ApiError> {
    let portal = portal_id(&id)?;
    let mode = LimitsMode::parse(&body.mode).ok_or_else(|| {
        Error::invalid_field(
            "mode",
            format!(
                "mode must be off, hubspot or custom; not \"{}\".",
                body.mode
            ),
        )
    })?;
    let settings =
        LimitSettings::requested(mode, body.ten_secondly, body.daily, body.search_per_second)?;
    let portal = state.access.set_limits(portal, settings).await?;
    Ok(json(
        StatusCode::OK,
        &LimitsInForce::from(state.access.in_force(&portal)),
    ))
}

pub async fn limits(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let portal = state.access.portal(portal_id(&id)?).await?;
    Ok(json(
        StatusCode::OK,
        &LimitsInForce::from(state.access.in_force(&portal)),
    ))
}
