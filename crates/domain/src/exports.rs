//! Contacts out as files: HubSpot's exports API
//! (`/crm/v3/exports/export/async`) and `spoke export`, one engine.
//!
//! An export walks the portal's contacts in pages of [`PAGE`], in id order
//! (all of them, or a list's members), or a search's hits, and writes each
//! contact as a CSV row or a JSON line. Nothing is held beyond a page, so a
//! million contacts stream in flat memory.

use crate::contact::Contact;
use crate::crm::Crm;
use crate::error::{Error, Result};
use crate::ids::{ContactId, ListId, PortalId};
use crate::lists::{MemberCursor, MemberOrder, MemberPage};
use crate::search::{SearchInput, MAX_RESULTS};
use crate::store::{ListQuery, Store};
use crate::time::Timestamp;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Contacts read at a time.
pub const PAGE: usize = 1_000;
/// How long an export's download link works, as on HubSpot.
pub const LINK_VALID_MS: i64 = 5 * 60 * 1000;

/// The properties exported when none are named.
pub const DEFAULT_PROPERTIES: &[&str] = &[
    "hs_object_id",
    "email",
    "firstname",
    "lastname",
    "phone",
    "company",
    "jobtitle",
    "lifecyclestage",
    "createdate",
    "lastmodifieddate",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Option<ExportFormat> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "jsonl" | "ndjson" => Some(ExportFormat::Jsonl),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/x-ndjson",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

/// Which contacts an export holds.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportScope {
    /// Every active contact (and archived ones too, with `archived`).
    All {
        archived: bool,
    },
    List(ListId),
    /// A search's hits (at most [`MAX_RESULTS`], as search serves).
    Search(SearchInput),
}

/// What to export.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportSpec {
    pub format: ExportFormat,
    /// Empty: [`DEFAULT_PROPERTIES`].
    pub properties: Vec<String>,
    pub scope: ExportScope,
}

/// A stored export of the API: its request, and the key its download links
/// are signed with (a link is made at each status call and works for
/// [`LINK_VALID_MS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRecord {
    pub id: i64,
    pub portal: PortalId,
    pub name: String,
    pub request: Value,
    pub link_key: [u8; 32],
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewExport {
    pub name: String,
    pub request: Value,
    pub link_key: [u8; 32],
    pub at: Timestamp,
}

/// Exports as the API asks for them.
#[derive(Clone)]
pub struct Exports {
    store: Arc<dyn Store>,
}

impl Exports {
    pub fn new(store: Arc<dyn Store>) -> Exports {
        Exports { store }
    }

    /// Checks the export (so a bad one is refused at once) and stores it
    /// with a new key for its links.
    pub async fn create(
        &self,
        portal: PortalId,
        spec: ExportSpec,
        name: String,
        request: Value,
    ) -> Result<ExportRecord> {
        self.walk(portal, spec).await?;
        self.store
            .create_export(
                portal,
                NewExport {
                    name,
                    request,
                    link_key: new_link_key(),
                    at: Timestamp::now(),
                },
            )
            .await
    }

    /// The portal's export `id`.
    pub async fn get(&self, portal: PortalId, id: i64) -> Result<Option<ExportRecord>> {
        Ok(self.store.export(id).await?.filter(|r| r.portal == portal))
    }

    /// The export a download link names, if the link is genuine and valid.
    pub async fn for_link(&self, id: i64, expires: i64, signature: &str) -> Result<ExportRecord> {
        let record = self
            .store
            .export(id)
            .await?
            .ok_or_else(|| Error::Unauthenticated("This export link is not valid.".into()))?;
        check_link(&record, expires, signature, Timestamp::now())?;
        Ok(record)
    }

    /// A walk over the contacts of `spec`.
    pub async fn walk(&self, portal: PortalId, spec: ExportSpec) -> Result<ExportWalk> {
        ExportWalk::start(Arc::clone(&self.store), portal, spec).await
    }
}

/// Where a walk stands.
#[derive(Clone, Debug, PartialEq)]
enum Cursor {
    Contacts {
        archived: bool,
        after: Option<ContactId>,
    },
    Members(Option<MemberCursor>),
    Hits(usize),
    Done,
}

/// One export, page by page.
pub struct ExportWalk {
    store: Arc<dyn Store>,
    crm: Crm,
    lists: crate::lists::Lists,
    portal: PortalId,
    spec: ExportSpec,
    cursor: Cursor,
}

