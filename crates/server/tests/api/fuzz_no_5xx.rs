//! Random bodies, seeded so a failure repeats, sent to the endpoints that
//! parse the most: v3 lists (filter trees), v1 lists and contacts, search,
//! the OAuth token form and CSV imports. Whatever arrives, the answer is a
//! 2xx or a 4xx with a body, never a 5xx.

use crate::helpers::{spawn, ADMIN_TOKEN};
use serde_json::{Map, Value};
use spoke_domain::sandbox::seed::Rng;

const CASES: u64 = 60;

const WORDS: &[&str] = &[
    "AND",
    "OR",
    "PROPERTY",
    "filterBranchType",
    "filterBranches",
    "filters",
    "filterType",
    "property",
    "operation",
    "operationType",
    "operator",
    "value",
    "values",
    "MULTISTRING",
    "NUMBER",
    "TIME_POINT",
    "IS_EQUAL_TO",
    "EQ",
    "GT",
    "BETWEEN",
    "SET_ANY",
    "email",
    "firstname",
    "createdate",
    "lifecyclestage",
    "properties",
    "inputs",
    "name",
    "objectTypeId",
    "0-1",
    "processingType",
    "DYNAMIC",
    "MANUAL",
    "dynamic",
    "filterGroups",
    "propertyName",
    "highValue",
    "limit",
    "after",
    "sorts",
    "query",
    "grant_type",
    "code",
    "refresh_token",
    "client_id",
    "",
    "-1",
    "1e309",
    "a@x.io",
    "\u{0}",
    "\u{ff}",
];

fn random_json(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth == 0 { 4 } else { 7 }) {
        0 => Value::Null,
        1 => Value::from((rng.next_u64() >> 1) as i64 - (1 << 40)),
        2 => Value::String(rng.pick(WORDS).to_string()),
        3 => Value::Bool(rng.below(2) == 0),
        4 | 5 => {
            let mut map = Map::new();
            for _ in 0..rng.below(5) {
                map.insert(rng.pick(WORDS).to_string(), random_json(rng, depth - 1));
            }
            Value::Object(map)
        }
        _ => Value::Array(
            (0..rng.below(4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
    }
}

#[tokio::test]
async fn random_bodies_never_get_a_5xx() {
    let app = spawn().await;
    let mut rng = Rng::new(20261202);
    let mut failures = Vec::new();
    for case in 0..CASES {
        let body = random_json(&mut rng, 4);
        for path in [
            "/crm/v3/lists",
            "/contacts/v1/lists",
            "/contacts/v1/contact",
            "/crm/v3/objects/contacts/search",
            "/crm/v3/objects/contacts/batch/upsert",
        ] {
            let reply = app.post(path, body.clone()).await;
            if reply.status.is_server_error() {
                failures.push(format!("{path} case {case}: {} {body}", reply.status));
            }
        }
        let form: String = (0..rng.below(5))
            .map(|_| format!("{}={}", rng.pick(WORDS), rng.pick(WORDS)))
            .collect::<Vec<_>>()
            .join("&");
        let reply = app
            .client
            .post(app.url("/oauth/v1/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone())
            .send()
            .await
            .unwrap();
        if reply.status().is_server_error() {
            failures.push(format!("token case {case}: {} {form}", reply.status()));
        }
        let csv: Vec<u8> = (0..rng.below(200))
            .map(|_| {
                [b'a', b',', b';', b'"', b'\n', b'\r', b'@', 0xff, b' '][rng.below(9) as usize]
            })
            .collect();
        let reply = app
            .client
            .post(app.url(&format!("/_spoke/v1/portals/{}/imports", app.portal.0)))
            .bearer_auth(ADMIN_TOKEN)
            .body(csv)
            .send()
            .await
            .unwrap();
        if reply.status().is_server_error() {
            failures.push(format!("import case {case}: {}", reply.status()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
