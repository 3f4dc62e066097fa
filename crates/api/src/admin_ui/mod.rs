//! The web admin page under `/_spoke/ui`: server-rendered HTML (maud) for
//! people, beside the admin API for scripts. A browser signs in with the
//! admin token (`/_spoke/sign-in`, an HttpOnly session cookie); every page
//! needs that session and every form a CSRF token. Pages call the same
//! domain services as the API, so a value edited here passes the same
//! validation and fails with the same HubSpot messages.

mod apps;
mod assets;
mod contacts;
mod deliveries;
mod explorer;
mod forms;
mod layout;
mod lists;
mod portals;
mod properties;
mod requests;

use crate::error::ApiError;
use crate::oauth::cookies::{self, SESSION};
use crate::oauth::sign_in;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use spoke_domain::ids::PortalId;

/// Where the admin page lives.
pub const ROOT: &str = "/_spoke/ui";

pub fn routes(state: &AppState) -> Router<AppState> {
    let pages = Router::new()
        .route(ROOT, get(portals::index))
        .route("/_spoke/ui/portals", post(portals::create))
        .route("/_spoke/ui/portals/{portal_id}", get(portals::show))
        .route("/_spoke/ui/portals/{portal_id}/reset", post(portals::reset))
        .route(
            "/_spoke/ui/portals/{portal_id}/delete",
            post(portals::delete),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/snapshots",
            post(portals::take_snapshot),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/snapshots/{name}/restore",
            post(portals::restore_snapshot),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/snapshots/{name}/delete",
            post(portals::delete_snapshot),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/contacts",
            get(contacts::table),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/contacts/{contact_id}",
            get(contacts::show).post(contacts::edit),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/contacts/{contact_id}/archive",
            post(contacts::archive),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/contacts/{contact_id}/restore",
            post(contacts::restore),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/contacts/{contact_id}/merge",
            post(contacts::merge),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/contacts/{contact_id}/gdpr-delete",
            post(contacts::gdpr_delete),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/deliveries",
            get(deliveries::log),
        )
        .route(
            "/_spoke/ui/deliveries/{delivery_id}/replay",
            post(deliveries::replay),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/properties",
            get(properties::list).post(properties::create),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/properties/groups",
            post(properties::create_group),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/properties/groups/{name}/archive",
            post(properties::archive_group),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/properties/{name}",
            get(properties::show).post(properties::edit),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/properties/{name}/archive",
            post(properties::archive),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/lists",
            get(lists::index).post(lists::create),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/lists/{list_id}",
            get(lists::show),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/lists/{list_id}/members",
            post(lists::members),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/requests",
            get(requests::journal),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/requests/limits",
            post(requests::set_limits),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/requests/faults",
            post(requests::set_faults),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/requests/faults/clear",
            post(requests::clear_faults),
        )
        .route("/_spoke/ui/portals/{portal_id}/apps", get(apps::index))
        .route(
            "/_spoke/ui/portals/{portal_id}/apps/private",
            post(apps::create_private),
        )
        .route(
            "/_spoke/ui/portals/{portal_id}/apps/private/{app_id}/revoke",
            post(apps::revoke_private),
        )
        .route("/_spoke/ui/explorer", get(explorer::show))
        .route(
            "/_spoke/ui/portals/{portal_id}/explorer-token",
            post(explorer::new_token),
        )
        .route("/_spoke/ui/sign-out", post(sign_out))
        .route_layer(from_fn_with_state(state.clone(), require_session));
    Router::new()
        .route("/", get(|| async { Redirect::to(ROOT) }))
        .route("/_spoke/ui/assets/{file}", get(assets::serve))
        .merge(pages)
}

/// Lets only a signed-in browser through; anyone else is sent to the
/// sign-in form, which returns here. An API token is not a session: the
/// admin page is never served to one.
async fn require_session(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match sign_in::signed_in(&state, request.headers()).await {
        Ok(true) => next.run(request).await,
        Ok(false) => {
            let back = if request.method() == Method::GET {
                request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| ROOT.into())
            } else {
                ROOT.to_string()
            };
            let target = format!(
                "{}?return_to={}",
                sign_in::PATH,
                form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
            );
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&target) {
                response.headers_mut().insert(LOCATION, location);
            }
            response
        }
        Err(err) => layout::failure(err),
    }
}

/// Ends the session (its stored digest is deleted, so the cookie is dead
/// even if copied) and clears the cookie.
async fn sign_out(State(state): State<AppState>, form: forms::Form) -> Response {
    if let Some(session) = cookies::cookie(&form.headers, SESSION) {
        if let Err(err) = state.access.sign_out(session).await {
            return layout::failure(err);
        }
    }
    let mut response = Redirect::to(sign_in::PATH).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_static("spoke_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    response
}

/// A portal id from the path (a 404 when it is not one).
fn portal_id(text: &str) -> Result<PortalId, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(PortalId)
        .ok_or_else(|| {
            ApiError::from(spoke_domain::Error::NotFound(format!(
                "\"{text}\" is not a portal id."
            )))
        })
}
