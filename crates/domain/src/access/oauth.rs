//! The rules of HubSpot's OAuth 2.0 authorization-code flow: which
//! authorization requests are valid, how long codes and tokens live, and how
//! a PKCE verifier is checked.

use super::scopes::Scopes;
use super::secrets;
use crate::error::{Error, Result};
use crate::ids::{AppId, PortalId};
use crate::time::Timestamp;
use base64::Engine;
use sha2::{Digest, Sha256};

/// How long an authorization code may be exchanged.
pub const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;
/// HubSpot's access-token lifetime, the default of a new app.
pub const DEFAULT_TOKEN_TTL_SECONDS: u32 = 1800;
/// Longest access-token lifetime an app may ask for (a day).
pub const MAX_TOKEN_TTL_SECONDS: u32 = 86_400;
/// Longest token, code or secret Spoke reads; anything longer is unknown.
pub const MAX_SECRET_LEN: usize = 512;
/// Most redirect URIs one app may register.
pub const MAX_REDIRECT_URIS: usize = 20;

/// A public OAuth app, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub id: AppId,
    pub name: String,
    pub client_id: String,
    pub client_secret_hash: [u8; 32],
    /// Kept in clear to sign webhooks with (HubSpot shows it to the app's
    /// developer too); `None` for an app created before Spoke kept it.
    pub client_secret: Option<String>,
    pub redirect_uris: Vec<String>,
    /// Scopes every install must grant.
    pub scopes: Scopes,
    /// Scopes an install may grant.
    pub optional_scopes: Scopes,
    pub token_ttl_seconds: u32,
    pub created_at: Timestamp,
}

/// A PKCE challenge sent with an authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub method: ChallengeMethod,
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeMethod {
    Plain,
    S256,
}

impl ChallengeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeMethod::Plain => "plain",
            ChallengeMethod::S256 => "S256",
        }
    }
}

impl Challenge {
    /// The challenge of an authorization request (`code_challenge` and
    /// `code_challenge_method`, which defaults to `plain` as RFC 7636 says).
    pub fn from_request(value: Option<&str>, method: Option<&str>) -> Result<Option<Challenge>> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return match method {
                Some(m) if !m.is_empty() => Err(Error::invalid_field(
                    "code_challenge",
                    "code_challenge_method was given without a code_challenge.",
                )),
                _ => Ok(None),
            };
        };
        let method = match method.unwrap_or("plain") {
            "plain" | "" => ChallengeMethod::Plain,
            "S256" => ChallengeMethod::S256,
            other => {
                return Err(Error::invalid_field(
                    "code_challenge_method",
                    format!("code_challenge_method must be S256 or plain, not \"{other}\"."),
                ))
            }
        };
        if !(43..=128).contains(&value.len()) || !value.bytes().all(is_unreserved) {
            return Err(Error::invalid_field(
                "code_challenge",
                "code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'.",
            ));
        }
        Ok(Some(Challenge {
            method,
            value: value.to_string(),
        }))
    }

    /// Whether `verifier` answers the challenge.
    pub fn verify(&self, verifier: &str) -> bool {
        if !(43..=128).contains(&verifier.len()) || !verifier.bytes().all(is_unreserved) {
            return false;
        }
        let expected = match self.method {
            ChallengeMethod::Plain => verifier.to_string(),
            ChallengeMethod::S256 => base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes())),
        };
        secrets::equal(&expected, &self.value)
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// An authorization request, from the consent page or the admin shortcut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub optional_scopes: Scopes,
    pub state: Option<String>,
    pub challenge: Option<Challenge>,
}

/// Why an authorization request cannot go on. These are shown on an error
/// page (or returned by the admin shortcut), never sent to the redirect URI,
/// as HubSpot does: the redirect URI is not trusted until it is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestProblem {
    UnknownClient,
    RedirectNotRegistered(String),
    ScopesNotDeclared(Vec<String>),
    RequiredScopesMissing(Vec<String>),
}

impl RequestProblem {
    pub fn message(&self) -> String {
        match self {
            RequestProblem::UnknownClient => {
                "The client_id does not belong to any app on this server.".into()
            }
            RequestProblem::RedirectNotRegistered(uri) => format!(
                "Authorization failed because the redirect URL '{uri}' doesn't match the app's registered redirect URLs."
            ),
            RequestProblem::ScopesNotDeclared(scopes) => format!(
                "Authorization failed because the app has not declared these scopes: {}.",
                scopes.join(", ")
            ),
            RequestProblem::RequiredScopesMissing(scopes) => format!(
                "Authorization failed because there is a mismatch between the scopes in the install URL and the app's required scopes; missing: {}.",
                scopes.join(", ")
            ),
        }
    }
}

