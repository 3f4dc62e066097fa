//! Sandbox controls: a reset empties a portal of what its calls wrote and
//! keeps who may call it.

use crate::basics::custom;
use crate::search::{filter, matching};
use crate::{default_portal, email, new_portal, portal_of, write};
use serde_json::json;
use spoke_domain::access::secrets::digest;
use spoke_domain::contact::ContactLookup;
use spoke_domain::lists::service::CreateInput;
use spoke_domain::lists::Lists;
use spoke_domain::property::{FieldType, PropertyType};
use spoke_domain::store::{ListQuery, Store};
use std::sync::Arc;

pub async fn a_reset_empties_a_portal_and_keeps_its_access(store: Arc<dyn Store>) {
    let other = default_portal(&store).await;
    let neighbour = store
        .create_contact(other, write(&[("email", "neighbour@reset.io")]))
        .await
        .unwrap();
    let p = new_portal(&store, "Reset me", "token-reset").await;
    store.set_api_key(p, digest("key-reset")).await.unwrap();
    store
        .create_property(
            p,
            custom("favourite", PropertyType::String, FieldType::Text),
        )
        .await
        .unwrap();
    let a = store
        .create_contact(p, write(&[("email", "a@reset.io"), ("favourite", "tea")]))
        .await
        .unwrap();
    let b = store
        .create_contact(p, write(&[("email", "b@reset.io")]))
        .await
        .unwrap();
    store.archive_contact(p, b.id).await.unwrap();
    store.gdpr_delete(p, &email("gone@reset.io")).await.unwrap();
    let lists = Lists::new(Arc::clone(&store));
    lists
        .create(
            p,
            CreateInput {
                name: Some("Everyone".into()),
                object_type_id: Some("0-1".into()),
                processing_type: Some("DYNAMIC".into()),
                filter_branch: Some(json!({"filterBranchType": "OR", "filters": [], "filterBranches": [
                    {"filterBranchType": "AND", "filterBranches": [], "filters": [{"filterType": "CONSTANT", "shouldAccept": true}]}
                ]})),
                folder: None,
            },
        )
        .await
        .unwrap();

    assert!(store.reset_portal(p, false).await.unwrap());
    for id in [a.id, b.id] {
        assert_eq!(
            store
                .find_contact(p, &ContactLookup::Id(id), true)
                .await
                .unwrap(),
            None
        );
    }
    let listing = ListQuery {
        from: None,
        limit: 100,
        archived: false,
    };
    assert!(store.list_contacts(p, listing).await.unwrap().is_empty());
    let by_email = || vec![vec![filter("email", "EQ", Some("a@reset.io"))]];
    assert!(matching(&store, p, by_email()).await.is_empty());
    assert!(store.lists(p, None, true).await.unwrap().is_empty());
    let schema = store.property_schema(p).await.unwrap();
    assert!(schema.get("favourite").is_none(), "custom definitions go");
    assert!(schema.get("email").is_some(), "standard ones are back");
    // Who may call stays.
    assert_eq!(portal_of(&store, "token-reset").await, Some(p));
    assert_eq!(portal_of(&store, "key-reset").await, Some(p));
    // The portal works as new: emails are free again (the GDPR block is
    // gone too), ids keep rising, lists start over.
    let again = store
        .create_contact(p, write(&[("email", "a@reset.io")]))
        .await
        .unwrap();
    assert!(again.id > b.id);
    store
        .create_contact(p, write(&[("email", "gone@reset.io")]))
        .await
        .unwrap();
    assert_eq!(matching(&store, p, by_email()).await, [again.id.0]);
    // The neighbour is untouched.
    assert!(store
        .find_contact(other, &ContactLookup::Id(neighbour.id), false)
        .await
        .unwrap()
        .is_some());

    // keepProperties keeps the custom definitions.
    store
        .create_property(
            p,
            custom("favourite", PropertyType::String, FieldType::Text),
        )
        .await
        .unwrap();
    assert!(store.reset_portal(p, true).await.unwrap());
    let schema = store.property_schema(p).await.unwrap();
    assert!(schema.get("favourite").is_some());
    assert!(store.list_contacts(p, listing).await.unwrap().is_empty());
    assert!(!store
        .reset_portal(spoke_domain::ids::PortalId(987_654), false)
        .await
        .unwrap());
}

