//! The browser's session and CSRF cookies.
//!
//! Signing in with the admin token sets an HttpOnly session cookie (its
//! digest is stored, as for every secret). Every form carries a CSRF token
//! that must equal the `spoke_csrf` cookie (double submit; the cookie is
//! SameSite=Strict, so another site can neither send nor read it).

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use spoke_domain::access::secrets;
use spoke_domain::access::service::SESSION_LIFETIME_MS;

pub const SESSION: &str = "spoke_session";
pub const CSRF: &str = "spoke_csrf";

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The CSRF token for a form: the browser's own when it has a well-formed
/// one (several tabs share it), a new one otherwise.
pub fn csrf_token(headers: &HeaderMap) -> String {
    match cookie(headers, CSRF) {
        Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => v.to_string(),
        _ => secrets::session_token(),
    }
}

/// Whether a submitted form's CSRF token matches the browser's cookie.
pub fn csrf_matches(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookie(headers, CSRF), submitted) {
        (Some(cookie), Some(field)) if !cookie.is_empty() => secrets::equal(cookie, field),
        _ => false,
    }
}

pub fn set_csrf(response: &mut Response, token: &str) {
    set(
        response,
        &format!("{CSRF}={token}; Path=/; HttpOnly; SameSite=Strict"),
    );
}

pub fn set_session(response: &mut Response, session: &str) {
    set(
        response,
        &format!(
            "{SESSION}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
            SESSION_LIFETIME_MS / 1000
        ),
    );
}

fn set(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; spoke_csrf=abc ; b=2"),
        );
        assert_eq!(cookie(&headers, CSRF), Some("abc"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, SESSION), None);
        assert!(csrf_matches(&headers, Some("abc")));
        assert!(!csrf_matches(&headers, Some("abd")));
        assert!(!csrf_matches(&headers, None));
        // A malformed cookie is replaced, a well-formed one kept.
        assert_eq!(csrf_token(&headers).len(), 64);
        let token = "f".repeat(64);
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("spoke_csrf={token}")).unwrap(),
        );
        assert_eq!(csrf_token(&h), token);
    }
}
