//! The rows that give access, shared by portals and apps: app ids,
//! private apps and credentials.

use crate::internal;
use rusqlite::{params, Transaction};
use spoke_domain::access::portals::{NewPrivateApp, PrivateApp};
use spoke_domain::access::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

pub(crate) fn portal_exists(tx: &Transaction<'_>, portal: PortalId) -> Result<bool> {
    tx.prepare_cached("SELECT 1 FROM portals WHERE id = ?1")
        .and_then(|mut stmt| stmt.exists([portal.0]))
        .map_err(internal)
}

/// The next app id (one number space for private and public apps).
pub(crate) fn allocate_app_id(tx: &Transaction<'_>) -> Result<AppId> {
    tx.query_row(
        "UPDATE counters SET next = next + 1 WHERE name = 'app_id' RETURNING next - 1",
        [],
        |r| r.get(0),
    )
    .map(AppId)
    .map_err(internal)
}

pub(crate) fn insert_private_app(
    tx: &Transaction<'_>,
    portal: PortalId,
    app: &NewPrivateApp,
    bootstrap: bool,
) -> Result<PrivateApp> {
    let id = allocate_app_id(tx)?;
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO private_apps (portal_id, app_id, name, scopes, bootstrap, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            portal.0,
            id.0,
            app.name,
            app.scopes.to_stored(),
            bootstrap,
            now.millis()
        ],
    )
    .map_err(internal)?;
    add_credential(
        tx,
        app.token_hash,
        portal,
        "private_app",
        Some(id),
        &app.scopes,
        None,
    )?;
    Ok(PrivateApp {
        id,
        portal,
        name: app.name.clone(),
        scopes: app.scopes.clone(),
        created_at: now,
    })
}

/// Registers a credential; one already known is left as it is.
pub(crate) fn add_credential(
    tx: &Transaction<'_>,
    hash: [u8; 32],
    portal: PortalId,
    kind: &str,
    app: Option<AppId>,
    scopes: &Scopes,
    expires_at: Option<Timestamp>,
) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO access_tokens (token_hash, portal_id, kind, app_id, scopes, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            &hash[..],
            portal.0,
            kind,
            app.map(|a| a.0),
            scopes.to_stored(),
            expires_at.map(Timestamp::millis),
            Timestamp::now().millis()
        ],
    )
    .map(drop)
    .map_err(internal)
}
