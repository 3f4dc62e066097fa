//! HubSpot's scopes: which a credential holds, and which an endpoint needs.
//!
//! The requirements follow the `security` sections of HubSpot's OpenAPI
//! files (contacts, properties, lists): an endpoint names the scopes any one
//! of which is enough, and the 403 body names the ones HubSpot asks for
//! (`requiredGranularScopes`).

use crate::error::{Error, Result};
use std::fmt;
use std::sync::Arc;

pub const CONTACTS_READ: &str = "crm.objects.contacts.read";
pub const CONTACTS_WRITE: &str = "crm.objects.contacts.write";
pub const CONTACTS_SENSITIVE_READ: &str = "crm.objects.contacts.sensitive.read.v2";
pub const CONTACTS_SENSITIVE_WRITE: &str = "crm.objects.contacts.sensitive.write.v2";
pub const CONTACTS_HIGHLY_SENSITIVE_READ: &str = "crm.objects.contacts.highly_sensitive.read.v2";
pub const CONTACTS_HIGHLY_SENSITIVE_WRITE: &str = "crm.objects.contacts.highly_sensitive.write.v2";
pub const SCHEMAS_READ: &str = "crm.schemas.contacts.read";
pub const SCHEMAS_WRITE: &str = "crm.schemas.contacts.write";
pub const LISTS_READ: &str = "crm.lists.read";
pub const LISTS_WRITE: &str = "crm.lists.write";
pub const IMPORT: &str = "crm.import";
pub const EXPORT: &str = "crm.export";
/// The scope every OAuth app holds.
pub const OAUTH: &str = "oauth";
/// The legacy scope of the v1 contacts, lists and properties APIs, which
/// HubSpot still accepts for the CRM contacts objects of older apps.
pub const LEGACY_CONTACTS: &str = "contacts";

/// Every scope Spoke checks: what a portal's first private app holds.
pub const ALL: &[&str] = &[
    OAUTH,
    LEGACY_CONTACTS,
    CONTACTS_READ,
    CONTACTS_WRITE,
    CONTACTS_SENSITIVE_READ,
    CONTACTS_SENSITIVE_WRITE,
    CONTACTS_HIGHLY_SENSITIVE_READ,
    CONTACTS_HIGHLY_SENSITIVE_WRITE,
    SCHEMAS_READ,
    SCHEMAS_WRITE,
    LISTS_READ,
    LISTS_WRITE,
    IMPORT,
    EXPORT,
];

/// Longest scope name accepted.
const MAX_SCOPE_LEN: usize = 128;
/// Most scopes one app or token may hold.
pub const MAX_SCOPES: usize = 200;

/// The scopes a credential holds, sorted and without duplicates. Cheap to
/// clone: every request's caller carries them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes(Arc<[String]>);

impl Scopes {
    /// Every scope Spoke checks.
    pub fn all() -> Scopes {
        Scopes::from_known(ALL.iter().map(|s| s.to_string()))
    }

    fn from_known(names: impl IntoIterator<Item = String>) -> Scopes {
        let mut names: Vec<String> = names.into_iter().collect();
        names.sort();
        names.dedup();
        Scopes(names.into())
    }

    /// Scopes a client named: each must look like a HubSpot scope
    /// (lowercase letters, digits, `.`, `-`, `_`). Scopes Spoke does not
    /// check are accepted and kept, as an app may declare scopes for APIs
    /// Spoke does not serve.
    pub fn parse<'a>(field: &str, names: impl IntoIterator<Item = &'a str>) -> Result<Scopes> {
        let mut out = Vec::new();
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let well_formed = name.len() <= MAX_SCOPE_LEN
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
                });
            if !well_formed {
                return Err(Error::invalid_field(
                    field,
                    format!("\"{name}\" is not a scope: scopes are lowercase names such as \"{CONTACTS_READ}\"."),
                ));
            }
            out.push(name.to_string());
        }
        let scopes = Scopes::from_known(out);
        if scopes.0.len() > MAX_SCOPES {
            return Err(Error::invalid_field(
                field,
                format!("At most {MAX_SCOPES} scopes may be given."),
            ));
        }
        Ok(scopes)
    }

    /// Scopes as stored: names separated by spaces (HubSpot's `scope`
    /// parameter form). Anything malformed in storage is dropped.
    pub fn from_stored(text: &str) -> Scopes {
        Scopes::from_known(
            text.split_whitespace()
                .filter(|s| s.len() <= MAX_SCOPE_LEN)
                .map(str::to_string),
        )
    }

    pub fn to_stored(&self) -> String {
        self.0.join(" ")
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.binary_search_by(|s| s.as_str().cmp(scope)).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn union(&self, other: &Scopes) -> Scopes {
        Scopes::from_known(self.0.iter().chain(other.0.iter()).cloned())
    }

    /// The scopes of `self` that `other` lacks.
    pub fn missing_from(&self, other: &Scopes) -> Vec<&str> {
        self.iter().filter(|s| !other.contains(s)).collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// What an endpoint needs: any one of `any_of`. `granular` is what the 403
/// body names (HubSpot names the granular scope, not the legacy ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    pub any_of: &'static [&'static str],
    pub granular: &'static [&'static str],
}

