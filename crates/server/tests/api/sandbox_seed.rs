//! `POST /_spoke/v1/portals/{portalId}/seed`: deterministic, realistic
//! contacts with a history of changes.

use crate::helpers::{spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

async fn portal(app: &TestApp, name: &str) -> (i64, String) {
    let created = app
        .admin(
            Method::POST,
            "/_spoke/v1/portals",
            Some(json!({"name": name})),
        )
        .await
        .json();
    (
        created["portalId"].as_i64().unwrap(),
        created["accessToken"].as_str().unwrap().to_string(),
    )
}

/// Every contact's email and stage, and how many stages each had.
async fn contacts(app: &TestApp, token: &str) -> BTreeSet<(String, String, usize)> {
    let mut out = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let path = format!(
            "/crm/v3/objects/contacts?limit=50&properties=email,lifecyclestage&propertiesWithHistory=lifecyclestage{}",
            after.as_ref().map(|a| format!("&after={a}")).unwrap_or_default()
        );
        let page: Value = app
            .send_as(Some(token), Method::GET, &path, None)
            .await
            .json();
        for c in page["results"].as_array().unwrap() {
            out.insert((
                c["properties"]["email"].as_str().unwrap().to_string(),
                c["properties"]["lifecyclestage"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                c["propertiesWithHistory"]["lifecyclestage"]
                    .as_array()
                    .unwrap()
                    .len(),
            ));
        }
        match page["paging"]["next"]["after"].as_str() {
            Some(a) => after = Some(a.to_string()),
            None => return out,
        }
    }
}

#[tokio::test]
async fn a_seed_fills_a_portal_the_same_way_every_time() {
    let app = spawn().await;
    let (a, a_token) = portal(&app, "Seeded A").await;
    let (b, b_token) = portal(&app, "Seeded B").await;
    let reply = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{a}/seed"),
            Some(json!({"contacts": 150, "seed": 42})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let answer = reply.json();
    assert_eq!(answer["contacts"], 150);
    assert_eq!(answer["portalId"], a);
    let changes = answer["changes"].as_u64().unwrap();
    assert!((60..140).contains(&changes), "{answer}");
    // The same seed in two steps gives the same contacts.
    for (count, offset) in [(100, 0), (50, 100)] {
        let reply = app
            .admin(
                Method::POST,
                &format!("/_spoke/v1/portals/{b}/seed"),
                Some(json!({"contacts": count, "seed": 42, "offset": offset})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let seeded = contacts(&app, &a_token).await;
    assert_eq!(seeded.len(), 150);
    assert_eq!(seeded, contacts(&app, &b_token).await);
    // A history: contacts that moved on have two stages.
    let moved = seeded
        .iter()
        .filter(|(_, _, versions)| *versions == 2)
        .count();
    assert_eq!(moved as u64, changes);
    assert!(seeded.iter().all(|(email, _, _)| email.contains('@')));

    for (body, field) in [
        (json!({"contacts": 0}), "contacts"),
        (json!({"contacts": 100_001}), "contacts"),
        (json!({"seed": 1}), "contacts"),
    ] {
        let reply = app
            .admin(
                Method::POST,
                &format!("/_spoke/v1/portals/{a}/seed"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST)["errors"][0]["in"],
            field,
            "{body}"
        );
    }
    app.admin(
        Method::POST,
        "/_spoke/v1/portals/987654/seed",
        Some(json!({"contacts": 1})),
    )
    .await
    .error(StatusCode::NOT_FOUND);
}
