//! Every failure a handler or layer returns, and its rendering: the v3
//! body, the legacy v1 body ([`v1`]) or HubSpot's 429 body, chosen in one
//! place by the API family of the request's path. Only this module maps
//! categories to HTTP status codes.

mod unserved;
pub mod v1;

use crate::pipeline::family::{family, Family};
use crate::request_context::correlation_id;
use crate::wire::json;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use spoke_domain::error::{Category, ErrorDetail, LimitPolicy, PropertyProblem};
use spoke_domain::sandbox::faults::FaultStatus;
use spoke_domain::Error;
use std::any::Any;
use std::collections::BTreeMap;

/// Every error an HTTP handler can return.
#[derive(Debug)]
pub enum ApiError {
    Domain(Error),
    RouteNotFound {
        method: Method,
        path: String,
    },
    MethodNotAllowed {
        method: Method,
        path: String,
    },
    PayloadTooLarge,
    /// A transient error a portal's fault rule asked for.
    Injected(FaultStatus),
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        ApiError::Domain(err)
    }
}

/// HTTP status of a domain category.
pub fn status_of(category: Category) -> StatusCode {
    match category {
        Category::ValidationError => StatusCode::BAD_REQUEST,
        Category::ObjectNotFound => StatusCode::NOT_FOUND,
        Category::Conflict | Category::ObjectAlreadyExists => StatusCode::CONFLICT,
        Category::InvalidAuthentication | Category::ExpiredAuthentication => {
            StatusCode::UNAUTHORIZED
        }
        Category::MissingScopes => StatusCode::FORBIDDEN,
        Category::RateLimits => StatusCode::TOO_MANY_REQUESTS,
        Category::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        Category::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The v3 `Error` schema.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub status: &'static str,
    pub message: String,
    pub correlation_id: String,
    pub category: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetailBody>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub links: BTreeMap<String, String>,
}

/// HubSpot's page on scopes, linked from every 403.
pub const SCOPES_LINK: &str = "https://developers.hubspot.com/scopes";

/// The v3 `ErrorDetail` schema.
#[derive(Serialize)]
pub struct ErrorDetailBody {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, Vec<String>>,
}

impl From<ErrorDetail> for ErrorDetailBody {
    fn from(d: ErrorDetail) -> Self {
        ErrorDetailBody {
            message: d.message,
            code: d.code,
            location: d.location,
            context: d.context,
        }
    }
}

/// HubSpot's `validationResults` entry, which v3 embeds as JSON text in
/// the message and v1 returns as an array.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationResult<'a> {
    pub is_valid: bool,
    pub message: &'a str,
    pub error: &'static str,
    pub name: &'a str,
}

pub fn validation_results(problems: &[PropertyProblem]) -> Vec<ValidationResult<'_>> {
    problems
        .iter()
        .map(|p| ValidationResult {
            is_valid: false,
            message: &p.message,
            error: p.code.as_str(),
            name: &p.name,
        })
        .collect()
}

fn context(pairs: &[(&str, String)]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), vec![v.clone()]))
        .collect()
}

impl ApiError {
    /// The status and the body without its correlation id.
    pub fn parts(self) -> (StatusCode, ErrorBody) {
        let body = |category: Category, message: String| ErrorBody {
            status: "error",
            message,
            correlation_id: String::new(),
            category: category.as_str(),
            errors: Vec::new(),
            context: BTreeMap::new(),
            links: BTreeMap::new(),
        };
        match self {
            ApiError::Domain(err) => {
                let category = err.category();
                let status = status_of(category);
                let mut out = body(category, err.to_string());
                match err {
                    Error::InvalidPropertyValues(problems) => {
                        let embedded = serde_json::to_string(&validation_results(&problems))
                            .unwrap_or_default();
                        out.message = format!("Property values were not valid: {embedded}");
                        out.errors = problems
                            .into_iter()
                            .map(|p| ErrorDetailBody {
                                message: p.message,
                                code: Some(p.code.as_str().to_string()),
                                location: None,
                                context: context(&[("propertyName", p.name)]),
                            })
                            .collect();
                    }
                    Error::Invalid(invalid) => {
                        out.errors = invalid.details.into_iter().map(Into::into).collect();
                    }
                    Error::ContactExists { existing_id } => {
                        out.context = context(&[("existingId", existing_id.to_string())]);
                    }
                    Error::UniqueValueTaken {
                        property,
                        existing_id,
                        ..
                    } => {
                        out.context = context(&[
                            ("existingId", existing_id.to_string()),
                            ("propertyName", property),
                        ]);
                    }
                    Error::Unavailable(detail) => {
                        tracing::warn!(
                            correlation_id = %correlation_id(),
                            error = %detail,
                            "storage unavailable"
                        );
                        out.message =
                            "The database cannot take this request right now (it is unreachable, or cannot write because its disk is full). Retry the request shortly."
                                .into();
                    }
                    Error::Internal(detail) | Error::Retry(detail) => {
                        // Logged once, with the correlation id; never sent.
                        tracing::error!(
                            correlation_id = %correlation_id(),
                            error = %detail,
                            "internal error"
                        );
                        out.message =
                            "An internal error occurred. Quote the correlationId when reporting it."
                                .into();
                    }
                    Error::MissingScopes(required) => {
                        out.errors = vec![ErrorDetailBody {
                            message: "One or more of the following scopes are required.".into(),
                            code: None,
                            location: None,
                            context: BTreeMap::from([(
                                "requiredGranularScopes".to_string(),
                                required,
                            )]),
                        }];
                        out.links =
                            BTreeMap::from([("scopes".to_string(), SCOPES_LINK.to_string())]);
                    }
                    Error::NotFound(_)
                    | Error::Conflict(_)
                    | Error::AlreadyExists(_)
                    | Error::Unauthenticated(_)
                    | Error::Expired { .. }
                    | Error::RateLimited(_) => {}
                }
                (status, out)
            }
            ApiError::RouteNotFound { method, path } => (
                StatusCode::NOT_FOUND,
                body(
                    Category::ObjectNotFound,
                    match unserved::unserved(&path) {
                        Some(api) => unserved::message(api, method.as_str(), &path),
                        None => format!("resource not found: no route for {method} {path}"),
                    },
                ),
            ),
            ApiError::MethodNotAllowed { method, path } => (
                StatusCode::METHOD_NOT_ALLOWED,
                body(
                    Category::ValidationError,
                    format!("HTTP method {method} is not supported by {path}"),
                ),
            ),
            ApiError::Injected(fault) => {
                let (category, message) = fault.category_and_message();
                let status =
                    StatusCode::from_u16(fault.code()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut out = body(Category::ServiceUnavailable, message.into());
                out.category = category;
                (status, out)
            }
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                body(
                    Category::ValidationError,
                    format!(
                        "The request body is larger than the {} bytes Spoke accepts.",
                        crate::MAX_BODY_BYTES
                    ),
                ),
            ),
        }
    }
}