impl ExportWalk {
    /// Checks the spec (the portal, every property, the list, the search)
    /// and fills in the default properties; the walk starts at the first
    /// contact.
    pub async fn start(
        store: Arc<dyn Store>,
        portal: PortalId,
        mut spec: ExportSpec,
    ) -> Result<ExportWalk> {
        if store.portal(portal).await?.is_none() {
            return Err(crate::access::service::no_portal(portal));
        }
        let crm = Crm::new(Arc::clone(&store));
        let lists = crate::lists::Lists::new(Arc::clone(&store));
        let schema = crm.schema(portal).await?;
        if spec.properties.is_empty() {
            spec.properties = DEFAULT_PROPERTIES
                .iter()
                .filter(|p| schema.get(p).is_some())
                .map(|p| p.to_string())
                .collect();
        }
        let unknown: Vec<&str> = spec
            .properties
            .iter()
            .filter(|p| schema.get(p).is_none())
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(Error::invalid_field(
                "objectProperties",
                format!("These are not contact properties: {}.", unknown.join(", ")),
            ));
        }
        let cursor = match &spec.scope {
            ExportScope::All { .. } => Cursor::Contacts {
                archived: false,
                after: None,
            },
            ExportScope::List(id) => {
                lists.get(portal, *id).await?;
                Cursor::Members(None)
            }
            ExportScope::Search(input) => {
                let mut probe = input.clone();
                probe.limit = Some(1);
                probe.after = None;
                let total = crm.search(portal, &probe).await?.total;
                if total > MAX_RESULTS as u64 {
                    return Err(Error::invalid_field(
                        "publicCrmSearchRequest",
                        format!("The search finds {total} contacts; an export of a search holds at most {MAX_RESULTS}. Narrow its filters, or export every contact or a list."),
                    ));
                }
                Cursor::Hits(0)
            }
        };
        Ok(ExportWalk {
            store,
            crm,
            lists,
            portal,
            spec,
            cursor,
        })
    }

    pub fn spec(&self) -> &ExportSpec {
        &self.spec
    }

    /// How many contacts the export will hold, as of now.
    pub async fn count(&self) -> Result<u64> {
        match &self.spec.scope {
            ExportScope::All { archived } => {
                let active = self.count_search(&SearchInput::default()).await?;
                let archived = if *archived {
                    self.count_archived().await?
                } else {
                    0
                };
                Ok(active + archived)
            }
            ExportScope::List(id) => Ok(self.lists.get(self.portal, *id).await?.size.max(0) as u64),
            ExportScope::Search(input) => self.count_search(input).await,
        }
    }

    async fn count_search(&self, input: &SearchInput) -> Result<u64> {
        let mut probe = input.clone();
        probe.limit = Some(1);
        probe.after = None;
        Ok(self.crm.search(self.portal, &probe).await?.total)
    }

    async fn count_archived(&self) -> Result<u64> {
        let mut count = 0;
        let mut after = None;
        loop {
            let page = self
                .store
                .list_contacts(
                    self.portal,
                    ListQuery {
                        from: after,
                        limit: PAGE,
                        archived: true,
                    },
                )
                .await?;
            count += page.len() as u64;
            match page.last() {
                Some(last) if page.len() == PAGE => after = Some(ContactId(last.id.0 + 1)),
                _ => return Ok(count),
            }
        }
    }

    /// The next page of contacts; empty at the end.
    pub async fn next_page(&mut self) -> Result<Vec<Contact>> {
        loop {
            let (contacts, next) = match &self.cursor {
                Cursor::Done => return Ok(Vec::new()),
                Cursor::Contacts { archived, after } => {
                    let archived = *archived;
                    let page = self
                        .store
                        .list_contacts(
                            self.portal,
                            ListQuery {
                                from: *after,
                                limit: PAGE,
                                archived,
                            },
                        )
                        .await?;
                    let next = match page.last() {
                        Some(last) if page.len() == PAGE => Cursor::Contacts {
                            archived,
                            after: Some(ContactId(last.id.0 + 1)),
                        },
                        _ if !archived
                            && self.spec.scope == (ExportScope::All { archived: true }) =>
                        {
                            Cursor::Contacts {
                                archived: true,
                                after: None,
                            }
                        }
                        _ => Cursor::Done,
                    };
                    (page, next)
                }
                Cursor::Members(after) => {
                    let ExportScope::List(id) = self.spec.scope else {
                        return Err(Error::internal("a list walk without a list"));
                    };
                    let page = MemberPage {
                        order: MemberOrder::RecordId,
                        after: *after,
                        before: None,
                        limit: PAGE,
                    };
                    let (_, members) = self.lists.member_contacts(self.portal, id, page).await?;
                    let (more, last) = (members.len() == PAGE, members.last().map(|(m, _)| *m));
                    let next = match last {
                        Some(m) if more => Cursor::Members(Some(MemberCursor {
                            added_at: m.added_at.millis(),
                            contact: m.contact,
                        })),
                        _ => Cursor::Done,
                    };
                    (members.into_iter().map(|(_, c)| c).collect(), next)
                }
                Cursor::Hits(offset) => {
                    let ExportScope::Search(input) = &self.spec.scope else {
                        return Err(Error::internal("a search walk without a search"));
                    };
                    let mut input = input.clone();
                    input.limit = Some(crate::search::MAX_LIMIT as i64);
                    input.after = Some(offset.to_string());
                    let page = self.crm.search(self.portal, &input).await?;
                    let next = page.next_after.map(Cursor::Hits).unwrap_or(Cursor::Done);
                    (page.contacts, next)
                }
            };
            self.cursor = next;
            if !contacts.is_empty() || self.cursor == Cursor::Done {
                return Ok(contacts);
            }
        }
    }

    /// The CSV header line (internal names, as the import maps them back).
    pub fn csv_header(&self) -> String {
        let mut out = csv_line(self.spec.properties.iter().map(String::as_str));
        if matches!(self.spec.scope, ExportScope::All { archived: true }) {
            out.insert_str(out.len() - 1, ",archived");
        }
        out
    }

    /// One contact as a line of the export's format.
    pub fn line(&self, contact: &Contact) -> String {
        let value = |name: &str| -> String {
            contact
                .value(name)
                .map(|v| v.into_owned())
                .unwrap_or_default()
        };
        match self.spec.format {
            ExportFormat::Csv => {
                let values: Vec<String> = self.spec.properties.iter().map(|p| value(p)).collect();
                let mut out = csv_line(values.iter().map(String::as_str));
                if matches!(self.spec.scope, ExportScope::All { archived: true }) {
                    out.insert_str(
                        out.len() - 1,
                        if contact.archived() {
                            ",true"
                        } else {
                            ",false"
                        },
                    );
                }
                out
            }
            ExportFormat::Jsonl => {
                let mut properties = Map::new();
                for name in &self.spec.properties {
                    let v = value(name);
                    properties.insert(
                        name.clone(),
                        if v.is_empty() {
                            Value::Null
                        } else {
                            Value::String(v)
                        },
                    );
                }
                let mut out = json!({
                    "id": contact.id.to_string(),
                    "properties": properties,
                    "createdAt": contact.created_at.to_iso(),
                    "updatedAt": contact.updated_at.to_iso(),
                    "archived": contact.archived(),
                })
                .to_string();
                out.push('\n');
                out
            }
        }
    }
}

