//! The legacy v1 lists API over the same lists as v3: listings with
//! `offset`/`has-more`, static and dynamic lists with v1 filters, a list's
//! contacts with their paging, add and remove by vid and email, and
//! `list-memberships` on contact profiles.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn vids(page: &Value) -> Vec<i64> {
    page["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["vid"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn static_and_dynamic_lists_with_v1_filters() {
    let app = spawn().await;
    let a: i64 = app
        .create(json!({"email": "a@hubspot.com", "twitterhandle": "@hubspot", "lifecyclestage": "lead"}))
        .await
        .parse()
        .unwrap();
    let b: i64 = app
        .create(json!({"email": "b@x.io", "lifecyclestage": "customer"}))
        .await
        .parse()
        .unwrap();
    let reply = app
        .post(
            "/contacts/v1/lists",
            json!({"name": "Tweeters", "dynamic": true, "portal_id": 1,
                   "filters": [[{"operator": "EQ", "value": "@hubspot", "property": "twitterhandle", "type": "string"}],
                               [{"operator": "SET_ANY", "value": "customer", "property": "lifecyclestage", "type": "enumeration"}]]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let list = reply.json();
    assert_eq!(list["dynamic"], true);
    assert_eq!(list["listType"], "DYNAMIC");
    assert_eq!(list["metaData"]["size"], 2);
    assert_eq!(list["metaData"]["processing"], "DONE");
    assert_eq!(list["filters"][0][0]["operator"], "EQ");
    assert_eq!(list["filters"][1][0]["operator"], "SET_ANY");
    let legacy = list["listId"].as_i64().unwrap();
    let internal = list["internalListId"].as_i64().unwrap();
    assert_ne!(legacy, internal, "v1 and v3 ids differ, as at HubSpot");
    // The same list through v3.
    let v3 = app.get(&format!("/crm/v3/lists/{internal}")).await.json();
    assert_eq!(v3["list"]["name"], "Tweeters");
    let page = app
        .get(&format!("/contacts/v1/lists/{legacy}/contacts/all"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(vids(&page.json()), [a, b]);
    assert!(page.json()["contacts"][0]["addedAt"].as_i64().is_some());
    // A static list made with filters is filled once.
    let reply = app
        .post(
            "/contacts/v1/lists",
            json!({"name": "Leads then", "dynamic": false,
                   "filters": [[{"operator": "EQ", "value": "lead", "property": "lifecyclestage", "type": "enumeration"}]]}),
        )
        .await;
    let snapshot = reply.json();
    assert_eq!(snapshot["listType"], "STATIC");
    assert_eq!(snapshot["metaData"]["size"], 1);
    app.create(json!({"email": "c@x.io", "lifecyclestage": "lead"}))
        .await;
    let again = app
        .get(&format!("/contacts/v1/lists/{}", snapshot["listId"]))
        .await
        .json();
    assert_eq!(
        again["metaData"]["size"], 1,
        "a snapshot does not follow writes"
    );
    // Listings: all, static, dynamic, batch; paging with offset.
    let all = app.get("/contacts/v1/lists?count=1").await.json();
    assert_eq!(all["lists"].as_array().unwrap().len(), 1);
    assert_eq!(all["has-more"], true);
    assert_eq!(all["offset"], 1);
    let rest = app.get("/contacts/v1/lists?count=5&offset=1").await.json();
    assert_eq!(rest["has-more"], false);
    let statics = app.get("/contacts/v1/lists/static").await.json();
    assert_eq!(statics["lists"][0]["name"], "Leads then");
    let dynamics = app.get("/contacts/v1/lists/dynamic").await.json();
    assert_eq!(dynamics["lists"][0]["name"], "Tweeters");
    let batch = app
        .get(&format!(
            "/contacts/v1/lists/batch?listId={legacy}&listId=424242"
        ))
        .await
        .json();
    assert_eq!(batch["lists"].as_array().unwrap().len(), 1);
    // Update the name and the filters; delete.
    let reply = app
        .post(
            &format!("/contacts/v1/lists/{legacy}"),
            json!({"name": "Customers", "filters": [[{"operator": "SET_ANY", "value": "customer", "property": "lifecyclestage", "type": "enumeration"}]]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["name"], "Customers");
    assert_eq!(reply.json()["metaData"]["size"], 1);
    let deleted = app.delete(&format!("/contacts/v1/lists/{legacy}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = app.get(&format!("/contacts/v1/lists/{legacy}")).await;
    assert_eq!(
        gone.v1_error(StatusCode::NOT_FOUND)["message"],
        "list does not exist"
    );
    // Bad filters: v1's body with the reason.
    let bad = app
        .post(
            "/contacts/v1/lists",
            json!({"name": "Bad", "dynamic": true, "filters": [[{"operator": "LIKE", "value": "x", "property": "firstname"}]]}),
        )
        .await;
    assert!(bad.v1_error(StatusCode::BAD_REQUEST)["message"]
        .as_str()
        .unwrap()
        .contains("LIKE"));
}

#[tokio::test]
async fn static_lists_take_vids_and_emails_and_page_their_contacts() {
    let app = spawn().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            app.create(json!({"email": format!("m{i}@x.io")}))
                .await
                .parse::<i64>()
                .unwrap(),
        );
    }
    let list = app
        .post("/contacts/v1/lists", json!({"name": "Static"}))
        .await
        .json();
    assert_eq!(list["listType"], "STATIC");
    let id = list["listId"].as_i64().unwrap();
    let reply = app
        .post(
            &format!("/contacts/v1/lists/{id}/add"),
            json!({"vids": [ids[0], ids[1], 999_999], "emails": ["m2@x.io", "nobody@x.io"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["updated"], json!([ids[0], ids[1], ids[2]]));
    assert_eq!(body["invalidVids"], json!([999_999]));
    assert_eq!(body["invalidEmails"], json!(["nobody@x.io"]));
    let again = app
        .post(
            &format!("/contacts/v1/lists/{id}/add"),
            json!({"vids": [ids[0], ids[3]]}),
        )
        .await
        .json();
    assert_eq!(again["updated"], json!([ids[3]]));
    assert_eq!(again["discarded"], json!([ids[0]]));
    let removed = app
        .post(
            &format!("/contacts/v1/lists/{id}/remove"),
            json!({"vids": [ids[1], ids[4]]}),
        )
        .await
        .json();
    assert_eq!(removed["updated"], json!([ids[1]]));
    assert_eq!(removed["discarded"], json!([ids[4]]));
    // Contacts by vid, two at a time.
    let first = app
        .get(&format!("/contacts/v1/lists/{id}/contacts/all?count=2"))
        .await
        .json();
    assert_eq!(vids(&first), [ids[0], ids[2]]);
    assert_eq!(first["has-more"], true);
    let next = app
        .get(&format!(
            "/contacts/v1/lists/{id}/contacts/all?count=2&vidOffset={}",
            first["vid-offset"]
        ))
        .await
        .json();
    assert_eq!(vids(&next), [ids[3]]);
    assert_eq!(next["has-more"], false);
    // Recently added: newest first, with both offsets.
    let recent = app
        .get(&format!("/contacts/v1/lists/{id}/contacts/recent?count=2"))
        .await
        .json();
    assert_eq!(vids(&recent), [ids[3], ids[2]]);
    let older = app
        .get(&format!(
            "/contacts/v1/lists/{id}/contacts/recent?count=2&timeOffset={}&vidOffset={}",
            recent["time-offset"], recent["vid-offset"]
        ))
        .await
        .json();
    assert_eq!(vids(&older), [ids[0]]);
    // Profiles show the memberships.
    let profile = app
        .get(&format!("/contacts/v1/contact/vid/{}/profile", ids[0]))
        .await
        .json();
    let memberships = profile["list-memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["static-list-id"], id);
    assert_eq!(memberships[0]["is-member"], true);
    let hidden = app
        .get(&format!(
            "/contacts/v1/contact/vid/{}/profile?showListMemberships=false",
            ids[0]
        ))
        .await
        .json();
    assert!(hidden.get("list-memberships").is_none());
    // A dynamic list refuses adds.
    let dynamic = app
        .post(
            "/contacts/v1/lists",
            json!({"name": "Dyn", "dynamic": true, "filters": [[{"operator": "IS_NOT_EMPTY", "property": "email", "type": "string"}]]}),
        )
        .await
        .json();
    assert_eq!(dynamic["metaData"]["size"], 5);
    let refused = app
        .send(
            Method::POST,
            &format!("/contacts/v1/lists/{}/add", dynamic["listId"]),
            Some(json!({"vids": [ids[0]]})),
        )
        .await;
    refused.v1_error(StatusCode::BAD_REQUEST);
    // The pseudo-lists keep their paths.
    let all = app.get("/contacts/v1/lists/all/contacts/all").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(vids(&all.json()).len(), 5);
}
