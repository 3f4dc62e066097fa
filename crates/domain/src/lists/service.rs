//! The lists API's operations with HubSpot's rules: what may be created,
//! which lists take which membership calls, what a search finds. Shared by
//! the v3 and the legacy v1 lists APIs.

use super::conversion::{ConversionTime, ListConversion, ListHistory};
use super::filters::FilterBranch;
use super::list::{
    check_name, ContactList, Folder, ListChange, MemberPage, Membership, MembershipUpdate, NewList,
    ProcessingStatus, ProcessingType, CONTACTS_OBJECT_TYPE, ROOT_FOLDER,
};
use super::store::ContactMembership;
use crate::contact::Contact;
use crate::ids::{ContactId, ListId, PortalId};
use crate::store::Store;
use crate::time::Timestamp;
use crate::{Error, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Contacts a create or re-filter evaluates before it answers; a larger
/// portal's list answers `PROCESSING` and is finished in the background.
pub const EVALUATE_BEFORE_ANSWER: usize = 10_000;
/// Contacts one evaluation step (one transaction) takes.
pub const EVALUATION_STEP: usize = 2_000;
/// Most record ids one membership call may name.
pub const MAX_MEMBERSHIP_IDS: usize = 100_000;
/// `POST /crm/v3/lists/search`: default and largest `count`.
pub const DEFAULT_SEARCH_COUNT: usize = 20;
pub const MAX_SEARCH_COUNT: usize = 500;

/// A list to create, as the API received it.
#[derive(Clone, Debug, Default)]
pub struct CreateInput {
    pub name: Option<String>,
    pub object_type_id: Option<String>,
    pub processing_type: Option<String>,
    pub filter_branch: Option<Value>,
    pub folder: Option<i64>,
}

/// `POST /crm/v3/lists/search`.
#[derive(Clone, Debug, Default)]
pub struct SearchInput {
    pub query: Option<String>,
    pub count: Option<usize>,
    pub offset: usize,
    pub processing_types: Vec<String>,
    pub list_ids: Vec<ListId>,
    pub sort: Option<String>,
}

/// Most vids and emails one v1 `add` or `remove` may name.
pub const MAX_V1_MEMBERSHIP_IDS: usize = 500;

/// What a v1 `add` or `remove` did, in HubSpot's four lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LegacyUpdate {
    /// Added (or removed).
    pub updated: Vec<i64>,
    /// Already members (or not members).
    pub discarded: Vec<i64>,
    pub invalid_vids: Vec<i64>,
    pub invalid_emails: Vec<String>,
}

/// A page of lists found, and how many there are in all.
#[derive(Clone, Debug)]
pub struct SearchPage {
    pub lists: Vec<ContactList>,
    pub total: usize,
    pub offset: usize,
    pub has_more: bool,
}

#[derive(Clone)]
pub struct Lists {
    store: Arc<dyn Store>,
}

impl Lists {
    pub fn new(store: Arc<dyn Store>) -> Lists {
        Lists { store }
    }

    pub async fn create(&self, portal: PortalId, input: CreateInput) -> Result<ContactList> {
        let name = check_name(input.name.as_deref().unwrap_or(""), "list")?;
        match input.object_type_id.as_deref() {
            Some(CONTACTS_OBJECT_TYPE) | Some("contacts") | Some("contact") => {}
            None => {
                return Err(Error::invalid_field(
                    "objectTypeId",
                    "A list needs an objectTypeId; Spoke keeps lists of contacts (0-1).",
                ))
            }
            Some(other) => {
                return Err(Error::invalid_field(
                    "objectTypeId",
                    format!("Spoke keeps lists of contacts (objectTypeId 0-1) only, not {other}."),
                ))
            }
        }
        let processing_type = parse_processing_type(input.processing_type.as_deref())?;
        let filters = match (processing_type, input.filter_branch) {
            (ProcessingType::Manual, Some(f)) if !f.is_null() => {
                return Err(Error::invalid_field(
                    "filterBranch",
                    "A MANUAL list has no filters; use DYNAMIC or SNAPSHOT for a list defined by filters.",
                ))
            }
            (ProcessingType::Manual, _) => None,
            (_, None) | (_, Some(Value::Null)) => {
                return Err(Error::invalid_field(
                    "filterBranch",
                    format!(
                        "A {} list needs a filterBranch.",
                        processing_type.as_str()
                    ),
                ))
            }
            (_, Some(f)) => Some(self.check_filters(portal, None, &f).await?),
        };
        let folder = input.folder.unwrap_or(ROOT_FOLDER);
        self.check_folder(portal, folder).await?;
        if self.store.list_by_name(portal, &name).await?.is_some() {
            return Err(name_taken(&name));
        }
        let list = self
            .store
            .create_list(
                portal,
                NewList {
                    name,
                    processing_type,
                    filters: filters.map(|f| f.to_json()),
                    folder,
                    at: Timestamp::now(),
                },
            )
            .await?;
        self.settle(portal, list).await
    }

