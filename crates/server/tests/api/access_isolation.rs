//! Portal isolation: two portals whose contacts share ids. Through portal
//! A's token every endpoint reads and writes only A, and a token of A never
//! learns whether an id or an email exists in B: an id only B holds is
//! answered exactly as an id nobody holds.

use crate::helpers::{spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Whole numbers equal to `id` replaced by `<id>`, and the volatile ids of
/// a reply (correlation and request ids) dropped.
fn normalized(text: &str, id: &str) -> String {
    let mut value: Value = serde_json::from_str(text).unwrap_or(Value::String(text.into()));
    if let Value::Object(map) = &mut value {
        map.remove("correlationId");
        map.remove("requestId");
    }
    fn times(value: &mut Value) {
        match value {
            Value::Object(map) => map.values_mut().for_each(times),
            Value::Array(items) => items.iter_mut().for_each(times),
            Value::String(s) if crate::helpers::is_iso_millis(s) => *s = "<time>".into(),
            Value::Number(n) if n.as_i64().is_some_and(|n| n > 1_500_000_000_000) => {
                *value = "<ms>".into()
            }
            _ => {}
        }
    }
    times(&mut value);
    let text = value.to_string();
    let mut out = String::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(if digits == id { "<id>" } else { &digits });
            digits.clear();
        }
        out.push(c);
    }
    out.pop();
    out
}

struct Portals {
    app: TestApp,
    b_token: String,
    /// An id that exists in A and in B.
    shared: String,
    /// An id that exists only in B.
    b_only: String,
    b_email: &'static str,
}

async fn two_portals() -> Portals {
    let app = spawn().await;
    let (_, b_token) = app.second_portal_and_id().await;
    let mut b_ids = Vec::new();
    for i in 0..4 {
        let reply = app
            .send_as(
                Some(&b_token),
                Method::POST,
                "/crm/v3/objects/contacts",
                Some(
                    json!({"properties": {"email": format!("b{i}@b.example"), "firstname": "InB"}}),
                ),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
        b_ids.push(reply.json()["id"].as_str().unwrap().to_string());
    }
    let shared = app
        .create(json!({"email": "a0@a.example", "firstname": "InA"}))
        .await;
    assert_eq!(shared, b_ids[0], "the portals' first contacts share an id");
    Portals {
        app,
        b_token,
        shared,
        b_only: b_ids[3].clone(),
        b_email: "b3@b.example",
    }
}

/// Requests through A's token with `{id}` and `{email}` filled in.
fn requests() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/crm/v3/objects/contacts/{id}", None),
        (Method::GET, "/crm/objects/2026-03/contacts/{id}", None),
        (
            Method::GET,
            "/crm/v3/objects/contacts/{email}?idProperty=email",
            None,
        ),
        (
            Method::PATCH,
            "/crm/v3/objects/contacts/{id}",
            Some(json!({"properties": {"firstname": "Changed"}})),
        ),
        (Method::DELETE, "/crm/v3/objects/contacts/{id}", None),
        (
            Method::POST,
            "/crm/v3/objects/contacts/batch/read",
            Some(json!({"inputs": [{"id": "{id}"}], "properties": ["email"]})),
        ),
        (
            Method::POST,
            "/crm/v3/objects/contacts/batch/update",
            Some(json!({"inputs": [{"id": "{id}", "properties": {"firstname": "Changed"}}]})),
        ),
        (
            Method::POST,
            "/crm/v3/objects/contacts/batch/archive",
            Some(json!({"inputs": [{"id": "{id}"}]})),
        ),
        (
            Method::POST,
            "/crm/v3/objects/contacts/merge",
            Some(json!({"primaryObjectId": "{shared}", "objectIdToMerge": "{id}"})),
        ),
        (
            Method::POST,
            "/crm/v3/objects/contacts/gdpr-delete",
            Some(json!({"objectId": "{id}"})),
        ),
        (
            Method::POST,
            "/crm/v3/objects/contacts/gdpr-delete",
            Some(json!({"objectId": "{email}", "idProperty": "email"})),
        ),
        (Method::GET, "/contacts/v1/contact/vid/{id}/profile", None),
        (
            Method::GET,
            "/contacts/v1/contact/email/{email}/profile",
            None,
        ),
        (
            Method::POST,
            "/contacts/v1/contact/vid/{id}/profile",
            Some(json!({"properties": [{"property": "firstname", "value": "Changed"}]})),
        ),
        (Method::DELETE, "/contacts/v1/contact/vid/{id}", None),
        (
            Method::GET,
            "/contacts/v1/contact/vids/batch?vid={id}",
            None,
        ),
        (
            Method::GET,
            "/contacts/v1/contact/emails/batch?email={email}",
            None,
        ),
        (
            Method::POST,
            "/contacts/v1/contact/merge-vids/{shared}",
            Some(json!({"vidToMerge": "{id}"})),
        ),
        (Method::GET, "/contacts/v1/secondary-email/{id}", None),
    ]
}

fn fill(text: &str, id: &str, email: &str, shared: &str) -> String {
    text.replace("{id}", id)
        .replace("{email}", email)
        .replace("{shared}", shared)
}

