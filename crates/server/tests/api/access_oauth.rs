//! OAuth 2.0 as HubSpot runs it: the consent page driven over HTTP (sign-in,
//! CSRF, redirects), the admin shortcut, the token endpoints and their 400
//! bodies, expiry, refresh and revocation.

use crate::helpers::{spawn, spawn_with, Reply, TestApp, ADMIN_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const REDIRECT: &str = "http://localhost:3000/callback";

struct OAuthApp {
    client_id: String,
    secret: String,
}

async fn oauth_app(app: &TestApp, ttl: u32) -> OAuthApp {
    let reply = app
        .admin(
            Method::POST,
            "/_spoke/v1/apps",
            Some(json!({
                "name": "Connector <&>",
                "redirectUris": [REDIRECT, "http://localhost:3000/other"],
                "scopes": ["crm.objects.contacts.read", "oauth"],
                "optionalScopes": ["crm.objects.contacts.write"],
                "accessTokenTtlSeconds": ttl
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.json();
    OAuthApp {
        client_id: body["clientId"].as_str().unwrap().into(),
        secret: body["clientSecret"].as_str().unwrap().into(),
    }
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn authorize_path(client_id: &str, scope: &str, redirect: &str) -> String {
    format!(
        "/oauth/authorize?client_id={}&redirect_uri={}&scope={}&optional_scope={}&state=xyz%20123",
        encode(client_id),
        encode(redirect),
        encode(scope),
        encode("crm.objects.contacts.write")
    )
}

/// The value of a hidden form field in a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn query_of(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(location: &str, name: &str) -> Option<String> {
    query_of(location)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn set_cookie<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

async fn token(app: &TestApp, version: &str, fields: &[(&str, &str)]) -> Reply {
    app.form(&format!("/oauth/{version}/token"), fields, "")
        .await
}

async fn exchange(app: &TestApp, oauth: &OAuthApp, code: &str) -> Reply {
    token(
        app,
        "v1",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &oauth.client_id),
            ("client_secret", &oauth.secret),
            ("redirect_uri", REDIRECT),
            ("code", code),
        ],
    )
    .await
}

/// A code through the admin shortcut.
async fn shortcut_code(app: &TestApp, oauth: &OAuthApp, scopes: Option<&[&str]>) -> String {
    let mut body = json!({"clientId": oauth.client_id, "portalId": app.portal.0, "redirectUri": REDIRECT, "state": "s"});
    if let Some(scopes) = scopes {
        body["scopes"] = json!(scopes);
    }
    let reply = app
        .admin(Method::POST, "/_spoke/v1/oauth/authorize", Some(body))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    let code = body["code"].as_str().unwrap().to_string();
    assert_eq!(
        body["redirectUrl"],
        format!("{REDIRECT}?code={}&state=s", encode(&code))
    );
    code
}

fn assert_page(reply: &Reply, status: StatusCode, contains: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        reply.header("location").is_none(),
        "an error page never redirects"
    );
    assert!(
        reply.text.contains(contains),
        "{contains:?} not in {}",
        reply.text
    );
}

#[tokio::test]
async fn the_whole_flow_through_the_consent_page() {
    let app = spawn().await;
    app.create(json!({"email": "seen@example.com"})).await;
    let oauth = oauth_app(&app, 1800).await;
    let start = authorize_path(
        &oauth.client_id,
        "crm.objects.contacts.read oauth",
        REDIRECT,
    );

    // A browser without a session is asked to sign in first.
    let sign_in = app.browse(&start, "").await;
    assert_page(&sign_in, StatusCode::OK, "name=\"admin_token\"");
    let csrf_cookie = set_cookie(&sign_in, "spoke_csrf");
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"),
        "{csrf_cookie}"
    );
    let csrf = sign_in.cookie("spoke_csrf").unwrap();
    assert_eq!(field(&sign_in.text, "csrf"), csrf);
    let return_to = field(&sign_in.text, "return_to");
    assert_eq!(return_to, start);
    let cookies = format!("spoke_csrf={csrf}");

    // A wrong admin token, and a form without its CSRF cookie, are refused.
    let wrong = app
        .form(
            "/_spoke/sign-in",
            &[
                ("admin_token", "nope"),
                ("return_to", &return_to),
                ("csrf", &csrf),
            ],
            &cookies,
        )
        .await;
    assert_page(
        &wrong,
        StatusCode::UNAUTHORIZED,
        "That is not this server&#39;s admin token.",
    );
    let forged = app
        .form(
            "/_spoke/sign-in",
            &[
                ("admin_token", ADMIN_TOKEN),
                ("return_to", &return_to),
                ("csrf", &csrf),
            ],
            "",
        )
        .await;
    assert_page(&forged, StatusCode::FORBIDDEN, "came from another site");
    assert!(forged.cookie("spoke_session").is_none());

    let signed = app
        .form(
            "/_spoke/sign-in",
            &[
                ("admin_token", ADMIN_TOKEN),
                ("return_to", &return_to),
                ("csrf", &csrf),
            ],
            &cookies,
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    assert_eq!(signed.header("location"), Some(start.as_str()));
    let session_cookie = set_cookie(&signed, "spoke_session");
    assert!(
        session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"),
        "{session_cookie}"
    );
    let session = signed.cookie("spoke_session").unwrap();
    assert!(
        app.stored_in_clear(&session).await.is_empty(),
        "sessions are stored hashed"
    );
    let cookies = format!("spoke_csrf={csrf}; spoke_session={session}");

    // The consent page names the app (escaped), the scopes and the portals.
    let consent = app.browse(&start, &cookies).await;
    assert_page(
        &consent,
        StatusCode::OK,
        "Connect Connector &lt;&amp;&gt; to a portal",
    );
    for scope in [
        "crm.objects.contacts.read",
        "oauth",
        "crm.objects.contacts.write</code> (optional)",
    ] {
        assert!(consent.text.contains(scope), "{scope}");
    }
    assert!(consent
        .text
        .contains(&format!("<option value=\"{}\" selected>", app.portal.0)));
    let form: Vec<(&str, String)> = [
        "client_id",
        "redirect_uri",
        "scope",
        "optional_scope",
        "state",
        "csrf",
    ]
    .into_iter()
    .map(|name| (name, field(&consent.text, name)))
    .collect();
    assert_eq!(form[4].1, "xyz 123");
    let portal = app.portal.0.to_string();
    let with = |decision: &'static str| {
        let mut fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fields.push(("portal_id", &portal));
        fields.push(("decision", decision));
        fields
    };

    // The decision needs the CSRF cookie too.
    let forged = app
        .form(
            "/oauth/authorize",
            &with("approve"),
            &format!("spoke_session={session}"),
        )
        .await;
    assert_page(&forged, StatusCode::FORBIDDEN, "came from another site");

    let denied = app.form("/oauth/authorize", &with("deny"), &cookies).await;
    assert_eq!(denied.status, StatusCode::SEE_OTHER);
    let location = denied.header("location").unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    assert_eq!(
        query_of(location),
        [
            ("error".into(), "access_denied".into()),
            ("state".into(), "xyz 123".into())
        ]
    );

    let approved = app
        .form("/oauth/authorize", &with("approve"), &cookies)
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
    let location = approved.header("location").unwrap().to_string();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert_eq!(param(&location, "state").as_deref(), Some("xyz 123"));
    let code = param(&location, "code").unwrap();

    // The code buys tokens once.
    let tokens = exchange(&app, &oauth, &code).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    let body = tokens.json();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "hub_id",
            "refresh_token",
            "scopes",
            "token_type",
            "token_use",
            "user_id"
        ]
    );
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["token_use"], "access_token");
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(body["hub_id"], app.portal.0);
    assert_eq!(
        body["scopes"],
        json!([
            "crm.objects.contacts.read",
            "crm.objects.contacts.write",
            "oauth"
        ])
    );
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    for secret in [&access, &refresh, &code] {
        assert!(
            app.stored_in_clear(secret).await.is_empty(),
            "stored hashed"
        );
    }
    let again = exchange(&app, &oauth, &code).await;
    assert_eq!(again.json()["status"], "BAD_AUTH_CODE");

    // The access token reaches the portal with the granted scopes.
    let list = app
        .send_as(Some(&access), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(list.json()["results"].as_array().unwrap().len(), 1);
    let created = app
        .send_as(
            Some(&access),
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {"email": "oauth@example.com"}})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let schema_write = app
        .send_as(
            Some(&access),
            Method::POST,
            "/crm/v3/properties/contacts/groups",
            Some(json!({"name": "g", "label": "G"})),
        )
        .await;
    assert_eq!(
        schema_write.error(StatusCode::FORBIDDEN)["category"],
        "MISSING_SCOPES"
    );

    // Token information.
    let info = app.get(&format!("/oauth/v1/access-tokens/{access}")).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    let info = info.json();
    assert_eq!(info["token"], access.as_str());
    assert_eq!(info["hub_id"], app.portal.0);
    assert_eq!(info["token_type"], "access");
    assert!(info["app_id"].as_i64().unwrap() > 0);
    assert!(
        (1790..=1800).contains(&info["expires_in"].as_i64().unwrap()),
        "{info}"
    );
    for key in ["user", "user_id", "hub_domain", "scopes"] {
        assert!(!info[key].is_null(), "{key}");
    }
    let info = app
        .get(&format!("/oauth/v1/refresh-tokens/{refresh}"))
        .await
        .json();
    assert_eq!(info["client_id"], oauth.client_id.as_str());
    assert_eq!(info["token_type"], "refresh");

    // Refreshing buys a new access token; the refresh token stays.
    let refreshed = token(
        &app,
        "v1",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &oauth.client_id),
            ("client_secret", &oauth.secret),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let fresh = refreshed.json();
    assert_eq!(fresh["refresh_token"], refresh.as_str());
    let fresh_access = fresh["access_token"].as_str().unwrap();
    assert_ne!(fresh_access, access);
    let list = app
        .send_as(
            Some(fresh_access),
            Method::GET,
            "/crm/v3/objects/contacts",
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);

    // A deleted refresh token stops refreshing; issued access tokens live on.
    let deleted = app
        .delete(&format!("/oauth/v1/refresh-tokens/{refresh}"))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let refused = token(
        &app,
        "v1",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &oauth.client_id),
            ("client_secret", &oauth.secret),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!(refused.json()["status"], "BAD_REFRESH_TOKEN");
    assert_eq!(
        app.get(&format!("/oauth/v1/refresh-tokens/{refresh}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&format!("/oauth/v1/refresh-tokens/{refresh}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let list = app
        .send_as(
            Some(fresh_access),
            Method::GET,
            "/crm/v3/objects/contacts",
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_authorization_requests_get_an_error_page_never_a_redirect() {
    let app = spawn().await;
    let oauth = oauth_app(&app, 1800).await;
    let cases = [
        (
            authorize_path("no-such-client", "oauth", REDIRECT),
            "does not belong to any app",
        ),
        (
            authorize_path(
                &oauth.client_id,
                "crm.objects.contacts.read oauth",
                "http://evil.example/cb",
            ),
            "doesn&#39;t match the app&#39;s registered redirect URLs",
        ),
        (
            authorize_path(
                &oauth.client_id,
                "crm.objects.contacts.read oauth crm.lists.read",
                REDIRECT,
            ),
            "has not declared these scopes: crm.lists.read",
        ),
        (
            authorize_path(&oauth.client_id, "oauth", REDIRECT),
            "missing: crm.objects.contacts.read",
        ),
        (
            "/oauth/authorize?redirect_uri=http%3A%2F%2Flocalhost%2Fcb".to_string(),
            "The client_id parameter is missing.",
        ),
        (
            format!("/oauth/authorize?client_id={}", oauth.client_id),
            "The redirect_uri parameter is missing.",
        ),
        (
            format!(
                "{}&code_challenge=short&code_challenge_method=S256",
                authorize_path(
                    &oauth.client_id,
                    "crm.objects.contacts.read oauth",
                    REDIRECT
                )
            ),
            "code_challenge must be 43 to 128 characters",
        ),
    ];
    for (path, message) in &cases {
        // Checked before the sign-in, and again after it.
        let reply = app.browse(path, "").await;
        assert_page(&reply, StatusCode::BAD_REQUEST, message);
    }
    let open = spawn_with(|c| c.open_consent = true).await;
    let reply = open
        .browse(&authorize_path("no-such-client", "oauth", REDIRECT), "")
        .await;
    assert_page(
        &reply,
        StatusCode::BAD_REQUEST,
        "does not belong to any app",
    );
}

#[tokio::test]
async fn open_consent_skips_the_sign_in() {
    let app = spawn_with(|c| c.open_consent = true).await;
    let oauth = oauth_app(&app, 1800).await;
    let consent = app
        .browse(
            &authorize_path(
                &oauth.client_id,
                "crm.objects.contacts.read oauth",
                REDIRECT,
            ),
            "",
        )
        .await;
    assert_page(&consent, StatusCode::OK, "Connect Connector");
    let csrf = consent.cookie("spoke_csrf").unwrap();
    let mut fields: Vec<(&str, String)> = [
        "client_id",
        "redirect_uri",
        "scope",
        "optional_scope",
        "state",
        "csrf",
    ]
    .into_iter()
    .map(|n| (n, field(&consent.text, n)))
    .collect();
    fields.push(("portal_id", app.portal.0.to_string()));
    fields.push(("decision", "approve".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let approved = app
        .form("/oauth/authorize", &fields, &format!("spoke_csrf={csrf}"))
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
    let code = param(approved.header("location").unwrap(), "code").unwrap();
    assert_eq!(exchange(&app, &oauth, &code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_admin_shortcut_installs_the_app_and_tokens_expire() {
    let app = spawn().await;
    let oauth = oauth_app(&app, 1).await;
    let code = shortcut_code(&app, &oauth, None).await;
    let tokens = exchange(&app, &oauth, &code).await.json();
    assert_eq!(tokens["expires_in"], 1);
    assert_eq!(
        tokens["scopes"],
        json!(["crm.objects.contacts.read", "oauth"])
    );
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.send_as(Some(&access), Method::GET, "/crm/v3/objects/contacts", None)
            .await
            .status,
        StatusCode::OK
    );

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = app
        .send_as(Some(&access), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    let body = expired.error(StatusCode::UNAUTHORIZED);
    assert_eq!(body["category"], "EXPIRED_AUTHENTICATION");
    let message = body["message"].as_str().unwrap();
    let seconds: i64 = message
        .strip_prefix("The OAuth token used to make this call expired ")
        .and_then(|m| m.strip_suffix(" second(s) ago."))
        .unwrap_or_else(|| panic!("{message}"))
        .parse()
        .unwrap();
    assert!((1..=3).contains(&seconds), "{message}");
    // In the v1 shape on v1 paths.
    let v1 = app
        .send_as(
            Some(&access),
            Method::GET,
            "/contacts/v1/lists/all/contacts/all",
            None,
        )
        .await;
    let v1 = v1.v1_error(StatusCode::UNAUTHORIZED);
    assert!(v1["message"]
        .as_str()
        .unwrap()
        .starts_with("The OAuth token used to make this call expired"));
    let info = app.get(&format!("/oauth/v1/access-tokens/{access}")).await;
    assert_eq!(
        info.error(StatusCode::UNAUTHORIZED)["category"],
        "EXPIRED_AUTHENTICATION"
    );

    let refreshed = token(
        &app,
        "v1",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &oauth.client_id),
            ("client_secret", &oauth.secret),
            ("refresh_token", &refresh),
        ],
    )
    .await
    .json();
    let fresh = refreshed["access_token"].as_str().unwrap();
    assert_eq!(
        app.send_as(Some(fresh), Method::GET, "/crm/v3/objects/contacts", None)
            .await
            .status,
        StatusCode::OK
    );

    // The shortcut checks what the consent page checks.
    for (body, status, message) in [
        (
            json!({"clientId": "nope", "portalId": app.portal.0}),
            StatusCode::BAD_REQUEST,
            "does not belong to any app",
        ),
        (
            json!({"clientId": oauth.client_id, "portalId": 424242}),
            StatusCode::NOT_FOUND,
            "Portal 424242 does not exist.",
        ),
        (
            json!({"clientId": oauth.client_id, "portalId": app.portal.0, "redirectUri": "http://evil.example/"}),
            StatusCode::BAD_REQUEST,
            "doesn't match",
        ),
        (
            json!({"clientId": oauth.client_id, "portalId": app.portal.0, "scopes": ["crm.lists.write", "crm.objects.contacts.read"]}),
            StatusCode::BAD_REQUEST,
            "not declared these scopes: crm.lists.write",
        ),
        (
            json!({"clientId": oauth.client_id}),
            StatusCode::BAD_REQUEST,
            "portalId is required",
        ),
    ] {
        let reply = app
            .admin(
                Method::POST,
                "/_spoke/v1/oauth/authorize",
                Some(body.clone()),
            )
            .await;
        let error = reply.error(status);
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{body}: {error}"
        );
    }
}

#[tokio::test]
async fn every_refusal_of_the_token_endpoint_has_hubspots_body() {
    let app = spawn().await;
    let oauth = oauth_app(&app, 1800).await;
    let other = oauth_app(&app, 1800).await;
    let code = shortcut_code(&app, &oauth, None).await;
    let others_code = shortcut_code(&app, &other, None).await;
    let long = "x".repeat(600);
    let id = oauth.client_id.as_str();
    let secret = oauth.secret.as_str();
    // (form fields, HubSpot's status word, RFC 6749's error)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("client_id", id), ("client_secret", secret)],
            "BAD_GRANT_TYPE",
            "unsupported_grant_type",
        ),
        (
            vec![("grant_type", "password"), ("client_id", id)],
            "BAD_GRANT_TYPE",
            "unsupported_grant_type",
        ),
        (
            vec![("grant_type", "authorization_code"), ("code", &code)],
            "BAD_CLIENT_ID",
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", "nope"),
                ("code", &code),
            ],
            "BAD_CLIENT_ID",
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", "wrong"),
                ("code", &code),
            ],
            "BAD_CLIENT_SECRET",
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("redirect_uri", REDIRECT),
                ("code", "na1-unknown"),
            ],
            "BAD_AUTH_CODE",
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("redirect_uri", REDIRECT),
                ("code", &long),
            ],
            "BAD_AUTH_CODE",
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("redirect_uri", REDIRECT),
                ("code", &others_code),
            ],
            "BAD_AUTH_CODE",
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("redirect_uri", "http://localhost:3000/other"),
                ("code", &code),
            ],
            "BAD_REDIRECT_URI",
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("code", &code),
            ],
            "BAD_REDIRECT_URI",
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", id),
                ("client_secret", secret),
                ("refresh_token", "na1-unknown"),
            ],
            "BAD_REFRESH_TOKEN",
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            "BAD_REFRESH_TOKEN",
            "invalid_grant",
        ),
    ];
    for (fields, status, error) in &cases {
        let reply = token(&app, "v1", fields).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{fields:?}: {}",
            reply.text
        );
        let body = reply.json();
        assert_eq!(body["status"], *status, "{fields:?}: {body}");
        assert_eq!(body["error"], *error, "{fields:?}");
        assert_eq!(body["error_description"], body["message"]);
        assert_eq!(body["correlationId"].as_str().unwrap().len(), 36);
        // The v3 endpoint refuses alike, in the v3 error shape.
        let reply = token(&app, "v3", fields).await;
        let body = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(body["category"], "VALIDATION_ERROR");
        assert_eq!(body["subCategory"], *status);
    }
    // The refusals spent nothing: the code still buys tokens once.
    assert_eq!(exchange(&app, &oauth, &code).await.status, StatusCode::OK);
    // A refresh token of another app is refused.
    let others = exchange(&app, &other, &others_code).await;
    assert_eq!(others.status, StatusCode::OK, "{}", others.text);
    let others_refresh = others.json()["refresh_token"].as_str().unwrap().to_string();
    let reply = token(
        &app,
        "v1",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", id),
            ("client_secret", secret),
            ("refresh_token", &others_refresh),
        ],
    )
    .await;
    assert_eq!(reply.json()["status"], "BAD_REFRESH_TOKEN");
    // A body that is not a form.
    let reply = app
        .client
        .post(app.url("/oauth/v1/token"))
        .json(&json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["status"], "BAD_REQUEST");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("application/json"),
        "{body}"
    );
}

