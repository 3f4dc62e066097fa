//! Membership in step with every write: which lists a written contact joins
//! and leaves, decided here for every store, in the write's transaction.

use super::evaluate::{matches, Subject, ValueCache};
use super::filters::FilterBranch;
use crate::contact::plan::Changes;
use crate::contact::{PropertyHistory, StoredContact};
use crate::ids::{ContactId, ListId, PortalId};
use crate::property::PropertySchema;
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A DYNAMIC list, as writes evaluate it.
#[derive(Clone, Debug)]
pub struct LiveList {
    pub id: ListId,
    pub filters: FilterBranch,
}

/// A portal's DYNAMIC lists, each after the lists its `IN_LIST` filters
/// name, so one pass settles a contact's memberships.
#[derive(Clone, Debug, Default)]
pub struct LiveLists {
    lists: Vec<LiveList>,
    history_properties: BTreeSet<String>,
}

impl LiveLists {
    pub fn new(lists: Vec<LiveList>) -> LiveLists {
        let history_properties = lists
            .iter()
            .flat_map(|l| l.filters.history_properties())
            .collect();
        LiveLists {
            lists: dependency_order(lists),
            history_properties,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    pub fn lists(&self) -> &[LiveList] {
        &self.lists
    }

    /// The properties whose history a store must read for a written
    /// contact (none for most portals).
    pub fn history_properties(&self) -> &BTreeSet<String> {
        &self.history_properties
    }
}

/// Orders lists so that each comes after the live lists it names; a cycle
/// (refused when filters are set, so never stored) keeps id order.
fn dependency_order(mut lists: Vec<LiveList>) -> Vec<LiveList> {
    lists.sort_by_key(|l| l.id);
    let ids: BTreeSet<ListId> = lists.iter().map(|l| l.id).collect();
    let mut placed: BTreeSet<ListId> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(lists.len());
    while !lists.is_empty() {
        let ready = lists.iter().position(|l| {
            l.filters
                .lists()
                .iter()
                .all(|d| !ids.contains(d) || placed.contains(d) || *d == l.id)
        });
        let next = lists.remove(ready.unwrap_or(0));
        placed.insert(next.id);
        ordered.push(next);
    }
    ordered
}

/// What a written contact's memberships become.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Follow {
    pub joins: Vec<ListId>,
    pub leaves: Vec<ListId>,
    /// Static memberships handed to the contact it was merged into.
    pub carried: Option<(ContactId, Vec<ListId>)>,
}

/// Decides a contact's memberships after a write. `row` is the contact's
/// row after the write (`None` once GDPR-deleted); `current` its lists
/// before, each with whether the list is static (MANUAL or SNAPSHOT).
///
/// An active contact is evaluated against every live list; static
/// memberships stay. A contact archived, merged away or deleted leaves
/// every list; one merged away hands its static memberships to the
/// contact it was merged into.
pub fn follow(
    lists: &LiveLists,
    row: Option<&StoredContact>,
    current: &BTreeMap<ListId, bool>,
    history: &PropertyHistory,
    schema: &PropertySchema,
    now: Timestamp,
) -> Follow {
    let mut out = Follow::default();
    let Some(row) = row.filter(|r| r.is_active()) else {
        out.leaves = current.keys().copied().collect();
        if let Some(into) = row.and_then(|r| r.merged_into) {
            let carried: Vec<ListId> = current
                .iter()
                .filter(|(_, is_static)| **is_static)
                .map(|(id, _)| *id)
                .collect();
            if !carried.is_empty() {
                out.carried = Some((into, carried));
            }
        }
        return out;
    };
    let mut member_of: BTreeSet<ListId> = current.keys().copied().collect();
    let values = ValueCache::default();
    for list in lists.lists() {
        let subject = Subject {
            contact: &row.contact,
            history,
            lists: &member_of,
            values: &values,
        };
        let passes = matches(&list.filters, &subject, schema, now);
        match (passes, member_of.contains(&list.id)) {
            (true, false) => {
                out.joins.push(list.id);
                member_of.insert(list.id);
            }
            (false, true) => {
                out.leaves.push(list.id);
                member_of.remove(&list.id);
            }
            _ => {}
        }
    }
    out
}

/// Decides the memberships of active contacts that were not written but
/// whose static memberships changed (a live list may name a static one in
/// an `IN_LIST` filter): each is evaluated against every live list.
/// `current` and `histories` as for [`follow_rows`].
pub fn follow_active(
    lists: &LiveLists,
    rows: &[&StoredContact],
    current: &HashMap<ContactId, BTreeMap<ListId, bool>>,
    histories: &HashMap<ContactId, PropertyHistory>,
    schema: &PropertySchema,
    now: Timestamp,
) -> MembershipChanges {
    let mut out = MembershipChanges::default();
    let (no_lists, no_history) = (BTreeMap::new(), PropertyHistory::new());
    for row in rows.iter().filter(|r| r.is_active()) {
        let mine = current.get(&row.id()).unwrap_or(&no_lists);
        let history = histories.get(&row.id()).unwrap_or(&no_history);
        let decided = follow(lists, Some(row), mine, history, schema, now);
        out.joins
            .extend(decided.joins.iter().map(|l| (*l, row.id())));
        out.leaves
            .extend(decided.leaves.iter().map(|l| (*l, row.id())));
    }
    out
}

/// Memberships a write starts and ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembershipChanges {
    pub joins: Vec<(ListId, ContactId)>,
    pub leaves: Vec<(ListId, ContactId)>,
}

