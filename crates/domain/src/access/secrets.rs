//! Secrets: how they are made, stored and compared.
//!
//! Every token, key, code and secret is random, shown once, and stored only
//! as its SHA-256 digest. A lookup by digest leaks nothing useful through
//! timing (matching a digest prefix says nothing about the secret); where a
//! secret is compared with one already known, the comparison takes the same
//! time whatever the bytes.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The digest a secret is stored as.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `given` is the secret whose digest is `stored`, in constant time.
pub fn matches(given: &str, stored: &[u8; 32]) -> bool {
    digest(given).ct_eq(stored).into()
}

/// Two secrets compared in constant time (for values that are not stored,
/// such as a CSRF token and its cookie).
pub fn equal(a: &str, b: &str) -> bool {
    digest(a).ct_eq(&digest(b)).into()
}

/// `n` random bytes from the operating system.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random UUID (version 4) in its usual text form, the shape of HubSpot's
/// refresh tokens, client ids and secrets, and API keys.
fn uuid() -> String {
    let mut bytes = random_bytes::<16>();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A private app's access token: `pat-na1-<uuid>`, as HubSpot's look.
pub fn private_app_token() -> String {
    format!("pat-na1-{}", uuid())
}

/// An OAuth access token: opaque, 256 random bits.
pub fn oauth_access_token() -> String {
    format!("CO{}", hex(&random_bytes::<32>()))
}

/// An OAuth refresh token: `na1-<uuid>`.
pub fn refresh_token() -> String {
    format!("na1-{}", uuid())
}

/// An authorization code: `na1-<uuid>`.
pub fn authorization_code() -> String {
    format!("na1-{}", uuid())
}

/// A legacy API key (portal or developer): a UUID.
pub fn api_key() -> String {
    uuid()
}

/// An OAuth app's client id: a UUID.
pub fn client_id() -> String {
    uuid()
}

/// An OAuth app's client secret: a UUID.
pub fn client_secret() -> String {
    uuid()
}

/// The sandbox admin token.
pub fn admin_token() -> String {
    format!("spoke-admin-{}", hex(&random_bytes::<24>()))
}

/// A browser session or a CSRF token: 256 random bits.
pub fn session_token() -> String {
    hex(&random_bytes::<32>())
}

/// A token a user chose (for scripts and CI) must look like a bearer token.
pub fn validate_chosen(token: &str) -> Result<(), String> {
    if token.len() < 16 || token.len() > 512 {
        return Err("a token must be 16 to 512 characters long".into());
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a token may contain only printable ASCII without spaces".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_hubspot_shapes_and_differ() {
        let token = private_app_token();
        assert!(token.starts_with("pat-na1-"));
        assert_eq!(token.len(), "pat-na1-".len() + 36);
        assert_ne!(token, private_app_token());
        assert!(validate_chosen(&token).is_ok());
        let key = api_key();
        assert_eq!(key.len(), 36);
        assert_eq!(&key[14..15], "4");
        assert_eq!(oauth_access_token().len(), 66);
        assert!(refresh_token().starts_with("na1-"));
    }

    #[test]
    fn chosen_tokens_must_be_plausible() {
        assert!(validate_chosen("short").is_err());
        assert!(validate_chosen("has a space in it here").is_err());
        assert!(validate_chosen(&"x".repeat(513)).is_err());
    }

    #[test]
    fn digests_are_sha256_and_compare_whole() {
        assert_eq!(digest("abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
        assert!(matches("abc", &digest("abc")));
        assert!(!matches("abd", &digest("abc")));
        assert!(equal("x", "x"));
        assert!(!equal("x", "y"));
    }
}
