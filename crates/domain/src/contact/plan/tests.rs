//! The planners against a store kept in maps: what they ask for, what they
//! decide, and that a store applying their changes stays consistent.

use super::*;
use crate::contact::{ContactLookup, ContactWrite, PropertyChanges};
use crate::ids::PortalId;
use crate::property::{standard, FieldType, PropertyDefinition, PropertyType};
use crate::store::{ArchiveOutcome, BatchMode, ContactOp, GdprOutcome, OpOutcome};
use std::sync::Arc;

/// Rows, holders and history in maps: the least a store is.
#[derive(Default)]
struct Rows {
    contacts: BTreeMap<ContactId, StoredContact>,
    holders: BTreeMap<IdentityKey, Holder>,
    history: Vec<HistoryEntry>,
    next_id: i64,
    last_created: i64,
    reads: usize,
}

impl Rows {
    fn new() -> Rows {
        Rows {
            next_id: 1,
            ..Rows::default()
        }
    }

    fn read(&mut self, wanted: Wanted) -> Snapshot {
        self.reads += 1;
        let mut s = Snapshot::default();
        for id in wanted.contacts {
            s.contacts.insert(id, self.contacts.get(&id).cloned());
        }
        for key in wanted.holders {
            let holder = self.holders.get(&key).copied();
            s.holders.insert(key, holder);
        }
        for id in wanted.merged_into {
            let merged = self
                .contacts
                .values()
                .filter(|r| r.merged_into == Some(id))
                .map(|r| r.id())
                .collect();
            s.merged_into.insert(id, merged);
        }
        for property in wanted.archived_with {
            let rows = self
                .contacts
                .values()
                .filter(|r| r.state == ContactState::Archived)
                .filter(|r| r.contact.properties.contains_key(&property))
                .cloned()
                .collect();
            s.archived_with.insert(property, rows);
        }
        s
    }

    fn persist(&mut self, changes: Changes) {
        for (id, change) in changes.rows {
            match change.after {
                Some(row) => {
                    self.contacts.insert(id, row);
                }
                None => {
                    self.contacts.remove(&id);
                }
            }
        }
        for (key, change) in changes.holders {
            if let Some(before) = change.before {
                assert_eq!(self.holders.remove(&key), Some(before), "{key:?}");
            }
            if let Some(after) = change.after {
                assert!(self.holders.insert(key.clone(), after).is_none(), "{key:?}");
            }
        }
        for (from, to) in changes.repoints {
            for row in self.contacts.values_mut() {
                if row.merged_into == Some(from) {
                    row.merged_into = Some(to);
                }
            }
            for entry in &mut self.history {
                if entry.contact == from {
                    entry.contact = to;
                }
            }
        }
        for id in changes.forgotten {
            self.history.retain(|e| e.contact != id);
        }
        self.history.extend(changes.history);
        if let Some(counter) = changes.counter {
            self.next_id = counter.next_id.0;
            self.last_created = counter.last_created.millis();
        }
    }

    fn apply(
        &mut self,
        schema: &Arc<PropertySchema>,
        ops: Vec<ContactOp>,
        mode: BatchMode,
    ) -> Result<Vec<Result<OpOutcome>>> {
        let mut planner = BatchPlanner::new(PortalId(1), Arc::clone(schema), ops, mode);
        while let Some(wanted) = planner.wanted() {
            let snapshot = self.read(wanted);
            planner.give(snapshot);
        }
        let block = IdBlock {
            first: ContactId(self.next_id),
            count: planner.creations()?,
            created_floor: Timestamp::from_stored(self.last_created),
        };
        let planned = planner.plan(block)?;
        self.persist(planned.changes);
        Ok(planned.outcome)
    }

    fn create(&mut self, schema: &Arc<PropertySchema>, pairs: &[(&str, &str)]) -> Result<Contact> {
        let mut out = self.apply(
            schema,
            vec![ContactOp::Create(write(pairs, 1_000))],
            BatchMode::AllOrNothing,
        )?;
        out.pop().unwrap().map(OpOutcome::into_contact)
    }