/// A new key to sign an export's links with.
pub fn new_link_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the operating system's random source works");
    key
}

/// The signature of export `id`'s link valid until `expires` (ms).
pub fn link_signature(key: &[u8; 32], id: i64, expires: i64) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("export:{id}:{expires}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a download link is genuine (compared in constant time) and
/// still valid at `now`.
pub fn check_link(
    record: &ExportRecord,
    expires: i64,
    signature: &str,
    now: Timestamp,
) -> Result<()> {
    use subtle::ConstantTimeEq;
    let expected = link_signature(&record.link_key, record.id, expires);
    let genuine: bool = expected.as_bytes().ct_eq(signature.as_bytes()).into();
    if !genuine {
        return Err(Error::Unauthenticated(
            "This export link is not valid.".into(),
        ));
    }
    if now.millis() > expires {
        return Err(Error::Unauthenticated(
            "This export link has expired; ask the export's status for a new one.".into(),
        ));
    }
    Ok(())
}

/// One CSV line, fields quoted where they must be (RFC 4180).
fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r', ';'])
            || field.starts_with(' ')
            || field.ends_with(' ')
        {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_where_they_must_be() {
        assert_eq!(
            csv_line(["a@x.io", "Ann, the first", "say \"hi\"", "two\nlines", ""].into_iter()),
            "a@x.io,\"Ann, the first\",\"say \"\"hi\"\"\",\"two\nlines\",\n"
        );
    }

    #[test]
    fn a_link_is_genuine_only_with_its_own_signature_and_until_it_expires() {
        let record = ExportRecord {
            id: 7,
            portal: PortalId(1),
            name: "x".into(),
            request: Value::Null,
            link_key: new_link_key(),
            created_at: Timestamp::from_stored(0),
        };
        let now = Timestamp::from_stored(1_000);
        let signature = link_signature(&record.link_key, 7, 2_000);
        assert!(check_link(&record, 2_000, &signature, now).is_ok());
        assert!(
            check_link(&record, 3_000, &signature, now).is_err(),
            "expiry is signed"
        );
        assert!(check_link(&record, 2_000, &signature, Timestamp::from_stored(2_001)).is_err());
        let other = link_signature(&new_link_key(), 7, 2_000);
        assert!(check_link(&record, 2_000, &other, now).is_err());
    }

    #[test]
    fn formats_are_named_as_users_write_them() {
        assert_eq!(ExportFormat::parse("CSV"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse("jsonl"), Some(ExportFormat::Jsonl));
        assert_eq!(ExportFormat::parse("xlsx"), None);
    }
}
