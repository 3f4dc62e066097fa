//! Legacy `/contacts/v1/secondary-email/:vid`: the contact's additional
//! emails, each finding the contact and unique like its email.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn secondary_emails_are_added_replaced_removed_and_find_the_contact() {
    let app = spawn().await;
    let ada: i64 = app
        .create(json!({ "email": "ada@example.com" }))
        .await
        .parse()
        .unwrap();
    let bob = app.create(json!({ "email": "bob@example.com" })).await;
    let base = format!("/contacts/v1/secondary-email/{ada}");
    let emails = |list: &[&str]| json!({ "portalId": 1, "vid": ada, "secondaryEmails": list });

    assert_eq!(app.get(&base).await.json(), emails(&[]));
    let reply = app
        .send(
            Method::PUT,
            &format!("{base}/email/Ada.Work@Example.com"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json(), emails(&["ada.work@example.com"]));
    // Adding one it has changes nothing.
    let reply = app
        .send(
            Method::PUT,
            &format!("{base}/email/ada.work@example.com"),
            None,
        )
        .await;
    assert_eq!(reply.json(), emails(&["ada.work@example.com"]));
    app.send(
        Method::PUT,
        &format!("{base}/email/ada.home@example.com"),
        None,
    )
    .await;

    // Both APIs find the contact by a secondary email.
    let body = app
        .get("/contacts/v1/contact/email/ada.home@example.com/profile")
        .await
        .json();
    assert_eq!(body["vid"], ada);
    let body = app
        .get("/crm/v3/objects/contacts/ada.work@example.com?idProperty=email&properties=hs_additional_emails")
        .await
        .json();
    assert_eq!(body["id"], ada.to_string());
    assert_eq!(
        body["properties"]["hs_additional_emails"],
        "ada.work@example.com;ada.home@example.com"
    );

    let reply = app
        .patch(
            &base,
            json!({ "targetSecondaryEmail": "ada.work@example.com", "updatedSecondaryEmail": "ada.office@example.com" }),
        )
        .await;
    assert_eq!(
        reply.json(),
        emails(&["ada.office@example.com", "ada.home@example.com"])
    );
    app.get("/contacts/v1/contact/email/ada.work@example.com/profile")
        .await
        .v1_error(StatusCode::NOT_FOUND);

    let reply = app
        .delete(&format!("{base}/email/ada.home@example.com"))
        .await;
    assert_eq!(reply.json(), emails(&["ada.office@example.com"]));

    // Another contact's email, the contact's own email, an invalid one,
    // one it does not have, a contact that is not there.
    let reply = app
        .send(Method::PUT, &format!("{base}/email/bob@example.com"), None)
        .await;
    let body = reply.v1_error(StatusCode::CONFLICT);
    assert_eq!(body["identityProfile"]["vid"].to_string(), bob);
    app.send(Method::PUT, &format!("{base}/email/ada@example.com"), None)
        .await
        .v1_error(StatusCode::BAD_REQUEST);
    let body = app
        .send(Method::PUT, &format!("{base}/email/not-an-email"), None)
        .await
        .v1_error(StatusCode::BAD_REQUEST);
    assert_eq!(body["validationResults"][0]["error"], "INVALID_EMAIL");
    app.delete(&format!("{base}/email/never@example.com"))
        .await
        .v1_error(StatusCode::NOT_FOUND);
    app.get("/contacts/v1/secondary-email/999")
        .await
        .v1_error(StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&base).await.json(),
        emails(&["ada.office@example.com"])
    );

    // Another contact cannot take a secondary email either.
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({ "properties": { "email": "ada.office@example.com" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}
