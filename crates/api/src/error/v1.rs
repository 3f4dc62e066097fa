//! The legacy v1 error body: `status`, `message`, `correlationId`,
//! `requestId`, plus what HubSpot adds for the error at hand
//! (`validationResults` for refused property values, `errors` and `links`
//! for missing scopes).

use super::{render, validation_results, ApiError};
use crate::request_context::correlation_id;
use crate::wire::json;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use spoke_domain::error::PropertyProblem;
use spoke_domain::Error;

/// An error with the fields HubSpot's v1 bodies add for some errors
/// (`error`, `identityProfile`, `failureMessages`, ...). Rendered like any
/// other error: in the v1 shape on v1 paths.
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

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        render(self.error, self.extra)
    }
}

/// The v1 message of a domain error where it differs from v3's.
fn v1_message(err: &Error) -> Option<String> {
    match err {
        Error::InvalidPropertyValues(_) => Some("Property values were not valid".into()),
        _ => None,
    }
}

/// The v1 body of an error.
pub(super) fn render_v1(error: ApiError, extra: Vec<(&'static str, Value)>) -> Response {
    let problems: Option<Vec<PropertyProblem>> = match &error {
        ApiError::Domain(Error::InvalidPropertyValues(p)) => Some(p.clone()),
        _ => None,
    };
    let message = match &error {
        ApiError::Domain(err) => v1_message(err),
        _ => None,
    };
    let (status, body) = error.parts();
    let id = correlation_id().to_string();
    let mut out = Map::new();
    out.insert("status".into(), "error".into());
    out.insert("message".into(), message.unwrap_or(body.message).into());
    out.insert("correlationId".into(), id.clone().into());
    if let Some(problems) = problems {
        let results = serde_json::to_value(validation_results(&problems)).unwrap_or_default();
        out.insert("validationResults".into(), results);
    }
    // Missing scopes: the same details as v3, so a v1 client can tell which.
    if !body.links.is_empty() {
        out.insert("category".into(), body.category.into());
        out.insert(
            "errors".into(),
            serde_json::to_value(&body.errors).unwrap_or_default(),
        );
        out.insert(
            "links".into(),
            serde_json::to_value(&body.links).unwrap_or_default(),
        );
    }
    for (key, value) in extra {
        out.insert(key.into(), value);
    }
    // HubSpot's legacy bodies carry a second id; Spoke has one id per
    // request and gives it under both names.
    out.insert("requestId".into(), id.into());
    json(status, &Value::Object(out))
}
