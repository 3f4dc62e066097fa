//! Archived contacts found by their values, and GDPR deletes that leave no
//! trace and block unknown addresses.

use crate::{default_portal, email, write};
use spoke_domain::contact::{ChangeKind, ContactLookup};
use spoke_domain::error::ProblemCode;
use spoke_domain::ids::ContactId;
use spoke_domain::store::{GdprOutcome, Store};
use spoke_domain::time::Timestamp;
use spoke_domain::Error;
use std::sync::Arc;

pub async fn archived_contacts_are_found_by_their_values(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let first = store
        .create_contact(p, write(&[("email", "a@x.io"), ("firstname", "First")]))
        .await
        .unwrap();
    let other = store
        .create_contact(p, write(&[("email", "other@x.io")]))
        .await
        .unwrap();
    // The first takes the other's address as an additional email.
    store
        .merge_contacts(p, first.id, other.id, Timestamp::now())
        .await
        .unwrap();
    store.archive_contact(p, first.id).await.unwrap();
    for address in ["A@x.io", "other@x.io"] {
        let found = store.find_contact(p, &email(address), true).await.unwrap();
        assert_eq!(found.map(|c| c.id), Some(first.id), "{address}");
        assert!(store
            .find_contact(p, &email(address), false)
            .await
            .unwrap()
            .is_none());
    }
    // A new contact may take the address; each lookup finds its own.
    let second = store
        .create_contact(p, write(&[("email", "a@x.io")]))
        .await
        .unwrap();
    let active = store
        .find_contact(p, &email("a@x.io"), false)
        .await
        .unwrap();
    assert_eq!(active.map(|c| c.id), Some(second.id));
    let archived = store.find_contact(p, &email("a@x.io"), true).await.unwrap();
    assert_eq!(archived.map(|c| c.id), Some(first.id));
    // Two archived holders: the most recently created is found.
    store.archive_contact(p, second.id).await.unwrap();
    let archived = store.find_contact(p, &email("a@x.io"), true).await.unwrap();
    assert_eq!(archived.map(|c| c.id), Some(second.id));
    assert!(store
        .find_contact(p, &email("nobody@x.io"), true)
        .await
        .unwrap()
        .is_none());
}

pub async fn gdpr_delete_forgets_and_blocks(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let kept = store
        .create_contact(p, write(&[("email", "kept@x.io")]))
        .await
        .unwrap();
    let c = store
        .create_contact(p, write(&[("email", "c@x.io"), ("firstname", "Cee")]))
        .await
        .unwrap();
    let d = store
        .create_contact(p, write(&[("email", "d@x.io")]))
        .await
        .unwrap();
    store
        .merge_contacts(p, c.id, d.id, Timestamp::now())
        .await
        .unwrap();
    store
        .update_contact(p, c.id, write(&[("lastname", "Gone")]))
        .await
        .unwrap();
    // Found by the merged-away contact's address.
    let outcome = store.gdpr_delete(p, &email("d@x.io")).await.unwrap();
    assert_eq!(outcome, GdprOutcome::Deleted(c.id));
    for id in [c.id, d.id] {
        for archived in [false, true] {
            let found = store
                .find_contact(p, &ContactLookup::Id(id), archived)
                .await
                .unwrap();
            assert!(found.is_none(), "{id} archived={archived}");
        }
        assert!(store.recorded_changes(p, &[id]).await.unwrap()[&id].is_empty());
        assert!(store.merge_audits(p, &[id]).await.unwrap()[&id].is_empty());
    }
    let events = store.outbox_after(p, 0, 100).await.unwrap();
    let of_gone: Vec<_> = events
        .iter()
        .filter(|e| e.contact == c.id || e.contact == d.id)
        .collect();
    assert_eq!(of_gone.len(), 1, "only the deletion remains: {of_gone:?}");
    assert_eq!(of_gone[0].kind, ChangeKind::PrivacyDeleted);
    assert!(of_gone[0].values.is_empty());
    // Both addresses are free again; the untouched contact is untouched.
    store
        .create_contact(p, write(&[("email", "c@x.io")]))
        .await
        .unwrap();
    store
        .create_contact(p, write(&[("email", "d@x.io")]))
        .await
        .unwrap();
    assert!(store
        .find_contact(p, &ContactLookup::Id(kept.id), false)
        .await
        .unwrap()
        .is_some());

    // An address no contact has is blocked, and stays blocked.
    for _ in 0..2 {
        assert_eq!(
            store.gdpr_delete(p, &email("Nobody@x.io")).await.unwrap(),
            GdprOutcome::EmailBlocked
        );
    }
    let err = store
        .create_contact(p, write(&[("email", "nobody@X.io")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidPropertyValues(p) if p[0].code == ProblemCode::BlockedEmail),
        "{err:?}"
    );
    let err = store
        .update_contact(p, kept.id, write(&[("email", "nobody@x.io")]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPropertyValues(_)), "{err:?}");
    // An archived contact is found by its address and deleted.
    let archived = store
        .create_contact(p, write(&[("email", "old@x.io")]))
        .await
        .unwrap();
    store.archive_contact(p, archived.id).await.unwrap();
    assert_eq!(
        store.gdpr_delete(p, &email("old@x.io")).await.unwrap(),
        GdprOutcome::Deleted(archived.id)
    );
    assert!(store
        .find_contact(p, &ContactLookup::Id(archived.id), true)
        .await
        .unwrap()
        .is_none());
    let missing = store
        .gdpr_delete(p, &ContactLookup::Id(ContactId(9_999)))
        .await;
    assert!(matches!(missing, Err(Error::NotFound(_))));
}
