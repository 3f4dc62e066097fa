//! Legacy listings and search: all contacts with `vidOffset`, recently
//! updated and created with `timeOffset` + `vidOffset`, and `search/query`.

use crate::helpers::{redact_v1, spawn, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Creates `n` contacts through v3 batches of 100; returns their ids.
async fn seed(app: &TestApp, n: usize, prefix: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for start in (0..n).step_by(100) {
        let inputs: Vec<Value> = (start..(start + 100).min(n))
            .map(|i| json!({ "properties": { "email": format!("{prefix}{i}@example.com"), "firstname": format!("F{i}") } }))
            .collect();
        let reply = app
            .post(
                "/crm/v3/objects/contacts/batch/create",
                json!({ "inputs": inputs }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        let mut batch: Vec<i64> = reply.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().parse().unwrap())
            .collect();
        batch.sort();
        ids.extend(batch);
    }
    ids
}

fn vids(page: &Value) -> Vec<i64> {
    page["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["vid"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn all_contacts_page_to_the_end_of_a_large_portal_without_a_gap_or_a_duplicate() {
    let app = spawn().await;
    let mut expected = seed(&app, 2_350, "c").await;
    // Archived contacts are not listed.
    let gone = expected.remove(1_000);
    app.delete(&format!("/contacts/v1/contact/vid/{gone}"))
        .await;

    let mut seen: Vec<i64> = Vec::new();
    let mut offset = 0;
    let mut pages = 0;
    loop {
        let page = app
            .get(&format!(
                "/contacts/v1/lists/all/contacts/all?count=100&vidOffset={offset}"
            ))
            .await
            .json();
        let got = vids(&page);
        assert!(got.len() <= 100);
        seen.extend(&got);
        pages += 1;
        // Contacts created during the walk have higher vids: they come at the end.
        if pages == 5 {
            expected.extend(seed(&app, 30, "late").await);
        }
        offset = page["vid-offset"].as_i64().unwrap();
        if !page["has-more"].as_bool().unwrap() {
            break;
        }
        assert_eq!(offset, *got.last().unwrap());
    }
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen, expected, "every contact once, in vid order");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    assert_eq!(pages, expected.len().div_ceil(100));
}

#[tokio::test]
async fn all_contacts_default_to_20_with_four_properties() {
    let app = spawn().await;
    seed(&app, 25, "d").await;
    let page = redact_v1(app.get("/contacts/v1/lists/all/contacts/all").await.json());
    assert_eq!(vids(&page), (1..=20).collect::<Vec<i64>>());
    assert_eq!(page["has-more"], true);
    assert_eq!(page["vid-offset"], 20);
    let first = &page["contacts"][0];
    assert_eq!(first["addedAt"], "<ms>");
    assert_eq!(
        first["properties"],
        json!({
            "firstname": { "value": "F0" },
            "lastname": { "value": "" },
            "company": { "value": "" },
            "lastmodifieddate": { "value": "<ms>" },
        })
    );
    assert!(first.get("list-memberships").is_none());
    // `count` above 100 is served at 100; a bad one is refused.
    let page = app
        .get("/contacts/v1/lists/all/contacts/all?count=500&vidOffset=20")
        .await
        .json();
    assert_eq!(vids(&page), (21..=25).collect::<Vec<i64>>());
    assert_eq!(page["has-more"], false);
    assert_eq!(page["vid-offset"], 25);
    for query in ["count=0", "count=x", "vidOffset=-1"] {
        app.get(&format!("/contacts/v1/lists/all/contacts/all?{query}"))
            .await
            .v1_error(StatusCode::BAD_REQUEST);
    }
    // Past the end: nothing, and the offset given back.
    let page = app
        .get("/contacts/v1/lists/all/contacts/all?vidOffset=9999999999999")
        .await
        .json();
    assert_eq!(page["contacts"], json!([]));
    assert_eq!(page["has-more"], false);
}

/// Walks a recent listing to its end; returns vids in order.
async fn walk_recent(app: &TestApp, path: &str, count: usize) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let page = app.get(&format!("{path}?count={count}{next}")).await.json();
        let got = vids(&page);
        // Times never increase down the listing; the last one is the offset.
        let times: Vec<i64> = page["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["addedAt"].as_i64().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
        if let Some(last) = times.last() {
            assert_eq!(page["time-offset"], *last);
        }
        seen.extend(got);
        assert!(seen.len() <= 1_000, "the walk does not end");
        if !page["has-more"].as_bool().unwrap() {
            return seen;
        }
        next = format!(
            "&timeOffset={}&vidOffset={}",
            page["time-offset"], page["vid-offset"]
        );
    }
}

#[tokio::test]
async fn recent_listings_page_newest_first_with_time_and_vid_offsets() {
    let app = spawn().await;
    // Batches of 100 share a creation time: the vid breaks the tie.
    let ids = seed(&app, 250, "r").await;
    // Touch some contacts, oldest first, so they lead the modified listing.
    let touched = [ids[3], ids[200], ids[42]];
    for id in touched {
        let reply = app
            .patch(
                &format!("/crm/v3/objects/contacts/{id}"),
                json!({ "properties": { "lastname": "Touched" } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    for count in [1, 7, 100] {
        let created = walk_recent(&app, "/contacts/v1/lists/all/contacts/recent", count).await;
        let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
        assert_eq!(created, newest_first, "count {count}");

        let modified = walk_recent(
            &app,
            "/contacts/v1/lists/recently_updated/contacts/recent",
            count,
        )
        .await;
        assert_eq!(modified.len(), ids.len(), "count {count}");
        assert_eq!(
            &modified[..3],
            &[ids[42], ids[200], ids[3]],
            "count {count}"
        );
        let rest: Vec<i64> = newest_first
            .iter()
            .copied()
            .filter(|id| !touched.contains(id))
            .collect();
        assert_eq!(&modified[3..], rest.as_slice(), "count {count}");
    }
    let page = app
        .get("/contacts/v1/lists/recently_updated/contacts/recent?count=1")
        .await
        .json();
    assert_eq!(page["contacts"][0]["addedAt"], page["time-offset"]);
    assert_eq!(page["vid-offset"], ids[42]);
    app.get("/contacts/v1/lists/all/contacts/recent?timeOffset=soon")
        .await
        .v1_error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_query_finds_words_by_prefix_and_pages_by_offset() {
    let app = spawn().await;
    for (email, first, last, company) in [
        (
            "ada@analytical.example",
            "Ada",
            "Lovelace",
            "Analytical Engines",
        ),
        (
            "charles@analytical.example",
            "Charles",
            "Babbage",
            "Analytical Engines",
        ),
        ("grace@navy.example", "Grace", "Hopper", "US Navy"),
    ] {
        app.create(
            json!({ "email": email, "firstname": first, "lastname": last, "company": company }),
        )
        .await;
    }
    let body = app.get("/contacts/v1/search/query?q=analyt").await.json();
    assert_eq!(body["query"], "analyt");
    assert_eq!(body["total"], 2);
    assert_eq!(body["offset"], 2);
    assert_eq!(body["has-more"], false);
    assert_eq!(vids(&body), [1, 2]);
    assert_eq!(
        body["contacts"][0]["properties"]["company"]["value"],
        "Analytical Engines"
    );

    // Every word must match; case does not matter.
    let body = app
        .get("/contacts/v1/search/query?q=ADA%20love")
        .await
        .json();
    assert_eq!(vids(&body), [1]);

    // Paging by offset, sorting by a property or vid.
    let body = app
        .get("/contacts/v1/search/query?q=analytical&count=1&sort=lastname&order=ASC")
        .await
        .json();
    assert_eq!(
        (
            vids(&body),
            body["offset"].clone(),
            body["has-more"].clone()
        ),
        (vec![2], json!(1), json!(true))
    );
    let body = app
        .get("/contacts/v1/search/query?q=analytical&count=1&offset=1&sort=lastname&order=ASC")
        .await
        .json();
    assert_eq!(
        (
            vids(&body),
            body["offset"].clone(),
            body["has-more"].clone()
        ),
        (vec![1], json!(2), json!(false))
    );
    let body = app
        .get("/contacts/v1/search/query?q=analytical&sort=vid")
        .await
        .json();
    assert_eq!(vids(&body), [2, 1], "DESC by default");

    for query in [
        "",
        "?q=x&sort=nope",
        "?q=x&sort=vid&order=sideways",
        "?q=x&count=-3",
    ] {
        app.get(&format!("/contacts/v1/search/query{query}"))
            .await
            .v1_error(StatusCode::BAD_REQUEST);
    }
    // A contact is found as soon as its write returns.
    app.create(json!({ "email": "new@analytical.example" }))
        .await;
    let body = app
        .get("/contacts/v1/search/query?q=analytical")
        .await
        .json();
    assert_eq!(body["total"], 3);
}
