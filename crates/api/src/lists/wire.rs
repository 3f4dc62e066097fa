//! The lists API's JSON: `PublicObjectList`, membership pages and their
//! cursors, folders.

use serde_json::{json, Value};
use spoke_domain::ids::ContactId;
use spoke_domain::lists::list::CONTACTS_OBJECT_TYPE;
use spoke_domain::lists::{ContactList, Folder, MemberCursor, MembershipUpdate};
use spoke_domain::Error;

/// HubSpot's `PublicObjectList`; the filters only when asked for.
pub fn list(list: &ContactList, include_filters: bool) -> Value {
    let mut out = json!({
        "listId": list.id.0.to_string(),
        "listVersion": list.version,
        "name": list.name,
        "objectTypeId": CONTACTS_OBJECT_TYPE,
        "processingType": list.processing_type.as_str(),
        "processingStatus": list.processing_status.as_str(),
        "size": list.size,
        "createdAt": list.created_at.to_iso(),
        "updatedAt": list.updated_at.to_iso(),
        "membershipSettings": {"includeUnassigned": false},
        "listPermissions": {"teamsWithEditAccess": [], "usersWithEditAccess": []},
    });
    let object = out.as_object_mut().expect("an object");
    if let Some(at) = list.filters_updated_at {
        object.insert("filtersUpdatedAt".into(), json!(at.to_iso()));
    }
    if let Some(at) = list.deleted_at {
        object.insert("deletedAt".into(), json!(at.to_iso()));
    }
    if include_filters {
        if let Some(filters) = &list.filters {
            object.insert("filterBranch".into(), filters.clone());
        }
    }
    out
}

/// A list as `POST /crm/v3/lists/search` answers it
/// (`PublicObjectListSearchResult`).
pub fn search_result(list: &ContactList) -> Value {
    let mut out = json!({
        "listId": list.id.0.to_string(),
        "listVersion": list.version,
        "name": list.name,
        "objectTypeId": CONTACTS_OBJECT_TYPE,
        "processingType": list.processing_type.as_str(),
        "processingStatus": list.processing_status.as_str(),
        "createdAt": list.created_at.to_iso(),
        "updatedAt": list.updated_at.to_iso(),
        "additionalProperties": {
            "hs_list_size": list.size.to_string(),
            "hs_list_reference_count": "0",
        },
    });
    if let Some(at) = list.filters_updated_at {
        out["filtersUpdatedAt"] = json!(at.to_iso());
    }
    out
}

/// `MembershipsUpdateResponse`, with HubSpot's `recordsIdsAdded` (sic).
pub fn membership_update(update: &MembershipUpdate) -> Value {
    let ids = |v: &[ContactId]| v.iter().map(|c| c.0.to_string()).collect::<Vec<_>>();
    json!({
        "recordsIdsAdded": ids(&update.added),
        "recordIdsRemoved": ids(&update.removed),
        "recordIdsMissing": ids(&update.missing)
            .into_iter()
            .chain(update.unreadable.iter().cloned())
            .collect::<Vec<_>>(),
    })
}

/// The paging token of a member: `<joined ms>-<record id>`.
pub fn cursor(c: MemberCursor) -> String {
    format!("{}-{}", c.added_at, c.contact.0)
}

pub fn parse_cursor(text: &str, key: &str) -> Result<MemberCursor, Error> {
    let bad = || {
        Error::invalid_field(
            key,
            format!("'{text}' is not a paging token this API gave out."),
        )
    };
    let (added, id) = text.rsplit_once('-').ok_or_else(bad)?;
    Ok(MemberCursor {
        added_at: added.parse().map_err(|_| bad())?,
        contact: ContactId(id.parse().map_err(|_| bad())?),
    })
}

/// `PublicListFolder`, with its folders and lists below it.
pub fn folder(
    id: i64,
    name: &str,
    parent: Option<i64>,
    folders: &[Folder],
    lists: &[ContactList],
    times: Option<&Folder>,
) -> Value {
    let child_nodes: Vec<Value> = folders
        .iter()
        .filter(|f| f.parent == id && f.id != id)
        .map(|f| folder(f.id, &f.name, Some(f.parent), folders, lists, Some(f)))
        .collect();
    let child_lists: Vec<i64> = lists
        .iter()
        .filter(|l| l.folder == id)
        .map(|l| l.id.0)
        .collect();
    let mut out = json!({
        "id": id.to_string(),
        "name": name,
        "parentFolderId": parent.unwrap_or(0).to_string(),
        "childNodes": child_nodes,
        "childLists": child_lists,
    });
    if let Some(f) = times {
        out["createdAt"] = json!(f.created_at.to_iso());
        out["updatedAt"] = json!(f.updated_at.to_iso());
    }
    out
}
