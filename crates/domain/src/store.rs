//! The storage traits. Each backend (SQLite now, PostgreSQL later)
//! implements them; everything above them is backend-agnostic.
//!
//! Contract shared by every implementation:
//! - every method is scoped to one portal and never sees another's rows;
//! - every write is one transaction, and records its history and its outbox
//!   event in that same transaction;
//! - uniqueness (email, `hasUniqueValue` properties) is enforced inside the
//!   transaction and reported as the domain's 409 errors.

use crate::access::limits::{LimitSettings, RateCounter};
use crate::access::oauth::{AccessGrant, App, AuthorizationCode, RefreshGrant};
use crate::access::portals::{NewApp, NewPortal, NewPrivateApp, PortalRecord, PrivateApp};
use crate::access::StoredCredential;
use crate::contact::{ChangeKind, Contact, ContactLookup, ContactWrite, RecordedChange};
use crate::error::Result;
use crate::exports::{ExportRecord, NewExport};
use crate::ids::{AppId, ContactId, PortalId};
use crate::imports::{ImportError, ImportProgress, ImportRecord, ImportState, NewImport};
use crate::lists::ListStore;
use crate::property::{PropertyDefinition, PropertyGroup, PropertySchema};
use crate::sandbox::faults::PortalFaults;
use crate::sandbox::journal::{JournalEntry, JournalQuery};
use crate::sandbox::snapshots::Snapshot;
use crate::search::{SearchHits, SearchRequest};
use crate::time::Timestamp;
use crate::webhooks::WebhookStore;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Arc;

/// What `ensure_default_portal` found or made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultPortal {
    pub portal: PortalId,
    /// The portal was created by this call.
    pub created: bool,
}

#[async_trait]
pub trait PortalStore: Send + Sync {
    /// Creates the default portal (with every standard property) when the
    /// store has none. Registers `chosen` for it when given and not yet
    /// known; otherwise registers `for_new_portal`, but only when the portal
    /// is created by this call (a generated token is shown once, at
    /// creation). Tokens registered here belong to the portal's bootstrap
    /// private app, which holds every scope.
    async fn ensure_default_portal(
        &self,
        chosen: Option<[u8; 32]>,
        for_new_portal: [u8; 32],
    ) -> Result<DefaultPortal>;

    /// Creates a portal with every standard property and its first private
    /// app.
    async fn create_portal(&self, portal: NewPortal) -> Result<(PortalRecord, PrivateApp)>;

    /// Every portal, in id order.
    async fn portals(&self) -> Result<Vec<PortalRecord>>;

    async fn portal(&self, portal: PortalId) -> Result<Option<PortalRecord>>;

    /// Deletes the portal and every row that belongs to it, in one
    /// transaction. `false` when there was no such portal.
    async fn delete_portal(&self, portal: PortalId) -> Result<bool>;

    /// Empties the portal of what its API calls wrote, in one transaction
    /// ([`crate::sandbox`]): with `keep_properties`, its property
    /// definitions stay; otherwise it has HubSpot's standard ones again.
    /// Contact ids keep rising. `false` when there was no such portal.
    async fn reset_portal(&self, portal: PortalId, keep_properties: bool) -> Result<bool>;

    /// Stores the portal's limits; `None` when there is no such portal.
    async fn set_limits(
        &self,
        portal: PortalId,
        limits: LimitSettings,
    ) -> Result<Option<PortalRecord>>;
}

/// A portal's faults, injected on purpose ([`crate::sandbox::faults`]).
/// Read on every call of the portal's API, so stores cache them and drop
/// the copy on every node when they change.
#[async_trait]
pub trait FaultStore: Send + Sync {
    /// The portal's faults (none when never set).
    async fn faults(&self, portal: PortalId) -> Result<Arc<PortalFaults>>;

    /// Sets the portal's faults (or, `None`, clears them), with a fresh
    /// budget for every rule with a `count`. `false` when there is no such
    /// portal.
    async fn set_faults(&self, portal: PortalId, faults: Option<PortalFaults>) -> Result<bool>;

    /// What is left of each rule's budget, by rule position (`None` for a
    /// rule without one).
    async fn fault_budgets(&self, portal: PortalId) -> Result<Vec<Option<u64>>>;

    /// Takes one hit from rule `rule`'s budget, atomically across nodes;
    /// `false` when it is spent.
    async fn take_fault(&self, portal: PortalId, rule: usize) -> Result<bool>;
}

