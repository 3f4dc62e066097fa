//! Batch writes, reads, merge, GDPR delete and search: the rules HubSpot
//! applies around the store's operations.

use super::{check_batch_size, Crm};
use crate::contact::{unique_key, ChangeSource, Contact, ContactLookup, ContactWrite};
use crate::error::{Error, Result};
use crate::ids::{ContactId, PortalId};
use crate::property::InputValue;
use crate::search::{SearchInput, SearchRequest, MAX_RESULTS};
use crate::store::{BatchMode, ContactOp, GdprOutcome, OpOutcome};
use crate::time::Timestamp;

/// One input of `batch/create`, `batch/update` or `batch/upsert`.
#[derive(Clone, Debug, Default)]
pub struct BatchInput {
    pub properties: Vec<(String, InputValue)>,
    /// The id of the contact to update (or upsert).
    pub id: Option<String>,
    pub id_property: Option<String>,
    pub object_write_trace_id: Option<String>,
}

/// What a batch write asks of each input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchKind {
    Create,
    Update,
    Upsert,
}

/// The outcome of a batch read.
#[derive(Clone, Debug)]
pub struct BatchRead {
    pub found: Vec<Contact>,
    /// The ids asked for that name no contact.
    pub missing: Vec<String>,
}

/// One page of search results.
#[derive(Clone, Debug)]
pub struct SearchPage {
    pub total: u64,
    pub contacts: Vec<Contact>,
    /// The offset of the next page, when there is one HubSpot would serve.
    pub next_after: Option<usize>,
}

impl Crm {
    /// Runs a batch write. With an `objectWriteTraceId` on any input, each
    /// input succeeds or fails alone (HubSpot's 207); otherwise the first
    /// failure fails the request and nothing is written.
    pub async fn write_batch(
        &self,
        portal: PortalId,
        kind: BatchKind,
        inputs: Vec<BatchInput>,
        source: ChangeSource,
    ) -> Result<Vec<Result<OpOutcome>>> {
        check_batch_size(inputs.len(), false)?;
        let mode = if inputs.iter().any(|i| i.object_write_trace_id.is_some()) {
            BatchMode::PerInput
        } else {
            BatchMode::AllOrNothing
        };
        self.write_inputs(portal, kind, inputs, source, mode).await
    }

    /// Upserts the rows of an import (any number, one transaction), each
    /// succeeding or failing alone, as a batch with `objectWriteTraceId`s.
    /// Rows come checked, so they are written all at once first; only when
    /// one is refused is the chunk written again row by row (a savepoint
    /// each), so that the others still land.
    pub async fn import_rows(
        &self,
        portal: PortalId,
        inputs: Vec<BatchInput>,
        source: ChangeSource,
    ) -> Result<Vec<Result<OpOutcome>>> {
        let at_once = self
            .write_inputs(
                portal,
                BatchKind::Upsert,
                inputs.clone(),
                source.clone(),
                BatchMode::AllOrNothing,
            )
            .await;
        match at_once {
            Ok(results) => Ok(results),
            Err(err @ (Error::Internal(_) | Error::Unavailable(_) | Error::Retry(_))) => Err(err),
            Err(_) => {
                self.write_inputs(
                    portal,
                    BatchKind::Upsert,
                    inputs,
                    source,
                    BatchMode::PerInput,
                )
                .await
            }
        }
    }

    async fn write_inputs(
        &self,
        portal: PortalId,
        kind: BatchKind,
        inputs: Vec<BatchInput>,
        source: ChangeSource,
        mode: BatchMode,
    ) -> Result<Vec<Result<OpOutcome>>> {
        let mut planned: Vec<Result<ContactOp>> = Vec::with_capacity(inputs.len());
        for input in inputs {
            planned.push(self.plan(portal, kind, input, &source).await);
        }
        let ops = || planned.iter().filter_map(|p| p.as_ref().ok());
        let targets: Vec<String> = ops().filter_map(target_key).collect();
        let twice = repeated(&targets);
        if !twice.is_empty() {
            return Err(Error::invalid_field(
                "inputs",
                format!(
                    "Duplicate IDs found in batch input: [{}]. IDs must be unique",
                    twice.join(", ")
                ),
            ));
        }
        if mode == BatchMode::AllOrNothing {
            // Sequentially the second of two equal emails would conflict with
            // the first, which the failed request then never wrote.
            let emails: Vec<String> = ops().filter_map(created_email).collect();
            let twice = repeated(&emails);
            if !twice.is_empty() {
                return Err(Error::invalid_field(
                    "inputs",
                    format!(
                        "Duplicate emails found in batch input: [{}]. Emails must be unique",
                        twice.join(", ")
                    ),
                ));
            }
        }
        if mode == BatchMode::AllOrNothing {
            let ops = planned.into_iter().collect::<Result<Vec<_>>>()?;
            return self.store.apply(portal, ops, mode).await;
        }
        let ops: Vec<ContactOp> = planned
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        let mut applied = self.store.apply(portal, ops, mode).await?.into_iter();
        Ok(planned
            .into_iter()
            .map(|p| match p {
                Ok(_) => applied
                    .next()
                    .unwrap_or_else(|| Err(Error::internal("a batch write went missing"))),
                Err(err) => Err(err),
            })
            .collect())
    }

