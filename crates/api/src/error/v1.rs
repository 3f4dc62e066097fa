//! The legacy v1 error body: `status`, `message`, `correlationId`,
//! `requestId`, plus what HubSpot adds for the error at hand
//! (`validationResults` for refused property values).

use crate::error::{validation_results, ApiError};
use crate::extract::{JsonBody, Path, Portal};
use crate::request_context::correlation_id;
use crate::wire::json;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use spoke_domain::error::PropertyProblem;
use spoke_domain::Error;

/// An error rendered in the v1 shape, with the fields HubSpot adds for
/// some errors (`error`, `identityProfile`, `failureMessages`, ...).
#[derive(Debug)]
pub struct V1Error {
    error: ApiError,
    extra: Vec<(&'static str, Value)>,
}

impl V1Error {
    pub fn new(error: ApiError) -> V1Error {
        V1Error {
            error,
            extra: Vec::new(),
        }
    }

    /// Adds a field after `correlationId`.
    pub fn with(mut self, key: &'static str, value: Value) -> V1Error {
        self.extra.push((key, value));
        self
    }

    /// The domain error inside, if any.
    pub fn domain(&self) -> Option<&Error> {
        match &self.error {
            ApiError::Domain(err) => Some(err),
            _ => None,
        }
    }
}

impl From<ApiError> for V1Error {
    fn from(err: ApiError) -> Self {
        V1Error::new(err)
    }
}

impl From<Error> for V1Error {
    fn from(err: Error) -> Self {
        V1Error::new(ApiError::Domain(err))
    }
}

/// The v1 message of a domain error where it differs from v3's.
fn v1_message(err: &Error) -> Option<String> {
    match err {
        Error::InvalidPropertyValues(_) => Some("Property values were not valid".into()),
        _ => None,
    }
}

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        let problems: Option<Vec<PropertyProblem>> = match &self.error {
            ApiError::Domain(Error::InvalidPropertyValues(p)) => Some(p.clone()),
            _ => None,
        };
        let message = self.domain().and_then(v1_message);
        let (status, body) = self.error.parts();
        let id = correlation_id().to_string();
        let mut out = Map::new();
        out.insert("status".into(), "error".into());
        out.insert("message".into(), message.unwrap_or(body.message).into());
        out.insert("correlationId".into(), id.clone().into());
        if let Some(problems) = problems {
            let results = serde_json::to_value(validation_results(&problems)).unwrap_or_default();
            out.insert("validationResults".into(), results);
        }
        for (key, value) in self.extra {
            out.insert(key.into(), value);
        }
        // HubSpot's legacy bodies carry a second id; Spoke has one id per
        // request and gives it under both names.
        out.insert("requestId".into(), id.into());
        json(status, &Value::Object(out))
    }
}

/// The portal of the bearer token, failing in the v1 shape.
pub struct V1Portal(pub spoke_domain::ids::PortalId);

impl FromRequestParts<AppState> for V1Portal {
    type Rejection = V1Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, V1Error> {
        Ok(V1Portal(Portal::from_request_parts(parts, state).await?.0))
    }
}

/// Path parameters, failing in the v1 shape.
pub struct V1Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for V1Path<T> {
    type Rejection = V1Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, V1Error> {
        Ok(V1Path(Path::<T>::from_request_parts(parts, state).await?.0))
    }
}

/// A JSON body, failing in the v1 shape.
pub struct V1Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for V1Json<T> {
    type Rejection = V1Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, V1Error> {
        Ok(V1Json(JsonBody::<T>::from_request(request, state).await?.0))
    }
}