/// Snapshots of a portal's state and copies of a portal
/// ([`crate::sandbox::snapshots`]).
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Takes a snapshot of the portal's state, in one transaction. `None`
    /// when there is no such portal; a name in use is `AlreadyExists`.
    async fn take_snapshot(
        &self,
        portal: PortalId,
        name: &str,
        at: Timestamp,
    ) -> Result<Option<Snapshot>>;

    /// The portal's snapshots, oldest first.
    async fn snapshots(&self, portal: PortalId) -> Result<Vec<Snapshot>>;

    /// Puts the portal's state back as the snapshot holds it, in one
    /// transaction; `None` when there is no such snapshot.
    async fn restore_snapshot(&self, portal: PortalId, name: &str) -> Result<Option<Snapshot>>;

    /// Deletes a snapshot; `false` when there was none.
    async fn delete_snapshot(&self, portal: PortalId, name: &str) -> Result<bool>;

    /// Gives the new portal `into` the property definitions of `from`
    /// and, with `data`, every row a snapshot of `from` would hold, with
    /// its id counter, in one transaction.
    async fn copy_portal(&self, from: PortalId, into: PortalId, data: bool) -> Result<()>;
}

/// The request journal ([`crate::sandbox::journal`]).
#[async_trait]
pub trait JournalStore: Send + Sync {
    /// Stores notes of calls, then keeps only the newest
    /// [`crate::sandbox::journal::KEEP_PER_PORTAL`] of each portal noted.
    async fn record_requests(&self, notes: Vec<(PortalId, JournalEntry)>) -> Result<()>;

    /// The portal's calls matching the query, newest first, with their ids.
    async fn journal(
        &self,
        portal: PortalId,
        query: JournalQuery,
    ) -> Result<Vec<(i64, JournalEntry)>>;

    async fn clear_journal(&self, portal: PortalId) -> Result<()>;

    /// Deletes every portal's calls made before `before` (retention); how
    /// many went.
    async fn prune_journal(&self, before: Timestamp) -> Result<u64>;

    /// Deletes every call of the portal whose path or bodies hold one of
    /// `values` (lowercase), for good (a GDPR delete).
    async fn forget_in_journal(&self, portal: PortalId, values: &[String]) -> Result<()>;
}

/// Imports and exports of contacts ([`crate::imports`],
/// [`crate::exports`]).
#[async_trait]
pub trait TransferStore: Send + Sync {
    /// Stores a new import, `STARTED`, with a new id.
    async fn create_import(&self, portal: PortalId, import: NewImport) -> Result<ImportRecord>;

    /// Stores a running import's progress and its new errors, in one
    /// transaction, unless it is no longer running (canceled meanwhile).
    /// The import's state afterwards; `None` when there is no such import.
    async fn record_import_progress(
        &self,
        portal: PortalId,
        id: i64,
        progress: ImportProgress,
        errors: Vec<ImportError>,
    ) -> Result<Option<ImportState>>;

    async fn import(&self, portal: PortalId, id: i64) -> Result<Option<ImportRecord>>;

    /// The portal's imports, newest first, with ids below `before`.
    async fn imports(
        &self,
        portal: PortalId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ImportRecord>>;

    /// An import's errors in the order they were found, numbered from 1,
    /// after the `after`th.
    async fn import_errors(
        &self,
        portal: PortalId,
        id: i64,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Timestamp, ImportError)>>;

    /// Cancels a running import; the import as it stands (unchanged when it
    /// had finished), `None` when there is no such import.
    async fn cancel_import(
        &self,
        portal: PortalId,
        id: i64,
        at: Timestamp,
    ) -> Result<Option<ImportRecord>>;

    /// Deletes every import error whose row holds one of `values`
    /// (lowercase), for good (a GDPR delete).
    async fn forget_in_imports(&self, portal: PortalId, values: &[String]) -> Result<()>;

    async fn create_export(&self, portal: PortalId, export: NewExport) -> Result<ExportRecord>;

    /// An export by its id, whichever portal it belongs to (its download
    /// link names it and carries its token).
    async fn export(&self, id: i64) -> Result<Option<ExportRecord>>;
}

/// Credentials, apps and grants. Secrets arrive and are looked up as
/// digests only.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// The credential (private app token, API key or OAuth access token)
    /// whose secret has this digest, with its portal's terms. Expired OAuth
    /// tokens are returned too: the caller says how long ago they expired.
    async fn credential(&self, secret_hash: [u8; 32]) -> Result<Option<StoredCredential>>;

    /// `None` when there is no such portal.
    async fn create_private_app(
        &self,
        portal: PortalId,
        app: NewPrivateApp,
    ) -> Result<Option<PrivateApp>>;

