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
