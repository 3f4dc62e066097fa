//! The storage contract, as tests. Every backend runs the same suite:
//!
//! ```text
//! spoke_store_tests::store_suite!(|test: &'static str| async move { open_fresh_store(test) });
//! ```
//!
//! The factory gets the case's name and returns a fresh, empty store with
//! whatever must outlive it ([`Fixture`]), or `None` when the backend is
//! not available here (it then says so, loudly, and the case is skipped).

mod access;
mod basics;
mod concurrency;
mod lifecycle;
mod lists;
mod sandbox;
mod search;

pub use access::*;
pub use basics::*;
pub use concurrency::*;
pub use lifecycle::*;
pub use lists::*;
pub use sandbox::*;
pub use search::*;

use spoke_domain::access::portals::{NewPortal, NewPrivateApp};
use spoke_domain::access::secrets::digest as token_hash;
use spoke_domain::access::Scopes;
use spoke_domain::contact::{ChangeSource, ContactLookup, ContactWrite, PropertyChanges};
use spoke_domain::ids::PortalId;
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::any::Any;
use std::sync::Arc;

/// A fresh store and what must live as long as it (a temporary directory,
/// a test schema).
pub struct Fixture {
    pub store: Arc<dyn Store>,
    _keep: Box<dyn Any + Send>,
}

impl Fixture {
    pub fn new(store: Arc<dyn Store>, keep: impl Any + Send) -> Fixture {
        Fixture {
            store,
            _keep: Box::new(keep),
        }
    }
}

/// Expands to one `#[tokio::test]` per case, each calling `$make` with the
/// case's name for a fresh store.
#[macro_export]
macro_rules! store_suite {
    ($make:expr) => {
        $crate::store_suite!(@cases $make;
            default_portal_is_created_once,
            tokens_resolve_to_their_portal_only,
            contact_ids_are_monotonic_per_portal,
            batch_ids_rise_in_input_order_and_are_never_reused,
            identifying_values_are_unique_case_insensitively,
            a_refused_write_leaves_nothing_behind,
            archiving_frees_the_email_and_hides_the_contact,
            an_update_without_changes_records_nothing,
            every_write_is_recorded_with_history_and_outbox,
            portals_are_isolated,
            listing_pages_in_id_order,
            property_definitions_are_created_once_and_archived,
            a_refused_type_change_changes_nothing,
            groups_are_created_and_replaced,
            concurrent_writes_succeed_or_fail_alone,
            an_atomic_batch_reports_every_failure_and_writes_nothing,
            recent_contacts_page_newest_first_without_gaps,
            merges_are_audited_through_later_merges,
            search_sees_every_returned_write,
            search_sorts_pages_and_counts,
            search_answers_text_ranges_and_inner_wildcards,
            a_type_change_reaches_search,
            archived_contacts_are_found_by_their_values,
            gdpr_delete_forgets_and_blocks,
            concurrent_writers_never_share_a_unique_value,
            concurrent_creates_never_share_an_id,
            concurrent_updates_of_one_contact_lose_nothing,
            portals_are_created_listed_and_limited,
            a_deleted_portal_leaves_nothing_reachable,
            credentials_carry_their_kind_app_scopes_and_terms,
            oauth_codes_buy_tokens_once,
            concurrent_redemptions_of_a_code_buy_tokens_once,
            admin_tokens_and_sessions,
            rate_counts_hold_across_takers,
            dynamic_lists_follow_every_write,
            static_lists_take_members_and_merges_carry_them,
            a_new_list_is_evaluated_over_the_portal_in_steps,
            membership_pages_in_id_and_join_order,
            history_operators_see_past_values,
            in_list_filters_follow_static_membership,
            lists_are_isolated_between_portals,
            write_time_and_whole_portal_evaluation_agree,
            lists_convert_to_static_when_due_and_keep_their_history,
            a_reset_empties_a_portal_and_keeps_its_access,
            fault_rules_and_budgets_hold_across_callers,
            snapshots_restore_a_portal_exactly_and_clones_are_apart,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(fixture) = ($make)(stringify!($case)).await else {
                    return;
                };
                $crate::$case(std::sync::Arc::clone(&fixture.store)).await;
            }
        )*
    };
}

pub(crate) fn write(pairs: &[(&str, &str)]) -> ContactWrite {
    let mut changes = PropertyChanges::default();
    for (k, v) in pairs {
        changes.set(k.to_string(), (!v.is_empty()).then(|| v.to_string()));
    }
    ContactWrite {
        changes,
        source: ChangeSource::api(),
        at: Timestamp::now(),
    }
}

pub(crate) async fn default_portal(store: &Arc<dyn Store>) -> PortalId {
    store
        .ensure_default_portal(
            Some(token_hash("suite-default-token")),
            token_hash("unused"),
        )
        .await
        .unwrap()
        .portal
}

pub(crate) fn email(value: &str) -> ContactLookup {
    ContactLookup::Unique {
        property: "email".into(),
        key: value.to_lowercase(),
    }
}

/// A portal created with a private app holding every scope, reachable with
/// `token`.
pub(crate) async fn new_portal(store: &Arc<dyn Store>, name: &str, token: &str) -> PortalId {
    store
        .create_portal(NewPortal {
            name: Some(name.to_string()),
            tier: Default::default(),
            first_app: NewPrivateApp {
                name: "first".into(),
                scopes: Scopes::all(),
                token_hash: token_hash(token),
            },
        })
        .await
        .unwrap()
        .0
        .id
}

/// The portal a token reaches.
pub(crate) async fn portal_of(store: &Arc<dyn Store>, token: &str) -> Option<PortalId> {
    store
        .credential(token_hash(token))
        .await
        .unwrap()
        .map(|c| c.portal)
}