    /// Every active contact's identities are held by it, and every holder
    /// is an active contact holding the value (or a block).
    fn check(&self, schema: &PropertySchema) {
        let mut expected = BTreeMap::new();
        for row in self.contacts.values().filter(|r| r.is_active()) {
            for identity in identities(schema, &row.contact.properties) {
                expected.insert(key_of(&identity), Holder::Contact(row.id()));
            }
        }
        let held: BTreeMap<_, _> = self
            .holders
            .iter()
            .filter(|(_, h)| **h != Holder::Blocked)
            .map(|(k, h)| (k.clone(), *h))
            .collect();
        assert_eq!(held, expected);
    }
}

fn write(pairs: &[(&str, &str)], at: i64) -> ContactWrite {
    let mut changes = PropertyChanges::default();
    for (k, v) in pairs {
        changes.set(k.to_string(), (!v.is_empty()).then(|| v.to_string()));
    }
    ContactWrite {
        changes,
        source: ChangeSource::api(),
        at: Timestamp::from_millis(at).unwrap(),
    }
}

fn schema() -> Arc<PropertySchema> {
    let mut defs = standard::contact_properties();
    let mut code = PropertyDefinition::new("code", "Code", PropertyType::String, FieldType::Text);
    code.has_unique_value = true;
    defs.push(code);
    Arc::new(PropertySchema::new(defs))
}

fn email(value: &str) -> ContactLookup {
    ContactLookup::Unique {
        property: "email".into(),
        key: value.to_lowercase(),
    }
}

#[test]
fn an_email_is_claimed_once_case_insensitively() {
    let (schema, mut rows) = (schema(), Rows::new());
    let a = rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    let err = rows.create(&schema, &[("email", "A@X.io")]).unwrap_err();
    assert_eq!(err, Error::ContactExists { existing_id: a.id });
    let err = rows
        .create(&schema, &[("email", "b@x.io"), ("code", "K")])
        .and_then(|_| rows.create(&schema, &[("code", "k")]))
        .unwrap_err();
    assert!(matches!(err, Error::UniqueValueTaken { ref property, .. } if property == "code"));
    rows.check(&schema);
}

#[test]
fn a_batch_sees_its_own_earlier_writes() {
    let (schema, mut rows) = (schema(), Rows::new());
    let x = rows.create(&schema, &[("email", "old@x.io")]).unwrap();
    // The first write frees the address, the second takes it.
    let ops = vec![
        ContactOp::Update {
            lookup: ContactLookup::Id(x.id),
            write: write(&[("email", "new@x.io")], 2_000),
        },
        ContactOp::Create(write(&[("email", "old@x.io")], 2_000)),
    ];
    let out = rows.apply(&schema, ops, BatchMode::AllOrNothing).unwrap();
    assert!(out.iter().all(Result::is_ok));
    rows.check(&schema);
    assert_eq!(
        rows.holders[&("email".into(), "old@x.io".into())],
        Holder::Contact(ContactId(2))
    );
}

#[test]
fn upserts_read_the_holder_then_its_row() {
    let (schema, mut rows) = (schema(), Rows::new());
    let x = rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    let before = rows.reads;
    let ops = vec![ContactOp::Upsert {
        property: "email".into(),
        key: "a@x.io".into(),
        write: write(&[("email", "a@x.io"), ("firstname", "Ann")], 2_000),
    }];
    let out = rows.apply(&schema, ops, BatchMode::AllOrNothing).unwrap();
    assert_eq!(rows.reads - before, 2, "holders, then the holder's row");
    let OpOutcome::Updated(c) = out[0].clone().unwrap() else {
        panic!("an update")
    };
    assert_eq!((c.id, c.properties["firstname"].as_str()), (x.id, "Ann"));
}

#[test]
fn per_input_failures_leave_nothing_and_use_no_id() {
    let (schema, mut rows) = (schema(), Rows::new());
    rows.create(&schema, &[("email", "taken@x.io")]).unwrap();
    let ops = vec![
        ContactOp::Create(write(&[("email", "a@x.io")], 2_000)),
        ContactOp::Create(write(&[("email", "taken@x.io")], 2_000)),
        ContactOp::Create(write(&[("email", "b@x.io")], 2_000)),
    ];
    let out = rows
        .apply(&schema, ops.clone(), BatchMode::PerInput)
        .unwrap();
    assert!(out[1].is_err());
    let ids: Vec<i64> = [&out[0], &out[2]]
        .iter()
        .map(|o| o.as_ref().unwrap().contact().id.0)
        .collect();
    assert_eq!(ids, [2, 3]);
    assert_eq!(rows.history.len(), 3);
    // Atomic: the same failure means nothing is written at all.
    let out = rows
        .apply(
            &schema,
            vec![ops[1].clone(), ContactOp::Create(write(&[], 3_000))],
            BatchMode::Atomic,
        )
        .unwrap();
    assert!(out[0].is_err() && out[1].is_ok());
    assert_eq!((rows.contacts.len(), rows.next_id), (3, 4));
    rows.check(&schema);
}

