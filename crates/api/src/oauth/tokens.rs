//! The token endpoints: `POST /oauth/v1/token` and `/oauth/v3/token`
//! (authorization codes and refresh tokens), token information
//! (`/oauth/v1/access-tokens`, `/oauth/v1/refresh-tokens`,
//! `/oauth/v3/token/introspect`) and revocation.

use crate::error::ApiError;
use crate::extract::{body_bytes, Path, QueryParams};
use crate::request_context::correlation_id;
use crate::wire::json;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use spoke_domain::access::service::{
    IssuedTokens, OAuthError, TokenFacts, TokenFailure, TokenRequest,
};
use spoke_domain::time::Timestamp;
use spoke_domain::Error;

/// The user every token names: a sandbox has one, its admin.
const USER: &str = "admin@spoke.local";
const USER_ID: i64 = 1;

/// Which token API answers: v1's bodies or v3's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V3,
}

/// HubSpot's 400 of a token endpoint. v1: `status` names the problem
/// (`BAD_AUTH_CODE`, ...) beside RFC 6749's `error`; v3: the v3 error body
/// with the problem as `subCategory`.
fn refused(version: Version, err: &OAuthError) -> Response {
    let id = correlation_id().to_string();
    match version {
        Version::V1 => {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct V1Body<'a> {
                status: &'a str,
                message: &'a str,
                correlation_id: &'a str,
                error: &'a str,
                #[serde(rename = "error_description")]
                error_description: &'a str,
            }
            json(
                StatusCode::BAD_REQUEST,
                &V1Body {
                    status: err.status,
                    message: &err.message,
                    correlation_id: &id,
                    error: err.error,
                    error_description: &err.message,
                },
            )
        }
        Version::V3 => {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct V3Body<'a> {
                status: &'static str,
                message: &'a str,
                correlation_id: &'a str,
                category: &'static str,
                sub_category: &'a str,
                error: &'a str,
                #[serde(rename = "error_description")]
                error_description: &'a str,
            }
            json(
                StatusCode::BAD_REQUEST,
                &V3Body {
                    status: "error",
                    message: &err.message,
                    correlation_id: &id,
                    category: "VALIDATION_ERROR",
                    sub_category: err.status,
                    error: err.error,
                    error_description: &err.message,
                },
            )
        }
    }
}

fn failed(version: Version, failure: TokenFailure) -> Response {
    match failure {
        TokenFailure::Refused(err) => refused(version, &err),
        TokenFailure::Store(err) => ApiError::from(err).into_response(),
    }
}

/// The form body of a token request; any other body is refused in the
/// endpoint's own shape.
async fn form_of(version: Version, request: Request) -> Result<QueryParams, Response> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        let shown = if content_type.is_empty() {
            "none"
        } else {
            content_type.as_str()
        };
        return Err(refused(
            version,
            &OAuthError {
                status: "BAD_REQUEST",
                error: "invalid_request",
                message: format!("The token endpoints take a form body (Content-Type: application/x-www-form-urlencoded); this request's Content-Type is {shown}."),
            },
        ));
    }
    let bytes = body_bytes(request, &())
        .await
        .map_err(IntoResponse::into_response)?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(refused(
            version,
            &OAuthError {
                status: "BAD_REQUEST",
                error: "invalid_request",
                message: "The form body is not UTF-8.".into(),
            },
        ));
    };
    Ok(QueryParams::parse(Some(text)))
}

fn token_request(form: &QueryParams) -> TokenRequest {
    let field = |name: &str| form.get(name).filter(|v| !v.is_empty()).map(str::to_string);
    TokenRequest {
        grant_type: field("grant_type"),
        client_id: field("client_id"),
        client_secret: field("client_secret"),
        redirect_uri: field("redirect_uri"),
        code: field("code"),
        code_verifier: field("code_verifier"),
        refresh_token: field("refresh_token"),
    }
}

/// The success body (`AccessTokenResponse`).
#[derive(Serialize)]
struct TokenBody {
    token_type: &'static str,
    refresh_token: String,
    access_token: String,
    expires_in: u32,
    hub_id: i64,
    scopes: Vec<String>,
    token_use: &'static str,
    user_id: i64,
}

