//! Who may call, and how often: callers and their credentials, scopes,
//! secrets, OAuth's rules, rate limits, and the portals and apps the sandbox
//! admin API manages.

pub mod caller;
pub mod credential;
pub mod limits;
pub mod oauth;
pub mod portals;
pub mod scopes;
pub mod secrets;

pub use caller::{Caller, Credential, PortalTerms, StoredCredential};
pub use scopes::{Need, Scopes};
pub mod service;

pub use service::{Access, Presented};
