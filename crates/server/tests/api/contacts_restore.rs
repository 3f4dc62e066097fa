//! Restoring an archived contact through the admin API: the contact is
//! active again with its values and history, its email finds it again, a
//! `contact.restore` event is recorded, and an email another contact took
//! meanwhile refuses the restore with HubSpot's 409.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::json;
use spoke_domain::contact::ChangeKind;
use spoke_domain::ids::ContactId;

fn restore_path(portal: i64, id: &str) -> String {
    format!("/_spoke/v1/portals/{portal}/contacts/{id}/restore")
}

#[tokio::test]
async fn an_archived_contact_comes_back_with_its_email_and_an_event() {
    let app = spawn().await;
    let id = app
        .create(json!({"email": "back@x.io", "firstname": "Bea"}))
        .await;
    let reply = app
        .send(
            Method::DELETE,
            &format!("/crm/v3/objects/contacts/{id}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let gone = app
        .get("/crm/v3/objects/contacts/back@x.io?idProperty=email")
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    let reply = app
        .admin(Method::POST, &restore_path(app.portal.0, &id), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let restored = reply.json();
    assert_eq!(restored["id"], id.as_str());
    assert_eq!(restored["archived"], false);
    assert_eq!(restored["properties"]["firstname"], "Bea");

    let found = app
        .get("/crm/v3/objects/contacts/back@x.io?idProperty=email&properties=firstname")
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.json()["id"], id.as_str());
    let listed = app.get("/crm/v3/objects/contacts").await.json();
    assert_eq!(listed["results"][0]["id"], id.as_str());

    let events = app.store.outbox_after(app.portal, 0, 100).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.kind, ChangeKind::Restored);
    assert_eq!(last.contact, ContactId(id.parse().unwrap()));

    let again = app
        .admin(Method::POST, &restore_path(app.portal.0, &id), None)
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.text.contains("is not archived"), "{}", again.text);
    let unknown = app
        .admin(Method::POST, &restore_path(app.portal.0, "999999"), None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_restore_whose_email_was_taken_meanwhile_is_a_409() {
    let app = spawn().await;
    let first = app.create(json!({"email": "taken@x.io"})).await;
    app.send(
        Method::DELETE,
        &format!("/crm/v3/objects/contacts/{first}"),
        None,
    )
    .await;
    let second = app.create(json!({"email": "taken@x.io"})).await;
    let reply = app
        .admin(Method::POST, &restore_path(app.portal.0, &first), None)
        .await;
    let body = reply.error(StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().unwrap().contains(&second),
        "names the holder: {body}"
    );
    let still = app
        .get(&format!("/crm/v3/objects/contacts/{first}?archived=true"))
        .await;
    assert_eq!(still.status, StatusCode::OK);
    assert_eq!(still.json()["archived"], true, "nothing was written");
}

#[tokio::test]
async fn contacts_archived_past_their_retention_are_purged_without_a_trace() {
    use spoke_domain::time::Timestamp;
    let app = spawn().await;
    let kept = app.create(json!({"email": "kept@x.io"})).await;
    let old = app
        .create(json!({"email": "purged.person@x.io", "firstname": "Perpetua"}))
        .await;
    let reply = app
        .send(
            Method::DELETE,
            &format!("/crm/v3/objects/contacts/{old}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let events_before = app
        .store
        .outbox_after(app.portal, 0, 100)
        .await
        .unwrap()
        .len();

    // Nothing archived before an hour ago: nothing goes.
    let crm = spoke_domain::crm::Crm::new(app.store.clone());
    let hour_ago = Timestamp::from_stored(Timestamp::now().millis() - 3_600_000);
    assert_eq!(crm.purge_archived(hour_ago, 10).await.unwrap(), 0);
    // As if its retention ran out now.
    let later = Timestamp::from_stored(Timestamp::now().millis() + 1_000);
    assert_eq!(crm.purge_archived(later, 10).await.unwrap(), 1);

    let gone = app
        .get(&format!("/crm/v3/objects/contacts/{old}?archived=true"))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let restore = app
        .admin(Method::POST, &restore_path(app.portal.0, &old), None)
        .await;
    assert_eq!(restore.status, StatusCode::NOT_FOUND);
    let still = app.get(&format!("/crm/v3/objects/contacts/{kept}")).await;
    assert_eq!(still.status, StatusCode::OK, "an active contact stays");
    let events = app.store.outbox_after(app.portal, 0, 100).await.unwrap();
    assert!(
        events.len() <= events_before,
        "a purge announces nothing: {events:?}"
    );
    for needle in ["purged.person@x.io", "Perpetua"] {
        assert_eq!(
            app.stored_in_clear(needle).await,
            Vec::<String>::new(),
            "{needle} is gone from every table and file"
        );
    }
    // The email is free for a new contact.
    app.create(json!({"email": "purged.person@x.io"})).await;
}