#[test]
fn creation_times_never_go_back() {
    let (schema, mut rows) = (schema(), Rows::new());
    rows.last_created = 5_000;
    let c = rows.create(&schema, &[]).unwrap();
    assert_eq!(
        c.created_at.millis(),
        5_000,
        "the floor, not the write's own 1,000"
    );
    assert_eq!(rows.last_created, 5_000);
}

#[test]
fn an_unchanged_update_records_nothing() {
    let (schema, mut rows) = (schema(), Rows::new());
    let c = rows.create(&schema, &[("firstname", "Ann")]).unwrap();
    let ops = vec![ContactOp::Update {
        lookup: ContactLookup::Id(c.id),
        write: write(&[("firstname", "Ann"), ("lastname", "")], 9_000),
    }];
    let out = rows.apply(&schema, ops, BatchMode::AllOrNothing).unwrap();
    assert_eq!(out[0].as_ref().unwrap().contact().updated_at, c.updated_at);
    assert_eq!(rows.history.len(), 1);
}

#[test]
fn a_stale_holder_asks_for_a_retry() {
    let (schema, mut rows) = (schema(), Rows::new());
    rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    let ops = vec![ContactOp::Update {
        lookup: email("a@x.io"),
        write: write(&[("firstname", "x")], 2_000),
    }];
    let mut planner = BatchPlanner::new(
        PortalId(1),
        Arc::clone(&schema),
        ops,
        BatchMode::AllOrNothing,
    );
    let first = rows.read(planner.wanted().unwrap());
    planner.give(first);
    // Another writer moves the address before the row is read.
    rows.contacts
        .get_mut(&ContactId(1))
        .unwrap()
        .contact
        .properties
        .insert("email".into(), "b@x.io".into());
    let second = rows.read(planner.wanted().unwrap());
    planner.give(second);
    let block = IdBlock {
        first: ContactId(2),
        count: 0,
        created_floor: Timestamp::from_stored(0),
    };
    assert!(matches!(planner.plan(block), Err(Error::Retry(_))));
}

#[test]
fn merges_move_emails_history_and_earlier_merges() {
    let (schema, mut rows) = (schema(), Rows::new());
    let a = rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    let b = rows
        .create(&schema, &[("email", "b@x.io"), ("city", "Oslo")])
        .unwrap();
    let c = rows.create(&schema, &[("email", "c@x.io")]).unwrap();
    let merge = |rows: &mut Rows, primary, secondary, at| {
        let mut planner = MergePlanner::new(
            Arc::clone(&schema),
            primary,
            secondary,
            Timestamp::from_millis(at).unwrap(),
        );
        while let Some(wanted) = planner.wanted() {
            let s = rows.read(wanted);
            planner.give(s);
        }
        let planned = planner.plan()?;
        rows.persist(planned.changes);
        Ok::<_, Error>(planned.outcome)
    };
    let merged = merge(&mut rows, b.id, a.id, 2_000).unwrap();
    assert_eq!(merged.properties["hs_additional_emails"], "a@x.io");
    let merged = merge(&mut rows, c.id, b.id, 3_000).unwrap();
    assert_eq!(merged.properties["hs_additional_emails"], "b@x.io;a@x.io");
    assert_eq!(merged.properties["city"], "Oslo");
    rows.check(&schema);
    assert_eq!(rows.contacts[&a.id].merged_into, Some(c.id), "re-pointed");
    let last = rows.history.last().unwrap();
    assert_eq!(last.merge.as_ref().unwrap().merged, vec![b.id, a.id]);
    assert!(
        rows.history.iter().all(|e| e.contact == c.id),
        "all history moved"
    );
    let err = merge(&mut rows, c.id, a.id, 4_000).unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert!(matches!(
        merge(&mut rows, c.id, c.id, 4_000),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        merge(&mut rows, c.id, ContactId(99), 4_000),
        Err(Error::NotFound(_))
    ));
}

