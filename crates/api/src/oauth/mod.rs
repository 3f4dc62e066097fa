//! OAuth 2.0 as HubSpot runs it: the consent page, the token endpoints and
//! token information. The rules live in the domain
//! ([`spoke_domain::access::oauth`]); this is their HTTP face.

mod consent;
pub(crate) mod cookies;
mod html;
pub(crate) mod sign_in;
mod tokens;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(consent::PATH, get(consent::show).post(consent::decide))
        .route(sign_in::PATH, get(sign_in::show).post(sign_in::submit))
        .route("/oauth/v1/token", post(tokens::token_v1))
        .route("/oauth/v3/token", post(tokens::token_v3))
        .route("/oauth/v3/token/introspect", post(tokens::introspect))
        .route("/oauth/v3/token/revoke", post(tokens::revoke))
        .route(
            "/oauth/v1/access-tokens/{token}",
            get(tokens::access_token_info),
        )
        .route(
            "/oauth/v1/refresh-tokens/{token}",
            get(tokens::refresh_token_info).delete(tokens::delete_refresh_token),
        )
}
