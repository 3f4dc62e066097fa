//! Signing a browser in with the admin token: the consent page asks for it
//! (HubSpot's consent needs a signed-in user), and so does the admin page.

use super::cookies::{self, csrf_matches, csrf_token, set_csrf, set_session};
use super::html::{escape, hidden, page};
use crate::error::ApiError;
use crate::extract::{body_bytes, QueryParams};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use spoke_domain::time::Timestamp;

pub const PATH: &str = "/_spoke/sign-in";

/// Whether the browser has a valid session.
pub async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<bool, ApiError> {
    match cookies::cookie(headers, cookies::SESSION) {
        Some(session) => Ok(state
            .access
            .session_valid(session, Timestamp::now())
            .await?),
        None => Ok(false),
    }
}

/// A local path to return to after signing in; anything else (another
/// site, a scheme-relative URL) is refused.
fn local(return_to: Option<&str>) -> Option<&str> {
    return_to.filter(|p| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains('\\')
            && !p.bytes().any(|b| b.is_ascii_control())
    })
}

/// The sign-in form, returning to `return_to` when it succeeds.
pub fn form(
    headers: &HeaderMap,
    status: StatusCode,
    return_to: &str,
    problem: Option<&str>,
) -> Response {
    let csrf = csrf_token(headers);
    let problem = problem
        .map(|p| format!("<p class=\"error\">{}</p>", escape(p)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in to Spoke</h1>\
         <p>Enter this server's admin token (Spoke printed it at its first start, or it was set with <code>--admin-token</code>).</p>\
         {problem}\
         <form method=\"post\" action=\"{PATH}\">\
         <label for=\"admin_token\">Admin token</label>\
         <input type=\"password\" id=\"admin_token\" name=\"admin_token\" autocomplete=\"current-password\" required autofocus>\
         {}{}<button type=\"submit\">Sign in</button></form>",
        hidden("return_to", return_to),
        hidden("csrf", &csrf),
    );
    let mut response = page(status, "Sign in", &body);
    set_csrf(&mut response, &csrf);
    response
}

pub async fn show(headers: HeaderMap, query: QueryParams) -> Response {
    let return_to = local(query.get("return_to")).unwrap_or(crate::admin_ui::ROOT);
    form(&headers, StatusCode::OK, return_to, None)
}

pub async fn submit(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    let form = QueryParams::parse(Some(&String::from_utf8_lossy(
        &body_bytes(request, &()).await?,
    )));
    let return_to = local(form.get("return_to"))
        .unwrap_or(crate::admin_ui::ROOT)
        .to_string();
    if !csrf_matches(&headers, form.get("csrf")) {
        return Ok(self::form(
            &headers,
            StatusCode::FORBIDDEN,
            &return_to,
            Some("The form expired or came from another site. Sign in again."),
        ));
    }
    let token = form.get("admin_token").unwrap_or("");
    match state.access.sign_in(token, Timestamp::now()).await? {
        Some(session) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&return_to) {
                response.headers_mut().insert(LOCATION, location);
            }
            set_session(&mut response, &session);
            Ok(response)
        }
        None => Ok(self::form(
            &headers,
            StatusCode::UNAUTHORIZED,
            &return_to,
            Some("That is not this server's admin token."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::local;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(
            local(Some("/oauth/authorize?x=1")),
            Some("/oauth/authorize?x=1")
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil",
            "evil",
            "",
        ] {
            assert_eq!(local(Some(bad)), None, "{bad}");
        }
    }
}
