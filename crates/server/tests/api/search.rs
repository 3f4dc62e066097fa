//! `POST …/search`: operators, query, sorting, paging and limits.

use crate::helpers::{spawn, TestApp};
use crate::properties::create_property;
use reqwest::StatusCode;
use serde_json::{json, Value};

const SEARCH: &str = "/crm/v3/objects/contacts/search";

async fn seed(app: &TestApp) -> Vec<String> {
    create_property(
        app,
        json!({"name": "score", "label": "Score", "type": "number", "fieldType": "number", "groupName": "contactinformation"}),
    )
    .await;
    create_property(
        app,
        json!({"name": "joined", "label": "Joined", "type": "date", "fieldType": "date", "groupName": "contactinformation"}),
    )
    .await;
    let people = [
        json!({"email": "ann@hubspot.com", "firstname": "Ann", "lastname": "Lee", "score": "10", "joined": "2024-01-10", "lifecyclestage": "lead", "company": "Acme Corp"}),
        json!({"email": "bob@example.com", "firstname": "Bob", "lastname": "Leeds", "score": "2.5", "joined": "2024-03-01", "lifecyclestage": "customer"}),
        json!({"email": "cat@hubspot.com", "firstname": "Catherine", "lastname": "Smith", "score": "-4", "lifecyclestage": "lead", "phone": "+1 555 0100"}),
        json!({"email": "dan@example.org", "firstname": "Dan", "score": "100", "joined": "2023-12-31", "company": "acme corp"}),
        json!({"firstname": "Eve", "lastname": "Smithson"}),
    ];
    let mut ids = Vec::new();
    for p in people {
        ids.push(app.create(p).await);
    }
    ids
}

