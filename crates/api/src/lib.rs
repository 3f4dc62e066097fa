//! Spoke's HTTP surface: HubSpot's paths, JSON shapes, status codes and
//! error bodies, over axum. One module per HubSpot resource; handlers are
//! thin: extract, call the domain, convert to the wire type. Every portal
//! API runs behind one request pipeline ([`pipeline`]): authentication,
//! rate limits and scopes happen there, never in a handler.

mod account;
mod admin;
pub mod admin_ui;
mod batch_response;
mod contacts;
pub mod error;
mod exports;
mod extract;
mod health;
mod imports;
mod legacy;
mod lists;
pub mod metrics;
mod oauth;
mod openapi;
pub mod pipeline;
mod properties;
mod request_context;
mod webhooks;
mod wire;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use spoke_domain::access::Access;
use spoke_domain::crm::Crm;
use spoke_domain::exports::Exports;
use spoke_domain::imports::service::Importer;
use spoke_domain::lists::Lists;
use spoke_domain::sandbox::faults::Faults;
use spoke_domain::sandbox::journal::Journal;
use spoke_domain::sandbox::seed::Seeder;
use spoke_domain::sandbox::snapshots::Snapshots;
use spoke_domain::webhooks::Webhooks;
use std::sync::Arc;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};

pub use request_context::CORRELATION_HEADER;

/// Largest request body accepted (HubSpot's batch bodies stay well below).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How this server behaves where HubSpot offers no choice.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The consent page skips the sign-in (a local sandbox).
    pub open_consent: bool,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub crm: Crm,
    pub access: Access,
    pub webhooks: Webhooks,
    pub lists: Lists,
    pub faults: Faults,
    pub snapshots: Snapshots,
    pub seeder: Seeder,
    pub journal: Journal,
    pub importer: Importer,
    pub exports: Exports,
    pub options: Arc<Options>,
}

/// The routes, with error handling, panics caught, and one log line and
/// correlation id per request.
pub fn router(state: AppState) -> Router {
    let portal_apis = Router::new()
        .merge(contacts::routes("/crm/v3/objects/contacts"))
        .merge(contacts::routes("/crm/objects/2026-03/contacts"))
        .merge(properties::routes())
        .merge(lists::routes())
        .merge(legacy::routes())
        .merge(imports::routes())
        .merge(exports::routes())
        .merge(account::routes());
    Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(openapi::routes())
        .merge(pipeline::portal_api(portal_apis, &state))
        .merge(admin::routes(&state))
        .merge(admin_ui::routes(&state))
        .merge(oauth::routes())
        .merge(webhooks::routes())
        .merge(exports::download_routes())
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(request_context::request_context))
        .with_state(state)
}

/// The router behind trailing-slash normalisation: `/crm/v3/lists/` and
/// `/crm/v3/lists` route the same, as HubSpot's clients need.
pub fn service(state: AppState) -> NormalizePath<Router> {
    NormalizePathLayer::trim_trailing_slash().layer(router(state))
}
