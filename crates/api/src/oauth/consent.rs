//! `GET /oauth/authorize`: the consent page, and its answer. The request's
//! parameters are checked before anything else: an unknown client, a
//! redirect URL the app did not register or a scope it did not declare gets
//! an error page, never a redirect. Then a browser without a session signs
//! in (unless the server runs with `--open-consent`); then the user picks a
//! portal and approves or denies.

use super::cookies::{csrf_matches, csrf_token, set_csrf};
use super::html::{error_page, escape, hidden, page};
use super::sign_in;
use crate::error::ApiError;
use crate::extract::{body_bytes, QueryParams};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use spoke_domain::access::oauth::{App, AuthorizationRequest, Challenge};
use spoke_domain::access::{Access, Scopes};
use spoke_domain::ids::PortalId;
use spoke_domain::time::Timestamp;

pub const PATH: &str = "/oauth/authorize";

/// The authorization request the parameters (query or form) describe, or
/// why they cannot.
fn request_of(params: &QueryParams) -> Result<AuthorizationRequest, String> {
    let client_id = params.get("client_id").unwrap_or("").trim();
    if client_id.is_empty() {
        return Err("The client_id parameter is missing.".into());
    }
    let redirect_uri = params.get("redirect_uri").unwrap_or("").trim();
    if redirect_uri.is_empty() {
        return Err("The redirect_uri parameter is missing.".into());
    }
    let scopes = |name: &str| {
        Scopes::parse(name, params.get(name).unwrap_or("").split_whitespace())
            .map_err(|e| e.to_string())
    };
    let challenge = Challenge::from_request(
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    )
    .map_err(|e| e.to_string())?;
    Ok(AuthorizationRequest {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        scopes: scopes("scope")?,
        optional_scopes: scopes("optional_scope")?,
        state: params.get("state").map(str::to_string),
        challenge,
    })
}

/// The request checked against its app: the app and the scopes an approval
/// grants, or the error page.
async fn checked(
    state: &AppState,
    params: &QueryParams,
) -> Result<Result<(AuthorizationRequest, App, Scopes), Response>, ApiError> {
    let request = match request_of(params) {
        Ok(r) => r,
        Err(message) => return Ok(Err(error_page(StatusCode::BAD_REQUEST, &message))),
    };
    Ok(match state.access.check_authorization(&request).await? {
        Ok((app, granted)) => Ok((request, app, granted)),
        Err(problem) => Err(error_page(StatusCode::BAD_REQUEST, &problem.message())),
    })
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    params: QueryParams,
) -> Result<Response, ApiError> {
    let (request, app, granted) = match checked(&state, &params).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    if !state.options.open_consent && !sign_in::signed_in(&state, &headers).await? {
        let here = uri
            .path_and_query()
            .map_or(PATH.to_string(), |p| p.as_str().to_string());
        return Ok(sign_in::form(&headers, StatusCode::OK, &here, None));
    }
    let portals = state.access.portals().await?;
    let csrf = csrf_token(&headers);
    let options: String = portals
        .iter()
        .map(|p| {
            format!(
                "<option value=\"{}\"{}>{} ({})</option>",
                p.id,
                if p.is_default { " selected" } else { "" },
                escape(&p.name),
                p.id
            )
        })
        .collect();
    let scopes: String = granted
        .iter()
        .map(|s| {
            let optional = !app.scopes.contains(s);
            format!(
                "<li><code>{}</code>{}</li>",
                escape(s),
                if optional { " (optional)" } else { "" }
            )
        })
        .collect();
    let mut fields = vec![
        hidden("client_id", &request.client_id),
        hidden("redirect_uri", &request.redirect_uri),
        hidden("scope", &request.scopes.to_stored()),
        hidden("optional_scope", &request.optional_scopes.to_stored()),
        hidden("csrf", &csrf),
    ];
    if let Some(s) = &request.state {
        fields.push(hidden("state", s));
    }
    if let Some(c) = &request.challenge {
        fields.push(hidden("code_challenge", &c.value));
        fields.push(hidden("code_challenge_method", c.method.as_str()));
    }
    let body = format!(
        "<h1>Connect {app_name} to a portal</h1>\
         <p><strong>{app_name}</strong> asks for access to:</p><ul>{scopes}</ul>\
         <p>After you decide, your browser goes to <code>{redirect}</code>.</p>\
         <form method=\"post\" action=\"{PATH}\">\
         <label for=\"portal_id\">Portal</label>\
         <select id=\"portal_id\" name=\"portal_id\">{options}</select>{fields}\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Connect app</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        app_name = escape(&app.name),
        redirect = escape(&request.redirect_uri),
        fields = fields.concat(),
    );
    let mut response = page(StatusCode::OK, "Connect an app", &body);
    set_csrf(&mut response, &csrf);
    Ok(response)
}

pub async fn decide(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    let form = QueryParams::parse(Some(&String::from_utf8_lossy(
        &body_bytes(request, &()).await?,
    )));
    if !csrf_matches(&headers, form.get("csrf")) {
        return Ok(error_page(
            StatusCode::FORBIDDEN,
            "The consent form expired or came from another site. Start the authorization again.",
        ));
    }
    if !state.options.open_consent && !sign_in::signed_in(&state, &headers).await? {
        return Ok(error_page(
            StatusCode::UNAUTHORIZED,
            "Your session ended. Start the authorization again and sign in.",
        ));
    }
    let (request, _, _) = match checked(&state, &form).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let url = match form.get("decision") {
        Some("deny") => Access::denial_url(&request),
        Some("approve") => {
            let Some(portal) = form
                .get("portal_id")
                .and_then(|p| p.parse::<i64>().ok())
                .map(PortalId)
            else {
                return Ok(error_page(
                    StatusCode::BAD_REQUEST,
                    "Pick a portal to connect the app to.",
                ));
            };
            match state
                .access
                .approve(&request, portal, Timestamp::now())
                .await
            {
                Ok(Ok((_, url))) => url,
                Ok(Err(problem)) => {
                    return Ok(error_page(StatusCode::BAD_REQUEST, &problem.message()))
                }
                Err(spoke_domain::Error::NotFound(message)) => {
                    return Ok(error_page(StatusCode::BAD_REQUEST, &message))
                }
                Err(err) => return Err(err.into()),
            }
        }
        _ => {
            return Ok(error_page(
                StatusCode::BAD_REQUEST,
                "Approve or deny the request.",
            ))
        }
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(&url) {
        Ok(location) => {
            response.headers_mut().insert(LOCATION, location);
            Ok(response)
        }
        Err(_) => Ok(error_page(
            StatusCode::BAD_REQUEST,
            "The redirect URL cannot be sent to a browser.",
        )),
    }
}