    /// Validates one input into the write it asks for.
    async fn plan(
        &self,
        portal: PortalId,
        kind: BatchKind,
        input: BatchInput,
        source: &ChangeSource,
    ) -> Result<ContactOp> {
        let named: Vec<&str> = super::contacts::names(&input.properties).collect();
        let schema = self.schema_for(portal, named).await?;
        let write = |properties: &[(String, InputValue)]| -> Result<ContactWrite> {
            Ok(ContactWrite {
                changes: schema.validate_write(properties)?,
                source: source.clone(),
                at: Timestamp::now(),
            })
        };
        match kind {
            BatchKind::Create => Ok(ContactOp::Create(write(&input.properties)?)),
            BatchKind::Update => {
                let id = required_id(&input)?;
                let lookup = self
                    .lookup(portal, id, input.id_property.as_deref())
                    .await?;
                Ok(ContactOp::Update {
                    lookup,
                    write: write(&input.properties)?,
                })
            }
            BatchKind::Upsert => {
                let id = required_id(&input)?;
                match input.id_property.as_deref() {
                    None | Some("hs_object_id") => {
                        let lookup = self.lookup(portal, id, None).await?;
                        Ok(ContactOp::Update {
                            lookup,
                            write: write(&input.properties)?,
                        })
                    }
                    Some(property) => {
                        let ContactLookup::Unique { property, key } =
                            self.lookup(portal, id, Some(property)).await?
                        else {
                            return Err(Error::internal("a unique lookup that is not"));
                        };
                        let mut properties = input.properties.clone();
                        match properties.iter().find(|(name, _)| *name == property) {
                            Some((_, InputValue::Text(given))) if unique_key(given) != key => {
                                return Err(Error::invalid_field(
                                    "properties",
                                    format!("The {property} in properties (\"{given}\") differs from the id (\"{id}\")."),
                                ))
                            }
                            Some(_) => {}
                            None => properties.push((property.clone(), InputValue::text(id.trim()))),
                        }
                        Ok(ContactOp::Upsert {
                            property,
                            key,
                            write: write(&properties)?,
                        })
                    }
                }
            }
        }
    }