    /// Deletes a private app and its tokens; `false` when the portal has no
    /// such app.
    async fn delete_private_app(&self, portal: PortalId, app: AppId) -> Result<bool>;

    /// A portal's private apps, by id.
    async fn private_apps(&self, portal: PortalId) -> Result<Vec<PrivateApp>>;

    /// The public apps installed in a portal: (app, scopes granted, when).
    async fn installs(
        &self,
        portal: PortalId,
    ) -> Result<Vec<(AppId, crate::access::Scopes, Timestamp)>>;

    /// Every public app, by id.
    async fn apps(&self) -> Result<Vec<App>>;

    /// Sets (or replaces) the portal's API key; `false` when there is no
    /// such portal.
    async fn set_api_key(&self, portal: PortalId, key_hash: [u8; 32]) -> Result<bool>;

    /// `false` when the portal had no API key.
    async fn delete_api_key(&self, portal: PortalId) -> Result<bool>;

    async fn create_app(&self, app: NewApp) -> Result<App>;

    async fn app(&self, app: AppId) -> Result<Option<App>>;

    async fn app_by_client_id(&self, client_id: &str) -> Result<Option<App>>;

    /// The app whose developer API key has this digest.
    async fn app_by_developer_key(&self, key_hash: [u8; 32]) -> Result<Option<App>>;

    /// Installs the app in the code's portal with the code's scopes and
    /// stores the code; `false` when there is no such portal.
    async fn authorize(&self, code: AuthorizationCode) -> Result<bool>;

    async fn authorization_code(&self, code_hash: [u8; 32]) -> Result<Option<AuthorizationCode>>;

    /// Uses up the code and stores the tokens it buys, in one transaction;
    /// `false` when the code was used meanwhile.
    async fn redeem_code(
        &self,
        code_hash: [u8; 32],
        access: AccessGrant,
        refresh: RefreshGrant,
    ) -> Result<bool>;

    async fn refresh_grant(&self, token_hash: [u8; 32]) -> Result<Option<RefreshGrant>>;

    /// Stores an access token bought with a refresh token.
    async fn add_access_token(&self, access: AccessGrant) -> Result<()>;

    /// The OAuth access token with this digest, expired or not.
    async fn access_grant(&self, token_hash: [u8; 32]) -> Result<Option<AccessGrant>>;

    /// `false` when there was no such refresh token.
    async fn delete_refresh_token(&self, token_hash: [u8; 32]) -> Result<bool>;

    /// `false` when there was no such OAuth access token.
    async fn delete_access_token(&self, token_hash: [u8; 32]) -> Result<bool>;

    /// Registers `chosen` as an admin token when given; otherwise registers
    /// `candidate` when the store has no generated admin token yet. `true`
    /// when `candidate` was registered (it is shown once).
    async fn ensure_admin_token(
        &self,
        chosen: Option<[u8; 32]>,
        candidate: [u8; 32],
    ) -> Result<bool>;

    async fn is_admin_token(&self, token_hash: [u8; 32]) -> Result<bool>;

    /// Stores a signed-in browser's session.
    async fn add_session(&self, session_hash: [u8; 32], expires_at: Timestamp) -> Result<()>;

    /// Deletes a session (signing out); unknown sessions are ignored.
    async fn end_session(&self, session_hash: [u8; 32]) -> Result<()>;

    /// Whether the session exists and has not expired at `now`.
    async fn session_valid(&self, session_hash: [u8; 32], now: Timestamp) -> Result<bool>;

    /// Where rate-limited calls are counted: in the process for a store
    /// only one server opens, in the database for one that several share.
    fn rate_counter(&self) -> Arc<dyn RateCounter>;
}

#[async_trait]
pub trait PropertyStore: Send + Sync {
    /// Every contact property definition of the portal, archived included.
    async fn property_schema(&self, portal: PortalId) -> Result<Arc<PropertySchema>>;

    /// The portal's definitions read afresh (another node may have changed
    /// them a moment ago); the cache keeps what was read.
    async fn reload_property_schema(&self, portal: PortalId) -> Result<Arc<PropertySchema>> {
        self.property_schema(portal).await
    }

    /// Every property group of the portal, archived included.
    async fn property_groups(&self, portal: PortalId) -> Result<Vec<PropertyGroup>>;

    /// Stores a new definition; `AlreadyExists` when the name is taken
    /// (by an active or an archived property).
    async fn create_property(
        &self,
        portal: PortalId,
        def: PropertyDefinition,
    ) -> Result<PropertyDefinition>;

