//! Who is calling: the portal, the kind of credential, the app behind it and
//! the scopes it holds. Authentication produces one; handlers receive it.

use super::limits::{LimitSettings, Tier};
use super::scopes::Scopes;
use crate::ids::{AppId, PortalId};
use crate::time::Timestamp;

/// The kinds of credential a portal's APIs accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A private app's static token (`Authorization: Bearer pat-...`).
    PrivateApp { app: AppId },
    /// The portal's legacy API key (`?hapikey=`).
    ApiKey,
    /// An OAuth access token of a public app installed in the portal.
    OAuth { app: AppId, expires_at: Timestamp },
}

impl Credential {
    /// The name stored beside a token.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::PrivateApp { .. } => "private_app",
            Credential::ApiKey => "api_key",
            Credential::OAuth { .. } => "oauth",
        }
    }
}

/// What a caller's portal says about limits, read with the credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortalTerms {
    pub tier: Tier,
    pub limits: LimitSettings,
}

/// An authenticated caller of a portal's APIs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub portal: PortalId,
    pub credential: Credential,
    pub scopes: Scopes,
    pub terms: PortalTerms,
}

/// A credential as stored, found by the digest of its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCredential {
    pub portal: PortalId,
    pub credential: Credential,
    pub scopes: Scopes,
    pub terms: PortalTerms,
}
