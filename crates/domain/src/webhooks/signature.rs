//! HubSpot's webhook signatures, made with the app's client secret.
//!
//! - v1: `X-HubSpot-Signature` (hex SHA-256 of secret + body), with
//!   `X-HubSpot-Signature-Version: v1`; what CRM webhooks carry.
//! - v2: hex SHA-256 of secret + method + URI + body (workflow webhooks,
//!   CRM cards); made here so that receivers written for it can be tested.
//! - v3: `X-HubSpot-Signature-v3`, base64 HMAC-SHA256 keyed with the
//!   secret over method + URI + body + timestamp, the timestamp in
//!   `X-HubSpot-Request-Timestamp` (ms).

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// v1: `hex(sha256(secret + body))`.
pub fn v1(secret: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(secret.as_bytes());
    hasher.update(body);
    hex(&hasher.finalize())
}

/// v2: `hex(sha256(secret + method + uri + body))`.
pub fn v2(secret: &str, method: &str, uri: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(secret.as_bytes());
    hasher.update(method.as_bytes());
    hasher.update(uri.as_bytes());
    hasher.update(body);
    hex(&hasher.finalize())
}

/// v3: `base64(hmac_sha256(secret, method + uri + body + timestamp))`.
pub fn v3(secret: &str, method: &str, uri: &str, body: &[u8], timestamp_ms: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp_ms.to_string().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vectors of HubSpot's signature documentation.
    const SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    const BODY: &str = r#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;
    const URI: &str = "https://www.example.com/webhook_uri";

    #[test]
    fn v1_matches_hubspots_vector() {
        assert_eq!(
            v1(SECRET, BODY.as_bytes()),
            "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
        );
    }

    #[test]
    fn v2_matches_hubspots_vector() {
        assert_eq!(
            v2(SECRET, "POST", URI, BODY.as_bytes()),
            "276a2548f0a0181a076d456de09c0e7477ae101ccc16a11600488a77714e9b8d"
        );
    }

    #[test]
    fn v3_matches_hubspots_vector() {
        assert_eq!(
            v3(SECRET, "POST", URI, BODY.as_bytes(), 1564113600000),
            "DxmVAjFNa2xfF3YgQjdZP6TNcok9k1oaH7UXombPtvw="
        );
    }

    #[test]
    fn a_changed_byte_changes_every_signature() {
        let other = BODY.replace("12345", "12346");
        assert_ne!(v1(SECRET, BODY.as_bytes()), v1(SECRET, other.as_bytes()));
        assert_ne!(
            v3(SECRET, "POST", URI, BODY.as_bytes(), 1),
            v3(SECRET, "POST", URI, BODY.as_bytes(), 2)
        );
    }
}
