//! The legacy v1 error body: `status`, `message`, `correlationId`,
//! `requestId`, plus what HubSpot adds for the error at hand
//! (`validationResults` for refused property values).

use crate::error::{validation_results, ApiError, ValidationResult};
use crate::extract::{JsonBody, Path, Portal};
use crate::request_context::correlation_id;
use crate::wire::json;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use spoke_domain::error::PropertyProblem;
use spoke_domain::Error;

/// An error rendered in the v1 shape.
#[derive(Debug)]
pub struct V1Error(pub ApiError);

impl From<ApiError> for V1Error {
    fn from(err: ApiError) -> Self {
        V1Error(err)
    }
}

impl From<Error> for V1Error {
    fn from(err: Error) -> Self {
        V1Error(ApiError::Domain(err))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Body<'a> {
    status: &'static str,
    message: String,
    correlation_id: String,
    request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation_results: Option<Vec<ValidationResult<'a>>>,
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
        let problems: Option<Vec<PropertyProblem>> = match &self.0 {
            ApiError::Domain(Error::InvalidPropertyValues(p)) => Some(p.clone()),
            _ => None,
        };
        let message = match &self.0 {
            ApiError::Domain(err) => v1_message(err),
            _ => None,
        };
        let (status, body) = self.0.parts();
        let id = correlation_id().to_string();
        let v1 = V1Body {
            status: "error",
            message: message.unwrap_or(body.message),
            correlation_id: id.clone(),
            // HubSpot's legacy bodies carry a second id; Spoke has one id
            // per request and gives it under both names.
            request_id: id,
            validation_results: problems.as_deref().map(validation_results),
        };
        json(status, &v1)
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