/// One failed input of a batch (`StandardError`): the official Python
/// client refuses the response unless every one of these fields is present.
#[derive(Serialize)]
pub struct StandardError {
    pub status: &'static str,
    pub category: &'static str,
    pub message: String,
    pub context: BTreeMap<String, Vec<String>>,
    pub errors: Vec<ErrorDetailBody>,
    pub links: BTreeMap<String, String>,
}

impl StandardError {
    /// The batch form of a domain error, with extra context merged in.
    pub fn new(err: Error, context: &[(&str, String)]) -> StandardError {
        let (_, body) = ApiError::Domain(err).parts();
        let mut merged = body.context;
        for (k, v) in context {
            merged.entry(k.to_string()).or_default().push(v.clone());
        }
        StandardError {
            status: "error",
            category: body.category,
            message: body.message,
            context: merged,
            errors: body.errors,
            links: BTreeMap::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        render(self, Vec::new())
    }
}

/// An error in the shape of the request's API family, with the fields the
/// v1 body adds for some errors.
pub(crate) fn render(err: ApiError, extra: Vec<(&'static str, Value)>) -> Response {
    if let ApiError::Domain(Error::RateLimited(policy)) = &err {
        return rate_limited(policy, &err);
    }
    if let ApiError::Injected(FaultStatus::TooManyRequests) = err {
        // HubSpot's ten-secondly 429, which the clients' retries read.
        let policy = LimitPolicy::TenSecondly {
            group: "spoke-injected-fault".into(),
        };
        let err = ApiError::Domain(Error::RateLimited(policy.clone()));
        return rate_limited(&policy, &err);
    }
    match family() {
        Family::V1 => {
            tracing::debug!(error = ?err, "request refused");
            v1::render_v1(err, extra)
        }
        Family::V3 | Family::OAuth | Family::Admin => {
            let (status, mut body) = err.parts();
            // Why a call failed, from the server's side (its body says the
            // same to the caller).
            if status.is_client_error() {
                tracing::debug!(
                    status = status.as_u16(),
                    category = body.category,
                    message = %body.message,
                    "request refused"
                );
            }
            body.correlation_id = correlation_id().to_string();
            json(status, &body)
        }
    }
}

/// HubSpot's 429 body, the same for every API: `policyName` and the
/// message are what the official clients' retry logic reads.
fn rate_limited(policy: &LimitPolicy, err: &ApiError) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct RateLimited<'a> {
        status: &'static str,
        message: String,
        error_type: &'static str,
        correlation_id: &'a str,
        policy_name: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        group_name: Option<&'a str>,
        request_id: &'a str,
    }
    let id = correlation_id().to_string();
    let (policy_name, group_name) = match policy {
        LimitPolicy::TenSecondly { group } => ("TEN_SECONDLY_ROLLING", Some(group.as_str())),
        LimitPolicy::Daily => ("DAILY", None),
        LimitPolicy::Secondly => ("SECONDLY", None),
    };
    let message = match err {
        ApiError::Domain(e) => e.to_string(),
        _ => String::new(),
    };
    json(
        StatusCode::TOO_MANY_REQUESTS,
        &RateLimited {
            status: "error",
            message,
            error_type: "RATE_LIMIT",
            correlation_id: &id,
            policy_name,
            group_name,
            request_id: &id,
        },
    )
}

pub async fn route_not_found(request: Request) -> Response {
    ApiError::RouteNotFound {
        method: request.method().clone(),
        path: request.uri().path().to_string(),
    }
    .into_response()
}

pub async fn method_not_allowed(request: Request) -> Response {
    ApiError::MethodNotAllowed {
        method: request.method().clone(),
        path: request.uri().path().to_string(),
    }
    .into_response()
}

/// A panic becomes HubSpot's 500 body; the panic message is logged, not sent.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    ApiError::from(Error::Internal(format!("handler panicked: {detail}"))).into_response()
}
