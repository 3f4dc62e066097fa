//! Sandbox controls over a portal's state: reset (here) and faults
//! injected on purpose ([`faults`]).
//!
//! A reset empties a portal of
//! everything its API calls wrote (contacts and their history, events and
//! webhook deliveries, lists and memberships, GDPR blocks) and keeps who
//! may call it (its tokens, private apps, app installs, API key, limits).
//!
//! Stores empty every table holding the portal's rows except the ones
//! named here, so a table added later is emptied by a reset unless it is
//! added to [`KEPT_ON_RESET`].

pub mod faults;
pub mod journal;
pub mod seed;
pub mod snapshots;

/// Tables of portal rows a reset keeps: the portal, who may call it, and
/// the lists' generation counter (moved on, never restarted, so a node
/// never mistakes the lists it holds parsed for the portal's current
/// ones).
pub const KEPT_ON_RESET: &[&str] = &[
    "portals",
    "access_tokens",
    "private_apps",
    "app_installs",
    "oauth_codes",
    "refresh_tokens",
    "list_generations",
];

/// The portal's property definitions: kept when asked
/// (`keepProperties`), otherwise replaced by HubSpot's standard ones.
pub const DEFINITIONS: &[&str] = &["properties", "property_groups"];

/// Prefix of the tables that hold snapshots' rows beside each table
/// ([`snapshots`]); they and `portal_snapshots` outlive resets.
pub const SNAPSHOT_PREFIX: &str = "snapshot__";

/// Whether a reset empties `table` of the portal's rows.
pub fn reset_empties(table: &str, keep_properties: bool) -> bool {
    if table.starts_with(SNAPSHOT_PREFIX) || table == "portal_snapshots" {
        return false;
    }
    let kept = KEPT_ON_RESET.contains(&table) || (keep_properties && DEFINITIONS.contains(&table));
    !kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_keeps_access_and_optionally_definitions() {
        assert!(reset_empties("contacts", true));
        assert!(reset_empties("list_memberships", false));
        assert!(!reset_empties("access_tokens", false));
        assert!(!reset_empties("properties", true));
        assert!(reset_empties("properties", false));
        assert!(reset_empties("a_table_added_later", true));
        assert!(!reset_empties("snapshot__contacts", false));
        assert!(!reset_empties("portal_snapshots", false));
    }
}
