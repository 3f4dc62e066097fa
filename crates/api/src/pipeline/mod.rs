//! One request pipeline for every portal API (v3, date-versioned, v1,
//! account): each layer does one thing, in this order, before the handler
//! runs.
//!
//! 1. [`family`]: which API the path belongs to (outermost, for every
//!    request): errors are rendered in that family's shape, in one place
//!    ([`crate::error`]).
//! 2. [`authenticate`]: the credential (bearer token, `?hapikey=`, legacy
//!    `?access_token=`) becomes the [`Caller`](spoke_domain::access::Caller),
//!    or 401.
//! 3. [`journal`]: the call and its answer are noted in the portal's
//!    request journal once answered.
//! 4. [`faults`]: a fault rule the portal set may delay the call or
//!    answer it with a transient error instead (sandbox controls).
//! 5. [`limits`]: the call is counted against the caller's allowances; 429
//!    when one is spent; HubSpot's rate-limit headers on every response.
//! 6. [`scopes`]: the caller holds a scope the endpoint needs
//!    ([`endpoints`]), or 403.
//!
//! Handlers receive the caller (or its portal) and never authenticate.

pub mod authenticate;
pub mod endpoints;
pub mod family;
pub mod faults;
pub mod journal;
pub mod limits;
pub mod scopes;

use crate::AppState;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;

/// The portal APIs' routes behind the pipeline.
pub fn portal_api(routes: Router<AppState>, state: &AppState) -> Router<AppState> {
    routes
        .route_layer(from_fn(scopes::check_scopes))
        .route_layer(from_fn_with_state(state.clone(), limits::count_call))
        .route_layer(from_fn_with_state(state.clone(), faults::inject))
        .route_layer(from_fn_with_state(state.clone(), journal::note))
        .route_layer(from_fn_with_state(
            state.clone(),
            authenticate::authenticate,
        ))
}
