//! Spoke's domain: what a portal, a contact and a property are, how property
//! values are validated, which errors exist, and the storage traits every
//! backend implements.
//!
//! This crate knows nothing of HTTP or SQL; the dependency direction is
//! enforced by Cargo. The HTTP façades (v3, date-versioned, legacy v1) and the
//! storage backends (SQLite, later PostgreSQL) all depend on it.

pub mod access;
pub mod contact;
pub mod crm;
pub mod email;
pub mod error;
pub mod exports;
pub mod ids;
pub mod imports;
pub mod lists;
pub mod property;
pub mod sandbox;
pub mod search;
pub mod store;
pub mod time;
pub mod webhooks;

pub use error::{Error, Result};
