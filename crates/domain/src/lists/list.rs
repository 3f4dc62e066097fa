//! A list of contacts and its folder, as every store keeps them.

use crate::error::{Error, Result};
use crate::ids::{ContactId, ListId};
use crate::time::Timestamp;
use serde_json::Value;

/// Longest list or folder name Spoke accepts.
pub const MAX_NAME_CHARS: usize = 255;
/// HubSpot's object type id of contacts, the only lists Spoke keeps.
pub const CONTACTS_OBJECT_TYPE: &str = "0-1";
/// Legacy (v1) list ids are the v3 id plus this, so that code mapping one
/// to the other (`/crm/v3/lists/idmapping`) is tested by ids that differ.
pub const LEGACY_ID_OFFSET: i64 = 1_000;
/// The root folder, which holds lists without a folder.
pub const ROOT_FOLDER: i64 = 0;

/// How membership is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProcessingType {
    /// Static: members are added and removed by calls.
    Manual,
    /// Members are the contacts that pass the filters, always.
    Dynamic,
    /// The contacts that passed the filters once, at creation; static after.
    Snapshot,
}

impl ProcessingType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingType::Manual => "MANUAL",
            ProcessingType::Dynamic => "DYNAMIC",
            ProcessingType::Snapshot => "SNAPSHOT",
        }
    }

    pub fn parse(text: &str) -> Option<ProcessingType> {
        match text {
            "MANUAL" => Some(ProcessingType::Manual),
            "DYNAMIC" => Some(ProcessingType::Dynamic),
            "SNAPSHOT" => Some(ProcessingType::Snapshot),
            _ => None,
        }
    }

    /// Whether calls may add and remove members.
    pub fn is_static(self) -> bool {
        self != ProcessingType::Dynamic
    }
}

/// Whether the filters have been evaluated over the whole portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessingStatus {
    Complete,
    /// A whole-portal evaluation is under way; contacts written meanwhile
    /// are already evaluated.
    Processing,
}

impl ProcessingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingStatus::Complete => "COMPLETE",
            ProcessingStatus::Processing => "PROCESSING",
        }
    }

    pub fn parse(text: &str) -> Option<ProcessingStatus> {
        match text {
            "COMPLETE" => Some(ProcessingStatus::Complete),
            "PROCESSING" => Some(ProcessingStatus::Processing),
            _ => None,
        }
    }
}

/// A list as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactList {
    pub id: ListId,
    pub name: String,
    pub processing_type: ProcessingType,
    pub processing_status: ProcessingStatus,
    /// Grows by one with every change of name or filters.
    pub version: i64,
    /// The filter tree as answered ([`super::FilterBranch::to_json`]).
    pub filters: Option<Value>,
    pub folder: i64,
    pub size: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub filters_updated_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
}

impl ContactList {
    pub fn legacy_id(&self) -> i64 {
        self.id.0 + LEGACY_ID_OFFSET
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// The v3 list id a legacy list id names, if it can name one.
pub fn from_legacy_id(legacy: i64) -> Option<ListId> {
    (legacy > LEGACY_ID_OFFSET).then_some(ListId(legacy - LEGACY_ID_OFFSET))
}

/// A list to create, checked ([`super::Lists::create`]).
#[derive(Clone, Debug, PartialEq)]
pub struct NewList {
    pub name: String,
    pub processing_type: ProcessingType,
    pub filters: Option<Value>,
    pub folder: i64,
    pub at: Timestamp,
}

/// A change to a list's definition.
#[derive(Clone, Debug, PartialEq)]
pub enum ListChange {
    Rename(String),
    /// New filters (a DYNAMIC list is evaluated again).
    Filters(Value),
    Delete,
    Restore,
}

/// A contact's membership of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    pub list: ListId,
    pub contact: ContactId,
    pub added_at: Timestamp,
}

/// Which end of a list's members a page starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberOrder {
    /// By contact id.
    RecordId,
    /// By the time each contact joined (then by id).
    JoinOrder,
}

/// A cursor into a list's members: the position of a member, in the
/// page's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberCursor {
    pub added_at: i64,
    pub contact: ContactId,
}

/// A page of a list's members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberPage {
    pub order: MemberOrder,
    /// Members after this position (ascending), or else before it
    /// (descending, as HubSpot answers a page asked for with `before` only).
    pub after: Option<MemberCursor>,
    pub before: Option<MemberCursor>,
    pub limit: usize,
}

/// What adding and removing members did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembershipUpdate {
    pub added: Vec<ContactId>,
    pub removed: Vec<ContactId>,
    /// Ids that name no active contact of the portal.
    pub missing: Vec<ContactId>,
    /// Record ids that are not ids at all, as given (reported missing too).
    pub unreadable: Vec<String>,
}

/// A folder of lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    pub id: i64,
    pub name: String,
    pub parent: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Checks a list or folder name.
pub fn check_name(name: &str, what: &str) -> Result<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_field(
            "name",
            format!("A {what} needs a name."),
        ));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid_field(
            "name",
            format!("A {what} name may have at most {MAX_NAME_CHARS} characters."),
        ));
    }
    Ok(trimmed.to_string())
}
