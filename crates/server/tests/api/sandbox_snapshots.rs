//! `/_spoke/v1/portals/{portalId}/snapshots` and `.../clone`: a portal's
//! state taken, brought back exactly (ids and paging cursors included),
//! and copied into a new portal.

use crate::helpers::{spawn, Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    app.send_as(Some(token), method, path, body).await
}

/// Every contact of the portal with the history of two properties, and
/// its custom property, as the API answers them.
async fn state(app: &TestApp, token: &str) -> Value {
    let contacts = call(
        app,
        token,
        Method::GET,
        "/crm/v3/objects/contacts?limit=50&archived=false&properties=email,favourite&propertiesWithHistory=favourite",
        None,
    )
    .await
    .json();
    let archived = call(
        app,
        token,
        Method::GET,
        "/crm/v3/objects/contacts?archived=true",
        None,
    )
    .await
    .json();
    let favourite = call(
        app,
        token,
        Method::GET,
        "/crm/v3/properties/contacts/favourite",
        None,
    )
    .await;
    let lists = call(app, token, Method::GET, "/crm/v3/lists", None)
        .await
        .json();
    json!({"contacts": contacts, "archived": archived, "favourite": favourite.status.as_u16(), "lists": lists})
}

#[tokio::test]
async fn a_snapshot_brings_a_portal_back_and_a_clone_lives_apart() {
    let app = spawn().await;
    let created = app
        .admin(
            Method::POST,
            "/_spoke/v1/portals",
            Some(json!({"name": "Snap", "tier": "starter"})),
        )
        .await
        .json();
    let id = created["portalId"].as_i64().unwrap();
    let token = created["accessToken"].as_str().unwrap().to_string();
    let reply = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/properties/contacts",
        Some(json!({"name": "favourite", "label": "Favourite", "type": "string", "fieldType": "text", "groupName": "contactinformation"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let mut ids = Vec::new();
    for i in 0..3 {
        let reply = call(
            &app,
            &token,
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(json!({"properties": {"email": format!("s{i}@snap.io"), "favourite": "tea"}})),
        )
        .await;
        ids.push(reply.json()["id"].as_str().unwrap().to_string());
    }
    let reply = call(
        &app,
        &token,
        Method::PATCH,
        &format!("/crm/v3/objects/contacts/{}", ids[0]),
        Some(json!({"properties": {"favourite": "coffee"}})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    call(
        &app,
        &token,
        Method::DELETE,
        &format!("/crm/v3/objects/contacts/{}", ids[2]),
        None,
    )
    .await;
    let before = state(&app, &token).await;
    let first_page = call(
        &app,
        &token,
        Method::GET,
        "/crm/v3/objects/contacts?limit=1",
        None,
    )
    .await
    .json();
    let after = first_page["paging"]["next"]["after"]
        .as_str()
        .unwrap()
        .to_string();
    let second_page = call(
        &app,
        &token,
        Method::GET,
        &format!("/crm/v3/objects/contacts?limit=1&after={after}"),
        None,
    )
    .await
    .json();

    let snapshots = format!("/_spoke/v1/portals/{id}/snapshots");
    let taken = app
        .admin(Method::POST, &snapshots, Some(json!({"name": "baseline"})))
        .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.text);
    let taken = taken.json();
    assert_eq!(taken["name"], "baseline");
    assert_eq!(taken["contacts"], 3);
    assert!(taken["createdAt"].as_str().unwrap().ends_with('Z'));
    let again = app
        .admin(Method::POST, &snapshots, Some(json!({"name": "baseline"})))
        .await;
    assert_eq!(
        again.error(StatusCode::CONFLICT)["category"],
        "OBJECT_ALREADY_EXISTS"
    );
    app.admin(Method::POST, &snapshots, Some(json!({"name": "no spaces"})))
        .await
        .error(StatusCode::BAD_REQUEST);
    let listed = app.admin(Method::GET, &snapshots, None).await.json();
    assert_eq!(listed, json!({"results": [taken]}));

    // Change everything, then restore.
    call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/objects/contacts",
        Some(json!({"properties": {"email": "late@snap.io"}})),
    )
    .await;
    call(
        &app,
        &token,
        Method::PATCH,
        &format!("/crm/v3/objects/contacts/{}", ids[1]),
        Some(json!({"properties": {"favourite": "juice"}})),
    )
    .await;
    app.admin(
        Method::POST,
        &format!("/_spoke/v1/portals/{id}/reset"),
        None,
    )
    .await;
    assert_ne!(state(&app, &token).await, before);
    let restored = app
        .admin(Method::POST, &format!("{snapshots}/baseline/restore"), None)
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(restored.json(), taken);
    assert_eq!(state(&app, &token).await, before);
    // A cursor taken before the snapshot pages the same.
    let again = call(
        &app,
        &token,
        Method::GET,
        &format!("/crm/v3/objects/contacts?limit=1&after={after}"),
        None,
    )
    .await
    .json();
    assert_eq!(again, second_page);
    // Search sees the restored contacts.
    let found = call(
        &app,
        &token,
        Method::POST,
        "/crm/v3/objects/contacts/search",
        Some(json!({"filterGroups": [{"filters": [{"propertyName": "favourite", "operator": "EQ", "value": "coffee"}]}]})),
    )
    .await
    .json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["results"][0]["id"], ids[0].as_str());

    // A clone with data has the same state; writes to it stay in it.
    let clone = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{id}/clone"),
            Some(json!({"name": "Copy", "withData": true})),
        )
        .await;
    assert_eq!(clone.status, StatusCode::CREATED, "{}", clone.text);
    let clone = clone.json();
    assert_eq!(clone["name"], "Copy");
    assert_eq!(clone["tier"], "starter");
    let clone_token = clone["accessToken"].as_str().unwrap().to_string();
    assert_eq!(state(&app, &clone_token).await, before);
    call(
        &app,
        &clone_token,
        Method::PATCH,
        &format!("/crm/v3/objects/contacts/{}", ids[0]),
        Some(json!({"properties": {"favourite": "water"}})),
    )
    .await;
    assert_eq!(state(&app, &token).await, before);
    // Definitions only.
    let bare = app
        .admin(
            Method::POST,
            &format!("/_spoke/v1/portals/{id}/clone"),
            None,
        )
        .await
        .json();
    let bare_token = bare["accessToken"].as_str().unwrap().to_string();
    let bare_state = state(&app, &bare_token).await;
    assert_eq!(bare_state["contacts"]["results"], json!([]));
    assert_eq!(bare_state["favourite"], 200);

    // Deleted; refusals.
    let deleted = app
        .admin(Method::DELETE, &format!("{snapshots}/baseline"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let missing = app
        .admin(Method::POST, &format!("{snapshots}/baseline/restore"), None)
        .await;
    assert_eq!(
        missing.error(StatusCode::NOT_FOUND)["message"],
        format!("Portal {id} has no snapshot named 'baseline'.")
    );
    app.admin(Method::DELETE, &format!("{snapshots}/baseline"), None)
        .await
        .error(StatusCode::NOT_FOUND);
    for (method, path) in [
        (Method::GET, "/_spoke/v1/portals/987654/snapshots"),
        (Method::POST, "/_spoke/v1/portals/987654/clone"),
    ] {
        app.admin(method, path, None)
            .await
            .error(StatusCode::NOT_FOUND);
    }
    app.send_as(None, Method::GET, &snapshots, None)
        .await
        .error(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_gdpr_delete_reaches_into_snapshots_and_a_restore_never_brings_the_person_back() {
    let app = spawn().await;
    let person = app
        .create(json!({"email": "snap.person@x.io", "firstname": "Snappy"}))
        .await;
    let other = app.create(json!({"email": "other@x.io"})).await;
    let path = format!("/_spoke/v1/portals/{}/snapshots", app.portal.0);
    let taken = app
        .admin(Method::POST, &path, Some(json!({"name": "before"})))
        .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.text);
    let reply = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": person}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    for needle in ["snap.person@x.io", "Snappy"] {
        assert_eq!(
            app.stored_in_clear(needle).await,
            Vec::<String>::new(),
            "{needle} is in no table or file, snapshots included"
        );
    }
    let restored = app
        .admin(Method::POST, &format!("{path}/before/restore"), None)
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    let back = app.get(&format!("/crm/v3/objects/contacts/{other}")).await;
    assert_eq!(back.status, StatusCode::OK);
    let gone = app
        .get(&format!("/crm/v3/objects/contacts/{person}?archived=true"))
        .await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "the person stays deleted"
    );
}