impl From<IssuedTokens> for TokenBody {
    fn from(t: IssuedTokens) -> Self {
        TokenBody {
            token_type: "bearer",
            refresh_token: t.refresh_token,
            access_token: t.access_token,
            expires_in: t.expires_in,
            hub_id: t.portal.0,
            scopes: t.scopes.iter().map(str::to_string).collect(),
            token_use: "access_token",
            user_id: USER_ID,
        }
    }
}

async fn token(state: &AppState, version: Version, request: Request) -> Response {
    let form = match form_of(version, request).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    match state
        .access
        .token(&token_request(&form), Timestamp::now())
        .await
    {
        Ok(tokens) => json(StatusCode::OK, &TokenBody::from(tokens)),
        Err(failure) => failed(version, failure),
    }
}

pub async fn token_v1(State(state): State<AppState>, request: Request) -> Response {
    token(&state, Version::V1, request).await
}

pub async fn token_v3(State(state): State<AppState>, request: Request) -> Response {
    token(&state, Version::V3, request).await
}

fn hub_domain(facts: &TokenFacts) -> String {
    format!("portal-{}.spoke.local", facts.portal.0)
}

/// `AccessTokenInfoResponse`.
#[derive(Serialize)]
struct AccessTokenInfo {
    token: String,
    user: &'static str,
    hub_domain: String,
    scopes: Vec<String>,
    hub_id: i64,
    app_id: i64,
    expires_in: i64,
    user_id: i64,
    token_type: &'static str,
    is_private_distribution: bool,
}

fn not_found(what: &str) -> Response {
    ApiError::from(Error::NotFound(format!(
        "{what} not found: unknown, revoked or malformed."
    )))
    .into_response()
}

pub async fn access_token_info(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let Some(facts) = state.access.access_token_facts(&token, now).await? else {
        return Ok(not_found("Access token"));
    };
    let expires_in = facts.expires_in.unwrap_or(0);
    if expires_in <= 0 {
        return Err(Error::Expired {
            seconds_ago: -expires_in,
        }
        .into());
    }
    Ok(json(
        StatusCode::OK,
        &AccessTokenInfo {
            hub_domain: hub_domain(&facts),
            token,
            user: USER,
            scopes: facts.scopes.iter().map(str::to_string).collect(),
            hub_id: facts.portal.0,
            app_id: facts.app.id.0,
            expires_in,
            user_id: USER_ID,
            token_type: "access",
            is_private_distribution: false,
        },
    ))
}

/// `RefreshTokenInfoResponse`.
#[derive(Serialize)]
struct RefreshTokenInfo {
    token: String,
    user: &'static str,
    hub_domain: String,
    scopes: Vec<String>,
    hub_id: i64,
    client_id: String,
    user_id: i64,
    token_type: &'static str,
}

pub async fn refresh_token_info(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let Some(facts) = state.access.refresh_token_facts(&token).await? else {
        return Ok(not_found("Refresh token"));
    };
    Ok(json(
        StatusCode::OK,
        &RefreshTokenInfo {
            hub_domain: hub_domain(&facts),
            token,
            user: USER,
            scopes: facts.scopes.iter().map(str::to_string).collect(),
            hub_id: facts.portal.0,
            client_id: facts.app.client_id,
            user_id: USER_ID,
            token_type: "refresh",
        },
    ))
}

pub async fn delete_refresh_token(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    if state.access.delete_refresh_token(&token).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(not_found("Refresh token"))
    }
}

/// `PublicAccessTokenInfoResponse` / `PublicRefreshTokenInfoResponse`, or
/// `{"active": false}`.
#[derive(Serialize)]
struct Introspection {
    active: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    facts: Option<IntrospectedFacts>,
}

#[derive(Serialize)]
struct IntrospectedFacts {
    token: String,
    token_type: &'static str,
    token_use: &'static str,
    app_id: i64,
    client_id: String,
    hub_id: i64,
    hub_domain: String,
    scopes: Vec<String>,
    user: &'static str,
    user_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_private_distribution: Option<bool>,
}