async fn search(app: &TestApp, body: Value) -> Value {
    let reply = app.post(SEARCH, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn matching(app: &TestApp, filters: Value) -> Vec<String> {
    let body = search(
        app,
        json!({"filterGroups": [{"filters": filters}], "limit": 100}),
    )
    .await;
    let found = ids(&body);
    assert_eq!(body["total"], found.len(), "total matches the results");
    found
}

fn pick(all: &[String], which: &[usize]) -> Vec<String> {
    which.iter().map(|i| all[*i].clone()).collect()
}

#[tokio::test]
async fn every_operator_follows_the_property_type() {
    let app = spawn().await;
    let all = seed(&app).await;
    let f = |name: &str, op: &str, value: Value| json!([{"propertyName": name, "operator": op, "value": value}]);
    let cases: Vec<(Value, Vec<usize>)> = vec![
        (f("firstname", "EQ", json!("ANN")), vec![0]),
        (f("company", "EQ", json!("ACME CORP")), vec![0, 3]),
        (f("lifecyclestage", "EQ", json!("lead")), vec![0, 2]),
        (f("firstname", "NEQ", json!("ann")), vec![1, 2, 3, 4]),
        (f("score", "LT", json!("2.5")), vec![2]),
        (f("score", "LTE", json!(2.5)), vec![1, 2]),
        (f("score", "GT", json!("10")), vec![3]),
        (f("score", "GTE", json!("10")), vec![0, 3]),
        (f("lastname", "LT", json!("lef")), vec![0, 1]),
        (f("joined", "GTE", json!("1704067200000")), vec![0, 1]),
        (f("joined", "LT", json!("2024-01-01")), vec![3]),
        (
            f("firstname", "HAS_PROPERTY", Value::Null),
            vec![0, 1, 2, 3, 4],
        ),
        (f("score", "NOT_HAS_PROPERTY", Value::Null), vec![4]),
        (f("lastname", "CONTAINS_TOKEN", json!("smith")), vec![2]),
        (f("lastname", "CONTAINS_TOKEN", json!("smith*")), vec![2, 4]),
        (
            f("email", "CONTAINS_TOKEN", json!("*@hubspot.com")),
            vec![0, 2],
        ),
        (f("email", "CONTAINS_TOKEN", json!("hubspot")), vec![0, 2]),
        (
            f("email", "NOT_CONTAINS_TOKEN", json!("*@hubspot.com")),
            vec![1, 3, 4],
        ),
        (f("phone", "CONTAINS_TOKEN", json!("555")), vec![2]),
    ];
    for (filters, expected) in cases {
        assert_eq!(
            matching(&app, filters.clone()).await,
            pick(&all, &expected),
            "{filters}"
        );
    }
    let between =
        json!([{"propertyName": "score", "operator": "BETWEEN", "value": "0", "highValue": "10"}]);
    assert_eq!(matching(&app, between).await, pick(&all, &[0, 1]));
    let created = json!([{"propertyName": "createdate", "operator": "BETWEEN", "value": "0", "highValue": "9999999999999"}]);
    assert_eq!(matching(&app, created).await.len(), 5);
    let r#in =
        json!([{"propertyName": "firstname", "operator": "IN", "values": ["ann", "BOB", "zed"]}]);
    assert_eq!(matching(&app, r#in).await, pick(&all, &[0, 1]));
    let not_in =
        json!([{"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": ["lead"]}]);
    assert_eq!(matching(&app, not_in).await, pick(&all, &[1, 3, 4]));
    let by_id =
        json!([{"propertyName": "hs_object_id", "operator": "IN", "values": [all[1], all[3]]}]);
    assert_eq!(matching(&app, by_id).await, pick(&all, &[1, 3]));
}

#[tokio::test]
async fn groups_are_ored_and_filters_anded() {
    let app = spawn().await;
    let all = seed(&app).await;
    let body = search(
        &app,
        json!({"filterGroups": [
            {"filters": [
                {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
                {"propertyName": "score", "operator": "GT", "value": "0"}
            ]},
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "eve"}]}
        ]}),
    )
    .await;
    assert_eq!(ids(&body), pick(&all, &[0, 4]));
}

#[tokio::test]
async fn free_text_query_searches_the_default_properties() {
    let app = spawn().await;
    let all = seed(&app).await;
    let found = |q: &str| {
        let app = &app;
        let q = q.to_string();
        async move { ids(&search(app, json!({"query": q})).await) }
    };
    assert_eq!(
        found("smith").await,
        pick(&all, &[2, 4]),
        "prefix of a last name"
    );
    assert_eq!(found("cat").await, pick(&all, &[2]), "first name and email");
    assert_eq!(found("acme").await, pick(&all, &[0, 3]), "company");
    assert_eq!(
        found("lee ann").await,
        pick(&all, &[0]),
        "every word must match"
    );
    assert_eq!(found("0100").await, pick(&all, &[2]), "phone");
    assert!(found("zzz").await.is_empty());
}

#[tokio::test]
async fn sorting_accepts_objects_and_strings() {
    let app = spawn().await;
    let all = seed(&app).await;
    let by = |sorts: Value| {
        let app = &app;
        async move { ids(&search(app, json!({"sorts": sorts})).await) }
    };
    assert_eq!(by(json!([])).await, all, "creation order by default");
    assert_eq!(
        by(json!(["-createdate"])).await,
        pick(&all, &[4, 3, 2, 1, 0])
    );
    assert_eq!(
        by(json!([{"propertyName": "score", "direction": "DESCENDING"}])).await,
        pick(&all, &[3, 0, 1, 2, 4]),
        "numbers numerically, the one without a value last"
    );
    assert_eq!(by(json!(["firstname"])).await, pick(&all, &[0, 1, 2, 3, 4]));
    assert_eq!(by(json!(["-lastname"])).await, pick(&all, &[4, 2, 1, 0, 3]));
    let reply = app
        .post(SEARCH, json!({"sorts": ["firstname", "lastname"]}))
        .await;
    reply.error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn results_carry_the_requested_properties_and_a_total() {
    let app = spawn().await;
    seed(&app).await;
    let body = search(
        &app,
        json!({"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "dan"}]}],
               "properties": ["score", "city"]}),
    )
    .await;
    let redacted = crate::helpers::redact(body);
    assert_eq!(
        redacted,
        json!({
            "total": 1,
            "results": [{
                "id": "4",
                "properties": {"city": null, "createdate": "<time>", "hs_object_id": "4", "lastmodifieddate": "<time>", "score": "100"},
                "createdAt": "<time>", "updatedAt": "<time>", "archived": false
            }]
        })
    );
}

#[tokio::test]
async fn paging_uses_after_as_a_string_or_a_number() {
    let app = spawn().await;
    let all = seed(&app).await;
    let first = search(&app, json!({"limit": 2})).await;
    assert_eq!(first["total"], 5);
    assert_eq!(ids(&first), pick(&all, &[0, 1]));
    assert_eq!(first["paging"]["next"]["after"], "2");
    let second = search(&app, json!({"limit": 2, "after": "2"})).await;
    assert_eq!(ids(&second), pick(&all, &[2, 3]));
    let third = search(&app, json!({"limit": 2, "after": 4})).await;
    assert_eq!(ids(&third), pick(&all, &[4]));
    assert!(third.get("paging").is_none());
}

#[tokio::test]
async fn archived_contacts_are_never_returned_and_writes_are_seen_at_once() {
    let app = spawn().await;
    let all = seed(&app).await;
    app.delete(&format!("/crm/v3/objects/contacts/{}", all[0]))
        .await;
    let leads = json!([{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]);
    assert_eq!(matching(&app, leads.clone()).await, pick(&all, &[2]));
    // Read-your-writes: found by search as soon as the write returns.
    for i in 0..20 {
        let id = app
            .create(json!({"firstname": format!("Fresh{i}"), "lifecyclestage": "lead"}))
            .await;
        let found = matching(
            &app,
            json!([{"propertyName": "firstname", "operator": "EQ", "value": format!("fresh{i}")}]),
        )
        .await;
        assert_eq!(found, std::slice::from_ref(&id));
        app.patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"lifecyclestage": "customer"}}),
        )
        .await;
        assert!(!matching(&app, leads.clone()).await.contains(&id));
    }
}

