//! Portals and private apps as the sandbox admin API manages them.

use super::limits::{LimitSettings, Tier};
use super::scopes::Scopes;
use crate::error::{Error, Result};
use crate::ids::{AppId, PortalId};
use crate::time::Timestamp;

/// Longest portal or app name.
pub const MAX_NAME_LEN: usize = 200;

/// A portal, as the admin API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalRecord {
    pub id: PortalId,
    pub name: String,
    pub tier: Tier,
    pub is_default: bool,
    pub created_at: Timestamp,
    pub limits: LimitSettings,
}

/// A portal to create, with the private app whose token reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPortal {
    /// `None`: "Portal <id>".
    pub name: Option<String>,
    pub tier: Tier,
    pub first_app: NewPrivateApp,
}

/// A private app to create: its name, scopes and the digest of its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPrivateApp {
    pub name: String,
    pub scopes: Scopes,
    pub token_hash: [u8; 32],
}

/// A private app of a portal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateApp {
    pub id: AppId,
    pub portal: PortalId,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: Timestamp,
}

/// A public OAuth app to create (secrets as digests, the client id in
/// clear: it is not a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApp {
    pub name: String,
    pub client_id: String,
    pub client_secret_hash: [u8; 32],
    /// In clear: webhooks are signed with it.
    pub client_secret: String,
    pub developer_key_hash: [u8; 32],
    pub redirect_uris: Vec<String>,
    pub scopes: Scopes,
    pub optional_scopes: Scopes,
    pub token_ttl_seconds: u32,
}

/// A name given to a portal or an app: trimmed, not empty, not too long.
pub fn check_name(field: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid_field(
            field,
            format!("{field} must not be empty."),
        ));
    }
    if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(Error::invalid_field(
            field,
            format!(
                "{field} must be at most {MAX_NAME_LEN} characters, without control characters."
            ),
        ));
    }
    Ok(name.to_string())
}
