//! Lists: memberships that follow every write, static lists, evaluation of
//! a new list over the portal in steps, paging, and one meaning for a
//! filter whether a write or a whole-portal evaluation applies it.

use crate::basics::custom;
use crate::{default_portal, email, new_portal, write};
use serde_json::{json, Value};
use spoke_domain::contact::ContactLookup;
use spoke_domain::ids::{ContactId, ListId, PortalId};
use spoke_domain::lists::service::CreateInput;
use spoke_domain::lists::{
    ContactList, Lists, MemberCursor, MemberOrder, MemberPage, NewList, ProcessingStatus,
    ProcessingType,
};
use spoke_domain::property::{FieldType, PropertyOption, PropertyType};
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::collections::BTreeSet;
use std::sync::Arc;

/// One AND branch of PROPERTY filters under an OR root.
pub fn tree(filters: Vec<Value>) -> Value {
    json!({
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [{"filterBranchType": "AND", "filters": filters, "filterBranches": []}],
    })
}

pub fn property(name: &str, operation: Value) -> Value {
    json!({"filterType": "PROPERTY", "property": name, "operation": operation})
}

async fn dynamic(lists: &Lists, p: PortalId, name: &str, filters: Value) -> ContactList {
    lists
        .create(
            p,
            CreateInput {
                name: Some(name.into()),
                object_type_id: Some("0-1".into()),
                processing_type: Some("DYNAMIC".into()),
                filter_branch: Some(filters),
                folder: None,
            },
        )
        .await
        .unwrap()
}

async fn manual(lists: &Lists, p: PortalId, name: &str) -> ContactList {
    lists
        .create(
            p,
            CreateInput {
                name: Some(name.into()),
                object_type_id: Some("0-1".into()),
                processing_type: Some("MANUAL".into()),
                ..CreateInput::default()
            },
        )
        .await
        .unwrap()
}

/// Every member of a list, by id, read page by page.
pub async fn members(store: &Arc<dyn Store>, p: PortalId, list: ListId) -> Vec<i64> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_members(
                p,
                list,
                MemberPage {
                    order: MemberOrder::RecordId,
                    after,
                    before: None,
                    limit: 7,
                },
            )
            .await
            .unwrap();
        out.extend(page.iter().map(|m| m.contact.0));
        match page.last() {
            Some(last) if page.len() == 7 => {
                after = Some(MemberCursor {
                    added_at: last.added_at.millis(),
                    contact: last.contact,
                })
            }
            _ => return out,
        }
    }
}

async fn size(store: &Arc<dyn Store>, p: PortalId, list: ListId) -> i64 {
    store.lists(p, Some(&[list]), false).await.unwrap()[0].size
}

