//! The web admin page over HTTP, as a browser speaks it (no redirects
//! followed, cookies by hand): sessions, CSRF, escaping, and the pages'
//! actions reaching the same domain rules as the API. The browser tests
//! (Chromium) are in `tests/admin_ui_browser.rs`.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn set_cookie<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

/// A signed-in browser: its cookies and its CSRF token.
struct Browser {
    cookies: String,
    csrf: String,
}

async fn sign_in(app: &TestApp) -> Browser {
    let form = app.browse("/_spoke/sign-in", "").await;
    let csrf = form.cookie("spoke_csrf").expect("csrf cookie");
    let signed = app
        .form(
            "/_spoke/sign-in",
            &[
                ("admin_token", ADMIN_TOKEN),
                ("return_to", "/_spoke/ui"),
                ("csrf", &csrf),
            ],
            &format!("spoke_csrf={csrf}"),
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    assert_eq!(signed.header("location"), Some("/_spoke/ui"));
    let session = signed.cookie("spoke_session").expect("session cookie");
    Browser {
        cookies: format!("spoke_csrf={csrf}; spoke_session={session}"),
        csrf,
    }
}

impl Browser {
    async fn get(&self, app: &TestApp, path: &str) -> Reply {
        app.browse(path, &self.cookies).await
    }

    async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = fields.to_vec();
        all.push(("csrf", &self.csrf));
        app.form(path, &all, &self.cookies).await
    }
}

fn assert_html(reply: &Reply, status: StatusCode, contains: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        reply.text.contains(contains),
        "{contains:?} not in {}",
        reply.text
    );
}

fn assert_redirect(reply: &Reply, to: &str) {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    assert_eq!(reply.header("location"), Some(to), "{}", reply.text);
}

