//! The sandbox admin API under `/_spoke/v1`: portals (their reset,
//! snapshots, clones, seed data, faults, request journal, imports and
//! exports),
//! private apps, API keys, public OAuth apps, limits and the consent
//! shortcut. A public
//! contract: users' scripts and CI depend on these exact shapes. Every call
//! takes `Authorization: Bearer <admin token>`.

mod apps;
mod contacts;
mod faults;
mod journal;
mod portals;
mod seed;
mod snapshots;
mod transfers;
mod webhooks;

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use spoke_domain::ids::PortalId;
use spoke_domain::Error;

const NO_ADMIN_TOKEN: &str = "The sandbox admin API needs the admin token: send 'Authorization: Bearer <admin token>'. Spoke prints it at its first start; set your own with --admin-token or SPOKE_ADMIN_TOKEN.";

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/_spoke/v1/portals",
            post(portals::create).get(portals::list),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}",
            get(portals::show).delete(portals::delete),
        )
        .route("/_spoke/v1/portals/{portal_id}/reset", post(portals::reset))
        .route(
            "/_spoke/v1/portals/{portal_id}/snapshots",
            post(snapshots::take).get(snapshots::list),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/snapshots/{name}",
            delete(snapshots::delete),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/snapshots/{name}/restore",
            post(snapshots::restore),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/clone",
            post(snapshots::clone),
        )
        .route("/_spoke/v1/portals/{portal_id}/seed", post(seed::seed))
        .route(
            "/_spoke/v1/portals/{portal_id}/contacts/{contact_id}/restore",
            post(contacts::restore),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/imports",
            post(transfers::import),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/imports/{import_id}",
            get(transfers::show_import),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/imports/{import_id}/errors",
            get(transfers::import_errors),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/export",
            get(transfers::export),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/requests",
            get(journal::list).delete(journal::clear),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/faults",
            put(faults::set).get(faults::show).delete(faults::clear),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/private-apps",
            post(portals::create_private_app),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/private-apps/{app_id}",
            delete(portals::delete_private_app),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/api-key",
            put(portals::rotate_api_key).delete(portals::delete_api_key),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/limits",
            put(portals::set_limits).get(portals::limits),
        )
        .route(
            "/_spoke/v1/portals/{portal_id}/webhook-deliveries",
            get(webhooks::list),
        )
        .route(
            "/_spoke/v1/webhook-deliveries/{delivery_id}/replay",
            post(webhooks::replay),
        )
        .route("/_spoke/v1/webhook-attempts", get(webhooks::attempts))
        .route("/_spoke/v1/apps", post(apps::create))
        .route("/_spoke/v1/oauth/authorize", post(apps::authorize))
        .route_layer(from_fn_with_state(state.clone(), require_admin))
}

/// Lets only the admin token through.
async fn require_admin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let Some(token) = token else {
        return ApiError::from(Error::Unauthenticated(NO_ADMIN_TOKEN.into())).into_response();
    };
    match state.access.is_admin(&token).await {
        Ok(true) => next.run(request).await,
        Ok(false) => ApiError::from(Error::Unauthenticated(
            "The admin token is not valid for this Spoke server.".into(),
        ))
        .into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// A portal id from the path.
fn portal_id(text: &str) -> Result<PortalId, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(PortalId)
        .ok_or_else(|| {
            Error::invalid_field(
                "portalId",
                format!("\"{text}\" is not a portal id: portal ids are positive integers."),
            )
            .into()
        })
}
