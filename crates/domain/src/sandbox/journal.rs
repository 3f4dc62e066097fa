//! The request journal: the recent calls of a portal's API, as its callers
//! sent them (`GET /_spoke/v1/portals/{portalId}/requests`).
//!
//! A node notes each call after it is answered and hands it to a writer
//! that stores notes in batches, so a call waits for no journal write. The
//! journal keeps the newest [`KEEP_PER_PORTAL`] calls of each portal, with
//! bodies cut to [`MAX_BODY`] bytes. Secrets never reach it: the credential
//! is named by its kind and app, never its token, and the values of
//! `hapikey`, `access_token` and other secret query parameters are masked.

use crate::access::Credential;
use crate::error::Result;
use crate::ids::PortalId;
use crate::store::Store;
use crate::time::Timestamp;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Calls kept per portal.
pub const KEEP_PER_PORTAL: usize = 1_000;
/// Bytes of a body kept.
pub const MAX_BODY: usize = 2_048;
/// Notes waiting for the writer; past it, notes are dropped (and counted).
const QUEUE: usize = 10_000;
/// Query parameters whose values are secrets.
const SECRET_PARAMETERS: [&str; 5] = [
    "hapikey",
    "access_token",
    "client_secret",
    "code",
    "refresh_token",
];

/// One call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    pub at: Timestamp,
    /// The caller, e.g. `private_app:1000003`, `api_key`, `oauth:1000007`.
    pub credential: String,
    pub method: String,
    /// Path and query, secrets masked.
    pub path: String,
    pub status: u16,
    pub latency_ms: u64,
    pub correlation_id: String,
    pub request_body: String,
    pub response_body: String,
}

impl JournalEntry {
    pub fn to_json(&self, id: i64) -> Value {
        json!({
            "id": id,
            "at": self.at.to_iso(),
            "credential": self.credential,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "latencyMs": self.latency_ms,
            "correlationId": self.correlation_id,
            "requestBody": self.request_body,
            "responseBody": self.response_body,
        })
    }
}

/// How a caller is named in the journal.
pub fn credential_name(credential: &Credential) -> String {
    match credential {
        Credential::PrivateApp { app } => format!("private_app:{}", app.0),
        Credential::ApiKey => "api_key".into(),
        Credential::OAuth { app, .. } => format!("oauth:{}", app.0),
    }
}

/// A path with its query, the values of secret parameters masked.
pub fn masked(path: &str, query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return path.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _))
                if SECRET_PARAMETERS
                    .iter()
                    .any(|s| key.eq_ignore_ascii_case(s)) =>
            {
                format!("{key}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// A body as text, cut to [`MAX_BODY`] bytes on a character boundary.
pub fn cut(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_BODY + 4)]);
    if body.len() <= MAX_BODY {
        return text.into_owned();
    }
    let mut end = MAX_BODY.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Which calls to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalQuery {
    /// Calls whose path (with query) contains this.
    pub path: Option<String>,
    pub status: Option<u16>,
    pub correlation_id: Option<String>,
    /// Only calls newer than this id (for following the journal).
    pub after: Option<i64>,
    pub limit: usize,
}

enum Message {
    Note(PortalId, JournalEntry),
    /// Answered once every note sent before it is stored.
    Flush(oneshot::Sender<()>),
}

/// The journal as nodes use it: notes go to a writer task.
#[derive(Clone)]
pub struct Journal {
    store: Arc<dyn Store>,
    notes: mpsc::Sender<Message>,
    on: bool,
}

impl Journal {
    /// The journal (kept or not: `on`) and its writer, to be spawned.
    pub fn new(store: Arc<dyn Store>, on: bool) -> (Journal, JournalWriter) {
        let (notes, received) = mpsc::channel(QUEUE);
        (
            Journal {
                store: Arc::clone(&store),
                notes,
                on,
            },
            JournalWriter { store, received },
        )
    }

    /// Whether calls are noted (`--request-journal`).
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Notes a call; never waits (a full queue drops the note).
    pub fn note(&self, portal: PortalId, entry: JournalEntry) {
        let _ = self.notes.try_send(Message::Note(portal, entry));
    }

    /// Waits until every note this node took so far is stored.
    pub async fn flush(&self) {
        let (done, stored) = oneshot::channel();
        if self.notes.send(Message::Flush(done)).await.is_ok() {
            let _ = stored.await;
        }
    }

    pub async fn list(
        &self,
        portal: PortalId,
        query: JournalQuery,
    ) -> Result<Vec<(i64, JournalEntry)>> {
        self.check_portal(portal).await?;
        self.flush().await;
        self.store.journal(portal, query).await
    }

    pub async fn clear(&self, portal: PortalId) -> Result<()> {
        self.check_portal(portal).await?;
        self.flush().await;
        self.store.clear_journal(portal).await
    }

    async fn check_portal(&self, portal: PortalId) -> Result<()> {
        match self.store.portal(portal).await? {
            Some(_) => Ok(()),
            None => Err(crate::access::service::no_portal(portal)),
        }
    }
}

/// Stores notes in batches until every [`Journal`] is dropped.
pub struct JournalWriter {
    store: Arc<dyn Store>,
    received: mpsc::Receiver<Message>,
}

impl JournalWriter {
    /// Runs until every [`Journal`] is dropped; `failed` hears of batches
    /// the store refused (the calls themselves were answered).
    pub async fn run(mut self, failed: impl Fn(&crate::error::Error) + Send) {
        let mut batch = Vec::new();
        let mut waiting = Vec::new();
        while let Some(first) = self.received.recv().await {
            let mut next = Some(first);
            while let Some(message) = next {
                match message {
                    Message::Note(portal, entry) => batch.push((portal, entry)),
                    Message::Flush(done) => waiting.push(done),
                }
                next = if batch.len() < 500 {
                    self.received.try_recv().ok()
                } else {
                    None
                };
            }
            if !batch.is_empty() {
                if let Err(err) = self.store.record_requests(std::mem::take(&mut batch)).await {
                    failed(&err);
                }
            }
            for done in waiting.drain(..) {
                let _ = done.send(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_bodies_cut() {
        assert_eq!(
            masked(
                "/contacts/v1/lists/all/contacts/all",
                Some("hapikey=abc123&count=5")
            ),
            "/contacts/v1/lists/all/contacts/all?hapikey=***&count=5"
        );
        assert_eq!(
            masked("/x", Some("ACCESS_TOKEN=t&a=b")),
            "/x?ACCESS_TOKEN=***&a=b"
        );
        assert_eq!(masked("/x", None), "/x");
        assert_eq!(cut(b"{}"), "{}");
        let long = "é".repeat(MAX_BODY);
        let kept = cut(long.as_bytes());
        assert!(kept.ends_with('…'));
        assert!(kept.len() <= MAX_BODY + '…'.len_utf8());
    }
}
