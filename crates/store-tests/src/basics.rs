//! The first cases: portals, tokens, ids, writes, history, properties,
//! batches and listings.

use crate::{default_portal, email, write};
use spoke_domain::access::secrets::digest as token_hash;
use spoke_domain::contact::{ChangeKind, ContactLookup, ContactWrite};
use spoke_domain::ids::ContactId;
use spoke_domain::property::{FieldType, PropertyDefinition, PropertyGroup, PropertyType};
use spoke_domain::store::{
    ArchiveOutcome, BatchMode, ContactOp, ListQuery, OpOutcome, RecentBy, RecentQuery, Store,
};
use spoke_domain::time::Timestamp;
use spoke_domain::Error;
use std::sync::Arc;

pub async fn default_portal_is_created_once(store: Arc<dyn Store>) {
    let first = store
        .ensure_default_portal(None, token_hash("first"))
        .await
        .unwrap();
    assert!(first.created);
    let second = store
        .ensure_default_portal(None, token_hash("second"))
        .await
        .unwrap();
    assert!(!second.created);
    assert_eq!(first.portal, second.portal);
    // Only the token generated for the new portal was registered.
    assert_eq!(crate::portal_of(&store, "first").await, Some(first.portal));
    assert_eq!(crate::portal_of(&store, "second").await, None);
    // A chosen token is registered on any start.
    store
        .ensure_default_portal(Some(token_hash("chosen")), token_hash("third"))
        .await
        .unwrap();
    assert_eq!(crate::portal_of(&store, "chosen").await, Some(first.portal));
    assert_eq!(crate::portal_of(&store, "third").await, None);
    let schema = store.property_schema(first.portal).await.unwrap();
    assert!(schema.get("email").is_some() && schema.get("hs_object_id").is_some());
}

pub async fn tokens_resolve_to_their_portal_only(store: Arc<dyn Store>) {
    let a = default_portal(&store).await;
    let b = crate::new_portal(&store, "B", "token-b").await;
    assert_ne!(a, b);
    assert_eq!(
        crate::portal_of(&store, "suite-default-token").await,
        Some(a)
    );
    assert_eq!(crate::portal_of(&store, "token-b").await, Some(b));
    assert_eq!(crate::portal_of(&store, "unknown").await, None);
}

pub async fn contact_ids_are_monotonic_per_portal(store: Arc<dyn Store>) {
    let a = default_portal(&store).await;
    let b = crate::new_portal(&store, "B", "token-b").await;
    let a1 = store
        .create_contact(a, write(&[("firstname", "x")]))
        .await
        .unwrap();
    let a2 = store.create_contact(a, write(&[])).await.unwrap();
    let b1 = store.create_contact(b, write(&[])).await.unwrap();
    assert_eq!(
        (a1.id, a2.id, b1.id),
        (ContactId(1), ContactId(2), ContactId(1))
    );
}

/// A batch's creations take rising ids in input order; an input that fails
/// (per-input mode) or a batch that fails whole never hands its id to a
/// later contact of a different write, and creation times never decrease.
pub async fn batch_ids_rise_in_input_order_and_are_never_reused(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let creates = |emails: &[&str]| -> Vec<ContactOp> {
        emails
            .iter()
            .map(|e| ContactOp::Create(write(&[("email", e)])))
            .collect()
    };
    let first = store
        .apply(p, creates(&["a@x.io", "b@x.io"]), BatchMode::PerInput)
        .await
        .unwrap();
    // "a@x.io" is taken: the middle input fails alone.
    let second = store
        .apply(
            p,
            creates(&["c@x.io", "a@x.io", "d@x.io"]),
            BatchMode::PerInput,
        )
        .await
        .unwrap();
    // A batch refused whole writes nothing.
    let refused = store
        .apply(p, creates(&["e@x.io", "b@x.io"]), BatchMode::AllOrNothing)
        .await;
    assert!(matches!(refused, Err(Error::ContactExists { .. })));
    let last = store.create_contact(p, write(&[])).await.unwrap();

    let id = |r: &spoke_domain::Result<OpOutcome>| r.as_ref().unwrap().contact().id.0;
    let ids: Vec<i64> = first.iter().map(id).collect();
    assert_eq!(ids, vec![1, 2]);
    assert!(matches!(second[1], Err(Error::ContactExists { .. })));
    let (c, d) = (id(&second[0]), id(&second[2]));
    assert!(2 < c && c < d, "ids {c}, {d} after 2");
    assert!(last.id.0 > d, "id {} after {d}", last.id.0);
    let query = ListQuery {
        from: None,
        limit: 100,
        archived: false,
    };
    let listed = store.list_contacts(p, query).await.unwrap();
    let listed_ids: Vec<i64> = listed.iter().map(|c| c.id.0).collect();
    assert_eq!(listed_ids, vec![1, 2, c, d, last.id.0]);
    assert!(listed
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));
}