#[tokio::test]
async fn every_page_and_form_sends_a_browser_without_a_session_to_sign_in() {
    let app = spawn().await;
    let id = app.create(json!({"email": "quiet@example.com"})).await;
    let root = app.browse("/", "").await;
    assert_redirect(&root, "/_spoke/ui");
    let pages = [
        "/_spoke/ui".to_string(),
        "/_spoke/ui/portals/1".into(),
        "/_spoke/ui/portals/1/contacts?q=quiet".into(),
        format!("/_spoke/ui/portals/1/contacts/{id}"),
        "/_spoke/ui/portals/1/properties".into(),
        "/_spoke/ui/portals/1/properties/email".into(),
        "/_spoke/ui/portals/1/lists".into(),
        "/_spoke/ui/portals/1/lists/1".into(),
        "/_spoke/ui/portals/1/apps".into(),
        "/_spoke/ui/portals/1/deliveries".into(),
        "/_spoke/ui/portals/1/requests?live=1".into(),
        "/_spoke/ui/explorer".into(),
    ];
    for page in &pages {
        let reply = app.browse(page, "").await;
        let back: String = form_urlencoded::byte_serialize(page.as_bytes()).collect();
        assert_redirect(&reply, &format!("/_spoke/sign-in?return_to={back}"));
        // An API token is not a session: the page is not served to it.
        let with_token = app
            .browser
            .get(app.url(page))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(with_token.status(), StatusCode::SEE_OTHER, "{page}");
        let with_admin_token = app
            .browser
            .get(app.url(page))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(with_admin_token.status(), StatusCode::SEE_OTHER, "{page}");
        // Nor is a made-up session.
        let forged = app
            .browse(
                page,
                "spoke_session=0000000000000000000000000000000000000000000000000000000000000000",
            )
            .await;
        assert_eq!(forged.status, StatusCode::SEE_OTHER, "{page}");
    }
    let csrf = "a".repeat(64);
    let posts = [
        "/_spoke/ui/portals".to_string(),
        "/_spoke/ui/portals/1/reset".into(),
        "/_spoke/ui/portals/1/delete".into(),
        format!("/_spoke/ui/portals/1/contacts/{id}"),
        format!("/_spoke/ui/portals/1/contacts/{id}/gdpr-delete"),
        format!("/_spoke/ui/portals/1/contacts/{id}/archive"),
        format!("/_spoke/ui/portals/1/contacts/{id}/merge"),
        "/_spoke/ui/portals/1/snapshots".into(),
        "/_spoke/ui/portals/1/properties".into(),
        "/_spoke/ui/portals/1/properties/groups".into(),
        "/_spoke/ui/portals/1/lists".into(),
        "/_spoke/ui/portals/1/lists/1/members".into(),
        "/_spoke/ui/portals/1/apps/private".into(),
        "/_spoke/ui/portals/1/apps/private/1000001/revoke".into(),
        "/_spoke/ui/portals/1/requests/limits".into(),
        "/_spoke/ui/portals/1/requests/faults".into(),
        "/_spoke/ui/portals/1/requests/faults/clear".into(),
        "/_spoke/ui/portals/1/explorer-token".into(),
        "/_spoke/ui/deliveries/1/replay".into(),
        "/_spoke/ui/sign-out".into(),
    ];
    for post in &posts {
        let reply = app
            .form(
                post,
                &[
                    ("csrf", &csrf),
                    ("confirm", "yes"),
                    ("p:email", "x@example.com"),
                ],
                &format!("spoke_csrf={csrf}"),
            )
            .await;
        assert_redirect(&reply, "/_spoke/sign-in?return_to=%2F_spoke%2Fui");
    }
    // Nothing happened.
    let contact = app
        .get(&format!("/crm/v3/objects/contacts/{id}"))
        .await
        .json();
    assert_eq!(contact["properties"]["email"], "quiet@example.com");
    let portals = app
        .admin(Method::GET, "/_spoke/v1/portals", None)
        .await
        .json();
    assert_eq!(portals["results"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_form_refuses_a_signed_in_browser_without_the_csrf_token() {
    let app = spawn().await;
    let id = app.create(json!({"email": "kept@example.com"})).await;
    let browser = sign_in(&app).await;
    let forms = [
        "/_spoke/ui/portals".to_string(),
        "/_spoke/ui/portals/1/reset".into(),
        "/_spoke/ui/portals/1/delete".into(),
        "/_spoke/ui/portals/1/snapshots".into(),
        format!("/_spoke/ui/portals/1/contacts/{id}"),
        format!("/_spoke/ui/portals/1/contacts/{id}/archive"),
        format!("/_spoke/ui/portals/1/contacts/{id}/gdpr-delete"),
        "/_spoke/ui/portals/1/properties".into(),
        "/_spoke/ui/portals/1/lists".into(),
        "/_spoke/ui/portals/1/apps/private".into(),
        "/_spoke/ui/portals/1/apps/private/1000001/revoke".into(),
        "/_spoke/ui/portals/1/requests/faults/clear".into(),
        "/_spoke/ui/portals/1/explorer-token".into(),
        "/_spoke/ui/sign-out".into(),
    ];
    for form in &forms {
        for csrf in [
            "",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let mut fields = vec![
                ("confirm", "yes"),
                ("p:email", "changed@example.com"),
                ("name", "x"),
            ];
            if !csrf.is_empty() {
                fields.push(("csrf", csrf));
            }
            let reply = app.form(form, &fields, &browser.cookies).await;
            assert_html(&reply, StatusCode::FORBIDDEN, "CSRF token did not match");
        }
    }
    // Nothing happened: the contact, the portal, the session are as they were.
    let contact = app
        .get(&format!("/crm/v3/objects/contacts/{id}"))
        .await
        .json();
    assert_eq!(contact["properties"]["email"], "kept@example.com");
    let portals = app
        .admin(Method::GET, "/_spoke/v1/portals", None)
        .await
        .json();
    assert_eq!(portals["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
    assert_eq!(browser.get(&app, "/_spoke/ui").await.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_in_sets_a_strict_session_and_signing_out_ends_it() {
    let app = spawn().await;
    let form = app.browse("/_spoke/sign-in", "").await;
    let csrf = form.cookie("spoke_csrf").unwrap();
    let signed = app
        .form(
            "/_spoke/sign-in",
            &[("admin_token", ADMIN_TOKEN), ("csrf", &csrf)],
            &format!("spoke_csrf={csrf}"),
        )
        .await;
    // Without a return_to, the admin page is where a sign-in lands.
    assert_redirect(&signed, "/_spoke/ui");
    let session = set_cookie(&signed, "spoke_session");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(session.contains(flag), "{flag} missing from {session}");
    }
    let browser = Browser {
        cookies: format!(
            "spoke_csrf={csrf}; spoke_session={}",
            signed.cookie("spoke_session").unwrap()
        ),
        csrf,
    };
    let home = browser.get(&app, "/_spoke/ui").await;
    assert_html(&home, StatusCode::OK, "<h1>Portals</h1>");
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert_eq!(home.header("x-frame-options"), Some("DENY"));
    assert!(home
        .header("content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let csrf_cookie = set_cookie(&home, "spoke_csrf");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));

    // Signing out needs the form's token too.
    let forged = app
        .form(
            "/_spoke/ui/sign-out",
            &[("csrf", "b".repeat(64).as_str())],
            &browser.cookies,
        )
        .await;
    assert_html(&forged, StatusCode::FORBIDDEN, "CSRF token did not match");
    assert_eq!(browser.get(&app, "/_spoke/ui").await.status, StatusCode::OK);

    let out = browser.post(&app, "/_spoke/ui/sign-out", &[]).await;
    assert_redirect(&out, "/_spoke/sign-in");
    assert!(set_cookie(&out, "spoke_session").contains("Max-Age=0"));
    // The old cookie is dead on the server, not only forgotten by the browser.
    let after = browser.get(&app, "/_spoke/ui").await;
    assert_redirect(&after, "/_spoke/sign-in?return_to=%2F_spoke%2Fui");
}

#[tokio::test]
async fn portals_are_listed_with_counts_and_created_reset_snapshotted_restored_and_deleted() {
    let app = spawn().await;
    app.create(json!({"email": "one@example.com"})).await;
    app.create(json!({"email": "two@example.com"})).await;
    let browser = sign_in(&app).await;
    let home = browser.get(&app, "/_spoke/ui").await;
    assert_html(
        &home,
        StatusCode::OK,
        "href=\"/_spoke/ui/portals/1/contacts\">2</a>",
    );

    // A form without the CSRF token does nothing.
    let forged = app
        .form(
            "/_spoke/ui/portals",
            &[("name", "Forged"), ("csrf", "")],
            &browser.cookies,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let portals = app
        .admin(Method::GET, "/_spoke/v1/portals", None)
        .await
        .json();
    assert_eq!(portals["results"].as_array().unwrap().len(), 1);

    // Create: the token is shown once, and it works.
    let created = browser
        .post(
            &app,
            "/_spoke/ui/portals",
            &[("name", "QA <portal>"), ("tier", "starter")],
        )
        .await;
    assert_html(&created, StatusCode::CREATED, "QA &lt;portal&gt;");
    let start = created.text.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = &created.text[start..start + created.text[start..].find('<').unwrap()];
    assert!(token.starts_with("pat-"), "{token}");
    let made = app
        .send_as(
            Some(token),
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {"email": "new@example.com"}})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let portal: i64 = created
        .text
        .split("/_spoke/ui/portals/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let base = format!("/_spoke/ui/portals/{portal}");
    assert_html(&browser.get(&app, &base).await, StatusCode::OK, "starter");

    // Snapshot, change, restore.
    let snap = browser
        .post(&app, &format!("{base}/snapshots"), &[("name", "before")])
        .await;
    assert_redirect(&snap, &format!("{base}?done=snapshot"));
    let page = browser.get(&app, &format!("{base}?done=snapshot")).await;
    assert_html(&page, StatusCode::OK, "Snapshot taken.");
    assert!(page.text.contains("<td>before</td>"), "{}", page.text);

    // Reset needs its box ticked; then the portal is empty.
    let unticked = browser.post(&app, &format!("{base}/reset"), &[]).await;
    assert_html(
        &unticked,
        StatusCode::BAD_REQUEST,
        "Tick the confirmation box",
    );
    let count = |text: &str| text.contains(&format!("href=\"{base}/contacts\">0</a>"));
    assert!(!count(&browser.get(&app, &base).await.text));
    let reset = browser
        .post(&app, &format!("{base}/reset"), &[("confirm", "yes")])
        .await;
    assert_redirect(&reset, &format!("{base}?done=reset"));
    assert!(count(&browser.get(&app, &base).await.text));

    let restored = browser
        .post(&app, &format!("{base}/snapshots/before/restore"), &[])
        .await;
    assert_redirect(&restored, &format!("{base}?done=restored"));
    let back = app
        .send_as(Some(token), Method::GET, "/crm/v3/objects/contacts", None)
        .await
        .json();
    assert_eq!(back["results"][0]["properties"]["email"], "new@example.com");

    let deleted_snapshot = browser
        .post(&app, &format!("{base}/snapshots/before/delete"), &[])
        .await;
    assert_redirect(&deleted_snapshot, &format!("{base}?done=snapshot-deleted"));

    let gone = browser
        .post(&app, &format!("{base}/delete"), &[("confirm", "yes")])
        .await;
    assert_redirect(&gone, "/_spoke/ui?done=deleted");
    let after = app
        .send_as(Some(token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    let missing = browser.get(&app, &base).await;
    assert_html(
        &missing,
        StatusCode::NOT_FOUND,
        &format!("Portal {portal} does not exist."),
    );
}

#[tokio::test]
async fn property_values_are_shown_as_text_never_as_markup() {
    let app = spawn().await;
    let id = app
        .create(json!({
            "email": "xss@example.com",
            "firstname": "<script>alert(1)</script>",
            "lastname": "\"><img src=x onerror=alert(2)>",
        }))
        .await;
    let browser = sign_in(&app).await;
    let columns = "email,firstname,lastname";
    for page in [
        format!("/_spoke/ui/portals/1/contacts/{id}"),
        format!("/_spoke/ui/portals/1/contacts?columns={columns}"),
        format!("/_spoke/ui/portals/1/contacts?columns={columns}&q=xss"),
    ] {
        let reply = browser.get(&app, &page).await;
        assert_html(
            &reply,
            StatusCode::OK,
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        );
        assert!(!reply.text.contains("<script>alert"), "{page}");
        assert!(!reply.text.contains("<img src=x"), "{page}");
        assert!(
            reply
                .text
                .contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn the_table_searches_filters_sorts_and_pages() {
    let app = spawn().await;
    let mut inputs = Vec::new();
    for n in 0..30 {
        inputs.push(json!({"properties": {
            "email": format!("person{n:02}@example.com"),
            "firstname": if n == 7 { "Zelda".to_string() } else { format!("Name{n:02}") },
            "lastname": if n % 2 == 0 { "Even" } else { "Odd" },
        }}));
    }
    let batch = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::CREATED, "{}", batch.text);
    let browser = sign_in(&app).await;
    let base = "/_spoke/ui/portals/1/contacts";

    // Free text, through the search engine the API uses.
    let found = browser.get(&app, &format!("{base}?q=zelda")).await;
    assert_html(&found, StatusCode::OK, "1 contacts match.");
    assert!(found.text.contains("person07@example.com"));
    assert!(!found.text.contains("person08@example.com"));

    // A filter, sorted, paged by the search's offset.
    let odd = browser
        .get(
            &app,
            &format!("{base}?property=lastname&operator=EQ&value=Odd&sort=email&direction=desc"),
        )
        .await;
    assert_html(&odd, StatusCode::OK, "15 contacts match.");
    let first = odd.text.find("person29@example.com").unwrap();
    let later = odd.text.find("person27@example.com").unwrap();
    assert!(first < later, "descending by email");
    assert!(!odd.text.contains("person28@example.com"));
    // Two filters: both must pass.
    let two = browser
        .get(&app, &format!("{base}?property=lastname&operator=EQ&value=Odd&property=firstname&operator=EQ&value=Zelda&property=&operator=EQ&value="))
        .await;
    assert_html(&two, StatusCode::OK, "1 contacts match.");
    assert!(two.text.contains("person07@example.com"));

    // Without a search, pages follow ids: 25, then the rest.
    let page1 = browser.get(&app, base).await;
    assert!(page1.text.contains("person00@example.com"));
    assert!(!page1.text.contains("person25@example.com"));
    let next = page1.text.split("rel=\"next\"").next().unwrap();
    let href = next
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let page2 = browser.get(&app, &href.replace("&amp;", "&")).await;
    assert_html(&page2, StatusCode::OK, "person25@example.com");
    assert!(!page2.text.contains("person00@example.com"));

    // A search the engine refuses is shown, in the API's words.
    let bad = browser
        .get(
            &app,
            &format!("{base}?property=nosuchproperty&operator=EQ&value=x"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert!(bad.text.contains("id=\"search-error\""), "{}", bad.text);
    assert!(bad.text.contains("nosuchproperty"), "{}", bad.text);
}

#[tokio::test]
async fn edits_pass_the_api_validation_and_are_recorded_as_crm_ui() {
    let app = spawn().await;
    let id = app
        .create(json!({"email": "edit@example.com", "firstname": "Before"}))
        .await;
    let browser = sign_in(&app).await;
    let path = format!("/_spoke/ui/portals/1/contacts/{id}");
    let page = browser.get(&app, &path).await;
    assert_html(
        &page,
        StatusCode::OK,
        "name=\"p:firstname\" value=\"Before\"",
    );

    // A bad email: the API's 400 message, the field marked, nothing saved.
    let bad = browser
        .post(
            &app,
            &path,
            &[("p:email", "not an email"), ("p:firstname", "Changed")],
        )
        .await;
    assert_html(
        &bad,
        StatusCode::BAD_REQUEST,
        "Property values were not valid",
    );
    assert!(bad.text.contains("aria-invalid=\"true\""), "{}", bad.text);
    assert!(
        bad.text.contains("id=\"field-email-error\""),
        "{}",
        bad.text
    );
    // What was typed is kept in the form.
    assert!(bad.text.contains("value=\"not an email\""), "{}", bad.text);
    let api_error = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"email": "not an email"}}),
        )
        .await
        .json();
    let message = api_error["errors"][0]["message"].as_str().unwrap();
    let escaped = message
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(bad.text.contains(&escaped), "{escaped} not in {}", bad.text);
    let unchanged = app
        .get(&format!("/crm/v3/objects/contacts/{id}"))
        .await
        .json();
    assert_eq!(unchanged["properties"]["firstname"], "Before");

    // A good edit, and a new property set beside it.
    let good = browser
        .post(
            &app,
            &path,
            &[
                ("p:email", "edit@example.com"),
                ("p:firstname", "After"),
                ("new_name", "jobtitle"),
                ("new_value", "Engineer"),
            ],
        )
        .await;
    assert_redirect(&good, &format!("{path}?done=saved"));
    let read = app
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=firstname,jobtitle&propertiesWithHistory=firstname,email"
        ))
        .await
        .json();
    assert_eq!(read["properties"]["firstname"], "After");
    assert_eq!(read["properties"]["jobtitle"], "Engineer");
    let history = &read["propertiesWithHistory"]["firstname"];
    assert_eq!(history[0]["value"], "After");
    assert_eq!(history[0]["sourceType"], "CRM_UI");
    // The unchanged email got no new history entry.
    assert_eq!(
        read["propertiesWithHistory"]["email"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let shown = browser.get(&app, &format!("{path}?done=saved")).await;
    assert_html(&shown, StatusCode::OK, "Saved.");
    let timeline = &shown.text[shown.text.find("id=\"history\"").unwrap()..];
    let after = timeline.find("<q>After</q>").unwrap();
    let before = timeline.find("<q>Before</q>").unwrap();
    assert!(after < before, "newest first");
    assert!(timeline.contains("CRM_UI"));
}

#[tokio::test]
async fn archive_restore_and_gdpr_delete_from_the_contact_page() {
    let app = spawn().await;
    let id = app.create(json!({"email": "gone@example.com"})).await;
    let browser = sign_in(&app).await;
    let path = format!("/_spoke/ui/portals/1/contacts/{id}");
    assert_redirect(
        &browser.post(&app, &format!("{path}/archive"), &[]).await,
        &format!("{path}?done=archived"),
    );
    assert_eq!(
        app.get(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_html(
        &browser.get(&app, &path).await,
        StatusCode::OK,
        "This contact is archived",
    );
    assert_redirect(
        &browser.post(&app, &format!("{path}/restore"), &[]).await,
        &format!("{path}?done=restored-contact"),
    );
    assert_eq!(
        app.get(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    // The GDPR delete needs its confirmation.
    let unconfirmed = browser
        .post(&app, &format!("{path}/gdpr-delete"), &[])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    let deleted = browser
        .post(&app, &format!("{path}/gdpr-delete"), &[("confirm", "yes")])
        .await;
    assert_redirect(&deleted, "/_spoke/ui/portals/1/contacts?done=gdpr-deleted");
    assert_eq!(
        app.get(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(browser.get(&app, &path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn assets_are_served_from_the_binary_with_cache_headers() {
    let app = spawn().await;
    for (file, kind) in [
        ("admin.css", "text/css"),
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("explorer.js", "text/javascript"),
    ] {
        let path = format!("/_spoke/ui/assets/{file}");
        let reply = app.browse(&path, "").await;
        assert_eq!(reply.status, StatusCode::OK, "{file}");
        assert!(reply.header("content-type").unwrap().starts_with(kind));
        assert_eq!(reply.header("cache-control"), Some("public, max-age=3600"));
        assert!(!reply.text.is_empty());
        let etag = reply.header("etag").unwrap().to_string();
        let again = app
            .browser
            .get(app.url(&path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{file}");
    }
    assert_eq!(
        app.browse("/_spoke/ui/assets/nothing.js", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_explorer_makes_a_working_token_for_a_portal() {
    let app = spawn().await;
    let browser = sign_in(&app).await;
    let page = browser.get(&app, "/_spoke/ui/explorer?portal=1").await;
    assert_html(
        &page,
        StatusCode::OK,
        "/_spoke/ui/assets/swagger-ui-bundle.js",
    );
    assert!(page.text.contains("id=\"explorer-token\""));
    let made = browser
        .post(&app, "/_spoke/ui/portals/1/explorer-token", &[])
        .await;
    assert_html(&made, StatusCode::CREATED, "API explorer (admin page)");
    let start = made.text.find("id=\"explorer-token\"").unwrap();
    let value_at = made.text[start..].find("value=\"").unwrap() + start + 7;
    let token = &made.text[value_at..value_at + made.text[value_at..].find('"').unwrap()];
    assert!(token.starts_with("pat-"), "{token}");
    let call = app
        .send_as(Some(token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(call.status, StatusCode::OK, "{}", call.text);
}

#[tokio::test]
async fn properties_are_created_edited_and_archived_with_the_api_rules() {
    let app = spawn().await;
    let browser = sign_in(&app).await;
    let base = "/_spoke/ui/portals/1/properties";
    let page = browser.get(&app, base).await;
    assert_html(&page, StatusCode::OK, "<code>email</code>");

    let created = browser
        .post(
            &app,
            base,
            &[
                ("label", "Favourite <colour>"),
                ("name", "favourite_colour"),
                ("kind", "enumeration:select"),
                ("group", "contactinformation"),
                ("options", "red | Red\nblue\n"),
            ],
        )
        .await;
    assert_redirect(&created, &format!("{base}/favourite_colour?done=saved"));
    let def = app
        .get("/crm/v3/properties/contacts/favourite_colour")
        .await
        .json();
    assert_eq!(def["type"], "enumeration");
    assert_eq!(def["fieldType"], "select");
    assert_eq!(def["label"], "Favourite <colour>");
    assert_eq!(def["options"][0]["value"], "red");
    assert_eq!(def["options"][0]["label"], "Red");
    assert_eq!(def["options"][1]["value"], "blue");
    let shown = browser.get(&app, &format!("{base}/favourite_colour")).await;
    assert_html(&shown, StatusCode::OK, "Favourite &lt;colour&gt;");

    // The same name again: the API's 409, in its words.
    let again = browser
        .post(
            &app,
            base,
            &[
                ("label", "Again"),
                ("name", "favourite_colour"),
                ("kind", "string:text"),
                ("group", "contactinformation"),
            ],
        )
        .await;
    let api = app
        .post(
            "/crm/v3/properties/contacts",
            json!({"label": "Again", "name": "favourite_colour", "type": "string", "fieldType": "text", "groupName": "contactinformation"}),
        )
        .await;
    assert_eq!(again.status, api.status);
    assert!(again.text.contains("id=\"form-error\""), "{}", again.text);
    let message = api.json()["message"]
        .as_str()
        .unwrap()
        .replace('"', "&quot;");
    assert!(
        again.text.contains(&message),
        "{message} not in {}",
        again.text
    );

    // Edit the options: a value a contact holds can be kept.
    let edited = browser
        .post(
            &app,
            &format!("{base}/favourite_colour"),
            &[
                ("label", "Colour"),
                ("options", "red | Red\nblue | Blue\ngreen | Green"),
            ],
        )
        .await;
    assert_redirect(&edited, &format!("{base}/favourite_colour?done=saved"));
    let def = app
        .get("/crm/v3/properties/contacts/favourite_colour")
        .await
        .json();
    assert_eq!(def["label"], "Colour");
    assert_eq!(def["options"].as_array().unwrap().len(), 3);

    // A HubSpot property cannot be archived; a custom one can, once confirmed.
    assert!(!browser
        .get(&app, &format!("{base}/email"))
        .await
        .text
        .contains("Archive property"));
    let unconfirmed = browser
        .post(&app, &format!("{base}/favourite_colour/archive"), &[])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    let archived = browser
        .post(
            &app,
            &format!("{base}/favourite_colour/archive"),
            &[("confirm", "yes")],
        )
        .await;
    assert_redirect(&archived, &format!("{base}?done=archived-property"));
    assert_eq!(
        app.get("/crm/v3/properties/contacts/favourite_colour")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Groups: created, then archived while empty.
    let group = browser
        .post(
            &app,
            &format!("{base}/groups"),
            &[("label", "Ops"), ("name", "ops_group")],
        )
        .await;
    assert_redirect(&group, &format!("{base}?done=saved"));
    assert_eq!(
        app.get("/crm/v3/properties/contacts/groups/ops_group")
            .await
            .status,
        StatusCode::OK
    );
    let gone = browser
        .post(&app, &format!("{base}/groups/ops_group/archive"), &[])
        .await;
    assert_redirect(&gone, &format!("{base}?done=archived-group"));
}

#[tokio::test]
async fn lists_show_sizes_members_and_readable_filters() {
    let app = spawn().await;
    let a = app
        .create(json!({"email": "a@example.com", "firstname": "Ann"}))
        .await;
    let b = app
        .create(json!({"email": "b@example.com", "firstname": "Bob"}))
        .await;
    let browser = sign_in(&app).await;
    let base = "/_spoke/ui/portals/1/lists";
    let made = browser.post(&app, base, &[("name", "VIPs")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);
    let location = made.header("location").unwrap().to_string();
    let list_path = location.split('?').next().unwrap().to_string();
    let list_id = list_path.rsplit('/').next().unwrap().to_string();

    let added = browser
        .post(
            &app,
            &format!("{list_path}/members"),
            &[("add", &format!("{a}, {b} 999999"))],
        )
        .await;
    assert_redirect(&added, &format!("{list_path}?added=2&removed=0&missing=1"));
    let page = browser.get(&app, added.header("location").unwrap()).await;
    assert_html(&page, StatusCode::OK, "Added 2, removed 0, not found 1.");
    assert!(page.text.contains("a@example.com") && page.text.contains("b@example.com"));
    let members = app
        .get(&format!("/crm/v3/lists/{list_id}/memberships"))
        .await
        .json();
    assert_eq!(members["results"].as_array().unwrap().len(), 2);

    let removed = browser
        .post(&app, &format!("{list_path}/members"), &[("remove", &a)])
        .await;
    assert_redirect(
        &removed,
        &format!("{list_path}?added=0&removed=1&missing=0"),
    );
    let index = browser.get(&app, base).await;
    assert_html(&index, StatusCode::OK, "VIPs");
    assert!(index.text.contains("<td>1</td>"), "size 1: {}", index.text);

    // A dynamic list's filters, in words.
    let dynamic = app
        .post(
            "/crm/v3/lists",
            json!({"name": "Bobs", "objectTypeId": "0-1", "processingType": "DYNAMIC",
                   "filterBranch": {"filterBranchType": "OR", "filters": [], "filterBranches": [
                       {"filterBranchType": "AND", "filters": [
                           {"filterType": "PROPERTY", "property": "firstname",
                            "operation": {"operationType": "MULTISTRING", "operator": "IS_EQUAL_TO", "values": ["Bob"]}}],
                        "filterBranches": []}]}}),
        )
        .await;
    assert_eq!(dynamic.status, StatusCode::OK, "{}", dynamic.text);
    let id = dynamic.json()["list"]["listId"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = browser.get(&app, &format!("{base}/{id}")).await;
    assert_html(&shown, StatusCode::OK, "firstname is equal to “Bob”");
    assert!(
        shown.text.contains("<strong>any of</strong>"),
        "{}",
        shown.text
    );
    assert!(
        !shown.text.contains("Add members"),
        "no manual members on a dynamic list"
    );
}

#[tokio::test]
async fn the_journal_limits_and_faults_of_a_portal() {
    let app = spawn().await;
    app.create(json!({"email": "journal@example.com"})).await;
    let browser = sign_in(&app).await;
    let base = "/_spoke/ui/portals/1/requests";
    let page = browser.get(&app, base).await;
    assert_html(&page, StatusCode::OK, "POST /crm/v3/objects/contacts");
    assert!(!page.text.contains("http-equiv=\"refresh\""));
    let live = browser.get(&app, &format!("{base}?live=1")).await;
    assert!(
        live.text
            .contains("<meta http-equiv=\"refresh\" content=\"3\">"),
        "{}",
        live.text
    );

    // Custom rate limits, as the admin API shows them.
    let limits = browser
        .post(
            &app,
            &format!("{base}/limits"),
            &[
                ("mode", "custom"),
                ("tenSecondly", "50"),
                ("daily", "1000"),
                ("searchPerSecond", ""),
            ],
        )
        .await;
    assert_redirect(&limits, &format!("{base}?done=limits-set#limits"));
    let shown = app
        .admin(Method::GET, "/_spoke/v1/portals/1/limits", None)
        .await
        .json();
    assert_eq!(shown["mode"], "custom");
    assert_eq!(shown["tenSecondly"], 50);
    assert_eq!(shown["daily"], 1000);
    let off = browser
        .post(&app, &format!("{base}/limits"), &[("mode", "off")])
        .await;
    assert_redirect(&off, &format!("{base}?done=limits-set#limits"));

    // Faults: bad JSON is refused in words; a rule then answers 503.
    let bad = browser
        .post(&app, &format!("{base}/faults"), &[("faults", "{not json")])
        .await;
    assert_html(&bad, StatusCode::BAD_REQUEST, "The faults are not JSON");
    let wrong = browser
        .post(
            &app,
            &format!("{base}/faults"),
            &[("faults", r#"{"rulez": []}"#)],
        )
        .await;
    assert_html(&wrong, StatusCode::BAD_REQUEST, "Unknown field rulez");
    let set = browser
        .post(
            &app,
            &format!("{base}/faults"),
            &[("faults", r#"{"rules": [{"method": "GET", "path": "/crm/v3/objects/contacts", "status": 503, "count": 1}]}"#)],
        )
        .await;
    assert_redirect(&set, &format!("{base}?done=faults-set#faults"));
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
    let cleared = browser
        .post(&app, &format!("{base}/faults/clear"), &[])
        .await;
    assert_redirect(&cleared, &format!("{base}?done=faults-cleared#faults"));
    // The failed call is in the journal.
    let journal = browser.get(&app, &format!("{base}?status=503")).await;
    assert_html(&journal, StatusCode::OK, "GET /crm/v3/objects/contacts");
}

#[tokio::test]
async fn two_contacts_are_merged_from_the_contact_page() {
    let app = spawn().await;
    let keep = app
        .create(json!({"email": "keep@example.com", "firstname": "Keep"}))
        .await;
    let other = app
        .create(json!({"email": "other@example.com", "lastname": "Other"}))
        .await;
    let browser = sign_in(&app).await;
    let path = format!("/_spoke/ui/portals/1/contacts/{keep}");
    let unconfirmed = browser
        .post(&app, &format!("{path}/merge"), &[("merge_id", &other)])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    let bad = browser
        .post(
            &app,
            &format!("{path}/merge"),
            &[("merge_id", "nope"), ("confirm", "yes")],
        )
        .await;
    assert_html(&bad, StatusCode::BAD_REQUEST, "is not a contact id");
    let merged = browser
        .post(
            &app,
            &format!("{path}/merge"),
            &[("merge_id", &other), ("confirm", "yes")],
        )
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text);
    let location = merged.header("location").unwrap();
    assert!(location.ends_with("?done=merged"), "{location}");
    let result = app
        .get(&format!(
            "/crm/v3/objects/contacts/{other}?properties=email,firstname,lastname"
        ))
        .await
        .json();
    // The merged-away id leads to the merged contact, which has both.
    assert_eq!(result["properties"]["firstname"], "Keep");
    assert_eq!(result["properties"]["lastname"], "Other");
    assert_html(
        &browser.get(&app, location).await,
        StatusCode::OK,
        "The contacts were merged.",
    );
}

#[tokio::test]
async fn private_apps_are_made_and_revoked_and_installed_apps_shown() {
    let app = spawn().await;
    let created = app
        .admin(
            Method::POST,
            "/_spoke/v1/apps",
            Some(json!({"name": "Shown <app>", "redirectUris": ["http://localhost/cb"], "scopes": ["crm.objects.contacts.read"]})),
        )
        .await
        .json();
    let installed = app
        .admin(
            Method::POST,
            "/_spoke/v1/oauth/authorize",
            Some(json!({"clientId": created["clientId"], "portalId": 1, "redirectUri": "http://localhost/cb", "scopes": ["crm.objects.contacts.read"]})),
        )
        .await;
    assert_eq!(installed.status, StatusCode::OK, "{}", installed.text);
    let browser = sign_in(&app).await;
    let base = "/_spoke/ui/portals/1/apps";
    let page = browser.get(&app, base).await;
    assert_html(&page, StatusCode::OK, "Shown &lt;app&gt;");
    assert!(
        page.text.contains("<code>crm.objects.contacts.read</code>"),
        "{}",
        page.text
    );
    // The client secret and developer key are never shown.
    assert!(!page
        .text
        .contains(created["clientSecret"].as_str().unwrap()));
    assert!(!page
        .text
        .contains(created["developerApiKey"].as_str().unwrap()));

    let bad = browser
        .post(
            &app,
            &format!("{base}/private"),
            &[("name", "Reader"), ("scopes", "Not-A-Scope!")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    let made = browser
        .post(
            &app,
            &format!("{base}/private"),
            &[("name", "Reader"), ("scopes", "crm.objects.contacts.read")],
        )
        .await;
    assert_html(&made, StatusCode::CREATED, "id=\"new-token\"");
    let start = made.text.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = made.text[start..start + made.text[start..].find('<').unwrap()].to_string();
    let read = app
        .send_as(Some(&token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let write = app
        .send_as(
            Some(&token),
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {}})),
        )
        .await;
    assert_eq!(
        write.status,
        StatusCode::FORBIDDEN,
        "only the scopes asked for"
    );
    // Shown again later without its token.
    let later = browser.get(&app, base).await;
    assert!(later.text.contains("<td>Reader</td>"));
    assert!(!later.text.contains(&token));
    let id = later
        .text
        .split("Revoke private app ")
        .nth(2)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let revoked = browser
        .post(&app, &format!("{base}/private/{id}/revoke"), &[])
        .await;
    assert_redirect(&revoked, &format!("{base}?done=revoked"));
    let after = app
        .send_as(Some(&token), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

/// Every form control of a page has a label (`<label for>`), and the page
/// has one `h1` and the skip link: what a screen reader and a keyboard need.
fn assert_labelled(page: &str, html: &str) {
    assert_eq!(html.matches("<h1").count(), 1, "{page}: one h1");
    assert!(html.contains("href=\"#main\""), "{page}: skip link");
    for tag in ["<input ", "<select ", "<textarea "] {
        for (at, _) in html.match_indices(tag) {
            let end = at + html[at..].find('>').unwrap();
            let element = &html[at..end];
            if element.contains("type=\"hidden\"") {
                continue;
            }
            let id = element
                .split("id=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("{page}: a control without an id: {element}"));
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "{page}: no label for {id}"
            );
        }
    }
}

#[tokio::test]
async fn every_page_labels_its_controls() {
    let app = spawn().await;
    let id = app
        .create(json!({"email": "label@example.com", "firstname": "Label"}))
        .await;
    let list = app
        .post(
            "/crm/v3/lists",
            json!({"name": "Static", "objectTypeId": "0-1", "processingType": "MANUAL"}),
        )
        .await
        .json();
    let list = list["list"]["listId"].as_str().unwrap().to_string();
    let browser = sign_in(&app).await;
    for page in [
        "/_spoke/ui".to_string(),
        "/_spoke/ui/portals/1".into(),
        "/_spoke/ui/portals/1/contacts".into(),
        format!("/_spoke/ui/portals/1/contacts/{id}"),
        "/_spoke/ui/portals/1/properties".into(),
        "/_spoke/ui/portals/1/properties/lifecyclestage".into(),
        "/_spoke/ui/portals/1/lists".into(),
        format!("/_spoke/ui/portals/1/lists/{list}"),
        "/_spoke/ui/portals/1/apps".into(),
        "/_spoke/ui/portals/1/deliveries".into(),
        "/_spoke/ui/portals/1/requests".into(),
        "/_spoke/ui/explorer".into(),
    ] {
        let reply = browser.get(&app, &page).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}");
        assert_labelled(&page, &reply.text);
    }
}

#[tokio::test]
async fn an_edit_from_the_page_fires_webhooks_with_crm_ui_as_their_source() {
    let app = spawn().await;
    let hooks = crate::webhooks_api::hook_app(&app).await;
    let receiver = crate::receiver::Receiver::start().await;
    hooks.configure(&app, &receiver.url, 5).await;
    hooks
        .subscribe(&app, "contact.propertyChange", Some("firstname"))
        .await;
    let id = app.create(json!({"email": "hook@example.com"})).await;
    let browser = sign_in(&app).await;
    let saved = browser
        .post(
            &app,
            &format!("/_spoke/ui/portals/1/contacts/{id}"),
            &[
                ("p:email", "hook@example.com"),
                ("new_name", "firstname"),
                ("new_value", "Hooked"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let events = receiver
        .wait_for_events(1, std::time::Duration::from_secs(10))
        .await;
    let change = events
        .iter()
        .find(|e| e["propertyName"] == "firstname")
        .expect("the firstname change");
    assert_eq!(change["propertyValue"], "Hooked");
    assert_eq!(change["changeSource"], "CRM_UI");
}
