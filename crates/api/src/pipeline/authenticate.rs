//! The credential of a request becomes its caller.

use super::endpoints::{classify, Endpoint};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use spoke_domain::access::{Caller, Presented};
use spoke_domain::time::Timestamp;
use spoke_domain::Error;
use std::sync::Arc;

/// The credential a request presents: the `Authorization` header first,
/// then `?hapikey=` (legacy API keys), then `?access_token=` (legacy OAuth
/// clients).
enum Found {
    Bearer(String),
    ApiKey(String),
    Nothing,
    Malformed,
}

fn found(request: &Request) -> Found {
    if let Some(header) = request.headers().get(AUTHORIZATION) {
        let Ok(value) = header.to_str() else {
            return Found::Malformed;
        };
        let value = value.trim();
        if value.is_empty() {
            return Found::Nothing;
        }
        return match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                Found::Bearer(token.trim().to_string())
            }
            _ => Found::Malformed,
        };
    }
    let mut key = None;
    let mut token = None;
    for (k, v) in form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
        match &*k {
            "hapikey" => key = Some(v.into_owned()),
            "access_token" => token = Some(v.into_owned()),
            _ => {}
        }
    }
    match (key, token) {
        (Some(key), _) => Found::ApiKey(key),
        (None, Some(token)) => Found::Bearer(token),
        (None, None) => Found::Nothing,
    }
}

/// Authenticates the request and records its caller and endpoint.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let found = found(&request);
    let presented = match &found {
        Found::Bearer(token) => Presented::Bearer(token),
        Found::ApiKey(key) => Presented::ApiKey(key),
        Found::Nothing => Presented::Nothing,
        Found::Malformed => {
            return ApiError::from(Error::Unauthenticated(
                "The Authorization header must have the form 'Bearer <access token>'.".into(),
            ))
            .into_response()
        }
    };
    let caller = match state.access.authenticate(presented, Timestamp::now()).await {
        Ok(caller) => caller,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let endpoint = classify(request.method(), request.uri().path());
    request.extensions_mut().insert(Arc::new(caller));
    request.extensions_mut().insert(endpoint);
    next.run(request).await
}

/// The caller and endpoint the authentication layer recorded.
pub(crate) fn recorded(request: &Request) -> Option<(Arc<Caller>, Endpoint)> {
    let caller = request.extensions().get::<Arc<Caller>>()?;
    let endpoint = request.extensions().get::<Endpoint>()?;
    Some((Arc::clone(caller), *endpoint))
}