pub async fn identifying_values_are_unique_case_insensitively(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let first = store
        .create_contact(p, write(&[("email", "a@example.com")]))
        .await
        .unwrap();
    let err = store
        .create_contact(p, write(&[("email", "A@Example.com")]))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::ContactExists {
            existing_id: first.id
        }
    );
    let found = store
        .find_contact(p, &email("A@EXAMPLE.COM"), false)
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.id), Some(first.id));
}

pub async fn a_refused_write_leaves_nothing_behind(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    store
        .create_contact(p, write(&[("email", "a@example.com")]))
        .await
        .unwrap();
    let b = store
        .create_contact(p, write(&[("email", "b@example.com")]))
        .await
        .unwrap();
    let before = store.outbox_after(p, 0, 100).await.unwrap().len();
    let err = store
        .update_contact(
            p,
            b.id,
            write(&[("firstname", "Bee"), ("email", "a@example.com")]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ContactExists { .. }));
    let after = store
        .find_contact(p, &ContactLookup::Id(b.id), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.properties, b.properties,
        "nothing of the refused write was kept"
    );
    assert_eq!(store.outbox_after(p, 0, 100).await.unwrap().len(), before);
    // The failed create did not consume an id either.
    let next = store.create_contact(p, write(&[])).await.unwrap();
    assert_eq!(next.id, ContactId(3));
}

pub async fn archiving_frees_the_email_and_hides_the_contact(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let c = store
        .create_contact(p, write(&[("email", "a@example.com")]))
        .await
        .unwrap();
    assert_eq!(
        store.archive_contact(p, c.id).await.unwrap(),
        ArchiveOutcome::Archived
    );
    assert_eq!(
        store.archive_contact(p, c.id).await.unwrap(),
        ArchiveOutcome::AlreadyArchived
    );
    assert_eq!(
        store.archive_contact(p, ContactId(99)).await.unwrap(),
        ArchiveOutcome::NotFound
    );
    assert!(store
        .find_contact(p, &ContactLookup::Id(c.id), false)
        .await
        .unwrap()
        .is_none());
    let archived = store
        .find_contact(p, &ContactLookup::Id(c.id), true)
        .await
        .unwrap()
        .unwrap();
    assert!(archived.archived());
    let by_email = store
        .find_contact(p, &email("a@example.com"), true)
        .await
        .unwrap();
    assert_eq!(by_email.map(|c| c.id), Some(c.id));
    let again = store
        .create_contact(p, write(&[("email", "a@example.com")]))
        .await
        .unwrap();
    assert_ne!(again.id, c.id);
}

pub async fn an_update_without_changes_records_nothing(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let c = store
        .create_contact(p, write(&[("firstname", "Ann")]))
        .await
        .unwrap();
    let same = store
        .update_contact(p, c.id, write(&[("firstname", "Ann"), ("lastname", "")]))
        .await
        .unwrap();
    assert_eq!(same.updated_at, c.updated_at);
    let changes = store.recorded_changes(p, &[c.id]).await.unwrap();
    assert_eq!(changes[&c.id].len(), 1);
}

