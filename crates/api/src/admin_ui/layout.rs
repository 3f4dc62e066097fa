//! The admin page's frame: header, navigation, notices, and the error page.

use crate::error::ApiError;
use crate::oauth::cookies::{csrf_token, set_csrf};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use spoke_domain::ids::PortalId;

/// What every page of one request shares: the form token.
pub struct Ctx {
    pub csrf: String,
    /// Seconds after which the page reloads itself (a live view).
    pub refresh: Option<u32>,
}

impl Ctx {
    pub fn new(headers: &HeaderMap) -> Ctx {
        Ctx {
            csrf: csrf_token(headers),
            refresh: None,
        }
    }

    /// The hidden field every form carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }

    /// A form that posts to `action` with one button.
    pub fn button(&self, action: &str, label: &str, class: &str) -> Markup {
        html! {
            form method="post" action=(action) class="inline" {
                (self.csrf_field())
                button type="submit" class=(class) { (label) }
            }
        }
    }

    /// A whole page; `portal` adds the portal's navigation.
    pub fn page(
        &self,
        status: StatusCode,
        title: &str,
        portal: Option<PortalId>,
        body: Markup,
    ) -> Response {
        let markup = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width,initial-scale=1";
                    title { (title) " · Spoke admin" }
                    link rel="stylesheet" href="/_spoke/ui/assets/admin.css";
                    @if let Some(seconds) = self.refresh {
                        meta http-equiv="refresh" content=(seconds);
                    }
                }
                body {
                    a class="skip" href="#main" { "Skip to content" }
                    header class="top" {
                        a class="brand" href="/_spoke/ui" { "Spoke" }
                        nav aria-label="Main" {
                            ul {
                                li { a href="/_spoke/ui" { "Portals" } }
                                @if let Some(p) = portal {
                                    li { a href={ "/_spoke/ui/portals/" (p) } { "Portal " (p) } }
                                    li { a href={ "/_spoke/ui/portals/" (p) "/contacts" } { "Contacts" } }
                                    li { a href={ "/_spoke/ui/portals/" (p) "/properties" } { "Properties" } }
                                    li { a href={ "/_spoke/ui/portals/" (p) "/lists" } { "Lists" } }
                                    li { a href={ "/_spoke/ui/portals/" (p) "/apps" } { "Apps" } }
                                    li { a href={ "/_spoke/ui/portals/" (p) "/deliveries" } { "Webhook deliveries" } }
                                    li { a href={ "/_spoke/ui/portals/" (p) "/requests" } { "Requests" } }
                                    li { a href={ "/_spoke/ui/explorer?portal=" (p) } { "API explorer" } }
                                } @else {
                                    li { a href="/_spoke/ui/explorer" { "API explorer" } }
                                }
                            }
                        }
                        form method="post" action="/_spoke/ui/sign-out" class="sign-out" {
                            (self.csrf_field())
                            button type="submit" { "Sign out" }
                        }
                    }
                    main id="main" { (body) }
                }
            }
        };
        let mut response = html_response(status, markup.into_string());
        set_csrf(&mut response, &self.csrf);
        response
    }
}

/// An HTML response that is never cached and never framed.
pub fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// A page with one message and no forms (errors, refusals).
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · Spoke admin" }
                link rel="stylesheet" href="/_spoke/ui/assets/admin.css";
            }
            body {
                main id="main" {
                    h1 { (title) }
                    p class="error" role="alert" { (text) }
                    p { a href="/_spoke/ui" { "Back to the portals" } }
                }
            }
        }
    };
    html_response(status, markup.into_string())
}

/// A failure as a page, with the status and message the API would give.
pub fn failure(err: impl Into<ApiError>) -> Response {
    let (status, body) = err.into().parts();
    let title = if status.is_server_error() {
        "Spoke could not do that"
    } else {
        "That did not work"
    };
    message(status, title, &body.message)
}

/// A notice shown at the top of a page after an action.
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p class="notice" role="status" { (text) }
        }
    }
}

/// A date for people: ISO 8601 to the second, in UTC.
pub fn when(ts: spoke_domain::time::Timestamp) -> String {
    let iso = ts.to_iso();
    match iso.split_once('.') {
        Some((head, _)) => format!("{} UTC", head.replace('T', " ")),
        None => iso,
    }
}

/// A confirmation checkbox a destructive form must have ticked.
pub fn confirm(id: &str, text: &str) -> Markup {
    html! {
        label class="confirm" for=(id) {
            input type="checkbox" id=(id) name="confirm" value="yes" required;
            " " (text)
        }
    }
}