pub async fn introspect(State(state): State<AppState>, request: Request) -> Response {
    let form = match form_of(Version::V3, request).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let app = match state.access.client_app(&token_request(&form)).await {
        Ok(app) => app,
        Err(failure) => return failed(Version::V3, failure),
    };
    let token = form.get("token").unwrap_or("").to_string();
    let hint = form.get("token_type_hint");
    let now = Timestamp::now();
    let look = async {
        if hint != Some("refresh_token") {
            if let Some(f) = state.access.access_token_facts(&token, now).await? {
                return Ok::<_, Error>(Some((f, true)));
            }
        }
        if let Some(f) = state.access.refresh_token_facts(&token).await? {
            return Ok(Some((f, false)));
        }
        if hint == Some("refresh_token") {
            if let Some(f) = state.access.access_token_facts(&token, now).await? {
                return Ok(Some((f, true)));
            }
        }
        Ok(None)
    };
    let found = match look.await {
        Ok(found) => found,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let facts = found.and_then(|(facts, access)| {
        let live = !access || facts.expires_in.unwrap_or(0) > 0;
        // Another app's tokens are not this client's to inspect.
        (live && facts.app.id == app.id).then(|| IntrospectedFacts {
            hub_domain: hub_domain(&facts),
            token: token.clone(),
            token_type: "bearer",
            token_use: if access {
                "access_token"
            } else {
                "refresh_token"
            },
            app_id: facts.app.id.0,
            client_id: facts.app.client_id.clone(),
            hub_id: facts.portal.0,
            scopes: facts.scopes.iter().map(str::to_string).collect(),
            user: USER,
            user_id: USER_ID,
            expires_in: if access { facts.expires_in } else { None },
            is_private_distribution: access.then_some(false),
        })
    });
    json(
        StatusCode::OK,
        &Introspection {
            active: facts.is_some(),
            facts,
        },
    )
}

pub async fn revoke(State(state): State<AppState>, request: Request) -> Response {
    let form = match form_of(Version::V3, request).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    if let Err(failure) = state.access.client_app(&token_request(&form)).await {
        return failed(Version::V3, failure);
    }
    match state.access.revoke(form.get("token").unwrap_or("")).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// The token endpoints' form parser under random input: never a panic, and
/// any fields written as a form come back as written (the last of a
/// repeated field wins, an empty one counts as absent).
#[cfg(test)]
mod form_never_panics {
    use super::*;
    use proptest::prelude::*;

    const FIELDS: [&str; 7] = [
        "grant_type",
        "client_id",
        "client_secret",
        "redirect_uri",
        "code",
        "code_verifier",
        "refresh_token",
    ];

    fn fields(request: &TokenRequest) -> [Option<String>; 7] {
        [
            request.grant_type.clone(),
            request.client_id.clone(),
            request.client_secret.clone(),
            request.redirect_uri.clone(),
            request.code.clone(),
            request.code_verifier.clone(),
            request.refresh_token.clone(),
        ]
    }

    proptest! {
        #[test]
        fn any_text_parses_without_panic(text in any::<String>()) {
            let _ = token_request(&QueryParams::parse(Some(&text)));
        }

        #[test]
        fn percent_soup_parses_without_panic(text in "([a-z_=&+%]|%[0-9A-Fa-f]{2}|%[G-Zg-z]{2}){0,40}") {
            let _ = token_request(&QueryParams::parse(Some(&text)));
        }

        #[test]
        fn written_fields_read_back(
            pairs in prop::collection::vec((0..FIELDS.len(), any::<String>()), 0..10)
        ) {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (field, value) in &pairs {
                form.append_pair(FIELDS[*field], value);
            }
            let read = fields(&token_request(&QueryParams::parse(Some(&form.finish()))));
            for (i, got) in read.iter().enumerate() {
                let last = pairs.iter().rev().find(|(f, _)| *f == i).map(|(_, v)| v.clone());
                prop_assert_eq!(got, &last.filter(|v| !v.is_empty()));
            }
        }
    }

    #[test]
    fn the_kept_corpus_never_panics() {
        let corpus = include_str!("../../tests/corpus/oauth-forms.txt");
        assert!(corpus.lines().count() >= 4);
        for line in corpus.lines() {
            let _ = token_request(&QueryParams::parse(Some(line)));
        }
    }
}