pub async fn every_write_is_recorded_with_history_and_outbox(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let c = store
        .create_contact(
            p,
            write(&[("firstname", "Ann"), ("email", "a@example.com")]),
        )
        .await
        .unwrap();
    store
        .update_contact(p, c.id, write(&[("firstname", ""), ("lastname", "Lee")]))
        .await
        .unwrap();
    store.archive_contact(p, c.id).await.unwrap();
    let changes = &store.recorded_changes(p, &[c.id]).await.unwrap()[&c.id];
    let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Created,
            ChangeKind::PropertiesChanged,
            ChangeKind::Archived
        ]
    );
    assert_eq!(
        changes[1].values.get("firstname").map(String::as_str),
        Some("")
    );
    assert_eq!(
        changes[1].values.get("lastname").map(String::as_str),
        Some("Lee")
    );
    let events = store.outbox_after(p, 0, 100).await.unwrap();
    let kinds: Vec<ChangeKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Created,
            ChangeKind::PropertiesChanged,
            ChangeKind::Archived
        ]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(
        events[0].values.get("email").map(String::as_str),
        Some("a@example.com")
    );
    assert_eq!(
        store
            .outbox_after(p, events[1].id, 100)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn portals_are_isolated(store: Arc<dyn Store>) {
    let a = default_portal(&store).await;
    let b = crate::new_portal(&store, "B", "token-b").await;
    let c = store
        .create_contact(a, write(&[("email", "a@example.com")]))
        .await
        .unwrap();
    assert!(store
        .find_contact(b, &ContactLookup::Id(c.id), false)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .find_contact(b, &email("a@example.com"), false)
        .await
        .unwrap()
        .is_none());
    let query = ListQuery {
        from: None,
        limit: 10,
        archived: false,
    };
    assert!(store.list_contacts(b, query).await.unwrap().is_empty());
    assert_eq!(
        store.archive_contact(b, c.id).await.unwrap(),
        ArchiveOutcome::NotFound
    );
    assert!(store.recorded_changes(b, &[c.id]).await.unwrap()[&c.id].is_empty());
    // The same email may exist once per portal.
    store
        .create_contact(b, write(&[("email", "a@example.com")]))
        .await
        .unwrap();
}

pub async fn listing_pages_in_id_order(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    for _ in 0..5 {
        store.create_contact(p, write(&[])).await.unwrap();
    }
    store.archive_contact(p, ContactId(2)).await.unwrap();
    let page = |from, archived| ListQuery {
        from: Some(ContactId(from)),
        limit: 2,
        archived,
    };
    let ids =
        |v: Vec<spoke_domain::contact::Contact>| v.into_iter().map(|c| c.id.0).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_contacts(p, page(1, false)).await.unwrap()),
        [1, 3]
    );
    assert_eq!(
        ids(store.list_contacts(p, page(4, false)).await.unwrap()),
        [4, 5]
    );
    assert_eq!(
        ids(store.list_contacts(p, page(1, true)).await.unwrap()),
        [2]
    );
}

pub(crate) fn custom(name: &str, ty: PropertyType, field: FieldType) -> PropertyDefinition {
    PropertyDefinition::new(name, name, ty, field)
}

pub async fn property_definitions_are_created_once_and_archived(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let def = custom("shoe", PropertyType::Number, FieldType::Number);
    store.create_property(p, def.clone()).await.unwrap();
    let again = store.create_property(p, def).await.unwrap_err();
    assert!(matches!(again, Error::AlreadyExists(_)), "{again:?}");
    assert!(store
        .property_schema(p)
        .await
        .unwrap()
        .get("shoe")
        .is_some());
    let c = store
        .create_contact(p, write(&[("shoe", "42")]))
        .await
        .unwrap();
    store
        .archive_property(p, "shoe", Timestamp::now())
        .await
        .unwrap();
    let schema = store.property_schema(p).await.unwrap();
    assert!(schema.get("shoe").is_none());
    assert!(schema.get_including_archived("shoe").unwrap().archived);
    let kept = store
        .find_contact(p, &ContactLookup::Id(c.id), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.properties.get("shoe").map(String::as_str), Some("42"));
}