    /// A list made through the legacy v1 API: DYNAMIC when `dynamic`, else
    /// SNAPSHOT when it has filters (a static list filled once, as v1
    /// did), else MANUAL. v1 filters become the v3 tree.
    pub async fn create_v1(
        &self,
        portal: PortalId,
        name: Option<String>,
        dynamic: bool,
        filters: Option<&Value>,
    ) -> Result<ContactList> {
        let filters = self.v1_filters(portal, filters).await?;
        let processing_type = match (dynamic, &filters) {
            (true, _) => "DYNAMIC",
            (false, Some(_)) => "SNAPSHOT",
            (false, None) => "MANUAL",
        };
        let filter_branch = match (dynamic, filters) {
            (true, None) => Some(serde_json::json!({
                "filterBranchType": "OR", "filters": [], "filterBranches": []
            })),
            (_, f) => f,
        };
        self.create(
            portal,
            CreateInput {
                name,
                object_type_id: Some(CONTACTS_OBJECT_TYPE.into()),
                processing_type: Some(processing_type.into()),
                filter_branch,
                folder: None,
            },
        )
        .await
    }

    /// v1 filters as the v3 tree; `None` for none (`[]`).
    async fn v1_filters(&self, portal: PortalId, filters: Option<&Value>) -> Result<Option<Value>> {
        match filters {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(groups)) if groups.is_empty() => Ok(None),
            Some(f) => {
                let schema = self.store.property_schema(portal).await?;
                super::legacy::from_v1(f, &schema).map(Some)
            }
        }
    }

    /// `POST /contacts/v1/lists/{listId}`: a new name, new filters, or both.
    pub async fn update_v1(
        &self,
        portal: PortalId,
        id: ListId,
        name: Option<&str>,
        filters: Option<&Value>,
    ) -> Result<ContactList> {
        let mut list = self.get(portal, id).await?;
        if let Some(name) = name.filter(|n| n.trim() != list.name) {
            list = self.rename(portal, id, name).await?;
        }
        if let Some(tree) = self.v1_filters(portal, filters).await? {
            list = self.refilter(portal, id, Some(&tree)).await?;
        }
        Ok(list)
    }

    /// Evaluates a `PROCESSING` list for up to [`EVALUATE_BEFORE_ANSWER`]
    /// contacts, so a small portal's list is complete when the call
    /// answers; a large one is finished by the list worker.
    async fn settle(&self, portal: PortalId, list: ContactList) -> Result<ContactList> {
        if list.processing_status == ProcessingStatus::Complete {
            return Ok(list);
        }
        let mut seen = 0;
        while seen < EVALUATE_BEFORE_ANSWER {
            if self
                .store
                .evaluate_list(portal, list.id, EVALUATION_STEP)
                .await?
            {
                break;
            }
            seen += EVALUATION_STEP;
        }
        self.get(portal, list.id).await
    }

    /// Reads a filter tree and checks the lists it names: live lists of the
    /// portal, never the list itself, directly or through others.
    async fn check_filters(
        &self,
        portal: PortalId,
        list: Option<ListId>,
        value: &Value,
    ) -> Result<FilterBranch> {
        let schema = self.store.property_schema(portal).await?;
        let filters = FilterBranch::parse(value, &schema)?;
        filters.check_shape()?;
        let named = filters.lists();
        if named.is_empty() {
            return Ok(filters);
        }
        let all = self.store.lists(portal, None, false).await?;
        let by_id: BTreeMap<ListId, &ContactList> = all.iter().map(|l| (l.id, l)).collect();
        for id in &named {
            if !by_id.contains_key(id) {
                return Err(Error::invalid_field(
                    "filterBranch",
                    format!("The IN_LIST filter names list {id}, which does not exist."),
                ));
            }
        }
        if let Some(me) = list {
            // Whether `me` is reachable from the lists named.
            let mut seen = BTreeSet::new();
            let mut todo: Vec<ListId> = named.into_iter().collect();
            while let Some(id) = todo.pop() {
                if id == me {
                    return Err(Error::invalid_field(
                        "filterBranch",
                        format!("List {me} cannot depend on itself through IN_LIST filters."),
                    ));
                }
                if !seen.insert(id) {
                    continue;
                }
                if let Some(tree) = by_id
                    .get(&id)
                    .and_then(|l| l.filters.as_ref())
                    .and_then(|f| FilterBranch::parse_stored(f).ok())
                {
                    todo.extend(tree.lists());
                }
            }
        }
        Ok(filters)
    }

    async fn check_folder(&self, portal: PortalId, folder: i64) -> Result<()> {
        if folder == ROOT_FOLDER
            || self
                .store
                .folders(portal)
                .await?
                .iter()
                .any(|f| f.id == folder)
        {
            Ok(())
        } else {
            Err(Error::NotFound(format!("Folder {folder} does not exist.")))
        }
    }

    /// A live list, or 404.
    pub async fn get(&self, portal: PortalId, id: ListId) -> Result<ContactList> {
        self.store
            .lists(portal, Some(&[id]), false)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| list_not_found(id))
    }

    /// Live lists of these ids (unknown ones are left out), or all.
    pub async fn many(&self, portal: PortalId, ids: Option<&[ListId]>) -> Result<Vec<ContactList>> {
        self.store.lists(portal, ids, false).await
    }

    pub async fn by_name(
        &self,
        portal: PortalId,
        object_type: &str,
        name: &str,
    ) -> Result<ContactList> {
        if !matches!(object_type, CONTACTS_OBJECT_TYPE | "contacts" | "contact") {
            return Err(Error::NotFound(format!(
                "No list named '{name}' exists for object type {object_type}."
            )));
        }
        self.store
            .list_by_name(portal, name)
            .await?
            .ok_or_else(|| Error::NotFound(format!("No list named '{name}' exists.")))
    }

    pub async fn search(&self, portal: PortalId, input: SearchInput) -> Result<SearchPage> {
        let count = input.count.unwrap_or(DEFAULT_SEARCH_COUNT);
        if count == 0 || count > MAX_SEARCH_COUNT {
            return Err(Error::invalid_field(
                "count",
                format!("count must be between 1 and {MAX_SEARCH_COUNT}."),
            ));
        }
        let types = input
            .processing_types
            .iter()
            .map(|t| parse_processing_type(Some(t)))
            .collect::<Result<BTreeSet<_>>>()?;
        let query = input.query.as_deref().unwrap_or("").trim().to_lowercase();
        let ids: BTreeSet<ListId> = input.list_ids.iter().copied().collect();
        let mut found: Vec<ContactList> = self
            .store
            .lists(portal, None, false)
            .await?
            .into_iter()
            .filter(|l| query.is_empty() || l.name.to_lowercase().contains(&query))
            .filter(|l| types.is_empty() || types.contains(&l.processing_type))
            .filter(|l| ids.is_empty() || ids.contains(&l.id))
            .collect();
        let (key, descending) = match input.sort.as_deref() {
            None | Some("") => ("", false),
            Some(s) => match s.strip_prefix('-') {
                Some(k) => (k, true),
                None => (s, false),
            },
        };
        match key {
            "" | "listId" | "LIST_ID" | "hs_list_id" => found.sort_by_key(|l| l.id),
            "name" | "NAME" | "hs_name" => {
                found.sort_by_key(|l| l.name.to_lowercase())
            }
            "createdAt" | "CREATED_AT" | "hs_created_at" => found.sort_by_key(|l| l.created_at),
            "updatedAt" | "UPDATED_AT" | "hs_updated_at" => found.sort_by_key(|l| l.updated_at),
            "size" | "SIZE" | "hs_list_size" => found.sort_by_key(|l| l.size),
            other => {
                return Err(Error::invalid_field(
                    "sort",
                    format!("Cannot sort lists by '{other}': use name, createdAt, updatedAt, size or listId, with - for descending."),
                ))
            }
        }
        if descending {
            found.reverse();
        }
        let total = found.len();
        let lists: Vec<ContactList> = found.into_iter().skip(input.offset).take(count).collect();
        let offset = input.offset + lists.len();
        Ok(SearchPage {
            has_more: offset < total,
            lists,
            total,
            offset,
        })
    }

    pub async fn rename(&self, portal: PortalId, id: ListId, name: &str) -> Result<ContactList> {
        let name = check_name(name, "list")?;
        if let Some(other) = self.store.list_by_name(portal, &name).await? {
            if other.id != id {
                return Err(name_taken(&name));
            }
        }
        self.store
            .change_list(portal, id, ListChange::Rename(name), Timestamp::now())
            .await
    }

    pub async fn refilter(
        &self,
        portal: PortalId,
        id: ListId,
        filter_branch: Option<&Value>,
    ) -> Result<ContactList> {
        let list = self.get(portal, id).await?;
        if list.processing_type != ProcessingType::Dynamic {
            return Err(Error::invalid(format!(
                "List {id} is a {} list; only the filters of DYNAMIC lists can be updated.",
                list.processing_type.as_str()
            )));
        }
        let value = filter_branch
            .filter(|v| !v.is_null())
            .ok_or_else(|| Error::invalid_field("filterBranch", "A filterBranch is required."))?;
        let filters = self.check_filters(portal, Some(id), value).await?;
        let list = self
            .store
            .change_list(
                portal,
                id,
                ListChange::Filters(filters.to_json()),
                Timestamp::now(),
            )
            .await?;
        self.settle(portal, list).await
    }

    pub async fn delete(&self, portal: PortalId, id: ListId) -> Result<()> {
        self.store
            .change_list(portal, id, ListChange::Delete, Timestamp::now())
            .await
            .map(drop)
    }

    pub async fn restore(&self, portal: PortalId, id: ListId) -> Result<ContactList> {
        let deleted = self
            .store
            .lists(portal, Some(&[id]), true)
            .await?
            .into_iter()
            .next()
            .filter(ContactList::is_deleted)
            .ok_or_else(|| Error::NotFound(format!("No deleted list {id} exists.")))?;
        if self
            .store
            .list_by_name(portal, &deleted.name)
            .await?
            .is_some()
        {
            return Err(name_taken(&deleted.name));
        }
        let list = self
            .store
            .change_list(portal, id, ListChange::Restore, Timestamp::now())
            .await?;
        self.settle(portal, list).await
    }

    pub async fn members(
        &self,
        portal: PortalId,
        id: ListId,
        page: MemberPage,
    ) -> Result<(ContactList, Vec<Membership>)> {
        let list = self.get(portal, id).await?;
        let members = self.store.list_members(portal, id, page).await?;
        Ok((list, members))
    }

    /// A page of members with their contacts, in the page's order.
    pub async fn member_contacts(
        &self,
        portal: PortalId,
        id: ListId,
        page: MemberPage,
    ) -> Result<(ContactList, Vec<(Membership, Contact)>)> {
        let (list, members) = self.members(portal, id, page).await?;
        let ids: Vec<ContactId> = members.iter().map(|m| m.contact).collect();
        let contacts: BTreeMap<ContactId, Contact> = self
            .store
            .find_contacts(portal, &ids, false)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let pairs = members
            .into_iter()
            .filter_map(|m| contacts.get(&m.contact).cloned().map(|c| (m, c)))
            .collect();
        Ok((list, pairs))
    }

    /// The legacy v1 `add` and `remove` of a static list, by vids and
    /// emails.
    pub async fn update_members_v1(
        &self,
        portal: PortalId,
        id: ListId,
        vids: &[i64],
        emails: &[String],
        adding: bool,
    ) -> Result<LegacyUpdate> {
        self.static_list(portal, id).await?;
        if vids.len() + emails.len() > MAX_V1_MEMBERSHIP_IDS {
            return Err(Error::invalid(format!(
                "At most {MAX_V1_MEMBERSHIP_IDS} vids and emails may be sent in one call."
            )));
        }
        let mut out = LegacyUpdate::default();
        let mut wanted: Vec<ContactId> = Vec::new();
        for vid in vids {
            match ContactId::parse(&vid.to_string()) {
                Some(c) if !wanted.contains(&c) => wanted.push(c),
                Some(_) => {}
                None => out.invalid_vids.push(*vid),
            }
        }
        for email in emails {
            let lookup = crate::contact::ContactLookup::Unique {
                property: "email".into(),
                key: email.trim().to_lowercase(),
            };
            match self.store.find_contact(portal, &lookup, false).await? {
                Some(c) if !wanted.contains(&c.id) => wanted.push(c.id),
                Some(_) => {}
                None => out.invalid_emails.push(email.clone()),
            }
        }
        let update = if adding {
            self.store
                .update_members(portal, id, &wanted, &[], Timestamp::now())
                .await?
        } else {
            self.store
                .update_members(portal, id, &[], &wanted, Timestamp::now())
                .await?
        };
        let changed = if adding {
            &update.added
        } else {
            &update.removed
        };
        for c in wanted {
            if update.missing.contains(&c) {
                out.invalid_vids.push(c.0);
            } else if changed.contains(&c) {
                out.updated.push(c.0);
            } else {
                out.discarded.push(c.0);
            }
        }
        Ok(out)
    }

    /// A list whose members calls may change (MANUAL or SNAPSHOT).
    async fn static_list(&self, portal: PortalId, id: ListId) -> Result<ContactList> {
        let list = self.get(portal, id).await?;
        if !list.processing_type.is_static() {
            return Err(Error::invalid(format!(
                "List {id} is a DYNAMIC list: its members are the contacts that pass its filters, and cannot be added or removed. Only MANUAL and SNAPSHOT lists take membership changes."
            )));
        }
        Ok(list)
    }

    /// Adds and removes members; ids that are not numbers or name no
    /// contact are reported missing, as at HubSpot.
    pub async fn update_members(
        &self,
        portal: PortalId,
        id: ListId,
        add: &[String],
        remove: &[String],
    ) -> Result<MembershipUpdate> {
        self.static_list(portal, id).await?;
        if add.len() + remove.len() > MAX_MEMBERSHIP_IDS {
            return Err(Error::invalid(format!(
                "At most {MAX_MEMBERSHIP_IDS} record ids may be sent in one call."
            )));
        }
        let mut unparsable = Vec::new();
        let mut parse = |ids: &[String]| -> Vec<ContactId> {
            ids.iter()
                .filter_map(|s| {
                    let id = ContactId::parse(s.trim());
                    if id.is_none() {
                        unparsable.push(s.clone());
                    }
                    id
                })
                .collect()
        };
        let (add, remove) = (parse(add), parse(remove));
        let mut update = self
            .store
            .update_members(portal, id, &add, &remove, Timestamp::now())
            .await?;
        // Ids that are not ids name no contact: missing, never an error.
        update.unreadable = unparsable;
        Ok(update)
    }

    pub async fn add_from(&self, portal: PortalId, id: ListId, source: ListId) -> Result<()> {
        self.static_list(portal, id).await?;
        self.get(portal, source).await?;
        if source == id {
            return Ok(());
        }
        self.store
            .copy_members(portal, id, source, Timestamp::now())
            .await
    }

    pub async fn clear(&self, portal: PortalId, id: ListId) -> Result<()> {
        self.static_list(portal, id).await?;
        self.store.clear_members(portal, id, Timestamp::now()).await
    }

    pub async fn contact_memberships(
        &self,
        portal: PortalId,
        contacts: &[ContactId],
    ) -> Result<Vec<ContactMembership>> {
        self.store.contact_memberships(portal, contacts).await
    }

    pub async fn folders(&self, portal: PortalId) -> Result<Vec<Folder>> {
        self.store.folders(portal).await
    }

    pub async fn create_folder(
        &self,
        portal: PortalId,
        name: &str,
        parent: Option<i64>,
    ) -> Result<Folder> {
        let name = check_name(name, "folder")?;
        let parent = parent.unwrap_or(ROOT_FOLDER);
        self.check_folder(portal, parent).await?;
        self.store
            .create_folder(portal, &name, parent, Timestamp::now())
            .await
    }

    pub async fn rename_folder(&self, portal: PortalId, folder: i64, name: &str) -> Result<Folder> {
        let name = check_name(name, "folder")?;
        self.existing_folder(portal, folder).await?;
        self.store
            .change_folder(portal, folder, Some(&name), None, Timestamp::now())
            .await
    }

    pub async fn move_folder(&self, portal: PortalId, folder: i64, parent: i64) -> Result<Folder> {
        let folders = self.existing_folder(portal, folder).await?;
        self.check_folder(portal, parent).await?;
        // The new parent may not be the folder or one of its descendants.
        let mut at = parent;
        while at != ROOT_FOLDER {
            if at == folder {
                return Err(Error::invalid(format!(
                    "Folder {folder} cannot be moved into itself or one of its own folders."
                )));
            }
            at = folders
                .iter()
                .find(|f| f.id == at)
                .map_or(ROOT_FOLDER, |f| f.parent);
        }
        self.store
            .change_folder(portal, folder, None, Some(parent), Timestamp::now())
            .await
    }

    pub async fn delete_folder(&self, portal: PortalId, folder: i64) -> Result<()> {
        let folders = self.existing_folder(portal, folder).await?;
        let has_lists = self
            .store
            .lists(portal, None, false)
            .await?
            .iter()
            .any(|l| l.folder == folder);
        if has_lists || folders.iter().any(|f| f.parent == folder) {
            return Err(Error::invalid(format!(
                "Folder {folder} is not empty: move or delete its lists and folders first."
            )));
        }
        self.store.delete_folder(portal, folder).await
    }

    pub async fn move_list(&self, portal: PortalId, id: ListId, folder: i64) -> Result<()> {
        self.get(portal, id).await?;
        self.check_folder(portal, folder).await?;
        self.store.move_list(portal, id, folder).await
    }

    /// A list's conversion to static (`schedule-conversion`).
    pub async fn conversion(&self, portal: PortalId, id: ListId) -> Result<ListConversion> {
        self.store.conversion(portal, id).await
    }

    /// Asks for a DYNAMIC list to become static on a date or after a time
    /// without activity, or changes the time asked for.
    pub async fn schedule_conversion(
        &self,
        portal: PortalId,
        id: ListId,
        body: &Value,
    ) -> Result<ListConversion> {
        let list = self.get(portal, id).await?;
        if list.processing_type != ProcessingType::Dynamic {
            return Err(Error::invalid(format!(
                "List {id} is a {} list; only DYNAMIC lists can be converted to static lists.",
                list.processing_type.as_str()
            )));
        }
        let now = Timestamp::now();
        let requested = ConversionTime::parse(body, now)?;
        self.store
            .schedule_conversion(portal, id, Some(requested), now)
            .await
    }

    /// Cancels a conversion not yet done (nothing to cancel is no error).
    pub async fn cancel_conversion(&self, portal: PortalId, id: ListId) -> Result<()> {
        self.store
            .schedule_conversion(portal, id, None, Timestamp::now())
            .await
            .map(drop)
    }

    /// A list's sizes and filter edits between two times: by default from
    /// the list's creation to now.
    pub async fn size_and_edits(
        &self,
        portal: PortalId,
        id: ListId,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
    ) -> Result<ListHistory> {
        let list = self.get(portal, id).await?;
        let start = start.unwrap_or(list.created_at);
        let end = end.unwrap_or_else(Timestamp::now);
        if start > end {
            return Err(Error::invalid(format!(
                "startDate {} is after endDate {}.",
                start.to_iso(),
                end.to_iso()
            )));
        }
        self.store.list_history(portal, id, start, end).await
    }

    /// The portal's folders, when `folder` is one of them (404 otherwise).
    async fn existing_folder(&self, portal: PortalId, folder: i64) -> Result<Vec<Folder>> {
        let folders = self.store.folders(portal).await?;
        if folders.iter().any(|f| f.id == folder) {
            Ok(folders)
        } else {
            Err(Error::NotFound(format!("Folder {folder} does not exist.")))
        }
    }
}

fn parse_processing_type(text: Option<&str>) -> Result<ProcessingType> {
    let text = text.ok_or_else(|| {
        Error::invalid_field(
            "processingType",
            "A list needs a processingType: MANUAL, DYNAMIC or SNAPSHOT.",
        )
    })?;
    ProcessingType::parse(text).ok_or_else(|| {
        Error::invalid_field(
            "processingType",
            format!("Unknown processingType {text}: expected MANUAL, DYNAMIC or SNAPSHOT."),
        )
    })
}

pub fn list_not_found(id: ListId) -> Error {
    Error::NotFound(format!("List {id} does not exist."))
}

fn name_taken(name: &str) -> Error {
    Error::invalid_field("name", format!("A list named '{name}' already exists."))
}