#[tokio::test]
async fn an_id_only_another_portal_holds_is_answered_as_one_nobody_holds() {
    let p = two_portals().await;
    let nowhere = "987654";
    for (method, path, body) in requests() {
        let mut answers = Vec::new();
        for (id, email) in [
            (p.b_only.as_str(), p.b_email),
            (nowhere, "nobody@nowhere.example"),
        ] {
            let body = body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&fill(&b.to_string(), id, email, &p.shared)).unwrap()
            });
            let has_email = path.contains("{email}") || body_has_email(&body);
            let reply = p
                .app
                .send_as(
                    Some(&p.app.token),
                    method.clone(),
                    &fill(path, id, email, &p.shared),
                    body,
                )
                .await;
            let email_token = if has_email { email } else { "" };
            let text = normalized(&reply.text, id);
            let text = if email_token.is_empty() {
                text
            } else {
                text.replace(email_token, "<email>")
            };
            answers.push((reply.status, text));
        }
        assert_eq!(answers[0], answers[1], "{method} {path}");
        assert!(
            !answers[0].0.is_success() || !answers[0].1.contains("InB"),
            "{method} {path} showed B's data: {}",
            answers[0].1
        );
    }
    // B's contacts are all still there and unchanged.
    for id in ["1", "2", "3", p.b_only.as_str()] {
        let reply = p
            .app
            .send_as(
                Some(&p.b_token),
                Method::GET,
                &format!("/crm/v3/objects/contacts/{id}?properties=firstname"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "B's contact {id}");
        assert_eq!(reply.json()["properties"]["firstname"], "InB");
    }
}

fn body_has_email(body: &Option<Value>) -> bool {
    body.as_ref().is_some_and(|b| b.to_string().contains('@'))
}

#[tokio::test]
async fn a_shared_id_reads_and_writes_only_the_callers_portal() {
    let p = two_portals().await;
    let app = &p.app;
    let id = &p.shared;
    // Reads through A see A's contact.
    let a = app
        .get(&format!("/crm/v3/objects/contacts/{id}?properties=email"))
        .await;
    assert_eq!(a.json()["properties"]["email"], "a0@a.example");
    let v1 = app
        .get(&format!("/contacts/v1/contact/vid/{id}/profile"))
        .await;
    assert_eq!(v1.json()["properties"]["email"]["value"], "a0@a.example");
    // Writes through A change A's only.
    let patched = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"firstname": "Mine"}}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    let b = app
        .send_as(
            Some(&p.b_token),
            Method::GET,
            &format!("/crm/v3/objects/contacts/{id}?properties=firstname,email"),
            None,
        )
        .await;
    assert_eq!(b.json()["properties"]["firstname"], "InB");
    assert_eq!(b.json()["properties"]["email"], "b0@b.example");
    // Listings, search and v1 listings through A hold A's contacts only.
    let listed = app
        .get("/crm/v3/objects/contacts?properties=email")
        .await
        .json();
    assert_eq!(listed["results"].as_array().unwrap().len(), 1);
    let searched = app
        .post("/crm/v3/objects/contacts/search", json!({"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "HAS_PROPERTY"}]}]}))
        .await
        .json();
    assert_eq!(searched["total"], 1, "{searched}");
    let by_text = app
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"query": "b.example"}),
        )
        .await
        .json();
    assert_eq!(by_text["total"], 0, "{by_text}");
    let all = app.get("/contacts/v1/lists/all/contacts/all").await.json();
    assert_eq!(all["contacts"].as_array().unwrap().len(), 1);
    let recent = app
        .get("/contacts/v1/lists/recently_updated/contacts/recent")
        .await
        .json();
    assert_eq!(recent["contacts"].as_array().unwrap().len(), 1);
    let v1_search = app
        .get("/contacts/v1/search/query?q=b.example")
        .await
        .json();
    assert_eq!(v1_search["total"], 0, "{v1_search}");
    // An email B holds is free in A: emails are unique per portal.
    let taken_in_b = app.create(json!({"email": "b1@b.example"})).await;
    assert_ne!(&taken_in_b, id);
}

#[tokio::test]
async fn properties_of_one_portal_are_unknown_to_the_other() {
    let p = two_portals().await;
    let created = p
        .app
        .send_as(
            Some(&p.b_token),
            Method::POST,
            "/crm/v3/properties/contacts",
            Some(json!({"name": "b_only", "label": "B only", "type": "string", "fieldType": "text", "groupName": "contactinformation"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let mut answers = Vec::new();
    for name in ["b_only", "nobody_has"] {
        let v3 = p
            .app
            .get(&format!("/crm/v3/properties/contacts/{name}"))
            .await;
        let v1 = p
            .app
            .get(&format!("/properties/v1/contacts/properties/named/{name}"))
            .await;
        let write = p
            .app
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {name: "x"}}),
            )
            .await;
        answers.push(
            [v3, v1, write]
                .iter()
                .map(|r| (r.status, normalized(&r.text, "0").replace(name, "<name>")))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0][0].0, StatusCode::NOT_FOUND);
    let listed = p.app.get("/crm/v3/properties/contacts").await.json();
    assert!(!listed.to_string().contains("b_only"));
    // The name is free in A.
    let mine = p
        .app
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "b_only", "label": "Mine", "type": "number", "fieldType": "number", "groupName": "contactinformation"}),
        )
        .await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.text);
}