fn gdpr(
    rows: &mut Rows,
    schema: &Arc<PropertySchema>,
    lookup: ContactLookup,
) -> Result<GdprOutcome> {
    let mut planner = GdprPlanner::new(
        Arc::clone(schema),
        lookup,
        Timestamp::from_millis(9_000).unwrap(),
    );
    while let Some(wanted) = planner.wanted() {
        let s = rows.read(wanted);
        planner.give(s);
    }
    let planned = planner.plan()?;
    rows.persist(planned.changes);
    Ok(planned.outcome)
}

#[test]
fn gdpr_deletes_the_contact_and_everything_merged_into_it() {
    let (schema, mut rows) = (schema(), Rows::new());
    let a = rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    let b = rows.create(&schema, &[("email", "b@x.io")]).unwrap();
    let mut planner = MergePlanner::new(
        Arc::clone(&schema),
        b.id,
        a.id,
        Timestamp::from_millis(2_000).unwrap(),
    );
    while let Some(w) = planner.wanted() {
        let s = rows.read(w);
        planner.give(s);
    }
    let planned = planner.plan().unwrap();
    rows.persist(planned.changes);
    // Found by the merged-away contact's address, now an additional email.
    assert_eq!(
        gdpr(&mut rows, &schema, email("A@x.io")).unwrap(),
        GdprOutcome::Deleted(b.id)
    );
    assert!(rows.contacts.is_empty());
    assert!(rows.holders.is_empty());
    assert_eq!(rows.history.len(), 1, "only the privacy deletion event");
    assert!(!rows.history[0].in_history);
    // An address nobody has is blocked, once.
    assert_eq!(
        gdpr(&mut rows, &schema, email("z@x.io")).unwrap(),
        GdprOutcome::EmailBlocked
    );
    assert_eq!(
        gdpr(&mut rows, &schema, email("z@x.io")).unwrap(),
        GdprOutcome::EmailBlocked
    );
    let err = rows.create(&schema, &[("email", "Z@x.io")]).unwrap_err();
    assert!(
        matches!(err, Error::InvalidPropertyValues(ref p) if p[0].code == ProblemCode::BlockedEmail)
    );
    assert!(matches!(
        gdpr(&mut rows, &schema, ContactLookup::Id(ContactId(7))),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn archived_contacts_are_found_by_value_for_gdpr() {
    let (schema, mut rows) = (schema(), Rows::new());
    let a = rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    let mut planner = ArchivePlanner::new(
        Arc::clone(&schema),
        vec![a.id, a.id, ContactId(5)],
        Timestamp::from_millis(2_000).unwrap(),
    );
    while let Some(w) = planner.wanted() {
        let s = rows.read(w);
        planner.give(s);
    }
    let planned = planner.plan().unwrap();
    assert_eq!(
        planned.outcome,
        [
            ArchiveOutcome::Archived,
            ArchiveOutcome::AlreadyArchived,
            ArchiveOutcome::NotFound
        ]
    );
    rows.persist(planned.changes);
    assert!(rows.holders.is_empty(), "the address is free");
    // A new contact may take the address; GDPR by it finds the active one.
    let b = rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    assert_eq!(
        gdpr(&mut rows, &schema, email("a@x.io")).unwrap(),
        GdprOutcome::Deleted(b.id)
    );
    // Then the archived one.
    assert_eq!(
        gdpr(&mut rows, &schema, email("a@x.io")).unwrap(),
        GdprOutcome::Deleted(a.id)
    );
    assert!(rows.contacts.is_empty());
}

#[test]
fn a_refused_batch_needs_no_ids() {
    let (schema, mut rows) = (schema(), Rows::new());
    rows.create(&schema, &[("email", "a@x.io")]).unwrap();
    let ops = vec![ContactOp::Create(write(&[("email", "A@x.io")], 2_000))];
    let mut planner = BatchPlanner::new(
        PortalId(1),
        Arc::clone(&schema),
        ops,
        BatchMode::AllOrNothing,
    );
    while let Some(wanted) = planner.wanted() {
        let snapshot = rows.read(wanted);
        planner.give(snapshot);
    }
    assert!(matches!(
        planner.creations(),
        Err(Error::ContactExists { .. })
    ));
}
