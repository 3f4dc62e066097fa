//! Numeric identifiers. HubSpot sends them as strings in v3 and as numbers in
//! v1 and webhooks; inside Spoke they are integers.

use std::fmt;

/// A portal (HubSpot calls it an account or hub): the unit of tenancy.
/// Every row in every store belongs to exactly one portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortalId(pub i64);

/// An app's id: a portal's private app or a public OAuth app (one number
/// space, as at HubSpot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(pub i64);

/// A contact's id, allocated monotonically per portal starting at 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(pub i64);

impl ContactId {
    /// Parses the decimal form HubSpot uses on the wire (`"512"`).
    /// Anything else (signs, spaces, zero, overflow) is not an id.
    pub fn parse(text: &str) -> Option<ContactId> {
        if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match text.parse::<i64>() {
            Ok(n) if n > 0 => Some(ContactId(n)),
            _ => None,
        }
    }
}

/// A list's id (HubSpot's ILS list id), allocated per portal from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListId(pub i64);

impl ListId {
    /// Parses the decimal form of the wire (`"12"`), as [`ContactId::parse`].
    pub fn parse(text: &str) -> Option<ListId> {
        ContactId::parse(text).map(|id| ListId(id.0))
    }
}

impl fmt::Display for ListId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for PortalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_ids_are_positive_decimal_numbers() {
        assert_eq!(ContactId::parse("512"), Some(ContactId(512)));
        assert_eq!(ContactId::parse("0"), None);
        assert_eq!(ContactId::parse("-1"), None);
        assert_eq!(ContactId::parse("+1"), None);
        assert_eq!(ContactId::parse(" 1"), None);
        assert_eq!(ContactId::parse("abc"), None);
        assert_eq!(ContactId::parse("99999999999999999999"), None);
    }
}
