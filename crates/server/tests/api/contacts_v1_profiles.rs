//! Legacy `/contacts/v1/contact/...`: one contact at a time and the batch
//! reads, in the v1 shapes, with v1 errors.

use crate::helpers::{redact_v1, spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn props(pairs: &[(&str, &str)]) -> Value {
    json!({
        "properties": pairs
            .iter()
            .map(|(p, v)| json!({ "property": p, "value": v }))
            .collect::<Vec<_>>()
    })
}

/// Creates a contact through v1 and returns its vid.
async fn create_v1(app: &TestApp, pairs: &[(&str, &str)]) -> i64 {
    let reply = app.post("/contacts/v1/contact", props(pairs)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["vid"].as_i64().unwrap()
}

/// The version every API write of `value` at creation gets.
fn version(value: &str, source: &str) -> Value {
    json!({
        "value": value,
        "source-type": source,
        "source-id": null,
        "source-label": null,
        "timestamp": "<ms>",
        "selected": false,
    })
}

#[tokio::test]
async fn create_answers_200_with_the_whole_v1_contact() {
    let app = spawn().await;
    let reply = app
        .post(
            "/contacts/v1/contact",
            props(&[
                ("email", "Ada@Example.com"),
                ("firstname", "Ada"),
                ("closedate", "2024-05-01T10:00:00Z"),
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = redact_v1(reply.json());
    let guid = body["identity-profiles"][0]["identities"][1]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(guid.len(), 36, "a UUID-shaped lead GUID: {guid}");
    let token = body["profile-token"].as_str().unwrap().to_string();
    assert!(token.starts_with("AO_T-m"), "{token}");
    let url = format!("{}/contacts/v1/contact/vid/1/profile", app.base);
    assert_eq!(
        body,
        json!({
            "vid": 1,
            "canonical-vid": 1,
            "merged-vids": [],
            "portal-id": 1,
            "is-contact": true,
            "profile-token": token,
            "profile-url": url,
            "properties": {
                // Datetimes are ms-epoch strings in v1.
                "closedate": { "value": "1714557600000", "versions": [version("1714557600000", "API")] },
                "createdate": { "value": "<ms>", "versions": [version("<ms>", "CALCULATED")] },
                "email": { "value": "ada@example.com", "versions": [version("ada@example.com", "API")] },
                "firstname": { "value": "Ada", "versions": [version("Ada", "API")] },
                "hs_object_id": { "value": "1", "versions": [version("1", "CALCULATED")] },
                "lastmodifieddate": { "value": "<ms>", "versions": [version("<ms>", "CALCULATED")] },
            },
            "form-submissions": [],
            "list-memberships": [],
            "identity-profiles": [{
                "vid": 1,
                "saved-at-timestamp": "<ms>",
                "deleted-changed-timestamp": 0,
                "identities": [
                    { "type": "EMAIL", "value": "ada@example.com", "timestamp": "<ms>", "is-primary": true },
                    { "type": "LEAD_GUID", "value": guid, "timestamp": "<ms>" },
                ],
            }],
            "merge-audits": [],
        })
    );
    // The GUID and token are stable: the same on every read.
    let again = redact_v1(app.get("/contacts/v1/contact/vid/1/profile").await.json());
    assert_eq!(
        again["identity-profiles"][0]["identities"][1]["value"],
        guid
    );
    assert_eq!(again["profile-token"], token);
}

#[tokio::test]
async fn a_taken_email_is_409_contact_exists_with_the_holders_identity_profile() {
    let app = spawn().await;
    let vid = create_v1(&app, &[("email", "ada@example.com")]).await;
    let reply = app
        .post(
            "/contacts/v1/contact",
            props(&[("email", "ADA@example.com")]),
        )
        .await;
    let mut body = redact_v1(reply.v1_error(StatusCode::CONFLICT));
    let guid = body["identityProfile"]["identity"][1]["value"].take();
    assert_eq!(guid.as_str().map(str::len), Some(36));
    assert_eq!(
        body,
        json!({
            "status": "error",
            "message": format!("Contact already exists. Existing ID: {vid}"),
            "correlationId": "<id>",
            "error": "CONTACT_EXISTS",
            "identityProfile": {
                "vid": vid,
                "identity": [
                    { "value": "ada@example.com", "type": "EMAIL", "timestamp": "<ms>", "isPrimary": true },
                    { "value": null, "type": "LEAD_GUID", "timestamp": "<ms>" },
                ],
                "linkedVid": [],
                "isContact": true,
                "savedAtTimestamp": "<ms>",
                "deletedChangedTimestamp": 0,
            },
            "requestId": "<id>",
        })
    );
    // Nothing was written: still one contact.
    let all = app.get("/contacts/v1/lists/all/contacts/all").await.json();
    assert_eq!(all["contacts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_values_get_the_v1_validation_body_and_write_nothing() {
    let app = spawn().await;
    let reply = app
        .post(
            "/contacts/v1/contact",
            props(&[("email", "not-an-email"), ("nope", "x"), ("firstname", "A")]),
        )
        .await;
    let body = reply.v1_error(StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "status": "error",
            "message": "Property values were not valid",
            "correlationId": "<id>",
            "validationResults": [
                { "isValid": false, "message": "Email address not-an-email is invalid", "error": "INVALID_EMAIL", "name": "email" },
                { "isValid": false, "message": "Property \"nope\" does not exist", "error": "PROPERTY_DOESNT_EXIST", "name": "nope" },
            ],
            "requestId": "<id>",
        })
    );
    let all = app.get("/contacts/v1/lists/all/contacts/all").await.json();
    assert_eq!(all["contacts"], json!([]));
}

#[tokio::test]
async fn malformed_bodies_and_unknown_routes_get_v1_errors() {
    let app = spawn().await;
    let reply = app
        .raw(Method::POST, "/contacts/v1/contact", "{not json")
        .await;
    let body = reply.v1_error(StatusCode::BAD_REQUEST);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("Invalid input JSON"));
    // Properties must be the v1 array form.
    let reply = app
        .post(
            "/contacts/v1/contact",
            json!({ "properties": { "email": "a@b.io" } }),
        )
        .await;
    reply.v1_error(StatusCode::BAD_REQUEST);
    let reply = app.get("/contacts/v1/contact/nothing/here").await;
    reply.v1_error(StatusCode::NOT_FOUND);
    let reply = app.get("/contacts/v1/lists/nothing/here").await;
    reply.v1_error(StatusCode::NOT_FOUND);
    let reply = app.send(Method::PUT, "/contacts/v1/contact", None).await;
    reply.v1_error(StatusCode::METHOD_NOT_ALLOWED);
    let reply = app
        .send_as(
            None,
            Method::GET,
            "/contacts/v1/contact/vid/1/profile",
            None,
        )
        .await;
    reply.v1_error(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reads_by_vid_email_and_utk_find_the_same_contact() {
    let app = spawn().await;
    let vid = create_v1(
        &app,
        &[("email", "ada@example.com"), ("hubspotutk", "f1e2d3c4b5a6")],
    )
    .await;
    for path in [
        format!("/contacts/v1/contact/vid/{vid}/profile"),
        "/contacts/v1/contact/email/ADA@example.com/profile".to_string(),
        "/contacts/v1/contact/utk/f1e2d3c4b5a6/profile".to_string(),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(reply.json()["vid"], vid, "{path}");
    }
    for path in [
        "/contacts/v1/contact/vid/999/profile",
        "/contacts/v1/contact/vid/abc/profile",
        "/contacts/v1/contact/email/nobody@example.com/profile",
        "/contacts/v1/contact/utk/unknown/profile",
    ] {
        let body = app.get(path).await.v1_error(StatusCode::NOT_FOUND);
        assert_eq!(body["message"], "contact does not exist", "{path}");
    }
    // Updates by utk, too.
    let reply = app
        .post(
            "/contacts/v1/contact/utk/f1e2d3c4b5a6/profile",
            props(&[("firstname", "Ada")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let body = app
        .get(&format!("/contacts/v1/contact/vid/{vid}/profile"))
        .await
        .json();
    assert_eq!(body["properties"]["firstname"]["value"], "Ada");
    app.post(
        "/contacts/v1/contact/utk/unknown/profile",
        props(&[("firstname", "X")]),
    )
    .await
    .v1_error(StatusCode::NOT_FOUND);
    // A visitor token belongs to one contact.
    let reply = app
        .post(
            "/contacts/v1/contact",
            props(&[("hubspotutk", "f1e2d3c4b5a6")]),
        )
        .await;
    reply.v1_error(StatusCode::CONFLICT);
}

#[tokio::test]
async fn read_options_select_properties_history_and_list_memberships() {
    let app = spawn().await;
    let vid = create_v1(&app, &[("email", "ada@example.com"), ("firstname", "Ada")]).await;
    let reply = app
        .post(
            &format!("/contacts/v1/contact/vid/{vid}/profile"),
            props(&[("firstname", "Augusta")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    let path = format!("/contacts/v1/contact/vid/{vid}/profile");
    // Defaults: every set property, with history, with list memberships.
    let full = app.get(&path).await.json();
    let versions: Vec<&str> = full["properties"]["firstname"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["Augusta", "Ada"], "newest first");
    assert_eq!(full["list-memberships"], json!([]));

    // Repeated or comma-separated `property`, value only, no memberships.
    for query in [
        "property=firstname&property=nope&propertyMode=value_only&showListMemberships=false",
        "property=firstname,nope&propertyMode=value_only&showListMemberships=false",
    ] {
        let body = app.get(&format!("{path}?{query}")).await.json();
        assert_eq!(
            body["properties"],
            json!({ "firstname": { "value": "Augusta" } })
        );
        assert!(body.get("list-memberships").is_none(), "{body}");
    }
    for query in [
        "propertyMode=everything",
        "formSubmissionMode=latest",
        "showListMemberships=maybe",
    ] {
        let reply = app.get(&format!("{path}?{query}")).await;
        reply.v1_error(StatusCode::BAD_REQUEST);
    }
    for mode in ["all", "none", "newest", "oldest"] {
        let reply = app.get(&format!("{path}?formSubmissionMode={mode}")).await;
        assert_eq!(reply.json()["form-submissions"], json!([]), "{mode}");
    }
}

#[tokio::test]
async fn updates_answer_204_and_refuse_what_v3_refuses() {
    let app = spawn().await;
    let ada = create_v1(&app, &[("email", "ada@example.com")]).await;
    let bob = create_v1(&app, &[("email", "bob@example.com")]).await;
    let reply = app
        .post(
            "/contacts/v1/contact/email/ada@example.com/profile",
            props(&[("lastname", "Lovelace"), ("lifecyclestage", "lead")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.text, "");
    let body = app
        .get(&format!(
            "/contacts/v1/contact/vid/{ada}/profile?propertyMode=value_only"
        ))
        .await
        .json();
    assert_eq!(body["properties"]["lastname"]["value"], "Lovelace");
    assert_eq!(body["properties"]["lifecyclestage"]["value"], "lead");

    // Moving Bob to Ada's email: 409 naming Ada.
    let reply = app
        .post(
            &format!("/contacts/v1/contact/vid/{bob}/profile"),
            props(&[("email", "ada@example.com")]),
        )
        .await;
    let body = reply.v1_error(StatusCode::CONFLICT);
    assert_eq!(body["error"], "CONTACT_EXISTS");
    assert_eq!(body["identityProfile"]["vid"], ada);
    // An invalid option, a read-only property: 400, nothing written.
    for pairs in [
        [("lifecyclestage", "astronaut"), ("firstname", "X")],
        [("createdate", "1"), ("firstname", "X")],
    ] {
        let reply = app
            .post(
                &format!("/contacts/v1/contact/vid/{bob}/profile"),
                props(&pairs),
            )
            .await;
        let body = reply.v1_error(StatusCode::BAD_REQUEST);
        assert_eq!(body["validationResults"].as_array().unwrap().len(), 1);
    }
    let body = app
        .get(&format!("/contacts/v1/contact/vid/{bob}/profile"))
        .await
        .json();
    assert!(body["properties"].get("firstname").is_none(), "{body}");
    let reply = app
        .post(
            "/contacts/v1/contact/vid/999/profile",
            props(&[("firstname", "X")]),
        )
        .await;
    reply.v1_error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn create_or_update_by_email_reports_whether_it_created() {
    let app = spawn().await;
    let path = "/contacts/v1/contact/createOrUpdate/email/ada@example.com/";
    let reply = app.post(path, props(&[("firstname", "Ada")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json(), json!({ "vid": 1, "isNew": true }));
    let reply = app.post(path, props(&[("lastname", "Lovelace")])).await;
    assert_eq!(reply.json(), json!({ "vid": 1, "isNew": false }));
    let body = app
        .get("/contacts/v1/contact/vid/1/profile?propertyMode=value_only")
        .await
        .json();
    assert_eq!(body["properties"]["email"]["value"], "ada@example.com");
    assert_eq!(body["properties"]["firstname"]["value"], "Ada");
    assert_eq!(body["properties"]["lastname"]["value"], "Lovelace");

    // Changing the email to one another contact has: 409.
    create_v1(&app, &[("email", "bob@example.com")]).await;
    let reply = app.post(path, props(&[("email", "bob@example.com")])).await;
    reply.v1_error(StatusCode::CONFLICT);
    let reply = app
        .post(
            "/contacts/v1/contact/createOrUpdate/email/not-an-email",
            props(&[("firstname", "X")]),
        )
        .await;
    let body = reply.v1_error(StatusCode::BAD_REQUEST);
    assert_eq!(body["validationResults"][0]["error"], "INVALID_EMAIL");
}

#[tokio::test]
async fn delete_answers_with_the_vid_and_the_contact_is_gone() {
    let app = spawn().await;
    let vid = create_v1(&app, &[("email", "ada@example.com")]).await;
    let reply = app.delete(&format!("/contacts/v1/contact/vid/{vid}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({ "vid": vid, "deleted": true, "reason": "OK" })
    );
    app.get(&format!("/contacts/v1/contact/vid/{vid}/profile"))
        .await
        .v1_error(StatusCode::NOT_FOUND);
    let reply = app.delete(&format!("/contacts/v1/contact/vid/{vid}")).await;
    assert_eq!(
        reply.v1_error(StatusCode::NOT_FOUND)["message"],
        "contact does not exist"
    );
    // The email is free again; v3 lists the contact as archived.
    create_v1(&app, &[("email", "ada@example.com")]).await;
    let archived = app
        .get("/crm/v3/objects/contacts?archived=true")
        .await
        .json();
    assert_eq!(archived["results"][0]["id"], vid.to_string());
}

#[tokio::test]
async fn batch_reads_are_objects_keyed_by_vid() {
    let app = spawn().await;
    let ada = create_v1(&app, &[("email", "ada@example.com")]).await;
    let bob = create_v1(&app, &[("email", "bob@example.com")]).await;
    let body = app
        .get(&format!(
            "/contacts/v1/contact/vids/batch/?vid={ada}&vid={bob}&vid=999&property=email"
        ))
        .await
        .json();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, [&ada.to_string(), &bob.to_string()]);
    assert_eq!(body[bob.to_string()]["vid"], bob);
    assert_eq!(
        body[ada.to_string()]["properties"]["email"]["value"],
        "ada@example.com"
    );
    // Comma-separated too.
    let body = app
        .get(&format!("/contacts/v1/contact/vids/batch?vid={ada},{bob}"))
        .await
        .json();
    assert_eq!(body.as_object().unwrap().len(), 2);

    let body = app
        .get("/contacts/v1/contact/emails/batch?email=BOB@example.com&email=nobody@example.com")
        .await
        .json();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, [&bob.to_string()]);

    // Deleted contacts only with includeDeletes.
    app.delete(&format!("/contacts/v1/contact/vid/{bob}")).await;
    let path = format!("/contacts/v1/contact/vids/batch?vid={ada}&vid={bob}");
    assert_eq!(app.get(&path).await.json().as_object().unwrap().len(), 1);
    let body = app.get(&format!("{path}&includeDeletes=true")).await.json();
    assert_eq!(body.as_object().unwrap().len(), 2);

    // At most 100 at once.
    let many: Vec<String> = (1..=101).map(|n| format!("vid={n}")).collect();
    let reply = app
        .get(&format!(
            "/contacts/v1/contact/vids/batch?{}",
            many.join("&")
        ))
        .await;
    reply.v1_error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn merge_vids_leaves_one_contact_that_both_vids_resolve_to() {
    let app = spawn().await;
    let ada = create_v1(&app, &[("email", "ada@example.com"), ("firstname", "Ada")]).await;
    let other = create_v1(
        &app,
        &[("email", "a.lovelace@example.com"), ("city", "London")],
    )
    .await;
    let reply = app
        .post(
            &format!("/contacts/v1/contact/merge-vids/{ada}/"),
            json!({ "vidToMerge": other }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.text, "SUCCESS");

    for vid in [ada, other] {
        let body = redact_v1(
            app.get(&format!(
                "/contacts/v1/contact/vid/{vid}/profile?propertyMode=value_only"
            ))
            .await
            .json(),
        );
        assert_eq!(body["vid"], ada);
        assert_eq!(body["canonical-vid"], ada);
        assert_eq!(body["merged-vids"], json!([ada, other]));
        assert_eq!(body["properties"]["city"]["value"], "London");
        assert_eq!(
            body["merge-audits"],
            json!([{
                "canonical-vid": ada,
                "vid-to-merge": other,
                "timestamp": "<ms>",
                "entity-id": "",
                "user-id": null,
                "num-properties-moved": 2,
            }])
        );
        // The merged contact's email became a secondary email, and the
        // merged vid keeps an identity profile.
        let profiles = body["identity-profiles"].as_array().unwrap();
        assert_eq!(profiles.len(), 2);
        assert_eq!(profiles[1]["vid"], other);
        let secondary = &profiles[0]["identities"][2];
        assert_eq!(secondary["value"], "a.lovelace@example.com");
        assert_eq!(secondary["is-secondary"], true);
    }
    let body = app
        .get("/contacts/v1/contact/email/a.lovelace@example.com/profile")
        .await
        .json();
    assert_eq!(body["vid"], ada);

    // Merging a contact into itself, or one that is gone.
    let reply = app
        .post(
            &format!("/contacts/v1/contact/merge-vids/{ada}"),
            json!({ "vidToMerge": ada }),
        )
        .await;
    reply.v1_error(StatusCode::BAD_REQUEST);
    let reply = app
        .post(
            &format!("/contacts/v1/contact/merge-vids/{ada}"),
            json!({ "vidToMerge": 999 }),
        )
        .await;
    reply.v1_error(StatusCode::NOT_FOUND);
    let reply = app
        .post(
            &format!("/contacts/v1/contact/merge-vids/{ada}"),
            json!({ "vidToMerge": [1] }),
        )
        .await;
    reply.v1_error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn portals_see_only_their_own_contacts() {
    let app = spawn().await;
    let vid = create_v1(&app, &[("email", "ada@example.com")]).await;
    let other = app.second_portal().await;
    for path in [
        format!("/contacts/v1/contact/vid/{vid}/profile"),
        "/contacts/v1/contact/email/ada@example.com/profile".to_string(),
    ] {
        let reply = app.send_as(Some(&other), Method::GET, &path, None).await;
        reply.v1_error(StatusCode::NOT_FOUND);
    }
    let reply = app
        .send_as(
            Some(&other),
            Method::GET,
            "/contacts/v1/lists/all/contacts/all",
            None,
        )
        .await;
    assert_eq!(reply.json()["contacts"], json!([]));
    // The same email is free in the other portal.
    let reply = app
        .send_as(
            Some(&other),
            Method::POST,
            "/contacts/v1/contact",
            Some(props(&[("email", "ada@example.com")])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}
