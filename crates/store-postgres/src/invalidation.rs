//! What a node may cache, and how every node learns that it changed.
//!
//! A node keeps no contact data. It caches property schemas, token
//! lookups and fault rules, which are read on nearly every request; a change to either is
//! announced with `NOTIFY` in the transaction that makes it (delivered at
//! commit), and every node drops its copy on hearing it. A node that loses
//! its listening connection drops everything it cached, since it may have
//! missed notices, and listens again.

use futures_util::StreamExt;
use spoke_domain::access::StoredCredential;
use spoke_domain::ids::PortalId;
use spoke_domain::property::PropertySchema;
use spoke_domain::sandbox::faults::PortalFaults;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

/// Bound on the credential cache; past it the cache starts over.
const MAX_CACHED_TOKENS: usize = 100_000;

#[derive(Default)]
pub(crate) struct Caches {
    schemas: RwLock<HashMap<PortalId, Arc<PropertySchema>>>,
    credentials: RwLock<HashMap<[u8; 32], StoredCredential>>,
    faults: RwLock<HashMap<PortalId, Arc<PortalFaults>>>,
}

impl Caches {
    pub fn schema(&self, portal: PortalId) -> Option<Arc<PropertySchema>> {
        self.schemas
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&portal)
            .cloned()
    }

    pub fn keep_schema(&self, portal: PortalId, schema: Arc<PropertySchema>) {
        self.schemas
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(portal, schema);
    }

    pub fn faults(&self, portal: PortalId) -> Option<Arc<PortalFaults>> {
        self.faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&portal)
            .cloned()
    }

    pub fn keep_faults(&self, portal: PortalId, faults: Arc<PortalFaults>) {
        self.faults
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(portal, faults);
    }

    pub fn credential(&self, hash: &[u8; 32]) -> Option<StoredCredential> {
        self.credentials
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(hash)
            .cloned()
    }

    pub fn keep_credential(&self, hash: [u8; 32], credential: StoredCredential) {
        let mut credentials = self
            .credentials
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if credentials.len() >= MAX_CACHED_TOKENS {
            credentials.clear();
        }
        credentials.insert(hash, credential);
    }

    /// Drops what a notice says changed.
    pub fn forget(&self, notice: &Notice) {
        match notice {
            Notice::Schema(portal) | Notice::Portal(portal) => {
                self.schemas
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(portal);
            }
            Notice::Token(hash) => {
                self.credentials
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(hash);
            }
            Notice::Credentials(_) | Notice::Faults(_) => {}
        }
        if let Notice::Portal(portal) | Notice::Faults(portal) = notice {
            self.faults
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(portal);
        }
        if let Notice::Portal(portal) | Notice::Credentials(portal) = notice {
            self.credentials
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|_, c| c.portal != *portal);
        }
    }

    pub fn clear(&self) {
        self.schemas
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.faults
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.credentials
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// A change every node must hear of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Notice {
    /// A portal's property definitions changed.
    Schema(PortalId),
    /// A token was revoked.
    Token([u8; 32]),
    /// A portal changed as a whole (deleted, reset).
    Portal(PortalId),
    /// A portal's credentials or limits changed.
    Credentials(PortalId),
    /// A portal's faults changed.
    Faults(PortalId),
}

impl Notice {
    pub fn payload(&self) -> String {
        match self {
            Notice::Schema(p) => format!("schema:{p}"),
            Notice::Portal(p) => format!("portal:{p}"),
            Notice::Credentials(p) => format!("credentials:{p}"),
            Notice::Faults(p) => format!("faults:{p}"),
            Notice::Token(hash) => {
                let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
                format!("token:{hex}")
            }
        }
    }

    pub fn parse(payload: &str) -> Option<Notice> {
        let (kind, value) = payload.split_once(':')?;
        match kind {
            "schema" => value.parse().ok().map(|p| Notice::Schema(PortalId(p))),
            "portal" => value.parse().ok().map(|p| Notice::Portal(PortalId(p))),
            "credentials" => value.parse().ok().map(|p| Notice::Credentials(PortalId(p))),
            "faults" => value.parse().ok().map(|p| Notice::Faults(PortalId(p))),
            "token" if value.len() == 64 => {
                let mut hash = [0u8; 32];
                for (i, byte) in hash.iter_mut().enumerate() {
                    *byte = u8::from_str_radix(value.get(2 * i..2 * i + 2)?, 16).ok()?;
                }
                Some(Notice::Token(hash))
            }
            _ => None,
        }
    }
}

/// Announces a change to every node, when the transaction commits.
pub(crate) async fn notify(
    tx: &tokio_postgres::Transaction<'_>,
    channel: &str,
    notice: &Notice,
) -> Result<(), tokio_postgres::Error> {
    tx.execute("SELECT pg_notify($1, $2)", &[&channel, &notice.payload()])
        .await
        .map(drop)
}

/// Listens for notices until the store closes, reconnecting after a lost
/// connection.
pub(crate) async fn listen(
    config: tokio_postgres::Config,
    tls: crate::tls::PgTls,
    channel: String,
    caches: Arc<Caches>,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            ended = session(&config, &tls, &channel, &caches) => {
                if let Err(err) = ended {
                    tracing::warn!(error = %err, "lost the connection that hears cache notices; caches dropped, listening again");
                }
                caches.clear();
            }
            _ = closing.changed() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = closing.changed() => return,
        }
    }
}

async fn session(
    config: &tokio_postgres::Config,
    tls: &crate::tls::PgTls,
    channel: &str,
    caches: &Caches,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tls.clone()).await?;
    let (sender, mut received) = mpsc::unbounded_channel::<String>();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if sender.send(n.payload().to_string()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::debug!(error = %err, "notice connection ended");
                    return;
                }
            }
        }
    });
    client.batch_execute(&format!("LISTEN {channel}")).await?;
    // Whatever changed before this node listened may not have been heard.
    caches.clear();
    while let Some(payload) = received.recv().await {
        match Notice::parse(&payload) {
            Some(notice) => caches.forget(&notice),
            None => tracing::warn!(%payload, "unknown cache notice"),
        }
    }
    driver.abort();
    // The connection ended: report it through the client.
    client.simple_query("SELECT 1").await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip() {
        for notice in [
            Notice::Schema(PortalId(7)),
            Notice::Portal(PortalId(1)),
            Notice::Credentials(PortalId(3)),
            Notice::Faults(PortalId(4)),
            Notice::Token([0xab; 32]),
        ] {
            assert_eq!(Notice::parse(&notice.payload()), Some(notice));
        }
        assert_eq!(Notice::parse("token:zz"), None);
        assert_eq!(Notice::parse("nonsense"), None);
    }
}
