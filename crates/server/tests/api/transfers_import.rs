//! Imports: the admin API's raw CSV (what `spoke import` sends) and
//! HubSpot's multipart `/crm/v3/imports`, one engine. Each bad input is
//! reported with its line and HubSpot's error type; a file that cannot be
//! imported at all writes nothing; importing a file again changes nothing.

use crate::helpers::{spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// Imports `csv` into the default portal through the admin API and waits
/// for it to finish; the finished import.
pub async fn import(app: &TestApp, csv: &[u8], query: &str) -> Value {
    let started = app
        .client
        .post(app.url(&format!(
            "/_spoke/v1/portals/{}/imports?{query}",
            app.portal.0
        )))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .header("content-type", "text/csv")
        .body(csv.to_vec())
        .send()
        .await
        .unwrap();
    let status = started.status();
    let body: Value = started.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    finished(app, body["id"].as_str().unwrap()).await
}

/// Waits for import `id` of the default portal to stop running.
pub async fn finished(app: &TestApp, id: &str) -> Value {
    for _ in 0..600 {
        let record = app
            .admin(
                Method::GET,
                &format!("/_spoke/v1/portals/{}/imports/{id}", app.portal.0),
                None,
            )
            .await
            .json();
        if !matches!(record["state"].as_str(), Some("STARTED" | "PROCESSING")) {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

async fn errors(app: &TestApp, id: &str) -> Vec<Value> {
    let page = app
        .admin(
            Method::GET,
            &format!("/_spoke/v1/portals/{}/imports/{id}/errors", app.portal.0),
            None,
        )
        .await
        .json();
    page["results"].as_array().unwrap().clone()
}

async fn contact_by_email(app: &TestApp, email: &str, properties: &str) -> Value {
    let reply = app
        .get(&format!(
            "/crm/v3/objects/contacts/{email}?idProperty=email&properties={properties}&propertiesWithHistory={properties}"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{email}: {}", reply.text);
    reply.json()
}

fn counter(import: &Value, name: &str) -> u64 {
    import["metadata"]["counters"][name].as_u64().unwrap()
}

async fn notes_property(app: &TestApp) {
    let reply = app
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "notes", "label": "Notes", "type": "string", "fieldType": "textarea",
                   "groupName": "contactinformation"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

#[tokio::test]
async fn an_import_upserts_good_rows_by_email_and_reports_each_bad_one() {
    let app = spawn().await;
    notes_property(&app).await;
    let existing = app
        .create(json!({"email": "bo@x.io", "firstname": "Old"}))
        .await;
    let csv = "\u{feff}Email;First Name;Lifecycle Stage;Notes\n\
               ann@x.io;Ann;lead;\"first line\nsecond; line\"\n\
               not-an-email;Bad;lead;\n\
               BO@x.io;Bo;customer;\n\
               cy@x.io;Cy;not-a-stage;\n\
               ;No email;lead;\n\
               di@x.io;Di\n\
               ann@X.io;Ann twice;lead;\n";
    let done = import(&app, csv.as_bytes(), "name=people.csv").await;
    assert_eq!(done["state"], "DONE", "{done}");
    assert_eq!(counter(&done, "TOTAL_ROWS"), 7);
    assert_eq!(counter(&done, "CREATED_OBJECTS"), 1);
    assert_eq!(counter(&done, "UPDATED_OBJECTS"), 1);
    assert_eq!(counter(&done, "ERRORS"), 5);

    let ann = contact_by_email(&app, "ann@x.io", "firstname,notes,lifecyclestage").await;
    assert_eq!(ann["properties"]["firstname"], "Ann");
    assert_eq!(ann["properties"]["notes"], "first line\nsecond; line");
    let history = &ann["propertiesWithHistory"]["firstname"][0];
    assert_eq!(history["sourceType"], "IMPORT", "{history}");
    assert_eq!(history["sourceId"], done["id"], "{history}");
    let bo = contact_by_email(&app, "bo@x.io", "firstname,lifecyclestage").await;
    assert_eq!(
        bo["id"], existing,
        "upserted onto the contact with that email"
    );
    assert_eq!(bo["properties"]["firstname"], "Bo");

    let id = done["id"].as_str().unwrap();
    let reported: Vec<(u64, String)> = errors(&app, id)
        .await
        .iter()
        .map(|e| {
            (
                e["sourceData"]["lineNumber"].as_u64().unwrap(),
                e["errorType"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        reported,
        [
            (4, "INVALID_EMAIL".to_string()),
            (6, "INVALID_ENUMERATION_OPTION".to_string()),
            (7, "MISSING_REQUIRED_PROPERTY".to_string()),
            (8, "INCORRECT_NUMBER_OF_COLUMNS".to_string()),
            (9, "DUPLICATE_ALTERNATE_ID".to_string()),
        ],
        "lines count the quoted newline"
    );
    let all = errors(&app, id).await;
    assert_eq!(all[0]["invalidValue"], "not-an-email");
    assert_eq!(all[0]["knownColumnNumber"], 0);
    assert_eq!(
        all[0]["sourceData"]["rowData"],
        json!(["not-an-email", "Bad", "lead", ""])
    );
    assert!(
        all[4]["errorMessage"].as_str().unwrap().contains("line 2"),
        "{}",
        all[4]
    );
    for email in ["not-an-email", "cy@x.io", "di@x.io"] {
        let reply = app
            .get(&format!(
                "/crm/v3/objects/contacts/{email}?idProperty=email"
            ))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{email} was written");
    }
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let app = spawn().await;
    let csv = b"email,firstname,lastname,phone\n\
                a@x.io,Ann,Lee,+1 555 0100\n\
                b@x.io,Bo,,\n";
    let first = import(&app, csv, "").await;
    assert_eq!(counter(&first, "CREATED_OBJECTS"), 2);
    let before = contact_by_email(&app, "a@x.io", "firstname,lastname,phone").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = import(&app, csv, "").await;
    assert_eq!(again["state"], "DONE");
    assert_eq!(counter(&again, "CREATED_OBJECTS"), 0);
    assert_eq!(counter(&again, "UPDATED_OBJECTS"), 2);
    let after = contact_by_email(&app, "a@x.io", "firstname,lastname,phone").await;
    assert_eq!(after, before, "no value, date or history entry changed");
    let listed = app.get("/crm/v3/objects/contacts?limit=100").await.json();
    assert_eq!(listed["results"].as_array().unwrap().len(), 2);
    let bo = contact_by_email(&app, "b@x.io", "lastname").await;
    assert!(
        bo["properties"]["lastname"].is_null(),
        "an empty cell sets nothing: {bo}"
    );
}

#[tokio::test]
async fn a_file_that_cannot_be_imported_is_refused_whole_with_nothing_written() {
    let app = spawn().await;
    let path = format!("/_spoke/v1/portals/{}/imports", app.portal.0);
    let send = |body: &'static [u8], query: &'static str| {
        let request = app
            .client
            .post(app.url(&format!("{path}{query}")))
            .bearer_auth(crate::helpers::ADMIN_TOKEN)
            .body(body);
        async move {
            let reply = request.send().await.unwrap();
            (reply.status(), reply.json::<Value>().await.unwrap())
        }
    };
    for (body, query, says) in [
        (&b""[..], "", "empty"),
        (b"\xef\xbb\xbf\n", "", "empty"),
        (
            b"email,Favourite colour,firstname\na@x.io,blue,Ann\n",
            "",
            "\"Favourite colour\" matches no contact property",
        ),
        (b"firstname\nAnn\n", "", "email address"),
        (
            b"email,firstname\na@x.io,Ann\n",
            "?map=Missing%3Dfirstname",
            "\"Missing\" names a column",
        ),
    ] {
        let (status, body) = send(body, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["category"], "VALIDATION_ERROR", "{body}");
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{says}: {body}"
        );
    }
    let listed = app.get("/crm/v3/imports").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.json()["results"], json!([]), "no import was stored");
    let contacts = app.get("/crm/v3/objects/contacts").await.json();
    assert_eq!(contacts["results"], json!([]), "no contact was written");
    // A mapping skips the unknown column, and the same file imports.
    let (status, body) = send(
        b"email,Favourite colour,firstname\na@x.io,blue,Ann\n",
        "?map=Favourite%20colour%3D",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn hubspots_multipart_import_runs_with_its_request_and_answers_for_it() {
    let app = spawn().await;
    // Larger than the 4 MB of an ordinary body: a file streams through.
    let mut csv = String::from("E-mail,Given name,Ignored\n");
    let filler = "x".repeat(30_000);
    for n in 0..200 {
        csv.push_str(&format!("p{n}@x.io,P{n},{filler}\n"));
    }
    assert!(csv.len() > 5_000_000);
    let request = json!({
        "name": "People",
        "files": [{"fileName": "people.csv", "fileFormat": "CSV", "fileImportPage": {
            "hasHeader": true,
            "columnMappings": [
                {"columnObjectTypeId": "0-1", "columnName": "E-mail", "propertyName": "email",
                 "columnType": "HUBSPOT_ALTERNATE_ID"},
                {"columnObjectTypeId": "0-1", "columnName": "Given name", "propertyName": "firstname"},
                {"columnObjectTypeId": "0-1", "columnName": "Ignored", "propertyName": null}
            ]}}]
    });
    let form = reqwest::multipart::Form::new()
        .text("importRequest", request.to_string())
        .part(
            "files",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("people.csv"),
        );
    let reply = app
        .client
        .post(app.url("/crm/v3/imports"))
        .bearer_auth(&app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let started: Value = reply.json().await.unwrap();
    assert_eq!(started["importName"], "People");
    assert_eq!(started["importSource"], "API");
    assert_eq!(started["importRequestJson"], request);
    let id = started["id"].as_str().unwrap().to_string();
    let done = finished(&app, &id).await;
    assert_eq!(done["state"], "DONE", "{done}");
    assert_eq!(counter(&done, "CREATED_OBJECTS"), 200);
    let got = app.get(&format!("/crm/v3/imports/{id}")).await.json();
    assert_eq!(got["state"], "DONE");
    assert_eq!(got["metadata"]["counters"], done["metadata"]["counters"]);
    let listed = app.get("/crm/v3/imports?limit=10").await.json();
    assert_eq!(listed["results"][0]["id"], id.as_str());
    let errors = app
        .get(&format!("/crm/v3/imports/{id}/errors"))
        .await
        .json();
    assert_eq!(errors["results"], json!([]));
    let canceled = app
        .send(Method::POST, &format!("/crm/v3/imports/{id}/cancel"), None)
        .await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.text);
    assert_eq!(canceled.json()["status"], "COMPLETE");
    let got = app.get(&format!("/crm/v3/imports/{id}")).await.json();
    assert_eq!(got["state"], "DONE", "a finished import stays done");
    let p7 = contact_by_email(&app, "p7@x.io", "firstname").await;
    assert_eq!(p7["properties"]["firstname"], "P7");

    let missing = app.get("/crm/v3/imports/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let no_file = reqwest::multipart::Form::new().text("importRequest", "{}");
    let reply = app
        .client
        .post(app.url("/crm/v3/imports"))
        .bearer_auth(&app.token)
        .multipart(no_file)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("files"),
        "{body}"
    );
}

#[tokio::test]
async fn imports_belong_to_their_portal_and_need_the_import_scope() {
    let app = spawn().await;
    let done = import(&app, b"email\na@x.io\n", "").await;
    let id = done["id"].as_str().unwrap();
    let other = app.second_portal().await;
    let reply = app
        .send_as(
            Some(&other),
            Method::GET,
            &format!("/crm/v3/imports/{id}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let app_reply = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{}/private-apps", app.portal.0),
            Some(json!({"name": "reader", "scopes": ["crm.objects.contacts.read"]})),
        )
        .await
        .json();
    let token = app_reply["accessToken"].as_str().unwrap();
    let reply = app
        .send_as(Some(token), Method::GET, "/crm/v3/imports", None)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert!(reply.text.contains("crm.import"), "{}", reply.text);
}

#[tokio::test]
async fn a_gdpr_delete_leaves_no_trace_of_the_person_in_import_errors() {
    let app = spawn().await;
    let done = import(
        &app,
        b"email,firstname\nforget.me@x.io,Fay\nforget.me@x.io,Fay again\n",
        "",
    )
    .await;
    assert_eq!(counter(&done, "ERRORS"), 1);
    let reply = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": "forget.me@x.io", "idProperty": "email"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let id = done["id"].as_str().unwrap();
    assert_eq!(errors(&app, id).await, Vec::<Value>::new());
    assert_eq!(app.stored_in_clear("Fay again").await, Vec::<String>::new());
}
