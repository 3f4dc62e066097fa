//! Forms posted by the admin page: the body parsed, the CSRF token checked.

use super::layout;
use crate::extract::{body_bytes, QueryParams};
use crate::oauth::cookies::csrf_matches;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// A posted form whose CSRF token matched the browser's cookie.
pub struct Form {
    pub headers: HeaderMap,
    pub fields: QueryParams,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    /// A field's text, trimmed; `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), Some("on" | "yes" | "true"))
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let bytes = body_bytes(request, state).await.map_err(layout::failure)?;
        let fields = QueryParams::parse(Some(&String::from_utf8_lossy(&bytes)));
        if !csrf_matches(&headers, fields.get("csrf")) {
            return Err(layout::message(
                StatusCode::FORBIDDEN,
                "Form refused",
                "The form expired or came from another site (its CSRF token did not match). Go back, reload the page and try again.",
            ));
        }
        Ok(Form { headers, fields })
    }
}
