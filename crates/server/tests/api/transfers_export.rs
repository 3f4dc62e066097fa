//! Exports: HubSpot's `/crm/v3/exports/export/async` with its status and
//! signed download link, and the admin API's streamed export (what
//! `spoke export` reads). An export imports back as it is.

use crate::helpers::{spawn, ADMIN_TOKEN};
use crate::transfers_import::import;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn people(app: &crate::helpers::TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for (email, first, stage) in [
        ("ann@x.io", "Ann, the first", "lead"),
        ("bo@x.io", "Bo \"the second\"", "customer"),
        ("cy@x.io", "Cy", "lead"),
    ] {
        ids.push(
            app.create(json!({"email": email, "firstname": first, "lifecyclestage": stage}))
                .await,
        );
    }
    ids
}

async fn admin_export(
    app: &crate::helpers::TestApp,
    query: &str,
) -> (StatusCode, Option<String>, String) {
    let reply = app
        .client
        .get(app.url(&format!(
            "/_spoke/v1/portals/{}/export?{query}",
            app.portal.0
        )))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let total = reply
        .headers()
        .get("x-spoke-total")
        .map(|v| v.to_str().unwrap().to_string());
    (reply.status(), total, reply.text().await.unwrap())
}

#[tokio::test]
async fn the_admin_export_streams_every_contact_as_csv_or_json_lines() {
    let app = spawn().await;
    let ids = people(&app).await;
    let reply = app
        .send(
            Method::DELETE,
            &format!("/crm/v3/objects/contacts/{}", ids[2]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    let (status, total, csv) = admin_export(&app, "format=csv&properties=email,firstname").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(total.as_deref(), Some("2"));
    assert_eq!(
        csv,
        "email,firstname\nann@x.io,\"Ann, the first\"\nbo@x.io,\"Bo \"\"the second\"\"\"\n"
    );

    let (_, total, csv) = admin_export(&app, "properties=email&archived=true").await;
    assert_eq!(total.as_deref(), Some("3"));
    assert_eq!(
        csv,
        "email,archived\nann@x.io,false\nbo@x.io,false\ncy@x.io,true\n"
    );

    let (_, _, lines) = admin_export(&app, "format=jsonl&properties=email,lastname").await;
    let lines: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], ids[0].as_str());
    assert_eq!(
        lines[0]["properties"],
        json!({"email": "ann@x.io", "lastname": null})
    );
    assert_eq!(lines[0]["archived"], false);

    let (status, _, body) = admin_export(&app, "format=xlsx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = admin_export(&app, "properties=email,nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("nope"), "{body}");
}

#[tokio::test]
async fn hubspots_export_gives_a_signed_link_to_the_file() {
    let app = spawn().await;
    people(&app).await;
    let reply = app
        .post(
            "/crm/v3/exports/export/async",
            json!({
                "exportType": "VIEW", "format": "CSV", "exportName": "Leads",
                "objectType": "CONTACT", "objectProperties": ["email", "lifecyclestage"],
                "language": "EN", "exportInternalValuesOptions": ["NAMES"],
                "overrideAssociatedObjectsPerDefinitionPerRowLimit": false,
                "publicCrmSearchRequest": {"filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}],
                    "sorts": ["-email"]}
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let task = reply.json();
    let id = task["id"].as_str().unwrap();
    assert!(task["links"]["status"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/crm/v3/exports/export/async/tasks/{id}/status")));
    let status = app
        .get(&format!("/crm/v3/exports/export/async/tasks/{id}/status"))
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    let status = status.json();
    assert_eq!(status["status"], "COMPLETE");
    assert_eq!(status["numErrors"], 0);
    let link = status["result"].as_str().unwrap().to_string();
    let file = app.client.get(&link).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Leads.csv"));
    assert_eq!(
        file.text().await.unwrap(),
        "email,lifecyclestage\ncy@x.io,lead\nann@x.io,lead\n"
    );

    let forged = link.replace("signature=", "signature=0");
    let reply = app.client.get(&forged).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    let other = app.second_portal().await;
    let reply = app
        .send_as(
            Some(&other),
            Method::GET,
            &format!("/crm/v3/exports/export/async/tasks/{id}/status"),
            None,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "another portal's export"
    );
    let reply = app
        .post(
            "/crm/v3/exports/export/async",
            json!({"exportType": "VIEW", "format": "XLSX", "exportName": "x",
                   "objectType": "CONTACT", "objectProperties": ["email"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["category"], "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_list_export_holds_the_lists_members() {
    let app = spawn().await;
    let ids = people(&app).await;
    let list = app
        .post(
            "/crm/v3/lists",
            json!({"name": "Some", "objectTypeId": "0-1", "processingType": "MANUAL"}),
        )
        .await
        .json();
    let list_id = list["list"]["listId"].as_str().unwrap().to_string();
    let reply = app
        .send(
            Method::PUT,
            &format!("/crm/v3/lists/{list_id}/memberships/add"),
            Some(json!([ids[1]])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let task = app
        .post(
            "/crm/v3/exports/export/async",
            json!({"exportType": "LIST", "listId": list_id, "format": "CSV",
                   "exportName": "members", "objectType": "CONTACT",
                   "objectProperties": ["email"]}),
        )
        .await
        .json();
    let status = app
        .get(&format!(
            "/crm/v3/exports/export/async/tasks/{}/status",
            task["id"].as_str().unwrap()
        ))
        .await
        .json();
    let file = app
        .client
        .get(status["result"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(file, "email\nbo@x.io\n");
}

#[tokio::test]
async fn an_export_imports_back_as_it_is() {
    let app = spawn().await;
    people(&app).await;
    let (_, _, csv) = admin_export(&app, "").await;
    assert!(csv.starts_with("hs_object_id,email,firstname,"), "{csv}");
    let again = import(&app, csv.as_bytes(), "").await;
    assert_eq!(again["state"], "DONE", "{again}");
    assert_eq!(again["metadata"]["counters"]["ERRORS"], 0, "{again}");
    assert_eq!(again["metadata"]["counters"]["UPDATED_OBJECTS"], 3);
    let (_, _, after) = admin_export(&app, "").await;
    assert_eq!(after, csv, "nothing changed, dates included");
}
