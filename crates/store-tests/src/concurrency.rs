//! Writers at the same time, through one store or (on PostgreSQL) several
//! nodes: every rule holds as if they had taken turns.

use crate::basics::custom;
use crate::{default_portal, write};
use spoke_domain::contact::ContactLookup;
use spoke_domain::ids::ContactId;
use spoke_domain::property::{FieldType, PropertyType};
use spoke_domain::store::{BatchMode, ContactOp, ListQuery, Store};
use spoke_domain::Error;
use std::collections::BTreeSet;
use std::sync::Arc;

pub async fn concurrent_writers_never_share_a_unique_value(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let mut code = custom("code", PropertyType::String, FieldType::Text);
    code.has_unique_value = true;
    store.create_property(p, code).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..30 {
        let store = Arc::clone(&store);
        // Three writers want each code, and two each address.
        let (code, address) = (format!("K{}", i / 3), format!("e{}@x.io", i / 2));
        tasks.push(tokio::spawn(async move {
            let result = if i % 2 == 0 {
                store.create_contact(p, write(&[("code", &code)])).await
            } else {
                store.create_contact(p, write(&[("email", &address)])).await
            };
            (i, code, address, result)
        }));
    }
    let mut winners = 0;
    for task in tasks {
        let (i, code, address, result) = task.await.unwrap();
        let (property, key) = if i % 2 == 0 {
            ("code", code.to_lowercase())
        } else {
            ("email", address)
        };
        let holder = store
            .find_contact(
                p,
                &ContactLookup::Unique {
                    property: property.into(),
                    key: key.clone(),
                },
                false,
            )
            .await
            .unwrap()
            .expect("someone holds it");
        match result {
            Ok(contact) => {
                assert_eq!(contact.id, holder.id, "{property} {key}");
                winners += 1;
            }
            Err(
                Error::UniqueValueTaken { existing_id, .. } | Error::ContactExists { existing_id },
            ) => {
                assert_eq!(existing_id, holder.id, "the loser is told the winner's id");
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    // Codes K0..K9 (15 creates among them) and 8 addresses (15 creates
    // wanting them): one winner each.
    let codes: BTreeSet<usize> = (0..30).filter(|i| i % 2 == 0).map(|i| i / 3).collect();
    let addresses: BTreeSet<usize> = (0..30).filter(|i| i % 2 == 1).map(|i| i / 2).collect();
    assert_eq!(winners, codes.len() + addresses.len());
}

pub async fn concurrent_creates_never_share_an_id(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let mut tasks = Vec::new();
    for t in 0..6 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for b in 0..8 {
                let ops = (0..20)
                    .map(|i| ContactOp::Create(write(&[("email", &format!("t{t}b{b}i{i}@x.io"))])))
                    .collect();
                let outcomes = store.apply(p, ops, BatchMode::AllOrNothing).await.unwrap();
                let batch: Vec<i64> = outcomes
                    .into_iter()
                    .map(|o| o.unwrap().contact().id.0)
                    .collect();
                assert!(
                    batch.windows(2).all(|w| w[0] < w[1]),
                    "rising within a batch: {batch:?}"
                );
                ids.extend(batch);
            }
            ids
        }));
    }
    let mut all = BTreeSet::new();
    for task in tasks {
        for id in task.await.unwrap() {
            assert!(all.insert(id), "id {id} handed out twice");
        }
    }
    assert_eq!(all.len(), 6 * 8 * 20);
    let listed = store
        .list_contacts(
            p,
            ListQuery {
                from: None,
                limit: 2_000,
                archived: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), all.len());
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at),
        "id order is creation order"
    );
}

pub async fn concurrent_updates_of_one_contact_lose_nothing(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let c = store.create_contact(p, write(&[])).await.unwrap();
    let names = [
        "firstname",
        "lastname",
        "city",
        "company",
        "jobtitle",
        "phone",
        "state",
        "zip",
        "country",
        "website",
        "address",
        "mobilephone",
    ];
    let mut tasks = Vec::new();
    for name in names {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .update_contact(p, c.id, write(&[(name, &format!("{name}-value"))]))
                .await
                .map(drop)
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let after = store
        .find_contact(p, &ContactLookup::Id(c.id), false)
        .await
        .unwrap()
        .unwrap();
    for name in names {
        assert_eq!(
            after.properties.get(name).map(String::as_str),
            Some(format!("{name}-value").as_str()),
            "{name}"
        );
    }
    let changes = store.recorded_changes(p, &[c.id]).await.unwrap();
    assert_eq!(changes[&ContactId(c.id.0)].len(), 1 + names.len());
}
