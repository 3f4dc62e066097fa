//! What a backend provides for lists. Memberships of DYNAMIC lists also
//! change inside every contact write ([`super::membership::follow`]).

use super::conversion::{ConversionTime, ListConversion, ListHistory};
use super::list::{
    ContactList, Folder, ListChange, MemberPage, Membership, MembershipUpdate, NewList,
};
use crate::error::Result;
use crate::ids::{ContactId, ListId, PortalId};
use crate::time::Timestamp;
use async_trait::async_trait;

/// A list a contact is in, with the list's version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactMembership {
    pub contact: ContactId,
    pub list: ListId,
    pub list_version: i64,
    pub added_at: Timestamp,
}

#[async_trait]
pub trait ListStore: Send + Sync {
    /// Creates a list. A list with filters starts `PROCESSING` until
    /// [`ListStore::evaluate_list`] has seen every contact. A name taken by
    /// another list of the portal (case-insensitively) is refused.
    async fn create_list(&self, portal: PortalId, list: NewList) -> Result<ContactList>;

    /// The portal's lists (all, or those of `ids`), by id; deleted ones
    /// only when asked for.
    async fn lists(
        &self,
        portal: PortalId,
        ids: Option<&[ListId]>,
        include_deleted: bool,
    ) -> Result<Vec<ContactList>>;

    /// The live list with this name (case-insensitive).
    async fn list_by_name(&self, portal: PortalId, name: &str) -> Result<Option<ContactList>>;

    /// Renames, re-filters, deletes or restores a list; `NotFound` when
    /// there is no such list (deleted lists can only be restored).
    async fn change_list(
        &self,
        portal: PortalId,
        list: ListId,
        change: ListChange,
        at: Timestamp,
    ) -> Result<ContactList>;

    /// A page of a list's members.
    async fn list_members(
        &self,
        portal: PortalId,
        list: ListId,
        page: MemberPage,
    ) -> Result<Vec<Membership>>;

    /// Adds and removes members of a static list (ids that name no active
    /// contact are reported missing), then lets the DYNAMIC lists that
    /// name it follow, in one transaction.
    async fn update_members(
        &self,
        portal: PortalId,
        list: ListId,
        add: &[ContactId],
        remove: &[ContactId],
        at: Timestamp,
    ) -> Result<MembershipUpdate>;

    /// Adds every member of `from` to the static list `into`.
    async fn copy_members(
        &self,
        portal: PortalId,
        into: ListId,
        from: ListId,
        at: Timestamp,
    ) -> Result<()>;

    /// Removes every member of a static list.
    async fn clear_members(&self, portal: PortalId, list: ListId, at: Timestamp) -> Result<()>;

    /// The live lists each contact is in.
    async fn contact_memberships(
        &self,
        portal: PortalId,
        contacts: &[ContactId],
    ) -> Result<Vec<ContactMembership>>;

    /// Evaluates the filters of a `PROCESSING` list for up to `limit` more
    /// contacts, from where the last step stopped, in one transaction.
    /// Returns whether the list is now `COMPLETE`.
    async fn evaluate_list(&self, portal: PortalId, list: ListId, limit: usize) -> Result<bool>;

    /// Lists still being processed, across portals, oldest first.
    async fn lists_processing(&self, limit: usize) -> Result<Vec<(PortalId, ListId)>>;

    /// Starts the evaluation again of every live DYNAMIC list whose filters
    /// depend on the time (rolling ranges) and were last evaluated before
    /// `before`. Returns how many.
    async fn refresh_lists_relative_to_now(&self, before: Timestamp) -> Result<usize>;

    /// A live list's conversion to static: what was asked, and when it
    /// was done; `NotFound` when there is no such list.
    async fn conversion(&self, portal: PortalId, list: ListId) -> Result<ListConversion>;

    /// Asks for the conversion of a live list (or, with `None`, cancels
    /// one not yet done), at `at`.
    async fn schedule_conversion(
        &self,
        portal: PortalId,
        list: ListId,
        requested: Option<ConversionTime>,
        at: Timestamp,
    ) -> Result<ListConversion>;

    /// Makes static every live, evaluated DYNAMIC list whose conversion is
    /// due at `now` ([`ConversionTime::is_due`]), across portals: it
    /// becomes MANUAL with the members it has. Returns how many.
    async fn convert_due_lists(&self, now: Timestamp) -> Result<usize>;

    /// Records, for every live list whose size differs from its last
    /// recorded one, its size at `at`, across portals. Returns how many.
    async fn record_list_sizes(&self, at: Timestamp) -> Result<usize>;

    /// A live list's recorded sizes and filter edits from `from` to `to`
    /// (both included), oldest first.
    async fn list_history(
        &self,
        portal: PortalId,
        list: ListId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ListHistory>;

    async fn create_folder(
        &self,
        portal: PortalId,
        name: &str,
        parent: i64,
        at: Timestamp,
    ) -> Result<Folder>;

    async fn folders(&self, portal: PortalId) -> Result<Vec<Folder>>;

    /// Renames a folder, or moves it under another (never under itself or
    /// its own descendants).
    async fn change_folder(
        &self,
        portal: PortalId,
        folder: i64,
        name: Option<&str>,
        parent: Option<i64>,
        at: Timestamp,
    ) -> Result<Folder>;

    /// Deletes an empty folder.
    async fn delete_folder(&self, portal: PortalId, folder: i64) -> Result<()>;

    /// Moves a list into a folder (0 is the root).
    async fn move_list(&self, portal: PortalId, list: ListId, folder: i64) -> Result<()>;
}
