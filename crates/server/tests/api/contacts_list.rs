use crate::helpers::{spawn, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

async fn seed(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.create(json!({"firstname": format!("c{i}")})).await);
    }
    ids
}

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_default_page_is_ten_with_a_cursor_to_the_next() {
    let app = spawn().await;
    let all = seed(&app, 12).await;
    let body = app.get("/crm/v3/objects/contacts").await.json();
    assert_eq!(ids(&body), all[..10]);
    assert_eq!(body["paging"]["next"]["after"], all[10]);
    assert_eq!(
        body["paging"]["next"]["link"],
        format!("/crm/v3/objects/contacts?after={}", all[10])
    );
    let next = app
        .get(&format!("/crm/v3/objects/contacts?after={}", all[10]))
        .await
        .json();
    assert_eq!(ids(&next), all[10..]);
    assert!(next.get("paging").is_none(), "no paging on the last page");
}

#[tokio::test]
async fn limits_above_the_maximum_serve_a_full_page() {
    let app = spawn().await;
    seed(&app, 105).await;
    let body = app.get("/crm/v3/objects/contacts?limit=500").await.json();
    assert_eq!(ids(&body).len(), 100);
    let body = app
        .get("/crm/v3/objects/contacts?limit=100&propertiesWithHistory=firstname")
        .await
        .json();
    assert_eq!(ids(&body).len(), 50);
    assert_eq!(
        body["results"][0]["propertiesWithHistory"]["firstname"][0]["value"],
        "c0"
    );
}

#[tokio::test]
async fn a_full_walk_sees_every_contact_once_even_while_contacts_are_created() {
    let app = spawn().await;
    let mut expected: Vec<String> = seed(&app, 25).await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/crm/v3/objects/contacts?limit=7&after={a}"),
            None => "/crm/v3/objects/contacts?limit=7".to_string(),
        };
        let body = app.get(&path).await.json();
        seen.extend(ids(&body));
        // Someone else keeps writing during the walk.
        expected.push(app.create(json!({"firstname": "late"})).await);
        match body["paging"]["next"]["after"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
        assert!(seen.len() < 200, "walk does not end");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    // Every contact that existed before the last page was read is seen.
    let last_created = expected.pop().unwrap();
    assert_eq!(seen, expected, "in id order, none missing");
    assert!(!seen.contains(&last_created));
}

#[tokio::test]
async fn properties_are_selected_by_repeated_keys_or_commas() {
    let app = spawn().await;
    app.create(json!({"firstname": "Ann", "city": "Oslo", "zip": "0150"}))
        .await;
    for query in ["properties=city&properties=zip", "properties=city,zip"] {
        let body = app
            .get(&format!("/crm/v3/objects/contacts?{query}"))
            .await
            .redacted();
        assert_eq!(
            body["results"][0]["properties"],
            json!({
                "city": "Oslo",
                "createdate": "<time>",
                "hs_object_id": "1",
                "lastmodifieddate": "<time>",
                "zip": "0150"
            })
        );
    }
}

#[tokio::test]
async fn archived_true_lists_only_archived_contacts() {
    let app = spawn().await;
    let all = seed(&app, 4).await;
    app.delete(&format!("/crm/v3/objects/contacts/{}", all[1]))
        .await;
    app.delete(&format!("/crm/v3/objects/contacts/{}", all[3]))
        .await;
    let archived = app
        .get("/crm/v3/objects/contacts?archived=true")
        .await
        .json();
    assert_eq!(ids(&archived), [all[1].clone(), all[3].clone()]);
    assert!(archived["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["archived"] == true));
    let active = app
        .get("/crm/v3/objects/contacts?archived=False")
        .await
        .json();
    assert_eq!(ids(&active), [all[0].clone(), all[2].clone()]);
}

#[tokio::test]
async fn bad_paging_values_are_400() {
    let app = spawn().await;
    for query in [
        "limit=abc",
        "limit=0",
        "limit=-5",
        "after=xyz",
        "archived=maybe",
    ] {
        let reply = app.get(&format!("/crm/v3/objects/contacts?{query}")).await;
        let body = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(body["category"], "VALIDATION_ERROR", "{query}");
        let param = query.split('=').next().unwrap();
        assert_eq!(body["errors"][0]["in"], param, "{query}");
    }
    assert_eq!(
        app.get("/crm/v3/objects/contacts?limit=0").await.json()["message"],
        "Query parameter 'limit' must be a positive integer, not \"0\"."
    );
}
