//! `/crm/v3/properties/{objectType}/groups`.

use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn groups_are_listed_created_read_updated_and_archived() {
    let app = spawn().await;
    let list = app.get("/crm/v3/properties/contacts/groups").await.json();
    assert_eq!(
        list["results"][0],
        json!({"name": "contactinformation", "label": "Contact information", "displayOrder": 0, "archived": false})
    );
    let reply = app
        .post(
            "/crm/v3/properties/contacts/groups",
            json!({"name": "billing", "label": "Billing", "displayOrder": 7}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"name": "billing", "label": "Billing", "displayOrder": 7, "archived": false})
    );
    let reply = app.get("/crm/v3/properties/contacts/groups/billing").await;
    assert_eq!(reply.json()["label"], "Billing");
    let reply = app
        .patch(
            "/crm/v3/properties/contacts/groups/billing",
            json!({"label": "Billing details"}),
        )
        .await;
    assert_eq!(
        reply.json(),
        json!({"name": "billing", "label": "Billing details", "displayOrder": 7, "archived": false})
    );
    let reply = app
        .delete("/crm/v3/properties/contacts/groups/billing")
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    app.get("/crm/v3/properties/contacts/groups/billing")
        .await
        .error(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_group_name_is_taken_once() {
    let app = spawn().await;
    let reply = app
        .post(
            "/crm/v3/properties/contacts/groups",
            json!({"name": "contactinformation", "label": "Again"}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::CONFLICT)["category"],
        "OBJECT_ALREADY_EXISTS"
    );
}

#[tokio::test]
async fn invalid_groups_are_400_naming_the_field() {
    let app = spawn().await;
    for (body, field) in [
        (json!({"label": "No name"}), "name"),
        (json!({"name": "Bad Name", "label": "x"}), "name"),
        (json!({"name": "nolabel"}), "label"),
    ] {
        let reply = app
            .post("/crm/v3/properties/contacts/groups", body.clone())
            .await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST)["errors"][0]["in"],
            field,
            "{body}"
        );
    }
}

#[tokio::test]
async fn hubspot_groups_and_groups_in_use_are_not_archived() {
    let app = spawn().await;
    let reply = app
        .delete("/crm/v3/properties/contacts/groups/contactinformation")
        .await;
    reply.error(StatusCode::BAD_REQUEST);
    app.post(
        "/crm/v3/properties/contacts/groups",
        json!({"name": "ops", "label": "Ops"}),
    )
    .await;
    app.post(
        "/crm/v3/properties/contacts",
        json!({"name": "shift", "label": "Shift", "type": "string", "fieldType": "text", "groupName": "ops"}),
    )
    .await;
    let reply = app.delete("/crm/v3/properties/contacts/groups/ops").await;
    assert!(reply.error(StatusCode::BAD_REQUEST)["message"]
        .as_str()
        .unwrap()
        .contains("shift"));
    // A property may move to another group; then the group can go.
    app.patch(
        "/crm/v3/properties/contacts/shift",
        json!({"groupName": "contactinformation"}),
    )
    .await;
    assert_eq!(
        app.delete("/crm/v3/properties/contacts/groups/ops")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // New properties may not join an archived group.
    let reply = app
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "late", "label": "Late", "type": "string", "fieldType": "text", "groupName": "ops"}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST)["errors"][0]["in"],
        "groupName"
    );
}