/// The contacts of a write whose current memberships a store must read
/// for [`follow_rows`]: those that existed before it (a new contact is in
/// no list, except the static lists a merge hands it).
pub fn memberships_wanted(changes: &Changes) -> Vec<ContactId> {
    changes
        .rows
        .iter()
        .filter(|(_, c)| c.before.is_some())
        .map(|(id, _)| *id)
        .collect()
}

/// The contacts of a write whose history a store must read for
/// [`follow_rows`] (active after it, when some live list reads history).
pub fn histories_wanted(lists: &LiveLists, changes: &Changes) -> Vec<ContactId> {
    if lists.history_properties().is_empty() {
        return Vec::new();
    }
    changes
        .rows
        .iter()
        .filter(|(_, c)| c.after.as_ref().is_some_and(StoredContact::is_active))
        .map(|(id, _)| *id)
        .collect()
}

/// Decides the memberships every row of a contact write starts and ends.
/// `current` holds, for [`memberships_wanted`], each contact's lists and
/// whether each is static; `histories` the histories of
/// [`histories_wanted`]. Contacts leaving go first, so that one merged
/// away hands its static lists to the survivor before it is evaluated.
pub fn follow_rows(
    lists: &LiveLists,
    changes: &Changes,
    mut current: HashMap<ContactId, BTreeMap<ListId, bool>>,
    histories: &HashMap<ContactId, PropertyHistory>,
    schema: &PropertySchema,
    now: Timestamp,
) -> MembershipChanges {
    let mut out = MembershipChanges::default();
    let (leaving, staying): (Vec<_>, Vec<_>) = changes
        .rows
        .iter()
        .partition(|(_, c)| !c.after.as_ref().is_some_and(StoredContact::is_active));
    let empty_history = PropertyHistory::new();
    for (id, change) in leaving {
        let Some(mine) = current.remove(id) else {
            continue;
        };
        let decided = follow(
            lists,
            change.after.as_ref(),
            &mine,
            &empty_history,
            schema,
            now,
        );
        out.leaves.extend(decided.leaves.iter().map(|l| (*l, *id)));
        if let Some((into, carried)) = decided.carried {
            let theirs = current.entry(into).or_default();
            for list in carried {
                if theirs.insert(list, true).is_none() {
                    out.joins.push((list, into));
                }
            }
        }
    }
    if lists.is_empty() {
        return out;
    }
    for (id, change) in staying {
        let Some(row) = change.after.as_ref() else {
            continue;
        };
        let mine = current.remove(id).unwrap_or_default();
        let history = histories.get(id).unwrap_or(&empty_history);
        let decided = follow(lists, Some(row), &mine, history, schema, now);
        out.joins.extend(decided.joins.iter().map(|l| (*l, *id)));
        out.leaves.extend(decided.leaves.iter().map(|l| (*l, *id)));
    }
    out
}

/// The generation of a portal's lists: it grows with every change of any
/// of them (0: the portal never had a list).
pub type LiveVersions = i64;

/// Each portal's live lists, parsed once per generation. A store reads the
/// generation in every write's transaction (so it sees a list another node
/// changed) and parses filters only when it moved.
#[derive(Default)]
pub struct LiveListCache {
    portals: std::sync::Mutex<HashMap<PortalId, (LiveVersions, Arc<LiveLists>)>>,
}

impl LiveListCache {
    /// The lists parsed for exactly these versions, if any.
    pub fn cached(&self, portal: PortalId, versions: &LiveVersions) -> Option<Arc<LiveLists>> {
        self.portals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&portal)
            .filter(|(known, _)| known == versions)
            .map(|(_, lists)| Arc::clone(lists))
    }

    /// Keeps lists parsed for these versions.
    pub fn keep(
        &self,
        portal: PortalId,
        versions: LiveVersions,
        lists: Vec<LiveList>,
    ) -> Arc<LiveLists> {
        let lists = Arc::new(LiveLists::new(lists));
        self.portals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(portal, (versions, Arc::clone(&lists)));
        lists
    }

    pub fn forget(&self, portal: PortalId) {
        self.portals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&portal);
    }
}