    /// Replaces a definition. With `reencode`, every stored value is first
    /// rewritten in the form the new definition requires
    /// ([`crate::property::rules::reencode_value`]); if any value cannot be,
    /// nothing changes and the error says which.
    async fn replace_property(
        &self,
        portal: PortalId,
        def: PropertyDefinition,
        reencode: bool,
    ) -> Result<PropertyDefinition>;

    /// Marks a definition archived; stored values are kept.
    async fn archive_property(&self, portal: PortalId, name: &str, at: Timestamp) -> Result<()>;

    /// Stores a new group; `AlreadyExists` when the name is taken.
    async fn create_group(&self, portal: PortalId, group: PropertyGroup) -> Result<PropertyGroup>;

    /// Replaces a group (label, display order, archived).
    async fn replace_group(&self, portal: PortalId, group: PropertyGroup) -> Result<PropertyGroup>;
}

/// One page request of a contact listing, in id order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListQuery {
    /// First id to include.
    pub from: Option<ContactId>,
    pub limit: usize,
    /// List archived contacts only (otherwise active ones only).
    pub archived: bool,
}

/// Outcome of archiving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveOutcome {
    Archived,
    AlreadyArchived,
    NotFound,
}

/// One write of a batch (a single write is a batch of one).
#[derive(Clone, Debug)]
pub enum ContactOp {
    Create(ContactWrite),
    /// Updates the active contact found by `lookup`.
    Update {
        lookup: ContactLookup,
        write: ContactWrite,
    },
    /// Updates the active contact holding `key` of the identifying
    /// `property`, or creates one. The write carries the property's value.
    Upsert {
        property: String,
        key: String,
        write: ContactWrite,
    },
}

/// What one write did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpOutcome {
    Created(Contact),
    Updated(Contact),
}

impl OpOutcome {
    pub fn contact(&self) -> &Contact {
        match self {
            OpOutcome::Created(c) | OpOutcome::Updated(c) => c,
        }
    }

    pub fn into_contact(self) -> Contact {
        match self {
            OpOutcome::Created(c) | OpOutcome::Updated(c) => c,
        }
    }
}

/// How a batch treats a failing write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchMode {
    /// The first failure fails the request; nothing is written.
    AllOrNothing,
    /// Each write stands alone; a failed one leaves nothing behind and is
    /// reported in its place.
    PerInput,
    /// Every write is tried and reported in its place, as with `PerInput`;
    /// when any fails, none is written (the legacy v1 batch, which names
    /// every failing input of a refused batch).
    Atomic,
}

/// Which time orders a listing of recent contacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecentBy {
    /// `createdate`.
    Created,
    /// `lastmodifieddate`.
    Modified,
}

/// One page of active contacts, newest first by `by` (then highest id
/// first), starting after the position `before` (the time and id of the
/// last contact of the previous page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecentQuery {
    pub by: RecentBy,
    pub before: Option<(Timestamp, ContactId)>,
    pub limit: usize,
}

/// One merge into a contact, as the legacy API's `merge-audits` tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeAudit {
    /// The contact merged away.
    pub merged: ContactId,
    /// The contact it was merged into at the time (a later merge may have
    /// moved both into another).
    pub into: ContactId,
    pub at: Timestamp,
    /// Values the merge copied onto the surviving contact.
    pub properties_moved: u32,
}

/// What a GDPR delete did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GdprOutcome {
    /// The contact, its values and its history are gone.
    Deleted(ContactId),
    /// No contact had the email; it is now blocked.
    EmailBlocked,
}

