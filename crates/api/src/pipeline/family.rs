//! Which API a request belongs to, which decides the shape of its errors.

use std::future::Future;

/// An API family: its paths share an error shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// CRM v3 and the date-versioned paths, account details.
    V3,
    /// The legacy v1 APIs (`/contacts/v1`, `/properties/v1`,
    /// `/integrations/v1`).
    V1,
    /// OAuth 2.0 (`/oauth/...`): its token endpoints answer in their own
    /// shape; anything else in v3's.
    OAuth,
    /// The sandbox admin API and pages (`/_spoke/...`), in v3's shape.
    Admin,
}

const V1_PREFIXES: [&str; 3] = ["/contacts/v1/", "/properties/v1/", "/integrations/v1/"];

impl Family {
    pub fn of(path: &str) -> Family {
        if V1_PREFIXES.iter().any(|p| path.starts_with(p)) {
            Family::V1
        } else if path.starts_with("/oauth/") {
            Family::OAuth
        } else if path.starts_with("/_spoke/") {
            Family::Admin
        } else {
            Family::V3
        }
    }
}

tokio::task_local! {
    static FAMILY: Family;
}

/// The family of the request being handled on this task (v3 outside one).
pub fn family() -> Family {
    FAMILY.try_with(|f| *f).unwrap_or(Family::V3)
}

/// Runs `work` (the rest of a request) knowing its family.
pub async fn in_family<F: Future>(family: Family, work: F) -> F::Output {
    FAMILY.scope(family, work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_family() {
        assert_eq!(Family::of("/contacts/v1/contact/vid/1/profile"), Family::V1);
        assert_eq!(Family::of("/properties/v1/contacts/properties"), Family::V1);
        assert_eq!(Family::of("/integrations/v1/limit/daily"), Family::V1);
        assert_eq!(Family::of("/crm/v3/objects/contacts"), Family::V3);
        assert_eq!(Family::of("/crm/objects/2026-03/contacts"), Family::V3);
        assert_eq!(Family::of("/account-info/v3/details"), Family::V3);
        assert_eq!(Family::of("/oauth/v1/token"), Family::OAuth);
        assert_eq!(Family::of("/_spoke/v1/portals"), Family::Admin);
        assert_eq!(Family::of("/contacts/v2/x"), Family::V3);
    }
}
