//! A contact's row as every store keeps it: the contact and where it is in
//! its life.

use super::Contact;
use crate::ids::ContactId;

/// Where a contact is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactState {
    Active,
    /// HubSpot's soft delete: hidden, restorable, holding no identities.
    Archived,
    /// Merged into another contact; the row stays so its id resolves.
    Merged,
}

impl ContactState {
    /// The number stores keep for the state.
    pub fn code(self) -> i16 {
        match self {
            ContactState::Active => 0,
            ContactState::Archived => 1,
            ContactState::Merged => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<ContactState> {
        match code {
            0 => Some(ContactState::Active),
            1 => Some(ContactState::Archived),
            2 => Some(ContactState::Merged),
            _ => None,
        }
    }
}

/// A contact row with its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredContact {
    pub contact: Contact,
    pub state: ContactState,
    /// The contact it was merged into, when `state` is `Merged`.
    pub merged_into: Option<ContactId>,
}

impl StoredContact {
    pub fn id(&self) -> ContactId {
        self.contact.id
    }

    pub fn is_active(&self) -> bool {
        self.state == ContactState::Active
    }
}
