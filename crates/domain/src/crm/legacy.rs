//! What the legacy Contacts API v1 asks beyond v3's operations: create or
//! update by email, a batch refused whole that names every failing input,
//! recent contacts, free-text search with offsets, secondary emails and
//! merge audits. Same store, same validation, same uniqueness rules.

use super::Crm;
use crate::contact::{unique_key, ChangeSource, Contact, ContactLookup, ContactWrite};
use crate::email::Email;
use crate::error::{Error, ProblemCode, PropertyProblem, Result};
use crate::ids::{ContactId, PortalId};
use crate::property::InputValue;
use crate::search::tokens::query_words;
use crate::search::{SearchRequest, Sort};
use crate::store::{BatchMode, ContactOp, MergeAudit, OpOutcome, RecentBy, RecentQuery};
use crate::time::Timestamp;
use std::collections::HashMap;

/// Most inputs of one legacy batch (HubSpot: "The batch size should not
/// exceed 1000 contacts per request").
pub const MAX_LEGACY_BATCH: usize = 1000;

/// One input of the legacy batch: the contact named by `vid`, or by
/// `email` (created when no contact has it).
#[derive(Clone, Debug, Default)]
pub struct LegacyBatchItem {
    pub vid: Option<String>,
    pub email: Option<String>,
    pub properties: Vec<(String, InputValue)>,
}

/// The inputs of a refused batch, by position, with the reason.
pub type BatchFailures = Vec<(usize, Error)>;

/// One page of a free-text search.
#[derive(Clone, Debug)]
pub struct QueryPage {
    pub total: u64,
    pub contacts: Vec<Contact>,
}

/// An email given in a path or an input, validated as the `email`
/// property is.
fn email_of(text: &str) -> Result<Email> {
    Email::parse(text).ok_or_else(|| {
        Error::InvalidPropertyValues(vec![PropertyProblem::new(
            "email",
            ProblemCode::InvalidEmail,
            format!("Email address {text} is invalid"),
        )])
    })
}

fn write(changes: crate::contact::PropertyChanges, source: &ChangeSource) -> ContactWrite {
    ContactWrite {
        changes,
        source: source.clone(),
        at: Timestamp::now(),
    }
}

impl Crm {
    /// Updates the contact holding `email` (as its email or a secondary
    /// one) or creates one with it; true when created.
    pub async fn create_or_update_by_email(
        &self,
        portal: PortalId,
        email: &str,
        input: &[(String, InputValue)],
        source: ChangeSource,
    ) -> Result<(Contact, bool)> {
        let email = email_of(email)?;
        let named: Vec<&str> = super::contacts::names(input).collect();
        let mut changes = self
            .schema_for(portal, named)
            .await?
            .validate_write(input)?;
        if changes.get("email").is_none() {
            changes.set("email".into(), Some(email.as_str().to_string()));
        }
        let op = ContactOp::Upsert {
            property: "email".into(),
            key: unique_key(email.as_str()),
            write: write(changes, &source),
        };
        let outcome = self
            .store
            .apply(portal, vec![op], BatchMode::AllOrNothing)
            .await?
            .pop()
            .ok_or_else(|| Error::internal("an upsert returned nothing"))??;
        Ok(match outcome {
            OpOutcome::Created(c) => (c, true),
            OpOutcome::Updated(c) => (c, false),
        })
    }

