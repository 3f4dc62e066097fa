//! Where an integration is: account details and the legacy `me`.

use crate::helpers::spawn;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn account_details_name_the_callers_portal() {
    let app = spawn().await;
    let details = app.get("/account-info/v3/details").await;
    assert_eq!(details.status, StatusCode::OK);
    let host = app.base.trim_start_matches("http://").to_string();
    assert_eq!(
        details.json(),
        json!({
            "portalId": app.portal.0,
            "accountType": "STANDARD",
            "timeZone": "UTC",
            "companyCurrency": "USD",
            "additionalCurrencies": [],
            "utcOffset": "+00:00",
            "utcOffsetMilliseconds": 0,
            "uiDomain": host,
            "dataHostingLocation": "na1"
        })
    );
    let (other, token) = app.second_portal_and_id().await;
    let theirs = app
        .send_as(Some(&token), Method::GET, "/integrations/v1/me", None)
        .await;
    assert_eq!(
        theirs.json(),
        json!({"portalId": other.0, "timeZone": "UTC", "currency": "USD", "utcOffsetMilliseconds": 0, "utcOffset": "+00:00"})
    );
    // Without credentials: 401, in the v1 shape on the v1 path.
    app.send_as(None, Method::GET, "/integrations/v1/me", None)
        .await
        .v1_error(StatusCode::UNAUTHORIZED);
    app.send_as(None, Method::GET, "/account-info/v3/details", None)
        .await
        .error(StatusCode::UNAUTHORIZED);
}