pub async fn dynamic_lists_follow_every_write(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let lists = Lists::new(Arc::clone(&store));
    let leads = dynamic(
        &lists,
        p,
        "Leads",
        tree(vec![property(
            "lifecyclestage",
            json!({"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]}),
        )]),
    )
    .await;
    assert_eq!(leads.processing_status, ProcessingStatus::Complete);
    let a = store
        .create_contact(p, write(&[("email", "a@x.io"), ("lifecyclestage", "lead")]))
        .await
        .unwrap();
    let b = store
        .create_contact(
            p,
            write(&[("email", "b@x.io"), ("lifecyclestage", "customer")]),
        )
        .await
        .unwrap();
    let c = store
        .create_contact(p, write(&[("email", "c@x.io"), ("lifecyclestage", "lead")]))
        .await
        .unwrap();
    assert_eq!(members(&store, p, leads.id).await, [a.id.0, c.id.0]);
    // b joins, a leaves.
    store
        .update_contact(p, b.id, write(&[("lifecyclestage", "lead")]))
        .await
        .unwrap();
    store
        .update_contact(p, a.id, write(&[("lifecyclestage", "")]))
        .await
        .unwrap();
    assert_eq!(members(&store, p, leads.id).await, [b.id.0, c.id.0]);
    // Archived and merged-away contacts leave; GDPR-deleted ones too.
    store.archive_contact(p, b.id).await.unwrap();
    assert_eq!(members(&store, p, leads.id).await, [c.id.0]);
    let d = store
        .create_contact(p, write(&[("email", "d@x.io"), ("lifecyclestage", "lead")]))
        .await
        .unwrap();
    store
        .merge_contacts(p, a.id, d.id, Timestamp::now())
        .await
        .unwrap();
    // The survivor a took d's values where it had none: a lead again.
    let merged = store
        .find_contact(p, &ContactLookup::Id(a.id), false)
        .await
        .unwrap()
        .unwrap();
    let expected: Vec<i64> = if merged.value("lifecyclestage").as_deref() == Some("lead") {
        vec![a.id.0, c.id.0]
    } else {
        vec![c.id.0]
    };
    assert_eq!(members(&store, p, leads.id).await, expected);
    store.gdpr_delete(p, &email("c@x.io")).await.unwrap();
    let left: Vec<i64> = expected.into_iter().filter(|id| *id != c.id.0).collect();
    assert_eq!(members(&store, p, leads.id).await, left);
    assert_eq!(size(&store, p, leads.id).await, left.len() as i64);
    // A contact's own view agrees.
    let of_a = store.contact_memberships(p, &[a.id]).await.unwrap();
    assert_eq!(
        of_a.iter().any(|m| m.list == leads.id),
        left.contains(&a.id.0)
    );
}

pub async fn static_lists_take_members_and_merges_carry_them(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let lists = Lists::new(Arc::clone(&store));
    let vip = manual(&lists, p, "VIP").await;
    let a = store
        .create_contact(p, write(&[("email", "a@x.io")]))
        .await
        .unwrap();
    let b = store
        .create_contact(p, write(&[("email", "b@x.io")]))
        .await
        .unwrap();
    let c = store
        .create_contact(p, write(&[("email", "c@x.io")]))
        .await
        .unwrap();
    let ids = |v: &[ContactId]| v.iter().map(|c| c.0.to_string()).collect::<Vec<_>>();
    let update = lists
        .update_members(p, vip.id, &ids(&[b.id, a.id, ContactId(999), a.id]), &[])
        .await
        .unwrap();
    assert_eq!(update.added, [a.id, b.id]);
    assert_eq!(update.missing, [ContactId(999)]);
    // Adding again adds nothing; removing one that is not a member removes
    // nothing and is not missing (it is a contact).
    let again = lists
        .update_members(p, vip.id, &ids(&[a.id]), &ids(&[c.id, b.id]))
        .await
        .unwrap();
    assert!(again.added.is_empty());
    assert_eq!(again.removed, [b.id]);
    assert!(again.missing.is_empty(), "{again:?}");
    assert_eq!(members(&store, p, vip.id).await, [a.id.0]);
    // A merge hands a's static membership to the survivor c.
    store
        .merge_contacts(p, c.id, a.id, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(members(&store, p, vip.id).await, [c.id.0]);
    assert_eq!(size(&store, p, vip.id).await, 1);
    // Archiving takes it out of every list.
    store.archive_contact(p, c.id).await.unwrap();
    assert!(members(&store, p, vip.id).await.is_empty());
    assert_eq!(size(&store, p, vip.id).await, 0);
    // DYNAMIC lists refuse membership calls.
    let dyn_list = dynamic(
        &lists,
        p,
        "Everyone",
        tree(vec![
            json!({"filterType": "CONSTANT", "shouldAccept": true}),
        ]),
    )
    .await;
    let refused = lists
        .update_members(p, dyn_list.id, &ids(&[b.id]), &[])
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("DYNAMIC"), "{refused}");
    assert_eq!(members(&store, p, dyn_list.id).await, [b.id.0]);
}

pub async fn a_new_list_is_evaluated_over_the_portal_in_steps(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let mut evens = Vec::new();
    for i in 1..=25 {
        let c = store
            .create_contact(
                p,
                write(&[
                    ("email", &format!("c{i}@x.io")),
                    ("firstname", if i % 2 == 0 { "Even" } else { "Odd" }),
                ]),
            )
            .await
            .unwrap();
        if i % 2 == 0 {
            evens.push(c.id.0);
        }
    }
    let filters = tree(vec![property(
        "firstname",
        json!({"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "even"}),
    )]);
    let list = store
        .create_list(
            p,
            NewList {
                name: "Evens".into(),
                processing_type: ProcessingType::Dynamic,
                filters: Some(filters),
                folder: 0,
                at: Timestamp::now(),
            },
        )
        .await
        .unwrap();
    assert_eq!(list.processing_status, ProcessingStatus::Processing);
    assert_eq!(
        store.lists_processing(10).await.unwrap(),
        [(p, list.id)],
        "the worker finds it"
    );
    assert!(!store.evaluate_list(p, list.id, 10).await.unwrap());
    // A write during the evaluation is evaluated at once, ahead of it.
    let late = store
        .create_contact(p, write(&[("email", "late@x.io"), ("firstname", "EVEN")]))
        .await
        .unwrap();
    assert!(!store.evaluate_list(p, list.id, 10).await.unwrap());
    assert!(store.evaluate_list(p, list.id, 10).await.unwrap());
    evens.push(late.id.0);
    assert_eq!(members(&store, p, list.id).await, evens);
    let done = &store.lists(p, Some(&[list.id]), false).await.unwrap()[0];
    assert_eq!(done.processing_status, ProcessingStatus::Complete);
    assert_eq!(done.size, evens.len() as i64);
    assert!(store.lists_processing(10).await.unwrap().is_empty());
}

pub async fn membership_pages_in_id_and_join_order(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let lists = Lists::new(Arc::clone(&store));
    let list = manual(&lists, p, "Ordered").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(
            store
                .create_contact(p, write(&[("email", &format!("m{i}@x.io"))]))
                .await
                .unwrap()
                .id,
        );
    }
    // Joined in the reverse of id order, one call each.
    for id in ids.iter().rev() {
        lists
            .update_members(p, list.id, &[id.0.to_string()], &[])
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let page = |order, after: Option<MemberCursor>, before: Option<MemberCursor>| {
        let store = Arc::clone(&store);
        async move {
            store
                .list_members(
                    p,
                    list.id,
                    MemberPage {
                        order,
                        after,
                        before,
                        limit: 4,
                    },
                )
                .await
                .unwrap()
        }
    };
    let first = page(MemberOrder::RecordId, None, None).await;
    let first_ids: Vec<ContactId> = first.iter().map(|m| m.contact).collect();
    assert_eq!(first_ids, ids[..4]);
    let cursor = |m: &spoke_domain::lists::Membership| MemberCursor {
        added_at: m.added_at.millis(),
        contact: m.contact,
    };
    let second = page(MemberOrder::RecordId, Some(cursor(&first[3])), None).await;
    assert_eq!(
        second.iter().map(|m| m.contact).collect::<Vec<_>>(),
        ids[4..]
    );
    // Backwards from `before`: descending, as HubSpot answers.
    let back = page(MemberOrder::RecordId, None, Some(cursor(&second[0]))).await;
    let descending: Vec<ContactId> = ids[..4].iter().rev().copied().collect();
    assert_eq!(
        back.iter().map(|m| m.contact).collect::<Vec<_>>(),
        descending
    );
    let joined = page(MemberOrder::JoinOrder, None, None).await;
    let reversed: Vec<ContactId> = ids.iter().rev().copied().collect();
    assert_eq!(
        joined.iter().map(|m| m.contact).collect::<Vec<_>>(),
        reversed[..4]
    );
    let rest = page(MemberOrder::JoinOrder, Some(cursor(&joined[3])), None).await;
    assert_eq!(
        rest.iter().map(|m| m.contact).collect::<Vec<_>>(),
        reversed[4..]
    );
}

pub async fn history_operators_see_past_values(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let lists = Lists::new(Arc::clone(&store));
    let was_lead = dynamic(
        &lists,
        p,
        "Was a lead",
        tree(vec![property(
            "lifecyclestage",
            json!({"operationType": "ENUMERATION", "operator": "HAS_EVER_BEEN_ANY_OF", "values": ["lead"]}),
        )]),
    )
    .await;
    let never_bob = dynamic(
        &lists,
        p,
        "Never Bob",
        tree(vec![property(
            "firstname",
            json!({"operationType": "STRING", "operator": "HAS_NEVER_BEEN_EQUAL_TO", "value": "bob"}),
        )]),
    )
    .await;
    let a = store
        .create_contact(
            p,
            write(&[
                ("email", "a@x.io"),
                ("lifecyclestage", "subscriber"),
                ("firstname", "Al"),
            ]),
        )
        .await
        .unwrap();
    assert!(members(&store, p, was_lead.id).await.is_empty());
    assert_eq!(members(&store, p, never_bob.id).await, [a.id.0]);
    store
        .update_contact(
            p,
            a.id,
            write(&[("lifecyclestage", "lead"), ("firstname", "Bob")]),
        )
        .await
        .unwrap();
    store
        .update_contact(
            p,
            a.id,
            write(&[("lifecyclestage", "customer"), ("firstname", "Al")]),
        )
        .await
        .unwrap();
    // No longer a lead nor Bob, but it was both.
    assert_eq!(members(&store, p, was_lead.id).await, [a.id.0]);
    assert!(members(&store, p, never_bob.id).await.is_empty());
    // A list made now finds the same from the history.
    let later = dynamic(
        &lists,
        p,
        "Was a lead, later",
        tree(vec![property(
            "lifecyclestage",
            json!({"operationType": "ENUMERATION", "operator": "HAS_EVER_BEEN_ANY_OF", "values": ["lead"]}),
        )]),
    )
    .await;
    assert_eq!(members(&store, p, later.id).await, [a.id.0]);
}

pub async fn in_list_filters_follow_static_membership(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let lists = Lists::new(Arc::clone(&store));
    let vip = manual(&lists, p, "VIP").await;
    let not_vip = dynamic(
        &lists,
        p,
        "Not VIP",
        tree(vec![json!({"filterType": "IN_LIST", "listId": vip.id.0.to_string(), "operator": "NOT_IN_LIST"})]),
    )
    .await;
    let a = store
        .create_contact(p, write(&[("email", "a@x.io")]))
        .await
        .unwrap();
    let b = store
        .create_contact(p, write(&[("email", "b@x.io")]))
        .await
        .unwrap();
    assert_eq!(members(&store, p, not_vip.id).await, [a.id.0, b.id.0]);
    lists
        .update_members(p, vip.id, &[a.id.0.to_string()], &[])
        .await
        .unwrap();
    assert_eq!(members(&store, p, not_vip.id).await, [b.id.0]);
    // A list cannot come to depend on itself.
    let cycle = lists
        .refilter(
            p,
            not_vip.id,
            Some(&tree(vec![
                json!({"filterType": "IN_LIST", "listId": not_vip.id.0.to_string()}),
            ])),
        )
        .await
        .unwrap_err();
    assert!(cycle.to_string().contains("itself"), "{cycle}");
    // Copying members from another list counts too (evaluated again).
    let other = manual(&lists, p, "Other").await;
    lists
        .update_members(p, other.id, &[b.id.0.to_string()], &[])
        .await
        .unwrap();
    lists.add_from(p, vip.id, other.id).await.unwrap();
    while let Some((portal, id)) = store.lists_processing(1).await.unwrap().first().copied() {
        while !store.evaluate_list(portal, id, 100).await.unwrap() {}
    }
    assert!(members(&store, p, not_vip.id).await.is_empty());
    assert_eq!(size(&store, p, vip.id).await, 2);
}

pub async fn lists_are_isolated_between_portals(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let q = new_portal(&store, "Other", "other-token").await;
    let lists = Lists::new(Arc::clone(&store));
    let mine = manual(&lists, p, "Mine").await;
    // Same name in another portal is fine; its ids are its own.
    let theirs = manual(&lists, q, "Mine").await;
    assert_eq!(theirs.id, mine.id);
    let a = store
        .create_contact(p, write(&[("email", "a@x.io")]))
        .await
        .unwrap();
    let update = lists
        .update_members(q, theirs.id, &[a.id.0.to_string()], &[])
        .await
        .unwrap();
    assert_eq!(
        update.missing,
        [a.id],
        "another portal's contact is missing"
    );
    assert!(members(&store, p, mine.id).await.is_empty());
    assert!(lists.get(q, ListId(99)).await.is_err());
    assert!(store
        .contact_memberships(q, &[a.id])
        .await
        .unwrap()
        .is_empty());
    // A name taken in the portal is refused, in any case.
    let taken = lists
        .create(
            p,
            CreateInput {
                name: Some("MINE".into()),
                object_type_id: Some("0-1".into()),
                processing_type: Some("MANUAL".into()),
                ..CreateInput::default()
            },
        )
        .await
        .unwrap_err();
    assert!(taken.to_string().contains("already exists"), "{taken}");
}

/// A tiny deterministic generator (xorshift), so the case is repeatable.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len() as u64) as usize]
    }
}

fn random_filter(dice: &mut Dice) -> Value {
    let words = ["ann", "bob", "anna", "zed", ""];
    let stages = ["lead", "customer", "subscriber"];
    let no_value = dice.next(2) == 0;
    match dice.next(7) {
        0 => property(
            "firstname",
            json!({"operationType": "STRING", "operator": dice.pick(&["IS_EQUAL_TO", "IS_NOT_EQUAL_TO", "CONTAINS", "STARTS_WITH", "ENDS_WITH", "DOES_NOT_CONTAIN", "HAS_EVER_BEEN_EQUAL_TO", "HAS_NEVER_BEEN_EQUAL_TO"]), "value": dice.pick(&words[..4]), "includeObjectsWithNoValueSet": no_value}),
        ),
        1 => property(
            "lifecyclestage",
            json!({"operationType": "ENUMERATION", "operator": dice.pick(&["IS_ANY_OF", "IS_NONE_OF", "HAS_EVER_BEEN_ANY_OF"]), "values": [dice.pick(&stages)], "includeObjectsWithNoValueSet": no_value}),
        ),
        2 => property(
            "score",
            json!({"operationType": "NUMBER", "operator": dice.pick(&["IS_GREATER_THAN", "IS_LESS_THAN_OR_EQUAL_TO", "IS_EQUAL_TO", "IS_NOT_EQUAL_TO"]), "value": dice.next(10), "includeObjectsWithNoValueSet": no_value}),
        ),
        3 => property(
            "score",
            json!({"operationType": "NUMBER_RANGED", "operator": dice.pick(&["IS_BETWEEN", "IS_NOT_BETWEEN"]), "lowerBound": dice.next(5), "upperBound": 5 + dice.next(5)}),
        ),
        4 => property(
            dice.pick(&["firstname", "score", "lifecyclestage"]),
            json!({"operationType": "ALL_PROPERTY", "operator": dice.pick(&["IS_KNOWN", "IS_UNKNOWN"])}),
        ),
        5 => property(
            "tags",
            json!({"operationType": "ENUMERATION", "operator": dice.pick(&["IS_EXACTLY", "CONTAINS_ALL", "IS_ANY_OF"]), "values": ["red"]}),
        ),
        _ => json!({"filterType": "CONSTANT", "shouldAccept": dice.next(2) == 0}),
    }
}

fn random_branch(dice: &mut Dice, depth: usize) -> Value {
    let kind = dice.pick(&["OR", "AND", "NOT_ALL", "NOT_ANY"]);
    let filters: Vec<Value> = (0..1 + dice.next(3)).map(|_| random_filter(dice)).collect();
    let branches: Vec<Value> = if depth < 2 {
        (0..dice.next(3))
            .map(|_| random_branch(dice, depth + 1))
            .collect()
    } else {
        Vec::new()
    };
    json!({"filterBranchType": kind, "filters": filters, "filterBranches": branches})
}

/// Lists made before the contacts (their members follow each write) and
/// the same lists made after (evaluated over the portal) hold the same
/// contacts: a filter has one meaning.
pub async fn write_time_and_whole_portal_evaluation_agree(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    let lists = Lists::new(Arc::clone(&store));
    store
        .create_property(p, custom("score", PropertyType::Number, FieldType::Number))
        .await
        .unwrap();
    let mut tags = custom("tags", PropertyType::Enumeration, FieldType::Checkbox);
    tags.options = ["red", "blue"]
        .iter()
        .enumerate()
        .map(|(i, v)| PropertyOption {
            label: v.to_string(),
            value: v.to_string(),
            display_order: i as i32,
            hidden: false,
            description: String::new(),
        })
        .collect();
    store.create_property(p, tags).await.unwrap();
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    // HubSpot's shape: an OR root over AND branches; anything below.
    let trees: Vec<Value> = (0..24)
        .map(|_| {
            let inner: Vec<Value> = (0..1 + dice.next(2))
                .map(|_| {
                    json!({"filterBranchType": "AND", "filters": [random_filter(&mut dice)],
                           "filterBranches": [random_branch(&mut dice, 1)]})
                })
                .collect();
            json!({"filterBranchType": "OR", "filters": [], "filterBranches": inner})
        })
        .collect();
    let mut early = Vec::new();
    for (i, t) in trees.iter().enumerate() {
        early.push(
            dynamic(&lists, p, &format!("early {i}"), t.clone())
                .await
                .id,
        );
    }
    let mut ids = Vec::new();
    let names = ["Ann", "Bob", "Anna", "Zed", ""];
    for i in 0..40 {
        let score = dice.next(12).to_string();
        let stage = ["lead", "customer", "subscriber", ""][dice.next(4) as usize];
        let tag = ["red", "blue", "red;blue", ""][dice.next(4) as usize];
        let name = names[dice.next(5) as usize];
        let email = format!("r{i}@x.io");
        let c = store
            .create_contact(
                p,
                write(&[
                    ("email", &email),
                    ("firstname", name),
                    ("score", if dice.next(5) == 0 { "" } else { &score }),
                    ("lifecyclestage", stage),
                    ("tags", tag),
                ]),
            )
            .await
            .unwrap();
        ids.push(c.id);
    }
    for id in ids.iter().step_by(3) {
        let name = names[dice.next(5) as usize];
        store
            .update_contact(
                p,
                *id,
                write(&[("firstname", name), ("lifecyclestage", "customer")]),
            )
            .await
            .unwrap();
    }
    let mut telling = 0;
    for (i, t) in trees.iter().enumerate() {
        let late = dynamic(&lists, p, &format!("late {i}"), t.clone()).await;
        assert_eq!(late.processing_status, ProcessingStatus::Complete);
        let by_writes = members(&store, p, early[i]).await;
        let by_evaluation = members(&store, p, late.id).await;
        assert_eq!(by_writes, by_evaluation, "tree {i}: {t}");
        let set: BTreeSet<i64> = by_writes.iter().copied().collect();
        assert_eq!(
            set.len() as i64,
            size(&store, p, early[i]).await,
            "size of tree {i}"
        );
        if !set.is_empty() && set.len() < ids.len() {
            telling += 1;
        }
    }
    // Trees that hold some contacts and not others are what tests meaning.
    assert!(
        telling >= 8,
        "only {telling} of the trees tell contacts apart"
    );
}

pub async fn lists_convert_to_static_when_due_and_keep_their_history(store: Arc<dyn Store>) {
    use spoke_domain::lists::conversion::{ConversionTime, InactivityUnit};
    const DAY: i64 = 86_400_000;
    let p = default_portal(&store).await;
    let lists = Lists::new(Arc::clone(&store));
    let is_lead =
        json!({"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]});
    let leads = dynamic(
        &lists,
        p,
        "Leads to freeze",
        tree(vec![property("lifecyclestage", is_lead.clone())]),
    )
    .await;
    let start = Timestamp::now();
    // An edit of the filters is part of the history.
    lists
        .refilter(
            p,
            leads.id,
            Some(&tree(vec![property("lifecyclestage", is_lead)])),
        )
        .await
        .unwrap();
    let a = store
        .create_contact(
            p,
            write(&[("email", "f1@x.io"), ("lifecyclestage", "lead")]),
        )
        .await
        .unwrap();
    let now = Timestamp::now();
    let at = |ms: i64| Timestamp::from_millis(ms).unwrap();
    // Inactive for a day, asked two days ago; but a contact joined just
    // now, so it is due a day from now, not now.
    let inactivity = ConversionTime::Inactivity {
        offset: 1,
        unit: InactivityUnit::Day,
    };
    let asked = store
        .schedule_conversion(p, leads.id, Some(inactivity), at(now.millis() - 2 * DAY))
        .await
        .unwrap();
    assert_eq!(asked.requested, Some(inactivity));
    assert_eq!(asked.converted_at, None);
    assert_eq!(store.convert_due_lists(now).await.unwrap(), 0);
    let later = at(Timestamp::now().millis() + DAY + 1_000);
    assert_eq!(store.convert_due_lists(later).await.unwrap(), 1);
    let converted = store.lists(p, Some(&[leads.id]), false).await.unwrap()[0].clone();
    assert_eq!(converted.processing_type, ProcessingType::Manual);
    assert_eq!(converted.filters, None);
    assert_eq!(converted.version, leads.version + 2);
    let done = store.conversion(p, leads.id).await.unwrap();
    assert_eq!(done.converted_at, Some(later));
    assert_eq!(done.requested, Some(inactivity));
    // Static now: writes no longer move members.
    store
        .update_contact(p, a.id, write(&[("lifecyclestage", "customer")]))
        .await
        .unwrap();
    store
        .create_contact(
            p,
            write(&[("email", "f2@x.io"), ("lifecyclestage", "lead")]),
        )
        .await
        .unwrap();
    assert_eq!(members(&store, p, leads.id).await, [a.id.0]);
    assert_eq!(store.convert_due_lists(later).await.unwrap(), 0);
    // Only DYNAMIC lists can be scheduled.
    let err = lists
        .schedule_conversion(
            p,
            leads.id,
            &json!({"conversionType": "INACTIVITY", "offset": 1, "timeUnit": "DAY"}),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only DYNAMIC lists"), "{err}");

    // A date today is due at once; cancelled, nothing happens.
    let today = dynamic(&lists, p, "Today", tree(vec![])).await;
    let (y, m, d) = {
        let date = now.date_and_time_of_day().0;
        (date.year(), u8::from(date.month()), date.day())
    };
    let by_date = json!({"conversionType": "CONVERSION_DATE", "year": y, "month": m, "day": d});
    lists
        .schedule_conversion(p, today.id, &by_date)
        .await
        .unwrap();
    lists.cancel_conversion(p, today.id).await.unwrap();
    assert_eq!(store.convert_due_lists(now).await.unwrap(), 0);
    assert_eq!(store.conversion(p, today.id).await.unwrap().requested, None);
    lists
        .schedule_conversion(p, today.id, &by_date)
        .await
        .unwrap();
    assert_eq!(store.convert_due_lists(Timestamp::now()).await.unwrap(), 1);

    // Sizes are recorded when they change.
    let t1 = at(Timestamp::now().millis() + 10);
    store.record_list_sizes(t1).await.unwrap();
    assert_eq!(
        store.record_list_sizes(at(t1.millis() + 10)).await.unwrap(),
        0
    );
    store
        .update_members(p, leads.id, &[], &[a.id], Timestamp::now())
        .await
        .unwrap();
    let t2 = at(t1.millis() + 20);
    assert!(store.record_list_sizes(t2).await.unwrap() >= 1);
    let history = store
        .list_history(p, leads.id, start, at(t2.millis() + 1))
        .await
        .unwrap();
    let sizes: Vec<(i64, i64)> = history
        .sizes
        .iter()
        .map(|s| (s.at.millis(), s.size))
        .collect();
    assert_eq!(sizes, [(t1.millis(), 1), (t2.millis(), 0)]);
    assert_eq!(history.edits.len(), 1);
    assert!(history.edits[0] >= start);
    // A window after the last point starts with the size in force.
    let tail = store
        .list_history(p, leads.id, at(t2.millis() + 5), at(t2.millis() + 9))
        .await
        .unwrap();
    assert_eq!(tail.sizes.len(), 1);
    assert_eq!(tail.sizes[0].size, 0);
    assert!(tail.edits.is_empty());
}
