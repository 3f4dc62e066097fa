//! Public OAuth apps, and the consent shortcut for scripts without a
//! browser.

use super::portal_id;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use spoke_domain::access::oauth::{AuthorizationRequest, RequestProblem};
use spoke_domain::access::Scopes;
use spoke_domain::time::Timestamp;
use spoke_domain::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewAppBody {
    name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    optional_scopes: Vec<String>,
    access_token_ttl_seconds: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedAppBody {
    app_id: i64,
    client_id: String,
    client_secret: String,
    developer_api_key: String,
}

pub async fn create(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<NewAppBody>,
) -> Result<Response, ApiError> {
    let scopes = Scopes::parse("scopes", body.scopes.iter().map(String::as_str))?;
    let optional = Scopes::parse(
        "optionalScopes",
        body.optional_scopes.iter().map(String::as_str),
    )?;
    let created = state
        .access
        .create_app(
            body.name.as_deref(),
            body.redirect_uris,
            scopes,
            optional,
            body.access_token_ttl_seconds,
        )
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &CreatedAppBody {
            app_id: created.app.id.0,
            client_id: created.app.client_id,
            client_secret: created.client_secret,
            developer_api_key: created.developer_api_key,
        },
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthorizeBody {
    client_id: String,
    portal_id: Option<serde_json::Value>,
    redirect_uri: Option<String>,
    scopes: Option<Vec<String>>,
    #[serde(default)]
    optional_scopes: Vec<String>,
    state: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizedBody {
    code: String,
    redirect_url: String,
}

/// The consent a user would give on the consent page: installs the app in
/// the portal and returns the code the redirect would carry. Without
/// `redirectUri`, the app's first; without `scopes`, the app's required
/// ones.
pub async fn authorize(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<AuthorizeBody>,
) -> Result<Response, ApiError> {
    let portal = match &body.portal_id {
        Some(serde_json::Value::Number(n)) => portal_id(&n.to_string())?,
        Some(serde_json::Value::String(s)) => portal_id(s)?,
        _ => {
            return Err(Error::invalid_field(
                "portalId",
                "portalId is required: the portal to install the app in.",
            )
            .into())
        }
    };
    let found = state
        .access
        .app_for_client(&body.client_id)
        .await?
        .ok_or_else(|| problem(RequestProblem::UnknownClient))?;
    let request = AuthorizationRequest {
        redirect_uri: body
            .redirect_uri
            .unwrap_or_else(|| found.redirect_uris.first().cloned().unwrap_or_default()),
        scopes: match body.scopes {
            Some(s) => Scopes::parse("scopes", s.iter().map(String::as_str))?,
            None => found.scopes.clone(),
        },
        optional_scopes: Scopes::parse(
            "optionalScopes",
            body.optional_scopes.iter().map(String::as_str),
        )?,
        client_id: body.client_id,
        state: body.state,
        challenge: None,
    };
    match state
        .access
        .approve(&request, portal, Timestamp::now())
        .await?
    {
        Ok((code, redirect_url)) => {
            Ok(json(StatusCode::OK, &AuthorizedBody { code, redirect_url }))
        }
        Err(p) => Err(problem(p)),
    }
}

fn problem(problem: RequestProblem) -> ApiError {
    let field = match &problem {
        RequestProblem::UnknownClient => "clientId",
        RequestProblem::RedirectNotRegistered(_) => "redirectUri",
        RequestProblem::ScopesNotDeclared(_) | RequestProblem::RequiredScopesMissing(_) => "scopes",
    };
    Error::invalid_field(field, problem.message()).into()
}