#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Applies writes in one transaction. With `AllOrNothing` the first
    /// failure is returned and nothing is written; with `PerInput` each
    /// write's result is returned in order. Identifying values (email,
    /// additional emails, `hasUniqueValue` properties) are unique per
    /// portal; values equal to the current ones are not changes; a write
    /// without changes records nothing.
    async fn apply(
        &self,
        portal: PortalId,
        ops: Vec<ContactOp>,
        mode: BatchMode,
    ) -> Result<Vec<Result<OpOutcome>>>;

    /// An active contact (`archived == false`) or an archived one. The id of
    /// a contact merged into another resolves to the surviving contact.
    async fn find_contact(
        &self,
        portal: PortalId,
        lookup: &ContactLookup,
        archived: bool,
    ) -> Result<Option<Contact>>;

    /// Several contacts by id, in the order asked, merged ids resolved;
    /// ids not found are left out.
    async fn find_contacts(
        &self,
        portal: PortalId,
        ids: &[ContactId],
        archived: bool,
    ) -> Result<Vec<Contact>>;

    /// Up to `limit` contacts, of every portal, archived before `before`.
    async fn archived_before(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<(PortalId, ContactId)>>;

    /// Removes a contact archived before `before` for good, as a GDPR
    /// delete does, without an event; `false` when it is no longer due
    /// (restored meanwhile).
    async fn purge_archived(
        &self,
        portal: PortalId,
        id: ContactId,
        before: Timestamp,
    ) -> Result<bool>;

    /// Restores an archived contact ([`crate::contact::plan::RestorePlanner`]).
    async fn restore_contact(&self, portal: PortalId, id: ContactId) -> Result<Contact>;

    /// Archives contacts, one outcome per id, in one transaction.
    async fn archive_contacts(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<Vec<ArchiveOutcome>>;

    /// Merges `secondary` into `primary` (both active): the primary keeps
    /// its id and gains what [`crate::contact::merged_values`] gives it and
    /// the secondary's history; the secondary's id resolves to it after.
    async fn merge_contacts(
        &self,
        portal: PortalId,
        primary: ContactId,
        secondary: ContactId,
        at: Timestamp,
    ) -> Result<Contact>;

    /// Permanently removes a contact (by id or email) with its values and
    /// history; an unknown email is blocked instead.
    async fn gdpr_delete(&self, portal: PortalId, lookup: &ContactLookup) -> Result<GdprOutcome>;

    /// Up to `limit` contacts with `id >= from`, in id order.
    async fn list_contacts(&self, portal: PortalId, query: ListQuery) -> Result<Vec<Contact>>;

    /// Every recorded change of each contact, oldest first.
    async fn recorded_changes(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<RecordedChange>>>;

    /// Active contacts matching a validated search; sees every write that
    /// has returned.
    async fn search(&self, portal: PortalId, request: SearchRequest) -> Result<SearchHits>;

    /// Ids of active contacts, most recently created or modified first;
    /// sees every write that has returned.
    async fn recent_contacts(&self, portal: PortalId, query: RecentQuery)
        -> Result<Vec<ContactId>>;

    /// Every merge into each of `ids` (directly or through a contact merged
    /// into it later), oldest first.
    async fn merge_audits(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<MergeAudit>>>;

    /// Creates one contact.
    async fn create_contact(&self, portal: PortalId, write: ContactWrite) -> Result<Contact> {
        single(
            self.apply(
                portal,
                vec![ContactOp::Create(write)],
                BatchMode::AllOrNothing,
            )
            .await?,
        )
    }

    /// Updates one active contact.
    async fn update_contact(
        &self,
        portal: PortalId,
        id: ContactId,
        write: ContactWrite,
    ) -> Result<Contact> {
        let op = ContactOp::Update {
            lookup: ContactLookup::Id(id),
            write,
        };
        single(
            self.apply(portal, vec![op], BatchMode::AllOrNothing)
                .await?,
        )
    }

    async fn archive_contact(&self, portal: PortalId, id: ContactId) -> Result<ArchiveOutcome> {
        let mut outcomes = self.archive_contacts(portal, &[id]).await?;
        Ok(outcomes.pop().unwrap_or(ArchiveOutcome::NotFound))
    }
}

fn single(mut outcomes: Vec<Result<OpOutcome>>) -> Result<Contact> {
    match outcomes.pop() {
        Some(outcome) => outcome.map(OpOutcome::into_contact),
        None => Err(crate::Error::internal("a batch of one returned nothing")),
    }
}

/// One change event, recorded in the transaction of the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Increasing, never reused: a delivery cursor.
    pub id: i64,
    pub portal: PortalId,
    pub contact: ContactId,
    pub kind: ChangeKind,
    pub occurred_at: Timestamp,
    /// The property values the change wrote (`""` for a cleared value).
    pub values: BTreeMap<String, String>,
    /// Who made the change, as HubSpot's `changeSource` tells it (`API`).
    pub source: String,
    /// What a merge did (merge events only).
    pub merge: Option<crate::contact::plan::MergeDetails>,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Up to `limit` of a portal's events with `id > after`, oldest first.
    async fn outbox_after(
        &self,
        portal: PortalId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>>;
}

/// Everything a backend provides.
pub trait Store:
    PortalStore
    + FaultStore
    + SnapshotStore
    + JournalStore
    + TransferStore
    + AccessStore
    + PropertyStore
    + ContactStore
    + OutboxStore
    + WebhookStore
    + ListStore
    + 'static
{
}

impl<
        T: PortalStore
            + FaultStore
            + SnapshotStore
            + JournalStore
            + TransferStore
            + AccessStore
            + PropertyStore
            + ContactStore
            + OutboxStore
            + WebhookStore
            + ListStore
            + 'static,
    > Store for T
{
}