    /// Reads contacts by id or by the value of an identifying property.
    pub async fn batch_read(
        &self,
        portal: PortalId,
        ids: &[String],
        id_property: Option<&str>,
        archived: bool,
        with_history: bool,
    ) -> Result<BatchRead> {
        check_batch_size(ids.len(), with_history)?;
        let mut found: Vec<Contact> = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            let contact = match self.lookup(portal, id, id_property).await {
                Ok(lookup) => self.store.find_contact(portal, &lookup, archived).await?,
                Err(Error::NotFound(_)) => None,
                Err(err) => return Err(err),
            };
            match contact {
                Some(c) if !found.iter().any(|f| f.id == c.id) => found.push(c),
                Some(_) => {}
                None => missing.push(id.clone()),
            }
        }
        Ok(BatchRead { found, missing })
    }

    /// Archives contacts by id; ids that name no contact are skipped.
    pub async fn batch_archive(&self, portal: PortalId, ids: &[String]) -> Result<()> {
        check_batch_size(ids.len(), false)?;
        let ids: Vec<ContactId> = ids
            .iter()
            .filter_map(|id| ContactId::parse(id.trim()))
            .collect();
        self.store.archive_contacts(portal, &ids).await.map(drop)
    }

    /// Merges `secondary` into `primary`; the result keeps the primary's id
    /// and both ids resolve to it.
    pub async fn merge_contacts(
        &self,
        portal: PortalId,
        primary: &str,
        secondary: &str,
    ) -> Result<Contact> {
        let parse = |text: &str, field: &str| {
            ContactId::parse(text.trim()).ok_or_else(|| {
                Error::invalid_field(field, format!("\"{text}\" is not a contact id."))
            })
        };
        let primary = parse(primary, "primaryObjectId")?;
        let secondary = parse(secondary, "objectIdToMerge")?;
        self.store
            .merge_contacts(portal, primary, secondary, Timestamp::now())
            .await
    }

    /// Permanently deletes a contact (by id, or by email with
    /// `id_property`); an unknown email is blocked from future use.
    pub async fn gdpr_delete(
        &self,
        portal: PortalId,
        object_id: &str,
        id_property: Option<&str>,
    ) -> Result<GdprOutcome> {
        let lookup = self.lookup(portal, object_id, id_property).await?;
        if let ContactLookup::Unique { property, key } = &lookup {
            if property != "email"
                && self
                    .store
                    .find_contact(portal, &lookup, false)
                    .await?
                    .is_none()
            {
                return Err(Error::NotFound(format!(
                    "No contact has {property} \"{key}\"."
                )));
            }
        }
        // The person's addresses, to be forgotten by the request journal
        // too (every value that identifies them in the calls it keeps).
        let mut addresses: Vec<String> = Vec::new();
        if let ContactLookup::Unique { property, key } = &lookup {
            if property == "email" {
                addresses.push(key.to_lowercase());
            }
        }
        let active = self.store.find_contact(portal, &lookup, false).await?;
        let found = match active {
            Some(contact) => Some(contact),
            None => self.store.find_contact(portal, &lookup, true).await?,
        };
        if let Some(contact) = found {
            addresses.extend(addresses_of(&contact));
        }
        let outcome = self.store.gdpr_delete(portal, &lookup).await?;
        self.forget(portal, addresses).await?;
        Ok(outcome)
    }

    /// Purges the contacts, of every portal, archived before `before`
    /// (retention), as a GDPR delete removes a contact and with the
    /// journal's and imports' notes of their addresses, without events;
    /// how many went.
    pub async fn purge_archived(&self, before: Timestamp, batch: usize) -> Result<u64> {
        let mut purged = 0;
        loop {
            let due = self.store.archived_before(before, batch).await?;
            let mut progressed = false;
            for (portal, id) in &due {
                let contact = self
                    .store
                    .find_contact(*portal, &ContactLookup::Id(*id), true)
                    .await?;
                if self.store.purge_archived(*portal, *id, before).await? {
                    purged += 1;
                    progressed = true;
                    let addresses = contact.as_ref().map(addresses_of).unwrap_or_default();
                    self.forget(*portal, addresses).await?;
                }
            }
            if due.len() < batch || !progressed {
                return Ok(purged);
            }
        }
    }

    /// The journal's and the imports' notes of a person deleted for good.
    async fn forget(&self, portal: PortalId, mut addresses: Vec<String>) -> Result<()> {
        addresses.sort();
        addresses.dedup();
        self.store.forget_in_journal(portal, &addresses).await?;
        self.store.forget_in_imports(portal, &addresses).await
    }

    /// Runs a search and loads the page's contacts.
    pub async fn search(&self, portal: PortalId, input: &SearchInput) -> Result<SearchPage> {
        let mut named: Vec<&str> = input
            .filter_groups
            .iter()
            .flatten()
            .filter_map(|f| f.property_name.as_deref())
            .collect();
        named.extend(input.sorts.iter().map(|s| s.property_name.as_str()));
        let schema = self.schema_for(portal, named).await?;
        let request = SearchRequest::validate(input, &schema)?;
        let (offset, limit) = (request.offset, request.limit);
        let hits = self.run_search(portal, request).await?;
        let contacts = self.store.find_contacts(portal, &hits.ids, false).await?;
        let next = offset + limit;
        let next_after = (next < hits.total as usize && next < MAX_RESULTS).then_some(next);
        Ok(SearchPage {
            total: hits.total,
            contacts,
            next_after,
        })
    }
}

/// A contact's email addresses, lowercase.
fn addresses_of(contact: &Contact) -> Vec<String> {
    ["email", "hs_additional_emails"]
        .iter()
        .filter_map(|name| contact.properties.get(*name))
        .flat_map(|value| {
            value
                .split(';')
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn required_id(input: &BatchInput) -> Result<&str> {
    input
        .id
        .as_deref()
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| Error::invalid_field("id", "Each input needs an id."))
}

/// The contact an update or upsert writes to, for duplicate detection.
fn target_key(op: &ContactOp) -> Option<String> {
    match op {
        ContactOp::Create(_) => None,
        ContactOp::Update {
            lookup: ContactLookup::Id(id),
            ..
        } => Some(id.to_string()),
        ContactOp::Update {
            lookup: ContactLookup::Unique { key, .. },
            ..
        }
        | ContactOp::Upsert { key, .. } => Some(key.clone()),
    }
}

/// The email a create sets, lowercase.
fn created_email(op: &ContactOp) -> Option<String> {
    match op {
        ContactOp::Create(write) => write
            .changes
            .get("email")
            .cloned()
            .flatten()
            .map(|e| unique_key(&e)),
        _ => None,
    }
}

/// Values that appear more than once, each named once, in first order.
fn repeated(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) && !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}
