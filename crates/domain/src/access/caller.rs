//! Who is calling: the portal, the kind of credential, the app behind it and
//! the scopes it holds. Authentication produces one; handlers receive it.

pub use super::credential::Credential;
use super::limits::{LimitSettings, Tier};
use super::scopes::Scopes;
use crate::ids::PortalId;

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
