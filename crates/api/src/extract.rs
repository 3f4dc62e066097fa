//! Spoke's own extractors, so that a malformed body, query or path gets
//! HubSpot's 400 body instead of axum's plain-text rejection.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use spoke_domain::access::Caller;
use spoke_domain::ids::PortalId;
use spoke_domain::Error;
use std::sync::Arc;

/// A JSON request body.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::invalid("A JSON request body is required.").into());
        }
        parse_json(&bytes).map(JsonBody)
    }
}

/// A JSON request body that may be left out: then the type's default.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// The whole body, refused in HubSpot's shape when too large or unreadable.
pub async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(failed)
                if failed.body_text().contains("length limit") =>
            {
                ApiError::PayloadTooLarge
            }
            other => ApiError::from(Error::invalid(format!(
                "The request body could not be read: {}",
                other.body_text()
            ))),
        })
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|err| {
        let text = err.to_string();
        let reason = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(reason, _)| reason);
        Error::invalid(format!(
            "Invalid input JSON on line {}, column {}: {reason}",
            err.line(),
            err.column()
        ))
        .into()
    })
}

/// The query string, with HubSpot's conventions: array parameters come as
/// repeated keys (official clients) or comma-separated (docs, curl), and
/// booleans in any case (`True` from Python).
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn parse(query: Option<&str>) -> QueryParams {
        QueryParams(
            form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of an array parameter, in order, without duplicates.
    /// Every value of `key`, as given (not split at commas).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, value) in self.0.iter().filter(|(k, _)| k == key) {
            for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !out.iter().any(|o| o == item) {
                    out.push(item.to_string());
                }
            }
        }
        out
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, Error> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Error::invalid_field(
                key,
                format!("Query parameter '{key}' must be true or false, not \"{v}\"."),
            )),
        }
    }

    /// A positive integer parameter.
    pub fn positive_int(&self, key: &str) -> Result<Option<usize>, Error> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(Error::invalid_field(
                    key,
                    format!("Query parameter '{key}' must be a positive integer, not \"{v}\"."),
                )),
            },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(QueryParams::parse(parts.uri.query()))
    }
}

/// Path parameters, percent-decoded: one `String` or a tuple of them.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection| {
                Error::invalid(format!("Invalid path parameter: {}", rejection.body_text())).into()
            })
    }
}

/// The caller's portal, as the authentication layer found it.
pub struct Portal(pub PortalId);

impl<S: Send + Sync> FromRequestParts<S> for Portal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Portal(caller_of(parts)?.portal))
    }
}

/// The caller, as the authentication layer found it.
pub struct Authenticated(pub Arc<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        caller_of(parts).map(Authenticated)
    }
}

fn caller_of(parts: &Parts) -> Result<Arc<Caller>, ApiError> {
    parts
        .extensions
        .get::<Arc<Caller>>()
        .cloned()
        .ok_or_else(|| Error::internal("a portal route without the authentication layer").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_accept_repeated_keys_and_commas() {
        let q = QueryParams::parse(Some(
            "properties=email&properties=firstname,lastname&properties=email",
        ));
        assert_eq!(q.list("properties"), ["email", "firstname", "lastname"]);
        assert!(q.list("missing").is_empty());
    }

    #[test]
    fn booleans_ignore_case_and_refuse_garbage() {
        let q = QueryParams::parse(Some("a=True&b=FALSE&c=yes"));
        assert_eq!(q.bool("a").unwrap(), Some(true));
        assert_eq!(q.bool("b").unwrap(), Some(false));
        assert!(q.bool("c").is_err());
        assert_eq!(q.bool("d").unwrap(), None);
    }

    #[test]
    fn positive_ints_refuse_zero_and_text() {
        let q = QueryParams::parse(Some("a=10&b=0&c=x&d=-1"));
        assert_eq!(q.positive_int("a").unwrap(), Some(10));
        for key in ["b", "c", "d"] {
            assert!(q.positive_int(key).is_err(), "{key}");
        }
    }
}
