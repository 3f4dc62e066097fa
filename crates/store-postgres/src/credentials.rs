//! The rows that give access, shared by portals and apps: app ids,
//! private apps and credentials.

use crate::db::db;
use deadpool_postgres::{GenericClient, Transaction};
use spoke_domain::access::portals::{NewPrivateApp, PrivateApp};
use spoke_domain::access::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

pub(crate) async fn portal_exists(tx: &Transaction<'_>, portal: PortalId) -> Result<bool> {
    let row = tx
        .query_opt("SELECT 1 FROM portals WHERE portal_id = $1", &[&portal.0])
        .await
        .map_err(db)?;
    Ok(row.is_some())
}

/// The next app id (one number space for private and public apps).
pub(crate) async fn allocate_app_id(client: &impl GenericClient) -> Result<AppId> {
    let row = client
        .query_one("SELECT nextval('app_ids')", &[])
        .await
        .map_err(db)?;
    Ok(AppId(row.get(0)))
}

pub(crate) async fn insert_private_app(
    tx: &Transaction<'_>,
    portal: PortalId,
    app: &NewPrivateApp,
    bootstrap: bool,
) -> Result<PrivateApp> {
    let id = allocate_app_id(tx).await?;
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO private_apps (portal_id, app_id, name, scopes, bootstrap, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &portal.0,
            &id.0,
            &app.name,
            &app.scopes.to_stored(),
            &bootstrap,
            &now.millis(),
        ],
    )
    .await
    .map_err(db)?;
    add_credential(
        tx,
        app.token_hash,
        portal,
        "private_app",
        Some(id),
        &app.scopes,
        None,
    )
    .await?;
    Ok(PrivateApp {
        id,
        portal,
        name: app.name.clone(),
        scopes: app.scopes.clone(),
        created_at: now,
    })
}

/// Registers a credential; one already known is left as it is.
pub(crate) async fn add_credential(
    tx: &Transaction<'_>,
    hash: [u8; 32],
    portal: PortalId,
    kind: &str,
    app: Option<AppId>,
    scopes: &Scopes,
    expires_at: Option<Timestamp>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO access_tokens (token_hash, portal_id, kind, app_id, scopes, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        &[
            &&hash[..],
            &portal.0,
            &kind,
            &app.map(|a| a.0),
            &scopes.to_stored(),
            &expires_at.map(Timestamp::millis),
            &Timestamp::now().millis(),
        ],
    )
    .await
    .map(drop)
    .map_err(db)
}