#[tokio::test]
async fn hubspots_limits_get_400_bodies() {
    let app = spawn().await;
    let f = json!({"propertyName": "email", "operator": "HAS_PROPERTY"});
    let groups = |n: usize, each: usize| -> Value {
        json!((0..n)
            .map(|_| json!({"filters": vec![f.clone(); each]}))
            .collect::<Vec<_>>())
    };
    let cases = [
        (json!({"filterGroups": groups(6, 1)}), "filterGroups"),
        (
            json!({"filterGroups": groups(1, 11)}),
            "filterGroups[0].filters",
        ),
        (json!({"filterGroups": groups(3, 9)}), "filterGroups"),
        (json!({"query": "q".repeat(3001)}), "query"),
        (json!({"limit": 201}), "limit"),
        (json!({"after": "10000"}), "after"),
        (json!({"after": 12000}), "after"),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]}),
            "filterGroups[0].filters[0].propertyName",
        ),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}]}),
            "filterGroups[0].filters[0].operator",
        ),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": "soon"}]}]}),
            "filterGroups[0].filters[0].value",
        ),
    ];
    for (body, location) in cases {
        let reply = app.post(SEARCH, body.clone()).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["category"], "VALIDATION_ERROR");
        assert_eq!(error["errors"][0]["in"], location, "{body}");
    }
    // HubSpot's limits since 2024-08-26: 5 groups, 10 filters in a group,
    // 25 in all.
    for (n, each) in [(1, 7), (1, 10), (5, 5), (3, 8)] {
        let ok = app
            .post(SEARCH, json!({"filterGroups": groups(n, each)}))
            .await;
        assert_eq!(
            ok.status,
            StatusCode::OK,
            "{each} filters in each of {n} groups are allowed: {}",
            ok.text
        );
    }
}

#[tokio::test]
async fn paging_stops_at_ten_thousand_results() {
    let app = spawn().await;
    seed(&app).await;
    let body = search(&app, json!({"after": "9999", "limit": 100})).await;
    assert_eq!(body["total"], 5);
    assert_eq!(body["results"], json!([]));
}
