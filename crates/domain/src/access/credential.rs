//! The kinds of credential a portal's APIs accept.

use crate::ids::AppId;
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