pub async fn fault_rules_and_budgets_hold_across_callers(store: Arc<dyn Store>) {
    use spoke_domain::sandbox::faults::PortalFaults;
    let p = new_portal(&store, "Faulty", "token-faulty").await;
    let other = default_portal(&store).await;
    assert!(store.faults(p).await.unwrap().is_empty());
    let faults = PortalFaults::parse(&json!({"rules": [
        {"path": "/crm/*", "status": 503, "count": 2},
        {"latencyMs": 5}
    ], "searchLagMs": 100}))
    .unwrap();
    assert!(store.set_faults(p, Some(faults.clone())).await.unwrap());
    // Read at once after the change (the cache was dropped).
    assert_eq!(*store.faults(p).await.unwrap(), faults);
    assert!(store.faults(other).await.unwrap().is_empty());
    assert_eq!(store.fault_budgets(p).await.unwrap(), [Some(2), None]);
    // Two takers at once share the budget of two.
    let (a, b) = tokio::join!(store.take_fault(p, 0), store.take_fault(p, 0));
    assert!(a.unwrap() && b.unwrap());
    assert!(!store.take_fault(p, 0).await.unwrap());
    assert!(
        !store.take_fault(p, 1).await.unwrap(),
        "no budget, nothing to take"
    );
    assert_eq!(store.fault_budgets(p).await.unwrap(), [Some(0), None]);
    // Set again: fresh budgets.
    assert!(store.set_faults(p, Some(faults.clone())).await.unwrap());
    assert_eq!(store.fault_budgets(p).await.unwrap(), [Some(2), None]);
    // Cleared, and a reset clears them too.
    assert!(store.set_faults(p, None).await.unwrap());
    assert!(store.faults(p).await.unwrap().is_empty());
    assert!(store.set_faults(p, Some(faults)).await.unwrap());
    assert!(!store.faults(p).await.unwrap().is_empty());
    assert!(store.reset_portal(p, true).await.unwrap());
    assert!(store.faults(p).await.unwrap().is_empty());
    assert!(!store
        .set_faults(spoke_domain::ids::PortalId(987_654), None)
        .await
        .unwrap());
}

/// Everything the store answers about a portal's state, as text: its
/// contacts (active and archived) with every recorded change and merge
/// audit, its property definitions, its lists with their members, and its
/// folders. Two equal dumps are the same state as the API sees it.
pub async fn portal_state(store: &Arc<dyn Store>, p: spoke_domain::ids::PortalId) -> String {
    use std::collections::BTreeMap;
    use std::fmt::Write;
    let mut out = String::new();
    let mut ids = Vec::new();
    for archived in [false, true] {
        let contacts = store
            .list_contacts(
                p,
                ListQuery {
                    from: None,
                    limit: 100_000,
                    archived,
                },
            )
            .await
            .unwrap();
        for c in contacts {
            ids.push(c.id);
            writeln!(out, "contact {c:?}").unwrap();
        }
    }
    let changes: BTreeMap<_, _> = store
        .recorded_changes(p, &ids)
        .await
        .unwrap()
        .into_iter()
        .collect();
    writeln!(out, "changes {changes:?}").unwrap();
    let audits: BTreeMap<_, _> = store
        .merge_audits(p, &ids)
        .await
        .unwrap()
        .into_iter()
        .collect();
    writeln!(out, "merges {audits:?}").unwrap();
    let schema = store.property_schema(p).await.unwrap();
    let mut defs: Vec<String> = schema.all().map(|d| format!("{d:?}")).collect();
    defs.sort();
    writeln!(out, "properties {defs:?}").unwrap();
    for list in store.lists(p, None, true).await.unwrap() {
        let members = crate::lists::members(store, p, list.id).await;
        writeln!(out, "list {list:?} members {members:?}").unwrap();
    }
    writeln!(out, "folders {:?}", store.folders(p).await.unwrap()).unwrap();
    out
}