impl Need {
    /// Reading contacts: v3, the date-versioned API and v1.
    pub const CONTACTS_READ: Need = Need {
        any_of: &[CONTACTS_READ, LEGACY_CONTACTS],
        granular: &[CONTACTS_READ],
    };
    /// Writing contacts.
    pub const CONTACTS_WRITE: Need = Need {
        any_of: &[CONTACTS_WRITE, LEGACY_CONTACTS],
        granular: &[CONTACTS_WRITE],
    };
    /// Reading property definitions: any contacts scope will do.
    pub const SCHEMAS_READ: Need = Need {
        any_of: &[
            SCHEMAS_READ,
            CONTACTS_READ,
            CONTACTS_WRITE,
            CONTACTS_SENSITIVE_READ,
            CONTACTS_SENSITIVE_WRITE,
            CONTACTS_HIGHLY_SENSITIVE_READ,
            CONTACTS_HIGHLY_SENSITIVE_WRITE,
            LEGACY_CONTACTS,
        ],
        granular: &[SCHEMAS_READ],
    };
    /// Creating, changing and archiving property definitions.
    pub const SCHEMAS_WRITE: Need = Need {
        any_of: &[SCHEMAS_WRITE, LEGACY_CONTACTS],
        granular: &[SCHEMAS_WRITE],
    };
    /// Lists (v3 only: HubSpot's specs name no legacy scope for them).
    pub const LISTS_READ: Need = Need {
        any_of: &[LISTS_READ],
        granular: &[LISTS_READ],
    };
    pub const LISTS_WRITE: Need = Need {
        any_of: &[LISTS_WRITE],
        granular: &[LISTS_WRITE],
    };
    /// The imports API.
    pub const IMPORT: Need = Need {
        any_of: &[IMPORT],
        granular: &[IMPORT],
    };
    /// The exports API.
    pub const EXPORT: Need = Need {
        any_of: &[EXPORT],
        granular: &[EXPORT],
    };
    /// Any valid credential of the portal (account details, usage).
    pub const ANY: Need = Need {
        any_of: &[],
        granular: &[],
    };

    /// `Ok` when `held` satisfies the need; otherwise HubSpot's 403.
    pub fn check(&self, held: &Scopes) -> Result<()> {
        if self.any_of.is_empty() || self.any_of.iter().any(|s| held.contains(s)) {
            return Ok(());
        }
        Err(Error::MissingScopes(
            self.granular.iter().map(|s| s.to_string()).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_scopes_are_sorted_and_unique() {
        let scopes = Scopes::parse("scopes", ["oauth", CONTACTS_READ, "oauth", " "]).unwrap();
        assert_eq!(scopes.iter().collect::<Vec<_>>(), [CONTACTS_READ, "oauth"]);
        assert_eq!(Scopes::from_stored(&scopes.to_stored()), scopes);
    }

    #[test]
    fn malformed_scopes_are_refused() {
        for bad in ["CRM.objects", "a b", "x/y", &"a".repeat(129)] {
            assert!(Scopes::parse("scopes", [bad]).is_err(), "{bad}");
        }
        // Scopes Spoke does not check are kept.
        assert!(Scopes::parse("scopes", ["crm.objects.deals.read"]).is_ok());
    }

    #[test]
    fn a_need_is_met_by_any_of_its_scopes() {
        let read_only = Scopes::parse("s", [CONTACTS_READ]).unwrap();
        assert!(Need::CONTACTS_READ.check(&read_only).is_ok());
        assert!(Need::SCHEMAS_READ.check(&read_only).is_ok());
        assert_eq!(
            Need::CONTACTS_WRITE.check(&read_only),
            Err(Error::MissingScopes(vec![CONTACTS_WRITE.to_string()]))
        );
        let legacy = Scopes::parse("s", [LEGACY_CONTACTS]).unwrap();
        assert!(Need::CONTACTS_WRITE.check(&legacy).is_ok());
        assert!(Need::ANY.check(&Scopes::default()).is_ok());
        assert!(Need::CONTACTS_READ.check(&Scopes::default()).is_err());
        for scope in ALL {
            assert!(Scopes::all().contains(scope));
        }
    }
}