impl AuthorizationRequest {
    /// Checks the request against the app it names, and returns the scopes
    /// an approval grants: the requested ones and the optional ones the app
    /// declared.
    pub fn check(&self, app: &App) -> std::result::Result<Scopes, RequestProblem> {
        if !app.redirect_uris.iter().any(|u| u == &self.redirect_uri) {
            return Err(RequestProblem::RedirectNotRegistered(
                self.redirect_uri.clone(),
            ));
        }
        let declared = app.scopes.union(&app.optional_scopes);
        let undeclared: Vec<String> = self
            .scopes
            .union(&self.optional_scopes)
            .missing_from(&declared)
            .into_iter()
            .map(str::to_string)
            .collect();
        if !undeclared.is_empty() {
            return Err(RequestProblem::ScopesNotDeclared(undeclared));
        }
        let missing: Vec<String> = app
            .scopes
            .missing_from(&self.scopes)
            .into_iter()
            .map(str::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(RequestProblem::RequiredScopesMissing(missing));
        }
        Ok(self.scopes.union(&self.optional_scopes))
    }
}

/// An authorization code, as stored until it is exchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: [u8; 32],
    pub app: AppId,
    pub portal: PortalId,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub challenge: Option<Challenge>,
    pub expires_at: Timestamp,
}

/// A refresh token, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshGrant {
    pub token_hash: [u8; 32],
    pub app: AppId,
    pub portal: PortalId,
    pub scopes: Scopes,
    pub created_at: Timestamp,
}

/// An access token to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessGrant {
    pub token_hash: [u8; 32],
    pub app: AppId,
    pub portal: PortalId,
    pub scopes: Scopes,
    pub expires_at: Timestamp,
}

/// A redirect URI an app may register: an absolute http(s) URL without a
/// fragment.
pub fn check_redirect_uri(uri: &str) -> Result<()> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"));
    let valid = match rest {
        Some(rest) => {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            !host.is_empty()
                && !uri.contains('#')
                && uri.len() <= 2000
                && !uri
                    .bytes()
                    .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "redirectUris",
            format!("\"{uri}\" is not a redirect URL: give an absolute http:// or https:// URL without a fragment."),
        ))
    }
}

/// `uri` with query parameters added (the redirect after consent).
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = uri.to_string();
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        out.push(sep);
        out.push_str(&form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>());
        out.push('=');
        out.push_str(&form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>());
        sep = '&';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        App {
            id: AppId(1),
            name: "a".into(),
            client_id: "c".into(),
            client_secret_hash: [0; 32],
            client_secret: None,
            redirect_uris: vec!["http://localhost:3000/cb".into()],
            scopes: Scopes::parse("s", ["crm.objects.contacts.read", "oauth"]).unwrap(),
            optional_scopes: Scopes::parse("s", ["crm.objects.contacts.write"]).unwrap(),
            token_ttl_seconds: 1800,
            created_at: Timestamp::from_stored(0),
        }
    }

    fn request(scopes: &[&str], optional: &[&str], redirect: &str) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: "c".into(),
            redirect_uri: redirect.into(),
            scopes: Scopes::parse("scope", scopes.iter().copied()).unwrap(),
            optional_scopes: Scopes::parse("optional_scope", optional.iter().copied()).unwrap(),
            state: None,
            challenge: None,
        }
    }

    #[test]
    fn requests_are_checked_against_the_app() {
        let app = app();
        let cb = "http://localhost:3000/cb";
        let granted = request(
            &["crm.objects.contacts.read", "oauth"],
            &["crm.objects.contacts.write"],
            cb,
        )
        .check(&app)
        .unwrap();
        assert!(granted.contains("crm.objects.contacts.write"));
        assert_eq!(
            request(
                &["crm.objects.contacts.read", "oauth"],
                &[],
                "http://evil.example/cb"
            )
            .check(&app),
            Err(RequestProblem::RedirectNotRegistered(
                "http://evil.example/cb".into()
            ))
        );
        assert_eq!(
            request(
                &["crm.objects.contacts.read", "oauth", "crm.lists.read"],
                &[],
                cb
            )
            .check(&app),
            Err(RequestProblem::ScopesNotDeclared(vec![
                "crm.lists.read".into()
            ]))
        );
        assert_eq!(
            request(&["oauth"], &[], cb).check(&app),
            Err(RequestProblem::RequiredScopesMissing(vec![
                "crm.objects.contacts.read".into()
            ]))
        );
    }

    #[test]
    fn pkce_verifiers_answer_their_challenges() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let s256 = Challenge::from_request(
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            Some("S256"),
        )
        .unwrap()
        .unwrap();
        assert!(s256.verify(verifier));
        assert!(!s256.verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX"));
        let plain = Challenge::from_request(Some(verifier), None)
            .unwrap()
            .unwrap();
        assert_eq!(plain.method, ChallengeMethod::Plain);
        assert!(plain.verify(verifier));
        assert!(Challenge::from_request(Some("short"), Some("S256")).is_err());
        assert!(Challenge::from_request(Some(verifier), Some("S512")).is_err());
        assert!(Challenge::from_request(None, Some("S256")).is_err());
        assert_eq!(Challenge::from_request(None, None).unwrap(), None);
    }

    #[test]
    fn redirect_uris_must_be_absolute_http_urls() {
        assert!(check_redirect_uri("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_uri("https://example.com/cb?x=1").is_ok());
        for bad in [
            "/cb",
            "ftp://x/cb",
            "https://",
            "https://x/cb#f",
            "https://x/a b",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
        assert_eq!(
            with_query("http://x/cb?a=1", &[("code", "c d"), ("state", "s&t")]),
            "http://x/cb?a=1&code=c+d&state=s%26t"
        );
    }
}