pub async fn a_refused_type_change_changes_nothing(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    store
        .create_property(p, custom("level", PropertyType::String, FieldType::Text))
        .await
        .unwrap();
    let ok = store
        .create_contact(p, write(&[("level", "7.50")]))
        .await
        .unwrap();
    let bad = store
        .create_contact(p, write(&[("level", "high")]))
        .await
        .unwrap();
    let number = custom("level", PropertyType::Number, FieldType::Number);
    let err = store
        .replace_property(p, number.clone(), true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    let schema = store.property_schema(p).await.unwrap();
    assert_eq!(
        schema.get("level").unwrap().property_type,
        PropertyType::String
    );
    let kept = store
        .find_contact(p, &ContactLookup::Id(ok.id), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.properties["level"], "7.50");
    // Without the offending value the change goes through, re-encoded.
    store
        .update_contact(p, bad.id, write(&[("level", "")]))
        .await
        .unwrap();
    store.replace_property(p, number, true).await.unwrap();
    let now = store
        .find_contact(p, &ContactLookup::Id(ok.id), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.properties["level"], "7.5");
}

pub async fn groups_are_created_and_replaced(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let group = PropertyGroup {
        name: "billing".into(),
        label: "Billing".into(),
        display_order: 1,
        hubspot_defined: false,
        archived: false,
    };
    store.create_group(p, group.clone()).await.unwrap();
    assert!(matches!(
        store.create_group(p, group.clone()).await,
        Err(Error::AlreadyExists(_))
    ));
    let archived = PropertyGroup {
        archived: true,
        ..group
    };
    store.replace_group(p, archived).await.unwrap();
    let groups = store.property_groups(p).await.unwrap();
    assert!(groups.iter().any(|g| g.name == "billing" && g.archived));
    let missing = PropertyGroup {
        name: "nowhere".into(),
        label: "x".into(),
        display_order: 0,
        hubspot_defined: false,
        archived: false,
    };
    assert!(matches!(
        store.replace_group(p, missing).await,
        Err(Error::NotFound(_))
    ));
}

/// Writes running at the same time (which a backend may commit together)
/// each succeed or fail alone.
pub async fn concurrent_writes_succeed_or_fail_alone(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = Arc::clone(&store);
        // Every email is wanted by two writers; one of each pair must lose.
        let email = format!("c{}@example.com", i / 2);
        tasks.push(tokio::spawn(async move {
            store
                .create_contact(p, write(&[("email", &email), ("firstname", "x")]))
                .await
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(Error::ContactExists { .. }) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, refused), (20, 20));
    let query = ListQuery {
        from: None,
        limit: 100,
        archived: false,
    };
    let listed = store.list_contacts(p, query).await.unwrap();
    assert_eq!(listed.len(), 20);
    let events = store.outbox_after(p, 0, 1000).await.unwrap();
    assert_eq!(events.len(), 20, "refused writes left no event");
}

pub(crate) fn write_at(pairs: &[(&str, &str)], millis: i64) -> ContactWrite {
    ContactWrite {
        at: Timestamp::from_millis(millis).unwrap(),
        ..write(pairs)
    }
}

/// The legacy batch's mode: every input is tried and reported; one
/// failure means nothing at all is written.
pub async fn an_atomic_batch_reports_every_failure_and_writes_nothing(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let taken = store
        .create_contact(p, write(&[("email", "taken@x.io")]))
        .await
        .unwrap();
    let ops = vec![
        ContactOp::Create(write(&[("email", "new@x.io")])),
        ContactOp::Create(write(&[("email", "taken@x.io")])),
        ContactOp::Update {
            lookup: ContactLookup::Id(ContactId(999)),
            write: write(&[("firstname", "x")]),
        },
        ContactOp::Update {
            lookup: ContactLookup::Id(taken.id),
            write: write(&[("firstname", "changed")]),
        },
    ];
    let outcomes = store.apply(p, ops, BatchMode::Atomic).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    assert!(outcomes[0].is_ok() && outcomes[3].is_ok());
    assert!(
        matches!(outcomes[1], Err(Error::ContactExists { existing_id }) if existing_id == taken.id)
    );
    assert!(matches!(outcomes[2], Err(Error::NotFound(_))));
    // Nothing of it stands: no new contact, no change, no event.
    assert!(store
        .find_contact(p, &email("new@x.io"), false)
        .await
        .unwrap()
        .is_none());
    let reread = store
        .find_contact(p, &ContactLookup::Id(taken.id), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reread.properties.get("firstname"), None);
    assert_eq!(store.outbox_after(p, 0, 100).await.unwrap().len(), 1);
    // And the recent listing (the index) has only the first contact.
    let recent = store
        .recent_contacts(
            p,
            RecentQuery {
                by: RecentBy::Created,
                before: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(recent, vec![taken.id]);

    // Without a failure, all is written.
    let ops = vec![
        ContactOp::Create(write(&[("email", "new@x.io")])),
        ContactOp::Update {
            lookup: ContactLookup::Id(taken.id),
            write: write(&[("firstname", "changed")]),
        },
    ];
    let outcomes = store.apply(p, ops, BatchMode::Atomic).await.unwrap();
    assert!(outcomes.iter().all(Result::is_ok));
    assert!(store
        .find_contact(p, &email("new@x.io"), false)
        .await
        .unwrap()
        .is_some());
}

/// Recent listings: newest first by the chosen time, highest id first at
/// equal times, and a page starting after the last one's (time, id) misses
/// nothing and repeats nothing.
pub async fn recent_contacts_page_newest_first_without_gaps(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let base = 1_700_000_000_000;
    let mut ids = Vec::new();
    // Three contacts share each creation time.
    for i in 0..9 {
        let c = store
            .create_contact(p, write_at(&[("firstname", "x")], base + (i / 3) * 1000))
            .await
            .unwrap();
        ids.push(c.id);
    }
    // Modify them in an order unlike creation's: 8, 5, 2, ... get later times.
    for (n, i) in [0usize, 3, 6, 1, 4, 7, 2, 5, 8].iter().enumerate() {
        store
            .update_contact(
                p,
                ids[*i],
                write_at(
                    &[("lastname", &format!("v{n}"))],
                    base + 10_000 + n as i64 * 10,
                ),
            )
            .await
            .unwrap();
    }
    let walk = |by: RecentBy, limit: usize| {
        let store = Arc::clone(&store);
        async move {
            let mut seen = Vec::new();
            let mut before = None;
            loop {
                let page = store
                    .recent_contacts(p, RecentQuery { by, before, limit })
                    .await
                    .unwrap();
                let Some(last) = page.last() else { break };
                let contact = store
                    .find_contact(p, &ContactLookup::Id(*last), false)
                    .await
                    .unwrap()
                    .unwrap();
                let at = match by {
                    RecentBy::Created => contact.created_at,
                    RecentBy::Modified => contact.updated_at,
                };
                before = Some((at, *last));
                seen.extend(page);
                assert!(seen.len() <= 9, "a walk repeats contacts: {seen:?}");
            }
            seen
        }
    };
    let by_creation: Vec<ContactId> = ids.iter().rev().copied().collect();
    let by_modification: Vec<ContactId> = [8usize, 5, 2, 7, 4, 1, 6, 3, 0]
        .iter()
        .map(|i| ids[*i])
        .collect();
    for limit in [1, 2, 4, 100] {
        assert_eq!(
            walk(RecentBy::Created, limit).await,
            by_creation,
            "limit {limit}"
        );
        assert_eq!(
            walk(RecentBy::Modified, limit).await,
            by_modification,
            "limit {limit}"
        );
    }
    // An archived contact leaves the listings.
    store.archive_contact(p, ids[8]).await.unwrap();
    let first = store
        .recent_contacts(
            p,
            RecentQuery {
                by: RecentBy::Modified,
                before: None,
                limit: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(first, vec![ids[5]]);
}

/// A merge is audited on the surviving contact; when that contact is
/// merged in turn, the new survivor carries both audits.
pub async fn merges_are_audited_through_later_merges(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let c = store
            .create_contact(p, write(&[("firstname", name)]))
            .await
            .unwrap();
        ids.push(c.id);
    }
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    store
        .merge_contacts(p, b, a, Timestamp::from_millis(1_000).unwrap())
        .await
        .unwrap();
    store
        .merge_contacts(p, c, b, Timestamp::from_millis(2_000).unwrap())
        .await
        .unwrap();
    let audits = store.merge_audits(p, &[a, b, c]).await.unwrap();
    assert!(audits[&a].is_empty() && audits[&b].is_empty());
    let on_c: Vec<(ContactId, ContactId, i64)> = audits[&c]
        .iter()
        .map(|m| (m.merged, m.into, m.at.millis()))
        .collect();
    assert_eq!(on_c, vec![(a, b, 1_000), (b, c, 2_000)]);
    // Another portal sees none of it.
    let other = crate::new_portal(&store, "Other", "other-token").await;
    assert!(store.merge_audits(other, &[c]).await.unwrap()[&c].is_empty());
    // A GDPR delete of the survivor forgets the merges too.
    store.gdpr_delete(p, &ContactLookup::Id(c)).await.unwrap();
    assert!(store.merge_audits(p, &[c]).await.unwrap()[&c].is_empty());
}
