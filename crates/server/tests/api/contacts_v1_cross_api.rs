//! One contact, two APIs: what v1 writes v3 reads and the reverse, with
//! one id, one history, one set of rules.

use crate::helpers::spawn;
use reqwest::StatusCode;
use serde_json::json;

fn props(pairs: &[(&str, &str)]) -> serde_json::Value {
    json!({
        "properties": pairs
            .iter()
            .map(|(p, v)| json!({ "property": p, "value": v }))
            .collect::<Vec<_>>()
    })
}

#[tokio::test]
async fn a_contact_written_through_v1_is_read_through_v3_and_the_reverse() {
    let app = spawn().await;
    // v1 writes, v3 reads: vid is id, values and history are the same.
    let vid = app
        .post(
            "/contacts/v1/contact",
            props(&[
                ("email", "ada@example.com"),
                ("firstname", "Ada"),
                ("closedate", "1714557600000"),
            ]),
        )
        .await
        .json()["vid"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/contacts/v1/contact/vid/{vid}/profile"),
        props(&[("firstname", "Augusta")]),
    )
    .await;
    let v3 = app
        .get(&format!(
            "/crm/v3/objects/contacts/{vid}?properties=email,firstname,closedate&propertiesWithHistory=firstname"
        ))
        .await
        .json();
    assert_eq!(v3["id"], vid.to_string());
    assert_eq!(v3["properties"]["email"], "ada@example.com");
    assert_eq!(v3["properties"]["closedate"], "2024-05-01T10:00:00.000Z");
    let history: Vec<&str> = v3["propertiesWithHistory"]["firstname"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["Augusta", "Ada"]);

    // v3 writes, v1 reads.
    let patched = app
        .patch(
            &format!("/crm/v3/objects/contacts/{vid}"),
            json!({ "properties": { "lastname": "Lovelace", "firstname": "" } }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    let v1 = app
        .get(&format!("/contacts/v1/contact/vid/{vid}/profile"))
        .await
        .json();
    assert_eq!(v1["properties"]["lastname"]["value"], "Lovelace");
    assert!(v1["properties"].get("firstname").is_none(), "cleared in v3");
    assert_eq!(v1["properties"]["closedate"]["value"], "1714557600000");
    assert_eq!(
        v1["properties"]["lastmodifieddate"]["value"],
        v3_millis(&app, vid, "lastmodifieddate").await
    );

    // One uniqueness rule for email across both.
    let id = app.create(json!({ "email": "bob@example.com" })).await;
    let reply = app
        .post(
            "/contacts/v1/contact",
            props(&[("email", "BOB@example.com")]),
        )
        .await;
    assert_eq!(
        reply.v1_error(StatusCode::CONFLICT)["identityProfile"]["vid"].to_string(),
        id
    );
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({ "properties": { "email": "ADA@example.com" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    // One set of validation rules: v1 refuses what v3 refuses.
    let reply = app
        .post(
            &format!("/contacts/v1/contact/vid/{vid}/profile"),
            props(&[("hs_object_id", "7")]),
        )
        .await;
    reply.v1_error(StatusCode::BAD_REQUEST);

    // A merge through v3 shows in v1, and the reverse.
    let other: i64 = app
        .create(json!({ "firstname": "Other" }))
        .await
        .parse()
        .unwrap();
    let reply = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({ "primaryObjectId": vid.to_string(), "objectIdToMerge": other.to_string() }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let v1 = app
        .get(&format!("/contacts/v1/contact/vid/{other}/profile"))
        .await
        .json();
    assert_eq!(
        (v1["vid"].as_i64(), v1["merged-vids"].clone()),
        (Some(vid), json!([vid, other]))
    );
    let third: i64 = app
        .create(json!({ "firstname": "Third" }))
        .await
        .parse()
        .unwrap();
    app.post(
        &format!("/contacts/v1/contact/merge-vids/{third}"),
        json!({ "vidToMerge": vid }),
    )
    .await;
    let v3 = app
        .get(&format!("/crm/v3/objects/contacts/{vid}"))
        .await
        .json();
    assert_eq!(v3["id"], third.to_string());
    let v1 = app
        .get(&format!("/contacts/v1/contact/vid/{third}/profile"))
        .await
        .json();
    assert_eq!(v1["merged-vids"], json!([third, other, vid]));

    // Deleted through v1, archived in v3.
    app.delete(&format!("/contacts/v1/contact/vid/{third}"))
        .await;
    let reply = app.get(&format!("/crm/v3/objects/contacts/{third}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app
        .get(&format!("/crm/v3/objects/contacts/{third}?archived=true"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// A calculated date of a contact as v3 gives it, in ms.
async fn v3_millis(app: &crate::helpers::TestApp, id: i64, name: &str) -> String {
    let body = app
        .get(&format!("/crm/v3/objects/contacts/{id}?properties={name}"))
        .await
        .json();
    let iso = body["properties"][name].as_str().unwrap();
    spoke_domain::time::Timestamp::parse_iso(iso)
        .unwrap()
        .millis()
        .to_string()
}