    /// Creates or updates every input in one transaction, or nothing: a
    /// refused batch comes back as every failing input with its reason.
    pub async fn write_legacy_batch(
        &self,
        portal: PortalId,
        items: Vec<LegacyBatchItem>,
        source: ChangeSource,
    ) -> Result<std::result::Result<(), BatchFailures>> {
        if items.len() > MAX_LEGACY_BATCH {
            return Err(Error::invalid(format!(
                "The batch holds {} contacts; at most {MAX_LEGACY_BATCH} are allowed per request.",
                items.len()
            )));
        }
        let named: Vec<&str> = items
            .iter()
            .flat_map(|item| super::contacts::names(&item.properties))
            .collect();
        let schema = self.schema_for(portal, named).await?;
        let mut failures: BatchFailures = Vec::new();
        let mut ops = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let op = (|| -> Result<ContactOp> {
                let mut changes = schema.validate_write(&item.properties)?;
                match (item.vid.as_deref(), item.email.as_deref()) {
                    (Some(vid), _) => {
                        let id = ContactId::parse(vid.trim()).ok_or_else(|| {
                            Error::invalid(format!("{vid} is not a contact vid."))
                        })?;
                        Ok(ContactOp::Update {
                            lookup: ContactLookup::Id(id),
                            write: write(changes, &source),
                        })
                    }
                    (None, Some(email)) => {
                        let email = email_of(email)?;
                        if changes.get("email").is_none() {
                            changes.set("email".into(), Some(email.as_str().to_string()));
                        }
                        Ok(ContactOp::Upsert {
                            property: "email".into(),
                            key: unique_key(email.as_str()),
                            write: write(changes, &source),
                        })
                    }
                    (None, None) => Err(Error::invalid(
                        "You need to supply a vid or email for the contact.",
                    )),
                }
            })();
            match op {
                Ok(op) => ops.push(op),
                Err(err) => failures.push((index, err)),
            }
        }
        if !failures.is_empty() {
            return Ok(Err(failures));
        }
        let outcomes = self.store.apply(portal, ops, BatchMode::Atomic).await?;
        let failures: BatchFailures = outcomes
            .into_iter()
            .enumerate()
            .filter_map(|(index, outcome)| outcome.err().map(|err| (index, err)))
            .collect();
        Ok(if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        })
    }

    /// Active contacts, most recently created or modified first, after the
    /// position (time and id) where the previous page ended.
    pub async fn recent_contacts(
        &self,
        portal: PortalId,
        by: RecentBy,
        before: Option<(Timestamp, ContactId)>,
        limit: usize,
    ) -> Result<Vec<Contact>> {
        let query = RecentQuery { by, before, limit };
        let ids = self.store.recent_contacts(portal, query).await?;
        self.store.find_contacts(portal, &ids, false).await
    }

    /// Contacts whose searchable properties (names, emails, phones,
    /// company) have words starting with every word of `query`, without
    /// the v3 search's 10,000-result ceiling.
    pub async fn query_contacts(
        &self,
        portal: PortalId,
        query: &str,
        sort: Option<Sort>,
        offset: usize,
        limit: usize,
    ) -> Result<QueryPage> {
        let words = query_words(query);
        if words.is_empty() {
            return Ok(QueryPage {
                total: 0,
                contacts: Vec::new(),
            });
        }
        let request = SearchRequest {
            groups: Vec::new(),
            query_words: words,
            sort,
            offset,
            limit,
        };
        let hits = self.run_search(portal, request).await?;
        let contacts = self.store.find_contacts(portal, &hits.ids, false).await?;
        Ok(QueryPage {
            total: hits.total,
            contacts,
        })
    }

    /// Replaces a contact's secondary emails (`hs_additional_emails`, which
    /// ordinary writes may not touch). Each must be a valid address that no
    /// other contact holds, and differ from the contact's email.
    pub async fn set_secondary_emails(
        &self,
        portal: PortalId,
        id: ContactId,
        emails: &[String],
    ) -> Result<Contact> {
        let contact = self
            .get_contact(portal, &ContactLookup::Id(id), false)
            .await?;
        let mut joined: Vec<String> = Vec::new();
        for text in emails {
            let email = email_of(text)?;
            let email = email.as_str().to_string();
            if contact.email() == Some(email.as_str()) {
                return Err(Error::invalid(format!(
                    "{email} is the contact's primary email address."
                )));
            }
            if !joined.contains(&email) {
                joined.push(email);
            }
        }
        let mut changes = crate::contact::PropertyChanges::default();
        changes.set(
            "hs_additional_emails".into(),
            (!joined.is_empty()).then(|| joined.join(";")),
        );
        let write = write(changes, &ChangeSource::api());
        self.store.update_contact(portal, contact.id, write).await
    }

    /// Every merge into each contact, oldest first.
    pub async fn merge_audits(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<MergeAudit>>> {
        self.store.merge_audits(portal, ids).await
    }
}

fn digest(kind: &str, portal: PortalId, id: ContactId) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("spoke/{kind}/{portal}/{id}").as_bytes()).into()
}

/// The contact's `LEAD_GUID` identity: a stable UUID-shaped value derived
/// from the portal and the id (Spoke stores none).
pub fn lead_guid(portal: PortalId, id: ContactId) -> String {
    let b = digest("lead-guid", portal, id);
    let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The contact's `profile-token`, shaped like HubSpot's (`AO_T-m…`).
pub fn profile_token(portal: PortalId, id: ContactId) -> String {
    let b = digest("profile-token", portal, id);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("AO_T-m{hex}")
}
