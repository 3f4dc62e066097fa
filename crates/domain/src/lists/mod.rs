//! Lists of contacts (HubSpot's v3 lists and the legacy v1 lists over the
//! same rows): MANUAL lists whose members calls choose, DYNAMIC lists whose
//! members are the contacts passing their filters, and SNAPSHOT lists
//! filled once by their filters.
//!
//! A filter tree ([`FilterBranch`]) is a domain value, evaluated against
//! one contact ([`matches`]). Every contact write lets the portal's DYNAMIC
//! lists follow it in the write's transaction ([`follow`]), so a read after
//! the write sees the contact in every list it matches. A new or
//! re-filtered list is evaluated over the portal in steps
//! ([`ListStore::evaluate_list`]), contact by contact with the same
//! function, while writes go on.

pub mod conversion;
pub mod evaluate;
pub mod filters;
pub mod legacy;
pub mod list;
pub mod membership;
pub mod service;
pub mod store;
pub mod time_points;

pub use evaluate::{matches, Subject, ValueCache};
pub use filters::FilterBranch;
pub use list::{
    ContactList, Folder, ListChange, MemberCursor, MemberOrder, MemberPage, Membership,
    MembershipUpdate, NewList, ProcessingStatus, ProcessingType,
};
pub use membership::{
    follow, follow_active, follow_rows, histories_wanted, memberships_wanted, Follow, LiveList,
    LiveListCache, LiveLists, LiveVersions, MembershipChanges,
};
pub use service::Lists;
pub use store::{ContactMembership, ListStore};

#[cfg(test)]
mod tests;