#[tokio::test]
async fn pkce_verifiers_are_checked() {
    let app = spawn_with(|c| c.open_consent = true).await;
    let oauth = oauth_app(&app, 1800).await;
    // RFC 7636's example.
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let path = format!(
        "{}&code_challenge={challenge}&code_challenge_method=S256",
        authorize_path(
            &oauth.client_id,
            "crm.objects.contacts.read oauth",
            REDIRECT
        )
    );
    let consent = app.browse(&path, "").await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.text);
    assert_eq!(field(&consent.text, "code_challenge"), challenge);
    let csrf = consent.cookie("spoke_csrf").unwrap();
    let mut fields: Vec<(&str, String)> = [
        "client_id",
        "redirect_uri",
        "scope",
        "optional_scope",
        "state",
        "csrf",
        "code_challenge",
        "code_challenge_method",
    ]
    .into_iter()
    .map(|n| (n, field(&consent.text, n)))
    .collect();
    fields.push(("portal_id", app.portal.0.to_string()));
    fields.push(("decision", "approve".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let approved = app
        .form("/oauth/authorize", &fields, &format!("spoke_csrf={csrf}"))
        .await;
    let code = param(approved.header("location").unwrap(), "code").unwrap();
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", oauth.client_id.as_str()),
        ("client_secret", oauth.secret.as_str()),
        ("redirect_uri", REDIRECT),
        ("code", code.as_str()),
    ];
    let missing = token(&app, "v1", &base).await;
    assert_eq!(missing.json()["status"], "BAD_AUTH_CODE");
    let mut wrong = base.to_vec();
    wrong.push((
        "code_verifier",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX",
    ));
    assert_eq!(
        token(&app, "v1", &wrong).await.json()["status"],
        "BAD_AUTH_CODE"
    );
    let mut right = base.to_vec();
    right.push(("code_verifier", verifier));
    let ok = token(&app, "v1", &right).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

#[tokio::test]
async fn v3_introspection_and_revocation() {
    let app = spawn().await;
    let oauth = oauth_app(&app, 1800).await;
    let other = oauth_app(&app, 1800).await;
    let code = shortcut_code(&app, &oauth, None).await;
    let tokens = token(
        &app,
        "v3",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &oauth.client_id),
            ("client_secret", &oauth.secret),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    let tokens = tokens.json();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let client = [
        ("client_id", oauth.client_id.as_str()),
        ("client_secret", oauth.secret.as_str()),
    ];
    let introspect = |token: &str, who: [(&'static str, &str); 2]| {
        let mut fields = who.to_vec();
        fields.push(("token", token));
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let ask = |fields: Vec<(String, String)>| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.form("/oauth/v3/token/introspect", &pairs, "").await
        }
    };
    let live = ask(introspect(access, client)).await.json();
    assert_eq!(live["active"], true, "{live}");
    assert_eq!(live["token_use"], "access_token");
    assert_eq!(live["hub_id"], app.portal.0);
    assert_eq!(live["client_id"], oauth.client_id.as_str());
    let live = ask(introspect(refresh, client)).await.json();
    assert_eq!(
        (live["active"].clone(), live["token_use"].clone()),
        (json!(true), json!("refresh_token"))
    );
    // Another app learns nothing of this app's tokens.
    let other_client = [
        ("client_id", other.client_id.as_str()),
        ("client_secret", other.secret.as_str()),
    ];
    assert_eq!(
        ask(introspect(access, other_client)).await.json(),
        json!({"active": false})
    );
    assert_eq!(
        ask(introspect("unknown", client)).await.json(),
        json!({"active": false})
    );
    let bad_secret = ask(introspect(
        access,
        [
            ("client_id", oauth.client_id.as_str()),
            ("client_secret", "wrong"),
        ],
    ))
    .await;
    assert_eq!(
        bad_secret.error(StatusCode::BAD_REQUEST)["subCategory"],
        "BAD_CLIENT_SECRET"
    );

    let revoke = |token: &str| {
        let mut fields = client.to_vec();
        fields.push(("token", token));
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    for token in [access, refresh, "unknown"] {
        let fields = revoke(token);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reply = app.form("/oauth/v3/token/revoke", &pairs, "").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    app.send_as(Some(access), Method::GET, "/crm/v3/objects/contacts", None)
        .await
        .error(StatusCode::UNAUTHORIZED);
    assert_eq!(
        ask(introspect(refresh, client)).await.json(),
        json!({"active": false})
    );
}