pub async fn snapshots_restore_a_portal_exactly_and_clones_are_apart(store: Arc<dyn Store>) {
    use spoke_domain::contact::ContactLookup as Lookup;
    let p = new_portal(&store, "Snapshotted", "token-snap").await;
    store
        .create_property(
            p,
            custom("favourite", PropertyType::String, FieldType::Text),
        )
        .await
        .unwrap();
    let a = store
        .create_contact(p, write(&[("email", "a@snap.io"), ("favourite", "tea")]))
        .await
        .unwrap();
    store
        .update_contact(
            p,
            a.id,
            write(&[("favourite", "coffee"), ("firstname", "Ann")]),
        )
        .await
        .unwrap();
    let b = store
        .create_contact(p, write(&[("email", "b@snap.io"), ("firstname", "Bob")]))
        .await
        .unwrap();
    store
        .merge_contacts(p, a.id, b.id, spoke_domain::time::Timestamp::now())
        .await
        .unwrap();
    let c = store
        .create_contact(p, write(&[("email", "c@snap.io")]))
        .await
        .unwrap();
    store.archive_contact(p, c.id).await.unwrap();
    store.gdpr_delete(p, &email("gone@snap.io")).await.unwrap();
    let lists = Lists::new(Arc::clone(&store));
    let everyone = lists
        .create(
            p,
            CreateInput {
                name: Some("Coffee".into()),
                object_type_id: Some("0-1".into()),
                processing_type: Some("DYNAMIC".into()),
                filter_branch: Some(json!({"filterBranchType": "OR", "filters": [], "filterBranches": [
                    {"filterBranchType": "AND", "filterBranches": [], "filters": [{"filterType": "PROPERTY", "property": "favourite",
                      "operation": {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "coffee"}}]}
                ]})),
                folder: None,
            },
        )
        .await
        .unwrap();
    let before = portal_state(&store, p).await;
    assert!(before.contains("coffee"), "{before}");

    let taken = store
        .take_snapshot(p, "clean", spoke_domain::time::Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.contacts, 2, "a, and archived c; b merged away");
    let again = store
        .take_snapshot(p, "clean", spoke_domain::time::Timestamp::now())
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");

    // Everything changes, then the snapshot comes back.
    let later = store
        .create_contact(
            p,
            write(&[("email", "later@snap.io"), ("favourite", "coffee")]),
        )
        .await
        .unwrap();
    store
        .update_contact(p, a.id, write(&[("favourite", "tea")]))
        .await
        .unwrap();
    store
        .archive_property(p, "favourite", spoke_domain::time::Timestamp::now())
        .await
        .unwrap();
    store.reset_portal(p, false).await.unwrap();
    assert_ne!(portal_state(&store, p).await, before);
    let restored = store.restore_snapshot(p, "clean").await.unwrap().unwrap();
    assert_eq!(restored, taken);
    assert_eq!(portal_state(&store, p).await, before);
    // Ids from before are the same contacts; the merged id still resolves.
    let found = store
        .find_contact(p, &Lookup::Id(b.id), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, a.id);
    // The email blocked by the GDPR delete is blocked again.
    assert!(store
        .create_contact(p, write(&[("email", "gone@snap.io")]))
        .await
        .is_err());
    // Search and live lists follow the restored state.
    let by_email = vec![vec![filter("email", "EQ", Some("a@snap.io"))]];
    assert_eq!(matching(&store, p, by_email).await, [a.id.0]);
    let fresh = store
        .create_contact(
            p,
            write(&[("email", "fresh@snap.io"), ("favourite", "coffee")]),
        )
        .await
        .unwrap();
    assert!(fresh.id > later.id, "ids are never issued twice");
    let members = crate::lists::members(&store, p, everyone.id).await;
    assert_eq!(members, [a.id.0, fresh.id.0]);

    // Listed, deleted.
    let names: Vec<String> = store
        .snapshots(p)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["clean"]);

    // A clone with data holds the same state and lives apart.
    let twin = new_portal(&store, "Twin", "token-twin").await;
    store.copy_portal(p, twin, true).await.unwrap();
    assert_eq!(
        portal_state(&store, twin).await,
        portal_state(&store, p).await
    );
    store
        .update_contact(twin, a.id, write(&[("favourite", "water")]))
        .await
        .unwrap();
    assert_eq!(
        crate::lists::members(&store, twin, everyone.id).await,
        [fresh.id.0]
    );
    assert_eq!(
        crate::lists::members(&store, p, everyone.id).await,
        [a.id.0, fresh.id.0]
    );
    // Definitions only.
    let bare = new_portal(&store, "Bare", "token-bare").await;
    store.copy_portal(p, bare, false).await.unwrap();
    assert!(store
        .property_schema(bare)
        .await
        .unwrap()
        .get("favourite")
        .is_some());
    assert!(store
        .list_contacts(
            bare,
            ListQuery {
                from: None,
                limit: 10,
                archived: false
            }
        )
        .await
        .unwrap()
        .is_empty());

    assert!(store.delete_snapshot(p, "clean").await.unwrap());
    assert!(!store.delete_snapshot(p, "clean").await.unwrap());
    assert_eq!(store.restore_snapshot(p, "clean").await.unwrap(), None);
    assert!(store.snapshots(p).await.unwrap().is_empty());
}
