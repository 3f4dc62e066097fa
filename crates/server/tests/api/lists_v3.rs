//! Lists v3 (`/crm/v3/lists`): lists, memberships that follow every write,
//! static membership calls, paging, search, folders, id mapping, errors.

use crate::helpers::{spawn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn leads_filter() -> Value {
    json!({
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [{
            "filterBranchType": "AND",
            "filters": [{
                "filterType": "PROPERTY",
                "property": "lifecyclestage",
                "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]}
            }],
            "filterBranches": []
        }]
    })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/crm/v3/lists/", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["list"].clone()
}

async fn manual(app: &TestApp, name: &str) -> String {
    let list = create(
        app,
        json!({"name": name, "objectTypeId": "0-1", "processingType": "MANUAL"}),
    )
    .await;
    list["listId"].as_str().unwrap().to_string()
}

async fn member_ids(app: &TestApp, list: &str) -> Vec<String> {
    let reply = app.get(&format!("/crm/v3/lists/{list}/memberships")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recordId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_list_is_created_read_by_id_ids_and_name_with_hubspots_fields() {
    let app = spawn().await;
    let lead = app
        .create(json!({"email": "a@x.io", "lifecyclestage": "lead"}))
        .await;
    app.create(json!({"email": "b@x.io", "lifecyclestage": "customer"}))
        .await;
    let list = create(
        &app,
        json!({"name": "Leads", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads_filter()}),
    )
    .await;
    let id = list["listId"].as_str().unwrap();
    assert_eq!(list["name"], "Leads");
    assert_eq!(list["objectTypeId"], "0-1");
    assert_eq!(list["processingType"], "DYNAMIC");
    assert_eq!(list["processingStatus"], "COMPLETE");
    assert_eq!(list["listVersion"], 1);
    assert_eq!(list["size"], 1);
    assert_eq!(
        list["filterBranch"]["filterBranches"][0]["filterBranchOperator"],
        "AND"
    );
    for field in ["createdAt", "updatedAt", "filtersUpdatedAt"] {
        assert!(list[field].as_str().unwrap().ends_with('Z'), "{field}");
    }
    assert_eq!(member_ids(&app, id).await, std::slice::from_ref(&lead));
    // Filters only when asked for.
    let plain = app.get(&format!("/crm/v3/lists/{id}")).await.json();
    assert!(plain["list"].get("filterBranch").is_none());
    let full = app
        .get(&format!("/crm/v3/lists/{id}?includeFilters=true"))
        .await
        .json();
    assert_eq!(full["list"]["filterBranch"], list["filterBranch"]);
    let other = manual(&app, "Static one").await;
    let many = app
        .get(&format!(
            "/crm/v3/lists?listIds={id}&listIds={other}&listIds=999"
        ))
        .await
        .json();
    let names: Vec<&str> = many["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Leads", "Static one"]);
    let by_name = app.get("/crm/v3/lists/object-type-id/0-1/name/leads").await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.text);
    assert_eq!(by_name.json()["list"]["listId"], id);
    let missing = app.get("/crm/v3/lists/999").await;
    assert_eq!(
        missing.error(StatusCode::NOT_FOUND)["category"],
        "OBJECT_NOT_FOUND"
    );
}

#[tokio::test]
async fn dynamic_membership_follows_every_write_as_soon_as_it_returns() {
    let app = spawn().await;
    let list = create(
        &app,
        json!({"name": "Leads", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads_filter()}),
    )
    .await;
    let id = list["listId"].as_str().unwrap().to_string();
    let a = app
        .create(json!({"email": "a@x.io", "lifecyclestage": "lead"}))
        .await;
    assert_eq!(member_ids(&app, &id).await, std::slice::from_ref(&a));
    let reply = app
        .patch(
            &format!("/crm/v3/objects/contacts/{a}"),
            json!({"properties": {"lifecyclestage": "customer"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(member_ids(&app, &id).await.is_empty());
    // Batch upsert, then archive.
    let reply = app
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [{"idProperty": "email", "id": "b@x.io", "properties": {"lifecyclestage": "lead"}}]}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    let b = reply.json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(member_ids(&app, &id).await, std::slice::from_ref(&b));
    let records = app
        .get(&format!("/crm/v3/lists/records/0-1/{b}/memberships"))
        .await
        .json();
    assert_eq!(records["results"][0]["listId"], id.as_str());
    assert_eq!(records["results"][0]["listVersion"], 1);
    assert_eq!(records["total"], 1);
    app.delete(&format!("/crm/v3/objects/contacts/{b}")).await;
    assert!(member_ids(&app, &id).await.is_empty());
    let size = app.get(&format!("/crm/v3/lists/{id}")).await.json()["list"]["size"].clone();
    assert_eq!(size, 0);
}

#[tokio::test]
async fn static_lists_take_adds_and_removes_and_dynamic_lists_refuse_them() {
    let app = spawn().await;
    let list = manual(&app, "VIP").await;
    let a = app.create(json!({"email": "a@x.io"})).await;
    let b = app.create(json!({"email": "b@x.io"})).await;
    let reply = app
        .put(
            &format!("/crm/v3/lists/{list}/memberships/add"),
            json!([a, b, "987654", "not-an-id"]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let mut added: Vec<String> =
        serde_json::from_value(reply.json()["recordsIdsAdded"].clone()).unwrap();
    added.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(added, expected);
    assert_eq!(
        reply.json()["recordIdsMissing"],
        json!(["987654", "not-an-id"])
    );
    assert_eq!(reply.json()["recordIdsRemoved"], json!([]));
    let reply = app
        .put(
            &format!("/crm/v3/lists/{list}/memberships/add-and-remove"),
            json!({"recordIdsToAdd": [], "recordIdsToRemove": [a]}),
        )
        .await;
    assert_eq!(reply.json()["recordIdsRemoved"], json!([a]));
    assert_eq!(member_ids(&app, &list).await, std::slice::from_ref(&b));
    let reply = app
        .put(
            &format!("/crm/v3/lists/{list}/memberships/remove"),
            json!([b]),
        )
        .await;
    assert_eq!(reply.json()["recordIdsRemoved"], json!([b]));
    // add-from another list, then delete all memberships.
    let source = manual(&app, "Source").await;
    app.put(
        &format!("/crm/v3/lists/{source}/memberships/add"),
        json!([a, b]),
    )
    .await;
    let reply = app
        .put(
            &format!("/crm/v3/lists/{list}/memberships/add-from/{source}"),
            json!(null),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_eq!(member_ids(&app, &list).await.len(), 2);
    let reply = app
        .delete(&format!("/crm/v3/lists/{list}/memberships"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(member_ids(&app, &list).await.is_empty());
    // A DYNAMIC list refuses every membership call.
    let dynamic = create(
        &app,
        json!({"name": "Leads", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads_filter()}),
    )
    .await;
    let dyn_id = dynamic["listId"].as_str().unwrap();
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/crm/v3/lists/{dyn_id}/memberships/add"),
            json!([a]),
        ),
        (
            Method::PUT,
            format!("/crm/v3/lists/{dyn_id}/memberships/remove"),
            json!([a]),
        ),
        (
            Method::PUT,
            format!("/crm/v3/lists/{dyn_id}/memberships/add-from/{source}"),
            json!(null),
        ),
        (
            Method::DELETE,
            format!("/crm/v3/lists/{dyn_id}/memberships"),
            json!(null),
        ),
    ] {
        let reply = app.send(method.clone(), &path, Some(body)).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["category"], "VALIDATION_ERROR", "{method} {path}");
        assert!(error["message"].as_str().unwrap().contains("DYNAMIC"));
    }
}

#[tokio::test]
async fn memberships_page_forwards_and_back_by_id_and_in_join_order() {
    let app = spawn().await;
    let list = manual(&app, "Paged").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.create(json!({"email": format!("p{i}@x.io")})).await);
    }
    // Joined newest first, in separate calls.
    for id in ids.iter().rev() {
        app.put(
            &format!("/crm/v3/lists/{list}/memberships/add"),
            json!([id]),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let first = app
        .get(&format!("/crm/v3/lists/{list}/memberships?limit=2"))
        .await
        .json();
    assert_eq!(first["total"], 5);
    let page_ids = |page: &Value| -> Vec<String> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["recordId"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(page_ids(&first), ids[..2]);
    assert!(first["paging"].get("prev").is_none());
    let mut seen = page_ids(&first);
    let mut after = first["paging"]["next"]["after"]
        .as_str()
        .map(str::to_string);
    let mut last_page = Value::Null;
    while let Some(token) = after {
        let page = app
            .get(&format!(
                "/crm/v3/lists/{list}/memberships?limit=2&after={token}"
            ))
            .await
            .json();
        seen.extend(page_ids(&page));
        after = page["paging"]["next"]["after"].as_str().map(str::to_string);
        last_page = page;
    }
    assert_eq!(seen, ids);
    // Back from the last page: descending, as HubSpot answers `before`.
    let before = last_page["paging"]["prev"]["before"].as_str().unwrap();
    let back = app
        .get(&format!(
            "/crm/v3/lists/{list}/memberships?limit=2&before={before}"
        ))
        .await
        .json();
    assert_eq!(page_ids(&back), [ids[3].clone(), ids[2].clone()]);
    let joined = app
        .get(&format!(
            "/crm/v3/lists/{list}/memberships/join-order?limit=10"
        ))
        .await
        .json();
    let reversed: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(page_ids(&joined), reversed);
    let bad = app
        .get(&format!("/crm/v3/lists/{list}/memberships?after=nonsense"))
        .await;
    bad.error(StatusCode::BAD_REQUEST);
    let too_many = app
        .get(&format!("/crm/v3/lists/{list}/memberships?limit=251"))
        .await;
    too_many.error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_rename_refilter_delete_restore_and_id_mapping() {
    let app = spawn().await;
    let a = app
        .create(json!({"email": "a@x.io", "firstname": "Ann"}))
        .await;
    for name in ["Alpha", "Beta", "Alphabet"] {
        manual(&app, name).await;
    }
    let dynamic = create(
        &app,
        json!({"name": "Leads", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads_filter()}),
    )
    .await;
    let id = dynamic["listId"].as_str().unwrap().to_string();
    let found = app
        .post(
            "/crm/v3/lists/search",
            json!({"query": "alpha", "offset": 0, "count": 1}),
        )
        .await
        .json();
    assert_eq!(found["total"], 2);
    assert_eq!(found["hasMore"], true);
    assert_eq!(found["offset"], 1);
    assert_eq!(found["lists"][0]["name"], "Alpha");
    assert_eq!(
        found["lists"][0]["additionalProperties"]["hs_list_size"],
        "0"
    );
    let dynamic_only = app
        .post(
            "/crm/v3/lists/search",
            json!({"processingTypes": ["DYNAMIC"], "offset": 0}),
        )
        .await
        .json();
    assert_eq!(dynamic_only["total"], 1);
    let sorted = app
        .post(
            "/crm/v3/lists/search",
            json!({"sort": "-name", "offset": 0}),
        )
        .await
        .json();
    assert_eq!(sorted["lists"][0]["name"], "Leads");
    // Rename: a version more; a taken name is refused.
    let renamed = app
        .put(
            &format!("/crm/v3/lists/{id}/update-list-name?listName=Hot%20leads"),
            json!(null),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json()["updatedList"]["name"], "Hot leads");
    assert_eq!(renamed.json()["updatedList"]["listVersion"], 2);
    let clash = app
        .put(
            &format!("/crm/v3/lists/{id}/update-list-name?listName=alpha"),
            json!(null),
        )
        .await;
    assert!(clash.error(StatusCode::BAD_REQUEST)["message"]
        .as_str()
        .unwrap()
        .contains("already exists"));
    // New filters are evaluated at once.
    let anns = json!({"filterBranchType": "OR", "filterBranches": [{"filterBranchType": "AND", "filterBranches": [], "filters": [
        {"filterType": "PROPERTY", "property": "firstname", "operation": {"operationType": "MULTISTRING", "operator": "IS_EQUAL_TO", "values": ["ann"]}}
    ]}], "filters": []});
    let refiltered = app
        .put(
            &format!("/crm/v3/lists/{id}/update-list-filters"),
            json!({"filterBranch": anns}),
        )
        .await;
    assert_eq!(refiltered.status, StatusCode::OK, "{}", refiltered.text);
    assert_eq!(refiltered.json()["updatedList"]["size"], 1);
    assert_eq!(member_ids(&app, &id).await, std::slice::from_ref(&a));
    // Legacy ids map to these ids.
    let legacy = (id.parse::<i64>().unwrap() + 1000).to_string();
    let mapping = app
        .get(&format!("/crm/v3/lists/idmapping?legacyListId={legacy}"))
        .await
        .json();
    assert_eq!(mapping, json!({"legacyListId": legacy, "listId": id}));
    let batch = app
        .post("/crm/v3/lists/idmapping", json!([legacy, "5"]))
        .await
        .json();
    assert_eq!(batch["legacyListIdsToIdsMapping"][0]["listId"], id.as_str());
    assert_eq!(batch["missingLegacyListIds"], json!(["5"]));
    // Delete, then restore.
    assert_eq!(
        app.delete(&format!("/crm/v3/lists/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/crm/v3/lists/{id}"))
        .await
        .error(StatusCode::NOT_FOUND);
    let restored = app
        .put(&format!("/crm/v3/lists/{id}/restore"), json!(null))
        .await;
    assert_eq!(restored.status, StatusCode::NO_CONTENT, "{}", restored.text);
    let back = app.get(&format!("/crm/v3/lists/{id}")).await.json();
    assert_eq!(back["list"]["name"], "Hot leads");
    assert_eq!(member_ids(&app, &id).await, [a]);
    app.put(&format!("/crm/v3/lists/{id}/restore"), json!(null))
        .await
        .error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn folders_hold_lists_and_move() {
    let app = spawn().await;
    let reply = app
        .post("/crm/v3/lists/folders", json!({"name": "Marketing"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let marketing = reply.json()["folder"]["id"].as_str().unwrap().to_string();
    assert_eq!(reply.json()["folder"]["parentFolderId"], "0");
    let reply = app
        .post(
            "/crm/v3/lists/folders",
            json!({"name": "Events", "parentFolderId": marketing}),
        )
        .await;
    let events = reply.json()["folder"]["id"].as_str().unwrap().to_string();
    let list = manual(&app, "Attendees").await;
    let reply = app
        .put(
            "/crm/v3/lists/folders/move-list",
            json!({"listId": list, "newFolderId": events}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let root = app.get("/crm/v3/lists/folders").await.json();
    let node = &root["folder"]["childNodes"][0];
    assert_eq!(node["name"], "Marketing");
    assert_eq!(node["childNodes"][0]["name"], "Events");
    assert_eq!(
        node["childNodes"][0]["childLists"],
        json!([list.parse::<i64>().unwrap()])
    );
    let renamed = app
        .put(
            &format!("/crm/v3/lists/folders/{events}/rename?newFolderName=Webinars"),
            json!(null),
        )
        .await;
    assert_eq!(renamed.json()["folder"]["name"], "Webinars");
    // A folder cannot move under its own folders; a non-empty one stays.
    app.put(
        &format!("/crm/v3/lists/folders/{marketing}/move/{events}"),
        json!(null),
    )
    .await
    .error(StatusCode::BAD_REQUEST);
    let moved = app
        .put(
            &format!("/crm/v3/lists/folders/{events}/move/0"),
            json!(null),
        )
        .await;
    assert_eq!(moved.json()["folder"]["parentFolderId"], "0");
    app.delete(&format!("/crm/v3/lists/folders/{events}"))
        .await
        .error(StatusCode::BAD_REQUEST);
    assert_eq!(
        app.delete(&format!("/crm/v3/lists/folders/{marketing}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/crm/v3/lists/folders?folderId={marketing}"))
        .await
        .error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_lists_get_hubspots_400_with_a_clear_message() {
    let app = spawn().await;
    manual(&app, "Taken").await;
    let page_view = json!({"filterBranchType": "OR", "filterBranches": [], "filters": [
        {"filterType": "PAGE_VIEW", "pageUrl": "https://x.io", "operator": "HAS_PAGEVIEW_EQ"}
    ]});
    let wrong_type = json!({"filterBranchType": "OR", "filterBranches": [], "filters": [
        {"filterType": "PROPERTY", "property": "firstname", "operation": {"operationType": "NUMBER", "operator": "IS_EQUAL_TO", "value": 3}}
    ]});
    let unknown = json!({"filterBranchType": "OR", "filterBranches": [], "filters": [
        {"filterType": "PROPERTY", "property": "no_such_thing", "operation": {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "x"}}
    ]});
    let root_and = json!({"filterBranchType": "AND", "filterBranches": [], "filters": [
        {"filterType": "CONSTANT", "shouldAccept": true}
    ]});
    let cases = [
        (
            json!({"name": "X", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": root_and}),
            "root filter branch must be an OR",
        ),
        (
            json!({"objectTypeId": "0-1", "processingType": "MANUAL"}),
            "needs a name",
        ),
        (
            json!({"name": "TAKEN", "objectTypeId": "0-1", "processingType": "MANUAL"}),
            "already exists",
        ),
        (
            json!({"name": "X", "objectTypeId": "0-2", "processingType": "MANUAL"}),
            "contacts",
        ),
        (
            json!({"name": "X", "objectTypeId": "0-1", "processingType": "ACTIVE"}),
            "processingType",
        ),
        (
            json!({"name": "X", "objectTypeId": "0-1", "processingType": "MANUAL", "filterBranch": leads_filter()}),
            "MANUAL list has no filters",
        ),
        (
            json!({"name": "X", "objectTypeId": "0-1", "processingType": "DYNAMIC"}),
            "needs a filterBranch",
        ),
        (
            json!({"name": "X", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": page_view}),
            "PAGE_VIEW",
        ),
        (
            json!({"name": "X", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": wrong_type}),
            "does not apply",
        ),
        (
            json!({"name": "X", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": unknown}),
            "no_such_thing",
        ),
    ];
    for (body, expected) in cases {
        let reply = app.post("/crm/v3/lists", body.clone()).await;
        let error = reply.error(StatusCode::BAD_REQUEST);
        assert_eq!(error["category"], "VALIDATION_ERROR");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
    }
    // Malformed JSON and a malformed tree.
    app.raw(Method::POST, "/crm/v3/lists", "{\"name\": ")
        .await
        .error(StatusCode::BAD_REQUEST);
    let reply = app
        .post(
            "/crm/v3/lists",
            json!({"name": "Y", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": {"filterBranchType": "OR", "filters": "nope"}}),
        )
        .await;
    assert!(reply.error(StatusCode::BAD_REQUEST)["message"]
        .as_str()
        .unwrap()
        .contains("filters must be an array"));
}

#[tokio::test]
async fn lists_are_a_portals_own_and_need_the_lists_scopes() {
    let app = spawn().await;
    let list = manual(&app, "Mine").await;
    let a = app.create(json!({"email": "a@x.io"})).await;
    let reply = app
        .admin(
            Method::POST,
            "/_spoke/v1/portals",
            Some(json!({"name": "Other"})),
        )
        .await;
    let other = reply.json()["accessToken"].as_str().unwrap().to_string();
    let theirs = app
        .send_as(
            Some(&other),
            Method::GET,
            &format!("/crm/v3/lists/{list}"),
            None,
        )
        .await;
    theirs.error(StatusCode::NOT_FOUND);
    let theirs = app
        .send_as(
            Some(&other),
            Method::POST,
            "/crm/v3/lists",
            Some(json!({"name": "Mine", "objectTypeId": "0-1", "processingType": "MANUAL"})),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK);
    let their_list = theirs.json()["list"]["listId"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .send_as(
            Some(&other),
            Method::PUT,
            &format!("/crm/v3/lists/{their_list}/memberships/add"),
            Some(json!([a])),
        )
        .await;
    assert_eq!(reply.json()["recordIdsMissing"], json!([a]));
    // A private app without crm.lists.* gets 403 naming the scope.
    let reply = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{}/private-apps", app.portal.0),
            Some(json!({"name": "Contacts only", "scopes": ["crm.objects.contacts.read"]})),
        )
        .await;
    let limited = reply.json()["accessToken"].as_str().unwrap().to_string();
    let denied = app
        .send_as(
            Some(&limited),
            Method::GET,
            &format!("/crm/v3/lists/{list}"),
            None,
        )
        .await;
    let error = denied.error(StatusCode::FORBIDDEN);
    assert_eq!(
        error["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.lists.read"])
    );
}

/// Polls a list until its processing is COMPLETE (the list worker), for at
/// most a minute.
async fn until_complete(app: &TestApp, id: &str) -> Value {
    for _ in 0..600 {
        let list = app.get(&format!("/crm/v3/lists/{id}")).await.json()["list"].clone();
        if list["processingStatus"] == "COMPLETE" {
            return list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("list {id} is still processing");
}

#[tokio::test]
async fn a_list_over_a_large_portal_is_finished_in_the_background() {
    let app = spawn().await;
    // More contacts than a create evaluates before it answers (10,000).
    let mut leads = 0;
    for start in (0..12_500).step_by(100) {
        let inputs: Vec<Value> = (start..start + 100)
            .map(|i: usize| {
                let stage = if i.is_multiple_of(7) {
                    "lead"
                } else {
                    "customer"
                };
                json!({"properties": {"email": format!("big{i}@x.io"), "lifecyclestage": stage}})
            })
            .collect();
        leads += (start..start + 100)
            .filter(|i: &usize| i.is_multiple_of(7))
            .count();
        let reply = app
            .post(
                "/crm/v3/objects/contacts/batch/create",
                json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let list = create(
        &app,
        json!({"name": "Big leads", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads_filter()}),
    )
    .await;
    // The create evaluates 10,000 contacts and answers; the list worker
    // (which may also have started) finishes it.
    assert!(
        ["PROCESSING", "COMPLETE"].contains(&list["processingStatus"].as_str().unwrap()),
        "{list}"
    );
    let id = list["listId"].as_str().unwrap().to_string();
    // Writes meanwhile are evaluated at once.
    let late = app
        .create(json!({"email": "late@x.io", "lifecyclestage": "lead"}))
        .await;
    let done = until_complete(&app, &id).await;
    assert_eq!(done["size"], leads as i64 + 1);
    let page = app
        .get(&format!(
            "/crm/v3/lists/{id}/memberships?limit=250&before=99999999999999-999999"
        ))
        .await
        .json();
    assert_eq!(page["results"][0]["recordId"], late.as_str());
}

#[tokio::test]
async fn rolling_date_ranges_are_evaluated_again_on_a_schedule() {
    let app = crate::helpers::spawn_with(|config| {
        config.workers.list_refresh = std::time::Duration::from_secs(1);
    })
    .await;
    let reply = app
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "renewal", "label": "Renewal", "type": "datetime", "fieldType": "date", "groupName": "contactinformation"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    // Renewals in the last day: a renewal two seconds from now is not one
    // yet, and becomes one as time passes, with no write.
    let filter = json!({"filterBranchType": "OR", "filters": [], "filterBranches": [{"filterBranchType": "AND", "filterBranches": [], "filters": [
        {"filterType": "PROPERTY", "property": "renewal", "operation": {"operationType": "ROLLING_DATE_RANGE", "operator": "IS_LESS_THAN_X_DAYS_AGO", "numberOfDays": 1}}
    ]}]});
    let list = create(
        &app,
        json!({"name": "Renewed", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": filter}),
    )
    .await;
    let id = list["listId"].as_str().unwrap().to_string();
    let soon = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 2_000;
    let a = app
        .create(json!({"email": "r@x.io", "renewal": soon.to_string()}))
        .await;
    assert!(member_ids(&app, &id).await.is_empty());
    for _ in 0..100 {
        if member_ids(&app, &id).await == [a.clone()] {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the rolling list never took the contact in");
}

/// Today's UTC date, as the server's clock sees it.
fn today() -> (i32, u32, u32) {
    let (date, _) = spoke_domain::time::Timestamp::now().date_and_time_of_day();
    (
        date.year(),
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    )
}

#[tokio::test]
async fn a_dynamic_list_is_converted_to_static_on_schedule_and_keeps_its_history() {
    let app = crate::helpers::spawn_with(|config| {
        config.workers.list_refresh = std::time::Duration::from_secs(1);
    })
    .await;
    let list = create(
        &app,
        json!({"name": "To freeze", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads_filter()}),
    )
    .await;
    let id = list["listId"].as_str().unwrap().to_string();
    let path = format!("/crm/v3/lists/{id}/schedule-conversion");
    // Nothing asked yet.
    let reply = app.get(&path).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json(), json!({"listId": id}));
    // Inactivity: asked, then changed to a date, then cancelled.
    let inactivity = json!({"conversionType": "INACTIVITY", "offset": 3, "timeUnit": "WEEK"});
    let reply = app.put(&path, inactivity.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"listId": id, "requestedConversionTime": inactivity})
    );
    let (y, m, d) = today();
    let next_year =
        json!({"conversionType": "CONVERSION_DATE", "year": y + 1, "month": m, "day": d.min(28)});
    let reply = app.put(&path, next_year.clone()).await;
    assert_eq!(reply.json()["requestedConversionTime"], next_year);
    assert_eq!(
        app.get(&path).await.json()["requestedConversionTime"],
        next_year
    );
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.json(), json!({"listId": id}));

    // Bad times, other kinds of list, lists that do not exist.
    for (body, expected) in [
        (
            json!({"conversionType": "CONVERSION_DATE", "year": y - 1, "month": m, "day": d.min(28)}),
            "in the past",
        ),
        (
            json!({"conversionType": "CONVERSION_DATE", "year": y, "month": 13, "day": 1}),
            "valid year",
        ),
        (
            json!({"conversionType": "INACTIVITY", "offset": 0, "timeUnit": "DAY"}),
            "offset",
        ),
        (
            json!({"conversionType": "INACTIVITY", "offset": 2, "timeUnit": "YEAR"}),
            "timeUnit",
        ),
        (json!({"conversionType": "LATER"}), "LATER"),
    ] {
        let reply = app.put(&path, body.clone()).await;
        let message = reply.error(StatusCode::BAD_REQUEST)["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains(expected), "{body}: {message}");
    }
    let static_list = manual(&app, "Already static").await;
    let reply = app
        .put(
            &format!("/crm/v3/lists/{static_list}/schedule-conversion"),
            inactivity.clone(),
        )
        .await;
    assert!(reply.error(StatusCode::BAD_REQUEST)["message"]
        .as_str()
        .unwrap()
        .contains("only DYNAMIC lists"));
    app.get("/crm/v3/lists/999999/schedule-conversion")
        .await
        .error(StatusCode::NOT_FOUND);
    app.get("/crm/v3/lists/999999/size-and-edits-history/between")
        .await
        .error(StatusCode::NOT_FOUND);

    // Members, an edit of the filters, then a conversion due today: the
    // list worker converts it, and it keeps its members from then on.
    let a = app
        .create(json!({"email": "freeze-a@x.io", "lifecyclestage": "lead"}))
        .await;
    let reply = app
        .put(
            &format!("/crm/v3/lists/{id}/update-list-filters"),
            json!({"filterBranch": leads_filter()}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    until_complete(&app, &id).await;
    let today_body = json!({"conversionType": "CONVERSION_DATE", "year": y, "month": m, "day": d});
    assert_eq!(app.put(&path, today_body).await.status, StatusCode::OK);
    let mut converted = Value::Null;
    for _ in 0..100 {
        converted = app.get(&path).await.json();
        if converted.get("convertedAt").is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(converted["convertedAt"].is_string(), "{converted}");
    let list = app.get(&format!("/crm/v3/lists/{id}")).await.json()["list"].clone();
    assert_eq!(list["processingType"], "MANUAL");
    app.create(json!({"email": "freeze-b@x.io", "lifecyclestage": "lead"}))
        .await;
    assert_eq!(member_ids(&app, &id).await, std::slice::from_ref(&a));
    // Static now: members can be added by hand.
    let b = app.create(json!({"email": "freeze-c@x.io"})).await;
    let reply = app
        .put(&format!("/crm/v3/lists/{id}/memberships/add"), json!([b]))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // The history shows the edit and the sizes the worker saw: 1, then 2.
    let history_path = format!("/crm/v3/lists/{id}/size-and-edits-history/between");
    let mut history = Value::Null;
    for _ in 0..100 {
        history = app.get(&history_path).await.json();
        let sizes: Vec<i64> = history["sizeHistory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["size"].as_i64().unwrap())
            .collect();
        if sizes.ends_with(&[2]) {
            assert!(sizes.contains(&1), "{history}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        history["sizeHistory"].as_array().unwrap().last().unwrap()["size"],
        2,
        "{history}"
    );
    assert_eq!(
        history["editHistory"].as_array().unwrap().len(),
        1,
        "{history}"
    );
    // A window before the list existed is empty; a reversed one is refused.
    let empty = app
        .get(&format!(
            "{history_path}?startDate=2001-01-01T00:00:00Z&endDate=2001-01-02T00:00:00Z"
        ))
        .await
        .json();
    assert_eq!(empty, json!({"sizeHistory": [], "editHistory": []}));
    let reply = app
        .get(&format!(
            "{history_path}?startDate=2030-01-02T00:00:00Z&endDate=2030-01-01T00:00:00Z"
        ))
        .await;
    assert!(reply.error(StatusCode::BAD_REQUEST)["message"]
        .as_str()
        .unwrap()
        .contains("after endDate"));
    app.get(&format!("{history_path}?startDate=yesterday"))
        .await
        .error(StatusCode::BAD_REQUEST);
}
