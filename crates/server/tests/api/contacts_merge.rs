//! `…/merge` and `…/gdpr-delete`.

use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::{json, Value};
use spoke_domain::contact::ChangeKind;
use spoke_domain::ids::ContactId;

#[tokio::test]
async fn merge_keeps_the_primary_and_both_ids_resolve_to_it() {
    let app = spawn().await;
    let primary = app
        .create(json!({"email": "p@example.com", "firstname": "Pat"}))
        .await;
    let secondary = app
        .create(json!({"email": "s@example.com", "firstname": "Sam", "city": "Oslo"}))
        .await;
    app.patch(
        &format!("/crm/v3/objects/contacts/{secondary}"),
        json!({"properties": {"jobtitle": "CTO"}}),
    )
    .await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": primary, "objectIdToMerge": secondary}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let merged = reply.json();
    assert_eq!(merged["id"], primary);
    assert_eq!(
        merged["properties"]["firstname"], "Pat",
        "the primary's values win"
    );
    assert_eq!(
        merged["properties"]["city"], "Oslo",
        "values it lacked are taken"
    );
    assert_eq!(
        merged["properties"]["hs_additional_emails"],
        "s@example.com"
    );
    // Both ids, and both emails, now name the primary.
    for path in [
        format!("/crm/v3/objects/contacts/{secondary}"),
        "/crm/v3/objects/contacts/s@example.com?idProperty=email".to_string(),
        "/crm/v3/objects/contacts/p@example.com?idProperty=email".to_string(),
    ] {
        assert_eq!(app.get(&path).await.json()["id"], primary, "{path}");
    }
    // History is kept: the secondary's changes are the primary's now.
    let history = app
        .get(&format!(
            "/crm/v3/objects/contacts/{primary}?propertiesWithHistory=firstname,jobtitle"
        ))
        .await
        .json();
    let values = |name: &str| -> Vec<Value> {
        history["propertiesWithHistory"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].clone())
            .collect()
    };
    assert!(values("firstname").contains(&json!("Sam")), "{history}");
    assert!(values("jobtitle").contains(&json!("CTO")));
    // The listing holds the survivor only.
    let list = app.get("/crm/v3/objects/contacts").await.json();
    assert_eq!(list["results"].as_array().unwrap().len(), 1);
    // The secondary's email is taken by the survivor.
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "S@example.com"}}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::CONFLICT)["context"]["existingId"],
        json!([primary])
    );
    // And the merge is an event.
    let events = app.store.outbox_after(app.portal, 0, 100).await.unwrap();
    let merge = events
        .iter()
        .find(|e| e.kind == ChangeKind::Merged)
        .unwrap();
    assert_eq!(merge.contact, ContactId(primary.parse().unwrap()));
}

#[tokio::test]
async fn merge_refuses_bad_pairs() {
    let app = spawn().await;
    let a = app.create(json!({})).await;
    let b = app.create(json!({})).await;
    let merge = |p: &str, s: &str| json!({"primaryObjectId": p, "objectIdToMerge": s});
    let reply = app
        .post("/crm/v3/objects/contacts/merge", merge(&a, &a))
        .await;
    reply.error(StatusCode::BAD_REQUEST);
    let reply = app
        .post("/crm/v3/objects/contacts/merge", merge(&a, "999"))
        .await;
    reply.error(StatusCode::NOT_FOUND);
    let reply = app
        .post("/crm/v3/objects/contacts/merge", merge(&a, &b))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app
        .post("/crm/v3/objects/contacts/merge", merge(&a, &b))
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("merged"),
        "{body}"
    );
    let reply = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": a}),
        )
        .await;
    reply.error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn gdpr_delete_removes_the_contact_its_values_and_history_for_good() {
    let app = spawn().await;
    let id = app
        .create(json!({"email": "forget@example.com", "firstname": "F"}))
        .await;
    app.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"firstname": "G"}}),
    )
    .await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": id}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_eq!(reply.text, "");
    app.get(&format!("/crm/v3/objects/contacts/{id}"))
        .await
        .error(StatusCode::NOT_FOUND);
    app.get(&format!("/crm/v3/objects/contacts/{id}?archived=true"))
        .await
        .error(StatusCode::NOT_FOUND);
    let contact = ContactId(id.parse().unwrap());
    let history = app
        .store
        .recorded_changes(app.portal, &[contact])
        .await
        .unwrap();
    assert!(history[&contact].is_empty(), "history is gone");
    let events = app.store.outbox_after(app.portal, 0, 100).await.unwrap();
    assert!(
        events.iter().all(|e| e.values.is_empty()),
        "no event keeps a value"
    );
    assert_eq!(
        events.last().map(|e| e.kind),
        Some(ChangeKind::PrivacyDeleted)
    );
    // Nothing stored keeps the address: on SQLite deleted content is
    // zeroed and the write-ahead log checkpointed away; on PostgreSQL no
    // row holds it.
    let found = app.stored_in_clear("forget@example.com").await;
    assert!(found.is_empty(), "found in {found:?}");
    // It cannot be undone, and the id is never reused.
    let next = app.create(json!({"email": "forget@example.com"})).await;
    assert_ne!(next, id);
}

#[tokio::test]
async fn gdpr_delete_by_email_and_blocking_unknown_emails() {
    let app = spawn().await;
    app.create(json!({"email": "known@example.com"})).await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": "KNOWN@example.com", "idProperty": "email"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    app.get("/crm/v3/objects/contacts/known@example.com?idProperty=email")
        .await
        .error(StatusCode::NOT_FOUND);
    let reply = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": "never@example.com", "idProperty": "email"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "Never@example.com"}}),
        )
        .await;
    let body = reply.error(StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["code"], "BLOCKED_EMAIL");
    let reply = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": "777"}),
        )
        .await;
    reply.error(StatusCode::NOT_FOUND);
}
